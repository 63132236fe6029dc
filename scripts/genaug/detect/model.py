"""A trained detector: what ``model.pt`` holds, and applying it to items.

``model.pt`` is a dict of plain values and tensors (read with
``torch.load(weights_only=True)``, so no pickled code runs): ``format``
("genaug-detector"), ``version``, ``family`` (cnn, mlp or logistic),
``classes``, ``positive`` (index of the rare class), ``threshold`` (chosen
on validation data), ``layout`` (the items' layout state: name, item_shape,
dtype, channels, ...), ``settings``, ``strategy``, ``state`` (network
weights) and, for logistic, ``scaler`` (feature mean and sd).
"""

import numpy as np
import torch

from ..errors import InputError
from ..device import pick_device, set_threads
from ..layouts import layout_from_state
from ..outputs import replacing
from .features import summary_features
from .nets import detector_net

FORMAT, VERSION = "genaug-detector", 1
FAMILIES = ("cnn", "mlp", "logistic")
CHUNK = 128


class Detector:
    def __init__(self, family, classes, positive, threshold, layout, settings, strategy, net, scaler=None):
        self.family, self.classes, self.positive = family, list(classes), int(positive)
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
        """Class probabilities, float64 (N, K), of encoded items ``X`` (numpy or memory map)."""
        set_threads(threads)
        if len(X) and tuple(np.asarray(X[:1]).shape[1:]) != self.item_shape:
            raise ValueError(f"items of shape {np.asarray(X[:1]).shape[1:]}; the detector takes {self.item_shape}")
        if self.family == "logistic":
            feats = summary_features(X, self.layout["name"], self.channels, self.settings["kmer"])
            Z = (torch.from_numpy(feats) - self.scaler["mean"].float()) / self.scaler["std"].float()
            with torch.no_grad():
                return torch.softmax(self.net.float()(Z), 1).double().numpy()
        dev = pick_device(device)
        lay = layout_from_state(self.layout)
        net = self.net.to(dev).eval()
        out = [np.zeros((0, len(self.classes)))]
        with torch.no_grad():
            for i in range(0, len(X), CHUNK):
                x = lay.to_float(torch.from_numpy(np.ascontiguousarray(X[i:i + CHUNK])).to(dev))
                out.append(torch.softmax(net(x.float()).float(), 1).cpu().double().numpy())
        return np.concatenate(out)

    def score(self, X, threads=None, device=None):
        """Probability of the rare (positive) class per item."""
        return self.predict_proba(X, threads, device)[:, self.positive]

    def save(self, path):
        obj = {"format": FORMAT, "version": VERSION, "family": self.family, "classes": self.classes,
               "positive": self.positive, "threshold": self.threshold, "layout": self.layout,
               "settings": self.settings, "strategy": self.strategy,
               "state": {k: v.detach().cpu() for k, v in self.net.state_dict().items()},
               "scaler": self.scaler}
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
    if m.get("version") != VERSION or m.get("family") not in FAMILIES:
        raise InputError(path, f"is a genaug detector of version {m.get('version')} / family {m.get('family')}; "
                               f"this genaug reads version {VERSION} ({', '.join(FAMILIES)})")
    K = len(m["classes"])
    if m["family"] == "logistic":
        net = torch.nn.Linear(len(m["scaler"]["mean"]), K)
    else:
        net = detector_net(layout_from_state(m["layout"]).net_shape, K, m["settings"])
    try:
        net.load_state_dict(m["state"])
    except RuntimeError as e:
        raise InputError(path, f"weights do not fit the detector they describe ({str(e).splitlines()[0][:120]})")
    net.eval()
    return Detector(m["family"], m["classes"], m["positive"], m["threshold"], m["layout"], m["settings"],
                    m["strategy"], net, m["scaler"])
