"""The ``sequences`` encoder: a FASTA + a peak file -> one-hot windows, bound / unbound.

The regions to tile (whole contigs of the FASTA, or the intervals of a BED)
are cut into windows of ``length`` bases every ``stride`` bases (default:
``stride = length``); a window that would run past its region's end is not
made. ``X`` is int8 (windows, 4, length), rows A, C, G, T: soft-masked
(lower-case) bases are ordinary bases, every other letter (N, IUPAC codes) an
all-zero column. Windows with more than ``max_n_share`` of such columns are
dropped and counted.

Labels (``classes`` = unbound, bound): with a summit column (narrowPeak
column 10, an offset from the peak start; -1 = none), a window is bound when
it holds a summit (start <= summit < end); otherwise when peaks cover at least
``min_overlap`` of its bases. Every window is kept unless
``negatives_per_positive`` is set: then all bound windows and a seeded uniform
subset of ``negatives_per_positive`` x as many unbound ones are kept, each
kept unbound window with the weight (unbound windows made / kept) that puts
metrics back on the full-prevalence scale (bound windows weigh 1); the
weights are ``weights`` in encoded.npz and ``weight`` in samples.tsv.

``groups`` are genomic blocks ``contig:block`` of ``group_block`` bases (by
window start), so neighbouring windows go to the same split.

Memory: the windows are made twice, piece by piece (about 2 Mb of sequence at a
time): once for the per-window numbers (start, N share, label: numpy arrays,
no object per window), once to write the kept windows into encoded.npz
through ``tensors.EncodedWriter``.
"""

import logging
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import tensors
from ..errors import InputError, settings_from, some_names
from ..outputs import replacing
from .checks import open_reference

log = logging.getLogger(__name__)

BASES = "ACGT"
CLASSES = ("unbound", "bound")
SAMPLE_COLUMNS = ["id", "contig", "start", "end", "label", "group", "weight", "source"]
PIECE_BASES = 2_000_000
_CODE = np.full(256, 4, dtype=np.uint8)  # byte -> 0..3 for A, C, G, T (either case), 4 otherwise
for _i, _b in enumerate(BASES):
    _CODE[ord(_b)] = _CODE[ord(_b.lower())] = _i


@dataclass(frozen=True)
class SequenceSettings:
    length: int = 101
    stride: int | None = None
    max_n_share: float = 0.1
    min_overlap: float = 0.5
    negatives_per_positive: float | None = None
    group_block: int = 100_000

    @classmethod
    def from_config(cls, cfg):
        s = settings_from(cls, cfg, "encode.sequences")
        if s.length < 1 or (s.stride is not None and s.stride < 1) or s.group_block < 1:
            raise ValueError("encode.sequences: length, stride and group_block must be at least 1")
        if not 0 <= s.max_n_share <= 1 or not 0 < s.min_overlap <= 1:
            raise ValueError("encode.sequences: max_n_share must lie in [0, 1] and min_overlap in (0, 1]")
        if s.negatives_per_positive is not None and s.negatives_per_positive <= 0:
            raise ValueError("encode.sequences.negatives_per_positive must be positive or null")
        return s

    @property
    def step(self):
        return self.length if self.stride is None else self.stride


# --- inputs ------------------------------------------------------------------------------

def open_fasta(path):
    """pysam.FastaFile after checking the file and its .fai exist, the .fai is not older
    (``checks.open_reference``), a bgzipped file has its .gzi, and the .fai fits the file:
    every contig's first and last bases are letters."""
    path = str(path)
    if os.path.exists(path) and os.path.exists(path + ".fai"):
        with open(path, "rb") as f:
            gz = f.read(2) == b"\x1f\x8b"
        if gz and not os.path.exists(path + ".gzi"):
            raise InputError(path, f"is compressed but has no {path}.gzi: it must be bgzipped "
                                   f"(`bgzip` then `samtools faidx {path}`)")
    fa = open_reference(path)
    stale = _stale_contigs(fa, path, fa.filename.endswith(b".gz") or os.path.exists(path + ".gzi"))
    if stale:
        fa.close()
        raise InputError(path, f"index {path}.fai does not fit the file ({len(stale)} contig(s), e.g. "
                               f"{some_names(stale)}); re-run `samtools faidx {path}`")
    return fa


def _stale_contigs(fa, path, gz):
    bad = []
    ok = set(b"ACGTNacgtn" + b"RYKMSWBDHVrykmswbdhv-*")
    for name, n in zip(fa.references, fa.lengths):
        try:
            head, tail = fa.fetch(name, 0, min(n, 64)), fa.fetch(name, max(0, n - 64), n)
        except (ValueError, OSError):
            bad.append(name)
            continue
        if len(head) != min(n, 64) or len(tail) != min(n, 64) or not set(head.encode() + tail.encode()) <= ok:
            bad.append(name)
    if not gz and not bad:  # the last contig's bases end where the file ends
        with open(path + ".fai") as f:
            rows = [line.split("\t") for line in f if line.strip()]
        if rows:
            last = max(rows, key=lambda r: int(r[2]))
            n, off, lb, lw = (int(v) for v in last[1:5])
            end = off + (n // lb) * lw + (n % lb)
            if not end <= os.path.getsize(path) <= end + (lw - lb) + 1:
                bad.append(last[0])
    return bad


def _bed_lines(path):
    """(line number, columns) of a BED-like file's data lines: track, browser, # and empty lines
    are skipped. InputError when the file is missing."""
    path = str(path)
    if not os.path.exists(path):
        raise InputError(path, "file not found")
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if line.startswith(("#", "track", "browser")) or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            yield number, cols if len(cols) >= 3 else line.split()


def read_peaks(path, contigs):
    """Peaks of a BED / narrowPeak file -> DataFrame contig, start, end, summit (absolute
    0-based position, -1 when the file has none). Track, browser and # lines are skipped.

    ``contigs``: {name: length} of the FASTA; peaks on other contigs or past a contig's
    end, and start > end, are errors."""
    path = str(path)
    rows = []
    for number, cols in _bed_lines(path):
        if len(cols) < 3:
            raise InputError(path, f"line {number}: {len(cols)} column(s); a peak needs contig, start, end")
        try:
            start, end = int(cols[1]), int(cols[2])
            summit = int(cols[9]) if len(cols) >= 10 else -1
        except ValueError:
            raise InputError(path, f"line {number}: start, end (and narrowPeak column 10) must be integers") from None
        if start > end or start < 0:
            raise InputError(path, f"line {number}: start {start} > end {end} (or negative)")
        if summit >= 0 and not start + summit < max(end, start + 1):
            raise InputError(path, f"line {number}: summit offset {summit} lies outside the peak ({end - start} bp)")
        rows.append((cols[0], start, end, start + summit if summit >= 0 else -1))
    if not rows:
        raise InputError(path, "holds no peak (empty, or only track / header lines)")
    peaks = pd.DataFrame(rows, columns=["contig", "start", "end", "summit"])
    unknown = peaks.loc[~peaks["contig"].isin(list(contigs)), "contig"]
    if len(unknown):
        raise InputError(path, f"{len(unknown)} peak(s) on contig(s) the FASTA lacks: "
                               f"{some_names(unknown.unique())} (FASTA contigs: {some_names(contigs)}); "
                               f"rename the contigs to match")
    past = peaks["end"].to_numpy() > peaks["contig"].map(contigs).to_numpy()
    if past.any():
        first = peaks[past].iloc[0]
        raise InputError(path, f"{int(past.sum())} peak(s) end past their contig's end (first: "
                               f"{first['contig']}:{first['start']}-{first['end']}, contig length "
                               f"{contigs[first['contig']]}); is this the FASTA the peaks were called on?")
    has_summit = peaks["summit"].to_numpy() >= 0
    if 0 < has_summit.sum() < len(peaks):
        log.warning("%s: %d of %d peaks have no summit (-1): they label by overlap", path,
                    int((~has_summit).sum()), len(peaks))
    return peaks


def read_regions(path, contigs, length):
    """Intervals to tile: whole contigs when ``path`` is None, else a BED's intervals
    (merged per contig). -> list of (contig, start, end)."""
    if path is None:
        return [(c, 0, n) for c, n in contigs.items()]
    path = str(path)
    rows = []
    for number, cols in _bed_lines(path):
        try:
            c, a, b = cols[0], int(cols[1]), int(cols[2])
        except (IndexError, ValueError):
            raise InputError(path, f"line {number}: a region needs contig, start, end (integers)") from None
        if a > b or a < 0:
            raise InputError(path, f"line {number}: start {a} > end {b} (or negative)")
        rows.append((c, a, b))
    unknown = sorted({c for c, _, _ in rows if c not in contigs})
    if unknown:
        raise InputError(path, f"{sum(c in unknown for c, _, _ in rows)} region(s) on contig(s) the FASTA lacks: "
                               f"{some_names(unknown)} (FASTA contigs: {some_names(contigs)})")
    past = [(c, a, b) for c, a, b in rows if b > contigs[c]]
    if past:
        raise InputError(path, f"{len(past)} region(s) end past their contig's end (first: "
                               f"{past[0][0]}:{past[0][1]}-{past[0][2]}, contig length {contigs[past[0][0]]})")
    merged = []
    for c in contigs:  # FASTA order, merged per contig
        iv = sorted((a, b) for cc, a, b in rows if cc == c)
        for a, b in iv:
            if merged and merged[-1][0] == c and a <= merged[-1][2]:
                merged[-1] = (c, merged[-1][1], max(merged[-1][2], b))
            else:
                merged.append((c, a, b))
    if not any(b - a >= length for _, a, b in merged):
        raise InputError(path, f"selects no {length}-bp window ({len(rows)} region(s), "
                               f"{sum(b - a for _, a, b in merged)} bp in all)")
    return merged


# --- windows -----------------------------------------------------------------------------

def window_starts(start, end, length, stride):
    """Starts of the windows of [start, end): start, start + stride, ... while the window fits."""
    if end - start < length:
        return np.zeros(0, np.int64)
    return np.arange(start, end - length + 1, stride, dtype=np.int64)


def codes(seq):
    """Sequence string -> uint8 codes 0..3 (A, C, G, T; any case), 4 for anything else."""
    return _CODE[np.frombuffer(seq.encode("ascii", "replace"), dtype=np.uint8)]


def one_hot(code_windows):
    """uint8 codes (n, L) -> int8 one-hot (n, 4, L); code 4 gives an all-zero column."""
    return (code_windows[:, None, :] == np.arange(4, dtype=np.uint8)[None, :, None]).astype(np.int8)


def reverse_complement(X):
    """One-hot items (n, 4, L), rows A, C, G, T -> their reverse complements (A<->T, C<->G,
    positions reversed); an all-zero (N) column stays all zero."""
    return np.ascontiguousarray(np.asarray(X)[:, ::-1, ::-1])


def label_windows(starts, length, peaks_of_contig, min_overlap):
    """1 where a window [s, s + length) is bound (summit inside, else peak cover >= min_overlap)."""
    lab = np.zeros(len(starts), np.int8)
    if peaks_of_contig is None or not len(peaks_of_contig) or not len(starts):
        return lab
    summits = np.sort(peaks_of_contig["summit"].to_numpy())
    summits = summits[summits >= 0]
    if len(summits):
        lab |= (np.searchsorted(summits, starts + length, "left") - np.searchsorted(summits, starts, "left") > 0)
    plain = peaks_of_contig[peaks_of_contig["summit"] < 0]
    if len(plain):
        cover = _covered(plain["start"].to_numpy(), plain["end"].to_numpy())
        lab |= (cover(starts + length) - cover(starts)) >= min_overlap * length
    return lab


def _covered(starts, ends):
    """f(x): bases below x covered by the union of [starts, ends)."""
    order = np.argsort(starts, kind="stable")
    ms, me = [], []
    for a, b in zip(starts[order], ends[order]):
        if ms and a <= me[-1]:
            me[-1] = max(me[-1], b)
        else:
            ms.append(a)
            me.append(b)
    ms, me = np.array(ms, np.int64), np.array(me, np.int64)
    before = np.concatenate([[0], np.cumsum(me - ms)])

    def f(x):
        i = np.searchsorted(ms, x, "right")  # intervals starting at or below x
        done = before[np.maximum(i - 1, 0)]
        partial = np.where(i > 0, np.clip(x - ms[np.maximum(i - 1, 0)], 0,
                                          (me - ms)[np.maximum(i - 1, 0)]), 0)
        return np.where(i > 0, done + partial, 0)

    return f


def _pieces(fa, contig, starts, length):
    """(first index, codes (n, length)) for runs of ``starts`` (sorted) spanning about
    PIECE_BASES of sequence each."""
    i = 0
    while i < len(starts):
        j = max(i + 1, int(np.searchsorted(starts, starts[i] + PIECE_BASES, "left")))
        s = starts[i:j]
        a, b = int(s[0]), int(s[-1]) + length
        c = codes(fa.fetch(contig, a, b))
        yield i, np.lib.stride_tricks.sliding_window_view(c, length)[s - a]
        i = j


@dataclass
class Windows:
    """Per window made: contig index, start, N share, label; the kept ones and their weight."""
    contigs: list
    contig: np.ndarray
    start: np.ndarray
    n_share: np.ndarray
    label: np.ndarray
    keep: np.ndarray
    weight: np.ndarray


def scan_windows(fa, regions, peaks, settings, seed=1):
    """Pass 1: every window's start, N share and label; which are kept, with weights."""
    L, step = settings.length, settings.step
    names = list(fa.references)
    by_contig = {c: p for c, p in peaks.groupby("contig")}
    cont, st, ns, lab = [], [], [], []
    for contig, a, b in regions:
        starts = window_starts(a, b, L, step)
        n_share = np.zeros(len(starts), np.float32)
        for i, cw in _pieces(fa, contig, starts, L):
            n_share[i:i + len(cw)] = (cw == 4).mean(1)
        cont.append(np.full(len(starts), names.index(contig), np.int32))
        st.append(starts)
        ns.append(n_share)
        lab.append(label_windows(starts, L, by_contig.get(contig), settings.min_overlap))
    w = Windows(names, np.concatenate(cont), np.concatenate(st), np.concatenate(ns), np.concatenate(lab),
                None, None)
    w.keep = w.n_share <= settings.max_n_share
    w.weight = np.ones(len(w.start), np.float64)
    k = settings.negatives_per_positive
    if k is not None:
        neg = np.flatnonzero(w.keep & (w.label == 0))
        n_keep = min(len(neg), int(round(k * int((w.keep & (w.label == 1)).sum()))))
        if n_keep < len(neg):
            kept = np.random.default_rng(seed).choice(neg, n_keep, replace=False)
            w.keep[neg] = False
            w.keep[kept] = True
            w.weight[kept] = len(neg) / max(n_keep, 1)
    return w


def encode_sequences(fasta, peaks_path, out_npz, out_samples, settings=SequenceSettings(), regions=None,
                     seed=1):
    """Check the inputs, tile, label, and write encoded.npz + samples.tsv. -> Windows."""
    fa = open_fasta(fasta)
    with fa:
        contigs = dict(zip(fa.references, fa.lengths))
        peaks = read_peaks(peaks_path, contigs)
        tiles = read_regions(regions, contigs, settings.length)
        if not any(b - a >= settings.length for _, a, b in tiles):
            raise InputError(fasta, f"no contig is {settings.length} bp long")
        w = scan_windows(fa, tiles, peaks, settings, seed)
        dropped_n = int((w.n_share > settings.max_n_share).sum())
        n_pos = int((w.label[w.n_share <= settings.max_n_share] == 1).sum())
        if n_pos == 0:
            raise InputError(peaks_path, f"no window of the regions holds a peak's summit or "
                                         f"{settings.min_overlap:.0%} peak cover: nothing is bound")
        log.info("%d windows of %d bp every %d bp; %d dropped with > %.0f%% N; %d bound (%.3f%%); "
                 "%d kept", len(w.start), settings.length, settings.step, dropped_n, 100 * settings.max_n_share,
                 n_pos, 100 * n_pos / max(len(w.start) - dropped_n, 1), int(w.keep.sum()))
        _write(fa, w, settings, out_npz, out_samples)
    return w


SAMPLES_CHUNK = 100_000  # rows of samples.tsv made at a time


def _write(fa, w, settings, out_npz, out_samples):
    L = settings.length
    kept = np.flatnonzero(w.keep)
    names = np.array(w.contigs, dtype=str)
    block = w.start[kept] // settings.group_block
    block = block.astype(f"U{len(str(int(block.max()))) if len(block) else 1}")
    groups = np.char.add(np.char.add(names[w.contig[kept]], ":"), block)
    with tensors.EncodedWriter(out_npz, (4, L), len(kept), dtype=np.int8) as writer:
        for ci, contig in enumerate(w.contigs):
            idx = kept[w.contig[kept] == ci]
            for i, cw in _pieces(fa, contig, w.start[idx], L):
                writer.write(one_hot(np.ascontiguousarray(cw)))
        writer.close(w.label[kept].astype(np.int64), groups, np.array(CLASSES), "sequence",
                     extra={"weights": w.weight[kept]})
    # in chunks: no Python object per window for the whole set
    with replacing(out_samples) as tmp, open(tmp, "w") as f:
        f.write("\t".join(SAMPLE_COLUMNS) + "\n")
        for a in range(0, len(kept), SAMPLES_CHUNK):
            k = kept[a:a + SAMPLES_CHUNK]
            contig, starts = names[w.contig[k]], w.start[k]
            ids = [f"{c}:{s + 1}-{s + L}" for c, s in zip(contig, starts)]
            pd.DataFrame({"id": ids, "contig": contig, "start": starts, "end": starts + L, "label": w.label[k],
                          "group": groups[a:a + SAMPLES_CHUNK], "weight": w.weight[k], "source": "fasta"}
                         ).to_csv(f, sep="\t", index=False, header=False)
