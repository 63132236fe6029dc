"""Networks by layout: conv2d for images, conv1d for sequences, MLP for vectors
and binary items.

Generators map a latent vector (plus a one-hot condition) to raw network
output of the layout's network shape; the layout's ``activate`` turns that
into network space. ``arch="residual"`` builds them from residual up-sampling
blocks (nearest up-sampling, two 3-wide convolutions, a 1-wide shortcut; for
MLPs, pre-activation residual blocks); ``arch="transpose"`` from transposed
convolutions as in DCGAN. Critics (discriminators, and the CVAE's encoder) are
strided convolutions or an MLP, optionally spectrally normalised, ending in a
linear layer. A condition enters a critic as constant extra channels.

Sizes that are not a power of two are generated a little larger and cropped;
a dimension that is already small is not up- or down-sampled further.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

ARCHS = ("residual", "transpose")


def _conv(nd):
    return nn.Conv1d if nd == 1 else nn.Conv2d


def _batchnorm(nd):
    return nn.BatchNorm1d if nd == 1 else nn.BatchNorm2d


def up_plan(dims, blocks, smallest=2):
    """Start size per dimension and the (per-dimension) factor of each up-sampling block."""
    ks = [max(0, min(blocks, int(math.log2(d / smallest)))) if d >= smallest else 0 for d in dims]
    start = [math.ceil(d / 2 ** k) for d, k in zip(dims, ks)]
    return start, [tuple(2 if i < k else 1 for k in ks) for i in range(max(ks))]


def down_plan(dims, blocks, smallest=4):
    """Final size per dimension and the stride of each down-sampling block (at least one block)."""
    ks = [max(0, min(blocks, int(math.log2(d / smallest)))) if d >= smallest else 0 for d in dims]
    strides = [tuple(2 if i < k else 1 for k in ks) for i in range(max(max(ks), 1))]
    return [d // 2 ** k for d, k in zip(dims, ks)], strides


class ResUp(nn.Module):
    def __init__(self, cin, cout, factor, nd):
        super().__init__()
        Conv, BN = _conv(nd), _batchnorm(nd)
        self.factor = tuple(float(f) for f in factor)
        self.bn1, self.conv1 = BN(cin), Conv(cin, cout, 3, padding=1)
        self.bn2, self.conv2 = BN(cout), Conv(cout, cout, 3, padding=1)
        self.skip = Conv(cin, cout, 1)

    def up(self, x):
        return x if max(self.factor) == 1 else F.interpolate(x, scale_factor=self.factor, mode="nearest")

    def forward(self, x):
        h = self.conv1(self.up(F.relu(self.bn1(x))))
        h = self.conv2(F.relu(self.bn2(h)))
        return h + self.skip(self.up(x))


def transpose_up(cin, cout, factor, nd):
    Tconv = nn.ConvTranspose1d if nd == 1 else nn.ConvTranspose2d
    kernel = tuple(4 if f == 2 else 3 for f in factor)
    return nn.Sequential(Tconv(cin, cout, kernel, stride=factor, padding=1), _batchnorm(nd)(cout), nn.ReLU())


class ConvGenerator(nn.Module):
    def __init__(self, out_shape, latent, n_cond, width, blocks, arch):
        super().__init__()
        nd = len(out_shape) - 1
        self.out_shape = tuple(out_shape)
        self.start, factors = up_plan(out_shape[1:], blocks)
        self.c0 = width * 2 ** len(factors)
        self.fc = nn.Linear(latent + n_cond, self.c0 * math.prod(self.start))
        BN, Conv = _batchnorm(nd), _conv(nd)
        c, layers = self.c0, []
        if arch == "transpose":
            layers += [BN(c), nn.ReLU()]
        for f in factors:
            layers.append(ResUp(c, c // 2, f, nd) if arch == "residual" else transpose_up(c, c // 2, f, nd))
            c //= 2
        if arch == "residual":
            layers += [BN(c), nn.ReLU()]
        layers.append(Conv(c, out_shape[0], 3, padding=1))
        self.body = nn.Sequential(*layers)

    def forward(self, z, c):
        h = self.fc(torch.cat([z, c], 1)).view(len(z), self.c0, *self.start)
        h = self.body(h)
        return h[(slice(None), slice(None)) + tuple(slice(0, d) for d in self.out_shape[1:])]


class ResMLP(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.f = nn.Sequential(nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                               nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, hidden))

    def forward(self, x):
        return x + self.f(x)


class MLPGenerator(nn.Module):
    def __init__(self, out_dim, latent, n_cond, hidden, blocks, arch):
        super().__init__()
        layers = [nn.Linear(latent + n_cond, hidden)]
        for _ in range(max(blocks, 1)):
            if arch == "residual":
                layers.append(ResMLP(hidden))
            else:
                layers += [nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, hidden)]
        layers += [nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, out_dim)]
        self.body = nn.Sequential(*layers)

    def forward(self, z, c):
        return self.body(torch.cat([z, c], 1))


def minibatch_std(h):
    """One feature: the mean over features of the batch's standard deviation."""
    return h.float().std(0, unbiased=False).mean().expand(len(h), 1).to(h.dtype)


class Critic(nn.Module):
    """Discriminator, WGAN critic or CVAE encoder: items (+ condition) -> out_dim values."""

    def __init__(self, in_shape, n_cond, width, hidden, blocks, out_dim=1, spectral=False,
                 batchnorm=False, mb_std=False):
        super().__init__()
        wrap = spectral_norm if spectral else (lambda m: m)
        self.n_cond, self.mb_std = n_cond, mb_std
        nd = len(in_shape) - 1
        layers = []
        if nd == 0:
            cin = in_shape[0] + n_cond
            for _ in range(max(blocks, 1)):
                layers += [wrap(nn.Linear(cin, hidden)), nn.LeakyReLU(0.2)]
                cin = hidden
            n_feat = hidden
        else:
            dims, strides = down_plan(in_shape[1:], blocks)
            Conv, cin = _conv(nd), in_shape[0] + n_cond
            for i, s in enumerate(strides):
                cout = width * 2 ** i
                kernel = tuple(4 if f == 2 else 3 for f in s)
                layers.append(wrap(Conv(cin, cout, kernel, stride=s, padding=1)))
                if batchnorm and i > 0:
                    layers.append(_batchnorm(nd)(cout))
                layers.append(nn.LeakyReLU(0.2))
                cin = cout
            n_feat = cin * math.prod(dims)
        self.features = nn.Sequential(*layers)
        self.head = wrap(nn.Linear(n_feat + int(mb_std), out_dim))

    def forward(self, x, c):
        if self.n_cond:
            c = c.to(x.dtype).view(len(x), self.n_cond, *[1] * (x.dim() - 2))
            x = torch.cat([x, c.expand(-1, -1, *x.shape[2:])], 1)
        h = self.features(x).flatten(1)
        if self.mb_std:
            h = torch.cat([h, minibatch_std(h)], 1)
        return self.head(h)


def generator_net(net_shape, n_cond, s, arch=None):
    arch = arch or s["arch"]
    if arch not in ARCHS:
        raise ValueError(f"arch {arch!r}: use one of {', '.join(ARCHS)}")
    if len(net_shape) == 1:
        return MLPGenerator(net_shape[0], s["latent"], n_cond, s["hidden"], s["blocks"], arch)
    return ConvGenerator(net_shape, s["latent"], n_cond, s["width"], s["blocks"], arch)


def critic_net(net_shape, n_cond, s, out_dim=1, spectral=False, batchnorm=False, mb_std=False):
    return Critic(net_shape, n_cond, s["width"], s["hidden"], s["blocks"], out_dim, spectral, batchnorm,
                  mb_std)
