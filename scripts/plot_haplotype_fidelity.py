"""Rule plot_haplotype_fidelity: allele frequencies, LD, distances, PCA and AATS of every generator."""

from genaug.logs import rule_script
from genaug.plots.fidelity import read_fidelity
from genaug.plots.haplotypes import plot_fidelity

with rule_script(snakemake) as log:
    fidelity = read_fidelity(snakemake.input.fidelity)
    plot_fidelity(fidelity, snakemake.output.figure,
                  title=f"{snakemake.wildcards.dataset}: synthetic vs real haplotypes")
    log.info("wrote %s", snakemake.output.figure)
