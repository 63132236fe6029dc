"""Detectors: train under a strategy, choose the threshold on validation data, apply.

    from genaug.detect import train_detector, load_detector
    result = train_detector("class_weight", X_tr, y_tr, X_val, y_val, classes, positive, "image",
                            channels=channels, settings={"epochs": 20}, seed=1, threads=2)
    result.detector.save("model.pt")
    p = load_detector("model.pt").score(X_new)   # probability of the rare class

Modules: ``nets`` (networks by layout), ``features`` (summary features of
the non-deep baseline), ``train`` (strategies, early stopping, threshold),
``model`` (the model file and prediction).
"""

from .features import feature_names, summary_features
from .model import Detector, load_detector
from .train import BUILTIN, DEFAULTS, DetectResult, resolve, train_detector

__all__ = ["BUILTIN", "DEFAULTS", "DetectResult", "Detector", "feature_names", "load_detector", "resolve",
           "summary_features", "train_detector"]
