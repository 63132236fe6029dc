"""Peak memory and wall time of encode, detector training and generator training at several sizes.

Usage: python3 bench/memory.py [--sizes 2000 8000] [--out DIR] [--epochs 2] [--steps 40] [--threads 1]
                               [--stages encode detect generate classic]

For each size N, the bundled demo BAM is encoded at N real items (its 78 truth
SVs plus N - 78 sampled negatives; items of 6 x 64 x 512 bytes, as on a real
genome), split, and then, each stage in its own process so that its peak
resident memory (ru_maxrss) is its own:

- encode: ``encode_sv`` of the N items (one process);
- detect: the ``cnn`` detector, strategy ``none``, --epochs epochs on the train
  split, validation every epoch, then the test split scored (what
  ``train_detector`` does), reading items from encoded.npz a batch at a time;
- generate: ``genegan`` for --steps steps on every train item (conditioned on
  the class, so that the items it learns from grow with N), then
  ``sample_synthetic``'s drawing of N/4 items into a file, a chunk at a time;
- classic: the ``classic`` generator on every train item (its pool, written to
  pool.npz beside model.pt), then N/4 items drawn from it into a file, a chunk
  at a time (the pool read through ``ItemSet``).

Prints one JSON line per stage and size, then a table. Memory flat in N is
the point; wall time grows with N for encode and detection (every item is
read each epoch) and not for generator steps.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
DEMO = REPO / "resources" / "demo" / "sv"
N_TRUTH = 78  # truth SVs of the demo


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage_encode(args):
    from genaug.encode.sv import SvSettings, encode_sv
    from genaug.split import make_split, save_split
    from genaug.tensors import load_encoded
    d = Path(args.dir)
    settings = SvSettings(negatives_per_positive=(args.n - N_TRUTH) / N_TRUTH)
    t0 = time.perf_counter()
    encode_sv(DEMO / "sample.bam", DEMO / "ref.fa", DEMO / "truth.vcf.gz", d / "encoded.npz", d / "samples.tsv",
              settings=settings, seed=1, threads=1)
    seconds = time.perf_counter() - t0
    enc = load_encoded(d / "encoded.npz", mmap=True)
    save_split(d / "split.npz", make_split(enc.y, enc.groups, seed=1))
    return {"items": int(len(enc.y)), "bytes": int(enc.X.nbytes), "seconds": seconds}


def stage_detect(args):
    import numpy as np

    from genaug.augment import rare_class
    from genaug.detect import train_detector
    from genaug.detect.evaluate import evaluate
    from genaug.items import ItemSet
    from genaug.split import load_split
    from genaug.tensors import load_encoded
    d = Path(args.dir)
    enc = load_encoded(d / "encoded.npz", mmap=True)
    split = load_split(d / "split.npz")
    X_train = ItemSet.from_file(d / "encoded.npz", split.train)
    X_val = ItemSet.from_file(d / "encoded.npz", split.val)
    t0 = time.perf_counter()
    result = train_detector("cnn", "none", X_train, enc.y[split.train], X_val, enc.y[split.val],
                            list(enc.classes), rare_class(enc.y[split.train]), enc.layout, channels=enc.channels,
                            settings={"epochs": args.epochs, "patience": args.epochs}, seed=1, threads=args.threads)
    metrics, _ = evaluate(result.detector, ItemSet.from_file(d / "encoded.npz", split.test), enc.y[split.test],
                          split.test, X_val, enc.y[split.val], args.threads)
    return {"items": int(len(enc.y)), "train_items": int(len(split.train)), "seconds": time.perf_counter() - t0,
            "test_auprc": metrics["test"]["auprc"], "train_bytes": int(X_train.nbytes),
            "positives": int(np.sum(enc.y))}


def stage_generate(args):
    from genaug import generators
    from genaug.augment import save_synthetic
    from genaug.items import ItemSet
    from genaug.split import load_split
    from genaug.tensors import load_encoded
    d = Path(args.dir)
    enc = load_encoded(d / "encoded.npz", mmap=True)
    split = load_split(d / "split.npz")
    X = ItemSet.from_file(d / "encoded.npz", split.train)
    cond = enc.classes[enc.y[split.train]]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        r = generators.train("genegan", X, cond=cond, layout=enc.layout,
                             settings={"steps": args.steps, "log_every": 10 ** 9}, seed=1, out_dir=tmp,
                             threads=args.threads, channels=enc.channels)
        train_s = time.perf_counter() - t0
        n = int(len(enc.y)) // 4
        t1 = time.perf_counter()
        c, chunks = generators.sample_chunks(r.model, n, cond=enc.classes[1], seed=2, threads=args.threads)
        save_synthetic(Path(tmp) / "synthetic.npz", chunks, 1, enc.classes, enc.layout, "genegan", condition=c,
                       channels=enc.channels)
        sample_s = time.perf_counter() - t1
    return {"items": int(len(enc.y)), "train_items": int(len(split.train)), "steps": r.steps,
            "seconds": train_s, "sampled": n, "sample_seconds": sample_s}


def stage_classic(args):
    from genaug import generators
    from genaug.augment import save_synthetic
    from genaug.items import ItemSet
    from genaug.split import load_split
    from genaug.tensors import load_encoded
    d = Path(args.dir)
    enc = load_encoded(d / "encoded.npz", mmap=True)
    split = load_split(d / "split.npz")
    X = ItemSet.from_file(d / "encoded.npz", split.train)
    cond = enc.classes[enc.y[split.train]]
    with tempfile.TemporaryDirectory(dir=d) as tmp:
        t0 = time.perf_counter()
        r = generators.train("classic", X, cond=cond, layout=enc.layout, seed=1, out_dir=tmp,
                             threads=args.threads, channels=enc.channels)
        train_s = time.perf_counter() - t0
        n = int(len(enc.y)) // 4
        t1 = time.perf_counter()
        c, chunks = generators.sample_chunks(r.model, n, cond=enc.classes[0], seed=2, threads=args.threads)
        save_synthetic(Path(tmp) / "synthetic.npz", chunks, 1, enc.classes, enc.layout, "classic", condition=c,
                       channels=enc.channels)
        sample_s = time.perf_counter() - t1
        pool = Path(tmp) / "pool.npz"
        pool_mb = pool.stat().st_size / 2 ** 20 if pool.exists() else 0.0  # 0: the pool inside model.pt
        model_kb = Path(r.model).stat().st_size / 2 ** 10
    return {"items": int(len(enc.y)), "train_items": int(len(split.train)), "pool_mb": round(pool_mb, 1),
            "model_kb": round(model_kb, 1), "seconds": train_s, "sampled": n, "sample_seconds": sample_s}


STAGES = {"encode": stage_encode, "detect": stage_detect, "generate": stage_generate, "classic": stage_classic}


def run_child(stage, n, d, args):
    cmd = [sys.executable, __file__, "--child", stage, "--n", str(n), "--dir", str(d), "--epochs", str(args.epochs),
           "--steps", str(args.steps), "--threads", str(args.threads)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{stage} at {n} items failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 8000])
    ap.add_argument("--out", default=None, help="working directory (default: a temporary one)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--stages", nargs="+", choices=list(STAGES), default=list(STAGES))
    ap.add_argument("--child", choices=list(STAGES))
    ap.add_argument("--n", type=int)
    ap.add_argument("--dir")
    args = ap.parse_args()
    if args.child:
        if args.child != "encode":  # the encoder does not import torch
            import torch
            torch.set_num_threads(args.threads)
        out = STAGES[args.child](args)
        print(json.dumps({"stage": args.child, **out, "peak_rss_mb": round(_peak_mb(), 1)}))
        return
    base = Path(args.out or tempfile.mkdtemp(prefix="genaug-bench-"))
    rows = []
    for n in args.sizes:
        d = base / f"n{n}"
        d.mkdir(parents=True, exist_ok=True)
        for stage in args.stages:
            r = run_child(stage, n, d, args)
            print(json.dumps(r), flush=True)
            rows.append(r)
    print("\n| stage | items | peak RSS (MB) | wall (s) |\n|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['stage']} | {r['items']} | {r['peak_rss_mb']:.0f} | {r['seconds']:.1f} |")


if __name__ == "__main__":
    main()
