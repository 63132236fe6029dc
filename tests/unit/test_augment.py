"""Augmentation bookkeeping: rare class, training items, how many to draw."""

import numpy as np
import pandas as pd
import pytest

from genaug.augment import (
    generator_conditions,
    generator_items,
    n_to_balance,
    rare_class,
    rare_condition,
    save_synthetic,
)
from genaug.errors import InputError
from genaug.tensors import load_encoded


def test_rare_class_is_the_least_frequent_in_train():
    assert rare_class([0, 0, 0, 1, 1]) == 1
    assert rare_class([2, 0, 0, 2, 1]) == 1
    assert rare_class([0, 1]) == 1            # tie: the larger label
    with pytest.raises(ValueError):
        rare_class([])


def test_generator_items_come_from_train_only():
    y = np.array([1, 0, 0, 1, 1, 0, 0, 1])
    train = np.array([7, 0, 1, 2, 5])          # variants 0 and 7 in train; 3 and 4 elsewhere
    idx, rare = generator_items(y, train)
    assert rare == 1 and idx.tolist() == [0, 7]


@pytest.mark.parametrize("n_rare, n_other, balance, expected", [
    (53, 580, 0.5, 527),      # 580 - 53
    (10, 90, 0.25, 20),       # (10 + 20) / (100 + 20) = 0.25
    (30, 70, 0.2, 0),         # already above the balance: nothing to draw
    (1, 2, 0.5, 1),
])
def test_n_to_balance(n_rare, n_other, balance, expected):
    s = n_to_balance(n_rare, n_other, balance)
    assert s == expected
    if s:
        assert abs((n_rare + s) / (n_rare + n_other + s) - balance) < 1 / (n_rare + n_other)


def test_n_to_balance_rejects_impossible_balances():
    for b in (0, 1, 1.5):
        with pytest.raises(ValueError):
            n_to_balance(1, 2, b)


def test_save_synthetic_follows_the_contract(tmp_path):
    X = np.arange(3 * 2 * 4, dtype=np.uint8).reshape(3, 2, 4)
    save_synthetic(tmp_path / "s.npz", X, 1, ["non_variant", "variant"], "image", "classic",
                   condition=["DEL", "INS", "DEL"], channels=["a", "b"])
    enc = load_encoded(tmp_path / "s.npz")
    assert np.array_equal(enc.X, X) and enc.y.tolist() == [1, 1, 1]
    assert set(enc.groups) == {"synthetic:classic"} and enc.layout == "image"
    with np.load(tmp_path / "s.npz") as z:
        assert z["condition"].tolist() == ["DEL", "INS", "DEL"] and str(z["generator"]) == "classic"


def test_generator_items_all_takes_every_train_item():
    y = np.array([0, 1, 0, 0, 1, 0])
    idx, rare = generator_items(y, [5, 1, 2, 4])
    assert rare == 1 and idx.tolist() == [1, 4]
    idx, rare = generator_items(y, [5, 1, 2, 4], train_on="all")
    assert rare == 1 and idx.tolist() == [1, 2, 4, 5]
    with pytest.raises(ValueError, match="train_on"):
        generator_items(y, [0, 1], train_on="some")


def test_conditions_come_from_samples_tsv_and_name_the_rare_class(tmp_path):
    path = tmp_path / "samples.tsv"
    pd.DataFrame({"id": list("abcd"), "population": ["YRI", "CEU", "YRI", "CEU"],
                  "svtype": ["DEL", "DEL", "INS", "DEL"]}).to_csv(path, sep="\t", index=False)
    assert generator_conditions(path, "population", [3, 0]).tolist() == ["CEU", "YRI"]
    assert generator_conditions(path, None, [0]) is None
    with pytest.raises(InputError, match="has no column 'tissue'"):
        generator_conditions(path, "tissue", [0])
    y = np.array([1, 0, 1, 0])
    assert rare_condition(path, "population", y, 1) == "YRI"
    with pytest.raises(InputError, match="does not name the rare class"):
        rare_condition(path, "svtype", y, 1)


def test_bounded_subset_keeps_whole_groups_under_the_cap():
    from genaug.augment import bounded_subset
    idx = np.arange(100, 200)
    groups = np.repeat([f"g{k}" for k in range(25)], 4)  # 25 groups of 4 items
    assert bounded_subset(idx, groups, 100, seed=1).tolist() == idx.tolist()
    sub = bounded_subset(idx, groups, 30, seed=1)
    assert len(sub) == 28 and np.all(np.diff(sub) > 0) and set(sub) <= set(idx)
    kept = set(groups[sub - 100])
    assert all(set(np.flatnonzero(groups == g) + 100) <= set(sub) for g in kept)  # groups never cut
    assert bounded_subset(idx, groups, 30, seed=1).tolist() == sub.tolist()
    assert bounded_subset(idx, groups, 30, seed=2).tolist() != sub.tolist()
