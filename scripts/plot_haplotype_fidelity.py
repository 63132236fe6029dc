"""Rule plot_haplotype_fidelity: allele frequencies, LD, distances, PCA and AATS of every generator."""

import json

from genaug.logs import rule_script
from genaug.plots.haplotypes import plot_fidelity

with rule_script(snakemake) as log:
    fidelity = {}
    for path in snakemake.input.fidelity:
        with open(path) as f:
            d = json.load(f)
        fidelity[d["generator"]] = d
    plot_fidelity(fidelity, snakemake.output.figure,
                  title=f"{snakemake.wildcards.dataset}: synthetic vs real haplotypes")
    log.info("wrote %s", snakemake.output.figure)
