"""Encoding a whole chromosome into one-hot windows: time and peak memory.

    python3 bench/sequence_encoding.py --fasta 20.fa                 # stride = length (101)
    python3 bench/sequence_encoding.py --fasta 20.fa --stride 500

``--fasta``: an indexed FASTA (plain or bgzipped); GRCh37 chr20 (63 Mb) comes
with Debian's vt-examples (``apt-get download vt-examples; dpkg -x ...``, then
``samtools faidx`` or ``python3 -c 'import pysam; pysam.faidx("20.fa")'``).
Peaks: one every ``--peak-every`` bases of the first contig (summit in the
middle), written to a temporary narrowPeak. Prints windows made and kept, wall
time and the process's peak resident memory (``ru_maxrss``), and the size of
encoded.npz.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import pysam

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from genaug.encode.sequences import SequenceSettings, encode_sequences  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fasta", required=True)
    ap.add_argument("--length", type=int, default=101)
    ap.add_argument("--stride", type=int, default=None)
    ap.add_argument("--peak-every", type=int, default=20_000)
    a = ap.parse_args(argv)
    with pysam.FastaFile(a.fasta) as fa:
        contig, n = fa.references[0], fa.lengths[0]
    with tempfile.TemporaryDirectory(prefix="genaug-bench-enc-") as tmp:
        peaks = os.path.join(tmp, "p.narrowPeak")
        with open(peaks, "w") as f:
            for s in range(1000, n - 1000, a.peak_every):
                f.write(f"{contig}\t{s}\t{s + 200}\tp\t0\t.\t1\t1\t1\t100\n")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.time()
        w = encode_sequences(a.fasta, peaks, os.path.join(tmp, "e.npz"), os.path.join(tmp, "s.tsv"),
                             SequenceSettings(length=a.length, stride=a.stride))
        dt = time.time() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        size = os.path.getsize(os.path.join(tmp, "e.npz"))
    print(f"{contig} ({n:,} bp), windows of {a.length} every {a.stride or a.length}: {len(w.start):,} made, "
          f"{int(w.keep.sum()):,} kept ({int((~w.keep).sum()):,} dropped for N), {int(w.label.sum()):,} bound; "
          f"{dt:.1f} s; peak RSS {peak / 1024:.0f} MiB (before encoding {before / 1024:.0f} MiB); "
          f"encoded.npz {size / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
