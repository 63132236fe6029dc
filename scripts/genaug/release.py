"""A synthetic cohort to share: draw it, write it as a VCF, audit that file, gate it.

    from genaug import release
    counts = release.composition({"AFR": 120, "EUR": 80}, n_people=100)   # {"AFR": 60, "EUR": 40}
    X, pops = release.draw_cohort(model_path, counts, seed=1)
    names = release.person_names("gru", pops, real_names)
    release.write_cohort_vcf(path, X, variants, names, source_vcf, generator="gru")
    verdict = release.gate(audit["metrics"], {"max_privacy_loss": 0.05, ...})

Composition: ``n_people`` synthetic people at the training shares of the
populations (largest remainders), or at a configured ``mix`` {population:
share}. Both haplotypes of a person come from one population. A generator
trained without conditions (one population, or ``generate.condition`` off)
draws every person from its one distribution, labelled with the training
population when there is one.

Names: ``GENAUG-SYNTHETIC-{generator}-{population}-{i:06d}``; a name that equals
a real sample name of the source is refused (it cannot happen with real
sample sheets that do not use this prefix).

Gate (``gate``): the audit's synthetic values against the thresholds: privacy loss
(``max_privacy_loss``: mean privacy loss minus the real-vs-real reference's),
share of exact copies of training haplotypes (``max_identical_share``) and the
segment check's excess share (``max_segment_excess_share``: share of synthetic
haplotypes whose longest run shared with a training haplotype exceeds the 95th
percentile of held-out people's). A threshold of null is not checked.
``refuse_flagged_leak`` (true / false): refuse a cohort whose leak audit
(``fidelity.common.leak_measures`` on the full train and held-out sets) flags a
leak: its haplotypes sit nearer their nearest training haplotype than held-out
people do, by the source-linkage, DCR-difference or near-copy test
(Bonferroni-corrected ``LEAK_ALPHA``); a leak audit that was not measured refuses too.
"""

import numpy as np
import pysam

from .encode.haplotypes import largest_remainders, write_haplotype_vcf
from .fidelity.common import LEAK_ALPHA

PREFIX = "GENAUG-SYNTHETIC"
GATE_KEYS = ("max_privacy_loss", "max_identical_share", "max_segment_excess_share", "refuse_flagged_leak")


def composition(counts, n_people, mix=None):
    """People per population: ``n_people`` split by ``mix`` (shares, renormalised) or by the
    training ``counts`` {population: people}; largest remainders, ties to the first."""
    if n_people < 1:
        raise ValueError(f"release.people must be at least 1, got {n_people}")
    weights = dict(mix) if mix else dict(counts)
    unknown = [p for p in weights if p not in counts]
    if unknown:
        raise ValueError(f"release.mix names population(s) {', '.join(map(str, unknown))} that the generator "
                         f"did not learn (it knows {', '.join(map(str, counts))})")
    pops = list(weights)
    w = np.array([float(weights[p]) for p in pops])
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"release.mix shares must be >= 0 with a positive sum, got {weights}")
    k = largest_remainders(w, n_people)
    return {p: int(n) for p, n in zip(pops, k) if n > 0}


def draw_cohort(model_path, counts, seed=0, threads=None, conditioned=True):
    """Haplotypes (2 per person, person i = rows 2i, 2i + 1) and each person's population.
    ``conditioned``: whether the generator was trained with the population as its condition."""
    from . import generators

    parts, pops = [], []
    for r, (pop, n) in enumerate(counts.items()):
        X = generators.sample(model_path, 2 * n, cond=pop if conditioned else None, seed=seed + r,
                              threads=threads)
        parts.append(X)
        pops += [pop] * n
    return np.concatenate(parts), pops


def person_names(generator, pops, real_names=()):
    """One name per synthetic person; refuses a name that is also a real sample's."""
    names = []
    for i, p in enumerate(pops):
        tag = "".join(ch if ch.isalnum() or ch in "._" else "_" for ch in str(p))
        names.append(f"{PREFIX}-{generator}-{tag}-{i + 1:06d}")
    clash = sorted(set(names) & set(map(str, real_names)))
    if clash:
        raise ValueError(f"synthetic sample name(s) {', '.join(clash[:3])} are also real sample names")
    return names


def source_header(source_vcf, contigs):
    """Header lines of the source VCF that still apply to the synthetic file: its
    ``##contig`` lines (lengths, assembly) of the contigs kept and ``##reference`` /
    ``##assembly`` lines. Contigs the source does not describe get a bare line."""
    lines, described = [], set()
    with pysam.VariantFile(str(source_vcf)) as vf:
        for rec in vf.header.records:
            if rec.type == "CONTIG" and rec.get("ID") in contigs:
                lines.append(str(rec).strip())
                described.add(rec.get("ID"))
            elif rec.type == "GENERIC" and rec.key in ("reference", "assembly"):
                lines.append(str(rec).strip())
    contig_lines = {c: f"##contig=<ID={c}>" for c in contigs if c not in described}
    return lines, contig_lines


def write_cohort_vcf(path, X, variants, names, source_vcf, generator, pops):
    """The release VCF: phased, bgzipped, tabix-indexed, the source's contig and reference lines,
    a line saying the people are synthetic, and each person's population in the header."""
    contigs = list(dict.fromkeys(variants["chrom"].astype(str)))
    kept, bare = source_header(source_vcf, contigs)
    by_id = {line.split("ID=", 1)[1].split(",")[0].rstrip(">"): line for line in kept if line.startswith("##contig")}
    contig_lines = [by_id.get(c) or bare[c] for c in contigs]
    other = [line for line in kept if not line.startswith("##contig")]
    people = ",".join(f"{p}:{n}" for p, n in zip(*np.unique(pops, return_counts=True)))
    extra = other + [f'##genaug_release=<generator={generator},people={len(names)},populations="{people}",'
                     f'Description="synthetic people drawn from a generator; none is a real person">']
    extra += [f"##SAMPLE=<ID={n},Population={p}>" for n, p in zip(names, pops)]
    return write_haplotype_vcf(path, X, variants, names, source=f"genaug release ({generator})",
                               contig_lines=contig_lines, extra_header=extra)


def gate(metrics, thresholds, leak=None):
    """-> {"passed": bool, "reasons": [one line per failed check], "checks": {key: {...}}}. ``metrics``:
    the audit's metrics; ``leak``: its leak section (``{"synthetic": leak measures, ...}``), read when
    ``refuse_flagged_leak`` is set."""
    thresholds = dict(thresholds or {})
    unknown = set(thresholds) - set(GATE_KEYS)
    if unknown:
        raise ValueError(f"release.gate: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(GATE_KEYS)}")
    values = {
        "max_privacy_loss": _minus(metrics["privacy_loss"]["synthetic"], metrics["privacy_loss"]["reference"]),
        "max_identical_share": metrics["identical_share"]["synthetic"],
        "max_segment_excess_share": metrics["segment_excess_share"]["synthetic"],
    }
    what = {"max_privacy_loss": "privacy loss above the real-vs-real reference",
            "max_identical_share": "share of exact copies of training haplotypes",
            "max_segment_excess_share": "share of haplotypes sharing a longer run with a training haplotype "
                                        "than 95% of held-out people do"}
    checks, reasons = {}, []
    for key in GATE_KEYS[:-1]:
        limit = thresholds.get(key)
        if limit is None:
            continue
        v = values[key]
        ok = v is not None and v <= limit
        checks[key] = {"value": v, "limit": limit, "passed": bool(ok)}
        if not ok:
            reasons.append(f"{what[key]} {'n/a' if v is None else f'{v:.4g}'} > {limit:g}")
    if thresholds.get("refuse_flagged_leak"):
        m = (leak or {}).get("synthetic")
        limit = LEAK_ALPHA / 3
        checks["refuse_flagged_leak"] = {"value": None if m is None else m["leak_p"], "limit": limit,
                                         "passed": m is not None and not m["leak_flag"]}
        if m is None:
            reasons.append("leak audit not measured")
        elif m["leak_flag"]:
            reasons.append(leak_reason(m, limit))
    return {"passed": not reasons, "reasons": reasons, "checks": checks}


def leak_reason(m, limit):
    """One line: why the leak audit flagged a cohort."""
    share = lambda k, ref: f"{m[k]['synthetic']:.1%} ({ref} {m[k]['reference']:.1%})"
    return (f"leak flagged (p {m['leak_p']:.2g} < {limit:.2g}): {share('source_linked_share', 'null')} of "
            f"haplotypes nearer a training haplotype than any held-out one is, "
            f"{share('near_copy_share', 'held-out')} as near to one as the nearest 5% of held-out haplotypes")


def _minus(a, b):
    return None if a is None or b is None else float(a) - float(b)

