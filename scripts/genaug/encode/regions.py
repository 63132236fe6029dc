"""BED intervals: confident regions (items must lie inside) and excluded regions (negatives stay out).

Intervals are 0-based, half-open, as in BED; overlapping or touching
intervals of a contig are merged when read.
"""

import gzip
import logging

import numpy as np

from ..errors import InputError, some_names
from .loci import rename_contig
from .pileup import breakpoint_windows

log = logging.getLogger(__name__)


class Regions:
    """Merged intervals per contig, queried for many loci at once."""

    def __init__(self, intervals, path="BED"):
        self.path = str(path)
        self._iv = {}
        for contig, pairs in intervals.items():
            pairs = sorted(pairs)
            starts, ends = [], []
            for s, e in pairs:
                if starts and s <= ends[-1]:
                    ends[-1] = max(ends[-1], e)
                else:
                    starts.append(s)
                    ends.append(e)
            self._iv[contig] = (np.array(starts, np.int64), np.array(ends, np.int64))

    @property
    def contigs(self):
        return list(self._iv)

    def total_bp(self):
        return int(sum((e - s).sum() for s, e in self._iv.values()))

    def _query(self, contigs, lo, hi, inside):
        contigs = np.asarray(contigs, dtype=object)
        lo, hi = np.asarray(lo, np.int64), np.asarray(hi, np.int64)
        out = np.zeros(len(lo), bool)
        for c in set(contigs.tolist()):
            sel = np.flatnonzero(contigs == c)
            if c not in self._iv:
                continue
            s, e = self._iv[c]
            if inside:
                # the interval starting at or before lo must reach hi
                k = np.searchsorted(s, lo[sel], side="right") - 1
                out[sel] = (k >= 0) & (e[np.maximum(k, 0)] >= hi[sel])
            else:
                # some interval starts before hi and ends after lo
                k = np.searchsorted(s, hi[sel], side="left") - 1
                out[sel] = (k >= 0) & (e[np.maximum(k, 0)] > lo[sel])
        return out

    def contains(self, contigs, lo, hi):
        """Per locus: [lo, hi) lies inside one interval."""
        return self._query(contigs, lo, hi, inside=True)

    def overlaps(self, contigs, lo, hi):
        """Per locus: [lo, hi) shares at least one base with an interval."""
        return self._query(contigs, lo, hi, inside=False)


def read_bed(path, rename="none", contig_lengths=None, what="regions"):
    """Regions of a BED file (plain or gzipped; track, browser and # lines skipped).

    ``rename`` (contig_rename) is applied to its contig names as to the VCFs'.
    With ``contig_lengths``, a BED none of whose contigs the BAM has is an
    error (a naming mismatch), and intervals on other contigs are counted in the log.
    """
    intervals, skipped = {}, 0
    opener = gzip.open if str(path).endswith((".gz", ".bgz")) else open
    try:
        with opener(path, "rt") as f:
            for n, line in enumerate(f, 1):
                if not line.strip() or line.startswith(("#", "track", "browser")):
                    continue
                parts = line.split("\t") if "\t" in line else line.split()
                try:
                    start, end = int(parts[1]), int(parts[2])
                except (IndexError, ValueError):
                    raise InputError(path, f"line {n} is not BED (chrom, start, end): {line.strip()[:60]!r}") from None
                if start < 0 or end < start:
                    raise InputError(path, f"line {n}: interval {start}-{end} is not a valid BED interval")
                contig = rename_contig(parts[0], rename)
                if contig_lengths is not None and contig not in contig_lengths:
                    skipped += 1
                    continue
                intervals.setdefault(contig, []).append((start, end))
    except (OSError, UnicodeDecodeError, EOFError) as e:
        raise InputError(path, f"cannot be read as a BED file ({e})") from None
    if not intervals:
        hint = (f"; the BAM has {some_names(contig_lengths)}: set encode.sv.contig_rename if only the 'chr' "
                "prefix differs" if contig_lengths else "")
        raise InputError(path, f"holds no interval on a contig of the BAM{hint}")
    if skipped:
        log.info("%s: %d interval(s) on contigs the BAM lacks were ignored", path, skipped)
    out = Regions(intervals, path)
    log.info("%s (%s): %d contig(s), %.1f Mb", path, what, len(out.contigs), out.total_bp() / 1e6)
    return out


def loci_mask(contigs, starts, ends, window, regions=None, exclude=None, span=True):
    """Per locus: both windows inside ``regions`` (when given) and, with ``exclude``, neither
    its windows nor (``span``) the bases between them overlapping an excluded interval."""
    l0, r0 = breakpoint_windows(starts, ends, window)
    l1, r1 = l0 + window, r0 + window
    ok = np.ones(len(l0), bool)
    if regions is not None:
        ok &= regions.contains(contigs, l0, l1) & regions.contains(contigs, r0, r1)
    if exclude is not None:
        if span:
            ok &= ~exclude.overlaps(contigs, np.minimum(l0, r0), np.maximum(l1, r1))
        else:
            ok &= ~(exclude.overlaps(contigs, l0, l1) | exclude.overlaps(contigs, r0, r1))
    return ok
