"""Conditional VAE (``cvae``): encoder q(z | x, c), decoder p(x | z, c).

The decoder's likelihood follows the layout's groups (categorical for codes
and bases, Bernoulli for alleles and scaled qualities, Gaussian with a learned
per-feature scale for expression), so sampling draws from it: z ~ N(0, I), then
Gaussian noise is added to vector means and ``from_float`` draws categorical
and binary values. Loss: negative log-likelihood + ``beta`` * KL.
"""

import torch
from torch import nn

from .family import Family
from .nets import critic_net, generator_net


class Noise(nn.Module):
    """Learned log standard deviation of each Gaussian feature."""

    def __init__(self, n):
        super().__init__()
        self.log_sigma = nn.Parameter(torch.zeros(n))


class CVAE(Family):
    def __init__(self, layout, settings, n_cond, precision, train=True):
        super().__init__(layout, settings, n_cond, precision)
        s = settings
        self.nets = {"decoder": generator_net(layout.net_shape, n_cond, s).to(self.device)}
        gaussian = sum(size for kind, _, size in layout.groups if kind == "gaussian")
        if gaussian:
            self.nets["noise"] = Noise(gaussian).to(self.device)
        self.sampling = tuple(self.nets)
        self.optimizers = {}
        if train:
            encoder = critic_net(layout.net_shape, n_cond, s, out_dim=2 * s["latent"])
            self.nets["encoder"] = encoder.to(self.device)
            params = [p for net in self.nets.values() for p in net.parameters()]
            self.optimizers = {"vae": torch.optim.Adam(params, lr=s["lr"])}

    def export(self, **_):
        """The networks ``sample`` needs."""
        return {name: self.nets[name].state_dict() for name in self.sampling}

    def _log_sigma(self):
        return self.nets["noise"].log_sigma if "noise" in self.nets else None

    def generate(self, c, g):
        z = torch.randn(len(c), self.settings["latent"], generator=g).to(self.device)
        with self.precision.autocast():
            raw = self.nets["decoder"](z, c)
        x = self.layout.activate(raw.float())
        if "noise" in self.nets:
            x = x + self._log_sigma().exp() * torch.randn(x.shape, generator=g).to(self.device)
        return x

    def train_step(self, batch, g, step):
        x, c = batch()
        with self.precision.autocast():
            h = self.nets["encoder"](x, c).float()
        mu, logvar = h.chunk(2, 1)
        logvar = logvar.clamp(-10, 10)
        z = mu + (0.5 * logvar).exp() * torch.randn(mu.shape, generator=g).to(self.device)
        with self.precision.autocast():
            raw = self.nets["decoder"](z, c)
        rec = self.layout.nll(raw, x, self._log_sigma())
        kl = -0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum(1).mean()
        loss = rec + self.settings["beta"] * kl
        self.precision.backward_step(loss, self.optimizers["vae"])
        return {"loss": loss.item(), "reconstruction": rec.item(), "kl": kl.item()}
