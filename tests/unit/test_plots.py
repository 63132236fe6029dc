"""Pileup rendering (exact colours of hand-made cells) and the QC figure."""

import os

import numpy as np
import pandas as pd
import pytest

from genaug.encode import channels as ch
from genaug.plots.pileup import BASE_COLOURS, INSERTION_COLOUR, MIN_ALPHA, plot_qc, qc_profiles, render_pileup
from genaug.tensors import Encoded, load_encoded, save_encoded


def _cells(codes, base_quality=60, pair="concordant", clip="none", H=1):
    """A one-row item whose cells have the given base codes (names)."""
    W = len(codes)
    item = np.zeros((len(ch.CHANNELS), H, W), np.uint8)
    base = np.array([ch.BASE_CODES.index(c) for c in codes])
    has_read = base != 0
    item[ch.BASE, 0] = ch.encode_categorical(ch.BASE_CODES, base)
    item[ch.BASE_QUALITY, 0] = np.where(has_read, ch.scale_quality(base_quality), 0)
    item[ch.MAPPING_QUALITY, 0] = np.where(has_read, ch.scale_quality(60), 0)
    item[ch.STRAND, 0] = np.where(has_read, ch.encode_categorical(ch.STRAND_CODES, 1), 0)
    item[ch.PAIR, 0] = np.where(has_read, ch.encode_categorical(ch.PAIR_CODES, ch.PAIR_CODES.index(pair)), 0)
    item[ch.CLIP, 0] = np.where(has_read, ch.encode_categorical(ch.CLIP_CODES, ch.CLIP_CODES.index(clip)), 0)
    return item


def test_render_exact_colours_of_match_deletion_and_empty_cells():
    item = _cells(["match", "deletion", "none", "A", "T"], base_quality=60)
    item[ch.BASE_QUALITY, 0, 1] = 0  # deletions carry quality 0: still black
    rgb = render_pileup(item)
    assert rgb.shape == (1, 5, 3) and rgb.dtype == np.uint8
    assert rgb[0, 0].tolist() == [200, 200, 200] == list(BASE_COLOURS["match"])
    assert rgb[0, 1].tolist() == [0, 0, 0]
    assert rgb[0, 2].tolist() == [255, 255, 255]
    assert rgb[0, 3].tolist() == list(BASE_COLOURS["A"])
    assert rgb[0, 4].tolist() == list(BASE_COLOURS["T"])


def test_low_base_quality_is_paler():
    low = render_pileup(_cells(["match", "C"], base_quality=0))
    assert low[0, 0].tolist() == [round(255 - 55 * MIN_ALPHA)] * 3
    high = render_pileup(_cells(["match", "C"], base_quality=60))
    assert np.all(low.astype(int).sum(-1) > high.astype(int).sum(-1))


def test_clip_pair_and_insertion_marks():
    plain = render_pileup(_cells(["match"]))[0, 0]
    soft = render_pileup(_cells(["match"], clip="soft_clip"))[0, 0]
    anomalous = render_pileup(_cells(["match"], pair="insert_large"))[0, 0]
    other = render_pileup(_cells(["match"], pair="mate_unmapped"))[0, 0]
    split_read = render_pileup(_cells(["match"], clip="split_read"))[0, 0]
    inserted = render_pileup(_cells(["A"], clip="insertion_after"))[0, 0]
    assert soft[1] < soft[0] and soft[1] < soft[2]  # magenta: green lowest
    assert anomalous[0] > anomalous[1] and not np.array_equal(anomalous, other)
    assert len({tuple(c) for c in (plain, soft, anomalous, other, split_read)}) == 5
    assert inserted.tolist() == list(INSERTION_COLOUR)
    with pytest.raises(ValueError, match="one pileup item"):
        render_pileup(np.zeros((3, 2, 2), np.uint8))


def test_qc_profiles_are_shares_exact_on_hand_made_items():
    W = 4
    X = np.zeros((3, len(ch.CHANNELS), 3, W), np.uint8)
    base = lambda code: ch.encode_categorical(ch.BASE_CODES, ch.BASE_CODES.index(code))
    pair = lambda code: ch.encode_categorical(ch.PAIR_CODES, ch.PAIR_CODES.index(code))
    # item 0 (class 0): one read row, full width, matches; rows 1-2 empty
    X[0, ch.BASE, 0] = base("match")
    # item 1 (class 0): two read rows: row 0 matches with an insert_large mate, row 1 (columns 2-3) mismatches A
    X[1, ch.BASE, 0] = base("match")
    X[1, ch.PAIR, 0] = pair("insert_large")
    X[1, ch.BASE, 1, 2:] = base("A")
    X[1, ch.CLIP, 1, 3] = ch.encode_categorical(ch.CLIP_CODES, ch.CLIP_CODES.index("soft_clip"))
    # item 2 (class 1): no reads at all
    prof = qc_profiles(X, np.array([0, 0, 1]), max_items=100)
    np.testing.assert_allclose(prof[0]["depth"], [2 / 6, 2 / 6, 3 / 6, 3 / 6])  # rows with a read / rows
    np.testing.assert_allclose(prof[0]["mismatch"], [0, 0, 1 / 3, 1 / 3])
    np.testing.assert_allclose(prof[0]["pair: insert_large"], [1 / 2, 1 / 2, 1 / 3, 1 / 3])
    np.testing.assert_allclose(prof[0]["soft_clip"], [0, 0, 0, 1 / 3])
    np.testing.assert_allclose(prof[0]["pair: mate_unmapped"], 0)
    np.testing.assert_allclose(prof[1]["depth"], 0)
    assert np.isnan(prof[1]["mismatch"]).all()
    for p in prof[0].values():
        assert ((p >= 0) & (p <= 1)).all()  # shares, not category codes


def _pileups(n_per_class=6, H=8, W=32, seed=0):
    rng = np.random.default_rng(seed)
    n = 2 * n_per_class
    X = np.zeros((n, len(ch.CHANNELS), H, W), np.uint8)
    for i in range(n):
        for h in range(rng.integers(2, H)):
            a = rng.integers(0, W // 2)
            codes = rng.choice([1, 1, 1, 2, 3, 7], W - a)
            X[i, ch.BASE, h, a:] = ch.encode_categorical(ch.BASE_CODES, codes)
            X[i, ch.BASE_QUALITY, h, a:] = rng.integers(0, 256, W - a)
            X[i, ch.MAPPING_QUALITY, h, a:] = 255
            X[i, ch.STRAND, h, a:] = 127
            X[i, ch.PAIR, h, a:] = 36 * rng.integers(0, 8)
            X[i, ch.CLIP, h, a:a + 3] = 255
    y = np.repeat([0, 1], n_per_class)
    svtype = ["NONE"] * n_per_class + ["DEL", "DUP", "INV", "DEL", "DEL", "DUP"][:n_per_class]
    samples = pd.DataFrame({"id": [f"it{i}" for i in range(n)], "label": np.where(y, "variant", "non_variant"),
                            "svtype": svtype, "svlen": np.where(y, 500, 0)})
    return X, y, samples


def test_plot_qc_writes_png_from_memmapped_x(tmp_path):
    X, y, samples = _pileups()
    save_encoded(tmp_path / "encoded.npz", Encoded(X=X, y=y, groups=np.array(["g"] * len(y)),
                                                    classes=np.array(["non_variant", "variant"]), layout="image",
                                                    channels=np.array(ch.CHANNELS)))
    enc = load_encoded(tmp_path / "encoded.npz", mmap=True)
    assert isinstance(enc.X, np.memmap)
    out = tmp_path / "qc.png"
    plot_qc(enc.X, enc.y, enc.classes, samples, out, examples_per_class=3, max_items_for_means=8)
    assert sorted(os.listdir(tmp_path)) == ["encoded.npz", "qc.png"]  # no temporary left behind
    data = out.read_bytes()
    assert len(data) > 10_000 and data[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_qc_rejects_mismatched_samples(tmp_path):
    X, y, samples = _pileups()
    with pytest.raises(ValueError, match="disagree on the number of items"):
        plot_qc(X, y, ["non_variant", "variant"], samples.iloc[:-1], tmp_path / "qc.png")
    assert not (tmp_path / "qc.png").exists()
