"""Discovery in the workflow: discover_sv merges genaug's candidates with the caller's VCF, the detector
trains on them, call_sv scores every candidate, and a score sample with `discover: true` scans its own BAM."""

import subprocess

import pandas as pd
import pysam
import pytest

from test_workflow import DEMO, DS, planned_jobs, snakemake, tiny_config, write_config

SAMPLE = "tiny_calls"
CALLS = DEMO / "calls.vcf.gz"


def discover_config():
    config = tiny_config()
    config["datasets"][DS]["discover"] = True
    config["detect"] = {"detectors": {"sv": ["cnn"]}, "strategies": ["none"], "replicates": 1, "bootstrap": 100,
                        "settings": {"epochs": 1, "image_size": [8, 32]}}
    config["score"] = {"samples": {SAMPLE: {"dataset": DS, "bam": str(DEMO / "sample.bam"),
                                            "reference": str(DEMO / "ref.fa"), "candidates": str(CALLS),
                                            "discover": True}}}
    return config


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("discover")
    write_config(d, discover_config())
    dry = snakemake(d, "-n")
    assert dry.returncode == 0, dry.out
    real = snakemake(d, f"results/{DS}/calls.vcf.gz", f"results/score/{SAMPLE}.vcf.gz")
    assert real.returncode == 0, real.out
    return d, dry


def _records(path):
    with pysam.VariantFile(str(path)) as v:
        has_p = "GENAUG_P" in v.header.info
        return [(r.id, r.info.get("GENAUG_SOURCE"), r.info.get("GENAUG_P") if has_p else None, set(r.filter.keys()))
                for r in v]


def _caller_ids():
    with pysam.VariantFile(str(CALLS)) as v:
        return [r.id for r in v]


def _bcftools_clean(path):
    p = subprocess.run(["bcftools", "view", str(path)], capture_output=True, text=True)
    return p.returncode == 0 and not p.stderr.strip()


def test_the_plan_has_discovery_for_the_dataset_and_the_sample(run):
    jobs = planned_jobs(run[1].out)
    assert jobs["discover_sv"] == 1 and jobs["discover_sample_sv"] == 1 and jobs["call_sv"] == 1, jobs


def test_candidates_hold_every_caller_record_and_the_discovered_ones(run):
    d, _ = run
    path = d / f"results/{DS}/candidates.vcf.gz"
    assert _bcftools_clean(path) and (d / f"results/{DS}/candidates.vcf.gz.tbi").is_file()
    recs = _records(path)
    ids = [r[0] for r in recs]
    assert set(_caller_ids()) <= set(ids)
    sources = {s for _, s, _, _ in recs}
    assert sources == {"caller", "both", "discover"}
    # DELLY finds no insertion on the demo; discovery's own records include them
    with pysam.VariantFile(str(path)) as v:
        assert any(r.info["SVTYPE"] == "INS" and r.info["GENAUG_SOURCE"] == "discover" for r in v)
    log = (d / f"results/logs/discover_sv/{DS}.log").read_text()
    assert "against the truth" in log and "scanned chunk" in log


def test_the_detector_trained_on_the_candidates(run):
    d, _ = run
    log = (d / f"results/logs/encode_sv/{DS}.log").read_text()
    assert "truth SVs found: positives at the candidate's breakpoints" in log
    samples = pd.read_csv(d / f"results/{DS}/samples.tsv", sep="\t")
    assert set(samples[samples.label == "variant"].source) <= {"both", "discover", "caller", "truth"}
    assert (samples[samples.label == "variant"].source != "truth").mean() > 0.9


def test_calls_score_every_candidate(run):
    d, _ = run
    calls = d / f"results/{DS}/calls.vcf.gz"
    assert _bcftools_clean(calls)
    cands = _records(d / f"results/{DS}/candidates.vcf.gz")
    scored = _records(calls)
    assert [r[0] for r in scored] == [r[0] for r in cands]
    assert all(p is not None and f <= {"PASS", "GENAUG_LOW"} for _, _, p, f in scored)
    assert [r[1] for r in scored] == [r[1] for r in cands]


def test_the_scored_sample_holds_the_caller_records_and_its_own(run):
    d, _ = run
    out = d / f"results/score/{SAMPLE}.vcf.gz"
    assert _bcftools_clean(out)
    recs = _records(out)
    assert set(_caller_ids()) <= {r[0] for r in recs}
    assert any(s == "discover" for _, s, _, _ in recs)
    assert all(p is not None for _, _, p, _ in recs)
    assert (d / f"results/score/{SAMPLE}/candidates.vcf.gz").is_file()


def test_a_score_sample_without_candidates_or_discovery_names_the_key(tmp_path):
    config = discover_config()
    config["score"]["samples"][SAMPLE].update(candidates=None, discover=False)
    write_config(tmp_path, config)
    p = snakemake(tmp_path, "-n")
    assert p.returncode != 0
    assert f"score.samples.{SAMPLE}: no candidates to score" in p.out


def test_a_score_sample_may_discover_without_a_caller(tmp_path):
    config = discover_config()
    config["score"]["samples"][SAMPLE]["candidates"] = None
    write_config(tmp_path, config)
    p = snakemake(tmp_path, "-n", f"results/score/{SAMPLE}.vcf.gz")
    assert p.returncode == 0, p.out
    assert planned_jobs(p.out)["discover_sample_sv"] == 1
