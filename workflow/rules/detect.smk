# Detect: train each detector per strategy and replicate seed (threshold on val, metrics on test),
# then summarise across seeds with paired bootstrap differences from the same detector's `none`, and the
# validation-best detector and strategy against the logistic baseline.


rule train_detector:
    input:
        unpack(get_detector_input),
    output:
        model="results/{dataset}/detect/{detector}/{strategy}/seed{seed}/model.pt",
        metrics="results/{dataset}/detect/{detector}/{strategy}/seed{seed}/metrics.json",
        predictions="results/{dataset}/detect/{detector}/{strategy}/seed{seed}/predictions.tsv",
        history="results/{dataset}/detect/{detector}/{strategy}/seed{seed}/history.tsv",
    log:
        "results/logs/train_detector/{dataset}.{detector}.{strategy}.seed{seed}.log",
    benchmark:
        "results/benchmarks/train_detector/{dataset}.{detector}.{strategy}.seed{seed}.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: 1
    resources:
        gpu=1,
        mem_mb=4000,
    params:
        settings=get_detector_settings,
        seed=get_detector_seed,
    script:
        "../../scripts/train_detector.py"


rule summarize_detection:
    input:
        metrics=get_detector_runs("metrics.json"),
        predictions=get_detector_runs("predictions.tsv"),
        encoded="results/{dataset}/encoded.npz",
        samples="results/{dataset}/samples.tsv",
    output:
        runs="results/{dataset}/detect/runs.tsv",
        summary="results/{dataset}/detect/summary.tsv",
        comparisons="results/{dataset}/detect/comparisons.tsv",
        baseline="results/{dataset}/detect/baseline.tsv",
    log:
        "results/logs/summarize_detection/{dataset}.log",
    conda:
        "../../envs/report.yaml"
    params:
        kind=get_kind,
        order=get_run_order,
        n_boot=config["detect"]["bootstrap"],
        level=config["detect"]["level"],
        seed=config["seed"],
    script:
        "../../scripts/summarize_detection.py"


rule summarize_sv_results:
    input:
        samples="results/{dataset}/samples.tsv",
        split="results/{dataset}/split.npz",
        metrics=get_detector_runs("metrics.json"),
        predictions=get_detector_runs("predictions.tsv"),
    output:
        strata="results/{dataset}/detect/by_type_size.tsv",
        table="results/{dataset}/report/items.tsv",
        bed="results/{dataset}/report/items.bed",
    log:
        "results/logs/summarize_sv_results/{dataset}.log",
    wildcard_constraints:
        dataset=datasets_of_kind("sv"),
    conda:
        "../../envs/report.yaml"
    params:
        order=get_run_order,
    script:
        "../../scripts/summarize_sv_results.py"
