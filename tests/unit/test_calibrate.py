"""Calibration (temperature scaling with Platt's targets) and the threshold on a separable validation set."""

import numpy as np
import pytest

from genaug.detect import train_detector
from genaug.detect.calibrate import apply_temperature, calibrated_threshold, fit_temperature, smoothed_targets
from genaug.metrics import choose_threshold, roc_auc


def _separable(n_neg=90, n_pos=10, seed=0, gap=(1e-4, 0.999)):
    """Overconfident, perfectly separable validation probabilities: every negative below gap[0],
    every positive above gap[1]."""
    rng = np.random.default_rng(seed)
    neg = rng.uniform(1e-9, gap[0], n_neg)
    pos = rng.uniform(gap[1], 1 - 1e-9, n_pos)
    p1 = np.r_[neg, pos]
    y = np.r_[np.zeros(n_neg, int), np.ones(n_pos, int)]
    return np.c_[1 - p1, p1], y


def test_platt_targets_are_inside_zero_and_one():
    t = smoothed_targets(np.array([0, 0, 0, 1]), 2)
    assert t[0, 0] == pytest.approx(4 / 5) and t[3, 1] == pytest.approx(2 / 3)
    np.testing.assert_allclose(t.sum(1), 1)


def test_temperature_on_a_separable_set_is_finite_and_probabilities_are_not_all_zero_or_one():
    proba, y = _separable()
    t = fit_temperature(proba, y)
    assert 1.5 < t < 100                               # softens overconfident scores, does not blow up
    cal = apply_temperature(proba, t)[:, 1]
    assert 0.01 < cal[y == 1].min() and cal[y == 1].max() < 0.99   # positives not all 1
    assert 1e-3 < cal[y == 0].max() < 0.5                       # negatives not all 0
    assert roc_auc(y, cal) == roc_auc(y, proba[:, 1]) == 1.0    # the ranking is kept


def test_the_threshold_on_a_separable_set_stays_at_one_half_whatever_the_extreme_items():
    """Raw F1-midpoint thresholds move with the two extreme items; the calibrated rule does not."""
    raw, cal = [], []
    for seed, gap in [(0, (1e-4, 0.999)), (1, (1e-2, 0.6)), (2, (1e-6, 0.9999)), (3, (0.3, 0.95))]:
        proba, y = _separable(seed=seed, gap=gap)
        raw.append(choose_threshold(y, proba[:, 1]))
        c = apply_temperature(proba, fit_temperature(proba, y))[:, 1]
        cal.append(calibrated_threshold(y, c))
        assert ((c >= cal[-1]) == y.astype(bool)).all()          # still the F1-best calls on val
    assert max(raw) - min(raw) > 0.1                              # the old rule wanders
    assert cal == [0.5] * 4


def test_the_threshold_leaves_one_half_when_one_half_is_not_f1_best():
    y = np.array([0, 0, 0, 1, 1])
    s = np.array([0.05, 0.1, 0.6, 0.8, 0.9])                      # F1-best calls need a threshold above 0.6
    t = calibrated_threshold(y, s)
    assert 0.6 < t <= 0.8 and t != 0.5


def test_a_trained_detector_reports_calibrated_probabilities_and_keeps_them_in_its_file(tmp_path):
    from genaug.detect import load_detector
    rng = np.random.default_rng(3)

    def toy(n):
        y = (rng.random(n) < 0.1).astype(np.int64)
        y[:2] = [0, 1]
        X = rng.normal(size=(n, 6)).astype(np.float32)
        X[:, 0] += 12.0 * y                                        # far apart: validation is separable
        return X, y

    (Xt, yt), (Xv, yv) = toy(300), toy(100)
    r = train_detector("logistic", "none", Xt, yt, Xv, yv, ["common", "rare"], 1, "vector", settings={"l2": 1e-4})
    d = r.detector
    pv = d.score(Xv)
    assert (pv[yv == 1].min() > pv[yv == 0].max())                 # separable
    assert r.calibration["temperature"] == d.temperature > 1       # the raw fit was overconfident
    assert r.calibration["val_nll_calibrated"] > 0
    assert d.threshold == 0.5
    assert 0.0 < pv.min() and pv.max() < 1.0
    d.save(tmp_path / "m.pt")
    back = load_detector(tmp_path / "m.pt")
    assert back.temperature == d.temperature
    np.testing.assert_allclose(back.score(Xv), pv)
