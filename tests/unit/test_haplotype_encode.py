"""The haplotypes encoder (phased VCF -> 0/1 haplotypes) and the synthetic-VCF writer,
on small VCFs written here and bgzipped/indexed by pysam (htslib), and on the demo."""

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest

from genaug.encode.haplotypes import (
    HaplotypeSettings,
    encode_haplotypes,
    person_names,
    read_variants,
    select_snps,
    write_encoded,
    write_haplotype_vcf,
)
from genaug.errors import InputError
from genaug.split import make_split
from genaug.tensors import load_encoded

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo" / "haplotypes"
HEADER = ["##fileformat=VCFv4.2", "##contig=<ID=1,length=100000>", "##contig=<ID=2,length=100000>",
          '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">']


def write_vcf(path, samples, records, compress=True):
    """records: (chrom, pos, ref, alt, [GT per sample]); bgzipped + tabix-indexed when ``compress``."""
    lines = HEADER + ["\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"]
                                + samples)]
    for i, (chrom, pos, ref, alt, gts) in enumerate(records):
        lines.append("\t".join([chrom, str(pos), f"rs{i + 1}", ref, alt, ".", "PASS", ".", "GT"] + gts))
    plain = str(path) + ".txt" if compress else str(path)
    Path(plain).write_text("\n".join(lines) + "\n")
    if not compress:
        return str(path)
    pysam.tabix_compress(plain, str(path), force=True)
    os.remove(plain)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    return str(path)


def write_sheet(path, rows):
    pd.DataFrame(rows, columns=["sample", "population"]).to_csv(path, sep="\t", index=False)
    return str(path)


SAMPLES = ["p1", "p2", "p3"]
RECORDS = [
    ("1", 100, "A", "G", ["0|1", "1|1", "0|0"]),      # SNP
    ("1", 200, "C", "T,G", ["0|1", "2|0", "0|0"]),    # multi-allelic: dropped
    ("1", 300, "CT", "C", ["0|1", "0|0", "0|0"]),     # indel: dropped
    ("1", 400, "G", ".", ["0|0", "0|0", "0|0"]),      # monomorphic record: dropped
    ("1", 500, "T", "C", ["1|0", ".|.", "0|1"]),      # missing call: dropped
    ("1", 600, "g", "a", ["1|0", "0|1", "1|1"]),      # SNP, lower-case bases
    ("2", 50, "T", "A", ["0|0", "0|1", "1|0"]),       # SNP on another contig
]
# haplotypes of p1, p2, p3 (two rows each) at the three SNPs kept
EXPECTED = np.array([[0, 1, 0], [1, 0, 0], [1, 0, 0], [1, 1, 1], [0, 1, 1], [0, 1, 0]], np.uint8)


@pytest.fixture
def tiny(tmp_path):
    vcf = write_vcf(tmp_path / "tiny.vcf.gz", SAMPLES, RECORDS)
    sheet = write_sheet(tmp_path / "pops.tsv", [("p1", "YRI"), ("p2", "CEU"), ("p3", "YRI")])
    return vcf, sheet


def test_biallelic_snps_become_haplotype_rows_and_drops_are_counted(tiny, caplog):
    vcf, sheet = tiny
    with caplog.at_level(logging.INFO):
        h = encode_haplotypes(vcf, sheet, HaplotypeSettings(maf=0.0))
    np.testing.assert_array_equal(h.X, EXPECTED)
    assert h.X.dtype == np.uint8
    assert h.classes == ["CEU", "YRI"]
    assert h.samples.columns.tolist() == ["id", "sample", "haplotype", "population", "label", "group", "source"]
    assert h.samples["id"].tolist() == ["p1:0", "p1:1", "p2:0", "p2:1", "p3:0", "p3:1"]
    assert h.samples["haplotype"].tolist() == [0, 1] * 3
    assert h.samples["label"].tolist() == [1, 1, 0, 0, 1, 1]
    assert h.samples["group"].tolist() == ["p1", "p1", "p2", "p2", "p3", "p3"]
    assert h.variants.to_dict("list") == {"chrom": ["1", "1", "2"], "pos": [100, 600, 50], "ref": ["A", "G", "T"],
                                          "alt": ["G", "A", "A"], "id": ["rs1", "rs6", "rs7"]}
    text = caplog.text
    assert "of 7 records, dropped 1 multi-allelic, 1 monomorphic (ALT '.'), 1 indel or symbolic, " \
           "1 with a missing allele" in text


def test_encoded_files_follow_the_contract(tiny, tmp_path):
    h = encode_haplotypes(*tiny, HaplotypeSettings(maf=0.0))
    out = [tmp_path / n for n in ("encoded.npz", "samples.tsv", "variants.tsv")]
    write_encoded(h, *out)
    enc = load_encoded(out[0])
    assert enc.layout == "binary" and enc.X.dtype == np.uint8
    np.testing.assert_array_equal(enc.X, EXPECTED)
    assert enc.y.tolist() == [1, 1, 0, 0, 1, 1] and enc.classes.tolist() == ["CEU", "YRI"]
    assert enc.groups.tolist() == ["p1", "p1", "p2", "p2", "p3", "p3"]
    samples = pd.read_csv(out[1], sep="\t")
    assert len(samples) == 6 and samples["population"].tolist() == ["YRI", "YRI", "CEU", "CEU", "YRI", "YRI"]
    assert read_variants(out[2])["pos"].tolist() == [100, 600, 50]
    assert not list(tmp_path.glob("*.partial"))


def test_bcf_input_gives_the_same_haplotypes(tiny, tmp_path):
    vcf, sheet = tiny
    bcf = str(tmp_path / "tiny.bcf")
    with pysam.VariantFile(vcf) as src, pysam.VariantFile(bcf, "wb", header=src.header) as out:
        for rec in src:
            out.write(rec)
    np.testing.assert_array_equal(encode_haplotypes(bcf, sheet, HaplotypeSettings(maf=0.0)).X, EXPECTED)


def test_region_keeps_only_its_records(tiny):
    vcf, sheet = tiny
    h = encode_haplotypes(vcf, sheet, HaplotypeSettings(maf=0.0), region="1:150-700")
    assert h.variants["pos"].tolist() == [600]
    np.testing.assert_array_equal(h.X, EXPECTED[:, [1]])
    assert encode_haplotypes(vcf, sheet, HaplotypeSettings(maf=0.0), region="2").variants["pos"].tolist() == [50]
    with pytest.raises(InputError, match="contig 'chr9' is not in the header"):
        encode_haplotypes(vcf, sheet, region="chr9:1-10")
    with pytest.raises(InputError, match="write chrom or chrom:start-end"):
        encode_haplotypes(vcf, sheet, region="1:10")


def test_unphased_heterozygous_genotypes_stop_with_their_count(tmp_path):
    sheet = write_sheet(tmp_path / "pops.tsv", [("a", "X"), ("b", "X")])
    vcf = write_vcf(tmp_path / "u.vcf.gz", ["a", "b"], [("1", 10, "A", "C", ["0/1", "0|1"]),
                                                        ("1", 20, "A", "C", ["1/0", "1/1"]),
                                                        ("1", 30, "A", "C,G", ["0/2", "0|0"])])
    with pytest.raises(InputError) as e:
        encode_haplotypes(vcf, sheet)
    assert str(e.value).startswith(vcf + ": 2 heterozygous genotype(s) are unphased")
    assert "3 unphased calls in all" in str(e.value)
    ok = write_vcf(tmp_path / "hom.vcf.gz", ["a", "b"], [("1", 10, "A", "C", ["0/0", "0|1"]),
                                                         ("1", 20, "A", "C", ["1/1", "1|0"])])
    np.testing.assert_array_equal(encode_haplotypes(ok, sheet, HaplotypeSettings(maf=0.0)).X,
                                  [[0, 1], [0, 1], [0, 1], [1, 0]])


def test_haploid_calls_stop(tmp_path):
    sheet = write_sheet(tmp_path / "pops.tsv", [("a", "X"), ("b", "X")])
    vcf = write_vcf(tmp_path / "x.vcf.gz", ["a", "b"], [("1", 10, "A", "C", ["1", "0|1"])])
    with pytest.raises(InputError, match="haploid genotypes at 1 calls .first at 1:10."):
        encode_haplotypes(vcf, sheet)


def test_sample_sheet_mismatches(tiny, tmp_path, caplog):
    vcf, _ = tiny
    partial = write_sheet(tmp_path / "partial.tsv", [("p1", "YRI")])
    with pytest.raises(InputError) as e:
        encode_haplotypes(vcf, partial)
    assert str(e.value) == f"{vcf}: 2 sample(s) are not in the sample sheet: 'p2', 'p3'; add them with their population"
    extra = write_sheet(tmp_path / "extra.tsv", [("p1", "YRI"), ("p2", "CEU"), ("p3", "YRI"), ("p9", "CEU")])
    with caplog.at_level(logging.WARNING):
        h = encode_haplotypes(vcf, extra, HaplotypeSettings(maf=0.0))
    assert "1 sample(s) of the sample sheet are not in" in caplog.text and "'p9'" in caplog.text
    assert len(h.X) == 6
    bad = tmp_path / "bad.tsv"
    bad.write_text("sample\tpop\np1\tYRI\n")
    with pytest.raises(InputError, match="lacks column.s. population"):
        encode_haplotypes(vcf, str(bad))
    with pytest.raises(InputError, match="file not found"):
        encode_haplotypes(str(tmp_path / "none.vcf.gz"), extra)


def test_maf_filter_and_snp_cap_are_exact():
    # frequencies of 8 SNPs over 10 haplotypes: 0, .1, .2, .3, .5, .6, .9, 1.0 -> MAF 0, .1, .2, .3, .5, .4, .1, 0
    H = np.zeros((10, 8), np.uint8)
    for j, k in enumerate([0, 1, 2, 3, 5, 6, 9, 10]):
        H[:k, j] = 1
    keep, note = select_snps(H, HaplotypeSettings(maf=0.0, max_snps=None))
    assert keep.tolist() == [1, 2, 3, 4, 5, 6]  # monomorphic SNPs always go
    assert "2 monomorphic" in note
    keep, _ = select_snps(H, HaplotypeSettings(maf=0.2, max_snps=None))
    assert keep.tolist() == [2, 3, 4, 5]
    keep, _ = select_snps(H, HaplotypeSettings(maf=0.0, max_snps=3, snp_selection="even"))
    assert keep.tolist() == [1, 3, 6]  # ranks round(linspace(0, 5, 3)) = 0, 2, 5 of [1..6]
    keep, _ = select_snps(H, HaplotypeSettings(maf=0.0, max_snps=3, snp_selection="maf"))
    assert keep.tolist() == [3, 4, 5]  # MAF .3, .5, .4
    keep, _ = select_snps(H, HaplotypeSettings(maf=0.0, max_snps=2, snp_selection="maf"))
    assert keep.tolist() == [4, 5]
    with pytest.raises(ValueError, match="snp_selection"):
        HaplotypeSettings.from_config({"snp_selection": "random"})
    with pytest.raises(ValueError, match="unknown setting"):
        HaplotypeSettings.from_config({"mafs": 0.1})


def test_no_snp_left_is_an_error(tiny):
    vcf, sheet = tiny
    with pytest.raises(InputError, match="no SNP left after filtering"):
        encode_haplotypes(vcf, sheet, HaplotypeSettings(maf=0.4), region="2")  # its one SNP has MAF 1/3


# --- the demo --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo():
    return encode_haplotypes(DEMO / "demo.vcf.gz", DEMO / "populations.tsv")


def test_demo_encodes_to_the_documented_shape(demo):
    assert demo.X.shape == (1000, 1962) and demo.classes == ["CEU", "CHB", "YRI"]
    assert demo.samples.groupby("population")["sample"].nunique().to_dict() == {"CEU": 200, "CHB": 100, "YRI": 200}
    assert demo.variants["pos"].is_monotonic_increasing and set(demo.variants["chrom"]) == {"22"}


def test_split_by_person_keeps_both_haplotypes_together(demo):
    y, groups = demo.samples["label"].to_numpy(), demo.samples["group"].to_numpy()
    split = make_split(y, groups, fractions=(0.7, 0.15, 0.15), seed=1, classes=demo.classes)
    where = {}
    for name in ("train", "val", "test"):
        for person in groups[split[name]]:
            where.setdefault(person, set()).add(name)
    assert len(where) == 500 and all(len(s) == 1 for s in where.values())
    for name in ("train", "val", "test"):  # every population in every split, both haplotypes of each person
        idx = split[name]
        assert set(y[idx]) == {0, 1, 2}
        assert (pd.Series(groups[idx]).value_counts() == 2).all()


# --- writing a VCF ---------------------------------------------------------------------------

def test_round_trip_encode_write_encode_gives_the_same_matrix(demo, tmp_path):
    X, variants = demo.X[:40, :300], demo.variants.iloc[:300]
    names = person_names(len(X), "syn")
    out = write_haplotype_vcf(tmp_path / "syn.vcf.gz", X, variants, names)
    assert os.path.exists(out + ".tbi") and not list(tmp_path.glob("*.partial*"))
    sheet = write_sheet(tmp_path / "syn.tsv", [(n, "SYN") for n in names])
    back = encode_haplotypes(out, sheet, HaplotypeSettings(maf=0.0, max_snps=None))
    # SNPs monomorphic in these 40 haplotypes are dropped by the encoder: compare the rest
    poly = np.flatnonzero((X.min(0) != X.max(0)))
    np.testing.assert_array_equal(back.X, X[:, poly])
    assert back.variants.reset_index(drop=True).equals(variants.iloc[poly].reset_index(drop=True))


def test_written_vcf_is_valid_phased_and_indexed(tmp_path):
    X = np.array([[0, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [1, 1, 1]], np.uint8)
    variants = pd.DataFrame({"chrom": ["22", "22", "22"], "pos": [100, 250, 900], "ref": ["A", "C", "G"],
                             "alt": ["G", "T", "A"], "id": ["rs1", ".", "rs3"]})
    out = write_haplotype_vcf(tmp_path / "s.vcf.gz", X, variants, ["a", "b"])  # the 5th haplotype is left out
    with pysam.VariantFile(out) as vf:  # read through htslib, the index used for a region
        assert list(vf.header.samples) == ["a", "b"]
        recs = list(vf.fetch("22", 200, 1000))
        assert [r.pos for r in recs] == [250, 900] and [r.id for r in recs] == [None, "rs3"]
        assert [(r.ref, r.alts) for r in recs] == [("C", ("T",)), ("G", ("A",))]
        for r, j in zip(recs, (1, 2)):
            for k, name in enumerate(("a", "b")):
                assert r.samples[name].phased
                assert r.samples[name]["GT"] == (int(X[2 * k, j]), int(X[2 * k + 1, j]))
    # bcftools, where installed (Debian: apt-get install bcftools); CI must have it
    if shutil.which("bcftools") is None:
        if os.environ.get("CI"):
            pytest.fail("bcftools is not installed on this CI machine")
        pytest.skip("bcftools not installed: checked with pysam only")
    p = subprocess.run(["bcftools", "view", "-H", out], capture_output=True, text=True)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    assert [line.split("\t")[9:] for line in p.stdout.splitlines()] == [
        ["0|1", "0|1"], ["1|1", "0|0"], ["1|0", "1|0"]]


def test_writer_rejects_what_is_not_haplotypes(tmp_path):
    variants = pd.DataFrame({"chrom": ["1"], "pos": [5], "ref": ["A"], "alt": ["C"], "id": ["."]})
    with pytest.raises(ValueError, match="only 0 and 1"):
        write_haplotype_vcf(tmp_path / "x.vcf.gz", np.array([[2], [0]]), variants)
    with pytest.raises(ValueError, match="do not match 1 SNPs"):
        write_haplotype_vcf(tmp_path / "x.vcf.gz", np.zeros((2, 2), np.uint8), variants)
    assert not list(tmp_path.iterdir())


def test_writer_gives_a_sites_only_vcf_without_people(tmp_path):
    variants = pd.DataFrame({"chrom": ["1"], "pos": [5], "ref": ["A"], "alt": ["C"], "id": ["."]})
    path = write_haplotype_vcf(tmp_path / "x.vcf.gz", np.zeros((1, 1), np.uint8), variants)  # no pair
    with pysam.VariantFile(path) as vf:
        assert list(vf.header.samples) == [] and [r.pos for r in vf] == [5]


def test_person_names_carry_a_shared_population():
    assert person_names(5, "gan_", ["CHB", "CHB", "CEU", "YRI", "a b", "a b"]) == ["gan_CHB_000001", "gan_000002"]
    assert person_names(4, "g_", ["a b", "a b", "", ""]) == ["g_a_b_000001", "g_000002"]
    assert person_names(2) == ["syn000001"]


def test_demo_script_regenerates_the_bundled_files_byte_for_byte(tmp_path):
    pytest.importorskip("msprime", reason="msprime (resources/demo/haplotypes/requirements.txt) makes the demo")
    p = subprocess.run([sys.executable, str(DEMO / "make_demo.py"), "--seed", "1", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    for name in ("demo.vcf.gz", "demo.vcf.gz.tbi", "populations.tsv"):
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), name
    assert (tmp_path / "README.md").read_text() == (DEMO / "README.md").read_text()  # numbers of this run


def test_snp_cap_is_shared_among_contigs_by_their_counts():
    H = np.tile(np.array([[0], [1]], np.uint8), (4, 30))  # 30 polymorphic SNPs
    chrom = np.array(["1"] * 20 + ["2"] * 10)
    keep, note = select_snps(H, HaplotypeSettings(maf=0.0, max_snps=6, snp_selection="even"), chrom)
    assert keep.tolist() == [0, 6, 13, 19, 20, 29] and "per contig" in note  # 4 + 2, the ends of each kept
    keep, _ = select_snps(H, HaplotypeSettings(maf=0.0, max_snps=7, snp_selection="maf"), chrom)
    assert (chrom[keep] == "1").sum() == 5 and (chrom[keep] == "2").sum() == 2  # 4.67 + 2.33: largest remainder
