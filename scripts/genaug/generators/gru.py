"""Autoregressive haplotype model (``gru``) for 0/1 items (haplotypes).

A haplotype is read SNP by SNP, left to right, as a language model reads
words: p(v) = prod_j p(v_j | v_1..v_{j-1}, c). A GRU carries what it has
seen so far (which haplotype group it is in, where it switched) in its
state; the input at SNP j is an embedding of (SNP j, the allele at SNP j-1)
(a start symbol at the first SNP) plus one of the condition, and the output at SNP j is a logistic
unit of its own, ``out_w[j] . state + out_b[j]``. The condition (population)
also sets the starting state, ``tanh(h0 + c C)``. Output biases start at the logit
of the training allele frequencies (clipped to [1 / (2n), 1 - 1 / (2n)]),
output weights at 0, so the untrained model already draws the allele
frequencies.

Training: cross-entropy of every allele given the ones before it, Adam,
gradient norm clipped at ``clip``, the learning rate falling linearly to 0 over
the last ``anneal`` share of the steps (``Family.lr``). Sampling: each SNP drawn from its
p(v_j | v_<j, c) in turn; the 0/1 draws are returned, so the layout's own draw
keeps them.

Why it is here: the RBM learns whole training haplotypes as modes and leaks;
this model learns the haplotypes' sequential structure, which recombination
makes local. ``bench/README.md`` has its audits and how its step count was
chosen.
"""

import torch
from torch import nn

from .family import Family, bernoulli, logit


class HaplotypeGRU(nn.Module):
    def __init__(self, n_snps, n_cond, hidden, embed):
        super().__init__()
        self.embed = nn.Parameter(torch.randn(n_snps, 3, embed) * 0.1)  # (SNP, previous allele 0 / 1 / start)
        self.h0 = nn.Parameter(torch.zeros(hidden))
        self.C = nn.Parameter(torch.zeros(n_cond, hidden))
        self.C_in = nn.Parameter(torch.randn(n_cond, embed) * 0.1)
        self.gru = nn.GRU(embed, hidden, batch_first=True)
        self.out_w = nn.Parameter(torch.zeros(n_snps, hidden))
        self.out_b = nn.Parameter(torch.zeros(n_snps))

    def start(self, c):
        return torch.tanh(self.h0 + c @ self.C)[None]  # c: (n, 0) when unconditional

    def forward(self, v, c):
        """Logits of p(v_j = 1 | v_<j, c) for every SNP j of the 0/1 items ``v`` (n, J)."""
        n, J = v.shape
        prev = torch.cat([torch.full((n, 1), 2, dtype=torch.long, device=v.device), v[:, :-1].long()], 1)
        inputs = self.embed[torch.arange(J, device=v.device)[None, :], prev] + (c @ self.C_in)[:, None, :]
        states, _ = self.gru(inputs, self.start(c))
        return (states * self.out_w).sum(-1) + self.out_b


class GRU(Family):
    """Family interface of ``training``: nets, optimizers, train_step, generate, export."""

    name = "gru"

    def __init__(self, layout, settings, n_cond, precision, train=True):
        super().__init__(layout, settings, n_cond, precision)
        s = settings
        net = HaplotypeGRU(layout.net_shape[0], n_cond, s["hidden"], s["embed"]).to(self.device)
        self.nets, self.optimizers = {"gru": net}, {}
        if train:
            self.optimizers = {"gru": torch.optim.Adam(net.parameters(), lr=s["lr"])}

    def export(self, **_):
        return {"gru": self.nets["gru"].state_dict()}

    @torch.no_grad()
    def init_from_data(self, x, c, g):
        """Output biases from the allele frequencies of items ``x`` (network space, (n, J))."""
        eps = 1.0 / (2 * len(x))
        self.nets["gru"].out_b.copy_(logit(x.mean(0).clamp(eps, 1 - eps)))

    def train_step(self, batch, g, step):
        x, c = batch()
        self.set_lr(self.optimizers["gru"], step)
        with self.precision.autocast():
            logits = self.nets["gru"](x, c)
        loss = nn.functional.binary_cross_entropy_with_logits(logits.float(), x)
        self.precision.backward_step(loss, self.optimizers["gru"], clip=self.settings["clip"])
        return {"loss": loss.item()}

    @torch.no_grad()
    def generate(self, c, g):
        net = self.nets["gru"]
        n, J = len(c), net.out_b.shape[0]
        h, c_in = net.start(c), c @ net.C_in
        prev = torch.full((n,), 2, dtype=torch.long, device=self.device)
        out = torch.empty(n, J, device=self.device)
        for j in range(J):
            state, h = net.gru((net.embed[j, prev] + c_in)[:, None, :], h)
            p = torch.sigmoid(state[:, 0].float() @ net.out_w[j] + net.out_b[j])
            prev = bernoulli(p, g).long()
            out[:, j] = prev
        return out
