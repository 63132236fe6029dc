"""Which truth-VCF records are positives: FILTER, the truth sample's genotype, confident regions.

A GIAB-style truth set holds records that are not true SVs of the sample: a
``LowQual`` or otherwise filtered record, a ``0/0`` or ``./.`` genotype (the
SV is in another sample of a multi-sample truth, or was not genotyped). Such
records are not positives; they are still kept out of the negatives' reach
(``avoid``), since the locus is not known to be free of an SV.
"""

import logging
from dataclasses import dataclass

import pysam

from ..errors import InputError, some_names
from . import loci

log = logging.getLogger(__name__)

DEFAULT_FILTERS = ("PASS", ".")


@dataclass(frozen=True)
class TruthSettings:
    filters: tuple | None = DEFAULT_FILTERS  # accepted FILTER values; None accepts every record
    sample: str | None = None                # the truth sample (needed when the VCF has several)

    @classmethod
    def from_config(cls, filters=DEFAULT_FILTERS, sample=None):
        return cls(filters=None if filters is None else tuple(map(str, filters)), sample=sample)


def truth_sample(path, wanted=None):
    """The VCF sample whose GT decides positives: ``wanted``, the only sample, or None (no samples)."""
    try:
        with pysam.VariantFile(str(path)) as vcf:
            samples = list(vcf.header.samples)
    except (OSError, ValueError) as e:
        raise InputError(path, f"cannot be read as VCF/BCF ({e})") from None
    if wanted is not None:
        if wanted not in samples:
            raise InputError(path, f"truth_sample '{wanted}' is not a sample of this VCF (it has "
                             f"{some_names(samples) if samples else 'no samples'})")
        return wanted
    if len(samples) > 1:
        raise InputError(path, f"holds {len(samples)} samples ({some_names(samples)}); set the dataset's "
                         "truth_sample to the one sequenced in the BAM")
    return samples[0] if samples else None


def passes_filter(filter_values, accepted):
    """True where every FILTER name of a record (``a;b``) is accepted (``None``: all are)."""
    if accepted is None:
        return [True] * len(filter_values)
    ok = set(accepted)
    return [all(f in ok for f in str(v).split(";")) for v in filter_values]


def read_truth(path, rename, contig_lengths, settings=TruthSettings()):
    """(positives, avoid) of a truth VCF, both DataFrames of loci.COLUMNS.

    ``positives``: records with an accepted FILTER and, where the VCF has
    samples, an ALT allele in the truth sample's GT (a record without GT
    counts). ``avoid``: every SV record, positives and dropped alike. What was
    dropped, and why, goes to the log.
    """
    sample = truth_sample(path, settings.sample)
    svs = loci.read_sv_vcf(path, rename, contig_lengths, sample=sample)
    keep_filter = passes_filter(svs["filter"], settings.filters)
    drops = {}
    bad_filter = svs.loc[[not k for k in keep_filter], "filter"]
    for value, n in bad_filter.value_counts().sort_index().items():
        drops[f"FILTER {value}"] = int(n)
    keep = svs.index.isin(svs.index[keep_filter])
    if sample is not None:
        for gt, why in (("ref", "GT without ALT allele (e.g. 0/0)"), ("missing", "missing GT (./.)")):
            hit = keep & (svs["genotype"] == gt).to_numpy()
            if hit.any():
                drops[f"{why} of sample {sample}"] = int(hit.sum())
            keep &= ~hit
        no_gt = int((svs["genotype"] == "none").sum())
        if no_gt:
            log.info("%s: %d record(s) carry no GT; they count as positives", path, no_gt)
    for why, n in drops.items():
        log.warning("%s: %d truth record(s) are not positives: %s (kept out of the negatives' reach)",
                    path, n, why)
    log.info("%s: %d of %d SV records are positives (accepted FILTER: %s%s)", path, int(keep.sum()), len(svs),
             "any" if settings.filters is None else ", ".join(settings.filters),
             f"; genotype of sample {sample}" if sample else "; no samples, so no genotype check")
    cols = loci.COLUMNS
    return svs.loc[keep, cols].reset_index(drop=True), svs[cols].reset_index(drop=True)
