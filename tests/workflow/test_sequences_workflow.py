"""The sequences kind in real Snakemake runs: 600 kb of the bundled chr20 demo is cut into
one-hot windows, labelled by its peaks, split by genomic block, augmented (classic),
detected (conv1d, k-mer logistic) with full-prevalence metrics, audited and summarised."""

import json

import numpy as np
import pandas as pd
import pysam
import pytest

from genaug.split import load_split
from genaug.tensors import load_encoded, load_weights
from test_workflow import REPO, planned_jobs, snakemake, write_config

DEMO = REPO / "resources" / "demo" / "sequences"
DS = "tf"
TARGETS = [f"results/{DS}/{f}" for f in ("encoded.npz", "split_counts.tsv", "detect/summary.tsv",
                                         "fidelity/classic.json")] + ["results/report/summary.md"]


def seq_config(peaks=DEMO / "peaks.narrowPeak", regions=None):
    return {
        "datasets": {DS: {"kind": "sequences", "fasta": str(DEMO / "ref.fa.gz"), "peaks": str(peaks),
                          "regions": str(regions) if regions else None, "generators": ["classic"]}},
        "seed": 2,
        "encode": {"sequences": {"negatives_per_positive": 4, "group_block": 50_000}},
        "detect": {"replicates": 1, "bootstrap": 100, "settings": {"epochs": 2, "patience": 2}},
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("sequences")
    (d / "regions.bed").write_text("track name=demo_part\n20\t0\t600000\n")
    write_config(d, seq_config(regions=d / "regions.bed"))
    p = snakemake(d, *TARGETS)
    assert p.returncode == 0, p.out
    return d


def test_windows_are_the_fasta_bases_and_bound_windows_hold_summits(run):
    enc = load_encoded(run / f"results/{DS}/encoded.npz")
    samples = pd.read_csv(run / f"results/{DS}/samples.tsv", sep="\t")
    assert enc.layout == "sequence" and enc.X.dtype == np.int8 and enc.X.shape[1:] == (4, 101)
    assert enc.classes.tolist() == ["unbound", "bound"] and (samples["end"] <= 600_000).all()
    with pysam.FastaFile(str(DEMO / "ref.fa.gz")) as fa:
        for i in range(0, len(samples), 97):
            seq = fa.fetch("20", int(samples["start"][i]), int(samples["end"][i]))
            assert "".join("ACGT"[j] for j in enc.X[i].argmax(0)) == seq.upper()
    peaks = pd.read_csv(DEMO / "peaks.narrowPeak", sep="\t", header=None)
    summits = (peaks[1] + peaks[9]).to_numpy()
    summits = summits[summits < 600_000 // 101 * 101]
    bound = samples[samples["label"] == 1]
    assert len(bound) == len(summits)
    assert set(bound["start"] // 101) == set(summits // 101)
    # 4 unbound windows per bound one, each standing for the unbound windows made
    weights = load_weights(run / f"results/{DS}/encoded.npz")
    assert int((enc.y == 0).sum()) == 4 * len(bound)
    assert weights[enc.y == 0].sum() == pytest.approx(600_000 // 101 - len(bound))


def test_no_block_straddles_splits(run):
    enc = load_encoded(run / f"results/{DS}/encoded.npz")
    split = load_split(run / f"results/{DS}/split.npz")
    where = split.labels(len(enc.y))
    for g in np.unique(enc.groups):
        assert len(set(where[enc.groups == g])) == 1


def test_metrics_hold_at_the_full_prevalence(run):
    with open(run / f"results/{DS}/detect/conv1d/none/seed1/metrics.json") as f:
        m = json.load(f)
    full, kept = m["test_prevalence"], m["test"]
    assert kept["positives"] / kept["n"] == pytest.approx(1 / 5, abs=0.08)
    assert full["prevalence"] < 0.01 and full["weighted_n"] > 3 * kept["n"]
    for k in ("auroc", "auprc", "precision_at_recall_0.5", "f1"):
        assert k in full
    runs = pd.read_csv(run / f"results/{DS}/detect/runs.tsv", sep="\t")
    assert {"conv1d", "logistic"} == set(runs["detector"]) and runs["full_auroc"].notna().all()
    md = (run / "results/report/summary.md").read_text()
    assert "Detection at the full prevalence" in md and "two_sample_auc_conv1d" in md
    fid = json.load(open(run / f"results/{DS}/fidelity/classic.json"))
    assert fid["kind"] == "sequences" and fid["metrics"]["identical_share"]["synthetic"] is not None
    from genaug.outputs import file_sha256

    assert fid["audited"]["synthetic_sha256"] == file_sha256(run / f"results/{DS}/synthetic/classic.npz")
    # classic flips and shifts training windows: the leak audit links them to their sources
    assert fid["leak"]["synthetic"]["leak_flag"] and fid["leak"]["copy_controls"]["0.2"]["leak_flag"]
    assert "| classic | synthetic |" in md


def test_the_validation_best_pair_is_compared_with_the_kmer_baseline(run):
    base = pd.read_csv(run / f"results/{DS}/detect/baseline.tsv", sep="\t")
    runs = []
    for path in (run / f"results/{DS}/detect").glob("*/*/seed*/metrics.json"):
        m = json.load(open(path))
        runs.append((m["detector"], m["strategy"], m["val"]["auprc"]))
    val = pd.DataFrame(runs, columns=["detector", "strategy", "val"]).groupby(["detector", "strategy"])["val"].mean()
    best = val.drop(("logistic", "none")).idxmax()
    assert set(zip(base["detector"], base["strategy"])) == {best} and len(base) == 5
    assert (base["reference_detector"] == "logistic").all() and (base["reference_strategy"] == "none").all()
    assert (base["lo"] <= base["hi"]).all() and base["verdict"].isin(["better", "worse", "no difference shown"]).all()
    md = (run / "results/report/summary.md").read_text()
    assert f"{best[0]} {best[1]} − logistic none" in md


def test_rerun_is_a_no_op(run):
    p = snakemake(run, "-n", *TARGETS)
    assert p.returncode == 0 and planned_jobs(p.out) == {}, p.out


def test_peaks_on_another_naming_stop_with_one_line(tmp_path):
    peaks = tmp_path / "chr.bed"
    peaks.write_text("chr20\t100\t300\nchr20\t900\t1200\n")
    write_config(tmp_path, seq_config(peaks=peaks))
    p = snakemake(tmp_path, f"results/{DS}/encoded.npz")
    assert p.returncode != 0
    line = f"{peaks}: 2 peak(s) on contig(s) the FASTA lacks: 'chr20'"
    assert line in p.out
    assert not (tmp_path / f"results/{DS}/encoded.npz").exists()
