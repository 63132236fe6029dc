"""Generators of synthetic items: train on the rare class, then sample.

    from genaug import generators
    result = generators.train("genegan", X, cond=None, layout="image", settings={"steps": 600},
                          seed=1, out_dir="results/d/generators/genegan", threads=2,
                          channels=encoded.channels)
    X_syn = generators.sample(result.model, n=500, seed=1)

Modules by concern: ``nets`` (networks by layout),
``gan`` / ``vae`` / ``classic`` / ``mlpgan`` / ``rbm`` (generator families; the last two for
0/1 haplotypes only), ``training`` (training loop,
checkpoints, sampling), ``settings`` (``DEFAULTS`` per generator). The layouts (encodings <-> network
space, validity, ``genaug.layouts``) and the device choice (``genaug.device``)
are shared with the detectors and live beside the tensor contract.

Importing this package (or ``settings``) does not import torch; the names
below that need it are loaded on first use.
"""

import importlib

from .settings import DEFAULTS, GENERATORS, RENAMED, canonical, resolve, supports

_LAZY = {"TrainResult": ".training", "sample": ".training", "sample_chunks": ".training", "train": ".training",
         "from_float": "..layouts",
         "layout_from_state": "..layouts", "make_layout": "..layouts", "to_float": "..layouts"}

__all__ = ["DEFAULTS", "GENERATORS", "RENAMED", "TrainResult", "canonical", "from_float", "layout_from_state",
           "make_layout", "resolve", "sample", "sample_chunks", "supports", "to_float", "train"]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
