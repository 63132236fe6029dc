"""Score a trained detector on the test split and write what the report reads.

``metrics.json``: the test metrics of the rare class (precision, recall, F1,
AUROC, AUPRC, confusion matrix at the validation-chosen threshold), the
same on validation (where the threshold was chosen, for reference), and for
more than two classes the multiclass metrics (accuracy, macro F1).
``predictions.tsv``: one row per test item (index, label, rare-class score,
prediction), which the summary's paired bootstrap resamples.
"""

import numpy as np
import pandas as pd

from ..metrics import binary_metrics, multiclass_metrics


def evaluate(detector, X_test, y_test, test_idx, X_val=None, y_val=None, threads=None):
    """(metrics dict, predictions DataFrame) of ``detector`` on the test items."""
    y_test = np.asarray(y_test, np.int64)
    proba = detector.predict_proba(X_test, threads)
    pos = detector.positive
    metrics = {"classes": detector.classes, "positive": detector.classes[pos], "threshold": detector.threshold,
               "test": binary_metrics((y_test == pos).astype(int), proba[:, pos], detector.threshold)}
    if len(detector.classes) > 2:
        metrics["test_multiclass"] = multiclass_metrics(y_test, proba)
    if X_val is not None:
        pv = detector.score(X_val, threads)
        metrics["val"] = binary_metrics((np.asarray(y_val) == pos).astype(int), pv, detector.threshold)
    preds = pd.DataFrame({"index": np.asarray(test_idx, np.int64), "label": y_test,
                          "score": proba[:, pos], "predicted": (proba[:, pos] >= detector.threshold).astype(int)})
    return metrics, preds
