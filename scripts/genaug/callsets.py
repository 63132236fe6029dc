"""SV calls of a scored sample against its truth VCF: precision, recall and F1 by SV type and size band.

The scored VCF is ``score.py``'s output (results/score/{sample}.vcf.gz). Four
call sets are read from it, by FILTER and INFO/GENAUG_SOURCE (``caller``,
``discover`` or ``both``; a record without it is the caller's):

- ``caller``: the caller's records as the caller gave them: those with no
  failing filter of the caller's own (genaug's PASS / GENAUG_LOW /
  GENAUG_NOT_SCORED aside), i.e. the caller's PASS calls;
- ``caller_filtered``: the caller's records genaug keeps (FILTER PASS);
- ``own``: genaug's own candidates it calls (GENAUG_SOURCE discover or both,
  FILTER PASS); empty when the scored VCF holds only a caller's records;
- ``union``: ``caller_filtered`` and ``own`` together.

Matching is ``loci.matches_truth``, the rule the encoder labels training
positives with (same type, and reciprocal overlap >= 0.5 or both
breakpoints within 500 bp; insertions are points, so the breakpoint rule
decides): training labels and evaluation agree. A truth SV is recalled when
a call of the set matches it; a call is a true positive when it matches a
truth SV (two calls of one SV both count, as a caller's duplicate would in
its own precision). Strata: all, SV type, size band (``strata.BANDS``; a
truth SV's band for recall, a call's own band for precision). Only DEL,
DUP, INV and INS records count; the truth's non-PASS and 0/0 records are
not truth (``truth.read_truth``'s defaults are not applied here: every SV
record of the truth VCF is truth unless its FILTER fails).
"""

import numpy as np
import pandas as pd
import pysam

from .detect.strata import BANDS, SV_TYPES, size_band
from .encode import checks, loci
from .errors import InputError

SOURCE_INFO = "GENAUG_SOURCE"
GENAUG_FILTERS = {"PASS", "GENAUG_LOW", "GENAUG_NOT_SCORED"}
CALLSETS = ("caller", "caller_filtered", "own", "union")
COLUMNS = ["callset", "by", "stratum", "n_truth", "n_calls", "tp_calls", "tp_truth", "precision", "recall", "f1"]


def read_sv_records(path, with_source=False):
    """DEL/DUP/INV/INS records of a VCF: contig, start, end, svtype, size, filters (a frozenset) and,
    ``with_source``, source (INFO/GENAUG_SOURCE, 'caller' when absent). Impossible spans are skipped."""
    rows = []
    try:
        vcf = pysam.VariantFile(str(path))
    except (OSError, ValueError) as e:
        raise InputError(path, f"cannot be read as VCF/BCF ({e})") from None
    has_source = SOURCE_INFO in vcf.header.info
    with vcf:
        for rec in loci._records(vcf, path):
            t = loci._svtype(rec)
            if t not in SV_TYPES:
                continue
            svlen = loci._svlen(rec)
            end, problem = checks.sv_span(rec, t, svlen)
            if problem:
                continue
            size = abs(int(svlen)) if svlen is not None else end - rec.pos
            if t == "INS" and svlen is None and rec.alts and not rec.alts[0].startswith("<"):
                size = len(rec.alts[0]) - len(rec.ref)
            src = str(rec.info.get(SOURCE_INFO, "caller")) if has_source else "caller"
            rows.append((rec.contig, rec.pos, end, t, size, frozenset(rec.filter.keys()), src))
    df = pd.DataFrame(rows, columns=["contig", "start", "end", "svtype", "size", "filters", "source"])
    return df if with_source else df.drop(columns="source")


def truth_records(path):
    """Truth SVs: every DEL/DUP/INV/INS record whose FILTER is PASS or '.'."""
    t = read_sv_records(path)
    return t[t.filters.map(lambda f: f <= {"PASS"})].reset_index(drop=True)


def callsets(scored):
    """{name: records} of the four call sets (module docstring) from ``read_sv_records(..., with_source=True)``."""
    own_filters = scored.filters.map(lambda f: not (f - GENAUG_FILTERS))
    passed = scored.filters.map(lambda f: f == {"PASS"})
    is_caller = scored.source.isin(["caller", "both"])
    is_own = scored.source.isin(["discover", "both"])
    sets = {"caller": scored[is_caller & own_filters], "caller_filtered": scored[is_caller & passed],
            "own": scored[is_own & passed]}
    sets["union"] = scored[(is_caller | is_own) & passed]
    return {k: v.reset_index(drop=True) for k, v in sets.items()}


def _matches(a, b):
    """Per row of ``a``: whether it matches some row of ``b`` (loci.matches_truth, symmetric here)."""
    by_key = {k: g for k, g in b.groupby(["contig", "svtype"])}
    out = np.zeros(len(a), bool)
    for i, r in enumerate(a.itertuples(index=False)):
        g = by_key.get((r.contig, r.svtype))
        out[i] = g is not None and loci.matches_truth(r, g)
    return out


def _row(name, by, stratum, truth_hit, call_hit):
    n_truth, n_calls = len(truth_hit), len(call_hit)
    tp_truth, tp_calls = int(truth_hit.sum()), int(call_hit.sum())
    p = tp_calls / n_calls if n_calls else float("nan")
    r = tp_truth / n_truth if n_truth else float("nan")
    f1 = 2 * p * r / (p + r) if n_calls and n_truth and p + r > 0 else (0.0 if n_truth else float("nan"))
    return [name, by, stratum, n_truth, n_calls, tp_calls, tp_truth, p, r, f1]


def evaluate_callsets(scored_vcf, truth_vcf):
    """The table of ``COLUMNS``: one row per call set and stratum (all, svtype, size)."""
    truth = truth_records(truth_vcf)
    if not len(truth):
        raise InputError(truth_vcf, "holds no PASS DEL, DUP, INV or INS record to evaluate against")
    scored = read_sv_records(scored_vcf, with_source=True)
    truth["band"] = size_band(truth["size"])
    rows = []
    for name, calls in callsets(scored).items():
        calls = calls.assign(band=size_band(calls["size"]))
        t_hit, c_hit = _matches(truth, calls), _matches(calls, truth)
        rows.append(_row(name, "all", "all", t_hit, c_hit))
        for t in SV_TYPES:
            rows.append(_row(name, "svtype", t, t_hit[truth.svtype == t], c_hit[calls.svtype == t]))
        for _, _, band in BANDS:
            tb, cb = (truth.band == band).to_numpy(), (calls.band == band).to_numpy()
            if tb.any() or cb.any():
                rows.append(_row(name, "size", band, t_hit[tb], c_hit[cb]))
    return pd.DataFrame(rows, columns=COLUMNS)
