"""Detectors: summary features, strategies, validation-only threshold, the model file."""

import importlib

import numpy as np
import pytest
import torch

from genaug.detect import DETECTORS, feature_names, load_detector, strategies_of, summary_features, train_detector
from genaug.detect.calibrate import apply_temperature
from genaug.encode import channels as ch
from genaug.errors import InputError
from genaug.metrics import choose_threshold, roc_auc


def _pileup(n_items=1, H=4, W=8):
    return np.zeros((n_items, len(ch.CHANNELS), H, W), np.uint8)


def _put_read(X, i, row, cols, base="match", pair="concordant", clip=None, strand="forward", mapq=60):
    X[i, ch.BASE, row, cols] = ch.encode_categorical(ch.BASE_CODES, ch.BASE_CODES.index(base))
    X[i, ch.PAIR, row, cols] = ch.encode_categorical(ch.PAIR_CODES, ch.PAIR_CODES.index(pair))
    X[i, ch.STRAND, row, cols] = ch.encode_categorical(ch.STRAND_CODES, ch.STRAND_CODES.index(strand))
    X[i, ch.MAPPING_QUALITY, row, cols] = ch.scale_quality(mapq)
    if clip:
        X[i, ch.CLIP, row, cols] = ch.encode_categorical(ch.CLIP_CODES, ch.CLIP_CODES.index(clip))


def test_pileup_features_count_reads_clips_and_pairs_per_half_window():
    X = _pileup()
    _put_read(X, 0, 0, slice(0, 8))                                   # a read over everything
    _put_read(X, 0, 1, slice(0, 2), pair="insert_large", mapq=30)     # a discordant read, left outer quarter
    _put_read(X, 0, 2, slice(6, 8), clip="soft_clip", strand="reverse")  # a clipped read, right outer quarter
    f = dict(zip(feature_names("image", ch.CHANNELS), summary_features(X, "image", ch.CHANNELS)[0]))
    assert len(f) == 4 * 12 + 2
    assert f["left_out_depth"] == pytest.approx(4 / 8)                 # 4 read cells of 2 columns x 4 rows
    assert f["left_in_depth"] == pytest.approx(2 / 8)
    assert f["left_out_insert_large"] == pytest.approx(2 / 4)
    assert f["left_out_mapq"] == pytest.approx((2 * 60 + 2 * 30) / 4 / 60)
    assert f["right_out_soft_clip"] == pytest.approx(2 / 4) and f["right_out_reverse"] == pytest.approx(2 / 4)
    assert f["right_in_soft_clip"] == 0 and f["left_in_insert_large"] == 0
    assert f["left_depth_ratio"] == pytest.approx(np.log((0.25 + 1e-3) / (0.5 + 1e-3)))


def test_kmer_features_of_a_sequence():
    seq = "ACGTA"
    X = np.zeros((1, 4, len(seq)), np.int8)
    X[0, ["ACGT".index(b) for b in seq], np.arange(len(seq))] = 1
    f = dict(zip(feature_names("sequence", k=2), summary_features(X, "sequence", k=2)[0]))
    # canonical 2-mers: AC and its reverse complement GT share a column; CG and TA are their own
    assert f["AC"] == pytest.approx(0.5) and f["CG"] == f["TA"] == pytest.approx(0.25)
    assert len(f) == 10 and "GT" not in f and sum(f.values()) == pytest.approx(1.0)


def test_canonical_4mer_counts_equal_a_hand_count():
    seq = "TGACTCAGNTGAG"
    X = np.zeros((1, 4, len(seq)), np.int8)
    for i, b in enumerate(seq):
        if b != "N":
            X[0, "ACGT".index(b), i] = 1
    f = dict(zip(feature_names("sequence"), summary_features(X, "sequence")[0]))
    # the 6 4-mers without the N: TGAC GACT ACTC CTCA TCAG | TGAG -> canonical (first of k-mer,
    # revcomp): TGAC/GTCA -> GTCA, GACT/AGTC -> AGTC, ACTC/GAGT -> ACTC, CTCA/TGAG -> CTCA (twice),
    # TCAG/CTGA -> CTGA
    hand = {"GTCA": 1, "AGTC": 1, "ACTC": 1, "CTCA": 2, "CTGA": 1}
    assert len(f) == 136
    assert {k: round(v * 6, 6) for k, v in f.items() if v} == hand


def test_threshold_sits_in_the_gap_below_the_f1_best_validation_score():
    y = np.array([0, 0, 1, 1])
    s = np.array([0.1, 0.2, 0.8, 0.9])
    t = choose_threshold(y, s)
    assert 0.2 < t <= 0.8                              # same validation calls as 0.8
    assert t == pytest.approx(0.5)                     # log-odds midpoint of 0.2 and 0.8
    assert ((s >= t) == y.astype(bool)).all()


def _toy(n, seed, shift=4.0, rare=0.1):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < rare).astype(np.int64)
    y[:2] = [0, 1]
    X = rng.normal(size=(n, 10)).astype(np.float32)
    X[:, 0] += shift * y
    return X, y


@pytest.fixture(scope="module")
def toy():
    return _toy(300, 1), _toy(100, 2), _toy(200, 3)


@pytest.mark.parametrize("detector,strategy", [("mlp", "none"), ("mlp", "class_weight"), ("mlp", "oversample"),
                                               ("logistic", "none"), ("logistic", "class_weight")])
def test_every_strategy_learns_a_separable_toy_and_picks_its_threshold_on_val(toy, detector, strategy):
    (Xt, yt), (Xv, yv), (Xs, ys) = toy
    r = train_detector(detector, strategy, Xt, yt, Xv, yv, ["common", "rare"], 1, "vector",
                       settings={"epochs": 15, "hidden": 16, "blocks": 1}, seed=4)
    assert r.detector.name == detector and r.detector.strategy == strategy
    p = r.detector.score(Xs)
    auc = (p[ys == 1][:, None] > p[ys == 0][None, :]).mean()
    assert auc > 0.9, (detector, strategy, auc)
    # calibrated on val, threshold on the calibrated val scores (genaug.detect.calibrate)
    assert r.detector.threshold == pytest.approx(choose_threshold(yv, r.detector.score(Xv), prefer=0.5))
    assert 0 < r.detector.temperature < 1e3
    assert 1 <= r.best_epoch <= 15


def test_synthetic_items_are_added_to_training_with_the_rare_label(toy):
    (Xt, yt), (Xv, yv), (Xs, ys) = toy
    n_rare = int((yt == 1).sum())
    with pytest.raises(ValueError, match="no item of class rare"):
        train_detector("mlp", "none", Xt[yt == 0], yt[yt == 0], Xv, yv, ["common", "rare"], 1, "vector")
    r2 = train_detector("mlp", "classic", Xt[yt == 0], yt[yt == 0], Xv, yv, ["common", "rare"], 1, "vector",
                        X_synthetic=Xt[yt == 1][:n_rare], settings={"epochs": 15, "hidden": 16, "blocks": 1},
                        seed=4)
    p = r2.detector.score(Xs)                           # learned the rare class from the synthetic items alone
    assert (p[ys == 1][:, None] > p[ys == 0][None, :]).mean() > 0.9


def test_same_seed_same_detector_and_the_model_file_round_trips(toy, tmp_path):
    (Xt, yt), (Xv, yv), (Xs, _) = toy
    s = {"epochs": 3, "hidden": 16, "blocks": 1}
    a = train_detector("mlp", "none", Xt, yt, Xv, yv, ["common", "rare"], 1, "vector", settings=s, seed=9)
    b = train_detector("mlp", "none", Xt, yt, Xv, yv, ["common", "rare"], 1, "vector", settings=s, seed=9)
    assert np.array_equal(a.detector.predict_proba(Xs), b.detector.predict_proba(Xs))
    for r in (a, train_detector("logistic", "none", Xt, yt, Xv, yv, ["common", "rare"], 1, "vector", seed=9)):
        r.detector.save(tmp_path / "model.pt")
        back = load_detector(tmp_path / "model.pt")
        assert np.allclose(back.predict_proba(Xs), r.detector.predict_proba(Xs))
        assert back.threshold == r.detector.threshold and back.classes == ["common", "rare"]


def test_a_cnn_detector_on_pileups_checks_shape_and_channels(tmp_path):
    rng = np.random.default_rng(0)
    X = _pileup(12, H=8, W=32)
    y = np.array([0, 1] * 6)
    for i in range(12):
        for row in range(rng.integers(2, 8)):
            _put_read(X, i, row, slice(0, 32), pair="insert_large" if y[i] and row % 2 else "concordant")
    r = train_detector("cnn", "oversample", X, y, X, y, ["non_variant", "variant"], 1, "image", channels=ch.CHANNELS,
                       settings={"epochs": 2, "width": 4, "blocks": 2, "image_size": [8, 16]}, seed=1)
    r.detector.save(tmp_path / "cnn.pt")
    det = load_detector(tmp_path / "cnn.pt")
    assert det.score(X).shape == (12,)
    det.check(X.shape, ch.CHANNELS, "items.npz")
    with pytest.raises(InputError, match=r"other.npz: items have shape \(6, 16, 32\)"):
        det.check((3, 6, 16, 32), ch.CHANNELS, "other.npz")
    with pytest.raises(InputError, match="other.npz: items have channels"):
        det.check(X.shape, list(ch.CHANNELS[::-1]), "other.npz")


def test_a_file_that_is_not_a_detector_is_refused_naming_it(tmp_path):
    (tmp_path / "notes.txt").write_text("not a model\n")
    torch.save({"format": 1, "generator": "classic"}, tmp_path / "generator.pt")
    for name in ("notes.txt", "generator.pt", "missing.pt"):
        with pytest.raises(InputError, match=name):
            load_detector(tmp_path / name)


def _motif_windows(n, L, rng, motif="TGACTCA"):
    """Random one-hot windows; every fourth holds ``motif`` at a random place (label 1)."""
    X = np.zeros((n, 4, L), np.int8)
    X[np.arange(n)[:, None], rng.integers(0, 4, (n, L)), np.arange(L)[None, :]] = 1
    y = (np.arange(n) % 4 == 0).astype(np.int64)
    for i in np.flatnonzero(y):
        at = rng.integers(0, L - len(motif))
        X[i, :, at:at + len(motif)] = 0
        X[i, ["ACGT".index(b) for b in motif], np.arange(at, at + len(motif))] = 1
    return X, y


def test_the_conv1d_learns_a_planted_motif_on_tiny_data(tmp_path):
    rng = np.random.default_rng(3)
    (X, y), (Xv, yv), (Xt, yt) = (_motif_windows(n, 40, rng) for n in (400, 80, 200))
    r = train_detector("conv1d", "none", X, y, Xv, yv, ["unbound", "bound"], 1, "sequence",
                       settings={"epochs": 30, "patience": 30, "lr": 3e-3}, seed=2)
    assert r.detector.name == "conv1d" and isinstance(r.detector.net.features[0], torch.nn.Conv1d)
    assert len(r.detector.net.features) == 9                  # 3 x (conv, ReLU, dropout)
    p = r.detector.score(Xt)
    assert roc_auc(yt, p) > 0.9                               # on windows it never saw
    r.detector.save(tmp_path / "m.pt")
    assert np.allclose(load_detector(tmp_path / "m.pt").score(Xt), p)


@pytest.mark.parametrize("head", ["flatten", "max"])
def test_the_conv1d_heads_learn_a_planted_motif_and_round_trip(head, tmp_path):
    rng = np.random.default_rng(4)
    (X, y), (Xv, yv), (Xt, yt) = (_motif_windows(n, 40, rng) for n in (400, 80, 200))
    r = train_detector("conv1d", "none", X, y, Xv, yv, ["unbound", "bound"], 1, "sequence",
                       settings={"epochs": 30, "patience": 30, "lr": 3e-3, "conv1d_head": head}, seed=2)
    assert r.detector.net.head.in_features == (15 if head == "max" else 15 * 40)
    p = r.detector.score(Xt)
    assert roc_auc(yt, p) > 0.9
    r.detector.save(tmp_path / "m.pt")
    assert np.allclose(load_detector(tmp_path / "m.pt").score(Xt), p)
    # the max head scores a motif the same wherever it sits (away from the windows' ends)
    if head == "max":
        from genaug.detect.conv1d import NotebookConv1D
        torch.manual_seed(0)
        net = NotebookConv1D(4, 120, 2, head="max").eval()
        one = torch.zeros(2, 4, 120)
        one[:, 0] = 1
        for i, at in enumerate((30, 70)):
            one[i, :, at:at + 7] = 0
            one[i, ["ACGT".index(b) for b in "TGACTCA"], torch.arange(at, at + 7)] = 1
        with torch.no_grad():
            out = net(one)
        assert torch.allclose(out[0], out[1], atol=1e-6)
        assert not torch.allclose(net(one[:1]), net(torch.roll(one[:1], 1, 1)), atol=1e-4)


def test_the_fast_dropout_zeroes_a_share_p_keeps_the_mean_and_is_the_identity_in_eval():
    from genaug.detect.dropout import Dropout
    torch.manual_seed(0)
    d = Dropout(0.3)
    x = torch.ones(200_000)
    y = d.train()(x)
    assert abs(float((y == 0).float().mean()) - 0.3) < 0.01 and abs(float(y.mean()) - 1.0) < 0.01
    kept = torch.unique(y).tolist()
    assert len(kept) == 2 and kept[0] == 0.0 and kept[1] == pytest.approx(1 / 0.7)
    assert torch.equal(d.eval()(x), x)
    with pytest.raises(ValueError, match="dropout probability"):
        Dropout(1.0)


def test_the_registry_refuses_a_detector_its_layout_or_strategy_does_not_fit(toy):
    (Xt, yt), (Xv, yv), _ = toy
    args = (Xt, yt, Xv, yv, ["common", "rare"], 1, "vector")
    with pytest.raises(ValueError, match="unknown detector 'svm'; known: cnn, conv1d, mlp, logistic"):
        train_detector("svm", "none", *args)
    with pytest.raises(ValueError, match="detector cnn takes image items, not vector items"):
        train_detector("cnn", "none", *args)
    with pytest.raises(ValueError, match="detector logistic trains under strategies none, class_weight"):
        train_detector("logistic", "oversample", *args)
    with pytest.raises(ValueError, match="strategy classic is neither built in"):
        train_detector("mlp", "classic", *args)
    assert strategies_of("logistic", ["none", "oversample", "classic"]) == ["none", "classic"]
    assert strategies_of("mlp", ["none", "oversample", "classic"]) == ["none", "oversample", "classic"]
    for name, spec in DETECTORS.items():  # every entry's functions exist
        for what in ("fit", "build", "predict"):
            module, attr = getattr(spec, what).split(":")
            assert callable(getattr(importlib.import_module(module), attr)), (name, what)


def test_class_weight_changes_the_logistic_fit(toy):
    (Xt, yt), (Xv, yv), (Xs, _) = toy
    a, b = (train_detector("logistic", s, Xt, yt, Xv, yv, ["common", "rare"], 1, "vector").detector
            for s in ("none", "class_weight"))
    assert a.score(Xs).mean() < b.score(Xs).mean()  # the rare class weighs more: higher scores


def test_the_logistic_detector_gives_scikit_learns_probabilities(toy):
    """Its coefficients are scikit-learn's, copied into the weights-only model file."""
    from sklearn.linear_model import LogisticRegression
    (Xt, yt), (Xv, yv), (Xs, _) = toy
    det = train_detector("logistic", "none", Xt, yt, Xv, yv, ["common", "rare"], 1, "vector").detector
    mean, std = Xt.mean(0), Xt.std(0)
    clf = LogisticRegression(C=1.0 / (0.01 * len(yt)), max_iter=1000, tol=1e-8).fit((Xt - mean) / std, yt)
    # what the detector reports is scikit-learn's probability, temperature-calibrated on val
    np.testing.assert_allclose(det.predict_proba(Xs), apply_temperature(clf.predict_proba((Xs - mean) / std),
                                                                        det.temperature), atol=1e-5)
