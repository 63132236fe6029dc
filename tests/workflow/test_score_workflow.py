"""Scoring in the workflow: a score sample trains its dataset's detector, then writes the scored VCF."""

import pysam
import pytest

from test_workflow import DEMO, DS, planned_jobs, snakemake, tiny_config, write_config

SAMPLE = "tiny_calls"
CALLS = DEMO / "calls.vcf.gz"
SAMPLE2 = "tiny_sample2"  # the second demo sample (8x, another window), evaluated against its truth
S2 = DEMO / "sample2"


def score_config(**sample):
    config = tiny_config()
    config["detect"] = {"detectors": {"sv": ["cnn"]}, "strategies": ["none"], "replicates": 1, "bootstrap": 100,
                        "settings": {"epochs": 1, "image_size": [8, 32]}}
    config["score"] = {"samples": {SAMPLE: {"dataset": DS, "detector": "cnn", "strategy": "none", "replicate": 1,
                                            "bam": str(DEMO / "sample.bam"), "reference": str(DEMO / "ref.fa"),
                                            "candidates": str(CALLS), **sample}}}
    return config


def with_sample2(config):
    config["score"]["samples"][SAMPLE2] = {"dataset": DS, "detector": "cnn", "strategy": "none", "replicate": "mean",
                                           "bam": str(S2 / "sample.bam"), "reference": str(S2 / "ref.fa"),
                                           "candidates": str(S2 / "calls.vcf.gz"),
                                           "truth": str(S2 / "truth.vcf.gz")}
    return config


@pytest.fixture(scope="module")
def score_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("score")
    write_config(d, with_sample2(score_config()))
    dry = snakemake(d, "-n")
    assert dry.returncode == 0, dry.out
    real = snakemake(d, f"results/score/{SAMPLE}.vcf.gz", f"results/score/{SAMPLE2}.eval.tsv")  # what scoring needs
    assert real.returncode == 0, real.out
    return d, dry


def test_rule_all_plans_the_detector_then_the_scoring(score_run):
    _, dry = score_run
    jobs = planned_jobs(dry.out)
    assert jobs["score_sample"] == 2 and jobs["train_detector"] == 1, jobs
    assert jobs["evaluate_calls"] == 1 and jobs["measure_library"] == 1 and jobs["downsample_train"] == 1, jobs


def test_the_second_sample_is_evaluated_against_its_truth_with_a_coverage_warning(score_run):
    import pandas as pd
    d, _ = score_run
    t = pd.read_csv(d / "results" / "score" / f"{SAMPLE2}.eval.tsv", sep="\t")
    assert set(t.callset) == {"caller", "caller_filtered", "own", "union"}
    every = t[t.by == "all"].set_index("callset")
    with pysam.VariantFile(str(S2 / "calls.vcf.gz")) as v:
        n_pass = sum(1 for r in v if list(r.filter.keys()) == ["PASS"] and r.info["SVTYPE"] in ("DEL", "DUP", "INV"))
    assert every.loc["caller", "n_calls"] == n_pass and every.loc["caller", "n_truth"] == 78
    assert every.loc["own", "n_calls"] == 0                                    # a caller's records only
    assert every.loc["caller_filtered", "n_calls"] <= n_pass
    assert every.loc["union", "n_calls"] == every.loc["caller_filtered", "n_calls"]
    assert (d / "results" / "report" / f"{SAMPLE2}.calls.png").stat().st_size > 10_000
    log = (d / "results" / "logs" / "score_sample" / f"{SAMPLE2}.log").read_text()
    assert "is unlike the BAM the detector was trained on: median depth" in log  # 8x scored, 20x trained
    assert "unlike the BAM" not in (d / "results" / "logs" / "score_sample" / f"{SAMPLE}.log").read_text()


def test_scoring_trained_only_the_detector_it_uses(score_run):
    d, _ = score_run
    assert (d / f"results/{DS}/detect/cnn/none/seed1/model.pt").is_file()
    assert not (d / f"results/{DS}/detect/runs.tsv").exists()


def test_scored_vcf_holds_every_candidate(score_run):
    d, _ = score_run
    out = d / "results" / "score" / f"{SAMPLE}.vcf.gz"
    with pysam.VariantFile(str(out)) as v, pysam.VariantFile(str(CALLS)) as calls:
        assert "GENAUG_P" in v.header.info
        scored = [(r.id, "GENAUG_P" in r.info, set(r.filter.keys()) <= {"PASS", "GENAUG_LOW"}) for r in v]
        assert [r[0] for r in scored] == [r.id for r in calls]
    assert len(scored) == 67 and all(has_p and ok for _, has_p, ok in scored)
    assert (d / "results" / "score" / f"{SAMPLE}.vcf.gz.tbi").stat().st_size > 0
    assert len((d / "results" / "score" / f"{SAMPLE}.tsv").read_text().splitlines()) == 68
    assert "67 records written" in (d / "results" / "logs" / "score_sample" / f"{SAMPLE}.log").read_text()


def test_missing_input_names_the_config_key(tmp_path):
    write_config(tmp_path, score_config(bam=str(tmp_path / "nowhere.bam")))
    p = snakemake(tmp_path, "-n")
    assert p.returncode != 0
    assert f"score.samples.{SAMPLE}.bam: file {tmp_path / 'nowhere.bam'} not found" in p.out


def test_unknown_strategy_names_the_config_key(tmp_path):
    write_config(tmp_path, score_config(strategy="oversample"))
    p = snakemake(tmp_path, "-n")
    assert p.returncode != 0
    assert f"score.samples.{SAMPLE}.strategy: 'oversample' is not a strategy of detector cnn of dataset {DS}" in p.out


def test_a_detector_the_dataset_does_not_train_names_the_config_key(tmp_path):
    write_config(tmp_path, score_config(detector="logistic"))
    p = snakemake(tmp_path, "-n")
    assert p.returncode != 0
    assert f"score.samples.{SAMPLE}.detector: 'logistic' is not a detector of dataset {DS} (cnn)" in p.out
