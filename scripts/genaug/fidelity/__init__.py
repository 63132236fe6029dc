"""Fidelity and privacy audits of synthetic items, by data kind.

    from genaug import fidelity
    result = fidelity.evaluate("sv", train, heldout, synthetic, channels=channels, seed=1)

Each kind's module (``pileups``, ``haplotypes``, ``expression``, ``sequences``) adds its own statistics to
the shared ones (``common``: two-sample classifier AUCs, AATS, privacy loss,
identical share); every number comes with its real-vs-real reference. Every kind's
audit has a ``leak`` section (``common.leak_audit``) with its copy-injection controls.
"""

from . import common

KINDS = ("sv", "haplotypes", "expression", "sequences")


def evaluate(kind, train, heldout, synthetic, seed=0, threads=1, heldout_groups=None, channels=None,
             variants=None, heldout_labels=None, train_labels=None, synthetic_labels=None, scale=None,
             leak_sets=None, population=None):
    """The audit of ``kind``: {"n", "metrics": {name: {"synthetic", "reference", "better", ...}}, "leak",
    "curves"}. ``leak_sets``: (train, held-out, synthetic) of expression's leak audit, when it is not
    the audited sets; ``population``: expression's larger draw for gamma and the marginals
    (``expression.evaluate``)."""
    if kind == "sv":
        from . import pileups
        return pileups.evaluate(train, heldout, synthetic, channels, seed=seed, threads=threads,
                                heldout_groups=heldout_groups)
    if kind == "haplotypes":
        from . import haplotypes
        return haplotypes.evaluate(train, heldout, synthetic, variants, seed=seed, threads=threads,
                                   heldout_groups=heldout_groups, heldout_labels=heldout_labels)
    if kind == "expression":
        from . import expression
        return expression.evaluate(train, heldout, synthetic, train_labels, heldout_labels, synthetic_labels,
                                   seed=seed, threads=threads, heldout_groups=heldout_groups, scale=scale,
                                   leak_sets=leak_sets, population=population)
    if kind == "sequences":
        from . import sequences
        return sequences.evaluate(train, heldout, synthetic, seed=seed, threads=threads,
                                  heldout_groups=heldout_groups)
    raise ValueError(f"no fidelity audit for data kind {kind!r}; known: {', '.join(KINDS)}")


__all__ = ["KINDS", "common", "evaluate"]
