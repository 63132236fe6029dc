"""Rule encode_haplotypes: phased VCF/BCF + sample sheet -> encoded.npz, samples.tsv, variants.tsv."""

import logging

from genaug.encode.haplotypes import HaplotypeSettings, encode_haplotypes, write_encoded
from genaug.errors import InputError
from genaug.logs import setup_logging

setup_logging(snakemake.log[0])
try:
    haplotypes = encode_haplotypes(snakemake.input.vcf, snakemake.input.samples,
                                   settings=HaplotypeSettings.from_config(snakemake.params.settings),
                                   region=snakemake.params.region)
except InputError as e:
    logging.getLogger("genaug").error("%s", e)
    raise SystemExit(f"genaug: {e}")
write_encoded(haplotypes, snakemake.output.encoded, snakemake.output.samples, snakemake.output.variants)
logging.getLogger("genaug.encode_haplotypes").info("wrote %s: %d haplotypes x %d SNPs",
                                                   snakemake.output.encoded, *haplotypes.X.shape)
