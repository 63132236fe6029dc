"""Candidate SVs found in the BAM itself: split reads, discordant pairs, clip clusters, read depth.

Order of work: check the inputs, estimate the library's insert-size range
(``sv.estimate_insert_range``), then scan each contig in region chunks of
``chunk_bp`` (in ``threads`` processes). Per chunk, htslib's own filter
(``samtools view -e``: the samtools on PATH, else pysam's) decodes every read
and hands Python only the ones that can be evidence (``read_filter_expression``);
Python turns them into evidence:

- split reads (SA tag, one other segment on the contig): the junction of the
  two segments in read order gives DEL (same strand, forward jump), DUP (same
  strand, backward jump) or INV (opposite strands), with exact breakpoints;
- discordant pairs (the leftmost read of each pair): FR with an insert above
  the range -> DEL, RF -> DUP, FF/RR -> INV; a mate unmapped or on another
  contig, or an FR pair below the range, supports an insertion nearby;
- soft clips of at least ``min_clip`` bases, by side: a right-clip cluster
  and a left-clip cluster at one position (within ``ins_clip_distance``) -> INS;
- read depth: for DEL/DUP candidates, the read starts per bp inside the span
  over those of its flanks (``GENAUG_RD``, reported as support, never a
  candidate on its own).

Evidence of one type is clustered when both breakpoints lie within
``cluster_distance`` (default: the insert-size maximum) of the cluster's.
A cluster becomes a candidate only with at least ``min_support`` reads or pairs
(split reads plus discordant pairs; insertions: clipped reads on both sides
plus supporting pairs), so a lone discordant pair or a lone clip never does.
Candidates are VCF-style loci: POS is the base before the event, END its last
base (INS: END = POS), as in the truth VCFs (``loci``).
"""

import functools
import logging
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pysam

from ..errors import InputError, refuse_unknown
from ..outputs import replacing
from . import checks, loci
from . import evidence as evidence_mod

log = logging.getLogger(__name__)

SOURCE_INFO = "GENAUG_SOURCE"
EVIDENCE_INFO = ("GENAUG_SR", "GENAUG_PE", "GENAUG_CLIP")
DEPTH_INFO = "GENAUG_RD"
SV_KINDS = ("DEL", "DUP", "INV", "INS")
_KIND = {k: i for i, k in enumerate(SV_KINDS)}
_CIGAR = re.compile(r"(\d+)([MIDNSHP=X])")
_SA = re.compile(r"(?:^|\t)SA:Z:([^\t]+)")
_MC = re.compile(r"(?:^|\t)MC:Z:(\S+)")
_REF_OPS = set("MDN=X")
_CLIP_OPS = "SH"


@dataclass(frozen=True)
class DiscoverSettings:
    min_mapq: int = 1             # reads below this MAPQ give no evidence
    min_clip: int = 10            # soft clips shorter than this are not clip evidence
    min_support: int = 2          # split reads + discordant pairs (INS: clipped reads + pairs) per candidate
    min_size: int = 50            # DEL/DUP/INV shorter than this are not candidates
    max_size: int = 1_000_000     # nor longer than this
    cluster_distance: int | None = None  # bp; None: the insert-size maximum
    ins_clip_distance: int = 25   # right and left clips this close make an insertion site
    clip_slop: int = 5            # clips within this of a breakpoint count for it (GENAUG_CLIP)
    depth_flank: int = 2000       # bp of flank on each side for the depth ratio (at most)
    depth_max_span: int = 50_000  # depth inside spans longer than this is read in their middle part only
    chunk_bp: int = 1_000_000     # region chunk per task
    pair_margin: int | None = None  # bp above the insert maximum for a DEL pair; None: a quarter of the normal range
    match_distance: int = 500     # a discovered candidate and a caller record are one when they match (loci)

    @classmethod
    def from_config(cls, cfg):
        cfg = dict(cfg or {})
        refuse_unknown(cfg, cls.__dataclass_fields__, "discover")
        return cls(**cfg)


def read_filter_expression(del_min):
    """htslib filter keeping the reads that can be evidence (primary and mapped by -F): a pair that is
    not proper, any CIGAR of more than one operation (every clip and split read), and the leftmost
    read of a pair whose insert exceeds ``del_min``. htslib evaluates every term of an expression for
    every read, so the last two are one sum: with ``ncigar`` weighted by 2^32, ``ncigar * 2^32 + tlen``
    exceeds ``2^32 + del_min`` exactly when ncigar > 1 (tlen, an int32, is above -2^31) or ncigar is
    1 and tlen > del_min (the values are doubles, exact far beyond these). Python looks closer at the
    reads it keeps."""
    w = 1 << 32
    return f"!flag.proper_pair || ncigar * {w} + tlen > {w + int(del_min)}"


def deletion_pair_minimum(insert_range, settings):
    """Smallest insert of a deletion pair: the range's maximum plus ``pair_margin``."""
    lo, hi = insert_range
    return hi + (settings.pair_margin if settings.pair_margin is not None else (hi - lo) // 4)


def _samtools_lines(args, path, region):
    """SAM lines (no header) of `samtools view ARGS PATH REGION`, streamed: the samtools on PATH
    (packaged builds decode with libdeflate, faster than pysam's zlib build) decodes while the caller
    parses what it has sent; else, or when that one fails (too old for filter expressions), pysam's
    own samtools. A failure shows after the last line, so the caller parses again from ``retry``."""
    exe = shutil.which("samtools")
    if exe:
        with tempfile.TemporaryFile("w+") as errors:  # a file, so that many warnings cannot block the pipe
            with subprocess.Popen([exe, "view", *args, path, region], stdout=subprocess.PIPE, stderr=errors,
                                  text=True, bufsize=1 << 16) as p:
                yield from (line.rstrip("\n") for line in p.stdout)
            errors.seek(0)
            err = errors.read()
        if p.returncode == 0:
            return
        log.warning("%s view failed (%s); using pysam's samtools", exe, (err.strip().splitlines() or ["?"])[-1])
        yield _RETRY
    try:
        text = pysam.samtools.view(*args, path, region)
    except pysam.utils.SamtoolsError as e:
        raise InputError(path, f"reads at {region} cannot be read ({str(e).splitlines()[0]}): the file is "
                               "damaged or its index belongs to another file") from None
    yield from text.split("\n")


_RETRY = object()  # from _samtools_lines: what came before is void, the same reads follow again


def chunks_of(contig_lengths, chunk_bp):
    """(contig, start0, end0) region chunks covering every contig."""
    out = []
    for c, n in contig_lengths.items():
        for s in range(0, n, chunk_bp):
            out.append((c, s, min(n, s + chunk_bp)))
    return out


# ---------------------------------------------------------------- reads -> evidence

@functools.lru_cache(maxsize=1 << 16)
def _cigar_parts(cigar):
    """(ref span, leading clip, trailing clip, leading soft clip, trailing soft clip) of a CIGAR string
    (clips: soft and hard together)."""
    ops = [(int(n), o) for n, o in _CIGAR.findall(cigar)]
    span = 0
    for n, o in ops:
        if o in _REF_OPS:
            span += n
    lead = trail = soft_lead = soft_trail = 0
    k = 0
    while k < len(ops) and ops[k][1] in _CLIP_OPS:
        lead += ops[k][0]
        soft_lead += ops[k][0] if ops[k][1] == "S" else 0
        k += 1
    j = len(ops) - 1
    while j >= k and ops[j][1] in _CLIP_OPS:
        trail += ops[j][0]
        soft_trail += ops[j][0] if ops[j][1] == "S" else 0
        j -= 1
    return span, lead, trail, soft_lead, soft_trail


def split_junction(a_start, a_end, a_rev, a_qstart, b_start, b_end, b_rev, b_qstart):
    """SV type and (POS, END) of a read split into segments a and b (0-based half-open
    reference spans, reverse strand or not, start in the read's own orientation).

    The junction joins the read-order first segment's query end to the second's
    query start: on the forward strand the end / the start of its span, on the
    reverse strand the start / the end.
    """
    first, second = sorted([(a_qstart, a_start, a_end, a_rev), (b_qstart, b_start, b_end, b_rev)])
    _, fs, fe, fr = first
    _, ss, se, sr = second
    jf = fs if fr else fe
    js = se if sr else ss
    lo, hi = min(jf, js), max(jf, js)
    if fr != sr:
        return "INV", lo, hi
    forward_jump = jf > js if fr else js > jf
    return ("DEL" if forward_jump else "DUP"), lo, hi


def _query_start(rev, lead, trail):
    return trail if rev else lead


class _Evidence:
    """Evidence of one chunk, in lists of plain numbers (few reads get here)."""

    def __init__(self):
        self.sv = []      # (kind, pos, end, is_split)  pos/end: 0-based boundaries
        self.clip = []    # (pos, side)  side 0: clip on the left of pos, 1: on the right
        self.clip_len = []
        self.ins = []     # (pos, weight) supporting pairs for an insertion near pos (signed: + read looks right)

    def arrays(self):
        sv = np.array(self.sv, np.int64).reshape(-1, 4)
        clip = np.array(self.clip, np.int64).reshape(-1, 2)
        return sv, clip, np.array(self.clip_len, np.int64), np.array(self.ins, np.int64).reshape(-1, 2)


def evidence_from_sam(lines, chunk_start, chunk_end, insert_range, settings):
    """Evidence of the SAM lines (no header) whose alignment starts in [chunk_start, chunk_end)."""
    lo_ins, hi_ins = insert_range
    del_min = deletion_pair_minimum(insert_range, settings)
    ev = _Evidence()
    n = 0
    for line in lines:
        if line is _RETRY:
            ev, n = _Evidence(), 0
            continue
        if not line:
            continue
        f = line.split("\t", 11)
        pos0 = int(f[3]) - 1
        if pos0 < chunk_start or pos0 >= chunk_end:
            continue
        n += 1
        flag, cigar = int(f[1]), f[5]
        if flag & 2 and "S" not in cigar and "H" not in cigar and int(f[8]) <= del_min:
            continue  # a proper pair with small indels only: nothing here
        rev = bool(flag & 16)
        span, lead, trail, left, right = _cigar_parts(cigar)
        end0 = pos0 + span
        if left >= settings.min_clip:
            ev.clip.append((pos0, 0))
            ev.clip_len.append(left)
        if right >= settings.min_clip:
            ev.clip.append((end0, 1))
            ev.clip_len.append(right)
        tags = f[11] if len(f) > 11 else ""
        sa = _SA.search(tags) if "SA:Z:" in tags else None
        if sa:
            segs = [s for s in sa.group(1).split(";") if s]
            if len(segs) == 1:
                s_contig, s_pos, s_strand, s_cigar, s_mapq = segs[0].split(",")[:5]
                if s_contig == f[2] and int(s_mapq) >= settings.min_mapq:
                    s_span, s_lead, s_trail, _, _ = _cigar_parts(s_cigar)
                    s_rev = s_strand == "-"
                    s0 = int(s_pos) - 1
                    kind, p, e = split_junction(pos0, end0, rev, _query_start(rev, lead, trail),
                                                s0, s0 + s_span, s_rev, _query_start(s_rev, s_lead, s_trail))
                    ev.sv.append((_KIND[kind], p, e, 1))
        if not flag & 1:
            continue
        if flag & 8 or f[6] not in ("=", f[2]):   # mate unmapped or on another contig
            ev.ins.append((end0 if not rev else pos0, -1 if rev else 1))
            continue
        mpos0 = int(f[7]) - 1
        if mpos0 < pos0 or (mpos0 == pos0 and not flag & 64):
            continue  # the pair is seen from its leftmost read
        mrev = bool(flag & 32)
        tlen = abs(int(f[8]))
        mc = _MC.search(tags)
        mend0 = mpos0 + (_cigar_parts(mc.group(1))[0] if mc else span)
        if not rev and mrev:
            if tlen > del_min:
                ev.sv.append((_KIND["DEL"], end0, mpos0, 0))
            elif 0 < tlen < lo_ins and mpos0 > end0:
                ev.ins.append(((end0 + mpos0) // 2, 0))
        elif rev and not mrev:
            if mpos0 > pos0:
                ev.sv.append((_KIND["DUP"], pos0, mend0, 0))
        elif not rev:
            ev.sv.append((_KIND["INV"], end0, mend0, 0))
        else:
            ev.sv.append((_KIND["INV"], pos0, mpos0, 0))
    return ev, n


# ---------------------------------------------------------------- chunk scan (worker)

_STATE = {}


def _init_worker(bam_path, reference, expression, settings, insert_range):
    _STATE.update(bam=str(bam_path), reference=reference, expression=expression, settings=settings,
                  insert_range=insert_range)


def _scan_chunk(chunk):
    contig, start, end = chunk
    st = _STATE
    args = ["-F", "0xF04", "-q", str(st["settings"].min_mapq), "-e", st["expression"]]
    if st["reference"]:
        args += ["-T", str(st["reference"])]
    lines = _samtools_lines(args, st["bam"], f"{contig}:{start + 1}-{end}")
    ev, n = evidence_from_sam(lines, start, end, st["insert_range"], st["settings"])
    return ev.arrays() + (n,)


def scan_evidence(bam_path, reference, contig_lengths, insert_range, settings, threads=1, progress_every=10.0,
                  mapped=None):
    """Evidence per contig: {contig: (sv, clip, clip_len, ins)}, scanning chunks in ``threads`` processes.
    ``mapped`` (the index's mapped reads, when known) gives the progress log a reads/s rate."""
    chunks = chunks_of(contig_lengths, settings.chunk_bp)
    expr = read_filter_expression(deletion_pair_minimum(insert_range, settings))
    init = (str(bam_path), reference, expr, settings, insert_range)
    parts = {c: [] for c in contig_lengths}
    total_bp = max(sum(c[2] - c[1] for c in chunks), 1)
    t0 = last = time.monotonic()
    n_reads = 0
    done = 0

    def take(chunk, result):
        nonlocal done, last, n_reads
        parts[chunk[0]].append(result[:4])
        n_reads += result[4]
        done += 1
        now = time.monotonic()
        if now - last >= progress_every or done == len(chunks):
            bp = sum(c[2] - c[1] for c in chunks[:done])
            secs = max(now - t0, 1e-9)
            rate = f", about {mapped * bp / total_bp / secs:,.0f} reads/s" if mapped else ""
            log.info("scanned chunk %d of %d (%s:%d-%d): %d informative reads so far, %.2f Mb/s%s, ETA %.0f s",
                     done, len(chunks), chunk[0], chunk[1] + 1, chunk[2], n_reads, bp / 1e6 / secs, rate,
                     secs / done * (len(chunks) - done))
            last = now

    if threads <= 1 or len(chunks) <= 1:
        _init_worker(*init)
        for ch in chunks:
            take(ch, _scan_chunk(ch))
    else:
        import multiprocessing as mp
        with mp.get_context("fork").Pool(threads, initializer=_init_worker, initargs=init) as pool:
            for ch, res in zip(chunks, pool.imap(_scan_chunk, chunks)):
                take(ch, res)
    out = {}
    for c, ps in parts.items():
        if ps:
            out[c] = tuple(np.concatenate([p[k] for p in ps]) for k in range(4))
    return out, n_reads


# ---------------------------------------------------------------- evidence -> candidates

def cluster_breakpoints(pos, end, distance):
    """Cluster label per signal: signals sorted by pos join the open cluster whose
    pos and end both lie within ``distance`` (single linkage on pos, mean end)."""
    order = np.argsort(pos, kind="stable")
    label = np.empty(len(pos), np.int64)
    open_ = []  # [last pos, end sum, count, label]
    n_labels = 0
    for i in order:
        p, e = pos[i], end[i]
        open_ = [c for c in open_ if p - c[0] <= distance]
        best = None
        for c in open_:
            if abs(e - c[1] / c[2]) <= distance and (best is None or abs(e - c[1] / c[2]) < abs(e - best[1] / best[2])):
                best = c
        if best is None:
            best = [p, 0, 0, n_labels]
            n_labels += 1
            open_.append(best)
        best[0] = p
        best[1] += e
        best[2] += 1
        label[i] = best[3]
    return label


def _mode(values):
    vals, counts = np.unique(values, return_counts=True)
    return int(vals[np.argmax(counts)])


def _clip_count(clip, p, slop):
    return int(((clip[:, 0] >= p - slop) & (clip[:, 0] <= p + slop)).sum()) if len(clip) else 0


def candidates_of_contig(contig, sv, clip, clip_len, ins, insert_range, settings):
    """Candidate rows (dicts) of one contig from its evidence arrays."""
    distance = settings.cluster_distance or int(insert_range[1])
    rows = []
    clip = clip[np.argsort(clip[:, 0], kind="stable")] if len(clip) else clip
    for kind in ("DEL", "DUP", "INV"):
        sel = sv[sv[:, 0] == _KIND[kind]]
        if not len(sel):
            continue
        lab = cluster_breakpoints(sel[:, 1], sel[:, 2], distance)
        for k in np.unique(lab):
            g = sel[lab == k]
            split = g[g[:, 3] == 1]
            pairs = g[g[:, 3] == 0]
            if len(split) + len(pairs) < settings.min_support:
                continue
            if len(split):
                p, e = _mode(split[:, 1]), _mode(split[:, 2])
                ci_p = (int(split[:, 1].min()) - p, int(split[:, 1].max()) - p)
                ci_e = (int(split[:, 2].min()) - e, int(split[:, 2].max()) - e)
            else:
                p, e = _pair_breakpoints(kind, pairs)
                ci_p = ci_e = (-distance // 2, distance // 2)
            if e - p < settings.min_size or e - p > settings.max_size:
                continue
            n_clip = _clip_count(clip, p, settings.clip_slop) + _clip_count(clip, e, settings.clip_slop)
            rows.append(dict(contig=contig, start=int(p), end=int(e), svtype=kind,
                             svlen=int(-(e - p) if kind == "DEL" else e - p), sr=len(split), pe=len(pairs),
                             clip=n_clip, cipos=ci_p, ciend=ci_e))
    # an inversion's or duplication's junction clips reads on both sides too: not an insertion site
    exact = np.array([b for r in rows if r["sr"] for b in (r["start"], r["end"])], np.int64)
    rows += _insertions(contig, clip, clip_len, ins, insert_range, settings, np.sort(exact))
    return rows


def _pair_breakpoints(kind, pairs):
    """(POS, END) of a cluster of discordant pairs: the innermost read ends (DEL), outermost (DUP),
    median of each junction's estimate (INV)."""
    if kind == "DEL":
        p, e = int(pairs[:, 1].max()), int(pairs[:, 2].min())
        if e > p:
            return p, e
    if kind == "DUP":
        return int(pairs[:, 1].min()), int(pairs[:, 2].max())
    return int(np.median(pairs[:, 1])), int(np.median(pairs[:, 2]))


def _insertions(contig, clip, clip_len, ins, insert_range, settings, exact=np.zeros(0, np.int64)):
    """INS candidates at clip sites: clips within ``ins_clip_distance`` of a group's first clip form
    one site; a site is an insertion when reads are clipped on both sides of it (with one more
    read or supporting pair beyond ``min_support - 1``), or on one side only by at least
    ``min_support`` reads with at least ``min_support`` pairs pointing into it (mates unmapped, on
    another contig, or an insert below the range). Sites within that distance of a split-read
    breakpoint of another candidate (``exact``, sorted) are that candidate's junction."""
    if not len(clip):
        return []
    rows = []
    d, hi = settings.ins_clip_distance, int(insert_range[1])
    pos, side = clip[:, 0], clip[:, 1]
    ins_pos = ins[:, 0] if len(ins) else np.zeros(0, np.int64)
    ins_dir = ins[:, 1] if len(ins) else np.zeros(0, np.int64)
    i, n = 0, len(pos)
    while i < n:  # clip is sorted by position
        j = np.searchsorted(pos, pos[i] + d, side="right")
        g_pos, g_side, g_len = pos[i:j], side[i:j], clip_len[i:j]
        i = j
        n_right, n_left = int((g_side == 1).sum()), int((g_side == 0).sum())
        p = _mode(g_pos[g_side == 1] if n_right else g_pos)
        k = np.searchsorted(exact, p - d)
        if k < len(exact) and exact[k] <= p + d:
            continue
        near = ((ins_dir == 1) & (ins_pos <= p + d) & (ins_pos >= p - hi)) | \
               ((ins_dir == -1) & (ins_pos >= p - d) & (ins_pos <= p + hi)) | \
               ((ins_dir == 0) & (np.abs(ins_pos - p) <= hi // 2))
        n_pairs = int(near.sum())
        both = n_right and n_left and n_right + n_left + n_pairs >= settings.min_support + 1
        one = max(n_right, n_left) >= settings.min_support and n_pairs >= settings.min_support
        if not (both or one):
            continue
        rows.append(dict(contig=contig, start=p, end=p, svtype="INS", svlen=int(g_len.max()),
                         sr=0, pe=n_pairs, clip=n_right + n_left, cipos=(-d, d), ciend=(-d, d)))
    return rows


def depth_ratio(bam, contig, start, end, settings, min_mapq):
    """Read starts per bp inside [start, end) over those of its flanks (None when they hold no read)."""
    span = end - start
    if span <= 0:
        return None
    if span > settings.depth_max_span:
        mid = (start + end) // 2
        a, b = mid - settings.depth_max_span // 2, mid + settings.depth_max_span // 2
    else:
        a, b = start, end
    flank = min(settings.depth_flank, max(span, 500))
    length = bam.get_reference_length(contig)
    lo, hi = max(0, start - flank), min(length, end + flank)

    def starts(s, e):
        n = 0
        for r in bam.fetch(contig, s, e):
            if r.flag & 0xF04 or r.mapping_quality < min_mapq or r.reference_start < s:
                continue
            n += 1
        return n

    inside = starts(a, b) / max(b - a, 1)
    out_bp = (start - lo) + (hi - end)
    outside = (starts(lo, start) + starts(end, hi)) / max(out_bp, 1) if out_bp > 0 else 0.0
    return round(inside / outside, 3) if outside > 0 else None


def discover_candidates(bam_path, reference, settings=DiscoverSettings(), insert_range=None, threads=1,
                        sv_settings=None):
    """Candidate SVs of a BAM/CRAM: (table, contig lengths, insert range). The table has
    contig, start, end, svtype, svlen, ``sr``, ``pe``, ``clip``, ``rd``, ``cipos``, ``ciend``,
    sorted by contig (BAM order) and position. ``sv_settings`` (encode.sv) give the insert-size
    range or how to estimate it."""
    from .sv import SvSettings, estimate_insert_range

    t0 = time.monotonic()
    bam = checks.open_alignments(bam_path, reference)
    fasta = checks.open_reference(reference)
    with checks.handles(bam, fasta):
        contig_lengths = checks.shared_contigs(bam, fasta, bam_path, reference)
        mapped = evidence_mod.check_mapped(bam, bam_path)  # a BAM without mapped reads stops here
        if insert_range is None:
            insert_range = estimate_insert_range(bam, sv_settings or SvSettings(), bam_path)
    ref_arg = str(reference) if str(bam_path).endswith(".cram") else None
    evidence, n_reads = scan_evidence(bam_path, ref_arg, contig_lengths, insert_range, settings, threads,
                                      mapped=mapped)
    rows = []
    for contig, (sv, clip, clip_len, ins) in evidence.items():
        rows += candidates_of_contig(contig, sv, clip, clip_len, ins, insert_range, settings)
    table = pd.DataFrame(rows, columns=["contig", "start", "end", "svtype", "svlen", "sr", "pe", "clip",
                                        "cipos", "ciend"])
    bam = checks.open_alignments(bam_path, reference)
    with checks.handles(bam):
        table["rd"] = [depth_ratio(bam, r.contig, r.start, r.end, settings, settings.min_mapq)
                       if r.svtype in ("DEL", "DUP") else None for r in table.itertuples()]
    order = list(contig_lengths)
    table["_c"] = table.contig.map(order.index)
    table = table.sort_values(["_c", "start", "end", "svtype"], kind="stable").drop(columns="_c")
    table = table.reset_index(drop=True)
    log.info("%d candidates (%s) from %d informative reads in %.1f s", len(table),
             ", ".join(f"{t} {int((table.svtype == t).sum())}" for t in SV_KINDS), n_reads, time.monotonic() - t0)
    return table, contig_lengths, insert_range


def recall_by_type(truth, found, min_size=50):
    """Per SV type (and ``all``): truth SVs of at least ``min_size`` bp, how many a row of ``found``
    matches (``loci.matches_truth``), and the share."""
    size = np.where(truth.svlen.abs() > 0, truth.svlen.abs(), truth.end - truth.start)
    t = truth[size >= min_size]
    hit = np.array([loci.matches_truth(r, found) for r in t.itertuples(index=False)], bool)
    rows = [("all", len(t), int(hit.sum()))]
    for k in SV_KINDS:
        sel = (t.svtype == k).to_numpy()
        rows.append((k, int(sel.sum()), int(hit[sel].sum())))
    return pd.DataFrame([(k, n, h, h / n if n else float("nan")) for k, n, h in rows],
                        columns=["svtype", "truth", "found", "recall"])



# ---------------------------------------------------------------- candidates.vcf.gz

_INFO_LINES = (
    ("SVTYPE", 1, "String", "Type of structural variant"),
    ("END", 1, "Integer", "End position of the structural variant"),
    ("SVLEN", 1, "Integer", "SV length (negative for deletions; insertions: the longest clip, a rough estimate)"),
    ("CIPOS", 2, "Integer", "Confidence interval around POS"),
    ("CIEND", 2, "Integer", "Confidence interval around END"),
    ("GENAUG_SR", 1, "Integer", "genaug discovery: split reads supporting the candidate"),
    ("GENAUG_PE", 1, "Integer", "genaug discovery: discordant pairs (INS: pairs with a mate unmapped, on another "
                                "contig or with an insert below the range) supporting the candidate"),
    ("GENAUG_CLIP", 1, "Integer", "genaug discovery: reads soft-clipped at its breakpoints"),
    ("GENAUG_RD", 1, "Float", "genaug discovery: read starts per bp inside the span over those of its flanks "
                              "(DEL/DUP)"),
    (SOURCE_INFO, 1, "String", "Where the record comes from: caller (the caller's VCF only), discover (genaug's "
                               "own discovery only) or both (a caller record that a discovered candidate matches)"),
)
_ALT_LINES = {"DEL": "Deletion", "DUP": "Duplication", "INV": "Inversion", "INS": "Insertion"}


def _header(contig_lengths, caller_header=None, insert_range=None, settings=None):
    h = caller_header.copy() if caller_header is not None else pysam.VariantHeader()
    for c, n in contig_lengths.items():
        if c not in h.contigs:
            h.contigs.add(c, length=n)
    for key, number, kind, text in _INFO_LINES:
        if key not in h.info:
            h.info.add(key, number, kind, text)
    for key, text in _ALT_LINES.items():
        if key not in h.alts:
            h.add_line(f'##ALT=<ID={key},Description="{text}">')
    if insert_range is not None:
        h.add_line(f"##genaug_discover=<InsertRange={insert_range[0]}-{insert_range[1]},"
                   f"MinSupport={settings.min_support},MinClip={settings.min_clip},MinMapq={settings.min_mapq}>")
    return h


def _caller_records(path, rename, contig_lengths):
    """Every record of the caller's VCF (header, [(record, locus or None)]), locus = (contig, start, end, svtype)
    for the DEL/DUP/INV/INS records whose span is possible, contigs renamed to the BAM's."""
    checks.check_vcf(path)
    try:
        vcf = pysam.VariantFile(str(path))
    except (OSError, ValueError) as e:
        raise InputError(path, f"cannot be read as VCF/BCF ({e})") from None
    out = []
    with vcf:
        header = vcf.header.copy()
        for rec in loci._records(vcf, path):
            contig = loci.rename_contig(rec.contig, rename)
            if contig not in contig_lengths:
                raise InputError(path, f"record {rec.id or '.'} at {rec.contig}:{rec.pos} is on contig '{contig}', "
                                       "which the BAM lacks; set encode.sv.contig_rename (or the sample's "
                                       "contig_rename) to add_chr or strip_chr if only the 'chr' prefix differs")
            t = loci._svtype(rec)
            locus = None
            if t in loci.SV_TYPES:
                end, problem = checks.sv_span(rec, t, loci._svlen(rec))
                if not problem:
                    locus = (contig, rec.pos, end, t)
            out.append((rec, contig, locus))
    return header, out


def merge_with_caller(found, caller_loci, distance):
    """For each discovered candidate, the index of the first caller locus it matches (loci.matches_truth
    with ``distance``), or -1."""
    calls = pd.DataFrame([loc for loc in caller_loci if loc is not None], columns=["contig", "start", "end", "svtype"])
    index = [i for i, loc in enumerate(caller_loci) if loc is not None]
    out = []
    for r in found.itertuples(index=False):
        hit = -1
        same = calls[(calls.contig == r.contig) & (calls.svtype == r.svtype)]
        for k, c in zip(same.index, same.itertuples(index=False)):
            if loci.matches_truth(r, pd.DataFrame([c]), distance):
                hit = index[k]
                break
        out.append(hit)
    return out


def write_candidates_vcf(found, contig_lengths, reference, out_vcf, caller=None, rename="none",
                         insert_range=None, settings=DiscoverSettings()):
    """``found`` (``discover_candidates``) as a sorted, bgzipped, tabix-indexed VCF, merged with the
    caller's VCF when given: its records are kept with their own ids and filters (contigs renamed to
    the BAM's), marked caller, or both when a candidate matches one (that candidate is not written
    again). Returns the table of written records (contig, pos, end, svtype, source)."""
    caller_header, caller_recs = (None, [])
    if caller:
        caller_header, caller_recs = _caller_records(caller, rename, contig_lengths)
    header = _header(contig_lengths, caller_header, insert_range, settings)
    hits = merge_with_caller(found, [loc for _, _, loc in caller_recs], settings.match_distance) if caller_recs \
        else [-1] * len(found)
    both = {}
    for row, h in zip(found.itertuples(index=False), hits):
        if h >= 0:
            both.setdefault(h, row)
    order = {c: i for i, c in enumerate(contig_lengths)}
    entries = []
    fasta = checks.open_reference(reference)
    with checks.handles(fasta):
        for i, (rec, contig, locus) in enumerate(caller_recs):
            rec.translate(header)
            if contig != rec.contig:
                rec.contig = contig
            src = "both" if i in both else "caller"
            rec.info[SOURCE_INFO] = src
            if i in both:
                _set_evidence(rec, both[i])
            end = locus[2] if locus else rec.pos
            entries.append(((order[contig], rec.pos, 0, i), rec, (contig, rec.pos, end, locus[3] if locus else ".",
                                                                   src, rec.id or ".")))
        n = 0
        for row, h in zip(found.itertuples(index=False), hits):
            if h >= 0:
                continue
            n += 1
            base = fasta.fetch(row.contig, row.start - 1, row.start).upper() or "N"
            rec = header.new_record(contig=row.contig, start=row.start - 1,
                                    stop=row.end if row.svtype != "INS" else row.start,
                                    alleles=(base, f"<{row.svtype}>"), id=f"genaug_{row.svtype}_{n}", filter="PASS")
            rec.info["SVTYPE"] = row.svtype
            rec.info["SVLEN"] = int(row.svlen)
            rec.info["CIPOS"] = tuple(int(x) for x in row.cipos)
            if row.svtype != "INS":
                rec.info["CIEND"] = tuple(int(x) for x in row.ciend)
            rec.info[SOURCE_INFO] = "discover"
            _set_evidence(rec, row)
            entries.append(((order[row.contig], row.start, 1, n), rec,
                            (row.contig, row.start, row.end, row.svtype, "discover", rec.id)))
    entries.sort(key=lambda e: e[0])
    out_vcf = str(out_vcf)
    with replacing(out_vcf + ".tbi", out_vcf) as (tmp_tbi, tmp_vcf):
        with pysam.VariantFile(tmp_vcf, "wz", header=header) as out:
            for _, rec, _ in entries:
                out.write(rec)
        pysam.tabix_index(tmp_vcf, preset="vcf", force=True, index=tmp_tbi)
    written = pd.DataFrame([e[2] for e in entries], columns=["contig", "pos", "end", "svtype", "source", "id"])
    log.info("%s: %d records: %s", out_vcf, len(written),
             ", ".join(f"{s} {int((written.source == s).sum())}" for s in ("caller", "both", "discover")))
    return written


def _set_evidence(rec, row):
    rec.info["GENAUG_SR"] = int(row.sr)
    rec.info["GENAUG_PE"] = int(row.pe)
    rec.info["GENAUG_CLIP"] = int(row.clip)
    if row.rd is not None and not pd.isna(row.rd):
        rec.info[DEPTH_INFO] = float(row.rd)


def read_candidates(path, contig_lengths):
    """Typed records of a candidates VCF (written by ``write_candidates_vcf``, BAM contig names):
    loci.COLUMNS plus ``source`` (GENAUG_SOURCE)."""
    svs = loci.read_sv_vcf(path, "none", contig_lengths)
    sources = []
    with pysam.VariantFile(str(path)) as vcf:
        if SOURCE_INFO not in vcf.header.info:
            raise InputError(path, f"has no INFO/{SOURCE_INFO}: not a candidates VCF written by genaug's discover_sv")
        for rec in vcf:
            t = loci._svtype(rec)
            if t in loci.SV_TYPES and not checks.sv_span(rec, t, loci._svlen(rec))[1]:
                sources.append(rec.info.get(SOURCE_INFO, "caller"))
    svs["source"] = sources
    return svs


def discover_sv(bam_path, reference, out_vcf, caller=None, settings=DiscoverSettings(), sv_settings=None,
                threads=1, rename="none", truth=None, truth_settings=None):
    """Rule discover_sv: candidates of ``bam_path`` merged with the ``caller`` VCF into ``out_vcf``.
    With ``truth`` (the dataset's truth VCF), the log says how many truth SVs the candidates find."""
    found, contig_lengths, insert_range = discover_candidates(bam_path, reference, settings, threads=threads,
                                                              sv_settings=sv_settings)
    if truth:
        from .truth import TruthSettings, read_truth

        svs, _ = read_truth(truth, rename, contig_lengths, truth_settings or TruthSettings())
        rec = recall_by_type(svs, found)
        false = sum(not loci.matches_truth(r, svs) for r in found.itertuples(index=False))
        log.info("against the truth %s: %s; %d of %d candidates match no truth SV", truth,
                 "; ".join(f"{r.svtype} {r.found}/{r.truth}" for r in rec.itertuples()), false, len(found))
    return write_candidates_vcf(found, contig_lengths, reference, out_vcf, caller, rename, insert_range, settings)
