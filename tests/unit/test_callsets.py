"""Call sets of a scored VCF against a truth VCF: hand-written VCFs, hand-counted precision / recall / F1."""

import numpy as np
import pysam
import pytest

from genaug.callsets import CALLSETS, callsets, evaluate_callsets, read_sv_records
from genaug.report import CALLSETS as REPORT_CALLSETS
from genaug.report import callsets_markdown, callsets_rows

HEADER = """##fileformat=VCFv4.2
##contig=<ID=20,length=100000>
##ALT=<ID=DEL,Description="Deletion">
##ALT=<ID=DUP,Description="Duplication">
##ALT=<ID=INS,Description="Insertion">
##INFO=<ID=SVTYPE,Number=1,Type=String,Description="type">
##INFO=<ID=SVLEN,Number=1,Type=Integer,Description="length">
##INFO=<ID=END,Number=1,Type=Integer,Description="end">
##INFO=<ID=GENAUG_P,Number=1,Type=Float,Description="p">
{source}##FILTER=<ID=LowQual,Description="caller's own">
##FILTER=<ID=GENAUG_LOW,Description="below">
##FILTER=<ID=GENAUG_NOT_SCORED,Description="not scored">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO
"""
SOURCE = '##INFO=<ID=GENAUG_SOURCE,Number=1,Type=String,Description="caller, discover or both">\n'


def _vcf(path, rows, source=False):
    lines = [HEADER.format(source=SOURCE if source else "")]
    for pos, t, end, filt, extra in sorted(rows):
        svlen = -(end - pos) if t == "DEL" else (end - pos if t != "INS" else 300)
        lines.append(f"20\t{pos}\t.\tN\t<{t}>\t.\t{filt}\tSVTYPE={t};SVLEN={svlen};END={end}{extra}\n")
    plain = str(path).removesuffix(".gz")
    with open(plain, "w") as fh:
        fh.write("".join(lines))
    pysam.tabix_index(plain, preset="vcf", force=True)
    return plain + ".gz"


@pytest.fixture
def truth(tmp_path):
    # 3 DEL (one 1k-10k), 1 DUP, 1 INS
    return _vcf(tmp_path / "truth.vcf", [(1000, "DEL", 1200, "PASS", ""), (5000, "DEL", 5400, "PASS", ""),
                                         (9000, "DUP", 9600, "PASS", ""), (20000, "INS", 20000, "PASS", ""),
                                         (30000, "DEL", 33000, "PASS", "")])


def _get(t, callset, by, stratum):
    return t[(t.callset == callset) & (t.by == by) & (t.stratum == stratum)].iloc[0]


def test_a_caller_only_vcf_gives_caller_and_filtered_sets_and_empty_own(tmp_path, truth):
    scored = _vcf(tmp_path / "scored.vcf", [
        (1010, "DEL", 1195, "PASS", ";GENAUG_P=0.9"),          # true, kept
        (5005, "DEL", 5390, "GENAUG_LOW", ";GENAUG_P=0.1"),    # true, dropped by genaug
        (9000, "DUP", 9600, "PASS", ";GENAUG_P=0.8"),          # true, kept
        (50000, "DEL", 50500, "GENAUG_LOW", ";GENAUG_P=0.2"),  # false, dropped
        (60000, "DEL", 60400, "LowQual;GENAUG_LOW", ";GENAUG_P=0.2"),  # the caller's LowQual: in no set
        (30100, "DEL", 33010, "LowQual", ";GENAUG_P=0.9"),     # true but LowQual: the caller did not call it
    ])
    t = evaluate_callsets(scored, truth)
    c, f = _get(t, "caller", "all", "all"), _get(t, "caller_filtered", "all", "all")
    assert (c.n_calls, c.tp_calls, c.tp_truth, c.n_truth) == (4, 3, 3, 5)
    assert c.precision == pytest.approx(3 / 4) and c.recall == pytest.approx(3 / 5)
    assert c.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert (f.n_calls, f.tp_calls, f.tp_truth) == (2, 2, 2) and f.precision == 1.0 and f.recall == 0.4
    own = _get(t, "own", "all", "all")
    assert own.n_calls == 0 and own.recall == 0 and np.isnan(own.precision)
    u = _get(t, "union", "all", "all")
    assert (u.n_calls, u.tp_truth) == (f.n_calls, f.tp_truth)                  # union = filtered caller here
    d = _get(t, "caller", "svtype", "DEL")
    assert (d.n_truth, d.n_calls, d.tp_calls, d.tp_truth) == (3, 3, 2, 2)
    assert _get(t, "caller", "svtype", "INS").recall == 0.0
    band = _get(t, "caller", "size", "1k-10k")                                   # the 3 kb DEL was LowQual
    assert (band.n_truth, band.tp_truth) == (1, 0)
    md = callsets_markdown("s2", t)
    assert "| type DEL | 3 | 0.667 (0.667 / 0.667, 3 calls)" in md          # F1 (precision / recall, calls)
    rows = callsets_rows("s2", t)
    assert set(rows.section) == {"calls"} and len(rows) == 3 * len(t)
    assert REPORT_CALLSETS == CALLSETS


def test_genaug_source_sets_own_and_union_calls(tmp_path, truth):
    scored = _vcf(tmp_path / "scored.vcf", [
        (1010, "DEL", 1195, "PASS", ";GENAUG_P=0.9;GENAUG_SOURCE=both"),
        (5005, "DEL", 5390, "GENAUG_LOW", ";GENAUG_P=0.1;GENAUG_SOURCE=caller"),
        (19990, "INS", 19990, "PASS", ";GENAUG_P=0.7;GENAUG_SOURCE=discover"),   # only genaug found it
        (40000, "DUP", 40300, "PASS", ";GENAUG_P=0.6;GENAUG_SOURCE=discover"),   # a false own call
        (45000, "DEL", 45300, "GENAUG_LOW", ";GENAUG_P=0.2;GENAUG_SOURCE=discover"),
    ], source=True)
    recs = read_sv_records(scored, with_source=True)
    sets = callsets(recs)
    assert list(sets["caller"].start) == [1010, 5005]
    assert list(sets["own"].start) == [1010, 19990, 40000]
    assert list(sets["union"].start) == [1010, 19990, 40000]
    t = evaluate_callsets(scored, truth)
    own = _get(t, "own", "all", "all")
    assert (own.n_calls, own.tp_calls, own.tp_truth) == (3, 2, 2)
    assert _get(t, "own", "svtype", "INS").recall == 1.0
    assert _get(t, "caller_filtered", "svtype", "INS").recall == 0.0
    assert _get(t, "union", "all", "all").tp_truth == 2
