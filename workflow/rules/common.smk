# Every input function and helper of the workflow lives here.

import os
import re


DATASETS = config["datasets"]


def _check_datasets():
    """Name the config key of a missing input file (kinds are checked by the schema)."""
    for name, ds in DATASETS.items():
        for key in ("bam", "reference", "truth", "candidates"):
            path = ds.get(key)
            if path and not os.path.exists(path):
                raise ValueError(f"config: datasets.{name}.{key}: file {path} not found")


_check_datasets()


GENERATORS = config["generate"]["generators"]


wildcard_constraints:
    dataset="|".join(re.escape(d) for d in DATASETS),
    generator="|".join(re.escape(g) for g in GENERATORS) or "(?!)",


def get_final_outputs():
    out = []
    for name in DATASETS:
        out += [
            f"results/{name}/encoded.npz",
            f"results/{name}/samples.tsv",
            f"results/{name}/split.npz",
            f"results/{name}/split_counts.tsv",
            f"results/{name}/qc/pileups.png",
        ]
        out += [f"results/{name}/synthetic/{g}.npz" for g in GENERATORS]
    return out


def _alignment_index(path):
    if path.endswith(".cram"):
        return path + ".crai"
    for candidate in (path + ".bai", path[:-4] + ".bai", path + ".csi"):
        if os.path.exists(candidate):
            return candidate
    return path + ".bai"


def _vcf_index(path):
    for suffix in (".tbi", ".csi"):
        if os.path.exists(path + suffix):
            return [path + suffix]
    return []


def get_encode_sv_input(wildcards):
    """Named inputs of encode_sv: the alignments, reference, truth and optional calls, with indexes."""
    ds = DATASETS[wildcards.dataset]
    inputs = {
        "bam": ds["bam"],
        "bam_index": _alignment_index(ds["bam"]),
        "reference": ds["reference"],
        "reference_index": ds["reference"] + ".fai",
        "truth": ds["truth"],
        "truth_index": _vcf_index(ds["truth"]),
    }
    if ds.get("candidates"):
        inputs["candidates"] = ds["candidates"]
        inputs["candidates_index"] = _vcf_index(ds["candidates"])
    return inputs


def get_encode_settings(wildcards):
    """encode.<kind> from config: the settings of this dataset's encoder."""
    return config["encode"][DATASETS[wildcards.dataset]["kind"]]


def get_generator_settings(wildcards):
    """generate.settings.<generator>: overrides of the generator's defaults."""
    return config["generate"]["settings"].get(wildcards.generator, {})
