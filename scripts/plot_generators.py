"""Rule plot_generators: real vs synthetic items, loss curves and PCA for each generator of a dataset."""

import json

import numpy as np
import pandas as pd

from genaug.augment import generator_items
from genaug.logs import rule_script
from genaug.plots.report import plot_generators
from genaug.split import load_split
from genaug.tensors import load_encoded

with rule_script(snakemake) as log:
    p = snakemake.params
    enc = load_encoded(snakemake.input.encoded, mmap=True)
    split = load_split(snakemake.input.split)
    idx, rare = generator_items(enc.y, split.train, "rare")  # shown: rare-class items, real and synthetic
    rng = np.random.default_rng(p.seed)
    real = np.asarray(enc.X[np.sort(rng.choice(idx, min(len(idx), 40), replace=False))])
    generators = {}
    for g, syn, hist, fid in zip(p.generators, snakemake.input.synthetic, snakemake.input.history,
                                 snakemake.input.fidelity):
        with open(fid) as f:
            pca = json.load(f)["curves"].get("pca")
        history = pd.read_csv(hist, sep="\t")
        generators[g] = {"real": real, "synthetic": load_encoded(syn).X[:40], "history": history, "pca": pca}
    plot_generators(generators, enc.layout, snakemake.output.figure,
                    title=f"{snakemake.wildcards.dataset}: {enc.classes[rare]} items, real (blue) and synthetic (red)")
    log.info("wrote %s", snakemake.output.figure)
