"""Fidelity and privacy of synthetic expression profiles.

Sets of standardised profiles (rows) over the same genes: ``train`` (T, what
the generator learned from), ``heldout`` (H, real samples it never saw: val +
test) and ``synthetic`` (S, drawn at T's class frequencies), with class labels
for T, H and S. Every statistic has a **reference**: the same with real
training samples in the synthetic set's seat (what a generator as good as a
fresh real cohort scores), and S is drawn down to len(T) so set sizes match.

The co-expression and marginal statistics (gamma, mean and sd correlations)
read ``population`` (P) when given: a larger draw from the same model (the
workflow draws ``fidelity.population_draws`` x len(T)), so that they describe
the model's correlations rather than a sample of len(T) from it. At len(T) a
set drawn from a model fitted on len(T) profiles carries the noise of that
sample on top of the training set's own, so even a perfect copier of T scores
below gamma(T, H): on the ALL demo a bootstrap of T at len(T) scored 0.015-0.063
below it, and the Gaussian copula came within 0.02 of it only at 10 x len(T)
(``bench/README.md``). A bootstrap of T at any size scores gamma(T, H) in the
limit, so the reference stays the bar a copy meets. The value on S_nT is kept
beside it (``at_train_size``). Without ``population`` they read S_nT.

| metric | synthetic | reference | better |
|---|---|---|---|
| gamma | gamma(P, H) | gamma(T, H) | higher |
| mean_correlation | r(gene means of P, of H) on the log scale | r(means of T, of H) | higher |
| sd_correlation | r(gene sds of P, of H) | r(sds of T, of H) | higher |
| two_sample_auc_forest | random-forest AUC(real H, S) | AUC(real T, H) | near_0.5 |
| two_sample_auc_linear / _nonlinear | logistic / MLP AUC(real H, S) | AUC(real T, H) | near_0.5 |
| aats_train, aats_heldout, privacy_loss, identical_share | as in ``common`` (euclidean) | | |
| tstr_macro_f1 | logistic regression trained on S, macro-F1 on H | trained on T (TRTR) | higher |

The gamma score (Vinas et al. 2022) is the Pearson correlation between the
upper triangles of the gene-gene correlation-distance matrices (1 - Pearson r
over samples) of two sets: how well gene-gene co-expression is kept. It is
weak alone (a multivariate normal scores close to a copy of the data), hence
the two-sample AUCs beside it; computed against held-out data, because against
the training data a memoriser exceeds any fresh cohort. Pearson r of the
gene means and sds compare the marginals, on the log scale (``scale``: the
train means and sds the profiles were standardised with; on the standardised
scale every train mean is 0 and the correlation says nothing). The random forest (scikit-learn, 200
trees, out-of-fold over 5 stratified folds) catches non-linear differences a
Gaussian fit hides from logistic regression. TSTR (train on synthetic, test on
real) and TRTR use scikit-learn's L2 logistic regression (C=1) on the profiles
and macro-F1 over the classes of H; None where S holds a single class.

``leak`` (``common.leak_audit``, Euclidean on the profiles: DCR to the full
train and held-out sets, source linkage, full-set AATS, copy-injection
controls) is computed on ``leak_sets`` (train, held-out, synthetic) when given:
the workflow passes the synthetic file the detectors trained on (one class)
with the real train and held-out profiles of that class, while the statistics
above score a draw at every class's training frequency (TSTR needs every
class). Without ``leak_sets`` it is computed on T, H and S. With fewer than 2
real profiles on either side it is None, with a note saying why.
"""

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from .. import metrics
from . import common
from .common import take

BETTER = {**common.BETTER, "gamma": "higher", "mean_correlation": "higher", "sd_correlation": "higher",
          "two_sample_auc_forest": "near_0.5", "tstr_macro_f1": "higher"}
FOREST_TREES = 200
CURVE_POINTS = 1000


def gamma(A, B):
    """Gamma score of sets A (n_a, g) and B (n_b, g): Pearson r of the upper triangles of
    their gene-gene correlation distances (1 - r). Genes constant in either set are left
    out (their correlation is undefined)."""
    A, B = np.asarray(A, np.float64), np.asarray(B, np.float64)
    ok = (A.std(0) > 0) & (B.std(0) > 0)
    if ok.sum() < 3:
        return float("nan")
    iu = np.triu_indices(int(ok.sum()), 1)
    da = 1 - np.corrcoef(A[:, ok], rowvar=False)[iu]
    db = 1 - np.corrcoef(B[:, ok], rowvar=False)[iu]
    return float(np.corrcoef(da, db)[0, 1])


def forest_auc(real, synthetic, seed=0, folds=5, threads=1):
    """Out-of-fold AUC of a random forest separating ``real`` from ``synthetic`` (positive),
    the larger side drawn down to the smaller's size."""
    rng = np.random.default_rng(seed)
    n = min(len(real), len(synthetic))
    if n < folds:
        return float("nan"), n
    X = np.concatenate([take(np.asarray(real), n, rng), take(np.asarray(synthetic), n, rng)])
    y = np.r_[np.zeros(n, int), np.ones(n, int)]
    rf = RandomForestClassifier(FOREST_TREES, random_state=seed, n_jobs=int(threads))
    p = cross_val_predict(rf, X, y, cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
                          method="predict_proba")[:, 1]
    return float(roc_auc_score(y, p)), n


def macro_f1(X_fit, y_fit, X_eval, y_eval, seed=0):
    """Macro-F1 on (X_eval, y_eval) of logistic regression fitted on (X_fit, y_fit); None when
    the fitting set holds one class."""
    if len(np.unique(y_fit)) < 2:
        return None
    clf = LogisticRegression(C=1.0, max_iter=2000, random_state=seed).fit(X_fit, y_fit)
    return float(f1_score(y_eval, clf.predict(X_eval), labels=np.unique(y_eval), average="macro"))


def evaluate(train, heldout, synthetic, train_labels=None, heldout_labels=None, synthetic_labels=None, seed=0,
             threads=1, heldout_groups=None, n_resamples=10, auc_folds=5, scale=None, leak_sets=None,
             population=None):
    """The audit (module docstring): {"n", "metrics": {name: {...}}, "leak", "curves": PCA coordinates}.
    ``population``: a larger draw from the generator for gamma and the marginal correlations (None: S_nT)."""
    T, H, S = (np.asarray(x, np.float64) for x in (train, heldout, synthetic))
    if not (T.ndim == H.ndim == S.ndim == 2 and T.shape[1] == H.shape[1] == S.shape[1]):
        raise ValueError(f"profiles must share genes: train {T.shape}, held-out {H.shape}, synthetic {S.shape}")
    if len(T) < 3 or len(H) < 4 or len(S) < 3:
        raise ValueError(f"too few profiles: train {len(T)} (>= 3), held-out {len(H)} (>= 4), synthetic {len(S)}")
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(len(S), len(T), replace=False)) if len(S) > len(T) else np.arange(len(S))
    S_n = S[pick]
    P = S_n if population is None else np.asarray(population, np.float64)
    if P.ndim != 2 or P.shape[1] != T.shape[1] or len(P) < 3:
        raise ValueError(f"population draw must be (>= 3, {T.shape[1]}) profiles, got {P.shape}")
    out = common.Record(BETTER)
    at_n = lambda f: {} if population is None else {"population_n": len(P), "at_train_size": f(S_n)}
    out.put("gamma", gamma(P, H), gamma(T, H), genes=int(T.shape[1]), **at_n(lambda Z: gamma(Z, H)))
    pearson = lambda a, b: float(np.corrcoef(a, b)[0, 1])
    lg = (lambda Z: Z) if scale is None else (lambda Z: Z * np.asarray(scale[1]) + np.asarray(scale[0]))
    LT, LH = lg(T), lg(H)
    mean_r = lambda Z: pearson(lg(Z).mean(0), LH.mean(0))
    sd_r = lambda Z: pearson(lg(Z).std(0), LH.std(0))
    on = "log" if scale is not None else "as given"
    out.put("mean_correlation", mean_r(P), pearson(LT.mean(0), LH.mean(0)), scale=on, **at_n(mean_r))
    out.put("sd_correlation", sd_r(P), pearson(LT.std(0), LH.std(0)), scale=on, **at_n(sd_r))
    auc, n_auc = forest_auc(H, S, seed, auc_folds, threads)
    auc_ref, n_ref = forest_auc(T, H, seed, auc_folds, threads)
    out.put("two_sample_auc_forest", auc, auc_ref, n_per_side=n_auc, reference_n_per_side=n_ref)
    n_aats = common.shared_metrics(out, T, H, S, "euclidean", seed, threads, heldout_groups=heldout_groups,
                                   heldout_labels=heldout_labels, n_resamples=n_resamples, auc_folds=auc_folds)
    if train_labels is not None and heldout_labels is not None and synthetic_labels is not None:
        yS = np.asarray(synthetic_labels)[pick]
        tstr = macro_f1(S_n, yS, H, heldout_labels, seed)
        trtr = macro_f1(T, train_labels, H, heldout_labels, seed)
        out.put("tstr_macro_f1", np.nan if tstr is None else tstr, np.nan if trtr is None else trtr,
                ratio=None if tstr is None or not trtr else tstr / trtr)
    pca = metrics.fit_pca(T, k=2)
    crng = np.random.default_rng(seed)
    curves = {"pca": {"explained_variance_ratio": [round(float(v), 5) for v in pca.explained_variance_ratio],
                      **{k: [[round(float(v), 3) for v in col] for col in pca.transform(take(X, CURVE_POINTS, crng)).T]
                         for k, X in (("train", T), ("heldout", H), ("synthetic", S_n))}}}
    return {"n": {"train": len(T), "heldout": len(H), "synthetic": len(S), "genes": int(T.shape[1]),
                  "aats": n_aats, "population": len(P)}, "metrics": dict(out),
            "leak": leak(*(leak_sets or (T, H, S)), seed, threads), "curves": curves}


def leak(T, H, S, seed=0, threads=1):
    """``common.leak_audit`` of profiles (Euclidean); a note instead when a side is too small."""
    T, H, S = (np.asarray(x, np.float64) for x in (T, H, S))
    if min(len(T), len(H), len(S)) < 2:
        return {"synthetic": None, "copy_controls": {},
                "note": f"not measured: {len(T)} train, {len(H)} held-out and {len(S)} synthetic profiles "
                        "(at least 2 each)"}
    return common.leak_audit(T, H, S, "euclidean", seed, threads)
