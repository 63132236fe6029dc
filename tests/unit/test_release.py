"""Release cohort: composition, names, header lines kept from the source, the privacy gate."""

import numpy as np
import pandas as pd
import pysam
import pytest

from genaug import release


def test_composition_follows_training_shares_or_a_mix():
    assert release.composition({"AFR": 120, "EUR": 80}, 100) == {"AFR": 60, "EUR": 40}
    assert release.composition({"A": 1, "B": 1, "C": 1}, 4) == {"A": 2, "B": 1, "C": 1}  # largest remainder
    assert release.composition({"A": 10, "B": 90}, 10, mix={"A": 3, "B": 1}) == {"A": 8, "B": 2}
    assert release.composition({"ALL": 300}, 7) == {"ALL": 7}
    with pytest.raises(ValueError, match="did not learn"):
        release.composition({"A": 1}, 5, mix={"Z": 1})


def test_names_cannot_be_real_ones():
    names = release.person_names("gru", ["YRI", "C E/U"])
    assert names == ["GENAUG-SYNTHETIC-gru-YRI-000001", "GENAUG-SYNTHETIC-gru-C_E_U-000002"]
    with pytest.raises(ValueError, match="also real sample names"):
        release.person_names("gru", ["YRI"], real_names=["GENAUG-SYNTHETIC-gru-YRI-000001"])


def audit(loss=0.01, ref=0.0, identical=0.0, excess=0.05):
    return {"privacy_loss": {"synthetic": loss, "reference": ref}, "identical_share": {"synthetic": identical},
            "segment_excess_share": {"synthetic": excess}}


def test_gate_passes_fresh_people_and_refuses_each_leak():
    limits = {"max_privacy_loss": 0.03, "max_identical_share": 0.0, "max_segment_excess_share": 0.15}
    assert release.gate(audit(), limits)["passed"]
    for leak, word in ((audit(loss=0.2), "privacy loss"), (audit(identical=0.01), "exact copies"),
                       (audit(excess=0.6), "longer run")):
        v = release.gate(leak, limits)
        assert not v["passed"] and len(v["reasons"]) == 1 and word in v["reasons"][0]
    assert release.gate(audit(loss=0.2), {"max_privacy_loss": None})["passed"]  # null: not checked
    with pytest.raises(ValueError, match="unknown key"):
        release.gate(audit(), {"max_loss": 1})


def test_gate_refuses_a_cohort_the_leak_audit_flags_and_says_why():
    from test_leak_audit import haplotypes

    from genaug.fidelity import common
    from genaug.report import release_markdown

    T, H = haplotypes(300, 1), haplotypes(80, 2)
    rng = np.random.default_rng(0)
    fresh = haplotypes(200, 3)
    copying = common.inject_copies(fresh, T, 0.2, rng)  # a fifth of the cohort copies training haplotypes
    on = {"refuse_flagged_leak": True}
    passed = release.gate(audit(), on, common.leak_audit(T, H, fresh, "hamming"))
    assert passed["passed"] and passed["checks"]["refuse_flagged_leak"]["value"] > 0.01
    refused = release.gate(audit(), on, common.leak_audit(T, H, copying, "hamming"))
    assert not refused["passed"] and len(refused["reasons"]) == 1
    assert refused["reasons"][0].startswith("leak flagged (p ") and "of haplotypes nearer a training" in refused[
        "reasons"][0]
    assert release.gate(audit(), {"refuse_flagged_leak": False}, common.leak_audit(T, H, copying, "hamming"))[
        "passed"]
    assert release.gate(audit(), on)["reasons"] == ["leak audit not measured"]
    text = "\n".join(release_markdown({"copying": {"people": {"A": 100}, "gate": refused}}))
    assert "| copying | 100 | refused |" in text and "| flagged (" in text and refused["reasons"][0] in text


def test_cohort_vcf_keeps_the_source_contig_lines_and_says_it_is_synthetic(tmp_path):
    src = tmp_path / "src.vcf.gz"
    header = pysam.VariantHeader()
    for line in ("##reference=GRCh38.fa", "##contig=<ID=1,length=1000>", "##contig=<ID=2,length=500>",
                 "##contig=<ID=3,length=9>", '##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">'):
        header.add_line(line)
    header.add_sample("real1")
    with pysam.VariantFile(str(src), "wz", header=header):
        pass
    variants = pd.DataFrame({"chrom": ["1", "2"], "pos": [5, 7], "ref": ["A", "C"], "alt": ["G", "T"],
                             "id": [".", "."]})
    X = np.array([[0, 1], [1, 1], [0, 0], [1, 0]], np.uint8)
    names = release.person_names("rbm", ["P", "Q"])
    out = release.write_cohort_vcf(tmp_path / "r.vcf.gz", X, variants, names, src, "rbm", ["P", "Q"])
    with pysam.VariantFile(out) as vf:
        text = str(vf.header)
        recs = list(vf)
    assert "##contig=<ID=1,length=1000>" in text and "##contig=<ID=2,length=500>" in text
    assert "ID=3" not in text and "##reference=GRCh38.fa" in text and "none is a real person" in text
    assert [r.samples[names[0]]["GT"] for r in recs] == [(0, 1), (1, 1)]


def test_report_shows_the_gate_verdict_per_generator():
    from genaug.report import release_markdown, summary_rows

    limits = {"max_privacy_loss": 0.03, "max_identical_share": 0.0}
    releases = {g: {"people": {"A": 3, "B": 2}, "gate": release.gate(a, limits)}
                for g, a in (("gru", audit()), ("classic", audit(identical=0.4)))}
    text = "\n".join(release_markdown(releases))
    assert "| gru | 5 | released |" in text and "| classic | 5 | refused |" in text and "0.400 > 0" in text
    rows = summary_rows("d", pd.DataFrame(columns=["detector", "strategy", "replicates"]),
                        pd.DataFrame(columns=["detector", "strategy", "metric", "diff", "lo", "hi", "verdict"]),
                        {}, releases)
    gate = rows[rows["section"] == "release_gate"]
    assert sorted(gate["verdict"]) == ["passed", "passed", "passed", "refused"]
