"""Fidelity and privacy of synthetic haplotypes (Yelmen et al. 2021's audit).

Three sets of 0/1 haplotypes (rows) over the same SNPs (columns):

- ``train``: the real haplotypes the generator learned from;
- ``heldout``: real haplotypes it never saw (val + test people);
- ``synthetic``: an audit sample drawn from the generator (at the training
  frequencies of its conditions).

Every metric comes with a **reference**: the same statistic with held-out
real haplotypes in the synthetic set's seat, i.e. what a perfect generator
(fresh people from the same population) would score. Set sizes are matched:
the synthetic set is subsampled to the size of the set that takes its seat
in the reference. Which sets each number compares (n_h = len(heldout);
H1/H2 = the held-out haplotypes split in two halves, whole people to one
half (``heldout_groups``), balanced within each population
(``heldout_labels``), drawn afresh in each of ``n_resamples`` resamples;
T = train, S = synthetic):

| metric | synthetic | reference | better |
|---|---|---|---|
| af_correlation | r(AF(S_nh), AF(T)) | r(AF(H), AF(T)) | higher |
| ld_r2_correlation | r(upper r2(S_nh), upper r2(T)) | same with H | higher |
| ld_decay_distance | mean abs difference of binned mean r2, S_nh vs T | H vs T | lower |
| pairwise_distance_wasserstein | W1(within-S_nh distances, within-T) | H vs T | lower |
| pca_wasserstein | mean over PC1, PC2 of W1(S_nh, T) (PCA fitted on T) | H vs T | lower |
| two_sample_auc_linear / _nonlinear | AUC(real H, S) | AUC(real T, H) | near_0.5 |
| aats_train | AATS(T, S) | AATS(T, H2) | near_0.5 |
| aats_heldout | AATS(H1, S) | AATS(H1, H2) | near_0.5 |
| privacy_loss | aats_heldout - aats_train (mean and sd over resamples) | same with H2 | lower |
| identical_share | share of S equal to a row of T | share of H | lower |
| ld_r2_correlation_within / _between | ld_r2_correlation of pairs on one contig / on two | same with H | higher |
| longest_run_snps, longest_run_bp, segment_excess_share | segment-level membership (``segments``) | H2 | lower |

AF: alternative-allele frequency per SNP; r: Pearson correlation. LD: plain
r^2 (squared Pearson correlation of two SNPs' 0/1 alleles over haplotypes),
the haplotype r^2 (scikit-allel's ``rogers_huff_r`` is its estimate from
unphased genotypes, not needed with phased haplotypes); on at most
``ld_snps`` evenly spaced SNPs; pairs where a SNP is monomorphic in either
set are left out. On a panel of several contigs (``variants["chrom"]``) LD is also
reported for pairs within one contig and pairs on two (these come from ancestry, not
linkage: a model can keep one and lose the other). LD decay: mean r^2 of SNP pairs on one
contig in ``decay_bins``
log-spaced distance bins (bp) over at most ``decay_snps`` evenly spaced SNPs.
Distances between haplotypes: Hamming (differing SNPs); W1 is the 1-D
Wasserstein distance between two empirical distributions, the integral of
the absolute difference of their CDFs. AATS and privacy loss (Hamming
distance, n = len(H2) per set, T and S drawn down to it) and the two-sample
AUCs come from ``genaug.metrics``; AATS and privacy loss are means over the
resamples, with the loss's sd beside it.
"""

import numpy as np
from scipy.stats import binned_statistic, pearsonr
from sklearn.metrics import pairwise_distances
from threadpoolctl import threadpool_limits

from .. import metrics
from . import common, segments
from .common import take as _take
from .common import wasserstein1d

BETTER = {"af_correlation": "higher", "ld_r2_correlation": "higher", "ld_decay_distance": "lower",
          "pairwise_distance_wasserstein": "lower", "pca_wasserstein": "lower",
          "two_sample_auc_linear": "near_0.5", "two_sample_auc_nonlinear": "near_0.5",
          "aats_train": "near_0.5", "aats_heldout": "near_0.5", "privacy_loss": "lower",
          "identical_share": "lower", "ld_r2_correlation_within": "higher", "ld_r2_correlation_between": "higher",
          **segments.BETTER}
MAX_PAIRS = 200_000  # haplotype pairs whose distances are kept for a distribution
CURVE_POINTS = 2000  # points per set in the PCA and AF scatter curves


# --- statistics, each testable on a tiny example ----------------------------------------

def allele_frequencies(H):
    """ALT allele frequency of each SNP (column mean), float64."""
    return np.asarray(H, dtype=np.float64).mean(0)


def pearson(a, b):
    """Pearson correlation (scipy) of two vectors over the entries finite in both; nan if one is constant."""
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(pearsonr(a, b).statistic)


def r2_matrix(H):
    """LD r^2 between every pair of SNPs: squared Pearson correlation of the 0/1 columns.
    Entries of a SNP that is monomorphic in ``H`` are nan (r^2 is undefined)."""
    H = np.asarray(H, dtype=np.float64)
    X = H - H.mean(0)
    sd = np.sqrt((X * X).mean(0))
    cov = X.T @ X / len(H)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.outer(sd, sd)
    r[:, sd == 0] = np.nan
    r[sd == 0, :] = np.nan
    return np.clip(r * r, 0, 1)


def upper(M):
    """Entries strictly above the diagonal, row by row."""
    return M[np.triu_indices(len(M), 1)]


def even_subset(n, k):
    """Indices of at most k of n items at evenly spaced ranks (all when n <= k)."""
    if n <= k:
        return np.arange(n)
    return np.round(np.linspace(0, n - 1, k)).astype(np.int64)


def ld_decay(r2, pos, bins, chrom=None):
    """Mean r^2 of SNP pairs by distance: -> (mean per bin, pairs per bin).

    ``bins``: edges in bp; a pair at distance d is in bin i when
    bins[i] <= d < bins[i + 1]. Pairs with a nan r^2 are left out; a bin
    without pairs has mean nan. ``chrom``: contig of each SNP; pairs on two contigs are
    left out (their distance means nothing).
    """
    pos = np.asarray(pos, np.float64)
    i, j = np.triu_indices(len(pos), 1)
    d, v = np.abs(pos[j] - pos[i]), r2[i, j]
    ok = np.isfinite(v)
    if chrom is not None:
        chrom = np.asarray(chrom).astype(str)
        ok &= chrom[i] == chrom[j]
    if not ok.any():
        return np.full(len(bins) - 1, np.nan), np.zeros(len(bins) - 1, np.int64)
    # scipy's last bin is closed on the right; this one is half-open like the others
    d, v = d[ok], v[ok]
    keep = d < bins[-1]
    mean, _, _ = binned_statistic(d[keep], v[keep], "mean", bins=bins)
    counts, _, _ = binned_statistic(d[keep], v[keep], "count", bins=bins)
    return mean, counts.astype(np.int64)


def decay_bins(pos, n_bins, dynamic_range=1e4, chrom=None):
    """``n_bins`` log-spaced distance edges up to the region's span, starting at the closest
    SNP pair's distance or at span / ``dynamic_range`` if that is larger (closer pairs are
    too few to give a mean); with ``chrom``, the span is the widest contig's."""
    pos = np.asarray(pos, np.float64)
    chrom = np.zeros(len(pos)) if chrom is None else np.asarray(chrom).astype(str)
    gaps, span = [], 1.0
    for c in dict.fromkeys(chrom.tolist()):
        p = np.sort(pos[chrom == c])
        gaps.append(np.diff(p))
        if len(p) > 1:
            span = max(span, float(p[-1] - p[0]))
    gaps = np.concatenate(gaps) if gaps else np.zeros(0)
    lo = max(float(gaps[gaps > 0].min()) if (gaps > 0).any() else 1.0, span / dynamic_range, 1.0)
    hi = max(span, lo * 2)
    edges = np.geomspace(lo, hi, n_bins + 1)
    edges[-1] = np.nextafter(hi, np.inf)  # the widest pair falls in the last bin
    return edges


def curve_distance(a, b):
    """Mean absolute difference of two curves over the points where both are defined."""
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.abs(a[ok] - b[ok]).mean()) if ok.any() else float("nan")


def pairwise_hamming(H, max_pairs=MAX_PAIRS, rng=None):
    """Hamming distances (counts) of all pairs i < j of rows of 0/1 ``H`` (float64, row by row:
    scikit-learn's squared euclidean distances, rounded to the exact integers); above
    ``max_pairs`` pairs, a random subset of that many (``rng``)."""
    H = np.asarray(H, dtype=np.float64)
    d = upper(np.rint(pairwise_distances(H, metric="euclidean", squared=True)))
    if len(d) > max_pairs:
        rng = rng or np.random.default_rng(0)
        d = d[np.sort(rng.choice(len(d), max_pairs, replace=False))]
    return d


# --- the audit ---------------------------------------------------------------------------

def _rows(X, name):
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (haplotypes, SNPs) array, got shape {X.shape}")
    if X.size and not np.isin(X, (0, 1)).all():
        raise ValueError(f"{name} must hold only 0 and 1")
    return X.astype(np.uint8, copy=False)


def _round(x, k=5):
    return [None if not np.isfinite(v) else round(float(v), k) for v in np.asarray(x, np.float64).ravel()]


def evaluate(train, heldout, synthetic, variants, seed=0, threads=1, heldout_groups=None, heldout_labels=None,
             ld_snps=500, decay_snps=2000, decay_bins_n=16, heatmap_snps=100, n_resamples=10, auc_folds=5):
    """Fidelity and privacy of ``synthetic`` against ``train`` and ``heldout`` (see the module
    docstring for what each number compares). ``variants``: DataFrame with a ``pos`` column, one
    row per SNP. Returns a JSON-able dict {"n": set sizes, "metrics": {name: {"synthetic",
    "reference", "better", ...}}, "curves": small arrays for the figures}."""
    T, H, S = _rows(train, "train"), _rows(heldout, "heldout"), _rows(synthetic, "synthetic")
    n_snps = T.shape[1]
    if not (H.shape[1] == S.shape[1] == n_snps == len(variants)):
        raise ValueError(f"SNP counts differ: train {n_snps}, held-out {H.shape[1]}, synthetic {S.shape[1]}, "
                         f"variants {len(variants)}")
    if len(T) < 2 or len(H) < 4 or len(S) < 2:
        raise ValueError(f"too few haplotypes: train {len(T)} (>= 2), held-out {len(H)} (>= 4), "
                         f"synthetic {len(S)} (>= 2)")
    with threadpool_limits(max(1, int(threads))):
        chrom = variants["chrom"].astype(str).to_numpy() if "chrom" in variants else np.zeros(n_snps).astype(str)
        return _evaluate(T, H, S, np.asarray(variants["pos"], np.int64), chrom, seed, threads, heldout_groups,
                         heldout_labels, ld_snps, decay_snps, decay_bins_n, heatmap_snps, n_resamples, auc_folds)


def _evaluate(T, H, S, pos, chrom, seed, threads, heldout_groups, heldout_labels, ld_snps, decay_snps, decay_bins_n,
              heatmap_snps, n_resamples, auc_folds):
    rng = np.random.default_rng(seed)
    n_h = len(H)
    S_h = _take(S, n_h, rng)  # the synthetic set at the held-out set's size
    out = common.Record(BETTER)

    put = out.put

    # allele frequencies
    af = {k: allele_frequencies(X) for k, X in (("train", T), ("heldout", H), ("synthetic", S_h))}
    put("af_correlation", pearson(af["synthetic"], af["train"]), pearson(af["heldout"], af["train"]),
        n=len(S_h))

    # LD matrix on evenly spaced SNPs
    ld_idx = even_subset(len(pos), ld_snps)
    r2 = {k: r2_matrix(X[:, ld_idx]) for k, X in (("train", T), ("heldout", H), ("synthetic", S_h))}
    put("ld_r2_correlation", pearson(upper(r2["synthetic"]), upper(r2["train"])),
        pearson(upper(r2["heldout"]), upper(r2["train"])), snps=len(ld_idx))
    c = chrom[ld_idx]
    same = upper(c[:, None] == c[None, :])
    if not same.all():  # several contigs: pairs within one contig and pairs on two
        for name, pairs in (("ld_r2_correlation_within", same), ("ld_r2_correlation_between", ~same)):
            put(name, pearson(upper(r2["synthetic"])[pairs], upper(r2["train"])[pairs]),
                pearson(upper(r2["heldout"])[pairs], upper(r2["train"])[pairs]), pairs=int(pairs.sum()))

    # LD decay with distance
    dec_idx = even_subset(len(pos), decay_snps)
    edges = decay_bins(pos[dec_idx], decay_bins_n, chrom=chrom[dec_idx])
    decay = {}
    for k, X in (("train", T), ("heldout", H), ("synthetic", S_h)):
        decay[k], counts = ld_decay(r2_matrix(X[:, dec_idx]), pos[dec_idx], edges, chrom=chrom[dec_idx])
    put("ld_decay_distance", curve_distance(decay["synthetic"], decay["train"]),
        curve_distance(decay["heldout"], decay["train"]), snps=len(dec_idx))

    # pairwise haplotype distances
    dist = {k: pairwise_hamming(X, rng=np.random.default_rng(seed))
            for k, X in (("train", T), ("heldout", H), ("synthetic", S_h))}
    put("pairwise_distance_wasserstein", wasserstein1d(dist["synthetic"], dist["train"]),
        wasserstein1d(dist["heldout"], dist["train"]))

    # PCA fitted on the real training haplotypes
    pca = metrics.fit_pca(T, k=2)
    pc = {k: pca.transform(X) for k, X in (("train", T), ("heldout", H), ("synthetic", S_h))}
    put("pca_wasserstein",
        np.mean([wasserstein1d(pc["synthetic"][:, i], pc["train"][:, i]) for i in range(2)]),
        np.mean([wasserstein1d(pc["heldout"][:, i], pc["train"][:, i]) for i in range(2)]))

    # two-sample AUCs, AATS, privacy loss, identical share (Hamming distances)
    n_aats = common.shared_metrics(out, T, H, S, "hamming", seed, threads, heldout_groups=heldout_groups,
                                   heldout_labels=heldout_labels, n_resamples=n_resamples, auc_folds=auc_folds)
    segments.put_segment_check(out, T, H, S, pos, chrom, heldout_groups, heldout_labels, seed)

    # small arrays for the figures
    crng = np.random.default_rng(seed)
    af_pts = even_subset(len(pos), CURVE_POINTS)
    heat = even_subset(len(ld_idx), heatmap_snps) if len(ld_idx) > heatmap_snps else np.arange(len(ld_idx))
    hist_hi = max(float(max(d.max() for d in dist.values())), 1.0)
    hist_edges = np.linspace(0, hist_hi, 41)
    centres = np.sqrt(edges[:-1] * edges[1:])
    curves = {
        "af": {k: _round(v[af_pts], 4) for k, v in af.items()},
        "ld_heatmap": {"pos": pos[ld_idx][heat].tolist(),
                       **{k: [_round(row, 3) for row in r2[k][np.ix_(heat, heat)]] for k in ("train", "synthetic")}},
        "ld_decay": {"distance": _round(centres, 1), "pairs": counts.tolist(),
                     **{k: _round(v, 5) for k, v in decay.items()}},
        "distance_hist": {"edges": _round(hist_edges, 3),
                          **{k: (np.histogram(d, hist_edges)[0] / len(d)).round(6).tolist()
                             for k, d in dist.items()}},
        "pca": {"explained_variance_ratio": _round(pca.explained_variance_ratio, 5),
                **{k: [_round(p, 3) for p in _take(v, CURVE_POINTS, crng).T] for k, v in pc.items()}},
    }
    return {"n": {"train": len(T), "heldout": n_h, "synthetic": len(S), "snps": int(len(pos)),
                  "aats": n_aats},
            "metrics": dict(out), "curves": curves}
