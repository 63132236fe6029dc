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

Contigs: each contig (chromosome) of the panel is its own sequence. At a
contig's first SNP the input is the start symbol and the state is the starting
state again, so nothing is carried across chromosomes (they segregate
independently); the starting state is then also conditioned on the contig,
``tanh(h0 + c C + K[contig])``.

Haplotype groups (``clusters`` = k > 0): each contig's training haplotypes
are cut into k groups by k-means (scikit-learn) on their alleles; a group's
centroid is the allele share of its members at each SNP, never one person's
haplotype. The model is then a mixture, p(v) = prod over contigs of
sum_z p(z | c) p(v_contig | z, c): in training each item reads each contig
with the group of its nearest centroid, whose embedding joins the starting
state and the input at every SNP (long-range haplotype identity need not be
carried by the state alone); in sampling the group is drawn for each item and
contig from its population's training shares of the groups.
With ``group_span`` = s > 0 the groups are found per segment of s SNPs
within each contig instead (a contig's last segment may be shorter): each
SNP's input carries its segment's group, and in sampling a contig's first
segment draws its group from the population's shares, each later one from
the population's shares given the group of the segment before (a Markov
chain of group counts, never a haplotype), so the lineage a haplotype
follows changes between segments as often as in training.

Windows: with ``window`` > 0, training reads each item as windows of
``window`` SNPs within a contig, each preceded by up to ``burn_in`` SNPs whose
alleles warm the state up but are not scored (a window at a contig's start has
none and starts as sampling does). Every SNP is scored once per item. The
windows of a batch run side by side, so the GRU takes ``window + burn_in``
sequential steps instead of one per SNP: the cost on CPU is those sequential
steps. Sampling runs each contig left to right in one pass; with
``sample_windowed`` it draws window by window as training reads them: the
state restarts at each window, reads the ``burn_in`` SNPs before it (already
drawn), then draws the window, so the state never carries more context than
training gave it.

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


def contig_starts(starts, n_snps):
    """Sorted first-SNP indices of the contigs, 0 first (None: one contig)."""
    starts = [0] if starts is None else sorted({int(a) for a in starts} | {0})
    if starts[-1] >= n_snps and n_snps > 0:
        raise ValueError(f"contig start {starts[-1]} is not below the SNP count {n_snps}")
    return starts


def window_bounds(starts, n_snps, window, burn_in):
    """[(first SNP read, first SNP scored, end, at a contig's start)] of the windows: ``window`` SNPs
    scored (0: each contig whole) after up to ``burn_in`` read ones, within one contig."""
    rows = []
    for a, b in zip(starts, list(starts[1:]) + [n_snps]):
        step = (b - a) if window <= 0 else window
        for s in range(a, b, step):
            lo = max(a, s - burn_in)
            rows.append((lo, s, min(s + step, b), lo == a))
    return rows


def windows(starts, n_snps, window, burn_in):
    """Training windows: (positions (K, L) long, scored (K, L) bool, at_contig_start (K,) bool).

    Window k reads SNPs ``positions[k]`` left to right; ``scored`` marks the ones whose loss
    counts (each SNP exactly once over all windows). Windows stay inside one contig; the
    ones shorter than L are padded at the right with unscored copies of their last SNP."""
    rows = window_bounds(starts, n_snps, window, burn_in)
    L = max(e - lo for lo, _, e, _ in rows)
    pos = torch.empty(len(rows), L, dtype=torch.long)
    scored = torch.zeros(len(rows), L, dtype=torch.bool)
    first = torch.tensor([f for *_, f in rows], dtype=torch.bool)
    for k, (lo, s, e, _) in enumerate(rows):
        idx = torch.arange(lo, e)
        pos[k] = torch.cat([idx, idx[-1:].expand(L - len(idx))])
        scored[k, s - lo:e - lo] = True
    return pos, scored, first


def group_segments(starts, n_snps, span):
    """First-SNP indices of the group segments: each contig, cut every ``span`` SNPs (0: whole)."""
    segs = []
    for a, end in zip(starts, list(starts[1:]) + [n_snps]):
        segs += list(range(a, end, span)) if span > 0 else [a]
    return segs


class HaplotypeGRU(nn.Module):
    def __init__(self, n_snps, n_cond, hidden, embed, n_contigs=1, clusters=0, starts=(0,), span=0):
        super().__init__()
        self.clusters = int(clusters)
        if self.clusters:  # haplotype groups per segment (none: the state dict of a model without them)
            segs = group_segments(list(starts), n_snps, span)
            bounds = segs + [n_snps]
            member = torch.zeros(len(segs), n_snps)
            for t in range(len(segs)):
                member[t, bounds[t]:bounds[t + 1]] = 1
            self.register_buffer("member", member, persistent=False)
            self.register_buffer("seg_of", member.argmax(0), persistent=False)  # each SNP's segment
            # a segment that starts a contig draws its group from the shares, the others from the
            # shares given the group of the segment before
            first = set(starts)
            self.register_buffer("chained", torch.tensor([a not in first for a in segs]), persistent=False)
            self.register_buffer("centroids", torch.zeros(len(segs), self.clusters, n_snps))
            self.register_buffer("prior", torch.ones(max(n_cond, 1), len(segs), self.clusters))
            if span > 0:
                self.register_buffer("trans", torch.ones(max(n_cond, 1), len(segs), self.clusters, self.clusters))
            self.Q = nn.Parameter(torch.zeros(len(segs), self.clusters, hidden))
            self.Q_in = nn.Parameter(torch.randn(len(segs), self.clusters, embed) * 0.1)
        self.embed = nn.Parameter(torch.randn(n_snps, 3, embed) * 0.1)  # (SNP, previous allele 0 / 1 / start)
        self.h0 = nn.Parameter(torch.zeros(hidden))
        self.C = nn.Parameter(torch.zeros(n_cond, hidden))
        self.C_in = nn.Parameter(torch.randn(n_cond, embed) * 0.1)
        self.gru = nn.GRU(embed, hidden, batch_first=True)
        self.out_w = nn.Parameter(torch.zeros(n_snps, hidden))
        self.out_b = nn.Parameter(torch.zeros(n_snps))
        self.K = nn.Parameter(torch.zeros(n_contigs, hidden))

    def start(self, c, contig=0, z=None, snp=None):
        """Starting state of items with conditions ``c`` at the start of contig index ``contig``
        (an int, or one per item), reading from SNP index ``snp`` on (an int, or one per item) in
        the groups ``z`` (one per item and segment, (n, segments); with ``clusters``)."""
        group = 0
        if z is not None:
            seg = self.seg_of[snp]
            group = self.Q[seg, z[torch.arange(len(z), device=z.device), seg]]
        return torch.tanh(self.h0 + c @ self.C + self.K[contig] + group)[None]  # c: (n, 0) when unconditional

    def assign(self, v):
        """The nearest centroid's group of each item in each segment: (n, segments) long."""
        sq = v @ self.member.T  # 0/1 alleles: |v|^2 within each segment
        d = sq[:, :, None] - 2 * torch.einsum("nj,tkj->ntk", v, self.centroids) + (self.centroids ** 2).sum(-1)[None]
        return d.argmin(-1)

    def draw_groups(self, c, g):
        """Groups (n, segments) drawn from the training shares of the items' populations, each
        segment after a contig's first given the group of the one before."""
        ci = c.argmax(1) if c.shape[1] else torch.zeros(len(c), dtype=torch.long, device=c.device)
        z = torch.empty(len(c), self.prior.shape[1], dtype=torch.long, device=c.device)
        for t in range(self.prior.shape[1]):
            probs = self.trans[ci, t, z[:, t - 1]] if self.chained[t] else self.prior[ci, t]
            z[:, t] = torch.multinomial(probs.cpu(), 1, generator=g)[:, 0].to(c.device)
        return z

    def group_inputs(self, z, snps):
        """Input embedding of the groups ``z`` (n, segments) at SNP indices ``snps`` (any shape S):
        (n, *S, embed)."""
        seg = self.seg_of[snps]
        return self.Q_in[seg[None], z[:, seg]]

    @torch.no_grad()
    def fit_groups(self, v, c, seed):
        """k-means of each segment's haplotypes ``v`` (n, J), the groups' shares per population and
        (chained segments) their shares given the group of the segment before."""
        from sklearn.cluster import KMeans
        ci = (c.argmax(1) if c.shape[1] else torch.zeros(len(v), dtype=torch.long)).cpu().numpy()
        x = v.float().cpu().numpy()
        k, labels = self.clusters, None
        for t in range(self.member.shape[0]):
            cols = self.member[t].bool().cpu().numpy()
            km = KMeans(k, n_init=3, random_state=seed).fit(x[:, cols])
            self.centroids[t, :, torch.from_numpy(cols)] = torch.from_numpy(km.cluster_centers_).float().to(v.device)
            for q in range(self.prior.shape[0]):
                counts = torch.bincount(torch.from_numpy(km.labels_[ci == q]), minlength=k)
                self.prior[q, t] = counts.float().to(v.device) + 1e-3  # a group a population lacks: ~never
                if self.chained[t]:
                    pairs = torch.from_numpy(labels[ci == q] * k + km.labels_[ci == q])
                    counts = torch.bincount(pairs, minlength=k * k).reshape(k, k).float()
                    self.trans[q, t] = counts.to(v.device) + 1e-3
            labels = km.labels_

    def forward(self, v, c, pos, first, contig):
        """Logits of p(v_j = 1 | v_<j, c) over the windows (``windows``) of the 0/1 items ``v``
        (n, J): -> (n, K, L), window k reading SNPs ``pos[k]``; ``contig``: contig index per window."""
        n, (K, L) = len(v), pos.shape
        x = v[:, pos].long()  # (n, K, L)
        before = v[:, (pos[:, 0] - 1).clamp(min=0)].long()  # the allele before each window
        before = torch.where(first[None, :], torch.full_like(before, 2), before)
        prev = torch.cat([before[..., None], x[..., :-1]], -1)
        inputs = self.embed[pos[None], prev] + (c @ self.C_in)[:, None, None, :]
        z = None
        if self.clusters:
            z = self.assign(v)  # (n, segments): each item's group in each segment
            inputs = inputs + self.group_inputs(z, pos)
            z = z.repeat_interleave(K, 0)
        h = self.start(c.repeat_interleave(K, 0), contig.repeat(n), z, pos[:, 0].repeat(n))
        states, _ = self.gru(inputs.reshape(n * K, L, -1), h)
        states = states.reshape(n, K, L, -1)
        return (states * self.out_w[pos]).sum(-1) + self.out_b[pos]


class GRU(Family):
    """Family interface of ``training``: nets, optimizers, train_step, generate, export."""

    name = "gru"

    def __init__(self, layout, settings, n_cond, precision, train=True, contigs=None):
        super().__init__(layout, settings, n_cond, precision)
        s = settings
        J = layout.net_shape[0]
        self.starts = contig_starts(contigs, J)
        net = HaplotypeGRU(J, n_cond, s["hidden"], s["embed"], len(self.starts), s.get("clusters", 0),
                           self.starts, s.get("group_span", 0)).to(self.device)
        pos, scored, first = windows(self.starts, J, s["window"], s["burn_in"])
        contig = torch.searchsorted(torch.tensor(self.starts), pos[:, 0].contiguous(), right=True) - 1
        self.win = [t.to(self.device) for t in (pos, scored, first, contig)]
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
        if self.nets["gru"].clusters:
            self.nets["gru"].fit_groups(x, c, int(torch.randint(2 ** 31 - 1, (1,), generator=g)))

    def train_step(self, batch, g, step):
        x, c = batch()
        self.set_lr(self.optimizers["gru"], step)
        with self.precision.autocast():
            pos, scored, first, contig = self.win
            logits = self.nets["gru"](x, c, pos, first, contig)
        target = x[:, pos]
        loss = nn.functional.binary_cross_entropy_with_logits(logits.float()[:, scored], target[:, scored])
        self.precision.backward_step(loss, self.optimizers["gru"], clip=self.settings["clip"])
        return {"loss": loss.item()}

    @torch.no_grad()
    def generate(self, c, g):
        net = self.nets["gru"]
        n, J = len(c), net.out_b.shape[0]
        c_in0 = c @ net.C_in
        z = net.draw_groups(c, g) if net.clusters else None
        if z is not None:  # each item's condition and group input in each segment: (n, segments, embed)
            seg_in = c_in0[:, None, :] + net.Q_in[torch.arange(z.shape[1], device=self.device)[None], z]
            seg_of = net.seg_of.tolist()
        out = torch.empty(n, J, device=self.device)
        s = self.settings
        windowed = s.get("sample_windowed", False) and s["window"] > 0
        temperature = float(s.get("temperature", 1.0))
        for lo, first, end, at_start in window_bounds(self.starts, J, s["window"] if windowed else 0, s["burn_in"]):
            # as in training: the starting state, the burn-in SNPs read (already drawn), then draw
            t = int(torch.searchsorted(torch.tensor(self.starts), lo, right=True)) - 1
            h = net.start(c, t, z, lo)
            prev = torch.full((n,), 2, dtype=torch.long, device=self.device) if at_start else out[:, lo - 1].long()
            if first > lo:
                x = out[:, lo:first].long()
                prevs = torch.cat([prev[:, None], x[:, :-1]], 1)
                snps = torch.arange(lo, first, device=self.device)
                cond_in = c_in0[:, None, :] if z is None else seg_in[:, net.seg_of[snps]]
                inputs = net.embed[snps[None], prevs] + cond_in
                _, h = net.gru(inputs, h)
                prev = x[:, -1]
            for j in range(first, end):
                c_in = c_in0 if z is None else seg_in[:, seg_of[j]]
                state, h = net.gru((net.embed[j, prev] + c_in)[:, None, :], h)
                p = torch.sigmoid((state[:, 0].float() @ net.out_w[j] + net.out_b[j]) / temperature)
                prev = bernoulli(p, g).long()
                out[:, j] = prev
        return out
