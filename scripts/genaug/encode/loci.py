"""Candidate SV loci: positives from a truth VCF, sampled and caller negatives.

A locus is a VCF-style record: contig, 1-based ``start`` (POS, the base before
the event) and ``end`` (END; equal to POS for insertions). Its two breakpoint
windows are centred on ``start`` and ``end`` (``pileup.breakpoint_windows``).
"""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pysam

from ..errors import InputError, some_names
from .checks import sv_span

log = logging.getLogger(__name__)

SV_TYPES = ("DEL", "DUP", "INV", "INS")
_ALIASES = {"DUP:TANDEM": "DUP", "DUP:INT": "DUP", "INS:ME": "INS", "MEI": "INS", "DEL:ME": "DEL"}
COLUMNS = ["contig", "start", "end", "svtype", "svlen", "vcf_id"]
MIN_SEQUENCE_SV = 50  # sequence-resolved alleles shorter than this are small indels, not SVs
GROUP_GAP = 500  # windows closer than this (a read pair's reach) share a group


@dataclass(frozen=True)
class NegativeSettings:
    per_positive: float = 10.0   # sampled negatives per positive
    margin: int = 512            # minimum distance from a negative's span to any truth SV span
    max_n_fraction: float = 0.0  # windows with more reference N than this are not sampled
    max_tries: int = 50          # rounds of batched draws before giving up


def rename_contig(name, rename):
    """Apply the ``contig_rename`` switch (none, add_chr, strip_chr) to a VCF contig name."""
    if rename == "add_chr":
        return name if name.startswith("chr") else "chr" + name
    if rename == "strip_chr":
        return name[3:] if name.startswith("chr") else name
    return name


def _svtype(rec):
    """SV type of a record (DEL, DUP, INV, INS, or what else it says), None if none.

    From INFO/SVTYPE, else a symbolic ALT, else a sequence-resolved allele
    whose length differs from REF by at least MIN_SEQUENCE_SV bp.
    """
    t = rec.info.get("SVTYPE") if "SVTYPE" in rec.header.info else None
    if t is None and rec.alts:
        alt = rec.alts[0]
        if alt.startswith("<") and alt.endswith(">"):
            t = alt[1:-1]
        elif "[" in alt or "]" in alt:
            t = "BND"
        elif rec.ref and abs(len(alt) - len(rec.ref)) >= MIN_SEQUENCE_SV:
            t = "DEL" if len(rec.ref) > len(alt) else "INS"
        elif rec.ref and len(alt) != len(rec.ref):
            t = "small indel"
    if isinstance(t, tuple):
        t = t[0]
    if t is None:
        return None
    t = str(t).upper() if t != "small indel" else t
    return _ALIASES.get(t, t)


def read_sv_vcf(path, rename="none", contig_lengths=None, sample=None):
    """SV records of a VCF as a DataFrame (COLUMNS plus ``filter``), with a warning for each kind dropped.

    Keeps DEL, DUP, INV and INS; breakends, CNVs and records without a type are
    dropped and counted. ``contig_lengths`` (name -> length), when given, makes a
    record on an unknown contig or beyond a contig's end an error. ``filter`` is
    the record's FILTER (``PASS``, ``.`` or filter names joined by ``;``). With
    ``sample`` (a sample of the VCF), a ``genotype`` column says what that sample's GT
    holds: ``alt`` (an ALT allele), ``ref`` (only REF alleles, e.g. 0/0),
    ``missing`` (./., .) or ``none`` (the record has no GT).
    """
    rows, dropped, impossible = [], {}, {}
    try:
        vcf = pysam.VariantFile(str(path))
    except (OSError, ValueError, NotImplementedError) as e:
        raise InputError(path, f"cannot be read as VCF/BCF ({e})") from None
    with vcf:
        for rec in _records(vcf, path):
            t = _svtype(rec)
            if t not in SV_TYPES:
                dropped[t or "no SVTYPE"] = dropped.get(t or "no SVTYPE", 0) + 1
                continue
            contig = rename_contig(rec.contig, rename)
            start = rec.pos
            end, problem = sv_span(rec, t, _svlen(rec))
            if problem:
                impossible.setdefault(problem, []).append(f"{rec.id or '.'} at {rec.contig}:{rec.pos}")
                continue
            svlen = _svlen(rec)
            if svlen is None:
                svlen = (end - start) if t != "INS" else len(rec.alts[0]) - len(rec.ref) if rec.alts else 0
            svlen = abs(int(svlen)) if t != "DEL" else -abs(int(svlen))
            if contig_lengths is not None:
                if contig not in contig_lengths:
                    raise InputError(path, f"record {rec.id or ''} at {rec.contig}:{rec.pos} is on contig "
                                     f"'{contig}', which the BAM/reference lack "
                                     f"(they have {some_names(contig_lengths)}); set encode.sv.contig_rename "
                                     f"to add_chr or strip_chr if only the 'chr' prefix differs")
                if end > contig_lengths[contig] or start < 1:
                    raise InputError(path, f"record {rec.id or ''} at {rec.contig}:{rec.pos}-{end} lies beyond "
                                     f"the end of contig '{contig}' (length {contig_lengths[contig]})")
            row = (contig, start, end, t, svlen, rec.id or ".", ";".join(rec.filter.keys()) or ".")
            rows.append(row + ((_genotype(rec, sample),) if sample is not None else ()))
    for t, n in sorted(dropped.items()):
        log.warning("%s: dropped %d record(s) of type %s (genaug uses %s)", path, n, t, "/".join(SV_TYPES))
    for problem, where in sorted(impossible.items()):
        log.warning("%s: dropped %d impossible record(s), %s (first: %s)", path, len(where), problem, where[0])
    return pd.DataFrame(rows, columns=COLUMNS + ["filter"] + (["genotype"] if sample is not None else []))


def _genotype(rec, sample):
    """alt, ref, missing or none: what ``sample``'s GT of ``rec`` holds."""
    if "GT" not in rec.format:
        return "none"
    gt = rec.samples[sample].get("GT") or (None,)
    if any(a is not None and a > 0 for a in gt):
        return "alt"
    return "ref" if any(a == 0 for a in gt) else "missing"


def _records(vcf, path):
    """The records of an open VCF; a read error mid-file is the one-line InputError."""
    try:
        yield from vcf
    except (OSError, ValueError, NotImplementedError) as e:
        raise InputError(path, f"cannot be read past the header ({str(e).splitlines()[0] or type(e).__name__}); "
                               "a .vcf.gz must be bgzipped (`bgzip`), not gzipped") from None


def _svlen(rec):
    if "SVLEN" not in rec.header.info:
        return None
    v = rec.info.get("SVLEN")
    if isinstance(v, tuple):
        v = v[0] if v else None
    return v



def _span_arrays(loci, contig):
    sub = loci[loci.contig == contig]
    order = np.argsort(sub.start.to_numpy())
    return sub.start.to_numpy()[order], sub.end.to_numpy()[order]


def sample_negatives(truth, contig_lengths, window, settings, rng, fasta=None, block=None, avoid=None,
                     allowed=None):
    """Negative loci away from every truth SV.

    Spans are drawn from the positives' span distribution (so negatives and
    positives have the same window geometry), positions uniformly on the
    contigs holding truth SVs in proportion to their length. A negative's span
    keeps ``settings.margin`` plus one window from every SV span of ``avoid``
    (default: ``truth``). With ``block`` (the group block size), a negative's
    windows stay inside one block and ``GROUP_GAP`` away from its edges, so
    negatives never merge groups. ``allowed(contigs, starts, ends)``, when
    given, returns a mask of the draws to keep (confident and excluded regions).
    Returns a DataFrame (COLUMNS, svtype NONE).
    """
    avoid = truth if avoid is None else avoid
    n_want = int(round(settings.per_positive * len(truth)))
    order = list(contig_lengths)
    contigs = sorted(set(truth.contig), key=order.index)
    if n_want == 0 or not contigs:
        return pd.DataFrame(columns=COLUMNS)
    lengths = np.array([contig_lengths[c] for c in contigs], np.float64)
    spans = (truth.end - truth.start).to_numpy()
    pad = settings.margin + window
    half = window // 2
    truth_iv = {}
    for c in contigs:
        s, e = _span_arrays(avoid, c)
        truth_iv[c] = (s, np.maximum.accumulate(e))
    seen, rows = set(), []
    for _ in range(settings.max_tries):
        need = n_want - len(rows)
        if need <= 0:
            break
        m = 4 * need + 16
        ci = rng.choice(len(contigs), size=m, p=lengths / lengths.sum())
        span = spans[rng.integers(len(spans), size=m)]
        clen = lengths[ci].astype(np.int64)
        start = (rng.random(m) * np.maximum(clen - span - 2 * window, 1)).astype(np.int64) + window
        end = start + span
        ok = end + window < clen
        for k, c in enumerate(contigs):
            sel = ci == k
            s, emax = truth_iv[c]
            idx = np.searchsorted(s, end[sel] + pad, side="right")
            clash = (idx > 0) & (emax[np.maximum(idx - 1, 0)] >= start[sel] - pad)
            ok[sel] &= ~clash
        if block:
            lo, hi = start - half - GROUP_GAP, end + half + GROUP_GAP
            ok &= (np.maximum(lo, 0) // block) == (hi // block)
        if allowed is not None:
            ok &= allowed(np.array(contigs, dtype=object)[ci], start, end)
        for i in np.flatnonzero(ok):
            c = contigs[ci[i]]
            key = (c, int(start[i]), int(end[i]))
            if key in seen:
                continue
            if fasta is not None and _n_fraction(fasta, c, key[1], key[2], window) > settings.max_n_fraction:
                continue
            seen.add(key)
            rows.append((c, key[1], key[2], "NONE", 0, "."))
            if len(rows) == n_want:
                break
    if len(rows) < n_want:
        log.warning("sampled %d of %d negatives: the contigs holding truth SVs have too little room "
                    "%d bp away from them", len(rows), n_want, pad)
    return pd.DataFrame(rows, columns=COLUMNS)


def _n_fraction(fasta, contig, start, end, window):
    half = window // 2
    seq = fasta.fetch(contig, max(0, start - half), start + half) + fasta.fetch(contig, max(0, end - half), end + half)
    return seq.upper().count("N") / max(1, len(seq))


def _reciprocal_overlap(a0, a1, b0, b1):
    inter = min(a1, b1) - max(a0, b0)
    la, lb = max(a1 - a0, 1), max(b1 - b0, 1)
    return inter / la >= 0.5 and inter / lb >= 0.5 if inter > 0 else False


def matches_truth(call, truth, max_breakpoint_distance=500):
    """A call matches a truth SV: same type and reciprocal overlap >= 0.5, or both
    breakpoints within ``max_breakpoint_distance`` bp."""
    return match_index(call, truth, max_breakpoint_distance) is not None


def match_index(call, truth, max_breakpoint_distance=500):
    """The index label of the first row of ``truth`` that ``call`` matches (``matches_truth``), or None."""
    same = truth[(truth.contig == call.contig) & (truth.svtype == call.svtype)]
    for k, t in zip(same.index, same.itertuples()):
        if _reciprocal_overlap(call.start, call.end, t.start, t.end):
            return k
        if abs(call.start - t.start) <= max_breakpoint_distance and abs(call.end - t.end) <= max_breakpoint_distance:
            return k
    return None


def hard_negatives(calls, truth, window, margin, avoid=None):
    """Caller calls that match no truth SV, as negatives.

    Calls that match no truth SV but still come within one window plus
    ``margin`` of one (or of any SV of ``avoid``: truth records that are not
    positives) are ambiguous (a mistyped or mis-placed true event): they are
    dropped, with a warning, so that no negative overlaps a truth SV.
    """
    keep, ambiguous, matched = [], 0, 0
    pad = margin + window
    avoid = truth if avoid is None else avoid
    for call in calls.itertuples(index=False):
        if matches_truth(call, truth):
            matched += 1
            continue
        near = avoid[(avoid.contig == call.contig) & (avoid.start - pad <= call.end) & (call.start <= avoid.end + pad)]
        if len(near):
            ambiguous += 1
            continue
        keep.append(call)
    if ambiguous:
        log.warning("candidate calls: %d matched no truth SV but lie near one; dropped as ambiguous", ambiguous)
    log.info("candidate calls: %d match a truth SV, %d become hard negatives", matched, len(keep))
    return pd.DataFrame(keep, columns=calls.columns)


def region_groups(contigs, left_start, right_start, window, block):
    """Group label per item: blocks of ``block`` bp, merged by union-find over every
    block an item's windows (widened by GROUP_GAP) touch, so windows that overlap
    or share read pairs always share one group."""
    n = len(contigs)
    keys = {}
    parent = []

    def node(key):
        if key not in keys:
            keys[key] = len(parent)
            parent.append(len(parent))
        return keys[key]

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    item_node = np.empty(n, np.int64)
    for i in range(n):
        touched = []
        for s in (left_start[i], right_start[i]):
            for b in range(max(0, int(s) - GROUP_GAP) // block, max(0, int(s) + window + GROUP_GAP - 1) // block + 1):
                touched.append(node((contigs[i], b)))
        root = find(touched[0])
        for t in touched[1:]:
            rt = find(t)
            if rt != root:
                parent[rt] = root
        item_node[i] = touched[0]
    names = {}
    for (c, b), k in sorted(keys.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        names.setdefault(find(k), f"{c}:{b * block}")
    return np.array([names[find(k)] for k in item_node], dtype=object)
