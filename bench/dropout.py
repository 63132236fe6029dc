"""Time torch's dropout against genaug's (``detect.dropout.Dropout``) on the conv1d's activations.

    python3 bench/dropout.py [--shape 32 15 101] [--calls 300]

CPU time (``time.process_time``) per call on one thread, forward only, in
training mode, next to one of the conv1d's convolutions on the same tensor.
"""

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from genaug.detect.dropout import Dropout  # noqa: E402


def per_call(f, calls):
    f()
    t = time.process_time()
    for _ in range(calls):
        f()
    return (time.process_time() - t) / calls * 1e3


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", type=int, nargs=3, default=[32, 15, 101])
    ap.add_argument("--calls", type=int, default=300)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    x = torch.randn(*a.shape)
    conv = torch.nn.Conv1d(a.shape[1], a.shape[1], 9, padding=4)
    ours, theirs = Dropout(0.5).train(), torch.nn.Dropout(0.5).train()
    for name, f in (("torch.nn.Dropout", lambda: theirs(x)), ("genaug Dropout", lambda: ours(x)),
                    ("Conv1d (same tensor)", lambda: conv(x))):
        print(f"{name:22s} {per_call(f, a.calls):.3f} ms per call")


if __name__ == "__main__":
    main()
