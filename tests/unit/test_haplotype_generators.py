"""Haplotype generators (binary layout): the Yelmen et al. MLP GAN (``mlpgan``), the RBM
(``rbm``), the autoregressive GRU (``gru``) and the shared ``wgan_gp`` / ``cvae`` on 0/1 items.
Everything on CPU, tiny shapes."""

import numpy as np
import pytest
import torch

from genaug import generators
from genaug.generators.family import Family

TINY = {
    "mlpgan": {"steps": 3, "batch_size": 4, "latent": 8, "log_every": 1},
    "rbm": {"steps": 3, "batch_size": 4, "hidden": 4, "chains": 4, "sample_steps": 3, "log_every": 1},
    "gru": {"steps": 3, "batch_size": 4, "hidden": 8, "embed": 4, "log_every": 1},
    "wgan_gp": {"steps": 3, "batch_size": 4, "latent": 8, "hidden": 16, "blocks": 2, "log_every": 1},
    "cvae": {"steps": 3, "batch_size": 4, "latent": 8, "hidden": 16, "blocks": 2, "log_every": 1},
}


def haplotypes(n=12, snps=16, seed=0):
    return (np.random.default_rng(seed).random((n, snps)) < 0.3).astype(np.uint8)


def fit(generator, X, out_dir, cond=None, seed=1, stop_after=None, **settings):
    return generators.train(generator, X, cond=cond, layout="binary", settings={**TINY[generator], **settings},
                        seed=seed, out_dir=out_dir, threads=1, stop_after=stop_after)


@pytest.mark.parametrize("generator", ["mlpgan", "rbm", "gru", "wgan_gp", "cvae"])
def test_few_steps_emit_valid_haplotypes(generator, tmp_path):
    X = haplotypes()
    cond = np.array(["CEU", "CHB", "YRI"] * 4)
    result = fit(generator, X, tmp_path, cond=cond)
    assert result.completed and result.steps == 3
    history = (tmp_path / "history.tsv").read_text().splitlines()
    assert len(history) == 4 and history[0].startswith("step\t")
    S, c = generators.sample(result.model, 9, cond="CHB", seed=2, return_cond=True)
    assert S.shape == (9, 16) and S.dtype == np.uint8 and set(np.unique(S)) <= {0, 1}
    assert list(c) == ["CHB"] * 9
    S = generators.sample(result.model, 5, seed=2)  # populations at their training frequencies
    assert S.shape == (5, 16) and generators.make_layout("binary", X).problems(S) == []


@pytest.mark.parametrize("generator", ["mlpgan", "rbm", "gru"])
def test_haplotype_generators_refuse_other_layouts(generator, tmp_path):
    assert generators.supports(generator, "binary") and not generators.supports(generator, "image")
    assert generators.supports("cvae", "image")
    X = np.zeros((4, 3, 5), np.int8)
    X[:, 0] = 1
    with pytest.raises(ValueError, match=f"generator {generator} learns binary items, not sequence"):
        generators.train(generator, X, layout="sequence", settings=TINY[generator], out_dir=tmp_path)


YELMEN = {"g_hidden": [1 / 1.2, 1 / 1.1], "d_hidden": [1 / 2, 1 / 3]}  # their layer sizes, as fractions


def test_gan_networks_are_sized_after_yelmen(tmp_path):
    X = haplotypes(snps=120)
    result = fit("mlpgan", X, tmp_path, cond=np.array(["a", "b"] * 6), steps=1, **YELMEN)
    G = torch.load(result.model, weights_only=True)["nets"]["generator"]
    # latent 8 + 2 conditions -> 120 / 1.2 -> 120 / 1.1 -> 120
    assert [tuple(v.shape) for k, v in G.items() if k.endswith("weight")] == [(100, 10), (109, 100), (120, 109)]
    from genaug.device import Precision
    from genaug.generators.mlpgan import MLPGAN
    from genaug.layouts import make_layout
    fam = MLPGAN(make_layout("binary", X), generators.resolve("mlpgan", YELMEN), 2, Precision("cpu"))
    D = fam.nets["discriminator"]
    # 120 + 2 -> 120 / 2 -> 120 / 3 -> 1, the last layer also seeing the batch's spread (minibatch_std)
    assert [tuple(m.weight.shape) for m in D.body if hasattr(m, "weight")] + [tuple(D.head.weight.shape)] == [
        (60, 122), (40, 60), (1, 41)]
    assert [m.negative_slope for m in D.body if isinstance(m, torch.nn.LeakyReLU)] == [0.01, 0.01]
    groups = fam.optimizers["generator"].param_groups  # L2 on weights only: decay 2 x l2
    assert groups[0]["weight_decay"] == 2e-4 and groups[1]["weight_decay"] == 0.0
    assert all(p.dim() == 2 for p in groups[0]["params"]) and all(p.dim() == 1 for p in groups[1]["params"])


def test_gan_alleles_are_the_generator_output_rounded(tmp_path):
    X = haplotypes()
    result = fit("mlpgan", X, tmp_path, steps=2)
    from genaug.device import Precision
    from genaug.generators.mlpgan import MLPGAN
    from genaug.layouts import make_layout
    m = torch.load(result.model, weights_only=True)
    fam = MLPGAN(make_layout("binary", X), m["settings"], 0, Precision("cpu"), train=False)
    fam.nets["generator"].load_state_dict(m["nets"]["generator"])
    fam.nets["generator"].eval()
    g = torch.Generator().manual_seed(7)
    with torch.no_grad():
        z = fam.latent(6, g)
        expected = (torch.sigmoid(fam.nets["generator"](z, torch.zeros(6, 0))) > 0.5).numpy().astype(np.uint8)
    np.testing.assert_array_equal(generators.sample(result.model, 6, seed=7), expected)


def test_rbm_visible_biases_start_at_allele_frequencies(tmp_path):
    X = np.array([[1, 0], [1, 1], [0, 0], [1, 0]], np.uint8)
    result = fit("rbm", X, tmp_path, cond=np.array(["x", "x", "y", "y"]), steps=1, lr=0.0)
    state = torch.load(result.model, weights_only=True)["nets"]["rbm"]

    def logit(p):
        return np.log(p / (1 - p))

    # all: (3/4, 1/4); x: (1, 1/2) -> (7/8, 1/2); y: (1/2, 0) -> (1/2, 1/8), clipped at 1 / (2n) = 1/8
    np.testing.assert_allclose(state["a"].numpy(), logit(np.array([0.75, 0.25])), rtol=1e-6)
    np.testing.assert_allclose((state["a"] + state["A"]).numpy(), logit(np.array([[0.875, 0.5], [0.5, 0.125]])),
                               rtol=1e-5)
    np.testing.assert_allclose(state["start"].numpy(), [[0.875, 0.5], [0.5, 0.125]])


def linked_blocks(n, rng):
    """Two blocks of 10 perfectly linked sites: block A is 1 with p 0.2 (population X) or 0.7 (Y),
    block B with p 0.7 (X) or 0.3 (Y), independently."""
    pop = np.array(["X", "Y"])[rng.integers(0, 2, n)]
    a = rng.random(n) < np.where(pop == "X", 0.2, 0.7)
    b = rng.random(n) < np.where(pop == "X", 0.7, 0.3)
    return np.concatenate([np.repeat(a[:, None], 10, 1), np.repeat(b[:, None], 10, 1)], 1).astype(np.uint8), pop


def assert_linked_blocks(model, X, pop, within_mean, within_min, across):
    """Samples of each population keep its block frequencies (within 0.1), the linkage inside
    each block (r^2 mean and smallest pair above the bounds) and the blocks' independence."""
    for p in ("X", "Y"):
        S = generators.sample(model, 2000, cond=p, seed=3).astype(np.float64)
        real = X[pop == p]
        for block in (slice(0, 10), slice(10, 20)):
            assert abs(S[:, block].mean() - real[:, block].mean()) < 0.1, (p, block)
        r = np.corrcoef(S.T)
        within = np.r_[r[:10, :10][np.triu_indices(10, 1)], r[10:, 10:][np.triu_indices(10, 1)]] ** 2
        assert within.mean() > within_mean and within.min() > within_min, (p, within.mean(), within.min())
        assert np.abs(r[:10, 10:]).max() < across  # the blocks stay independent


# Tolerances: over training seeds 1-3 the worst values measured were a block-frequency error
# of 0.071, a mean within-block r^2 of 0.83 (smallest pair 0.78) and an across-block |r| of
# 0.13 (seed 1, tested here: 0.028, 0.87, 0.036); an untrained RBM (lr 0) keeps the
# frequencies (error 0.005) but gives within-block r^2 of 0.
def test_rbm_reproduces_frequencies_and_linkage_of_a_known_distribution(tmp_path):
    X, pop = linked_blocks(400, np.random.default_rng(0))
    settings = {"steps": 1500, "hidden": 8, "chains": 128, "batch_size": 64, "sample_steps": 100, "lr": 0.05,
                "log_every": 10_000, "checkpoint_every": 10_000}
    result = generators.train("rbm", X, cond=pop, layout="binary", settings=settings, seed=1, out_dir=tmp_path,
                          threads=1)
    assert_linked_blocks(result.model, X, pop, within_mean=0.75, within_min=0.6, across=0.15)


def test_gru_output_biases_start_at_allele_frequencies(tmp_path):
    X = np.array([[1, 0], [1, 1], [0, 0], [1, 0]], np.uint8)
    result = fit("gru", X, tmp_path, steps=1, lr=0.0)
    state = torch.load(result.model, weights_only=True)["nets"]["gru"]
    # (3/4, 1/4), within the clip at 1 / (2n) = 1/8; output weights 0: the untrained model draws them
    np.testing.assert_allclose(state["out_b"].numpy(), np.log([3.0, 1 / 3]), rtol=1e-6)
    assert not state["out_w"].any()
    S = generators.sample(result.model, 4000, seed=2)
    np.testing.assert_allclose(S.mean(0), [0.75, 0.25], atol=0.03)


# Tolerances: over training seeds 1-3 the worst values measured were a block-frequency error
# of 0.065, a mean within-block r^2 of 0.993 (smallest pair 0.98) and an across-block |r| of
# 0.149; an untrained model (lr 0) gives frequency errors of 0.26 (its starting allele
# frequencies are the pooled ones) and within-block r^2 of 0.001.
def test_gru_reproduces_frequencies_and_linkage_of_a_known_distribution(tmp_path):
    X, pop = linked_blocks(400, np.random.default_rng(0))
    settings = {"steps": 300, "hidden": 16, "embed": 4, "batch_size": 64, "lr": 0.01,
                "log_every": 10_000, "checkpoint_every": 10_000}
    result = generators.train("gru", X, cond=pop, layout="binary", settings=settings, seed=1, out_dir=tmp_path,
                          threads=1)
    assert_linked_blocks(result.model, X, pop, within_mean=0.9, within_min=0.8, across=0.2)


@pytest.mark.parametrize("generator", ["mlpgan", "rbm", "gru"])
def test_same_seed_same_haplotypes(generator, tmp_path):
    X = haplotypes()
    a = fit(generator, X, tmp_path / "a", steps=4)
    b = fit(generator, X, tmp_path / "b", steps=4)
    Sa, Sb = generators.sample(a.model, 9, seed=5), generators.sample(b.model, 9, seed=5)
    np.testing.assert_array_equal(Sa, Sb)
    assert not np.array_equal(Sa, generators.sample(a.model, 9, seed=6))
    c = fit(generator, X, tmp_path / "c", steps=4, seed=2)  # another training seed, other weights
    wa, wc = (torch.load(r.model, weights_only=True)["nets"] for r in (a, c))
    assert any(not torch.equal(wa[n][k], wc[n][k]) for n in wa for k in wa[n])


@pytest.mark.parametrize("generator", ["mlpgan", "rbm", "gru"])
def test_killed_run_resumes_to_the_same_weights(generator, tmp_path):
    X = haplotypes()
    cond = np.array(["p", "q"] * 6)
    opts = {"steps": 10, "checkpoint_every": 3}
    whole = fit(generator, X, tmp_path / "whole", cond=cond, **opts)
    killed = fit(generator, X, tmp_path / "split", cond=cond, stop_after=7, **opts)
    assert not killed.completed and not (tmp_path / "split" / "model.pt").exists()
    resumed = fit(generator, X, tmp_path / "split", cond=cond, **opts)
    assert resumed.completed and resumed.resumed_from == 6 and resumed.steps == 10
    a = torch.load(whole.model, weights_only=True)["nets"]
    b = torch.load(resumed.model, weights_only=True)["nets"]
    for net in a:
        for k in a[net]:
            assert torch.equal(a[net][k], b[net][k]), (net, k)
    history = [(tmp_path / run / "history.tsv").read_text() for run in ("whole", "split")]
    assert history[0] == history[1]


@pytest.mark.parametrize("generator", ["rbm", "gru"])
def test_annealed_checkpoint_of_other_steps_is_not_resumed(generator, tmp_path):
    """Their learning rate anneals over the last share of ``steps``: another total is another run."""
    X = haplotypes()
    fit(generator, X, tmp_path, steps=6, checkpoint_every=2, stop_after=5)
    assert fit(generator, X, tmp_path, steps=8, checkpoint_every=2).resumed_from == 0


def test_checkpoint_of_other_steps_is_resumed_without_annealing(tmp_path):
    X = haplotypes()
    fit("rbm", X, tmp_path / "rbm", steps=6, checkpoint_every=2, stop_after=5, anneal=0)
    assert fit("rbm", X, tmp_path / "rbm", steps=8, checkpoint_every=2, anneal=0).resumed_from == 4
    fit("mlpgan", X, tmp_path / "mlpgan", steps=6, checkpoint_every=2, stop_after=5)
    assert fit("mlpgan", X, tmp_path / "mlpgan", steps=8, checkpoint_every=2).resumed_from == 4


def test_learning_rate_is_constant_then_falls_linearly_over_the_anneal_share():
    fam = Family.__new__(Family)
    fam.settings = {"lr": 2.0, "steps": 10, "anneal": 0.2}
    lrs = [fam.lr(step) for step in range(1, 11)]
    assert lrs == [2.0] * 9 + [1.0]
    fam.settings = {"lr": 2.0, "steps": 100, "anneal": 0.5}
    lrs = [fam.lr(step) for step in range(1, 101)]
    assert lrs[:51] == [2.0] * 51 and all(a > b for a, b in zip(lrs[50:], lrs[51:])) and lrs[-1] == 2.0 / 50
    fam.settings = {"lr": 2.0, "steps": 10, "anneal": 0}
    assert {fam.lr(step) for step in range(1, 11)} == {2.0}


def test_gru_state_restarts_at_each_contig():
    from genaug.generators.gru import HaplotypeGRU, windows
    torch.manual_seed(0)
    net = HaplotypeGRU(12, 0, 8, 4, n_contigs=2)
    with torch.no_grad():
        net.out_w.normal_()
    pos, scored, first = windows([0, 6], 12, 4, 2)
    assert first.tolist() == [True, False, True, False]  # windows at a contig's start have no burn-in
    # every SNP scored exactly once, no window crosses the contig start at 6
    assert sorted(pos[scored].tolist()) == list(range(12))
    assert all((row < 6).all() or (row >= 6).all() for row in pos)
    contig = (pos[:, 0] >= 6).long()
    c = torch.zeros(2, 0)
    v = torch.zeros(2, 12)
    w = v.clone()
    w[:, :6] = 1  # other alleles on contig 0 only
    a, b = net(v, c, pos, first, contig), net(w, c, pos, first, contig)
    on_b = contig == 1
    torch.testing.assert_close(a[:, on_b], b[:, on_b])  # contig 1 does not see contig 0
    assert not torch.allclose(a[:, ~on_b], b[:, ~on_b])


@pytest.mark.parametrize("window,windowed", [(0, False), (4, False), (4, True)])
def test_gru_on_two_contigs_keeps_linkage_within_and_independence_between(tmp_path, window, windowed):
    # the two linked blocks as two contigs; with windows of 4 (burn-in 4) the block is still learned,
    # and drawn window by window (each window's state warmed up on the 4 drawn SNPs before it) it is kept
    X, pop = linked_blocks(400, np.random.default_rng(0))
    settings = {"steps": 300, "hidden": 16, "embed": 4, "batch_size": 64, "lr": 0.01, "window": window,
                "burn_in": 4, "sample_windowed": windowed, "log_every": 10_000, "checkpoint_every": 10_000}
    result = generators.train("gru", X, cond=pop, layout="binary", settings=settings, seed=1, out_dir=tmp_path,
                              threads=1, contigs=[0, 10])
    assert torch.load(result.model, weights_only=True)["contigs"] == [0, 10]
    assert_linked_blocks(result.model, X, pop, within_mean=0.9, within_min=0.8, across=0.2)


def test_gru_temperature_near_zero_draws_the_most_likely_alleles(tmp_path):
    X, pop = linked_blocks(200, np.random.default_rng(0))
    result = fit("gru", X, tmp_path, steps=1, lr=0.0)  # untrained: independent sites at the allele frequencies
    m = torch.load(result.model, weights_only=True)
    m["settings"]["temperature"] = 1e-4
    torch.save(m, tmp_path / "cold.pt")
    a, b = (generators.sample(tmp_path / "cold.pt", 50, seed=s) for s in (1, 2))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a[0], (X.mean(0) > 0.5).astype(a.dtype))


def test_classic_cuts_within_contigs_and_draws_each_contig_afresh(tmp_path):
    X = np.random.default_rng(0).integers(0, 2, (40, 20)).astype(np.uint8)
    result = generators.train("classic", X, layout="binary", settings={"crossovers": 0}, out_dir=tmp_path,
                              contigs=[0, 10])
    S = generators.sample(result.model, 200, seed=1)
    src = [[int(np.flatnonzero((X[:, h] == s[h]).all(1))[0]) for h in (slice(0, 10), slice(10, 20))] for s in S]
    src = np.array(src)  # the real item each contig of each synthetic item is (the lookup fails otherwise)
    assert (src[:, 0] != src[:, 1]).mean() > 0.9  # drawn independently: almost never the same item
    one = generators.train("classic", X, layout="binary", settings={"crossovers": 0}, out_dir=tmp_path / "one")
    S1 = generators.sample(one.model, 50, seed=1)
    assert all((X == s).all(1).any() for s in S1)  # one contig, no crossover: copies


def test_the_old_name_gan_still_trains_and_samples_the_mlp_gan(tmp_path):
    X = (np.random.default_rng(0).random((12, 16)) < 0.4).astype(np.uint8)
    assert generators.canonical("gan") == "mlpgan" and generators.resolve("gan") == generators.resolve("mlpgan")
    result = generators.train("gan", X, layout="binary", settings=TINY["mlpgan"], out_dir=tmp_path)
    assert torch.load(result.model, weights_only=True)["generator"] == "mlpgan"
    assert generators.sample(result.model, 3, seed=1).shape == (3, 16)


def test_gru_haplotype_groups_are_shares_found_per_contig_and_drawn_at_each_population_s_shares(tmp_path):
    # three founder haplotypes of 2 x 15 SNPs with 3 % of alleles flipped: population X carries
    # founders 0 and 1, population Y founder 2 only
    rng = np.random.default_rng(0)
    founders = rng.integers(0, 2, (3, 30))
    pop = np.array(["X", "Y"])[rng.integers(0, 2, 600)]
    which = np.where(pop == "Y", 2, rng.integers(0, 2, 600))
    X = (founders[which] ^ (rng.random((600, 30)) < 0.03)).astype(np.uint8)
    settings = {"steps": 300, "hidden": 16, "embed": 4, "batch_size": 64, "lr": 0.01, "window": 0, "clusters": 3,
                "log_every": 10_000, "checkpoint_every": 10_000}
    result = generators.train("gru", X, cond=pop, layout="binary", settings=settings, seed=1, out_dir=tmp_path,
                              threads=1, contigs=[0, 15])
    state = torch.load(result.model, weights_only=True)["nets"]["gru"]
    cent = state["centroids"].numpy()  # (contig, group, SNP): allele shares of a group, 0 off its contig
    assert cent.shape == (2, 3, 30) and (cent[0, :, 15:] == 0).all() and (cent[1, :, :15] == 0).all()
    for t, cols in enumerate((slice(0, 15), slice(15, 30))):
        near = np.abs(cent[t][:, None, cols] - founders[None, :, cols]).mean(-1).min(1)
        assert (near < 0.1).all()  # each group is one founder's carriers
        assert 0 < cent[t][:, cols].min() or 1 > cent[t][:, cols].max()  # shares, not one 0/1 haplotype
    for p, allowed in (("Y", [2]), ("X", [0, 1])):
        S = generators.sample(result.model, 400, cond=p, seed=3)
        halves = [np.abs(S[:, None, cols] - founders[None, :, cols]).sum(-1).argmin(1)
                  for cols in (slice(0, 15), slice(15, 30))]
        assert all(np.isin(h, allowed).mean() > 0.95 for h in halves)
        if p == "X":  # the contigs' groups are drawn independently: founders mix between contigs
            assert 0.3 < (halves[0] != halves[1]).mean() < 0.7


def test_gru_groups_of_segments_within_a_contig_follow_the_training_shares_given_the_segment_before(tmp_path):
    # one contig of 30 SNPs cut into group segments of 15: each item carries one founder along the
    # whole contig, so a segment's group given the one before is (almost) always the same founder's
    rng = np.random.default_rng(0)
    founders = rng.integers(0, 2, (3, 30))
    which = rng.integers(0, 3, 600)
    X = (founders[which] ^ (rng.random((600, 30)) < 0.03)).astype(np.uint8)
    settings = {"steps": 300, "hidden": 16, "embed": 4, "batch_size": 64, "lr": 0.01, "window": 0, "clusters": 3,
                "group_span": 15, "log_every": 10_000, "checkpoint_every": 10_000}
    result = generators.train("gru", X, layout="binary", settings=settings, seed=1, out_dir=tmp_path, threads=1)
    state = torch.load(result.model, weights_only=True)["nets"]["gru"]
    assert state["centroids"].shape == (2, 3, 30) and (state["centroids"][0, :, 15:] == 0).all()
    trans = state["trans"][0, 1] / state["trans"][0, 1].sum(1, keepdim=True)  # segment 2 given segment 1
    assert (trans.max(1).values > 0.95).all()
    S = generators.sample(result.model, 400, seed=3)
    halves = [np.abs(S[:, None, cols] - founders[None, :, cols]).sum(-1).argmin(1)
              for cols in (slice(0, 15), slice(15, 30))]
    assert (halves[0] == halves[1]).mean() > 0.95  # drawn independently, about a third would match
    assert 0.2 < (halves[0] == 0).mean() < 0.5  # every founder drawn at its share
