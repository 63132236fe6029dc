"""Fidelity and privacy of synthetic one-hot sequences (the ``sequences`` kind).

T: the real windows the generator learned from (bound windows of train), H:
real held-out bound windows (val + test), S: the synthetic audit sample.
S_nT is S subsampled to len(T), so the synthetic and the reference
comparison have the same set sizes (T in S's seat for the reference).

| metric | synthetic | reference | better |
|---|---|---|---|
| kmer_spectrum_distance | total variation (half L1) of the pooled canonical k-mer spectra, S_nT vs H | T vs H | lower |
| gc_wasserstein | W1 of the per-window GC share, S_nT vs H | T vs H | lower |
| motif_hit_rate_difference | abs(share of S_nT windows with a PWM hit - share of H) | T vs H | lower |
| two_sample_auc_kmer | out-of-fold AUC of k-mer logistic regression, H vs S | H vs T | near_0.5 |
| two_sample_auc_conv1d | out-of-fold AUC of a motif-scanning conv1d (``MotifScanner``), H vs S | H vs T | near_0.5 |

plus the shared statistics of ``common.py`` on the flattened one-hot windows:
two-sample AUCs of logistic regression and an MLP on positions, AATS and
privacy loss by Hamming distance (a differing base counts 2, an N against a
base 1), and the exact-copy share (``identical_share``: windows equal to a
training window). The motif rates themselves are kept beside the
difference (``synthetic_rate``, ``reference_rate``, ``heldout_rate``).

``leak`` (``common.leak_audit``: DCR to the full train and held-out sets,
source linkage, full-set AATS, copy-injection controls) measures distances
between windows' canonical ``LEAK_KMER``-mer shares (``leak_features``,
Euclidean): a reverse complement has the same shares and a shift by a few bases
changes only the few k-mers at the edges, so a training window flipped or
shifted (what ``classic`` makes) stays next to its source, where Hamming
distance on positions would put a one-base shift as far as an unrelated window.

A PWM hit: the best log-odds of the window's 11-mers, on either strand,
reaches ``HIT_RELATIVE`` of the way from the matrix's lowest to its highest
possible score (the "relative score" of motif scanners). The default matrix
is JASPAR MA0491.1 JUND (AP-1), the demo's; ``pwm_counts`` takes another.
"""

import numpy as np
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_limits

from .. import metrics
from ..detect.features import summary_features
from ..metrics.twosample import stratified_folds, torch_threads
from . import common

BETTER = {**common.BETTER, "kmer_spectrum_distance": "lower", "gc_wasserstein": "lower",
          "motif_hit_rate_difference": "lower", "two_sample_auc_kmer": "near_0.5",
          "two_sample_auc_conv1d": "near_0.5"}
JUND_MA0491_1 = np.array([  # JASPAR MA0491.1 JUND counts, rows A, C, G, T per position
    [12389, 759, 13640, 11922], [15163, 4824, 18723, 0], [0, 0, 0, 38710], [0, 0, 38710, 0],
    [38710, 0, 0, 0], [0, 22857, 14078, 1775], [0, 0, 0, 38710], [1547, 37163, 0, 0],
    [38710, 0, 0, 0], [0, 5136, 2301, 31273], [5786, 14956, 12429, 5539]], dtype=np.float64)
HIT_RELATIVE = 0.85
KMER = 4
LEAK_KMER = 6  # k of the leak audit's k-mer shares (2,080 canonical 6-mers; a 101-bp window holds 96)
CONV_FOLDS, CONV_EPOCHS, CONV_WIDTH, CONV_KERNEL, CONV_LR = 3, 30, 16, 11, 1e-2


class MotifScanner(torch.nn.Module):
    """The two-sample test's conv1d: CONV_WIDTH filters of CONV_KERNEL bases, ReLU, the maximum
    over positions (where a motif is does not matter), a linear layer to two logits."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(4, CONV_WIDTH, CONV_KERNEL)
        self.head = torch.nn.Linear(CONV_WIDTH, 2)

    def forward(self, x):
        return self.head(torch.relu(self.conv(x)).amax(-1))


def log_odds_matrix(counts=JUND_MA0491_1, pseudo=1.0):
    """(4, W) log2 odds against uniform bases of a (W, 4) count matrix (pseudocount per base)."""
    c = np.asarray(counts, np.float64) + pseudo
    return np.log2(c / c.sum(1, keepdims=True) / 0.25).T


def pwm_best(X, lo):
    """Best log-odds (either strand) of the windows' W-mers: float64 (N,). N columns score 0."""
    X = torch.as_tensor(np.asarray(X), dtype=torch.float64)
    w = torch.from_numpy(lo)[None]                                   # (1, 4, W)
    rc = torch.from_numpy(np.ascontiguousarray(lo[::-1, ::-1]))[None]
    with torch.no_grad():
        s = torch.maximum(F.conv1d(X, w), F.conv1d(X, rc))
    return s.amax(-1).numpy() if s.shape[-1] else np.full(len(X), -np.inf)


def hit_rate(X, counts=JUND_MA0491_1):
    """Share of windows with a PWM hit (relative score >= HIT_RELATIVE)."""
    lo = log_odds_matrix(counts)
    low, high = lo.min(0).sum(), lo.max(0).sum()
    return float((pwm_best(X, lo) >= low + HIT_RELATIVE * (high - low)).mean()) if len(X) else float("nan")


def gc_share(X):
    """Share of G and C among the known (non-N) bases of each window."""
    X = np.asarray(X)
    known = X.sum((1, 2))
    return X[:, 1:3].sum((1, 2)) / np.maximum(known, 1)


def kmer_spectrum(X, k=KMER):
    """Pooled canonical k-mer shares of a set of windows (sums to 1)."""
    f = summary_features(X, "sequence", k=k).astype(np.float64).mean(0)
    return f / max(f.sum(), 1e-12)


def total_variation(p, q):
    return float(0.5 * np.abs(np.asarray(p) - np.asarray(q)).sum())


def conv_two_sample_auc(real, synthetic, seed=0, folds=CONV_FOLDS, epochs=CONV_EPOCHS):
    """Out-of-fold AUC of ``MotifScanner`` separating real (0) from synthetic (1) windows, the
    larger side drawn down to the smaller; Adam (CONV_LR), batches of 64, a fixed number of epochs."""
    rng = np.random.default_rng(seed)
    n = min(len(real), len(synthetic))
    if n < folds:
        return float("nan")
    R, S = common.take(np.asarray(real), n, rng), common.take(np.asarray(synthetic), n, rng)
    x = torch.from_numpy(np.concatenate([R, S]).astype(np.float32))
    y = np.r_[np.zeros(n, np.int64), np.ones(n, np.int64)]
    fold = stratified_folds(y, folds, rng)
    score = np.empty(2 * n)
    g = torch.Generator().manual_seed(int(seed))
    for f in range(folds):
        tr, te = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        torch.manual_seed(int(seed) + f)
        net = MotifScanner()
        opt = torch.optim.Adam(net.parameters(), lr=CONV_LR)
        yt = torch.from_numpy(y[tr])
        for _ in range(epochs):
            net.train()
            order = torch.randperm(len(tr), generator=g)
            for b in range(0, len(tr), 64):
                idx = torch.from_numpy(tr)[order[b:b + 64]]
                loss = F.cross_entropy(net(x[idx]), yt[order[b:b + 64]])
                opt.zero_grad()
                loss.backward()
                opt.step()
        net.eval()
        with torch.no_grad():
            score[te] = torch.softmax(net(x[torch.from_numpy(te)]), 1)[:, 1].numpy()
    return metrics.roc_auc(y, score)


def leak_features(X, k=LEAK_KMER):
    """float32 (N, F) canonical k-mer shares of each window: the leak audit's distance space (no
    reverse complement, and no shift beyond the k-mers at the window's edges, moves a window)."""
    return summary_features(np.asarray(X), "sequence", k=k)


def evaluate(train, heldout, synthetic, seed=0, threads=1, heldout_groups=None, n_resamples=10, auc_folds=5,
             pwm_counts=JUND_MA0491_1):
    """Fidelity and privacy of ``synthetic`` windows (see the module docstring).
    -> {"n", "metrics": {name: {"synthetic", "reference", "better", ...}}, "leak", "curves"}."""
    T, H, S = common.check_sets(train, heldout, synthetic)
    with torch_threads(threads), threadpool_limits(max(1, int(threads))):
        rng = np.random.default_rng(seed)
        S_t = common.take(S, len(T), rng)
        rec = common.Record(BETTER)
        spec = {k: kmer_spectrum(X) for k, X in (("train", T), ("heldout", H), ("synthetic", S_t))}
        rec.put("kmer_spectrum_distance", total_variation(spec["synthetic"], spec["heldout"]),
                total_variation(spec["train"], spec["heldout"]), k=KMER)
        gc = {k: gc_share(X) for k, X in (("train", T), ("heldout", H), ("synthetic", S_t))}
        rec.put("gc_wasserstein", common.wasserstein1d(gc["synthetic"], gc["heldout"]),
                common.wasserstein1d(gc["train"], gc["heldout"]))
        rate = {k: hit_rate(X, pwm_counts) for k, X in (("train", T), ("heldout", H), ("synthetic", S_t))}
        rec.put("motif_hit_rate_difference", abs(rate["synthetic"] - rate["heldout"]),
                abs(rate["train"] - rate["heldout"]), synthetic_rate=rate["synthetic"],
                reference_rate=rate["train"], heldout_rate=rate["heldout"])
        kf = {k: summary_features(X, "sequence", k=KMER) for k, X in (("train", T), ("heldout", H),
                                                                       ("synthetic", S))}
        auc = metrics.two_sample_auc(kf["heldout"], kf["synthetic"], seed=seed, folds=auc_folds, threads=threads)
        ref = metrics.two_sample_auc(kf["heldout"], kf["train"], seed=seed, folds=auc_folds, threads=threads)
        rec.put("two_sample_auc_kmer", auc["linear"], ref["linear"], n_per_side=auc["n_per_side"],
                reference_n_per_side=ref["n_per_side"])
        rec.put("two_sample_auc_conv1d", conv_two_sample_auc(H, S, seed), conv_two_sample_auc(H, T, seed))
        flat = {k: X.reshape(len(X), -1).astype(np.float32) for k, X in (("train", T), ("heldout", H),
                                                                          ("synthetic", S))}
        n_aats = common.shared_metrics(rec, flat["train"], flat["heldout"], flat["synthetic"], "hamming", seed,
                                       threads, heldout_groups=heldout_groups, n_resamples=n_resamples,
                                       auc_folds=auc_folds)
        leak = common.leak_audit(leak_features(T), leak_features(H), leak_features(S), "euclidean", seed, threads)
    curves = {"gc": {k: np.round(v, 4).tolist() for k, v in gc.items()},
              "kmer_spectrum": {k: np.round(v, 6).tolist() for k, v in spec.items()},
              "motif_hit_rate": rate}
    return {"n": {"train": len(T), "heldout": len(H), "synthetic": len(S), "aats": n_aats},
            "metrics": dict(rec), "leak": leak, "curves": curves}
