"""Rule write_summary: results/report/summary.tsv and summary.md across datasets."""

import json

import pandas as pd

from genaug.logs import rule_script
from genaug.outputs import write_text, write_tsv
from genaug.report import (
    callsets_markdown,
    callsets_rows,
    dataset_markdown,
    strata_markdown,
    strata_rows,
    summary_markdown,
    summary_rows,
)

with rule_script(snakemake) as log:
    rows, sections = [], []
    inp = snakemake.input
    for dataset in snakemake.params.datasets:
        summary = pd.read_csv(inp[f"{dataset}_summary"], sep="\t")
        comparisons = pd.read_csv(inp[f"{dataset}_comparisons"], sep="\t")
        fidelity = {}
        for path in inp[f"{dataset}_fidelity"] if f"{dataset}_fidelity" in inp.keys() else []:
            with open(path) as f:
                d = json.load(f)
            fidelity[d["generator"]] = d
        releases = {}
        for path in inp[f"{dataset}_release"] if f"{dataset}_release" in inp.keys() else []:
            with open(path) as f:
                d = json.load(f)
            releases[d["generator"]] = d
        with open(inp[f"{dataset}_metrics"]) as f:
            test = json.load(f)["test"]
        runs = pd.read_csv(inp[f"{dataset}_runs"], sep="\t") if f"{dataset}_runs" in inp.keys() else None
        baseline = pd.read_csv(inp[f"{dataset}_baseline"], sep="\t")
        rows.append(summary_rows(dataset, summary, comparisons, fidelity, releases, baseline))
        sections.append(dataset_markdown(dataset, summary, comparisons, fidelity, (test["n"], test["positives"]),
                                         runs, releases, baseline))
        if f"{dataset}_strata" in inp.keys():
            strata = pd.read_csv(inp[f"{dataset}_strata"], sep="\t")
            rows.append(strata_rows(dataset, strata))
            sections.append(strata_markdown(strata))
    for sample in snakemake.params.evaluated:  # score.samples with a truth VCF (evaluate_calls)
        calls = pd.read_csv(inp[f"{sample}_calls"], sep="\t")
        rows.append(callsets_rows(sample, calls))
        sections.append(callsets_markdown(sample, calls))
    write_tsv(pd.concat(rows, ignore_index=True), snakemake.output.tsv)
    write_text(summary_markdown(sections), snakemake.output.md)
    log.info("wrote %s and %s", snakemake.output.tsv, snakemake.output.md)
