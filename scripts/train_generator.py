"""Rule train_generator: fit one generator to the rare class of the train split."""

import logging
import os

import numpy as np
import pandas as pd

from genaug import models
from genaug.augment import generator_items
from genaug.logs import setup_logging
from genaug.split import load_split
from genaug.tensors import load_encoded

setup_logging(snakemake.log[0])
log = logging.getLogger("genaug.train_generator")
enc = load_encoded(snakemake.input.encoded, mmap=True)
split = load_split(snakemake.input.split)
idx, rare = generator_items(enc.y, split.train)
column = snakemake.params.condition
cond = None
if column:
    samples = pd.read_csv(snakemake.input.samples, sep="\t", dtype=str, keep_default_na=False)
    cond = samples[column].to_numpy()[idx]
log.info("%s: %d train items of class %s%s", snakemake.wildcards.generator, len(idx), enc.classes[rare],
         f", conditioned on {column} ({', '.join(sorted(set(cond)))})" if column else "")
result = models.train(snakemake.wildcards.generator, np.asarray(enc.X[idx]), cond=cond, layout=enc.layout,
                      settings=snakemake.params.settings, seed=snakemake.params.seed,
                      out_dir=os.path.dirname(snakemake.output.model), threads=snakemake.threads,
                      channels=enc.channels)
log.info("trained %d steps on %s in %.1f s (resumed from step %d)", result.steps, result.device,
         result.seconds, result.resumed_from)
