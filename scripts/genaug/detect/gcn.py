"""Graph convolutions over a gene graph (``gcn``, and its control ``gcn_random``): detectors
for expression profiles.

After Kipf & Welling (2017) as used for expression by Dutil et al. (2018): each
gene is a node carrying its standardised value. The input layer gives node g
the features x_g * w + b (``channels`` of them), plus a learned embedding of
gene g when ``embed`` is set (so that nodes are told apart before any
convolution). Each of ``layers`` graph convolutions computes
H' = dropout(LeakyReLU(A_hat H W)), with A_hat = D^-1/2 (A + I) D^-1/2 the
symmetrically normalised adjacency with self-loops (A: edge weights, both
directions). The readout pools the node features into the class head: each
gene's features are reduced to ``readout`` numbers by a shared linear map, and
the (genes x readout) result, after dropout, feeds a linear layer to one logit
per class.

``gcn_random`` is the control: the same network on the graph after a
degree-preserving shuffle (``encode.expression.shuffle_graph``, seeded with the
replicate's seed), so every gene keeps its number of neighbours but not which
ones; if ``gcn`` does no better, the graph's information did not help.

The graph travels with the network (buffers ``edge_index``, ``edge_weight``:
the normalised A_hat entries, self-loops included), so a saved detector
applies the graph it was trained with.
"""

import logging

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..encode.expression import shuffle_graph
from .dropout import Dropout

log = logging.getLogger(__name__)


def normalised_adjacency(index, weight, n_nodes):
    """Entries (rows, cols, values) of D^-1/2 (A + I) D^-1/2 for the undirected weighted
    edges ``index`` (2, E), ``weight`` (E,), both directions and every self-loop included."""
    index = np.asarray(index, np.int64).reshape(2, -1)
    weight = np.asarray(weight, np.float64).reshape(-1)
    loops = np.arange(n_nodes)
    rows = np.concatenate([index[0], index[1], loops])
    cols = np.concatenate([index[1], index[0], loops])
    vals = np.concatenate([weight, weight, np.ones(n_nodes)])
    deg = np.bincount(rows, weights=vals, minlength=n_nodes)
    vals = vals / np.sqrt(deg[rows] * deg[cols])
    return rows, cols, vals


class GCNDetector(nn.Module):
    def __init__(self, n_genes, n_classes, index, weight, channels=16, layers=2, embed=True, readout=2,
                 dropout=0.3):
        super().__init__()
        rows, cols, vals = normalised_adjacency(index, weight, n_genes)
        self.register_buffer("edge_index", torch.from_numpy(np.stack([rows, cols])))
        self.register_buffer("edge_weight", torch.from_numpy(vals).float())
        self.n_genes = int(n_genes)
        self.inp = nn.Linear(1, channels)
        self.embedding = nn.Parameter(torch.zeros(n_genes, channels)) if embed else None
        self.convs = nn.ModuleList(nn.Linear(channels, channels) for _ in range(max(int(layers), 1)))
        self.reduce = nn.Linear(channels, readout)
        self.dropout = Dropout(dropout)
        self.head = nn.Linear(n_genes * readout, n_classes)

    def propagate(self, h):
        """A_hat h for node features h (N, genes, channels), as one sparse-dense product."""
        n, g, c = h.shape
        key = (self.edge_weight.data_ptr(), self.edge_weight._version, h.device, h.dtype)
        if getattr(self, "_adj_key", None) != key:
            self._adj = torch.sparse_coo_tensor(self.edge_index, self.edge_weight.to(h.dtype), (g, g),
                                                check_invariants=False).coalesce()  # indices valid by construction
            self._adj_key = key
        out = torch.sparse.mm(self._adj, h.permute(1, 0, 2).reshape(g, n * c))
        return out.reshape(g, n, c).permute(1, 0, 2)

    def forward(self, x):
        h = self.inp(x[:, :, None])
        if self.embedding is not None:
            h = h + self.embedding
        for conv in self.convs:
            h = self.dropout(F.leaky_relu(conv(self.propagate(h)), 0.1))
        return self.head(self.dropout(self.reduce(h).flatten(1)))


def gcn_net(n_genes, n_classes, index, weight, s):
    return GCNDetector(n_genes, n_classes, index, weight, s["width"], s["gcn_layers"], s["gene_embedding"],
                       s["readout"], s["dropout"])


def fit_gcn(name, strategy, X_train, y_train, X_val, y_val, classes, positive, layout, channels, s, seed, device,
            graph=None):
    """``gcn`` / ``gcn_random`` (registry): ``graph`` = (index (2, E) into the genes, weight (E,)); the
    network is trained as every network detector is (``train.fit_network``), with ``gcn_epochs``,
    ``gcn_lr`` and ``gcn_patience`` in place of ``epochs``, ``lr`` and ``patience``: at the MLP's 12
    epochs of 1e-3 the GCN had not left the majority class on the demo (bench/README.md)."""
    from .train import fit_network

    if graph is None:
        raise ValueError(f"detector {name} needs the gene graph (graph.tsv of the dataset)")
    index, weight = np.asarray(graph[0], np.int64), np.asarray(graph[1], np.float64)
    n_genes = np.asarray(X_train[:1]).shape[1]
    touched = len(np.unique(index)) if index.size else 0
    log.info("%s: graph of %d edges touching %d of %d genes%s", name, index.shape[1], touched, n_genes,
             "" if touched >= 0.1 * n_genes else " (few: most genes only see themselves)")
    if name == "gcn_random":
        order = np.random.default_rng(seed).permutation(index.shape[1])
        index, weight = shuffle_graph(index[:, order], seed=seed), weight[order]
    net = gcn_net(n_genes, len(classes), index, weight, s)
    run = {**s, "epochs": s["gcn_epochs"], "lr": s["gcn_lr"], "patience": s["gcn_patience"]}
    return fit_network(name, strategy, X_train, y_train, X_val, y_val, classes, positive, layout, channels, run,
                       seed, device, net=net)


def build_gcn(m):
    """The untrained GCN of a loaded model dict; the graph buffers come with the saved state."""
    state, s = m["state"], m["settings"]
    n_genes = int(state["head.weight"].shape[1] // s["readout"])
    net = gcn_net(n_genes, len(m["classes"]), np.zeros((2, 0), np.int64), np.zeros(0), s)
    net.edge_index = torch.zeros_like(state["edge_index"])
    net.edge_weight = torch.zeros_like(state["edge_weight"])
    return net
