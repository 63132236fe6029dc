"""Broken and unusual inputs, built with real tools (samtools, bcftools, bgzip, gzip) or pysam.

Each broken input stops ``encode_sv`` with one line naming the file and what to do,
and leaves no output; each good but unusual input (CRAM, soft-masked FASTA, paths with
spaces and non-ASCII characters) encodes exactly as the plain one does. Without the
tools the tests skip, except under CI (environment variable CI set), where they fail.
"""

import gzip
import logging
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pysam
import pytest
from test_checks import BAM, FAST, REF, TRUTH, _encode, _fails, _header, _records

from genaug.tensors import load_encoded


def tool(name):
    path = shutil.which(name)
    if path is None:
        problem = f"{name} is not installed (apt-get install samtools bcftools tabix, or run .ci/run)"
        if os.environ.get("CI"):
            pytest.fail(problem + " [CI is set: the bad-input tests must run, not skip]")
        pytest.skip(problem)
    return path


def sh(*args, stdout=None):
    tool(str(args[0]))
    subprocess.run([str(a) for a in args], check=True, stdout=stdout, stderr=subprocess.PIPE)


def samtools(*args):
    sh("samtools", *args)


def bgzip_tabix(vcf_text, path):
    """VCF text -> sorted (bcftools sort), bgzipped, tabix-indexed ``path`` (.vcf.gz)."""
    plain = Path(str(path)[:-3])
    plain.write_text(vcf_text)
    sh("bcftools", "sort", "-Oz", "-o", path, plain)
    sh("tabix", "-f", "-p", "vcf", path)
    return Path(path)


def truth_records():
    with gzip.open(TRUTH, "rt") as f:
        return [line for line in f if not line.startswith("#")]


def encoded_X(tmp_path, **kwargs):
    _encode(tmp_path, **kwargs)
    return load_encoded(tmp_path / "out" / "encoded.npz").X


@pytest.fixture(scope="module")
def plain_X(tmp_path_factory):
    """The demo encoded with the plain inputs: what the unusual ones must reproduce."""
    d = tmp_path_factory.mktemp("plain")
    return encoded_X(d)


# --- 1. empty evidence ---------------------------------------------------------------

def test_header_only_bam(tmp_path):
    bam = tmp_path / "header_only.bam"
    samtools("view", "-H", "-b", "-o", bam, BAM)
    samtools("index", bam)
    _fails(tmp_path, bam, "holds no mapped reads", "idxstats", bam=bam)


def test_index_of_another_file(tmp_path):
    other = tmp_path / "other.bam"
    samtools("view", "-b", "-o", other, BAM, "20:1-300000")
    samtools("index", other)
    bam = tmp_path / "sample.bam"
    shutil.copy(BAM, bam)
    shutil.copy(str(other) + ".bai", str(bam) + ".bai")  # newer than the BAM: looks fresh
    _fails(tmp_path, bam, "index belongs to another file", "samtools index", bam=bam)


def test_no_read_near_any_locus(tmp_path):
    bam = tmp_path / "first_2kb.bam"
    samtools("view", "-b", "-o", bam, BAM, "20:1-2000")  # the first truth SV is at 15,102
    samtools("index", bam)
    msg = _fails(tmp_path, bam, "no read lies in any of", "mapped reads", "another assembly", bam=bam)
    assert "index counts" in msg


def test_every_read_below_min_mapq_names_the_filter(tmp_path):
    msg = _fails(tmp_path, BAM, "no read passes the filters", "have MAPQ < 61", "encode.sv.min_mapq",
                 settings=replace(FAST, min_mapq=61))
    assert "all " in msg


def test_every_read_flagged_duplicate_names_the_filter(tmp_path):
    bam = tmp_path / "all_dup.bam"
    with pysam.AlignmentFile(str(BAM)) as src, pysam.AlignmentFile(str(bam), "wb", template=src) as out:
        for r in src:
            r.flag |= 0x400
            out.write(r)
    pysam.index(str(bam))
    _fails(tmp_path, bam, "are flagged duplicate", "encode.sv.read_filters", bam=bam)


def test_many_empty_windows_warn_and_too_many_stop(tmp_path, caplog):
    bam = tmp_path / "first_half.bam"
    samtools("view", "-b", "-o", bam, BAM, "20:1-600000")
    samtools("index", bam)
    caplog.set_level(logging.WARNING)
    items = _encode(tmp_path, bam=bam, settings=replace(FAST, max_empty_windows=1.0))
    empty = int((items[["depth_left", "depth_right"]] == 0).to_numpy().sum())
    share = empty / (2 * len(items))
    assert 0.3 < share < 0.7, share
    warned = [r.getMessage() for r in caplog.records if "windows" in r.getMessage() and r.levelno == logging.WARNING]
    assert any(f"{empty:,} of {2 * len(items):,} windows" in m for m in warned), caplog.text
    shutil.rmtree(tmp_path / "out")
    _fails(tmp_path, bam, f"{empty:,} of {2 * len(items):,} windows", "encode.sv.max_empty_windows: 0.25",
           bam=bam, settings=replace(FAST, max_empty_windows=0.25))


# --- 2. impossible records -------------------------------------------------------------

IMPOSSIBLE = [
    ("20", 30000, "end_before_pos", "N", "<DEL>", ".", "PASS", "SVTYPE=DEL;SVLEN=-100;END=29900", "GT", "0/1"),
    ("20", 40000, "zero_length", "N", "<DUP>", ".", "PASS", "SVTYPE=DUP;SVLEN=0;END=40000", "GT", "0/1"),
    ("20", 50000, "no_end", "N", "<INV>", ".", "PASS", "SVTYPE=INV", "GT", "0/1"),
    ("20", 60000, "svlen_vs_end", "N", "<DEL>", ".", "PASS", "SVTYPE=DEL;SVLEN=-5000;END=60100", "GT", "0/1"),
    ("20", 70000, "unknown_type", "N", "<CPX>", ".", "PASS", "SVTYPE=CPX;END=70500", "GT", "0/1"),
]


def test_impossible_records_are_dropped_and_counted(tmp_path, caplog):
    truth = bgzip_tabix(_header() + "".join(truth_records()) + _records(IMPOSSIBLE), tmp_path / "truth.vcf.gz")
    caplog.set_level(logging.WARNING)
    items = _encode(tmp_path, truth=truth)
    pos = items[items.source == "truth"]
    assert len(pos) == len(truth_records())  # none of the five became a positive
    assert not set(pos.vcf_id) & {r[2] for r in IMPOSSIBLE}
    text = caplog.text
    for why, rid in [("END before POS", "end_before_pos"), ("zero-length DUP", "zero_length"),
                     ("no END and no SVLEN", "no_end"), ("SVLEN disagrees with END", "svlen_vs_end")]:
        assert f"dropped 1 impossible record(s), {why} (first: {rid} at 20:" in text, text
    assert "dropped 1 record(s) of type CPX" in text


def test_only_impossible_records_stop(tmp_path):
    truth = bgzip_tabix(_header() + _records(IMPOSSIBLE), tmp_path / "truth.vcf.gz")
    _fails(tmp_path, truth, "no usable SV", truth=truth)


def test_record_past_the_contig_end_is_refused(tmp_path):
    past = [("20", 1_199_990, "past_end", "N", "<DUP>", ".", "PASS", "SVTYPE=DUP;SVLEN=500;END=1200490", "GT", "0/1")]
    truth = bgzip_tabix(_header() + "".join(truth_records()) + _records(past), tmp_path / "truth.vcf.gz")
    _fails(tmp_path, truth, "past_end", "beyond the end of contig '20'", truth=truth)


# --- 3. compression and format ------------------------------------------------------------

def test_plain_gzip_vcf(tmp_path):
    truth = tmp_path / "truth.vcf.gz"
    with gzip.open(TRUTH, "rb") as f:
        text = f.read()
    truth.write_bytes(gzip.compress(text))
    _fails(tmp_path, truth, "is gzip, not bgzip", "bgzip", "tabix -p vcf", truth=truth)
    # the same file as the candidates
    _fails(tmp_path, truth, "is gzip, not bgzip", candidates=truth)


def test_plain_gzip_fasta(tmp_path):
    ref = tmp_path / "ref.fa.gz"
    with open(tmp_path / "ref.fa.gz", "wb") as f:
        sh("gzip", "-c", REF, stdout=f)
    shutil.copy(str(REF) + ".fai", str(ref) + ".fai")
    _fails(tmp_path, ref, "is gzip, not bgzip", "bgzip", "samtools faidx", reference=ref)


def test_sam_named_bam(tmp_path):
    bam = tmp_path / "sample.bam"
    with open(bam, "wb") as f:
        sh("samtools", "view", "-h", BAM, stdout=f)
    shutil.copy(str(BAM) + ".bai", str(bam) + ".bai")
    _fails(tmp_path, bam, "SAM text, not BAM", "samtools sort", bam=bam)


def test_cram_named_bam_and_bam_named_cram(tmp_path):
    cram = tmp_path / "sample.bam"
    samtools("view", "-C", "-T", REF, "-o", cram, BAM)
    _fails(tmp_path, cram, "it is CRAM, not BAM", "name it .cram", bam=cram)
    bam = tmp_path / "sample.cram"
    shutil.copy(BAM, bam)
    _fails(tmp_path, bam, "it is BAM, not CRAM", bam=bam)


@pytest.fixture(scope="module")
def cram(tmp_path_factory):
    d = tmp_path_factory.mktemp("cram")
    path = d / "sample.cram"
    samtools("view", "-C", "-T", REF, "-o", path, BAM)
    samtools("index", path)
    return path


def test_cram_with_a_reference_that_does_not_match(tmp_path, cram):
    text = REF.read_text()
    i = text.index("\n") + 5000
    ref = tmp_path / "other.fa"
    ref.write_text(text[:i] + ("A" if text[i] != "A" else "C") + text[i + 1:])  # one base differs
    samtools("faidx", ref)
    msg = _fails(tmp_path, cram, "MD5", "not the reference the CRAM was written with", bam=cram, reference=ref)
    assert str(ref) in msg


def test_cram_whose_reference_is_missing(tmp_path, cram):
    _fails(tmp_path, tmp_path / "gone.fa", "file not found", bam=cram, reference=tmp_path / "gone.fa")


# --- 4. unsorted and unindexed ---------------------------------------------------------------

def test_name_sorted_bam_is_refused_before_the_index(tmp_path):
    bam = tmp_path / "by_name.bam"
    samtools("sort", "-n", "-o", bam, BAM)  # no index: sort order is the first complaint
    _fails(tmp_path, bam, "is not coordinate-sorted", "SO:queryname", "samtools sort", bam=bam)


def test_unsorted_reads_under_a_coordinate_header(tmp_path):
    bam = tmp_path / "shuffled.bam"
    with pysam.AlignmentFile(str(BAM)) as src:
        reads = [r for _, r in zip(range(5000), src)]
        with pysam.AlignmentFile(str(bam), "wb", template=src) as out:  # header still says SO:coordinate
            for r in reads[2500:] + reads[:2500]:
                out.write(r)
    _fails(tmp_path, bam, "is not coordinate-sorted", "SO:coordinate", bam=bam)


# --- good but unusual inputs -------------------------------------------------------------------

def test_cram_encodes_as_the_bam_does(tmp_path, cram, plain_X):
    np.testing.assert_array_equal(encoded_X(tmp_path, bam=cram), plain_X)


def test_soft_masked_reference_encodes_as_the_plain_one(tmp_path, cram, plain_X):
    lines = REF.read_text().splitlines(keepends=True)
    masked = [ln if ln.startswith(">") or not (100 <= i < 12000) else ln.lower() for i, ln in enumerate(lines)]
    ref = tmp_path / "masked.fa"
    ref.write_text("".join(masked))
    assert sum(c.islower() for c in ref.read_text()) > 500_000
    samtools("faidx", ref)
    np.testing.assert_array_equal(encoded_X(tmp_path, reference=ref), plain_X)
    shutil.rmtree(tmp_path / "out")
    np.testing.assert_array_equal(encoded_X(tmp_path, bam=cram, reference=ref), plain_X)  # MD5 of uppercase


def test_paths_with_spaces_and_non_ascii(tmp_path, plain_X):
    d = tmp_path / "my data" / "échantillon ü"
    d.mkdir(parents=True)
    for f in (BAM, Path(str(BAM) + ".bai"), REF, Path(str(REF) + ".fai"), TRUTH, Path(str(TRUTH) + ".tbi")):
        shutil.copy2(f, d / f.name.replace("sample", "sample 1"))
    X = encoded_X(tmp_path, bam=d / "sample 1.bam", reference=d / "ref.fa", truth=d / "truth.vcf.gz")
    np.testing.assert_array_equal(X, plain_X)


# --- haplotypes ------------------------------------------------------------------------------

HAPLOTYPES = Path(__file__).resolve().parents[2] / "resources" / "demo" / "haplotypes"


def test_plain_gzip_haplotype_vcf(tmp_path):
    from genaug.encode.haplotypes import encode_haplotypes
    from genaug.errors import InputError

    vcf = tmp_path / "demo.vcf.gz"
    with open(vcf, "wb") as f:
        sh("bash", "-c", f"zcat '{HAPLOTYPES / 'demo.vcf.gz'}' | gzip", stdout=f)
    with pytest.raises(InputError) as info:
        encode_haplotypes(vcf, HAPLOTYPES / "populations.tsv")
    msg = str(info.value)
    assert msg.startswith(f"{vcf}: is gzip, not bgzip") and "tabix -p vcf" in msg and "\n" not in msg
