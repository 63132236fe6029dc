"""CPU time of ``li_stephens``'s fit and draws on a simulated panel of N haplotypes x M SNPs.

    python3 bench/copying.py --haplotypes 2000 --snps 10000

The panel: 50 random founder haplotypes (ALT share 0.3), each haplotype a copy of one with 1 % of
its alleles flipped, SNPs 300 bp apart on one contig; the fit and 1,000 draws at the default
settings, on one thread.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from genaug import generators  # noqa: E402
from genaug.generators import copying  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--haplotypes", type=int, default=2000)
    ap.add_argument("--snps", type=int, default=10000)
    ap.add_argument("--draws", type=int, default=1000)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    n, m = args.haplotypes, args.snps
    founders = (rng.random((50, m)) < 0.3).astype(np.uint8)
    X = founders[rng.integers(50, size=n)] ^ (rng.random((n, m)) < 0.01).astype(np.uint8)
    cond = np.zeros(n, dtype=np.int64)
    gaps, first = copying.site_gaps(m, np.arange(m) * 300)
    s = generators.resolve("li_stephens")
    t = time.process_time()
    fit = copying.fit(X, cond, gaps, first, s, np.random.default_rng(0))
    t_fit = time.process_time() - t
    t = time.process_time()
    for _ in copying.draw_chunks(X, cond, np.zeros(args.draws, dtype=np.int64), gaps, first,
                                 fit["rho"] * s["spread"], fit["mutation"] * s["spread"], np.random.default_rng(1)):
        pass
    t_draw = time.process_time() - t
    print(f"{n} haplotypes x {m} SNPs: fit {t_fit:.1f} CPU-s ({fit['evaluations']} evaluations, "
          f"{t_fit / fit['evaluations']:.2f} s each), {args.draws} draws {t_draw:.1f} CPU-s")


if __name__ == "__main__":
    main()
