"""Rule evaluate_fidelity: audit the synthetic items the detectors trained on against real items of the
same class and condition, from train and from held-out (val + test)."""


import numpy as np
import pandas as pd

from genaug import fidelity
from genaug.fidelity.inputs import audit_sets
from genaug.logs import rule_script
from genaug.outputs import write_json
from genaug.split import load_split
from genaug.tensors import load_encoded

with rule_script(snakemake) as log:
    p, w = snakemake.params, snakemake.wildcards
    enc = load_encoded(snakemake.input.encoded, mmap=True)
    split = load_split(snakemake.input.split)
    a = audit_sets(enc.y, split, snakemake.input.synthetic, snakemake.input.samples, p.condition)
    log.info("%s (sha256 %s): %d synthetic items of %s (conditions %s) against %d train and %d held-out real items",
             snakemake.input.synthetic, a.sha256[:12], len(a.synthetic), enc.classes[a.label], a.conditions,
             len(a.train), len(a.heldout))
    variants = pd.read_csv(snakemake.input.variants, sep="\t") if "variants" in snakemake.input.keys() else None
    result = fidelity.evaluate(p.kind, np.asarray(enc.X[a.train]), np.asarray(enc.X[a.heldout]), a.synthetic,
                               seed=p.seed, threads=snakemake.threads, heldout_groups=enc.groups[a.heldout],
                               channels=enc.channels, variants=variants, heldout_labels=enc.y[a.heldout])
    audited = {"synthetic": snakemake.input.synthetic, "synthetic_sha256": a.sha256,
               "class": str(enc.classes[a.label]), "conditions": a.conditions,
               "heldout_splits": ["val", "test"]}
    write_json({"dataset": w.dataset, "generator": w.generator, "kind": p.kind, "train_on": p.train_on,
                "audited": audited, **result}, snakemake.output.fidelity)
    fmt = lambda v: "n/a" if v is None else f"{v:.4g}"
    for name, m in result["metrics"].items():
        log.info("%-30s synthetic %-9s real-vs-real %-9s (%s)", name, fmt(m["synthetic"]), fmt(m["reference"]),
                 m["better"])
    leak = result.get("leak") or {"synthetic": None, "copy_controls": {}}  # kinds without the leak audit yet
    for key, m in [("synthetic", leak["synthetic"]), *leak["copy_controls"].items()] if leak["synthetic"] else []:
        log.info("leak %-10s linked %.3f (null %.3f, p %.2g%s), closer to train %.3f, privacy loss (full) %.3f",
                 key, m["source_linked_share"]["synthetic"], m["source_linked_share"]["reference"], m["leak_p"],
                 ", FLAGGED" if m["leak_flag"] else "", m["closer_to_train_share"]["synthetic"],
                 m["privacy_loss_full"])
