"""Parts of every fidelity / privacy audit, whatever the data kind.

Three sets of items as feature rows: ``T`` (the real items the generator
learned from), ``H`` (real held-out items it never saw) and ``S`` (an audit
sample from the generator). Each statistic is reported for the synthetic set
and, as its **reference**, for held-out real items in the synthetic set's
seat (what a perfect generator would score), with matched set sizes:

| metric | synthetic | reference | better |
|---|---|---|---|
| two_sample_auc_linear / _nonlinear | AUC(real H, S) | AUC(real T, H) | near_0.5 |
| aats_train | AATS(T, S) | AATS(T, H2) | near_0.5 |
| aats_heldout | AATS(H1, S) | AATS(H1, H2) | near_0.5 |
| privacy_loss | aats_heldout - aats_train (mean, sd over resamples) | same with H2 | lower |
| identical_share | share of S equal to a row of T | share of H | lower |

H1 / H2: the held-out items split in two halves (by group when groups are
given, so both haplotypes of a person stay together). The two-sample AUCs use
held-out real items as the real side: against the generator's own training
items a classifier learns backwards and looks perfect (evaluation notes).
"""

import numpy as np

from .. import metrics

BETTER = {"two_sample_auc_linear": "near_0.5", "two_sample_auc_nonlinear": "near_0.5",
          "aats_train": "near_0.5", "aats_heldout": "near_0.5", "privacy_loss": "lower",
          "identical_share": "lower"}


class Record(dict):
    """{metric: {"synthetic", "reference", "better", ...}}; None for a value that is not finite."""

    def __init__(self, better):
        super().__init__()
        self.better = better

    def put(self, name, syn, ref, **extra):
        self[name] = {"synthetic": _finite(syn), "reference": _finite(ref), "better": self.better[name], **extra}


def _finite(v):
    return None if v is None or not np.isfinite(v) else float(v)


def take(X, n, rng):
    """At most ``n`` rows of ``X``, drawn without replacement, in their order."""
    return X if len(X) <= n else X[np.sort(rng.choice(len(X), n, replace=False))]


def halves(n, groups=None, rng=None):
    """Split rows 0..n-1 in two halves (sorted indices), by group when ``groups`` is given
    (all rows of a group in one half; halves as equal in rows as the groups allow)."""
    rng = rng or np.random.default_rng(0)
    if groups is None:
        perm = rng.permutation(n)
        return np.sort(perm[: n // 2]), np.sort(perm[n // 2:])
    groups = np.asarray(groups)
    if len(groups) != n:
        raise ValueError(f"{len(groups)} groups for {n} rows")
    names, idx = np.unique(groups, return_inverse=True)
    first = np.zeros(len(names), bool)
    size = 0
    for g in rng.permutation(len(names)):  # fill the first half up to n // 2 rows, group by group
        k = int((idx == g).sum())
        if size + k <= n // 2 or size == 0:
            first[g] = True
            size += k
    in_first = first[idx]
    return np.flatnonzero(in_first), np.flatnonzero(~in_first)


def wasserstein1d(a, b):
    """1-D Wasserstein (earth mover's) distance between the empirical distributions
    of samples ``a`` and ``b``: the integral over x of |F_a(x) - F_b(x)|."""
    a = np.sort(np.asarray(a, np.float64).ravel())
    b = np.sort(np.asarray(b, np.float64).ravel())
    if not len(a) or not len(b):
        raise ValueError("Wasserstein distance needs two non-empty samples")
    x = np.concatenate([a, b])
    x.sort(kind="mergesort")
    widths = np.diff(x)
    Fa = np.searchsorted(a, x[:-1], side="right") / len(a)
    Fb = np.searchsorted(b, x[:-1], side="right") / len(b)
    return float(np.sum(np.abs(Fa - Fb) * widths))


def shared_metrics(record, T, H, S, distance, seed=0, threads=1, heldout_groups=None, n_resamples=10,
                   auc_folds=5, T_exact=None, H_exact=None, S_exact=None):
    """Add the two-sample AUCs, AATS, privacy loss and identical share to ``record``.

    ``T``, ``H``, ``S``: feature rows; ``distance``: "euclidean" or "hamming"
    for the nearest-neighbour statistics. ``*_exact``: the items as encoded,
    for identical_share (default: the feature rows). Returns the AATS set size.
    """
    auc = metrics.two_sample_auc(H, S, seed=seed, folds=auc_folds, threads=threads)
    auc_ref = metrics.two_sample_auc(T, H, seed=seed, folds=auc_folds, threads=threads)
    for kind in ("linear", "nonlinear"):
        record.put(f"two_sample_auc_{kind}", auc[kind], auc_ref[kind], n_per_side=auc["n_per_side"],
                   reference_n_per_side=auc_ref["n_per_side"])
    h1, h2 = halves(len(H), heldout_groups, np.random.default_rng(seed))
    H1, H2 = H[h1], H[h2]
    pl = metrics.privacy_loss(T, H1, S, metric=distance, n_resamples=n_resamples, seed=seed, threads=threads)
    pl_ref = metrics.privacy_loss(T, H1, H2, metric=distance, n_resamples=n_resamples, seed=seed,
                                  threads=threads)
    record.put("aats_train", pl["aats_train"], pl_ref["aats_train"], n=pl["n"])
    record.put("aats_heldout", pl["aats_test"], pl_ref["aats_test"], n=pl["n"])
    record.put("privacy_loss", pl["privacy_loss"], pl_ref["privacy_loss"], sd=pl["privacy_loss_sd"],
               reference_sd=pl_ref["privacy_loss_sd"], n=pl["n"], n_resamples=pl["n_resamples"])
    T_exact, H_exact, S_exact = (X if E is None else E for X, E in ((T, T_exact), (H, H_exact), (S, S_exact)))
    record.put("identical_share", metrics.identical_share(_flat(S_exact), _flat(T_exact)),
               metrics.identical_share(_flat(H_exact), _flat(T_exact)), n=len(S_exact), reference_n=len(H_exact))
    return pl["n"]


def _flat(X):
    X = np.asarray(X)
    return X.reshape(len(X), -1)
