"""Bernoulli restricted Boltzmann machine (``rbm``) for 0/1 items (haplotypes).

Centred energy (Melchior et al. 2016), with v the visible 0/1 units (SNPs),
h the hidden 0/1 units and c a clamped one-hot condition (the population;
empty when unconditional):

    E(v, h | c) = -(v - mu_c) W (h - 1/2) - v.(a + c A) - h.(b + c B)

so p(h = 1 | v, c) = sigmoid(b + c B + (v - mu_c) W) and p(v = 1 | h, c) =
sigmoid(a + c A + W (h - 1/2)). mu_c are the training allele frequencies of
condition c: centring keeps the weights' gradient free of the allele
frequencies, which makes training on SNPs of very unequal frequencies stable
(uncentred, the chains' frequencies drifted away from the data's). The
condition shifts the visible biases (each population its own allele
frequencies) and the hidden biases; W is shared.

Training: persistent contrastive divergence (Tieleman 2008). ``chains``
persistent Gibbs chains, each with a fixed condition drawn at the training
frequencies, advance ``gibbs_steps`` sweeps per update; a share ``restart``
of them is first redrawn from the training frequencies, as sampling chains
start, so that the modes those starts fall into are corrected too (without
restarts, fresh sampling chains drifted from the persistent ones:
``bench/README.md``). Gradient: data minus chain statistics of
(v - mu)(h - 1/2), v and h, by SGD with momentum and L2 weight decay on W.
The learning rate falls linearly to 0 over the last ``anneal`` share of the
steps, so the chains end at the final model's equilibrium instead of being
carried by moving weights. The visible biases start at the logit of the
training allele frequencies (a: all items; a + A[k]: condition k; clipped to
[1 / (2n), 1 - 1 / (2n)]), W at N(0, init_scale^2), hidden biases at 0; the
chains start from draws of those frequencies. Chains, weights, momentum and
the random stream are in the checkpoint, so a resumed run ends where an
uninterrupted one does.

Sampling: fresh chains start from the training allele frequencies of their
condition and run ``sample_steps`` Gibbs sweeps; the last p(v | h) is
returned and the layout draws v from it.
"""

import torch
from torch import nn

from .family import Family, bernoulli, logit

LAMBDA = 0.5  # hidden offset of the centred energy


class RBMNet(nn.Module):
    """Weights, biases and offsets; ``start`` (the training allele frequencies per condition)
    is both where chains start and the visible offset mu of the centred energy."""

    def __init__(self, n_visible, n_hidden, n_cond, init_scale=0.01):
        super().__init__()
        self.n_cond = n_cond
        self.W = nn.Parameter(torch.randn(n_visible, n_hidden) * init_scale)
        self.a = nn.Parameter(torch.zeros(n_visible))
        self.b = nn.Parameter(torch.zeros(n_hidden))
        self.A = nn.Parameter(torch.zeros(n_cond, n_visible))
        self.B = nn.Parameter(torch.zeros(n_cond, n_hidden))
        self.register_buffer("start", torch.full((max(n_cond, 1), n_visible), 0.5))

    def mu(self, c):
        return c @ self.start if self.n_cond else self.start[0]

    def hidden_prob(self, v, c):
        return torch.sigmoid((v - self.mu(c)) @ self.W + self.b + c @ self.B)

    def visible_prob(self, h, c):
        return torch.sigmoid((h - LAMBDA) @ self.W.T + self.a + c @ self.A)

    def free_energy(self, v, c):
        """F(v | c) of the centred energy (up to a constant), per item."""
        x = v - self.mu(c)
        return (-(v * (self.a + c @ self.A)).sum(1) + LAMBDA * (x @ self.W).sum(1)
                - nn.functional.softplus(x @ self.W + self.b + c @ self.B).sum(1))


class Chains(nn.Module):
    """Persistent chains as buffers, so that checkpoints carry them."""

    def __init__(self, n_chains, n_visible, n_cond):
        super().__init__()
        self.register_buffer("v", torch.zeros(n_chains, n_visible))
        self.register_buffer("c", torch.zeros(n_chains, n_cond))


class RBM(Family):
    """Family interface of ``training``: nets, optimizers, train_step, generate, export."""

    name = "rbm"

    def __init__(self, layout, settings, n_cond, precision, train=True):
        super().__init__(layout, settings, n_cond, precision)
        s = settings
        n_vis = layout.net_shape[0]
        rbm = RBMNet(n_vis, s["hidden"], n_cond, s["init_scale"]).to(self.device)
        self.nets, self.optimizers = {"rbm": rbm}, {}
        if train:
            self.nets["chains"] = Chains(s["chains"], n_vis, n_cond).to(self.device)
            self.optimizers = {"rbm": torch.optim.SGD(
                [{"params": [rbm.W], "weight_decay": s["weight_decay"]},
                 {"params": [rbm.a, rbm.b, rbm.A, rbm.B], "weight_decay": 0.0}],
                lr=s["lr"], momentum=s["momentum"])}

    def export(self, **_):
        return {"rbm": self.nets["rbm"].state_dict()}

    @torch.no_grad()
    def init_from_data(self, x, c, g):
        """Visible biases from the allele frequencies of items ``x`` (network space, (n, F))
        with one-hot conditions ``c`` (n, K); chains drawn from them."""
        rbm, n = self.nets["rbm"], len(x)
        eps = 1.0 / (2 * n)
        p_all = x.mean(0).clamp(eps, 1 - eps)
        rbm.a.copy_(logit(p_all))
        start = p_all[None]
        if self.n_cond:
            counts = c.sum(0)
            p_k = ((c.T @ x) / counts.clamp_min(1)[:, None]).clamp(eps, 1 - eps)
            p_k[counts == 0] = p_all
            rbm.A.copy_(logit(p_k) - logit(p_all))
            start = p_k
        rbm.start.copy_(start)
        chains = self.nets["chains"]
        if self.n_cond:  # chain conditions at the training frequencies, fixed for the run
            counts = c.sum(0).double()
            k = torch.multinomial(counts, len(chains.v), replacement=True, generator=g)
            chains.c.copy_(nn.functional.one_hot(k.sort().values, self.n_cond).float())
            cond_idx = chains.c.argmax(1)
        else:
            cond_idx = torch.zeros(len(chains.v), dtype=torch.long, device=self.device)
        chains.v.copy_(bernoulli(start[cond_idx], g))

    def gibbs(self, v, c, steps, g):
        """``steps`` Gibbs sweeps v -> h -> v; returns the last v and its p(v | h)."""
        rbm = self.nets["rbm"]
        pv = v
        for _ in range(steps):
            h = bernoulli(rbm.hidden_prob(v, c), g)
            pv = rbm.visible_prob(h, c)
            v = bernoulli(pv, g)
        return v, pv

    def train_step(self, batch, g, step):
        x, c = batch()
        rbm, chains, opt = self.nets["rbm"], self.nets["chains"], self.optimizers["rbm"]
        self.set_lr(opt, step)
        with torch.no_grad():
            ph = rbm.hidden_prob(x, c)
            v = chains.v
            if self.settings["restart"]:  # some chains start again where sampling chains start
                fresh = torch.rand(len(v), generator=g).to(v.device) < self.settings["restart"]
                v = torch.where(fresh[:, None], bernoulli(rbm.start[self._cond_index(chains.c)], g), v)
            v, _ = self.gibbs(v, chains.c, self.settings["gibbs_steps"], g)
            chains.v.copy_(v)
            nh = rbm.hidden_prob(v, chains.c)
            nb, nc = len(x), len(v)
            # gradients of the negative log-likelihood: model minus data statistics
            rbm.W.grad = (v - rbm.mu(chains.c)).T @ (nh - LAMBDA) / nc - (x - rbm.mu(c)).T @ (ph - LAMBDA) / nb
            rbm.a.grad = v.mean(0) - x.mean(0)
            rbm.b.grad = nh.mean(0) - ph.mean(0)
            rbm.A.grad = chains.c.T @ v / nc - c.T @ x / nb
            rbm.B.grad = chains.c.T @ nh / nc - c.T @ ph / nb
            opt.step()
            opt.zero_grad(set_to_none=True)
            # monitoring: one-step reconstruction error and the free-energy gap data - chains
            recon = rbm.visible_prob(bernoulli(ph, g), c)
            gap = rbm.free_energy(x, c).mean() - rbm.free_energy(v, chains.c).mean()
        return {"reconstruction": ((recon - x) ** 2).mean().item(), "free_energy_gap": gap.item()}

    def _cond_index(self, c):
        return c.argmax(1) if self.n_cond else torch.zeros(len(c), dtype=torch.long, device=c.device)

    @torch.no_grad()
    def generate(self, c, g):
        rbm = self.nets["rbm"]
        v = bernoulli(rbm.start[self._cond_index(c)], g)
        _, pv = self.gibbs(v, c, self.settings["sample_steps"], g)
        return pv
