"""Rule evaluate_calls: a scored sample's calls against its truth VCF -> eval.tsv and a figure."""

from genaug.callsets import evaluate_callsets
from genaug.logs import rule_script
from genaug.outputs import write_tsv
from genaug.plots.calls import plot_callsets

with rule_script(snakemake) as log:
    table = evaluate_callsets(snakemake.input.scored, snakemake.input.truth)
    write_tsv(table, snakemake.output.table)
    plot_callsets(table, snakemake.output.figure, title=f"{snakemake.wildcards.sample}: SV calls against its truth")
    for r in table[table["by"] == "all"].itertuples():
        log.info("%s: %d calls, precision %.3f, recall %.3f, F1 %.3f", r.callset, r.n_calls, r.precision,
                 r.recall, r.f1)
