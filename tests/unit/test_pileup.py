"""Read stacking on a tiny BAM written here with pysam: exact expected cells."""

import numpy as np
import pysam
import pytest

from genaug.encode import channels as ch
from genaug.encode.pileup import StackSettings, breakpoint_windows, flag_mask, stack_items

REF_LEN = 2000


def _ref_seq():
    rng = np.random.default_rng(7)
    return "".join(rng.choice(list("ACGT"), REF_LEN))


def _read(name, start, cigar, seq, qual, flag, mapq=60, mpos=-1, mtid=0, tlen=0, tags=()):
    a = pysam.AlignedSegment()
    a.query_name = name
    a.reference_id = 0
    a.reference_start = start
    a.cigarstring = cigar
    a.query_sequence = seq
    a.query_qualities = pysam.qualitystring_to_array(qual)
    a.flag = flag
    a.mapping_quality = mapq
    a.next_reference_id = mtid
    a.next_reference_start = mpos
    a.template_length = tlen
    a.set_tags(list(tags))
    return a


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny")
    ref = _ref_seq()
    (d / "ref.fa").write_text(">c1\n" + "\n".join(ref[i:i + 60] for i in range(0, REF_LEN, 60)) + "\n")
    pysam.faidx(str(d / "ref.fa"))
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "c1", "LN": REF_LEN}]}
    mism = "A" if ref[103] != "A" else "C"
    r1_seq = ref[100:103] + mism + ref[104:110]
    # r2: 3S 5M 2D 4M 1I 3M at 105 (reverse, SA tag, mate unmapped)
    r2_seq = "GGG" + ref[105:110] + ref[112:116] + "T" + ref[116:119]
    reads = [
        # proper FR pair member, one mismatch at ref 103, quality 30
        _read("r1", 100, "10M", r1_seq, "?" * 10, 0x1 | 0x2 | 0x20 | 0x40, 60, 300, 0, 250),
        _read("r2", 105, "3S5M2D4M1I3M", r2_seq, "".join(chr(33 + q) for q in range(10, 26)),
              0x1 | 0x8 | 0x10 | 0x80, 20, 105, 0, 0, [("SA", "c1,1500,+,3M13S,20,0;")]),
        # discordant: insert far beyond the library, not a proper pair
        _read("r3", 120, "8M", ref[120:128], "5" * 8, 0x1 | 0x20 | 0x40, 60, 1500, 0, 1388),
        # filtered: duplicate, then low mapping quality
        _read("r4", 101, "10M", ref[101:111], "?" * 10, 0x1 | 0x2 | 0x20 | 0x40 | 0x400, 60, 300, 0, 250),
        _read("r5", 102, "10M", ref[102:112], "?" * 10, 0x1 | 0x2 | 0x20 | 0x40, 5, 300, 0, 250),
        # right breakpoint: hard clip is not shown; same-strand pair (FF)
        _read("r6", 1490, "5H6M", ref[1490:1496], "+" * 6, 0x1 | 0x40, 40, 1700, 0, 216),
    ]
    with pysam.AlignmentFile(str(d / "t.bam"), "wb", header=header) as out:
        for r in sorted(reads, key=lambda r: r.reference_start):
            out.write(r)
    pysam.index(str(d / "t.bam"))
    return d, ref, mism


def _stack(d, **kw):
    settings = StackSettings(window=32, max_rows=4, min_mapq=10, insert_min=100, insert_max=600,
                             exclude_flags=flag_mask(["unmapped", "secondary", "qcfail", "duplicate"]), **kw)
    with pysam.AlignmentFile(str(d / "t.bam")) as bam, pysam.FastaFile(str(d / "ref.fa")) as fa:
        return stack_items(bam, fa, ["c1"], np.array([0]), np.array([96]), np.array([1480]), settings)


def cat(table, code):
    return code * ch.step(table)


def test_exact_cells(tiny):
    d, ref, mism = tiny
    X, depth = _stack(d)
    assert X.shape == (1, 6, 4, 64) and X.dtype == np.uint8
    assert depth.tolist() == [[3, 1]]          # r4 duplicate and r5 low MAPQ filtered
    x = X[0]
    # row 0 = r1 (start 100), row 1 = r2 (start 105, display from 102), row 2 = r3
    base, bq, mq, strand, pair, clip = x
    col = lambda refpos: refpos - 96
    # r1: match except the mismatch at 103
    assert base[0, col(100)] == cat(ch.BASE_CODES, 1)
    assert base[0, col(103)] == cat(ch.BASE_CODES, ch.BASE_CODES.index(mism))
    assert (base[0, col(110):32] == 0).all() and (base[0, :col(100)] == 0).all()
    assert bq[0, col(100)] == ch.scale_quality(30) and mq[0, col(105)] == 255
    assert strand[0, col(100)] == cat(ch.STRAND_CODES, 1)
    assert (pair[0, col(100):col(110)] == 0).all() and (clip[0, col(100):col(110)] == 0).all()
    # r2: soft clip GGG shown at 102..104, quality 10,11,12
    assert clip[1, col(102)] == cat(ch.CLIP_CODES, 3) and clip[1, col(104)] == cat(ch.CLIP_CODES, 3)
    expected_clip_base = [1 if ref[p] == "G" else ch.BASE_CODES.index("G") for p in (102, 103, 104)]
    assert base[1, col(102):col(105)].tolist() == [cat(ch.BASE_CODES, c) for c in expected_clip_base]
    assert bq[1, col(102):col(105)].tolist() == ch.scale_quality([10, 11, 12]).tolist()
    assert base[1, col(105)] == cat(ch.BASE_CODES, 1) and bq[1, col(105)] == ch.scale_quality(13)
    # 2D at 110-111: deletion code, quality 0
    assert base[1, col(110):col(112)].tolist() == [cat(ch.BASE_CODES, 7)] * 2
    assert bq[1, col(110)] == 0
    # aligned cells of a split read (SA tag); insertion after ref 115
    assert clip[1, col(105)] == cat(ch.CLIP_CODES, 1)
    assert clip[1, col(115)] == cat(ch.CLIP_CODES, 2)
    assert clip[1, col(116)] == cat(ch.CLIP_CODES, 1)
    # after the insertion, read base index skips the inserted T: quality 23 at 116
    assert bq[1, col(116)] == ch.scale_quality(23)
    assert base[1, col(118)] == cat(ch.BASE_CODES, 1) and base[1, col(119)] == 0
    assert mq[1, col(106)] == ch.scale_quality(20)
    assert strand[1, col(105)] == cat(ch.STRAND_CODES, 2)
    assert pair[1, col(105)] == cat(ch.PAIR_CODES, ch.PAIR_CODES.index("mate_unmapped"))
    # r3: insert beyond the library
    assert pair[2, col(120)] == cat(ch.PAIR_CODES, ch.PAIR_CODES.index("insert_large"))
    assert (x[:, 2, col(120) + 8:32] == 0).all()
    # row 3 empty in every channel
    assert (x[:, 3] == 0).all()
    # right window: r6 with hard clip (nothing shown for it), FF orientation
    assert base[0, 32 + 1490 - 1480] == cat(ch.BASE_CODES, 1)
    assert (base[0, 32:32 + 10] == 0).all()
    assert pair[0, 32 + 1490 - 1480] == cat(ch.PAIR_CODES, ch.PAIR_CODES.index("orientation_same"))


def test_row_cap_is_even_and_deterministic(tiny):
    d, _, _ = tiny
    X1, depth1 = _stack(d, merge_gap=0)
    settings = StackSettings(window=32, max_rows=2, min_mapq=0, exclude_flags=0x4)
    with pysam.AlignmentFile(str(d / "t.bam")) as bam, pysam.FastaFile(str(d / "ref.fa")) as fa:
        X, depth = stack_items(bam, fa, ["c1"], np.array([0]), np.array([96]), np.array([1480]), settings)
    assert depth.tolist() == [[5, 1]]
    # 5 reads sorted by start r1 100, r4 101, r5 102, r2 105, r3 120; keep ranks floor(i*5/2) = 0, 2
    starts = [int(np.flatnonzero(X[0, 0, r, :32])[0]) + 96 for r in range(2)]
    assert starts == [100, 102]
    X2, _ = _stack(d, merge_gap=0)
    assert np.array_equal(X1, X2) and depth1.tolist() == [[3, 1]]


def test_breakpoint_windows_centre_on_breakpoints():
    left, right = breakpoint_windows([1000], [1500], 256)
    assert left.tolist() == [872] and right.tolist() == [1372]


def test_cram_gives_the_same_tensor(tiny):
    d, _, _ = tiny
    cram = d / "t.cram"
    pysam.view("-C", "-T", str(d / "ref.fa"), "-o", str(cram), str(d / "t.bam"), catch_stdout=False)
    pysam.index(str(cram))
    settings = StackSettings(window=32, max_rows=4, min_mapq=10, insert_min=100, insert_max=600,
                             exclude_flags=flag_mask(["unmapped", "secondary", "qcfail", "duplicate"]))
    with pysam.AlignmentFile(str(cram), reference_filename=str(d / "ref.fa")) as f, \
            pysam.FastaFile(str(d / "ref.fa")) as fa:
        assert f.is_cram
        X, depth = stack_items(f, fa, ["c1"], np.array([0]), np.array([96]), np.array([1480]), settings)
    X_bam, depth_bam = _stack(d)
    assert np.array_equal(X, X_bam) and np.array_equal(depth, depth_bam)
    assert X.any()


def test_long_soft_clips_read_the_right_reference(tmp_path):
    """Clips longer than any fixed padding (long reads) and clips past the contig end."""
    n = 6000
    ref = "".join(np.random.default_rng(8).choice(list("ACGT"), n))
    (tmp_path / "ref.fa").write_text(">c1\n" + ref + "\n")
    pysam.faidx(str(tmp_path / "ref.fa"))
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "c1", "LN": n}]}
    lead = ref[1000:5000]                    # 4000 clipped bases equal to the reference
    tail = "A" * 20                          # clipped past the contig end
    reads = [_read("long", 5000, "4000S10M", lead + ref[5000:5010], "?" * 4010, 0),
             _read("end", 5990, "10M20S", ref[5990:6000] + tail, "?" * 30, 0)]
    with pysam.AlignmentFile(str(tmp_path / "t.bam"), "wb", header=header) as out:
        for r in reads:
            out.write(r)
    pysam.index(str(tmp_path / "t.bam"))
    settings = StackSettings(window=32, max_rows=2)

    def stack(left, right):  # one item per call: its reference buffer is all there is
        with pysam.AlignmentFile(str(tmp_path / "t.bam")) as bam, \
                pysam.FastaFile(str(tmp_path / "ref.fa")) as fa:
            return stack_items(bam, fa, ["c1"], np.array([0]), np.array([left]), np.array([right]), settings)

    X, depth = stack(4980, 4980)
    assert depth.tolist() == [[1, 1]]
    base, clip = X[0, ch.BASE, 0, :32], X[0, ch.CLIP, 0, :32]
    # 4980..4999 are clipped bases equal to the reference: match, soft clip
    assert (base[:20] == cat(ch.BASE_CODES, 1)).all() and (clip[:20] == cat(ch.CLIP_CODES, 3)).all()
    assert (clip[20:30] == 0).all() and (base[30:] == 0).all()
    # right window [5990, 6022): clipped A's past the contig end compare to N: mismatch A
    X, depth = stack(5980, 5990)
    base = X[0, ch.BASE, 0, 32:]
    assert depth.tolist() == [[1, 1]]
    assert (base[:10] == cat(ch.BASE_CODES, 1)).all()
    assert (base[10:30] == cat(ch.BASE_CODES, ch.BASE_CODES.index("A"))).all()
