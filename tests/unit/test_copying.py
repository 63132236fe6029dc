"""Li and Stephens' copying model (``li_stephens``): its likelihood against a sum over every copying
path, its switches against their formula, the rates it fits, and the generator through
``generators.train`` / ``sample``."""

import itertools
import logging

import numpy as np
import pytest
import torch

from genaug import generators
from genaug.generators import copying


def path_sum_log_likelihood(panel, target, gaps, first, rho, mutation, exclude=-1):
    """log P(target | panel) summed over every sequence of copied haplotypes (tiny panels only)."""
    rows = [k for k in range(len(panel)) if k != exclude]
    n = len(rows)
    s = copying.switch_probabilities(gaps, first, rho, n)
    total = 0.0
    for path in itertools.product(rows, repeat=len(target)):
        p = 1.0 / n
        for j, k in enumerate(path):
            if j:
                p *= (1 - s[j]) * (k == path[j - 1]) + s[j] / n
            p *= 1 - mutation if panel[k, j] == target[j] else mutation
        total += p
    return np.log(total)


def test_log_likelihood_is_the_sum_over_every_copying_path():
    rng = np.random.default_rng(0)
    panel = rng.integers(0, 2, (4, 6)).astype(np.uint8)
    targets = rng.integers(0, 2, (3, 6)).astype(np.uint8)
    gaps, first = copying.site_gaps(6, [100, 250, 900, 50, 60, 3000], contigs=[0, 3])
    got = copying.log_likelihood(panel, targets, gaps, first, rho=2.0, mutation=0.05, exclude=[-1, 1, 3])
    want = [path_sum_log_likelihood(panel, t, gaps, first, 2.0, 0.05, ex) for t, ex in zip(targets, [-1, 1, 3])]
    assert np.allclose(got, want, rtol=1e-10)


def test_switches_follow_the_distance_and_every_contig_starts_afresh():
    panel = np.array([[0] * 8, [1] * 8], np.uint8)  # the allele tells which haplotype is copied
    positions = [0, 0, 200, 1200, 5200, 5200, 0, 10]  # a second contig from site 6
    gaps, first = copying.site_gaps(8, positions, contigs=[0, 6])
    rho = 1e-3
    draws = next(copying.draw_chunks(panel, np.zeros(2, int), np.zeros(20000, int), gaps, first, rho, 0.0,
                                     np.random.default_rng(1), chunk=20000, no_copies=False))
    changed = (draws[:, 1:] != draws[:, :-1]).mean(0)
    want = 0.5 * -np.expm1(-rho * gaps[1:] / 2)  # a switch lands on the other haplotype half the time
    want[5] = 0.5  # site 6 starts a contig: drawn afresh although its position is lower
    assert np.allclose(changed, want, atol=0.015)
    assert changed[0] == 0 and changed[4] == 0  # no distance, no switch


def test_site_gaps_refuse_positions_out_of_order_within_a_contig():
    with pytest.raises(ValueError, match="site 2 within a contig"):
        copying.site_gaps(3, [10, 30, 20])
    assert copying.site_gaps(3, [10, 30, 20], contigs=[0, 2])[0].tolist() == [0, 20, 0]


def test_fit_finds_long_copies_in_a_panel_of_near_twins_and_none_in_independent_sites():
    rng = np.random.default_rng(0)
    founders = rng.integers(0, 2, (8, 200)).astype(np.uint8)
    twins = np.repeat(founders, 6, axis=0)
    twins ^= (rng.random(twins.shape) < 0.002).astype(np.uint8)
    independent = rng.integers(0, 2, (48, 200)).astype(np.uint8)
    gaps, first = copying.site_gaps(200, np.arange(200) * 100)
    settings = generators.resolve("li_stephens")
    near = copying.fit(twins, np.zeros(48, int), gaps, first, settings, np.random.default_rng(0))
    far = copying.fit(independent, np.zeros(48, int), gaps, first, settings, np.random.default_rng(0))
    # near twins: about one switch per haplotype or fewer; independent sites: a fresh copy at nearly every site
    assert near["rho"] * 100 * 200 / 47 < 2 and near["mutation"] < 0.01
    assert -np.expm1(-far["rho"] * 100 / 47) > 0.8
    given = copying.fit(twins, np.zeros(48, int), gaps, first, {**settings, "rho": 0.5}, np.random.default_rng(0))
    assert given["rho"] == 0.5 and given["fitted"] == ["mutation"]


def test_no_draw_equals_a_training_haplotype(tmp_path):
    X = np.array([[0] * 10, [1] * 10], np.uint8)
    gaps, first = copying.site_gaps(10)
    copies = next(copying.draw_chunks(X, np.zeros(2, int), np.zeros(300, int), gaps, first, 1e-4, 1e-3,
                                      np.random.default_rng(0), chunk=300, no_copies=False))
    assert (copies[:, None, :] == X[None]).all(-1).any(-1).mean() > 0.9
    drawn = next(copying.draw_chunks(X, np.zeros(2, int), np.zeros(300, int), gaps, first, 1e-4, 1e-3,
                                     np.random.default_rng(0), chunk=300))
    assert not (drawn[:, None, :] == X[None]).all(-1).any()


def test_trains_and_draws_each_condition_from_its_own_haplotypes_on_several_contigs(tmp_path, caplog):
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.random((30, 40)) < 0.1, rng.random((30, 40)) < 0.9]).astype(np.uint8)
    cond = np.array(["A"] * 30 + ["B"] * 30)
    positions = np.concatenate([np.arange(20) * 50, np.arange(20) * 50])
    r = generators.train("li_stephens", X, cond=cond, layout="binary", out_dir=tmp_path, seed=3,
                         contigs=[0, 20], positions=positions)
    m = torch.load(r.model, weights_only=True)
    assert m["fit"]["rho"] > 0 and 0 < m["fit"]["mutation"] < 0.25
    S, c = generators.sample(r.model, 200, cond=np.array(["A", "B"] * 100), seed=4, return_cond=True)
    assert S.shape == (200, 40) and S.dtype == np.uint8
    assert S[c == "A"].mean() < 0.3 and S[c == "B"].mean() > 0.7  # training shares 0.1 and 0.9
    assert np.array_equal(S, generators.sample(r.model, 200, cond=np.array(["A", "B"] * 100), seed=4))
    with caplog.at_level(logging.WARNING):
        generators.train("li_stephens", X, layout="binary", out_dir=tmp_path / "nopos")
    assert "no site positions" in caplog.text
    with pytest.raises(ValueError, match="binary"):
        generators.train("li_stephens", np.zeros((4, 3, 8, 8), np.float32), layout="image", out_dir=tmp_path / "img")


def test_clusters_keep_each_draw_within_one_ancestry_on_every_contig(tmp_path, caplog):
    rng = np.random.default_rng(0)
    # one label, two ancestries: ancestry a's alleles are mostly a on both contigs
    X = np.concatenate([rng.random((40, 30)) < 0.1, rng.random((40, 30)) < 0.9]).astype(np.uint8)
    kw = dict(layout="binary", contigs=[0, 15], positions=np.concatenate([np.arange(15), np.arange(15)]) * 100)
    with caplog.at_level(logging.WARNING):
        plain = generators.train("li_stephens", X, out_dir=tmp_path / "plain", **kw)
    assert "one population over 2 contigs and clusters 0" in caplog.text
    grouped = generators.train("li_stephens", X, settings={"clusters": 2}, out_dir=tmp_path / "grouped", **kw)
    m = torch.load(grouped.model, weights_only=True)
    assert sorted(np.bincount(m["pool_group"].numpy()).tolist()) == [40, 40]

    def agreement(model):  # correlation of a draw's ALT share on contig 1 with that on contig 2
        S = generators.sample(model, 400, seed=1).astype(float)
        return np.corrcoef(S[:, :15].mean(1), S[:, 15:].mean(1))[0, 1]

    assert agreement(grouped.model) > 0.7 and abs(agreement(plain.model)) < 0.2
    S = generators.sample(grouped.model, 400, seed=1)
    assert abs((S[:, :15].mean(1) > 0.5).mean() - 0.5) < 0.1  # the groups at their training shares
