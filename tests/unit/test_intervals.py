"""Intervals that mean what they say: whole groups resampled, seed variance included, Holm correction."""

import numpy as np
import pytest

from genaug.metrics import holm, paired_bootstrap


def clustered(n_groups=12, size=6, seed=0):
    """Test items in groups whose members share their label and (nearly) their scores: a block of
    correlated loci, or both haplotypes of a person."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_groups), size)
    y = np.repeat(rng.integers(0, 2, n_groups), size)
    y[:size], y[size:2 * size] = 1, 0  # both classes present
    shift_a = np.repeat(rng.normal(0, 0.4, n_groups), size)  # side a helps some groups, hurts others
    base = y + np.repeat(rng.normal(0, 0.5, n_groups), size)
    a = base + shift_a * (2 * y - 1) + rng.normal(0, 0.02, len(y))
    b = base + rng.normal(0, 0.02, len(y))
    return y, g, [(a, 0.5)], [(b, 0.5)]


@pytest.mark.parametrize("metric", ["auprc", "auroc", "f1"])
def test_group_bootstrap_is_wider_on_clustered_items(metric):
    y, g, a, b = clustered()
    item = paired_bootstrap(y, a, b, metric, n_boot=2000, seed=1)
    group = paired_bootstrap(y, a, b, metric, n_boot=2000, seed=1, groups=g)
    assert group["diff"] == item["diff"]
    assert group["hi"] - group["lo"] > 1.5 * (item["hi"] - item["lo"])
    assert group["n_groups"] == 12 and item["n_groups"] == len(y)


def test_group_bootstrap_equals_item_bootstrap_on_unclustered_items():
    y, _, a, b = clustered()
    item = paired_bootstrap(y, a, b, "auprc", n_boot=500, seed=2)
    labels = np.array([f"item{i}" for i in range(len(y))])  # every item its own group
    assert paired_bootstrap(y, a, b, "auprc", n_boot=500, seed=2, groups=labels) == item


def test_resampling_seeds_widens_the_interval_by_the_seed_spread():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    runs_a = [(y + rng.normal(0, s, 200), 0.5) for s in (0.3, 1.5, 0.4, 1.2)]  # seeds disagree a lot
    runs_b = [(y + rng.normal(0, 0.8, 200), 0.5)]
    fixed = paired_bootstrap(y, runs_a, runs_b, "auroc", n_boot=1000, seed=0)
    seeds = paired_bootstrap(y, runs_a, runs_b, "auroc", n_boot=1000, seed=0, resample_runs=True)
    assert seeds["diff"] == fixed["diff"]
    assert seeds["hi"] - seeds["lo"] > 1.2 * (fixed["hi"] - fixed["lo"])


def test_holm_matches_the_step_down_by_hand():
    p = [0.01, 0.04, 0.03, 0.005, float("nan")]
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone 0.06
    np.testing.assert_allclose(holm(p)[:4], [0.03, 0.06, 0.06, 0.02])
    assert np.isnan(holm(p)[4])
    assert holm([0.6, 0.7]).tolist() == [1.0, 1.0]


def _runs(y, scores_by, threshold=0.5):
    import pandas as pd
    runs = []
    for (strategy, seed), s in scores_by.items():
        m = {"dataset": "d", "detector": "cnn", "strategy": strategy, "replicate": seed, "threshold": threshold,
             "classes": ["no", "yes"], "positive": "yes",
             "test": {k: 0.5 for k in ("precision", "recall", "f1", "auroc", "auprc")}}
        runs.append((m, pd.DataFrame({"index": np.arange(len(y)) + 10, "label": y, "score": s})))
    return runs


def test_comparisons_resample_groups_and_seeds_and_holm_correct_by_family():
    from genaug.detect.summary import comparison_table
    y, g, a, b = clustered()
    rng = np.random.default_rng(3)
    runs = _runs(y, {("none", 1): b[0][0], ("none", 2): b[0][0] + rng.normal(0, 0.1, len(y)),
                     ("x", 1): a[0][0], ("x", 2): a[0][0] + rng.normal(0, 0.1, len(y)),
                     ("z", 1): b[0][0] + 1.0, ("z", 2): b[0][0] + 1.0})
    groups = np.array(["pad"] * 10 + [f"b{i}" for i in g])  # indexed like encoded.npz
    t = comparison_table(runs, n_boot=300, seed=0, groups=groups)
    assert set(t["n_groups"]) == {12} and t["seeds_resampled"].all()
    prim = t[t["role"] == "primary"]
    assert set(prim["metric"]) == {"auprc"} and len(prim) == 2
    p = prim["p_two_sided"].to_numpy()
    np.testing.assert_allclose(prim["p_holm"], holm(p))
    assert (t["p_holm"] >= t["p_two_sided"] - 1e-12).all()
    item = comparison_table(runs, n_boot=300, seed=0)
    assert (item["n_groups"] == len(y)).all()
    assert ((t["hi"] - t["lo"]).sum() > (item["hi"] - item["lo"]).sum())


def test_hard_negatives_are_counted_and_precision_is_given_without_them():
    from genaug.detect.summary import hard_negative_table
    y = np.array([1, 1, 0, 0, 0, 0])
    s = np.array([0.9, 0.2, 0.8, 0.7, 0.1, 0.9])  # called: items 0, 2, 3, 5
    source = np.array(["x"] * 10 + ["truth", "truth", "caller", "caller", "sampled", "sampled"])
    t = hard_negative_table(_runs(y, {("none", 1): s}), source)
    r = t.iloc[0]
    assert r["test_hard_negatives"] == 2 and r["hard_called_mean"] == 2
    assert r["precision_without_hard_mean"] == 0.5  # 1 TP, 1 easy FP (item 5); items 2, 3 left out


def test_baseline_comparison_takes_the_validation_best_pair_and_pairs_it_with_the_baseline():
    import pandas as pd

    from genaug.detect.summary import baseline_table
    from genaug.report import baseline_markdown, summary_rows
    y, g, a, b = clustered()
    rng = np.random.default_rng(5)
    scores = {("logistic", "none", 1): (b[0][0], 0.70),
              ("conv1d", "none", 1): (b[0][0] + 2 * y, 0.60), ("conv1d", "none", 2): (b[0][0] + 2 * y, 0.62),
              # the best on test, but not on validation: it must not be chosen
              ("conv1d", "x", 1): (b[0][0] + 5 * y, 0.50), ("conv1d", "x", 2): (b[0][0] + 5 * y, 0.52),
              ("conv1d", "z", 1): (a[0][0] + rng.normal(0, 0.1, len(y)), 0.90),
              ("conv1d", "z", 2): (a[0][0] + rng.normal(0, 0.1, len(y)), 0.80)}
    runs = []
    for (detector, strategy, seed), (s, val_ap) in scores.items():
        m = {"dataset": "d", "detector": detector, "strategy": strategy, "replicate": seed, "threshold": 0.5,
             "classes": ["no", "yes"], "positive": "yes", "val": {"auprc": val_ap},
             "test": {k: 0.5 for k in ("precision", "recall", "f1", "auroc", "auprc")}}
        runs.append((m, pd.DataFrame({"index": np.arange(len(y)) + 10, "label": y, "score": s})))
    groups = np.array(["pad"] * 10 + [f"b{i}" for i in g])
    t = baseline_table(runs, n_boot=300, seed=0, groups=groups)
    assert set(zip(t["detector"], t["strategy"])) == {("conv1d", "z")}
    assert t["val_auprc"].iloc[0] == pytest.approx(0.85) and t["reference_val_auprc"].iloc[0] == 0.70
    assert len(t) == 5 and (t["role"] == "primary").sum() == 1 and set(t["n_groups"]) == {12}
    r = t.set_index("metric").loc["auroc"]
    z = [(s, 0.5) for (d, st, _), (s, _) in scores.items() if st == "z"]
    ref = paired_bootstrap(y, z, [(b[0][0], 0.5)], "auroc", n_boot=300, seed=0, groups=g, resample_runs=True)
    assert (r["diff"], r["lo"], r["hi"]) == (ref["diff"], ref["lo"], ref["hi"])
    sec = t[t["role"] == "secondary"]
    np.testing.assert_allclose(sec["p_holm"], holm(sec["p_two_sided"].to_numpy()))
    assert t.loc[t["role"] == "primary", "p_holm"].iloc[0] == t.loc[t["role"] == "primary", "p_two_sided"].iloc[0]
    text = "\n".join(baseline_markdown(t))
    assert "conv1d z" in text and "logistic none" in text and "95%" in text
    rows = summary_rows("d", pd.DataFrame(columns=["detector", "strategy", "replicates"]), pd.DataFrame(), {},
                        baseline=t)
    assert set(rows["section"]) == {"difference_from_logistic_none"} and len(rows) == 5
    # no baseline run: an empty table with the columns, and nothing in the report
    empty = baseline_table([r for r in runs if r[0]["detector"] != "logistic"])
    assert not len(empty) and "verdict" in empty.columns and baseline_markdown(empty) == []
