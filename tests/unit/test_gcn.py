"""The gcn detector on simulated profiles whose classes are driven by one gene module."""

import numpy as np
import pytest
import torch
from expression_sim import simulate

from genaug.detect import load_detector, train_detector
from genaug.detect.gcn import GCNDetector, normalised_adjacency
from genaug.encode.expression import edge_index
from genaug.metrics import roc_auc

SETTINGS = {"gcn_epochs": 40, "gcn_patience": 40, "batch_size": 16, "gcn_lr": 3e-3, "width": 8, "gcn_layers": 1,
            "gene_embedding": False}


def test_normalised_adjacency_is_symmetric_with_unit_spectral_radius():
    index = np.array([[0, 1, 2], [1, 2, 3]])
    rows, cols, vals = normalised_adjacency(index, np.ones(3), 5)
    A = np.zeros((5, 5))
    A[rows, cols] = vals
    np.testing.assert_allclose(A, A.T)
    assert A[4, 4] == pytest.approx(1.0)  # an isolated gene keeps its own value
    assert np.abs(np.linalg.eigvalsh(A)).max() == pytest.approx(1.0)
    # propagation equals the dense product
    net = GCNDetector(5, 2, index, np.ones(3), channels=3)
    h = torch.randn(2, 5, 3)
    np.testing.assert_allclose(net.propagate(h).numpy(), np.einsum("gk,nkc->ngc", A, h.numpy()), atol=1e-6)


def test_gcn_with_the_true_graph_beats_the_shuffled_graph():
    """16 modules of 8 genes, module 0 shifted in class 1, per-gene noise sd 3: one gene says
    little, its module's mean says more, and only the true graph averages the right genes."""
    aucs = {"gcn": [], "gcn_random": []}
    for seed in range(3):
        X, y, genes, _, graph = simulate(n_per_class=(150, 150), n_modules=16, module_size=8, noise=3.0,
                                         shift=2.0, seed=seed)
        tr = np.r_[0:20, 150:170]
        va = np.r_[20:40, 170:190]
        te = np.setdiff1d(np.arange(len(y)), np.r_[tr, va])
        X = (X - X[tr].mean(0)) / X[tr].std(0)
        g = edge_index(graph, genes)
        for name in aucs:
            r = train_detector(name, "none", X[tr], y[tr], X[va], y[va], ["A", "B"], 1, "vector",
                               settings=SETTINGS, seed=seed, graph=g)
            aucs[name].append(roc_auc(y[te], r.detector.score(X[te])))
    true, shuffled = np.mean(aucs["gcn"]), np.mean(aucs["gcn_random"])
    assert true > shuffled + 0.03, aucs
    assert true > 0.6


def test_gcn_saves_its_graph_and_needs_one(tmp_path):
    X, y, genes, _, graph = simulate(n_per_class=(20, 20), n_modules=3, module_size=4, seed=1)
    g = edge_index(graph, genes)
    tr, va = np.r_[0:14, 20:34], np.r_[14:20, 34:40]
    r = train_detector("gcn", "class_weight", X[tr], y[tr], X[va], y[va], ["A", "B"], 1, "vector",
                       settings={"gcn_epochs": 2}, seed=0, graph=g)
    assert len(r.history) == 2  # the gcn's own epoch count
    path = tmp_path / "model.pt"
    r.detector.save(path)
    back = load_detector(path)
    np.testing.assert_allclose(back.predict_proba(X[va]), r.detector.predict_proba(X[va]), atol=1e-6)
    assert back.net.edge_index.shape[1] == 2 * g[0].shape[1] + len(genes)
    with pytest.raises(ValueError, match="needs the gene graph"):
        train_detector("gcn", "none", X[tr], y[tr], X[va], y[va], ["A", "B"], 1, "vector", seed=0)
