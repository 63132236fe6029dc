"""Rule standardise_expression: per-gene standardisation fitted on the train split -> encoded.npz, genes.tsv."""

from genaug.encode.expression import ExpressionSettings, load_log, standardise, write_standardised
from genaug.logs import rule_script
from genaug.split import load_split

with rule_script(snakemake) as log:
    settings = ExpressionSettings.from_config(snakemake.params.settings)
    enc, genes = load_log(snakemake.input.log_values)
    split = load_split(snakemake.input.split)
    std = standardise(enc.X, genes, split.train, max_genes=settings.max_genes, source=snakemake.input.split)
    write_standardised(std, enc, snakemake.output.encoded, snakemake.output.genes)
    log.info("wrote %s: %d samples x %d genes, standardised with the means and sds of %d train samples",
             snakemake.output.encoded, len(std.X), len(std.genes), len(split.train))
