"""Rule summarize_sv_results: test results by SV type and size band (and the caller's own), every item for IGV."""

import json

import pandas as pd

from genaug.detect.strata import items_bed, items_table, strata_table
from genaug.logs import rule_script
from genaug.outputs import write_text, write_tsv
from genaug.split import load_split

with rule_script(snakemake) as log:
    inp, out = snakemake.input, snakemake.output
    samples = pd.read_csv(inp.samples, sep="\t")
    runs = []
    for m_path, p_path in zip(inp.metrics, inp.predictions):
        with open(m_path) as f:
            m = json.load(f)
        runs.append(((m["detector"], m["strategy"]), pd.read_csv(p_path, sep="\t")))
    order = [tuple(x) for x in snakemake.params.order]
    table = strata_table(samples, runs, order=order)
    write_tsv(table, out.strata)
    items = items_table(samples, load_split(inp.split).labels(len(samples)), runs)
    write_tsv(items, out.table)
    write_text(items_bed(items, order[0]), out.bed)
    for r in table[table.by != "all"].itertuples():
        if r.strategy in ("none", "calls"):
            log.info("%-8s %-6s %-7s positives %4d  precision %.3f  recall %.3f", r.detector, r.by, r.stratum,
                     r.n_pos, r.precision, r.recall)
