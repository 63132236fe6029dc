"""Leak measures on the full train and held-out sets: copy-injection controls are flagged, independent
draws are not, and permuted, subsampled copies of training pileups are linked to their sources."""

import numpy as np
import pytest

from genaug import metrics
from genaug.encode import channels as ch
from genaug.fidelity import common
from genaug.fidelity.pileups import read_order_free

ROWS, WIDTH = 16, 32


def pileups(n, seed):
    """Toy pileups: each item has its own per-column code profile (Dirichlet draws), reads of
    random spans sample codes from it; qualities random."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n, len(ch.CHANNELS), ROWS, WIDTH), np.uint8)
    for i in range(n):
        depth = rng.integers(10, ROWS + 1)
        for c, codes in ch.CATEGORICAL.items():
            first = 1 if c in (ch.BASE, ch.STRAND) else 0
            k = len(codes) - first
            prof = rng.dirichlet(np.full(k, 0.3), size=WIDTH)  # (W, k)
            u = rng.random((depth, WIDTH, 1))
            code = (u > prof.cumsum(1)[None]).sum(-1).clip(0, k - 1) + first
            X[i, c, :depth] = ch.encode_categorical(codes, code)
        X[i, ch.BASE_QUALITY, :depth] = rng.integers(100, 255, (depth, WIDTH))
        X[i, ch.MAPPING_QUALITY, :depth] = rng.integers(100, 255, (depth, WIDTH))
    return X


def classic_copy(X, rng, keep=0.75):
    """What ``classic`` does to a training item: its reads reordered and subsampled."""
    reads = np.flatnonzero((X[ch.BASE] != 0).any(-1))
    kept = rng.permutation(reads)[: max(1, int(round(keep * len(reads))))]
    out = np.zeros_like(X)
    out[:, : len(kept)] = X[:, kept]
    return out


def haplotypes(n, seed, snps=300, founders=12, blocks=10, flip=0.05):
    rng = np.random.default_rng(seed)
    F = np.random.default_rng(99).integers(0, 2, (founders, snps))
    which = rng.integers(0, founders, (n, blocks)).repeat(snps // blocks, axis=1)
    H = F[which, np.arange(snps)]
    return (H ^ (rng.random(H.shape) < flip)).astype(np.uint8)


def vectors(n, seed, dim=20):
    rng = np.random.default_rng(seed)
    A = np.random.default_rng(7).normal(size=(dim, dim)) / np.sqrt(dim)
    return (rng.normal(size=(n, dim)) @ A).astype(np.float32)


def kinds():
    """(name, T, H, independent S, distance) with features as the audit uses them."""
    free = lambda X: read_order_free(X, ch.CHANNELS)
    yield "pileups", free(pileups(120, 1)), free(pileups(40, 2)), free(pileups(150, 3)), "euclidean"
    yield "haplotypes", haplotypes(300, 1), haplotypes(80, 2), haplotypes(200, 3), "hamming"
    # few SNPs: many real haplotypes equal a training one, so distance ties at 0 are common
    few = dict(snps=60, founders=4, blocks=6, flip=0.01)
    T, H = haplotypes(300, 1, **few), haplotypes(80, 2, **few)
    assert metrics.nearest(H, T, "hamming")[0].min() == 0
    yield "haplotypes_ties", T, H, haplotypes(200, 3, **few), "hamming"
    yield "vectors", vectors(300, 1), vectors(80, 2), vectors(200, 3), "euclidean"


@pytest.mark.parametrize("name,T,H,S,distance", list(kinds()), ids=lambda v: v if isinstance(v, str) else "")
def test_copy_controls_are_flagged_and_independent_draws_are_not(name, T, H, S, distance):
    out = common.leak_audit(T, H, S, distance, seed=0)
    syn = out["synthetic"]
    assert not syn["leak_flag"], (name, syn["source_linked_share"], syn["leak_p"])
    assert syn["n"] == {"train": len(T), "heldout": len(H), "synthetic": len(S)}  # full reference sets
    assert set(out["copy_controls"]) == {"0.2", "1"}
    for share, m in out["copy_controls"].items():
        assert m["leak_flag"], (name, share, m["source_linked_share"])
        if name != "haplotypes_ties":  # there a held-out item sits at distance 0: nothing is closer
            assert m["source_linked_share"]["synthetic"] >= float(share) * 0.9
        assert m["closer_to_train_share"]["synthetic"] > syn["closer_to_train_share"]["synthetic"]
        assert m["privacy_loss_full"] > syn["privacy_loss_full"]
    full = out["copy_controls"]["1"]
    assert full["dcr_train"]["synthetic"] < 1e-5 and syn["dcr_train"]["synthetic"] > 0
    # the same measures called on a hand-made 20 % copy set agree with the control
    rng = np.random.default_rng(5)
    mixed = common.inject_copies(S, T, 0.2, rng)
    assert common.leak_measures(T, H, mixed, distance)["leak_flag"]


def test_permuted_subsampled_training_pileups_are_linked_to_their_sources():
    T, H = pileups(120, 1), pileups(40, 2)
    rng = np.random.default_rng(3)
    src = rng.integers(0, len(T), 100)
    S = np.stack([classic_copy(T[i], rng) for i in src])
    assert metrics.identical_share(S.reshape(len(S), -1), T.reshape(len(T), -1)) == 0  # no exact copy
    FT, FH, FS = (read_order_free(X, ch.CHANNELS) for X in (T, H, S))
    m = common.leak_measures(FT, FH, FS, "euclidean")
    assert np.mean(np.array(m["source_index"]) == src) > 0.95
    assert m["leak_flag"] and m["source_linked_share"]["synthetic"] > 0.8
    # the order-free features do not move when reads are reordered
    perm = T[:, :, ::-1].copy()
    np.testing.assert_allclose(read_order_free(perm, ch.CHANNELS), FT, atol=1e-6)


def test_nearest_is_the_brute_force_closest_record_of_the_whole_set():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(30, 5)), rng.normal(size=(50, 5))
    d, i = metrics.nearest(A, B)
    full = np.sqrt(((A[:, None] - B[None]) ** 2).sum(-1))
    np.testing.assert_allclose(d, full.min(1), rtol=1e-6)
    np.testing.assert_array_equal(i, full.argmin(1))
    d, i = metrics.nearest(B, B, exclude_self=True)
    self_d = np.sqrt(((B[:, None] - B[None]) ** 2).sum(-1)) + np.diag(np.full(50, np.inf))
    np.testing.assert_allclose(d, self_d.min(1), rtol=1e-6)
    X = np.array([[0, 1], [0, 1], [1, 1]], np.uint8)  # a tie at distance 0 is kept, not the row itself
    d, i = metrics.nearest(X, X, "hamming", exclude_self=True)
    assert d.tolist() == [0, 0, 1] and i[0] == 1 and i[1] == 0


def test_audit_sets_are_the_synthetic_file_and_its_class_and_conditions(tmp_path):
    import hashlib

    import pandas as pd

    from genaug.augment import save_synthetic
    from genaug.errors import InputError
    from genaug.fidelity.inputs import audit_sets
    from genaug.split import Split

    y = np.array([0, 1, 1, 1, 0, 1, 1, 0, 1, 1])
    cond = np.array(["a", "DEL", "DUP", "INV", "a", "DEL", "DUP", "a", "INV", "DEL"])
    pd.DataFrame({"id": np.arange(10), "svtype": cond}).to_csv(tmp_path / "samples.tsv", sep="\t", index=False)
    split = Split(train=np.array([0, 1, 2, 3, 4]), val=np.array([5, 6]), test=np.array([7, 8, 9]),
                  unused=np.array([], np.int64))
    X = np.arange(3 * 4, dtype=np.uint8).reshape(3, 4)
    path = tmp_path / "syn.npz"
    save_synthetic(path, X, 1, np.array(["no", "yes"]), "binary", "g", condition=["DEL", "DUP", "DEL"])
    a = audit_sets(y, split, path, tmp_path / "samples.tsv", "svtype")
    assert a.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    np.testing.assert_array_equal(a.synthetic, X)
    assert a.conditions == {"DEL": 2, "DUP": 1} and a.label == 1
    assert a.train.tolist() == [1, 2] and a.heldout.tolist() == [5, 6, 9]  # INV items left out
    both = tmp_path / "both.npz"
    np.savez(both, X=X, y=np.array([0, 1, 1]), condition=np.array(["", "", ""]))
    with pytest.raises(InputError, match="both.npz"):
        audit_sets(y, split, both)
