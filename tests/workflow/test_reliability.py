"""Crash safety and clean failures in real Snakemake runs on a tiny config.

- A run SIGKILLed during encode, a generator's training, a detector's training and the
  report, each time rerun with the same command after ``--unlock``, ends with outputs
  byte-identical to an uninterrupted run. Outputs carrying wall-clock seconds are
  compared without them: the ``seconds`` field of detect/*/metrics.json and column of
  detect/runs.tsv; logs/ and benchmarks/ are not compared. A generator's resume file
  (checkpoint.pt) is compared by content (every tensor and value equal): a resumed run
  pickles the same state in another byte order.
- A full disk (writes to /dev/full) or a read-only directory (``chattr +i``) in the middle
  of a job: one line naming the file, no output left.
- Two datasets on one BAM, and a dataset renamed between runs, keep their outputs apart.
- Config problems, an unwritable results path and a bad input end the run's stderr
  with their one-line messages.
"""

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from test_workflow import DEMO, SNAKEFILE, planned_jobs, snakemake, write_config

DS = "tiny"
CONFIG = {
    "datasets": {DS: {"kind": "sv", "bam": str(DEMO / "sample.bam"), "reference": str(DEMO / "ref.fa"),
                      "truth": str(DEMO / "truth.vcf.gz")}},
    "seed": 5,
    "encode": {"sv": {"window": 32, "max_rows": 8, "negatives_per_positive": 2, "insert_size": [100, 1000]}},
    "qc": {"examples_per_class": 1},
    "generate": {"generators": ["dcgan"],
                 "settings": {"dcgan": {"steps": 40, "batch_size": 8, "checkpoint_every": 10, "log_every": 10,
                                        "width": 4, "blocks": 2, "latent": 8, "image_size": [8, 16]}}},
    "detect": {"detectors": {"sv": ["cnn"]}, "strategies": ["none"], "replicates": 1, "bootstrap": 100,
               "settings": {"epochs": 3, "width": 4, "blocks": 2, "image_size": [8, 16]}},
}
# where each kill lands: the first file a job writes (its log, or the generator's first checkpoint)
KILL_POINTS = [
    ("encode", f"results/logs/encode_sv/{DS}.log"),
    ("generator training", f"results/{DS}/generators/dcgan/checkpoint.pt"),
    ("detector training", f"results/logs/train_detector/{DS}.cnn.dcgan.seed1.log"),
    ("report", f"results/logs/plot_detection/{DS}.log"),
]
WALL_CLOCK = {"seconds"}


def config(**datasets):
    c = json.loads(json.dumps(CONFIG))
    if datasets:
        c["datasets"] = datasets
    return c


def outputs(workdir):
    """Every file under results/ but logs and benchmarks: relative path -> bytes (wall-clock fields removed)."""
    root = Path(workdir) / "results"
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(workdir).as_posix()
        if not p.is_file() or rel.startswith(("results/logs/", "results/benchmarks/")):
            continue
        data = p.read_bytes()
        if p.name == "metrics.json":
            data = json.dumps({k: v for k, v in json.loads(data).items() if k not in WALL_CLOCK}).encode()
        elif p.name == "checkpoint.pt":
            data = _content(torch.load(p, map_location="cpu", weights_only=True))
        elif p.name == "runs.tsv":
            lines = data.decode().splitlines()
            keep = [i for i, c in enumerate(lines[0].split("\t")) if c not in WALL_CLOCK]
            data = "\n".join("\t".join(ln.split("\t")[i] for i in keep) for ln in lines).encode()
        out[rel] = data
    return out


def _content(obj):
    """A torch object's values as bytes, independent of how the pickle is laid out."""
    if isinstance(obj, dict):
        return b"{" + b",".join(repr(k).encode() + b":" + _content(v) for k, v in sorted(obj.items(), key=str)) + b"}"
    if isinstance(obj, (list, tuple)):
        return b"[" + b",".join(_content(v) for v in obj) + b"]"
    if torch.is_tensor(obj):
        return f"{obj.dtype}{tuple(obj.shape)}".encode() + obj.contiguous().cpu().numpy().tobytes()
    return repr(obj).encode()


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """One uninterrupted run of the tiny config."""
    d = tmp_path_factory.mktemp("clean")
    write_config(d, config())
    p = snakemake(d, "--cores", "1")
    assert p.returncode == 0, p.out[-3000:]
    return d


def run_until(workdir, marker, timeout=600):
    """Start the workflow in its own process group; SIGKILL the group (Snakemake and its job)
    once ``marker`` exists. Returns True when killed, False when the run ended first."""
    cmd = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "--directory", str(workdir), "--cores", "1"]
    with open(workdir / "run.out", "ab") as out:
        p = subprocess.Popen(cmd, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        t0 = time.monotonic()
        try:
            while p.poll() is None and time.monotonic() - t0 < timeout:
                if (workdir / marker).exists():
                    time.sleep(0.5)  # into the job's work, past its start
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
                    return True
                time.sleep(0.05)
            return False
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def test_killed_runs_rerun_to_identical_outputs(clean, tmp_path):
    d = tmp_path / "killed"
    write_config(d, config())
    for where, marker in KILL_POINTS:
        tail = (d / "run.out").read_text()[-2000:] if (d / "run.out").exists() else ""
        assert run_until(d, marker), f"the run ended before the kill during {where}: {tail}"
        assert not (d / "results" / "report" / "summary.md").exists() or where == "report"
        unlock = snakemake(d, "--unlock")
        assert unlock.returncode == 0, unlock.out
    final = snakemake(d, "--cores", "1")
    assert final.returncode == 0, final.out[-3000:]
    got, want = outputs(d), outputs(clean)
    assert sorted(got) == sorted(want)  # no .partial or other leftover
    differ = [f for f in want if got[f] != want[f]]
    assert not differ, differ
    again = snakemake(d, "--cores", "1")
    assert "Nothing to be done" in again.out


def test_two_datasets_on_one_bam_do_not_mix(clean, tmp_path):
    ds = CONFIG["datasets"][DS]
    write_config(tmp_path, config(one=dict(ds), two=dict(ds)))
    p = snakemake(tmp_path, "--cores", "2", "results/one/encoded.npz", "results/two/encoded.npz",
                  "results/one/split.npz", "results/two/split.npz")
    assert p.returncode == 0, p.out[-3000:]
    assert planned_jobs(p.out)["encode_sv"] == 2
    for name in ("one", "two"):
        for f in ("encoded.npz", "samples.tsv", "split.npz"):
            assert (tmp_path / f"results/{name}/{f}").read_bytes() == (clean / f"results/{DS}/{f}").read_bytes(), f
        log = (tmp_path / f"results/logs/encode_sv/{name}.log").read_text()
        assert "stacked" in log
    assert not list((tmp_path / "results").rglob("*.partial"))


def test_a_renamed_dataset_is_built_afresh(clean, tmp_path):
    d = tmp_path / "renamed"
    shutil.copytree(clean, d, symlinks=True)
    write_config(d, config(renamed=dict(CONFIG["datasets"][DS])))
    p = snakemake(d, "-n")
    assert p.returncode == 0, p.out
    jobs = planned_jobs(p.out)
    assert jobs["encode_sv"] == 1 and jobs["train_generator"] == 1 and jobs["write_summary"] == 1, jobs
    assert f"results/{DS}/" not in p.out  # nothing of the old name is read
    assert "results/renamed/encoded.npz" in p.out


def _broken_split_run(d):
    p = snakemake(d, "--cores", "1", f"results/{DS}/split.npz", "--forcerun", "split_dataset")
    assert p.returncode != 0
    assert not (d / f"results/{DS}/split.npz").exists() and not (d / f"results/{DS}/split_counts.tsv").exists()
    assert not list((d / "results" / DS).glob("split*.partial"))
    return [ln for ln in p.stderr.splitlines() if ln.strip()]


def test_a_full_disk_mid_job_leaves_no_output_and_one_line(clean, tmp_path):
    d = tmp_path / "full"
    shutil.copytree(clean, d, symlinks=True)
    (d / f"results/{DS}/split.npz.partial").symlink_to("/dev/full")  # every write there: ENOSPC
    lines = _broken_split_run(d)
    want = f"genaug: results/{DS}/split.npz: No space left on device (errno ENOSPC); free space on its disk"
    assert any(ln.startswith(want) for ln in lines[-6:]), "\n".join(lines[-30:])
    assert "Traceback" not in (d / f"results/logs/split_dataset/{DS}.log").read_text()


def test_a_read_only_directory_mid_job_leaves_no_output_and_one_line(clean, tmp_path):
    d = tmp_path / "readonly"
    shutil.copytree(clean, d, symlinks=True)
    target = d / "results" / DS
    for f in ("split.npz", "split_counts.tsv"):
        (target / f).unlink()
    if subprocess.run(["chattr", "+i", str(target)], capture_output=True).returncode != 0:
        pytest.skip("this file system does not take `chattr +i`")  # root ignores permission bits
    try:
        lines = _broken_split_run(d)
    finally:
        subprocess.run(["chattr", "-i", str(target)], check=True)
    assert any(ln.startswith("genaug: ") and "Operation not permitted" in ln and "make its directory writable" in ln
               for ln in lines[-6:]), "\n".join(lines[-30:])


# --- messages that end the run --------------------------------------------------------

def test_every_config_problem_is_one_line_at_the_end(tmp_path):
    c = config()
    del c["datasets"][DS]["bam"]
    c["encode"]["sv"]["window"] = 7
    c["encode"]["sv"]["colour"] = "red"
    c["detect"]["replicates"] = 0
    write_config(tmp_path, c)
    p = snakemake(tmp_path, "-n")
    assert p.returncode != 0
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    want = [f"config: datasets.{DS}: 'bam' is a required property",
            "config: detect.replicates: 0 is less than the minimum of 1",
            "config: encode.sv.window: 7 is less than the minimum of 16",
            "config: encode.sv.window: 7 is not a multiple of 2",
            "config: encode.sv: Additional properties are not allowed ('colour' was unexpected)"]
    assert lines[-len(want):] == want, "\n".join(lines[-20:])
    assert lines[-len(want) - 1].startswith("genaug: 5 problem(s) in the config")
    assert "Failed validating" not in p.out and "Traceback" not in p.out and "File \"" not in p.out


def test_a_missing_input_file_is_the_last_line(tmp_path):
    c = config()
    c["datasets"][DS]["truth"] = str(tmp_path / "gone.vcf.gz")
    write_config(tmp_path, c)
    p = snakemake(tmp_path, "-n")
    assert p.returncode != 0
    last = p.stderr.strip().splitlines()[-1]
    assert last == f"genaug: config: datasets.{DS}.truth: file {tmp_path}/gone.vcf.gz not found"


def test_results_that_is_a_file_is_one_line_at_start_up(tmp_path):
    write_config(tmp_path, config())
    (tmp_path / "results").write_text("not a directory\n")
    p = snakemake(tmp_path, "-n")
    assert p.returncode != 0
    assert p.stderr.strip().splitlines()[-1] == (f"genaug: {tmp_path}/results: is a file, not a directory; "
                                                 "every output goes under results/: move the file away")


def test_a_bad_input_ends_the_run_with_its_line(tmp_path):
    truth = tmp_path / "truth.vcf.gz"
    with gzip.open(DEMO / "truth.vcf.gz", "rb") as f:
        truth.write_bytes(gzip.compress(f.read()))  # plain gzip, not bgzip
    c = config()
    c["datasets"][DS]["truth"] = str(truth)
    write_config(tmp_path, c)
    p = snakemake(tmp_path, "--cores", "1", f"results/{DS}/encoded.npz")
    assert p.returncode != 0
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    want = f"genaug: {truth}: is gzip, not bgzip: recompress it with `zcat {truth} | bgzip > fixed.vcf.gz`"
    assert any(ln.startswith(want) for ln in lines[-6:]), "\n".join(lines[-30:])
    assert not (tmp_path / "results" / DS / "encoded.npz").exists()
    assert not list((tmp_path / "results").rglob("*.partial"))
