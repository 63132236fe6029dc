"""Augmentation bookkeeping: which real items a generator learns from, and how
many synthetic items bring the training set to a class balance.

Generators learn from the rare class of the train split only; val and test
never reach them.
"""

import math

import numpy as np
import pandas as pd

from .errors import InputError
from .tensors import EncodedWriter


def rare_class(y_train):
    """Label of the least frequent class among the training items (ties: the larger label)."""
    labels, counts = np.unique(np.asarray(y_train), return_counts=True)
    if len(labels) == 0:
        raise ValueError("the train split holds no item")
    best = counts.min()
    return int(labels[counts == best].max())


TRAIN_ON = ("rare", "all")


def generator_items(y, train_idx, train_on="rare"):
    """Sorted indices of the items a generator learns from, and the train split's rare class.

    ``train_on="rare"``: the train split's rare-class items; ``"all"``: every
    train item (the generator is then conditioned on the class, and the rare
    class is drawn for augmentation).
    """
    if train_on not in TRAIN_ON:
        raise ValueError(f"train_on must be one of {', '.join(TRAIN_ON)}, not {train_on!r}")
    train_idx = np.asarray(train_idx, np.int64)
    rare = rare_class(np.asarray(y)[train_idx])
    if train_on == "all":
        return np.sort(train_idx), rare
    return np.sort(train_idx[np.asarray(y)[train_idx] == rare]), rare


def generator_conditions(samples_tsv, column, idx):
    """Values of ``column`` of samples.tsv for items ``idx`` (None when ``column`` is None)."""
    if not column:
        return None
    samples = pd.read_csv(samples_tsv, sep="\t", dtype=str, keep_default_na=False)
    if column not in samples.columns:
        raise InputError(samples_tsv, f"has no column {column!r} to condition generators on "
                         f"(generate.condition); columns: {', '.join(samples.columns)}")
    return samples[column].to_numpy()[np.asarray(idx, np.int64)]


def rare_condition(samples_tsv, column, y, rare):
    """The one value of ``column`` that every item of class ``rare`` has: what a generator
    trained on every class (train_on: all) is asked for to draw the rare class."""
    if not column:
        raise ValueError("train_on: all needs a condition column that names the class (generate.condition)")
    values = set(generator_conditions(samples_tsv, column, np.flatnonzero(np.asarray(y) == rare)))
    if len(values) != 1:
        raise InputError(samples_tsv, f"column {column!r} does not name the rare class: its items have "
                         f"{len(values)} values ({', '.join(sorted(values)[:5])})")
    return values.pop()


def bounded_subset(idx, groups, max_items, seed):
    """Sorted items of ``idx`` (at most ``max_items``): all of them when they fit, else whole groups
    (``groups`` of each item of ``idx``) drawn in a seeded random order while they fit, so that both
    haplotypes of a person, or overlapping windows, stay together."""
    idx = np.asarray(idx, np.int64)
    if len(idx) <= max_items:
        return idx
    names, inverse, counts = np.unique(np.asarray(groups).astype(str), return_inverse=True, return_counts=True)
    keep, total = np.zeros(len(names), bool), 0
    for g in np.random.default_rng(seed).permutation(len(names)):
        if total + counts[g] <= max_items:
            keep[g], total = True, total + counts[g]
    return np.sort(idx[keep[inverse]])


def n_to_balance(n_rare, n_other, balance):
    """Synthetic rare-class items that make the rare class ``balance`` of the training set.

    Solves (n_rare + s) / (n_rare + n_other + s) = balance for s, rounded, at least 0.
    """
    if not 0 < balance < 1:
        raise ValueError(f"balance must lie strictly between 0 and 1, got {balance}")
    s = balance * n_other / (1 - balance) - n_rare
    return max(0, int(math.floor(s + 0.5)))


def save_synthetic(path, X, label, classes, layout, generator, condition=None, channels=None):
    """``synthetic/{generator}.npz``: the encoded contract plus ``generator`` and
    ``condition`` (per item; '' when unconditional). Every item is in group
    ``synthetic:{generator}``, never a real group. ``X`` is an array, or an
    iterator of chunks of items (``generators.sample_chunks``) with ``condition``
    giving their number: the file is then written a chunk at a time."""
    if isinstance(X, np.ndarray):
        chunks, n = iter([X]), len(X)
    else:
        chunks, n = iter(X), len(condition)
    first = next(chunks)
    condition = [None] * n if condition is None else condition
    extra = {"generator": np.asarray(generator, dtype=str),
             "condition": np.array(["" if c is None else str(c) for c in condition], dtype=str)}
    with EncodedWriter(path, first.shape[1:], n, dtype=first.dtype) as w:
        w.write(first)
        for part in chunks:
            w.write(part)
        w.close(np.full(n, int(label)), np.full(n, f"synthetic:{generator}"), classes, layout, channels, extra)
