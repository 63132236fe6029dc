"""A trained detector: what ``model.pt`` holds, and applying it to items.

``model.pt`` is a dict of plain values and tensors (read with
``torch.load(weights_only=True)``, so no pickled code runs): ``format``
("genaug-detector"), ``version``, ``detector`` (a ``registry.DETECTORS`` name),
``classes``, ``positive`` (index of the rare class), ``threshold`` (chosen
on validation data, on the calibrated probabilities), ``temperature`` (the
calibration fitted on validation data: ``calibrate``; absent in older files:
1.0), ``layout`` (the items' layout state: name, item_shape,
dtype, channels, ...), ``settings``, ``strategy``, ``state`` (network
weights) and ``scaler`` (feature mean and sd, for detectors on features; else None).
"""

import numpy as np
import torch

from ..device import pick_device, set_threads
from ..errors import InputError
from ..items import conversion_rows
from ..layouts import layout_from_state
from ..outputs import replacing
from . import registry
from .calibrate import apply_temperature
from .features import summary_features
from .nets import detector_net

FORMAT, VERSION = "genaug-detector", 2
CHUNK = 128


class Detector:
    def __init__(self, name, classes, positive, threshold, layout, settings, strategy, net, scaler=None,
                 temperature=1.0):
        self.name, self.classes, self.positive = name, list(classes), int(positive)
        self.temperature = float(temperature)
        self.threshold, self.layout, self.settings, self.strategy = float(threshold), dict(layout), settings, strategy
        self.net, self.scaler = net, scaler

    @property
    def item_shape(self):
        return tuple(int(s) for s in self.layout["item_shape"])

    @property
    def channels(self):
        c = self.layout.get("channels")
        return None if c is None else [str(x) for x in c]

    def check(self, X_shape, channels, source):
        """Raise InputError naming ``source`` when items of ``X_shape`` / ``channels`` don't fit this detector."""
        shape = tuple(int(s) for s in X_shape[1:])
        if shape != self.item_shape:
            raise InputError(source, f"items have shape {shape} but the detector was trained on {self.item_shape}; "
                                     "encode them with the detector's settings (window, max_rows)")
        mine = self.channels
        theirs = None if channels is None else [str(c) for c in channels]
        if mine != theirs:
            raise InputError(source, f"items have channels {theirs} but the detector was trained on {mine}")

    def predict_proba(self, X, threads=None, device=None):
        """Calibrated class probabilities, float64 (N, K), of encoded items ``X`` (numpy or memory map)."""
        set_threads(threads)
        if len(X) and tuple(np.asarray(X[:1]).shape[1:]) != self.item_shape:
            raise ValueError(f"items of shape {np.asarray(X[:1]).shape[1:]}; the detector takes {self.item_shape}")
        return apply_temperature(registry.get(self.name).call("predict", self, X, device), self.temperature)

    def score(self, X, threads=None, device=None):
        """Probability of the rare (positive) class per item."""
        return self.predict_proba(X, threads, device)[:, self.positive]

    def save(self, path):
        obj = {"format": FORMAT, "version": VERSION, "detector": self.name, "classes": self.classes,
               "positive": self.positive, "threshold": self.threshold, "layout": self.layout,
               "settings": self.settings, "strategy": self.strategy,
               "state": {k: v.detach().cpu() for k, v in self.net.state_dict().items()},
               "scaler": self.scaler, "temperature": self.temperature}
        with replacing(path) as tmp:
            torch.save(obj, tmp)


def load_detector(path):
    """The Detector saved at ``path``; InputError when the file is not a genaug detector."""
    try:
        m = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except Exception as e:
        raise InputError(path, f"is not a genaug detector model ({type(e).__name__}: {str(e).splitlines()[0][:120]})")
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise InputError(path, "is not a genaug detector model (no 'genaug-detector' format tag)")
    if m.get("version") != VERSION or m.get("detector") not in registry.DETECTORS:
        raise InputError(path, f"is a genaug detector of version {m.get('version')} / detector {m.get('detector')}; "
                               f"this genaug reads version {VERSION} ({', '.join(registry.DETECTORS)}): "
                               "train it again")
    net = registry.get(m["detector"]).call("build", m)
    try:
        net.load_state_dict(m["state"])
    except RuntimeError as e:
        raise InputError(path, f"weights do not fit the detector they describe ({str(e).splitlines()[0][:120]})")
    net.eval()
    return Detector(m["detector"], m["classes"], m["positive"], m["threshold"], m["layout"], m["settings"],
                    m["strategy"], net, m["scaler"], m.get("temperature", 1.0))


class ReplicateMean:
    """Replicate detectors (one detector and strategy, several seeds) used as one: the mean of their
    calibrated probabilities, against the mean of their thresholds. Same interface as ``Detector``."""

    def __init__(self, detectors, paths=()):
        first = detectors[0]
        for d, p in zip(detectors[1:], list(paths)[1:]):
            if (d.name, d.classes, d.positive, d.item_shape, d.channels) != (
                    first.name, first.classes, first.positive, first.item_shape, first.channels):
                raise InputError(p, f"is not a replicate of {list(paths)[0]} (detector, classes or item shape differ)")
        self.detectors, self.paths = list(detectors), [str(p) for p in paths]
        self.name, self.classes, self.positive = first.name, first.classes, first.positive
        self.strategy, self.layout = first.strategy, first.layout
        self.threshold = float(np.mean([d.threshold for d in detectors]))

    item_shape, channels, check = Detector.item_shape, Detector.channels, Detector.check

    def predict_proba(self, X, threads=None, device=None):
        return np.mean([d.predict_proba(X, threads, device) for d in self.detectors], 0)

    def score(self, X, threads=None, device=None):
        return self.predict_proba(X, threads, device)[:, self.positive]


def load_detectors(paths):
    """One path: that Detector; several (replicate seeds): their ``ReplicateMean``."""
    paths = [paths] if isinstance(paths, (str, bytes)) or not hasattr(paths, "__iter__") else list(paths)
    if len(paths) == 1:
        return load_detector(paths[0])
    return ReplicateMean([load_detector(p) for p in paths], paths)


def build_network(m):
    """The untrained network of a network detector's model-file dict."""
    return detector_net(m["detector"], layout_from_state(m["layout"]).net_shape, len(m["classes"]), m["settings"])


def predict_network(detector, X, device=None):
    """Class probabilities of a network detector: items to network space (``layouts``), then softmax."""
    dev = pick_device(device)
    lay = layout_from_state(detector.layout)
    net = detector.net.to(dev).eval()
    out = [np.zeros((0, len(detector.classes)))]
    step = conversion_rows(lay, CHUNK)  # bounded working memory at full item size
    with torch.no_grad():
        for i in range(0, len(X), step):
            x = lay.to_float(torch.from_numpy(np.ascontiguousarray(X[i:i + step])).to(dev))
            out.append(torch.softmax(net(x.float()).float(), 1).cpu().double().numpy())
    return np.concatenate(out)


def build_logistic(m):
    """The untrained linear layer of a logistic detector's model-file dict."""
    return torch.nn.Linear(len(m["scaler"]["mean"]), len(m["classes"]))


def predict_logistic(detector, X, device=None):
    """Class probabilities of a logistic detector on standardised summary features."""
    feats = summary_features(X, detector.layout["name"], detector.channels, detector.settings["kmer"])
    Z = (torch.from_numpy(feats) - detector.scaler["mean"].float()) / detector.scaler["std"].float()
    with torch.no_grad():
        return torch.softmax(detector.net.float()(Z), 1).double().numpy()
