"""Metrics at the real prevalence: weights stand for the negatives a subset left out."""

import numpy as np
import pytest

from genaug.metrics.classification import average_precision, roc_auc
from genaug.metrics.prevalence import precision_at_recall, prevalence_metrics


def test_unweighted_metrics_equal_the_library_ones():
    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.1).astype(int)
    s = rng.random(300) + y * 0.5
    m = prevalence_metrics(y, s, 0.9)
    assert m["auroc"] == pytest.approx(roc_auc(y, s)) and m["auprc"] == pytest.approx(average_precision(y, s))
    assert m["prevalence"] == pytest.approx(y.mean())


def test_weighted_negatives_give_the_full_set_metrics():
    # full set: 2 positives, 8 negatives; the subset keeps every other negative at weight 2
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    s = np.array([0.9, 0.4, 0.8, 0.8, 0.5, 0.5, 0.3, 0.3, 0.1, 0.1])
    full = prevalence_metrics(y, s, 0.45)
    keep = np.array([0, 1, 2, 4, 6, 8])
    sub = prevalence_metrics(y[keep], s[keep], 0.45, weights=np.array([1, 1, 2, 2, 2, 2]))
    for k in ("prevalence", "auroc", "auprc", "precision", "recall", "f1", "precision_at_recall_0.5"):
        assert sub[k] == pytest.approx(full[k]), k
    assert full["prevalence"] == 0.2 and full["precision"] == pytest.approx(1 / 5)  # 0.9, 0.8, 0.8, 0.5, 0.5
    unweighted = prevalence_metrics(y[keep], s[keep], 0.45)
    assert unweighted["prevalence"] == pytest.approx(2 / 6) and unweighted["precision"] > full["precision"]


def test_precision_at_recall_by_hand():
    y = np.array([1, 0, 1, 0, 1])
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.1])
    assert precision_at_recall(y, s, 0.3) == 1.0          # threshold 0.9: 1 of 1
    assert precision_at_recall(y, s, 0.6) == pytest.approx(2 / 3)
    assert precision_at_recall(y, s, 1.0) == pytest.approx(3 / 5)
