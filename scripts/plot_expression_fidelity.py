"""Rule plot_expression_fidelity: gamma, two-sample AUCs, TSTR and PCA of every generator."""

from genaug.logs import rule_script
from genaug.plots.expression import plot_fidelity
from genaug.plots.fidelity import read_fidelity

with rule_script(snakemake) as log:
    fidelity = read_fidelity(snakemake.input.fidelity)
    plot_fidelity(fidelity, snakemake.output.figure, title=f"{snakemake.wildcards.dataset}: synthetic vs real profiles")
    log.info("wrote %s", snakemake.output.figure)
