"""Generators on expression profiles (vector layout), on the simulated modules."""

import numpy as np
import pytest
from expression_sim import simulate

from genaug import generators

SIM = dict(n_per_class=(150, 150), n_modules=4, module_size=6, seed=0)
TOLERANCE = 0.15  # |mean within-module r of synthetic - of real|, and largest mean |r| between modules


def _module_r(Z, y, module):
    same = (module[:, None] == module[None, :]) & ~np.eye(len(module), dtype=bool)
    other = module[:, None] != module[None, :]
    out = []
    for k in np.unique(y):
        C = np.corrcoef(Z[y == k], rowvar=False)
        out.append((C[same].mean(), np.abs(C[other]).mean()))
    return np.array(out)


@pytest.fixture(scope="module")
def data():
    X, y, genes, module, _ = simulate(**SIM)
    X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    return X, np.array(["A", "B"])[y], module


@pytest.mark.parametrize("generator,settings", [
    ("gaussian", {}),
    ("gaussian", {"covariance": "pooled", "marginals": "empirical"}),
    ("cvae", {"steps": 800, "lr": 3e-3, "batch_size": 64, "log_every": 10_000}),
    ("wgan_gp", {"steps": 20, "log_every": 10_000}),
    ("classic", {}),
])
def test_vector_generators_emit_finite_profiles_of_the_right_shape(generator, settings, data, tmp_path):
    X, cond, module = data
    r = generators.train(generator, X, cond=cond, layout="vector", settings=settings, seed=1, out_dir=tmp_path)
    S, c = generators.sample(r.model, 200, seed=2, return_cond=True)
    assert S.shape == (200, X.shape[1]) and S.dtype == np.float32 and np.isfinite(S).all()
    assert set(c) == {"A", "B"}
    again = generators.sample(r.model, 200, seed=2)
    np.testing.assert_array_equal(S, again)
    if generator in ("gaussian", "cvae"):
        real = _module_r(X, cond, module)
        syn = _module_r(S, c, module)
        assert np.all(np.abs(syn[:, 0] - real[:, 0]) < TOLERANCE), (generator, syn, real)
        assert np.all(syn[:, 1] < TOLERANCE), (generator, syn)
        # class means kept: module 0 is shifted in class B, the others are not
        shift = S[c == "B"].mean(0) - S[c == "A"].mean(0)
        real_shift = X[cond == "B"].mean(0) - X[cond == "A"].mean(0)  # about 0.7 sd in module 0
        assert abs(shift[module == 0].mean() - real_shift[module == 0].mean()) < 0.2
        assert shift[module == 0].mean() > 0.5 and np.abs(shift[module != 0]).mean() < 0.3


def test_gaussian_fixed_shrinkage_one_gives_independent_genes(data, tmp_path):
    X, cond, module = data
    r = generators.train("gaussian", X, cond=cond, layout="vector", settings={"shrinkage": 1.0}, seed=1,
                     out_dir=tmp_path)
    S, c = generators.sample(r.model, 400, seed=3, return_cond=True)
    assert _module_r(S, c, module)[:, 0].max() < 0.15


def test_gaussian_refuses_other_layouts(tmp_path):
    with pytest.raises(ValueError, match="gaussian learns vector items"):
        generators.train("gaussian", np.zeros((4, 10), np.uint8), layout="binary", out_dir=tmp_path)


def test_gaussian_copula_keeps_skewed_features_and_pooling_lends_a_small_class_the_structure(tmp_path):
    from scipy.stats import skew
    rng = np.random.default_rng(0)
    n = (300, 8)  # class B is tiny
    latent = rng.standard_normal((sum(n), 1))
    X = np.hstack([np.exp(latent + 0.3 * rng.standard_normal((sum(n), 3))),  # skewed, correlated genes
                   rng.standard_normal((sum(n), 3))]).astype(np.float32)
    cond = np.array(["A"] * n[0] + ["B"] * n[1])
    X[cond == "B", 3] += 3.0
    runs = {}
    for name, s in {"normal": {}, "copula": {"covariance": "pooled", "marginals": "empirical"}}.items():
        r = generators.train("gaussian", X, cond=cond, layout="vector", settings=s, seed=1, out_dir=tmp_path / name)
        runs[name] = generators.sample(r.model, 3000, seed=2, return_cond=True)
    S, c = runs["copula"]
    real_skew = skew(X[cond == "A", 0])
    assert real_skew > 1.5
    assert abs(skew(S[c == "A", 0]) - real_skew) < 0.5 * real_skew
    assert abs(skew(runs["normal"][0][runs["normal"][1] == "A", 0])) < 0.3
    centred = np.concatenate([X[cond == k, 0] - X[cond == k, 0].mean() for k in "AB"])
    drawn = S[c == "A", 0] - X[cond == "A", 0].mean()  # within the centred training values' range
    assert drawn.min() >= centred.min() - 1e-4 and drawn.max() <= centred.max() + 1e-4
    # class B's 8 rows alone hold little of the genes' correlation; pooled, it is class A's
    assert np.corrcoef(S[c == "B"][:, :3], rowvar=False)[np.triu_indices(3, 1)].min() > 0.6
    assert abs(S[c == "B", 3].mean() - X[cond == "B", 3].mean()) < 0.3


def test_gaussian_refuses_an_unknown_covariance(tmp_path):
    with pytest.raises(ValueError, match="covariance must be one of per_class, pooled"):
        generators.train("gaussian", np.zeros((6, 3), np.float32), cond=np.array(["a", "b"] * 3), layout="vector",
                         settings={"covariance": "full"}, out_dir=tmp_path)


def test_marginals_map_reproduces_quantiles_of_a_known_distribution():
    from genaug.generators import marginals
    rng = np.random.default_rng(0)
    X = rng.exponential(size=(400, 2))  # the training marginals
    state = marginals.fit(lambda k, n: rng.standard_normal((n, 2)), X, np.zeros(400, int), 0)
    mapped = marginals.apply(rng.standard_normal((4000, 2)), np.zeros(4000, int), state)
    for q in (0.1, 0.5, 0.9):  # exponential quantiles -log(1 - q), against the mapped normal draws
        assert abs(np.quantile(mapped[:, 0], q) - (-np.log(1 - q))) < 0.12, q
    z = rng.standard_normal((500, 2))
    order = np.argsort(z[:, 0])
    assert np.all(np.diff(marginals.apply(z, np.zeros(500, int), state)[order, 0]) >= 0)  # ranks are kept


def test_cvae_with_empirical_marginals_keeps_a_skewed_feature_and_its_training_range(tmp_path):
    from scipy.stats import skew
    rng = np.random.default_rng(0)
    f = rng.standard_normal((160, 1))
    X = np.exp(0.8 * f + 0.3 * rng.standard_normal((160, 6)))
    X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    cond = np.array(["a", "b"])[rng.integers(0, 2, 160)]
    S = {}
    for m in ("model", "empirical"):
        r = generators.train("cvae", X, cond=cond, layout="vector", settings={"steps": 200, "marginals": m},
                             seed=1, out_dir=tmp_path / m)
        S[m] = generators.sample(r.model, 1500, seed=2, return_cond=True)
    real = skew(X, axis=0).mean()
    assert real > 1.2 and abs(skew(S["model"][0], axis=0).mean()) < 0.6 * real
    Se, ce = S["empirical"]
    assert abs(skew(Se, axis=0).mean() - real) < 0.25 * real
    for k in "ab":
        assert Se[ce == k].min() >= X[cond == k].min() - 1e-4 and Se[ce == k].max() <= X[cond == k].max() + 1e-4


def test_empirical_marginals_only_for_vectors(tmp_path):
    with pytest.raises(ValueError, match="empirical for vector items only"):
        generators.train("wgan_gp", np.zeros((6, 10), np.uint8), layout="binary",
                         settings={"marginals": "empirical"}, out_dir=tmp_path)
