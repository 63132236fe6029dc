"""Truth labels (FILTER, the truth sample's GT) and confident / excluded regions of the sv encoder."""

import logging

import numpy as np
import pysam
import pytest

from genaug.encode import regions
from genaug.encode.sv import SvSettings, candidate_loci
from genaug.encode.truth import TruthSettings, read_truth
from genaug.errors import InputError

LENGTHS = {"chr1": 2_000_000, "chr2": 1_000_000}


def write_truth(path, records, samples=("HG002",)):
    """A truth VCF written by pysam: records are (contig, pos, end, svtype, filter, {sample: GT})."""
    header = pysam.VariantHeader()
    for c, n in LENGTHS.items():
        header.contigs.add(c, length=n)
    header.add_line('##INFO=<ID=SVTYPE,Number=1,Type=String,Description="type">')
    header.add_line('##INFO=<ID=SVLEN,Number=1,Type=Integer,Description="length">')
    header.add_line('##FILTER=<ID=LowQual,Description="low quality">')
    header.add_line('##FILTER=<ID=Tier2,Description="not tier 1">')
    header.add_line('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    for s in samples:
        header.add_sample(s)
    with pysam.VariantFile(str(path), "w", header=header) as out:
        for i, (contig, pos, end, svtype, filt, gts) in enumerate(records):
            rec = out.new_record(contig=contig, start=pos - 1, stop=end, id=f"sv{i}", alleles=("N", f"<{svtype}>"),
                                 info={"SVTYPE": svtype, "SVLEN": end - pos if svtype != "DEL" else pos - end})
            if filt is not None:
                for f in filt.split(";"):
                    rec.filter.add(f)
            for s, gt in gts.items():
                rec.samples[s]["GT"] = gt
            out.write(rec)
    return str(path)


HET, HOM, REF, MISSING = (0, 1), (1, 1), (0, 0), (None, None)


def test_filter_and_genotype_decide_positives(tmp_path, caplog):
    path = write_truth(tmp_path / "truth.vcf", [
        ("chr1", 10_000, 11_000, "DEL", "PASS", {"HG002": HET}),
        ("chr1", 20_000, 21_000, "DEL", "LowQual", {"HG002": HOM}),
        ("chr1", 30_000, 31_000, "DUP", "PASS", {"HG002": REF}),
        ("chr1", 40_000, 41_000, "INV", "PASS", {"HG002": MISSING}),
        ("chr1", 50_000, 52_000, "DEL", None, {"HG002": HOM}),          # FILTER '.'
        ("chr1", 60_000, 61_000, "DEL", "LowQual;Tier2", {"HG002": HET}),
    ])
    with caplog.at_level(logging.INFO):
        pos, avoid = read_truth(path, "none", LENGTHS)
    assert pos.vcf_id.tolist() == ["sv0", "sv4"]
    assert len(avoid) == 6
    log = " ".join(r.getMessage() for r in caplog.records)
    assert "1 truth record(s) are not positives: FILTER LowQual " in log
    assert "1 truth record(s) are not positives: FILTER LowQual;Tier2" in log
    assert "1 truth record(s) are not positives: GT without ALT allele" in log
    assert "1 truth record(s) are not positives: missing GT" in log
    # a config that accepts LowQual (a record needs every one of its filters accepted)
    pos, _ = read_truth(path, "none", LENGTHS, TruthSettings.from_config(["PASS", ".", "LowQual"]))
    assert pos.vcf_id.tolist() == ["sv0", "sv1", "sv4"]
    pos, _ = read_truth(path, "none", LENGTHS, TruthSettings.from_config(None))
    assert pos.vcf_id.tolist() == ["sv0", "sv1", "sv4", "sv5"]


def test_multi_sample_truth_needs_the_sample_named(tmp_path):
    path = write_truth(tmp_path / "trio.vcf", [
        ("chr1", 10_000, 11_000, "DEL", "PASS", {"HG002": HET, "HG003": REF, "HG004": HET}),
        ("chr1", 20_000, 21_000, "DEL", "PASS", {"HG002": REF, "HG003": HOM, "HG004": MISSING}),
        ("chr2", 30_000, 31_000, "DUP", "PASS", {"HG002": (None, 1), "HG003": REF, "HG004": REF}),
    ], samples=("HG002", "HG003", "HG004"))
    with pytest.raises(InputError, match="3 samples .*truth_sample") as e:
        read_truth(path, "none", LENGTHS)
    assert path in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(InputError, match="'NA12878' is not a sample"):
        read_truth(path, "none", LENGTHS, TruthSettings(sample="NA12878"))
    assert read_truth(path, "none", LENGTHS, TruthSettings(sample="HG002"))[0].vcf_id.tolist() == ["sv0", "sv2"]
    assert read_truth(path, "none", LENGTHS, TruthSettings(sample="HG003"))[0].vcf_id.tolist() == ["sv1"]
    assert read_truth(path, "none", LENGTHS, TruthSettings(sample="HG004"))[0].vcf_id.tolist() == ["sv0"]


def test_truth_without_samples_uses_filter_only(tmp_path):
    path = write_truth(tmp_path / "nosample.vcf", [
        ("chr1", 10_000, 11_000, "DEL", "PASS", {}),
        ("chr1", 20_000, 21_000, "DEL", "LowQual", {}),
    ], samples=())
    assert read_truth(path, "none", LENGTHS)[0].vcf_id.tolist() == ["sv0"]


def test_regions_queries_against_hand_counts(tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("track name=x\n#comment\nchr1\t100\t200\nchr1\t150\t300\nchr1\t400\t500\nchr9\t0\t10\n")
    r = regions.read_bed(bed, contig_lengths=LENGTHS)
    assert r.total_bp() == 300  # 100-300 merged, 400-500; chr9 is not a BAM contig
    c = ["chr1"] * 6 + ["chr2"]
    lo = np.array([100, 250, 299, 350, 450, 90, 100])
    hi = np.array([300, 301, 300, 400, 500, 101, 200])
    assert r.contains(c, lo, hi).tolist() == [True, False, True, False, True, False, False]
    assert r.overlaps(c, lo, hi).tolist() == [True, True, True, False, True, True, False]
    bad = tmp_path / "bad.bed"
    bad.write_text("chr1\tstart\tend\n")
    with pytest.raises(InputError, match="line 1 is not BED"):
        regions.read_bed(bad, contig_lengths=LENGTHS)
    other = tmp_path / "other.bed"
    other.write_text("1\t0\t1000\n")
    with pytest.raises(InputError, match="contig_rename"):
        regions.read_bed(other, contig_lengths=LENGTHS)
    assert regions.read_bed(other, "add_chr", LENGTHS).total_bp() == 1000


def _items(tmp_path, truth_records, regions_bed=None, exclude_bed=None, calls=None, per_positive=20):
    truth = write_truth(tmp_path / "t.vcf", truth_records)
    settings = SvSettings(window=64, negatives_per_positive=per_positive, negative_margin=100, group_block=20_000)
    beds = [regions.read_bed(b, contig_lengths=LENGTHS) if b else None for b in (regions_bed, exclude_bed)]
    return candidate_loci(truth, calls, LENGTHS, settings, seed=5, truth_settings=TruthSettings(),
                          regions=beds[0], exclude=beds[1])


def _inside(items, bed_path, window=64):
    r = regions.read_bed(bed_path, contig_lengths=LENGTHS)
    return regions.loci_mask(items.contig, items.start, items.end, window, regions=r)


def test_every_item_lies_inside_the_confident_regions(tmp_path, caplog):
    bed = tmp_path / "conf.bed"
    bed.write_text("chr1\t0\t150000\nchr1\t400000\t900000\nchr2\t0\t500000\n")
    records = [("chr1", 10_000 + 20_000 * k, 10_600 + 20_000 * k, "DEL", "PASS", {"HG002": HET}) for k in range(6)]
    records += [("chr1", 600_000, 601_000, "DUP", "PASS", {"HG002": HET}),
                ("chr1", 149_000, 152_000, "DEL", "PASS", {"HG002": HET}),  # right window outside
                ("chr1", 200_000, 201_000, "INV", "PASS", {"HG002": HOM})]  # outside
    with caplog.at_level(logging.INFO):
        items = _items(tmp_path, records, regions_bed=bed)
    pos = items[items.source == "truth"]
    assert sorted(pos.start) == [10_000 + 20_000 * k for k in range(6)] + [600_000]
    assert (items.source == "sampled").sum() == 20 * 7
    assert _inside(items, bed).all()
    assert "2 of 9 truth SVs have a breakpoint window outside" in caplog.text
    # the two truth SVs outside the regions still keep negatives away
    for s in (149_000, 200_000):
        neg = items[(items.source == "sampled") & (items.contig == "chr1")]
        assert not ((neg.start < s + 3_000 + 164) & (neg.end > s - 164)).any()


def test_without_regions_the_log_says_negatives_may_hit_unlabelled_svs(tmp_path, caplog):
    records = [("chr1", 10_000, 10_600, "DEL", "PASS", {"HG002": HET})]
    with caplog.at_level(logging.WARNING):
        _items(tmp_path, records, per_positive=2)
    assert "may fall on SVs the truth does not label" in caplog.text


def test_excluded_regions_hold_no_negative(tmp_path):
    exclude = tmp_path / "gaps.bed"
    exclude.write_text("chr1\t0\t1000000\nchr1\t1500000\t1600000\n")
    records = [("chr1", 1_200_000 + 5_000 * k, 1_200_400 + 5_000 * k, "DEL", "PASS", {"HG002": HET})
               for k in range(4)]
    records.append(("chr1", 500_000, 500_500, "DEL", "PASS", {"HG002": HET}))  # a positive inside: kept
    items = _items(tmp_path, records, exclude_bed=exclude)
    neg = items[items.label == "non_variant"]
    assert len(neg) == 100
    ex = regions.read_bed(exclude, contig_lengths=LENGTHS)
    assert not ex.overlaps(neg.contig, neg.start - 32, neg.end + 32).any()
    assert 500_000 in set(items.loc[items.source == "truth", "start"])
