# Generators: learn the rare class of the train split, then draw synthetic items.


rule train_generator:
    input:
        unpack(get_train_generator_input),
    output:
        model="results/{dataset}/generators/{generator}/model.pt",
        history="results/{dataset}/generators/{generator}/history.tsv",
    log:
        "results/logs/train_generator/{dataset}.{generator}.log",
    benchmark:
        "results/benchmarks/train_generator/{dataset}.{generator}.tsv"
    # the longest jobs: start them as soon as a split exists, before detectors and plots
    priority: 10
    conda:
        "../../envs/torch.yaml"
    threads: up_to_half_the_cores(2)
    resources:
        gpu=1,
        mem_mb=4000,
    params:
        settings=get_generator_settings,
        condition=get_generator_condition,
        train_on=get_generator_train_on,
        seed=config["seed"],
    script:
        "../../scripts/train_generator.py"


rule sample_synthetic:
    input:
        encoded="results/{dataset}/encoded.npz",
        split="results/{dataset}/split.npz",
        samples="results/{dataset}/samples.tsv",
        model="results/{dataset}/generators/{generator}/model.pt",
    output:
        synthetic="results/{dataset}/synthetic/{generator}.npz",
    log:
        "results/logs/sample_synthetic/{dataset}.{generator}.log",
    conda:
        "../../envs/torch.yaml"
    threads: up_to_half_the_cores(2)
    params:
        balance=config["generate"]["balance"],
        max_synthetic=config["generate"]["max_synthetic"],
        condition=get_generator_condition,
        train_on=get_generator_train_on,
        seed=config["seed"],
    script:
        "../../scripts/sample_synthetic.py"
