"""Classifier two-sample test: can a classifier tell real items from synthetic?

Out-of-fold AUC of a classifier trained to separate the two sets: 0.5 means
indistinguishable, 1.0 fully separable, and well below 0.5 means the classifier
learned something backwards (as it does when the "real" side is the
generator's own training data: use held-out real data as the real side).

Two classifiers, because a linear one misses differences that a non-linear one
catches (a Gaussian fit to expression data, or an independent-sites model of
haplotypes, fools logistic regression but not an MLP):

- "linear": scikit-learn's L2-regularised logistic regression (C=1: loss =
  mean log-loss + (1 / (2 n_train)) |w|^2, intercept not penalised, L-BFGS).
- "nonlinear": an MLP, input -> 64 ReLU units -> dropout 0.2 -> 1 logit, Adam
  (lr 1e-2, weight decay 1e-4), a fixed 300 steps, each on the whole training
  fold or, above 512 items, on 512 items drawn at random; no early stopping.

Folds are scikit-learn's ``StratifiedKFold`` (shuffled, seeded). Per fold,
features are standardised with the training fold's mean and sd
(sd 0 -> 1). When there are more features than training items the linear model
is fitted on the training fold's principal-component scores (every component
with variance above 1e-6 of the largest): an L2-penalised linear model's weights lie in the span
of the training rows, so this gives the same fit as on the raw features, much
faster. The MLP sees the raw standardised features when there are at most
``MLP_MAX_INPUTS`` of them, otherwise the first ``MLP_MAX_INPUTS`` principal
components of the training fold, each scaled to unit training variance.
"""

import contextlib

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from torch import nn

from genaug.metrics.classification import roc_auc

MLP_MAX_INPUTS = 256
MLP_HIDDEN = 64
MLP_DROPOUT = 0.2
MLP_STEPS = 300  # Adam steps, each on a fresh random mini-batch
MLP_BATCH = 512  # whole training fold when smaller
MLP_LR = 1e-2
MLP_WEIGHT_DECAY = 1e-4
LR_MAX_ITER = 1000
LR_TOL = 1e-8
_EIG_TOL = 1e-6  # components with variance below this share of the largest are dropped


def _as_items(x, name):
    x = np.asarray(x, dtype=np.float32)
    if x.ndim < 2:
        raise ValueError(f"{name} must be an (items, features) array; got shape {x.shape}")
    x = x.reshape(len(x), -1)
    if not np.isfinite(x).all():
        raise ValueError(f"{name} holds {int((~np.isfinite(x)).sum())} non-finite values")
    return x


@contextlib.contextmanager
def torch_threads(threads):
    """Run the block with torch using ``threads`` threads, then restore the previous count."""
    old = torch.get_num_threads()
    torch.set_num_threads(max(1, int(threads)))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def stratified_folds(y, k, rng):
    """Fold number (0..k-1) of each item: scikit-learn's shuffled ``StratifiedKFold``, seeded
    from ``rng``; every fold holds floor or ceil of n_class / k of each class."""
    fold = np.empty(len(y), dtype=np.int64)
    cv = StratifiedKFold(n_splits=k, shuffle=True, random_state=int(rng.integers(2**31 - 1)))
    for f, (_, test) in enumerate(cv.split(np.zeros(len(y)), y)):
        fold[test] = f
    return fold


def _pca_basis(X):
    """Right singular vectors (d, r) of X (n, d) with non-negligible singular
    values, by decreasing singular value, via the smaller Gram matrix."""
    n, d = X.shape
    if n <= d:
        gram = (X @ X.T).double()
        vals, vecs = torch.linalg.eigh(gram)
        vals, vecs = vals.flip(0), vecs.flip(1)
        keep = vals > _EIG_TOL * vals[0].clamp(min=1e-300)
        vals, vecs = vals[keep], vecs[:, keep]
        return (X.T @ vecs.to(X.dtype)) / vals.sqrt().to(X.dtype)
    vals, vecs = torch.linalg.eigh((X.T @ X).double())
    vals, vecs = vals.flip(0), vecs.flip(1)
    keep = vals > _EIG_TOL * vals[0].clamp(min=1e-300)
    return vecs[:, keep].to(X.dtype)


def _fit_linear(xtr, ytr, xte):
    """Logistic-regression logits for xte (module docstring for the loss)."""
    clf = LogisticRegression(C=1.0, max_iter=LR_MAX_ITER, tol=LR_TOL)
    clf.fit(xtr.double().numpy(), ytr.numpy())
    return clf.decision_function(xte.double().numpy())


def _fit_mlps(parts, generator):
    """MLP logits on each fold's test items (module docstring for the model).

    ``parts``: one (x_train (n_f, p_f), y_train (n_f,), x_test) per fold. The
    folds' networks are trained side by side as one batched model (a loss that
    sums the folds' losses, and Adam acting element-wise, so each network gets
    exactly the updates it would get alone); training items are padded to a
    common count with weight 0 and inputs with zero columns, which change
    nothing but the initialisation range. All random draws (initialisation,
    mini-batches, dropout) come from ``generator``.
    """
    n_folds = len(parts)
    n = max(x.shape[0] for x, _, _ in parts)
    p = max(x.shape[1] for x, _, _ in parts)
    xtr = torch.zeros(n_folds, n, p)
    t = torch.zeros(n_folds, n)
    mask = torch.zeros(n_folds, n)
    for f, (x, y, _) in enumerate(parts):
        xtr[f, :x.shape[0], :x.shape[1]] = x
        t[f, :x.shape[0]] = y.float()
        mask[f, :x.shape[0]] = 1.0

    def uniform(shape, fan_in):  # nn.Linear's default initialisation range
        bound = 1.0 / np.sqrt(fan_in)
        return ((torch.rand(shape, generator=generator) * 2 - 1) * bound).requires_grad_()

    w1 = uniform((n_folds, p, MLP_HIDDEN), p)
    b1 = uniform((n_folds, 1, MLP_HIDDEN), p)
    w2 = uniform((n_folds, MLP_HIDDEN, 1), MLP_HIDDEN)
    b2 = uniform((n_folds, 1), MLP_HIDDEN)
    params = [w1, b1, w2, b2]
    opt = torch.optim.Adam(params, lr=MLP_LR, weight_decay=MLP_WEIGHT_DECAY)

    def forward(x, train):
        h = torch.relu(torch.bmm(x, w1) + b1)
        if train:
            keep = torch.rand(h.shape, generator=generator) >= MLP_DROPOUT
            h = h * keep / (1.0 - MLP_DROPOUT)
        return torch.bmm(h, w2).squeeze(-1) + b2

    for _ in range(MLP_STEPS):
        if n > MLP_BATCH:  # each fold's batch: its first MLP_BATCH items in a random order
            key = torch.rand(n_folds, n, generator=generator) + 2.0 * (1.0 - mask)
            idx = key.argsort(dim=1)[:, :MLP_BATCH]
            xb = torch.gather(xtr, 1, idx[:, :, None].expand(-1, -1, p))
            tb, mb = torch.gather(t, 1, idx), torch.gather(mask, 1, idx)
        else:
            xb, tb, mb = xtr, t, mask
        bce = nn.functional.binary_cross_entropy_with_logits(forward(xb, True), tb,
                                                             reduction="none")
        loss = ((bce * mb).sum(dim=1) / mb.sum(dim=1)).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    out = []
    with torch.no_grad():
        for f, (_, _, x) in enumerate(parts):
            h = torch.relu(x @ w1[f, :x.shape[1]] + b1[f])
            out.append(((h @ w2[f]).squeeze(-1) + b2[f]).numpy())
    return out


def _fold_inputs(xtr, ytr, xte):
    """Standardise with the training fold; logistic-regression logits for the
    test fold; the MLP's (train, test) inputs."""
    mean = xtr.mean(dim=0)
    sd = xtr.std(dim=0)
    sd[sd == 0] = 1.0
    xtr = (xtr - mean) / sd
    xte = (xte - mean) / sd
    n, d = xtr.shape
    if d > n or d > MLP_MAX_INPUTS:
        basis = _pca_basis(xtr)
        ztr, zte = xtr @ basis, xte @ basis
    linear = _fit_linear(ztr, ytr, zte) if d > n else _fit_linear(xtr, ytr, xte)
    if d <= MLP_MAX_INPUTS:
        return linear, (xtr, xte)
    mtr, mte = ztr[:, :MLP_MAX_INPUTS], zte[:, :MLP_MAX_INPUTS]
    scale = mtr.std(dim=0)
    scale[scale == 0] = 1.0
    return linear, (mtr / scale, mte / scale)


def two_sample_auc(real, synthetic, seed=0, folds=5, threads=1):
    """Out-of-fold AUC of classifiers separating real from synthetic items.

    ``real`` (n_r, d) and ``synthetic`` (n_s, d) are float feature arrays
    (arrays with more dimensions are flattened per item). The larger side is
    subsampled without replacement to n = min(n_r, n_s) (numpy
    ``default_rng(seed)``); the 2n items are split into ``folds`` stratified
    folds; each fold is scored by the classifiers trained on the other folds;
    the AUC (synthetic = positive) is taken over all out-of-fold scores pooled.
    Deterministic for a seed and thread count on CPU: every random draw comes
    from numpy ``default_rng(seed)`` or a torch.Generator seeded with ``seed``
    (the global torch random state is not used); torch uses ``threads``
    threads, restored afterwards (another thread count may change the last
    digits, as floating-point sums are split differently). Memory: about four
    float32 copies of the 2n x d data.

    Returns {"linear": AUC of logistic regression, "nonlinear": AUC of the MLP,
    "n_per_side": n, "folds": k}.
    """
    real = _as_items(real, "real")
    synthetic = _as_items(synthetic, "synthetic")
    if real.shape[1] != synthetic.shape[1]:
        raise ValueError(f"real has {real.shape[1]} features per item and synthetic "
                         f"{synthetic.shape[1]}; they must match")
    folds = int(folds)
    n = min(len(real), len(synthetic))
    if folds < 2 or n < folds:
        raise ValueError(f"{folds}-fold cross-validation needs folds >= 2 and at least "
                         f"{folds} items per side; got {len(real)} real, {len(synthetic)} synthetic")
    rng = np.random.default_rng(seed)
    if len(real) > n:
        real = real[np.sort(rng.choice(len(real), size=n, replace=False))]
    if len(synthetic) > n:
        synthetic = synthetic[np.sort(rng.choice(len(synthetic), size=n, replace=False))]
    x = torch.from_numpy(np.concatenate([real, synthetic]))
    y = np.r_[np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64)]
    fold = stratified_folds(y, folds, rng)
    yt = torch.from_numpy(y)
    linear = np.empty(2 * n)
    nonlinear = np.empty(2 * n)
    with torch_threads(threads):
        parts = []
        for f in range(folds):
            tr = torch.from_numpy(np.flatnonzero(fold != f))
            te = np.flatnonzero(fold == f)
            lin, (mtr, mte) = _fold_inputs(x[tr], yt[tr], x[torch.from_numpy(te)])
            linear[te] = lin
            parts.append((mtr, yt[tr], mte))
        scores = _fit_mlps(parts, torch.Generator().manual_seed(int(seed)))
        for f in range(folds):
            nonlinear[fold == f] = scores[f]
    return {"linear": roc_auc(y, linear), "nonlinear": roc_auc(y, nonlinear),
            "n_per_side": int(n), "folds": folds}
