"""What every generator family keeps, the one check that it can learn the layout, and the
draws and logits the 0/1 families (rbm, gru) share."""

import torch

from .settings import ONLY_LAYOUTS


def bernoulli(p, g):
    """0/1 draws with probabilities ``p`` from the CPU generator ``g`` (same on CPU and GPU)."""
    return (torch.rand(p.shape, generator=g).to(p.device) < p).to(p.dtype)


def logit(p):
    return torch.log(p) - torch.log1p(-p)


def schedule_keys(settings):
    """Settings outside the learning ones that ``Family.lr`` reads: ``steps`` when the
    rate anneals, so a checkpoint made for another total is not resumed."""
    return ("steps",) if settings.get("anneal") else ()


class Family:
    """Base of the families in ``training.FAMILIES``: settings, layout, number of
    conditions, precision and device. ``name``: the generator whose entry in
    ``settings.ONLY_LAYOUTS`` limits the layouts (None: every layout)."""

    name = None

    def __init__(self, layout, settings, n_cond, precision):
        only = ONLY_LAYOUTS.get(self.name)
        if only and layout.name not in only:
            raise ValueError(f"{self.name} models {' or '.join(only)} items, not {layout.name} items")
        self.settings, self.layout, self.n_cond, self.precision = settings, layout, n_cond, precision
        self.device = precision.device

    def set_lr(self, optimizer, step):
        """Every parameter group of ``optimizer`` at ``lr(step)``."""
        for group in optimizer.param_groups:
            group["lr"] = self.lr(step)

    def lr(self, step):
        """Settings ``lr`` at step ``step`` (1-based), falling linearly to 0 over the last
        ``anneal`` share of ``steps`` (the families that set ``anneal``: rbm, gru)."""
        s = self.settings
        if not s.get("anneal"):
            return s["lr"]
        return s["lr"] * min(1.0, (s["steps"] - step + 1) / (s["anneal"] * s["steps"]))
