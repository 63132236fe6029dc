"""Rule summarize_detection: mean ± sd over seeds, paired bootstrap differences from each detector's `none`,
and the validation-best detector and strategy against the logistic baseline."""

import json

import numpy as np
import pandas as pd

from genaug.detect.summary import baseline_table, comparison_table, run_table, summary_table
from genaug.logs import rule_script
from genaug.outputs import write_tsv

with rule_script(snakemake) as log:
    p, out = snakemake.params, snakemake.output
    runs = []
    for m_path, p_path in zip(snakemake.input.metrics, snakemake.input.predictions):
        with open(m_path) as f:
            runs.append((json.load(f), pd.read_csv(p_path, sep="\t")))
    write_tsv(run_table(runs), out.runs)
    samples = pd.read_csv(snakemake.input.samples, sep="\t", dtype=str, keep_default_na=False)
    # hard negatives: SV candidates of a caller that are no truth SV (the sv kind's samples.tsv source)
    source = samples["source"].to_numpy() if p.kind == "sv" and "source" in samples.columns else None
    summary = summary_table(runs, order=[tuple(x) for x in p.order], source=source)
    write_tsv(summary, out.summary)
    with np.load(snakemake.input.encoded, allow_pickle=False) as z:
        groups = z["groups"]  # blocks / people: the bootstrap resamples them whole
    comparisons = comparison_table(runs, n_boot=p.n_boot, seed=p.seed, level=p.level, groups=groups)
    write_tsv(comparisons, out.comparisons)
    for _, r in summary.iterrows():
        log.info("%-8s %-14s F1 %.3f ± %.3f  AUPRC %.3f ± %.3f  (%d seeds)", r["detector"], r["strategy"],
                 r["f1_mean"], r["f1_sd"], r["auprc_mean"], r["auprc_sd"], r["replicates"])
    for _, r in comparisons[comparisons["role"] == "primary"].iterrows():
        log.info("%-8s %-14s %s - none = %+.3f [%+.3f, %+.3f] (Holm p %.3g): %s", r["detector"], r["strategy"],
                 r["metric"].upper(), r["diff"], r["lo"], r["hi"], r["p_holm"], r["verdict"])
    baseline = baseline_table(runs, n_boot=p.n_boot, seed=p.seed, level=p.level, groups=groups)
    write_tsv(baseline, out.baseline)
    for _, r in baseline.iterrows():
        log.info("best on validation %s %s - %s %s: %s %+.3f [%+.3f, %+.3f] (Holm p %.3g): %s", r["detector"],
                 r["strategy"], r["reference_detector"], r["reference_strategy"], r["metric"].upper(), r["diff"],
                 r["lo"], r["hi"], r["p_holm"], r["verdict"])
