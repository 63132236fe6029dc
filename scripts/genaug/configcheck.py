"""The config checked against the workflow's schema, every problem on its own short line.

Snakemake's own ``validate`` stops at the first problem and prints the part of
the schema it failed, so the line naming the key scrolls away. ``validate_config``
collects every problem first (``config: datasets.x: 'bam' is a required property``)
and ends the run with them (``stop``: the last lines of stderr, no traceback); a valid
config then gets the schema's defaults from
Snakemake's ``validate``.
"""

import copy
import os

import yaml

MAX_MESSAGE = 160  # characters of a value's repr kept in a message


def problems(config, schema):
    """One line per place where ``config`` breaks ``schema`` (a dict), sorted by key path."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    lines = set()
    for e in Draft202012Validator(schema).iter_errors(copy.deepcopy(config)):
        if e.context:  # anyOf / oneOf: the branch that came closest
            e = best_match(e.context)
        where = ".".join(str(p) for p in e.absolute_path)
        msg = e.message if len(e.message) <= MAX_MESSAGE else e.message[:MAX_MESSAGE] + "..."
        lines.add(f"config: {where or '(top level)'}: {msg}")
    return sorted(lines)


def stop(*lines):
    """End the run with these lines on stderr, last, and no traceback (a SystemExit passes
    through Snakemake's parser untouched)."""
    raise SystemExit("\n".join(f"genaug: {line}" if i == 0 else line for i, line in enumerate(lines)))


def validate_config(config, schema_path):
    """Stop, listing every problem of ``config``; else fill in the schema's defaults."""
    from snakemake.utils import validate

    with open(schema_path) as f:
        schema = yaml.safe_load(f)
    found = problems(config, schema)
    if found:
        stop(f"{len(found)} problem(s) in the config (schema {os.path.basename(schema_path)}):", *found)
    validate(config, schema=schema_path)


def check_results_dir(path="results"):
    """At start-up: ``path`` (every output goes under it) is a directory that can be written, or can
    be made; otherwise one line (``stop``) saying so. Probes with a temporary file, since
    permission bits say nothing for root or on read-only mounts; writes nothing that stays."""
    import tempfile

    where = os.path.abspath(path)
    if os.path.lexists(path) and not os.path.isdir(path):
        stop(f"{where}: is a file, not a directory; every output goes under results/: "
             "move the file away")
    probe_dir = path if os.path.isdir(path) else os.path.dirname(where)
    try:
        with tempfile.NamedTemporaryFile(dir=probe_dir, prefix=".genaug-write-test-"):
            pass
    except OSError as e:
        stop(f"{where}: cannot be written ({e.strerror or e}); every output goes under "
             "results/: make it writable or run from a directory that is")
