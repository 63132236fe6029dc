"""Rule encode_expression: matrix + sample sheet (+ gene list, graph) -> expression/log.npz, samples.tsv."""

import logging

from genaug.encode.expression import encode_expression, write_log
from genaug.errors import InputError
from genaug.logs import setup_logging

setup_logging(snakemake.log[0])
i, p = snakemake.input, snakemake.params
try:
    expr = encode_expression(i.matrix, i.samples, p.orientation, p.values, genes=i.get("genes"),
                             graph=i.get("graph"))
except InputError as e:
    logging.getLogger("genaug").error("%s", e)
    raise SystemExit(f"genaug: {e}")
write_log(expr, snakemake.output.log_values, snakemake.output.samples)
logging.getLogger("genaug.encode_expression").info("wrote %s: %d samples x %d genes (log scale)",
                                                   snakemake.output.log_values, *expr.X.shape)
