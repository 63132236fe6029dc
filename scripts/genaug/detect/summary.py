"""Across detectors, strategies and replicate seeds: mean ± sd, and each
strategy's paired difference from the same detector's ``none`` with a
bootstrap confidence interval.

The bootstrap resamples whole groups of test items (``groups`` of
encoded.npz: blocks of loci, people), the same draw for every run of both
strategies (paired), and in each resample also draws each side's replicate
seeds with replacement, so the interval holds seed-to-seed variance;
``paired_bootstrap`` in ``metrics.classification`` does the work. The
interval is at the configured level and not corrected for multiplicity.
AUPRC (``PRIMARY``) is the primary metric: its comparisons form one Holm
family, the other metrics' comparisons another (``p_holm``), and a verdict
says better / worse only when the Holm-adjusted two-sided bootstrap p-value
is below 1 - level.

``baseline_table`` makes the one comparison across detectors: the detector and
strategy with the best mean validation AUPRC (chosen without the test split)
against the simple baseline (``BASELINE``: the logistic detector under
``none``), with the same bootstrap, level and Holm families.
"""

import numpy as np
import pandas as pd

from ..metrics import holm, mean_sd, paired_bootstrap

METRICS = ("precision", "recall", "f1", "auroc", "auprc")
PRIMARY = "auprc"
# metrics.json's test_prevalence block (items weighted back to the full prevalence), as run_table columns
PREVALENCE_METRICS = ("prevalence", "auroc", "auprc", "precision_at_recall_0.5", "precision_at_recall_0.8", "f1")
REFERENCE = "none"
BASELINE = ("logistic", "none")  # the simple, non-deep baseline every dataset is compared with


def run_table(runs):
    """One row per run: dataset, detector, strategy, replicate, the test metrics, threshold, best epoch."""
    rows = []
    for m, _ in runs:
        rows.append({"dataset": m["dataset"], "detector": m["detector"], "strategy": m["strategy"],
                     "replicate": m["replicate"],
                     **{k: m["test"][k] for k in METRICS},
                     **{f"full_{k}": m.get("test_prevalence", {}).get(k, np.nan) for k in PREVALENCE_METRICS},
                     "threshold": m["threshold"],
                     "best_epoch": m.get("best_epoch"), "n_train_synthetic": m.get("n_train_synthetic", 0)})
    return pd.DataFrame(rows)


def summary_table(runs, order=None, source=None):
    """Mean, sd and n over replicate seeds of each (detector, strategy)'s test metrics, in ``order``
    (a list of (detector, strategy) pairs; default: sorted); with samples.tsv's ``source``, the
    ``hard_negative_table`` columns beside them."""
    table = run_table(runs)
    rows = []
    for detector, strategy in order or sorted(set(zip(table["detector"], table["strategy"]))):
        t = table[(table["detector"] == detector) & (table["strategy"] == strategy)]
        row = {"dataset": t["dataset"].iloc[0], "detector": detector, "strategy": strategy, "replicates": len(t)}
        for k in METRICS:
            ms = mean_sd(t[k].to_numpy(float))
            row[f"{k}_mean"], row[f"{k}_sd"] = ms["mean"], ms["sd"]
        rows.append(row)
    out = pd.DataFrame(rows)
    if source is not None:
        out = out.merge(hard_negative_table(runs, source), on=["detector", "strategy"], how="left")
    return out


HARD_SOURCES = ("caller", "discover", "both")  # samples.tsv sources of candidates: a negative one is a hard negative


def hard_negative_table(runs, source):
    """Per (detector, strategy): how many hard negatives the test split holds (negatives whose
    ``source`` in samples.tsv is a candidate's: HARD_SOURCES; every item indexed like encoded.npz),
    how many each run called positive (mean over seeds), and precision with them left out (mean ± sd over seeds): what
    precision means against easy negatives only. Empty when ``source`` is None."""
    cols = ["detector", "strategy", "test_hard_negatives", "hard_called_mean", "precision_without_hard_mean",
            "precision_without_hard_sd"]
    if source is None:
        return pd.DataFrame(columns=cols)
    source = np.asarray(source).astype(str)
    by = {}
    for m, preds in runs:
        idx = preds["index"].to_numpy()
        pos = preds["label"].to_numpy() == m["classes"].index(m["positive"])
        hard = np.isin(source[idx], HARD_SOURCES) & ~pos
        called = preds["score"].to_numpy() >= m["threshold"]
        tp, fp = int((called & pos).sum()), int((called & ~pos & ~hard).sum())
        by.setdefault((m["detector"], m["strategy"]), []).append(
            (int(hard.sum()), int((called & hard).sum()), tp / (tp + fp) if tp + fp else float("nan")))
    rows = []
    for (detector, strategy), r in sorted(by.items()):
        ms = mean_sd([x[2] for x in r])
        rows.append({"detector": detector, "strategy": strategy, "test_hard_negatives": r[0][0],
                     "hard_called_mean": float(np.mean([x[1] for x in r])), "precision_without_hard_mean": ms["mean"],
                     "precision_without_hard_sd": ms["sd"]})
    return pd.DataFrame(rows, columns=cols)


COMPARISON_COLUMNS = ["detector", "strategy", "reference", "metric", "role", "diff", "lo", "hi", "p_le_0",
                      "p_two_sided", "p_holm", "n_boot", "level", "n_groups", "seeds_resampled", "verdict"]


def comparison_table(runs, n_boot=1000, seed=0, level=0.95, reference=REFERENCE, groups=None):
    """Each strategy minus the same detector's ``reference`` per metric: observed difference, bootstrap
    interval (whole groups and seeds resampled), p(diff <= 0), two-sided p and its Holm adjustment
    (family: the primary metric's rows, or the other rows), verdict.

    ``runs``: (metrics dict, predictions DataFrame) per run; predictions hold
    index, label (class index) and score (of the rare class). ``groups``: the
    group label of every item of encoded.npz (indexed by predictions' index);
    None: every test item its own group.
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
        item_groups = None if groups is None else np.asarray(groups)[items]
        for strategy, group in strategies.items():
            if strategy == reference:
                continue
            runs_a = [(p["score"].to_numpy(), t) for p, t, _ in group]
            for k in METRICS:
                rows.append({"detector": detector, "strategy": strategy, "reference": reference,
                             **_paired_row(y, runs_a, runs_b, k, n_boot, seed, level, item_groups)})
    return _holm_verdicts(pd.DataFrame(rows, columns=COMPARISON_COLUMNS), level)


def _paired_row(y, runs_a, runs_b, metric, n_boot, seed, level, groups):
    """The bootstrap columns of one comparison row (test groups and replicate seeds resampled)."""
    b = paired_bootstrap(y, runs_a, runs_b, metric, n_boot=n_boot, seed=seed, level=level, groups=groups,
                         resample_runs=True)
    return {"metric": metric, "role": "primary" if metric == PRIMARY else "secondary",
            "diff": b["diff"], "lo": b["lo"], "hi": b["hi"], "p_le_0": b["p_le_0"],
            "p_two_sided": b["p_two_sided"], "n_boot": b["n_boot"], "level": level,
            "n_groups": b["n_groups"], "seeds_resampled": len(runs_a) > 1 or len(runs_b) > 1}


def _holm_verdicts(table, level):
    """Holm-adjusted p per role (primary / secondary family) and the verdict of each row."""
    for role in ("primary", "secondary"):
        sel = table["role"] == role
        table.loc[sel, "p_holm"] = holm(table.loc[sel, "p_two_sided"].to_numpy(float))
    table["verdict"] = [verdict(d, p, 1 - level) for d, p in zip(table["diff"], table["p_holm"])]
    return table


def verdict(diff, p_holm, alpha):
    """'better' / 'worse' when the Holm-adjusted p-value is below ``alpha``, else 'no difference shown'."""
    if not (np.isfinite(diff) and np.isfinite(p_holm)):
        return "not measurable"
    if p_holm < alpha:
        return "better" if diff > 0 else "worse"
    return "no difference shown"


BASELINE_COLUMNS = ["detector", "strategy", "reference_detector", "reference_strategy", "chosen_by", "val_auprc",
                    "reference_val_auprc", "metric", "role", "diff", "lo", "hi", "p_le_0", "p_two_sided", "p_holm",
                    "n_boot", "level", "n_groups", "seeds_resampled", "verdict"]


def best_on_validation(runs, exclude=BASELINE):
    """(detector, strategy, mean validation AUPRC over its seeds) of the pair with the highest mean
    validation AUPRC (``metrics.json``'s ``val`` block), ``exclude`` left out; ties: the first in
    sorted order. None when no other pair has validation metrics."""
    by = {}
    for m, _ in runs:
        key = (m["detector"], m["strategy"])
        if key != tuple(exclude) and "val" in m:
            by.setdefault(key, []).append(float(m["val"][PRIMARY]))
    scored = [(np.nanmean(v) if np.isfinite(v).any() else -np.inf, k) for k, v in sorted(by.items())]
    if not scored:
        return None
    best = max(scored, key=lambda x: x[0])  # max keeps the first of equal values
    return best[1][0], best[1][1], float(best[0])


def baseline_table(runs, n_boot=1000, seed=0, level=0.95, baseline=BASELINE, groups=None):
    """The validation-best (detector, strategy) minus ``baseline`` on the test split, per metric: the
    paired bootstrap of ``comparison_table`` (whole groups and both sides' seeds resampled, the same
    draws), p-values Holm-adjusted within the primary metric's row and within the other rows. Empty
    (with the columns) when the dataset has no run of the baseline or no other pair."""
    ref = [r for r in runs if (r[0]["detector"], r[0]["strategy"]) == tuple(baseline)]
    best = best_on_validation(runs, baseline)
    if not ref or best is None:
        return pd.DataFrame(columns=BASELINE_COLUMNS)
    detector, strategy, val_ap = best
    chosen = [r for r in runs if (r[0]["detector"], r[0]["strategy"]) == (detector, strategy)]

    def side(rs):
        out = []
        for m, preds in sorted(rs, key=lambda r: r[0]["replicate"]):
            out.append((preds.sort_values("index"), m["threshold"], m["classes"].index(m["positive"])))
        return out

    a, b = side(chosen), side(ref)
    items = b[0][0]["index"].to_numpy()
    if any(not np.array_equal(p["index"].to_numpy(), items) for p, _, _ in a + b):
        raise ValueError(f"{detector} {strategy} and the baseline {' '.join(baseline)}: predictions are not on "
                         "the same test items")
    y = (b[0][0]["label"].to_numpy() == b[0][2]).astype(int)
    item_groups = None if groups is None else np.asarray(groups)[items]
    ref_val = float(np.nanmean([m["val"][PRIMARY] for m, _ in ref if "val" in m] or [np.nan]))
    rows = []
    runs_a = [(p["score"].to_numpy(), t) for p, t, _ in a]
    runs_b = [(p["score"].to_numpy(), t) for p, t, _ in b]
    for k in METRICS:
        rows.append({"detector": detector, "strategy": strategy, "reference_detector": baseline[0],
                     "reference_strategy": baseline[1], "chosen_by": f"val_{PRIMARY}", "val_auprc": val_ap,
                     "reference_val_auprc": ref_val,
                     **_paired_row(y, runs_a, runs_b, k, n_boot, seed, level, item_groups)})
    return _holm_verdicts(pd.DataFrame(rows, columns=BASELINE_COLUMNS), level)
