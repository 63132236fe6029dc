"""What every fidelity figure reads: the audits of a dataset's generators."""

import json


def read_fidelity(paths):
    """{generator: audit} from ``fidelity/{generator}.json`` files, in the order given."""
    out = {}
    for path in paths:
        with open(path) as f:
            d = json.load(f)
        out[d["generator"]] = d
    return out


def check_fidelity(fidelity):
    """ValueError unless ``fidelity`` holds at least one audit with curves and metrics."""
    if not fidelity:
        raise ValueError("no generator's fidelity to plot")
    for g, f in fidelity.items():
        if "curves" not in f or "metrics" not in f:
            raise ValueError(f"fidelity of {g} lacks curves or metrics: not an evaluate() result")
