# Sequences: a FASTA and a peak file cut into one-hot windows, bound / unbound.


rule encode_sequences:
    wildcard_constraints:
        dataset=datasets_of_kind("sequences"),
    input:
        unpack(get_encode_sequences_input),
    output:
        encoded="results/{dataset}/encoded.npz",
        samples="results/{dataset}/samples.tsv",
    params:
        settings=get_encode_settings,
        regions=get_encode_regions,
        seed=config["seed"],
    log:
        "results/logs/encode_sequences/{dataset}.log",
    benchmark:
        "results/benchmarks/encode_sequences/{dataset}.tsv"
    resources:
        mem_mb=2000,
    conda:
        "../../envs/bam.yaml"
    script:
        "../../scripts/encode_sequences.py"
