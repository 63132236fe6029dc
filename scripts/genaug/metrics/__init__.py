"""Generic metrics: classification, two-sample tests, privacy, PCA.

Used by the detector evaluation and the fidelity / privacy audits; every
function takes arrays and plain settings and returns floats, dicts or small
dataclasses.
"""

from genaug.metrics.classification import (
    average_precision,
    binary_metrics,
    choose_threshold,
    confusion,
    mean_sd,
    multiclass_metrics,
    paired_bootstrap,
    pr_curve,
    roc_auc,
    roc_curve,
)
from genaug.metrics.pca import PCA, fit_pca
from genaug.metrics.privacy import aats, identical_share, nn_distances, privacy_loss
from genaug.metrics.twosample import two_sample_auc

__all__ = [
    "PCA",
    "aats",
    "average_precision",
    "binary_metrics",
    "choose_threshold",
    "confusion",
    "fit_pca",
    "identical_share",
    "mean_sd",
    "multiclass_metrics",
    "nn_distances",
    "paired_bootstrap",
    "pr_curve",
    "privacy_loss",
    "roc_auc",
    "roc_curve",
    "two_sample_auc",
]
