"""Nearest-neighbour adversarial accuracy (AATS) and privacy loss.

Yale et al. 2020 ("Generation and evaluation of privacy preserving synthetic
health data"), as used by Yelmen et al. 2021 for artificial genomes. With a
real set T and a synthetic set S of equal size n:

- d_TT(i): distance of real i to its nearest *other* real item (leave-one-out),
- d_TS(i): distance of real i to its nearest synthetic item,
- d_ST(i): distance of synthetic i to its nearest real item,
- d_SS(i): distance of synthetic i to its nearest *other* synthetic item.

AA_truth = mean_i [d_TS(i) > d_TT(i)], AA_syn = mean_i [d_ST(i) > d_SS(i)],
AATS = (AA_truth + AA_syn) / 2. The comparison is strict: a tie counts as
"not farther", so with discrete data (haplotypes, where many distances tie)
AATS sits below the value a tie-breaking rule would give. AATS near 0.5 means
synthetic items are as close to real ones as real ones are to each other;
near 1 the sets are apart (poor fidelity); near 0 synthetic items sit on top of
real ones (copies).

Privacy loss = AATS(held-out, synthetic) - AATS(train, synthetic): positive
when the synthetic set is closer to the generator's training data than to
unseen real data of the same distribution.

Distances: "euclidean", or "hamming" for 0/1 data (the number of differing
entries; equal to squared euclidean distance on 0/1 data, computed exactly).
Nearest neighbours are scikit-learn's; AATS itself is written here and
tested against a brute-force count.
"""

import numpy as np
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

METRICS = ("euclidean", "hamming")


def _matrix(x, name):
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (items, features) array; got shape {x.shape}")
    return x


def _checked(x, metric, name):
    """Checked 2-D float64 array (hamming: 0/1 data only)."""
    x = _matrix(x, name)
    if metric not in METRICS:
        raise ValueError(f"metric {metric!r} is not one of {', '.join(METRICS)}")
    if metric == "hamming" and x.size and not np.isin(x, (0, 1)).all():
        raise ValueError(f"hamming distance needs 0/1 data; {name} has other values")
    return np.asarray(x, dtype=np.float64)


def _prepare(A, B, metric, names=("A", "B")):
    A = _checked(A, metric, names[0])
    B = _checked(B, metric, names[1])
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"{names[0]} has {A.shape[1]} features and {names[1]} "
                         f"{B.shape[1]}; they must match")
    return A, B


def _nn_min(A, B, metric, exclude_self=False):
    """Distance of each row of A to its nearest row of B (scikit-learn's brute-force
    nearest neighbours). ``exclude_self``: A is B, and row i's own distance 0 is left out
    (the second-nearest of the set, so an identical other row still gives 0). Hamming
    distances of 0/1 rows are the squared euclidean ones, rounded to the exact integers."""
    k = 2 if exclude_self else 1
    if len(B) < k:
        return np.full(len(A), np.inf)
    d = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(B).kneighbors(A, return_distance=True)[0][:, -1]
    return np.rint(d * d) if metric == "hamming" else d


def _subsample(x, n, rng):
    return x if len(x) == n else x[np.sort(rng.choice(len(x), size=n, replace=False))]


def _aats_parts(T, S, metric, d_ss=None):
    """AA_truth, AA_syn of equal-size sets; d_SS may be passed in to reuse."""
    d_tt = _nn_min(T, T, metric, exclude_self=True)
    d_ts, d_st = _nn_min(T, S, metric), _nn_min(S, T, metric)
    if d_ss is None:
        d_ss = _nn_min(S, S, metric, exclude_self=True)
    return float(np.mean(d_ts > d_tt)), float(np.mean(d_st > d_ss))


def aats(real, synthetic, metric="euclidean", seed=0, threads=1):
    """Nearest-neighbour adversarial accuracy between real and synthetic sets.

    The larger set is subsampled without replacement (numpy
    ``default_rng(seed)``) to the size n of the smaller, n >= 2. Returns
    {"aats", "aa_truth", "aa_syn", "n"} as defined in the module docstring
    (strict ``>``: ties count as not farther). ``threads``: BLAS / OpenMP threads.
    """
    real = _matrix(real, "real")
    synthetic = _matrix(synthetic, "synthetic")
    n = min(len(real), len(synthetic))
    if n < 2:
        raise ValueError(f"AATS needs at least 2 items per set; got {len(real)} real, "
                         f"{len(synthetic)} synthetic")
    rng = np.random.default_rng(seed)
    T, S = _prepare(_subsample(real, n, rng), _subsample(synthetic, n, rng), metric,
                    ("real", "synthetic"))
    with threadpool_limits(max(1, int(threads))):
        aa_truth, aa_syn = _aats_parts(T, S, metric)
    return {"aats": (aa_truth + aa_syn) / 2.0, "aa_truth": aa_truth, "aa_syn": aa_syn, "n": n}


def privacy_loss(train, heldout, synthetic, metric="euclidean", n_resamples=10, seed=0,
                 n=None, threads=1):
    """Privacy loss AATS(held-out, synthetic) - AATS(train, synthetic).

    For each resample r (numpy ``default_rng(seed + r)``), n rows of each set
    are drawn without replacement (train, then held-out, then synthetic); the
    same synthetic rows serve both AATS values. ``n`` defaults to
    min(len(train), len(heldout), len(synthetic)); with that default and sets
    of equal size every resample holds the same rows and the sd is 0, so give
    a smaller ``n`` to see the resampling spread. Returns
    {"aats_train", "aats_heldout", "privacy_loss": means over resamples,
    "privacy_loss_sd": sd (ddof=1; 0.0 for one resample), "n", "n_resamples"}.
    Positive loss: synthetic items are closer to the training data than to
    held-out data (a leak). Its resampling noise is of the order of ±0.015 on
    real haplotypes, so report the sd beside it. ``threads``: BLAS / OpenMP threads.
    """
    train = _matrix(train, "train")
    heldout = _matrix(heldout, "heldout")
    synthetic = _matrix(synthetic, "synthetic")
    n_max = min(len(train), len(heldout), len(synthetic))
    n = n_max if n is None else int(n)
    if n > n_max:
        raise ValueError(f"n={n} rows asked of sets holding {len(train)} train, "
                         f"{len(heldout)} held-out, {len(synthetic)} synthetic")
    if n < 2:
        raise ValueError(f"privacy loss needs at least 2 items per set; got {len(train)} train, "
                         f"{len(heldout)} held-out, {len(synthetic)} synthetic")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1; got {n_resamples}")
    tr, te = [], []
    with threadpool_limits(max(1, int(threads))):
        for r in range(int(n_resamples)):
            rng = np.random.default_rng(seed + r)
            T = _subsample(train, n, rng)
            H = _subsample(heldout, n, rng)
            S = _subsample(synthetic, n, rng)
            T, S = _prepare(T, S, metric, ("train", "synthetic"))
            H, _ = _prepare(H, S, metric, ("heldout", "synthetic"))
            d_ss = _nn_min(S, S, metric, exclude_self=True)
            tr.append(sum(_aats_parts(T, S, metric, d_ss)) / 2.0)
            te.append(sum(_aats_parts(H, S, metric, d_ss)) / 2.0)
    tr, te = np.array(tr), np.array(te)
    loss = te - tr
    return {
        "aats_train": float(tr.mean()),
        "aats_heldout": float(te.mean()),
        "privacy_loss": float(loss.mean()),
        "privacy_loss_sd": float(loss.std(ddof=1)) if loss.size > 1 else 0.0,
        "n": int(n),
        "n_resamples": int(n_resamples),
    }


def identical_share(synthetic, train):
    """Share of synthetic rows exactly equal (every entry) to some train row.

    Rows are compared as bytes after casting both sets to a common dtype
    (-0.0 counts as 0.0). nan for an empty synthetic set.
    """
    synthetic = _matrix(synthetic, "synthetic")
    train = _matrix(train, "train")
    if synthetic.shape[1] != train.shape[1]:
        raise ValueError(f"synthetic has {synthetic.shape[1]} features and train "
                         f"{train.shape[1]}; they must match")
    if len(synthetic) == 0:
        return float("nan")
    dtype = np.result_type(synthetic.dtype, train.dtype)

    def keys(x):
        x = np.ascontiguousarray(x.astype(dtype, copy=False))
        if np.issubdtype(dtype, np.floating):
            x = x + 0.0  # -0.0 -> 0.0
        return [row.tobytes() for row in x]

    seen = set(keys(train))
    return float(np.mean([k in seen for k in keys(synthetic)]))
