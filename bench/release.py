"""Release cohorts on the demo or on a second msprime panel of several chromosomes: training
CPU time, the audit of the cohort VCF as written (with its real-vs-real references) and the
privacy gate's verdict, per generator.

    python3 bench/release.py --panel demo --generators classic gru
    python3 bench/release.py --panel island --generators classic gru --json /tmp/release.json
    python3 bench/release.py --panel island --generators gru --set gru.clusters=8 --set gru.group_span=256
    python3 bench/release.py --panel island --one-population --generators li_stephens gru

``--panel island``: msprime 1.4.4 (``pip install msprime==1.4.4``; only this script needs it), a
two-deme island model (sizes 8,000 and 4,000, symmetric migration 2e-4 per generation; no
split, unlike the demo's out-of-Africa model), three chromosomes of 400 kb simulated
independently (recombination 1e-8, mutation 1.5e-8, seeds 1-3), 150 + 100 people, sites with
minor-allele share >= 0.05. What it does then, as the workflow does: encode (defaults: the SNP
cap shared among contigs), split people 0.7 / 0.15 / 0.15, train each generator on every train
haplotype conditioned on population with the contigs as separate sequences, draw
``--people`` people at the training composition, write the release VCF, read it back, audit
it with ``genaug.fidelity.haplotypes.evaluate`` and apply ``genaug.release.gate`` with the
config defaults. ``--one-population``: every person under one label, as a panel without
population labels (the split is then stratified by nothing).
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from haplotypes import parse_overrides  # noqa: E402  (bench/haplotypes.py, beside this script)

from genaug import generators, release  # noqa: E402
from genaug.encode.haplotypes import encode_haplotypes, read_haplotypes  # noqa: E402
from genaug.fidelity.haplotypes import evaluate  # noqa: E402
from genaug.fidelity.segments import contig_starts  # noqa: E402
from genaug.split import make_split  # noqa: E402

DEMO = REPO / "resources" / "demo" / "haplotypes"
GATE = {"max_privacy_loss": 0.03, "max_identical_share": 0.0, "max_segment_excess_share": 0.15,
        "refuse_flagged_leak": True}
ROWS = ["af_correlation", "ld_r2_correlation", "ld_r2_correlation_within", "ld_r2_correlation_between",
        "pairwise_distance_wasserstein", "two_sample_auc_nonlinear", "aats_train", "aats_heldout", "privacy_loss",
        "identical_share", "longest_run_snps", "longest_run_bp", "segment_excess_share"]


def island_panel(out):
    """The second panel: VCF (three contigs) and sample sheet under ``out``."""
    import msprime

    d = msprime.Demography.island_model([8000, 4000], migration_rate=2e-4)
    d.populations[0].name, d.populations[1].name = "DEME1", "DEME2"
    people = {"DEME1": 150, "DEME2": 100}
    header = pysam.VariantHeader()
    names = [f"{p}_{i + 1:03d}" for p, n in people.items() for i in range(n)]
    for c in ("1", "2", "3"):
        header.add_line(f"##contig=<ID={c},length=400000,assembly=msprime>")
    header.add_line('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    for s in names:
        header.add_sample(s)
    vcf = str(out / "island.vcf.gz")
    with pysam.VariantFile(vcf, "wz", header=header) as w:
        for seed, c in enumerate(("1", "2", "3"), start=1):
            ts = msprime.sim_ancestry(samples=people, demography=d, sequence_length=400_000,
                                      recombination_rate=1e-8, random_seed=seed)
            ts = msprime.sim_mutations(ts, rate=1.5e-8, random_seed=seed, model=msprime.JC69(),
                                       discrete_genome=True)
            G = ts.genotype_matrix()
            last = -1
            for var, g in zip(ts.variants(), G):
                pos = int(var.site.position) + 1
                share = g.mean()
                if len(var.alleles) != 2 or pos <= last or min(share, 1 - share) < 0.05:
                    continue
                last = pos
                rec = w.new_record(contig=c, start=pos - 1, alleles=tuple(var.alleles))
                for i, s in enumerate(names):
                    rec.samples[s]["GT"] = (int(g[2 * i]), int(g[2 * i + 1]))
                    rec.samples[s].phased = True
                w.write(rec)
    pysam.tabix_index(vcf, preset="vcf", force=True)
    sheet = out / "island.tsv"
    sheet.write_text("sample\tpopulation\n" + "".join(f"{s}\t{s.split('_')[0]}\n" for s in names))
    return vcf, sheet


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--panel", choices=["demo", "island"], default="demo")
    ap.add_argument("--generators", nargs="+", default=["classic", "gru"])
    ap.add_argument("--people", type=int, default=500)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--one-population", action="store_true", help="every person under one population label")
    ap.add_argument("--set", action="append", default=[], metavar="GEN.KEY=VALUE",
                    help="a generator setting for this run (repeatable), e.g. gru.clusters=8")
    args = ap.parse_args()
    overrides = parse_overrides(args.set)
    torch.set_num_threads(args.threads)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        vcf, sheet = (DEMO / "demo.vcf.gz", DEMO / "populations.tsv") if args.panel == "demo" else island_panel(tmp)
        if args.one_population:
            one = tmp / "one_population.tsv"
            pd.read_csv(sheet, sep="\t", dtype=str).assign(population="ALL").to_csv(one, sep="\t", index=False)
            sheet = one
        h = encode_haplotypes(vcf, sheet)
        y, groups = h.samples["label"].to_numpy(), h.samples["group"].to_numpy()
        split = make_split(y, groups, fractions=(0.7, 0.15, 0.15), seed=args.seed, classes=h.classes)
        held = np.sort(np.concatenate([split.val, split.test]))
        T, H = h.X[split.train], h.X[held]
        cond = h.samples["population"].to_numpy()[split.train]
        contigs = contig_starts(h.variants["chrom"]).tolist()
        print(f"{args.panel}: {h.X.shape[0]} haplotypes x {h.X.shape[1]} SNPs on {len(contigs)} contig(s); "
              f"train {len(T)}, held-out {len(H)}", flush=True)
        for gen in args.generators:
            cpu = time.process_time()
            r = generators.train(gen, T, cond=cond, layout="binary", settings=overrides.get(gen), seed=args.seed,
                                 out_dir=tmp / gen, threads=args.threads, contigs=contigs,
                                 positions=h.variants["pos"].to_numpy())
            train_cpu = time.process_time() - cpu
            counts = {p: int((cond == p).sum() // 2) for p in h.classes}
            X, pops = release.draw_cohort(r.model, release.composition(counts, args.people), seed=args.seed + 2)
            names = release.person_names(gen, pops)
            path = release.write_cohort_vcf(tmp / f"{gen}.vcf.gz", X, h.variants, names, vcf, gen, pops)
            S, _, _ = read_haplotypes(path, dict(zip(names, pops)))
            audit = evaluate(T, H, S, h.variants, seed=args.seed, heldout_groups=groups[held],
                             heldout_labels=y[held])
            audit["gate"] = release.gate(audit["metrics"], GATE, audit["leak"])
            audit["train_cpu_s"] = train_cpu
            results[gen] = audit
            print(f"{gen}: training {train_cpu:.0f} CPU-s; gate "
                  + ("passed" if audit["gate"]["passed"] else "refused: " + "; ".join(audit["gate"]["reasons"])),
                  flush=True)
    names = list(results)
    print("\n| metric | " + " | ".join(names) + " | real-vs-real reference |")
    print("|---|" + "---:|" * (len(names) + 1))
    for key in ROWS:
        ms = [results[g]["metrics"].get(key) for g in names]
        if ms[0] is None:
            continue
        cell = lambda m: "n/a" if m["synthetic"] is None else f"{m['synthetic']:.3f}" + (
            f" ± {m['sd']:.3f}" if "sd" in m else "")
        ref = ms[0]["reference"]
        print(f"| {key} | " + " | ".join(cell(m) for m in ms) + f" | {'n/a' if ref is None else f'{ref:.3f}'} |")
    print("| training CPU-s | " + " | ".join(f"{results[g]['train_cpu_s']:.0f}" for g in names) + " | |")
    print("| gate | " + " | ".join("passed" if results[g]["gate"]["passed"] else "refused" for g in names) + " | |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
