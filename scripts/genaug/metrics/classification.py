"""Binary and multiclass classification metrics, and a paired bootstrap.

Labels are 0/1 (1 = positive, the rare class); scores are any real numbers,
higher meaning more likely positive. A prediction is positive when
``score >= threshold``. Results are plain Python floats / ints / lists so
they go straight into JSON (``nan`` is written as ``NaN`` by ``json.dump``).

Conventions where a ratio has an empty denominator (documented once, used
everywhere here): precision with no predicted positive is 0.0, recall with no
positive item is 0.0, F1 is 0.0 when precision + recall is 0. AUROC and AUPRC
are ``nan`` when one class is absent.

AUROC, AUPRC (step-wise average precision), the curves, precision, recall,
F1 and confusion matrices are scikit-learn's. The paired bootstrap is
written here (vectorised over resamples as item weights); its values equal
scikit-learn's on the explicitly resampled items (tested).
"""

import numpy as np
from scipy.special import expit, logit
from sklearn import metrics as skm

BOOTSTRAP_METRICS = ("f1", "precision", "recall", "auroc", "auprc")


def _labels(y_true):
    y = np.asarray(y_true).ravel()
    if y.size and not np.isin(y, (0, 1)).all():
        bad = np.unique(y[~np.isin(y, (0, 1))])[:3]
        raise ValueError(f"labels must be 0/1; found {bad.tolist()}")
    return y.astype(np.int64)


def _scores(score, n):
    s = np.asarray(score, dtype=np.float64).ravel()
    if s.size != n:
        raise ValueError(f"{s.size} scores for {n} labels; give one score per item")
    if np.isnan(s).any():
        raise ValueError(f"{int(np.isnan(s).sum())} scores are NaN")
    return s


def _ratio(num, den):
    """num / den, 0.0 where den == 0 (works on scalars and arrays)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den != 0)
    return out


def confusion(y_true, y_pred):
    """2x2 int array [[tn, fp], [fn, tp]] for 0/1 labels and 0/1 predictions."""
    y = _labels(y_true)
    p = _labels(y_pred)
    if p.size != y.size:
        raise ValueError(f"{p.size} predictions for {y.size} labels")
    return skm.confusion_matrix(y, p, labels=[0, 1]).astype(np.int64)


def roc_auc(y_true, score):
    """Area under the ROC curve (scikit-learn's ``roc_auc_score``: P(score of a positive >
    score of a negative), ties counting 1/2). ``nan`` when one class is absent."""
    y = _labels(y_true)
    s = _scores(score, y.size)
    if y.all() or not y.any():
        return float("nan")
    return float(skm.roc_auc_score(y, s))


def average_precision(y_true, score):
    """Step-wise average precision (AUPRC), scikit-learn's ``average_precision_score``.
    ``nan`` when there is no positive item (or no item)."""
    y = _labels(y_true)
    s = _scores(score, y.size)
    if not y.any():
        return float("nan")
    return float(skm.average_precision_score(y, s))


def pr_curve(y_true, score):
    """Precision–recall curve for plotting: scikit-learn's ``precision_recall_curve`` with every
    point kept (``thresholds`` the distinct scores, increasing; a final point (precision 1,
    recall 0) with no threshold). Recall is 0 everywhere when there is no positive."""
    y = _labels(y_true)
    s = _scores(score, y.size)
    if not y.any():
        thr = np.unique(s)
        precision = np.r_[np.zeros(thr.size), 1.0]
        return precision, np.zeros(thr.size + 1), thr
    return skm.precision_recall_curve(y, s, drop_intermediate=False)


def _prf(y, pred, labels):
    """Per-class precision, recall, F1 (0.0 conventions of the module docstring)."""
    p, r, f, _ = skm.precision_recall_fscore_support(y, pred, labels=labels, zero_division=0.0)
    return p, r, f


def binary_metrics(y_true, score, threshold):
    """Metrics of predicting positive for ``score >= threshold``.

    Returns a JSON-able dict: precision, recall, f1 (0.0 conventions in the
    module docstring), auroc, auprc (threshold-free; nan when one class is
    absent), threshold, confusion [[tn, fp], [fn, tp]], n, positives (items with
    label 1), predicted_positives.
    """
    y = _labels(y_true)
    s = _scores(score, y.size)
    pred = (s >= threshold).astype(np.int64)
    cm = confusion(y, pred)
    (tn, fp), (fn, tp) = cm.tolist()
    precision, recall, f1 = (float(v[0]) for v in _prf(y, pred, [1]))
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "auroc": roc_auc(y, s),
        "auprc": average_precision(y, s),
        "threshold": float(threshold),
        "confusion": cm.tolist(),
        "n": int(y.size),
        "positives": int(tp + fn),
        "predicted_positives": int(tp + fp),
    }


def choose_threshold(y_true, score, prefer=None):
    """Decision threshold maximising F1 (meant for validation data), placed inside the gap
    of scores below the F1-best one.

    Candidates are the distinct scores; for candidate t the prediction is
    ``score >= t``. The candidate with the highest F1 wins, ties broken toward
    the larger threshold (fewer predicted positives). The threshold returned
    is the middle (in log-odds) of that candidate and the next lower score,
    where every threshold makes the same calls on these items: the candidate
    itself is the edge of the gap, and a new item scoring a hair below it
    would be called negative, which would understate recall on new data.
    ``prefer`` (e.g. 0.5 for calibrated probabilities): returned instead when
    it lies in that gap, i.e. when it makes the same, F1-best, calls.
    Returns 0.5 when there is no positive item (F1 is 0 for every candidate).
    """
    y = _labels(y_true)
    s = _scores(score, y.size)
    if not y.any():
        return 0.5
    precision, recall, thr = skm.precision_recall_curve(y, s, drop_intermediate=False)
    precision, recall = precision[:-1], recall[:-1]  # thresholds increasing
    f1 = _ratio(2 * precision * recall, precision + recall)
    best = int(np.flatnonzero(f1 >= f1.max() - 1e-12)[-1])  # ties: the largest threshold
    t = float(thr[best])
    lo = float(thr[best - 1]) if best else -np.inf
    if prefer is not None and lo < prefer <= t:
        return float(prefer)
    if best == 0:
        return t
    mid = float(expit((logit(np.clip(t, 1e-12, 1 - 1e-12)) + logit(np.clip(lo, 1e-12, 1 - 1e-12))) / 2))
    return mid if lo < mid <= t else t


def multiclass_metrics(y_true, proba):
    """Metrics of predicting ``argmax(proba, axis=1)`` (first class on ties).

    ``proba`` is (n, K); labels are ints 0..K-1. Returns accuracy, macro_f1
    (unweighted mean of the K per-class F1), per-class lists precision,
    recall, f1 (one-vs-rest; 0.0 conventions in the module docstring, so a
    class absent from y_true and never predicted has F1 0 and still counts in
    the macro mean), confusion KxK (rows true class, columns predicted),
    predictions (list of ints) and n.
    """
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2:
        raise ValueError(f"proba must be (n, K); got shape {proba.shape}")
    n, k = proba.shape
    y = np.asarray(y_true).ravel().astype(np.int64)
    if y.size != n:
        raise ValueError(f"{y.size} labels for {n} rows of proba")
    if n and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"labels must be in 0..{k - 1} for {k} columns of proba")
    pred = np.argmax(proba, axis=1) if n else np.zeros(0, dtype=np.int64)
    labels = list(range(k))
    cm = skm.confusion_matrix(y, pred, labels=labels).astype(np.int64) if n else np.zeros((k, k), np.int64)
    precision, recall, f1 = _prf(y, pred, labels) if n else (np.zeros(k),) * 3
    return {
        "accuracy": float(skm.accuracy_score(y, pred)) if n else float("nan"),
        "macro_f1": float(np.mean(f1)),
        "precision": [float(v) for v in precision],
        "recall": [float(v) for v in recall],
        "f1": [float(v) for v in f1],
        "confusion": cm.tolist(),
        "predictions": pred.astype(int).tolist(),
        "n": int(n),
    }


def mean_sd(values):
    """{"mean", "sd", "n"} of the values (all of them, nan included); sd with
    ddof=1, 0.0 for one value; mean and sd nan for no value."""
    v = np.asarray(values, dtype=np.float64).ravel()
    n = int(v.size)
    if n == 0:
        return {"mean": float("nan"), "sd": float("nan"), "n": 0}
    return {"mean": float(v.mean()), "sd": float(v.std(ddof=1)) if n > 1 else 0.0, "n": n}


# ---------------------------------------------------------------- bootstrap


def _weighted_metric(metric, y, run, w):
    """``metric`` of one run on each resample, resamples given as item counts.

    ``w`` is (B, n): how many times each item is drawn in each resample, so
    the value equals the metric on the explicitly resampled items. Returns (B,).
    """
    score, threshold = run
    s = _scores(score, y.size)
    pos = y == 1
    if metric in ("f1", "precision", "recall"):
        pred = s >= threshold
        tp = w[:, pred & pos].sum(axis=1)
        fp = w[:, pred & ~pos].sum(axis=1)
        fn = w[:, ~pred & pos].sum(axis=1)
        precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        f1 = _ratio(2 * precision * recall, precision + recall)
        return {"f1": f1, "precision": precision, "recall": recall}[metric]
    # Group items by distinct score; weights of positives / negatives per group.
    order = np.argsort(s, kind="mergesort")
    ss = s[order]
    starts = np.flatnonzero(np.r_[True, ss[1:] != ss[:-1]])
    wo = w[:, order]
    yo = pos[order]
    wp = np.add.reduceat(wo * yo, starts, axis=1)  # (B, G), scores increasing
    wn = np.add.reduceat(wo * ~yo, starts, axis=1)
    n_pos = wp.sum(axis=1)
    n_neg = wn.sum(axis=1)
    if metric == "auroc":
        below = np.cumsum(wn, axis=1) - wn  # negatives strictly below each group
        u = np.sum(wp * (below + 0.5 * wn), axis=1)
        return _ratio(u, n_pos * n_neg)
    # auprc: thresholds from the highest group down.
    tp = np.cumsum(wp[:, ::-1], axis=1)
    fp = np.cumsum(wn[:, ::-1], axis=1)
    prec = _ratio(tp, tp + fp)
    return _ratio(np.sum(wp[:, ::-1] * prec, axis=1), n_pos)


def paired_bootstrap(y_true, runs_a, runs_b, metric, n_boot=1000, seed=0, level=0.95, groups=None,
                     resample_runs=False):
    """Paired bootstrap of (mean metric over runs_a) - (mean metric over runs_b).

    ``runs_a`` / ``runs_b``: lists (one per replicate seed) of
    ``(score, threshold)`` on the same test items ``y_true``. ``metric`` is one
    of f1, precision, recall (at each run's threshold), auroc, auprc. Each of
    the ``n_boot`` resamples draws whole ``groups`` (one label per item: blocks,
    people; default: every item its own group) with replacement, as many as
    there are groups (numpy ``default_rng(seed)``: ``integers(0, G, (n_boot, G))``
    over the groups in order of first appearance), and applies the same draw to
    every run of both sides: items that cluster move together, so the interval
    does not pretend they are independent. With singleton groups this is the
    item bootstrap, draw for draw. ``resample_runs``: each resample also draws
    each side's runs with replacement (as many as it has), so the interval holds
    seed-to-seed variance as well. For auroc / auprc, resamples holding one class
    only are skipped and counted in ``skipped``; ``lo`` / ``hi`` / ``p_le_0`` are
    over the rest.

    Returns {"diff": observed difference on the full test set, "lo", "hi":
    percentile interval at ``level`` (numpy linear quantiles), "n_boot",
    "level", "p_le_0": share of resampled differences <= 0, "p_two_sided":
    min(1, 2 min(share <= 0, share >= 0)), "skipped", "n_groups"}.
    """
    if metric not in BOOTSTRAP_METRICS:
        raise ValueError(f"metric {metric!r} is not one of {', '.join(BOOTSTRAP_METRICS)}")
    if not runs_a or not runs_b:
        raise ValueError("runs_a and runs_b need at least one (score, threshold) run each")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1); got {level}")
    y = _labels(y_true)
    n = y.size
    B = int(n_boot)
    if groups is None:
        item_group = np.arange(n)
    else:
        groups = np.asarray(groups)
        if len(groups) != n:
            raise ValueError(f"{len(groups)} groups for {n} test items")
        _, first, inv = np.unique(groups, return_index=True, return_inverse=True)
        order = np.argsort(first)  # groups numbered by first appearance
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        item_group = rank[inv]
    G = int(item_group.max()) + 1 if n else 0
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, G, size=(B, G))
    counts = np.bincount((idx + G * np.arange(B)[:, None]).ravel(), minlength=B * G).reshape(B, G)
    w = counts[:, item_group].astype(np.float64)

    def side(runs, w, pick):
        values = np.stack([_weighted_metric(metric, y, r, w) for r in runs])  # (runs, B)
        if pick is None:
            return values.mean(axis=0)
        return np.take_along_axis(values, pick.T, axis=0).mean(axis=0)

    observed = float(side(runs_a, np.ones((1, n)), None)[0] - side(runs_b, np.ones((1, n)), None)[0])
    picks = [rng.integers(0, len(r), size=(B, len(r))) if resample_runs else None for r in (runs_a, runs_b)]
    boots = side(runs_a, w, picks[0]) - side(runs_b, w, picks[1])
    skipped = 0
    if metric in ("auroc", "auprc"):
        n_pos = w[:, y == 1].sum(axis=1)
        ok = (n_pos > 0) & (n_pos < n)
        skipped = int((~ok).sum())
        boots = boots[ok]
        if not (y.any() and (~y.astype(bool)).any()):
            observed = float("nan")
    if boots.size:
        alpha = (1.0 - level) / 2.0
        lo, hi = np.quantile(boots, [alpha, 1.0 - alpha])
        p_le_0 = float(np.mean(boots <= 0))
        p_two = float(min(1.0, 2 * min(p_le_0, np.mean(boots >= 0))))
    else:
        lo = hi = p_le_0 = p_two = float("nan")
    return {
        "diff": observed,
        "lo": float(lo),
        "hi": float(hi),
        "n_boot": B,
        "level": float(level),
        "p_le_0": p_le_0,
        "p_two_sided": p_two,
        "skipped": skipped,
        "n_groups": G,
    }


def holm(p_values):
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1), in the input order;
    nan stays nan and does not count as a test."""
    p = np.asarray(p_values, np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if not m:
        return out
    order = ok[np.argsort(p[ok], kind="mergesort")]
    adj = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adj, 1.0)
    return out
