"""A real one-node SLURM for the cluster tests, brought up once per session in a temp directory
and stopped by PID at the end (also when a test fails).

Without slurm-wlm, munge, slurmdbd and mariadb-server installed (or without root) the tests
skip, except under CI (environment variable CI set), where they fail: CI must never skip them.
"""

import os
import sys
import time
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "workflow"))  # test_workflow's helpers (tiny config, snakemake runner)

from localslurm import OneNodeSlurm, missing_binaries  # noqa: E402

SLURM_PROFILE = REPO / "workflow" / "profiles" / "slurm" / "config.yaml"


def largest_memory_request(profile=SLURM_PROFILE):
    """The largest mem_mb the profile asks for: the test node must be able to hold it, as a cluster node would."""
    p = yaml.safe_load(profile.read_text())
    values = [p.get("default-resources", {}).get("mem_mb", 0)]
    values += [r.get("mem_mb", 0) for r in (p.get("set-resources") or {}).values()]
    return max(values)


def _bring_up(tmp_path_factory, accounting, name):
    problem = None
    if os.geteuid() != 0:
        problem = "the one-node SLURM runs its daemons as root"
    elif missing_binaries(accounting):
        problem = (f"SLURM not installed (missing {', '.join(missing_binaries(accounting))}); "
                   "apt-get install slurm-wlm munge mariadb-server slurmdbd, or run .ci/run")
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem + " [CI is set: the cluster tests must run, not skip]")
        pytest.skip(problem)
    cluster = OneNodeSlurm(tmp_path_factory.mktemp(name), accounting=accounting, name=name,
                           min_memory_mb=largest_memory_request())
    t0 = time.monotonic()
    try:
        cluster.start(timeout=60)
    except BaseException:
        cluster.stop()
        raise
    cluster.bring_up_seconds = time.monotonic() - t0
    print(f"\n{name}: one-node SLURM up in {cluster.bring_up_seconds:.1f} s ({cluster.root})")
    return cluster


def _tear_down(cluster):
    cluster.stop()
    left = cluster.running()
    assert not left, f"daemons still running after stop: {left}"


@pytest.fixture(scope="session")
def slurm(tmp_path_factory):
    """One node with accounting (slurmdbd on MariaDB): sacct records every job."""
    cluster = _bring_up(tmp_path_factory, accounting=True, name="genaug")
    yield cluster
    _tear_down(cluster)


@pytest.fixture(scope="session")
def slurm_noacct(tmp_path_factory):
    """One node without accounting (accounting_storage/none): sacct cannot answer."""
    cluster = _bring_up(tmp_path_factory, accounting=False, name="noacct")
    yield cluster
    _tear_down(cluster)
