"""Conda envs: each parses, is pinned, lists every third-party package its rules'
scripts import (following the genaug library's imports), and agrees with requirements.txt."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
# import name -> conda package name (and the PyPI name in requirements.txt)
CONDA_NAME = {"torch": "pytorch", "matplotlib": "matplotlib-base", "yaml": "pyyaml", "allel": "scikit-allel",
              "sklearn": "scikit-learn"}
PYPI_NAME = {"pytorch": "torch", "matplotlib-base": "matplotlib"}
ENVS = sorted((REPO / "envs").glob("*.yaml"))


def env_packages(path):
    env = yaml.safe_load(path.read_text())
    pins = {}
    for dep in env["dependencies"]:
        name, _, version = dep.partition("=")
        pins[name.strip()] = version.strip().lstrip("=")
    return env, pins


def requirements():
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name] = version
    return pins


def _module_file(module):
    rel = Path(*module.split("."))
    for candidate in (SCRIPTS / rel.with_suffix(".py"), SCRIPTS / rel / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _lazy_names(init):
    """A package's names loaded on first use: ``_LAZY = {name: module}`` in its ``__init__.py``."""
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_LAZY" for t in node.targets):
            return ast.literal_eval(node.value)
    return {}


def _resolve(package, module):
    """Absolute name of ``module`` (``.x``, ``..x``) imported from ``package``."""
    level = len(module) - len(module.lstrip("."))
    if not level:
        return module
    parts = package.split(".")[: len(package.split(".")) - level + 1]
    return ".".join(parts + ([module.lstrip(".")] if module.lstrip(".") else []))


def third_party_imports(script, seen=None):
    """Top-level third-party modules a script imports, following genaug's own modules (and a
    package's lazily loaded names: every one of them when the package itself is imported)."""
    seen = set() if seen is None else seen
    if script in seen:
        return set()
    seen.add(script)
    tree = ast.parse(script.read_text())
    package = ".".join(script.relative_to(SCRIPTS).with_suffix("").parts[:-1])
    if script.name == "__init__.py":
        package = ".".join(script.relative_to(SCRIPTS).parts[:-1])
    found = set()

    def follow(name, whole):
        """genaug module ``name``; ``whole``: the module object itself is imported (so all its lazy names)."""
        f = _module_file(name)
        if f is None:  # a name from a package: a lazy one?
            base, _, attr = name.rpartition(".")
            init = _module_file(base)
            if init is not None and init.name == "__init__.py" and attr in _lazy_names(init):
                follow(_resolve(base, _lazy_names(init)[attr]), False)
            return
        found.update(third_party_imports(f, seen))
        if whole and f.name == "__init__.py":
            for target in set(_lazy_names(f).values()):
                follow(_resolve(name, target), False)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [(a.name, True) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(package, "." * node.level + (node.module or "")) if node.level else node.module
            names = [(base, False)] + [(f"{base}.{a.name}", True) for a in node.names]
        else:
            continue
        for name, whole in names:
            top = name.split(".")[0]
            if top == "genaug":
                follow(name, whole)
            elif top and top not in sys.stdlib_module_names and top != "snakemake":
                found.add(top)
    return found


def rule_envs_and_scripts():
    pairs = []
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        text = smk.read_text()
        for rule in re.split(r"\nrule ", text)[1:]:
            name = rule.split(":")[0]
            env = re.search(r'conda:\s*\n\s*"([^"]+)"', rule)
            script = re.search(r'script:\s*\n\s*"([^"]+)"', rule)
            assert env, f"rule {name} names no conda env"
            if script:
                pairs.append((name, (smk.parent / env.group(1)).resolve(), (smk.parent / script.group(1)).resolve()))
    return pairs


@pytest.mark.parametrize("path", ENVS, ids=[p.name for p in ENVS])
def test_env_parses_pinned_on_the_right_channels(path):
    env, pins = env_packages(path)
    assert env["channels"] == ["conda-forge", "bioconda", "nodefaults"]
    assert pins, path
    for name, version in pins.items():
        assert re.fullmatch(r"\d+(\.\d+)*", version), f"{path.name}: {name} is not pinned ({version!r})"


@pytest.mark.parametrize("path", ENVS, ids=[p.name for p in ENVS])
def test_env_versions_agree_with_requirements(path):
    _, pins = env_packages(path)
    req = requirements()
    for name, version in pins.items():
        if name == "python":
            assert version == "3.11", f"{path.name}: python {version}, but genaug targets 3.11"
            continue
        pypi = PYPI_NAME.get(name, name)
        assert pypi in req, f"{path.name} pins {name}, which requirements.txt lacks"
        assert req[pypi] == version, f"{path.name}: {name}={version} but requirements.txt has {req[pypi]}"


def test_every_rule_env_lists_what_its_script_imports():
    pairs = rule_envs_and_scripts()
    assert {"encode_sv", "split_dataset", "plot_qc", "train_generator", "sample_synthetic"} <= {p[0] for p in pairs}
    for name, env, script in pairs:
        _, pins = env_packages(env)
        needed = {CONDA_NAME.get(m, m) for m in third_party_imports(script)}
        missing = needed - set(pins)
        assert not missing, f"rule {name}: {script.name} imports {sorted(missing)}, missing from {env.name}"


def test_import_scan_follows_the_library():
    """The scan itself: encode_sv reaches pysam only through genaug.encode."""
    assert "pysam" not in ast.dump(ast.parse((SCRIPTS / "encode_sv.py").read_text()))
    assert {"pysam", "numpy", "pandas"} <= third_party_imports(SCRIPTS / "encode_sv.py")
    assert "torch" in third_party_imports(SCRIPTS / "train_generator.py")


def test_plot_and_summary_jobs_do_not_import_torch():
    """The report env has no pytorch: its scripts reach none, statically and when their imports run."""
    report = sorted({s for _, env, s in rule_envs_and_scripts() if env.name == "report.yaml"})
    assert {"summarize_detection.py", "plot_detection.py", "write_summary.py"} <= {s.name for s in report}
    lines = []
    for script in report:
        assert "torch" not in third_party_imports(script), script.name
        tree = ast.parse(script.read_text())
        lines += [ast.unparse(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    code = "\n".join([f"import sys; sys.path.insert(0, {str(SCRIPTS)!r})", *lines,
                      "assert 'torch' not in sys.modules, 'torch was imported'"])
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
