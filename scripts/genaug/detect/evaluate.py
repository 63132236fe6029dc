"""Score a trained detector on the test split and write what the report reads.

``metrics.json``: the test metrics of the rare class (precision, recall, F1,
AUROC, AUPRC, confusion matrix at the validation-chosen threshold), the
same on validation (where the threshold was chosen, for reference), and for
more than two classes the multiclass metrics (accuracy, macro F1), and
``test_prevalence`` / ``val_prevalence``: AUROC, AUPRC beside the prevalence,
precision at fixed recalls and F1 at the validation threshold, each item
weighted by ``weights`` (the negatives a subset stands for; see
``metrics.prevalence``), so they hold at the full set's prevalence.
``predictions.tsv``: one row per test item (index, label, rare-class score,
prediction), which the summary's paired bootstrap resamples.
"""

import numpy as np
import pandas as pd

from ..metrics import binary_metrics, multiclass_metrics
from ..metrics.prevalence import prevalence_metrics


def evaluate(detector, X_test, y_test, test_idx, X_val=None, y_val=None, threads=None, weights=None,
             val_idx=None):
    """(metrics dict, predictions DataFrame) of ``detector`` on the test items.

    ``weights``: None, or one weight per item of the whole dataset (indexed by
    ``test_idx`` / ``val_idx``) for the full-prevalence metrics."""
    y_test = np.asarray(y_test, np.int64)
    proba = detector.predict_proba(X_test, threads)
    pos = detector.positive
    metrics = {"classes": detector.classes, "positive": detector.classes[pos], "threshold": detector.threshold,
               "test": binary_metrics((y_test == pos).astype(int), proba[:, pos], detector.threshold)}
    w = None if weights is None else np.asarray(weights, np.float64)
    metrics["test_prevalence"] = prevalence_metrics((y_test == pos).astype(int), proba[:, pos], detector.threshold,
                                                    None if w is None else w[np.asarray(test_idx, np.int64)])
    if len(detector.classes) > 2:
        metrics["test_multiclass"] = multiclass_metrics(y_test, proba)
    if X_val is not None:
        pv = detector.score(X_val, threads)
        yv = (np.asarray(y_val) == pos).astype(int)
        metrics["val"] = binary_metrics(yv, pv, detector.threshold)
        if w is None or val_idx is not None:
            metrics["val_prevalence"] = prevalence_metrics(yv, pv, detector.threshold,
                                                           None if w is None else w[np.asarray(val_idx, np.int64)])
    preds = pd.DataFrame({"index": np.asarray(test_idx, np.int64), "label": y_test,
                          "score": proba[:, pos], "predicted": (proba[:, pos] >= detector.threshold).astype(int)})
    return metrics, preds
