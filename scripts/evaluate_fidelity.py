"""Rule evaluate_fidelity: audit one generator against its training items and held-out real items."""


import numpy as np
import pandas as pd

from genaug import fidelity, generators
from genaug.augment import bounded_subset, generator_items
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
    # a bounded audit: memory does not grow with the dataset (fidelity.max_items per side)
    n_train, n_heldout = len(train_idx), len(heldout_idx)
    train_idx = bounded_subset(train_idx, enc.groups[train_idx], p.max_items, p.seed)
    heldout_idx = bounded_subset(heldout_idx, enc.groups[heldout_idx], p.max_items, p.seed + 2)
    if (len(train_idx), len(heldout_idx)) != (n_train, n_heldout):
        log.info("auditing a random subset of whole groups: %d of %d training items, %d of %d held-out items "
                 "(fidelity.max_items %d)", len(train_idx), n_train, len(heldout_idx), n_heldout, p.max_items)
    synthetic, syn_cond = generators.sample(snakemake.input.model, len(train_idx), seed=p.seed + 1,
                                            threads=snakemake.threads, return_cond=True)
    log.info("%s: %d training items, %d held-out real items, %d synthetic items drawn for the audit",
             w.generator, len(train_idx), len(heldout_idx), len(synthetic))
    variants = pd.read_csv(snakemake.input.variants, sep="\t") if "variants" in snakemake.input.keys() else None
    extra = {"heldout_labels": enc.y[heldout_idx]}
    if p.kind == "expression":  # class names on every side (TSTR), the train scale of each gene (marginals)
        names = np.asarray(enc.classes).astype(str)
        genes = pd.read_csv(snakemake.input.genes, sep="\t")
        extra = {"heldout_labels": names[enc.y[heldout_idx]], "train_labels": names[enc.y[train_idx]],
                 "scale": (genes["mean"].to_numpy(), genes["sd"].to_numpy())}
        if syn_cond[0] is not None and set(map(str, syn_cond)) <= set(names):
            extra["synthetic_labels"] = np.asarray(syn_cond).astype(str)
    result = fidelity.evaluate(p.kind, np.asarray(enc.X[train_idx]), np.asarray(enc.X[heldout_idx]), synthetic,
                               seed=p.seed, threads=snakemake.threads, heldout_groups=enc.groups[heldout_idx],
                               channels=enc.channels, variants=variants, **extra)
    write_json({"dataset": w.dataset, "generator": w.generator, "kind": p.kind, "train_on": p.train_on, **result},
               snakemake.output.fidelity)
    fmt = lambda v: "n/a" if v is None else f"{v:.4g}"
    for name, m in result["metrics"].items():
        log.info("%-30s synthetic %-9s real-vs-real %-9s (%s)", name, fmt(m["synthetic"]), fmt(m["reference"]),
                 m["better"])
