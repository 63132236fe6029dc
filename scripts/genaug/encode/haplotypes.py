"""The ``haplotypes`` encoder: a phased VCF/BCF + a sample sheet -> 0/1 haplotypes.

Each person of the VCF gives two items (haplotype 0 = the allele left of the
``|``, haplotype 1 = the right one), in VCF sample order. ``X`` is uint8
(haplotypes, SNPs): 1 is the ALT allele. ``y`` is the population's index in
``classes`` (population names, sorted) and ``groups`` is the person's sample
id, so both haplotypes of a person always go to the same split.

What is kept, in this order (each drop is logged with its count):

1. records of the optional ``region`` (``chrom``, ``chrom:start-end``, 1-based
   inclusive; read through the VCF's index);
2. biallelic SNPs only: records with one ALT, REF and ALT single bases.
   Multi-allelic records, indels, symbolic and monomorphic (ALT ``.``)
   records are dropped;
3. SNPs where every kept person is called: a SNP with a missing allele is
   dropped (haplotypes cannot hold a gap);
4. SNPs polymorphic in the kept people with minor-allele frequency >= ``maf``;
5. at most ``max_snps`` SNPs: ``snp_selection: even`` keeps SNPs at evenly
   spaced ranks along the chromosome (rounded ``linspace``; keeps the LD-decay
   structure of the whole region), ``maf`` keeps the highest-MAF SNPs (ties:
   the earlier one). Both are deterministic. On several chromosomes the cap is
   shared among them by their SNP counts and applied within each.

Phasing: unphased heterozygous genotypes (``0/1``) stop the encoder with an
error giving their count: their two haplotypes are unknown. Unphased
homozygous calls (``1/1``) carry no phase and are accepted. Genotypes are read
by scikit-allel (``allel.iter_vcf_chunks``) as their GT strings (3 bytes:
allele, separator, allele), which gives alleles and phasing in one pass; BCF
input, and a region of an indexed file, are first turned into VCF text by
pysam (htslib).

``write_haplotype_vcf`` writes haplotypes back as a phased, bgzipped,
tabix-indexed VCF with the SNPs of ``variants.tsv``.
"""

import logging
import os
import re
import tempfile
from dataclasses import dataclass

import allel
import numpy as np
import pandas as pd
import pysam
from pysam.libcbgzf import BGZFile

from .. import tensors
from ..errors import InputError, settings_from, some_names
from ..outputs import replacing, write_tsv
from .checks import check_vcf

log = logging.getLogger(__name__)

SNP_SELECTIONS = ("even", "maf")
VARIANT_COLUMNS = ["chrom", "pos", "ref", "alt", "id"]
SAMPLE_COLUMNS = ["id", "sample", "haplotype", "population", "label", "group", "source"]
_CHUNK = 20_000  # VCF records per chunk read
_BASES = set("ACGT")


@dataclass(frozen=True)
class HaplotypeSettings:
    maf: float = 0.01
    max_snps: int | None = 5000
    snp_selection: str = "even"

    @classmethod
    def from_config(cls, cfg):
        s = settings_from(cls, cfg, "encode.haplotypes")
        if not 0 <= s.maf < 0.5:
            raise ValueError(f"encode.haplotypes.maf must lie in [0, 0.5), got {s.maf}")
        if s.max_snps is not None and s.max_snps < 1:
            raise ValueError(f"encode.haplotypes.max_snps must be at least 1 or null, got {s.max_snps}")
        if s.snp_selection not in SNP_SELECTIONS:
            raise ValueError(f"encode.haplotypes.snp_selection must be one of {SNP_SELECTIONS}, "
                             f"got {s.snp_selection!r}")
        return s


@dataclass
class Haplotypes:
    X: np.ndarray            # uint8 (haplotypes, SNPs)
    samples: pd.DataFrame    # one row per haplotype: SAMPLE_COLUMNS
    variants: pd.DataFrame   # one row per SNP: VARIANT_COLUMNS
    classes: list            # population names, sorted


# --- reading -------------------------------------------------------------------------

def read_sample_sheet(path):
    """Sample sheet (TSV with columns ``sample`` and ``population``) -> {sample: population}."""
    path = str(path)
    if not os.path.exists(path):
        raise InputError(path, "file not found")
    try:
        sheet = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, comment="#")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise InputError(path, f"cannot be read as a TSV sample sheet ({str(e).splitlines()[0]})") from None
    missing = [c for c in ("sample", "population") if c not in sheet.columns]
    if missing:
        raise InputError(path, f"sample sheet lacks column(s) {', '.join(missing)} "
                               f"(it has {', '.join(map(str, sheet.columns))}); give one row per person: "
                               f"sample<TAB>population")
    sheet["sample"], sheet["population"] = sheet["sample"].str.strip(), sheet["population"].str.strip()
    dup = sheet["sample"][sheet["sample"].duplicated()].unique()
    if len(dup):
        raise InputError(path, f"{len(dup)} sample(s) listed twice: {some_names(dup)}")
    empty = sheet["sample"][(sheet["population"] == "") | (sheet["sample"] == "")]
    if len(empty):
        raise InputError(path, f"{len(empty)} row(s) without a sample or population: {some_names(empty)}")
    return dict(zip(sheet["sample"], sheet["population"]))


def _region_args(region):
    m = re.fullmatch(r"([^:\s]+)(?::([\d,]+)-([\d,]+))?", region or "")
    if not m:
        raise ValueError(f"region {region!r}: write chrom or chrom:start-end (1-based, inclusive)")
    chrom, a, b = m.groups()
    if a is None:
        return chrom, None, None
    start, end = int(a.replace(",", "")), int(b.replace(",", ""))
    if start < 1 or end < start:
        raise ValueError(f"region {region!r}: start must be >= 1 and <= end")
    return chrom, start - 1, end


def vcf_samples(path):
    """Sample names of a VCF/BCF header (checks the file can be opened)."""
    path = str(path)
    if not os.path.exists(path):
        raise InputError(path, "file not found")
    try:
        with pysam.VariantFile(path) as vf:
            return list(vf.header.samples)
    except (OSError, ValueError) as e:
        raise InputError(path, f"cannot be read as VCF/BCF ({str(e).splitlines()[0] or type(e).__name__})") from None


def _as_vcf_text(path, region, tmpdir):
    """A path scikit-allel can read: the VCF itself, or a VCF text file pysam writes
    from a BCF and/or the records of ``region``."""
    with pysam.VariantFile(path) as vf:
        bcf = vf.is_bcf if hasattr(vf, "is_bcf") else path.endswith(".bcf")
        if not bcf and region is None:
            return path
        if region is not None:
            chrom, start, end = _region_args(region)
            if chrom not in vf.header.contigs:
                raise InputError(path, f"region {region}: contig '{chrom}' is not in the header "
                                       f"(contigs: {some_names(vf.header.contigs)})")
            try:
                records = vf.fetch(chrom, start, end)
            except ValueError:
                raise InputError(path, f"region {region} needs an index: run `tabix -p vcf {path}` "
                                       f"(or `bcftools index {path}`)") from None
        else:
            records = vf.fetch()
        out = os.path.join(tmpdir, "records.vcf")
        with pysam.VariantFile(out, "w", header=vf.header) as w:
            for rec in records:
                w.write(rec)
    return out


def _snp_mask(ref, alt, numalt):
    """Biallelic SNPs: one ALT, REF and ALT single bases A/C/G/T. -> mask, counts of drops."""
    ref = np.char.upper(ref.astype(str))
    alt0 = np.char.upper(alt[:, 0].astype(str))
    single = np.isin(ref, list(_BASES)) & np.isin(alt0, list(_BASES))
    counts = {"multi-allelic": int((numalt > 1).sum()), "monomorphic (ALT '.')": int((numalt == 0).sum()),
              "indel or symbolic": int(((numalt == 1) & ~single).sum())}
    return (numalt == 1) & single, counts


def _decode_gt(gt):
    """GT strings (n, samples) of 3 bytes -> alleles (n, samples, 2) int8 (-1 missing),
    phased (n, samples) bool, haploid (n, samples) bool."""
    b = np.ascontiguousarray(gt).view(np.uint8).reshape(gt.shape + (3,))
    alleles = b[..., [0, 2]].astype(np.int16) - ord("0")
    alleles[(alleles < 0) | (alleles > 9)] = -1  # '.', or nothing (a haploid call)
    haploid = b[..., 1] == 0
    phased = b[..., 1] == ord("|")
    return alleles.astype(np.int8), phased, haploid


def read_haplotypes(vcf, sheet, region=None):
    """Alleles of the biallelic SNPs of ``vcf`` for people in ``sheet``.

    -> (H uint8 (haplotypes, SNPs), kept sample names, variants DataFrame).
    Raises InputError for unknown samples, haploid or unphased heterozygous
    genotypes, or no usable SNP.
    """
    vcf = str(vcf)
    names = vcf_samples(vcf)
    if not names:
        raise InputError(vcf, "has no sample columns: haplotypes need genotypes")
    unknown = [s for s in names if s not in sheet]
    if unknown:
        raise InputError(vcf, f"{len(unknown)} sample(s) are not in the sample sheet: {some_names(unknown)}; "
                              f"add them with their population")
    absent = [s for s in sheet if s not in set(names)]
    if absent:
        log.warning("%d sample(s) of the sample sheet are not in %s and are ignored: %s",
                    len(absent), vcf, some_names(absent))
    fields = ["variants/CHROM", "variants/POS", "variants/ID", "variants/REF", "variants/ALT",
              "variants/numalt", "calldata/GT"]
    drops = {"multi-allelic": 0, "monomorphic (ALT '.')": 0, "indel or symbolic": 0, "with a missing allele": 0}
    parts, tables = [], []
    n_records = n_unphased = n_unphased_het = 0
    with tempfile.TemporaryDirectory(prefix="genaug-vcf-") as tmp:
        source = _as_vcf_text(vcf, region, tmp)
        try:
            _, _, _, chunks = allel.iter_vcf_chunks(source, fields=fields, types={"calldata/GT": "S3"},
                                                    numbers={"calldata/GT": 1, "variants/ALT": 1},
                                                    tabix=None, chunk_length=_CHUNK)
            for chunk, _, chrom, pos in chunks:
                n_records += len(chunk["variants/POS"])
                keep, counts = _snp_mask(chunk["variants/REF"], chunk["variants/ALT"][:, None],
                                         chunk["variants/numalt"])
                for k, v in counts.items():
                    drops[k] += v
                alleles, phased, haploid = _decode_gt(chunk["calldata/GT"][keep])
                if haploid.any():
                    site = int(np.flatnonzero(haploid.any(1))[0])
                    where = f"{chunk['variants/CHROM'][keep][site]}:{chunk['variants/POS'][keep][site]}"
                    raise InputError(vcf, f"haploid genotypes at {int(haploid.sum())} calls (first at {where}); "
                                          f"haplotypes need diploid, phased calls")
                het = alleles[..., 0] != alleles[..., 1]
                n_unphased += int((~phased).sum())
                n_unphased_het += int((~phased & het & (alleles >= 0).all(-1)).sum())
                complete = (alleles >= 0).all((1, 2))
                drops["with a missing allele"] += int((~complete).sum())
                alleles = alleles[complete]
                parts.append(alleles.transpose(1, 2, 0).reshape(-1, len(alleles)).astype(np.uint8))
                tables.append(pd.DataFrame({
                    "chrom": chunk["variants/CHROM"][keep][complete].astype(str),
                    "pos": chunk["variants/POS"][keep][complete].astype(np.int64),
                    "ref": np.char.upper(chunk["variants/REF"][keep][complete].astype(str)),
                    "alt": np.char.upper(chunk["variants/ALT"][keep][complete].astype(str)),
                    "id": chunk["variants/ID"][keep][complete].astype(str)}))
        except (RuntimeError, ValueError, OSError, EOFError) as e:
            if isinstance(e, InputError):
                raise
            raise InputError(vcf, f"cannot be read ({str(e).splitlines()[0] or type(e).__name__})") from None
    if n_unphased_het:
        raise InputError(vcf, f"{n_unphased_het} heterozygous genotype(s) are unphased ('0/1'; "
                              f"{n_unphased} unphased calls in all) at biallelic SNPs: phase the VCF first "
                              f"(e.g. SHAPEIT, Beagle, Eagle)")
    if n_unphased:
        log.info("%s: %d unphased homozygous calls accepted (they carry no phase)", vcf, n_unphased)
    dropped = ", ".join(f"{n} {what}" for what, n in drops.items() if n)
    if dropped:
        log.warning("%s: of %d records, dropped %s", vcf, n_records, dropped)
    variants = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=VARIANT_COLUMNS)
    if len(variants) == 0:
        where = f" in region {region}" if region else ""
        raise InputError(vcf, f"no biallelic SNP with complete genotypes{where} "
                              f"({n_records} records; dropped {dropped or 'none'})")
    H = np.concatenate(parts, axis=1)
    # keep people of the sheet only (rows 2i, 2i+1 of person i)
    keep_people = np.array([s in sheet for s in names])
    H = H[np.repeat(keep_people, 2)]
    kept_names = [s for s in names if s in sheet]
    return H, kept_names, variants[VARIANT_COLUMNS]


# --- filtering ---------------------------------------------------------------------------

def select_snps(H, settings, chrom=None):
    """Indices (sorted) of the SNPs kept by the MAF filter and the SNP cap; and a log line.
    ``chrom``: contig of each SNP; the cap is shared among contigs by their SNP counts and
    applied within each (evenly spaced ranks along each chromosome)."""
    freq = H.mean(0)
    maf = np.minimum(freq, 1 - freq)
    poly = maf > 0
    keep = np.flatnonzero(poly & (maf >= settings.maf))
    notes = [f"{int((~poly).sum())} monomorphic in these people", f"{int((poly & (maf < settings.maf)).sum())} "
             f"with MAF < {settings.maf}"]
    cap = settings.max_snps
    if cap is not None and len(keep) > cap:
        chrom = np.zeros(H.shape[1]).astype(str) if chrom is None else np.asarray(chrom).astype(str)
        names, first = np.unique(chrom[keep], return_index=True)
        names = names[np.argsort(first)]
        share = per_contig_cap([int((chrom[keep] == c).sum()) for c in names], cap)
        parts = []
        for c, k in zip(names, share):
            own = keep[chrom[keep] == c]
            if settings.snp_selection == "even":
                parts.append(own[np.round(np.linspace(0, len(own) - 1, k)).astype(np.int64)] if k else own[:0])
            else:  # highest MAF, ties to the earlier SNP
                parts.append(np.sort(own[np.argsort(-maf[own], kind="stable")[:k]]))
        keep = np.sort(np.concatenate(parts))
        notes.append(f"capped at max_snps={cap} ({settings.snp_selection}, per contig by its SNP count)")
    return keep, "; ".join(notes)


def per_contig_cap(counts, cap):
    """SNPs kept per contig so the total is ``cap``: shares proportional to ``counts``
    (largest remainders), never more than a contig has."""
    return np.minimum(largest_remainders(counts, cap), np.asarray(counts, np.int64))


def largest_remainders(weights, total):
    """``total`` split in integers proportional to ``weights`` (largest remainders; ties to the first)."""
    w = np.asarray(weights, np.float64)
    exact = w / w.sum() * total
    k = np.floor(exact).astype(np.int64)
    for i in np.argsort(-(exact - k), kind="stable")[:total - k.sum()]:
        k[i] += 1
    return k


def encode_haplotypes(vcf, samples_tsv, settings=HaplotypeSettings(), region=None):
    """Read, check and filter: -> ``Haplotypes`` (the tensor contract's pieces)."""
    check_vcf(vcf)  # a plain-gzip .vcf.gz or a stale index: one line before any reading
    if region is not None:
        try:
            _region_args(region)
        except ValueError as e:
            raise InputError(vcf, str(e)) from None
    sheet = read_sample_sheet(samples_tsv)
    H, names, variants = read_haplotypes(vcf, sheet, region)
    keep, notes = select_snps(H, settings, variants["chrom"].to_numpy())
    if len(keep) == 0:
        raise InputError(vcf, f"no SNP left after filtering ({notes}); lower encode.haplotypes.maf")
    log.info("%s: %d of %d biallelic SNPs kept (%s)", vcf, len(keep), H.shape[1], notes)
    X = np.ascontiguousarray(H[:, keep])
    variants = variants.iloc[keep].reset_index(drop=True)
    pops = [sheet[s] for s in names]
    classes = sorted(set(pops))
    label = {p: i for i, p in enumerate(classes)}
    samples = pd.DataFrame({
        "id": [f"{s}:{h}" for s in names for h in (0, 1)],
        "sample": np.repeat(names, 2),
        "haplotype": np.tile([0, 1], len(names)),
        "population": np.repeat(pops, 2),
        "label": [label[p] for p in np.repeat(pops, 2)],
        "group": np.repeat(names, 2),
        "source": "vcf",
    })
    counts = samples.groupby("population")["sample"].nunique()
    log.info("%d people, %d haplotypes: %s", len(names), len(X),
             ", ".join(f"{p} {n}" for p, n in counts.items()))
    return Haplotypes(X, samples[SAMPLE_COLUMNS], variants, classes)


def write_encoded(h, out_npz, out_samples, out_variants):
    """Write encoded.npz, samples.tsv and variants.tsv (each atomically)."""
    for df, path in ((h.samples, out_samples), (h.variants, out_variants)):
        write_tsv(df, path, float_format=None)
    y = h.samples["label"].to_numpy(np.int64)
    tensors.save_encoded(out_npz, tensors.Encoded(X=h.X, y=y, groups=h.samples["group"].to_numpy(str),
                                                  classes=np.array(h.classes), layout="binary"))


def read_variants(path):
    """variants.tsv -> DataFrame (chrom, pos, ref, alt, id), checked."""
    path = str(path)
    try:
        v = pd.read_csv(path, sep="\t", dtype={"chrom": str, "ref": str, "alt": str, "id": str},
                        keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise InputError(path, f"cannot be read ({str(e).splitlines()[0]})") from None
    missing = [c for c in VARIANT_COLUMNS if c not in v.columns]
    if missing:
        raise InputError(path, f"lacks column(s) {', '.join(missing)}; re-run encode_haplotypes")
    return v


# --- writing -----------------------------------------------------------------------------

def person_names(n_haplotypes, prefix="syn", conditions=None):
    """Names of the people haplotypes 2i, 2i + 1 make: ``{prefix}{i + 1:06d}``, with the
    condition (population) inserted when both haplotypes have the same non-empty one."""
    names = []
    for i in range(n_haplotypes // 2):
        c = None if conditions is None else {str(conditions[2 * i]), str(conditions[2 * i + 1])}
        tag = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{c.pop()}_") if c and len(c) == 1 and "" not in c else ""
        names.append(f"{prefix}{tag}{i + 1:06d}")
    return names


_GT = np.array(["0|0", "0|1", "1|0", "1|1"])


def write_haplotype_vcf(path, X, variants, sample_names=None, source="genaug", contig_lines=None, extra_header=()):
    """Write haplotypes ``X`` (n, SNPs) of 0/1 as a phased diploid VCF, bgzipped + tabix-indexed.

    Person i holds haplotypes 2i (left of '|') and 2i + 1. An odd last
    haplotype is left out, with a warning; no haplotypes give a sites-only VCF
    (no FORMAT or sample columns). ``variants``: one row per SNP
    (chrom, pos, ref, alt, id; positions sorted within each chromosome).
    ``sample_names``: one per person (default ``syn000001``...).
    ``contig_lines``: the ``##contig`` lines, in contig order (default: one
    bare line per contig); ``extra_header``: more ``##`` lines. Writes
    ``path`` and ``path + '.tbi'`` through ``outputs.replacing``.
    """
    path = str(path)
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != len(variants):
        raise ValueError(f"haplotypes of shape {X.shape} do not match {len(variants)} SNPs")
    if X.size and not np.isin(X, (0, 1)).all():
        raise ValueError("haplotypes must hold only 0 and 1")
    n = len(X) // 2
    if len(X) % 2:
        log.warning("%s: %d haplotypes: the last one has no partner and is left out", path, len(X))
    names = [f"syn{i + 1:06d}" for i in range(n)] if sample_names is None else list(sample_names)
    if len(names) != n:
        raise ValueError(f"{len(names)} sample names for {n} people")
    codes = (2 * X[0:2 * n:2].astype(np.int64) + X[1:2 * n:2]).T  # (SNPs, people)
    chroms = list(dict.fromkeys(variants["chrom"].astype(str)))
    header = ["##fileformat=VCFv4.2", f"##source={source}",
              '##FILTER=<ID=PASS,Description="All filters passed">']
    header += list(contig_lines) if contig_lines is not None else [f"##contig=<ID={c}>" for c in chroms]
    header += list(extra_header)
    columns = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
    if n:
        header.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Phased genotype">')
        columns += ["FORMAT"] + names
    header.append("\t".join(columns))
    with replacing(path + ".tbi", path) as (tbi, gz):
        with BGZFile(gz, "wb") as f:
            f.write(("\n".join(header) + "\n").encode())
            ids = variants["id"].astype(str).replace("", ".")
            for j, (c, p, i, r, a) in enumerate(zip(variants["chrom"].astype(str), variants["pos"], ids,
                                                    variants["ref"], variants["alt"])):
                gts = "\tGT\t" + "\t".join(_GT[codes[j]]) if n else ""
                f.write(f"{c}\t{int(p)}\t{i}\t{r}\t{a}\t.\tPASS\t.{gts}\n".encode())
        pysam.tabix_index(gz, preset="vcf", force=True, index=tbi)
    return path
