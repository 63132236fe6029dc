"""GANs: ``genegan``, ``dcgan`` and ``wgan_gp`` differ only in settings.

- ``loss: bce``: non-saturating GAN loss; ``label_smoothing`` sets the real
  target to 1 - smoothing (one-sided); ``gradient_penalty`` is the weight of
  an R1 penalty (squared gradient norm of the discriminator on real items).
- ``loss: wasserstein``: WGAN critic with ``gradient_penalty`` the weight of
  the penalty (||grad|| - 1)^2 on random interpolates of real and synthetic
  items, plus a small drift term keeping critic values near zero.

One training step is ``n_critic`` discriminator updates and one generator
update. The synthetic batch of the last discriminator update is reused for
the generator update. With ``ema`` > 0 an exponential moving average of the
generator's weights (decay min(ema, (1 + step) / (10 + step))) is what
``model.pt`` keeps: it smooths the oscillation a short GAN run ends in.

The averaged weights need batch-norm statistics of their own: the training
generator's running statistics belong to other weights, and copying them
makes the averaged generator normalise with the wrong means and variances
(its items drift far from the training ones). ``export`` therefore
recomputes them on a copy of the averaged generator, from
``BN_BATCHES`` seeded batches of latents with conditions at training
frequencies; the training state (and so resuming) is left untouched.
"""

import copy

import torch
import torch.nn.functional as F
from torch import nn

from .family import Family
from .nets import critic_net, generator_net

BN_BATCHES = 16
BN_BATCH = 32


class GAN(Family):
    def __init__(self, layout, settings, n_cond, precision, train=True):
        super().__init__(layout, settings, n_cond, precision)
        s = settings
        if s["loss"] not in ("bce", "wasserstein"):
            raise ValueError(f"loss {s['loss']!r}: use bce or wasserstein")
        G = generator_net(layout.net_shape, n_cond, s).to(self.device)
        self._add_generator(G, train)
        if train:
            D = critic_net(layout.net_shape, n_cond, s, spectral=s["spectral_norm"],
                           batchnorm=s["batchnorm_d"], mb_std=s["minibatch_std"]).to(self.device)
            self.nets["discriminator"] = D
            betas = tuple(s["betas"])
            self.optimizers = {
                "generator": torch.optim.Adam(G.parameters(), lr=s["lr_g"], betas=betas),
                "discriminator": torch.optim.Adam(D.parameters(), lr=s["lr_d"], betas=betas),
            }

    def _add_generator(self, G, train):
        """``G`` as the generator and, when training with ``ema``, its frozen average."""
        self.nets, self.optimizers = {"generator": G}, {}
        if train and self.settings["ema"]:
            self.nets["generator_ema"] = copy.deepcopy(G).requires_grad_(False)

    def export(self, cond_counts=None, seed=0):
        """The networks ``sample`` needs, by the names it builds them under.

        ``cond_counts``: training items per condition (the conditions' weights
        when the averaged generator's batch-norm statistics are recomputed).
        """
        if "generator_ema" not in self.nets:
            return {"generator": self.nets["generator"].state_dict()}
        return {"generator": self.recalibrated_ema(cond_counts, seed).state_dict()}

    @torch.no_grad()
    def recalibrated_ema(self, cond_counts=None, seed=0):
        """A copy of the averaged generator with batch-norm running statistics
        (a plain average over ``BN_BATCHES`` batches) computed for its own weights."""
        G = copy.deepcopy(self.nets["generator_ema"])
        norms = [m for m in G.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if not norms:
            return G
        momenta = [m.momentum for m in norms]
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the batches below
        g = torch.Generator().manual_seed(int(seed) + 7919)
        weights = torch.tensor(cond_counts if cond_counts else [1.0], dtype=torch.float64)
        G.train()
        for _ in range(BN_BATCHES):
            idx = torch.multinomial(weights, BN_BATCH, replacement=True, generator=g)
            c = F.one_hot(idx, len(weights)).float()[:, :self.n_cond].to(self.device)
            with self.precision.autocast():
                G(self.latent(BN_BATCH, g), c)
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
        return G.eval()

    def latent(self, n, g):
        return torch.randn(n, self.settings["latent"], generator=g).to(self.device)

    def generate(self, c, g):
        with self.precision.autocast():
            raw = self.nets["generator"](self.latent(len(c), g), c)
        return self.layout.activate(raw.float())

    def train_step(self, batch, g, step):
        s, P = self.settings, self.precision
        G, D = self.nets["generator"], self.nets["discriminator"]
        wasserstein = s["loss"] == "wasserstein"
        D.requires_grad_(True)
        for i in range(s["n_critic"]):
            x, c = batch()
            with torch.set_grad_enabled(i == s["n_critic"] - 1), P.autocast():
                fake = self.layout.activate(G(self.latent(len(x), g), c))
            with P.autocast():
                d_real, d_fake = D(x, c).float(), D(fake.detach(), c).float()
            if wasserstein:
                loss_d = d_fake.mean() - d_real.mean() + 1e-3 * (d_real ** 2).mean()
            else:
                real_target = torch.full_like(d_real, 1.0 - s["label_smoothing"])
                loss_d = (F.binary_cross_entropy_with_logits(d_real, real_target)
                          + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))
            penalty = self.penalty(D, x, fake.detach().float(), c, g) if s["gradient_penalty"] else 0.0
            P.backward_step(loss_d + penalty, self.optimizers["discriminator"])
        D.requires_grad_(False)
        with P.autocast():
            d_fake = D(fake, c).float()
        if wasserstein:
            loss_g = -d_fake.mean()
        else:
            loss_g = F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))
        P.backward_step(loss_g, self.optimizers["generator"])
        if s["ema"]:
            self.update_ema(min(s["ema"], (1 + step) / (10 + step)))
        out = {"loss_d": loss_d.item(), "loss_g": loss_g.item()}
        if s["gradient_penalty"]:
            out["penalty"] = penalty.item()
        return out

    @torch.no_grad()
    def update_ema(self, decay):
        G, ema = self.nets["generator"], self.nets["generator_ema"]
        for p_ema, p in zip(ema.parameters(), G.parameters()):
            p_ema.lerp_(p, 1 - decay)

    def penalty(self, D, x, fake, c, g):
        """Gradient penalty in float32: on interpolates (wasserstein) or on real items (R1)."""
        s = self.settings
        if s["loss"] == "wasserstein":
            eps = torch.rand((len(x),) + (1,) * (x.dim() - 1), generator=g).to(self.device)
            point = (eps * x + (1 - eps) * fake).requires_grad_(True)
        else:
            point = x.detach().requires_grad_(True)
        grad, = torch.autograd.grad(D(point, c).sum(), point, create_graph=True)
        norm2 = grad.flatten(1).pow(2).sum(1)
        if s["loss"] == "wasserstein":
            return s["gradient_penalty"] * ((norm2 + 1e-12).sqrt() - 1).pow(2).mean()
        return 0.5 * s["gradient_penalty"] * norm2.mean()
