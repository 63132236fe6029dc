"""Rule evaluate_fidelity: audit the synthetic items the detectors trained on against real items of the
same class and condition, from train and from held-out (val + test). Expression's statistics score a draw
from the model at the training frequencies of every class it learned (its TSTR needs every class), and its
leak audit the synthetic file; a dataset whose synthetic file is empty (nothing to top up) is audited on
such a draw."""


from collections import Counter

import numpy as np
import pandas as pd

from genaug import fidelity, generators
from genaug.augment import bounded_subset, generator_conditions, generator_items
from genaug.fidelity.inputs import audit_sets
from genaug.logs import rule_script
from genaug.outputs import file_sha256, write_json
from genaug.split import load_split
from genaug.tensors import load_encoded

with rule_script(snakemake) as log:
    p, w = snakemake.params, snakemake.wildcards
    enc = load_encoded(snakemake.input.encoded, mmap=True)
    split = load_split(snakemake.input.split)
    a = audit_sets(enc.y, split, snakemake.input.synthetic, snakemake.input.samples, p.condition)
    # a bounded audit: memory does not grow with the dataset (fidelity.max_items per side, whole groups)
    bound = lambda idx, k: bounded_subset(idx, enc.groups[idx], p.max_items, p.seed + k)
    the_file = None if a is None else {
        "synthetic": snakemake.input.synthetic, "synthetic_sha256": a.sha256, "class": str(enc.classes[a.label]),
        "conditions": a.conditions, "heldout_splits": ["val", "test"]}
    if a is not None and p.kind != "expression":
        train_idx, heldout_idx, synthetic, audited = a.train, a.heldout, a.synthetic, the_file
    else:  # a draw from the model at the training frequencies of the classes it learned
        if a is None:
            log.warning("%s holds no item: auditing a draw from %s instead", snakemake.input.synthetic,
                        snakemake.input.model)
        train_idx, _ = generator_items(enc.y, split.train, p.train_on)
        heldout_idx = np.sort(np.concatenate([split.val, split.test]))
        heldout_idx = heldout_idx[np.isin(enc.y[heldout_idx], np.unique(enc.y[train_idx]))]
        audited = {"model": snakemake.input.model, "model_sha256": file_sha256(snakemake.input.model),
                   "drawn": "at the training frequencies", "heldout_splits": ["val", "test"]}
    n_train, n_heldout = len(train_idx), len(heldout_idx)
    train_idx, heldout_idx = bound(train_idx, 0), bound(heldout_idx, 2)
    if (len(train_idx), len(heldout_idx)) != (n_train, n_heldout):
        log.info("auditing a random subset of whole groups: %d of %d training items, %d of %d held-out items "
                 "(fidelity.max_items %d)", len(train_idx), n_train, len(heldout_idx), n_heldout, p.max_items)
    syn_cond = [None]
    if "model" in audited:
        synthetic, syn_cond = generators.sample(snakemake.input.model, len(train_idx), seed=p.seed + 1,
                                                threads=snakemake.threads, return_cond=True)
    log.info("%s: %d synthetic items against %d train and %d held-out real items", w.generator, len(synthetic),
             len(train_idx), len(heldout_idx))
    if p.condition and a is not None:  # a mix that differs between the sides moves every statistic
        mix = lambda idx: dict(Counter(generator_conditions(snakemake.input.samples, p.condition, idx)))
        log.info("%s mix: synthetic %s, train %s, held-out %s", p.condition, a.conditions, mix(train_idx),
                 mix(heldout_idx))
    variants = pd.read_csv(snakemake.input.variants, sep="\t") if "variants" in snakemake.input.keys() else None
    extra = {"heldout_labels": enc.y[heldout_idx]}
    if p.kind == "expression":  # class names on every side (TSTR), the train scale of each gene (marginals)
        names = np.asarray(enc.classes).astype(str)
        genes = pd.read_csv(snakemake.input.genes, sep="\t")
        extra = {"heldout_labels": names[enc.y[heldout_idx]], "train_labels": names[enc.y[train_idx]],
                 "scale": (genes["mean"].to_numpy(), genes["sd"].to_numpy())}
        if syn_cond[0] is not None and set(map(str, syn_cond)) <= set(names):
            extra["synthetic_labels"] = np.asarray(syn_cond).astype(str)
        if p.population_draws > 1:  # gamma and the marginals: the model's correlations (fidelity.expression)
            extra["population"] = generators.sample(snakemake.input.model, p.population_draws * len(train_idx),
                                                    seed=p.seed + 3, threads=snakemake.threads)
        if a is not None:  # the leak audit reads the file the detectors trained on
            extra["leak_sets"] = (np.asarray(enc.X[bound(a.train, 0)]), np.asarray(enc.X[bound(a.heldout, 2)]),
                                  a.synthetic)
            audited.update(why="TSTR needs every class", leak=the_file)
    result = fidelity.evaluate(p.kind, np.asarray(enc.X[train_idx]), np.asarray(enc.X[heldout_idx]), synthetic,
                               seed=p.seed, threads=snakemake.threads, heldout_groups=enc.groups[heldout_idx],
                               channels=enc.channels, variants=variants, **extra)
    write_json({"dataset": w.dataset, "generator": w.generator, "kind": p.kind, "train_on": p.train_on,
                "audited": audited, **result}, snakemake.output.fidelity)
    fmt = lambda v: "n/a" if v is None else f"{v:.4g}"
    for name, m in result["metrics"].items():
        log.info("%-30s synthetic %-9s real-vs-real %-9s (%s)", name, fmt(m["synthetic"]), fmt(m["reference"]),
                 m["better"])
    leak = result["leak"]
    if leak["synthetic"] is None:
        log.warning("leak audit %s", leak["note"])
    for key, m in [("synthetic", leak["synthetic"]), *leak["copy_controls"].items()] if leak["synthetic"] else []:
        log.info("leak %-10s linked %.3f (null %.3f, p %.2g%s), closer to train %.3f, privacy loss (full) %.3f",
                 key, m["source_linked_share"]["synthetic"], m["source_linked_share"]["reference"], m["leak_p"],
                 ", FLAGGED" if m["leak_flag"] else "", m["closer_to_train_share"]["synthetic"],
                 m["privacy_loss_full"])
