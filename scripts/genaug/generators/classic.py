"""Traditional augmentation that only makes items that could be real (``classic``).

Each synthetic item starts from a real item of the wanted class:

- pileups: lower the coverage (each read of a window kept with probability f,
  f drawn per item from ``coverage`` = [lo, hi], at least one read kept per
  window that has one, as downsampling the BAM would) and re-stack the kept
  reads in their order, so rows stay sorted by alignment start and each read
  keeps its pair, clip, strand and quality cells; shift each window by the
  same few columns (the cells uncovered at the window's edge continue the reads
  that touch that edge, as matches), and jitter base qualities by a few Phred
  (zero stays zero); empty rows stay below. Rows are never shuffled: reads out
  of order cannot occur in a real pileup. Thinning works on the stacked reads,
  so a window stacked at its row cap thins from the cap, not from the BAM's depth;
- sequences: reverse complement (bases in A, C, G, T order) with probability
  ``reverse_complement``, and a shift by up to ``sequence_shift`` bases either
  way (the bases shifted in are drawn at the item's own base shares);
- vectors: mixup with another item of the class, then Gaussian noise;
- binary: a mosaic cut at ``crossovers`` random points, each segment copied
  from an item of the class (recombination; ``mosaic``); on several contigs
  the cuts fall within contigs (spread by their SNP counts) and each contig
  starts from a fresh item (chromosomes segregate independently);
- images without pileup channels: copies.
"""

import numpy as np

from ..encode import channels as ch


def draw(pool, pool_cond, layout, settings, want, rng, contigs=None):
    """``len(want)`` items, item i from the real items of class index ``want[i]``;
    ``pool``: the real items (an array or an ``ItemSet``, whose rows are read when drawn);
    ``contigs``: first site of each contig (binary items)."""
    return np.concatenate(list(draw_chunks(pool, pool_cond, layout, settings, want, rng, contigs=contigs)))


def draw_chunks(pool, pool_cond, layout, settings, want, rng, chunk=128, contigs=None):
    """``draw`` in pieces of ``chunk`` items (pileups; other layouts in one piece), with the same
    random draws, so that a large synthetic set of pileups never sits in memory."""
    if len(want) == 0:
        yield pool[:0].copy()
        return
    by_class = {k: np.flatnonzero(pool_cond == k) for k in np.unique(want)}
    src = np.array([rng.choice(by_class[k]) for k in want], dtype=np.int64)
    mate = np.array([rng.choice(by_class[k]) for k in want], dtype=np.int64)
    s = settings
    if layout.name == "sequence":
        flip = rng.random(len(src)) < s["reverse_complement"]
        out = pool[src].copy()
        out[flip] = out[flip][:, ::-1, ::-1]
        yield shift_sequences(out, s["sequence_shift"], rng)
    elif layout.name == "vector":
        x = pool[src].astype(np.float64)
        if s["mixup"] > 0:
            lam = rng.beta(s["mixup"], s["mixup"], size=(len(src), 1))
            x = lam * x + (1 - lam) * pool[mate]
        x = x + rng.normal(size=x.shape) * s["noise"] * layout.std.numpy()
        yield np.clip(x, layout.lo.numpy(), layout.hi.numpy()).astype(layout.dtype)
    elif layout.name == "binary":
        yield mosaic(pool, by_class, want, src, mate, s["crossovers"], rng, contigs)
    elif layout.pileup is None:
        yield pool[src].copy()
    else:  # a chunk's source items read at once (``pool`` may be an ItemSet on disk)
        for i in range(0, len(src), chunk):
            items = pool[src[i:i + chunk]]
            yield np.stack([augment_pileup(x, layout.pileup, s, rng) for x in items])


def shift_sequences(X, most, rng):
    """Move each one-hot item (4, L) by d in [-most, most] positions (d > 0: to the right); the d
    positions uncovered at the edge get bases drawn at the item's own base shares."""
    if not most:
        return X
    out = X.copy()
    L = X.shape[-1]
    for i, d in enumerate(rng.integers(-most, most + 1, len(X))):
        if d == 0:
            continue
        shares = X[i].sum(1).astype(np.float64) + 1.0
        new = rng.choice(4, size=abs(d), p=shares / shares.sum())
        fill = np.zeros((4, abs(d)), X.dtype)
        fill[new, np.arange(abs(d))] = 1
        out[i] = np.concatenate([fill, X[i, :, :L - d]], 1) if d > 0 else np.concatenate([X[i, :, -d:], fill], 1)
    return out


def mosaic(pool, by_class, want, src, mate, crossovers, rng, contigs=None):
    """Haplotype i: ``crossovers`` uniform cut points split the sites into
    segments; the first is copied from ``src[i]``, the second from ``mate[i]``
    and each further one from another item of class ``want[i]`` drawn with
    replacement (a copying model, as recombination makes real haplotypes
    mosaics of others). ``contigs`` (first site of each contig): the cut points
    are uniform over all sites, so a contig gets its share, and every contig
    start is a cut too, where the next segment's item is drawn afresh."""
    n_sites = pool.shape[1]
    sites = np.arange(n_sites)
    starts = np.array(sorted(set(contigs or [0]) - {0}), dtype=np.int64)
    out = np.empty((len(src), n_sites), dtype=pool.dtype)
    for i in range(len(src)):
        cuts = np.sort(np.concatenate([rng.integers(0, n_sites + 1, size=crossovers), starts]))
        segment = np.searchsorted(cuts, sites, side="right")
        more = rng.choice(by_class[want[i]], size=max(len(cuts) - 1, 0))
        sources = np.concatenate([[src[i], mate[i]], more])
        out[i] = np.asarray(pool[sources])[segment, sites]
    return out


def augment_pileup(x, P, s, rng):
    lo, hi = s["coverage"]
    share = rng.uniform(lo, hi)
    w = x.shape[-1] // P.windows
    out = np.zeros_like(x)
    for a in range(0, x.shape[-1], w):
        rows = np.flatnonzero((x[P.base, :, a:a + w] > 0).any(-1))  # sorted by start, as stacked
        if share < 1 and len(rows):
            kept = rng.random(len(rows)) < share
            if not kept.any():
                kept[rng.integers(len(rows))] = True
            rows = rows[kept]  # still in order
        out[:, :len(rows), a:a + w] = x[:, rows, a:a + w]
    if s["shift"]:
        out = shift_windows(out, int(rng.integers(-s["shift"], s["shift"] + 1)), P)
    if s["quality_jitter"] and "base_quality" in P.idx:
        c = P.idx["base_quality"]
        q = ch.unscale_quality(out[c])
        has = q > 0
        q[has] = np.clip(q[has] + rng.integers(-s["quality_jitter"], s["quality_jitter"] + 1, has.sum()),
                         1, ch.QUALITY_CAP)
        out[c] = np.where(has, ch.scale_quality(q), out[c])
    return out


def shift_windows(x, d, P):
    """Move the columns of every window of item ``x`` (C, H, W) right by ``d`` (left if negative)."""
    if d == 0:
        return x
    w = x.shape[-1] // P.windows
    out = x.copy()
    for a in range(0, x.shape[-1], w):
        v = x[..., a:a + w]
        if d > 0:
            edge, new = v[..., :1], slice(a, a + d)
            out[..., a:a + w] = np.concatenate([np.repeat(edge, d, -1), v[..., :w - d]], -1)
        else:
            edge, new = v[..., -1:], slice(a + w + d, a + w)
            out[..., a:a + w] = np.concatenate([v[..., -d:], np.repeat(edge, -d, -1)], -1)
        read = out[P.base, :, new] > 0
        out[P.base, :, new] = np.where(read, ch.encode_categorical(ch.BASE_CODES, 1), 0)
        if "clip" in P.idx:
            out[P.idx["clip"], :, new] = 0
    return P.sort_reads(out[None])[0]
