# Every input function and helper of the workflow lives here.

import os
import re
import sys

# the library's name tables (generators, detectors, layouts); these modules import no torch
sys.path.insert(0, os.path.join(workflow.basedir, os.pardir, "scripts"))
from genaug import detect as genaug_detect
from genaug import generators as genaug_generators
from genaug.configcheck import stop
from genaug.logs import failure_lines
from genaug.tensors import KIND_LAYOUTS

DATASETS = config["datasets"]
if not DATASETS:
    raise ValueError(
        "config: no datasets: add yours to config/config.yaml (README 'Your own data'), "
        "or run the demo: snakemake --cores 2 --configfile config/demo.yaml"
    )


def up_to_half_the_cores(n):
    """Threads when a job can use ``n`` of them, at most half of ``--cores`` (at least 1), so that on a few cores
    such a job does not wait for a pair of free cores while one-core jobs keep taking each core that frees
    (``--set-threads`` overrides it; cluster runs, where ``--cores`` does not bound a job, keep ``n``)."""
    cores = workflow.cores
    if not isinstance(cores, int) or cores <= 0 or cores >= 2**31:
        return n
    return max(1, min(n, cores // 2))


def _check_datasets():
    """Name the config key of a missing input file (kinds are checked by the schema)."""
    for name, ds in DATASETS.items():
        for key in (
            "bam",
            "reference",
            "truth",
            "candidates",
            "regions",
            "exclude",
            "vcf",
            "samples",
            "matrix",
            "genes",
            "graph",
            "fasta",
            "peaks",
        ):
            path = ds.get(key)
            if path and not os.path.exists(path):
                stop(f"config: datasets.{name}.{key}: file {path} not found")


_check_datasets()


def _rename_generators():
    """Old generator names (genaug.generators.RENAMED: `gan` is now `mlpgan`) in generator lists and
    settings are read as the new ones, with a warning."""
    old = genaug_generators.RENAMED
    places = [("generate", config["generate"])] + [(f"datasets.{n}", ds) for n, ds in DATASETS.items()]
    found = set()
    for where, section in places:
        for key in ("generators",):
            if section.get(key):
                found |= {f"{where}.{key}" for g in section[key] if g in old}
                section[key] = [old.get(g, g) for g in section[key]]
        for key in ("settings", "generator_settings"):
            if section.get(key):
                found |= {f"{where}.{key}" for g in section[key] if g in old}
                section[key] = {old.get(g, g): v for g, v in section[key].items()}
    if found:
        names = ", ".join(f"'{a}' is now '{b}'" for a, b in old.items())
        print(
            f"genaug: config: {', '.join(sorted(found))}: renamed generator ({names}); "
            "the old name still works, use the new one",
            file=sys.stderr,
        )


_rename_generators()


def print_failures(snakemake_log):
    """onerror: the failed jobs' one-line messages (genaug.logs.failure_lines), last on stderr."""
    lines = failure_lines(snakemake_log)
    if lines:
        print("\n".join(lines), file=sys.stderr)


def dataset_generators(name):
    """datasets.<name>.generators, else generate.generators."""
    own = DATASETS[name].get("generators")
    return list(config["generate"]["generators"] if own is None else own)


def generator_settings(name, generator):
    """Overrides of the generator's defaults: generate.settings.<generator>, then dataset
    <name>'s own generator_settings.<generator> laid over them."""
    own = DATASETS[name].get("generator_settings") or {}
    return {**config["generate"]["settings"].get(generator, {}), **own.get(generator, {})}


def _check_generators():
    """Every generator of a dataset suits the dataset's layout (names are checked by the schema)."""
    for name, ds in DATASETS.items():
        key = f"datasets.{name}.generators" if ds.get("generators") is not None else "generate.generators"
        layout = KIND_LAYOUTS[ds["kind"]]
        for g in dataset_generators(name):
            if g not in genaug_generators.GENERATORS:
                stop(f"config: {key}: unknown generator '{g}' " f"(known: {', '.join(genaug_generators.GENERATORS)})")
            if not genaug_generators.supports(g, layout):
                fit = [x for x in genaug_generators.GENERATORS if genaug_generators.supports(x, layout)]
                stop(
                    f"config: {key}: generator '{g}' does not learn {layout} items "
                    f"(dataset {name}, kind {ds['kind']}); generators for {layout}: {', '.join(fit)}"
                )
            try:
                genaug_generators.resolve(g, generator_settings(name, g))
            except ValueError as e:
                stop(f"config: dataset {name}: {e}")


_check_generators()


def _detect_config():
    """detect.strategies (augmentation only) and detect.detectors (per kind). The old strategy
    `logistic` is the logistic detector now: it is moved to every kind's detectors, with a warning."""
    strategies = list(config["detect"]["strategies"])
    detectors = {kind: list(names) for kind, names in config["detect"]["detectors"].items()}
    if "logistic" in strategies:
        strategies.remove("logistic")
        for names in detectors.values():
            if "logistic" not in names:
                names.append("logistic")
        for ds in DATASETS.values():
            if ds.get("detectors") is not None and "logistic" not in ds["detectors"]:
                ds["detectors"] = list(ds["detectors"]) + ["logistic"]
        print(
            "genaug: config: detect.strategies: 'logistic' is deprecated there: it is a detector, not an "
            "augmentation; it now runs as the `logistic` detector of every dataset (detect.detectors). "
            "Remove it from detect.strategies.",
            file=sys.stderr,
        )
    return strategies, detectors


DETECT_STRATEGIES, KIND_DETECTORS = _detect_config()
REPLICATES = list(range(1, config["detect"]["replicates"] + 1))


def dataset_detectors(name):
    """datasets.<name>.detectors, else detect.detectors.<kind>."""
    own = DATASETS[name].get("detectors")
    return list(KIND_DETECTORS.get(DATASETS[name]["kind"], []) if own is None else own)


def _check_detectors():
    """Every dataset has a detector, and each one takes the dataset's layout."""
    for name, ds in DATASETS.items():
        key = f"datasets.{name}.detectors" if ds.get("detectors") is not None else f"detect.detectors.{ds['kind']}"
        layout = KIND_LAYOUTS[ds["kind"]]
        if not dataset_detectors(name):
            stop(f"config: {key}: no detector for dataset {name} (kind {ds['kind']})")
        for d in dataset_detectors(name):
            spec = genaug_detect.DETECTORS.get(d)
            if spec is None:
                stop(f"config: {key}: unknown detector '{d}' (known: {', '.join(genaug_detect.DETECTORS)})")
            if not spec.supports(layout):
                fit = [x for x, sp in genaug_detect.DETECTORS.items() if sp.supports(layout)]
                stop(
                    f"config: {key}: detector '{d}' does not take {layout} items "
                    f"(dataset {name}, kind {ds['kind']}); detectors for {layout}: {', '.join(fit)}"
                )
    places = [("detect.settings", config["detect"]["settings"])]
    places += [(f"datasets.{n}.detector_settings", ds.get("detector_settings") or {}) for n, ds in DATASETS.items()]
    for key, settings in places:
        unknown = sorted(set(settings) - set(genaug_detect.DEFAULTS))
        if unknown:
            stop(
                f"config: {key}: unknown detector setting {', '.join(map(repr, unknown))} "
                f"(known: {', '.join(sorted(genaug_detect.DEFAULTS))})"
            )


_check_detectors()


def dataset_strategies(name):
    """datasets.<name>.strategies, else detect.strategies (none, class_weight, oversample), then one per
    generator of the dataset."""
    own = DATASETS[name].get("strategies")
    builtin = DETECT_STRATEGIES if own is None else list(own)
    if "none" not in builtin:
        stop(f"config: datasets.{name}.strategies: 'none' is required (every strategy is compared with it)")
    return builtin + [g for g in dataset_generators(name) if g not in builtin]


def detector_strategies(name, detector):
    """The dataset's strategies that ``detector`` trains under (the registry says which built-in ones)."""
    return genaug_detect.strategies_of(detector, dataset_strategies(name))


def detector_replicates(detector):
    """Replicate seeds of a detector: all of them, or only the first when its fit does not use the seed."""
    return REPLICATES if genaug_detect.DETECTORS[detector].seeded else REPLICATES[:1]


def dataset_runs(name):
    """(detector, strategy, replicate) of every detector run of the dataset."""
    return [
        (d, s, r) for d in dataset_detectors(name) for s in detector_strategies(name, d) for r in detector_replicates(d)
    ]


GENERATORS = sorted({g for name in DATASETS for g in dataset_generators(name)})
DETECTORS = sorted({d for name in DATASETS for d in dataset_detectors(name)})
STRATEGIES = sorted({s for name in DATASETS for s in dataset_strategies(name)})


def datasets_of_kind(kind):
    """Regex matching the names of the datasets of one kind (none: matches nothing).
    Encode rules constrain {dataset} with it, so each dataset has exactly one encoder."""
    return "|".join(re.escape(d) for d, ds in DATASETS.items() if ds["kind"] == kind) or "(?!)"


SCORE_SAMPLES = config["score"]["samples"]


def _check_score_samples():
    """score.samples.<name>: a configured sv dataset, detector, strategy and replicate; input files that exist."""
    for name, sm in SCORE_SAMPLES.items():
        key = f"config: score.samples.{name}"
        ds = DATASETS.get(sm["dataset"])
        if ds is None or ds["kind"] != "sv":
            stop(
                f"{key}.dataset: '{sm['dataset']}' is not a dataset of kind sv "
                f"(sv datasets: {', '.join(d for d in DATASETS if DATASETS[d]['kind'] == 'sv') or 'none'})"
            )
        if sm["detector"] not in dataset_detectors(sm["dataset"]):
            stop(
                f"{key}.detector: '{sm['detector']}' is not a detector of dataset {sm['dataset']} "
                f"({', '.join(dataset_detectors(sm['dataset']))})"
            )
        if sm["strategy"] not in detector_strategies(sm["dataset"], sm["detector"]):
            stop(
                f"{key}.strategy: '{sm['strategy']}' is not a strategy of detector {sm['detector']} of "
                f"dataset {sm['dataset']} ({', '.join(detector_strategies(sm['dataset'], sm['detector']))})"
            )
        if sm["replicate"] != "mean" and sm["replicate"] not in detector_replicates(sm["detector"]):
            stop(
                f"{key}.replicate: {sm['replicate']} but detector {sm['detector']} runs replicates "
                f"{', '.join(map(str, detector_replicates(sm['detector'])))} (detect.replicates: "
                f"{config['detect']['replicates']})"
            )
        for k in ("bam", "reference", "candidates", "truth"):
            if sm.get(k) and not os.path.exists(sm[k]):
                stop(f"{key}.{k}: file {sm[k]} not found")
        if not sm.get("candidates") and not sm.get("discover"):
            stop(f"{key}: no candidates to score: give `candidates` (a caller's VCF) or set `discover: true`")


_check_score_samples()


def discover_datasets():
    """Names of the sv datasets with `discover: true`."""
    return [d for d, ds in DATASETS.items() if ds["kind"] == "sv" and ds.get("discover")]


def _check_calls():
    """discover.calls names a detector, strategy and replicate every discovering dataset runs."""
    calls = config["discover"]["calls"]
    for d in discover_datasets():
        if calls["detector"] not in dataset_detectors(d):
            stop(
                f"config: discover.calls.detector: '{calls['detector']}' is not a detector of dataset {d} "
                f"({', '.join(dataset_detectors(d))})"
            )
        if calls["strategy"] not in detector_strategies(d, calls["detector"]):
            stop(
                f"config: discover.calls.strategy: '{calls['strategy']}' is not a strategy of detector "
                f"{calls['detector']} of dataset {d} ({', '.join(detector_strategies(d, calls['detector']))})"
            )
        if calls["replicate"] != "mean" and calls["replicate"] not in detector_replicates(calls["detector"]):
            stop(
                f"config: discover.calls.replicate: {calls['replicate']} but detector {calls['detector']} runs "
                f"replicates {', '.join(map(str, detector_replicates(calls['detector'])))}"
            )


_check_calls()


wildcard_constraints:
    dataset="|".join(re.escape(d) for d in DATASETS),
    generator="|".join(re.escape(g) for g in GENERATORS) or "(?!)",
    detector="|".join(re.escape(d) for d in DETECTORS) or "(?!)",
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
        if DATASETS[name]["kind"] == "sv" and DATASETS[name].get("discover"):
            out += [f"results/{name}/candidates.vcf.gz", f"results/{name}/calls.vcf.gz"]
        if DATASETS[name]["kind"] == "sv":
            out.append(f"results/{name}/qc/pileups.png")
            out += [f"results/{name}/detect/by_type_size.tsv", f"results/{name}/report/items.bed"]
        if DATASETS[name]["kind"] == "expression":
            out += [f"results/{name}/genes.tsv", f"results/{name}/graph.tsv"]
            if dataset_generators(name):
                out.append(f"results/{name}/report/expression_fidelity.png")
        if DATASETS[name]["kind"] == "haplotypes":
            out.append(f"results/{name}/variants.tsv")
            out += [f"results/{name}/synthetic/{g}.vcf.gz" for g in dataset_generators(name)]
            out += [f"results/{name}/release/{g}.json" for g in dataset_generators(name)]
            if dataset_generators(name):
                out.append(f"results/{name}/report/haplotype_fidelity.png")
        out += [f"results/{name}/synthetic/{g}.npz" for g in dataset_generators(name)]
        out += [f"results/{name}/detect/{f}.tsv" for f in ("runs", "summary", "comparisons", "baseline")]
        out += [f"results/{name}/fidelity/{g}.json" for g in dataset_generators(name)]
        out.append(f"results/{name}/report/detection.png")
        if dataset_generators(name):
            out.append(f"results/{name}/report/generators.png")
    out += ["results/report/summary.tsv", "results/report/summary.md"]
    for name in SCORE_SAMPLES:
        out += [f"results/score/{name}.vcf.gz", f"results/score/{name}.tsv"]
    out += [f"results/score/{name}.eval.tsv" for name in evaluated_samples()]
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
    if ds.get("discover"):
        d = wildcards.dataset
        inputs.update(
            candidates=f"results/{d}/candidates.vcf.gz", candidates_index=f"results/{d}/candidates.vcf.gz.tbi"
        )
    elif ds.get("candidates"):
        inputs["candidates"] = ds["candidates"]
        inputs["candidates_index"] = _vcf_index(ds["candidates"])
    for key in ("regions", "exclude"):
        if ds.get(key):
            inputs[key] = ds[key]
    return inputs


def get_library_input(wildcards):
    """The dataset's alignments and reference, with indexes (measure_library, downsample_train)."""
    ds = DATASETS[wildcards.dataset]
    return {
        "bam": ds["bam"],
        "bam_index": _alignment_index(ds["bam"]),
        "reference": ds["reference"],
        "reference_index": ds["reference"] + ".fai",
    }


def get_discovered(wildcards):
    """datasets.<name>.discover: whether encode_sv's candidates are genaug's candidates VCF."""
    return bool(DATASETS[wildcards.dataset].get("discover"))


def get_discover_input(wildcards):
    """Named inputs of discover_sv for a dataset: alignments, reference, the caller's VCF and the truth
    (for the recall in the log), with indexes."""
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
        inputs.update(caller=ds["candidates"], caller_index=_vcf_index(ds["candidates"]))
    return inputs


def get_discover_sample_input(wildcards):
    """Named inputs of discover_sample_sv: the score sample's alignments, reference and caller's VCF."""
    sm = SCORE_SAMPLES[wildcards.sample]
    inputs = {
        "bam": sm["bam"],
        "bam_index": _alignment_index(sm["bam"]),
        "reference": sm["reference"],
        "reference_index": sm["reference"] + ".fai",
    }
    if sm.get("candidates"):
        inputs.update(caller=sm["candidates"], caller_index=_vcf_index(sm["candidates"]))
    return inputs


def get_discover_settings(wildcards):
    """discover (minus `calls`): the discovery settings."""
    return {k: v for k, v in config["discover"].items() if k != "calls"}


def get_discover_sv_settings(wildcards):
    """encode.sv for the insert-size range, with a score sample's own contig_rename and insert_size."""
    if hasattr(wildcards, "sample"):
        return get_score_settings(wildcards) | {"contig_rename": SCORE_SAMPLES[wildcards.sample]["contig_rename"]}
    return config["encode"]["sv"]


def get_discover_truth(wildcards):
    """The dataset's truth settings (the log's recall); none for a score sample."""
    return get_truth_settings(wildcards) if hasattr(wildcards, "dataset") else None


def get_calls_input(wildcards):
    """Named inputs of call_sv: the detector of discover.calls, the dataset's BAM, reference and candidates."""
    d, calls = wildcards.dataset, config["discover"]["calls"]
    ds = DATASETS[d]
    return {
        "models": [  # replicate: mean averages the replicate detectors, as score samples do
            f"results/{d}/detect/{calls['detector']}/{calls['strategy']}/seed{r}/model.pt"
            for r in (detector_replicates(calls["detector"]) if calls["replicate"] == "mean" else [calls["replicate"]])
        ],
        "bam": ds["bam"],
        "bam_index": _alignment_index(ds["bam"]),
        "reference": ds["reference"],
        "reference_index": ds["reference"] + ".fai",
        "candidates": f"results/{d}/candidates.vcf.gz",
        "candidates_index": f"results/{d}/candidates.vcf.gz.tbi",
    }


def get_calls_settings(wildcards):
    """encode.sv with contig_rename none: candidates.vcf.gz uses the BAM's contig names."""
    return {**config["encode"]["sv"], "contig_rename": "none"}


def get_truth_settings(wildcards):
    """datasets.<name>.truth_filters and truth_sample: which truth records are positives."""
    ds = DATASETS[wildcards.dataset]
    return {"filters": ds.get("truth_filters", ["PASS", "."]), "sample": ds.get("truth_sample")}


def get_encode_haplotypes_input(wildcards):
    """Named inputs of encode_haplotypes: the VCF/BCF (+ index when there is one) and the sample sheet."""
    ds = DATASETS[wildcards.dataset]
    return {"vcf": ds["vcf"], "vcf_index": _vcf_index(ds["vcf"]), "samples": ds["samples"]}


def get_encode_expression_input(wildcards):
    """Named inputs of encode_expression: matrix and sample sheet, and the optional gene list and graph."""
    ds = DATASETS[wildcards.dataset]
    return {"matrix": ds["matrix"], "samples": ds["samples"], **{k: ds[k] for k in ("genes", "graph") if ds.get(k)}}


def get_expression_graph_input(wildcards):
    """The dataset's own edge list, else the train split it builds a co-expression graph from."""
    d = wildcards.dataset
    inputs = {"genes": f"results/{d}/genes.tsv"}
    if DATASETS[d].get("graph"):
        return {**inputs, "graph": DATASETS[d]["graph"]}
    return {**inputs, "encoded": f"results/{d}/encoded.npz", "split": f"results/{d}/split.npz"}


def get_split_input(wildcards):
    """What split_dataset reads labels and groups from: encoded.npz, or for expression the
    log-scale values (their standardisation is fitted on the split's train part)."""
    d = wildcards.dataset
    inputs = {"encoded": f"results/{d}/encoded.npz"}
    if DATASETS[d]["kind"] == "expression":
        inputs = {"encoded": f"results/{d}/expression/log.npz"}
    if get_split_stratify(wildcards):
        inputs["samples"] = f"results/{d}/samples.tsv"
    return inputs


def get_split_stratify(wildcards):
    """split.stratify.<kind>: the samples.tsv column whose values are balanced across the splits
    within each class (sv: svtype), or None."""
    return config["split"]["stratify"].get(DATASETS[wildcards.dataset]["kind"])


def get_encode_sequences_input(wildcards):
    """Named inputs of encode_sequences: the FASTA with its .fai and .gzi where they exist (a missing
    index is the encoder's one-line error), the peaks and the optional regions BED."""
    ds = DATASETS[wildcards.dataset]
    fasta = ds["fasta"]
    inputs = {"fasta": fasta, "peaks": ds["peaks"]}
    for key, suffix in (("fasta_index", ".fai"), ("fasta_gzi", ".gzi")):
        if os.path.exists(fasta + suffix):
            inputs[key] = fasta + suffix
    if ds.get("regions"):
        inputs["regions"] = ds["regions"]
    return inputs


def get_encode_regions(wildcards):
    """datasets.<name>.regions: a BED of the intervals to tile, or None for whole contigs."""
    return DATASETS[wildcards.dataset].get("regions")


def get_max_train_positives(wildcards):
    """datasets.<name>.max_train_positives when set, else split.max_train_positives."""
    own = DATASETS[wildcards.dataset].get("max_train_positives")
    return config["split"]["max_train_positives"] if own is None else own


def get_encode_region(wildcards):
    """datasets.<name>.region: the part of the VCF to encode, or None for all of it."""
    return DATASETS[wildcards.dataset].get("region")


def get_encode_settings(wildcards):
    """encode.<kind> from config: the settings of this dataset's encoder."""
    return config["encode"][DATASETS[wildcards.dataset]["kind"]]


def get_generator_settings(wildcards):
    """generator_settings() of the job's dataset and generator."""
    return generator_settings(wildcards.dataset, wildcards.generator)


def get_generator_condition(wildcards):
    """generate.condition.<kind>: the samples.tsv column generators are conditioned on, or None."""
    return config["generate"]["condition"].get(DATASETS[wildcards.dataset]["kind"])


def get_generator_train_on(wildcards):
    """generate.train_on.<kind>: rare (the rare class of train) or all (every train item)."""
    return config["generate"]["train_on"].get(DATASETS[wildcards.dataset]["kind"], "rare")


def get_detector_input(wildcards):
    """encoded.npz and split.npz, plus the generator's synthetic items for a generator strategy."""
    d = wildcards.dataset
    if wildcards.detector not in dataset_detectors(d) or wildcards.strategy not in detector_strategies(
        d, wildcards.detector
    ):
        raise ValueError(
            f"detector {wildcards.detector} with strategy {wildcards.strategy} is not configured for dataset {d}"
        )
    inputs = {"encoded": f"results/{d}/encoded.npz", "split": f"results/{d}/split.npz"}
    if wildcards.strategy in dataset_generators(d):
        inputs["synthetic"] = f"results/{d}/synthetic/{wildcards.strategy}.npz"
    if DATASETS[d]["kind"] == "sv" and config["encode"]["sv_downsample"]:
        inputs["downsampled"] = f"results/{d}/downsampled.npz"  # train items at lower coverage
    if "graph" in genaug_detect.DETECTORS[wildcards.detector].inputs:
        inputs.update(graph=f"results/{d}/graph.tsv", genes=f"results/{d}/genes.tsv")
    return inputs


def get_detector_settings(wildcards):
    """detect.settings with the dataset's own detector_settings laid over them: the detector's settings
    (epochs, batch_size, lr, ...), the same for every detector and strategy of the dataset."""
    return {**config["detect"]["settings"], **(DATASETS[wildcards.dataset].get("detector_settings") or {})}


def get_detector_seed(wildcards):
    """The torch seed of a replicate: seed * 1000 + replicate number."""
    return config["seed"] * 1000 + int(wildcards.seed)


def get_run_order(wildcards):
    """[detector, strategy] of the dataset, in config order: the summary's row order."""
    runs = []
    for d, s, _ in dataset_runs(wildcards.dataset):
        if [d, s] not in runs:
            runs.append([d, s])
    return runs


def get_detector_runs(filename):
    """Input function: ``filename`` of every detector, strategy and replicate of the dataset."""

    def runs(wildcards):
        return [
            f"results/{wildcards.dataset}/detect/{d}/{s}/seed{r}/{filename}"
            for d, s, r in dataset_runs(wildcards.dataset)
        ]

    return runs


def get_score_input(wildcards):
    """Named inputs of score_sample: the dataset's detector, the new BAM, reference and candidate VCF, with indexes."""
    sm = SCORE_SAMPLES[wildcards.sample]
    reps = detector_replicates(sm["detector"]) if sm["replicate"] == "mean" else [sm["replicate"]]
    run = f"results/{sm['dataset']}/detect/{sm['detector']}/{sm['strategy']}"
    inputs = {
        "models": [f"{run}/seed{r}/model.pt" for r in reps],  # replicate: mean averages them all
        "library": f"results/{sm['dataset']}/library.json",
        "bam": sm["bam"],
        "bam_index": _alignment_index(sm["bam"]),
        "reference": sm["reference"],
        "reference_index": sm["reference"] + ".fai",
    }
    if sm.get("discover"):  # the caller's records merged with the sample's own candidates
        merged = f"results/score/{wildcards.sample}/candidates.vcf.gz"
        return {**inputs, "candidates": merged, "candidates_index": f"{merged}.tbi"}
    return {**inputs, "candidates": sm["candidates"], "candidates_index": _vcf_index(sm["candidates"])}


def get_evaluate_input(wildcards):
    """Named inputs of evaluate_calls: the scored VCF and the sample's truth VCF."""
    sm = SCORE_SAMPLES[wildcards.sample]
    return {
        "scored": f"results/score/{wildcards.sample}.vcf.gz",
        "truth": sm["truth"],
        "truth_index": _vcf_index(sm["truth"]),
    }


def evaluated_samples():
    """score.samples with a truth VCF: the ones evaluate_calls runs on."""
    return [name for name, sm in SCORE_SAMPLES.items() if sm.get("truth")]


def get_score_settings(wildcards):
    """encode.sv (the detector's item shape and read filters), with this sample's contig_rename and
    insert_size: the new BAM's library, estimated from it when null, never the training BAM's."""
    sm = SCORE_SAMPLES[wildcards.sample]
    rename = "none" if sm.get("discover") else sm["contig_rename"]  # the merged VCF has the BAM's names
    return {**config["encode"]["sv"], "contig_rename": rename, "insert_size": sm["insert_size"]}


def get_kind(wildcards):
    return DATASETS[wildcards.dataset]["kind"]


def get_fidelity_input(wildcards):
    """encoded.npz, split.npz, samples.tsv, the synthetic items the detectors train on, the generator's
    model (and the SNP table of haplotypes, the genes and their train scale of expression)."""
    d = wildcards.dataset
    inputs = {
        "encoded": f"results/{d}/encoded.npz",
        "split": f"results/{d}/split.npz",
        "samples": f"results/{d}/samples.tsv",
        "synthetic": f"results/{d}/synthetic/{wildcards.generator}.npz",
        "model": f"results/{d}/generators/{wildcards.generator}/model.pt",
    }
    if DATASETS[d]["kind"] == "haplotypes":
        inputs["variants"] = f"results/{d}/variants.tsv"
    if DATASETS[d]["kind"] == "expression":
        inputs["genes"] = f"results/{d}/genes.tsv"
    return inputs


def get_release_input(wildcards):
    """What audit_release reads: encoded items, split, SNP table, model and the source VCF (header lines)."""
    d = wildcards.dataset
    return {
        "encoded": f"results/{d}/encoded.npz",
        "split": f"results/{d}/split.npz",
        "variants": f"results/{d}/variants.tsv",
        "model": f"results/{d}/generators/{wildcards.generator}/model.pt",
        "source": DATASETS[d]["vcf"],
    }


def get_train_generator_input(wildcards):
    """encoded.npz, samples.tsv, split.npz (and the SNP table of haplotypes: its contigs)."""
    d = wildcards.dataset
    inputs = {
        "encoded": f"results/{d}/encoded.npz",
        "samples": f"results/{d}/samples.tsv",
        "split": f"results/{d}/split.npz",
    }
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
    """Per dataset: detection summary and comparisons, one metrics.json (test counts), fidelity of each generator
    (and each release audit of haplotypes)."""
    inputs = {}
    for name in DATASETS:
        inputs[f"{name}_summary"] = f"results/{name}/detect/summary.tsv"
        inputs[f"{name}_comparisons"] = f"results/{name}/detect/comparisons.tsv"
        inputs[f"{name}_baseline"] = f"results/{name}/detect/baseline.tsv"
        inputs[f"{name}_metrics"] = f"results/{name}/detect/{dataset_detectors(name)[0]}/none/seed1/metrics.json"
        inputs[f"{name}_fidelity"] = [f"results/{name}/fidelity/{g}.json" for g in dataset_generators(name)]
        if DATASETS[name]["kind"] == "haplotypes":
            inputs[f"{name}_release"] = [f"results/{name}/release/{g}.json" for g in dataset_generators(name)]
        if DATASETS[name]["kind"] == "sequences":  # the full-prevalence table
            inputs[f"{name}_runs"] = f"results/{name}/detect/runs.tsv"
        if DATASETS[name]["kind"] == "sv":
            inputs[f"{name}_strata"] = f"results/{name}/detect/by_type_size.tsv"
    for name in evaluated_samples():  # score.samples with a truth: their calls against it
        inputs[f"{name}_calls"] = f"results/score/{name}.eval.tsv"
        inputs[f"{name}_calls_figure"] = f"results/report/{name}.calls.png"
    return inputs
