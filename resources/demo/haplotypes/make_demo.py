"""Make the haplotypes demo: phased human-like haplotypes simulated by msprime.

    python3 -m pip install -r resources/demo/haplotypes/requirements.txt   # msprime==1.4.4, tskit==1.0.3
    python3 resources/demo/haplotypes/make_demo.py [--seed 1] [--out resources/demo/haplotypes]

msprime is needed only here, not by the workflow. Same seed, same bytes: the
simulation is seeded, the VCF text is written by tskit, bgzip and tabix
(pysam, htslib) write no time stamps, and the README is written from the
numbers of this run.

Model: the out-of-Africa three-population model of Gutenkunst et al. (2009,
PLoS Genetics 5:e1000695, Table 1 maximum-likelihood values), written as in
msprime's documentation: YRI, CEU and CHB, a bottleneck (OOA) 140 ka ago,
CEU/CHB split 21.2 ka ago with exponential growth since, migration between
all pairs; 25-year generations. Mutations: rate 2.35e-8 per bp per generation
(the paper's), Jukes-Cantor nucleotides on a discrete genome (so REF/ALT are
real bases; a few sites get two mutations and come out multi-allelic, as in
real data). Recombination: 1e-8 per bp per generation, uniform, over 1 Mb.
"""

import argparse
import io
import math
import os
from pathlib import Path

import msprime
import numpy as np
import pysam

HERE = Path(__file__).resolve().parent
SAMPLES = {"YRI": 200, "CEU": 200, "CHB": 100}  # diploid individuals; CHB is the rare population
LENGTH = 1_000_000
CONTIG, CONTIG_LENGTH, OFFSET = "22", 51_304_566, 20_000_000  # GRCh37 chr22, a window from 20 Mb
RECOMBINATION, MUTATION = 1e-8, 2.35e-8
MIN_MAF = 0.05  # over all haplotypes: minor-allele share (1 - the commonest allele's) of a site


def gutenkunst_ooa():
    """msprime.Demography of Gutenkunst et al. (2009), Table 1 (times in generations)."""
    N_A, N_B, N_AF, N_EU0, N_AS0 = 7300, 2100, 12300, 1000, 510
    generation = 25
    T_AF, T_B, T_EU_AS = 220e3 / generation, 140e3 / generation, 21.2e3 / generation
    r_EU, r_AS = 0.004, 0.0055
    N_EU = N_EU0 / math.exp(-r_EU * T_EU_AS)  # present-day sizes after growth
    N_AS = N_AS0 / math.exp(-r_AS * T_EU_AS)
    d = msprime.Demography()
    d.add_population(name="YRI", description="Yoruba in Ibadan, Nigeria", initial_size=N_AF)
    d.add_population(name="CEU", description="Utah residents of Northern and Western European ancestry",
                     initial_size=N_EU, growth_rate=r_EU)
    d.add_population(name="CHB", description="Han Chinese in Beijing, China", initial_size=N_AS,
                     growth_rate=r_AS)
    d.add_population(name="OOA", description="Bottleneck out-of-Africa population", initial_size=N_B)
    d.add_population(name="AMH", description="Anatomically modern humans", initial_size=N_AF)
    d.add_population(name="ANC", description="Ancestral equilibrium population", initial_size=N_A)
    d.set_symmetric_migration_rate(["CEU", "CHB"], 9.6e-5)
    d.set_symmetric_migration_rate(["YRI", "CEU"], 3e-5)
    d.set_symmetric_migration_rate(["YRI", "CHB"], 1.9e-5)
    d.add_population_split(time=T_EU_AS, derived=["CEU", "CHB"], ancestral="OOA")
    d.add_symmetric_migration_rate_change(time=T_EU_AS, populations=["YRI", "OOA"], rate=25e-5)
    d.add_population_split(time=T_B, derived=["YRI", "OOA"], ancestral="AMH")
    d.add_population_split(time=T_AF, derived=["AMH"], ancestral="ANC")
    return d


def simulate(seed):
    ts = msprime.sim_ancestry(samples=SAMPLES, demography=gutenkunst_ooa(), sequence_length=LENGTH,
                              recombination_rate=RECOMBINATION, random_seed=seed)
    return msprime.sim_mutations(ts, rate=MUTATION, random_seed=seed)


def keep_common_sites(ts):
    """Drop sites whose minor alleles together are below MIN_MAF of the haplotypes."""
    drop, n_alleles = [], []
    for v in ts.variants():
        counts = np.bincount(v.genotypes[v.genotypes >= 0], minlength=v.num_alleles)
        if 1 - counts.max() / counts.sum() < MIN_MAF:
            drop.append(v.site.id)
        else:
            n_alleles.append(int((counts > 0).sum()))
    return ts.delete_sites(drop), np.array(n_alleles)


def sample_names(ts):
    pops = [ts.population(ts.node(ind.nodes[0]).population).metadata["name"] for ind in ts.individuals()]
    seen = {}
    names = []
    for p in pops:
        seen[p] = seen.get(p, 0) + 1
        names.append(f"{p}{seen[p]:03d}")
    return names, pops


def vcf_text(ts, names):
    buf = io.StringIO()
    ts.write_vcf(buf, contig_id=CONTIG, individual_names=names,
                 position_transform=lambda x: OFFSET + 1 + np.round(x).astype(int))
    lines = buf.getvalue().splitlines(keepends=True)
    for i, line in enumerate(lines):
        if not line.startswith("#"):  # tskit writes the site index as ID: make it '.', as in most VCFs
            chrom, pos, _, rest = line.split("\t", 3)
            lines[i] = f"{chrom}\t{pos}\t.\t{rest}"
    for i, line in enumerate(lines):
        if line.startswith("##contig="):
            lines[i] = f"##contig=<ID={CONTIG},length={CONTIG_LENGTH},assembly=GRCh37>\n"
            lines.insert(i + 1, f"##genaug_demo=<Description=\"msprime {msprime.__version__}, Gutenkunst et al. "
                                f"2009 out-of-Africa model; window {CONTIG}:{OFFSET + 1}-{OFFSET + LENGTH}; "
                                f"sites with minor-allele share >= {MIN_MAF}\">\n")
            break
    return "".join(lines)


def write_outputs(out, ts, names, pops):
    out.mkdir(parents=True, exist_ok=True)
    plain = out / "demo.vcf"
    plain.write_text(vcf_text(ts, names))
    gz = str(out / "demo.vcf.gz")
    pysam.tabix_compress(str(plain), gz, force=True)
    plain.unlink()
    pysam.tabix_index(gz, preset="vcf", force=True)
    with open(out / "populations.tsv", "w") as f:
        f.write("sample\tpopulation\n")
        f.writelines(f"{n}\t{p}\n" for n, p in zip(names, pops))


def readme(out, seed, ts, n_alleles, n_before):
    sizes = {f: os.path.getsize(out / f) for f in ("demo.vcf.gz", "demo.vcf.gz.tbi", "populations.tsv")}
    pos = ts.sites_position.astype(int) + OFFSET + 1
    table = "\n".join(f"| `{f}` | {b} |" for f, b in sizes.items())
    pops = "\n".join(f"| {p} | {n} | {2 * n} |" for p, n in SAMPLES.items())
    multi = int((n_alleles > 2).sum())
    return f"""# genaug haplotypes demo data

Phased haplotypes of {sum(SAMPLES.values())} simulated people from three human populations,
made by `make_demo.py` (seed {seed}) with msprime {msprime.__version__}. Do not edit the data by
hand; regenerate it (a few seconds):

    python3 -m pip install -r resources/demo/haplotypes/requirements.txt
    python3 resources/demo/haplotypes/make_demo.py --seed {seed}

Running it twice gives byte-identical files.

## Files

| file | bytes |
|---|---:|
{table}

- `demo.vcf.gz` (+ `.tbi`): VCFv4.2 written by tskit, bgzipped and
  tabix-indexed. Contig `{CONTIG}` (GRCh37 length {CONTIG_LENGTH}); the 1 Mb
  simulated window is placed at {CONTIG}:{OFFSET + 1:,}-{OFFSET + LENGTH:,}.
  {ts.num_sites} sites at positions {pos.min():,}-{pos.max():,}: the {ts.num_sites} of
  {n_before} segregating sites whose minor alleles reach {MIN_MAF} of the
  {2 * sum(SAMPLES.values())} haplotypes. {ts.num_sites - multi} are biallelic SNPs and {multi} are
  multi-allelic (two mutations at one site, as happens in real data): genaug's
  encoder drops those with a warning. REF is the simulated ancestral base, ALT
  the derived one(s); ID is `.`. Every genotype is phased (`0|1`), none missing.
- `populations.tsv`: sample sheet, columns `sample`, `population`, one row per
  VCF sample (names `YRI001`..., in VCF order).

| population | people | haplotypes |
|---|---:|---:|
{pops}

CHB is deliberately the rare population (a fifth of the haplotypes): the one
genaug augments.

## Model

- Demography: the out-of-Africa model of Gutenkunst et al. (2009, PLoS Genet
  5:e1000695) with its Table 1 maximum-likelihood values, written out as
  `msprime.Demography` in `make_demo.py` (as in msprime's documentation):
  ancestral size 7,300; growth to 12,300 220 ka ago; out-of-Africa bottleneck
  of 2,100 from 140 ka; CEU/CHB split 21.2 ka ago from founders of 1,000 and
  510 with growth 0.4 % and 0.55 % per generation; migration YRI-OOA 25e-5,
  YRI-CEU 3e-5, YRI-CHB 1.9e-5, CEU-CHB 9.6e-5; generation time 25 years.
- Recombination {RECOMBINATION:g} per bp per generation (uniform), mutation
  {MUTATION:g} (Jukes-Cantor nucleotides on a discrete genome), 1 Mb.
- Kept sites: minor-allele share >= {MIN_MAF} over all haplotypes, so that
  the set has ~1,000-2,000 SNPs with LD decaying over the window.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args()
    ts = simulate(args.seed)
    n_before = ts.num_sites
    ts, n_alleles = keep_common_sites(ts)
    names, pops = sample_names(ts)
    write_outputs(args.out, ts, names, pops)
    (args.out / "README.md").write_text(readme(args.out, args.seed, ts, n_alleles, n_before))
    print(f"{ts.num_sites} sites ({int((n_alleles > 2).sum())} multi-allelic) of {n_before}, "
          f"{ts.num_samples} haplotypes -> {args.out}")


if __name__ == "__main__":
    main()
