# Encode: raw genomics files to the tensor contract (results/{dataset}/encoded.npz).
# One encoder per data kind; each takes only the datasets of its kind (wildcard_constraints).


rule encode_sv:
    wildcard_constraints:
        dataset=datasets_of_kind("sv"),
    input:
        unpack(get_encode_sv_input),
    output:
        encoded="results/{dataset}/encoded.npz",
        samples="results/{dataset}/samples.tsv",
    params:
        settings=get_encode_settings,
        truth=get_truth_settings,
        seed=config["seed"],
    log:
        "results/logs/encode_sv/{dataset}.log",
    benchmark:
        "results/benchmarks/encode_sv/{dataset}.tsv"
    threads: 4
    resources:
        mem_mb=4000,
    conda:
        "../../envs/bam.yaml"
    script:
        "../../scripts/encode_sv.py"


rule encode_haplotypes:
    wildcard_constraints:
        dataset=datasets_of_kind("haplotypes"),
    input:
        unpack(get_encode_haplotypes_input),
    output:
        encoded="results/{dataset}/encoded.npz",
        samples="results/{dataset}/samples.tsv",
        variants="results/{dataset}/variants.tsv",
    params:
        settings=get_encode_settings,
        region=get_encode_region,
    log:
        "results/logs/encode_haplotypes/{dataset}.log",
    benchmark:
        "results/benchmarks/encode_haplotypes/{dataset}.tsv"
    resources:
        mem_mb=4000,
    conda:
        "../../envs/popgen.yaml"
    script:
        "../../scripts/encode_haplotypes.py"
