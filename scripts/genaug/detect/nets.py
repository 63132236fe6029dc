"""Detector networks (``registry`` names them).

- ``cnn`` (``image``): a DeepSV-like CNN: blocks of 3x3 convolution, batch norm,
  LeakyReLU and 2x2 max pooling (the first block strided, since pileups are
  wide), then global average and max pooling, dropout and a linear layer.
  With ``depth_channel`` (default) it also sees the item's relative coverage:
  per column, the reads present (1 minus the network channel 0, the base
  channel's "no read" code) divided by the item's median over columns,
  capped at 2 and halved (1 = 0.5), as one more input channel. A deletion or a
  duplication then looks the same at 8x and at 30x in that channel, where the
  absolute number of rows differs (``depth_profile``).
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

DEPTH_CAP = 2.0


def depth_profile(x):
    """(N, C, H, W) network-space pileups -> (N, 1, H, W): per column the reads present over the item's
    median over columns (its own usual depth; the maximum when the median is 0), capped at DEPTH_CAP, / DEPTH_CAP."""
    occ = (1.0 - x[:, 0]).sum(1)                                    # (N, W) rows holding a read
    med = occ.median(1, keepdim=True).values
    med = torch.where(med > 0, med, occ.amax(1, keepdim=True)).clamp_min(1e-6)
    rel = (occ / med).clamp(max=DEPTH_CAP) / DEPTH_CAP
    return rel[:, None, None, :].expand(-1, 1, x.shape[2], -1)


class ConvDetector(nn.Module):
    def __init__(self, in_channels, nd, n_classes, width, blocks, dropout, depth_channel=False):
        super().__init__()
        self.depth_channel = bool(depth_channel) and nd == 2
        in_channels += self.depth_channel
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
        if self.depth_channel:
            x = torch.cat([x, depth_profile(x).to(x.dtype)], 1)
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
        # model files from before depth_channel existed lack the key: they were trained without it
        return ConvDetector(net_shape[0], len(net_shape) - 1, n_classes, s["width"], s["blocks"], s["dropout"],
                            s.get("depth_channel", False))
    raise ValueError(f"no network for detector {name!r}")
