"""Regenerate the genaug sequences demo: real GRCh37 chr20 sequence with planted
AP-1 (JunD) binding sites and a narrowPeak file of the bound ones.

    python3 resources/demo/sequences/make_demo.py [--seed 1] [--out DIR] [--deb vt-examples.deb]

Without ``--deb`` it runs ``apt-get download vt-examples`` (Debian's vt-examples
ships GRCh37 chromosome 20). Writes, byte-identically for a seed:

- ``ref.fa.gz`` (+ ``.fai``, ``.gzi``): chr20:40,000,001-48,000,000 (8 Mb, no N)
  as contig ``20`` of that length (position 1 = chr20:40,000,001), bgzipped,
  with the planted sites written into it;
- ``peaks.narrowPeak``: one peak per bound site, summit on the site;
- ``sites.tsv``: every planted sequence (bound sites and decoys) with its place,
  strand, kind and PWM log-odds score, the truth the demo was built from.

What is planted (see README.md beside this file):

- bound sites (0.5 % of the 101-bp windows): 11-mers drawn from the JASPAR
  MA0491.1 JUND count matrix (pseudocount 1 per base), each on a random
  strand, centred on the peak summit within +-6 bp; a quarter of bound peaks
  get a second, independent PWM draw 15-40 bp away (homotypic clusters);
  10 % of peaks get no site at all (indirect binding: peaks without a motif);
- decoys, never peaks: half-sites (``TGAC`` / ``GTCA`` inside a CRE-like
  ``TGACG`` half, 0.5 % of windows) and full ``TGA[CG]TCA`` cores in weak
  context (the flanks the matrix disfavours: position 2 ``T``, position 10
  ``A``/``G``; 0.5 % of windows), on top of the ~1,500 cores the real
  sequence holds by itself (unbound).
"""

import argparse
import glob
import hashlib
import os
import subprocess
import sys
import tempfile

import numpy as np
import pysam

# JASPAR MA0491.1 JUND, counts per position (rows) of A, C, G, T
JUND_MA0491_1 = np.array([
    [12389, 759, 13640, 11922],
    [15163, 4824, 18723, 0],
    [0, 0, 0, 38710],
    [0, 0, 38710, 0],
    [38710, 0, 0, 0],
    [0, 22857, 14078, 1775],
    [0, 0, 0, 38710],
    [1547, 37163, 0, 0],
    [38710, 0, 0, 0],
    [0, 5136, 2301, 31273],
    [5786, 14956, 12429, 5539],
], dtype=np.float64)
BASES = "ACGT"
CONTIG, OFFSET, LENGTH = "20", 40_000_000, 8_000_000  # 0-based start in chr20
WINDOW = 101
BOUND_SHARE, HALF_SHARE, WEAK_SHARE = 0.005, 0.005, 0.005
NO_MOTIF, SECOND_SITE = 0.10, 0.25


def pwm_probabilities(counts=JUND_MA0491_1, pseudo=1.0):
    c = counts + pseudo
    return c / c.sum(1, keepdims=True)


def log_odds(seq, prob, background=0.25):
    """PWM log-odds (base 2) of an 11-mer string on its own strand."""
    return float(sum(np.log2(prob[i, BASES.index(b)] / background) for i, b in enumerate(seq)))


def revcomp(s):
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


def draw_site(prob, rng):
    return "".join(BASES[rng.choice(4, p=p)] for p in prob)


def weak_site(rng):
    """A full TGA[CG]TCA core with the flanks the matrix disfavours."""
    core = "TGA" + "CG"[rng.integers(2)] + "TCA"
    return "ACGT"[rng.integers(4)] + "T" + core + "AG"[rng.integers(2)] + "ACGT"[rng.integers(4)]


def half_site(rng):
    """A CRE-like half: TGACG followed by bases that do not complete an AP-1 core."""
    return "ACGT"[rng.integers(4)] + "TGACG" + "ACGT"[rng.integers(4)] + "AG"[rng.integers(2)] + \
        "ACGT"[rng.integers(4)]


def plant(seq, rng, prob):
    """Plant sites into ``seq`` (bytearray, uppercase). -> (peaks rows, sites rows)."""
    n_win = len(seq) // WINDOW
    n_bound = int(round(BOUND_SHARE * n_win))
    # bound windows at least 10 windows apart, away from the contig ends
    free = np.arange(10, n_win - 10)
    chosen = []
    for w in rng.permutation(free):
        if all(abs(w - c) >= 10 for c in chosen):
            chosen.append(int(w))
        if len(chosen) == n_bound:
            break
    chosen = sorted(chosen)
    taken = set()
    for w in chosen:
        taken.update(range(w - 1, w + 2))
    peaks, sites = [], []

    def put(start, s, kind, strand):
        seq[start:start + len(s)] = s.encode()
        fwd = s if strand == "+" else revcomp(s)
        sites.append((CONTIG, start, start + len(s), kind, strand, fwd, round(log_odds(fwd, prob), 3)))

    for i, w in enumerate(chosen):
        summit = w * WINDOW + int(rng.integers(WINDOW))
        strength = float(rng.lognormal(0, 0.5))
        if rng.random() >= NO_MOTIF:
            site = draw_site(prob, rng)
            strand = "+" if rng.random() < 0.5 else "-"
            start = summit - 5 + int(rng.integers(-6, 7))
            put(start, site if strand == "+" else revcomp(site), "bound", strand)
            strength *= 2 ** (log_odds(site, prob) / 8)
            if rng.random() < SECOND_SITE:
                site2 = draw_site(prob, rng)
                s2 = "+" if rng.random() < 0.5 else "-"
                gap = int(rng.integers(15, 41)) * (1 if rng.random() < 0.5 else -1)
                put(start + gap, site2 if s2 == "+" else revcomp(site2), "bound_second", s2)
        left, right = int(rng.integers(60, 300)), int(rng.integers(60, 300))
        signal = round(5 + 20 * strength, 3)
        pval = round(10 + 40 * strength, 3)
        peaks.append((CONTIG, summit - left, summit + right, f"peak{i + 1}", min(1000, int(10 * signal)), ".",
                      signal, pval, round(pval * 0.8, 3), left))
    # decoys in windows that hold no peak (nor its neighbours)
    others = np.array([w for w in range(1, n_win - 1) if w not in taken])
    n_half, n_weak = int(round(HALF_SHARE * n_win)), int(round(WEAK_SHARE * n_win))
    picks = rng.choice(others, n_half + n_weak, replace=False)
    for j, w in enumerate(picks):
        s = half_site(rng) if j < n_half else weak_site(rng)
        strand = "+" if rng.random() < 0.5 else "-"
        start = int(w) * WINDOW + int(rng.integers(0, WINDOW - len(s)))
        put(start, s if strand == "+" else revcomp(s), "half_site" if j < n_half else "weak_context", strand)
    return peaks, sorted(sites, key=lambda r: r[1])


def fetch_chr20(deb, workdir):
    if deb is None:
        subprocess.run(["apt-get", "download", "vt-examples"], cwd=workdir, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deb = glob.glob(os.path.join(workdir, "vt-examples_*.deb"))[0]
    subprocess.run(["dpkg", "-x", deb, os.path.join(workdir, "vt")], check=True)
    src = os.path.join(workdir, "vt/usr/share/doc/vt/examples/ref/20.fa.gz")
    plain = os.path.join(workdir, "20.fa")
    with pysam.FastxFile(src) as fx, open(plain, "w") as out:
        for rec in fx:
            out.write(f">{rec.name}\n{rec.sequence}\n")
    pysam.faidx(plain)
    with pysam.FastaFile(plain) as fa:
        return fa.fetch(CONTIG, OFFSET, OFFSET + LENGTH), subprocess.run(
            ["dpkg-deb", "-f", deb, "Version"], check=True, capture_output=True, text=True).stdout.strip()


def write_fasta(path, seq, width=60):
    with open(path, "w") as f:
        f.write(f">{CONTIG}\n")
        for i in range(0, len(seq), width):
            f.write(seq[i:i + width] + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--deb", default=None, help="an already downloaded vt-examples .deb")
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="genaug_seq_demo.") as tmp:
        real, version = fetch_chr20(a.deb and os.path.abspath(a.deb), tmp)
        if len(real) != LENGTH or "N" in real.upper():
            sys.exit("make_demo: the chr20 window has the wrong length or holds N")
        print(f"vt-examples {version}: chr20:{OFFSET + 1}-{OFFSET + LENGTH}, md5 "
              f"{hashlib.md5(real.encode()).hexdigest()}", file=sys.stderr)
        rng = np.random.default_rng(a.seed)
        seq = bytearray(real.encode())
        peaks, sites = plant(seq, rng, pwm_probabilities())
        plain = os.path.join(tmp, "ref.fa")
        write_fasta(plain, seq.decode())
        gz = os.path.join(a.out, "ref.fa.gz")
        for p in (gz, gz + ".fai", gz + ".gzi"):
            if os.path.exists(p):
                os.remove(p)
        pysam.tabix_compress(plain, gz, force=True)
        pysam.faidx(gz)  # writes ref.fa.gz.fai and ref.fa.gz.gzi
    with open(os.path.join(a.out, "peaks.narrowPeak"), "w") as f:
        for r in sorted(peaks, key=lambda r: r[1]):
            f.write("\t".join(map(str, r)) + "\n")
    with open(os.path.join(a.out, "sites.tsv"), "w") as f:
        f.write("chrom\tstart\tend\tkind\tstrand\tsite\tlog_odds\n")
        for r in sites:
            f.write("\t".join(map(str, r)) + "\n")
    kinds = {}
    for r in sites:
        kinds[r[3]] = kinds.get(r[3], 0) + 1
    print(f"seed {a.seed}: {len(peaks)} peaks of {LENGTH // WINDOW} windows; planted "
          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())), file=sys.stderr)


if __name__ == "__main__":
    main()
