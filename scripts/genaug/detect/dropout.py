"""Dropout drawn from one uniform per element (``Dropout``), for the ``conv1d`` and ``gcn`` detectors.

The same operation as ``torch.nn.Dropout`` (in training, each element is zeroed
with probability ``p`` and the rest scaled by 1 / (1 - p); at evaluation the
identity), with the mask made as ``rand_like(x) >= p``: on CPU, torch's own
dropout draws its mask with ``bernoulli_``, about three times slower than the
convolution it follows on the conv1d's activations (bench/README.md). The draws
come from torch's global generator, as ``nn.Dropout``'s do, so a seeded run
repeats; they are not the same draws as ``nn.Dropout``'s.
"""

import torch
from torch import nn


class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"dropout probability must be in [0, 1), not {p}")
        self.p = float(p)

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        return x * (torch.rand_like(x) >= self.p).to(x.dtype) * (1.0 / (1.0 - self.p))

    def extra_repr(self):
        return f"p={self.p}"
