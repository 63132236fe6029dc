"""Writing outputs so that a killed job never leaves a file that looks complete.

Every writer of the library goes through ``replacing(path, ...)``: it yields a
``.partial`` path per output to write, renames them to their outputs (in the
order given) when the block ends without error, and removes every partial
file otherwise. Streaming writers (``tensors.EncodedWriter``) hold one open
for their lifetime. A write that fails (disk full, read-only) raises OSError
naming its output; ``genaug.logs.rule_script`` turns it into one line.
"""

import contextlib
import json
import os

import numpy as np


def partial_name(path):
    return f"{path}.partial"


@contextlib.contextmanager
def replacing(*paths):
    """Yield the partial path of one output (or a tuple of them, for several outputs written
    together); rename all of them at the end of the block, or remove them all on error."""
    paths = [str(p) for p in paths]
    tmps = [partial_name(p) for p in paths]
    try:
        yield tmps[0] if len(tmps) == 1 else tuple(tmps)
        for tmp, path in zip(tmps, paths):
            os.replace(tmp, path)
    except OSError as e:
        raise naming(e, paths[0] if len(paths) == 1 else ", ".join(paths)) from e
    finally:
        for tmp in tmps:
            if os.path.lexists(tmp):
                os.remove(tmp)


def naming(e, path):
    """``e`` (an OSError) naming ``path`` when it names no file: a failed write() does not."""
    return e if e.filename is not None else OSError(e.errno, e.strerror or str(e), str(path))


def write_json(obj, path):
    with replacing(path) as tmp, open(tmp, "w") as f:
        json.dump(obj, f, indent=1, default=_plain)
        f.write("\n")


def write_tsv(df, path, float_format="%.10g", **to_csv):
    """A DataFrame as TSV, floats to 10 significant digits by default (scores compared with
    thresholds stay exact enough); other ``DataFrame.to_csv`` options pass through."""
    with replacing(path) as tmp:
        df.to_csv(tmp, sep="\t", index=False, float_format=float_format, **to_csv)


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


def file_sha256(path):
    """SHA-256 (hex) of a file's bytes."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
