"""Detection metrics at the real prevalence, for rare positives.

When a kind keeps only a subset of its negatives (``sequences`` with
``negatives_per_positive``), each kept item carries a weight: how many items
of the full set it stands for. Weighted by them, every metric below is the
one the full set would give (in expectation over the seeded subset): AUROC,
AUPRC (step-wise average precision) beside the positives' weighted share, the
prevalence (AUPRC's floor: a random ranking scores it), precision at fixed
recalls, and precision, recall and F1 at the threshold chosen on validation
data. Without weights every item weighs 1.

Computed by scikit-learn (``roc_auc_score``, ``average_precision_score``,
``precision_recall_curve``, each with ``sample_weight``).
"""

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

RECALLS = (0.5, 0.8)


def precision_at_recall(y, score, recall, weights=None):
    """Highest precision of any threshold whose recall is at least ``recall``."""
    p, r, _ = precision_recall_curve(y, score, sample_weight=weights)
    ok = r >= recall - 1e-12
    return float(p[ok].max()) if ok.any() else 0.0


def prevalence_metrics(y_true, score, threshold, weights=None, recalls=RECALLS):
    """JSON-able dict: prevalence, auroc, auprc, precision_at_recall_<r>, and precision, recall,
    f1 of ``score >= threshold``; all weighted by ``weights`` (None: 1 each)."""
    y = np.asarray(y_true, np.int64)
    s = np.asarray(score, np.float64)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, np.float64)
    if len(w) != len(y):
        raise ValueError(f"{len(w)} weights for {len(y)} items")
    both = 0 < y.sum() < len(y)
    pred = s >= threshold
    tp, fp, fn = (float(w[m].sum()) for m in (pred & (y == 1), pred & (y == 0), ~pred & (y == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    out = {"prevalence": float(w[y == 1].sum() / w.sum()),
           "auroc": float(roc_auc_score(y, s, sample_weight=w)) if both else float("nan"),
           "auprc": float(average_precision_score(y, s, sample_weight=w)) if both else float("nan"),
           "precision": precision, "recall": recall,
           "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
           "threshold": float(threshold), "n": int(len(y)), "weighted_n": float(w.sum())}
    for r in recalls:
        out[f"precision_at_recall_{r:g}"] = precision_at_recall(y, s, r, w) if both else float("nan")
    return out
