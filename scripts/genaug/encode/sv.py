"""The ``sv`` encoder: BAM/CRAM + truth VCF -> ``encoded.npz`` + ``samples.tsv``.

Order of work: check every input (fast, one-line errors), build the candidate
loci, estimate the library's insert-size range, then stack reads chunk by chunk
(in ``threads`` processes) and stream the tensors to disk. Outputs are written
under temporary names and renamed only when complete.
"""

import logging
import time
from dataclasses import dataclass
from multiprocessing import shared_memory

import numpy as np
import pandas as pd
import pysam

from .. import tensors
from ..errors import InputError, refuse_unknown
from ..outputs import replacing
from . import channels as ch
from . import checks, evidence, loci
from . import regions as regions_mod
from .pileup import StackSettings, breakpoint_windows, flag_mask, stack_items
from .truth import TruthSettings, read_truth

log = logging.getLogger(__name__)

CLASSES = ("non_variant", "variant")


@dataclass(frozen=True)
class SvSettings:
    window: int = 256
    max_rows: int = 64
    min_mapq: int = 0
    read_filters: tuple = ("unmapped", "secondary", "qcfail", "duplicate")
    negatives_per_positive: float = 10.0
    random_negatives: bool = True   # sampled negatives; off: only candidates that match no truth SV
    negative_margin: int = 512
    contig_rename: str = "none"
    group_block: int = 20_000
    insert_size: tuple | None = None            # (min, max); None: estimate from the BAM
    insert_size_quantiles: tuple = (0.005, 0.995)
    insert_size_sample: int = 100_000
    chunk_items: int = 64
    merge_gap: int = 5000
    max_empty_windows: float = 0.5   # this share of windows without a read stops the encoder
    warn_empty_windows: float = 0.05  # and this share is a warning

    def stack_settings(self, insert_range):
        return StackSettings(window=self.window, max_rows=self.max_rows, min_mapq=self.min_mapq,
                             exclude_flags=flag_mask(self.read_filters),
                             insert_min=int(insert_range[0]), insert_max=int(insert_range[1]),
                             merge_gap=self.merge_gap)

    @classmethod
    def from_config(cls, cfg):
        cfg = dict(cfg or {})
        refuse_unknown(cfg, cls.__dataclass_fields__, "encode.sv")
        for k in ("read_filters", "insert_size", "insert_size_quantiles"):
            if cfg.get(k) is not None:
                cfg[k] = tuple(cfg[k])
        return cls(**cfg)


# proper pair set; secondary, QC-fail, duplicate and supplementary clear
_PROPER_ONLY = pysam.FPROPER_PAIR | pysam.FSECONDARY | pysam.FQCFAIL | pysam.FDUP | pysam.FSUPPLEMENTARY


def proper_insert_sizes(bam, limit):
    """Insert sizes of the first ``limit`` proper pairs (MAPQ >= 20) from the start of the BAM, wherever
    earlier fetches left the handle (contig by contig through the index: a CRAM cannot seek back)."""
    sizes = []
    for contig in bam.references:
        for r in bam.fetch(contig):
            if (r.flag & _PROPER_ONLY) == pysam.FPROPER_PAIR and r.template_length > 0 and r.mapping_quality >= 20:
                sizes.append(r.template_length)
                if len(sizes) >= limit:
                    return sizes
    return sizes


def estimate_insert_range(bam, settings, path="BAM"):
    """Library insert-size range from proper pairs at the start of the BAM (quantiles)."""
    if settings.insert_size is not None:
        return tuple(settings.insert_size)
    sizes = proper_insert_sizes(bam, settings.insert_size_sample)
    if len(sizes) < 100:
        log.warning("%s: only %d proper pairs to estimate the insert size; insert-size anomalies "
                    "are not marked (set encode.sv.insert_size to [min, max])", path, len(sizes))
        return (0, 1 << 30)
    lo, hi = np.quantile(sizes, settings.insert_size_quantiles)
    log.info("insert size from %d proper pairs: median %d, normal range %d-%d",
             len(sizes), int(np.median(sizes)), int(lo), int(hi))
    return (int(lo), int(hi))


def candidate_loci(truth_path, candidates_path, contig_lengths, settings, seed, fasta=None,
                   truth_settings=TruthSettings(), regions=None, exclude=None, discovered=False):
    """All items, sorted by (contig, start, end): truth positives, sampled and caller negatives.

    With ``discovered`` (``candidates_path`` is genaug's candidates VCF, ``discover.py``) the
    items are the candidates instead: see ``_candidate_items``.

    ``regions`` (confident regions): every item's two windows lie inside it.
    ``exclude``: no negative's windows or span touch it. ``called`` says
    whether the caller's VCF (``candidates``) has the item: 1 for a positive a
    call matches and for every caller negative, 0 otherwise (empty without one).
    """
    truth, avoid = read_truth(truth_path, settings.contig_rename, contig_lengths, truth_settings)
    if truth.empty:
        raise InputError(truth_path, "holds no usable SV (DEL, DUP, INV or INS records with SVTYPE or a "
                         "symbolic ALT, an accepted FILTER and an ALT genotype); nothing to learn from")
    w = settings.window
    if regions is not None:
        inside = regions_mod.loci_mask(truth.contig, truth.start, truth.end, w, regions)
        if (~inside).any():
            log.warning("%s: %d of %d truth SVs have a breakpoint window outside the confident regions %s; "
                        "they are not items", truth_path, int((~inside).sum()), len(truth), regions.path)
        truth = truth[inside].reset_index(drop=True)
        if truth.empty:
            raise InputError(truth_path, f"no truth SV lies inside the confident regions {regions.path}")
    else:
        log.warning("no confident regions BED (the dataset's `regions`): negatives are drawn anywhere on the "
                    "truth's contigs and may fall on SVs the truth does not label")
    truth["source"] = "truth"
    log.info("truth: %d SVs (%s)", len(truth),
             ", ".join(f"{t} {n}" for t, n in truth.svtype.value_counts().sort_index().items()))
    rng = np.random.default_rng(seed)
    neg_settings = loci.NegativeSettings(per_positive=settings.negatives_per_positive,
                                         margin=settings.negative_margin)

    def allowed(contigs, starts, ends):
        return regions_mod.loci_mask(contigs, starts, ends, w, regions, exclude)

    use_mask = regions is not None or exclude is not None
    if discovered:
        parts = _candidate_items(truth, avoid, candidates_path, contig_lengths, settings, allowed if use_mask else None)
        if settings.random_negatives:
            sampled = loci.sample_negatives(truth, contig_lengths, w, neg_settings, rng, fasta,
                                            block=settings.group_block, avoid=avoid,
                                            allowed=allowed if use_mask else None)
            sampled["source"] = "sampled"
            sampled["label"] = CLASSES[0]
            if "called" in parts[0]:
                sampled["called"] = 0
            parts.append(sampled)
        return _sorted_items(parts, contig_lengths, candidates_path, settings)
    if settings.random_negatives:
        sampled = loci.sample_negatives(truth, contig_lengths, w, neg_settings, rng, fasta,
                                        block=settings.group_block, avoid=avoid, allowed=allowed if use_mask else None)
    else:
        sampled = pd.DataFrame(columns=loci.COLUMNS)
    sampled["source"] = "sampled"
    parts = [truth, sampled]
    if candidates_path:
        calls = loci.read_sv_vcf(candidates_path, settings.contig_rename, contig_lengths)
        truth["called"] = [int(loci.matches_truth(t, calls)) for t in truth.itertuples(index=False)]
        log.info("caller %s: %d calls, %d of %d truth SVs matched by one (caller recall %.3f)", candidates_path,
                 len(calls), truth.called.sum(), len(truth), truth.called.mean())
        hard = loci.hard_negatives(calls, truth, w, settings.negative_margin, avoid=avoid)[loci.COLUMNS]
        if use_mask and len(hard):
            keep = allowed(hard.contig, hard.start, hard.end)
            if (~keep).any():
                log.info("candidate calls: %d hard negatives outside the confident regions or inside "
                         "excluded ones were dropped", int((~keep).sum()))
            hard = hard[keep]
        hard["source"] = "caller"
        hard["called"] = 1
        sampled["called"] = 0
        parts.append(hard)
    for p in parts:
        p["label"] = CLASSES[1] if p is truth else CLASSES[0]
    return _sorted_items(parts, contig_lengths, candidates_path or truth_path, settings)


def _sorted_items(parts, contig_lengths, path, settings):
    items = pd.concat([p for p in parts if len(p)], ignore_index=True)
    if not settings.random_negatives and not (items.label == CLASSES[0]).any():
        raise InputError(path, "gives no negative item (no candidate matches nothing away from the truth SVs) "
                               "and random negatives are off: set encode.sv.random_negatives: true")
    order = list(contig_lengths)
    items["_c"] = items.contig.map(order.index)
    items = items.sort_values(["_c", "start", "end", "source"], kind="stable").drop(columns="_c")
    return items.reset_index(drop=True)


SOURCE_ORDER = {"both": 0, "discover": 1, "caller": 2}  # which candidate locus a found truth SV takes


def _candidate_items(truth, avoid, path, contig_lengths, settings, allowed=None):
    """Items from a candidates VCF: [positives, hard negatives].

    Positives: each truth SV at the locus of the candidate that matches it
    (``loci.matches_truth``; of several, a ``both`` before a ``discover``
    before a ``caller`` record), typed and sized as the truth says; a truth SV
    no candidate matches stays a positive at its own breakpoints (source
    ``truth``). Hard negatives: candidates matching no truth SV, except those
    lying near one (ambiguous, ``loci.hard_negatives``) or outside ``allowed``.
    Other candidates of an SV already found are dropped. ``called`` (a caller
    record has it) is added when the VCF holds caller records.
    """
    from .discover import read_candidates

    cands = read_candidates(path, contig_lengths)
    has_caller = cands.source.isin(["caller", "both"]).any()
    hit = np.array([loci.match_index(c, truth) for c in cands.itertuples(index=False)], dtype=object)
    matched = np.array([h is not None for h in hit], bool)
    best, duplicates = {}, 0
    for i in np.flatnonzero(matched):
        k = hit[i]
        if k in best:
            duplicates += 1
            if SOURCE_ORDER[cands.source[i]] >= SOURCE_ORDER[cands.source[best[k]]]:
                continue
        best[k] = i
    pos = truth.copy()
    pos["source"] = "truth"
    for k, i in best.items():
        pos.loc[k, ["start", "end", "source"]] = [cands.start[i], cands.end[i], cands.source[i]]
    if has_caller:
        caller = cands[cands.source.isin(["caller", "both"])]
        pos["called"] = [int(loci.matches_truth(t, caller)) for t in truth.itertuples(index=False)]
    pos["label"] = CLASSES[1]
    hard = loci.hard_negatives(cands[~matched], truth, settings.window, settings.negative_margin, avoid=avoid)
    outside = 0
    if allowed is not None and len(hard):
        keep = allowed(hard.contig, hard.start, hard.end)
        outside = int((~keep).sum())
        hard = hard[keep]
    hard = hard[loci.COLUMNS + ["source"]].copy()
    if has_caller:
        hard["called"] = hard.source.isin(["caller", "both"]).astype(int)
    hard["label"] = CLASSES[0]
    log.info("%s: %d candidates; %d match a truth SV (%d of %d truth SVs found: positives at the candidate's "
             "breakpoints; %d further candidates of a found SV dropped), %d truth SVs no candidate found "
             "(positives at the truth's breakpoints), %d hard negatives%s", path, len(cands), int(matched.sum()),
             len(best), len(truth), duplicates, len(truth) - len(best), len(hard),
             f" ({outside} outside the confident regions or inside excluded ones dropped)" if outside else "")
    return [pos, hard]


def _open(bam_path, reference):
    bam = checks.open_alignments(bam_path, reference)
    fasta = checks.open_reference(reference)
    return bam, fasta


# worker state: one BAM/FASTA handle per process and the output buffers it fills
_STATE = {}


def _init_worker(bam_path, reference, tid_names, stack_settings, slot_names=(), chunk_items=0):
    bam, fasta = _open(bam_path, reference)
    shape = (chunk_items,) + stack_settings.item_shape
    slots = [shared_memory.SharedMemory(name=name) for name in slot_names]
    _STATE.update(bam=bam, fasta=fasta, tid_names=tid_names, settings=stack_settings, slots=slots,
                  views=[np.ndarray(shape, np.uint8, buffer=m.buf) for m in slots])


def _stack_into_slot(args):
    """Stack one chunk into shared slot ``slot``; only the depths go back through the pipe."""
    (tid, left, right), slot = args
    st = _STATE
    _, depth = stack_items(st["bam"], st["fasta"], st["tid_names"], tid, left, right, st["settings"],
                           out=st["views"][slot])
    return depth


def stack_to_writer(writer, bam_path, reference, tid_names, item_tid, left, right, stack_settings,
                    threads=1, chunk_items=64, progress_every=10.0):
    """Stack all items chunk by chunk, in order, into ``writer``; returns depth (n, 2).

    With ``threads`` > 1, worker processes stack chunks into shared-memory
    slots (two per process) that the main process writes out in order: memory
    is bounded by the slots, and tensors never go through a pipe.
    """
    try:
        return _stack_to_writer(writer, bam_path, reference, tid_names, item_tid, left, right, stack_settings,
                                threads, chunk_items, progress_every)
    except OSError as e:  # htslib: a damaged file or an index of another file, found mid-way
        raise evidence.fetch_error(bam_path, e, "a window") from None


def _stack_to_writer(writer, bam_path, reference, tid_names, item_tid, left, right, stack_settings,
                     threads, chunk_items, progress_every):
    n = len(item_tid)
    chunks = [(item_tid[i:i + chunk_items], left[i:i + chunk_items], right[i:i + chunk_items])
              for i in range(0, n, chunk_items)]
    depth = np.zeros((n, 2), np.int64)
    t0 = last = time.monotonic()
    done = 0

    def take(i, X, d):
        nonlocal done, last
        writer.write(X[:len(d)])
        depth[i * chunk_items:i * chunk_items + len(d)] = d
        done += len(d)
        now = time.monotonic()
        if now - last >= progress_every or done == n:
            rate = done / max(now - t0, 1e-9)
            log.info("stacked %d/%d items (%.0f items/s, ETA %.0f s)", done, n, rate, (n - done) / max(rate, 1e-9))
            last = now

    shape = (chunk_items,) + stack_settings.item_shape
    if threads <= 1 or len(chunks) <= 1:
        bam, fasta = _open(bam_path, reference)
        buf = np.zeros(shape, np.uint8)  # reused: fresh pages are slow to touch
        with checks.handles(bam, fasta):
            for i, (tid, lft, rgt) in enumerate(chunks):
                X, d = stack_items(bam, fasta, tid_names, tid, lft, rgt, stack_settings, out=buf)
                take(i, X, d)
        return depth

    import multiprocessing as mp
    n_slots = min(2 * threads, len(chunks))
    slots = [shared_memory.SharedMemory(create=True, size=int(np.prod(shape))) for _ in range(n_slots)]
    try:
        views = [np.ndarray(shape, np.uint8, buffer=m.buf) for m in slots]
        with mp.get_context("fork").Pool(threads, initializer=_init_worker,
                                         initargs=(bam_path, reference, tid_names, stack_settings,
                                                   [m.name for m in slots], chunk_items)) as pool:
            pending = {}
            for i in range(len(chunks)):
                # a slot is handed out again only after its chunk was written
                for j in range(len(pending) + i, min(i + n_slots, len(chunks))):
                    pending[j] = pool.apply_async(_stack_into_slot, ((chunks[j], j % n_slots),))
                take(i, views[i % n_slots], pending.pop(i).get())
            del views
    finally:
        for m in slots:
            m.close()
            m.unlink()
    return depth


@dataclass
class SvPlan:
    """Everything stacking needs, decided before any read is stacked."""

    items: pd.DataFrame        # one row per item (samples.tsv without depths)
    tid_names: list            # contigs shared by BAM and reference, BAM order
    item_tid: np.ndarray       # index into tid_names per item
    left: np.ndarray           # 0-based start of each item's left window
    right: np.ndarray          # and of its right window
    stack: StackSettings       # with the library's insert-size range


def plan_sv(bam_path, reference, truth, candidates=None, settings=SvSettings(), seed=1,
            truth_settings=TruthSettings(), regions=None, exclude=None, discovered=False):
    """Check every input, build the candidate loci and their groups, estimate the
    insert-size range: the fast part of encoding, where bad input is caught.
    ``regions`` and ``exclude`` are BED paths (or None)."""
    for p in (truth, candidates):
        if p:
            checks.check_vcf(p)
    bam, fasta = _open(bam_path, reference)
    with checks.handles(bam, fasta):
        contig_lengths = checks.shared_contigs(bam, fasta, bam_path, reference)
        beds = [regions_mod.read_bed(p, settings.contig_rename, contig_lengths, what) if p else None
                for p, what in ((regions, "confident regions"), (exclude, "excluded from negatives"))]
        items = candidate_loci(truth, candidates, contig_lengths, settings, seed, fasta, truth_settings, *beds,
                               discovered=discovered)
        tid_names = list(contig_lengths)
        item_tid = items.contig.map(tid_names.index).to_numpy(np.int64)
        left, right = breakpoint_windows(items.start.to_numpy(), items.end.to_numpy(), settings.window)
        stack = settings.stack_settings((0, 1 << 30))
        evidence.probe(bam, bam_path, tid_names, item_tid, left, right, stack)
        insert_range = estimate_insert_range(bam, settings, bam_path)
    items["group"] = loci.region_groups(items.contig.to_numpy(), left, right, settings.window, settings.group_block)
    items.insert(0, "id", [f"{s}:{t}:{c}:{a}-{b}" for s, t, c, a, b in
                           zip(items.source, items.svtype, items.contig, items.start, items.end)])
    neg = items.label == CLASSES[0]
    log.info("%d items: %d variant, %d non-variant (%d sampled, %d from the caller, %d from discovery); %d groups",
             len(items), (~neg).sum(), neg.sum(), (neg & (items.source == "sampled")).sum(),
             (neg & items.source.isin(["caller", "both"])).sum(), (neg & (items.source == "discover")).sum(),
             items.group.nunique())
    return SvPlan(items, tid_names, item_tid, left, right, settings.stack_settings(insert_range))


def check_evidence(depth, plan, bam_path, reference, settings):
    """The share of empty windows, counted while stacking: an error at ``max_empty_windows``
    (with what removed the reads, probed on the empty items), a warning at ``warn_empty_windows``."""

    def diagnose(which):
        bam, fasta = _open(bam_path, reference)
        with checks.handles(bam, fasta):
            return evidence.explain(bam, bam_path, plan.tid_names, plan.item_tid, plan.left, plan.right,
                                    plan.stack, which=which)[1]

    return evidence.check_depth(depth, bam_path, settings.max_empty_windows, settings.warn_empty_windows, diagnose)


def encode_sv(bam_path, reference, truth, out_npz, out_tsv, candidates=None,
              settings=SvSettings(), seed=1, threads=1, truth_settings=TruthSettings(), regions=None, exclude=None,
              discovered=False):
    """Encode a BAM/CRAM at truth and candidate loci into the tensor contract; with ``discovered``,
    ``candidates`` is genaug's candidates VCF and its candidates are the items (``_candidate_items``)."""
    plan = plan_sv(bam_path, reference, truth, candidates, settings, seed, truth_settings, regions, exclude,
                   discovered)
    items = plan.items
    with replacing(out_tsv) as tmp_tsv:
        with tensors.EncodedWriter(out_npz, plan.stack.item_shape, len(items)) as writer:
            depth = stack_to_writer(writer, str(bam_path), str(reference), plan.tid_names, plan.item_tid,
                                    plan.left, plan.right, plan.stack, threads, settings.chunk_items)
            items["depth_left"], items["depth_right"] = depth[:, 0], depth[:, 1]
            check_evidence(depth, plan, bam_path, reference, settings)
            items.to_csv(tmp_tsv, sep="\t", index=False)
            y = (items.label == CLASSES[1]).to_numpy(np.int64)
            writer.close(y, items.group.to_numpy(str), CLASSES, "image", ch.CHANNELS)
    return items
