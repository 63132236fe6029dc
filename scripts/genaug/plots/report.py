"""Report figures: detection (F1 bars, PR curves, differences from `none`) and
generators (real vs synthetic items, loss curves, PCA of real and synthetic)."""

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from ..metrics import pr_curve
from ..outputs import save_figure
from .pileup import render_pileup

REAL, SYNTHETIC, HELDOUT = "#1f77b4", "#d62728", "#7f7f7f"


def rolling_mean(v, window):
    """Centred rolling mean; near the ends the window holds what there is (no padding, so a
    flat curve stays flat to its ends)."""
    return pd.Series(np.asarray(v, np.float64)).rolling(int(window), center=True, min_periods=1).mean().to_numpy()


def plot_detection(summary, comparisons, curves, path, title=""):
    """Three panels: test F1 mean ± sd per detector and strategy (seeds as dots),
    precision-recall curves (one per detector, strategy and seed), and each strategy's
    F1 / AUPRC difference from the same detector's `none` with its bootstrap interval.

    ``summary``: summary.tsv rows; ``comparisons``: comparisons.tsv rows;
    ``curves``: {(detector, strategy): [(y_binary, score, f1), ...] one per seed}.
    """
    if summary is None or not len(summary):
        raise ValueError("no detection runs to plot")
    fig = Figure(figsize=(16, 4.8), layout="constrained")
    ax_bar, ax_pr, ax_diff = fig.subplots(1, 3, width_ratios=[1.1, 1, 1.1])
    strategies = list(zip(summary["detector"], summary["strategy"]))
    names = [f"{d} {s}" for d, s in strategies]
    x = np.arange(len(strategies))
    colours = {s: f"C{i % 10}" for i, s in enumerate(strategies)}
    for metric, offset, hatch in (("f1", -0.2, None), ("auprc", 0.2, "//")):
        ax_bar.bar(x + offset, summary[f"{metric}_mean"], 0.38, yerr=summary[f"{metric}_sd"], capsize=3,
                   color=[colours[s] for s in strategies], alpha=0.85 if hatch is None else 0.45, hatch=hatch,
                   label=metric.upper(), edgecolor="black", linewidth=0.5)
    for i, s in enumerate(strategies):
        f1s = [f1 for _, _, f1 in curves.get(s, [])]
        ax_bar.plot(np.full(len(f1s), i - 0.2), f1s, "k.", ms=4)
    ax_bar.set_xticks(x, names, rotation=30, ha="right")
    ax_bar.set_ylim(0, 1.05)
    ax_bar.set_ylabel("test score (mean ± sd over seeds)")
    ax_bar.set_title("F1 (solid) and AUPRC (hatched) on the real test split")
    for s in strategies:
        for k, (y, score, _) in enumerate(curves.get(s, [])):
            if y.sum() == 0:
                continue
            p, r, _ = pr_curve(y, score)
            ax_pr.plot(r, p, color=colours[s], alpha=0.8, lw=1.2, ls="--" if s[0] == "logistic" else "-",
                       label=f"{s[0]} {s[1]}" if k == 0 else None)
    ax_pr.set_xlabel("recall")
    ax_pr.set_ylabel("precision")
    ax_pr.set_xlim(0, 1.02)
    ax_pr.set_ylim(0, 1.02)
    ax_pr.set_title("precision-recall curves (test)")
    ax_pr.legend(fontsize=7, loc="lower left")
    if comparisons is not None and len(comparisons):
        rows = comparisons[comparisons["metric"].isin(["f1", "auprc"])].reset_index(drop=True)
        labels = [f"{r.detector} {r.strategy} {r.metric.upper()}" for r in rows.itertuples()]
        yy = np.arange(len(rows))[::-1]
        for yv, r in zip(yy, rows.itertuples()):
            c = "#2ca02c" if r.verdict == "better" else "#d62728" if r.verdict == "worse" else "black"
            ax_diff.plot([r.lo, r.hi], [yv, yv], color=c, lw=2)
            ax_diff.plot(r.diff, yv, "o", color=c)
        ax_diff.axvline(0, color=HELDOUT, ls=":")
        ax_diff.set_yticks(yy, labels, fontsize=7)
        level = int(round(100 * float(rows["level"].iloc[0]))) if len(rows) else 95
        ax_diff.set_xlabel(f"difference from the detector's `none` ({level}% paired bootstrap interval)")
        ax_diff.set_title("does a strategy beat `none` (same detector)?")
    else:
        ax_diff.set_axis_off()
    fig.suptitle(title)
    save_figure(fig, path, dpi=110)


def _item_image(item, layout):
    if layout == "image":
        return render_pileup(item)
    return np.asarray(item)


def plot_generators(generators, layout, path, title="", examples=3):
    """One row per generator: ``examples`` real and synthetic items, the loss curves,
    and PCA of real (train, held-out) and synthetic items (fitted on the training items).

    ``generators``: {name: {"real": items, "synthetic": items, "history": DataFrame or None,
    "pca": fidelity curves' pca dict or None}}. Binary items (haplotypes) are
    drawn as a matrix of the first items, rows = items.
    """
    if not generators:
        raise ValueError("no generators to plot")
    n = len(generators)
    per_row = 2 * examples if layout == "image" else 2
    fig = Figure(figsize=(3 * per_row + 8, 2.6 * n + 0.6), layout="constrained")
    grid = fig.add_gridspec(n, per_row + 2, width_ratios=[1] * per_row + [2, 2])
    for row, (name, g) in enumerate(generators.items()):
        if layout == "image":
            for k in range(examples):
                for j, (key, colour) in enumerate((("real", REAL), ("synthetic", SYNTHETIC))):
                    ax = fig.add_subplot(grid[row, j * examples + k])
                    items = g[key]
                    if k < len(items):
                        ax.imshow(_item_image(items[k], layout), aspect="auto", interpolation="nearest")
                    ax.set_xticks([]), ax.set_yticks([])
                    for spine in ax.spines.values():
                        spine.set_color(colour), spine.set_linewidth(2)
                    if k == 0:
                        ax.set_ylabel(f"{name}\n{key}", fontsize=8)
        else:
            for j, key in enumerate(("real", "synthetic")):
                ax = fig.add_subplot(grid[row, j])
                items = np.asarray(g[key])[:40]
                if layout == "sequence":  # one row per window, one colour per base (white: N)
                    codes = np.where(items.any(1), items.argmax(1) + 1, 0)
                    ax.imshow(codes, aspect="auto", interpolation="nearest", vmin=0, vmax=4,
                              cmap=ListedColormap(["white", "#2ca02c", "#1f77b4", "#ff7f0e", "#d62728"]))
                    ax.set_title(f"{name}: {key} (A green, C blue, G orange, T red)", fontsize=8)
                else:
                    ax.imshow(items.reshape(len(items), -1), aspect="auto", interpolation="nearest", cmap="Greys")
                    ax.set_title(f"{name}: {key}", fontsize=8)
                ax.set_xticks([]), ax.set_yticks([])
        ax = fig.add_subplot(grid[row, per_row])
        h = g.get("history")
        if h is not None and len(h) and len(h.columns) > 1:
            step = h.iloc[:, 0].to_numpy()
            for col in h.columns[1:]:
                v = h[col].to_numpy(float)
                if len(v) > 50:  # a running mean keeps the trend readable
                    v = rolling_mean(v, 25)
                ax.plot(step, v, lw=1, label=col)
            ax.legend(fontsize=6)
            ax.set_xlabel("step", fontsize=8)
        else:
            ax.text(0.5, 0.5, "no training (draws from real items)", ha="center", va="center", fontsize=8)
            ax.set_axis_off()
        ax.set_title(f"{name}: losses", fontsize=8)
        ax = fig.add_subplot(grid[row, per_row + 1])
        pca = g.get("pca")
        if pca:
            for key, colour, marker in (("train", REAL, "o"), ("heldout", HELDOUT, "^"),
                                        ("synthetic", SYNTHETIC, "x")):
                if key in pca and len(pca[key]) == 2:
                    ax.scatter(pca[key][0], pca[key][1], s=9, c=colour, marker=marker, alpha=0.6, label=key)
            ev = pca.get("explained_variance_ratio", [np.nan, np.nan])
            ax.set_xlabel(f"PC1 ({100 * ev[0]:.0f}%)", fontsize=8)
            ax.set_ylabel(f"PC2 ({100 * ev[1]:.0f}%)", fontsize=8)
            ax.legend(fontsize=6)
        ax.set_title(f"{name}: PCA fitted on training items", fontsize=8)
    fig.suptitle(title)
    save_figure(fig, path, dpi=100)
