"""SV candidate discovery on a BAM written read by read with pysam (tests/sv_bam.py), the candidates
VCF and its merge with a caller's VCF, and the encoder's items built from the candidates."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import sv_bam  # noqa: E402

from genaug.encode import discover, loci  # noqa: E402
from genaug.encode.sv import SvSettings, candidate_loci  # noqa: E402

TOLERANCE = 5  # bp: a breakpoint found this close to the planted one is right


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    d = tmp_path_factory.mktemp("discover")
    bam, ref = d / "s.bam", d / "ref.fa"
    sv_bam.write_bam(bam, ref)
    found, lengths, insert_range = discover.discover_candidates(bam, ref)
    return d, bam, ref, found, lengths, insert_range


def _truth_vcf(path, lengths, svs=sv_bam.SVS):
    h = pysam.VariantHeader()
    for c, n in lengths.items():
        h.contigs.add(c, length=n)
    h.add_line('##INFO=<ID=SVTYPE,Number=1,Type=String,Description="type">')
    h.add_line('##INFO=<ID=SVLEN,Number=1,Type=Integer,Description="length">')
    h.add_line('##INFO=<ID=END,Number=1,Type=Integer,Description="end">')
    with pysam.VariantFile(str(path), "wz", header=h) as out:
        for i, (t, pos, end) in enumerate(svs):
            rec = h.new_record(contig=sv_bam.CONTIG, start=pos - 1, stop=end if t != "INS" else pos,
                               alleles=("N", f"<{t}>"), id=f"{t}_{i}")
            rec.info["SVTYPE"] = t
            rec.info["SVLEN"] = -(end - pos) if t == "DEL" else (end - pos if t != "INS" else sv_bam.INS_LEN)
            out.write(rec)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    return path


def test_each_planted_sv_is_found_at_its_breakpoints_with_its_type(sim):
    found = sim[3]
    for t, pos, end in sv_bam.SVS:
        hit = found[(found.svtype == t) & ((found.start - pos).abs() <= TOLERANCE)
                    & ((found.end - end).abs() <= TOLERANCE)]
        assert len(hit) == 1, (t, pos, end, found.to_string())
    assert len(found) == len(sv_bam.SVS), found.to_string()


def test_split_reads_and_pairs_are_counted(sim):
    found = sim[3].set_index("svtype")
    for t in ("DEL", "DUP", "INV"):
        assert found.loc[t, "sr"] >= 5 and found.loc[t, "pe"] >= 5
    assert found.loc["INS", "clip"] >= 5 and found.loc["INS", "pe"] >= 5
    assert found.loc["DEL", "rd"] < 0.2 and found.loc["DUP", "rd"] > 1.6  # homozygous: no read / twice the reads


def test_a_lone_pair_or_clip_is_no_candidate_but_is_evidence(sim):
    _, bam, ref, found, *_ = sim
    a, b = sv_bam.NOISE_PAIR
    far = [abs(found.start - p).min() for p in (a, b, sv_bam.NOISE_CLIP)]
    assert min(far) > 1000
    # the same reads with one read enough: both noise events are then candidates
    loose, *_ = discover.discover_candidates(bam, ref, discover.DiscoverSettings(min_support=1))
    assert ((loose.svtype == "DEL") & ((loose.start - (a + sv_bam.READ)).abs() < 50)).any()


def test_threads_give_the_same_candidates(sim):
    _, bam, ref, found, *_ = sim
    parallel, *_ = discover.discover_candidates(bam, ref, discover.DiscoverSettings(chunk_bp=10_000), threads=2)
    cols = ["contig", "start", "end", "svtype", "sr", "pe"]
    # chunks cut nothing: every read is scanned once, in the chunk holding its start
    assert parallel[cols].equals(found[cols])


def test_split_junction_types():
    # forward read: first part ends at 100, second starts at 500 -> deletion 100-500
    assert discover.split_junction(0, 100, False, 0, 500, 550, False, 100) == ("DEL", 100, 500)
    # second part starts before the first ends: tandem duplication
    assert discover.split_junction(400, 500, False, 0, 100, 150, False, 100) == ("DUP", 100, 500)
    # opposite strands: inversion
    assert discover.split_junction(0, 100, False, 0, 450, 500, True, 100)[0] == "INV"
    # a reverse-strand read of the deletion gives the same deletion
    assert discover.split_junction(500, 550, True, 0, 50, 100, True, 50) == ("DEL", 100, 500)


def _bcftools_ok(path):
    p = subprocess.run(["bcftools", "view", str(path)], capture_output=True, text=True)
    return p.returncode == 0 and not p.stderr.strip(), p.stderr


def _caller_vcf(path, lengths):
    """A caller's VCF: one deletion that discovery finds too, one false duplication, one breakend, one LowQual INV."""
    h = pysam.VariantHeader()
    for c, n in lengths.items():
        h.contigs.add(c, length=n)
    h.add_line('##INFO=<ID=SVTYPE,Number=1,Type=String,Description="type">')
    h.add_line('##INFO=<ID=END,Number=1,Type=Integer,Description="end">')
    h.add_line('##INFO=<ID=PE,Number=1,Type=Integer,Description="caller pairs">')
    h.add_line('##FILTER=<ID=LowQual,Description="low">')
    h.add_sample("S")
    h.add_line('##FORMAT=<ID=GT,Number=1,Type=String,Description="genotype">')
    recs = [("del1", 1995, 2405, "DEL", "PASS"), ("inv_low", 6002, 6498, "INV", "LowQual"),
            ("dup_false", 18000, 18600, "DUP", "PASS"), ("bnd", 20000, None, "BND", "PASS")]
    with pysam.VariantFile(str(path), "wz", header=h) as out:
        for vid, pos, end, t, flt in recs:
            alt = f"<{t}>" if t != "BND" else "N[chrT:100["
            rec = h.new_record(contig=sv_bam.CONTIG, start=pos - 1, stop=end or pos, alleles=("N", alt), id=vid,
                               filter=flt)
            rec.info["SVTYPE"] = t
            rec.info["PE"] = 7
            rec.samples["S"]["GT"] = (0, 1)
            out.write(rec)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    return path, [r[0] for r in recs]


def test_candidates_vcf_is_valid_and_sorted(sim):
    d, bam, ref, found, lengths, insert_range = sim
    out = d / "alone.vcf.gz"
    discover.write_candidates_vcf(found, lengths, ref, out, insert_range=insert_range)
    ok, err = _bcftools_ok(out)
    assert ok, err
    assert (d / "alone.vcf.gz.tbi").stat().st_size > 0
    with pysam.VariantFile(str(out)) as v:
        assert v.header.contigs[sv_bam.CONTIG].length == sv_bam.LENGTH
        recs = list(v)
    assert [r.pos for r in recs] == sorted(r.pos for r in recs)
    assert {r.info["GENAUG_SOURCE"] for r in recs} == {"discover"}
    dele = next(r for r in recs if r.info["SVTYPE"] == "DEL")
    assert (dele.pos, dele.stop, dele.info["SVLEN"]) == (2000, 2400, -400)
    assert dele.info["GENAUG_SR"] >= 5 and "GENAUG_RD" in dele.info
    assert dele.ref == pysam.FastaFile(str(ref)).fetch(sv_bam.CONTIG, 1999, 2000)


def test_merge_keeps_every_caller_record_and_marks_both(sim):
    d, bam, ref, found, lengths, insert_range = sim
    caller, ids = _caller_vcf(d / "caller.vcf.gz", lengths)
    out = d / "merged.vcf.gz"
    discover.write_candidates_vcf(found, lengths, ref, out, caller=caller, insert_range=insert_range)
    ok, err = _bcftools_ok(out)
    assert ok, err
    with pysam.VariantFile(str(out)) as v:
        recs = {r.id: r for r in v}
    assert set(ids) <= set(recs)
    src = {k: r.info["GENAUG_SOURCE"] for k, r in recs.items()}
    assert src["del1"] == "both" and src["dup_false"] == "caller" and src["bnd"] == "caller"
    assert src["inv_low"] == "both" and set(recs["inv_low"].filter.keys()) == {"LowQual"}  # its filter kept
    assert recs["del1"].info["PE"] == 7 and recs["del1"].info["GENAUG_SR"] >= 5
    # the discovered DEL and INV are written once, as the caller's records; DUP and INS are discovery's own
    assert sorted(r.info["SVTYPE"] for r in recs.values() if src[r.id] == "discover") == ["DUP", "INS"]


def test_items_from_candidates(sim):
    d, bam, ref, found, lengths, insert_range = sim
    truth = _truth_vcf(d / "truth.vcf.gz", lengths, sv_bam.SVS[:3])  # the insertion is no truth SV here
    caller, _ = _caller_vcf(d / "caller2.vcf.gz", lengths)
    cands = d / "cands.vcf.gz"
    discover.write_candidates_vcf(found, lengths, ref, cands, caller=caller, insert_range=insert_range)
    settings = SvSettings(window=64, random_negatives=False)
    items = candidate_loci(truth, cands, lengths, settings, 1, discovered=True)
    pos = items[items.label == "variant"]
    neg = items[items.label == "non_variant"]
    assert len(pos) == 3 and set(pos.source) == {"both", "discover"}
    assert set(neg.svtype) == {"INS", "DUP"} and set(neg.source) == {"discover", "caller"}
    assert neg.set_index("svtype").loc["DUP", "called"] == 1 and neg.set_index("svtype").loc["INS", "called"] == 0
    with_random = candidate_loci(truth, cands, lengths, SvSettings(window=64, negatives_per_positive=2), 1,
                                 discovered=True)
    assert (with_random.source == "sampled").sum() == 6


def test_a_truth_sv_no_candidate_finds_stays_a_positive(sim):
    d, bam, ref, found, lengths, insert_range = sim
    truth = _truth_vcf(d / "truth3.vcf.gz", lengths, sv_bam.SVS + [("DEL", 22000, 22500)])
    cands = d / "alone2.vcf.gz"
    discover.write_candidates_vcf(found, lengths, ref, cands, insert_range=insert_range)
    items = candidate_loci(truth, cands, lengths, SvSettings(window=64), 1, discovered=True)
    pos = items[items.label == "variant"]
    assert len(pos) == 5 and (pos.source == "truth").sum() == 1 and "called" not in items


def test_recall_by_type_counts_matches():
    truth = pd.DataFrame([("c", 100, 600, "DEL", -500, "a"), ("c", 5000, 5000, "INS", 300, "b")],
                         columns=loci.COLUMNS)
    found = pd.DataFrame([("c", 110, 590, "DEL")], columns=["contig", "start", "end", "svtype"])
    r = discover.recall_by_type(truth, found).set_index("svtype")
    assert r.loc["all", "found"] == 1 and r.loc["INS", "recall"] == 0 and np.isnan(r.loc["DUP", "recall"])


def test_no_negative_at_all_is_a_clear_error(sim):
    from genaug.errors import InputError

    d, bam, ref, found, lengths, insert_range = sim
    truth = _truth_vcf(d / "truth4.vcf.gz", lengths)
    cands = d / "alone3.vcf.gz"
    discover.write_candidates_vcf(found, lengths, ref, cands, insert_range=insert_range)
    with pytest.raises(InputError, match="random_negatives: true"):
        candidate_loci(truth, cands, lengths, SvSettings(window=64, random_negatives=False), 1, discovered=True)


def test_without_samtools_on_path_pysam_scans_the_same(sim, monkeypatch):
    _, bam, ref, found, *_ = sim
    monkeypatch.setattr(discover.shutil, "which", lambda name: None)
    again, *_ = discover.discover_candidates(bam, ref)
    assert again[["start", "end", "svtype", "sr", "pe", "clip"]].equals(found[["start", "end", "svtype", "sr", "pe",
                                                                              "clip"]])


def test_the_filter_expression_keeps_the_reads_of_its_three_terms(tmp_path):
    """One sum stands for `ncigar > 1 || tlen > del_min`, also at the int32 extremes of tlen."""
    h = pysam.AlignmentHeader.from_dict({"HD": {"VN": "1.6", "SO": "coordinate"},
                                         "SQ": [{"SN": "c", "LN": 10_000}]})
    cases = [  # name, proper pair, cigar, tlen, kept
        ("proper_small", True, "100M", 400, False), ("proper_right", True, "100M", -900, False),
        ("proper_long", True, "100M", 601, True), ("proper_at_min", True, "100M", 600, False),
        ("proper_clip_right", True, "80M20S", -(2**31 - 1), True), ("proper_clip_far", True, "80M20S", 2**31 - 1, True),
        ("proper_indel", True, "50M2D50M", -300, True), ("improper", False, "100M", 300, True),
        ("improper_zero", False, "100M", 0, True)]
    path = tmp_path / "e.bam"
    with pysam.AlignmentFile(str(path), "wb", header=h) as out:
        for name, proper, cigar, tlen, _ in cases:
            r = pysam.AlignedSegment(h)
            r.query_name, r.reference_id, r.reference_start, r.mapping_quality = name, 0, 1000, 60
            r.cigarstring, r.query_sequence = cigar, "A" * 100
            r.flag = 1 | 64 | (2 if proper else 0)
            r.next_reference_id, r.next_reference_start, r.template_length = 0, 1200, tlen
            out.write(r)
    pysam.index(str(path))
    expr = discover.read_filter_expression(600)
    kept = subprocess.run(["samtools", "view", "-e", expr, str(path)], capture_output=True, text=True, check=True)
    assert sorted(line.split("\t")[0] for line in kept.stdout.splitlines()) == sorted(c[0] for c in cases if c[4])


def test_a_samtools_that_fails_leaves_pysam_to_scan_the_same(sim, tmp_path, monkeypatch):
    _, bam, ref, found, *_ = sim
    fake = tmp_path / "samtools"  # prints clips of an insertion at 1054, then fails like one too old for -e
    lines = "".join(f"printf 'r{i}\\t0\\t{sv_bam.CONTIG}\\t{pos}\\t60\\t{cigar}\\t*\\t0\\t0\\tA\\tI\\n'\n"
                    for i in range(3) for pos, cigar in ((1005, "50M50S"), (1055, "50S50M")))
    fake.write_text(f"#!/bin/sh\n{lines}echo 'unknown option -- e' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(discover.shutil, "which", lambda name: str(fake))
    again, *_ = discover.discover_candidates(bam, ref)
    assert again[["start", "end", "svtype", "sr", "pe", "clip"]].equals(found[["start", "end", "svtype", "sr", "pe",
                                                                              "clip"]])
