"""The expression kind in real Snakemake runs, on a small simulated matrix: encoded on the log
scale, split, standardised with the train split's statistics, a co-expression graph of the
train split, two generators audited, mlp / gcn / logistic detectors trained."""

import json

import numpy as np
import pandas as pd
import pytest
from expression_sim import simulate

from genaug.encode.expression import coexpression_graph, load_log
from genaug.split import load_split
from genaug.tensors import load_encoded
from test_haplotypes_workflow import snakemake
from test_workflow import write_config

DS = "expr"
GENERATORS = ["gaussian", "classic"]
DETECTORS = ["mlp", "gcn", "logistic"]
TARGETS = [f"results/{DS}/{f}" for f in ("genes.tsv", "graph.tsv", "detect/runs.tsv", "detect/summary.tsv",
                                         "report/expression_fidelity.png")] + \
          [f"results/{DS}/fidelity/{g}.json" for g in GENERATORS]


def inputs(d):
    """Counts of 3 classes (40, 30, 12 samples) x 24 genes in 4 modules, a sample per row (CSV)."""
    X, y, genes, _, _ = simulate(n_per_class=(40, 30, 12), n_modules=4, module_size=6, seed=5)
    counts = np.rint(np.expm1(np.clip(X + 4, 0, None))).astype(int)
    samples = [f"p{i:03d}" for i in range(len(y))]
    pd.DataFrame(counts, index=samples, columns=genes).rename_axis("sample").to_csv(d / "counts.csv")
    pd.DataFrame({"sample": samples, "class": np.array(["common", "mid", "rare"])[y]}).to_csv(
        d / "sheet.tsv", sep="\t", index=False)
    return d / "counts.csv", d / "sheet.tsv"


def expr_config(matrix, sheet):
    return {
        "datasets": {DS: {"kind": "expression", "matrix": str(matrix), "samples": str(sheet),
                          "orientation": "samples_by_genes", "values": "counts", "generators": GENERATORS,
                          "detectors": DETECTORS}},
        "seed": 2,
        "encode": {"expression": {"max_genes": 20, "graph_neighbours": 3}},
        "split": {"fractions": [0.6, 0.2, 0.2]},
        "generate": {"condition": {"expression": "class"}, "train_on": {"expression": "all"}},
        "detect": {"strategies": ["none"], "replicates": 1, "bootstrap": 100,
                   "settings": {"epochs": 2, "gcn_epochs": 2, "hidden": 16, "width": 4}},
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("expression")
    write_config(d, expr_config(*inputs(d)))
    p = snakemake(d, *TARGETS)
    assert p.returncode == 0, p.out
    return d


def test_standardisation_and_graph_come_from_the_train_split(run):
    log_enc, genes_all = load_log(run / f"results/{DS}/expression/log.npz")
    enc = load_encoded(run / f"results/{DS}/encoded.npz")
    split = load_split(run / f"results/{DS}/split.npz")
    genes = pd.read_csv(run / f"results/{DS}/genes.tsv", sep="\t")
    assert enc.layout == "vector" and enc.X.shape == (82, 20) and len(genes) == 20
    cols = [genes_all.index(g) for g in genes["gene"]]
    T = log_enc.X[split.train][:, cols].astype(np.float64)
    np.testing.assert_allclose(genes["mean"], T.mean(0), rtol=1e-6)
    np.testing.assert_allclose(genes["sd"], T.std(0), rtol=1e-6)
    np.testing.assert_allclose(enc.X[split.train].mean(0), 0, atol=1e-5)
    graph = pd.read_csv(run / f"results/{DS}/graph.tsv", sep="\t")
    expect = coexpression_graph(enc.X[split.train], genes["gene"].tolist(), 3)
    assert graph[["gene_a", "gene_b"]].values.tolist() == expect[["gene_a", "gene_b"]].values.tolist()
    log = (run / f"results/logs/standardise_expression/{DS}.log").read_text()
    assert "standardised with the means and sds of" in log


def test_fidelity_and_detectors(run):
    from genaug.outputs import file_sha256

    enc, split = load_encoded(run / f"results/{DS}/encoded.npz"), load_split(run / f"results/{DS}/split.npz")
    for g in GENERATORS:
        f = json.loads((run / f"results/{DS}/fidelity/{g}.json").read_text())
        # the statistics score a model draw (TSTR needs every class); the leak audit the detectors' file
        syn = run / f"results/{DS}/synthetic/{g}.npz"
        assert "model_sha256" in f["audited"] and f["audited"]["leak"]["synthetic_sha256"] == file_sha256(syn)
        with np.load(syn) as z:
            rare = int(z["y"][0])
            assert f["leak"]["synthetic"]["n"] == {
                "synthetic": len(z["X"]), "train": int((enc.y[split.train] == rare).sum()),
                "heldout": int((enc.y[np.concatenate([split.val, split.test])] == rare).sum())}
        assert f["leak"]["copy_controls"]["1"]["leak_flag"]
        m = f["metrics"]
        assert {"gamma", "two_sample_auc_forest", "tstr_macro_f1", "mean_correlation", "privacy_loss"} <= set(m)
        assert m["gamma"]["reference"] > 0.5 and m["tstr_macro_f1"]["synthetic"] is not None
        # gamma and the marginals read a draw of fidelity.population_draws (10) x the audited train profiles
        assert m["gamma"]["population_n"] == 10 * f["n"]["train"] == f["n"]["population"]
        assert np.isfinite(m["gamma"]["at_train_size"]) and "at_train_size" in m["sd_correlation"]
    runs = pd.read_csv(run / f"results/{DS}/detect/runs.tsv", sep="\t")
    assert set(runs["detector"]) == set(DETECTORS) and set(runs["strategy"]) == {"none", *GENERATORS}
    assert (run / f"results/{DS}/report/expression_fidelity.png").stat().st_size > 10_000


def test_a_sheet_missing_samples_stops_before_any_work(tmp_path):
    matrix, sheet = inputs(tmp_path)
    rows = sheet.read_text().splitlines()
    sheet.write_text("\n".join(rows[:-2]) + "\n")
    write_config(tmp_path, expr_config(matrix, sheet))
    p = snakemake(tmp_path, f"results/{DS}/encoded.npz")
    assert p.returncode != 0
    assert f"genaug: {matrix}: 2 of its 82 samples are not in sample sheet {sheet}" in p.out
    assert not (tmp_path / f"results/{DS}/expression/log.npz").exists()
