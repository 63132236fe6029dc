"""Empirical marginals for learned vector generators (``marginals: empirical`` of cvae and wgan_gp).

A decoder's mean plus Gaussian noise gives every feature a smooth, bell-shaped
distribution; real log-expression is often skewed, bimodal or heavy-tailed,
and a random-forest two-sample test sees that at once (the Gaussian copula's
empirical marginals showed how much it matters). After training, the model is
drawn ``DRAWS`` times per condition and each feature's quantiles at ``LEVELS``
probabilities are kept, with the sorted training values of that condition. A
drawn value x of feature j is then mapped through

    u = F_model(x)  (linear interpolation of the model's quantiles),
    x' = Q_train(u) (linear interpolation between the sorted training values,
                     at probabilities (r + 1) / (n + 1), as the copula's),

so each feature keeps its training distribution while the dependence between
features (the ranks within a draw) stays the model's. Values lie within the
range of the condition's training values of that feature; rows are not copied.
"""

import numpy as np
import torch

DRAWS = 2048
LEVELS = 256


def fit(draws, X, cond_idx, n_cond):
    """{"model": [(LEVELS, p) per condition], "train": [(n_k, p) per condition]} as float tensors.
    ``draws(k, n)``: n model draws of condition k as (n, p) numpy; ``X``: (N, p) training values."""
    X = np.asarray(X, np.float64)
    cond_idx = np.asarray(cond_idx)
    probs = (np.arange(LEVELS) + 0.5) / LEVELS
    out = {"model": [], "train": []}
    for k in range(max(n_cond, 1)):
        Xk = X[cond_idx == k]
        if not len(Xk):
            raise ValueError(f"condition {k} has no items")
        Z = np.asarray(draws(k, DRAWS), np.float64)
        out["model"].append(torch.from_numpy(np.quantile(Z, probs, axis=0)).float())
        out["train"].append(torch.from_numpy(np.sort(Xk, axis=0)).float())
    return out


def apply(Z, cond_idx, state):
    """``Z`` (n, p) model draws of conditions ``cond_idx`` mapped onto the training marginals (float64)."""
    Z = np.array(Z, np.float64)
    cond_idx = np.asarray(cond_idx)
    for k in np.unique(cond_idx):
        i = np.flatnonzero(cond_idx == k)
        src = state["model"][k].double().numpy()
        dst = state["train"][k].double().numpy()
        qs = (np.arange(len(src)) + 0.5) / len(src)
        qd = np.arange(1, len(dst) + 1) / (len(dst) + 1)
        for j in range(Z.shape[1]):
            Z[i, j] = np.interp(np.interp(Z[i, j], src[:, j], qs), qd, dst[:, j])
    return Z
