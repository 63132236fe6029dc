# Every input function and helper of the workflow lives here.

import os
import re


DATASETS = config["datasets"]
if not DATASETS:
    raise ValueError("config: no datasets: add yours to config/config.yaml (README 'Your own data'), "
                     "or run the demo: snakemake --cores 2 --configfile config/demo.yaml")


def _check_datasets():
    """Name the config key of a missing input file (kinds are checked by the schema)."""
    for name, ds in DATASETS.items():
        for key in ("bam", "reference", "truth", "candidates", "regions", "exclude", "vcf", "samples"):
            path = ds.get(key)
            if path and not os.path.exists(path):
                raise ValueError(f"config: datasets.{name}.{key}: file {path} not found")


_check_datasets()


def dataset_generators(name):
    """datasets.<name>.generators, else generate.generators."""
    own = DATASETS[name].get("generators")
    return list(config["generate"]["generators"] if own is None else own)


GENERATORS = sorted({g for name in DATASETS for g in dataset_generators(name)})
REPLICATES = list(range(1, config["detect"]["replicates"] + 1))


def dataset_strategies(name):
    """detect.strategies (none, class_weight, oversample, logistic), then one per generator of the dataset."""
    return list(config["detect"]["strategies"]) + [g for g in dataset_generators(name)
                                                   if g not in config["detect"]["strategies"]]


STRATEGIES = sorted({s for name in DATASETS for s in dataset_strategies(name)})


def datasets_of_kind(kind):
    """Regex matching the names of the datasets of one kind (none: matches nothing).
    Encode rules constrain {dataset} with it, so each dataset has exactly one encoder."""
    return "|".join(re.escape(d) for d, ds in DATASETS.items() if ds["kind"] == kind) or "(?!)"


SCORE_SAMPLES = config["score"]["samples"]


def _check_score_samples():
    """score.samples.<name>: a configured sv dataset, strategy and replicate; input files that exist."""
    for name, sm in SCORE_SAMPLES.items():
        key = f"config: score.samples.{name}"
        ds = DATASETS.get(sm["dataset"])
        if ds is None or ds["kind"] != "sv":
            raise ValueError(f"{key}.dataset: '{sm['dataset']}' is not a dataset of kind sv "
                             f"(sv datasets: {', '.join(d for d in DATASETS if DATASETS[d]['kind'] == 'sv') or 'none'})")
        if sm["strategy"] not in dataset_strategies(sm["dataset"]):
            raise ValueError(f"{key}.strategy: '{sm['strategy']}' is not a strategy of dataset {sm['dataset']} "
                             f"({', '.join(dataset_strategies(sm['dataset']))})")
        if sm["replicate"] > config["detect"]["replicates"]:
            raise ValueError(f"{key}.replicate: {sm['replicate']} but detect.replicates is "
                             f"{config['detect']['replicates']}")
        for k in ("bam", "reference", "candidates"):
            if not os.path.exists(sm[k]):
                raise ValueError(f"{key}.{k}: file {sm[k]} not found")


_check_score_samples()


wildcard_constraints:
    dataset="|".join(re.escape(d) for d in DATASETS),
    generator="|".join(re.escape(g) for g in GENERATORS) or "(?!)",
    strategy="|".join(re.escape(s) for s in STRATEGIES),
    seed=r"\d+",
    sample="|".join(re.escape(s) for s in SCORE_SAMPLES) or "(?!)",


def get_final_outputs():
    out = []
    for name in DATASETS:
        out += [
            f"results/{name}/encoded.npz",
            f"results/{name}/samples.tsv",
            f"results/{name}/split.npz",
            f"results/{name}/split_counts.tsv",
        ]
        if DATASETS[name]["kind"] == "sv":
            out.append(f"results/{name}/qc/pileups.png")
            out += [f"results/{name}/detect/by_type_size.tsv", f"results/{name}/report/items.bed"]
        if DATASETS[name]["kind"] == "haplotypes":
            out.append(f"results/{name}/variants.tsv")
            out += [f"results/{name}/synthetic/{g}.vcf.gz" for g in dataset_generators(name)]
            if dataset_generators(name):
                out.append(f"results/{name}/report/haplotype_fidelity.png")
        out += [f"results/{name}/synthetic/{g}.npz" for g in dataset_generators(name)]
        out += [f"results/{name}/detect/{f}.tsv" for f in ("runs", "summary", "comparisons")]
        out += [f"results/{name}/fidelity/{g}.json" for g in dataset_generators(name)]
        out.append(f"results/{name}/report/detection.png")
        if dataset_generators(name):
            out.append(f"results/{name}/report/generators.png")
    out += ["results/report/summary.tsv", "results/report/summary.md"]
    for name in SCORE_SAMPLES:
        out += [f"results/score/{name}.vcf.gz", f"results/score/{name}.tsv"]
    return out


def _alignment_index(path):
    if path.endswith(".cram"):
        return f"{path}.crai"
    for candidate in (f"{path}.bai", f"{path[:-4]}.bai", f"{path}.csi"):
        if os.path.exists(candidate):
            return candidate
    return f"{path}.bai"


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
    for key in ("regions", "exclude"):
        if ds.get(key):
            inputs[key] = ds[key]
    return inputs


def get_truth_settings(wildcards):
    """datasets.<name>.truth_filters and truth_sample: which truth records are positives."""
    ds = DATASETS[wildcards.dataset]
    return {"filters": ds.get("truth_filters", ["PASS", "."]), "sample": ds.get("truth_sample")}


def get_encode_haplotypes_input(wildcards):
    """Named inputs of encode_haplotypes: the VCF/BCF (+ index when there is one) and the sample sheet."""
    ds = DATASETS[wildcards.dataset]
    return {"vcf": ds["vcf"], "vcf_index": _vcf_index(ds["vcf"]), "samples": ds["samples"]}


def get_encode_region(wildcards):
    """datasets.<name>.region: the part of the VCF to encode, or None for all of it."""
    return DATASETS[wildcards.dataset].get("region")


def get_encode_settings(wildcards):
    """encode.<kind> from config: the settings of this dataset's encoder."""
    return config["encode"][DATASETS[wildcards.dataset]["kind"]]


def get_generator_settings(wildcards):
    """Overrides of the generator's defaults: generate.settings.<generator>, then the
    dataset's own generator_settings.<generator> laid over them."""
    own = DATASETS[wildcards.dataset].get("generator_settings") or {}
    return {**config["generate"]["settings"].get(wildcards.generator, {}), **own.get(wildcards.generator, {})}


def get_generator_condition(wildcards):
    """generate.condition.<kind>: the samples.tsv column generators are conditioned on, or None."""
    return config["generate"]["condition"].get(DATASETS[wildcards.dataset]["kind"])


def get_generator_train_on(wildcards):
    """generate.train_on.<kind>: rare (the rare class of train) or all (every train item)."""
    return config["generate"]["train_on"].get(DATASETS[wildcards.dataset]["kind"], "rare")


def get_detector_input(wildcards):
    """encoded.npz and split.npz, plus the generator's synthetic items for a generator strategy."""
    if wildcards.strategy not in dataset_strategies(wildcards.dataset):
        raise ValueError(f"strategy {wildcards.strategy} is not configured for dataset {wildcards.dataset}")
    inputs = {"encoded": f"results/{wildcards.dataset}/encoded.npz", "split": f"results/{wildcards.dataset}/split.npz"}
    if wildcards.strategy in dataset_generators(wildcards.dataset):
        inputs["synthetic"] = f"results/{wildcards.dataset}/synthetic/{wildcards.strategy}.npz"
    return inputs


def get_detector_settings(wildcards):
    """detect.settings: the detector's settings (epochs, batch_size, lr, ...), the same for every strategy."""
    return config["detect"]["settings"]


def get_detector_seed(wildcards):
    """The torch seed of a replicate: seed * 1000 + replicate number."""
    return config["seed"] * 1000 + int(wildcards.seed)


def get_strategies_of(wildcards):
    return dataset_strategies(wildcards.dataset)


def get_detector_runs(filename):
    """Input function: ``filename`` of every strategy and replicate of the dataset."""

    def runs(wildcards):
        return [f"results/{wildcards.dataset}/detect/{s}/seed{r}/{filename}"
                for s in dataset_strategies(wildcards.dataset) for r in REPLICATES]

    return runs


def get_score_input(wildcards):
    """Named inputs of score_sample: the dataset's detector, the new BAM, reference and candidate VCF, with indexes."""
    sm = SCORE_SAMPLES[wildcards.sample]
    return {
        "model": f"results/{sm['dataset']}/detect/{sm['strategy']}/seed{sm['replicate']}/model.pt",
        "bam": sm["bam"],
        "bam_index": _alignment_index(sm["bam"]),
        "reference": sm["reference"],
        "reference_index": sm["reference"] + ".fai",
        "candidates": sm["candidates"],
        "candidates_index": _vcf_index(sm["candidates"]),
    }


def get_score_settings(wildcards):
    """encode.sv (the detector's item shape and read filters), with this sample's contig_rename and
    insert_size: the new BAM's library, estimated from it when null, never the training BAM's."""
    sm = SCORE_SAMPLES[wildcards.sample]
    return {**config["encode"]["sv"], "contig_rename": sm["contig_rename"], "insert_size": sm["insert_size"]}


def get_kind(wildcards):
    return DATASETS[wildcards.dataset]["kind"]


def get_fidelity_input(wildcards):
    """encoded.npz, split.npz, the generator's model (and the SNP table of haplotypes)."""
    d = wildcards.dataset
    inputs = {"encoded": f"results/{d}/encoded.npz", "split": f"results/{d}/split.npz",
              "model": f"results/{d}/generators/{wildcards.generator}/model.pt"}
    if DATASETS[d]["kind"] == "haplotypes":
        inputs["variants"] = f"results/{d}/variants.tsv"
    return inputs


def get_generators_of(wildcards):
    return dataset_generators(wildcards.dataset)


def get_generator_files(pattern):
    """Input function: ``pattern`` for every generator of the dataset."""

    def files(wildcards):
        return [pattern.format(dataset=wildcards.dataset, generator=g) for g in dataset_generators(wildcards.dataset)]

    return files


def get_summary_input(wildcards):
    """Per dataset: detection summary and comparisons, one metrics.json (test counts), fidelity of each generator."""
    inputs = {}
    for name in DATASETS:
        inputs[f"{name}_summary"] = f"results/{name}/detect/summary.tsv"
        inputs[f"{name}_comparisons"] = f"results/{name}/detect/comparisons.tsv"
        inputs[f"{name}_metrics"] = f"results/{name}/detect/none/seed1/metrics.json"
        inputs[f"{name}_fidelity"] = [f"results/{name}/fidelity/{g}.json" for g in dataset_generators(name)]
        if DATASETS[name]["kind"] == "sv":
            inputs[f"{name}_strata"] = f"results/{name}/detect/by_type_size.tsv"
    return inputs
