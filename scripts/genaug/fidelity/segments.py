"""Segment-level membership check of synthetic haplotypes.

Whole-haplotype distances (AATS, privacy loss) cannot see a mosaic that copies
long stretches of training haplotypes verbatim: each piece is a training
haplotype, the whole is none. This check looks at stretches instead. For a
haplotype h and a set T, ``longest shared run`` is the longest run of
consecutive SNPs of one contig on which h equals some haplotype of T, counted
in SNPs and, separately, in bp (position of the run's last SNP minus its
first's, plus 1; the longest in bp may be another run than the longest in
SNPs). Runs never continue across contigs.

The reference is what real people who were not trained on share with the
training haplotypes by descent: the held-out haplotypes are split in halves H1,
H2 (whole people, balanced by population; ``common.halves``), the synthetic
set is drawn down to len(H2), and

| metric | synthetic | reference | better |
|---|---|---|---|
| longest_run_snps | mean longest run of S with T (SNPs) | same for H2 | lower |
| longest_run_bp | mean longest run of S with T (bp) | same for H2 | lower |
| segment_excess_share | share of S whose longest run (SNPs) exceeds the 95th percentile of H1's | share of H2 | lower |

A generator that draws fresh people scores an excess share near 0.05 (that of
H2); a copying mosaic scores near 1.
"""

import numpy as np

from .common import halves, take

BETTER = {"longest_run_snps": "lower", "longest_run_bp": "lower", "segment_excess_share": "lower"}
QUANTILE = 0.95
_CHUNK = 8  # query haplotypes compared at once (memory: chunk x len(T) x SNPs booleans)


def contig_starts(chrom):
    """Index of the first SNP of each run of equal contig names (0 first)."""
    chrom = np.asarray(chrom).astype(str)
    if len(chrom) == 0:
        return np.zeros(1, np.int64)
    return np.concatenate([[0], np.flatnonzero(chrom[1:] != chrom[:-1]) + 1]).astype(np.int64)


def longest_shared_runs(Q, T, pos, starts=(0,)):
    """For each row of 0/1 ``Q`` (n, J): the longest run of consecutive SNPs within one contig
    on which it equals some row of ``T`` (m, J). -> (SNPs (n,) int64, bp (n,) int64).
    ``pos``: position of each SNP (bp, increasing within a contig); ``starts``: first SNP
    index of each contig."""
    Q, T = np.asarray(Q, np.uint8), np.asarray(T, np.uint8)
    pos = np.asarray(pos, np.int64)
    n, J = Q.shape
    if T.shape[1] != J or len(pos) != J:
        raise ValueError(f"SNP counts differ: query {J}, reference set {T.shape[1]}, positions {len(pos)}")
    best_snps, best_bp = np.zeros(n, np.int64), np.zeros(n, np.int64)
    if n == 0 or len(T) == 0 or J == 0:
        return best_snps, best_bp
    restart = np.zeros(J, bool)
    restart[np.asarray(starts, np.int64)] = True
    for a in range(0, n, _CHUNK):
        E = Q[a:a + _CHUNK, None, :] == T[None, :, :]  # (c, m, J)
        run = np.zeros(E.shape[:2], np.int64)
        snps = np.zeros(len(E), np.int64)
        bp = np.zeros(len(E), np.int64)
        for j in range(J):
            run = np.where(E[:, :, j], 1 if restart[j] else run + 1, 0)
            longest = run.max(1)
            snps = np.maximum(snps, longest)
            # the bp span of the longest run ending here is the longest span ending here
            span = np.where(longest > 0, pos[j] - pos[j - np.maximum(longest, 1) + 1] + 1, 0)
            bp = np.maximum(bp, span)
        best_snps[a:a + _CHUNK], best_bp[a:a + _CHUNK] = snps, bp
    return best_snps, best_bp


def segment_check(T, H, S, pos, chrom=None, heldout_groups=None, heldout_labels=None, seed=0):
    """The table of the module docstring: {metric: (synthetic, reference, extra)} and per-haplotype
    longest runs of S with T (SNPs, bp) for figures and gates."""
    pos = np.asarray(pos, np.int64)
    starts = contig_starts(np.zeros(len(pos)) if chrom is None else chrom)
    rng = np.random.default_rng(seed)
    h1, h2 = halves(len(H), heldout_groups, heldout_labels, rng)
    S_r = take(np.asarray(S), len(h2), rng)
    ref1_snps, _ = longest_shared_runs(np.asarray(H)[h1], T, pos, starts)
    ref_snps, ref_bp = longest_shared_runs(np.asarray(H)[h2], T, pos, starts)
    syn_snps, syn_bp = longest_shared_runs(S_r, T, pos, starts)
    cut = float(np.quantile(ref1_snps, QUANTILE)) if len(ref1_snps) else float("nan")
    n = {"n": len(S_r), "reference_n": len(h2)}
    return {
        "longest_run_snps": (syn_snps.mean(), ref_snps.mean(),
                             {**n, "synthetic_max": int(syn_snps.max(initial=0)),
                              "reference_max": int(ref_snps.max(initial=0))}),
        "longest_run_bp": (syn_bp.mean(), ref_bp.mean(),
                           {**n, "synthetic_max": int(syn_bp.max(initial=0)),
                            "reference_max": int(ref_bp.max(initial=0))}),
        "segment_excess_share": ((syn_snps > cut).mean(), (ref_snps > cut).mean(),
                                 {**n, "threshold_snps": cut, "quantile": QUANTILE}),
    }


def put_segment_check(record, T, H, S, pos, chrom=None, heldout_groups=None, heldout_labels=None, seed=0):
    """Add ``segment_check``'s metrics to a ``common.Record``."""
    for name, (syn, ref, extra) in segment_check(T, H, S, pos, chrom, heldout_groups, heldout_labels,
                                                 seed).items():
        record.put(name, syn, ref, **extra)
