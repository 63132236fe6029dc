"""Scoring a new sample: a detector trained on the demo, applied to candidate VCFs.

A tiny detector is trained once per module on pileups encoded from the demo
BAM (window 64, 16 rows, one epoch). The candidate VCFs are the demo's DELLY
calls and small VCFs written here with pysam.
"""

import gzip
import logging
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest
import torch

from genaug import generators
from genaug.detect import load_detector, train_detector
from genaug.encode.sv import SvSettings, encode_sv
from genaug.errors import InputError
from genaug.score import DECIMALS, LOW, NOT_SCORED, SCORE_INFO, score_candidates
from genaug.tensors import load_encoded

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo" / "sv"
BAM, REF, TRUTH, CALLS = (DEMO / f for f in ("sample.bam", "ref.fa", "truth.vcf.gz", "calls.vcf.gz"))
SETTINGS = SvSettings(window=64, max_rows=16, negatives_per_positive=2)
TINY = {"epochs": 1, "image_size": [8, 32], "batch_size": 16}


def _train(enc, strategy="none", channels="same"):
    idx = np.arange(len(enc.y))
    tr, va = idx % 3 != 0, idx % 3 == 0
    return train_detector("cnn", strategy, enc.X[tr], enc.y[tr], enc.X[va], enc.y[va], list(enc.classes), 1, "image",
                          channels=enc.channels if channels == "same" else channels, settings=TINY, seed=1).detector


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("detector")
    encode_sv(BAM, REF, TRUTH, d / "encoded.npz", d / "samples.tsv", candidates=CALLS, settings=SETTINGS, seed=1)
    enc = load_encoded(d / "encoded.npz")
    _train(enc).save(d / "model.pt")
    return d


@pytest.fixture(scope="module")
def demo(trained, tmp_path_factory):
    """The demo's DELLY calls scored in the demo BAM."""
    out = tmp_path_factory.mktemp("scored")
    table = score_candidates(trained / "model.pt", BAM, REF, CALLS, out / "calls.vcf.gz", out / "calls.tsv",
                             settings=SETTINGS)
    return out, table


def _ids(path):
    with pysam.VariantFile(str(path)) as v:
        return [(r.contig, r.pos, r.id) for r in v]


def _passes(score, threshold):
    """The documented rule: compared at the written precision."""
    return round(score, DECIMALS) >= round(threshold, DECIMALS)


def _write_vcf(path, records, contigs=(("20", 1_200_000),), filters=("LowQual",)):
    """A small VCF from text, bgzipped and tabix-indexed with pysam; returns its path."""
    lines = ["##fileformat=VCFv4.2"]
    lines += [f"##contig=<ID={c},length={n}>" for c, n in contigs]
    lines += [f'##FILTER=<ID={f},Description="{f}">' for f in filters]
    lines += ['##INFO=<ID=SVTYPE,Number=1,Type=String,Description="SV type">',
              '##INFO=<ID=END,Number=1,Type=Integer,Description="End">',
              '##INFO=<ID=SVLEN,Number=1,Type=Integer,Description="Length">',
              "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    lines += ["\t".join(map(str, r)) for r in records]
    Path(path).write_text("\n".join(lines) + "\n")
    return Path(pysam.tabix_index(str(path), preset="vcf", force=True))


# --- the scored demo calls ------------------------------------------------------------

def test_scored_vcf_holds_every_input_record_in_order(demo):
    out, table = demo
    assert _ids(out / "calls.vcf.gz") == _ids(CALLS)
    assert len(table) == 67 == len(pd.read_csv(out / "calls.tsv", sep="\t"))
    assert list(table.id) == [i for _, _, i in _ids(CALLS)]


def test_header_declares_the_score_the_filters_and_the_detector(demo, trained):
    out, _ = demo
    detector = load_detector(trained / "model.pt")
    with pysam.VariantFile(str(out / "calls.vcf.gz")) as v:
        info = v.header.info[SCORE_INFO]
        assert (info.number, info.type) == (1, "Float")
        assert "variant" in info.description and "none" in info.description
        assert LOW in v.header.filters and NOT_SCORED in v.header.filters
        assert str(round(detector.threshold, DECIMALS)) in v.header.filters[LOW].description
        line = [r for r in v.header.records if r.key == "genaug_detector"]
        assert len(line) == 1 and str(trained / "model.pt") in str(line[0])


def test_filters_follow_the_threshold(demo, trained):
    out, table = demo
    threshold = load_detector(trained / "model.pt").threshold
    with pysam.VariantFile(str(out / "calls.vcf.gz")) as v:
        records = list(v)
    for rec, row in zip(records, table.itertuples()):
        p = rec.info[SCORE_INFO]
        assert 0.0 <= p <= 1.0 and math.isclose(p, row.score, abs_tol=1e-6)
        want = "PASS" if _passes(p, threshold) else LOW  # every DELLY call was PASS
        assert list(rec.filter.keys()) == [want] and row.filter == want


def test_output_is_bgzipped_and_indexed(demo):
    out, _ = demo
    assert (out / "calls.vcf.gz.tbi").stat().st_size > 0
    with open(out / "calls.vcf.gz", "rb") as f:
        assert f.read(4) == b"\x1f\x8b\x08\x04"  # BGZF: gzip with the extra field
    with pysam.VariantFile(str(out / "calls.vcf.gz")) as v:
        assert v.index is not None
        region = [r.id for r in v.fetch("20", 100_000, 300_000)]
    with pysam.VariantFile(str(CALLS)) as v:
        assert region and region == [r.id for r in v.fetch("20", 100_000, 300_000)]
    assert not list(out.glob("*.partial"))


def test_scores_equal_the_detector_on_the_encoders_tensors(demo, trained, tmp_path):
    """The calls encoded as positives by encode_sv, scored directly, give the VCF's scores."""
    out, table = demo
    encode_sv(BAM, REF, CALLS, tmp_path / "e.npz", tmp_path / "s.tsv",
              settings=replace(SETTINGS, negatives_per_positive=0), seed=1)
    enc = load_encoded(tmp_path / "e.npz")
    items = pd.read_csv(tmp_path / "s.tsv", sep="\t")
    direct = dict(zip(items.vcf_id, load_detector(trained / "model.pt").score(enc.X)))
    assert len(direct) == 67
    for row in table.itertuples():
        assert abs(direct[row.id] - row.score) < 2e-6, row.id


# --- records the detector cannot score ------------------------------------------------

MIXED = [
    ("20", 100_000, "del", "N", "<DEL>", ".", "PASS", "SVTYPE=DEL;END=100600"),
    ("20", 150_000, "bnd", "N", "N[20:600000[", ".", "PASS", "SVTYPE=BND"),
    ("20", 200_000, "small", "A", "ACGTACGT", ".", ".", "."),
    ("20", 250_000, "cnv", "N", "<CNV>", ".", "PASS", "SVTYPE=CNV;END=251000"),
    ("20", 300_000, "lowqual", "N", "<DEL>", ".", "LowQual", "SVTYPE=DEL;END=300800"),
    ("20", 350_000, "dup", "N", "<DUP>", ".", ".", "SVTYPE=DUP;END=351000"),
    ("20", 400_000, "ins", "A", "A" + "ACGTTGCA" * 8, ".", "PASS", "."),
]


def _score_mixed(model, tmp_path):
    vcf = _write_vcf(tmp_path / "mixed.vcf", MIXED)
    out = tmp_path / "out"
    out.mkdir()
    table = score_candidates(model, BAM, REF, vcf, out / "m.vcf.gz", out / "m.tsv", settings=SETTINGS)
    with pysam.VariantFile(str(out / "m.vcf.gz")) as v:
        recs = {r.id: r for r in v}
    assert list(recs) == [r[2] for r in MIXED] == list(table.id)
    return recs, table


def test_unscorable_records_are_kept_and_counted(trained, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="genaug"):
        recs, table = _score_mixed(trained / "model.pt", tmp_path)
    threshold = load_detector(trained / "model.pt").threshold
    for rid in ("bnd", "small", "cnv"):
        assert list(recs[rid].filter.keys()) == [NOT_SCORED] and SCORE_INFO not in recs[rid].info
    for rid in ("del", "dup", "ins"):
        p = recs[rid].info[SCORE_INFO]
        assert list(recs[rid].filter.keys()) == (["PASS"] if _passes(p, threshold) else [LOW])
    assert table.set_index("id").loc[["bnd", "small", "cnv"], "score"].isna().all()
    assert table.set_index("id").loc[["del", "dup", "ins", "lowqual"], "score"].between(0, 1).all()
    assert list(table.svtype) == ["DEL", "BND", "small indel", "CNV", "DEL", "DUP", "INS"]
    assert "not scored: BND 1, CNV 1, small indel 1" in caplog.text


@pytest.mark.parametrize("threshold, scored, lowqual", [(0.0, ["PASS"], ["LowQual"]),
                                                        (1.5, [LOW], ["LowQual", LOW])])
def test_filters_on_either_side_of_the_threshold(trained, tmp_path, threshold, scored, lowqual):
    """PASS (also for a record whose FILTER was '.') at or above it, GENAUG_LOW below; a caller's
    failing filter is kept and never becomes PASS; unscored records stay GENAUG_NOT_SCORED."""
    detector = load_detector(trained / "model.pt")
    detector.threshold = threshold
    detector.save(tmp_path / "moved.pt")
    recs, table = _score_mixed(tmp_path / "moved.pt", tmp_path)
    for rid in ("del", "dup", "ins"):
        assert list(recs[rid].filter.keys()) == scored, rid
    assert list(recs["lowqual"].filter.keys()) == lowqual
    assert list(recs["bnd"].filter.keys()) == [NOT_SCORED]
    assert list(table["filter"]) == [";".join(recs[r].filter.keys()) for r in recs]


def test_contig_rename_finds_chr_contigs_and_keeps_the_vcfs_names(trained, tmp_path):
    vcf = _write_vcf(tmp_path / "chr.vcf", [("chr20", 100_000, "del", "N", "<DEL>", ".", "PASS",
                                             "SVTYPE=DEL;END=100600")], contigs=(("chr20", 1_200_000),))
    out = tmp_path / "out"
    out.mkdir()
    table = score_candidates(trained / "model.pt", BAM, REF, vcf, out / "c.vcf.gz", out / "c.tsv",
                             settings=replace(SETTINGS, contig_rename="strip_chr"))
    assert list(table.chrom) == ["chr20"] and not table.score.isna().any()
    assert _ids(out / "c.vcf.gz") == [("chr20", 100_000, "del")]


# --- bad input: one line naming the file, nothing written ------------------------------

def _fails(tmp_path, names, *words, model=None, candidates=CALLS, settings=SETTINGS, trained=None):
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    with pytest.raises(InputError) as info:
        score_candidates(model or trained / "model.pt", BAM, REF, candidates, out / "s.vcf.gz", out / "s.tsv",
                         settings=settings)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(str(names)), msg
    for w in words:
        assert w in msg, msg
    assert list(out.iterdir()) == []
    return msg


def test_detector_of_another_shape(trained, tmp_path):
    _fails(tmp_path, trained / "model.pt", "shape", "(6, 16, 64)", "(6, 16, 128)",
           trained=trained, settings=replace(SETTINGS, window=32))
    _fails(tmp_path, trained / "model.pt", "shape", "(6, 32, 128)", trained=trained,
           settings=replace(SETTINGS, max_rows=32))


def test_detector_of_another_channel_set(trained, tmp_path):
    """Same item shape, but trained on image items without the pileup channels."""
    _train(load_encoded(trained / "encoded.npz"), channels=None).save(tmp_path / "unnamed.pt")
    _fails(tmp_path, tmp_path / "unnamed.pt", "channels", "base", model=tmp_path / "unnamed.pt")


def test_model_files_that_are_not_detectors(trained, tmp_path):
    enc = load_encoded(trained / "encoded.npz")
    gen = generators.train("classic", enc.X[enc.y == 1][:8], layout="image", out_dir=tmp_path / "gen",
                       channels=enc.channels)
    _fails(tmp_path, gen.model, "not a genaug detector", model=gen.model)
    text = tmp_path / "model.pt"
    text.write_text("not a model\n")
    _fails(tmp_path, text, "not a genaug detector", model=text)
    other = tmp_path / "weights.pt"
    torch.save({"format": "genaug-detector", "version": 99, "detector": "cnn"}, other)
    _fails(tmp_path, other, "version 99", model=other)
    _fails(tmp_path, tmp_path / "missing.pt", "not found", model=tmp_path / "missing.pt")


def test_candidate_on_a_contig_the_bam_lacks(trained, tmp_path):
    vcf = _write_vcf(tmp_path / "c21.vcf", [
        ("20", 100_000, "del", "N", "<DEL>", ".", "PASS", "SVTYPE=DEL;END=100600"),
        ("21", 100_000, "elsewhere", "N", "<DEL>", ".", "PASS", "SVTYPE=DEL;END=100600"),
    ], contigs=(("20", 1_200_000), ("21", 1_000_000)))
    _fails(tmp_path, vcf, "'21'", "elsewhere", "contig_rename", candidates=vcf, trained=trained)
    chr_vcf = _write_vcf(tmp_path / "chr.vcf", [("chr20", 100_000, "del", "N", "<DEL>", ".", "PASS",
                                                 "SVTYPE=DEL;END=100600")], contigs=(("chr20", 1_200_000),))
    _fails(tmp_path, chr_vcf, "'chr20'", "strip_chr", candidates=chr_vcf, trained=trained)


def test_candidate_beyond_a_contig_end(trained, tmp_path):
    vcf = _write_vcf(tmp_path / "far.vcf", [("20", 1_199_900, "far", "N", "<DEL>", ".", "PASS",
                                             "SVTYPE=DEL;END=1250000")])
    _fails(tmp_path, vcf, "beyond the end", candidates=vcf, trained=trained)


def test_unsorted_candidates(trained, tmp_path):
    vcf = tmp_path / "unsorted.vcf"
    _write_vcf(tmp_path / "tmp.vcf", [])
    header = [line for line in gzip.open(tmp_path / "tmp.vcf.gz", "rt")]
    rows = ["20\t300000\tb\tN\t<DEL>\t.\tPASS\tSVTYPE=DEL;END=300600\n",
            "20\t100000\ta\tN\t<DEL>\t.\tPASS\tSVTYPE=DEL;END=100600\n"]
    vcf.write_text("".join(header + rows))  # plain text: tabix would refuse to index it
    _fails(tmp_path, vcf, "not sorted", "bcftools sort", candidates=vcf, trained=trained)


def test_an_already_scored_vcf(demo, trained, tmp_path):
    out, _ = demo
    _fails(tmp_path, out / "calls.vcf.gz", SCORE_INFO, candidates=out / "calls.vcf.gz", trained=trained)


def test_records_with_impossible_spans_are_kept_and_not_scored(trained, tmp_path):
    records = [("20", 100000, "end_before_pos", "N", "<DEL>", ".", "PASS", "SVTYPE=DEL;SVLEN=-100;END=99900"),
               ("20", 200000, "zero_length", "N", "<DUP>", ".", "PASS", "SVTYPE=DUP;SVLEN=0;END=200000"),
               ("20", 300000, "svlen_vs_end", "N", "<INV>", ".", "PASS", "SVTYPE=INV;SVLEN=5000;END=300100"),
               ("20", 400000, "good", "N", "<DEL>", ".", "PASS", "SVTYPE=DEL;SVLEN=-300;END=400300")]
    vcf = _write_vcf(tmp_path / "impossible.vcf", records)
    out = tmp_path / "out"
    out.mkdir()
    table = score_candidates(trained / "model.pt", BAM, REF, vcf, out / "i.vcf.gz", out / "i.tsv", settings=SETTINGS)
    with pysam.VariantFile(str(out / "i.vcf.gz")) as v:
        recs = {r.id: r for r in v}
    for rid in ("end_before_pos", "zero_length", "svlen_vs_end"):
        assert list(recs[rid].filter.keys()) == [NOT_SCORED] and SCORE_INFO not in recs[rid].info
    assert SCORE_INFO in recs["good"].info
    assert list(table.svtype) == ["DEL, END before POS", "DUP, zero-length DUP", "INV, SVLEN disagrees with END", "DEL"]


def test_a_bam_whose_reads_are_all_filtered_out_stops_scoring(trained, tmp_path):
    msg = _fails(tmp_path, BAM, "no read passes the filters", "have MAPQ < 61", "encode.sv.min_mapq",
                 trained=trained, settings=replace(SETTINGS, min_mapq=61))
    assert "\n" not in msg
