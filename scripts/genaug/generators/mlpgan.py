"""MLP GAN for 0/1 items after Yelmen et al. 2021 (``mlpgan``, formerly ``gan``), "Creating artificial human genomes
using generative neural networks", PLoS Genetics 17:e1009303.

Their networks, sized by the number of SNPs F: generator latent -> F/1.2 ->
F/1.1 -> F, discriminator F -> F/2 -> F/3 -> 1, LeakyReLU(0.01) between
layers, L2 regularisation of the weights (1e-4), Adam with a discriminator
learning rate above the generator's (8e-4 vs 1e-4), batches of 32, latent
600. As asked of genaug, the generator's output is a sigmoid (their Keras
code used tanh on -1/1); alleles are that output rounded at 0.5, as theirs
were. Their trick against a discriminator that wins on exact 0/1 values is
kept: real items are moved into [0, ``real_noise``] / [1 - ``real_noise``, 1]
by uniform noise. A one-hot condition (population)
is appended to the latent vector and to the discriminator's input.

Training: one discriminator and one generator update per step,
non-saturating BCE, optional one-sided label smoothing, and an EMA of the
generator's weights that is sampled from (``gan.GAN``'s EMA). Two additions
against what made it collapse on the demo (the discriminator won within a
few hundred steps by seeing fractional generator outputs, and the generator
settled on one haplotype): with ``straight_through`` the discriminator sees
the generator's alleles rounded to 0/1 and noised like real ones (gradients
pass through the probabilities), and with ``minibatch_std`` its last layer
sees the batch's spread. The L2 term is Adam's coupled weight decay on
weight matrices (decay 2 x l2 gives the gradient of l2 x |W|^2, as Keras'
regulariser). ``settings.DEFAULTS["mlpgan"]`` says where the defaults depart
from the paper's and why.
"""

import torch
import torch.nn.functional as F
from torch import nn

from .family import Family
from .gan import GAN
from .nets import minibatch_std


def _sizes(n, fractions):
    return [max(1, int(round(n * f))) for f in fractions]


class MLP(nn.Module):
    """x (+ one-hot condition) -> hidden LeakyReLU layers -> out; with ``mb_std`` the last
    layer also sees the batch's spread (``nets.minibatch_std``), against mode collapse."""

    def __init__(self, n_in, n_cond, hidden, n_out, leak, mb_std=False):
        super().__init__()
        layers, cin = [], n_in + n_cond
        for h in hidden:
            layers += [nn.Linear(cin, h), nn.LeakyReLU(leak)]
            cin = h
        self.mb_std = mb_std
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(cin + int(mb_std), n_out)

    def forward(self, x, c):
        h = self.body(torch.cat([x, c.to(x.dtype)], 1))
        if self.mb_std:
            h = torch.cat([h, minibatch_std(h)], 1)
        return self.head(h)


class MLPGAN(GAN):
    name = "mlpgan"

    def __init__(self, layout, settings, n_cond, precision, train=True):
        Family.__init__(self, layout, settings, n_cond, precision)
        s = settings
        n_snps = layout.net_shape[0]
        g_sizes, d_sizes = _sizes(n_snps, s["g_hidden"]), _sizes(n_snps, s["d_hidden"])
        G = MLP(s["latent"], n_cond, g_sizes, n_snps, s["leak"]).to(self.device)
        self._add_generator(G, train)
        if train:
            D = MLP(n_snps, n_cond, d_sizes, 1, s["leak"], s["minibatch_std"]).to(self.device)
            self.nets["discriminator"] = D
            betas = tuple(s["betas"])
            self.optimizers = {"generator": self._adam(G, s["lr_g"], betas),
                               "discriminator": self._adam(D, s["lr_d"], betas)}

    def _adam(self, net, lr, betas):
        weights = [p for n, p in net.named_parameters() if n.endswith("weight")]
        biases = [p for n, p in net.named_parameters() if not n.endswith("weight")]
        return torch.optim.Adam([{"params": weights, "weight_decay": 2 * self.settings["l2"]},
                                 {"params": biases, "weight_decay": 0.0}], lr=lr, betas=betas)

    def generate(self, c, g):
        """Alleles of G(z, c) rounded at 0.5, as Yelmen et al. round theirs: the randomness is in
        z (drawing each SNP from its probability would add independent noise and break LD)."""
        return (super().generate(c, g) > 0.5).float()

    def noisy(self, x, g):
        """Move 0/1 values inward by uniform noise of up to ``real_noise``."""
        u = torch.rand(x.shape, generator=g).to(x.device) * self.settings["real_noise"]
        return x + u * (1 - 2 * x)

    def train_step(self, batch, g, step):
        """One discriminator and one generator update (non-saturating BCE). With
        ``straight_through`` the discriminator sees the generator's alleles rounded to 0/1
        (gradients pass through the probabilities), noised like real ones, so it cannot
        tell them apart by their being fractional."""
        s, P = self.settings, self.precision
        G, D = self.nets["generator"], self.nets["discriminator"]
        x, c = batch()
        real = self.noisy(x, g)
        with P.autocast():
            prob = torch.sigmoid(G(self.latent(len(x), g), c).float())
        fake = prob
        if s["straight_through"]:
            fake = self.noisy((prob > 0.5).float() + prob - prob.detach(), g)
        D.requires_grad_(True)
        with P.autocast():
            d_real, d_fake = D(real, c).float(), D(fake.detach(), c).float()
        loss_d = (F.binary_cross_entropy_with_logits(d_real, torch.full_like(d_real, 1.0 - s["label_smoothing"]))
                  + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))
        P.backward_step(loss_d, self.optimizers["discriminator"])
        D.requires_grad_(False)
        with P.autocast():
            d_fake = D(fake, c).float()
        loss_g = F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))
        P.backward_step(loss_g, self.optimizers["generator"])
        if s["ema"]:
            self.update_ema(min(s["ema"], (1 + step) / (10 + step)))
        return {"loss_d": loss_d.item(), "loss_g": loss_g.item()}
