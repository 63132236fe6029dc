"""Read stacking: reads around breakpoints to uint8 pileup tensors.

Each item is two breakpoint windows side by side (``channels.py`` has the
layout). Reads are stacked one per row, sorted by alignment start; above the
row cap an evenly spaced, deterministic subset of the sorted reads is kept.

Speed comes from two things (shared/notes/read-stacking-speed.md): one BAM
fetch per cluster of nearby windows, each read handed to every window it
overlaps; and all per-base work done with numpy over every read of a chunk
of items at once. Python touches each read once, to copy out its fields.
"""

from dataclasses import dataclass

import numpy as np

from . import channels as ch

# CIGAR operations (SAM spec order, as pysam numbers them)
M, I, D, N, S, H, P, EQ, X = range(9)
_DISPLAY = np.zeros(9, bool)
_DISPLAY[[M, D, N, S, EQ, X]] = True          # take a column in the pileup
_QUERY = np.zeros(9, bool)
_QUERY[[M, I, S, EQ, X]] = True               # consume read bases
_ALIGNED = np.zeros(9, bool)
_ALIGNED[[M, D, N, EQ, X]] = True             # consume reference

# read base (ASCII) -> base code when it differs from the reference
_BASE_LUT = np.full(256, 6, np.int64)
for _b, _code in zip(b"ACGTacgt", (2, 3, 4, 5, 2, 3, 4, 5)):
    _BASE_LUT[_b] = _code
_UPPER = np.arange(256, dtype=np.uint8)
_UPPER[ord("a"):ord("z") + 1] -= 32

FLAG_NAMES = {"paired": 0x1, "proper_pair": 0x2, "unmapped": 0x4, "mate_unmapped": 0x8,
              "reverse": 0x10, "mate_reverse": 0x20, "secondary": 0x100, "qcfail": 0x200,
              "duplicate": 0x400, "supplementary": 0x800}


@dataclass(frozen=True)
class StackSettings:
    """How reads become rows. ``window`` is the width of one breakpoint window."""

    window: int = 256
    max_rows: int = 64
    min_mapq: int = 0
    exclude_flags: int = 0x4 | 0x100 | 0x200 | 0x400   # unmapped, secondary, QC-fail, duplicate
    insert_min: int = 0            # pair insert sizes outside [insert_min, insert_max] are anomalous
    insert_max: int = 1 << 30
    merge_gap: int = 1000          # windows closer than this share one BAM fetch
    max_fetch_span: int = 200_000  # one fetch never spans more than this

    @property
    def width(self):
        return 2 * self.window

    @property
    def item_shape(self):
        return (len(ch.CHANNELS), self.max_rows, self.width)


def flag_mask(names):
    """['duplicate', 'secondary', ...] -> SAM flag mask."""
    unknown = sorted(set(names) - set(FLAG_NAMES))
    if unknown:
        raise ValueError(f"unknown read filter(s) {unknown}; choose from {sorted(FLAG_NAMES)}")
    mask = 0
    for n in names:
        mask |= FLAG_NAMES[n]
    return mask


def breakpoint_windows(starts, ends, window):
    """0-based window starts for the left and right breakpoints of VCF records.

    ``starts``/``ends`` are 1-based VCF POS/END. POS is the padding base, so the
    left breakpoint sits between 0-based POS-1 and POS; the right one after
    0-based END-1. Each window is centred on its breakpoint.
    """
    half = window // 2
    left = np.asarray(starts, np.int64) - half
    right = np.asarray(ends, np.int64) - half
    return left, right


class _Reads:
    """Columns copied out of the reads of one chunk (one list per field)."""

    __slots__ = ("cluster", "start", "end", "flag", "mapq", "tid", "mtid", "mpos", "tlen", "obj")

    def __init__(self):
        for name in self.__slots__:
            setattr(self, name, [])


def _clusters(win_tid, win_start, settings):
    """Group windows (sorted by tid, start) into fetch clusters: list of (lo, hi) index ranges."""
    out = []
    lo = 0
    n = len(win_start)
    for i in range(1, n + 1):
        if i == n or win_tid[i] != win_tid[lo] \
                or win_start[i] - (win_start[i - 1] + settings.window) > settings.merge_gap \
                or win_start[i] + settings.window - win_start[lo] > settings.max_fetch_span:
            out.append((lo, i))
            lo = i
    return out


def _collect(bam, tid_names, win_tid, win_start, clusters, settings):
    """One fetch per cluster; keep reads passing the filters."""
    reads = _Reads()
    exclude, min_mapq = settings.exclude_flags, settings.min_mapq
    app = (reads.cluster.append, reads.start.append, reads.end.append, reads.flag.append,
           reads.mapq.append, reads.tid.append, reads.mtid.append, reads.mpos.append,
           reads.tlen.append, reads.obj.append)
    a_cl, a_st, a_en, a_fl, a_mq, a_tid, a_mtid, a_mpos, a_tlen, a_obj = app
    for c, (lo, hi) in enumerate(clusters):
        contig = tid_names[win_tid[lo]]
        fetch_start = max(0, int(win_start[lo]))
        fetch_end = int(win_start[hi - 1]) + settings.window
        if fetch_end <= 0:
            continue
        for r in bam.fetch(contig, fetch_start, fetch_end):
            flag = r.flag
            if flag & exclude:
                continue
            mq = r.mapping_quality
            if mq < min_mapq:
                continue
            end = r.reference_end
            if end is None:  # no aligned base
                continue
            a_cl(c)
            a_st(r.reference_start)
            a_en(end)
            a_fl(flag)
            a_mq(mq)
            a_tid(r.reference_id)
            a_mtid(r.next_reference_id)
            a_mpos(r.next_reference_start)
            a_tlen(r.template_length)
            a_obj(r)
    return reads


def _assign(read_cluster, rs, re, win_start, clusters, window):
    """All (read, window) pairs where the read's aligned span overlaps the window.

    Windows are sorted by start within each cluster, and all have one width, so
    the windows overlapping a read form one contiguous index range.
    """
    cl_lo = np.array([c[0] for c in clusters], np.int64)
    cl_hi = np.array([c[1] for c in clusters], np.int64)
    lo = np.empty(len(rs), np.int64)
    hi = np.empty(len(rs), np.int64)
    # searchsorted per cluster on its own window range (clusters are few per chunk)
    bounds = np.searchsorted(read_cluster, np.arange(len(clusters) + 1))
    for c in range(len(clusters)):
        a, b = bounds[c], bounds[c + 1]
        if a == b:
            continue
        ws = win_start[cl_lo[c]:cl_hi[c]]
        lo[a:b] = cl_lo[c] + np.searchsorted(ws, rs[a:b] - window, side="right")
        hi[a:b] = cl_lo[c] + np.searchsorted(ws, re[a:b], side="left")
    count = np.maximum(hi - lo, 0)
    pair_read = np.repeat(np.arange(len(rs)), count)
    pair_win = np.repeat(lo, count) + _ramp(count)
    return pair_read, pair_win


def _ramp(lengths):
    """Concatenation of arange(n) for each n in lengths."""
    lengths = np.asarray(lengths, np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    starts = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) - np.repeat(starts, lengths)


def _rows(pair_read, pair_win, n_windows, max_rows):
    """Row of each pair within its window (-1: dropped by the row cap) and depth per window.

    Rows follow read order (alignment start, then BAM order). Above the cap, an
    evenly spaced subset of ranks floor(i * n / H), i = 0..H-1, is kept.
    """
    order = np.lexsort((pair_read, pair_win))
    pw = pair_win[order]
    depth = np.bincount(pw, minlength=n_windows)
    first = np.cumsum(depth) - depth
    rank = np.arange(len(pw)) - first[pw]
    n = depth[pw]
    row = rank.copy()
    capped = n > max_rows
    if capped.any():
        r, nn = rank[capped], n[capped]
        i = -((-r * max_rows) // nn)  # ceil(r * H / n)
        keep = (i * nn) // max_rows == r
        row[np.flatnonzero(capped)] = np.where(keep, i, -1)
    out = np.empty_like(row)
    out[order] = row
    return out, depth


def _pair_codes(flag, tid, mtid, start, mpos, tlen, settings):
    """Pair-anomaly code per read (channels.PAIR_CODES)."""
    code = np.zeros(len(flag), np.int64)
    paired = (flag & 0x1) != 0
    rev = (flag & 0x10) != 0
    mrev = (flag & 0x20) != 0
    same_contig = tid == mtid
    size = np.abs(tlen)
    # orientation of a pair on one contig: FR is the normal one
    fwd_left = np.where(rev, mpos <= start, start <= mpos)
    rf = (rev != mrev) & ~fwd_left
    same = rev == mrev
    rules = [
        ((flag & 0x2) == 0, 7),
        (size < settings.insert_min, 2),
        (size > settings.insert_max, 1),
        (rf, 3),
        (same, 4),
        (~same_contig, 5),
        ((flag & 0x8) != 0, 6),
    ]
    for cond, value in rules:  # later rules win: most specific last
        code[cond] = value
    code[~paired] = 0
    return code


def _elements(reads, keep_idx, ref, ref_start):
    """Per-base cells of the kept reads, in display coordinates (soft clips shown).

    Returns per-read ``disp_start``, ``elem_start`` and per-element channel values.
    ``ref`` is uint8 ASCII of the reference from ``ref_start`` (per read: its
    cluster's offset into one concatenated buffer is folded into ref_start).
    """
    objs = reads.obj
    cig, n_ops, seqs, quals, has_sa = [], [], [], [], []
    for k in keep_idx:
        r = objs[k]
        ct = r.cigartuples
        cig.extend(ct)
        n_ops.append(len(ct))
        seq = r.query_sequence
        qual = r.query_qualities_str
        if not seq or not qual:  # '*' in the BAM: show N, quality 0
            qlen = r.infer_query_length() or 0
            seq = seq or "N" * qlen
            qual = qual or "!" * len(seq)
        seqs.append(seq)
        quals.append(qual)
        has_sa.append(r.has_tag("SA"))
    K = len(keep_idx)
    n_ops = np.asarray(n_ops, np.int64)
    cig = np.asarray(cig, np.int64).reshape(-1, 2)
    op, ln = cig[:, 0], cig[:, 1]
    op_read = np.repeat(np.arange(K), n_ops)
    disp_len = np.where(_DISPLAY[op], ln, 0)
    q_len = np.where(_QUERY[op], ln, 0)
    op_first = np.cumsum(n_ops) - n_ops

    # per-op offsets within the read (display and query)
    disp_cum = np.cumsum(disp_len) - disp_len          # global element index of op start
    q_cum = np.cumsum(q_len) - q_len
    read_elem_start = np.zeros(K + 1, np.int64)
    np.cumsum(np.bincount(op_read, weights=disp_len, minlength=K).astype(np.int64), out=read_elem_start[1:])
    seq_all = np.frombuffer("".join(seqs).encode("ascii") + b"N", np.uint8)
    qual_all = np.frombuffer("".join(quals).encode("ascii") + b"!", np.uint8).astype(np.int64) - 33

    # leading soft clip: soft-clipped columns before the read's first aligned op
    aligned_op = _ALIGNED[op]
    aligned_before = np.cumsum(aligned_op) - aligned_op
    aligned_before_in_read = aligned_before - aligned_before[op_first][op_read]
    leading = (op == S) & (aligned_before_in_read == 0)
    lead = np.bincount(op_read, weights=np.where(leading, ln, 0), minlength=K).astype(np.int64)
    rs = np.asarray(reads.start, np.int64)[keep_idx]
    disp_start = rs - lead

    # elements
    E = int(read_elem_start[-1])
    elem_op = np.repeat(np.arange(len(op)), disp_len)
    within = np.arange(E, dtype=np.int64) - disp_cum[elem_op]
    e_op = op[elem_op]
    e_read = op_read[elem_op]
    pos = disp_start[e_read] + (np.arange(E, dtype=np.int64) - read_elem_start[e_read])
    has_q = _QUERY[e_op]
    q = q_cum[elem_op] + within  # global query index (valid where has_q)
    q = np.where(has_q, q, len(seq_all) - 1)  # deletions read the sentinel N / quality 0
    base = seq_all[q]
    qv = qual_all[q]
    rbase = ref[pos - ref_start[e_read]]
    ub = _UPPER[base]
    code = np.where(ub == rbase, 1, _BASE_LUT[base])
    code[(ub == rbase) & (_BASE_LUT[base] == 6)] = 6  # N vs N is no match
    code[~has_q] = 7  # deletion / reference skip

    clip = np.where(np.asarray(has_sa, bool)[e_read], 1, 0)
    # insertion after a cell: the last display cell before each I op of the read
    ins_ops = np.flatnonzero((op == I) & (disp_cum > read_elem_start[op_read]))
    clip[disp_cum[ins_ops] - 1] = 2
    clip[e_op == S] = 3
    return disp_start, read_elem_start, code, qv, clip


def stack_items(bam, fasta, tid_names, item_tid, left_start, right_start, settings, out=None):
    """Stack reads for items (both windows) into ``out`` (n, C, H, 2*window) uint8.

    ``item_tid`` indexes ``tid_names`` (contig names shared by BAM and FASTA);
    ``left_start``/``right_start`` are 0-based window starts. Returns
    (X, depth) with depth (n, 2): reads overlapping each window before the cap.
    """
    n = len(item_tid)
    W, H, C = settings.window, settings.max_rows, len(ch.CHANNELS)
    shape = (n, C, H, 2 * W)
    if out is None:
        out = np.zeros(shape, np.uint8)
    else:
        out = out[:n]
        out.fill(0)
    if n == 0:
        return out, np.zeros((0, 2), np.int64)

    # windows: 2 per item, sorted by (tid, start)
    w_tid = np.repeat(np.asarray(item_tid, np.int64), 2)
    w_start = np.stack([left_start, right_start], axis=1).reshape(-1).astype(np.int64)
    order = np.lexsort((w_start, w_tid))
    s_tid, s_start = w_tid[order], w_start[order]
    clusters = _clusters(s_tid, s_start, settings)
    reads = _collect(bam, tid_names, s_tid, s_start, clusters, settings)

    depth_sorted = np.zeros(len(order), np.int64)
    if reads.start:
        rcl = np.asarray(reads.cluster, np.int64)
        rs = np.asarray(reads.start, np.int64)
        re = np.asarray(reads.end, np.int64)
        pair_read, pair_win = _assign(rcl, rs, re, s_start, clusters, W)
        row, depth_sorted = _rows(pair_read, pair_win, len(order), H)
        kept = row >= 0
        pair_read, pair_win, row = pair_read[kept], pair_win[kept], row[kept]
        if len(pair_read):
            _fill(out, bam, fasta, tid_names, reads, rcl, pair_read, pair_win, row,
                  s_tid, s_start, order, clusters, settings)
    depth = np.empty(len(order), np.int64)
    depth[order] = depth_sorted
    return out, depth.reshape(n, 2)


def _fill(out, bam, fasta, tid_names, reads, rcl, pair_read, pair_win, row,
          s_tid, s_start, order, clusters, settings):
    W = settings.window
    keep_reads, pair_k = np.unique(pair_read, return_inverse=True)

    # reference for each cluster, padded to cover soft clips; one buffer
    rs_all = np.asarray(reads.start, np.int64)
    re_all = np.asarray(reads.end, np.int64)
    pad = 1024
    ref_parts, ref_off = [], np.zeros(len(clusters), np.int64)
    ref_begin = np.zeros(len(clusters), np.int64)
    total = 0
    kc = rcl[keep_reads]
    for c, (lo, hi) in enumerate(clusters):
        sel = kc == c
        if not sel.any():
            continue
        a = int(rs_all[keep_reads][sel].min()) - pad
        b = int(re_all[keep_reads][sel].max()) + pad
        contig = tid_names[s_tid[lo]]
        clen = fasta.get_reference_length(contig)
        lo_c, hi_c = max(0, a), min(clen, b)
        seq = fasta.fetch(contig, lo_c, hi_c).upper().encode("ascii") if hi_c > lo_c else b""
        seq = b"N" * (lo_c - a) + seq + b"N" * (b - max(hi_c, lo_c))
        ref_parts.append(seq)
        ref_begin[c] = a
        ref_off[c] = total
        total += len(seq)
    ref = np.frombuffer(b"".join(ref_parts), np.uint8)
    # element position p of a read in cluster c lives at ref[p - a_c + off_c]
    read_ref_start = ref_begin[kc] - ref_off[kc]

    disp_start, elem_start, code, qv, clip = _elements(reads, keep_reads, ref, read_ref_start)
    disp_end = disp_start + np.diff(elem_start)

    # per-read constants
    flag = np.asarray(reads.flag, np.int64)[keep_reads]
    per_read = {
        ch.MAPPING_QUALITY: ch.scale_quality(np.asarray(reads.mapq, np.int64)[keep_reads]),
        ch.STRAND: ch.encode_categorical(ch.STRAND_CODES, np.where(flag & 0x10, 2, 1)),
        ch.PAIR: ch.encode_categorical(ch.PAIR_CODES, _pair_codes(
            flag, np.asarray(reads.tid, np.int64)[keep_reads], np.asarray(reads.mtid, np.int64)[keep_reads],
            rs_all[keep_reads], np.asarray(reads.mpos, np.int64)[keep_reads],
            np.asarray(reads.tlen, np.int64)[keep_reads], settings)),
    }
    per_elem = {
        ch.BASE: ch.encode_categorical(ch.BASE_CODES, code),
        ch.BASE_QUALITY: ch.scale_quality(qv),
        ch.CLIP: ch.encode_categorical(ch.CLIP_CODES, clip),
    }

    # scatter: each pair copies the read's cells inside its window
    ws = s_start[pair_win]
    ds, de = disp_start[pair_k], disp_end[pair_k]
    lo = np.maximum(ds, ws)
    hi = np.minimum(de, ws + W)
    L = np.maximum(hi - lo, 0)
    seg = np.repeat(np.arange(len(L)), L)
    off = _ramp(L)
    src = (elem_start[pair_k] + lo - ds)[seg] + off
    orig = order[pair_win]                    # original window index = 2 * item + side
    item, side = orig // 2, orig % 2
    col = (side * W + lo - ws)[seg] + off
    n, C, H, Wt = out.shape
    flat = ((item[seg] * C) * H + row[seg]) * Wt + col
    plane = H * Wt
    view = out.reshape(-1)
    for c, values in per_elem.items():
        view[flat + c * plane] = values[src]
    for c, values in per_read.items():
        view[flat + c * plane] = values[pair_k[seg]]
