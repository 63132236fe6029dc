"""Rule encode_haplotypes: phased VCF/BCF + sample sheet -> encoded.npz, samples.tsv, variants.tsv."""

from genaug.encode.haplotypes import HaplotypeSettings, encode_haplotypes, write_encoded
from genaug.logs import rule_script

with rule_script(snakemake) as log:
    haplotypes = encode_haplotypes(snakemake.input.vcf, snakemake.input.samples,
                                   settings=HaplotypeSettings.from_config(snakemake.params.settings),
                                   region=snakemake.params.region)
    write_encoded(haplotypes, snakemake.output.encoded, snakemake.output.samples, snakemake.output.variants)
    log.info("wrote %s: %d haplotypes x %d SNPs", snakemake.output.encoded, *haplotypes.X.shape)
