"""Li and Stephens' copying model for 0/1 haplotypes (``li_stephens``).

A new haplotype of a population is drawn as an imperfect mosaic of that population's training
haplotypes (Li & Stephens 2003, the model HAPGEN uses to simulate haplotypes from a reference panel):
it copies one training haplotype, switches at each site to a haplotype drawn uniformly (possibly the
same) with probability ``1 - exp(-rho * gap / n)`` (``gap``: bp since the site before, ``n``: the
haplotypes copied from), and emits the copied allele flipped with probability ``mutation``. Every
contig starts afresh from a uniform draw (chromosomes segregate independently).

Unlike ``classic``'s fixed number of cuts, the switches follow the physical distance and the panel
size, so dense SNPs copy long stretches and sparse ones are nearly independent. ``rho`` (per bp,
population-scaled) and ``mutation`` are fitted to the training haplotypes by maximising the
leave-one-out likelihood (each of up to ``fit_haplotypes`` training haplotypes per condition given the
others, the forward algorithm), on a factor-2 grid searched coordinate by coordinate: nothing held
out is read. Draws use ``spread`` times both rates: the likelihood's own rates make draws that sit
nearer the training haplotypes than held-out people do (a privacy loss above the real-vs-real
reference on validation audits). A draw equal to a training haplotype is drawn again (``no_copies``).

With ``clusters`` each condition's training haplotypes are cut into groups by k-means over every
site (all contigs), and a draw copies within one group, drawn at the condition's training
shares, on every contig: the structure a population label does not name (a panel of one label
that holds several ancestries) then holds between contigs too, where a fresh uniform start on
each contig loses it.
"""

import logging

import numpy as np

log = logging.getLogger(__name__)
RHO0, MUTATION0 = 1e-3, 1e-3  # where the search starts
RHO_RANGE, MUTATION_RANGE = (1e-9, 1e3), (1e-6, 0.25)
MAX_EVALUATIONS = 60
REDRAWS = 20  # rounds of drawing again a haplotype equal to a training one; then single-site flips
MIN_GROUP = 10  # haplotypes per k-means group at least (``clusters``)


def site_gaps(n_sites, positions=None, contigs=None):
    """(bp from each site to the one before, a mask of the sites that start a contig). Without
    ``positions`` each step is 1 bp; ``contigs``: the first site of each contig."""
    pos = np.arange(n_sites, dtype=np.float64) if positions is None else np.asarray(positions, np.float64)
    if pos.shape != (n_sites,):
        raise ValueError(f"li_stephens: {pos.shape[0]} positions for {n_sites} sites")
    first = np.zeros(n_sites, bool)
    first[[0, *(int(a) for a in (contigs or ()) if 0 <= int(a) < n_sites)]] = True
    gaps = np.diff(pos, prepend=pos[:1])
    if (gaps[~first] < 0).any():
        j = int(np.flatnonzero((gaps < 0) & ~first)[0])
        raise ValueError(f"li_stephens: positions fall at site {j} within a contig ({pos[j - 1]:.0f} -> "
                         f"{pos[j]:.0f}); sites must be sorted by position within each contig")
    gaps[first] = 0.0
    return gaps, first


def switch_probabilities(gaps, first, rho, n):
    """Per site, the probability of drawing the copied haplotype afresh (1 at each contig start);
    ``n``: the haplotypes copied from, a number or one per row (an array of shape (rows, 1))."""
    s = -np.expm1(-rho * gaps / np.maximum(n, 1))
    s[..., first] = 1.0
    return s


def fit_model(pool, pool_cond, positions, contigs, settings, seed):
    """What ``model.pt`` keeps of a copying model beside its pool: ``positions``, ``pool_group``
    (each item's group: its condition, or its k-means group with ``clusters``) and ``fit``."""
    if positions is None:
        log.warning("li_stephens: no site positions given; distances are counted in sites")
    pos = np.asarray(np.arange(pool.shape[1]) if positions is None else positions, dtype=np.float64)
    gaps, first = site_gaps(pool.shape[1], pos, contigs)
    if settings["clusters"]:
        groups = haplotype_groups(pool, pool_cond, settings["clusters"], seed)
    else:
        groups = pool_cond
        if len(np.unique(pool_cond)) <= 1 and len(contigs) > 1:
            log.warning("li_stephens: one population over %d contigs and clusters 0: each contig starts from "
                        "the whole panel, which loses any structure between contigs; set clusters to keep it",
                        len(contigs))
    return {"positions": pos, "pool_group": groups,
            "fit": fit(pool, groups, gaps, first, settings, np.random.default_rng(seed))}


def sample_chunks(m, pool, want, seed, chunk):
    """``draw_chunks`` for the model ``m`` (``model.pt`` as read, arrays as numpy) of the condition
    indices ``want``: a group per draw where the model has ``clusters``, at ``spread`` times the rates."""
    s = m["settings"]
    gaps, first = site_gaps(pool.shape[1], m["positions"], m["contigs"])
    rng = np.random.default_rng(seed)
    groups = m.get("pool_group", m["pool_cond"])
    if s.get("clusters"):
        want = group_of(want, m["pool_cond"], groups, rng)
    return draw_chunks(pool, groups, want, gaps, first, m["fit"]["rho"] * s["spread"],
                       min(0.5, m["fit"]["mutation"] * s["spread"]), rng, chunk=chunk, no_copies=s["no_copies"])


def log_likelihood(panel, targets, gaps, first, rho, mutation, exclude=None):
    """log P(each target | panel) under the copying model (the forward algorithm, scaled per site).
    ``exclude``: per target, a panel row it may not copy (itself, for leave-one-out), or -1."""
    panel = np.asarray(panel)
    targets = np.atleast_2d(np.asarray(targets))
    n_t, n_p = len(targets), len(panel)
    mask = np.ones((n_t, n_p))
    if exclude is not None:
        ex = np.asarray(exclude)
        mask[np.flatnonzero(ex >= 0), ex[ex >= 0]] = 0.0
    n = mask.sum(1, keepdims=True)
    s_all = switch_probabilities(gaps[None, :], first, rho, n)  # (targets, sites): n may differ by target
    alpha = mask / n
    ll = np.zeros(n_t)
    for j in range(panel.shape[1]):
        if j:
            s = s_all[:, j:j + 1]
            alpha = ((1 - s) * alpha + s / n) * mask
        alpha = alpha * np.where(panel[None, :, j] == targets[:, j, None], 1 - mutation, mutation)
        c = alpha.sum(1)
        ll += np.log(c)
        alpha /= c[:, None]
    return ll


def haplotype_groups(pool, pool_cond, clusters, seed):
    """Group index per training haplotype: each condition's haplotypes cut into up to ``clusters``
    k-means groups of at least ``MIN_GROUP`` (fewer groups where the condition is small)."""
    from sklearn.cluster import KMeans
    pool = np.asarray(pool)
    out = np.zeros(len(pool), dtype=np.int64)
    top = 0
    for k in np.unique(pool_cond):
        rows = np.flatnonzero(pool_cond == k)
        n_groups = max(1, min(int(clusters), len(rows) // MIN_GROUP))
        labels = np.zeros(len(rows), dtype=np.int64) if n_groups == 1 else \
            KMeans(n_groups, n_init=3, random_state=seed).fit_predict(pool[rows].astype(np.float32))
        out[rows] = top + labels
        top += n_groups
    return out


def group_of(want, pool_cond, groups, rng):
    """A group per wanted condition index, drawn at the condition's training shares of the groups."""
    out = np.empty(len(want), dtype=np.int64)
    for k in np.unique(want):
        at = np.flatnonzero(want == k)
        g, counts = np.unique(groups[pool_cond == k], return_counts=True)
        out[at] = rng.choice(g, size=len(at), p=counts / counts.sum())
    return out


def fit(pool, pool_cond, gaps, first, settings, rng):
    """{"rho", "mutation", "log_likelihood", "evaluations", "fitted"}: the settings' values where
    given, else the ones that maximise the leave-one-out likelihood of the training haplotypes."""
    pool = np.asarray(pool)
    groups = [np.flatnonzero(pool_cond == k) for k in np.unique(pool_cond)]
    groups = [g for g in groups if len(g) >= 2]
    if not groups:
        raise ValueError("li_stephens needs at least two training haplotypes of a condition to copy from")
    picks = [(g, rng.choice(len(g), size=min(settings["fit_haplotypes"], len(g)), replace=False))
             for g in groups]
    seen = {}

    def score(rho, mutation):
        key = (round(np.log2(rho), 6), round(np.log2(mutation), 6))
        if key not in seen:
            seen[key] = float(sum(log_likelihood(pool[g], pool[g[t]], gaps, first, rho, mutation, exclude=t).sum()
                                  for g, t in picks))
            log.info("li_stephens: fit %d: rho %.3g, mutation %.3g: log-likelihood %.1f", len(seen), rho, mutation,
                     seen[key])
        return seen[key]

    rho = settings["rho"] or RHO0
    mutation = settings["mutation"] or MUTATION0
    free = [name for name in ("rho", "mutation") if not settings[name]]
    best = score(rho, mutation)
    moved = bool(free)
    while moved and len(seen) < MAX_EVALUATIONS:
        moved = False
        for name in free:
            for f in (2.0, 0.5):
                r, m = (rho * f, mutation) if name == "rho" else (rho, mutation * f)
                lo, hi = RHO_RANGE if name == "rho" else MUTATION_RANGE
                if not lo <= (r if name == "rho" else m) <= hi:
                    continue
                v = score(r, m)
                if v > best + 1e-9:
                    best, rho, mutation, moved = v, r, m, True
                    break
    log.info("li_stephens: rho %.3g per bp, mutation %.3g (leave-one-out log-likelihood %.1f of %d haplotypes, "
             "%d evaluations)", rho, mutation, best, sum(len(t) for _, t in picks), len(seen))
    return {"rho": float(rho), "mutation": float(mutation), "log_likelihood": best, "evaluations": len(seen),
            "fitted": free}


def draw_chunks(pool, pool_cond, want, gaps, first, rho, mutation, rng, chunk=128, no_copies=True):
    """Haplotypes of the condition indices ``want``, ``chunk`` at a time (the same draws as in one piece)."""
    pool = np.asarray(pool)
    by_class = {k: np.flatnonzero(pool_cond == k) for k in np.unique(want)}
    for k, rows in by_class.items():
        if len(rows) == 0:
            raise ValueError(f"li_stephens: no training haplotype of condition index {k} to copy from")
    seen = {row.tobytes() for row in pool} if no_copies else set()
    if len(want) == 0:
        yield pool[:0].copy()
    for i in range(0, len(want), chunk):
        part = np.asarray(want[i:i + chunk])
        out = np.empty((len(part), pool.shape[1]), pool.dtype)
        for k, rows in by_class.items():
            at = np.flatnonzero(part == k)
            if len(at):
                out[at] = _draw_class(pool[rows], len(at), gaps, first, rho, mutation, rng, seen)
        yield out


def _draw_class(panel, n_out, gaps, first, rho, mutation, rng, seen):
    s = switch_probabilities(gaps, first, rho, len(panel))
    out = np.empty((n_out, panel.shape[1]), panel.dtype)
    todo = np.arange(n_out)
    for _ in range(REDRAWS):
        src = np.empty(len(todo), np.int64)
        for j in range(panel.shape[1]):
            fresh = np.flatnonzero(rng.random(len(todo)) < s[j])
            src[fresh] = rng.integers(len(panel), size=len(fresh))
            out[todo, j] = panel[src, j] ^ (rng.random(len(todo)) < mutation)
        todo = np.array([i for i in todo if out[i].tobytes() in seen], dtype=np.int64)
        if not len(todo):
            return out
    log.warning("li_stephens: %d draw(s) still equal a training haplotype after %d rounds; each gets "
                "single-site flips until it does not", len(todo), REDRAWS)
    for i in todo:
        while out[i].tobytes() in seen:
            out[i, rng.integers(panel.shape[1])] ^= 1
    return out
