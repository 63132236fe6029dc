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

H1 / H2: the held-out items split in two halves (whole groups, so both
haplotypes of a person stay together; balanced by label), drawn anew in each
of ``n_resamples`` resamples; the privacy loss's sd is over those resamples.
The two-sample AUCs use held-out real items as the real side: against the
generator's own training items a classifier learns backwards and looks
perfect (a generator that copies its training items would seem flawless).
"""

import numpy as np
from scipy.stats import wasserstein_distance

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


def check_sets(T, H, S):
    """The three sets as arrays; ValueError when their item shapes differ or a set is too small
    (train >= 2, held-out >= 4: two halves, synthetic >= 2)."""
    T, H, S = (np.asarray(x) for x in (T, H, S))
    if not (T.shape[1:] == H.shape[1:] == S.shape[1:]):
        raise ValueError(f"item shapes differ: train {T.shape[1:]}, held-out {H.shape[1:]}, synthetic {S.shape[1:]}")
    if len(T) < 2 or len(H) < 4 or len(S) < 2:
        raise ValueError(f"too few items: train {len(T)} (>= 2), held-out {len(H)} (>= 4), synthetic {len(S)} (>= 2)")
    return T, H, S


def take(X, n, rng):
    """At most ``n`` rows of ``X``, drawn without replacement, in their order."""
    return X if len(X) <= n else X[np.sort(rng.choice(len(X), n, replace=False))]


def halves(n, groups=None, labels=None, rng=None):
    """Split rows 0..n-1 in two halves (sorted indices): whole groups (people) go to one half,
    and within each label (population) the groups are dealt in a random order to the half
    with fewer of that label's rows so far (ties: the first half)."""
    rng = rng or np.random.default_rng(0)
    groups = np.arange(n) if groups is None else np.asarray(groups)
    labels = np.zeros(n, np.int64) if labels is None else np.asarray(labels)
    if len(groups) != n or len(labels) != n:
        raise ValueError(f"{len(groups)} groups and {len(labels)} labels for {n} rows")
    _, first, idx = np.unique(groups, return_index=True, return_inverse=True)
    size = np.bincount(idx)
    group_label = labels[first]
    half = np.zeros(len(first), np.int64)
    for lab in np.unique(group_label):
        rows = [0, 0]
        for g in rng.permutation(np.flatnonzero(group_label == lab)):
            k = 0 if rows[0] <= rows[1] else 1
            half[g] = k
            rows[k] += size[g]
    return np.flatnonzero(half[idx] == 0), np.flatnonzero(half[idx] == 1)


def privacy(T, H, S, groups=None, labels=None, n_resamples=10, seed=0, metric="hamming", threads=1):
    """AATS against train and against held-out, and privacy loss, for S and for the reference.

    Resample r (seed + r) splits the held-out items in halves H1, H2 (``halves``) and
    draws S down to len(H2); ``genaug.metrics.privacy_loss`` then scores (T, H1, S) and, as
    the reference, (T, H1, H2), both at n = min(len(H1), len(H2)). Returns means over the
    resamples and the loss's sd (ddof=1) for "synthetic" and "reference"."""
    out = {"synthetic": [], "reference": []}
    for r in range(int(n_resamples)):
        rng = np.random.default_rng(seed + r)
        h1, h2 = halves(len(H), groups, labels, rng)
        S_r = take(S, len(h2), rng)
        for key, other in (("synthetic", S_r), ("reference", H[h2])):
            out[key].append(metrics.privacy_loss(T, H[h1], other, metric=metric, n_resamples=1,
                                                 seed=seed + r, threads=threads))
    summary = {}
    for key, runs in out.items():
        loss = np.array([p["privacy_loss"] for p in runs])
        summary[key] = {"aats_train": float(np.mean([p["aats_train"] for p in runs])),
                        "aats_heldout": float(np.mean([p["aats_heldout"] for p in runs])),
                        "privacy_loss": float(loss.mean()),
                        "sd": float(loss.std(ddof=1)) if len(loss) > 1 else 0.0,
                        "n": int(runs[0]["n"])}
    return summary


def wasserstein1d(a, b):
    """1-D Wasserstein (earth mover's) distance between the empirical distributions
    of samples ``a`` and ``b`` (scipy's ``wasserstein_distance``)."""
    a = np.asarray(a, np.float64).ravel()
    b = np.asarray(b, np.float64).ravel()
    if not len(a) or not len(b):
        raise ValueError("Wasserstein distance needs two non-empty samples")
    return float(wasserstein_distance(a, b))


def shared_metrics(record, T, H, S, distance, seed=0, threads=1, heldout_groups=None, heldout_labels=None,
                   n_resamples=10, auc_folds=5, T_exact=None, H_exact=None, S_exact=None):
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
    p = privacy(T, H, S, heldout_groups, heldout_labels, n_resamples, seed, distance, threads)
    syn, ref = p["synthetic"], p["reference"]
    record.put("aats_train", syn["aats_train"], ref["aats_train"], n=syn["n"])
    record.put("aats_heldout", syn["aats_heldout"], ref["aats_heldout"], n=syn["n"])
    record.put("privacy_loss", syn["privacy_loss"], ref["privacy_loss"], sd=syn["sd"], reference_sd=ref["sd"],
               n=syn["n"], n_resamples=int(n_resamples))
    T_exact, H_exact, S_exact = (X if E is None else E for X, E in ((T, T_exact), (H, H_exact), (S, S_exact)))
    record.put("identical_share", metrics.identical_share(_flat(S_exact), _flat(T_exact)),
               metrics.identical_share(_flat(H_exact), _flat(T_exact)), n=len(S_exact), reference_n=len(H_exact))
    return syn["n"]


def _flat(X):
    X = np.asarray(X)
    return X.reshape(len(X), -1)
