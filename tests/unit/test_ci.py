"""CI checks formatting and lint before the tests, with pinned tools and settings in pyproject.toml."""

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_ci_runs_the_formatter_and_linter_before_the_tests():
    lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    pytest_at = next(i for i, line in enumerate(lines) if "pytest" in line)
    assert lines.index("snakefmt --check workflow") < pytest_at
    assert lines.index("ruff check") < pytest_at
    pins = dict(line.split("==") for line in (REPO / "requirements.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    assert {"snakefmt", "ruff"} <= set(pins)


def test_lint_settings_select_pyflakes_imports_and_line_length():
    tools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]
    assert set(tools["ruff"]["lint"]["select"]) == {"F", "I", "E501"}
    assert tools["ruff"]["line-length"] == tools["snakefmt"]["line_length"] == 120
