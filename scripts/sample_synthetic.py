"""Rule sample_synthetic: draw enough synthetic rare-class items to reach the configured balance."""


from genaug import generators
from genaug.augment import n_to_balance, rare_class, rare_condition, save_synthetic
from genaug.logs import rule_script
from genaug.split import load_split
from genaug.tensors import load_encoded

with rule_script(snakemake) as log:
    p = snakemake.params
    enc = load_encoded(snakemake.input.encoded, mmap=True)
    split = load_split(snakemake.input.split)
    rare = rare_class(enc.y[split.train])
    n_rare = int((enc.y[split.train] == rare).sum())
    n = n_to_balance(n_rare, len(split.train) - n_rare, p.balance)
    if p.max_synthetic is not None and n > p.max_synthetic:
        log.info("generate.max_synthetic caps %d synthetic items at %d: the rare class will be %.3f of the "
                 "training set, not %.2f", n, p.max_synthetic,
                 (n_rare + p.max_synthetic) / (len(split.train) + p.max_synthetic), p.balance)
        n = p.max_synthetic
    log.info("train holds %d %s of %d items: drawing %d synthetic items (%.0f MB) for a share of %.2f",
             n_rare, enc.classes[rare], len(split.train), n, n * enc.X[:1].nbytes / 1e6, p.balance)
    if n == 0:
        log.warning("dataset %s: nothing to top up (%s already makes %.2f of %d train items%s); the synthetic "
                    "set is empty", snakemake.wildcards.dataset, enc.classes[rare], n_rare / len(split.train),
                    len(split.train), ", the only class" if len(set(enc.y[split.train])) == 1 else "")
    # a generator of every class draws the rare one; a rare-class generator draws at its training frequencies
    cond = rare_condition(snakemake.input.samples, p.condition, enc.y, rare) if p.train_on == "all" else None
    # drawn and written a chunk at a time: memory holds one chunk, not the set
    cond, chunks = generators.sample_chunks(snakemake.input.model, n, cond=cond, seed=p.seed,
                                            threads=snakemake.threads)
    save_synthetic(snakemake.output.synthetic, chunks, rare, enc.classes, enc.layout, snakemake.wildcards.generator,
                   condition=cond, channels=enc.channels)
    log.info("wrote %s", snakemake.output.synthetic)
