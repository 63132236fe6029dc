"""Segment-level membership check: longest runs shared with training haplotypes."""

import numpy as np
import pandas as pd
from test_haplotype_fidelity import population

from genaug.fidelity import haplotypes as fh
from genaug.fidelity import segments


def test_longest_shared_runs_by_hand_and_within_contigs():
    T = np.array([[0, 0, 0, 0, 1, 1], [1, 1, 1, 1, 1, 1]], np.uint8)
    Q = np.array([[0, 0, 0, 1, 1, 1],
                  [1, 1, 1, 1, 1, 1]], np.uint8)  # a copy of T1
    pos = np.array([10, 20, 30, 40, 100, 1000])
    snps, bp = segments.longest_shared_runs(Q, T, pos)
    # Q0 equals T0 on SNPs 0-2 and 4-5 (not 3), T1 on 3-5: longest 3 SNPs; in bp 3-5 spans 961
    assert snps.tolist() == [3, 6] and bp.tolist() == [961, 991]
    # a contig starting at SNP 3 cuts the copy in two runs of 3
    snps, bp = segments.longest_shared_runs(Q, T, pos, starts=[0, 3])
    assert snps.tolist() == [3, 3] and bp.tolist() == [961, 961]
    assert segments.contig_starts(["1", "1", "2", "2", "2", "X"]).tolist() == [0, 2, 5]


def mosaic(T, n, pieces, rng):
    """Haplotypes cut in ``pieces`` equal stretches, each copied from a random training haplotype."""
    J = T.shape[1]
    edges = np.linspace(0, J, pieces + 1).astype(int)
    out = np.empty((n, J), np.uint8)
    for i in range(n):
        for a, b in zip(edges[:-1], edges[1:]):
            out[i, a:b] = T[rng.integers(len(T)), a:b]
    return out


def test_segment_check_flags_a_mosaic_and_passes_independent_draws():
    T, H, S = population(300, 1), population(200, 2), population(300, 3)
    pos = np.arange(200) * 100 + 1000
    fresh = segments.segment_check(T, H, S, pos, seed=0)
    ref_share = fresh["segment_excess_share"][1]
    assert fresh["segment_excess_share"][0] < 0.15 and ref_share < 0.15
    assert abs(fresh["longest_run_snps"][0] - fresh["longest_run_snps"][1]) < 0.2 * fresh["longest_run_snps"][1]
    leak = segments.segment_check(T, H, mosaic(T, 300, 4, np.random.default_rng(0)), pos, seed=0)
    assert leak["segment_excess_share"][0] > 0.9
    assert leak["longest_run_snps"][0] >= 50 > fresh["longest_run_snps"][0]
    # measured: 5655 bp against 3804 for independent draws
    assert leak["longest_run_bp"][0] > 1.4 * fresh["longest_run_bp"][0]


def test_audit_reports_segments_and_ld_within_and_between_contigs():
    T, H, S = population(120, 1), population(60, 2), population(120, 3)
    variants = pd.DataFrame({"chrom": ["1"] * 100 + ["2"] * 100, "pos": np.tile(np.arange(100) * 100 + 1000, 2)})
    m = fh.evaluate(T, H, S, variants, seed=0, auc_folds=3, n_resamples=2)["metrics"]
    assert set(segments.BETTER) <= set(m)
    assert m["ld_r2_correlation_within"]["pairs"] + m["ld_r2_correlation_between"]["pairs"] == 200 * 199 // 2
    assert m["ld_r2_correlation_within"]["synthetic"] > 0.5
