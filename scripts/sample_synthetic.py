"""Rule sample_synthetic: draw enough synthetic rare-class items to reach the configured balance."""

import logging

from genaug import models
from genaug.augment import generator_items, n_to_balance, save_synthetic
from genaug.logs import setup_logging
from genaug.split import load_split
from genaug.tensors import load_encoded

setup_logging(snakemake.log[0])
log = logging.getLogger("genaug.sample_synthetic")
enc = load_encoded(snakemake.input.encoded, mmap=True)
split = load_split(snakemake.input.split)
idx, rare = generator_items(enc.y, split.train)
n = n_to_balance(len(idx), len(split.train) - len(idx), snakemake.params.balance)
log.info("train holds %d %s of %d items: drawing %d synthetic items for a share of %.2f",
         len(idx), enc.classes[rare], len(split.train), n, snakemake.params.balance)
X, cond = models.sample(snakemake.input.model, n, seed=snakemake.params.seed, threads=snakemake.threads,
                        return_cond=True)
save_synthetic(snakemake.output.synthetic, X, rare, enc.classes, enc.layout, snakemake.wildcards.generator,
               condition=cond, channels=enc.channels)
log.info("wrote %s", snakemake.output.synthetic)
