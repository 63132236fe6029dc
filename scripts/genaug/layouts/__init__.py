"""Data layouts: encodings to network space and back, and what a valid item is.

Network space is float32 with channels on axis 1, cut into groups:

- ``softmax``: a categorical value as probabilities over its codes (one-hot for
  real items); pileup channels ``base``/``strand``/``pair``/``clip`` and the
  four bases of a sequence;
- ``sigmoid``: a value in [0, 1]; pileup qualities (value / 255) and alleles;
- ``gaussian``: a real value, standardised per feature; expression.

``to_float`` maps encoded items (numpy or torch) to network space on the
items' device; ``from_float`` maps network-space items back to valid encodings
(numpy, the input's dtype): codes snapped, values in range, pileups made of
whole reads (see ``pileup.Pileup.decode``). Without a ``generator`` each value
is the most likely code; with one, codes are drawn in proportion to their
shares, which keeps rare codes (a mismatch in a pooled cell, a minor allele)
at their rate instead of losing them to the majority. ``sample`` draws.
"""

import numpy as np
import torch
import torch.nn.functional as F

from ..tensors import LAYOUTS
from .pileup import CATEGORICAL, Pileup, choose, is_pileup


class Layout:
    name = None

    def __init__(self, item_shape, dtype):
        self.item_shape = tuple(int(s) for s in item_shape)
        self.dtype = np.dtype(dtype)
        self.groups = []  # (kind, first channel, number of channels) along axis 1
        self.net_shape = self.item_shape

    def state(self):
        return {"name": self.name, "item_shape": list(self.item_shape), "dtype": self.dtype.str}

    def activate(self, raw):
        """Raw network output -> network space (probabilities, values)."""
        parts = []
        for kind, start, size in self.groups:
            x = raw[:, start:start + size]
            parts.append(x.softmax(1) if kind == "softmax" else x.sigmoid() if kind == "sigmoid" else x)
        return parts[0] if len(parts) == 1 else torch.cat(parts, 1)

    def nll(self, raw, x, log_sigma=None):
        """Negative log-likelihood of network-space items ``x`` under raw output, summed per item."""
        total = raw.new_zeros(())
        raw = raw.float()
        for kind, start, size in self.groups:
            r, t = raw[:, start:start + size], x[:, start:start + size]
            if kind == "softmax":
                total = total - (t * r.log_softmax(1)).sum()
            elif kind == "sigmoid":
                total = total + F.binary_cross_entropy_with_logits(r, t, reduction="sum")
            else:
                total = total + (0.5 * ((t - r) / log_sigma.exp()) ** 2 + log_sigma).sum()
        return total / len(x)

    def check(self, X):
        X = np.asarray(X)
        out = []
        if X.ndim != len(self.item_shape) + 1 or X.shape[1:] != self.item_shape:
            out.append(f"items have shape {X.shape[1:]}, expected {self.item_shape}")
        if X.dtype != self.dtype:
            out.append(f"items have dtype {X.dtype}, expected {self.dtype}")
        return out

    def problems(self, X):
        """The rules of this layout that items ``X`` break; [] when they are valid."""
        return self.check(X) or self._problems(np.asarray(X))


def _torch(X):
    return X if isinstance(X, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(X))


def _cpu(Z):
    return _torch(Z).detach().float().cpu()


class ImageLayout(Layout):
    """uint8 (C, H, W); a pileup when channels are named (``base`` among them).

    ``net_hw`` is the resolution the networks see: encodings are pooled to it
    (area average, so a one-hot cell becomes the share of each code) and
    network output is repeated back to full size before it is decoded.
    """

    name = "image"

    def __init__(self, item_shape, dtype, channels=None, windows=None, net_hw=None):
        super().__init__(item_shape, dtype)
        C, H, W = self.item_shape
        self.channels = None if channels is None else [str(c) for c in channels]
        if self.channels is not None and len(self.channels) != C:
            raise ValueError(f"{len(self.channels)} channel names for {C} channels")
        self.pileup = None
        if is_pileup(self.channels):
            self.pileup = Pileup(self.channels, 2 if windows is None else windows)
        self.windows = 1 if self.pileup is None else self.pileup.windows
        self.net_hw = (H, W) if net_hw is None else (min(int(net_hw[0]), H), min(int(net_hw[1]), W))
        self.codes = [len(CATEGORICAL.get(name, ())) for name in (self.channels or [""] * C)]
        start = 0
        for k in self.codes:
            self.groups.append(("softmax", start, k) if k else ("sigmoid", start, 1))
            start += k or 1
        self.net_shape = (start,) + self.net_hw

    def state(self):
        return {**super().state(), "channels": self.channels, "windows": self.windows,
                "net_hw": list(self.net_hw)}

    def to_float(self, X):
        X = _torch(X)
        x = torch.zeros((len(X), self.net_shape[0]) + self.item_shape[1:], device=X.device)
        for c, (k, (_, start, size)) in enumerate(zip(self.codes, self.groups)):
            v = X[:, c].float()
            if k:
                code = (v / (255 // (k - 1))).round().clamp(0, k - 1).long()
                x[:, start:start + size].scatter_(1, code[:, None], 1.0)
            else:
                x[:, start] = v / 255
        if self.net_hw != self.item_shape[1:]:
            x = F.adaptive_avg_pool2d(x, self.net_hw)
        return x

    def from_float(self, Z, generator=None):
        Z = _cpu(Z)
        C, H, W = self.item_shape
        h, w = self.net_hw
        rows, cols = torch.arange(H) * h // H, torch.arange(W) * w // W
        out = []
        for i in range(0, len(Z), 32):  # full-size shares of 32 items at a time
            z = Z[i:i + 32][:, :, rows][:, :, :, cols].clamp(0, 1).transpose(0, 1).numpy()
            parts = [z[start:start + size] for _, start, size in self.groups]
            if self.pileup is not None:
                out.append(self.pileup.decode(parts, generator))
                continue
            x = np.empty((len(parts),) + z.shape[1:], np.uint8)
            for c, (k, p) in enumerate(zip(self.codes, parts)):
                u = None if generator is None else torch.rand(p.shape[1:], generator=generator).numpy()
                x[c] = choose(p, u) * (255 // (k - 1)) if k else np.rint(p[0] * 255)
            out.append(x.transpose(1, 0, 2, 3))
        return np.concatenate(out) if out else np.empty((0,) + self.item_shape, np.uint8)

    def _problems(self, X):
        return [] if self.pileup is None else self.pileup.problems(X)


class SequenceLayout(Layout):
    """One-hot int8 (4, L): exactly one 1 per position."""

    name = "sequence"

    def __init__(self, item_shape, dtype):
        super().__init__(item_shape, dtype)
        if len(self.item_shape) != 2:
            raise ValueError(f"sequence items must be (bases, length), not {self.item_shape}")
        self.groups = [("softmax", 0, self.item_shape[0])]

    def to_float(self, X):
        return _torch(X).float()

    def from_float(self, Z, generator=None):
        Z = _cpu(Z)
        k = Z.shape[1]
        if generator is None:
            code = Z.argmax(1)
        else:
            p = Z.clamp_min(0).permute(0, 2, 1).reshape(-1, k) + 1e-12
            code = torch.multinomial(p, 1, generator=generator).reshape(len(Z), -1)
        return F.one_hot(code, k).permute(0, 2, 1).numpy().astype(self.dtype)

    def _problems(self, X):
        out = []
        bad = int(((X != 0) & (X != 1)).sum())
        if bad:
            out.append(f"{bad} values are not 0 or 1")
        bad = int((X.sum(1) != 1).sum())
        if bad:
            out.append(f"{bad} positions are not one-hot")
        return out


class BinaryLayout(Layout):
    """0/1 features (F,), e.g. alleles of a haplotype."""

    name = "binary"

    def __init__(self, item_shape, dtype):
        super().__init__(item_shape, dtype)
        if len(self.item_shape) != 1:
            raise ValueError(f"binary items must be 1-D, not {self.item_shape}")
        self.groups = [("sigmoid", 0, self.item_shape[0])]

    def to_float(self, X):
        return _torch(X).float()

    def from_float(self, Z, generator=None):
        Z = _cpu(Z).clamp(0, 1)
        bits = Z > 0.5 if generator is None else torch.bernoulli(Z, generator=generator) > 0
        return bits.numpy().astype(self.dtype)

    def _problems(self, X):
        bad = int(((X != 0) & (X != 1)).sum())
        return [f"{bad} values are not 0 or 1"] if bad else []


class VectorLayout(Layout):
    """Real features (F,), standardised per feature in network space.

    Values come back clipped to the training range widened by ``margin`` of
    its span on each side.
    """

    name = "vector"
    margin = 0.1

    def __init__(self, item_shape, dtype, mean, std, lo, hi):
        super().__init__(item_shape, dtype)
        if len(self.item_shape) != 1:
            raise ValueError(f"vector items must be 1-D, not {self.item_shape}")
        self.groups = [("gaussian", 0, self.item_shape[0])]
        self.mean, self.std, self.lo, self.hi = (torch.as_tensor(v, dtype=torch.float32)
                                                 for v in (mean, std, lo, hi))

    @classmethod
    def fit(cls, X):
        X = np.asarray(X, dtype=np.float64)
        lo, hi = X.min(0), X.max(0)
        span = hi - lo
        std = np.maximum(X.std(0), 1e-6)
        return cls(X.shape[1:], np.float32, X.mean(0), std, lo - cls.margin * span, hi + cls.margin * span)

    def state(self):
        return {**super().state(), "mean": self.mean, "std": self.std, "lo": self.lo, "hi": self.hi}

    def to_float(self, X):
        X = _torch(X).float()
        return (X - self.mean.to(X.device)) / self.std.to(X.device)

    def from_float(self, Z, generator=None):
        X = _cpu(Z) * self.std + self.mean
        return torch.maximum(torch.minimum(X, self.hi), self.lo).numpy().astype(self.dtype)

    def _problems(self, X):
        out = []
        bad = int((~np.isfinite(X)).sum())
        if bad:
            out.append(f"{bad} values are not finite")
        bad = int(((X < self.lo.numpy()) | (X > self.hi.numpy())).sum())
        if bad:
            out.append(f"{bad} values are outside the training range")
        return out


def make_layout(name, X, channels=None, image_size=None, windows=None):
    """The layout of items ``X`` (numpy array), fitted where it needs data (vectors)."""
    if name not in LAYOUTS:
        raise ValueError(f"unknown layout {name!r}; use one of {', '.join(LAYOUTS)}")
    X = np.asarray(X)
    if name == "image":
        if X.ndim != 4:
            raise ValueError(f"image items must be (C, H, W), got items of shape {X.shape[1:]}")
        return ImageLayout(X.shape[1:], X.dtype, channels, windows, image_size)
    if name == "vector":
        return VectorLayout.fit(X)
    return {"sequence": SequenceLayout, "binary": BinaryLayout}[name](X.shape[1:], X.dtype)


def layout_from_state(state):
    state = dict(state)
    name = state.pop("name")
    shape, dtype = state.pop("item_shape"), np.dtype(state.pop("dtype"))
    if name == "image":
        return ImageLayout(shape, dtype, state["channels"], state["windows"], state["net_hw"])
    if name == "vector":
        return VectorLayout(shape, dtype, state["mean"], state["std"], state["lo"], state["hi"])
    return {"sequence": SequenceLayout, "binary": BinaryLayout}[name](shape, dtype)


def to_float(X, layout):
    """Encoded items -> network space (float32 torch tensor)."""
    return layout.to_float(X)


def from_float(Z, layout, generator=None):
    """Network space -> valid encoded items (numpy)."""
    return layout.from_float(Z, generator)
