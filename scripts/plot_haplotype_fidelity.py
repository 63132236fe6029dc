"""Rule plot_haplotype_fidelity: allele frequencies, LD, distances, PCA and AATS of every generator."""

import json
import logging

from genaug.logs import setup_logging
from genaug.plots.haplotypes import plot_fidelity

setup_logging(snakemake.log[0])
log = logging.getLogger("genaug.plot_haplotype_fidelity")
fidelity = {}
for path in snakemake.input.fidelity:
    with open(path) as f:
        d = json.load(f)
    fidelity[d["generator"]] = d
plot_fidelity(fidelity, snakemake.output.figure, title=f"{snakemake.wildcards.dataset}: synthetic vs real haplotypes")
log.info("wrote %s", snakemake.output.figure)
