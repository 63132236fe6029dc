"""Rule summarize_detection: mean ± sd over seeds, and paired bootstrap differences from each detector's `none`."""

import json

import pandas as pd

from genaug.detect.summary import comparison_table, run_table, summary_table
from genaug.logs import rule_script
from genaug.outputs import write_tsv

with rule_script(snakemake) as log:
    p, out = snakemake.params, snakemake.output
    runs = []
    for m_path, p_path in zip(snakemake.input.metrics, snakemake.input.predictions):
        with open(m_path) as f:
            runs.append((json.load(f), pd.read_csv(p_path, sep="\t")))
    write_tsv(run_table(runs), out.runs)
    summary = summary_table(runs, order=[tuple(x) for x in p.order])
    write_tsv(summary, out.summary)
    comparisons = comparison_table(runs, n_boot=p.n_boot, seed=p.seed, level=p.level)
    write_tsv(comparisons, out.comparisons)
    for _, r in summary.iterrows():
        log.info("%-8s %-14s F1 %.3f ± %.3f  AUPRC %.3f ± %.3f  (%d seeds)", r["detector"], r["strategy"],
                 r["f1_mean"], r["f1_sd"], r["auprc_mean"], r["auprc_sd"], r["replicates"])
    for _, r in comparisons[comparisons["metric"] == "f1"].iterrows():
        log.info("%-8s %-14s F1 - none = %+.3f [%+.3f, %+.3f]: %s", r["detector"], r["strategy"],
                 r["diff"], r["lo"], r["hi"], r["verdict"])
