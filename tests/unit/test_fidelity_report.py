"""Pileup fidelity audit, the shared audit parts, and the report's summary and figures."""

import numpy as np
import pandas as pd
import pytest
from test_detect import _pileup, _put_read

from genaug.encode import channels as ch
from genaug.fidelity import common, evaluate
from genaug.plots.report import plot_detection, plot_generators
from genaug.report import dataset_markdown, summary_rows, verdict_sentence


def test_wasserstein_and_halves():
    assert common.wasserstein1d([0, 1], [1, 2]) == pytest.approx(1.0)
    assert common.wasserstein1d([0, 0, 3], [0, 0, 3]) == 0.0
    assert common.wasserstein1d([0], [4]) == pytest.approx(4.0)
    groups = np.array(["a", "a", "b", "b", "c", "c", "d", "d"])
    h1, h2 = common.halves(8, groups, rng=np.random.default_rng(1))
    assert len(h1) == len(h2) == 4 and not set(groups[h1]) & set(groups[h2])


def _pileups(n, seed, depth_lo=4, depth_hi=8, clip_share=0.3):
    rng = np.random.default_rng(seed)
    X = _pileup(n, H=8, W=32)
    for i in range(n):
        for row in range(rng.integers(depth_lo, depth_hi + 1)):
            start = int(rng.integers(0, 20))
            clip = "soft_clip" if rng.random() < clip_share else None
            _put_read(X, i, row, slice(start, start + 12), clip=clip,
                      pair="insert_large" if rng.random() < 0.2 else "concordant")
    return X


@pytest.fixture(scope="module")
def audits():
    T, H = _pileups(60, 1), _pileups(40, 2)
    fresh = _pileups(60, 3)
    copies = T.copy()
    shallow = _pileups(60, 4, depth_lo=1, depth_hi=2, clip_share=0.9)
    run = lambda S: evaluate("sv", T, H, S, seed=0, channels=ch.CHANNELS, heldout_groups=None)["metrics"]
    return {"fresh": run(fresh), "copies": run(copies), "shallow": run(shallow)}


def test_copies_of_training_items_are_caught_as_a_leak(audits):
    m = audits["copies"]
    assert m["identical_share"]["synthetic"] == 1.0 and m["identical_share"]["reference"] == 0.0
    assert m["aats_train"]["synthetic"] < 0.35   # synthetic items sit on training items (subsampled: not 0)
    assert m["privacy_loss"]["synthetic"] > 0.2 > abs(audits["fresh"]["privacy_loss"]["synthetic"])


def test_a_different_distribution_is_told_apart_and_a_fresh_sample_is_not(audits):
    shallow, fresh = audits["shallow"], audits["fresh"]
    assert shallow["two_sample_auc_nonlinear"]["synthetic"] > 0.9
    assert shallow["depth_wasserstein"]["synthetic"] > 3 > fresh["depth_wasserstein"]["synthetic"]
    assert shallow["channel_profile_distance"]["synthetic"] > 2 * fresh["channel_profile_distance"]["synthetic"]
    assert abs(fresh["two_sample_auc_linear"]["synthetic"] - 0.5) < 0.2
    # per-read statistics: shallow items with clips on most reads differ, a fresh sample is near its reference
    assert shallow["clipped_read_share_difference"]["synthetic"] > 0.4 > fresh["clipped_read_share_difference"][
        "synthetic"]
    assert shallow["depth_profile_distance"]["synthetic"] > 0.5 > fresh["depth_profile_distance"]["synthetic"]
    for name in ("read_length_wasserstein", "clip_length_wasserstein", "clip_position_wasserstein",
                 "mismatch_rate_wasserstein", "pair_mix_distance"):
        assert fresh[name]["reference"] is not None and fresh[name]["better"] == "lower", name
    assert fresh["pair_mix_distance"]["synthetic"] < 0.1
    for m in fresh.values():
        assert set(m) >= {"synthetic", "reference", "better"}


def _summary():
    summary = pd.DataFrame([{"dataset": "d", "detector": "cnn", "strategy": s, "replicates": 3,
                             **{f"{k}_mean": v for k in ("precision", "recall", "f1", "auroc", "auprc")},
                             **{f"{k}_sd": 0.01 for k in ("precision", "recall", "f1", "auroc", "auprc")}}
                            for s, v in (("none", 0.7), ("genegan", 0.8), ("oversample", 0.6))])
    comparisons = pd.DataFrame([{"detector": "cnn", "strategy": s, "reference": "none", "metric": k, "diff": d,
                                 "lo": lo, "hi": hi, "p_le_0": 0.5, "n_boot": 100, "level": 0.95, "verdict": v,
                                 "role": "primary" if k == "auprc" else "secondary"}
                                for s, d, lo, hi, v in (("genegan", 0.1, 0.02, 0.2, "better"),
                                                        ("oversample", -0.1, -0.3, 0.05, "no difference shown"))
                                for k in ("f1", "auprc")])
    return summary, comparisons


def test_summary_says_which_strategy_beat_none_and_when_none_did():
    summary, comparisons = _summary()
    assert verdict_sentence(comparisons).startswith("Primary metric AUPRC (Holm-corrected over its 2 comparisons): "
                                                     "cnn genegan beat the same detector's `none`")
    no_win = comparisons.assign(verdict="no difference shown")
    assert "no strategy beat its detector's `none`" in verdict_sentence(no_win)
    assert "cnn genegan +0.100 (F1 +0.100), cnn oversample -0.100 (F1 -0.100)" in verdict_sentence(no_win)
    assert "cnn genegan +0.100" not in verdict_sentence(comparisons)
    assert "tied `none` exactly" in verdict_sentence(no_win.assign(diff=0.0))
    assert "tied `none` exactly" not in verdict_sentence(no_win)
    assert "90% percentile intervals" in verdict_sentence(comparisons.assign(level=0.9))
    fid = {"genegan": {"metrics": {"aats_train": {"synthetic": 0.6, "reference": 0.5, "better": "near_0.5"}}}}
    md = dataset_markdown("d", summary, comparisons, fid, (100, 10))
    assert "| cnn | genegan | 0.800 ± 0.010" in md and "F1 − none [95% CI]" in md
    assert "+0.100 [+0.020, +0.200] better | +0.100 [+0.020, +0.200] better |" in md
    assert "F1 − none [90% CI]" in dataset_markdown("d", summary, comparisons.assign(level=0.9), fid)
    assert "| cnn | none | " in md and md.count("| reference | reference |") == 1
    assert "| aats_train | near 0.5 | 0.600 / 0.500 |" in md and "100 real items, 10 of the rare class" in md
    rows = summary_rows("d", summary, comparisons, fid)
    assert len(rows) == 3 * 5 + 4 + 1
    assert rows.query("section == 'fidelity'")["reference"].tolist() == [0.5]


def test_summary_adds_the_full_prevalence_table_when_runs_have_it():
    summary, comparisons = _summary()
    runs = pd.DataFrame([{"detector": "conv1d", "strategy": "none", "full_auroc": a, "full_auprc": 0.1,
                          "full_prevalence": 0.005, "full_precision_at_recall_0.5": 0.2,
                          "full_precision_at_recall_0.8": 0.05, "full_f1": 0.15} for a in (0.7, 0.8)])
    md = dataset_markdown("d", summary, comparisons, {}, runs=runs)
    assert "Detection at the full prevalence" in md
    assert "| conv1d | none | 0.750 ± 0.071 | 0.100 ± 0.000 | 0.0050 | 0.200 ± 0.000 |" in md
    nan = runs.assign(**{c: float("nan") for c in runs.columns if c.startswith("full_")})
    assert "full prevalence" not in dataset_markdown("d", summary, comparisons, {}, runs=nan)


def test_report_figures_are_written_and_refuse_empty_input(tmp_path):
    summary, comparisons = _summary()
    rng = np.random.default_rng(0)
    y = (rng.random(50) < 0.3).astype(int)
    curves = {("cnn", s): [(y, y * 0.5 + rng.random(50) * 0.6, 0.7)] for s in summary["strategy"]}
    plot_detection(summary, comparisons, curves, tmp_path / "d.png", title="t")
    X = _pileups(4, 1)
    hist = pd.DataFrame({"step": [1, 2, 3], "loss_d": [1.0, 0.8, 0.7]})
    plot_generators({"g": {"real": X, "synthetic": X[::-1], "history": hist,
                           "pca": {"train": [[0, 1], [1, 0]], "synthetic": [[0.5], [0.5]],
                                   "explained_variance_ratio": [0.6, 0.3]}}}, "image", tmp_path / "g.png")
    seqs = np.eye(4, dtype=np.int8)[rng.integers(0, 4, (6, 30))].transpose(0, 2, 1)
    seqs[0, :, :3] = 0  # N
    plot_generators({"classic": {"real": seqs, "synthetic": seqs[::-1], "history": None, "pca": None}},
                    "sequence", tmp_path / "s.png")
    for f in ("d.png", "g.png", "s.png"):
        assert (tmp_path / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (tmp_path / f).stat().st_size > 10_000
    with pytest.raises(ValueError):
        plot_detection(summary.iloc[:0], comparisons, {}, tmp_path / "e.png")
    with pytest.raises(ValueError):
        plot_generators({}, "image", tmp_path / "e.png")


def test_loss_curves_are_smoothed_without_drooping_at_the_ends():
    from genaug.plots.report import rolling_mean
    np.testing.assert_allclose(rolling_mean(np.full(100, 2.0), 25), 2.0)  # flat stays flat, ends included
    ramp = np.arange(100.0)
    r = rolling_mean(ramp, 5)
    np.testing.assert_allclose(r[2:-2], ramp[2:-2])  # centred: a line is unchanged inside
    assert r[0] == pytest.approx(1.0) and r[-1] == pytest.approx(98.0)  # partial windows at the ends
