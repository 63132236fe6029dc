"""Fidelity figure for synthetic haplotypes: every generator of a dataset in one PNG.

Reads only what ``genaug.fidelity.haplotypes.evaluate`` returns (its ``curves``
and ``metrics``). Panels:

- top row: allele frequencies (synthetic, and held-out real for reference,
  against train), LD decay (mean r^2 by distance), within-set pairwise
  Hamming distances, AATS against train and held-out (bars; the real-vs-real
  reference as a black tick, 0.5 dashed);
- one row of LD heatmaps: per generator, real training r^2 below the
  diagonal and synthetic r^2 above it, over the same evenly spaced SNPs;
- one row of PCA: train (grey), held-out (black) and synthetic (colour)
  haplotypes on the first two axes of a PCA fitted on train.
"""

import numpy as np
from matplotlib.figure import Figure

from ..outputs import save_figure
from .fidelity import check_fidelity

REAL, HELDOUT = "0.6", "0.1"


def _arr(x):
    return np.array([np.nan if v is None else v for v in x], dtype=np.float64)


def _colours(names):
    return {g: f"C{i % 10}" for i, g in enumerate(names)}


def _af_panel(ax, fids, col):
    first = next(iter(fids.values()))["curves"]["af"]
    train = _arr(first["train"])
    ax.plot([0, 1], [0, 1], color="0.4", linewidth=0.8, linestyle="--")
    ax.scatter(train, _arr(first["heldout"]), s=3, color=HELDOUT, alpha=0.5, label="held-out real",
               rasterized=True)
    for g, f in fids.items():
        c = f["curves"]["af"]
        r = f["metrics"]["af_correlation"]["synthetic"]
        ax.scatter(_arr(c["train"]), _arr(c["synthetic"]), s=3, color=col[g], alpha=0.5, rasterized=True,
                   label=f"{g} (r = {r:.3f})" if r is not None else g)
    ax.set_xlabel("ALT frequency, train", fontsize=8)
    ax.set_ylabel("ALT frequency, other set", fontsize=8)
    ax.set_title("allele frequencies", fontsize=9)
    ax.legend(fontsize=7, markerscale=3)


def _decay_panel(ax, fids, col):
    first = next(iter(fids.values()))["curves"]["ld_decay"]
    d = _arr(first["distance"])
    ax.plot(d, _arr(first["train"]), color=REAL, linewidth=2, label="train")
    ax.plot(d, _arr(first["heldout"]), color=HELDOUT, linewidth=1, label="held-out")
    for g, f in fids.items():
        ax.plot(_arr(f["curves"]["ld_decay"]["distance"]), _arr(f["curves"]["ld_decay"]["synthetic"]),
                color=col[g], linewidth=1, label=g)
    ax.set_xscale("log")
    ax.set_xlabel("distance between SNPs (bp)", fontsize=8)
    ax.set_ylabel("mean r\u00b2", fontsize=8)
    ax.set_title("LD decay", fontsize=9)
    ax.legend(fontsize=7)


def _distance_panel(ax, fids, col):
    for k, (g, f) in enumerate(fids.items()):
        h = f["curves"]["distance_hist"]
        e = _arr(h["edges"])
        if k == 0:
            ax.stairs(_arr(h["train"]), e, color=REAL, linewidth=2, label="train")
            ax.stairs(_arr(h["heldout"]), e, color=HELDOUT, linewidth=1, label="held-out")
        ax.stairs(_arr(h["synthetic"]), e, color=col[g], linewidth=1, label=g)
    ax.set_xlabel("Hamming distance between two haplotypes", fontsize=8)
    ax.set_ylabel("share of pairs", fontsize=8)
    ax.set_title("pairwise distances (within each set)", fontsize=9)
    ax.legend(fontsize=7)


def _aats_panel(ax, fids, col):
    names = list(fids)
    x = np.arange(len(names))
    for j, (key, label, hatch) in enumerate((("aats_train", "vs train", ""), ("aats_heldout", "vs held-out", "//"))):
        vals = [fids[g]["metrics"][key]["synthetic"] for g in names]
        refs = [fids[g]["metrics"][key]["reference"] for g in names]
        pos = x + (j - 0.5) * 0.38
        ax.bar(pos, [np.nan if v is None else v for v in vals], width=0.36, color=[col[g] for g in names],
               hatch=hatch, edgecolor="white", label=label)
        ax.scatter(pos, [np.nan if r is None else r for r in refs], marker="_", s=200, color="black",
                   zorder=3, label="real vs real" if j == 0 else None)
    ax.axhline(0.5, color="0.4", linestyle="--", linewidth=0.8)
    ax.set_xticks(x, names, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("AATS", fontsize=8)
    for i, g in enumerate(names):  # above each generator's bars, so that any number of them fits
        pl = fids[g]["metrics"]["privacy_loss"]["synthetic"]
        if pl is not None:
            ax.text(i, 0.93, f"{pl:+.3f}", ha="center", fontsize=7)
    ax.set_title("AATS (plain: vs train, hatched: vs held-out)\nprivacy loss above each generator's bars",
                 fontsize=8)
    ax.legend(fontsize=7, loc="lower right")


def _heatmap(ax, f, g):
    h = f["curves"]["ld_heatmap"]
    real, syn = _arr(np.ravel(h["train"])), _arr(np.ravel(h["synthetic"]))
    n = int(round(np.sqrt(len(real))))
    real, syn = real.reshape(n, n), syn.reshape(n, n)
    M = np.where(np.tri(n, dtype=bool), real, syn)
    im = ax.imshow(M, cmap="Reds", vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(f"LD r\u00b2: train (below) vs {g} (above)", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    return im


def _pca(ax, f, g, colour):
    p = f["curves"]["pca"]
    evr = p["explained_variance_ratio"]
    for key, c, s, label in (("train", REAL, 4, "train"), ("heldout", HELDOUT, 4, "held-out"),
                             ("synthetic", colour, 4, g)):
        ax.scatter(_arr(p[key][0]), _arr(p[key][1]), s=s, color=c, alpha=0.5, label=label, rasterized=True,
                   linewidths=0)
    ax.set_xlabel(f"PC1 ({100 * evr[0]:.1f} %)", fontsize=8)
    ax.set_ylabel(f"PC2 ({100 * evr[1]:.1f} %)", fontsize=8)
    ax.set_title(f"PCA fitted on train: {g}", fontsize=8)
    ax.legend(fontsize=7, markerscale=3)


def plot_fidelity(fidelity, path, title=None):
    """Write the fidelity figure of ``fidelity`` ({generator: evaluate() result}) to ``path`` (PNG)."""
    check_fidelity(fidelity)
    names = list(fidelity)
    col = _colours(names)
    ncols = max(4, len(names))
    fig = Figure(figsize=(3.6 * ncols, 10.5), layout="constrained")
    grid = fig.add_gridspec(3, ncols)
    for k, panel in enumerate((_af_panel, _decay_panel, _distance_panel, _aats_panel)):
        panel(fig.add_subplot(grid[0, k]), fidelity, col)
    for k, g in enumerate(names):
        ax = fig.add_subplot(grid[1, k])
        im = _heatmap(ax, fidelity[g], g)
        _pca(fig.add_subplot(grid[2, k]), fidelity[g], g, col[g])
    fig.colorbar(im, ax=ax, shrink=0.8, label="r\u00b2")
    if title:
        fig.suptitle(title, fontsize=11)
    return save_figure(fig, path, dpi=100)
