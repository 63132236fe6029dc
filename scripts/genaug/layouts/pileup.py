"""What a read-stacked pileup can look like (the ``sv`` kind, ``image`` layout).

The rules, from ``genaug.encode.channels``: one read per row and window, rows
of each window sorted by alignment start (``aligned_starts``) with empty rows
below the reads, ``base == 0`` means no read in a cell and such cells are zero in every channel. A read covers one
contiguous run of cells in a window (deletions inside a read are cells with
the ``deletion`` code, soft clips are cells with a ``clip`` code), and strand,
mapping quality and pair anomaly belong to the read, so they are constant
along its run. Categorical channels hold ``code * step``; qualities hold the
scaled values of integer Phred scores.

``decode`` turns a generator's output (shares of codes per cell) into
pileups that keep these rules; ``problems`` lists the rules a tensor breaks.
"""

import numpy as np
import torch

from ..encode import channels as ch

QUALITIES = ("base_quality", "mapping_quality")
PER_READ = ("strand", "mapping_quality", "pair")
CATEGORICAL = {ch.CHANNELS[i]: codes for i, codes in ch.CATEGORICAL.items()}
DELETION = ch.BASE_CODES.index("deletion")


def is_pileup(names):
    return names is not None and "base" in [str(n) for n in names]


class Pileup:
    """Channel indices of a pileup with named channels, cut into ``windows``."""

    def __init__(self, names, windows):
        self.names = [str(n) for n in names]
        self.idx = {n: i for i, n in enumerate(self.names)}
        self.base = self.idx["base"]
        self.windows = int(windows)

    def _lines(self, X):
        """(N, C, H, W) -> (C, N*H*windows, W/windows): one row of one window per line."""
        N, C, H, W = X.shape
        if W % self.windows:
            raise ValueError(f"pileup width {W} is not a multiple of {self.windows} windows")
        w = W // self.windows
        return X.reshape(N, C, H, self.windows, w).transpose(1, 0, 2, 3, 4).reshape(C, -1, w)

    def decode(self, parts, generator=None):
        """Network output at full size -> valid uint8 pileups (N, C, H, W).

        ``parts[c]`` is channel c as (k, N, H, W) shares of its k codes, or
        (1, N, H, W) values in [0, 1]. A cell holds a read when the share of
        ``none`` is below one half; the longest run of such cells per row and
        window is the read. Strand and pair are drawn once per read from the
        read's mean shares (mapping quality: the read's mean). Mismatching
        bases are drawn per cell (sequencing errors are independent); a
        deletion or a clip spans cells, so one uniform per read decides them
        (cells whose share exceeds it), which gives whole deletion and clip
        stretches in the right share of reads rather than scattered cells.
        Without ``generator`` the most likely code is taken instead of a draw.
        """
        N, H, W = parts[self.base].shape[1:]
        w = W // self.windows
        lines = [p.reshape(len(p), -1, w) for p in parts]  # (k, N*H*windows, w)
        L = lines[0].shape[1]

        def uniform(*shape):
            return None if generator is None else torch.rand(shape, generator=generator).numpy()

        keep = longest_run(lines[self.base][0] < 0.5)
        n_cells = np.maximum(keep.sum(1), 1)
        out = np.zeros((len(parts), L, w), np.uint8)
        for c, (name, p) in enumerate(zip(self.names, lines)):
            codes = CATEGORICAL.get(name)
            if name == "base":  # a deletion spans cells: decided with one uniform per read
                code = choose(p[1:DELETION], uniform(L, w)) + 1
                share = p[DELETION] / np.maximum(p[1:].sum(0), 1e-12)
                u = uniform(L)
                deleted = share > (0.5 if u is None else u[:, None])
                value = ch.encode_categorical(codes, np.where(deleted, DELETION, code))
            elif name == "clip":  # clips span cells too
                u = uniform(L)
                u = None if u is None else np.broadcast_to(u[:, None], (L, w))
                value = ch.encode_categorical(codes, choose(p, u))
            elif name in PER_READ and codes:  # one code per read; every read has a strand
                first = int(name == "strand")
                mean = (p[first:] * keep).sum(-1) / n_cells
                value = ch.encode_categorical(codes, choose(mean, uniform(L)) + first)[:, None]
            else:
                v = p[0] if name not in PER_READ else ((p[0] * keep).sum(-1) / n_cells)[:, None]
                value = np.clip(np.rint(v * 255), 0, 255)
                if name in QUALITIES:
                    value = ch.scale_quality(ch.unscale_quality(value))
                value = value.astype(np.uint8)
            out[c] = value * keep
        X = out.reshape(len(parts), N, H, W).transpose(1, 0, 2, 3)
        return self.sort_reads(X)

    def sort_reads(self, X):
        """Rows of each window ordered by alignment start (``aligned_starts``; ties keep their order),
        rows without a read below: the order read stacking gives. Without a clip channel: ``pack``."""
        if "clip" not in self.idx:
            return self.pack(X)
        N, C, H, W = X.shape
        w = W // self.windows
        V = self._lines(X)
        start = aligned_starts(V[self.base], V[self.idx["clip"]]).reshape(N, H, self.windows)
        order = np.argsort(np.where(start < 0, W + 1, start), axis=1, kind="stable")  # (N, H, windows)
        blocks = X.reshape(N, C, H, self.windows, w)
        out = np.take_along_axis(blocks, order[:, None, :, :, None], axis=2)
        return out.reshape(N, C, H, W)

    def pack(self, X):
        """Move rows without a read below the rows with one, keeping their order."""
        empty = ~(X[:, self.base] > 0).any(-1)
        order = np.argsort(empty, axis=1, kind="stable")
        return np.take_along_axis(X, order[:, None, :, None], axis=2)

    def depth(self, x):
        """Number of rows holding a read in one item (C, H, W)."""
        return int((x[self.base] > 0).any(-1).sum())

    def problems(self, X):
        """The pileup rules ``X`` breaks, as sentences with counts; [] when none."""
        X = np.asarray(X)
        out = []
        for name, codes in CATEGORICAL.items():
            if name in self.idx:
                v = X[:, self.idx[name]]
                s = ch.step(codes)
                bad = int(((v % s != 0) | (v // s >= len(codes))).sum())
                if bad:
                    out.append(f"{bad} cells of channel {name} hold no code")
        for name in QUALITIES:
            if name in self.idx:
                v = X[:, self.idx[name]]
                bad = int((ch.scale_quality(ch.unscale_quality(v)) != v).sum())
                if bad:
                    out.append(f"{bad} cells of channel {name} hold no Phred score")
        read = X[:, self.base] > 0
        bad = int(((X != 0) & ~read[:, None]).sum())
        if bad:
            out.append(f"{bad} values are non-zero in cells without a read")
        if "strand" in self.idx:
            bad = int((read & (X[:, self.idx["strand"]] == 0)).sum())
            if bad:
                out.append(f"{bad} read cells have no strand")
        V = self._lines(X)
        occ = V[self.base] > 0
        starts = occ & ~np.pad(occ, ((0, 0), (1, 0)))[:, :-1]
        bad = int((starts.sum(1) > 1).sum())
        if bad:
            out.append(f"{bad} rows hold more than one read in a window")
        for name in PER_READ:
            if name in self.idx:
                v = V[self.idx[name]]
                hi = np.where(occ, v, 0).max(1)
                lo = np.where(occ, v, 255).min(1)
                bad = int((occ.any(1) & (hi != lo)).sum())
                if bad:
                    out.append(f"{bad} reads change {name} along the read")
        empty = ~read.any(-1)
        bad = int((empty[:, :-1] & ~empty[:, 1:]).any(1).sum())
        if bad:
            out.append(f"{bad} items have an empty row above a read")
        if "clip" in self.idx:
            start = aligned_starts(V[self.base], V[self.idx["clip"]]).reshape(X.shape[0], X.shape[2], self.windows)
            has = start >= 0
            prev = np.maximum.accumulate(np.where(has, start, -1), axis=1)
            bad = int((has[:, 1:] & (start[:, 1:] < prev[:, :-1])).any((1, 2)).sum())
            if bad:
                out.append(f"{bad} items have reads out of order (rows must be sorted by alignment start)")
        return out


SOFT_CLIP = ch.encode_categorical(ch.CLIP_CODES, ch.CLIP_CODES.index("soft_clip"))


def aligned_starts(base, clip):
    """Column of each line's alignment start: its first cell with a read plus the leading soft-clipped
    cells (a leading soft clip is shown left of the alignment); -1 for a line without a read.
    ``base``, ``clip``: (lines, w) channel values. Rows are sorted by this within each window."""
    occ = base > 0
    first = np.where(occ.any(1), occ.argmax(1), -1)
    soft = (clip == SOFT_CLIP) & occ
    w = base.shape[1]
    col = np.arange(w)[None, :]
    # leading run of soft-clipped cells from the first cell with a read
    after = col >= first[:, None]
    not_soft = after & ~soft
    end = np.where(not_soft.any(1), not_soft.argmax(1), w)
    return np.where(first >= 0, np.maximum(end, first), -1)


def choose(p, u=None):
    """Code per position from shares ``p`` (codes on axis 0): the most likely,
    or with uniforms ``u`` a draw in proportion to the shares."""
    if u is None:
        return p.argmax(0)
    cdf = np.cumsum(np.maximum(p, 0), 0)
    cdf = cdf / np.maximum(cdf[-1:], 1e-12)
    return np.minimum((cdf < u[None]).sum(0), len(p) - 1)


def longest_run(occ):
    """Mask of the longest run of True per line of a 2-D boolean array (first on ties)."""
    L, w = occ.shape
    starts = occ & ~np.pad(occ, ((0, 0), (1, 0)))[:, :-1]
    run = np.cumsum(starts, axis=1) * occ
    n = int(run.max()) + 1
    lengths = np.bincount((np.arange(L)[:, None] * n + run).ravel(), minlength=L * n).reshape(L, n)
    lengths[:, 0] = 0
    return occ & (run == lengths.argmax(1)[:, None])
