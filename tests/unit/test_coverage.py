"""Coverage: read-level downsampling by read name, library statistics and the shift warning, the CNN's
relative-depth channel. On the bundled demo BAMs (SURVIVOR + ART + bwa, 20x and 8x)."""

import dataclasses
import zlib

import numpy as np
import pytest
import torch

from genaug.encode.coverage import downsampled_rows, encode_downsampled, library_shift, library_stats
from genaug.encode.pileup import breakpoint_windows, kept_by_name, stack_items
from genaug.encode.sv import SvSettings
from genaug.tensors import load_encoded

DEMO = "resources/demo/sv"
BAM1, REF1 = f"{DEMO}/sample.bam", f"{DEMO}/ref.fa"
BAM2, REF2 = f"{DEMO}/sample2/sample.bam", f"{DEMO}/sample2/ref.fa"


def test_read_names_are_kept_at_the_fraction_by_a_seeded_hash():
    names = [f"r{i:06d}" for i in range(20000)]
    kept = np.array([kept_by_name(n, 0.4, 7) for n in names])
    assert abs(kept.mean() - 0.4) < 0.015
    assert kept[0] == (zlib.crc32(b"7:r000000") < 0.4 * 2**32)         # the documented hash
    again = np.array([kept_by_name(n, 0.4, 7) for n in names])
    other = np.array([kept_by_name(n, 0.4, 8) for n in names])
    assert (kept == again).all() and (kept != other).mean() > 0.3       # seeded, deterministic
    low = np.array([kept_by_name(n, 0.2, 7) for n in names])
    assert not (low & ~kept).any()                                      # nested: 0.2 keeps a subset of 0.4


def test_stacking_with_a_fraction_keeps_about_that_share_of_the_reads():
    import pysam
    s = SvSettings()
    starts, ends = np.array([100_000, 300_000, 500_000]), np.array([100_400, 300_400, 500_400])
    left, right = breakpoint_windows(starts, ends, s.window)
    st = s.stack_settings((0, 1 << 30))
    with pysam.AlignmentFile(BAM1) as bam, pysam.FastaFile(REF1) as fa:
        _, full = stack_items(bam, fa, ["20"], np.zeros(3, np.int64), left, right, st)
        _, part = stack_items(bam, fa, ["20"], np.zeros(3, np.int64), left, right,
                              dataclasses.replace(st, keep_fraction=0.4, keep_seed=1))
    ratio = part.sum() / full.sum()
    assert 0.3 < ratio < 0.5, ratio


def test_downsampled_train_items_carry_their_labels_and_fractions(tmp_path):
    import pandas as pd
    rows = pd.DataFrame({"id": ["a", "b", "c"], "contig": ["20"] * 3, "start": [100_000, 300_000, 500_000],
                         "end": [100_400, 300_400, 500_400], "label": ["variant", "non_variant", "variant"],
                         "group": ["g1", "g2", "g3"]})
    rows.to_csv(tmp_path / "samples.tsv", sep="\t", index=False)
    n = encode_downsampled(BAM1, REF1, tmp_path / "samples.tsv", [0, 2], tmp_path / "down.npz", [0.3, 0.6],
                           SvSettings(), seed=1)
    enc = load_encoded(tmp_path / "down.npz")
    assert n == 4 and enc.X.shape[0] == 4 and list(enc.y) == [1, 1, 1, 1]
    with np.load(tmp_path / "down.npz") as z:
        assert list(z["source_row"]) == [0, 2, 0, 2] and list(z["fraction"]) == [0.3, 0.3, 0.6, 0.6]
    # the copies of one split's rows are found at every fraction, and of no other row
    assert list(downsampled_rows(tmp_path / "down.npz", [2])) == [1, 3]
    assert list(downsampled_rows(tmp_path / "down.npz", [1])) == []
    rows_present = lambda x: int((x[:, 0] > 0).any(2).sum())            # rows holding a read
    assert rows_present(enc.X[:2]) < rows_present(enc.X[2:])            # 0.3 keeps fewer reads than 0.6


def test_library_stats_see_20x_and_8x_and_the_shift_is_one_line():
    a, b = library_stats(BAM1, REF1, SvSettings(), seed=1), library_stats(BAM2, REF2, SvSettings(), seed=1)
    assert 17 <= a["median_depth"] <= 23 and 6 <= b["median_depth"] <= 10
    assert 380 <= a["insert_median"] <= 420 and abs(a["insert_median"] - b["insert_median"]) < 20
    assert 200 < a["insert_range"][0] < 350 and 450 < a["insert_range"][1] < 650
    shift = library_shift(a, b, 1.5)
    assert len(shift) == 1 and "median depth" in shift[0] and "training BAM" in shift[0]
    assert library_shift(a, a, 1.5) == [] and library_shift(a, b, 3.0) == []


def test_the_relative_depth_channel_reads_the_same_at_8x_and_20x():
    from genaug.detect.nets import ConvDetector, depth_profile

    def item(depth):                      # network space: channel 0 is "no read"; a het deletion in 100:200
        x = torch.ones(1, 3, 64, 512)
        x[:, 0, :depth] = 0
        x[:, 0, depth // 2:depth, 100:200] = 1
        return x

    a, b = depth_profile(item(8)), depth_profile(item(20))
    assert torch.allclose(a, b)
    assert a[0, 0, 0, 50].item() == pytest.approx(0.5) and a[0, 0, 0, 150].item() == pytest.approx(0.25)
    net = ConvDetector(3, 2, 2, 4, 2, 0.0, depth_channel=True)
    assert net.features[0].in_channels == 4 and net(item(8)).shape == (1, 2)
