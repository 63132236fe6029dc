"""Rule split_dataset: stratified, grouped train/val/test split (+ optional scarcity).

Reads only y / groups / classes of encoded.npz (X stays on disk), and with
split.stratify the column of samples.tsv balanced within each class, and writes
split.npz (int64 item indices: train, val, test, unused) and a counts TSV
(split, class, n).
"""

import numpy as np
import pandas as pd

from genaug.errors import InputError
from genaug.logs import rule_script
from genaug.outputs import write_tsv
from genaug.split import SPLITS, make_split, save_split, split_counts
from genaug.tensors import load_encoded

with rule_script(snakemake) as log:
    path = snakemake.input.encoded
    enc = load_encoded(path, mmap=True)
    log.info("%s: %d items in %d groups, classes %s", path, len(enc.y), len(set(enc.groups)),
             ", ".join(map(str, enc.classes)))
    strata, column = None, snakemake.params.stratify
    if column:
        samples = pd.read_csv(snakemake.input.samples, sep="\t", dtype=str, keep_default_na=False)
        if column not in samples.columns or len(samples) != len(enc.y):
            raise InputError(snakemake.input.samples, f"needs a column {column!r} (split.stratify) and one row per "
                             f"item ({len(enc.y)}); it has {len(samples)} rows, columns {', '.join(samples.columns)}")
        strata = samples[column].to_numpy()
        log.info("balancing %s within each class: %s", column,
                 ", ".join(f"{v} {n}" for v, n in samples[column].value_counts().sort_index().items()))
    try:
        split = make_split(enc.y, enc.groups, fractions=snakemake.params.fractions, seed=snakemake.params.seed,
                           max_train_positives=snakemake.params.max_train_positives, classes=enc.classes,
                           strata=strata)
    except ValueError as e:  # e.g. a class held by fewer than 3 groups: a problem of this input
        raise e if isinstance(e, InputError) else InputError(path, str(e)) from None

    counts = split_counts(enc.y, enc.classes, split)
    for name in SPLITS:
        rows = counts[counts["split"] == name]
        log.info("%-6s %s", name, ", ".join(f"{c}={n}" for c, n in zip(rows["class"], rows["n"])))
        if strata is not None and len(split[name]):
            values, n = np.unique(strata[split[name]], return_counts=True)
            log.info("%-6s %s %s", "", column, ", ".join(f"{v} {k}" for v, k in zip(values, n)))
    save_split(snakemake.output.split, split)
    write_tsv(counts, snakemake.output.counts)
    log.info("wrote %s and %s", snakemake.output.split, snakemake.output.counts)
