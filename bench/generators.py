"""Generator training throughput and peak memory, per generator, on the demo pileups.

Usage: python3 bench/generators.py [--steps 20] [--generators genegan dcgan ...] [--threads 2]

Encodes the bundled demo (or reuses --encoded/--split), takes the train split's
variants (what train_generator learns from) and trains each generator for
--steps steps in its own process, so peak memory is that generator's own.
Reports items per second (steps x batch size / seconds, after the first step
is excluded as warm-up), sampling speed, and peak memory: resident set on CPU,
torch.cuda.max_memory_allocated on a GPU. Prints the device it ran on.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
DEMO = REPO / "resources" / "demo" / "sv"


def encode_demo(out_dir):
    from genaug.encode.sv import SvSettings, encode_sv
    from genaug.split import make_split, save_split
    from genaug.tensors import load_encoded
    enc_path, tsv = out_dir / "encoded.npz", out_dir / "samples.tsv"
    encode_sv(DEMO / "sample.bam", DEMO / "ref.fa", DEMO / "truth.vcf.gz", enc_path, tsv,
              settings=SvSettings(), seed=1, threads=2)
    enc = load_encoded(enc_path, mmap=True)
    save_split(out_dir / "split.npz", make_split(enc.y, enc.groups, seed=1))
    return enc_path, tsv, out_dir / "split.npz"


def child(args):
    """One generator: train, time, sample; print a JSON line."""
    import numpy as np
    import pandas as pd
    import torch

    from genaug import generators
    from genaug.augment import generator_items
    from genaug.split import load_split
    from genaug.tensors import load_encoded
    enc = load_encoded(args.encoded, mmap=True)
    idx, _ = generator_items(enc.y, load_split(args.split).train)
    cond = pd.read_csv(args.samples, sep="\t", dtype=str, keep_default_na=False).svtype.to_numpy()[idx]
    X = np.asarray(enc.X[idx])
    settings = {"steps": 1, "log_every": 10 ** 9} if args.generator != "classic" else {}
    with tempfile.TemporaryDirectory() as tmp:
        warm = generators.train(args.generator, X, cond=cond, layout=enc.layout, settings=settings, seed=1,
                            out_dir=tmp, threads=args.threads, channels=enc.channels)
        if args.generator != "classic":
            settings["steps"] = 1 + args.steps
        t0 = time.perf_counter()
        r = generators.train(args.generator, X, cond=cond, layout=enc.layout, settings=settings, seed=1,
                         out_dir=tmp, threads=args.threads, channels=enc.channels)  # resumes after step 1
        train_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        generators.sample(r.model, 256, seed=1, threads=args.threads)
        sample_s = time.perf_counter() - t0
    batch = r.settings.get("batch_size", 0)
    steps = r.steps - warm.steps
    out = {"generator": args.generator, "device": r.device, "items": len(X), "steps": steps,
           "train_items_per_s": steps * batch / train_s if steps else None,
           "sample_items_per_s": 256 / sample_s,
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if torch.cuda.is_available():
        out["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2 ** 20
        out["gpu"] = torch.cuda.get_device_name()
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generators", nargs="+", default=["genegan", "dcgan", "wgan_gp", "cvae", "classic"])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--encoded")
    ap.add_argument("--samples")
    ap.add_argument("--split")
    ap.add_argument("--generator", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.generator:
        return child(args)
    with tempfile.TemporaryDirectory() as tmp:
        if not args.encoded:
            args.encoded, args.samples, args.split = map(str, encode_demo(Path(tmp)))
        for g in args.generators:
            cmd = [sys.executable, __file__, "--generator", g, "--steps", str(args.steps),
                   "--threads", str(args.threads), "--encoded", args.encoded, "--samples", args.samples,
                   "--split", args.split]
            p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
            if p.returncode:
                print(f"{g}: failed\n{p.stderr[-2000:]}")
                continue
            r = json.loads(p.stdout.strip().splitlines()[-1])
            rate = f"{r['train_items_per_s']:.1f} items/s" if r["train_items_per_s"] else "no training"
            gpu = f", peak GPU {r['peak_gpu_mb']:.0f} MB on {r['gpu']}" if "gpu" in r else ""
            print(f"{g:8s} on {r['device']}: {r['items']} real items, training {rate} over {r['steps']} steps, "
                  f"sampling {r['sample_items_per_s']:.0f} items/s, peak RSS {r['peak_rss_mb']:.0f} MB{gpu}")


if __name__ == "__main__":
    main()
