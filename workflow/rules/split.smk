# Split: grouped, stratified train / val / test indices (results/{dataset}/split.npz).


rule split_dataset:
    input:
        unpack(get_split_input),
    output:
        split="results/{dataset}/split.npz",
        counts="results/{dataset}/split_counts.tsv",
    log:
        "results/logs/split_dataset/{dataset}.log",
    conda:
        "../../envs/bam.yaml"
    params:
        fractions=config["split"]["fractions"],
        max_train_positives=get_max_train_positives,
        stratify=get_split_stratify,
        seed=config["seed"],
    script:
        "../../scripts/split_dataset.py"
