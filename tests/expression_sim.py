"""A simulated expression matrix with known structure, for the expression tests.

``n_modules`` modules of ``module_size`` genes each. In each sample every module has a
latent factor f ~ N(mu, 1); gene j of module m is ``loading * f_m + noise`` (noise sd
``noise``), so two genes of one module correlate at loading^2 / (loading^2 + noise^2)
and genes of different modules not at all. Only module 0's factor mean depends on the
class (``shift`` per class index), so module 0 drives the classes. The true graph links
every pair of genes within a module.
"""

import numpy as np
import pandas as pd


def simulate(n_per_class=(60, 60), n_modules=4, module_size=8, loading=1.0, noise=0.7, shift=1.0, seed=0):
    rng = np.random.default_rng(seed)
    n = sum(n_per_class)
    y = np.repeat(np.arange(len(n_per_class)), n_per_class)
    f = rng.standard_normal((n, n_modules))
    f[:, 0] += shift * y
    X = np.repeat(f, module_size, axis=1) * loading + noise * rng.standard_normal((n, n_modules * module_size))
    genes = [f"g{m}_{j}" for m in range(n_modules) for j in range(module_size)]
    module = np.repeat(np.arange(n_modules), module_size)
    edges = [(genes[a], genes[b]) for a in range(len(genes)) for b in range(a + 1, len(genes))
             if module[a] == module[b]]
    graph = pd.DataFrame(edges, columns=["gene_a", "gene_b"]).assign(weight=1.0)
    return X.astype(np.float32), y, genes, module, graph


def within_module_r(loading=1.0, noise=0.7):
    """The true correlation of two genes of one module (within a class)."""
    return loading ** 2 / (loading ** 2 + noise ** 2)


def write_inputs(tmp_path, X, y, genes, orientation="genes_by_samples", name="matrix.tsv", classes=("A", "B")):
    """Matrix and sample sheet files for the encoder; -> (matrix path, sheet path)."""
    samples = [f"s{i:03d}" for i in range(len(X))]
    df = pd.DataFrame(X, index=samples, columns=genes)
    if orientation == "genes_by_samples":
        df = df.T
    path = tmp_path / name
    df.rename_axis("id").to_csv(path, sep="," if ".csv" in name else "\t")
    sheet = tmp_path / "samples.tsv"
    pd.DataFrame({"sample": samples, "class": [classes[k] for k in y]}).to_csv(sheet, sep="\t", index=False)
    return path, sheet
