# QC: figures a person looks at before trusting the tensors.


rule plot_qc:
    input:
        encoded="results/{dataset}/encoded.npz",
        samples="results/{dataset}/samples.tsv",
    output:
        figure=report(
            "results/{dataset}/qc/pileups.png",
            caption="../report/qc_pileups.rst",
            category="Quality control",
            subcategory="{dataset}",
        ),
    log:
        "results/logs/plot_qc/{dataset}.log",
    conda:
        "../../envs/report.yaml"
    params:
        examples_per_class=config["qc"]["examples_per_class"],
        seed=config["seed"],
    script:
        "../../scripts/plot_qc.py"
