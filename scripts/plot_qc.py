"""Rule plot_qc: example pileups per class and per-channel mean profiles, one PNG."""


import pandas as pd

from genaug.encode.channels import CHANNELS
from genaug.errors import InputError
from genaug.logs import rule_script
from genaug.plots.pileup import plot_qc
from genaug.tensors import load_encoded

with rule_script(snakemake) as log:
    path = snakemake.input.encoded
    enc = load_encoded(path, mmap=True)  # X stays on disk; plot_qc reads a subsample
    if enc.layout != "image" or (enc.channels is not None and tuple(enc.channels) != CHANNELS):
        raise InputError(path, f"the QC figure needs SV pileups (layout image, channels {', '.join(CHANNELS)}), "
                             f"got layout {enc.layout}")
    samples = pd.read_csv(snakemake.input.samples, sep="\t", dtype={"id": str, "contig": str, "group": str})
    log.info("%s: %d items of shape %s", path, len(enc.X), enc.X.shape[1:])

    plot_qc(enc.X, enc.y, enc.classes, samples, snakemake.output.figure,
            examples_per_class=snakemake.params.examples_per_class, seed=snakemake.params.seed)
    log.info("wrote %s", snakemake.output.figure)
