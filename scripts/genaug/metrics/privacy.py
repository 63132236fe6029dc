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
"""

import contextlib

import numpy as np
import torch

METRICS = ("euclidean", "hamming")
_CHUNK_ELEMENTS = 1 << 23  # distance-matrix entries held at once (64 MiB in float64)


@contextlib.contextmanager
def torch_threads(threads):
    """Run the block with torch using ``threads`` threads, then restore the
    previous count. On shared 2-core machines 2 threads measured up to 100x
    slower than 1 for these small matrix products, hence the default of 1 in
    this package."""
    old = torch.get_num_threads()
    torch.set_num_threads(max(1, int(threads)))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _matrix(x, name):
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (items, features) array; got shape {x.shape}")
    return x


def _tensor(x, metric, name):
    """Checked 2-D tensor: float64 for euclidean; float32 for hamming, whose
    0/1 dot products are integers below 2**24 and so exact."""
    x = _matrix(x, name)
    if metric not in METRICS:
        raise ValueError(f"metric {metric!r} is not one of {', '.join(METRICS)}")
    if metric == "euclidean":
        return torch.as_tensor(x, dtype=torch.float64)
    if x.size and not np.isin(x, (0, 1)).all():
        raise ValueError(f"hamming distance needs 0/1 data; {name} has other values")
    if x.shape[1] >= 1 << 24:
        raise ValueError("hamming distance on more than 2**24 features is not exact in float32")
    return torch.as_tensor(x, dtype=torch.float32)


def _prepare(A, B, metric, names=("A", "B")):
    A = _tensor(A, metric, names[0])
    B = _tensor(B, metric, names[1])
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"{names[0]} has {A.shape[1]} features and {names[1]} "
                         f"{B.shape[1]}; they must match")
    return A, B


def _nn_min(A, B, metric, exclude_self=False, both=False):
    """Row minima of the A-to-B distance matrix (and column minima if ``both``),
    computed in chunks of A's rows. Squared euclidean / hamming counts inside;
    euclidean distances are square-rooted at the end."""
    n, m = A.shape[0], B.shape[0]
    b2 = (B * B).sum(dim=1)
    row_min = torch.empty(n, dtype=A.dtype)
    col_min = torch.full((m,), float("inf"), dtype=A.dtype)
    step = max(1, _CHUNK_ELEMENTS // max(m, 1))
    for start in range(0, n, step):
        a = A[start:start + step]
        d = (a * a).sum(dim=1)[:, None] + b2[None, :] - 2.0 * (a @ B.T)
        d.clamp_(min=0.0)
        if metric == "hamming":
            d.round_()  # exact integers already; guards against any rounding
        if exclude_self:
            r = torch.arange(a.shape[0])
            d[r, start + r] = float("inf")
        row_min[start:start + a.shape[0]] = d.min(dim=1).values if m else float("inf")
        if both and a.shape[0]:
            col_min = torch.minimum(col_min, d.min(dim=0).values)
    if metric == "euclidean":
        row_min = row_min.sqrt()
        col_min = col_min.sqrt()
    rows = row_min.double().numpy()
    return (rows, col_min.double().numpy()) if both else rows


def nn_distances(A, B, exclude_self=False, metric="euclidean", threads=1):
    """Distance of each row of A to its nearest row of B, as float64 (len(A),).

    ``exclude_self=True`` means A and B are the same set: row i of A is not
    compared with row i of B (other identical rows still give distance 0).
    ``metric``: "euclidean" (float64 via |a|^2 + |b|^2 - 2 a.b, exact for
    integer-valued data, otherwise accurate to rounding) or "hamming" (number
    of differing entries, 0/1 data only, exact). Computed in chunks of A's
    rows so that large sets do not hold the whole distance matrix; torch
    uses ``threads`` threads (restored afterwards).
    """
    A_t, B_t = _prepare(A, B, metric)
    if exclude_self and A_t.shape[0] != B_t.shape[0]:
        raise ValueError("exclude_self needs A and B to be the same set (same number of rows)")
    with torch_threads(threads):
        return _nn_min(A_t, B_t, metric, exclude_self=exclude_self)


def _subsample(x, n, rng):
    return x if len(x) == n else x[np.sort(rng.choice(len(x), size=n, replace=False))]


def _aats_parts(T, S, metric, d_ss=None):
    """AA_truth, AA_syn of equal-size tensors; d_SS may be passed in to reuse."""
    d_tt = _nn_min(T, T, metric, exclude_self=True)
    d_ts, d_st = _nn_min(T, S, metric, both=True)
    if d_ss is None:
        d_ss = _nn_min(S, S, metric, exclude_self=True)
    return float(np.mean(d_ts > d_tt)), float(np.mean(d_st > d_ss))


def aats(real, synthetic, metric="euclidean", seed=0, threads=1):
    """Nearest-neighbour adversarial accuracy between real and synthetic sets.

    The larger set is subsampled without replacement (numpy
    ``default_rng(seed)``) to the size n of the smaller, n >= 2. Returns
    {"aats", "aa_truth", "aa_syn", "n"} as defined in the module docstring
    (strict ``>``: ties count as not farther). torch uses ``threads`` threads.
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
    with torch_threads(threads):
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
    real haplotypes, so report the sd beside it. torch uses ``threads`` threads.
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
    with torch_threads(threads):
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
