"""A read-level pileup generator (``reads``): reads drawn one by one, stacked as the encoder stacks them.

Fitting reads every training pileup (a chunk at a time) back into reads, using the channel
definitions of ``genaug.encode.channels``, and learns per condition (SV type) and window (left,
right breakpoint):

- the depth of a window (reads stacked), as the training items' (left, right) pairs;
- the reads' geometry and read-level fields, as a table of reads: display start and end in window
  columns (a read cut by the window's edge is extended to the typical display length, so its true
  start or end is estimated), leading and trailing soft-clip lengths (so the clip positions relative
  to the breakpoint), the split flag (SA tag), strand, mapping quality and pair-anomaly code;
- per cell, by sequencing cycle (column from the read's first base, its last for reverse reads) in
  bins of ``cycle_bin``: the share of mismatching bases and the base-quality distribution of matching
  and of mismatching cells; the mismatch share of soft-clipped cells; the codes of mismatching
  bases; the rates of deletion runs (and their lengths) and of insertion marks per aligned cell.

Drawing an item: the depth of a training item of the condition; that many reads drawn from the
condition's table for each window, each moved by up to ``jitter`` columns when it has no clip
and the move takes neither end across the breakpoint (a clipped read keeps its place: its clip
marks the breakpoint); an item whose windows shared their reads (``window_offsets``: an insertion,
or an SV shorter than a window) gets one set of reads seen through both windows; cells drawn from the per-cell
model, soft-clipped cells of a window showing one shared sequence per column (the other side of the
breakpoint, or the inserted sequence, is the same in every read that reaches it); then the reads
sorted by alignment start (display start plus leading clip) and stacked one per row with empty rows
below, the row cap applied as the encoder applies it. So every item keeps the pileup rules by
construction: one contiguous read per row, rows sorted by start, per-read fields constant along
the read, codes and Phred values on their grid. No cell of a training item is copied; the reads'
geometry and read-level fields are resampled from the table (a nonparametric fit, smoothed by the
jitter).
"""

import logging

import numpy as np

from ..encode import channels as ch
from ..layouts.pileup import SOFT_CLIP, aligned_starts

log = logging.getLogger(__name__)
CHUNK = 64
FIELDS = ("start", "end", "lead", "trail", "split", "strand", "mapq", "pair")
MISMATCH = (2, 3, 4, 5, 6)  # A, C, G, T, N
DELETION = ch.BASE_CODES.index("deletion")
MAX_DEL = 50


def decode_reads(X, P):
    """Reads of pileups ``X`` (N, C, H, W) with pileup channels ``P``: a dict of per-read arrays
    ``item``, ``window``, ``row``, ``first``, ``last`` (in-window columns of the read's first and last
    cell), ``lead``, ``trail`` (soft-clipped cells at the read's start and end inside the window),
    ``split``, ``strand`` (1 forward, 2 reverse), ``mapq`` (Phred), ``pair`` (code), ``start``
    (alignment start column)."""
    X = np.asarray(X)
    N, C, H, W = X.shape
    w = W // P.windows
    V = X.reshape(N, C, H, P.windows, w).transpose(1, 0, 3, 2, 4).reshape(C, -1, w)  # lines: item, window, row
    occ = V[P.base] > 0
    has = occ.any(1)
    line = np.flatnonzero(has)
    o = occ[line]
    first = o.argmax(1)
    last = w - 1 - o[:, ::-1].argmax(1)
    out = {"item": line // (H * P.windows), "window": (line // H) % P.windows, "row": line % H,
           "first": first, "last": last}
    if "clip" in P.idx:
        soft = (V[P.idx["clip"]][line] == SOFT_CLIP) & o
        out["start"] = aligned_starts(V[P.base][line], V[P.idx["clip"]][line])
        out["lead"] = out["start"] - first
        inner = o & ~soft
        last_aligned = np.where(inner.any(1), w - 1 - inner[:, ::-1].argmax(1), last)
        out["trail"] = last - last_aligned
        split_code = ch.encode_categorical(ch.CLIP_CODES, ch.CLIP_CODES.index("split_read"))
        out["split"] = ((V[P.idx["clip"]][line] == split_code) & o).any(1).astype(np.int64)
    else:
        out["start"], out["lead"], out["trail"] = first.copy(), np.zeros_like(first), np.zeros_like(first)
        out["split"] = np.zeros_like(first)

    def per_read(name, decode):
        if name not in P.idx:
            return np.zeros(len(line), np.int64)
        v = V[P.idx[name]][line]
        return decode(v[np.arange(len(line)), first])

    out["strand"] = per_read("strand", lambda v: ch.decode_categorical(ch.STRAND_CODES, v))
    out["mapq"] = per_read("mapping_quality", ch.unscale_quality)
    out["pair"] = per_read("pair", lambda v: ch.decode_categorical(ch.PAIR_CODES, v))
    return out


class _Counts:
    """Per-condition sums that fitting adds chunk by chunk."""

    def __init__(self, n_cond, bins):
        self.mm = np.zeros((n_cond, bins, 2))          # aligned cells: [mismatching, all] by cycle bin
        self.clip_mm = np.zeros((n_cond, 2))           # soft-clipped cells: [mismatching, all]
        self.qual = np.zeros((bins, 2, ch.QUALITY_CAP + 1))  # quality counts by cycle bin, match / mismatch
        self.codes = np.zeros(len(MISMATCH))           # codes of mismatching bases
        self.dels = np.zeros((n_cond, 2))              # deletion runs started, aligned cells
        self.del_len = np.zeros(MAX_DEL + 1)
        self.ins = np.zeros((n_cond, 2))               # insertion marks, aligned cells


def fit(X, cond_idx, n_cond, P, settings):
    """The model (a dict of plain lists) of items ``X`` (an ItemSet or array, read ``CHUNK`` items at
    a time) with condition indices ``cond_idx``."""
    N, C, H, W = X.shape
    w = W // P.windows
    bins = -(-w // settings["cycle_bin"]) + 1
    counts = _Counts(max(n_cond, 1), bins)
    tables, depth = [], np.zeros((N, P.windows), np.int64)
    lengths = []
    for a in range(0, N, CHUNK):
        x = np.asarray(X[a:a + CHUNK])
        r = decode_reads(x, P)
        r["item"] = r["item"] + a
        np.add.at(depth, (r["item"], r["window"]), 1)
        full = (r["first"] > 0) & (r["last"] < w - 1)
        lengths.append(r["last"][full] - r["first"][full] + 1)
        tables.append(r)
        _count_cells(x, r, a, cond_idx, P, counts, settings["cycle_bin"])
    r = {k: np.concatenate([t[k] for t in tables]) for k in tables[0]}
    lengths = np.concatenate(lengths)
    typical = int(np.bincount(lengths).argmax()) if len(lengths) else w
    start, end, lead, trail = _extend(r, w, typical)
    reads = {"cond": cond_idx[r["item"]], "window": r["window"], "start": start, "end": end, "lead": lead,
             "trail": trail, "split": r["split"], "strand": r["strand"], "mapq": r["mapq"], "pair": r["pair"]}
    offset = np.concatenate([window_offsets(X[a:a + CHUNK], P) for a in range(0, N, CHUNK)])
    log.info("reads: %d reads of %d items, typical display length %d columns, %d items whose windows share "
             "their reads", len(start), N, typical, int((offset >= 0).sum()))
    return {"reads": {k: np.asarray(v, np.int64) for k, v in reads.items()},
            "depth": depth, "offset": offset, "depth_cond": np.asarray(cond_idx, np.int64),
            "typical": typical, "width": w, "rows": H, "cycle_bin": int(settings["cycle_bin"]),
            "mismatch": _share(counts.mm), "clip_mismatch": _share(counts.clip_mm),
            "quality": counts.qual + 1e-9, "codes": counts.codes + 1,
            "deletion": _share(counts.dels), "deletion_length": counts.del_len + 1e-9,
            "insertion": _share(counts.ins)}


def _share(c):
    return c[..., 0] / np.maximum(c[..., 1], 1)


def _extend(r, w, typical):
    """Full display start / end (end exclusive) and clip lengths of each read, a read cut by the
    window's edge extended to ``typical`` columns (its cut clip too, when the clip reaches the edge)."""
    first, last, lead, trail = r["first"], r["last"] + 1, r["lead"].copy(), r["trail"].copy()
    n = last - first
    cut_left = (first == 0) & (n < typical)
    cut_right = (last == w) & (n < typical) & ~cut_left
    start = np.where(cut_left, last - typical, first)
    end = np.where(cut_right, first + typical, last)
    lead = np.where(cut_left & (lead > 0), lead + (0 - start), lead)
    trail = np.where(cut_right & (trail > 0), trail + (end - w), trail)
    return start, end, lead, trail


def _cycles(start, end, strand, w):
    """(reads, w) sequencing cycle of each column of each read (column from the read's first base,
    from its last for reverse reads)."""
    col = np.arange(w)[None, :]
    return np.where((strand == 2)[:, None], end[:, None] - 1 - col, col - start[:, None])


def _count_cells(x, r, a, cond_idx, P, counts, cycle_bin):
    N, C, H, W = x.shape
    w = W // P.windows
    if not len(r["item"]):
        return
    i, k, row = r["item"] - a, r["window"], r["row"]
    cols = np.arange(w)[None, :] + (k * w)[:, None]
    base = ch.decode_categorical(ch.BASE_CODES, x[i[:, None], P.base, row[:, None], cols])
    occ = base > 0
    soft = np.zeros_like(occ)
    if "clip" in P.idx:
        clip = ch.decode_categorical(ch.CLIP_CODES, x[i[:, None], P.idx["clip"], row[:, None], cols])
        soft = (clip == ch.CLIP_CODES.index("soft_clip")) & occ
        ins = (clip == ch.CLIP_CODES.index("insertion_after")) & occ
    else:
        ins = np.zeros_like(occ)
    typical = max(int(np.median(r["last"] - r["first"] + 1)), 1)
    start, end, _, _ = _extend(r, w, typical)
    cyc = np.clip(_cycles(start, end, r["strand"], w), 0, None) // cycle_bin
    cyc = np.minimum(cyc, counts.mm.shape[1] - 1)
    aligned = occ & ~soft & (base != DELETION)
    mism = (base >= 2) & (base <= 6)
    cond = np.broadcast_to(cond_idx[r["item"]][:, None], occ.shape)
    np.add.at(counts.mm, (cond[aligned], cyc[aligned], 0), mism[aligned])
    np.add.at(counts.mm, (cond[aligned], cyc[aligned], 1), 1)
    np.add.at(counts.clip_mm, (cond[soft], 0), mism[soft])
    np.add.at(counts.clip_mm, (cond[soft], 1), 1)
    if "base_quality" in P.idx:
        q = ch.unscale_quality(x[i[:, None], P.idx["base_quality"], row[:, None], cols])
        cell = occ & ~soft & (base != DELETION)
        np.add.at(counts.qual, (cyc[cell], mism[cell].astype(np.int64), q[cell]), 1)
        cell = soft  # clipped cells' qualities go with their cycle too
        np.add.at(counts.qual, (cyc[cell], mism[cell].astype(np.int64), q[cell]), 1)
    counts.codes += np.bincount(base[mism] - 2, minlength=len(MISMATCH))[:len(MISMATCH)]
    dele = base == DELETION
    run_start = dele & ~np.pad(dele, ((0, 0), (1, 0)))[:, :-1]
    body = occ & ~soft
    np.add.at(counts.dels, (cond[body], 0), run_start[body])
    np.add.at(counts.dels, (cond[body], 1), 1)
    if run_start.any():
        run_id = np.cumsum(run_start, 1) * dele
        for rr in np.flatnonzero(run_start.any(1)):
            counts.del_len += np.bincount(np.minimum(np.bincount(run_id[rr])[1:], MAX_DEL), minlength=MAX_DEL + 1)
    np.add.at(counts.ins, (cond[body], 0), ins[body])
    np.add.at(counts.ins, (cond[body], 1), 1)


def window_offsets(X, P, tolerance=0.03):
    """Per item, the offset d (columns) at which its right window repeats its left one (the same reads:
    an insertion, whose two windows are one, or an SV shorter than the window), or -1: per-column read
    counts of the left window from column d on within ``tolerance`` (share of the mean count) of the
    right window's, over at least a quarter of the window."""
    X = np.asarray(X)
    if P.windows != 2:
        return np.full(len(X), -1, np.int64)
    w = X.shape[-1] // 2
    occ = X[:, P.base] > 0
    cov_l, cov_r = occ[..., :w].sum(1).astype(np.float64), occ[..., w:].sum(1).astype(np.float64)
    out = np.full(len(X), -1, np.int64)
    for i in range(len(X)):
        scale = max(cov_l[i].mean(), 1.0)
        diffs = [np.abs(cov_l[i, d:] - cov_r[i, :w - d]).mean() / scale for d in range(0, w - w // 4 + 1)]
        d = int(np.argmin(diffs))
        if diffs[d] <= tolerance and cov_l[i].any():
            out[i] = d
    return out


def draw_chunks(model, want, item_shape, channels, settings, rng, chunk=128):
    """Items (uint8, ``item_shape``) of condition indices ``want``, ``chunk`` at a time."""
    from ..layouts.pileup import Pileup

    P = Pileup(channels, item_shape[-1] // int(model["width"]))
    m = {k: (v if isinstance(v, (int, float)) else np.asarray(v)) for k, v in model.items() if k != "reads"}
    reads = {k: np.asarray(v, np.int64) for k, v in model["reads"].items()}
    w = int(m["width"])
    pools = {}
    for c in np.unique(want):
        for k in range(P.windows):
            pools[c, k] = np.flatnonzero((reads["cond"] == c) & (reads["window"] == k))
    by_cond = {c: np.flatnonzero(m["depth_cond"] == c) for c in np.unique(want)}
    if len(want) == 0:
        yield np.zeros((0,) + tuple(item_shape), np.uint8)
        return
    for a in range(0, len(want), chunk):
        out = np.zeros((len(want[a:a + chunk]),) + tuple(item_shape), np.uint8)
        for j, c in enumerate(want[a:a + chunk]):
            if not len(by_cond[c]):
                continue
            src = rng.choice(by_cond[c])
            depth = _depth(m["depth"][by_cond[c]], m["depth"][src], settings, rng)
            d = int(m["offset"][src]) if "offset" in m else -1
            if d >= 0:  # one set of reads seen through both windows, the right one d columns on
                left = _positions(reads, rng.choice(pools[c, 0], int(depth[0])) if depth[0] else [], 0, settings,
                                  rng, w)
                o = int(((left[1] - left[3] > d) & (left[0] + left[2] < w + d)).sum())
                right_pool = pools[c, 1][reads["start"][pools[c, 1]] + reads["lead"][pools[c, 1]] >= w - d]
                n_extra = max(int(depth[1]) - o, 0) if len(right_pool) else 0
                extra = _positions(reads, rng.choice(right_pool, n_extra) if n_extra else [], d, settings, rng, w)
                canvas = _canvas(reads, _join(left, extra), c, m, P, w + d, rng)
                _place(out[j], 0, canvas, 0, w, P)
                _place(out[j], 1, canvas, d, w, P)
                continue
            for k in range(P.windows):
                if depth[k] and len(pools[c, k]):
                    pos = _positions(reads, rng.choice(pools[c, k], int(depth[k])), 0, settings, rng, w)
                    _place(out[j], k, _canvas(reads, pos, c, m, P, w, rng), 0, w, P)
        yield out


def _depth(depths, source, settings, rng):
    """The reads per window of a drawn item: with ``depth_smooth`` a smoothed bootstrap, the source
    item's depths moved on the log scale by a normal kernel of Silverman's bandwidth (1.06 sd n^-1/5 of
    the condition's log depths, per window, times ``depth_smooth``); else the source item's depths."""
    source = np.asarray(source, np.int64)
    f = float(settings.get("depth_smooth", 0.0))
    if f <= 0 or len(depths) < 2:
        return source
    logs = np.log(np.maximum(np.asarray(depths, np.float64), 1.0))
    h = f * 1.06 * logs.std(0, ddof=1) * len(logs) ** -0.2
    out = np.rint(np.exp(np.log(np.maximum(source, 1.0)) + rng.normal(0.0, 1.0, len(source)) * h)).astype(np.int64)
    return np.where(source > 0, np.maximum(out, 1), 0)


def _positions(reads, pick, shift, settings, rng, width):
    """(start, end, lead, trail, pick) of the drawn reads ``pick`` of a window ``width`` columns wide,
    moved by ``shift`` columns and, when they have no clip, by up to ``settings['jitter']`` more."""
    pick = np.asarray(pick, np.int64)
    start, end = reads["start"][pick] + shift, reads["end"][pick] + shift
    lead, trail = reads["lead"][pick], reads["trail"][pick]
    slide = int(settings.get("clip_jitter", 0))
    if slide and len(pick):  # a read clipped at one end slides about its clip junction, which stays in place
        move = rng.integers(-slide, slide + 1, len(pick))
        one = (lead > 0) != (trail > 0)
        ok_lead = one & (lead > 0) & (lead - move >= 1) & (end + move - (start + lead) >= 1)
        ok_trail = one & (trail > 0) & (trail + move >= 1) & (end - trail - (start + move) >= 1)
        move = np.where(ok_lead | ok_trail, move, 0)
        start, end = start + move, end + move
        lead, trail = np.where(ok_lead, lead - move, lead), np.where(ok_trail, trail + move, trail)
    if settings["jitter"] and len(pick):
        free = (lead == 0) & (trail == 0) & (reads["split"][pick] == 0)
        move = np.where(free, rng.integers(-settings["jitter"], settings["jitter"] + 1, len(pick)), 0)
        # a move that would take the read out of its window, or either end across the breakpoint (the
        # window's centre), is not made: depth and the reads that end at the breakpoint stay as learned
        lo, hi, bp = shift, shift + width, shift + width // 2
        stays = (end + move - trail > lo) & (start + move + lead < hi)
        stays &= ((start + move < bp) == (start < bp)) & ((end + move <= bp) == (end <= bp))
        move = np.where(stays, move, 0)
        start, end = start + move, end + move
    return start, end, lead, trail, pick


def _join(a, b):
    return tuple(np.concatenate([x, y]) for x, y in zip(a, b))


def _canvas(reads, pos, c, m, P, width, rng):
    """Channel values (n, C, width) of the reads at ``pos`` over columns [0, width), sorted by
    alignment start, with each read's aligned columns [begin, stop)."""
    start, end, lead, trail, pick = pos
    order = np.argsort(start + lead, kind="stable")
    start, end, lead, trail, pick = start[order], end[order], lead[order], trail[order], pick[order]
    n = len(pick)
    col = np.arange(width)[None, :]
    occ = (col >= start[:, None]) & (col < end[:, None])
    soft_lead = occ & (col < (start + lead)[:, None])
    soft_trail = occ & (col >= (end - trail)[:, None])
    soft = soft_lead | soft_trail
    body = occ & ~soft
    strand = reads["strand"][pick]
    cyc = np.clip(_cycles(start, end, strand, width), 0, None) // int(m["cycle_bin"])
    cyc = np.minimum(cyc, m["mismatch"].shape[1] - 1)
    # aligned cells: sequencing errors at the learned rate per cycle; deletion runs and insertion marks
    mism = body & (rng.random((n, width)) < m["mismatch"][c][cyc])
    codes = m["codes"] / m["codes"].sum()
    base = np.where(occ, 1, 0)
    base = np.where(mism, rng.choice(MISMATCH, size=(n, width), p=codes), base)
    # soft-clipped cells: one sequence per column and side, shared by the reads clipped there
    p_clip = float(m["clip_mismatch"][c])
    for side in (soft_lead, soft_trail):
        seq = np.where(rng.random(width) < p_clip,
                       rng.choice(MISMATCH[:4], size=width, p=codes[:4] / codes[:4].sum()), 1)
        base = np.where(side, seq[None, :], base)
    if m["deletion"][c] > 0:
        dele = np.zeros_like(occ)
        starts = body & (rng.random((n, width)) < m["deletion"][c])
        lengths = rng.choice(len(m["deletion_length"]), size=int(starts.sum()),
                             p=m["deletion_length"] / m["deletion_length"].sum())
        for (rr, cc), ln in zip(zip(*np.nonzero(starts)), lengths):
            dele[rr, cc:cc + max(int(ln), 1)] = True
        base = np.where(dele & body, DELETION, base)
    is_mm = (base >= 2) & (base <= 6)
    cdf = np.cumsum(m["quality"], -1)
    cdf = cdf / cdf[..., -1:]
    cdfs = cdf[cyc, is_mm.astype(np.int64)]  # (n, width, Q+1)
    qual = (cdfs < rng.random((n, width))[..., None]).sum(-1)
    qual = np.where(occ & (base != DELETION), np.minimum(qual, ch.QUALITY_CAP), 0)
    clip = np.where(body & (reads["split"][pick] == 1)[:, None], 1, 0)
    if m["insertion"][c] > 0:
        clip = np.where(body & (rng.random((n, width)) < m["insertion"][c]), 2, clip)
    clip = np.where(soft, 3, clip)
    values = {"base": ch.encode_categorical(ch.BASE_CODES, base),
              "base_quality": ch.scale_quality(qual),
              "mapping_quality": np.broadcast_to(ch.scale_quality(reads["mapq"][pick])[:, None], (n, width)),
              "strand": np.broadcast_to(ch.encode_categorical(ch.STRAND_CODES, strand)[:, None], (n, width)),
              "pair": np.broadcast_to(ch.encode_categorical(ch.PAIR_CODES, reads["pair"][pick])[:, None],
                                      (n, width)),
              "clip": ch.encode_categorical(ch.CLIP_CODES, clip)}
    cells = np.zeros((n, len(P.names), width), np.uint8)
    for name, v in values.items():
        if name in P.idx:
            cells[:, P.idx[name]] = np.where(occ, v, 0)
    return cells, start + lead, end - trail


def _place(x, k, canvas, lo, w, P):
    """Stack the canvas reads whose aligned part overlaps columns [lo, lo + w) into window ``k`` of
    item ``x`` (C, H, W), in their (start) order, above the row cap an evenly spaced subset."""
    cells, begin, stop = canvas
    keep = np.flatnonzero((stop > lo) & (begin < lo + w) & (stop > begin))
    H = x.shape[1]
    if len(keep) > H:  # the encoder's row cap
        keep = keep[(np.arange(H) * len(keep)) // H]
    x[:, :len(keep), k * w:(k + 1) * w] = cells[keep, :, lo:lo + w].transpose(1, 0, 2)
