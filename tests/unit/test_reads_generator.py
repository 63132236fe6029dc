"""The read-level pileup generator (genaug.generators.reads): every item keeps the rules of real
pileups, and on a toy pileup distribution with known read-level parameters (depth, clip rate at the
breakpoint, mismatch rate, pair anomalies) the generator gives them back within stated tolerances."""

import numpy as np
import pytest
from scipy.stats import wasserstein_distance

from genaug import generators
from genaug.encode import channels as ch
from genaug.fidelity.pileups import read_statistics
from genaug.generators.reads import decode_reads, window_offsets
from genaug.layouts.pileup import Pileup

W, H, READ = 64, 24, 20  # window columns, row cap, read length
BP = W // 2  # the breakpoint: the window's centre
CLIP_RATE, MISMATCH, DISCORDANT = 0.4, 0.02, 0.15


def toy_window(rng, depth, clip_rate=CLIP_RATE):
    """One window as (C, H, W): ``depth`` reads of READ columns, starts uniform, sorted; a read that
    spans the breakpoint is soft-clipped from it on with probability ``clip_rate``; sequencing
    errors at MISMATCH; a DISCORDANT share of reads with a large insert."""
    x = np.zeros((len(ch.CHANNELS), H, W), np.uint8)
    starts = np.sort(rng.integers(-READ + 1, W, depth))
    for r, s in enumerate(starts):
        a, b = max(s, 0), min(s + READ, W)
        base = np.where(rng.random(b - a) < MISMATCH, rng.integers(2, 6, b - a), 1)
        clip = np.zeros(b - a, np.int64)
        if s < BP < s + READ and rng.random() < clip_rate:
            clip[BP - a:] = 3  # trailing soft clip from the breakpoint
            base[BP - a:] = np.where(rng.random(b - BP) < 0.75, rng.integers(2, 6, b - BP), 1)
        x[ch.BASE, r, a:b] = ch.encode_categorical(ch.BASE_CODES, base)
        x[ch.BASE_QUALITY, r, a:b] = ch.scale_quality(rng.choice([20, 30, 40], b - a))
        x[ch.MAPPING_QUALITY, r, a:b] = ch.scale_quality(60)
        x[ch.STRAND, r, a:b] = ch.encode_categorical(ch.STRAND_CODES, rng.integers(1, 3))
        x[ch.PAIR, r, a:b] = ch.encode_categorical(ch.PAIR_CODES, int(rng.random() < DISCORDANT))
        x[ch.CLIP, r, a:b] = ch.encode_categorical(ch.CLIP_CODES, clip)
    return x


def toy_items(n, seed, depth=(14, 20)):
    rng = np.random.default_rng(seed)
    return np.stack([np.concatenate([toy_window(rng, int(rng.integers(*depth))) for _ in range(2)], -1)
                     for _ in range(n)])


def clip_at_breakpoint(X, P):
    """Share of reads spanning the breakpoint (aligned start before it, display end after it) whose
    clip starts at it."""
    r = decode_reads(X, P)
    spans = (r["start"] < BP) & (r["last"] >= BP)
    clipped = spans & (r["trail"] > 0) & (r["last"] - r["trail"] + 1 == BP)
    return clipped.sum() / spans.sum()


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    X = toy_items(60, seed=1)
    cond = np.array(["DEL", "INS"] * 30)
    out = tmp_path_factory.mktemp("reads")
    result = generators.train("reads", X, cond=cond, layout="image", out_dir=out, channels=ch.CHANNELS, seed=1)
    S, S_cond = generators.sample(result.model, 300, seed=2, return_cond=True)
    return X, S, S_cond, result


def test_every_item_keeps_the_rules_of_real_pileups(fitted):
    X, S, S_cond, result = fitted
    P = Pileup(ch.CHANNELS, 2)
    assert P.problems(X) == []  # the toy data is a valid pileup itself
    assert S.shape == (300,) + X.shape[1:] and S.dtype == np.uint8
    for s in S:  # every item on its own: contiguous reads, sorted by start, codes on their grid
        assert P.problems(s[None]) == []
    assert set(S_cond) == {"DEL", "INS"}
    # mostly matching the reference, as real reads do (not GAN-like mismatch noise)
    base = ch.decode_categorical(ch.BASE_CODES, S[:, ch.BASE])
    assert (base[base > 0] == 1).mean() > 0.9


def test_read_level_parameters_come_back(fitted):
    """Tolerances: depth within 0.5 read of the truth's mean (16.5 reads per window), clip rate at the
    breakpoint within 0.06 of 0.4, aligned mismatch rate within 0.006 of 0.02, discordant share within
    0.04 of 0.15."""
    X, S, _, _ = fitted
    P = Pileup(ch.CHANNELS, 2)
    depth = (S[:, ch.BASE] > 0).any(-1)
    per_window = np.stack([(S[:, ch.BASE, :, k * W:(k + 1) * W] > 0).any(-1).sum(1) for k in range(2)])
    assert abs(per_window.mean() - 16.5) < 0.5 and depth.any()
    assert abs(clip_at_breakpoint(S, P) - CLIP_RATE) < 0.06
    assert abs(clip_at_breakpoint(X, P) - CLIP_RATE) < 0.06  # the training set itself
    stats = read_statistics(S, ch.CHANNELS)
    assert abs(stats["mismatch_rate"].mean() - MISMATCH) < 0.006
    assert abs((stats["pair"] > 0).mean() - DISCORDANT) < 0.04


def test_generator_follows_what_it_learned():
    """Trained on items without clips at the breakpoint, it makes none; with a high clip rate, many."""
    P = Pileup(ch.CHANNELS, 2)
    rng = np.random.default_rng(3)
    for rate in (0.0, 0.9):
        X = np.stack([np.concatenate([toy_window(rng, 16, rate) for _ in range(2)], -1) for _ in range(30)])
        from genaug.generators import reads

        s = generators.resolve("reads")
        model = reads.fit(X, np.zeros(30, np.int64), 1, P, s)
        S = np.concatenate(list(reads.draw_chunks(model, np.zeros(100, np.int64), X.shape[1:], ch.CHANNELS, s,
                                                  np.random.default_rng(4))))
        assert P.problems(S) == []
        assert abs(clip_at_breakpoint(S, P) - rate) < 0.08


def test_windows_that_share_their_reads_are_drawn_as_one():
    """An insertion's two windows are the same reads: the generator keeps them identical."""
    rng = np.random.default_rng(5)
    X = np.stack([np.concatenate([toy_window(rng, 16)] * 2, -1) for _ in range(20)])
    P = Pileup(ch.CHANNELS, 2)
    assert (window_offsets(X, P) == 0).all()
    assert (window_offsets(toy_items(5, seed=6), P) == -1).all()
    from genaug.generators import reads

    s = generators.resolve("reads")
    S = np.concatenate(list(reads.draw_chunks(reads.fit(X, np.zeros(20, np.int64), 1, P, s), np.zeros(30, np.int64),
                                              X.shape[1:], ch.CHANNELS, s, np.random.default_rng(7))))
    assert P.problems(S) == []
    np.testing.assert_array_equal(S[..., :W], S[..., W:])


def test_reads_learns_pileups_only(tmp_path):
    with pytest.raises(ValueError, match="reads learns image"):
        generators.train("reads", np.zeros((4, 12), np.uint8), layout="binary", out_dir=tmp_path)


def test_smoothed_depths_and_sliding_clipped_reads_keep_the_rules_and_the_parameters():
    """With ``depth_smooth`` and ``clip_jitter``: every item stays a valid pileup; the clip junctions stay
    at the breakpoint (clip rate there within 0.06 of 0.4) and the clip lengths keep their distribution, depth
    within 0.7 read of 16.5, and the depths are no longer only the training items' (left, right) pairs."""
    from genaug.generators import reads

    X = toy_items(60, seed=1)
    P = Pileup(ch.CHANNELS, 2)
    cond = np.zeros(60, np.int64)
    out = {}
    for name, extra in (("plain", {}), ("smooth", {"depth_smooth": 1.0, "clip_jitter": 6})):
        s = generators.resolve("reads", extra)
        model = reads.fit(X, cond, 1, P, s)
        out[name] = np.concatenate(list(reads.draw_chunks(model, np.zeros(200, np.int64), X.shape[1:], ch.CHANNELS,
                                                          s, np.random.default_rng(9))))
    S = out["smooth"]
    for item in S:
        assert P.problems(item[None]) == []
    assert abs(clip_at_breakpoint(S, P) - CLIP_RATE) < 0.06
    def depths(Y):
        return np.stack([(Y[:, ch.BASE, :, k * W:(k + 1) * W] > 0).any(-1).sum(1) for k in range(2)], 1)

    assert abs(depths(S).mean() - 16.5) < 0.7
    train_pairs = {tuple(p) for p in depths(X)}
    new_pairs = lambda Y: np.mean([tuple(p) not in train_pairs for p in depths(Y)])
    assert new_pairs(out["plain"]) == 0 and new_pairs(S) > 0.15

    # sliding about the junction keeps the clip-length distribution (W1 under 1.5 columns of the training one's)
    real, syn = read_statistics(X, ch.CHANNELS), read_statistics(S, ch.CHANNELS)
    assert wasserstein_distance(real["clip_length"], syn["clip_length"]) < 1.5
