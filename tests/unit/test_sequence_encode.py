"""The sequences encoder (FASTA + peaks -> one-hot windows, bound / unbound), on small
FASTAs written here and indexed by pysam (htslib's faidx), and on the demo."""

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest

from genaug.encode.sequences import (
    SequenceSettings,
    codes,
    encode_sequences,
    label_windows,
    one_hot,
    reverse_complement,
)
from genaug.errors import InputError
from genaug.tensors import load_encoded, load_weights

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo" / "sequences"

# contig a: 35 bases, soft-masked stretch and an N; contig b: 12 bases
A = "ACGTacgtNNACGTTTGACTCAGGccGGAATTCCA"
B = "TTTTGGGGCCCC"


def write_fasta(path, contigs, width=10, bgzip=False):
    text = "".join(f">{name}\n" + "".join(seq[i:i + width] + "\n" for i in range(0, len(seq), width))
                   for name, seq in contigs.items())
    plain = str(path) if not bgzip else str(path) + ".txt"
    Path(plain).write_text(text)
    if bgzip:
        pysam.tabix_compress(plain, str(path), force=True)
        os.remove(plain)
    pysam.faidx(str(path))
    return str(path)


def write_peaks(path, rows, header=()):
    Path(path).write_text("".join(h + "\n" for h in header) + "".join("\t".join(map(str, r)) + "\n" for r in rows))
    return str(path)


def narrow(contig, start, end, summit):
    return (contig, start, end, "p", 0, ".", 1.0, 1.0, 1.0, summit)


def encode(tmp_path, fasta, peaks, **settings):
    npz, tsv = tmp_path / "enc.npz", tmp_path / "samples.tsv"
    w = encode_sequences(fasta, peaks, npz, tsv, SequenceSettings(**settings))
    return load_encoded(npz), pd.read_csv(tsv, sep="\t", keep_default_na=False), w


def test_one_hot_equals_fasta_bases_at_their_coordinates(tmp_path):
    fa = write_fasta(tmp_path / "ref.fa", {"a": A, "b": B})
    peaks = write_peaks(tmp_path / "p.narrowPeak", [narrow("a", 20, 30, 3)])
    enc, samples, _ = encode(tmp_path, fa, peaks, length=10, max_n_share=0.5)
    # windows a:0, a:10, a:20 (a:30 would pass the end of 35 bases), b:0
    assert samples["id"].tolist() == ["a:1-10", "a:11-20", "a:21-30", "b:1-10"]
    assert enc.X.shape == (4, 4, 10) and enc.X.dtype == np.int8 and enc.layout == "sequence"
    # hand-checked cells: rows A, C, G, T
    assert enc.X[0, :, 0].tolist() == [1, 0, 0, 0]            # a:1 'A'
    assert enc.X[0, :, 5].tolist() == [0, 1, 0, 0]            # a:6 'c' soft-masked: a base
    assert enc.X[0, :, 8].tolist() == [0, 0, 0, 0]            # a:9 'N': all zero
    assert enc.X[0, :, 9].tolist() == [0, 0, 0, 0]            # a:10 'N'
    assert enc.X[1, :, 6].tolist() == [0, 0, 1, 0]            # a:17 'G'
    assert enc.X[2, :, 4].tolist() == [0, 1, 0, 0]            # a:25 'c'
    assert enc.X[3, :, 4].tolist() == [0, 0, 1, 0]            # b:5 'G'
    with pysam.FastaFile(fa) as f:  # every cell against the FASTA
        for i, (contig, start) in enumerate(zip(samples["contig"], samples["start"])):
            seq = f.fetch(contig, int(start), int(start) + 10).upper()
            assert "".join("ACGT"[np.argmax(c)] if c.any() else "N" for c in enc.X[i].T) == seq
    assert enc.X.sum(1).max() == 1


def test_bgzipped_fasta_reads_the_same(tmp_path):
    plain = write_fasta(tmp_path / "ref.fa", {"a": A, "b": B})
    gz = write_fasta(tmp_path / "ref.fa.gz", {"a": A, "b": B}, bgzip=True)
    peaks = write_peaks(tmp_path / "p.bed", [("a", 20, 30)])
    (tmp_path / "1").mkdir(), (tmp_path / "2").mkdir()
    e1, _, _ = encode(tmp_path / "1", plain, peaks, length=10, max_n_share=0.5)
    e2, _, _ = encode(tmp_path / "2", gz, peaks, length=10, max_n_share=0.5)
    assert np.array_equal(e1.X, e2.X) and np.array_equal(e1.y, e2.y)


def test_codes_and_reverse_complement():
    assert codes("ACGTNacgtnRY").tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 4, 4]
    X = one_hot(codes("AACGTN")[None])
    rc = reverse_complement(X)
    assert np.array_equal(rc, one_hot(codes("NACGTT")[None]))   # revcomp of AACGTN
    assert np.array_equal(reverse_complement(rc), X)


def test_summit_window_is_bound_and_neighbours_are_not():
    # summit at 25, windows of 10 every base: windows starting 16..25 hold it
    peaks = pd.DataFrame({"contig": ["a"], "start": [20], "end": [40], "summit": [25]})
    starts = np.arange(0, 31)
    lab = label_windows(starts, 10, peaks, 0.5)
    assert np.flatnonzero(lab).tolist() == list(range(16, 26))


def test_overlap_label_one_base_past_the_peak_is_not():
    peaks = pd.DataFrame({"contig": ["a"], "start": [20], "end": [30], "summit": [-1]})
    starts = np.arange(0, 31)
    lab = label_windows(starts, 10, peaks, 0.1)  # one base of ten is enough
    assert lab[11] == 1 and lab[29] == 1         # a:11-21 holds base 20; a:29-39 base 29
    assert lab[10] == 0 and lab[30] == 0         # ends where the peak starts; starts one past its end
    assert np.flatnonzero(label_windows(starts, 10, peaks, 1.0)).tolist() == [20]


def test_windows_near_contig_ends(tmp_path):
    fa = write_fasta(tmp_path / "ref.fa", {"a": A, "b": B})
    # a summit in the last 5 bases of a (no window covers them) and one in b's only window
    peaks = write_peaks(tmp_path / "p.narrowPeak", [narrow("a", 30, 35, 3), narrow("b", 0, 12, 9)])
    enc, samples, _ = encode(tmp_path, fa, peaks, length=10, max_n_share=0.5)
    assert samples.loc[samples["label"] == 1, "id"].tolist() == ["b:1-10"]
    enc2, samples2, _ = encode(tmp_path, fa, peaks, length=10, stride=5, max_n_share=0.5)
    # stride 5: a's last window ends at its last base; b (12 bases) holds one window
    assert samples2["id"].tolist()[-3:] == ["a:21-30", "a:26-35", "b:1-10"]
    assert samples2.loc[samples2["label"] == 1, "id"].tolist() == ["a:26-35", "b:1-10"]


def test_n_share_drops_and_counts(tmp_path):
    fa = write_fasta(tmp_path / "ref.fa", {"a": A, "b": B})
    peaks = write_peaks(tmp_path / "p.bed", [("b", 0, 10)])
    _, samples, w = encode(tmp_path, fa, peaks, length=10, max_n_share=0.1)
    assert "a:1-10" not in samples["id"].tolist()          # 2 N of 10 > 10 %
    assert int((w.n_share > 0.1).sum()) == 1


def test_negatives_per_positive_keeps_a_seeded_subset_with_weights(tmp_path):
    seq = "".join(np.random.default_rng(0).choice(list("ACGT"), 5000))
    fa = write_fasta(tmp_path / "ref.fa", {"c": seq}, width=60)
    peaks = write_peaks(tmp_path / "p.narrowPeak", [narrow("c", 1000, 1200, 50), narrow("c", 3000, 3100, 10)])
    enc, samples, w = encode(tmp_path, fa, peaks, length=50, negatives_per_positive=5)
    assert enc.y.sum() == 2 and len(enc.y) == 12
    weights = load_weights(tmp_path / "enc.npz")
    assert np.allclose(weights, samples["weight"]) and np.all(weights[enc.y == 1] == 1)
    assert weights[enc.y == 0].sum() == pytest.approx(100 - 2)   # the 98 unbound windows made
    again, _, _ = encode(tmp_path, fa, peaks, length=50, negatives_per_positive=5)
    assert np.array_equal(again.X, enc.X)
    full, _, _ = encode(tmp_path, fa, peaks, length=50)
    assert len(full.y) == 100 and load_weights(tmp_path / "enc.npz").max() == 1


def test_groups_are_genomic_blocks(tmp_path):
    seq = "".join(np.random.default_rng(1).choice(list("ACGT"), 1000))
    fa = write_fasta(tmp_path / "ref.fa", {"c": seq}, width=60)
    peaks = write_peaks(tmp_path / "p.bed", [("c", 0, 60)])
    enc, _, _ = encode(tmp_path, fa, peaks, length=100, group_block=300)
    assert enc.groups.tolist() == ["c:0"] * 3 + ["c:1"] * 3 + ["c:2"] * 3 + ["c:3"]


def test_regions_bed_tiles_only_its_intervals(tmp_path):
    fa = write_fasta(tmp_path / "ref.fa", {"a": A, "b": B})
    peaks = write_peaks(tmp_path / "p.bed", [("a", 20, 30)])
    regions = write_peaks(tmp_path / "r.bed", [("a", 12, 35)], header=["track name=r"])
    w = encode_sequences(fa, peaks, tmp_path / "e.npz", tmp_path / "s.tsv", SequenceSettings(length=10),
                         regions=regions)
    assert w.start.tolist() == [12, 22]


# --- bad input: one line naming the file, before any long work -----------------------------

@pytest.fixture
def fasta(tmp_path):
    return write_fasta(tmp_path / "ref.fa", {"a": A, "b": B})


def bad(tmp_path, fasta, peaks, regions=None):
    with pytest.raises(InputError) as e:
        encode_sequences(fasta, peaks, tmp_path / "e.npz", tmp_path / "s.tsv", SequenceSettings(length=10),
                         regions=regions)
    msg = str(e.value)
    assert "\n" not in msg and not (tmp_path / "e.npz").exists()
    return msg


def test_peaks_on_contigs_the_fasta_lacks(tmp_path, fasta):
    p = write_peaks(tmp_path / "p.bed", [("chr_a", 1, 5), ("chr_a", 6, 9), ("a", 1, 5)])
    msg = bad(tmp_path, fasta, p)
    assert msg.startswith(p) and "2 peak(s)" in msg and "'chr_a'" in msg


def test_peaks_past_a_contig_end(tmp_path, fasta):
    p = write_peaks(tmp_path / "p.bed", [("b", 5, 13)])
    msg = bad(tmp_path, fasta, p)
    assert msg.startswith(p) and "past" in msg and "b:5-13" in msg


def test_start_after_end(tmp_path, fasta):
    p = write_peaks(tmp_path / "p.bed", [("a", 9, 5)])
    assert "start 9 > end 5" in bad(tmp_path, fasta, p)


def test_empty_peak_file_and_header_only(tmp_path, fasta):
    p = write_peaks(tmp_path / "p.bed", [])
    assert "holds no peak" in bad(tmp_path, fasta, p)
    p = write_peaks(tmp_path / "p2.bed", [], header=["track name=x", "# comment"])
    assert "holds no peak" in bad(tmp_path, fasta, p)


def test_track_and_header_lines_are_accepted(tmp_path, fasta):
    p = write_peaks(tmp_path / "p.narrowPeak", [narrow("a", 20, 30, 3)],
                    header=["track type=narrowPeak name=x", "browser position a:1-10", "#chrom\tstart\tend"])
    w = encode_sequences(fasta, p, tmp_path / "e.npz", tmp_path / "s.tsv", SequenceSettings(length=10,
                                                                                               max_n_share=0.5))
    assert w.label.tolist() == [0, 0, 1, 0]


def test_fasta_without_fai(tmp_path, fasta):
    os.remove(fasta + ".fai")
    p = write_peaks(tmp_path / "p.bed", [("a", 20, 30)])
    msg = bad(tmp_path, fasta, p)
    assert msg.startswith(fasta) and "samtools faidx" in msg
    assert not os.path.exists(fasta + ".fai")  # not silently made


def test_fasta_with_a_stale_fai(tmp_path, fasta):
    p = write_peaks(tmp_path / "p.bed", [("a", 20, 30)])
    time.sleep(0.01)
    Path(fasta).write_text(">a\n" + A[:20] + "\n" + A[20:] + "\n>b\n" + B + "\n")  # new line layout
    msg = bad(tmp_path, fasta, p)
    assert msg.startswith(fasta) and "is older than the file" in msg
    now = time.time() + 5
    os.utime(fasta + ".fai", (now, now))  # a fresh-looking but wrong index
    msg = bad(tmp_path, fasta, p)
    assert "does not fit the file" in msg


def test_region_file_that_selects_nothing(tmp_path, fasta):
    p = write_peaks(tmp_path / "p.bed", [("a", 20, 30)])
    r = write_peaks(tmp_path / "r.bed", [("a", 0, 5), ("b", 3, 9)])
    msg = bad(tmp_path, fasta, p, regions=r)
    assert msg.startswith(r) and "selects no 10-bp window" in msg
    r = write_peaks(tmp_path / "r2.bed", [("z", 0, 50)])
    assert "lacks" in bad(tmp_path, fasta, p, regions=r)


def test_demo_labels_match_its_peaks(tmp_path):
    peaks = pd.read_csv(DEMO / "peaks.narrowPeak", sep="\t", header=None)
    w = encode_sequences(DEMO / "ref.fa.gz", DEMO / "peaks.narrowPeak", tmp_path / "e.npz", tmp_path / "s.tsv",
                         SequenceSettings(negatives_per_positive=10))
    assert int(w.label.sum()) == len(peaks) == 396
    assert set(w.start[w.label == 1] // 101) == set((peaks[1] + peaks[9]) // 101)
    assert 0.004 < w.label.mean() < 0.006
