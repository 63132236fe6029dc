"""Rule summarize_sv_results: test results by SV type and size band (and the caller's own), every item for IGV."""

import json
import logging

import pandas as pd

from genaug.detect.strata import items_bed, items_table, strata_table
from genaug.logs import setup_logging
from genaug.outputs import write_text, write_tsv
from genaug.split import load_split

setup_logging(snakemake.log[0])
log = logging.getLogger("genaug.summarize_sv_results")
inp, out = snakemake.input, snakemake.output
samples = pd.read_csv(inp.samples, sep="\t")
runs = []
for m_path, p_path in zip(inp.metrics, inp.predictions):
    with open(m_path) as f:
        runs.append((json.load(f)["strategy"], pd.read_csv(p_path, sep="\t")))
table = strata_table(samples, runs, order=snakemake.params.strategies)
write_tsv(table, out.strata)
items = items_table(samples, load_split(inp.split).labels(len(samples)), runs)
write_tsv(items, out.table)
write_text(items_bed(items), out.bed)
for r in table[table.by != "all"].itertuples():
    if r.strategy in ("none", "caller"):
        log.info("%-8s %-6s %-7s positives %4d  precision %.3f  recall %.3f", r.strategy, r.by, r.stratum,
                 r.n_pos, r.precision, r.recall)
