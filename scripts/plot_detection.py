"""Rule plot_detection: F1 bars with error bars, precision-recall curves, differences from `none`."""

import json

import pandas as pd

from genaug.logs import rule_script
from genaug.plots.report import plot_detection

with rule_script(snakemake) as log:
    curves = {}
    for m_path, p_path in zip(snakemake.input.metrics, snakemake.input.predictions):
        with open(m_path) as f:
            m = json.load(f)
        preds = pd.read_csv(p_path, sep="\t")
        y = (preds["label"].to_numpy() == m["classes"].index(m["positive"])).astype(int)
        curves.setdefault((m["detector"], m["strategy"]), []).append((y, preds["score"].to_numpy(), m["test"]["f1"]))
    summary = pd.read_csv(snakemake.input.summary, sep="\t")
    comparisons = pd.read_csv(snakemake.input.comparisons, sep="\t")
    plot_detection(summary, comparisons, curves, snakemake.output.figure,
                   title=f"{snakemake.wildcards.dataset}: detection on the real test split")
    log.info("wrote %s", snakemake.output.figure)
