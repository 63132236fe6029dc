"""Detectors: train one under a strategy, choose the threshold on validation data, apply.

    from genaug.detect import train_detector, load_detector
    result = train_detector("cnn", "class_weight", X_tr, y_tr, X_val, y_val, classes, positive, "image",
                            channels=channels, settings={"epochs": 20}, seed=1, threads=2)
    result.detector.save("model.pt")
    p = load_detector("model.pt").score(X_new)   # probability of the rare class

Modules: ``registry`` (which detectors exist, the layouts and strategies each
takes; how to add one), ``nets`` (networks), ``features`` (summary features
of the non-deep baseline), ``train`` (strategies, early stopping, threshold),
``model`` (the model file and prediction), ``evaluate`` (test metrics),
``summary`` (across runs). Importing this package (or ``registry`` and
``summary``) does not import torch; the names below that need it are loaded
on first use.
"""

import importlib

from .registry import BUILTIN_STRATEGIES, DEFAULTS, DETECTORS, DetectorSpec, resolve, strategies_of

_LAZY = {"DetectResult": ".train", "train_detector": ".train", "Detector": ".model", "load_detector": ".model",
         "load_detectors": ".model",
         "feature_names": ".features", "summary_features": ".features"}

__all__ = ["BUILTIN_STRATEGIES", "DEFAULTS", "DETECTORS", "DetectResult", "Detector", "DetectorSpec",
           "feature_names", "load_detector", "load_detectors", "resolve", "strategies_of", "summary_features",
           "train_detector"]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
