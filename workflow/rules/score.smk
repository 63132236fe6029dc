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
    threads: up_to_half_the_cores(2)
    resources:
        mem_mb=4000,
    params:
        settings=get_score_settings,
        warn_factor=config["score"]["warn_library_factor"],
    script:
        "../../scripts/score_sample.py"


rule evaluate_calls:
    input:
        unpack(get_evaluate_input),
    output:
        table="results/score/{sample}.eval.tsv",
        figure=report(
            "results/report/{sample}.calls.png",
            caption="../report/calls.rst",
            category="SV calls",
        ),
    log:
        "results/logs/evaluate_calls/{sample}.log",
    conda:
        "../../envs/report.yaml"
    script:
        "../../scripts/evaluate_calls.py"
