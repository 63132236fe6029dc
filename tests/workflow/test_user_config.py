"""The user's own config replaces the demo: dry runs over the repository's config files.

The workflow reads config/config.yaml (no dataset until the user adds one);
the demo is config/demo.yaml, given with --configfile. Snakemake lays a
--configfile over config/config.yaml, so neither path may plan a job of the other.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo" / "sv"


def _workdir(tmp_path):
    """A working directory like a fresh checkout: the repository's config files and resources."""
    (tmp_path / "config").mkdir()
    for name in ("config.yaml", "demo.yaml"):
        shutil.copy(REPO / "config" / name, tmp_path / "config" / name)
    (tmp_path / "resources").symlink_to(REPO / "resources")
    return tmp_path


def _dry_run(workdir, *args):
    p = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "workflow" / "Snakefile"),
                        "--directory", str(workdir), "--cores", "1", "-n", *args],
                       cwd=workdir, capture_output=True, text=True, timeout=300)
    p.out = p.stdout + p.stderr
    return p


def _user_config():
    return {"datasets": {"my_sample": {"kind": "sv", "bam": str(DEMO / "sample.bam"),
                                       "reference": str(DEMO / "ref.fa"), "truth": str(DEMO / "truth.vcf.gz")}},
            "generate": {"generators": []}}


def _planned_datasets(out):
    """Dataset names in the planned jobs' outputs (results/<dataset>/...)."""
    names = set()
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("output:"):
            for path in line[len("output:"):].split(","):
                parts = path.strip().split("/")
                skip = ("logs", "benchmarks", "report", "score")
                if len(parts) > 2 and parts[0] == "results" and parts[1] not in skip:
                    names.add(parts[1])
    return names


def test_user_configfile_plans_no_demo_job(tmp_path):
    d = _workdir(tmp_path)
    (d / "my.yaml").write_text(yaml.safe_dump(_user_config()))
    p = _dry_run(d, "--configfile", "my.yaml")
    assert p.returncode == 0, p.out
    assert _planned_datasets(p.out) == {"my_sample"}, p.out
    assert "demo" not in p.out.replace(str(DEMO), "")
    assert "rule score_sample" not in p.out  # the demo's scored sample is the demo's too


def test_editing_config_yaml_plans_only_the_users_datasets(tmp_path):
    d = _workdir(tmp_path)
    template = yaml.safe_load((d / "config" / "config.yaml").read_text())
    (d / "config" / "config.yaml").write_text(yaml.safe_dump({**template, **_user_config()}))
    p = _dry_run(d)
    assert p.returncode == 0, p.out
    assert _planned_datasets(p.out) == {"my_sample"}, p.out


def test_demo_runs_from_its_own_configfile(tmp_path):
    d = _workdir(tmp_path)
    p = _dry_run(d, "--configfile", "config/demo.yaml")
    assert p.returncode == 0, p.out
    demo = set(yaml.safe_load((REPO / "config" / "demo.yaml").read_text())["datasets"])
    assert _planned_datasets(p.out) == demo


def test_template_alone_says_what_to_do(tmp_path):
    d = _workdir(tmp_path)
    p = _dry_run(d)
    assert p.returncode != 0
    assert "config: no datasets: add yours to config/config.yaml" in p.out
    assert "--configfile config/demo.yaml" in p.out


def test_the_whole_genome_example_is_a_valid_config():
    from snakemake.utils import validate
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    wgs = yaml.safe_load((REPO / "config" / "wgs.yaml").read_text())
    config.update(wgs)  # top-level keys: the example sets every section it uses
    validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    ds = config["datasets"]["hg002"]
    assert {"truth_sample", "regions", "exclude"} <= set(ds)
    assert config["generate"]["settings"]["genegan"]["image_size"] is None
    assert config["detect"]["settings"]["image_size"] is None


def test_a_datasets_unknown_detector_setting_stops_before_any_job(tmp_path):
    d = _workdir(tmp_path)
    cfg = _user_config()
    cfg["datasets"]["my_sample"]["detector_settings"] = {"epochs": 5, "epoch": 3}
    (d / "my.yaml").write_text(yaml.safe_dump(cfg))
    p = _dry_run(d, "--configfile", "my.yaml")
    assert p.returncode != 0
    assert "datasets.my_sample.detector_settings: unknown detector setting 'epoch'" in p.out, p.out
    cfg["datasets"]["my_sample"]["detector_settings"] = {"epochs": 5}
    (d / "my.yaml").write_text(yaml.safe_dump(cfg))
    assert _dry_run(d, "--configfile", "my.yaml").returncode == 0
