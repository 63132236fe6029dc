"""Stratified, grouped train/val/test split, with optional scarcity.

Grouped: all items of one group (chromosome, region block, individual) go to the
same split, so overlapping windows never straddle train and test. Stratified:
each class's share in each split is close to the requested fractions. Scarcity:
``max_train_positives=k`` keeps only k items of the rare class in train, to
reproduce the small-sample regime; the dropped items go to ``unused`` and val /
test stay exactly as they are without scarcity.

How groups are placed (deterministic for a seed):

1. Every class must be held by at least 3 groups. For each class, fewest
   holding groups first, every split that still lacks the class gets one of the
   class's unplaced groups (the one that moves the split closest to its target;
   backtracking if a later class could not be covered otherwise).
2. The remaining groups, shuffled with the seed and then sorted by size
   (largest first), go one by one to the split whose class shares they improve
   most: the split minimising the squared error between counts and targets,
   each class's error relative to its total so a rare class weighs as much as
   a common one. A group holding only class k therefore goes to the split with
   the largest remaining relative deficit of k.

With ``strata`` (split.stratify: for sv items, the SV type) the shares of
step 2, and the choice among a class's groups in step 1, are balanced on
(class, stratum) pairs, each relative to its own total, so that val and test
hold the SV types in about the training mix; only the classes must reach
every split.
"""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from genaug.errors import InputError
from genaug.tensors import save_arrays

SPLITS = ("train", "val", "test", "unused")
_SEED_SEARCH_BUDGET = 100_000  # placements tried in step 1 before giving up

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Split:
    """Sorted int64 item indices (rows of X / samples.tsv) of each split.

    Every item is in exactly one of the four arrays. ``split["train"]`` works as
    well as ``split.train``.
    """

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    unused: np.ndarray

    def __getitem__(self, name):
        if name not in SPLITS:
            raise KeyError(f"{name!r} is not a split; splits are {', '.join(SPLITS)}")
        return getattr(self, name)

    def labels(self, n_items):
        """Split name of each item, as an array of length ``n_items``."""
        seen = np.zeros(n_items, dtype=np.int64)
        out = np.empty(n_items, dtype=f"<U{max(map(len, SPLITS))}")
        for name in SPLITS:
            idx = self[name]
            if len(idx) and (idx.min() < 0 or idx.max() >= n_items):
                raise ValueError(f"split {name} has indices outside 0..{n_items - 1}")
            np.add.at(seen, idx, 1)
            out[idx] = name
        if not np.all(seen == 1):
            bad = np.flatnonzero(seen != 1)
            raise ValueError(f"{len(bad)} of {n_items} items are not in exactly one split (first: item {bad[0]})")
        return out


def make_split(y, groups, fractions=(0.7, 0.15, 0.15), seed=1, max_train_positives=None,
               rare_class=None, classes=None, strata=None):
    """Split items into train / val / test (+ unused) by group, stratified by class.

    ``y``: int labels (N,); ``groups``: group of each item (N,), any type that
    compares as equal for items of one group. ``fractions``: train, val, test
    shares (positive, summing to 1). ``max_train_positives``: None, or keep only
    this many ``rare_class`` items in train (chosen with the seed; for one seed
    the kept items for k are a subset of those for any larger k; with
    ``strata``, each stratum keeps about its share).
    ``rare_class``: int label, default the least frequent class. ``classes``:
    optional names indexed by label, used only in messages. ``strata``:
    optional (N,) values (e.g. each SV item's type) that the shares are balanced
    on within each class as well: every (class, stratum) pair weighs in the
    placement like a class of its own, but only classes must reach every split.

    Raises ValueError naming the class when a class is held by fewer than 3
    groups (it cannot reach every split).
    """
    y = np.asarray(y)
    groups = np.asarray(groups)
    if y.ndim != 1 or groups.shape != y.shape:
        raise ValueError(f"y and groups must be 1-D and of equal length, got {y.shape} and {groups.shape}")
    if len(y) == 0:
        raise ValueError("no items to split")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold integer labels, got dtype {y.dtype}")
    frac = _check_fractions(fractions)

    class_codes, y_idx = np.unique(y, return_inverse=True)
    group_names, g_idx = np.unique(groups, return_inverse=True)
    counts = np.zeros((len(group_names), len(class_codes)), dtype=np.int64)
    np.add.at(counts, (g_idx, y_idx), 1)

    def name(k):
        code = int(class_codes[k])
        if classes is not None and 0 <= code < len(classes):
            return f"'{classes[code]}' (label {code})"
        return f"label {code}"

    holding = (counts > 0).sum(axis=0)
    for k in np.flatnonzero(holding < 3):
        held_by = ", ".join(str(g) for g in group_names[counts[:, k] > 0])
        raise ValueError(
            f"class {name(k)} is held by only {holding[k]} group(s) ({held_by}); every split needs at "
            f"least one item of each class, so each class must be held by at least 3 groups. Use finer groups "
            f"(for SV pileups: a smaller encode.sv.group_block) or add items of this class.")

    assign_seq, scarcity_seq = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.default_rng(assign_seq)
    order = rng.permutation(len(group_names))
    order = order[np.argsort(-counts[order].sum(axis=1), kind="stable")]
    cost_counts = counts
    if strata is not None:
        strata = np.asarray(strata).astype(str)
        if strata.shape != y.shape:
            raise ValueError(f"strata must have one value per item, got {strata.shape} for {y.shape}")
        _, pair_idx = np.unique(np.stack([y_idx.astype(str), strata]), axis=1, return_inverse=True)
        cost_counts = np.zeros((len(group_names), pair_idx.max() + 1), dtype=np.int64)
        np.add.at(cost_counts, (g_idx, pair_idx.ravel()), 1)
    group_split = _assign_groups(counts, frac, order, name, cost_counts)

    item_split = group_split[g_idx]
    train, val, test = (np.flatnonzero(item_split == s).astype(np.int64) for s in range(3))
    unused = np.empty(0, dtype=np.int64)

    if max_train_positives is not None:
        k = int(max_train_positives)
        if k < 0 or k != max_train_positives:
            raise ValueError(f"max_train_positives must be a non-negative integer or None, got {max_train_positives!r}")
        if rare_class is None:
            totals = counts.sum(axis=0)
            rare_class = int(class_codes[np.argmin(totals)])
        elif rare_class not in class_codes:
            raise ValueError(f"rare_class {rare_class} is not among the labels {class_codes.tolist()}")
        rare_train = train[y[train] == rare_class]
        if k >= len(rare_train):
            log.warning("max_train_positives=%d but train holds only %d items of the rare class %s; "
                        "nothing dropped", k, len(rare_train), name(int(np.searchsorted(class_codes, rare_class))))
        else:
            # a permutation then a prefix: the kept set for k is inside the one for any larger k
            perm = np.random.default_rng(scarcity_seq).permutation(len(rare_train))
            if strata is not None:  # interleaved by stratum: any prefix holds each about in its share
                _, s_idx, s_n = np.unique(strata[rare_train[perm]], return_inverse=True, return_counts=True)
                rank = np.zeros(len(perm))
                for v in range(len(s_n)):
                    rank[s_idx == v] = (np.arange(s_n[v]) + 0.5) / s_n[v]
                perm = perm[np.argsort(rank, kind="stable")]
            unused = np.sort(rare_train[perm[k:]])
            train = np.setdiff1d(train, unused, assume_unique=True)
    return Split(train=train, val=val, test=test, unused=unused)


def split_counts(y, classes, split):
    """Items per split and class: DataFrame with columns split, class, n.

    One row per split (train, val, test, unused) x class (in ``classes`` order),
    zeros included.
    """
    y = np.asarray(y)
    if not isinstance(split, Split):  # a dict of arrays will do
        split = Split(**{s: np.asarray(split[s], dtype=np.int64) for s in SPLITS})
    labels = split.labels(len(y))
    if len(y) and (y.min() < 0 or y.max() >= len(classes)):
        raise ValueError(f"labels must lie in 0..{len(classes) - 1} to index classes {list(classes)}")
    rows = [(s, str(c), int(np.sum((labels == s) & (y == i)))) for s in SPLITS for i, c in enumerate(classes)]
    df = pd.DataFrame(rows, columns=["split", "class", "n"])
    df["n"] = df["n"].astype(np.int64)
    return df


def save_split(path, split):
    """Write ``split.npz`` (int64 arrays train, val, test, unused) atomically."""
    path = str(path)
    arrays = {s: np.asarray(split[s], dtype=np.int64) for s in SPLITS}
    _check_disjoint(path, arrays)
    save_arrays(path, arrays)


def load_split(path):
    """Read ``split.npz`` into a ``Split``."""
    with np.load(path, allow_pickle=False) as z:
        missing = [s for s in SPLITS if s not in z.files]
        if missing:
            raise InputError(path, f"not a split file: array(s) {', '.join(missing)} missing; "
                                   f"re-run the split_dataset rule")
        arrays = {s: z[s] for s in SPLITS}
    for s, a in arrays.items():
        if a.ndim != 1 or not np.issubdtype(a.dtype, np.integer):
            raise InputError(path, f"array {s} must be 1-D integer indices, got {a.dtype} {a.shape}")
        arrays[s] = a.astype(np.int64)
    _check_disjoint(path, arrays)
    return Split(**arrays)


def _check_fractions(fractions):
    frac = np.asarray(fractions, dtype=np.float64)
    if frac.shape != (3,) or np.any(frac <= 0) or abs(frac.sum() - 1) > 1e-6:
        raise ValueError(f"fractions must be three positive shares (train, val, test) summing to 1, "
                         f"got {list(fractions)}")
    return frac


def _check_disjoint(path, arrays):
    allidx = np.concatenate([arrays[s] for s in SPLITS])
    if len(np.unique(allidx)) != len(allidx):
        raise InputError(path, "an item index appears in more than one split (or twice in one)")


def _assign_groups(counts, frac, order, name, cost_counts):
    """Split (0 train, 1 val, 2 test) of each group; see the module docstring. ``counts``: items per
    group and class (every class must reach every split); ``cost_counts``: items per group and
    balanced stratum (the classes themselves, or class x stratum pairs)."""
    n_groups, n_classes = counts.shape
    totals = cost_counts.sum(axis=0).astype(np.float64)
    target = frac[:, None] * totals[None, :]
    filled = np.zeros((3, cost_counts.shape[1]))
    split_of = np.full(n_groups, -1, dtype=np.int64)

    def cost_increase(g):  # (3,) change of the relative squared error for each split
        n = cost_counts[g]
        return (n * (2 * (filled - target) + n) / totals ** 2).sum(axis=1)

    # step 1: each class in every split (most constrained class first), with backtracking
    holders = {k: [g for g in order if counts[g, k] > 0] for k in range(n_classes)}
    class_order = sorted(range(n_classes), key=lambda k: (len(holders[k]), k))
    budget = [_SEED_SEARCH_BUDGET]
    stuck = set()  # classes that ran out of free groups somewhere in the search

    def cover():
        for k in class_order:
            have = {split_of[g] for g in holders[k] if split_of[g] >= 0}
            lacking = [s for s in range(3) if s not in have]
            if lacking:
                break
        else:
            return True
        s = lacking[0]
        free = [g for g in holders[k] if split_of[g] < 0]
        free.sort(key=lambda g: cost_increase(g)[s])  # stable: ties keep the seeded order
        if not free:
            stuck.add(k)
        for g in free:
            budget[0] -= 1
            if budget[0] < 0:
                return False
            split_of[g] = s
            filled[s] += cost_counts[g]
            if cover():
                return True
            split_of[g] = -1
            filled[s] -= cost_counts[g]
        return False

    if not cover():
        which = ", ".join(name(k) for k in sorted(stuck)) or "(search budget exhausted)"
        raise ValueError(f"could not place every class in all of train, val and test without splitting a "
                         f"group; stuck on class(es) {which}. Use finer groups.")

    # step 2: the rest, largest first, each to the split it helps most
    for g in order:
        if split_of[g] < 0:
            s = int(np.argmin(cost_increase(g)))
            split_of[g] = s
            filled[s] += cost_counts[g]
    return split_of
