# Score: apply a trained detector to a new sample's candidate VCF (e.g. a caller's output).
# Every record is kept; INFO/GENAUG_P holds the probability, FILTER says PASS or why not.


rule score_sample:
    input:
        unpack(get_score_input),
    output:
        vcf="results/score/{sample}.vcf.gz",
        tbi="results/score/{sample}.vcf.gz.tbi",
        tsv="results/score/{sample}.tsv",
    log:
        "results/logs/score_sample/{sample}.log",
    benchmark:
        "results/benchmarks/score_sample/{sample}.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: 2
    resources:
        mem_mb=4000,
    params:
        settings=get_score_settings,
    script:
        "../../scripts/score_sample.py"
