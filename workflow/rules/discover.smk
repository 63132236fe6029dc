# Discover: genaug's own SV candidates from the BAM (split reads, discordant pairs, clips, depth),
# merged with a caller's VCF when given; and every candidate of a dataset scored by its detector.


rule discover_sv:
    input:
        unpack(get_discover_input),
    output:
        vcf="results/{dataset}/candidates.vcf.gz",
        tbi="results/{dataset}/candidates.vcf.gz.tbi",
    log:
        "results/logs/discover_sv/{dataset}.log",
    benchmark:
        "results/benchmarks/discover_sv/{dataset}.tsv"
    wildcard_constraints:
        dataset="|".join(re.escape(d) for d in discover_datasets()) or "(?!)",
    conda:
        "../../envs/bam.yaml"
    threads: up_to_half_the_cores(4)
    resources:
        mem_mb=2000,
    params:
        settings=get_discover_settings,
        sv=get_discover_sv_settings,
        truth=get_discover_truth,
    script:
        "../../scripts/discover_sv.py"


rule discover_sample_sv:
    input:
        unpack(get_discover_sample_input),
    output:
        vcf="results/score/{sample}/candidates.vcf.gz",
        tbi="results/score/{sample}/candidates.vcf.gz.tbi",
    log:
        "results/logs/discover_sv/score.{sample}.log",
    benchmark:
        "results/benchmarks/discover_sv/score.{sample}.tsv"
    conda:
        "../../envs/bam.yaml"
    threads: up_to_half_the_cores(4)
    resources:
        mem_mb=2000,
    params:
        settings=get_discover_settings,
        sv=get_discover_sv_settings,
        truth=get_discover_truth,
    script:
        "../../scripts/discover_sv.py"


rule call_sv:
    input:
        unpack(get_calls_input),
    output:
        vcf="results/{dataset}/calls.vcf.gz",
        tbi="results/{dataset}/calls.vcf.gz.tbi",
        tsv="results/{dataset}/calls.tsv",
    log:
        "results/logs/call_sv/{dataset}.log",
    benchmark:
        "results/benchmarks/call_sv/{dataset}.tsv"
    wildcard_constraints:
        dataset="|".join(re.escape(d) for d in discover_datasets()) or "(?!)",
    conda:
        "../../envs/torch.yaml"
    threads: up_to_half_the_cores(2)
    resources:
        mem_mb=4000,
    params:
        settings=get_calls_settings,
    script:
        "../../scripts/call_sv.py"
