"""Fidelity figure for synthetic expression profiles: every generator of a dataset in one PNG.

Reads only what ``genaug.fidelity.expression.evaluate`` returns. Top row: bars of
the gamma score, the random-forest and logistic two-sample AUCs and TSTR
macro-F1 per generator, each with its real-vs-real reference as a black tick
(0.5 dashed for the AUCs). Bottom row: per generator, train (grey), held-out
(black) and synthetic (colour) profiles on the first two axes of a PCA fitted
on train.
"""

import numpy as np
from matplotlib.figure import Figure

from ..outputs import save_figure
from .fidelity import check_fidelity
from .haplotypes import _colours, _pca

BARS = (("gamma", "gamma vs held-out"), ("two_sample_auc_forest", "RF two-sample AUC"),
        ("two_sample_auc_linear", "logistic two-sample AUC"), ("tstr_macro_f1", "TSTR macro-F1 (ref: TRTR)"))


def _bars(ax, fids, col, metric, title):
    names = list(fids)
    x = np.arange(len(names))
    get = lambda g, k: fids[g]["metrics"].get(metric, {}).get(k)
    val = [np.nan if get(g, "synthetic") is None else get(g, "synthetic") for g in names]
    ref = [np.nan if get(g, "reference") is None else get(g, "reference") for g in names]
    ax.bar(x, val, color=[col[g] for g in names])
    ax.scatter(x, ref, marker="_", s=400, color="black", zorder=3, label="real-vs-real")
    if "auc" in metric:
        ax.axhline(0.5, ls="--", lw=0.8, color="0.4")
    ax.set_xticks(x, names, fontsize=7, rotation=30)
    ax.set_ylim(0, 1.05)
    ax.set_title(title, fontsize=8)
    ax.legend(fontsize=6, loc="lower right")


def plot_fidelity(fidelity, path, title=None):
    """Write the figure of ``fidelity`` ({generator: evaluate() result}) to ``path`` (PNG)."""
    check_fidelity(fidelity)
    names = list(fidelity)
    col = _colours(names)
    ncols = max(len(BARS), len(names))
    fig = Figure(figsize=(3.4 * ncols, 7), layout="constrained")
    grid = fig.add_gridspec(2, ncols)
    for k, (metric, label) in enumerate(BARS):
        _bars(fig.add_subplot(grid[0, k]), fidelity, col, metric, label)
    for k, g in enumerate(names):
        _pca(fig.add_subplot(grid[1, k]), fidelity[g], g, col[g])
    if title:
        fig.suptitle(title, fontsize=11)
    return save_figure(fig, path, dpi=100)
