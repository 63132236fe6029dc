"""Augmentation bookkeeping: which real items a generator learns from, and how
many synthetic items bring the training set to a class balance.

Generators learn from the rare class of the train split only; val and test
never reach them.
"""

import math

import numpy as np

from .tensors import contract_arrays, save_arrays


def rare_class(y_train):
    """Label of the least frequent class among the training items (ties: the larger label)."""
    labels, counts = np.unique(np.asarray(y_train), return_counts=True)
    if len(labels) == 0:
        raise ValueError("the train split holds no item")
    best = counts.min()
    return int(labels[counts == best].max())


def generator_items(y, train_idx):
    """Sorted indices of the train split's rare-class items, and that class."""
    train_idx = np.asarray(train_idx, np.int64)
    rare = rare_class(np.asarray(y)[train_idx])
    return np.sort(train_idx[np.asarray(y)[train_idx] == rare]), rare


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
