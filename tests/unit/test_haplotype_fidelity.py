"""Fidelity and privacy of synthetic haplotypes: each statistic on a hand-computed tiny
example, then the audit's pairing (held-out real in the synthetic set's seat gives the
reference) and AATS at its two ends."""

import math

import numpy as np
import pandas as pd
import pytest

from genaug.fidelity import common
from genaug.fidelity import haplotypes as fh


def test_allele_frequencies_and_pearson():
    H = np.array([[0, 1], [1, 1], [0, 0], [0, 1]], np.uint8)
    assert fh.allele_frequencies(H).tolist() == [0.25, 0.75]
    # a - mean = (-1, 0, 1); b - mean = (-7, -1, 8) / 3: r = 5 / sqrt(2 * 114 / 9)
    assert fh.pearson([1, 2, 3], [2, 4, 7]) == pytest.approx(5 / math.sqrt(2 * 114 / 9))
    assert fh.pearson([1, 2, np.nan, 3], [2, 4, 100, 7]) == pytest.approx(5 / math.sqrt(2 * 114 / 9))
    assert math.isnan(fh.pearson([1, 1, 1], [1, 2, 3]))


def test_r2_matrix_by_hand():
    # columns (0, 0, 1, 1), (0, 0, 1, 0), (1, 1, 0, 0), (1, 1, 1, 1)
    H = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [1, 1, 0, 1], [1, 0, 0, 1]], np.uint8)
    r2 = fh.r2_matrix(H)
    # r(c0, c2) = -1; r(c0, c1) = (1/4 - 1/2 * 1/4) / (1/2 * sqrt(3/16)) = 1/sqrt(3); r(c1, c2) = -1/sqrt(3)
    np.testing.assert_allclose(r2[:3, :3], [[1, 1 / 3, 1], [1 / 3, 1, 1 / 3], [1, 1 / 3, 1]], atol=1e-12)
    assert np.isnan(r2[3]).all() and np.isnan(r2[:, 3]).all()  # monomorphic SNP: undefined
    np.testing.assert_allclose(fh.upper(r2[:3, :3]), [1 / 3, 1, 1 / 3])


def test_ld_decay_bins_pairs_by_distance():
    r2 = np.array([[1, 0.8, 0.2], [0.8, 1, 0.4], [0.2, 0.4, 1]])
    mean, counts = fh.ld_decay(r2, pos=[0, 10, 30], bins=np.array([0, 15, 40]))
    # pairs: (0, 1) at 10 bp -> bin 0; (1, 2) at 20 and (0, 2) at 30 -> bin 1
    assert counts.tolist() == [1, 2]
    np.testing.assert_allclose(mean, [0.8, 0.3])
    r2[0, 1] = np.nan  # a pair with an undefined r2 is left out
    mean, counts = fh.ld_decay(r2, pos=[0, 10, 30], bins=np.array([0, 15, 40]))
    assert counts.tolist() == [0, 2] and np.isnan(mean[0])
    edges = fh.decay_bins([100, 110, 1100], 2)
    np.testing.assert_allclose(edges[:2], [10, 100])  # from the closest pair (10 bp), log-spaced
    assert edges[2] > 1000  # the widest pair (1000 bp) is inside the last bin


def test_curve_distance_and_even_subset():
    assert fh.curve_distance(np.array([0.5, np.nan, 0.2]), np.array([0.3, 0.1, np.nan])) == pytest.approx(0.2)
    assert fh.even_subset(10, 4).tolist() == [0, 3, 6, 9]
    assert fh.even_subset(3, 4).tolist() == [0, 1, 2]


def test_pairwise_hamming():
    H = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 1]], np.uint8)
    assert fh.pairwise_hamming(H).tolist() == [1, 3, 2]
    big = np.random.default_rng(0).integers(0, 2, (30, 5))
    assert len(fh.pairwise_hamming(big, max_pairs=100)) == 100


def test_wasserstein1d_by_hand():
    # F_a - F_b = 0 on [0, 1) and 1/2 on [1, 3): W1 = 1
    assert fh.wasserstein1d([0, 1], [0, 3]) == pytest.approx(1.0)
    assert fh.wasserstein1d([0], [5]) == pytest.approx(5.0)
    assert fh.wasserstein1d([2, 0, 1], [1, 2, 0]) == 0.0
    # unequal sizes: a = {0, 0, 2}, b = {1}: |2/3 - 0| on [0, 1) + |2/3 - 1| on [1, 2) = 1
    assert fh.wasserstein1d([0, 0, 2], [1]) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        fh.wasserstein1d([], [1])


def test_wasserstein1d_agrees_with_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=57), rng.exponential(size=31)
    assert fh.wasserstein1d(a, b) == pytest.approx(stats.wasserstein_distance(a, b), rel=1e-12)


def test_halves_keep_people_whole_and_balance_populations():
    groups = np.array(["a", "a", "b", "b", "c", "c", "d", "d", "e", "e", "f", "f"])
    labels = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
    for seed in range(5):
        h1, h2 = common.halves(12, groups, labels, np.random.default_rng(seed))
        assert sorted(np.r_[h1, h2].tolist()) == list(range(12))
        assert set(groups[h1]).isdisjoint(groups[h2])
        assert (labels[h1] == 0).sum() == (labels[h2] == 0).sum() == 4  # two people of each population
        assert (labels[h1] == 1).sum() == (labels[h2] == 1).sum() == 2
    h1, h2 = common.halves(5, rng=np.random.default_rng(0))
    assert len(h1) == 3 and len(h2) == 2  # ties go to the first half


# --- the audit ----------------------------------------------------------------------------

def population(n, seed, snps=200, blocks=10, founders=8):
    """Haplotypes with LD: each block of SNPs copied from one of ``founders`` founder
    haplotypes, with 5 % of alleles flipped."""
    rng = np.random.default_rng(seed)
    F = np.random.default_rng(99).integers(0, 2, (founders, snps))
    which = rng.integers(0, founders, (n, blocks)).repeat(snps // blocks, axis=1)
    H = F[which, np.arange(snps)]
    return (H ^ (rng.random(H.shape) < 0.05)).astype(np.uint8)


VARIANTS = pd.DataFrame({"pos": np.arange(200) * 100 + 1000})


def test_held_out_in_the_synthetic_seat_scores_the_reference():
    T, H = population(120, 1), population(60, 2)
    out = fh.evaluate(T, H, H.copy(), VARIANTS, seed=0, auc_folds=3, n_resamples=2)
    m = out["metrics"]
    for name in ("af_correlation", "ld_r2_correlation", "ld_decay_distance", "pairwise_distance_wasserstein",
                 "pca_wasserstein", "identical_share"):
        assert m[name]["synthetic"] == pytest.approx(m[name]["reference"]), name
    assert out["n"] == {"train": 120, "heldout": 60, "synthetic": 60, "snps": 200, "aats": 30}
    one_contig = set(fh.BETTER) - {"ld_r2_correlation_within", "ld_r2_correlation_between"}
    assert set(m) == one_contig and all(m[k]["better"] == fh.BETTER[k] for k in m)
    assert m["af_correlation"]["synthetic"] > 0.8 and m["ld_r2_correlation"]["synthetic"] > 0.5


def test_aats_near_half_for_one_distribution_and_near_one_for_disjoint_sets():
    T, H, S = population(300, 1), population(200, 2), population(300, 3)
    m = fh.evaluate(T, H, S, VARIANTS, seed=0, auc_folds=3, n_resamples=5)["metrics"]
    assert abs(m["aats_train"]["synthetic"] - 0.5) < 0.1 and abs(m["aats_heldout"]["synthetic"] - 0.5) < 0.1
    assert abs(m["privacy_loss"]["synthetic"]) < 0.1
    assert m["two_sample_auc_nonlinear"]["synthetic"] < 0.7
    far = np.ones_like(S)  # every synthetic haplotype all-ALT: far from every real one
    far[::2, ::7] = 0  # not all identical, so d_SS is not 0 everywhere
    m = fh.evaluate(T, H, far, VARIANTS, seed=0, auc_folds=3, n_resamples=2)["metrics"]
    assert m["aats_train"]["synthetic"] > 0.95 and m["aats_heldout"]["synthetic"] > 0.95
    assert m["two_sample_auc_linear"]["synthetic"] > 0.95


def test_copies_of_training_haplotypes_show_as_a_leak():
    T, H = population(300, 1), population(200, 2)
    S = T[np.random.default_rng(5).integers(0, len(T), 300)]
    m = fh.evaluate(T, H, S, VARIANTS, seed=0, auc_folds=3, n_resamples=5)["metrics"]
    assert m["identical_share"]["synthetic"] == 1.0 and m["identical_share"]["reference"] == 0.0
    # measured: AATS vs train 0.33 (reference 0.46), privacy loss 0.24 (reference -0.03)
    assert m["aats_train"]["synthetic"] < m["aats_train"]["reference"] - 0.1
    assert m["privacy_loss"]["synthetic"] > 0.15 > m["privacy_loss"]["reference"]
    assert m["privacy_loss"]["sd"] >= 0 and m["privacy_loss"]["n_resamples"] == 5


def test_curves_are_small_and_json_ready():
    import json
    T, H, S = population(80, 1), population(40, 2), population(80, 3)
    out = fh.evaluate(T, H, S, VARIANTS, seed=0, auc_folds=3, n_resamples=2, heatmap_snps=10)
    text = json.dumps(out)
    assert len(text) < 200_000
    c = out["curves"]
    assert len(c["af"]["train"]) == 200 and len(c["ld_heatmap"]["train"]) == 10
    assert len(c["ld_decay"]["distance"]) == 16 and len(c["distance_hist"]["edges"]) == 41
    assert len(c["pca"]["synthetic"]) == 2 and len(c["pca"]["synthetic"][0]) == 40  # S at the held-out size
    with pytest.raises(ValueError, match="SNP counts differ"):
        fh.evaluate(T, H[:, :10], S, VARIANTS)
    with pytest.raises(ValueError, match="only 0 and 1"):
        fh.evaluate(T, H + 1, S, VARIANTS)
