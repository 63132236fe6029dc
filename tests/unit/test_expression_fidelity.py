import numpy as np
import pytest
from expression_sim import simulate

from genaug import fidelity
from genaug.fidelity import expression as fx


def _sets(seed=0, n=(60, 60)):
    X, y, *_ = simulate(n_per_class=n, n_modules=4, module_size=6, seed=seed)
    return X.astype(np.float64), y


def test_gamma_identical_independent_and_a_copy():
    A, _ = _sets(0)
    B, _ = _sets(1)
    assert fx.gamma(A, A) == pytest.approx(1.0)
    # a fresh sample of the same structure agrees; independent genes keep no structure
    assert fx.gamma(A, B) > 0.9
    rng = np.random.default_rng(0)
    indep = rng.standard_normal(A.shape)
    assert abs(fx.gamma(indep, A)) < 0.3
    # shuffling each gene's values across samples keeps marginals, destroys co-expression
    shuffled = np.column_stack([rng.permutation(c) for c in A.T])
    assert fx.gamma(shuffled, B) < 0.3 and fx.gamma(A, B) - fx.gamma(shuffled, B) > 0.6


def test_forest_auc_identical_versus_shifted():
    A, _ = _sets(0)
    B, _ = _sets(1)
    same, n = fx.forest_auc(A, B, seed=0)
    assert n == len(A) and 0.3 < same < 0.7
    far, _ = fx.forest_auc(A, B + 1.5, seed=0)
    assert far > 0.95
    # independent genes with the right marginals: a non-linear classifier sees the lost correlation
    rng = np.random.default_rng(0)
    indep = np.column_stack([rng.permutation(c) for c in B.T])
    assert fx.forest_auc(A, indep, seed=0)[0] > same + 0.1


def test_evaluate_reference_copy_and_tstr():
    T, yT = _sets(0, (50, 50))
    H, yH = _sets(1, (40, 40))
    fresh, yF = _sets(2, (50, 50))
    lab = np.array(["A", "B"])
    good = fidelity.evaluate("expression", T, H, fresh, seed=0, train_labels=lab[yT], heldout_labels=lab[yH],
                             synthetic_labels=lab[yF])
    m = good["metrics"]
    assert set(fx.BETTER) <= set(m)
    assert abs(m["gamma"]["synthetic"] - m["gamma"]["reference"]) < 0.05
    assert m["two_sample_auc_forest"]["synthetic"] < 0.75
    assert m["tstr_macro_f1"]["synthetic"] > 0.8 * m["tstr_macro_f1"]["reference"]
    assert m["identical_share"]["synthetic"] == 0
    copy = fidelity.evaluate("expression", T, H, T.copy(), seed=0, train_labels=lab[yT], heldout_labels=lab[yH],
                             synthetic_labels=lab[yT])["metrics"]
    assert copy["identical_share"]["synthetic"] == 1.0
    # on top of the training rows (the AATS sets are drawn separately, so not every copy meets its twin)
    assert copy["aats_train"]["synthetic"] < copy["aats_train"]["reference"] - 0.15
    assert copy["privacy_loss"]["synthetic"] > copy["privacy_loss"]["reference"] + 0.2
    # against held-out, a copy scores gamma as the real reference does, which is why it is not enough
    assert copy["gamma"]["synthetic"] == pytest.approx(copy["gamma"]["reference"])
    # wrong labels on the synthetic side: TSTR collapses, TRTR does not move
    flipped = fidelity.evaluate("expression", T, H, fresh, seed=0, train_labels=lab[yT], heldout_labels=lab[yH],
                                synthetic_labels=lab[1 - yF])["metrics"]["tstr_macro_f1"]
    assert flipped["synthetic"] < 0.5 and flipped["reference"] == m["tstr_macro_f1"]["reference"]
    assert len(good["curves"]["pca"]["synthetic"]) == 2


def test_marginals_are_compared_on_the_log_scale():
    T, _ = _sets(0)
    H, _ = _sets(1)
    S, _ = _sets(2)
    mean = np.linspace(2, 12, T.shape[1])  # genes differ in level on the log scale
    sd = np.linspace(0.5, 2, T.shape[1])
    z = lambda X: (X - X.mean(0)) / X.std(0)  # standardised: every gene's mean near 0
    Tz, Hz, Sz = z(T), z(H), z(S)
    raw = fx.evaluate(Tz, Hz, Sz, seed=0, n_resamples=2)["metrics"]
    log = fx.evaluate(Tz, Hz, Sz, seed=0, n_resamples=2, scale=(mean, sd))["metrics"]
    assert log["mean_correlation"]["synthetic"] > 0.99 and log["sd_correlation"]["synthetic"] > 0.9
    assert abs(raw["mean_correlation"]["synthetic"]) < 0.9
    assert log["gamma"] == raw["gamma"]  # gamma does not depend on each gene's scale


def test_leak_audit_of_the_given_file_sets_flags_copies_and_not_fresh_profiles():
    T, yT = _sets(0, (50, 50))
    H, yH = _sets(1, (40, 40))
    fresh, yF = _sets(2, (50, 50))
    lab = np.array(["A", "B"])
    kw = dict(seed=0, train_labels=lab[yT], heldout_labels=lab[yH], synthetic_labels=lab[yF])
    rare_T, rare_H = T[yT == 1], H[yH == 1]  # the synthetic file's class, train and held-out
    rng = np.random.default_rng(4)
    copies = rare_T[rng.integers(0, len(rare_T), 60)] + rng.normal(0, 0.01, (60, T.shape[1]))  # near-copies
    new = _sets(3, (0, 60))[0]
    for S, flagged in ((copies, True), (new, False)):
        out = fidelity.evaluate("expression", T, H, fresh, leak_sets=(rare_T, rare_H, S), **kw)
        leak = out["leak"]["synthetic"]
        assert leak["n"] == {"train": 50, "heldout": 40, "synthetic": 60}  # the file's sets, not the draw's
        assert leak["leak_flag"] is flagged, leak["leak_p"]
        assert all(m["leak_flag"] for m in out["leak"]["copy_controls"].values())
    assert fidelity.evaluate("expression", T, H, fresh, **kw)["leak"]["synthetic"]["n"]["synthetic"] == 100
    small = fx.leak(rare_T, rare_H[:1], new)
    assert small["synthetic"] is None and "1 held-out" in small["note"]


def test_gamma_on_a_population_draw_removes_the_sampling_penalty():
    # weak co-expression (three factors over 40 genes), 40 training and 20 held-out profiles: a draw
    # of the training size from a Gaussian fitted on T scores below gamma(T, H) by its own sampling
    # noise; a draw 10 times larger scores near it, and independent genes stay far below
    def mvn(rng, L, n):
        return rng.standard_normal((n, L.shape[1])) @ L.T + rng.standard_normal((n, L.shape[0]))

    at_n, pop, ind = [], [], []
    for s in range(8):
        rng = np.random.default_rng(s)
        L = rng.standard_normal((40, 3)) * 0.8
        T, H = mvn(rng, L, 40), mvn(rng, L, 20)
        fit = lambda n: rng.multivariate_normal(T.mean(0), np.cov(T, rowvar=False), n)
        ref = fx.gamma(T, H)
        at_n.append(fx.gamma(fit(40), H) - ref)
        pop.append(fx.gamma(fit(400), H) - ref)
        ind.append(fx.gamma(rng.standard_normal((400, 40)) * T.std(0), H) - ref)
    assert np.mean(at_n) < -0.03
    assert abs(np.mean(pop)) < 0.02
    assert np.mean(ind) < -0.5
    # evaluate: gamma and the marginals read the population draw, the training-size value beside it
    S, P = fit(40), fit(400)
    m = fx.evaluate(T, H, S, seed=0, n_resamples=2, population=P)["metrics"]
    assert m["gamma"]["synthetic"] == pytest.approx(fx.gamma(P, H))
    assert m["gamma"]["at_train_size"] == pytest.approx(fx.gamma(S, H))
    assert m["gamma"]["reference"] == pytest.approx(ref)
    assert m["sd_correlation"]["population_n"] == 400 and "at_train_size" in m["mean_correlation"]
    plain = fx.evaluate(T, H, S, seed=0, n_resamples=2)["metrics"]["gamma"]
    assert plain["synthetic"] == pytest.approx(fx.gamma(S, H)) and "at_train_size" not in plain
    with pytest.raises(ValueError, match="population"):
        fx.evaluate(T, H, S, seed=0, n_resamples=2, population=P[:, :5])
