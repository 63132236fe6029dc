"""The workflow on a real one-node SLURM (conftest.py) through workflow/profiles/slurm.

What is checked comes from SLURM's own records: sacct (job, state, exit code, the
plugin's comment, requested memory, allocated GPUs) and the output file SLURM wrote
for each job, which names the rules and wildcards the job ran.
"""

import math
import re
import shutil
import time

import pytest
import yaml

from test_workflow import DEMO, DS, REPO, snakemake, tiny_config, write_config

PROFILES = REPO / "workflow" / "profiles"
SLURM = ["--workflow-profile", str(PROFILES / "slurm")]
NOACCT = SLURM + ["--profile", str(PROFILES / "slurm-noacct")]
# Test-only settings on the command line (they override both profiles): first status check
# after 5 s instead of 40, and keep each job's SLURM output file to read what it ran.
FAST = ["--slurm-init-seconds-before-status-checks", "5", "--slurm-keep-successful-logs"]
FAIL_WITHIN = 120  # seconds from start to Snakemake's exit when a job fails
CONTRACT = ["encoded.npz", "samples.tsv", "split.npz", "split_counts.tsv", "synthetic/classic.npz"]
# Every kind of job, without the fidelity audit and report figures (a minute of CPU here, nothing
# new for SLURM): encode_sv (CPU), train_generator + sample_synthetic (GPU, one group),
# train_detector (GPU, packed), and the localrules split_dataset, plot_qc, summarize_detection.
TARGETS = [f"results/{DS}/{f}" for f in ("qc/pileups.png", "synthetic/classic.npz", "detect/summary.tsv")]


def cluster_config():
    """The tiny test config plus one generator (classic, the quickest), one detector seed per strategy."""
    config = tiny_config()
    config["generate"] = {"generators": ["classic"]}
    config.setdefault("detect", {})["replicates"] = 1
    return config


def profile():
    return yaml.safe_load((PROFILES / "slurm" / "config.yaml").read_text())


def localrules():
    m = re.search(r"^localrules:\n((?:\s+\w+,?\n)+)", (REPO / "workflow" / "Snakefile").read_text(), re.M)
    return set(re.findall(r"\w+", m.group(1)))


def jobs_in(text):
    """{(kind, rule, wildcards)} of the job blocks Snakemake printed ('rule x:' or 'localrule x:')."""
    jobs, current = set(), None
    for line in text.splitlines():
        m = re.match(r"\s*(localrule|rule) (\w+):$", line)
        if m:
            if current:
                jobs.add(current)
            current = (m.group(1), m.group(2), "")
        elif current and (w := re.match(r"\s*wildcards: (.*)$", line)):
            current = (*current[:2], w.group(1).strip())
    if current:
        jobs.add(current)
    return jobs


def run_id(out):
    m = re.search(r"SLURM run ID: (\S+)", out)
    assert m, out[-3000:]
    return m.group(1)


def sacct(cluster, run):
    """Every job of a Snakemake run as SLURM accounting recorded it."""
    fields = ["JobIDRaw", "State", "ExitCode", "Comment", "ReqMem", "AllocTRES"]
    text = cluster.cmd("sacct", "-X", "-n", "-P", "-S", "now-2days", "-E", "now", "--name", run,
                       "-o", ",".join(f"{f}%300" for f in fields))
    return [dict(zip(fields, line.split("|"))) for line in text.splitlines() if line.strip()]


def slurm_output(workdir, jobid):
    """The file SLURM wrote the job's output to (sbatch --output)."""
    found = list((workdir / ".snakemake" / "slurm_logs").rglob(f"{jobid}.log"))
    assert len(found) == 1, f"SLURM job {jobid}: output files {found}"
    return found[0].read_text()


def broken_bam_config(d, with_good=False):
    """Dataset `cut`: the tiny config on a BAM cut in half, so encode_sv fails inside its job, not at
    planning. with_good: the intact tiny dataset beside it."""
    d.mkdir(parents=True, exist_ok=True)
    data = (DEMO / "sample.bam").read_bytes()
    (d / "cut.bam").write_bytes(data[: len(data) // 2])
    shutil.copy(DEMO / "sample.bam.bai", d / "cut.bam.bai")
    config = tiny_config()
    good = config["datasets"][DS]
    config["datasets"] = {"cut": {**good, "bam": str(d / "cut.bam")}, **({DS: good} if with_good else {})}
    write_config(d, config)


def timed(workdir, *args):
    t0 = time.monotonic()
    p = snakemake(workdir, *args)
    p.seconds = time.monotonic() - t0
    return p


# --- a full run through the slurm profile -------------------------------------------------

@pytest.fixture(scope="module")
def slurm_run(slurm, tmp_path_factory):
    d = tmp_path_factory.mktemp("slurm_run")
    write_config(d, cluster_config())
    with slurm.active():
        p = timed(d, *SLURM, *FAST, *TARGETS)
        assert p.returncode == 0, p.out[-6000:]
        jobs = sacct(slurm, run_id(p.out))
    print(f"\nslurm profile run: {p.seconds:.0f} s, {len(jobs)} SLURM jobs")
    return d, p, jobs


def test_every_cluster_job_went_through_sbatch(slurm_run):
    d, p, jobs = slurm_run
    planned = jobs_in(p.out)
    remote = {(rule, wc) for kind, rule, wc in planned if kind == "rule"}
    local = {(rule, wc) for kind, rule, wc in planned if kind == "localrule"}
    # the run had cluster jobs of every kind, and ran only the localrules (and `all`) here
    assert {"encode_sv", "train_generator", "sample_synthetic", "train_detector"} <= {r for r, _ in remote}
    assert {"split_dataset", "plot_qc", "summarize_detection"} <= {r for r, _ in local}
    assert {r for r, _ in local} <= localrules() | {"all"}
    # SLURM's records: one job per submission Snakemake reported, each completed
    submitted = re.findall(r"has been submitted with SLURM jobid (\d+)", p.out)
    assert sorted(j["JobIDRaw"] for j in jobs) == sorted(submitted), (jobs, submitted)
    for j in jobs:
        assert (j["State"], j["ExitCode"]) == ("COMPLETED", "0:0"), j
    # what the SLURM jobs ran (from the output files SLURM wrote) is exactly the non-local jobs
    ran = [{(rule, wc) for _, rule, wc in jobs_in(slurm_output(d, j["JobIDRaw"]))} for j in jobs]
    assert set().union(*ran) == remote
    assert sum(len(r) for r in ran) == len(remote), "a job ran in two SLURM jobs"
    assert not set().union(*ran) & local


def test_profile_resources_reach_sbatch(slurm_run):
    """Memory and GPUs per rule come from the profile (not the rules), and groups share one submission."""
    d, _, jobs = slurm_run
    prof = profile()
    res = prof["set-resources"]
    checked = detector_jobs = 0
    for j in jobs:
        rules = {rule for _, rule, _ in jobs_in(slurm_output(d, j["JobIDRaw"]))}
        if rules <= set(res):  # (rules the profile does not name keep the rule's own values)
            assert j["ReqMem"] == f"{max(res[r]['mem_mb'] for r in rules)}M", (rules, j)
            assert ("gres/gpu=1" in j["AllocTRES"]) == any(res[r].get("gpu") for r in rules), (rules, j)
            checked += 1
        if "train_generator" in rules:
            assert rules == {"train_generator", "sample_synthetic"}, rules  # group `generator`
        if "train_detector" in rules:
            assert rules == {"train_detector"}, rules  # group `detector`, packed
            detector_jobs += 1
    assert checked, "no SLURM job ran only rules the profile names"
    detectors = {wc for kind, rule, wc in jobs_in(slurm_run[1].out) if rule == "train_detector" and kind == "rule"}
    pack = prof["group-components"]["detector"]
    assert detector_jobs == math.ceil(len(detectors) / pack), (detector_jobs, len(detectors), pack)


def test_cluster_outputs_match_a_local_run(slurm_run, tmp_path):
    d, _, _ = slurm_run
    write_config(tmp_path, cluster_config())
    local = snakemake(tmp_path, *[f"results/{DS}/{f}" for f in CONTRACT])
    assert local.returncode == 0, local.out[-6000:]
    assert "localrule encode_sv:" in local.out  # the default profile runs everything here
    for f in CONTRACT:
        a, b = d / f"results/{DS}/{f}", tmp_path / f"results/{DS}/{f}"
        assert a.read_bytes() == b.read_bytes(), f


# --- a job that fails ---------------------------------------------------------------------

def test_failing_job_ends_the_run(slurm, tmp_path):
    broken_bam_config(tmp_path)
    with slurm.active():
        p = timed(tmp_path, *SLURM, *FAST)
        jobs = sacct(slurm, run_id(p.out))
        queued = slurm.cmd("squeue", "-h", "-o", "%i")
    print(f"\nfailing job, accounting: exit {p.returncode} after {p.seconds:.0f} s")
    assert p.returncode != 0, p.out[-6000:]
    assert p.seconds < FAIL_WITHIN, p.out[-6000:]
    assert "truncated" in p.out  # the job's own error reaches the user
    assert [(j["Comment"], j["State"]) for j in jobs] == [("rule_encode_sv_wildcards_cut", "FAILED")], jobs
    assert jobs[0]["ExitCode"] != "0:0"
    assert not queued.strip()


# --- the fallback profile on a cluster without accounting ----------------------------------

def test_cluster_without_accounting_has_no_sacct(slurm_noacct):
    with pytest.raises(RuntimeError, match="accounting storage is disabled"):
        slurm_noacct.cmd("sacct", "-X")


def test_fallback_profile_follows_jobs_without_accounting(slurm_noacct, tmp_path):
    """Through squeue: one job that completes, one that fails (--keep-going lets the first finish)."""
    broken_bam_config(tmp_path, with_good=True)
    with slurm_noacct.active():
        p = timed(tmp_path, *NOACCT, *FAST, "--keep-going", f"results/{DS}/encoded.npz", "results/cut/encoded.npz")
        states = slurm_noacct.cmd("squeue", "-h", "--states=all", "--name", run_id(p.out), "-o", "%T|%k")
    print(f"\nfailing job, no accounting (squeue): exit {p.returncode} after {p.seconds:.0f} s")
    assert p.returncode != 0, p.out[-6000:]
    assert p.seconds < FAIL_WITHIN, p.out[-6000:]
    assert "Falling back to 'sacct'" not in p.out
    assert "truncated" in p.out
    assert sorted(states.split()) == [f"COMPLETED|rule_encode_sv_wildcards_{DS}", "FAILED|rule_encode_sv_wildcards_cut"]
    assert (tmp_path / f"results/{DS}/encoded.npz").stat().st_size > 0
    assert not (tmp_path / "results/cut/encoded.npz").exists()
