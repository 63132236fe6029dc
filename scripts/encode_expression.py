"""Rule encode_expression: matrix + sample sheet (+ gene list, graph) -> expression/log.npz, samples.tsv."""

from genaug.encode.expression import encode_expression, write_log
from genaug.logs import rule_script

with rule_script(snakemake) as log:
    i, p = snakemake.input, snakemake.params
    expr = encode_expression(i.matrix, i.samples, p.orientation, p.values, genes=i.get("genes"),
                             graph=i.get("graph"))
    write_log(expr, snakemake.output.log_values, snakemake.output.samples)
    log.info("wrote %s: %d samples x %d genes (log scale)", snakemake.output.log_values, *expr.X.shape)
