"""Across detectors, strategies and replicate seeds: mean ± sd, and each
strategy's paired difference from the same detector's ``none`` with a
bootstrap confidence interval.

The bootstrap resamples test items (the same indices for every run of both
strategies, so the comparison is paired) and averages each side over its
replicate seeds; ``paired_bootstrap`` in ``metrics.classification`` does the
work. An interval that contains 0 means the test set cannot tell the two
strategies apart.
"""

import numpy as np
import pandas as pd

from ..metrics import mean_sd, paired_bootstrap

METRICS = ("precision", "recall", "f1", "auroc", "auprc")
# metrics.json's test_prevalence block (items weighted back to the full prevalence), as run_table columns
PREVALENCE_METRICS = ("prevalence", "auroc", "auprc", "precision_at_recall_0.5", "precision_at_recall_0.8", "f1")
REFERENCE = "none"


def run_table(runs):
    """One row per run: dataset, detector, strategy, replicate, the test metrics, threshold, best epoch."""
    rows = []
    for m, _ in runs:
        rows.append({"dataset": m["dataset"], "detector": m["detector"], "strategy": m["strategy"],
                     "replicate": m["replicate"],
                     **{k: m["test"][k] for k in METRICS},
                     **{f"full_{k}": m.get("test_prevalence", {}).get(k, np.nan) for k in PREVALENCE_METRICS},
                     "threshold": m["threshold"],
                     "best_epoch": m.get("best_epoch"), "n_train_synthetic": m.get("n_train_synthetic", 0),
                     "seconds": m.get("seconds")})
    return pd.DataFrame(rows)


def summary_table(runs, order=None):
    """Mean, sd and n over replicate seeds of each (detector, strategy)'s test metrics, in ``order``
    (a list of (detector, strategy) pairs; default: sorted)."""
    table = run_table(runs)
    rows = []
    for detector, strategy in order or sorted(set(zip(table["detector"], table["strategy"]))):
        t = table[(table["detector"] == detector) & (table["strategy"] == strategy)]
        row = {"dataset": t["dataset"].iloc[0], "detector": detector, "strategy": strategy, "replicates": len(t)}
        for k in METRICS:
            ms = mean_sd(t[k].to_numpy(float))
            row[f"{k}_mean"], row[f"{k}_sd"] = ms["mean"], ms["sd"]
        rows.append(row)
    return pd.DataFrame(rows)


COMPARISON_COLUMNS = ["detector", "strategy", "reference", "metric", "diff", "lo", "hi", "p_le_0", "n_boot", "level",
                      "verdict"]


def comparison_table(runs, n_boot=1000, seed=0, level=0.95, reference=REFERENCE):
    """Each strategy minus the same detector's ``reference`` per metric: observed difference, bootstrap
    interval, p(diff <= 0).

    ``runs``: (metrics dict, predictions DataFrame) per run; predictions hold
    index, label (class index) and score (of the rare class).
    """
    by = {}
    for m, preds in sorted(runs, key=lambda r: (r[0]["detector"], r[0]["strategy"], r[0]["replicate"])):
        preds = preds.sort_values("index")
        by.setdefault(m["detector"], {}).setdefault(m["strategy"], []).append(
            (preds, m["threshold"], m["classes"].index(m["positive"])))
    rows = []
    for detector, strategies in by.items():
        if reference not in strategies:
            raise ValueError(f"detector {detector}: no run of the reference strategy {reference!r} to compare with")
        items = strategies[reference][0][0]["index"].to_numpy()
        for strategy, group in strategies.items():
            if any(not np.array_equal(p["index"].to_numpy(), items) for p, _, _ in group):
                raise ValueError(f"detector {detector}, strategy {strategy}: predictions are not on the "
                                 "reference's test items")
        ref_preds, _, positive = strategies[reference][0]
        y = (ref_preds["label"].to_numpy() == positive).astype(int)
        runs_b = [(p["score"].to_numpy(), t) for p, t, _ in strategies[reference]]
        for strategy, group in strategies.items():
            if strategy == reference:
                continue
            runs_a = [(p["score"].to_numpy(), t) for p, t, _ in group]
            for k in METRICS:
                b = paired_bootstrap(y, runs_a, runs_b, k, n_boot=n_boot, seed=seed, level=level)
                rows.append({"detector": detector, "strategy": strategy, "reference": reference, "metric": k,
                             "diff": b["diff"], "lo": b["lo"], "hi": b["hi"], "p_le_0": b["p_le_0"],
                             "n_boot": b["n_boot"], "level": level, "verdict": verdict(b["lo"], b["hi"])})
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def verdict(lo, hi):
    """'better' / 'worse' when the interval excludes 0, else 'no difference shown'."""
    if np.isnan(lo) or np.isnan(hi):
        return "not measurable"
    if lo > 0:
        return "better"
    if hi < 0:
        return "worse"
    return "no difference shown"
