"""Fidelity and privacy of synthetic pileups (the ``sv`` kind).

Items are compared in the networks' space (``genaug.layouts``): categorical
channels one-hot, qualities in [0, 1], pooled by area to ``grid`` (rows,
columns), so a cell holds the share of each code. On those features:

| metric | synthetic | reference | better |
|---|---|---|---|
| channel_profile_distance | mean abs difference of the channel column profiles¹, S_nh vs T | H vs T | lower |
| depth_wasserstein | W1 of per-item read depth (rows with a read), S_nh vs T | H vs T | lower |
| summary_feature_distance | mean over summary features² of abs(mean difference) / sd(T), S_nh vs T | H vs T | lower |

¹ per channel, the mean over items and rows of each column. ² the logistic
detector's summary features (``detect.features``).

plus the shared two-sample AUCs, AATS (Euclidean), privacy loss and identical
share (``common.py``). S_nh: the synthetic set subsampled to the held-out
set's size, so both sides of a comparison have the same noise.
"""

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from .. import metrics
from ..detect.features import summary_features
from ..encode import channels as ch
from ..layouts import make_layout
from ..metrics.twosample import torch_threads
from . import common

BETTER = {**common.BETTER, "channel_profile_distance": "lower", "depth_wasserstein": "lower",
          "summary_feature_distance": "lower"}
GRID = (16, 64)
CHUNK = 128


def features(X, channels, grid=GRID):
    """float32 (N, F) network-space features of pileups pooled to ``grid``, and (N, C', W') profiles."""
    lay = make_layout("image", np.asarray(X[:1]), channels, image_size=grid)
    parts = [lay.to_float(np.asarray(X[i:i + CHUNK])) for i in range(0, len(X), CHUNK)]
    Z = torch.cat(parts).numpy() if parts else np.zeros((0,) + lay.net_shape, np.float32)
    return Z.reshape(len(Z), -1), Z


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
    rec = common.Record(BETTER)
    feats, grids = {}, {}
    for k, X in (("train", T), ("heldout", H), ("synthetic", S), ("synthetic_h", S_h)):
        feats[k], grids[k] = features(X, channels, grid)
    profile = {k: grids[k].mean((0, 2)) for k in grids}  # (C', W')
    rec.put("channel_profile_distance", np.abs(profile["synthetic_h"] - profile["train"]).mean(),
            np.abs(profile["heldout"] - profile["train"]).mean())
    d = {k: depth(X) for k, X in (("train", T), ("heldout", H), ("synthetic_h", S_h))}
    rec.put("depth_wasserstein", common.wasserstein1d(d["synthetic_h"], d["train"]),
            common.wasserstein1d(d["heldout"], d["train"]))
    sf = {k: summary_features(X, "image", channels) for k, X in (("train", T), ("heldout", H), ("synthetic_h", S_h))}
    sd = sf["train"].std(0)
    sd[sd < 1e-6] = 1.0
    rec.put("summary_feature_distance", (np.abs(sf["synthetic_h"].mean(0) - sf["train"].mean(0)) / sd).mean(),
            (np.abs(sf["heldout"].mean(0) - sf["train"].mean(0)) / sd).mean())
    n_aats = common.shared_metrics(rec, feats["train"], feats["heldout"], feats["synthetic"], "euclidean", seed,
                                   threads, heldout_groups=heldout_groups, n_resamples=n_resamples,
                                   auc_folds=auc_folds, T_exact=T, H_exact=H,
                                   S_exact=S)
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
            "metrics": dict(rec), "curves": curves}


def _profile_names(channels):
    from ..layouts.pileup import CATEGORICAL
    names = []
    for c in channels:
        codes = CATEGORICAL.get(str(c))
        names += [f"{c}:{code}" for code in codes] if codes else [str(c)]
    return names
