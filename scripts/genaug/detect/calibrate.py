"""Calibration of a detector's probabilities on validation data, and the decision threshold.

Temperature scaling (one parameter T > 0; class probabilities become
softmax(log p / T), i.e. the network's logits divided by T) fitted on the
validation split. Why temperature and not isotonic regression: a monotone
one-parameter map keeps the ranking (AUROC and AUPRC are unchanged) and
cannot overfit a validation split of a few dozen positives, while isotonic
regression on a perfectly separable validation split is a step from 0 to 1,
which is exactly the all-or-nothing probability that made the threshold
arbitrary. Plain maximum likelihood has the same flaw (on separable data the
likelihood grows without bound as T -> 0), so T is fitted to Platt's
smoothed targets: the true class of an item counts as (n_k + 1) / (n_k + 2)
and the rest share the remainder, n_k being the validation items of that
class. The fitted T is finite on every validation split, and the calibrated
probabilities stay inside (0, 1).

The threshold (``calibrated_threshold``): validation F1 of the rare class is
maximised by a range of thresholds, all making the same calls on validation;
when that range holds 0.5 (the Bayes decision of calibrated probabilities at
equal costs), 0.5 is taken; otherwise the middle of the range in log-odds
(``metrics.choose_threshold``). On a separable validation split the range is
the whole gap between the highest negative and the lowest positive, so the
threshold no longer depends on where two extreme items happen to score.
"""

import numpy as np
from scipy.optimize import minimize_scalar

from ..metrics import choose_threshold

T_BOUNDS = (1e-2, 1e3)
EPS = 1e-12


def apply_temperature(proba, temperature):
    """Class probabilities (N, K) -> softmax(log p / T), float64."""
    p = np.asarray(proba, np.float64)
    if temperature == 1.0 or p.size == 0:
        return p
    z = np.log(np.clip(p, EPS, 1.0)) / float(temperature)
    z -= z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def smoothed_targets(y, n_classes):
    """Platt's targets: (n_k + 1) / (n_k + 2) for an item's class k, the rest spread evenly."""
    y = np.asarray(y, np.int64)
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    hit = (counts[y] + 1) / (counts[y] + 2)
    t = np.repeat(((1 - hit) / max(n_classes - 1, 1))[:, None], n_classes, 1)
    t[np.arange(len(y)), y] = hit
    return t


def fit_temperature(proba, y):
    """T minimising the cross-entropy of softmax(log p / T) against the smoothed targets; 1.0 when
    there are no items or one class only."""
    p = np.asarray(proba, np.float64)
    y = np.asarray(y, np.int64)
    if len(y) == 0 or len(np.unique(y)) < 2:
        return 1.0
    t = smoothed_targets(y, p.shape[1])

    def loss(log_t):
        q = apply_temperature(p, float(np.exp(log_t)))
        return float(-(t * np.log(np.clip(q, EPS, 1.0))).sum(1).mean())

    res = minimize_scalar(loss, bounds=tuple(np.log(T_BOUNDS)), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(res.x))


def calibrated_threshold(y_true, p_calibrated, prefer=0.5):
    """The validation-F1 threshold on calibrated probabilities: ``prefer`` when it makes the F1-best
    calls, else the log-odds middle of the F1-best range (``metrics.choose_threshold``)."""
    return choose_threshold(y_true, p_calibrated, prefer=prefer)


def calibrate(detector, proba_val, y_val):
    """Fit the detector's temperature on validation probabilities (uncalibrated, (N, K)) and set its
    threshold on the calibrated ones. Returns a dict for metrics.json."""
    y_val = np.asarray(y_val, np.int64)
    t = fit_temperature(proba_val, y_val)
    cal = apply_temperature(proba_val, t)
    pos = detector.positive
    detector.temperature = t
    detector.threshold = calibrated_threshold((y_val == pos).astype(int), cal[:, pos])
    y_bin = (y_val == pos).astype(int)
    raw = np.clip(np.asarray(proba_val, np.float64)[:, pos], EPS, 1 - EPS)
    cp = np.clip(cal[:, pos], EPS, 1 - EPS)
    nll = lambda q: float(-(y_bin * np.log(q) + (1 - y_bin) * np.log(1 - q)).mean()) if len(q) else float("nan")
    return {"method": "temperature", "temperature": t, "val_nll_raw": nll(raw), "val_nll_calibrated": nll(cp),
            "threshold": detector.threshold}
