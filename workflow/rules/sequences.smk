# Sequences: a FASTA and a peak file cut into one-hot windows, bound / unbound.


rule encode_sequences:
    input:
        unpack(get_encode_sequences_input),
    output:
        encoded="results/{dataset}/encoded.npz",
        samples="results/{dataset}/samples.tsv",
    log:
        "results/logs/encode_sequences/{dataset}.log",
    benchmark:
        "results/benchmarks/encode_sequences/{dataset}.tsv"
    wildcard_constraints:
        dataset=datasets_of_kind("sequences"),
    conda:
        "../../envs/bam.yaml"
    resources:
        mem_mb=2000,
    params:
        settings=get_encode_settings,
        regions=get_encode_regions,
        seed=config["seed"],
    script:
        "../../scripts/encode_sequences.py"
