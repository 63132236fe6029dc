"""Read-stacking speed next to samtools' multi-region iterator (the decode limit).

Usage: python3 bench/stacking.py [--bam B --reference R --truth V] [--repeat 3] [--threads 1 2]

Builds the demo's candidate windows (truth SVs plus sampled negatives, two
windows per item), writes them to windows.bed, then times over the same windows
and read filters:
  - samtools view -c -M -L windows.bed -F <mask> [-q minq]
  - genaug's stacking, written to an encoded.npz, with 1 and 2 processes
Rates are in read-window overlaps per second (overlaps = sum of window depths
before the row cap); 'share' is samtools' time divided by genaug's for the same
windows. Best of --repeat runs.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import numpy as np  # noqa: E402

from genaug import tensors  # noqa: E402
from genaug.encode.sv import SvSettings, plan_sv, stack_to_writer  # noqa: E402

DEMO = REPO / "resources" / "demo" / "sv"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bam", default=str(DEMO / "sample.bam"))
    ap.add_argument("--reference", default=str(DEMO / "ref.fa"))
    ap.add_argument("--truth", default=str(DEMO / "truth.vcf.gz"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--negatives-per-positive", type=float, default=10)
    args = ap.parse_args()

    settings = SvSettings(negatives_per_positive=args.negatives_per_positive)
    plan = plan_sv(args.bam, args.reference, args.truth, settings=settings, seed=1)
    items, stack, tid_names = plan.items, plan.stack, plan.tid_names
    tid, left, right = plan.item_tid, plan.left, plan.right

    with tempfile.TemporaryDirectory() as tmp:
        bed = os.path.join(tmp, "windows.bed")
        with open(bed, "w") as f:
            for c, a in sorted(zip(np.repeat(items.contig.to_numpy(), 2), np.stack([left, right], 1).reshape(-1)),
                               key=lambda t: (tid_names.index(t[0]), t[1])):
                f.write(f"{c}\t{max(0, a)}\t{a + settings.window}\n")
        cmd = ["samtools", "view", "-c", "-M", "-L", bed, "-F", str(stack.exclude_flags), args.bam]
        if stack.min_mapq:
            cmd[3:3] = ["-q", str(stack.min_mapq)]
        t_sam = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            reads = int(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            t_sam.append(time.perf_counter() - t0)
        t_sam = min(t_sam)

        print(f"{len(items)} items, {2 * len(items)} windows of {settings.window} bp, "
              f"rows <= {stack.max_rows}; samtools counts {reads} distinct reads in them")
        rows = []
        for threads in args.threads:
            best, overlaps = None, None
            for _ in range(args.repeat):
                out = os.path.join(tmp, "encoded.npz")
                t0 = time.perf_counter()
                with tensors.EncodedWriter(out, stack.item_shape, len(items)) as w:
                    depth = stack_to_writer(w, args.bam, args.reference, tid_names, tid, left, right, stack,
                                            threads=threads, chunk_items=settings.chunk_items,
                                            progress_every=1e9)
                    w.close(np.zeros(len(items)), np.zeros(len(items), str), ["a", "b"], "image")
                dt = time.perf_counter() - t0
                best = dt if best is None else min(best, dt)
                overlaps = int(depth.sum())
            rows.append((threads, best, overlaps))
        print(f"samtools view -c -M -L: {t_sam:.3f} s, {overlaps / t_sam:,.0f} overlaps/s "
              f"({reads / t_sam:,.0f} reads/s)")
        for threads, dt, overlaps in rows:
            print(f"genaug, {threads} process(es): {dt:.3f} s, {overlaps:,} overlaps, "
                  f"{overlaps / dt:,.0f} overlaps/s, {len(items) / dt:,.0f} items/s, "
                  f"share of samtools {t_sam / dt:.2f}, speed-up over 1 process {rows[0][1] / dt:.2f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB in the main process, {peak_child:.0f} MB in the largest worker or samtools")


if __name__ == "__main__":
    main()
