"""Empty evidence: windows with no reads behind them are noticed, counted and explained.

An index that belongs to another file, a BAM with a header and no reads, loci on
another assembly or filters that remove every read all give pileups of zeros
without any error from htslib. Three checks stop that:

- ``check_mapped``: the index's own count of mapped reads (``samtools idxstats``);
- ``probe``: before stacking, a few evenly spaced windows are read with and without
  the filters; when none keeps a read the encoder stops, saying which filter
  removed them (or that no read lies near any locus);
- ``check_depth``: after stacking, the share of windows without a read (counted
  while stacking) stops the encoder at ``max_empty`` and warns at ``warn_empty``.
"""

import logging

import numpy as np

from ..errors import InputError
from .pileup import FLAG_NAMES

log = logging.getLogger(__name__)

PROBE_WINDOWS = 64


def check_mapped(bam, path):
    """Mapped reads the index counts; none is an error (a header-only BAM)."""
    if bam.is_cram:
        return None  # a CRAM index (.crai) holds no read counts
    try:
        mapped = sum(s.mapped for s in bam.get_index_statistics())
    except (OSError, ValueError, AttributeError):
        return None
    if mapped == 0:
        raise InputError(path, "holds no mapped reads (`samtools idxstats` counts 0): nothing to stack; "
                               "check that the alignment step wrote reads")
    return mapped


def fetch_error(path, e, where):
    """An htslib read error inside a fetch, as the one-line InputError."""
    msg = str(e).splitlines()[0] if str(e) else type(e).__name__
    return InputError(path, f"reads at {where} cannot be read ({msg}): the file is damaged or its index "
                            f"belongs to another file; re-run `samtools index {path}`")


def _filter_reasons(bam, contig, start, end, settings, counts):
    """Count reads overlapping [start, end) and, of those, the ones each filter removes."""
    for r in bam.fetch(contig, max(0, start), max(1, end)):
        counts["total"] += 1
        removed = False
        for name, bit in FLAG_NAMES.items():
            if settings.exclude_flags & bit and r.flag & bit:
                counts[f"flag {name}"] = counts.get(f"flag {name}", 0) + 1
                removed = True
        if r.mapping_quality < settings.min_mapq:
            counts["mapq"] += 1
            removed = True
        if not removed:
            counts["kept"] += 1


def explain(bam, path, tid_names, item_tid, left, right, settings, mapped=None, n=PROBE_WINDOWS, which=None):
    """Read ``n`` evenly spaced windows (of ``which`` items, default all) without filters.

    Returns (kept, message): reads that pass the filters there, and a sentence
    saying what removed the others (empty when some pass).
    """
    idx = np.arange(len(item_tid)) if which is None else np.asarray(which)
    if len(idx) == 0:
        return 0, ""
    pick = idx[np.unique(np.linspace(0, len(idx) - 1, min(n, len(idx))).round().astype(int))]
    counts = {"total": 0, "kept": 0, "mapq": 0}
    for i in pick:
        contig = tid_names[item_tid[i]]
        for s in (left[i], right[i]):
            try:
                _filter_reasons(bam, contig, int(s), int(s) + settings.window, settings, counts)
            except (OSError, ValueError) as e:
                raise fetch_error(path, e, f"{contig}:{int(s) + 1}") from None
    k = len(pick)
    if counts["kept"]:
        return counts["kept"], ""
    total = counts["total"]
    if total == 0:
        held = f" though the index counts {mapped:,} mapped reads" if mapped else ""
        return 0, (f"no read lies in any of {2 * k} windows probed{held}: the loci may be on another "
                   f"assembly or outside the sequenced regions, or the index belongs to another file "
                   f"(re-run `samtools index {path}`)")
    parts = []
    if counts["mapq"]:
        parts.append((counts["mapq"], f"have MAPQ < {settings.min_mapq} (encode.sv.min_mapq)"))
    for key, v in counts.items():
        if key.startswith("flag "):
            parts.append((v, f"are flagged {key[5:]} (encode.sv.read_filters)"))
    parts.sort(key=lambda p: -p[0])
    if parts and parts[0][0] == total:
        why = f"all {total:,} reads there {parts[0][1]}"
    else:
        why = f"the filters remove all {total:,} reads there: " + ", ".join(f"{v:,} {w}" for v, w in parts)
    return 0, f"no read passes the filters in any of {2 * k} windows probed: {why}"


def probe(bam, path, tid_names, item_tid, left, right, settings):
    """Before stacking: stop when no probed window keeps a read (the all-empty case, caught early)."""
    mapped = check_mapped(bam, path)
    kept, why = explain(bam, path, tid_names, item_tid, left, right, settings, mapped)
    if not kept:
        raise InputError(path, why)
    return mapped


def check_depth(depth, path, max_empty, warn_empty, diagnose=None):
    """After stacking: the share of windows (two per item) with no read passing the filters.

    At ``max_empty`` or above it is an error (``diagnose(which)`` adds the reason,
    probed on the empty items); at ``warn_empty`` or above a warning with the counts.
    """
    depth = np.asarray(depth).reshape(len(depth), -1)
    n = depth.size
    empty = int((depth == 0).sum())
    if n == 0 or empty == 0:
        return empty
    share = empty / n
    counts = f"{empty:,} of {n:,} windows ({share:.0%}) have no read passing the filters"
    if share >= max_empty:
        why = diagnose(np.flatnonzero((depth == 0).any(axis=1))) if diagnose else ""
        raise InputError(path, f"{counts} (encode.sv.max_empty_windows: {max_empty})" + (f"; {why}" if why else ""))
    if share >= warn_empty:
        log.warning("%s: %s; their items are blank pileups (encode.sv.warn_empty_windows: %s)",
                    path, counts, warn_empty)
    else:
        log.info("%s: %s", path, counts)
    return empty
