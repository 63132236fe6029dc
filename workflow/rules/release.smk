# Release: a synthetic cohort as a shareable VCF, audited as written, behind a privacy gate.


rule audit_release:
    input:
        unpack(get_release_input),
    output:
        vcf="results/{dataset}/release/audited/{generator}.vcf.gz",
        index="results/{dataset}/release/audited/{generator}.vcf.gz.tbi",
        audit="results/{dataset}/release/{generator}.json",
    log:
        "results/logs/audit_release/{dataset}.{generator}.log",
    wildcard_constraints:
        dataset=datasets_of_kind("haplotypes"),
    conda:
        "../../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        settings=config["release"],
        condition=get_generator_condition,
        train_on=get_generator_train_on,
        seed=config["seed"],
    script:
        "../../scripts/audit_release.py"


rule release_cohort:
    input:
        vcf="results/{dataset}/release/audited/{generator}.vcf.gz",
        audit="results/{dataset}/release/{generator}.json",
    output:
        vcf="results/{dataset}/release/{generator}.vcf.gz",
        index="results/{dataset}/release/{generator}.vcf.gz.tbi",
    log:
        "results/logs/release_cohort/{dataset}.{generator}.log",
    wildcard_constraints:
        dataset=datasets_of_kind("haplotypes"),
    conda:
        "../../envs/popgen.yaml"
    script:
        "../../scripts/release_cohort.py"
