"""Rule train_generator: fit one generator to the train split (its rare class, or every item)."""

import os

from genaug import generators
from genaug.augment import generator_conditions, generator_items
from genaug.encode.haplotypes import read_variants
from genaug.fidelity.segments import contig_starts
from genaug.items import ItemSet
from genaug.logs import rule_script
from genaug.split import load_split
from genaug.tensors import load_encoded

with rule_script(snakemake) as log:
    p = snakemake.params
    enc = load_encoded(snakemake.input.encoded, mmap=True)
    split = load_split(snakemake.input.split)
    idx, rare = generator_items(enc.y, split.train, p.train_on)
    cond = generator_conditions(snakemake.input.samples, p.condition, idx)
    log.info("%s: %d train items (%s)%s", snakemake.wildcards.generator, len(idx),
             f"class {enc.classes[rare]}" if p.train_on == "rare" else "every class",
             f", conditioned on {p.condition} ({', '.join(sorted(set(cond)))})" if p.condition else "")
    contigs = positions = None
    if "variants" in snakemake.input.keys():  # haplotypes: each contig is its own sequence
        variants = read_variants(snakemake.input.variants)
        contigs, positions = contig_starts(variants["chrom"]).tolist(), variants["pos"].to_numpy()
    X = ItemSet.from_file(snakemake.input.encoded, idx)  # read a batch at a time, never all at once
    result = generators.train(snakemake.wildcards.generator, X, cond=cond, layout=enc.layout,
                          settings=p.settings, seed=p.seed, out_dir=os.path.dirname(snakemake.output.model),
                          threads=snakemake.threads, channels=enc.channels, contigs=contigs,
                          positions=positions)
    log.info("trained %d steps on %s in %.1f s (resumed from step %d)", result.steps, result.device,
             result.seconds, result.resumed_from)
