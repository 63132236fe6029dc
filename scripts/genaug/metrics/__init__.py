"""Generic metrics: classification, two-sample tests, privacy, PCA.

Importing this package does not import torch (``two_sample_auc``, whose MLP
needs it, is loaded on first use).

Used by the detector evaluation and the fidelity / privacy audits; every
function takes arrays and plain settings and returns floats, dicts or small
dataclasses.
"""

import importlib

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
)
from genaug.metrics.pca import PCA, fit_pca
from genaug.metrics.privacy import aats, identical_share, privacy_loss

_LAZY = {"two_sample_auc": "genaug.metrics.twosample"}  # imports torch (its MLP): loaded on first use

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
    "paired_bootstrap",
    "pr_curve",
    "privacy_loss",
    "roc_auc",
    "two_sample_auc",
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
