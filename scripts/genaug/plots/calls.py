"""Figure of a scored sample's SV calls against its truth: F1, precision and recall per stratum and call set."""

import numpy as np
from matplotlib.figure import Figure

from ..outputs import save_figure

CALLSET_COLOURS = {"caller": "#7f7f7f", "caller_filtered": "#1f77b4", "own": "#2ca02c", "union": "#d62728"}


def plot_callsets(table, path, title=""):
    """Three panels (F1, precision, recall) of ``callsets.evaluate_callsets``'s table: one group of bars per
    stratum (all, each SV type, each size band), one bar per call set; empty strata are left blank."""
    if table is None or not len(table):
        raise ValueError("no call-set evaluation to plot")
    strata = list(dict.fromkeys(zip(table["by"], table["stratum"])))
    labels = ["all" if b == "all" else s for b, s in strata]
    sets = list(dict.fromkeys(table["callset"]))
    fig = Figure(figsize=(15, 4.2), layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    x = np.arange(len(strata))
    w = 0.8 / max(len(sets), 1)
    for ax, metric in zip(axes, ("f1", "precision", "recall")):
        for j, c in enumerate(sets):
            sub = table[table["callset"] == c].set_index(["by", "stratum"])
            v = [sub.loc[k, metric] if k in sub.index else np.nan for k in strata]
            ax.bar(x + (j - (len(sets) - 1) / 2) * w, np.nan_to_num(np.asarray(v, float), nan=0.0), w,
                   color=CALLSET_COLOURS.get(c, f"C{j}"), label=c)
        ax.set_xticks(x, labels, rotation=45, ha="right")
        ax.set_title(metric)
        ax.set_ylim(0, 1.05)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("against the sample's truth")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, fontsize=8, loc="outside right upper")
    if title:
        fig.suptitle(title)
    save_figure(fig, path)
