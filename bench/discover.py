"""SV candidate discovery speed next to `samtools view -c` over the same region (the decode limit).

Usage: python3 bench/discover.py [--bam B --reference R] [--copies 8] [--threads 1 2] [--repeat 3]
       python3 bench/discover.py --recall [--fractions 1.0 0.4] [--seed 1]

With --copies k > 1 the demo BAM is concatenated k times (`samtools cat`, then
sorted and indexed in a temporary directory): the same 1.2 Mb at k x 20x, so the
times are long enough to measure. Then, best of --repeat runs:
  - samtools view -c -F 0xF04 BAM <every contig>  (one thread: the decode rate)
  - genaug's evidence scan (`discover.scan_evidence`: every read decoded by htslib, the
    informative ones parsed) with each --threads count, chunks of --chunk-bp
  - the whole `discover_candidates` (insert-size estimate, scan, clustering, depth ratios)
Rates are reads per second (the reads samtools counts); 'share per thread (wall)' is
genaug's rate divided by the thread count and by samtools' one-thread rate; 'share
(CPU)' is samtools' CPU seconds over genaug's (this process and its children), the
same ratio less disturbed by other jobs on a shared machine.

--recall: discovery on the demo BAM downsampled to each fraction (`samtools view -s
SEED.FRACTION`; 1.0 is the BAM itself: 20x, so 0.4 is 8x), truth SVs >= 50 bp found per
type (the repository's matcher, loci.matches_truth), candidates matching no truth SV,
and the time of discover_candidates (one thread).
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import pysam  # noqa: E402

from genaug.encode import discover  # noqa: E402
from genaug.encode.sv import SvSettings, estimate_insert_range  # noqa: E402

DEMO = REPO / "resources" / "demo" / "sv"


def _cpu():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def best(f, repeat, cpu=False):
    """Best wall time of ``repeat`` runs (with ``cpu``: (wall, CPU s of this process and its children))."""
    times, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), _cpu()
        out = f()
        times.append(time.perf_counter() - t)
        cpus.append(_cpu() - c)
    return ((min(times), min(cpus)) if cpu else min(times)), out


def recall(args):
    from genaug.encode import loci
    from genaug.encode import truth as truth_mod

    print("| coverage | DEL | DUP | INV | INS | all | candidates | false candidates | time s |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for frac in args.fractions:
            bam = args.bam
            if frac < 1:
                bam = f"{tmp}/sub.bam"
                subprocess.run(["samtools", "view", "-b", "-s", f"{args.seed + frac}", "-o", bam, args.bam], check=True)
                subprocess.run(["samtools", "index", bam], check=True)
            t = time.perf_counter()
            found, lengths, _ = discover.discover_candidates(bam, args.reference)
            secs = time.perf_counter() - t
            svs, _ = truth_mod.read_truth(args.truth, "none", lengths)
            r = discover.recall_by_type(svs, found).set_index("svtype")
            false = sum(not loci.matches_truth(c, svs) for c in found.itertuples(index=False))
            cells = " | ".join(f"{r.loc[k, 'found']}/{r.loc[k, 'truth']} ({r.loc[k, 'recall']:.3f})"
                               for k in ("DEL", "DUP", "INV", "INS", "all"))
            print(f"| {20 * frac:g}x | {cells} | {len(found)} | {false} | {secs:.2f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bam", default=str(DEMO / "sample.bam"))
    ap.add_argument("--reference", default=str(DEMO / "ref.fa"))
    ap.add_argument("--copies", type=int, default=8)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--chunk-bp", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--truth", default=str(DEMO / "truth.vcf.gz"))
    ap.add_argument("--recall", action="store_true")
    ap.add_argument("--fractions", type=float, nargs="+", default=[1.0, 0.4])
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.recall:
        return recall(args)
    with tempfile.TemporaryDirectory() as tmp:
        bam = args.bam
        if args.copies > 1:
            cat, bam = f"{tmp}/cat.bam", f"{tmp}/copies.bam"
            subprocess.run(["samtools", "cat", "-o", cat] + [args.bam] * args.copies, check=True)
            subprocess.run(["samtools", "sort", "-@2", "-o", bam, cat], check=True)
            subprocess.run(["samtools", "index", bam], check=True)
        with pysam.AlignmentFile(bam) as f:
            lengths = dict(zip(f.references, f.lengths))
            insert_range = estimate_insert_range(f, SvSettings(), bam)
        regions = [f"{c}:1-{n}" for c, n in lengths.items()]
        (t_sam, c_sam), out = best(lambda: subprocess.run(["samtools", "view", "-c", "-F", "0xF04", bam, *regions],
                                                          check=True, capture_output=True, text=True).stdout,
                                   args.repeat, cpu=True)
        n = int(out.split()[0])
        rate = n / t_sam
        print(f"BAM: {bam} ({args.copies} x {args.bam}), {n:,} primary mapped reads, {sum(lengths.values()):,} bp")
        print(f"samtools view -c, 1 thread: {t_sam:.3f} s wall, {c_sam:.3f} CPU-s, {rate:,.0f} reads/s")
        settings = discover.DiscoverSettings(chunk_bp=args.chunk_bp)
        print("| threads | scan s | reads/s | share per thread (wall) | CPU-s | share (CPU) | speed-up |")
        print("|---|---|---|---|---|---|---|")
        first = None
        for t in args.threads:
            (secs, cpu), (_, informative) = best(
                lambda: discover.scan_evidence(bam, None, lengths, insert_range, settings, t, progress_every=1e9),
                args.repeat, cpu=True)
            first = first or secs
            print(f"| {t} | {secs:.3f} | {n / secs:,.0f} | {n / secs / t / rate:.2f} | {cpu:.2f} | {c_sam / cpu:.2f} "
                  f"| {first / secs:.2f}x |")
        secs, (found, _, _) = best(lambda: discover.discover_candidates(bam, args.reference, settings,
                                                                        threads=max(args.threads)), 1)
        print(f"whole discover_candidates, {max(args.threads)} threads: {secs:.2f} s, {len(found)} candidates, "
              f"{informative:,} informative reads")


if __name__ == "__main__":
    main()
