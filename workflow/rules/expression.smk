# Expression: a matrix and a sample sheet -> log-scale values (before the split), then
# per-gene standardisation and the gene graph fitted on the train split only.


rule encode_expression:
    wildcard_constraints:
        dataset=datasets_of_kind("expression"),
    input:
        unpack(get_encode_expression_input),
    output:
        log_values="results/{dataset}/expression/log.npz",
        samples="results/{dataset}/samples.tsv",
    params:
        orientation=lambda wc: DATASETS[wc.dataset]["orientation"],
        values=lambda wc: DATASETS[wc.dataset]["values"],
    log:
        "results/logs/encode_expression/{dataset}.log",
    benchmark:
        "results/benchmarks/encode_expression/{dataset}.tsv"
    resources:
        mem_mb=4000,
    conda:
        "../../envs/torch.yaml"
    script:
        "../../scripts/encode_expression.py"


rule standardise_expression:
    wildcard_constraints:
        dataset=datasets_of_kind("expression"),
    input:
        log_values="results/{dataset}/expression/log.npz",
        split="results/{dataset}/split.npz",
    output:
        encoded="results/{dataset}/encoded.npz",
        genes="results/{dataset}/genes.tsv",
    params:
        settings=get_encode_settings,
    log:
        "results/logs/standardise_expression/{dataset}.log",
    resources:
        mem_mb=4000,
    conda:
        "../../envs/torch.yaml"
    script:
        "../../scripts/standardise_expression.py"


rule expression_graph:
    wildcard_constraints:
        dataset=datasets_of_kind("expression"),
    input:
        unpack(get_expression_graph_input),
    output:
        graph="results/{dataset}/graph.tsv",
    params:
        settings=get_encode_settings,
    log:
        "results/logs/expression_graph/{dataset}.log",
    conda:
        "../../envs/torch.yaml"
    script:
        "../../scripts/expression_graph.py"


rule plot_expression_fidelity:
    wildcard_constraints:
        dataset=datasets_of_kind("expression"),
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
    conda:
        "../../envs/report.yaml"
    script:
        "../../scripts/plot_expression_fidelity.py"
