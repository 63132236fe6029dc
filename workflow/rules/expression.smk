# Expression: a matrix and a sample sheet -> log-scale values (before the split), then
# per-gene standardisation and the gene graph fitted on the train split only.


rule encode_expression:
    input:
        unpack(get_encode_expression_input),
    output:
        log_values="results/{dataset}/expression/log.npz",
        samples="results/{dataset}/samples.tsv",
    log:
        "results/logs/encode_expression/{dataset}.log",
    benchmark:
        "results/benchmarks/encode_expression/{dataset}.tsv"
    wildcard_constraints:
        dataset=datasets_of_kind("expression"),
    conda:
        "../../envs/torch.yaml"
    resources:
        mem_mb=4000,
    params:
        orientation=lambda wc: DATASETS[wc.dataset]["orientation"],
        values=lambda wc: DATASETS[wc.dataset]["values"],
    script:
        "../../scripts/encode_expression.py"


rule standardise_expression:
    input:
        log_values="results/{dataset}/expression/log.npz",
        split="results/{dataset}/split.npz",
    output:
        encoded="results/{dataset}/encoded.npz",
        genes="results/{dataset}/genes.tsv",
    log:
        "results/logs/standardise_expression/{dataset}.log",
    wildcard_constraints:
        dataset=datasets_of_kind("expression"),
    conda:
        "../../envs/torch.yaml"
    resources:
        mem_mb=4000,
    params:
        settings=get_encode_settings,
    script:
        "../../scripts/standardise_expression.py"


rule expression_graph:
    input:
        unpack(get_expression_graph_input),
    output:
        graph="results/{dataset}/graph.tsv",
    log:
        "results/logs/expression_graph/{dataset}.log",
    wildcard_constraints:
        dataset=datasets_of_kind("expression"),
    conda:
        "../../envs/torch.yaml"
    params:
        settings=get_encode_settings,
    script:
        "../../scripts/expression_graph.py"


rule plot_expression_fidelity:
    input:
        fidelity=get_generator_files("results/{dataset}/fidelity/{generator}.json"),
    output:
        figure=report(
            "results/{dataset}/report/expression_fidelity.png",
            caption="../report/expression_fidelity.rst",
            category="Generators",
            subcategory="{dataset}",
        ),
    log:
        "results/logs/plot_expression_fidelity/{dataset}.log",
    wildcard_constraints:
        dataset=datasets_of_kind("expression"),
    conda:
        "../../envs/report.yaml"
    script:
        "../../scripts/plot_expression_fidelity.py"
