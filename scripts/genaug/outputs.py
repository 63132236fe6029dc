"""Writing outputs so that a killed job never leaves a file that looks complete.

Every writer goes through ``replacing(path)``: it yields a ``.partial`` path to
write, renames it to ``path`` when the block ends without error, and removes
it otherwise. A write that fails (disk full, read-only) raises OSError naming ``path``;
``genaug.logs.rule_script`` turns it into one line.
"""

import contextlib
import json
import os

import numpy as np


@contextlib.contextmanager
def replacing(path):
    path = str(path)
    tmp = f"{path}.partial"
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as e:
        raise naming(e, path) from e
    finally:
        if os.path.lexists(tmp):
            os.remove(tmp)


def naming(e, path):
    """``e`` (an OSError) naming ``path`` when it names no file: a failed write() does not."""
    return e if e.filename is not None else OSError(e.errno, e.strerror or str(e), str(path))


def write_json(obj, path):
    with replacing(path) as tmp, open(tmp, "w") as f:
        json.dump(obj, f, indent=1, default=_plain)
        f.write("\n")


def write_tsv(df, path):
    """A DataFrame as TSV, floats to 10 significant digits (scores compared with thresholds stay exact enough)."""
    with replacing(path) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format="%.10g")


def write_text(text, path):
    with replacing(path) as tmp, open(tmp, "w") as f:
        f.write(text)


def save_figure(fig, path, dpi=100):
    """A matplotlib figure as PNG."""
    with replacing(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return str(path)


def _plain(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"{type(x).__name__} is not JSON serialisable")
