"""The haplotypes kind in real Snakemake runs: a window of the bundled msprime demo is
encoded, split by person, learned by the rbm and mlpgan generators, sampled, written back
as a VCF and audited."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pysam
import pytest

from genaug.encode.haplotypes import read_haplotypes, read_variants
from genaug.split import load_split
from genaug.tensors import load_encoded
from test_workflow import DEMO as SV_DEMO
from test_workflow import REPO, SNAKEFILE, planned_jobs, write_config

DEMO = REPO / "resources" / "demo" / "haplotypes"
DS = "hap"
GENERATORS = ["rbm", "mlpgan"]
TARGETS = [f"results/{DS}/{f}" for f in ("encoded.npz", "samples.tsv", "variants.tsv", "split.npz")] + \
          [f"results/{DS}/synthetic/{g}.{ext}" for g in GENERATORS for ext in ("vcf.gz", "vcf.gz.tbi")] + \
          [f"results/{DS}/fidelity/{g}.json" for g in GENERATORS]


def hap_config(vcf=DEMO / "demo.vcf.gz"):
    return {
        "datasets": {DS: {"kind": "haplotypes", "vcf": str(vcf), "samples": str(DEMO / "populations.tsv"),
                          "region": "22:20000001-20300000", "generators": GENERATORS}},
        "seed": 3,
        "encode": {"haplotypes": {"maf": 0.05, "max_snps": 60}},
        "split": {"fractions": [0.6, 0.2, 0.2]},
        "generate": {"balance": 0.4,
                     "settings": {"rbm": {"steps": 20, "hidden": 16, "chains": 16, "sample_steps": 20},
                                  "mlpgan": {"steps": 20, "latent": 16}}},
    }


def snakefile(workdir):
    """The repo's Snakefile, plus rules/haplotypes.smk when it does not include it yet."""
    if "rules/haplotypes.smk" in SNAKEFILE.read_text():
        return SNAKEFILE
    wrapper = workdir / "Snakefile.test"
    wrapper.write_text(f'include: "{SNAKEFILE}"\ninclude: "{SNAKEFILE.parent / "rules" / "haplotypes.smk"}"\n')
    return wrapper


def snakemake(workdir, *args):
    cmd = [sys.executable, "-m", "snakemake", "-s", str(snakefile(workdir)), "--directory", str(workdir),
           "--cores", "2", *args]
    p = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=600)
    p.out = p.stdout + p.stderr
    return p


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("haplotypes")
    write_config(d, hap_config())
    p = snakemake(d, *TARGETS)
    assert p.returncode == 0, p.out
    return d


def test_encoded_haplotypes_follow_the_contract(run):
    enc = load_encoded(run / f"results/{DS}/encoded.npz")
    samples = pd.read_csv(run / f"results/{DS}/samples.tsv", sep="\t")
    variants = read_variants(run / f"results/{DS}/variants.tsv")
    assert enc.layout == "binary" and enc.X.dtype == np.uint8 and enc.X.shape == (1000, 60)
    assert enc.classes.tolist() == ["CEU", "CHB", "YRI"]
    assert (enc.groups == samples["sample"].to_numpy()).all() and samples["haplotype"].tolist()[:4] == [0, 1, 0, 1]
    assert len(variants) == 60 and variants["pos"].between(20_000_001, 20_300_000).all()
    assert "dropped" in (run / f"results/logs/encode_haplotypes/{DS}.log").read_text()  # multi-allelic sites


def test_no_person_straddles_splits(run):
    enc = load_encoded(run / f"results/{DS}/encoded.npz")
    split = load_split(run / f"results/{DS}/split.npz")
    seen = {}
    for name in ("train", "val", "test"):
        for person in set(enc.groups[split[name]]):
            assert person not in seen, (person, seen.get(person), name)
            seen[person] = name
    assert len(seen) == 500


def test_synthetic_vcf_holds_the_synthetic_haplotypes_over_the_source_snps(run):
    path = run / f"results/{DS}/synthetic/rbm.vcf.gz"
    with np.load(run / f"results/{DS}/synthetic/rbm.npz") as z:
        X, conditions = z["X"], z["condition"]
    variants = read_variants(run / f"results/{DS}/variants.tsv")
    with pysam.VariantFile(str(path)) as vf:
        names = list(vf.header.samples)
        recs = list(vf)
    assert len(names) == len(X) // 2 and names[0] == f"rbm_{conditions[0]}_000001"
    assert [r.pos for r in recs] == variants["pos"].tolist()
    assert [(r.ref, r.alts[0]) for r in recs] == list(zip(variants["ref"], variants["alt"]))
    H, kept, _ = read_haplotypes(path, {n: "SYN" for n in names})  # every SNP, no filter
    np.testing.assert_array_equal(H, X[:2 * len(names)])
    assert set(conditions) == {"CHB"}  # the rare population, drawn for augmentation


def test_fidelity_audit_of_each_generator(run):
    import json

    from genaug.outputs import file_sha256 as sha256
    enc, split = load_encoded(run / f"results/{DS}/encoded.npz"), load_split(run / f"results/{DS}/split.npz")
    for g in GENERATORS:
        f = json.loads((run / f"results/{DS}/fidelity/{g}.json").read_text())
        # the audit read the very file the detectors train on, and the rare population's real items
        syn = run / f"results/{DS}/synthetic/{g}.npz"
        assert f["audited"]["synthetic_sha256"] == sha256(syn)
        with np.load(syn) as z:
            assert f["n"]["synthetic"] == len(z["X"])
            rare = int(z["y"][0])
        assert f["n"]["train"] == int((enc.y[split.train] == rare).sum())
        assert f["n"]["heldout"] == int((enc.y[np.concatenate([split.val, split.test])] == rare).sum())
        assert set(f["leak"]["copy_controls"]) == {"0.2", "1"} and f["leak"]["copy_controls"]["1"]["leak_flag"]
        m = f["metrics"]
        assert {"af_correlation", "ld_r2_correlation", "aats_train", "aats_heldout", "privacy_loss",
                "identical_share", "two_sample_auc_nonlinear"} <= set(m)
        assert m["af_correlation"]["reference"] > 0.9  # held-out real vs train
        assert 0 <= m["aats_train"]["synthetic"] <= 1 and m["privacy_loss"]["sd"] >= 0
        assert set(f["curves"]) == {"af", "ld_heatmap", "ld_decay", "distance_hist", "pca"}


def test_each_dataset_is_encoded_by_its_kinds_rule(tmp_path):
    config = hap_config()
    config["datasets"]["pileups"] = {"kind": "sv", "bam": str(SV_DEMO / "sample.bam"),
                                     "reference": str(SV_DEMO / "ref.fa"), "truth": str(SV_DEMO / "truth.vcf.gz")}
    write_config(tmp_path, config)
    p = snakemake(tmp_path, "-n", f"results/{DS}/encoded.npz", "results/pileups/encoded.npz")
    assert p.returncode == 0, p.out
    assert planned_jobs(p.out) == {"encode_haplotypes": 1, "encode_sv": 1}
    jobs = dict(zip(*[iter(line.split()[-1] for line in p.out.splitlines()
                           if line.startswith(("rule encode_", "    wildcards: dataset=")))] * 2))
    assert jobs == {"encode_haplotypes:": f"dataset={DS}", "encode_sv:": "dataset=pileups"}


def test_unphased_vcf_stops_with_a_message_naming_it(tmp_path):
    src = str(DEMO / "demo.vcf.gz")
    bad = str(tmp_path / "unphased.vcf.gz")
    with pysam.VariantFile(src) as vf, pysam.VariantFile(bad, "wz", header=vf.header) as out:
        for i, rec in enumerate(vf.fetch("22", 20_000_000, 20_050_000)):
            if i == 3:
                for s in rec.samples.values():
                    s.phased = False
            out.write(rec)
    pysam.tabix_index(bad, preset="vcf", force=True)
    config = hap_config(vcf=bad)
    write_config(tmp_path, config)
    p = snakemake(tmp_path, f"results/{DS}/encoded.npz")
    assert p.returncode != 0
    assert f"genaug: {bad}: " in p.out and "heterozygous genotype(s) are unphased" in p.out
    assert not (tmp_path / f"results/{DS}/encoded.npz").exists()


def test_same_seed_gives_identical_bytes_for_generators_and_audits(run, tmp_path):
    """Generator models and histories, synthetic npz and VCF, fidelity audits: byte for byte."""
    from test_workflow import differing_files, result_files
    d = tmp_path / "again"
    write_config(d, hap_config())
    p = snakemake(d, *TARGETS)
    assert p.returncode == 0, p.out
    assert {f"{DS}/fidelity/{g}.json" for g in GENERATORS} <= set(result_files(d))
    assert differing_files(run, d) == []
