"""Principal component analysis (scikit-learn's ``PCA``, full SVD), fitted on real data only.

Callers fit on real items and project real and synthetic items with the same
fit, so that the synthetic cloud is seen in the real data's axes.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA as SkPCA


@dataclass(frozen=True)
class PCA:
    """A fitted PCA.

    ``mean`` (d,): the fitted data's column means. ``components`` (k, d):
    orthonormal principal axes, by decreasing variance, each signed so that its
    largest-magnitude entry (first such on ties) is positive.
    ``explained_variance`` (k,): variance (ddof=1) of the fitted data along each
    axis. ``explained_variance_ratio`` (k,): that variance over the total
    variance of the fitted data.
    """

    mean: np.ndarray
    components: np.ndarray
    explained_variance: np.ndarray
    explained_variance_ratio: np.ndarray

    def transform(self, Y):
        """Coordinates (n, k) of the rows of Y on the axes: (Y - mean) @ components.T."""
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim != 2 or Y.shape[1] != self.mean.size:
            raise ValueError(f"expected an (n, {self.mean.size}) array; got shape {Y.shape}")
        return (Y - self.mean) @ self.components.T


def fit_pca(X, k=2):
    """PCA of X (n, d) with k axes (scikit-learn, float64), components signed as documented above.

    Needs n >= 2 and k <= min(n, d). A total variance of 0 gives ratios of 0.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D (items, features) array; got shape {X.shape}")
    n, d = X.shape
    if n < 2:
        raise ValueError(f"PCA needs at least 2 items; got {n}")
    if not 1 <= k <= min(n, d):
        raise ValueError(f"k={k} axes asked of {n} items x {d} features; use 1..{min(n, d)}")
    pca = SkPCA(n_components=k, svd_solver="full").fit(X)
    components = pca.components_
    signs = np.sign(components[np.arange(k), np.argmax(np.abs(components), axis=1)])
    signs[signs == 0] = 1.0
    total = float(np.var(X, axis=0, ddof=1).sum())
    ratio = pca.explained_variance_ / total if total > 0 else np.zeros(k)
    return PCA(mean=pca.mean_, components=components * signs[:, None], explained_variance=pca.explained_variance_,
               explained_variance_ratio=ratio)
