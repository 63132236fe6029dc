"""Rule audit_release: draw a synthetic cohort, write it as a VCF, audit that file, apply the privacy gate."""

import numpy as np

from genaug import fidelity, release
from genaug.augment import generator_items
from genaug.encode.haplotypes import read_haplotypes, read_variants, vcf_samples
from genaug.logs import rule_script
from genaug.outputs import file_sha256, write_json
from genaug.split import load_split
from genaug.tensors import load_encoded

with rule_script(snakemake) as log:
    p, w, i, o = snakemake.params, snakemake.wildcards, snakemake.input, snakemake.output
    enc = load_encoded(i.encoded, mmap=True)
    split = load_split(i.split)
    variants = read_variants(i.variants)
    train_idx, _ = generator_items(enc.y, split.train, p.train_on)
    trained = np.unique(enc.y[train_idx])
    counts = {str(enc.classes[k]): int((enc.y[train_idx] == k).sum() // 2) for k in trained}
    if not p.condition and len(counts) > 1:  # an unconditional generator draws one mixed population
        counts = {"ALL": sum(counts.values())}
    people = release.composition(counts, p.settings["people"], p.settings.get("mix"))
    X, pops = release.draw_cohort(i.model, people, seed=p.seed + 2, threads=snakemake.threads,
                                  conditioned=bool(p.condition))
    names = release.person_names(w.generator, pops, vcf_samples(i.source))
    release.write_cohort_vcf(o.vcf, X, variants, names, i.source, w.generator, pops)
    log.info("wrote %s: %d synthetic people (%s)", o.vcf, len(names), ", ".join(f"{k} {v}" for k, v in people.items()))
    # the audit reads the file back: it scores exactly what is shared
    S, _, _ = read_haplotypes(o.vcf, dict(zip(names, pops)))
    heldout_idx = np.sort(np.concatenate([split.val, split.test]))
    heldout_idx = heldout_idx[np.isin(enc.y[heldout_idx], trained)]
    audit = fidelity.evaluate("haplotypes", np.asarray(enc.X[train_idx]), np.asarray(enc.X[heldout_idx]), S,
                              seed=p.seed, threads=snakemake.threads, heldout_groups=enc.groups[heldout_idx],
                              variants=variants, heldout_labels=enc.y[heldout_idx])
    verdict = release.gate(audit["metrics"], p.settings.get("gate"), audit["leak"])
    write_json({"dataset": w.dataset, "generator": w.generator, "file": o.vcf, "sha256": file_sha256(o.vcf),
                "people": people, "gate": verdict, **audit}, o.audit)
    log.info("privacy gate: %s", "passed" if verdict["passed"] else "refused: " + "; ".join(verdict["reasons"]))
