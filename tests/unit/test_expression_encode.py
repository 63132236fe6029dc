import gzip
import logging

import numpy as np
import pandas as pd
import pytest
from expression_sim import simulate, write_inputs

from genaug.encode import expression as ex
from genaug.errors import InputError


@pytest.fixture
def sim():
    return simulate(n_per_class=(12, 10), n_modules=3, module_size=5, seed=3)


def test_orientation_and_csv_gz_give_the_same_items(tmp_path, sim):
    X, y, genes, _, _ = sim
    m1, s1 = write_inputs(tmp_path, X, y, genes)
    a = ex.encode_expression(m1, s1, "genes_by_samples", "log")
    m2, _ = write_inputs(tmp_path, X, y, genes, orientation="samples_by_genes", name="m.csv")
    gz = tmp_path / "m.csv.gz"
    gz.write_bytes(gzip.compress(m2.read_bytes()))
    b = ex.encode_expression(gz, s1, "samples_by_genes", "log")
    np.testing.assert_allclose(a.X, X, atol=1e-5)
    np.testing.assert_array_equal(a.X, b.X)
    assert a.genes == genes and a.classes == ["A", "B"] and a.y.tolist() == y.tolist()
    assert list(a.samples.columns[:6]) == ex.SAMPLE_COLUMNS and (a.groups == a.samples["sample"]).all()


def test_counts_become_log1p_cpm_and_tpm_log1p(tmp_path):
    counts = np.array([[10, 30, 60], [1, 1, 8], [5, 5, 0], [0, 2, 2], [4, 4, 4], [7, 0, 3]], float)
    m, s = write_inputs(tmp_path, counts, np.array([0, 0, 0, 1, 1, 1]), ["a", "b", "c"], "samples_by_genes")
    e = ex.encode_expression(m, s, "samples_by_genes", "counts")
    np.testing.assert_allclose(e.X, np.log1p(counts / counts.sum(1, keepdims=True) * 1e6), rtol=1e-6)
    t = ex.encode_expression(m, s, "samples_by_genes", "tpm")
    np.testing.assert_allclose(t.X, np.log1p(counts), rtol=1e-6)


def test_group_column_and_gene_list(tmp_path, sim, caplog):
    X, y, genes, _, _ = sim
    m, s = write_inputs(tmp_path, X, y, genes)
    sheet = pd.read_csv(s, sep="\t").assign(group=lambda d: [f"donor{i // 2}" for i in range(len(d))])
    sheet.to_csv(s, sep="\t", index=False)
    lst = tmp_path / "genes.txt"
    lst.write_text("# landmark genes\ng1_0\ng0_1\nnot_a_gene\n")
    with caplog.at_level(logging.WARNING):
        e = ex.encode_expression(m, s, "genes_by_samples", "log", genes=lst)
    assert e.genes == ["g0_1", "g1_0"]  # the matrix's order
    assert "1 of 3 listed genes are not in" in caplog.text
    assert e.groups[:4].tolist() == ["donor0", "donor0", "donor1", "donor1"]


def _bad(tmp_path, sim, edit_matrix=None, edit_sheet=None, orientation="genes_by_samples", **kw):
    X, y, genes, _, _ = sim
    m, s = write_inputs(tmp_path, X, y, genes)
    if edit_matrix:
        m.write_text(edit_matrix(m.read_text()))
    if edit_sheet:
        s.write_text(edit_sheet(s.read_text()))
    with pytest.raises(InputError) as e:
        ex.encode_expression(m, s, orientation, kw.pop("values", "log"), **kw)
    msg = str(e.value)
    assert "\n" not in msg
    return msg, m, s


def test_bad_non_numeric_cell(tmp_path, sim):
    msg, m, _ = _bad(tmp_path, sim, edit_matrix=lambda t: t.replace("\t", "\tabc", 30).replace("\tabc", "\t", 29))
    assert msg.startswith(str(m)) and "non-numeric" in msg and "'abc" in msg


def test_bad_negative_counts(tmp_path, sim):
    msg, m, _ = _bad(tmp_path, sim, values="counts")
    assert msg.startswith(str(m)) and "negative value(s) but values are declared counts" in msg


def test_bad_duplicate_gene_and_sample_ids(tmp_path, sim):
    msg, m, _ = _bad(tmp_path, sim, edit_matrix=lambda t: t.replace("g0_1\t", "g0_0\t"))
    assert msg.startswith(str(m)) and "duplicate gene id(s) 'g0_0'" in msg
    msg, m, _ = _bad(tmp_path, sim, edit_matrix=lambda t: t.replace("s001", "s000", 1))
    assert "duplicate sample id(s) 's000'" in msg
    msg, _, s = _bad(tmp_path, sim, edit_sheet=lambda t: t.replace("s001", "s000"))
    assert msg.startswith(str(s)) and "duplicate sample id" in msg


def test_bad_samples_missing_either_way(tmp_path, sim):
    drop = lambda t: "\n".join(l for l in t.splitlines() if not l.startswith(("s003", "s004"))) + "\n"
    msg, m, s = _bad(tmp_path, sim, edit_sheet=drop)
    assert msg.startswith(str(m)) and "2 of its 22 samples are not in sample sheet" in msg
    extra = lambda t: t + "x1\tA\nx2\tB\nx3\tA\n"
    msg, m, s = _bad(tmp_path, sim, edit_sheet=extra)
    assert msg.startswith(str(s)) and "3 of its 25 samples are not in matrix" in msg


def test_bad_small_and_single_class(tmp_path, sim):
    two_c = lambda t: t.replace("s000\tA", "s000\tC").replace("s001\tA", "s001\tC")
    msg, _, s = _bad(tmp_path, sim, edit_sheet=two_c)
    assert msg.startswith(str(s)) and "fewer than 3 samples" in msg and "'C' (2)" in msg
    msg, _, s = _bad(tmp_path, sim, edit_sheet=lambda t: t.replace("\tB", "\tA"))
    assert "a single class" in msg


def test_bad_graph_matching_none_or_few(tmp_path, sim):
    g = tmp_path / "graph.tsv"
    pd.DataFrame({"gene_a": ["TP53", "MYC"], "gene_b": ["MDM2", "MAX"]}).to_csv(g, sep="\t", index=False)
    msg, _, _ = _bad(tmp_path, sim, graph=g)
    assert msg.startswith(str(g)) and "touch 0 of the 15 encoded genes" in msg
    pd.DataFrame({"gene_a": ["g0_0"], "gene_b": ["MAX"]}).to_csv(g, sep="\t", index=False)
    assert "touch 0 of" in _bad(tmp_path, sim, graph=g)[0]
    # one edge between two of 15 genes touches 13 % (kept); the same in 30 genes is 7 % (refused)
    pd.DataFrame({"gene_a": ["g0_0"], "gene_b": ["g1_0"]}).to_csv(g, sep="\t", index=False)
    edges = ex.read_graph(g, sim[2])
    assert len(edges) == 1
    with pytest.raises(InputError, match="under 10 %"):
        ex.read_graph(g, sim[2] + [f"x{i}" for i in range(15)])


def test_standardisation_uses_train_only(sim):
    X, y, genes, _, _ = sim
    X = X.astype(np.float64).copy()
    train, test = np.arange(0, 16), np.arange(16, 22)
    ref = ex.standardise(X, genes, train)
    X[test[0], 0] = 1e6  # an outlier in test
    std = ex.standardise(X, genes, train)
    np.testing.assert_allclose(std.mean, X[train].mean(0))
    np.testing.assert_allclose(std.sd, X[train].std(0))
    np.testing.assert_array_equal(std.mean, ref.mean)
    np.testing.assert_array_equal(std.X[train], ref.X[train])
    assert std.X[test[0], 0] > 1e5  # test values are read on the train scale, not clipped
    np.testing.assert_allclose(std.X[train].mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(ex.to_log(std.X, std.mean, std.sd), X, rtol=1e-5, atol=1e-4)


def test_zero_variance_in_train_dropped_with_count_and_max_genes(sim, caplog):
    X, y, genes, _, _ = sim
    X = X.astype(np.float64).copy()
    train = np.arange(16)
    X[train, 2] = 5.0  # constant in train, varies in test
    X[train, 7] = -1.0
    with caplog.at_level(logging.WARNING):
        std = ex.standardise(X, genes, train)
    assert "2 of 15 genes have zero variance" in caplog.text
    assert std.dropped_constant == 2 and genes[2] not in std.genes and len(std.genes) == 13
    top = ex.standardise(X, genes, train, max_genes=4)
    sds = X[train].std(0)
    assert sorted(top.genes) == sorted(np.asarray(genes)[np.argsort(-sds)[:4]].tolist())


def test_coexpression_graph_finds_the_modules():
    X, y, genes, module, _ = simulate(n_per_class=(100, 100), n_modules=4, module_size=6, seed=1)
    e = ex.coexpression_graph(X, genes, neighbours=3)
    idx, w = ex.edge_index(e, genes)
    same = module[idx[0]] == module[idx[1]]
    assert same.mean() > 0.95 and len(e) >= len(genes) * 3 / 2 and (w > 0).all()


def test_shuffle_graph_keeps_degrees_and_moves_edges():
    _, _, genes, module, graph = simulate(n_modules=4, module_size=6)
    idx, _ = ex.edge_index(graph, genes)
    sh = ex.shuffle_graph(idx, seed=2)
    deg = lambda i: np.bincount(i.ravel(), minlength=len(genes))
    np.testing.assert_array_equal(deg(sh), deg(idx))
    assert (sh[0] != sh[1]).all() and len({tuple(p) for p in sh.T}) == idx.shape[1]
    assert (module[sh[0]] == module[sh[1]]).mean() < 0.6
    np.testing.assert_array_equal(sh, ex.shuffle_graph(idx, seed=2))


def test_write_and_read_back(tmp_path, sim):
    X, y, genes, _, _ = sim
    m, s = write_inputs(tmp_path, X, y, genes)
    e = ex.encode_expression(m, s, "genes_by_samples", "log")
    ex.write_log(e, tmp_path / "log.npz", tmp_path / "samples_out.tsv")
    enc, g = ex.load_log(tmp_path / "log.npz")
    assert g == genes and enc.layout == "vector" and enc.X.dtype == np.float32
    std = ex.standardise(enc.X, g, np.arange(15))
    ex.write_standardised(std, enc, tmp_path / "encoded.npz", tmp_path / "genes.tsv")
    back = ex.read_genes(tmp_path / "genes.tsv")
    assert back["gene"].tolist() == std.genes
    np.testing.assert_allclose(back["sd"], std.sd, rtol=1e-7)
