"""The entry every rule script runs in (genaug.logs.rule_script), in real Snakemake jobs: an
unexpected exception's traceback lands in the rule's log; an InputError ends the job with one line."""

import subprocess
import sys
import textwrap

from test_workflow import REPO

SCRIPT = """
import sys
sys.path.insert(0, {scripts!r})
from genaug.errors import InputError
from genaug.logs import rule_script

def read_table(path):
    return {{}}["column"]  # a bug: KeyError deep in a library call

with rule_script(snakemake) as log:
    log.info("reading %s", snakemake.input[0])
    if snakemake.wildcards.case == "bad_input":
        raise InputError(snakemake.input[0], "has no header line")
    read_table(snakemake.input[0])
    open(snakemake.output[0], "w").close()
"""

SNAKEFILE = """
rule fail:
    input: "in.txt"
    output: "out/{case}.txt"
    log: "logs/{case}.log"
    script: "job.py"
"""


def run_case(tmp_path, case):
    (tmp_path / "job.py").write_text(SCRIPT.format(scripts=str(REPO / "scripts")))
    (tmp_path / "Snakefile").write_text(textwrap.dedent(SNAKEFILE))
    (tmp_path / "in.txt").write_text("x\n")
    p = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1", f"out/{case}.txt"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    return p, (tmp_path / "logs" / f"{case}.log").read_text()


def test_an_unexpected_exception_lands_with_its_traceback_in_the_rule_log(tmp_path):
    p, log = run_case(tmp_path, "bug")
    assert p.returncode != 0
    assert "INFO genaug.fail: reading in.txt" in log
    assert "Traceback (most recent call last)" in log
    assert 'in read_table\n    return {}["column"]' in log and "KeyError: 'column'" in log
    assert "genaug: fail failed: KeyError: 'column'; the traceback is in logs/bug.log" in p.stderr
    assert not (tmp_path / "out" / "bug.txt").exists()


def test_an_input_error_ends_the_job_with_one_line_and_no_traceback(tmp_path):
    p, log = run_case(tmp_path, "bad_input")
    assert p.returncode != 0
    assert "ERROR genaug.fail: in.txt: has no header line" in log
    assert "Traceback" not in log
    assert "genaug: in.txt: has no header line" in p.stderr


def test_every_rule_script_runs_in_the_entry():
    rules = "".join(p.read_text() for p in (REPO / "workflow" / "rules").glob("*.smk"))
    scripts = sorted(set(__import__("re").findall(r'"\.\./\.\./scripts/(\w+\.py)"', rules)))
    assert len(scripts) >= 10
    for name in scripts:
        assert "with rule_script(snakemake)" in (REPO / "scripts" / name).read_text(), name
