"""Real Snakemake runs of the workflow on a tiny config over the bundled demo data.

The module runs the workflow once (dry run, then real run) in a temporary
working directory and shares it; tests that edit the config work on a copy of
that directory (outputs and .snakemake metadata included), so they see exactly
what a user sees after editing config/config.yaml of a finished run.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from genaug.encode import channels as ch
from genaug.split import SPLITS, load_split
from genaug.tensors import load_encoded

REPO = Path(__file__).resolve().parents[2]
SNAKEFILE = REPO / "workflow" / "Snakefile"
DEMO = REPO / "resources" / "demo" / "sv"
DS = "tiny"
WINDOW, MAX_ROWS = 64, 16
OUTPUTS = [f"results/{DS}/{f}" for f in
           ("encoded.npz", "samples.tsv", "split.npz", "split_counts.tsv", "qc/pileups.png")]
# cnn: 2 strategies x 2 seeds; logistic (seed-free): 2 strategies x 1 seed
RUNS = [("cnn", "none", 1), ("cnn", "none", 2), ("cnn", "class_weight", 1), ("cnn", "class_weight", 2),
        ("logistic", "none", 1), ("logistic", "class_weight", 1)]
DETECT_RULES = {"downsample_train": 1, "train_detector": len(RUNS), "summarize_detection": 1,
                "summarize_sv_results": 1, "plot_detection": 1, "write_summary": 1}
ALL_RULES = {"encode_sv": 1, "split_dataset": 1, "plot_qc": 1, **DETECT_RULES, "all": 1}


def tiny_config():
    return {
        "datasets": {DS: {"kind": "sv", "bam": str(DEMO / "sample.bam"), "reference": str(DEMO / "ref.fa"),
                          "truth": str(DEMO / "truth.vcf.gz"), "candidates": str(DEMO / "calls.vcf.gz")}},
        "seed": 3,
        "encode": {"sv": {"window": WINDOW, "max_rows": MAX_ROWS, "negatives_per_positive": 2,
                          "insert_size": None}},
        "split": {"fractions": [0.6, 0.2, 0.2]},
        "qc": {"examples_per_class": 2},
        "detect": {"detectors": {"sv": ["cnn", "logistic"]}, "strategies": ["none", "class_weight"],
                   "replicates": 2, "bootstrap": 200,
                   "settings": {"epochs": 2, "width": 4, "blocks": 2, "image_size": [8, 32]}},
    }


def write_config(workdir, config):
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def snakemake(workdir, *args, cwd=None):
    """Run Snakemake on the repo's Snakefile in ``workdir``; returns the process with ``out`` (stdout + stderr)."""
    cmd = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "--directory", str(workdir),
           "--cores", "2", *args]
    p = subprocess.run(cmd, cwd=cwd or workdir, capture_output=True, text=True, timeout=900)
    p.out = p.stdout + p.stderr
    return p


def planned_jobs(out):
    """{rule: count} from the 'Job stats' table Snakemake prints for a (dry) run; {} when none."""
    m = re.search(r"Job stats:\njob\s+count\n[- ]+\n(.*?)\ntotal\s+\d+", out, re.S)
    if not m:
        return {}
    return {name: int(n) for name, n in (line.split() for line in m.group(1).strip().splitlines())}


def params_changed_rules(out):
    """Rules listed under 'params have changed since last execution:' in a dry run's Reasons."""
    m = re.search(r"params have changed since last execution:\n\s+(.+)", out)
    return set(m.group(1).replace(" ", "").split(",")) if m else set()


def stamps(workdir):
    return {f: os.stat(workdir / f).st_mtime_ns for f in OUTPUTS}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("workflow")
    write_config(d, tiny_config())
    dry = snakemake(d, "-n")
    dry_wrote_results = (d / "results").exists()
    real = snakemake(d)
    assert real.returncode == 0, real.out
    return SimpleNamespace(dir=d, dry=dry, dry_wrote_results=dry_wrote_results, real=real)


def copy_of(run, tmp_path):
    """A copy of the finished run (mtimes and .snakemake metadata kept)."""
    d = tmp_path / "copy"
    shutil.copytree(run.dir, d, symlinks=True)
    return d


def edit_config(workdir, section, key, value):
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    node = config
    for k in section:
        node = node[k]
    node[key] = value
    write_config(workdir, config)


# --- dry run and real run ---------------------------------------------------------

def test_dry_run_plans_every_rule(run):
    assert run.dry.returncode == 0, run.dry.out
    assert planned_jobs(run.dry.out) == ALL_RULES
    assert not run.dry_wrote_results


def test_run_writes_every_output(run):
    for f in OUTPUTS:
        assert (run.dir / f).is_file() and (run.dir / f).stat().st_size > 0, f
    for rule in ("encode_sv", "split_dataset", "plot_qc"):
        assert (run.dir / "results" / "logs" / rule / f"{DS}.log").is_file()
    assert (run.dir / "results" / "benchmarks" / "encode_sv" / f"{DS}.tsv").is_file()
    assert not list((run.dir / "results").rglob("*.partial"))


def test_encoded_follows_the_contract(run):
    enc = load_encoded(run.dir / f"results/{DS}/encoded.npz")
    samples = pd.read_csv(run.dir / f"results/{DS}/samples.tsv", sep="\t", dtype={"group": str})
    n = len(samples)
    assert n > 0
    assert enc.X.dtype == np.uint8
    assert enc.X.shape == (n, len(ch.CHANNELS), MAX_ROWS, 2 * WINDOW)
    assert enc.X.any()
    assert enc.y.dtype == np.int64
    assert set(np.unique(enc.y)) == {0, 1}
    np.testing.assert_array_equal(enc.y, (samples.label == "variant").to_numpy(np.int64))
    assert enc.groups.dtype.kind == "U"
    np.testing.assert_array_equal(enc.groups, samples.group.to_numpy(str))
    assert list(enc.classes) == ["non_variant", "variant"]
    assert enc.layout == "image"
    assert tuple(enc.channels) == ch.CHANNELS


def test_samples_tsv_has_one_row_per_item(run):
    samples = pd.read_csv(run.dir / f"results/{DS}/samples.tsv", sep="\t", dtype={"contig": str, "group": str})
    need = ["id", "contig", "start", "end", "label", "svtype", "svlen", "source", "group",
            "depth_left", "depth_right"]
    assert set(need) <= set(samples.columns), samples.columns
    assert samples.id.is_unique
    assert set(samples.label) == {"variant", "non_variant"}
    assert ((samples.label == "variant") == (samples.source == "truth")).all()
    # 78 truth SVs, 2 sampled negatives per positive
    assert (samples.source == "truth").sum() == 78
    assert (samples.source == "sampled").sum() == 2 * 78
    assert (samples.end >= samples.start).all()
    assert (samples[["depth_left", "depth_right"]] > 0).all().all()


def test_split_partitions_items_by_group(run):
    enc = load_encoded(run.dir / f"results/{DS}/encoded.npz", mmap=True)
    split = load_split(run.dir / f"results/{DS}/split.npz")
    n = len(enc.y)
    every = np.concatenate([split[s] for s in SPLITS])
    np.testing.assert_array_equal(np.sort(every), np.arange(n))
    home = {}
    for s in SPLITS:
        for g in set(enc.groups[split[s]]):
            assert home.setdefault(g, s) == s, f"group {g} in {home[g]} and {s}"
    for s in ("train", "val", "test"):
        assert set(enc.y[split[s]]) == {0, 1}, s  # stratified: both classes everywhere
    counts = pd.read_csv(run.dir / f"results/{DS}/split_counts.tsv", sep="\t")
    assert counts.n.sum() == n
    assert counts.set_index(["split", "class"]).n[("train", "variant")] == int(enc.y[split.train].sum())


def test_results_by_type_and_size_and_items_for_igv(run):
    samples = pd.read_csv(run.dir / f"results/{DS}/samples.tsv", sep="\t", dtype={"contig": str, "group": str})
    split = load_split(run.dir / f"results/{DS}/split.npz")
    strata = pd.read_csv(run.dir / f"results/{DS}/detect/by_type_size.tsv", sep="\t")
    runs = set(zip(strata.detector, strata.strategy))
    assert runs == {(d, s) for d, s, _ in RUNS} | {("caller", "calls")}
    test_pos = samples.iloc[split.test].query("label == 'variant'")
    for detector in ("cnn", "caller"):
        sub = strata[(strata.detector == detector) & (strata.by == "svtype")].set_index("stratum")
        assert sub.n_pos.to_dict() == test_pos.svtype.value_counts().to_dict()
    caller = strata[(strata.detector == "caller") & (strata.by == "all")].iloc[0]
    assert caller.tp == samples.iloc[split.test].query("label == 'variant'").called.sum()
    assert caller.fp == (samples.iloc[split.test].source == "caller").sum()
    bed = (run.dir / f"results/{DS}/report/items.bed").read_text().splitlines()
    assert len(bed) == len(samples) + 1
    test_lines = [ln for ln in bed[1:] if ln.split("\t")[3].endswith("|test")]
    assert len(test_lines) == len(split.test)
    summary = pd.read_csv(run.dir / "results/report/summary.tsv", sep="\t")
    assert {"by_svtype", "by_size", "caller"} <= set(summary.section)
    assert "By SV type and size band" in (run.dir / "results/report/summary.md").read_text()


def test_qc_figure_is_a_png(run):
    data = (run.dir / f"results/{DS}/qc/pileups.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 100 and height > 100


# --- reruns -------------------------------------------------------------------------

def test_second_run_is_a_noop(run):
    before = stamps(run.dir)
    again = snakemake(run.dir)
    assert again.returncode == 0, again.out
    assert "Nothing to be done" in again.out
    assert planned_jobs(again.out) == {}
    assert stamps(run.dir) == before


def test_split_fractions_edit_reruns_only_the_split(run, tmp_path):
    d = copy_of(run, tmp_path)
    edit_config(d, ["split"], "fractions", [0.5, 0.25, 0.25])
    dry = snakemake(d, "-n")
    assert dry.returncode == 0, dry.out
    assert planned_jobs(dry.out) == {"split_dataset": 1, **DETECT_RULES, "all": 1}
    assert params_changed_rules(dry.out) == {"split_dataset"}
    # only the params trigger (on by default in Snakemake 9) asks for it
    mtime_only = snakemake(d, "-n", "--rerun-triggers", "mtime")
    assert planned_jobs(mtime_only.out) == {}, mtime_only.out
    # --list-params-changes names the split outputs, not encode_sv's. (Snakemake 9.27 also prints the
    # last output of every unchanged job, a bug in Workflow.list_changes, so only first outputs are asserted.)
    listed = snakemake(d, "--list-params-changes")
    assert listed.returncode == 0, listed.out
    lines = set(listed.stdout.split())
    assert f"results/{DS}/split.npz" in lines, listed.out
    assert f"results/{DS}/encoded.npz" not in lines, listed.out


def test_max_rows_edit_reruns_encode_and_everything_after(run, tmp_path):
    d = copy_of(run, tmp_path)
    edit_config(d, ["encode", "sv"], "max_rows", MAX_ROWS // 2)
    dry = snakemake(d, "-n")
    assert dry.returncode == 0, dry.out
    assert planned_jobs(dry.out) == ALL_RULES
    assert params_changed_rules(dry.out) == {"encode_sv"}


# --- determinism and bad config -------------------------------------------------------

def result_files(workdir):
    """Every file under results/ but the benchmarks and logs (wall-clock times, hosts, paths)."""
    root = workdir / "results"
    return sorted(str(f.relative_to(root)) for f in root.rglob("*")
                  if f.is_file() and f.relative_to(root).parts[0] not in ("benchmarks", "logs"))


def differing_files(a, b):
    """Files of result_files that differ in bytes between two runs (or exist in one only)."""
    fa, fb = result_files(a), result_files(b)
    assert fa == fb, sorted(set(fa) ^ set(fb))
    return [f for f in fa if (a / "results" / f).read_bytes() != (b / "results" / f).read_bytes()]


def test_same_seed_gives_identical_bytes(run, tmp_path):
    d = tmp_path / "again"
    write_config(d, tiny_config())
    p = snakemake(d)
    assert p.returncode == 0, p.out
    # every output, byte for byte: metrics, runs, comparisons, figures, models, summaries
    assert len(result_files(d)) > 20
    assert differing_files(run.dir, d) == []
    a = load_encoded(run.dir / f"results/{DS}/encoded.npz")
    b = load_encoded(d / f"results/{DS}/encoded.npz")
    for name in ("X", "y", "groups", "classes"):
        x, z = getattr(a, name), getattr(b, name)
        assert x.dtype == z.dtype and x.shape == z.shape, name
        assert x.tobytes() == z.tobytes(), name
    assert (run.dir / f"results/{DS}/samples.tsv").read_bytes() == (d / f"results/{DS}/samples.tsv").read_bytes()
    # the files themselves, not only their arrays (zip members carry a fixed timestamp)
    for name in ("encoded.npz", "split.npz"):
        assert (run.dir / f"results/{DS}/{name}").read_bytes() == (d / f"results/{DS}/{name}").read_bytes(), name
    sa, sb = load_split(run.dir / f"results/{DS}/split.npz"), load_split(d / f"results/{DS}/split.npz")
    for s in SPLITS:
        np.testing.assert_array_equal(sa[s], sb[s])


@pytest.mark.parametrize("where, key, value, named", [
    (["encode", "sv"], "windw", 64, "'windw' was unexpected"),
    (["datasets", DS], "kind", "pileups", "'pileups' is not one of ['sv'"),
], ids=["unknown_key", "bad_kind"])
def test_bad_config_fails_naming_the_key(tmp_path, where, key, value, named):
    config = tiny_config()
    node = config
    for k in where:
        node = node[k]
    node[key] = value
    write_config(tmp_path, config)
    p = snakemake(tmp_path)
    assert p.returncode != 0, p.out
    assert "problem(s) in the config" in p.out, p.out
    assert named in p.out, p.out
    assert key in p.out
    assert not (tmp_path / "results").exists()


def test_lint_passes_on_the_repo():
    p = subprocess.run([sys.executable, "-m", "snakemake", "--lint", "--configfile", "config/demo.yaml"],
                       cwd=REPO,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Congratulations, your workflow is in a good condition" in p.stdout + p.stderr


# --- detection: the test split stays out of training and selection ---------------------

def _windows(samples, idx):
    """(contig, lo, hi) of both breakpoint windows of items ``idx``."""
    rows = samples.iloc[idx]
    half = WINDOW // 2
    out = []
    for r in rows.itertuples():
        out += [(r.contig, r.start - half, r.start + half), (r.contig, r.end - half, r.end + half)]
    return out


def test_no_test_item_or_overlapping_window_reaches_training_or_selection(run):
    enc = load_encoded(run.dir / f"results/{DS}/encoded.npz", mmap=True)
    split = load_split(run.dir / f"results/{DS}/split.npz")
    samples = pd.read_csv(run.dir / f"results/{DS}/samples.tsv", sep="\t", dtype={"contig": str, "group": str})
    seen = np.concatenate([split.train, split.val])           # training and selection (early stopping, threshold)
    assert not set(split.test) & set(seen)
    assert not set(enc.groups[split.test]) & set(enc.groups[seen])
    seen_windows = _windows(samples, seen)
    for contig, lo, hi in _windows(samples, split.test):
        assert not any(c == contig and lo < h and l < hi for c, l, h in seen_windows), (contig, lo, hi)
    for detector, strategy, seed in RUNS:
        d = run.dir / f"results/{DS}/detect/{detector}/{strategy}/seed{seed}"
        preds = pd.read_csv(d / "predictions.tsv", sep="\t")
        assert preds["index"].tolist() == split.test.tolist()   # scored: the test split, nothing else
        m = __import__("json").loads((d / "metrics.json").read_text())
        assert m["n_train_real"] == len(split.train) and m["n_train_synthetic"] == 0
        assert m["val"]["n"] == len(split.val) and m["test"]["n"] == len(split.test)


def test_metrics_json_equals_metrics_recomputed_from_the_predictions(run):
    from genaug.metrics import binary_metrics
    for detector, strategy, _ in RUNS[::2]:
        d = run.dir / f"results/{DS}/detect/{detector}/{strategy}/seed1"
        m = __import__("json").loads((d / "metrics.json").read_text())
        assert m["detector"] == detector and m["strategy"] == strategy
        preds = pd.read_csv(d / "predictions.tsv", sep="\t")
        y = (preds["label"] == m["classes"].index(m["positive"])).astype(int)
        again = binary_metrics(y, preds["score"], m["threshold"])
        for k in ("precision", "recall", "f1", "auprc", "auroc"):
            assert again[k] == pytest.approx(m["test"][k], abs=1e-6), k
        assert again["confusion"] == m["test"]["confusion"] and again["positives"] == m["test"]["positives"]
        assert (preds["predicted"] == (preds["score"] >= m["threshold"])).all()


def test_summary_and_report_cover_every_strategy(run):
    summary = pd.read_csv(run.dir / f"results/{DS}/detect/summary.tsv", sep="\t")
    assert list(zip(summary["detector"], summary["strategy"], summary["replicates"])) == [
        ("cnn", "none", 2), ("cnn", "class_weight", 2), ("logistic", "none", 1), ("logistic", "class_weight", 1)]
    runs = pd.read_csv(run.dir / f"results/{DS}/detect/runs.tsv", sep="\t")
    assert sorted(zip(runs["detector"], runs["strategy"], runs["replicate"])) == sorted(RUNS)
    comparisons = pd.read_csv(run.dir / f"results/{DS}/detect/comparisons.tsv", sep="\t")
    assert set(zip(comparisons["detector"], comparisons["strategy"], comparisons["reference"])) == {
        ("cnn", "class_weight", "none"), ("logistic", "class_weight", "none")}
    assert set(comparisons["metric"]) == {"precision", "recall", "f1", "auroc", "auprc"}
    assert (comparisons["lo"] <= comparisons["hi"]).all()
    assert set(comparisons["verdict"]) <= {"better", "worse", "no difference shown", "not measurable"}
    md = (run.dir / "results/report/summary.md").read_text()
    assert f"## {DS}" in md and "| logistic | class_weight |" in md
    assert (run.dir / f"results/{DS}/report/detection.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_snakemake_report_gathers_the_figures_with_captions(run, tmp_path):
    d = copy_of(run, tmp_path)
    p = snakemake(d, "--report", "report.html")
    assert p.returncode == 0, p.out
    html = (d / "report.html").read_text(errors="replace")
    assert len(html) > 50_000
    for text in ("Detection", "Quality control", "Summary", "real test split"):
        assert text in html, text
