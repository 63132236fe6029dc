"""Bad input stops encode_sv before any output exists, with one line naming the file.

Each case breaks one copy of the bundled demo data (made with pysam here) and
calls ``genaug.encode.sv.encode_sv``; the last test does the same through a
real Snakemake run.
"""

import gzip
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pysam
import pytest
import yaml

from genaug.encode.sv import SvSettings, encode_sv
from genaug.errors import InputError

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo" / "sv"
BAM, REF, TRUTH, CALLS = (DEMO / f for f in ("sample.bam", "ref.fa", "truth.vcf.gz", "calls.vcf.gz"))
FAST = SvSettings(window=64, max_rows=4, negatives_per_positive=0.5, insert_size=(0, 1000))


def _encode(tmp_path, bam=BAM, reference=REF, truth=TRUTH, candidates=None, settings=FAST):
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return encode_sv(bam, reference, truth, out / "encoded.npz", out / "samples.tsv",
                     candidates=candidates, settings=settings, seed=1, threads=1)


def _fails(tmp_path, names, *words, **kwargs):
    """encode_sv raises InputError naming ``names`` (the file) and every word; no output is left."""
    with pytest.raises(InputError) as info:
        _encode(tmp_path, **kwargs)
    msg = str(info.value)
    assert "\n" not in msg, msg
    assert str(names) in msg, msg
    assert msg.startswith(str(names)), msg
    for w in words:
        assert w in msg, msg
    out = tmp_path / "out"
    assert not (out / "encoded.npz").exists() and not (out / "samples.tsv").exists()
    assert not list(out.glob("*.partial")), list(out.glob("*"))
    return msg


def _later(path, seconds=10):
    t = os.path.getmtime(path) + seconds
    os.utime(path, (t, t))


def _vcf_text():
    with gzip.open(TRUTH, "rt") as f:
        return f.read()


def _write_vcf(path, text):
    """Write VCF text, bgzip and tabix it (pysam only); returns the .vcf.gz path."""
    path = Path(path)
    path.write_text(text)
    return Path(pysam.tabix_index(str(path), preset="vcf", force=True))


def _header():
    return "".join(line for line in _vcf_text().splitlines(keepends=True) if line.startswith("#"))


def _records(lines):
    return "".join("\t".join(map(str, fields)) + "\n" for fields in lines)


# --- alignments ---------------------------------------------------------------

def test_missing_bam_index(tmp_path):
    bam = tmp_path / "sample.bam"
    shutil.copy(BAM, bam)
    _fails(tmp_path, bam, "no index found", "samtools index", bam=bam)


def test_bam_index_older_than_bam(tmp_path):
    bam = tmp_path / "sample.bam"
    shutil.copy(BAM, bam)
    shutil.copy(str(BAM) + ".bai", str(bam) + ".bai")
    _later(bam)
    _fails(tmp_path, bam, "older than the file", bam=bam)


def test_truncated_bam(tmp_path):
    bam = tmp_path / "sample.bam"
    data = BAM.read_bytes()
    bam.write_bytes(data[: int(len(data) * 0.6)])
    index = Path(str(bam) + ".bai")
    shutil.copy(str(BAM) + ".bai", index)
    _later(index)  # a fresh-looking index: only the missing EOF marker gives it away
    _fails(tmp_path, bam, "truncated", bam=bam)


@pytest.mark.parametrize("key, name", [("bam", "absent.bam"), ("reference", "absent.fa"),
                                       ("truth", "absent.vcf.gz"), ("candidates", "absent_calls.vcf.gz")])
def test_missing_file(tmp_path, key, name):
    missing = tmp_path / name
    _fails(tmp_path, missing, "file not found", **{key: missing})


def test_bam_and_reference_contig_names_differ(tmp_path):
    ref = tmp_path / "chr_ref.fa"
    text = REF.read_text()
    assert text.startswith(">20")
    ref.write_text(">chr20" + text[3:])
    pysam.faidx(str(ref))
    msg = _fails(tmp_path, BAM, "no contig name in common", "'chr20'", "'20'", reference=ref)
    assert str(ref) in msg  # the reference is named too


def test_reference_index_missing_or_stale(tmp_path):
    ref = tmp_path / "ref.fa"
    shutil.copy(REF, ref)
    _fails(tmp_path, ref, "no index", "samtools faidx", reference=ref)
    assert not Path(str(ref) + ".fai").exists()  # not rebuilt behind the user's back
    shutil.copy(str(REF) + ".fai", str(ref) + ".fai")
    _later(ref)
    _fails(tmp_path, ref, "older than the file", reference=ref)


# --- VCFs -----------------------------------------------------------------------

def _chr_truth(tmp_path):
    lines = []
    for line in _vcf_text().splitlines(keepends=True):
        if line.startswith("##contig=<ID=20,"):
            line = line.replace("ID=20,", "ID=chr20,")
        elif not line.startswith("#"):
            line = "chr" + line
        lines.append(line)
    return _write_vcf(tmp_path / "truth_chr.vcf", "".join(lines))


def test_truth_vcf_with_chr_contigs_names_contig_rename(tmp_path):
    truth = _chr_truth(tmp_path)
    _fails(tmp_path, truth, "'chr20'", "contig_rename", "strip_chr", truth=truth)


def test_strip_chr_makes_the_chr_truth_vcf_work(tmp_path):
    truth = _chr_truth(tmp_path)
    items = _encode(tmp_path, truth=truth, settings=replace(FAST, contig_rename="strip_chr"))
    with pysam.VariantFile(str(TRUTH)) as vcf:
        n_truth = sum(1 for _ in vcf)
    pos = items[items.source == "truth"]
    assert len(pos) == n_truth
    assert set(items.contig) == {"20"}
    assert (tmp_path / "out" / "encoded.npz").exists()


def test_vcf_with_only_snps(tmp_path):
    with pysam.FastaFile(str(REF)) as fa:
        snps = [("20", p, f"snp{p}", fa.fetch("20", p - 1, p), "A" if fa.fetch("20", p - 1, p) != "A" else "C",
                 ".", "PASS", ".", "GT", "0/1") for p in (1000, 5000, 9000)]
    truth = _write_vcf(tmp_path / "snps.vcf", _header() + _records(snps))
    _fails(tmp_path, truth, "no usable SV", truth=truth)


def test_vcf_with_only_breakends(tmp_path, caplog):
    bnd = [("20", p, f"bnd{p}", "N", f"N[20:{p + 5000}[", ".", "PASS", "SVTYPE=BND", "GT", "0/1")
           for p in (1000, 20000, 40000)]
    header = _header().replace("##FORMAT", '##ALT=<ID=BND,Description="Breakend">\n##FORMAT', 1)
    truth = _write_vcf(tmp_path / "bnd.vcf", header + _records(bnd))
    _fails(tmp_path, truth, "no usable SV", truth=truth)
    # the warning says what was dropped and how much
    assert any("dropped 3 record(s) of type BND" in r.getMessage() for r in caplog.records), caplog.text


def test_locus_beyond_contig_end(tmp_path):
    body = [line for line in _vcf_text().splitlines(keepends=True) if not line.startswith("#")]
    bad = ("20", 1_199_000, "DEL_beyond", "A", "<DEL>", ".", "PASS",
           "SVTYPE=DEL;SVLEN=-101000;END=1300000", "GT", "0/1")
    truth = _write_vcf(tmp_path / "beyond.vcf", _header() + "".join(body) + _records([bad]))
    _fails(tmp_path, truth, "DEL_beyond", "beyond the end of contig '20'", "1200000", truth=truth)


def test_stale_vcf_index(tmp_path):
    truth = tmp_path / "truth.vcf.gz"
    shutil.copy(TRUTH, truth)
    shutil.copy(str(TRUTH) + ".tbi", str(truth) + ".tbi")
    _later(truth)
    _fails(tmp_path, truth, "older than the file", "tabix", truth=truth)


# --- through the workflow ---------------------------------------------------------

def test_workflow_stops_with_the_one_line_message(tmp_path):
    with pysam.FastaFile(str(REF)) as fa:
        base = fa.fetch("20", 999, 1000)
    snp = [("20", 1000, "snp1", base, "A" if base != "A" else "C", ".", "PASS", ".", "GT", "0/1")]
    truth = _write_vcf(tmp_path / "snps.vcf", _header() + _records(snp))
    (tmp_path / "config").mkdir()
    config = {"datasets": {"bad": {"kind": "sv", "bam": str(BAM), "reference": str(REF), "truth": str(truth)}},
              "encode": {"sv": {"window": 64, "max_rows": 4, "insert_size": [0, 1000]}}}
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    p = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "workflow" / "Snakefile"),
                        "--directory", str(tmp_path), "--cores", "1"],
                       capture_output=True, text=True, timeout=300)
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    expected = f"{truth}: holds no usable SV"
    line = next((ln for ln in out.splitlines() if ln.startswith(f"genaug: {expected}")), None)
    assert line is not None, out
    log = (tmp_path / "results" / "logs" / "encode_sv" / "bad.log").read_text()
    assert expected in log
    assert not (tmp_path / "results" / "bad" / "encoded.npz").exists()
    assert not (tmp_path / "results" / "bad" / "samples.tsv").exists()
    assert not list((tmp_path / "results").rglob("*.partial"))
