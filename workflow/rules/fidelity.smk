# Fidelity and privacy: how close each generator's items are to real held-out items,
# and how much closer to the items it learned from.


rule evaluate_fidelity:
    input:
        unpack(get_fidelity_input),
    output:
        fidelity="results/{dataset}/fidelity/{generator}.json",
    log:
        "results/logs/evaluate_fidelity/{dataset}.{generator}.log",
    benchmark:
        "results/benchmarks/evaluate_fidelity/{dataset}.{generator}.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        kind=get_kind,
        train_on=get_generator_train_on,
        condition=get_generator_condition,
        max_items=config["fidelity"]["max_items"],
        population_draws=config["fidelity"]["population_draws"],
        seed=config["seed"],
    script:
        "../../scripts/evaluate_fidelity.py"
