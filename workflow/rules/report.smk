# Report: figures per dataset and one summary across datasets; `snakemake --report` gathers them.


rule plot_detection:
    input:
        summary="results/{dataset}/detect/summary.tsv",
        comparisons="results/{dataset}/detect/comparisons.tsv",
        metrics=get_detector_runs("metrics.json"),
        predictions=get_detector_runs("predictions.tsv"),
    output:
        figure=report(
            "results/{dataset}/report/detection.png",
            caption="../report/detection.rst",
            category="Detection",
            subcategory="{dataset}",
        ),
    log:
        "results/logs/plot_detection/{dataset}.log",
    conda:
        "../../envs/report.yaml"
    script:
        "../../scripts/plot_detection.py"


rule plot_generators:
    input:
        encoded="results/{dataset}/encoded.npz",
        split="results/{dataset}/split.npz",
        synthetic=get_generator_files("results/{dataset}/synthetic/{generator}.npz"),
        history=get_generator_files("results/{dataset}/generators/{generator}/history.tsv"),
        fidelity=get_generator_files("results/{dataset}/fidelity/{generator}.json"),
    output:
        figure=report(
            "results/{dataset}/report/generators.png",
            caption="../report/generators.rst",
            category="Generators",
            subcategory="{dataset}",
        ),
    log:
        "results/logs/plot_generators/{dataset}.log",
    conda:
        "../../envs/report.yaml"
    params:
        generators=get_generators_of,
        seed=config["seed"],
    script:
        "../../scripts/plot_generators.py"


rule write_summary:
    input:
        unpack(get_summary_input),
    output:
        tsv=report("results/report/summary.tsv", caption="../report/summary.rst", category="Summary"),
        md=report("results/report/summary.md", caption="../report/summary.rst", category="Summary"),
    log:
        "results/logs/write_summary/all.log",
    conda:
        "../../envs/report.yaml"
    params:
        datasets=list(DATASETS),
        evaluated=evaluated_samples(),
    script:
        "../../scripts/write_summary.py"


rule plot_haplotype_fidelity:
    input:
        fidelity=get_generator_files("results/{dataset}/fidelity/{generator}.json"),
    output:
        figure=report(
            "results/{dataset}/report/haplotype_fidelity.png",
            caption="../report/haplotype_fidelity.rst",
            category="Generators",
            subcategory="{dataset}",
        ),
    log:
        "results/logs/plot_haplotype_fidelity/{dataset}.log",
    wildcard_constraints:
        dataset=datasets_of_kind("haplotypes"),
    conda:
        "../../envs/report.yaml"
    script:
        "../../scripts/plot_haplotype_fidelity.py"
