# Haplotypes: synthetic haplotypes written back as a VCF over the source's SNPs.


rule write_synthetic_vcf:
    input:
        synthetic="results/{dataset}/synthetic/{generator}.npz",
        variants="results/{dataset}/variants.tsv",
    output:
        vcf="results/{dataset}/synthetic/{generator}.vcf.gz",
        index="results/{dataset}/synthetic/{generator}.vcf.gz.tbi",
    log:
        "results/logs/write_synthetic_vcf/{dataset}.{generator}.log",
    wildcard_constraints:
        dataset=datasets_of_kind("haplotypes"),
    conda:
        "../../envs/popgen.yaml"
    script:
        "../../scripts/write_synthetic_vcf.py"
