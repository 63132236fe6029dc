"""Rule evaluate_fidelity: audit one generator against its training items and held-out real items."""


import numpy as np
import pandas as pd

from genaug import fidelity, generators
from genaug.augment import generator_items
from genaug.logs import rule_script
from genaug.outputs import write_json
from genaug.split import load_split
from genaug.tensors import load_encoded

with rule_script(snakemake) as log:
    p, w = snakemake.params, snakemake.wildcards
    enc = load_encoded(snakemake.input.encoded, mmap=True)
    split = load_split(snakemake.input.split)
    train_idx, rare = generator_items(enc.y, split.train, p.train_on)
    # held-out real items of the classes the generator learned (val + test: never trained on)
    classes = np.unique(enc.y[train_idx])
    heldout_idx = np.sort(np.concatenate([split.val, split.test]))
    heldout_idx = heldout_idx[np.isin(enc.y[heldout_idx], classes)]
    synthetic = generators.sample(snakemake.input.model, len(train_idx), seed=p.seed + 1, threads=snakemake.threads)
    log.info("%s: %d training items, %d held-out real items, %d synthetic items drawn for the audit",
             w.generator, len(train_idx), len(heldout_idx), len(synthetic))
    variants = pd.read_csv(snakemake.input.variants, sep="\t") if "variants" in snakemake.input.keys() else None
    result = fidelity.evaluate(p.kind, np.asarray(enc.X[train_idx]), np.asarray(enc.X[heldout_idx]), synthetic,
                               seed=p.seed, threads=snakemake.threads, heldout_groups=enc.groups[heldout_idx],
                               channels=enc.channels, variants=variants, heldout_labels=enc.y[heldout_idx])
    write_json({"dataset": w.dataset, "generator": w.generator, "kind": p.kind, "train_on": p.train_on, **result},
               snakemake.output.fidelity)
    fmt = lambda v: "n/a" if v is None else f"{v:.4g}"
    for name, m in result["metrics"].items():
        log.info("%-30s synthetic %-9s real-vs-real %-9s (%s)", name, fmt(m["synthetic"]), fmt(m["reference"]),
                 m["better"])
