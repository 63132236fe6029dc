"""Scoring a new sample: a trained detector applied to a caller's candidate VCF.

Every record of the candidate VCF is written back, in input order, with:

- ``INFO/GENAUG_P``: the detector's probability of the rare class, written to
  6 decimals, for each record it can score (DEL, DUP, INV, INS, typed as the
  ``sv`` encoder types them: ``loci.read_sv_vcf``);
- ``FILTER``: ``PASS`` when GENAUG_P is at or above the detector's threshold
  and the record had no failing filter of its own; ``GENAUG_LOW`` added below
  the threshold; ``GENAUG_NOT_SCORED`` added to records the detector cannot
  score (breakends, CNVs, sequence-resolved indels under 50 bp, records
  without a type, and records whose span is impossible: END before POS, zero
  length, SVLEN disagreeing with END, no END; their svtype in the TSV says
  why). The caller's own failing filters are kept, so a record
  that failed before never becomes PASS. The comparison is made on the
  values as written (score and threshold both rounded to 6 decimals), so a
  reader of the VCF gets the same answer.

Items are stacked exactly as the encoder stacks positives (same breakpoint
windows, same ``StackSettings``, same ``stack_to_writer``), and scored chunk
by chunk as they are stacked (the pileups are never all in memory at once).
Every input is checked before any read is stacked; outputs are written through
``outputs.replacing`` (``.partial`` names, renamed at the end).
"""

import logging
import os
import time
from collections import Counter

import numpy as np
import pandas as pd
import pysam

from .detect import load_detectors
from .encode import channels as ch
from .encode import checks, evidence, loci
from .encode.pileup import breakpoint_windows
from .encode.sv import SvSettings, estimate_insert_range, stack_to_writer
from .errors import InputError, some_names
from .outputs import replacing

log = logging.getLogger(__name__)

SCORE_INFO, LOW, NOT_SCORED = "GENAUG_P", "GENAUG_LOW", "GENAUG_NOT_SCORED"
DECIMALS = 6
TSV_COLUMNS = ["id", "chrom", "pos", "end", "svtype", "score", "filter"]


class _ScoringWriter:
    """Takes the stacked chunks from ``stack_to_writer`` and keeps only their scores."""

    def __init__(self, detector, threads):
        self.detector, self.threads, self.parts = detector, threads, []

    def write(self, X):
        self.parts.append(self.detector.score(X, self.threads))

    def scores(self):
        return np.concatenate(self.parts) if self.parts else np.zeros(0)


def _records(path, rename, contig_lengths, rename_key):
    """One pass over the VCF: each record's (contig, pos, id, type, scorable), with the
    contig, order and bounds checks that must hold before anything is stacked."""
    rows, seen, last = [], set(), None
    try:
        vcf = pysam.VariantFile(str(path))
    except (OSError, ValueError) as e:
        raise InputError(path, f"cannot be read as VCF/BCF ({e})") from None
    with vcf:
        if SCORE_INFO in vcf.header.info:
            raise InputError(path, f"already holds INFO/{SCORE_INFO} (a genaug-scored VCF); "
                                   "score the caller's original VCF")
        for rec in loci._records(vcf, path):
            contig = loci.rename_contig(rec.contig, rename)
            where = f"record {rec.id or '.'} at {rec.contig}:{rec.pos}"
            if contig not in contig_lengths:
                raise InputError(path, f"{where} is on contig '{contig}', which the BAM/reference lack "
                                       f"(they have {some_names(contig_lengths)}); set {rename_key} to add_chr "
                                       "or strip_chr if only the 'chr' prefix differs")
            if rec.pos > contig_lengths[contig]:
                raise InputError(path, f"{where} lies beyond the end of contig '{contig}' "
                                       f"(length {contig_lengths[contig]}): not the BAM's assembly")
            if last is not None and (rec.contig != last[0] and rec.contig in seen
                                     or rec.contig == last[0] and rec.pos < last[1]):
                raise InputError(path, f"is not sorted: {where} comes after {last[0]}:{last[1]}; "
                                       "sort it (bcftools sort) so that the scored VCF can be indexed")
            seen.add(rec.contig)
            last = (rec.contig, rec.pos)
            t = loci._svtype(rec)
            problem = checks.sv_span(rec, t, loci._svlen(rec))[1] if t in loci.SV_TYPES else None
            label = f"{t}, {problem}" if problem else t or "no SVTYPE"  # impossible spans are not scored
            rows.append((rec.id or ".", rec.contig, rec.pos, label, t in loci.SV_TYPES and not problem))
    return pd.DataFrame(rows, columns=["id", "chrom", "pos", "svtype", "scorable"])


def model_label(model):
    """A model path as written in the VCF header and the log; replicate paths as 'mean of a b c'."""
    return str(model) if isinstance(model, (str, os.PathLike)) else "mean of " + " ".join(map(str, model))


def plan_scoring(model, bam_path, reference, candidates, settings=SvSettings(), rename_key="contig_rename"):
    """Every check, before any read is stacked. Returns (detector, records, items, stack settings,
    contig names): ``records`` has one row per VCF record; ``items`` one row per scorable record
    (its row in ``records`` in ``record``, its contig's index in ``tid``), sorted by locus."""
    detector = load_detectors(model)  # several replicate models: the mean of their calibrated probabilities
    item_shape = settings.stack_settings((0, 0)).item_shape
    detector.check((0,) + item_shape, ch.CHANNELS, model_label(model))
    checks.check_vcf(candidates)
    bam = checks.open_alignments(bam_path, reference)
    fasta = checks.open_reference(reference)
    with checks.handles(bam, fasta):
        contig_lengths = checks.shared_contigs(bam, fasta, bam_path, reference)
        records = _records(candidates, settings.contig_rename, contig_lengths, rename_key)
        # the encoder's loci, one per scorable record and in VCF order: both passes type records
        # with loci._svtype, so the n-th locus belongs to the n-th scorable record
        svs = loci.read_sv_vcf(candidates, settings.contig_rename, contig_lengths)
        if len(svs) != int(records.scorable.sum()):
            raise RuntimeError(f"{candidates}: {len(svs)} SV loci for {int(records.scorable.sum())} SV records")
        if len(svs):  # no read near any candidate, or every one filtered out: stop before stacking
            left, right = breakpoint_windows(svs.start.to_numpy(), svs.end.to_numpy(), settings.window)
            evidence.probe(bam, bam_path, list(contig_lengths), svs.contig.map(list(contig_lengths).index).to_numpy(),
                           left, right, settings.stack_settings((0, 1 << 30)))
        insert_range = estimate_insert_range(bam, settings, bam_path) if len(svs) else (0, 1 << 30)
    svs["record"] = np.flatnonzero(records.scorable.to_numpy())
    tid_names = list(contig_lengths)
    svs["tid"] = svs.contig.map(tid_names.index)
    items = svs.sort_values(["tid", "start", "end", "record"], kind="stable").reset_index(drop=True)
    records["end"] = records.pos
    records.loc[items.record, "end"] = items.end.to_numpy()
    return detector, records, items, settings.stack_settings(insert_range), tid_names


def _header(vcf_header, detector, model, threshold):
    h = vcf_header.copy()
    positive = detector.classes[detector.positive]
    h.info.add(SCORE_INFO, 1, "Float", f"Probability of class '{positive}' from the genaug detector "
                                       f"(strategy {detector.strategy}, {model}), to {DECIMALS} decimals")
    h.filters.add(LOW, None, None, f"{SCORE_INFO} below the genaug detector's threshold {threshold} "
                                   "(chosen on validation data)")
    h.filters.add(NOT_SCORED, None, None, "Not scored by the genaug detector: not a DEL, DUP, INV or INS "
                                          f"(breakend, CNV, indel under {loci.MIN_SEQUENCE_SV} bp or untyped)")
    h.add_line(f'##genaug_detector=<ID={detector.strategy},Model="{model}",Threshold={threshold},'
               f'Positive={positive},Classes="{",".join(detector.classes)}">')
    return h


def _write_vcf(candidates, tmp, detector, model, threshold, scores, passes):
    """Every input record, in order, with its score and FILTER; returns the FILTER strings."""
    filters = []
    with pysam.VariantFile(str(candidates)) as vcf:
        header = _header(vcf.header, detector, model, threshold)
        with pysam.VariantFile(tmp, "wz", header=header) as out:
            for i, rec in enumerate(vcf):
                rec.translate(header)
                failing = [f for f in rec.filter.keys() if f != "PASS"]
                if np.isnan(scores[i]):
                    rec.filter.add(NOT_SCORED)
                else:
                    rec.info[SCORE_INFO] = float(scores[i])
                    if not passes[i]:
                        rec.filter.add(LOW)
                    elif not failing:
                        rec.filter.add("PASS")
                filters.append(";".join(rec.filter.keys()) or ".")
                out.write(rec)
    return filters


def warn_library_shift(library, bam_path, reference, settings, factor):
    """One warning line when ``bam_path``'s median depth or insert size is more than ``factor`` from the
    training BAM's (``library``: the dataset's library.json)."""
    import json

    from .encode.coverage import library_shift, library_stats
    with open(library) as fh:
        train = json.load(fh)
    shift = library_shift(train, library_stats(bam_path, reference, settings), factor)
    if shift:
        log.warning("%s is unlike the BAM the detector was trained on: %s; its scores may not hold here",
                    bam_path, "; ".join(shift))
    return shift


def score_candidates(model, bam_path, reference, candidates, out_vcf, out_tsv, settings=SvSettings(),
                     threads=1, rename_key="contig_rename", library=None, warn_factor=1.5):
    """Score every record of ``candidates`` in ``bam_path`` with the detector at ``model`` (a path, or the
    paths of replicate detectors, averaged); write ``out_vcf`` (bgzipped, with a tabix index
    ``out_vcf.tbi``) and ``out_tsv``. ``library``: the training BAM's library.json, to warn when this BAM
    differs by more than ``warn_factor``. Returns the TSV table."""
    t0 = time.monotonic()
    detector, records, items, stack, tid_names = plan_scoring(model, bam_path, reference, candidates,
                                                              settings, rename_key)
    if library:
        warn_library_shift(library, bam_path, reference, settings, warn_factor)
    threshold = round(detector.threshold, DECIMALS)
    reasons = Counter(records.svtype[~records.scorable])
    log.info("%s: %d records, %d to score with detector %s (strategy %s, threshold %s)%s", candidates,
             len(records), len(items), model_label(model), detector.strategy, threshold,
             "; not scored: " + ", ".join(f"{t} {n}" for t, n in sorted(reasons.items())) if reasons else "")
    if not len(items):
        log.warning("%s: no DEL, DUP, INV or INS record to score; every record is written with FILTER %s",
                    candidates, NOT_SCORED)
    writer = _ScoringWriter(detector, threads)
    left, right = breakpoint_windows(items.start.to_numpy(), items.end.to_numpy(), settings.window)
    if len(items):
        depth = stack_to_writer(writer, str(bam_path), str(reference), tid_names, items.tid.to_numpy(np.int64),
                                left, right, stack, threads, settings.chunk_items)
        evidence.check_depth(depth, bam_path, settings.max_empty_windows, settings.warn_empty_windows)
    scores = np.full(len(records), np.nan)
    scores[items.record.to_numpy()] = np.round(writer.scores(), DECIMALS)
    passes = scores >= threshold
    scored = records.scorable.to_numpy()
    out_vcf, out_tsv = str(out_vcf), str(out_tsv)
    with replacing(out_tsv, out_vcf + ".tbi", out_vcf) as (tmp_tsv, tmp_tbi, tmp_vcf):
        records["filter"] = _write_vcf(candidates, tmp_vcf, detector, model_label(model), threshold, scores,
                                       passes)
        pysam.tabix_index(tmp_vcf, preset="vcf", force=True, index=tmp_tbi)
        records["score"] = scores
        table = records[TSV_COLUMNS]
        table.to_csv(tmp_tsv, sep="\t", index=False, na_rep="", float_format=f"%.{DECIMALS}f")
    n_pass = int((table["filter"] == "PASS").sum())
    log.info("%d records written: %d PASS, %d %s, %d %s, %d scored but failing the caller's own filters "
             "(%.1f s)", len(table), n_pass, int((~passes & scored).sum()), LOW, len(records) - len(items),
             NOT_SCORED, int(passes.sum()) - n_pass, time.monotonic() - t0)
    return table
