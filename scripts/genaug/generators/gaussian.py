"""One multivariate normal per condition (``gaussian``): a cheap baseline for vectors.

For the items X_k of condition k (n_k rows, p features, standardised values):
mean m_k and the Ledoit-Wolf shrunk covariance Sigma_k = (1 - s) S_k + s mu I,
S_k the empirical covariance (ddof 0), mu = trace(S_k) / p, s the Ledoit-Wolf
shrinkage (scikit-learn ``ledoit_wolf_shrinkage``) unless ``shrinkage`` fixes
it. ``model.pt`` keeps m_k, s, mu and the scaled centred rows
C_k = (X_k - m_k) / sqrt(n_k), since S_k = C_k' C_k: a draw is
m_k + sqrt(1 - s) C_k' z + sqrt(s mu) e with z ~ N(0, I_{n_k}), e ~ N(0, I_p),
exactly N(m_k, Sigma_k) without a p x p matrix. No draw equals a real row
unless s = 0 and n_k = 1.
"""

import numpy as np
import torch
from sklearn.covariance import ledoit_wolf_shrinkage


def fit(X, cond_idx, n_cond, shrinkage=None):
    """{"mean": (K, p), "rows": list of (n_k, p), "shrinkage": (K,), "mu": (K,)} as tensors."""
    X = np.asarray(X, np.float64)
    means, rows, shrink, mu = [], [], [], []
    for k in range(max(n_cond, 1)):
        Xk = X[cond_idx == k]
        if len(Xk) == 0:
            raise ValueError(f"condition {k} has no items")
        m = Xk.mean(0)
        C = Xk - m
        s = (ledoit_wolf_shrinkage(C, assume_centered=True) if len(Xk) > 1 else 1.0) if shrinkage is None \
            else float(shrinkage)
        means.append(m)
        rows.append(torch.from_numpy(C / np.sqrt(len(Xk))).float())
        shrink.append(s)
        mu.append(float((C ** 2).sum() / len(Xk) / X.shape[1]))
    return {"mean": torch.from_numpy(np.stack(means)).float(), "rows": rows,
            "shrinkage": torch.tensor(shrink, dtype=torch.float64), "mu": torch.tensor(mu, dtype=torch.float64)}


def draw(state, want, rng):
    """One item per entry of ``want`` (condition indices), float64 numpy."""
    p = state["mean"].shape[1]
    out = np.empty((len(want), p))
    for k in np.unique(want):
        i = np.flatnonzero(want == k)
        C = state["rows"][k].double().numpy()
        s, mu = float(state["shrinkage"][k]), float(state["mu"][k])
        z = rng.standard_normal((len(i), C.shape[0]))
        e = rng.standard_normal((len(i), p))
        out[i] = state["mean"][k].double().numpy() + np.sqrt(1 - s) * z @ C + np.sqrt(s * mu) * e
    return out
