"""The report's summary: one table (summary.tsv) and one page (summary.md) across datasets.

For each dataset: the detection results on the real test split (mean ± sd over
replicate seeds, per detector and strategy; each strategy's paired bootstrap
difference from the same detector's `none` and what it shows; the
validation-best detector and strategy against the logistic baseline), then the
fidelity and privacy audit of each generator with its real-vs-real reference.
The page says plainly when no strategy beat `none`.
"""

import math

import numpy as np
import pandas as pd

from .detect.summary import METRICS, PREVALENCE_METRICS, PRIMARY


def summary_rows(dataset, summary, comparisons, fidelity, releases=None, baseline=None):
    """Long rows: dataset, section, detector (detection rows), name (strategy or generator), metric, value,
    spread (sd), reference, lo, hi, verdict."""
    rows = []
    for r in summary.itertuples():
        for k in METRICS:
            rows.append({"dataset": dataset, "section": "detection", "detector": r.detector, "name": r.strategy,
                         "metric": k,
                         "value": getattr(r, f"{k}_mean"), "spread": getattr(r, f"{k}_sd"),
                         "n": r.replicates})
    for r in comparisons.itertuples():
        rows.append({"dataset": dataset, "section": "difference_from_none", "detector": r.detector,
                     "name": r.strategy, "metric": r.metric,
                     "value": r.diff, "lo": r.lo, "hi": r.hi, "verdict": r.verdict})
    for r in (baseline if baseline is not None else pd.DataFrame()).itertuples():
        rows.append({"dataset": dataset, "section": f"difference_from_{r.reference_detector}_{r.reference_strategy}",
                     "detector": r.detector, "name": r.strategy, "metric": r.metric, "value": r.diff, "lo": r.lo,
                     "hi": r.hi, "verdict": r.verdict})
    for generator, f in fidelity.items():
        for metric, m in f["metrics"].items():
            rows.append({"dataset": dataset, "section": "fidelity", "name": generator, "metric": metric,
                         "value": m["synthetic"], "spread": m.get("sd"), "reference": m["reference"],
                         "verdict": m["better"], "n": m.get("n")})
        for audited, m in _leak_sets(f):
            for metric in LEAK_ROWS:
                rows.append({"dataset": dataset, "section": f"leak:{audited}", "name": generator, "metric": metric,
                             "value": m[metric]["synthetic"], "reference": m[metric]["reference"],
                             "verdict": "leak flagged" if m["leak_flag"] else "not flagged"})
    for generator, r in (releases or {}).items():
        for key, c in r["gate"]["checks"].items():
            rows.append({"dataset": dataset, "section": "release_gate", "name": generator, "metric": key,
                         "value": c["value"], "reference": c["limit"],
                         "verdict": "passed" if c["passed"] else "refused"})
    return pd.DataFrame(rows)


LEAK_ROWS = ("source_linked_share", "near_copy_share", "closer_to_train_share", "dcr_difference", "dcr_train")


def _leak_sets(f):
    """(name, leak measures) of the synthetic set and of each copy-injection control, if audited."""
    leak = f.get("leak")
    if not leak or not leak.get("synthetic"):
        return []
    return [("synthetic", leak["synthetic"]),
            *((f"{100 * float(k):g}% training copies", m) for k, m in leak["copy_controls"].items())]


def leak_markdown(fidelity):
    """The leak audit of each generator beside its copy-injection controls."""
    lines = ["### Leaks: distance to the closest record of the full train and held-out sets", "",
             "| generator | audited set | linked share (null) | near-copy share (held-out) | closer to train "
             "(held-out) | privacy loss, full sets | p | verdict |", "|---|---|---|---|---|---|---|---|"]
    for g, f in fidelity.items():
        for name, m in _leak_sets(f):
            cells = [f"{_f(m[k]['synthetic'])} ({_f(m[k]['reference'])})"
                     for k in ("source_linked_share", "near_copy_share", "closer_to_train_share")]
            lines.append(f"| {g} | {name} | " + " | ".join(cells) + f" | {_f(m['privacy_loss_full'])} | "
                         f"{m['leak_p']:.2g} | {'**leak flagged**' if m['leak_flag'] else 'not flagged'} |")
    notes = [f"{g}: {f['leak']['note']}" for g, f in fidelity.items() if f.get("leak") and not f["leak"]["synthetic"]]
    lines += ["", "Each generator's audited set is the synthetic file its detectors trained on (sha256 in "
              "fidelity/{generator}.json: `audited`, for expression `audited.leak`; a draw from the model where "
              "that file is empty), against every real train and held-out (val + test) item of the same "
              "class and condition. The copy-injection rows replace a known share of that set by training items: "
              "what a leak would have scored at the same set sizes."
              + ("" if not notes else " Leak audit " + "; ".join(notes) + "."), ""]
    return lines


def _f(v, digits=3):
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def release_markdown(releases):
    """The privacy gate's verdict on each generator's release cohort, with the reason for a refusal."""
    lines = ["### Release (synthetic cohort, audited as written; privacy gate)", "",
             "| generator | people | verdict | privacy loss − reference | exact copies | segment excess share "
             "| leak audit (p) | reason |",
             "|---|---|---|---|---|---|---|---|"]
    for g, r in releases.items():
        c = r["gate"]["checks"]
        cell = lambda k: _f(c[k]["value"]) + ("" if c[k]["passed"] else f" > {c[k]['limit']:g}") if k in c else "n/a"
        verdict = "released" if r["gate"]["passed"] else "refused"
        leak = c.get("refuse_flagged_leak")
        if leak is None:
            leak_cell = "not checked"
        else:
            p = "n/a" if leak["value"] is None else f"{leak['value']:.2g}"
            leak_cell = f"{'not flagged' if leak['passed'] else 'flagged'} ({p})"
        reason = "; ".join(r["gate"]["reasons"]) or "every check passed"
        lines.append(f"| {g} | {sum(r['people'].values())} | {verdict} | {cell('max_privacy_loss')} | "
                     f"{cell('max_identical_share')} | {cell('max_segment_excess_share')} | {leak_cell} | {reason} |")
    return lines + ["", "A refused cohort is not released: results/<dataset>/release/<generator>.vcf.gz is made "
                        "only for the generators the gate passed.", ""]


def baseline_markdown(baseline):
    """The validation-best detector and strategy against the simple baseline, in a table and a sentence."""
    if baseline is None or not len(baseline):
        return []
    first = baseline.iloc[0]
    ref = f"{first['reference_detector']} {first['reference_strategy']}"
    best = f"{first['detector']} {first['strategy']}"
    level = f"{100 * float(first['level']):g}%"
    lines = [f"### Best on validation against the baseline ({ref})", "",
             f"Chosen without the test split: {best} has the best mean validation {PRIMARY.upper()} "
             f"({_f(first['val_auprc'])}; {ref}: {_f(first['reference_val_auprc'])}). Its test difference from "
             f"{ref}, paired over the same test items ({level} bootstrap interval over whole groups and both "
             "sides' seeds; p Holm-adjusted within the primary metric and within the others):", "",
             f"| metric | {best} − {ref} [{level} CI] | Holm p | verdict |", "|---|---|---|---|"]
    for r in baseline.itertuples():
        lines.append(f"| {r.metric.upper()}{' (primary)' if r.role == 'primary' else ''} | {r.diff:+.3f} "
                     f"[{r.lo:+.3f}, {r.hi:+.3f}] | {_f(r.p_holm)} | {r.verdict} |")
    prim = baseline[baseline["role"] == "primary"].iloc[0]
    if prim["verdict"] == "better":
        text = f"{best} beats the baseline {ref} on {PRIMARY.upper()}."
    elif prim["verdict"] == "worse":
        text = f"{best} is worse than the baseline {ref} on {PRIMARY.upper()}."
    else:
        text = f"{best} does not beat the baseline {ref} on {PRIMARY.upper()}: the interval holds 0."
    return lines + ["", text, ""]


def dataset_markdown(dataset, summary, comparisons, fidelity, test_counts=None, runs=None, releases=None,
                     baseline=None):
    lines = [f"## {dataset}", ""]
    if test_counts:
        lines += [f"Test split: {test_counts[0]} real items, {test_counts[1]} of the rare class; never used "
                  "for training, early stopping or thresholds.", ""]
    if "test_hard_negatives" in summary.columns and len(summary) and summary["test_hard_negatives"].notna().any():
        n_hard = int(summary["test_hard_negatives"].dropna().iloc[0])
        lines += [f"The test split holds {n_hard} hard negatives (a caller's candidates that are no truth SV); "
                  "precision without them (easy negatives only), mean ± sd over seeds: "
                  + ", ".join(f"{r.detector} {r.strategy} {_f(r.precision_without_hard_mean)} ± "
                              f"{_f(r.precision_without_hard_sd)}" for r in summary.itertuples()) + ".", ""]
    level = f"{100 * float(comparisons['level'].iloc[0]):g}%" if len(comparisons) else "95%"
    lines += ["### Detection (real test split, mean ± sd over seeds)", "",
              f"| detector | strategy | precision | recall | F1 | AUPRC | AUROC | F1 − none [{level} CI] "
              f"| AUPRC − none [{level} CI] |",
              "|---|---|---|---|---|---|---|---|---|"]
    by_metric = {m: comparisons[comparisons["metric"] == m].set_index(["detector", "strategy"])
                 if len(comparisons) else None for m in ("f1", "auprc")}
    for r in summary.itertuples():
        cells = [f"{_f(getattr(r, f'{k}_mean'))} ± {_f(getattr(r, f'{k}_sd'))}"
                 for k in ("precision", "recall", "f1", "auprc", "auroc")]
        for c in by_metric.values():
            if c is not None and (r.detector, r.strategy) in c.index:
                row = c.loc[(r.detector, r.strategy)]
                cells.append(f"{row['diff']:+.3f} [{row['lo']:+.3f}, {row['hi']:+.3f}] {row['verdict']}")
            else:
                cells.append("reference")
        lines.append(f"| {r.detector} | {r.strategy} | " + " | ".join(cells) + " |")
    lines += ["", verdict_sentence(comparisons), ""]
    lines += baseline_markdown(baseline)
    full = prevalence_markdown(runs)
    if full:
        lines += [full]
    if fidelity:
        metrics = list(next(iter(fidelity.values()))["metrics"])
        lines += ["### Fidelity and privacy (synthetic / real-vs-real reference)", "",
                  "| metric | better | " + " | ".join(fidelity) + " |",
                  "|---|---|" + "---|" * len(fidelity)]
        for m in metrics:
            cells = []
            for f in fidelity.values():
                x = f["metrics"].get(m)
                cells.append("n/a" if x is None else f"{_f(x['synthetic'])} / {_f(x['reference'])}")
            better = next(iter(fidelity.values()))["metrics"][m]["better"].replace("_", " ")
            lines.append(f"| {m} | {better} | " + " | ".join(cells) + " |")
        lines += ["", "Fidelity statistics compare the synthetic items with held-out real items (val + test); "
                  "their reference is real training items against the same held-out ones. Privacy statistics "
                  "(AATS, privacy loss, identical share): the reference puts held-out real items in the "
                  "synthetic set's seat.", ""]
        lines += leak_markdown(fidelity)
    if releases:
        lines += release_markdown(releases)
    return "\n".join(lines)


def prevalence_markdown(runs):
    """The detection table at the full prevalence (runs.tsv's ``full_*`` columns, mean ± sd over seeds):
    for a dataset whose negatives were subsampled and weighted back (``sequences``)."""
    cols = [f"full_{k}" for k in PREVALENCE_METRICS]
    if runs is None or not len(runs) or runs[cols].isna().all().all():
        return ""
    lines = ["### Detection at the full prevalence (real test split, mean ± sd over seeds)", "",
             "Each kept unbound window weighted by the unbound windows it stands for, so these hold for every "
             "window of the test regions; the table above is at the kept windows' prevalence. AUPRC's floor is "
             "the prevalence; P@R: the best precision at a recall of at least 0.5 / 0.8; F1 at the threshold "
             "chosen on validation.", "",
             "| detector | strategy | AUROC | AUPRC | prevalence | P@R 0.5 | P@R 0.8 | F1 |",
             "|---|---|---|---|---|---|---|---|"]
    for (d, s), t in runs.groupby(["detector", "strategy"], sort=False):
        cells = [f"{_f(t[c].mean())} ± {_f(t[c].std(ddof=1) if len(t) > 1 else 0.0)}"
                 for c in ("full_auroc", "full_auprc")]
        cells.append(_f(t["full_prevalence"].mean(), 4))
        cells += [f"{_f(t[c].mean())} ± {_f(t[c].std(ddof=1) if len(t) > 1 else 0.0)}"
                  for c in ("full_precision_at_recall_0.5", "full_precision_at_recall_0.8", "full_f1")]
        lines.append(f"| {d} | {s} | " + " | ".join(cells) + " |")
    return "\n".join(lines + [""])


def verdict_sentence(comparisons):
    """What the primary metric (AUPRC) shows after Holm correction, in words; the rest is secondary."""
    if comparisons is None or not len(comparisons):
        return "Only `none` was run: nothing to compare."
    c = comparisons[comparisons["metric"] == PRIMARY]
    name = c["detector"] + " " + c["strategy"]
    better = list(name[c["verdict"] == "better"])
    worse = list(name[c["verdict"] == "worse"])
    level = f"{100 * float(comparisons['level'].iloc[0]):g}%"
    head = f"Primary metric {PRIMARY.upper()} (Holm-corrected over its {len(c)} comparisons): "
    if better:
        text = head + f"{', '.join(better)} beat the same detector's `none`."
    else:
        text = head + "no strategy beat its detector's `none` on this test set."
    if worse:
        text += f" Worse than `none`: {', '.join(worse)}."
    f1 = comparisons[comparisons["metric"] == "f1"].set_index(["detector", "strategy"])["diff"]
    rest = [(f"{r.detector} {r.strategy}", r.diff, f1.get((r.detector, r.strategy), 0.0))
            for r in c.itertuples() if r.verdict != "better"]
    if rest and np.allclose([x for _, d, f in rest for x in (d, f)], 0):
        text += f" Every strategy without a gain tied `none` exactly ({PRIMARY.upper()} and F1 differences 0)."
    elif rest:
        text += (f" Where no gain is shown, the point differences from `none` in {PRIMARY.upper()} (F1): "
                 + ", ".join(f"{n} {d:+.3f} (F1 {f:+.3f})" for n, d, f in rest)
                 + "; a negative one is how much that strategy cost.")
    return (text + f" Intervals are {level} percentile intervals over whole groups of test items (blocks, people) "
            "and replicate seeds, not corrected for multiplicity; the other metrics' verdicts are Holm-corrected "
            "as a second family and are secondary.")


def strata_rows(dataset, strata):
    """Long rows of the by-type / by-size table (sections by_svtype, by_size; the caller's own: caller)."""
    rows = []
    for r in strata.itertuples():
        section = "caller" if r.detector == "caller" else f"by_{r.by}" if r.by != "all" else None
        if section is None:
            continue
        for k in ("precision", "recall", "f1"):
            rows.append({"dataset": dataset, "section": section, "name": f"{r.detector}/{r.strategy}:{r.stratum}",
                         "metric": k, "value": getattr(r, k), "spread": getattr(r, f"{k}_sd"), "n": r.n_pos,
                         "n_negative": r.n_neg})
    return pd.DataFrame(rows)


def strata_markdown(strata):
    """Precision / recall by SV type and size band for every detector and strategy, with the caller's own
    on the same items."""
    if strata is None or not len(strata):
        return ""
    lines = ["### By SV type and size band (real test split; precision / recall, mean over seeds)", ""]
    runs = list(dict.fromkeys(zip(strata["detector"], strata["strategy"])))
    keys = list(dict.fromkeys(zip(strata["by"], strata["stratum"])))
    lines += ["| stratum | positives | negatives | " + " | ".join(f"{d} {s}" for d, s in runs) + " |",
              "|---|---|---|" + "---|" * len(runs)]
    for by, stratum in keys:
        sub = strata[(strata["by"] == by) & (strata["stratum"] == stratum)].set_index(["detector", "strategy"])
        first = sub.iloc[0]
        cells = [f"{_f(sub.loc[r, 'precision'], 2)} / {_f(sub.loc[r, 'recall'], 2)}" if r in sub.index else "n/a"
                 for r in runs]
        lines.append(f"| {_stratum_name(by, stratum)} | {int(first.n_pos)} | {int(first.n_neg)} | "
                     + " | ".join(cells) + " |")
    lines += ["", "`caller calls`: the candidate VCF's own calls on the same test items (a positive it matches, "
              "every false call it made). Per type, the negatives are the caller's false calls of that type; "
              "sampled negatives have no type and count in the size bands. n/a: undefined (nothing called, or "
              "no positive).", ""]
    return "\n".join(lines)


def _stratum_name(by, stratum):
    return "all" if by == "all" else f"{'type' if by == 'svtype' else 'size'} {stratum}"


def summary_markdown(sections):
    head = ["# genaug summary", "",
            "Every number is measured on real held-out items. Detection: mean ± sd over replicate seeds; "
            "differences from the same detector's `none` are paired bootstrap intervals over whole groups of test "
            "items and seeds. Fidelity: the synthetic value against held-out real items, then the real-vs-real "
            "reference. Which data each number saw: detectors trained on train (+ synthetic), stopped and "
            "thresholded on val, scored once on test; generators learned train only; the audits compare with "
            "val + test together (the held-out side).", ""]
    return "\n".join(head + sections) + "\n"


CALLSETS = ("caller", "caller_filtered", "own", "union")  # genaug.callsets, without its pysam


def callsets_rows(sample, table):
    """Long rows for summary.tsv (section ``calls``; dataset column: the scored sample)."""
    rows = []
    for r in table.itertuples():
        for k in ("precision", "recall", "f1"):
            rows.append({"dataset": sample, "section": "calls", "name": f"{r.callset}:{r.stratum}", "metric": k,
                         "value": getattr(r, k), "spread": float("nan"), "n": r.n_truth, "n_negative": r.n_calls})
    return pd.DataFrame(rows)


def callsets_markdown(sample, table):
    """A summary.md section: F1 (precision / recall) per stratum and call set."""
    if table is None or not len(table):
        return ""
    lines = [f"### SV calls on {sample} against its truth (F1, precision / recall)", "",
             "| stratum | truth SVs | " + " | ".join(CALLSETS) + " |", "|---|---|" + "---|" * len(CALLSETS)]
    for (by, stratum), g in table.groupby(["by", "stratum"], sort=False):
        g = g.set_index("callset")
        cells = [f"{_f(g.loc[c, 'f1'])} ({_f(g.loc[c, 'precision'])} / {_f(g.loc[c, 'recall'])}, "
                 f"{int(g.loc[c, 'n_calls'])} calls)" if c in g.index else "n/a" for c in CALLSETS]
        lines.append(f"| {_stratum_name(by, stratum)} | {int(g.iloc[0].n_truth)} | " + " | ".join(cells) + " |")
    lines += ["", "caller: the caller's PASS calls as given; caller_filtered: those genaug keeps (FILTER PASS); "
              "own: genaug's own candidates it calls (INFO/GENAUG_SOURCE discover or both, FILTER PASS; empty "
              "without them); union: both. Matching: same type, reciprocal overlap >= 0.5 or both breakpoints "
              "within 500 bp. n/a: no call or no truth SV in the stratum.", ""]
    return "\n".join(lines)
