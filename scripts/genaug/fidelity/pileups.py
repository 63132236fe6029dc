"""Fidelity and privacy of synthetic pileups (the ``sv`` kind).

Items are compared in the networks' space (``genaug.layouts``): categorical
channels one-hot, qualities in [0, 1], pooled by area to ``grid`` (rows,
columns), so a cell holds the share of each code. On those features:

| metric | synthetic | reference | better |
|---|---|---|---|
| channel_profile_distance | mean abs difference of the channel column profiles¹, S_nh vs H | T_nh vs H | lower |
| depth_wasserstein | W1 of per-item read depth (rows with a read), S_nh vs H | T_nh vs H | lower |
| summary_feature_distance | mean over summary features² of abs(mean difference)/sd(H), S_nh vs H | T_nh vs H | lower |
| read_length_wasserstein | W1 of read length (columns of a read not cut by the window's edge) | T_nh vs H | lower |
| clip_length_wasserstein | W1 of soft-clip length (each clip of each read, inside the window) | T_nh vs H | lower |
| clip_position_wasserstein | W1 of clip position (where a clip meets the alignment, from centre) | T_nh vs H | lower |
| clipped_read_share_difference | abs difference of the share of reads with a soft clip | T_nh vs H | lower |
| mismatch_rate_wasserstein | W1 of the per-read share of mismatching aligned cells | T_nh vs H | lower |
| pair_mix_distance | total variation distance of the reads' pair-anomaly codes | T_nh vs H | lower |
| depth_profile_distance | mean abs difference of mean reads per column, / mean depth of H | T_nh vs H | lower |

¹ per channel, the mean over items and rows of each column. ² the logistic
detector's summary features (``detect.features``).

Every fidelity statistic compares the synthetic items with HELD-OUT real ones
(against the training items a copying generator would score best); the
reference is real training items against the same held-out ones. S_nh / T_nh:
the synthetic / training set subsampled to the held-out set's size, so both
sides of a comparison have the same noise.

Plus the shared two-sample AUCs, AATS (Euclidean), privacy loss and identical
share (``common.py``), and the leak audit (``common.leak_audit``: DCR to the
full train and held-out sets, source linkage, full-set AATS, copy-injection
controls). The nearest-neighbour measures use ``read_order_free`` features
(per-column code shares over an item's reads), so reordering or subsampling
the reads of a training item does not hide it.
"""

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from .. import metrics
from ..detect.features import summary_features
from ..encode import channels as ch
from ..layouts import make_layout
from ..layouts.pileup import CATEGORICAL
from ..metrics.twosample import torch_threads
from . import common

READ_METRICS = ("read_length_wasserstein", "clip_length_wasserstein", "clip_position_wasserstein",
                "clipped_read_share_difference", "mismatch_rate_wasserstein", "pair_mix_distance",
                "depth_profile_distance")
BETTER = {**common.BETTER, "channel_profile_distance": "lower", "depth_wasserstein": "lower",
          "summary_feature_distance": "lower", **{m: "lower" for m in READ_METRICS}}
GRID = (16, 64)
CHUNK = 128


def features(X, channels, grid=GRID):
    """float32 (N, F) network-space features of pileups pooled to ``grid``, and (N, C', W') profiles."""
    lay = make_layout("image", np.asarray(X[:1]), channels, image_size=grid)
    parts = [lay.to_float(np.asarray(X[i:i + CHUNK])) for i in range(0, len(X), CHUNK)]
    Z = torch.cat(parts).numpy() if parts else np.zeros((0,) + lay.net_shape, np.float32)
    return Z.reshape(len(Z), -1), Z


def read_order_free(X, channels, columns=64):
    X = np.asarray(X)
    parts = [_read_order_free(X[i:i + CHUNK], channels, columns) for i in range(0, len(X), CHUNK)]
    return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)


def _read_order_free(X, channels, columns):
    """float32 (N, F) features of pileups that no reordering or subsampling of reads changes (in
    expectation): per column (pooled to ``columns`` bins), the share of each code of every
    categorical channel and the mean of every continuous channel over the item's reads (rows
    with a base anywhere). The distance space of the privacy measures: a permuted, subsampled
    copy of a training item stays next to its source."""
    X = np.asarray(X)
    names = [str(c) for c in channels]
    base = names.index("base")
    reads = (X[:, base] != 0).any(-1)  # (N, rows)
    n_reads = np.maximum(reads.sum(1), 1).astype(np.float64)[:, None]  # (N, 1)
    width = X.shape[-1]
    bins = np.minimum(np.arange(width) * min(columns, width) // width, min(columns, width) - 1)
    parts = []
    for c, name in enumerate(names):
        codes = CATEGORICAL.get(name)
        if codes:
            code = ch.decode_categorical(codes, X[:, c])
            for k in range(len(codes)):
                parts.append((((code == k) & reads[:, :, None]).sum(1) / n_reads))
        else:
            parts.append((X[:, c].astype(np.float64) * reads[:, :, None]).sum(1) / n_reads / 255.0)
    F = np.stack(parts, 1)  # (N, features, W)
    pooled = np.zeros(F.shape[:2] + (int(bins.max()) + 1,))
    np.add.at(pooled, (slice(None), slice(None), bins), F)
    pooled /= np.bincount(bins)
    return pooled.reshape(len(X), -1).astype(np.float32)


def read_statistics(X, channels):
    """Per-read statistics of pileups ``X``: a dict of arrays ``length`` (reads not cut by the window's
    edge), ``clip_length`` and ``clip_position`` (each soft clip inside a window; position: the column
    where the clip meets the alignment, from the window's centre, the breakpoint), ``clipped`` (0/1 per
    read), ``mismatch_rate`` (per read, share of aligned cells with another base), ``pair`` (code per
    read) and ``coverage`` (mean reads per column, all windows side by side)."""
    from ..generators.reads import decode_reads
    from ..layouts.pileup import Pileup

    names = [str(c) for c in channels]
    X = np.asarray(X)
    P = Pileup(names, 2)
    w = X.shape[-1] // P.windows
    parts = {k: [] for k in ("length", "clip_length", "clip_position", "clipped", "mismatch_rate", "pair")}
    coverage = np.zeros(X.shape[-1])
    for a in range(0, len(X), CHUNK):
        x = X[a:a + CHUNK]
        r = decode_reads(x, P)
        coverage += (x[:, P.base] != 0).sum((0, 1))
        full = (r["first"] > 0) & (r["last"] < w - 1)
        parts["length"].append((r["last"] - r["first"] + 1)[full])
        lead, trail = r["lead"] > 0, r["trail"] > 0
        parts["clip_length"] += [r["lead"][lead], r["trail"][trail]]
        parts["clip_position"] += [r["start"][lead] - w // 2, (r["last"] - r["trail"] + 1)[trail] - w // 2]
        parts["clipped"].append((lead | trail).astype(np.float64))
        parts["pair"].append(r["pair"])
        i, k, row = r["item"], r["window"], r["row"]
        cells = x[i[:, None], P.base, row[:, None], np.arange(w)[None, :] + (k * w)[:, None]]
        code = ch.decode_categorical(ch.BASE_CODES, cells)
        col = np.arange(w)[None, :]
        aligned = (col >= r["start"][:, None]) & (col <= (r["last"] - r["trail"])[:, None]) & (code > 0)
        aligned &= code != ch.BASE_CODES.index("deletion")
        mism = aligned & (code >= 2)
        parts["mismatch_rate"].append(mism.sum(1) / np.maximum(aligned.sum(1), 1))
    out = {k: (np.concatenate(v) if v else np.zeros(0)).astype(np.float64) for k, v in parts.items()}
    out["coverage"] = coverage / max(len(X), 1)
    return out


def _read_metrics(rec, stats):
    """The per-read statistics of synthetic_h and train_h, each against heldout (``READ_METRICS``)."""
    H = stats["heldout"]

    def w1(a, b):
        return common.wasserstein1d(a, b) if len(a) and len(b) else None

    def pair_tv(a, b):
        pa = np.bincount(a.astype(np.int64), minlength=len(ch.PAIR_CODES)) / max(len(a), 1)
        pb = np.bincount(b.astype(np.int64), minlength=len(ch.PAIR_CODES)) / max(len(b), 1)
        return 0.5 * np.abs(pa - pb).sum()

    scale = max(H["coverage"].mean(), 1e-9)
    for name, f in (("read_length_wasserstein", lambda s: w1(s["length"], H["length"])),
                    ("clip_length_wasserstein", lambda s: w1(s["clip_length"], H["clip_length"])),
                    ("clip_position_wasserstein", lambda s: w1(s["clip_position"], H["clip_position"])),
                    ("clipped_read_share_difference",
                     lambda s: abs(s["clipped"].mean() - H["clipped"].mean()) if len(s["clipped"]) else None),
                    ("mismatch_rate_wasserstein", lambda s: w1(s["mismatch_rate"], H["mismatch_rate"])),
                    ("pair_mix_distance", lambda s: pair_tv(s["pair"], H["pair"])),
                    ("depth_profile_distance", lambda s: np.abs(s["coverage"] - H["coverage"]).mean() / scale)):
        rec.put(name, f(stats["synthetic_h"]), f(stats["train_h"]))


def depth(X):
    """Reads (rows with a base) per item, both windows together."""
    return (np.asarray(X)[:, ch.BASE] != 0).any(-1).sum(-1).astype(np.float64)


def evaluate(train, heldout, synthetic, channels, seed=0, threads=1, heldout_groups=None, grid=GRID,
             n_resamples=10, auc_folds=5):
    """Fidelity and privacy of ``synthetic`` pileups against ``train`` and ``heldout`` (see the module
    docstring). Returns a JSON-able dict {"n", "metrics": {name: {"synthetic", "reference", "better",
    ...}}, "curves": small arrays for the figures}."""
    T, H, S = common.check_sets(train, heldout, synthetic)
    with torch_threads(threads), threadpool_limits(max(1, int(threads))):
        return _evaluate(T, H, S, list(channels), seed, threads, heldout_groups, tuple(grid), n_resamples,
                         auc_folds)


def _evaluate(T, H, S, channels, seed, threads, heldout_groups, grid, n_resamples, auc_folds):
    rng = np.random.default_rng(seed)
    S_h = common.take(S, len(H), rng)
    T_h = common.take(T, len(H), rng)  # the reference's stand-in: real training items at the same size
    rec = common.Record(BETTER)
    feats, grids = {}, {}
    for k, X in (("train", T), ("heldout", H), ("synthetic", S), ("synthetic_h", S_h), ("train_h", T_h)):
        feats[k], grids[k] = features(X, channels, grid)
    profile = {k: grids[k].mean((0, 2)) for k in grids}  # (C', W')
    rec.put("channel_profile_distance", np.abs(profile["synthetic_h"] - profile["heldout"]).mean(),
            np.abs(profile["train_h"] - profile["heldout"]).mean())
    d = {k: depth(X) for k, X in (("train", T), ("heldout", H), ("synthetic_h", S_h), ("train_h", T_h))}
    rec.put("depth_wasserstein", common.wasserstein1d(d["synthetic_h"], d["heldout"]),
            common.wasserstein1d(d["train_h"], d["heldout"]))
    sf = {k: summary_features(X, "image", channels)
          for k, X in (("heldout", H), ("synthetic_h", S_h), ("train_h", T_h))}
    sd = sf["heldout"].std(0)
    sd[sd < 1e-6] = 1.0
    rec.put("summary_feature_distance", (np.abs(sf["synthetic_h"].mean(0) - sf["heldout"].mean(0)) / sd).mean(),
            (np.abs(sf["train_h"].mean(0) - sf["heldout"].mean(0)) / sd).mean())
    if "base" in channels:
        _read_metrics(rec, {k: read_statistics(X, channels) for k, X in
                            (("heldout", H), ("synthetic_h", S_h), ("train_h", T_h))})
    # nearest-neighbour measures in a read-order-free space (a permuted copy is still a copy)
    free = {k: read_order_free(X, channels) for k, X in (("train", T), ("heldout", H), ("synthetic", S))}
    n_aats = common.shared_metrics(rec, feats["train"], feats["heldout"], feats["synthetic"], "euclidean", seed,
                                   threads, heldout_groups=heldout_groups, n_resamples=n_resamples,
                                   auc_folds=auc_folds, T_exact=T, H_exact=H, S_exact=S,
                                   T_near=free["train"], H_near=free["heldout"], S_near=free["synthetic"])
    leak = common.leak_audit(free["train"], free["heldout"], free["synthetic"], "euclidean", seed, threads)
    pca = metrics.fit_pca(feats["train"], k=2)
    crng = np.random.default_rng(seed)
    curves = {
        "pca": {"explained_variance_ratio": [float(v) for v in pca.explained_variance_ratio],
                **{k: np.round(pca.transform(common.take(feats[k], 1000, crng)), 4).T.tolist()
                   for k in ("train", "heldout", "synthetic")}},
        "depth": {k: v.tolist() for k, v in d.items()},
        "profile_names": _profile_names(channels),
        "profiles": {k: np.round(profile[k], 5).tolist() for k in ("train", "heldout", "synthetic")},
    }
    return {"n": {"train": len(T), "heldout": len(H), "synthetic": len(S), "aats": n_aats},
            "metrics": dict(rec), "leak": leak, "curves": curves}


def _profile_names(channels):
    names = []
    for c in channels:
        codes = CATEGORICAL.get(str(c))
        names += [f"{c}:{code}" for code in codes] if codes else [str(c)]
    return names
