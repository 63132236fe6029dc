# Encode: raw genomics files to the tensor contract (results/{dataset}/encoded.npz).


rule encode_sv:
    input:
        unpack(get_encode_sv_input),
    output:
        encoded="results/{dataset}/encoded.npz",
        samples="results/{dataset}/samples.tsv",
    params:
        settings=get_encode_settings,
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
