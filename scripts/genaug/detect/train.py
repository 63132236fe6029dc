"""Train a detector under one strategy and choose its threshold on validation data.

Strategies (how the rare class is helped), the same for every detector that
lists them (``registry.DETECTORS``):

- ``none``: real train items as they are;
- ``class_weight``: the loss weighs each class by n / (K * n_class);
- ``oversample``: each epoch draws items with replacement so that every class
  is drawn equally often;
- a generator's name: the generator's synthetic items (``synthetic/{g}.npz``,
  labelled with the rare class) are added to the real train items.

Early stopping and the threshold use the validation split only: the epoch
kept is the one with the best validation AUPRC of the rare class (ties: the
lower validation loss); the probabilities are then calibrated on validation
(temperature scaling) and the threshold is chosen on the calibrated
validation probabilities (``calibrate``: 0.5 when it gives the best
validation F1 of the rare class, else the middle of the F1-best range). The test split is not an input here.
"""

import copy
import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from .. import items as items_mod
from ..device import pick_device, seeded, set_threads
from ..items import as_items, network_bytes, network_lookup
from ..layouts import make_layout
from ..metrics import average_precision
from . import registry
from .calibrate import calibrate
from .features import summary_features
from .model import Detector
from .nets import detector_net

log = logging.getLogger(__name__)

CHUNK = 128
PREDICT_CHUNK = 32  # validation items per forward pass (activations of a batch, not of the set)


@dataclass
class DetectResult:
    detector: Detector
    history: list = field(default_factory=list)  # rows: epoch, train_loss, val_loss, val_auprc
    best_epoch: int = 0
    seconds: float = 0.0
    device: str = "cpu"
    calibration: dict = field(default_factory=dict)  # calibrate.calibrate's record (temperature, val NLL)


def train_detector(detector, strategy, X_train, y_train, X_val, y_val, classes, positive, layout, channels=None,
                   X_synthetic=None, settings=None, seed=0, threads=1, device=None, graph=None):
    """Fit detector ``detector`` (a ``registry.DETECTORS`` name) of ``classes`` (``positive``: the rare
    class index) under ``strategy``.

    ``X_synthetic`` (items of class ``positive``) is added to the training
    items when given (generator strategies). ``graph``: (edge index (2, E) into
    the features, weights (E,)) for the graph detectors (``gcn``). Returns a
    DetectResult whose ``detector`` carries the validation-chosen threshold.
    """
    t0 = time.time()
    spec = registry.get(detector)
    if not spec.supports(layout):
        raise ValueError(f"detector {detector} takes {' or '.join(spec.layouts)} items, not {layout} items")
    if strategy in registry.BUILTIN_STRATEGIES and strategy not in spec.strategies:
        raise ValueError(f"detector {detector} trains under strategies {', '.join(spec.strategies)} "
                         f"(and generators'), not {strategy}")
    if strategy not in registry.BUILTIN_STRATEGIES and X_synthetic is None:
        raise ValueError(f"strategy {strategy} is neither built in ({', '.join(registry.BUILTIN_STRATEGIES)}) "
                         "nor given synthetic items")
    s = registry.resolve(settings)
    set_threads(threads)
    y_train, y_val = np.asarray(y_train, np.int64), np.asarray(y_val, np.int64)
    if X_synthetic is not None and len(X_synthetic):
        # one set read a batch at a time: neither part is copied into memory
        X_train = as_items(X_train).concat(as_items(X_synthetic))
        y_train = np.concatenate([y_train, np.full(len(X_synthetic), positive, np.int64)])
    missing = [classes[k] for k in range(len(classes)) if not (y_train == k).any()]
    if missing:
        raise ValueError(f"the training items hold no item of class {', '.join(missing)}")
    extra = {} if graph is None else {"graph": graph}  # the gene graph of the graph detectors (gcn)
    result = spec.call("fit", detector, strategy, X_train, y_train, X_val, y_val, classes, positive, layout,
                       channels, s, seed, device, **extra)
    result.seconds = time.time() - t0
    return result


def class_weights(y, n_classes):
    """n / (K * n_class) per class: the ``class_weight`` strategy's loss weights."""
    counts = np.bincount(y, minlength=n_classes)
    return len(y) / (n_classes * counts)


def fit_network(name, strategy, X_train, y_train, X_val, y_val, classes, positive, layout, channels, s, seed,
                device, net=None):
    """The network detectors (``nets.detector_net(name)``, or the untrained ``net`` given): minibatch AdamW,
    early stopping on validation AUPRC."""
    n_classes = len(classes)
    dev = pick_device(device)
    g = seeded(seed)
    # only vectors fit the layout to the data; the others take the items' shape and dtype
    lay = make_layout(layout, np.asarray(X_train[:1]) if layout != "vector" else np.asarray(X_train), channels,
                      image_size=s["image_size"])
    # network-space items: converted once when train and val together fit in items.CACHE_BYTES,
    # else both per batch from X (so that memory stays flat beyond that size)
    half = lay.name == "image"
    fits = network_bytes(lay, len(X_train) + len(X_val), half) <= items_mod.CACHE_BYTES
    cache = items_mod.CACHE_BYTES if fits else 0
    Xt, Xv = network_lookup(X_train, lay, half, cache), network_lookup(X_val, lay, half, cache)
    net = (detector_net(name, lay.net_shape, n_classes, s) if net is None else net).to(dev)
    opt = torch.optim.AdamW(net.parameters(), lr=s["lr"], weight_decay=s["weight_decay"])
    counts = np.bincount(y_train, minlength=n_classes)
    weight = None
    if strategy == "class_weight":
        weight = torch.tensor(class_weights(y_train, n_classes), dtype=torch.float32, device=dev)
    draw_p = None
    if strategy == "oversample":
        draw_p = torch.tensor((1.0 / counts)[y_train], dtype=torch.float64)
    yt = torch.from_numpy(y_train)
    best, best_key, history, waited = None, None, [], 0
    steps = math.ceil(len(y_train) / s["batch_size"])
    log.info("%s: %d training items (%s), %d validation items, network input %s on %s", strategy, len(y_train),
             ", ".join(f"{classes[k]}={counts[k]}" for k in range(n_classes)), len(y_val), lay.net_shape, dev)
    for epoch in range(1, s["epochs"] + 1):
        net.train()
        order = (torch.multinomial(draw_p, len(y_train), replacement=True, generator=g) if draw_p is not None
                 else torch.randperm(len(y_train), generator=g))
        total = 0.0
        for b in range(steps):
            idx = order[b * s["batch_size"]:(b + 1) * s["batch_size"]]
            if len(idx) < 2:  # batch norm needs two items
                continue
            logits = net(Xt(idx).to(dev))
            loss = F.cross_entropy(logits, yt[idx].to(dev), weight=weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        proba = _predict(net, Xv, len(y_val), dev)
        val_loss = float(F.nll_loss(torch.log(torch.from_numpy(proba).clamp_min(1e-7)), torch.from_numpy(y_val)))
        val_ap = average_precision((y_val == positive).astype(int), proba[:, positive])
        history.append([epoch, total / len(y_train), val_loss, val_ap])
        key = (-1.0 if math.isnan(val_ap) else val_ap, -val_loss)
        if best_key is None or key > best_key:
            best_key, best, waited = key, (epoch, copy.deepcopy(net.state_dict())), 0
        else:
            waited += 1
        log.info("%s: epoch %d/%d, train loss %.4f, val loss %.4f, val AUPRC %.3f%s", strategy, epoch,
                 s["epochs"], total / len(y_train), val_loss, val_ap, "" if waited else " (best)")
        if waited >= s["patience"]:
            log.info("%s: no better validation AUPRC for %d epochs: stopping", strategy, waited)
            break
    net.load_state_dict(best[1])
    detector = Detector(name=name, classes=list(map(str, classes)),
                        positive=int(positive), threshold=0.5, layout=lay.state(), settings=s,
                        strategy=strategy, net=net.cpu())
    # calibration and threshold from the scores the saved detector gives (from the items, as when applied)
    calibration = calibrate(detector, detector.predict_proba(X_val, device=dev), y_val)
    log.info("%s: temperature %.3g (val NLL %.4f -> %.4f), threshold %.4g on calibrated probabilities", strategy,
             calibration["temperature"], calibration["val_nll_raw"], calibration["val_nll_calibrated"],
             detector.threshold)
    return DetectResult(detector, history, best[0], 0.0, str(dev), calibration)


@torch.no_grad()
def _predict(net, lookup, n, dev):
    """Class probabilities of items 0..n-1 of ``lookup`` (network space; float16 for images:
    half the memory, pooled shares lose < 0.1 %)."""
    net.eval()
    out = [torch.softmax(net(lookup(torch.arange(i, min(i + PREDICT_CHUNK, n))).to(dev)).float(), 1).cpu()
           for i in range(0, n, PREDICT_CHUNK)]
    return torch.cat(out).numpy().astype(np.float64) if out else np.zeros((0, 2))


def fit_logistic(name, strategy, X_train, y_train, X_val, y_val, classes, positive, layout, channels, s, seed, device):
    """The ``logistic`` detector: scikit-learn's L2 logistic regression (L-BFGS, C = 1 / (l2 * n),
    class-balanced weights under ``class_weight``) on standardised summary features; its
    coefficients are copied into a torch linear layer so the model file holds weights only."""
    F_train = summary_features(X_train, layout, channels, s["kmer"])
    mean, std = F_train.mean(0), F_train.std(0)
    std[std < 1e-8] = 1.0
    Z = (F_train - mean) / std
    y_train = np.asarray(y_train, np.int64)
    clf = LogisticRegression(C=1.0 / (s["l2"] * len(y_train)) if s["l2"] > 0 else np.inf, max_iter=1000, tol=1e-8,
                             class_weight="balanced" if strategy == "class_weight" else None)
    clf.fit(Z, y_train)
    coef, intercept = clf.coef_, clf.intercept_
    if len(classes) == 2:  # one logit difference: split it over the two outputs
        coef, intercept = np.vstack([-coef / 2, coef / 2]), np.r_[-intercept / 2, intercept / 2]
    lin = torch.nn.Linear(Z.shape[1], len(classes))
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(coef))
        lin.bias.copy_(torch.from_numpy(intercept))
    loss = float(log_loss(y_train, clf.predict_proba(Z), labels=clf.classes_))
    detector = Detector(name="logistic", classes=list(map(str, classes)), positive=int(positive), threshold=0.5,
                        layout={"name": layout, "channels": None if channels is None else list(map(str, channels)),
                                "item_shape": list(np.asarray(X_train[:1]).shape[1:]),
                                "dtype": np.asarray(X_train[:1]).dtype.str},
                        settings=s, strategy=strategy, net=lin,
                        scaler={"mean": torch.from_numpy(mean), "std": torch.from_numpy(std)})
    calibration = calibrate(detector, detector.predict_proba(X_val), y_val)
    proba = detector.predict_proba(X_val)
    val_ap = average_precision((np.asarray(y_val) == positive).astype(int), proba[:, positive])
    log.info("logistic: %d features, training loss %.4f, val AUPRC %.3f", F_train.shape[1], loss, val_ap)
    return DetectResult(detector, [[1, loss, float("nan"), val_ap]], 1, 0.0, "cpu", calibration)
