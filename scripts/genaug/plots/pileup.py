"""Pileup tensors drawn for a person: DeepSV-style RGB and a QC figure.

The RGB rendering is for viewing only; the tensor (``genaug.encode.channels``)
is what models see. Colours, cell by cell:

- no read: white; match: light grey (darker grey for split-aligned reads,
  those with an SA tag); mismatch: A green, C blue, G orange, T red, N dark
  grey; deletion: black. Bases are blended towards white as base quality
  falls (quality 0 keeps ``MIN_ALPHA`` of the colour); deletions stay black.
- reads with a pair anomaly: their match cells take a pastel tint of the
  anomaly's colour (IGV-like: insert too large red, too small blue, ...).
- soft-clipped cells: a strong magenta tint over the base colour.
- insertion after a cell: that cell is purple.

Strand is not drawn; the QC profiles show the reverse-strand share.
"""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from genaug.encode import channels as ch
from genaug.outputs import save_figure

WHITE = (255, 255, 255)
BASE_COLOURS = {
    "none": WHITE,
    "match": (200, 200, 200),
    "A": (0, 160, 0),
    "C": (0, 80, 230),
    "G": (255, 140, 0),
    "T": (220, 0, 0),
    "N": (90, 90, 90),
    "deletion": (0, 0, 0),
}
SPLIT_READ_MATCH = (140, 140, 140)  # match cells of reads with an SA tag
PAIR_COLOURS = {
    "insert_large": (230, 30, 30),
    "insert_small": (30, 90, 230),
    "orientation_rf": (20, 170, 60),
    "orientation_same": (0, 170, 180),
    "mate_other_contig": (150, 90, 20),
    "mate_unmapped": (230, 200, 0),
    "improper_other": (130, 100, 190),
}
SOFT_CLIP_COLOUR = (255, 0, 220)
INSERTION_COLOUR = (100, 0, 150)
MIN_ALPHA = 0.3    # share of the colour kept at base quality 0
PAIR_TINT = 0.45   # share of the anomaly colour in a match cell of an anomalous pair
CLIP_TINT = 0.7    # share of magenta in a soft-clipped cell

_BASE_RGB = np.array([BASE_COLOURS[c] for c in ch.BASE_CODES], dtype=np.float64)
_PAIR_RGB = np.array([PAIR_COLOURS.get(c, WHITE) for c in ch.PAIR_CODES], dtype=np.float64)
_MATCH, _DELETION = ch.BASE_CODES.index("match"), ch.BASE_CODES.index("deletion")
_SPLIT_READ = ch.CLIP_CODES.index("split_read")
_INSERTION = ch.CLIP_CODES.index("insertion_after")
_SOFT_CLIP = ch.CLIP_CODES.index("soft_clip")


def render_pileup(item):
    """One pileup item (C, H, W) uint8 -> RGB image (H, W, 3) uint8."""
    item = np.asarray(item)
    if item.ndim != 3 or item.shape[0] != len(ch.CHANNELS):
        raise ValueError(f"expected one pileup item of shape ({len(ch.CHANNELS)}, H, W), got {item.shape}")
    base = ch.decode_categorical(ch.BASE_CODES, item[ch.BASE])
    pair = ch.decode_categorical(ch.PAIR_CODES, item[ch.PAIR])
    clip = ch.decode_categorical(ch.CLIP_CODES, item[ch.CLIP])

    rgb = _BASE_RGB[base]
    match = base == _MATCH
    rgb[match & (clip == _SPLIT_READ)] = SPLIT_READ_MATCH
    tinted = match & (pair > 0)
    rgb[tinted] = (1 - PAIR_TINT) * rgb[tinted] + PAIR_TINT * _PAIR_RGB[pair[tinted]]
    # paler with low base quality (deletions have no base quality: they stay black)
    alpha = MIN_ALPHA + (1 - MIN_ALPHA) * item[ch.BASE_QUALITY].astype(np.float64) / 255
    faded = (base != 0) & (base != _DELETION)
    rgb[faded] = 255 + (rgb[faded] - 255) * alpha[faded][:, None]
    soft = clip == _SOFT_CLIP
    rgb[soft] = (1 - CLIP_TINT) * rgb[soft] + CLIP_TINT * np.array(SOFT_CLIP_COLOUR, dtype=np.float64)
    rgb[clip == _INSERTION] = INSERTION_COLOUR
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def legend_entries():
    """(label, RGB 0-255) pairs explaining ``render_pileup``'s colours."""
    entries = [("no read", WHITE), ("match", BASE_COLOURS["match"]),
               ("match, low quality", tuple(255 + (np.array(BASE_COLOURS["match"]) - 255) * MIN_ALPHA)),
               ("match, split read (SA)", SPLIT_READ_MATCH)]
    entries += [(f"mismatch {b}", BASE_COLOURS[b]) for b in "ACGTN"]
    entries += [("deletion", BASE_COLOURS["deletion"]), ("insertion after", INSERTION_COLOUR),
                ("soft clip", tuple((1 - CLIP_TINT) * np.array(BASE_COLOURS["match"])
                                    + CLIP_TINT * np.array(SOFT_CLIP_COLOUR)))]
    match = np.array(BASE_COLOURS["match"], dtype=np.float64)
    entries += [(f"pair: {c.replace('_', ' ')}", tuple((1 - PAIR_TINT) * match + PAIR_TINT * np.array(rgb)))
                for c, rgb in PAIR_COLOURS.items()]
    return entries


# the QC figure's profiles: name -> (channel, code) whose share of read cells is drawn;
# "depth" is the share of rows holding a read
QC_PROFILES = {"depth": None,
               "mismatch": (ch.BASE, ("A", "C", "G", "T", "N")),
               "deletion": (ch.BASE, ("deletion",)),
               "soft_clip": (ch.CLIP, ("soft_clip",)),
               "split_read": (ch.CLIP, ("split_read",)),
               **{f"pair: {c}": (ch.PAIR, (c,)) for c in ch.PAIR_CODES[1:]},
               "reverse_strand": (ch.STRAND, ("reverse",))}


def qc_profiles(X, y, max_items=2000, seed=1):
    """Per class, along the columns: the share of rows holding a read (``depth``) and, among
    the cells with a read, the share of each ``QC_PROFILES`` kind (mismatches, deletions,
    soft clips, split reads, each pair anomaly, reverse strand).

    Returns ``{label: {name: (W,) float64}}`` for each label present in ``y``
    (NaN where a class has no read cell in a column). At most ``max_items`` items are used,
    an equal share per class, chosen with the seed; X is read in sorted order in chunks,
    so a memory map is never loaded whole.
    """
    y = np.asarray(y)
    labels = np.unique(y)
    rng = np.random.default_rng(seed)
    per_class = max(1, max_items // max(1, len(labels)))
    _, height, width = X.shape[1:]
    chunk = max(1, (32 << 20) // max(1, int(np.prod(X.shape[1:])) * 8))
    out = {}
    for c in labels:
        idx = np.flatnonzero(y == c)
        if len(idx) > per_class:
            idx = np.sort(rng.choice(idx, per_class, replace=False))
        counts = {name: np.zeros(width) for name in QC_PROFILES}
        reads = np.zeros(width)
        for start in range(0, len(idx), chunk):
            block = np.asarray(X[idx[start:start + chunk]])
            read = block[:, ch.BASE] != 0  # (n, H, W)
            reads += read.sum((0, 1))
            for name, what in QC_PROFILES.items():
                if what is None:
                    continue
                channel, codes = what
                code = ch.decode_categorical(ch.CATEGORICAL[channel], block[:, channel])
                hit = np.isin(code, [ch.CATEGORICAL[channel].index(k) for k in codes]) & read
                counts[name] += hit.sum((0, 1))
        with np.errstate(invalid="ignore", divide="ignore"):
            prof = {name: counts[name] / reads for name in QC_PROFILES}
        prof["depth"] = reads / (height * len(idx)) if len(idx) else np.full(width, np.nan)
        out[int(c)] = prof
    return out


def plot_qc(X, y, classes, samples, path, examples_per_class=4, max_items_for_means=2000, seed=1):
    """Write a QC figure (PNG): example pileups per class, then per-column shares by class
    (``qc_profiles``: depth, mismatches, clips, each pair anomaly, ...).

    ``X``: (N, C, H, W) uint8, may be a memory map; ``y``: int labels indexing
    ``classes``; ``samples``: the samples.tsv DataFrame (same order as X; uses
    id, svtype, svlen where present). Examples of each class cover as many SV
    types as possible (one per type, most frequent types first), then random.
    """
    y = np.asarray(y)
    if X.ndim != 4 or X.shape[1] != len(ch.CHANNELS):
        raise ValueError(f"X must be pileups (N, {len(ch.CHANNELS)}, H, W), got shape {X.shape}")
    if not len(X) == len(y) == len(samples):
        raise ValueError(f"X, y and samples disagree on the number of items: {len(X)}, {len(y)}, {len(samples)}")
    width = X.shape[3]
    window = width // 2
    n_classes = len(classes)
    n_ex = max(1, int(examples_per_class))
    rng = np.random.default_rng(seed)
    examples = [_pick_examples(np.flatnonzero(y == c), samples, n_ex, rng) for c in range(n_classes)]
    profiles = qc_profiles(X, y, max_items=max_items_for_means, seed=seed)

    n_prof_rows = -(-len(QC_PROFILES) // 3)
    heights = [2.0] * n_classes + [0.9] + [2.2] * n_prof_rows
    fig = Figure(figsize=(4 * max(n_ex, 3), sum(heights) + 0.8), layout="constrained")
    fig.suptitle(f"Pileup QC: {len(X)} items, {X.shape[2]} rows x {width} columns "
                 f"(left | right breakpoint window)", fontsize=12)
    grid = fig.add_gridspec(len(heights), 1, height_ratios=heights)

    for c in range(n_classes):
        row = grid[c].subgridspec(1, n_ex)
        for j in range(n_ex):
            ax = fig.add_subplot(row[j])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(f"{classes[c]}\nreads", fontsize=9)
            if j >= len(examples[c]):
                ax.set_xticks([])
                ax.text(0.5, 0.5, "no item" if j == 0 else "", ha="center", va="center", transform=ax.transAxes)
                continue
            i = int(examples[c][j])
            ax.imshow(render_pileup(X[i]), aspect="auto", interpolation="nearest")
            ax.axvline(window - 0.5, color="#1f3fbf", linewidth=1.5, linestyle="--")
            ax.set_xticks([window / 2, window + window / 2], ["left bp", "right bp"], fontsize=7)
            ax.set_title(_item_title(samples.iloc[i]), fontsize=8)

    leg_ax = fig.add_subplot(grid[n_classes])
    leg_ax.axis("off")
    handles = [Patch(facecolor=np.array(rgb) / 255, edgecolor="0.5", label=label) for label, rgb in legend_entries()]
    leg_ax.legend(handles=handles, loc="center", ncol=6, fontsize=8, frameon=False,
                  title="pileup colours (columns: left window | right window, dashed line)", title_fontsize=9)

    prof = grid[n_classes + 1:].subgridspec(n_prof_rows, 3)
    cols = np.arange(width)
    for k, name in enumerate(QC_PROFILES):
        ax = fig.add_subplot(prof[k // 3, k % 3])
        for c in range(n_classes):
            if c in profiles:
                ax.plot(cols, profiles[c][name], linewidth=1, color=f"C{c}", label=str(classes[c]))
        ax.axvline(window - 0.5, color="0.3", linestyle="--", linewidth=1)
        ax.set_title(name.replace("_", " ") + (" (share of rows with a read)" if name == "depth" else ""),
                     fontsize=9)
        ax.set_xlim(0, width - 1)
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=7)
        if k % 3 == 0:
            ax.set_ylabel("share of read cells" if k else "share of rows", fontsize=8)
        if k // 3 == n_prof_rows - 1:
            ax.set_xlabel("column", fontsize=8)
        if k == 0:
            ax.legend(fontsize=8, title="class", title_fontsize=8)

    save_figure(fig, path, dpi=110)


def _pick_examples(idx, samples, n, rng):
    """Up to n items of idx: one per SV type (most frequent first), then random others."""
    if len(idx) == 0:
        return np.empty(0, dtype=np.int64)
    idx = rng.permutation(idx)
    if "svtype" not in samples.columns:
        return idx[:n]
    types = samples["svtype"].to_numpy()[idx].astype(str)
    names, counts = np.unique(types, return_counts=True)
    by_freq = names[np.argsort(-counts, kind="stable")]
    picked = [idx[np.flatnonzero(types == t)[0]] for t in by_freq[:n]]
    chosen = set(picked)
    rest = [i for i in idx[:n + len(picked)] if i not in chosen]
    return np.array(picked + rest[:n - len(picked)], dtype=np.int64)


def _item_title(row):
    parts = [str(row["id"])] if "id" in row.index else []
    if "svtype" in row.index:
        sv = str(row["svtype"])
        if "svlen" in row.index and sv != "NONE" and row["svlen"] == row["svlen"]:
            sv += f" {abs(int(row['svlen']))} bp"
        parts.append(sv)
    return "\n".join(parts)
