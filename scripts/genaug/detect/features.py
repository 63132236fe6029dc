"""Summary features of items for the non-deep baseline detector.

- pileups (``image`` with named channels): per breakpoint window and per
  half of it (the side left and right of the breakpoint), the read depth
  (reads per column, as a share of the row cap), the share of read cells
  that are mismatches, deletions, clipped or split / insertion points, with
  a pair anomaly of each kind (large insert, small insert, RF, same strand,
  mate elsewhere or unmapped), reverse-strand reads, and the mean mapping
  quality; plus the depth ratio of each window's two halves. These are the
  signals callers use: depth change, discordant pairs, split and clipped reads.
- ``sequence``: canonical k-mer shares (k = 4 by default: 136 features): each
  k-mer counted together with its reverse complement (named by the
  alphabetically first of the two), k-mers holding an N left out, divided by
  the window's countable k-mers: the usual non-deep baseline for binding
  sites.
- ``vector`` / ``binary``: the items themselves as floats.
"""

import itertools

import numpy as np

from ..encode import channels as ch

CHUNK = 256


def feature_names(layout, channels=None, item_shape=None, k=4):
    if layout == "image" and _is_pileup(channels):
        names = []
        for w in ("left", "right"):
            for half in ("out", "in") if w == "left" else ("in", "out"):
                names += [f"{w}_{half}_{n}" for n in _PILEUP_NAMES]
        return names + ["left_depth_ratio", "right_depth_ratio"]
    if layout == "sequence":
        return canonical_kmers(k)[1]
    return [f"f{i}" for i in range(int(np.prod(item_shape)))]


_PILEUP_NAMES = ("depth", "mismatch", "deletion", "soft_clip", "split_or_insertion", "insert_large",
                 "insert_small", "orientation_rf", "orientation_same", "mate_elsewhere", "reverse",
                 "mapq")


def _is_pileup(channels):
    return channels is not None and list(map(str, channels)) == list(ch.CHANNELS)


def summary_features(X, layout, channels=None, k=4):
    """float32 (N, F) features of encoded items ``X`` (numpy or memory map), in chunks."""
    out = [_features(np.asarray(X[i:i + CHUNK]), layout, channels, k) for i in range(0, len(X), CHUNK)]
    if not out:
        return np.zeros((0, len(feature_names(layout, channels, X.shape[1:], k))), np.float32)
    return np.concatenate(out).astype(np.float32)


def _features(X, layout, channels, k):
    if layout == "image" and _is_pileup(channels):
        return _pileup_features(X)
    if layout == "sequence":
        return _kmer_features(X, k)
    return X.reshape(len(X), -1).astype(np.float32)


def _pileup_features(X):
    N, C, H, W = X.shape
    base = ch.decode_categorical(ch.BASE_CODES, X[:, ch.BASE])
    pair = ch.decode_categorical(ch.PAIR_CODES, X[:, ch.PAIR])
    clip = ch.decode_categorical(ch.CLIP_CODES, X[:, ch.CLIP])
    strand = ch.decode_categorical(ch.STRAND_CODES, X[:, ch.STRAND])
    mapq = ch.unscale_quality(X[:, ch.MAPPING_QUALITY])
    read = base > 0
    P = ch.PAIR_CODES.index
    masks = [
        base >= ch.BASE_CODES.index("A"),
        base == ch.BASE_CODES.index("deletion"),
        clip == ch.CLIP_CODES.index("soft_clip"),
        (clip == ch.CLIP_CODES.index("split_read")) | (clip == ch.CLIP_CODES.index("insertion_after")),
        pair == P("insert_large"),
        pair == P("insert_small"),
        pair == P("orientation_rf"),
        pair == P("orientation_same"),
        (pair == P("mate_other_contig")) | (pair == P("mate_unmapped")),
        strand == ch.STRAND_CODES.index("reverse"),
    ]
    feats, depth = [], []
    quarter = W // 4
    for q in range(4):  # left window: outer, inner half; right window: inner, outer half
        cols = slice(q * quarter, (q + 1) * quarter)
        r = read[:, :, cols]
        n = np.maximum(r.sum((1, 2)), 1)
        d = r.sum((1, 2)) / (quarter * H)
        depth.append(d)
        feats.append(d)
        feats += [(m[:, :, cols] & r).sum((1, 2)) / n for m in masks]
        feats.append((mapq[:, :, cols] * r).sum((1, 2)) / n / ch.QUALITY_CAP)
    feats += [np.log((depth[1] + 1e-3) / (depth[0] + 1e-3)), np.log((depth[2] + 1e-3) / (depth[3] + 1e-3))]
    return np.stack(feats, 1)


def canonical_kmers(k):
    """(column of each of the 4**k k-mers (by base-4 index, A=0 .. T=3), names of the columns):
    a k-mer and its reverse complement share the column named by the first of the two."""
    names = ["".join(p) for p in itertools.product("ACGT", repeat=k)]
    rc = {n: n[::-1].translate(str.maketrans("ACGT", "TGCA")) for n in names}
    canon = sorted({min(n, rc[n]) for n in names})
    col = {c: i for i, c in enumerate(canon)}
    return np.array([col[min(n, rc[n])] for n in names], np.int64), canon


def _kmer_features(X, k):
    column, names = canonical_kmers(k)
    X = np.asarray(X)
    code = np.argmax(X, 1)  # (N, L) base index
    known = X.any(1)        # False at N (all-zero) columns
    N, L = code.shape
    counts = np.zeros((N, len(names)), np.float32)
    if L < k:
        return counts
    idx = np.zeros((N, L - k + 1), np.int64)
    ok = np.ones((N, L - k + 1), bool)
    for j in range(k):
        idx = idx * 4 + code[:, j:L - k + 1 + j]
        ok &= known[:, j:L - k + 1 + j]
    rows = np.repeat(np.arange(N), idx.shape[1]).reshape(idx.shape)
    np.add.at(counts, (rows[ok], column[idx[ok]]), 1)
    return counts / np.maximum(ok.sum(1, keepdims=True), 1)
