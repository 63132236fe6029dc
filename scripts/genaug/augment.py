"""Augmentation bookkeeping: which real items a generator learns from, and how
many synthetic items bring the training set to a class balance.

Generators learn from the rare class of the train split only; val and test
never reach them.
"""

import math

import numpy as np
import pandas as pd

from .errors import InputError
from .tensors import contract_arrays, save_arrays


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
    ``synthetic:{generator}``, never a real group."""
    n = len(X)
    condition = [None] * n if condition is None else condition
    arrays = {"X": X, **contract_arrays(np.full(n, int(label)), np.full(n, f"synthetic:{generator}"),
                                        classes, layout, channels),
              "generator": np.asarray(generator, dtype=str),
              "condition": np.array(["" if c is None else str(c) for c in condition], dtype=str)}
    save_arrays(path, arrays)
