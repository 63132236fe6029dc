"""Which detectors exist: for each name, the layouts it takes, the augmentation
strategies it trains under, and how it is fitted, rebuilt from its model file
and applied.

A detector (the model: ``cnn``, ``mlp``, ``logistic``, ...) and a strategy (the
augmentation: ``none``, ``class_weight``, ``oversample`` or a generator's name)
are two separate choices; every detector trains under every generator's
strategy and under the built-in strategies it lists.

This module imports no torch, so the workflow can check names against it when
it builds the DAG. The functions are named as ``"module:function"`` and
imported when first used.

Adding a detector is one entry in ``DETECTORS``:

1. write ``fit(name, strategy, X_train, y_train, X_val, y_val, classes, positive,
   layout, channels, settings, seed, device) -> DetectResult`` (``name``: the
   entry's name, so one function can serve several entries; ``X_train``
   already holds the synthetic items of a generator strategy; ``settings`` is
   ``resolve(...)``'s dict; choose the epoch and the threshold on the
   validation items only, e.g. with ``calibrate.calibrate``; the returned
   ``Detector`` has ``name`` set to the new entry's name; an entry whose
   ``inputs`` hold "graph" also gets ``graph=(edge index, weights)``);
2. write ``build(model) -> torch.nn.Module``: the untrained module of a loaded
   model file's dict (``model["layout"]``, ``model["settings"]``,
   ``model["classes"]``, ``model["scaler"]``), into which the saved weights are
   loaded;
3. write ``predict(detector, X, device) -> float64 (N, K)`` class
   probabilities of encoded items (numpy or memory map), in chunks;
4. add ``DetectorSpec(name, layouts, strategies, seeded, fit, build, predict,
   description)`` below, and the name to the schema's ``detect.detectors`` enum
   (``workflow/schemas/config.schema.yaml``). New settings keys go in
   ``DEFAULTS``.
"""

import copy
import importlib
from dataclasses import dataclass

BUILTIN_STRATEGIES = ("none", "class_weight", "oversample")
DEFAULTS = {"epochs": 20, "batch_size": 32, "lr": 1e-3, "weight_decay": 1e-4, "patience": 5, "width": 16,
            "hidden": 128, "blocks": 4, "dropout": 0.3, "image_size": [32, 128], "l2": 1e-2, "kmer": 4,
            "gcn_layers": 1, "gene_embedding": True, "readout": 2, "gcn_epochs": 40, "gcn_lr": 3e-3,
            "gcn_patience": 10, "depth_channel": True, "conv1d_head": "flatten"}


@dataclass(frozen=True)
class DetectorSpec:
    name: str
    layouts: tuple  # layouts of the items it takes
    strategies: tuple  # built-in strategies it trains under (every generator's strategy as well)
    seeded: bool  # False: the fit does not depend on the seed, so one replicate is enough
    fit: str  # "module:function", see the module docstring
    build: str
    predict: str
    description: str
    inputs: tuple = ()  # dataset files beyond the items it needs: "graph" (graph.tsv over genes.tsv)

    def supports(self, layout):
        return layout in self.layouts

    def call(self, what, *args, **kwargs):
        """Call the entry's ``fit``, ``build`` or ``predict`` function."""
        module, name = getattr(self, what).split(":")
        return getattr(importlib.import_module(module), name)(*args, **kwargs)


DETECTORS = {
    "cnn": DetectorSpec(
        "cnn", ("image",), BUILTIN_STRATEGIES, True,
        "genaug.detect.train:fit_network", "genaug.detect.model:build_network", "genaug.detect.model:predict_network",
        "DeepSV-like 2-D CNN on pooled pileups (nets.ConvDetector)"),
    "conv1d": DetectorSpec(
        "conv1d", ("sequence",), BUILTIN_STRATEGIES, True,
        "genaug.detect.train:fit_network", "genaug.detect.model:build_network", "genaug.detect.model:predict_network",
        "the TF-binding notebook's 3-layer 1-D CNN on one-hot sequences (conv1d.NotebookConv1D)"),
    "mlp": DetectorSpec(
        "mlp", ("vector", "binary"), BUILTIN_STRATEGIES, True,
        "genaug.detect.train:fit_network", "genaug.detect.model:build_network", "genaug.detect.model:predict_network",
        "multilayer perceptron (nets.MLPDetector)"),
    "logistic": DetectorSpec(
        "logistic", ("image", "binary", "vector", "sequence"), ("none", "class_weight"), False,
        "genaug.detect.train:fit_logistic", "genaug.detect.model:build_logistic",
        "genaug.detect.model:predict_logistic",
        "L2 logistic regression on standardised summary features (features.py); a full-batch fit, so "
        "oversampling would only repeat class_weight"),
    "gcn": DetectorSpec(
        "gcn", ("vector",), BUILTIN_STRATEGIES, True,
        "genaug.detect.gcn:fit_gcn", "genaug.detect.gcn:build_gcn", "genaug.detect.model:predict_network",
        "graph convolutions over the gene graph (gcn.GCNDetector; width channels, gcn_layers convolutions)",
        ("graph",)),
    "gcn_random": DetectorSpec(
        "gcn_random", ("vector",), BUILTIN_STRATEGIES, True,
        "genaug.detect.gcn:fit_gcn", "genaug.detect.gcn:build_gcn", "genaug.detect.model:predict_network",
        "the gcn on its graph after a degree-preserving shuffle: the control for the graph's information",
        ("graph",)),
}


def get(name):
    """The DetectorSpec named ``name``; ValueError naming the known ones otherwise."""
    if name not in DETECTORS:
        raise ValueError(f"unknown detector {name!r}; known: {', '.join(DETECTORS)}")
    return DETECTORS[name]


def strategies_of(name, strategies):
    """The strategies of ``strategies`` (built-in ones and generator names) that detector ``name`` trains
    under: the built-in ones it lists, and every generator's."""
    spec = get(name)
    return [s for s in strategies if s in spec.strategies or s not in BUILTIN_STRATEGIES]


def resolve(settings=None):
    """Detector settings: DEFAULTS updated with ``settings``; unknown keys are an error."""
    unknown = sorted(set(settings or {}) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown detector settings: {', '.join(unknown)}; known: {', '.join(sorted(DEFAULTS))}")
    return {**copy.deepcopy(DEFAULTS), **copy.deepcopy(dict(settings or {}))}
