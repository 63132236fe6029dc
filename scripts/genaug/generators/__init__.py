"""Generators of synthetic items: train on the rare class, then sample.

    from genaug import generators
    result = models.train("genegan", X, cond=None, layout="image", settings={"steps": 600},
                          seed=1, out_dir="results/d/generators/genegan", threads=2,
                          channels=encoded.channels)
    X_syn = models.sample(result.model, n=500, seed=1)

Modules by concern: ``layouts`` (encodings <-> network space, validity),
``pileup`` (what a pileup can look like), ``nets`` (networks by layout),
``gan`` / ``vae`` / ``classic`` / ``mlpgan`` / ``rbm`` (generator families; the last two for
0/1 haplotypes only), ``training`` (training loop,
checkpoints, sampling), ``device`` (device, threads, precision, seeds),
``settings`` (``DEFAULTS`` per generator).
"""

from ..layouts import from_float, layout_from_state, make_layout, to_float
from .settings import DEFAULTS, GENERATORS, resolve, supports
from .training import TrainResult, sample, train

__all__ = ["DEFAULTS", "GENERATORS", "TrainResult", "from_float", "layout_from_state", "make_layout",
           "resolve", "sample", "supports", "to_float", "train"]
