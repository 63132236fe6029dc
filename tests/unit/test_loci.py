"""Candidate loci: truth VCF parsing, call matching, sampled negatives, groups."""

import numpy as np
import pandas as pd
import pytest

from genaug.encode import loci
from genaug.errors import InputError

HEADER = """##fileformat=VCFv4.2
##contig=<ID=chr1,length=100000>
##INFO=<ID=SVTYPE,Number=1,Type=String,Description="type">
##INFO=<ID=SVLEN,Number=1,Type=Integer,Description="length">
##INFO=<ID=END,Number=1,Type=Integer,Description="end">
##ALT=<ID=DEL,Description="deletion">
##ALT=<ID=INV,Description="inversion">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO
"""


def _vcf(tmp_path, records, name="x.vcf"):
    path = tmp_path / name
    path.write_text(HEADER + "".join("\t".join(map(str, r)) + "\n" for r in records))
    return str(path)


def _loci(rows):
    return pd.DataFrame(rows, columns=["contig", "start", "end", "svtype", "svlen", "vcf_id"])


def test_read_sv_vcf_types_ends_and_drops(tmp_path, caplog):
    path = _vcf(tmp_path, [
        ("chr1", 1000, "d1", "A", "<DEL>", ".", "PASS", "SVTYPE=DEL;SVLEN=-500;END=1500"),
        ("chr1", 2000, "i1", "C", "CAGTAGTAGTAGTAGTAGTAGTAGTAGTAGTAGTAGTAGTAGTAGTAGTAGTAGT", ".", "PASS", "."),
        ("chr1", 3000, "v1", "G", "<INV>", ".", "PASS", "SVTYPE=INV;END=3900"),
        ("chr1", 4000, "b1", "T", "T[chr1:9000[", ".", "PASS", "SVTYPE=BND"),
        ("chr1", 5000, "s1", "T", "A", ".", "PASS", "."),
        ("chr1", 6000, "x1", "TA", "T", ".", "PASS", "."),
    ])
    df = loci.read_sv_vcf(path, contig_lengths={"chr1": 100000})
    assert df.vcf_id.tolist() == ["d1", "i1", "v1"]
    assert df.svtype.tolist() == ["DEL", "INS", "INV"]
    assert df.end.tolist() == [1500, 2000, 3900]
    assert df.svlen.tolist() == [-500, 54, 900]  # inserted bases: ALT 55 bp minus REF 1
    dropped = " ".join(r.getMessage() for r in caplog.records)
    assert "1 record(s) of type BND" in dropped and "1 record(s) of type small indel" in dropped


def test_read_sv_vcf_contig_rename_and_errors(tmp_path):
    path = _vcf(tmp_path, [("chr1", 1000, "d1", "A", "<DEL>", ".", "PASS", "SVTYPE=DEL;END=1500")])
    with pytest.raises(InputError, match="contig_rename") as e:
        loci.read_sv_vcf(path, contig_lengths={"1": 100000})
    assert "\n" not in str(e.value) and path in str(e.value)
    df = loci.read_sv_vcf(path, rename="strip_chr", contig_lengths={"1": 100000})
    assert df.contig.tolist() == ["1"]
    with pytest.raises(InputError, match="beyond the end"):
        loci.read_sv_vcf(path, contig_lengths={"chr1": 1200})


def test_matches_truth_rules():
    truth = _loci([("c", 1000, 2000, "DEL", -1000, "t")])
    call = lambda s, e, t="DEL": next(_loci([("c", s, e, t, 0, "x")]).itertuples(index=False))
    assert loci.matches_truth(call(1400, 2300), truth)           # reciprocal overlap 0.6 / 0.67
    assert not loci.matches_truth(call(1600, 2600), truth)       # overlap 0.4, breakpoints 600 away
    assert loci.matches_truth(call(1400, 2450), truth)           # overlap 0.57 / 0.6
    assert not loci.matches_truth(call(1400, 2300, "DUP"), truth)  # other type
    # both breakpoints within 500 bp, though the overlap is small
    truth_small = _loci([("c", 1000, 1100, "DEL", -100, "t")])
    assert loci.matches_truth(call(1400, 1500), truth_small)
    assert not loci.matches_truth(call(1600, 1700), truth_small)


def test_hard_negatives_keep_unmatched_and_drop_ambiguous():
    truth = _loci([("c", 10000, 11000, "DEL", -1000, "t")])
    calls = _loci([
        ("c", 10100, 11050, "DEL", 0, "match"),
        ("c", 10500, 10700, "DUP", 0, "near"),       # other type, inside the truth SV: ambiguous
        ("c", 50000, 51000, "DEL", 0, "false"),
    ])
    hard = loci.hard_negatives(calls, truth, window=256, margin=512)
    assert hard.vcf_id.tolist() == ["false"]


def test_sample_negatives_keep_away_and_are_deterministic():
    truth = _loci([("c", 20000 + 15000 * i, 20500 + 15000 * i + 300 * i, "DEL", 0, "t") for i in range(10)])
    lengths = {"c": 200000}
    settings = loci.NegativeSettings(per_positive=5, margin=512)
    neg = loci.sample_negatives(truth, lengths, 256, settings, np.random.default_rng(3), block=20000)
    again = loci.sample_negatives(truth, lengths, 256, settings, np.random.default_rng(3), block=20000)
    assert len(neg) == 50 and neg.equals(again)
    pad = 512 + 256
    for n in neg.itertuples():
        assert not ((truth.start - pad <= n.end) & (n.start <= truth.end + pad)).any()
        # windows (and the read-pair gap) inside one group block
        assert (n.start - 128 - loci.GROUP_GAP) // 20000 == (n.end + 128 + loci.GROUP_GAP) // 20000
    assert set(neg.end - neg.start) <= set(truth.end - truth.start)


def test_region_groups_merge_overlapping_windows_across_blocks():
    contigs = np.array(["a", "a", "a", "a", "b"])
    left = np.array([100, 19_900, 20_100, 60_000, 100])
    right = np.array([100, 19_900, 20_100, 90_000, 100])
    g = loci.region_groups(contigs, left, right, window=256, block=20_000)
    assert g[1] == g[2]            # windows straddling the block edge share a group
    assert g[0] != g[3] and g[3] != g[1]
    assert g[4] != g[0]            # other contig
    assert g[0] == "a:0"
