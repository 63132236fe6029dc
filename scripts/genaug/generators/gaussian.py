"""A multivariate normal per condition (``gaussian``): a cheap baseline for vectors, and
its Gaussian-copula form.

For the items X_k of condition k (n_k rows, p features, standardised values):
mean m_k and the Ledoit-Wolf shrunk covariance Sigma = (1 - s) S + s mu I of the
centred rows C (S = C' C / n, ddof 0; mu = trace(S) / p; s the Ledoit-Wolf
shrinkage, scikit-learn ``ledoit_wolf_shrinkage``, unless ``shrinkage`` fixes
it). ``covariance``: ``per_class`` (the default) fits Sigma_k on each
condition's own rows X_k - m_k; ``pooled`` fits one within-class Sigma on
every row minus its condition's mean, so that a condition of 7 items borrows
the gene-gene structure of the others (its mean stays its own). ``model.pt``
keeps the means, s, mu and the scaled centred rows C / sqrt(n), so a draw is
m_k + sqrt(1 - s) C' z / sqrt(n) + sqrt(s mu) e with z ~ N(0, I_n), e ~ N(0, I_p):
exactly N(m_k, Sigma) without a p x p matrix. No draw equals a real row unless
s = 0 and n = 1.

``marginals``: ``normal`` (the default) keeps that normal. ``empirical`` makes
it a Gaussian copula: each feature's centred values are first turned into
normal scores (Phi^-1 of rank / (n + 1)), the covariance is fitted on the
scores, and a draw's scores are mapped back through each feature's empirical
quantile function (linear interpolation between its sorted centred values,
kept in ``model.pt``): each feature keeps the shape of its real distribution
(skew, heavy tails), which a normal does not and which a random-forest
two-sample test sees at once. A draw's value of a feature is its condition's
mean plus a value within the range of that feature's centred training values;
rows are not copied.
"""

import numpy as np
import torch
from scipy.stats import norm
from sklearn.covariance import ledoit_wolf_shrinkage

from .settings import CHOICES

COVARIANCES, MARGINALS = CHOICES["gaussian"]["covariance"], CHOICES["gaussian"]["marginals"]


def _scores(C):
    """Normal scores of each column's ranks: Phi^-1((rank + 1) / (n + 1))."""
    ranks = np.argsort(np.argsort(C, axis=0, kind="stable"), axis=0, kind="stable")
    return norm.ppf((ranks + 1) / (len(C) + 1))


def fit(X, cond_idx, n_cond, shrinkage=None, covariance="per_class", marginals="normal"):
    """{"mean": (K, p), "group": (K,) which fitted group each condition draws from, and per group
    "rows" (n_g, p), "shrinkage", "mu", and with empirical marginals "sorted" (n_g, p) and
    "score_sd" (p,)} as tensors."""
    if covariance not in COVARIANCES:
        raise ValueError(f"gaussian: covariance must be one of {', '.join(COVARIANCES)}, not {covariance!r}")
    if marginals not in MARGINALS:
        raise ValueError(f"gaussian: marginals must be one of {', '.join(MARGINALS)}, not {marginals!r}")
    X = np.asarray(X, np.float64)
    cond_idx = np.asarray(cond_idx)
    K = max(n_cond, 1)
    means = []
    for k in range(K):
        if not (cond_idx == k).any():
            raise ValueError(f"condition {k} has no items")
        means.append(X[cond_idx == k].mean(0))
    means = np.stack(means)
    centred = X - means[cond_idx]
    parts = [centred] if covariance == "pooled" else [centred[cond_idx == k] for k in range(K)]
    out = {"mean": torch.from_numpy(means).float(),
           "group": torch.zeros(K, dtype=torch.long) if covariance == "pooled" else torch.arange(K),
           "rows": [], "shrinkage": [], "mu": [], "sorted": [], "score_sd": []}
    for C in parts:
        if marginals == "empirical":
            out["sorted"].append(torch.from_numpy(np.sort(C, axis=0)).float())
            C = _scores(C)
            out["score_sd"].append(torch.from_numpy(C.std(0) + 1e-12).float())
        s = (ledoit_wolf_shrinkage(C, assume_centered=True) if len(C) > 1 else 1.0) if shrinkage is None \
            else float(shrinkage)
        out["rows"].append(torch.from_numpy(C / np.sqrt(len(C))).float())
        out["shrinkage"].append(float(s))
        out["mu"].append(float((C ** 2).sum() / len(C) / X.shape[1]))
    out["shrinkage"] = torch.tensor(out["shrinkage"], dtype=torch.float64)
    out["mu"] = torch.tensor(out["mu"], dtype=torch.float64)
    return out


def draw(state, want, rng):
    """One item per entry of ``want`` (condition indices), float64 numpy."""
    p = state["mean"].shape[1]
    group = state["group"].numpy() if "group" in state else np.arange(len(state["mean"]))  # older model files
    empirical = bool(state.get("sorted"))
    out = np.empty((len(want), p))
    for k in np.unique(want):
        i = np.flatnonzero(want == k)
        gi = int(group[k])
        C = state["rows"][gi].double().numpy()
        s, mu = float(state["shrinkage"][gi]), float(state["mu"][gi])
        z = rng.standard_normal((len(i), C.shape[0]))
        e = rng.standard_normal((len(i), p))
        D = np.sqrt(1 - s) * z @ C + np.sqrt(s * mu) * e
        if empirical:
            srt = state["sorted"][gi].double().numpy()
            u = norm.cdf(D / state["score_sd"][gi].double().numpy())
            q = np.arange(1, len(srt) + 1) / (len(srt) + 1)
            D = np.stack([np.interp(u[:, j], q, srt[:, j]) for j in range(p)], axis=1)
        out[i] = state["mean"][k].double().numpy() + D
    return out
