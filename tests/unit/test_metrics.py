"""Unit tests of genaug.metrics: exact values worked out by hand on tiny inputs,
and behaviour checks (calibration, power) on seeded simulated data."""

import json
import math

import numpy as np
import pytest
import torch

from genaug.metrics import (
    aats,
    average_precision,
    binary_metrics,
    choose_threshold,
    confusion,
    fit_pca,
    identical_share,
    mean_sd,
    multiclass_metrics,
    paired_bootstrap,
    pr_curve,
    privacy_loss,
    roc_auc,
    two_sample_auc,
)
from genaug.metrics import privacy as privacy_module
from genaug.metrics import twosample as twosample_module

Y4 = [0, 0, 1, 1]
S4 = [0.1, 0.4, 0.35, 0.8]


# ------------------------------------------------------------ classification


def test_hand_example_auc_ap_and_metrics():
    # Pairs (pos, neg): 0.35>0.1, 0.35<0.4, 0.8>0.1, 0.8>0.4 -> 3/4.
    assert roc_auc(Y4, S4) == pytest.approx(0.75)
    # From the top: 0.8 (P=1, R=1/2), 0.4 (neg), 0.35 (P=2/3, R=1) -> 1/2*1 + 1/2*2/3.
    assert average_precision(Y4, S4) == pytest.approx(5 / 6)
    m = binary_metrics(Y4, S4, 0.5)
    assert m == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "auroc": pytest.approx(0.75),
        "auprc": pytest.approx(5 / 6),
        "threshold": 0.5,
        "confusion": [[2, 0], [1, 1]],
        "n": 4,
        "positives": 2,
        "predicted_positives": 1,
    }
    json.dumps(m)  # plain Python types
    assert all(type(m[k]) is float for k in ("precision", "recall", "f1", "auroc", "auprc"))
    assert all(type(m[k]) is int for k in ("n", "positives", "predicted_positives"))


def test_confusion_layout():
    cm = confusion([0, 0, 1, 1, 1], [1, 0, 0, 1, 1])
    assert cm.tolist() == [[1, 1], [1, 2]]
    assert cm.dtype == np.int64


def test_threshold_is_inclusive_and_empty_prediction_gives_zero():
    assert binary_metrics(Y4, S4, 0.8)["confusion"] == [[2, 0], [1, 1]]  # 0.8 >= 0.8
    m = binary_metrics(Y4, S4, 0.9)
    assert (m["precision"], m["recall"], m["f1"], m["predicted_positives"]) == (0.0, 0.0, 0.0, 0)


def test_tied_scores():
    y, s = [0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]
    # Pairs: (0.5 vs 0.5) = 1/2, the other three = 1 -> 3.5 / 4.
    assert roc_auc(y, s) == pytest.approx(0.875)
    # Thresholds 0.9 (P=1, R=1/2) then the tied block 0.5 together (P=2/3, R=1).
    assert average_precision(y, s) == pytest.approx(1 / 2 + 1 / 2 * 2 / 3)
    # All scores tied: AUC 1/2, AP = prevalence.
    assert roc_auc([0, 1, 1, 0, 0], [3.0] * 5) == 0.5
    assert average_precision([0, 1, 1, 0, 0], [3.0] * 5) == pytest.approx(0.4)


def test_one_class_gives_nan():
    assert math.isnan(roc_auc([1, 1, 1], [0.1, 0.2, 0.3]))
    assert math.isnan(average_precision([0, 0], [0.1, 0.2]))
    m = binary_metrics([0, 0], [0.1, 0.7], 0.5)
    assert math.isnan(m["auroc"]) and m["precision"] == 0.0 and m["recall"] == 0.0


def test_curves_exact():
    precision, recall, thr = pr_curve(Y4, S4)
    np.testing.assert_allclose(precision, [0.5, 2 / 3, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(recall, [1.0, 1.0, 0.5, 0.5, 0.0])
    np.testing.assert_allclose(thr, [0.1, 0.35, 0.4, 0.8])
    # The step-wise area under the curve is the average precision.
    assert -np.sum(np.diff(recall) * precision[:-1]) == pytest.approx(5 / 6)


def test_auc_matches_pair_count_on_random_ties():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 200)
    s = rng.integers(0, 6, 200).astype(float)  # many ties
    pos, neg = s[y == 1], s[y == 0]
    brute = ((pos[:, None] > neg[None]) + 0.5 * (pos[:, None] == neg[None])).mean()
    assert roc_auc(y, s) == pytest.approx(brute, abs=1e-12)


def _mid_logit(a, b):
    la, lb = math.log(a / (1 - a)), math.log(b / (1 - b))
    return 1 / (1 + math.exp(-(la + lb) / 2))


def test_choose_threshold():
    # F1 at 0.8: 2/3; at 0.4: 1/2; at 0.35: 4/5; at 0.1: 2/3 -> 0.35, moved into the gap down to 0.1.
    t = choose_threshold(Y4, S4)
    assert t == pytest.approx(_mid_logit(0.35, 0.1)) and 0.1 < t <= 0.35
    # F1 at 0.9: 2/3; 0.8: 1/2; 0.7: 2/5; 0.6: 2/3 -> tie, larger threshold wins.
    assert choose_threshold([1, 0, 0, 1], [0.9, 0.8, 0.7, 0.6]) == pytest.approx(_mid_logit(0.9, 0.8))
    # the lowest score is best: no gap below it
    assert choose_threshold([1, 1, 0], [0.9, 0.5, 0.7]) == 0.5
    assert choose_threshold([0, 0, 0], [0.2, 0.3, 0.9]) == 0.5


def test_multiclass_metrics():
    proba = [
        [0.5, 0.5, 0.0],  # tie -> class 0
        [0.1, 0.2, 0.7],
        [0.0, 0.1, 0.9],
        [0.2, 0.6, 0.2],
    ]
    m = multiclass_metrics([0, 1, 2, 2], proba)
    assert m["predictions"] == [0, 2, 2, 1]
    assert m["confusion"] == [[1, 0, 0], [0, 0, 1], [0, 1, 1]]
    assert m["precision"] == [1.0, 0.0, 0.5]
    assert m["recall"] == [1.0, 0.0, 0.5]
    assert m["f1"] == [1.0, 0.0, 0.5]
    assert m["macro_f1"] == pytest.approx(0.5)
    assert m["accuracy"] == 0.5
    json.dumps(m)


def test_mean_sd():
    assert mean_sd([1, 2, 3, 4]) == {"mean": 2.5, "sd": pytest.approx(math.sqrt(5 / 3)), "n": 4}
    assert mean_sd([7.0]) == {"mean": 7.0, "sd": 0.0, "n": 1}


def _runs(y, rng, strength, k=3):
    return [(strength * y + rng.normal(0, 1, y.size), 0.5) for _ in range(k)]


def test_paired_bootstrap_identical_runs_give_zero():
    rng = np.random.default_rng(0)
    y = (rng.random(100) < 0.3).astype(int)
    runs = _runs(y, rng, 1.0)
    for metric in ("f1", "auroc", "auprc"):
        r = paired_bootstrap(y, runs, list(runs), metric, n_boot=200)
        assert (r["diff"], r["lo"], r["hi"], r["p_le_0"]) == (0.0, 0.0, 0.0, 1.0)
        assert (r["n_boot"], r["level"], r["skipped"]) == (200, 0.95, 0)


def test_paired_bootstrap_better_side_and_observed_value():
    rng = np.random.default_rng(1)
    y = (rng.random(400) < 0.2).astype(int)
    a, b = _runs(y, rng, 2.0), _runs(y, rng, 0.5)
    r = paired_bootstrap(y, a, b, "auroc", n_boot=1000, seed=0)
    expect = np.mean([roc_auc(y, s) for s, _ in a]) - np.mean([roc_auc(y, s) for s, _ in b])
    assert r["diff"] == pytest.approx(expect, abs=1e-12)
    assert 0 < r["lo"] < r["diff"] < r["hi"] and r["p_le_0"] == 0.0
    r = paired_bootstrap(y, b, a, "f1", n_boot=1000, seed=0)
    expect = np.mean([binary_metrics(y, s, t)["f1"] for s, t in b]) - np.mean(
        [binary_metrics(y, s, t)["f1"] for s, t in a])
    assert r["diff"] == pytest.approx(expect, abs=1e-12)
    assert r["hi"] < 0 and r["p_le_0"] == 1.0


@pytest.mark.parametrize("metric", ["f1", "precision", "recall", "auroc", "auprc"])
def test_paired_bootstrap_equals_explicit_resampling(metric):
    """The vectorised resamples equal the metric recomputed on each explicitly
    resampled test set, with the documented random stream."""
    rng = np.random.default_rng(2)
    n, n_boot, seed = 30, 60, 5
    y = (rng.random(n) < 0.3).astype(int)
    a = [(np.round(0.8 * y + rng.normal(0, 0.5, n), 1), 0.4) for _ in range(2)]  # ties
    b = [(np.round(0.3 * y + rng.normal(0, 0.5, n), 1), 0.3) for _ in range(3)]

    def value(yy, run):
        s, t = run
        if metric == "auroc":
            return roc_auc(yy, s)
        if metric == "auprc":
            return average_precision(yy, s)
        return binary_metrics(yy, s, t)[metric]

    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    diffs, skipped = [], 0
    for i in idx:
        yy = y[i]
        if metric in ("auroc", "auprc") and yy.min() == yy.max():
            skipped += 1
            continue
        diffs.append(np.mean([value(yy, (s[i], t)) for s, t in a])
                     - np.mean([value(yy, (s[i], t)) for s, t in b]))
    r = paired_bootstrap(y, a, b, metric, n_boot=n_boot, seed=seed, level=0.9)
    lo, hi = np.quantile(diffs, [0.05, 0.95])
    assert r["lo"] == pytest.approx(lo, abs=1e-12) and r["hi"] == pytest.approx(hi, abs=1e-12)
    assert r["p_le_0"] == pytest.approx(np.mean(np.array(diffs) <= 0))
    assert r["skipped"] == skipped


def test_paired_bootstrap_skips_one_class_resamples():
    y = np.array([0, 0, 1])  # a resample lacks the positive with prob (2/3)^3
    a = [(np.array([0.1, 0.2, 0.9]), 0.5)]
    b = [(np.array([0.3, 0.2, 0.1]), 0.5)]
    r = paired_bootstrap(y, a, b, "auroc", n_boot=500, seed=0)
    idx = np.random.default_rng(0).integers(0, 3, size=(500, 3))
    one_class = (y[idx].min(axis=1) == y[idx].max(axis=1)).sum()
    assert r["skipped"] == one_class > 0
    assert r["diff"] == 1.0  # 1.0 - 0.0
    with pytest.raises(ValueError, match="metric"):
        paired_bootstrap(y, a, b, "accuracy")


# ------------------------------------------------------------------ privacy


def nn_distances(A, B, exclude_self=False, metric="euclidean"):
    """The nearest-neighbour distances behind AATS."""
    return privacy_module._nn_min(*privacy_module._prepare(A, B, metric), metric, exclude_self=exclude_self)


def test_nn_distances_exact_and_exclude_self():
    A = np.array([[0.0, 0.0], [3.0, 4.0]])
    B = np.array([[0.0, -1.0], [6.0, 8.0]])  # (3, 4): sqrt 34 from B0, 5 from B1
    np.testing.assert_array_equal(nn_distances(A, B), [1.0, 5.0])
    X = np.array([[0, 0], [0, 0], [1, 1]])
    # Self excluded by index, not by value: the duplicate still gives 0.
    np.testing.assert_array_equal(nn_distances(X, X, exclude_self=True, metric="hamming"),
                                  [0, 0, 2])
    np.testing.assert_array_equal(nn_distances(X, X, metric="hamming"), [0, 0, 0])


def test_hamming_counts_differing_bits():
    rng = np.random.default_rng(0)
    H = (rng.random((60, 300)) < 0.3).astype(np.int8)
    A, B = H[:25], H[25:]
    brute = np.array([min(int((a != b).sum()) for b in B) for a in A])
    np.testing.assert_array_equal(nn_distances(A, B, metric="hamming"), brute)
    # On 0/1 data hamming = squared euclidean.
    np.testing.assert_allclose(nn_distances(A, B) ** 2, brute, atol=1e-9)
    brute_self = [min(int((H[i] != H[j]).sum()) for j in range(60) if j != i) for i in range(60)]
    np.testing.assert_array_equal(nn_distances(H, H, exclude_self=True, metric="hamming"),
                                  brute_self)
    with pytest.raises(ValueError, match="0/1"):
        nn_distances(A * 2, B, metric="hamming")


def test_aats_equals_a_brute_force_count_on_random_data_with_ties():
    """The hand-written AATS against scipy's distance matrices on 0/1 data (many tied distances)."""
    from scipy.spatial.distance import cdist
    rng = np.random.default_rng(4)
    T = (rng.random((40, 12)) < 0.3).astype(np.int8)
    S = (rng.random((40, 12)) < 0.35).astype(np.int8)
    S[:5] = T[:5]  # some copies
    d_tt, d_ss, d_ts = cdist(T, T, "cityblock"), cdist(S, S, "cityblock"), cdist(T, S, "cityblock")
    np.fill_diagonal(d_tt, np.inf)
    np.fill_diagonal(d_ss, np.inf)
    aa_truth = np.mean(d_ts.min(1) > d_tt.min(1))
    aa_syn = np.mean(d_ts.min(0) > d_ss.min(1))
    for metric in ("hamming", "euclidean"):
        r = aats(T, S, metric=metric)
        assert r["aa_truth"] == pytest.approx(aa_truth) and r["aa_syn"] == pytest.approx(aa_syn), metric
    np.testing.assert_array_equal(nn_distances(T, T, exclude_self=True, metric="hamming"), d_tt.min(1))


def test_aats_hand_example():
    T = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 0.0]])
    S = np.array([[0.0, 1.0], [4.0, 0.0], [10.0, 0.0]])
    # d_TT = [1, 1, 4]; d_TS = [1, sqrt 2, 1] -> farther only for T1 (T0 ties: not farther).
    # d_SS = [sqrt 17, sqrt 17, 6]; d_ST = [1, 1, 5] -> never farther.
    r = aats(T, S)
    assert r == {"aats": pytest.approx(1 / 6), "aa_truth": pytest.approx(1 / 3),
                 "aa_syn": 0.0, "n": 3}


def test_aats_copies_is_zero_and_far_apart_is_one():
    T = np.array([[0.0], [1.0], [3.0]])
    assert aats(T, T[::-1].copy()) == {"aats": 0.0, "aa_truth": 0.0, "aa_syn": 0.0, "n": 3}
    rng = np.random.default_rng(0)
    real = rng.normal(size=(200, 4))
    assert aats(real, rng.normal(size=(300, 4)) + 50)["aats"] == 1.0
    r = aats(real, rng.normal(size=(300, 4)) + 50)
    assert r["n"] == 200  # larger side subsampled


def test_aats_same_distribution_near_half():
    rng = np.random.default_rng(1)
    r = aats(rng.normal(size=(600, 5)), rng.normal(size=(600, 5)))
    assert abs(r["aats"] - 0.5) < 0.05  # sd of AATS here is about 0.015


def test_privacy_loss_copies_vs_fresh_sample():
    rng = np.random.default_rng(2)
    train, heldout = rng.normal(size=(300, 5)), rng.normal(size=(300, 5))
    leak = privacy_loss(train, heldout, train.copy(), n_resamples=5, n=200)
    # Train and synthetic rows are drawn independently, so about 2/3 of the
    # synthetic rows drawn have their original among the train rows drawn.
    assert leak["aats_train"] < 0.2 and leak["aats_heldout"] > 0.4
    assert leak["privacy_loss"] > 0.3
    fresh = privacy_loss(train, heldout, rng.normal(size=(300, 5)), n_resamples=5, n=200)
    assert abs(fresh["privacy_loss"]) < 0.05
    assert 0 < fresh["privacy_loss_sd"] < 0.05
    assert (fresh["n"], fresh["n_resamples"]) == (200, 5)
    full = privacy_loss(train, heldout, train.copy(), n_resamples=2)
    assert full["n"] == 300 and full["aats_train"] == 0.0  # every synthetic row is in train
    assert full["privacy_loss_sd"] == pytest.approx(0.0, abs=1e-12)  # same rows each time


def test_identical_share():
    train = np.array([[0, 1], [1, 1]], dtype=np.int8)
    syn = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [-0.0, 1.0]])
    assert identical_share(syn, train) == 0.75
    assert identical_share(syn[[1]], train) == 0.0


# ------------------------------------------------------------------------ pca


def test_pca_points_on_a_line():
    t = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    X = np.array([1.0, 2.0]) + t[:, None] * np.array([-0.6, -0.8])
    p = fit_pca(X, k=2)
    np.testing.assert_allclose(p.mean, [1.0, 2.0])
    np.testing.assert_allclose(p.components[0], [0.6, 0.8])  # largest entry signed +
    np.testing.assert_allclose(p.explained_variance_ratio, [1.0, 0.0], atol=1e-12)
    assert p.explained_variance[0] == pytest.approx(2.5)  # var(t), ddof=1
    np.testing.assert_allclose(p.transform(X)[:, 0], -t, atol=1e-12)
    np.testing.assert_allclose(p.transform([[1.6, 2.8]]), [[1.0, 0.0]], atol=1e-12)


def test_pca_axis_aligned():
    X = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    p = fit_pca(X, k=2)
    np.testing.assert_allclose(np.abs(p.components), np.eye(2), atol=1e-12)
    np.testing.assert_allclose(p.explained_variance, [8 / 3, 2 / 3])
    np.testing.assert_allclose(p.explained_variance_ratio, [0.8, 0.2])
    with pytest.raises(ValueError, match="k=3"):
        fit_pca(X, k=3)


# ---------------------------------------------------------------- two-sample


def test_two_sample_same_distribution_near_half():
    rng = np.random.default_rng(0)
    r = two_sample_auc(rng.normal(size=(300, 5)), rng.normal(size=(350, 5)), seed=0)
    assert abs(r["linear"] - 0.5) < 0.1 and abs(r["nonlinear"] - 0.5) < 0.1
    assert (r["n_per_side"], r["folds"]) == (300, 5)


def test_two_sample_mean_shift_found_by_linear():
    rng = np.random.default_rng(1)
    r = two_sample_auc(rng.normal(size=(150, 5)), rng.normal(size=(150, 5)) + 1.0, seed=1)
    assert r["linear"] > 0.9 and r["nonlinear"] > 0.85


def test_two_sample_sign_coupling_found_only_by_mlp():
    # Same marginals, but synthetic feature 1 takes the sign of feature 0
    # (quadrants 2 and 4 empty): no mean difference for a linear model.
    rng = np.random.default_rng(100)
    real = rng.normal(size=(250, 4))
    syn = rng.normal(size=(250, 4))
    syn[:, 1] = np.abs(syn[:, 1]) * np.sign(syn[:, 0])
    r = two_sample_auc(real, syn, seed=0)
    assert r["nonlinear"] > 0.6 and r["nonlinear"] > r["linear"] + 0.1


def test_two_sample_more_features_than_items():
    rng = np.random.default_rng(2)
    d = 400  # > training items: linear model on PC scores, MLP on the top 256 PCs
    r = two_sample_auc(rng.normal(size=(60, d)), rng.normal(size=(60, d)) + 0.3, seed=0)
    assert r["linear"] > 0.9


def test_linear_on_pc_scores_equals_linear_on_features():
    rng = np.random.default_rng(3)
    x = torch.from_numpy(rng.normal(size=(40, 100)))
    y = torch.from_numpy(np.r_[np.zeros(20), np.ones(20)].astype(np.int64))
    x[y == 1] += 0.2
    x = x - x.mean(dim=0)
    xte = torch.from_numpy(rng.normal(size=(10, 100)))
    basis = twosample_module._pca_basis(x)
    direct = twosample_module._fit_linear(x, y, xte)
    reduced = twosample_module._fit_linear(x @ basis, y, xte @ basis)
    np.testing.assert_allclose(reduced, direct, atol=1e-4)


def test_two_sample_deterministic_and_restores_threads():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(40, 3)), rng.normal(size=(50, 3)) * 1.5
    before = torch.get_num_threads()
    state = torch.get_rng_state()
    r1 = two_sample_auc(a, b, seed=7, folds=4, threads=1)
    assert two_sample_auc(a, b, seed=7, folds=4, threads=1) == r1
    assert torch.get_num_threads() == before
    assert torch.equal(torch.get_rng_state(), state)  # global stream untouched
    assert r1["folds"] == 4 and r1["n_per_side"] == 40
