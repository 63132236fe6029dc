"""Rule plot_expression_fidelity: gamma, two-sample AUCs, TSTR and PCA of every generator."""

import json
import logging

from genaug.logs import setup_logging
from genaug.plots.expression import plot_fidelity

setup_logging(snakemake.log[0])
fidelity = {}
for path in snakemake.input.fidelity:
    with open(path) as f:
        d = json.load(f)
    fidelity[d["generator"]] = d
plot_fidelity(fidelity, snakemake.output.figure, title=f"{snakemake.wildcards.dataset}: synthetic vs real profiles")
logging.getLogger("genaug.plot_expression_fidelity").info("wrote %s", snakemake.output.figure)
