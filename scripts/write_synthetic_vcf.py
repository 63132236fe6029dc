"""Rule write_synthetic_vcf: synthetic haplotypes -> a phased VCF with the source's SNPs."""


import numpy as np

from genaug.encode.haplotypes import person_names, read_variants, write_haplotype_vcf
from genaug.errors import InputError
from genaug.logs import rule_script
from genaug.tensors import load_encoded

with rule_script(snakemake) as log:
    path = snakemake.input.synthetic
    syn = load_encoded(path)
    with np.load(path, allow_pickle=False) as z:
        conditions = z["condition"] if "condition" in z.files else None
    variants = read_variants(snakemake.input.variants)
    if syn.layout != "binary" or syn.X.shape[1:] != (len(variants),):
        raise InputError(path, f"holds {syn.layout} items of shape {syn.X.shape[1:]}, not haplotypes over the "
                             f"{len(variants)} SNPs of {snakemake.input.variants}; re-run sample_synthetic")
    names = person_names(len(syn.X), f"{snakemake.wildcards.generator}_", conditions)
    write_haplotype_vcf(snakemake.output.vcf, syn.X, variants, names,
                        source=f"genaug synthetic haplotypes ({snakemake.wildcards.generator})")
    log.info("wrote %s: %d synthetic people (haplotypes paired 2i, 2i+1) x %d SNPs", snakemake.output.vcf,
             len(names), len(variants))
