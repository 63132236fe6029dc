# Encode: raw genomics files to the tensor contract (results/{dataset}/encoded.npz).
# One encoder per data kind; each takes only the datasets of its kind (wildcard_constraints).


rule encode_sv:
    input:
        unpack(get_encode_sv_input),
    output:
        encoded="results/{dataset}/encoded.npz",
        samples="results/{dataset}/samples.tsv",
    log:
        "results/logs/encode_sv/{dataset}.log",
    benchmark:
        "results/benchmarks/encode_sv/{dataset}.tsv"
    wildcard_constraints:
        dataset=datasets_of_kind("sv"),
    conda:
        "../../envs/bam.yaml"
    threads: up_to_half_the_cores(4)
    resources:
        mem_mb=4000,
    params:
        settings=get_encode_settings,
        truth=get_truth_settings,
        discovered=get_discovered,
        seed=config["seed"],
    script:
        "../../scripts/encode_sv.py"


rule encode_haplotypes:
    input:
        unpack(get_encode_haplotypes_input),
    output:
        encoded="results/{dataset}/encoded.npz",
        samples="results/{dataset}/samples.tsv",
        variants="results/{dataset}/variants.tsv",
    log:
        "results/logs/encode_haplotypes/{dataset}.log",
    benchmark:
        "results/benchmarks/encode_haplotypes/{dataset}.tsv"
    wildcard_constraints:
        dataset=datasets_of_kind("haplotypes"),
    conda:
        "../../envs/popgen.yaml"
    resources:
        mem_mb=4000,
    params:
        settings=get_encode_settings,
        region=get_encode_region,
    script:
        "../../scripts/encode_haplotypes.py"


rule measure_library:
    input:
        unpack(get_library_input),
    output:
        stats="results/{dataset}/library.json",
    log:
        "results/logs/measure_library/{dataset}.log",
    wildcard_constraints:
        dataset=datasets_of_kind("sv"),
    conda:
        "../../envs/bam.yaml"
    params:
        settings=get_encode_settings,
        seed=config["seed"],
    script:
        "../../scripts/measure_library.py"


rule downsample_train:
    input:
        unpack(get_library_input),
        samples="results/{dataset}/samples.tsv",
        split="results/{dataset}/split.npz",
    output:
        downsampled="results/{dataset}/downsampled.npz",
    log:
        "results/logs/downsample_train/{dataset}.log",
    benchmark:
        "results/benchmarks/downsample_train/{dataset}.tsv"
    wildcard_constraints:
        dataset=datasets_of_kind("sv"),
    conda:
        "../../envs/bam.yaml"
    threads: up_to_half_the_cores(2)
    resources:
        mem_mb=2000,
    params:
        settings=get_encode_settings,
        fractions=config["encode"]["sv_downsample"],
        seed=config["seed"],
    script:
        "../../scripts/downsample_train.py"
