"""Detector networks (``registry`` names them).

- ``cnn`` (``image``): a DeepSV-like CNN: blocks of 3x3 convolution, batch norm,
  LeakyReLU and 2x2 max pooling (the first block strided, since pileups are
  wide), then global average and max pooling, dropout and a linear layer.
- ``conv1d`` (``sequence``): the DeepChem TF-binding notebook's network
  (``conv1d.NotebookConv1D``): three convolutions of 15 filters of 10 bases,
  ReLU and dropout 0.5 each, flatten (or, with ``conv1d_head: max``, a global max
  over positions), a linear layer.
- ``mlp`` (``vector`` / ``binary``): an MLP (linear, batch norm, LeakyReLU, dropout).

Every net maps network-space items (``genaug.layouts``) to one logit per class.
"""

import torch
from torch import nn

from .conv1d import NotebookConv1D


class ConvDetector(nn.Module):
    def __init__(self, in_channels, nd, n_classes, width, blocks, dropout):
        super().__init__()
        Conv = nn.Conv1d if nd == 1 else nn.Conv2d
        BN = nn.BatchNorm1d if nd == 1 else nn.BatchNorm2d
        Pool = nn.MaxPool1d if nd == 1 else nn.MaxPool2d
        layers, cin = [], in_channels
        for i in range(max(blocks, 1)):
            cout = width * 2 ** i
            k = (7 if i == 0 else 5) if nd == 1 else 3
            layers += [Conv(cin, cout, k, stride=2 if i == 0 else 1, padding=k // 2), BN(cout),
                       nn.LeakyReLU(0.1)]
            if i < blocks - 1:
                layers.append(Pool(2, ceil_mode=True))
            cin = cout
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * cin, n_classes))

    def forward(self, x):
        h = self.features(x).flatten(2)
        return self.head(torch.cat([h.mean(2), h.amax(2)], 1))


class MLPDetector(nn.Module):
    def __init__(self, in_features, n_classes, hidden, blocks, dropout):
        super().__init__()
        layers, cin = [], in_features
        for _ in range(max(blocks, 1)):
            layers += [nn.Linear(cin, hidden), nn.BatchNorm1d(hidden), nn.LeakyReLU(0.1), nn.Dropout(dropout)]
            cin = hidden
        layers.append(nn.Linear(cin, n_classes))
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)


def detector_net(name, net_shape, n_classes, s):
    """Network of detector ``name`` for items of network shape ``net_shape`` (channels first)."""
    if name == "mlp":
        return MLPDetector(net_shape[0], n_classes, s["hidden"], s["blocks"], s["dropout"])
    if name == "conv1d":
        return NotebookConv1D(net_shape[0], net_shape[1], n_classes, head=s.get("conv1d_head", "flatten"))
    if name == "cnn":
        return ConvDetector(net_shape[0], len(net_shape) - 1, n_classes, s["width"], s["blocks"], s["dropout"])
    raise ValueError(f"no network for detector {name!r}")
