"""Coverage of an ``sv`` dataset's BAM: library statistics, and the train split at lower coverage.

``library_stats``: the BAM's median depth (reads covering seeded random
positions of the shared contigs, after the encoder's read filters), the
median insert size of its proper pairs and the normal insert range, stored
beside the dataset (``library.json``) so that scoring another BAM can say
when it is unlike the training one (``library_shift``).

``encode_downsampled``: the train split's items stacked again from the same
BAM with only a share of the read pairs kept (each pair by a seeded hash of
its name, like ``samtools view -s``; ``pileup.kept_by_name``), once per
fraction: extra training items at lower coverage, with the labels of the
items they come from. Only train items are re-encoded, so validation and
test stay the BAM as it is.
"""

import dataclasses
import json
import logging

import numpy as np
import pandas as pd

from .. import tensors
from ..outputs import replacing
from . import channels as ch
from . import checks
from .pileup import breakpoint_windows
from .sv import CLASSES, estimate_insert_range, proper_insert_sizes, stack_to_writer

log = logging.getLogger(__name__)


def library_stats(bam_path, reference, settings, seed=1, n_positions=400, n_pairs=20000):
    """{median_depth, insert_median, insert_range, positions} of ``bam_path`` (see the module)."""
    bam, fasta = checks.open_alignments(bam_path, reference), checks.open_reference(reference)
    with checks.handles(bam, fasta):
        lengths = checks.shared_contigs(bam, fasta, bam_path, reference)
        names, sizes = list(lengths), np.array(list(lengths.values()), np.int64)
        rng = np.random.default_rng(seed)
        which = rng.choice(len(names), n_positions, p=sizes / sizes.sum())
        pos = (rng.random(n_positions) * sizes[which]).astype(np.int64)
        stack = settings.stack_settings((0, 1 << 30))
        depth = []
        for c, p in zip(which, pos):
            n = 0
            for r in bam.fetch(names[c], int(p), int(p) + 1):
                if not (r.flag & stack.exclude_flags) and r.mapping_quality >= stack.min_mapq \
                        and r.reference_start <= p < (r.reference_end or 0):
                    n += 1
            depth.append(n)
        sizes_ins = proper_insert_sizes(bam, n_pairs)
    if settings.insert_size is not None:
        insert_range = tuple(settings.insert_size)
    elif len(sizes_ins) >= 100:
        insert_range = tuple(int(q) for q in np.quantile(sizes_ins, settings.insert_size_quantiles))
    else:
        insert_range = (0, 1 << 30)
    return {"bam": str(bam_path), "median_depth": float(np.median(depth)), "positions": n_positions,
            "insert_median": float(np.median(sizes_ins)) if sizes_ins else None,
            "insert_range": [int(insert_range[0]), int(insert_range[1])]}


def write_library_stats(stats, path):
    with replacing(path) as tmp, open(tmp, "w") as fh:
        json.dump(stats, fh, indent=2)


def library_shift(train, new, factor):
    """Lines saying how the scored BAM's library (``new``) differs from the training one (``train``) by
    more than ``factor`` (a ratio, either way) in median depth or median insert size; [] when it does not."""
    out = []
    for key, what in (("median_depth", "median depth"), ("insert_median", "median insert size")):
        a, b = train.get(key), new.get(key)
        if not a or not b:
            continue
        ratio = max(a, b) / min(a, b)
        if ratio > factor:
            out.append(f"{what} {b:g} vs {a:g} in the training BAM {train.get('bam')} ({ratio:.2f}x apart, "
                       f"more than {factor:g}x)")
    return out


def encode_downsampled(bam_path, reference, samples_tsv, rows, out_npz, fractions, settings, seed=1,
                       threads=1):
    """The items of ``samples_tsv`` at rows ``rows`` stacked once per fraction in ``fractions`` with
    that share of read pairs kept (seed ``seed``); writes ``out_npz`` (the tensor contract, plus
    ``source_row``: the encoded row each item comes from, and ``fraction``). Returns the item count."""
    items = pd.read_csv(samples_tsv, sep="\t", dtype={"contig": str}).iloc[np.asarray(rows, np.int64)]
    fractions = [float(f) for f in fractions]
    bam = checks.open_alignments(bam_path, reference)
    fasta = checks.open_reference(reference)
    with checks.handles(bam, fasta):
        tid_names = list(checks.shared_contigs(bam, fasta, bam_path, reference))
        insert_range = estimate_insert_range(bam, settings, bam_path)
    tid = items.contig.map(tid_names.index).to_numpy(np.int64)
    left, right = breakpoint_windows(items.start.to_numpy(), items.end.to_numpy(), settings.window)
    base = settings.stack_settings(insert_range)
    n = len(items) * len(fractions)
    y = np.tile((items.label == CLASSES[1]).to_numpy(np.int64), len(fractions))
    with tensors.EncodedWriter(out_npz, base.item_shape, n) as writer:
        for f in fractions:
            stack = dataclasses.replace(base, keep_fraction=f, keep_seed=int(seed))
            depth = stack_to_writer(writer, str(bam_path), str(reference), tid_names, tid, left, right, stack,
                                    threads, settings.chunk_items)
            log.info("fraction %g: %d items re-stacked, median reads per window %g (all reads: see "
                     "samples.tsv)", f, len(items), float(np.median(depth)) if len(depth) else 0.0)
        writer.close(y, np.tile(items.group.to_numpy(str), len(fractions)), CLASSES, "image", ch.CHANNELS,
                     extra={"source_row": np.tile(np.asarray(rows, np.int64), len(fractions)),
                            "fraction": np.repeat(np.array(fractions, np.float64), len(items))})
    return n


def downsampled_rows(path, rows):
    """Positions in the downsampled file ``path`` of the copies of encoded rows ``rows`` (every fraction)."""
    with np.load(path, allow_pickle=False) as z:
        return np.flatnonzero(np.isin(z["source_row"], np.asarray(rows, np.int64)))
