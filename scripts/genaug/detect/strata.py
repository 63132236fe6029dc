"""Test-set results of ``sv`` detectors by SV type and size band, the caller's own, and a per-item table.

Strata of an item (from ``samples.tsv``):

- ``svtype``: a positive's type; a caller negative's called type; sampled
  negatives have none (``NONE``), so they count as false positives only in the
  size bands and in ``all``. Precision per type is therefore the share of
  true calls among the items of that type called positive, with the caller's
  false calls of that type as the only negatives that can be wrong there.
- ``size``: ``|svlen|`` (an insertion's inserted length), else the span
  ``end - start`` (sampled negatives copy the positives' spans); bands
  50-300, 300-1k, 1k-10k and >10k bp, and <50 for anything shorter.

Precision, recall and F1 are nan where undefined (no item called positive,
no positive) instead of the 0.0 of the overall metrics: a stratum with no
such item says nothing.
"""

import numpy as np
import pandas as pd

BANDS = ((0, 50, "<50"), (50, 300, "50-300"), (300, 1_000, "300-1k"), (1_000, 10_000, "1k-10k"),
         (10_000, np.inf, ">10k"))
SV_TYPES = ("DEL", "DUP", "INV", "INS")
CALLER = ("caller", "calls")  # (detector, strategy) of the caller's own calls
COLUMNS = ["detector", "strategy", "by", "stratum", "n_pos", "n_neg", "tp", "fp", "fn", "precision", "precision_sd",
           "recall", "recall_sd", "f1", "f1_sd", "replicates"]


def size_band(size):
    """Band name of each size in bp."""
    size = np.abs(np.asarray(size, np.float64))
    out = np.empty(size.shape, dtype=object)
    for lo, hi, name in BANDS:
        out[(size >= lo) & (size < hi)] = name
    return out


def item_strata(samples):
    """Per item: ``variant`` (bool), ``svtype`` and ``size_band`` (see the module docstring)."""
    variant = (samples["label"] == "variant").to_numpy()
    svtype = samples["svtype"].astype(str).to_numpy().copy()
    svlen = samples["svlen"].fillna(0).to_numpy(np.int64)
    size = np.where(svlen != 0, np.abs(svlen), (samples["end"] - samples["start"]).to_numpy(np.int64))
    return pd.DataFrame({"variant": variant, "svtype": svtype, "size_band": size_band(size)})


def _ratio(a, b):
    return a / b if b else float("nan")


def _counts(variant, called):
    tp = int((variant & called).sum())
    fp = int((~variant & called).sum())
    fn = int((variant & ~called).sum())
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = _ratio(2 * p * r, p + r) if not (np.isnan(p) or np.isnan(r)) else float("nan")
    return {"n_pos": int(variant.sum()), "n_neg": int((~variant).sum()), "tp": tp, "fp": fp, "fn": fn,
            "precision": p, "recall": r, "f1": f1}


def strata_counts(strata, called):
    """Rows (by, stratum, counts and metrics) of one set of calls on the items of ``strata``."""
    called = np.asarray(called, bool)
    rows = [{"by": "all", "stratum": "all", **_counts(strata.variant.to_numpy(), called)}]
    for by, names in (("svtype", SV_TYPES), ("size", [b[2] for b in BANDS])):
        col = strata["svtype" if by == "svtype" else "size_band"].to_numpy()
        for name in names:
            sel = col == name
            if (sel & strata.variant.to_numpy()).any():
                rows.append({"by": by, "stratum": name, **_counts(strata.variant.to_numpy()[sel], called[sel])})
    return rows


def strata_table(samples, runs, order=None):
    """Per detector and strategy (mean and sd over its replicate seeds) and for the caller, the test
    metrics by stratum.

    ``runs``: ((detector, strategy), predictions) pairs, one per run;
    predictions has the test items' ``index`` (rows of ``samples``) and
    ``predicted`` (0/1). The caller's rows (detector ``caller``, strategy
    ``calls``) use ``samples.called`` on the same test items, when present.
    """
    rows = []
    test_idx = None
    for key in order or sorted({tuple(k) for k, _ in runs}):
        per_seed = []
        for k, preds in runs:
            if tuple(k) != tuple(key):
                continue
            idx = preds["index"].to_numpy(np.int64)
            test_idx = idx if test_idx is None else test_idx
            per_seed.append(strata_counts(item_strata(samples.iloc[idx]), preds["predicted"].to_numpy() > 0))
        rows += _mean_over_seeds(tuple(key), per_seed)
    if test_idx is not None and "called" in samples and samples["called"].notna().all():
        sub = samples.iloc[np.sort(test_idx)]
        rows += _mean_over_seeds(CALLER, [strata_counts(item_strata(sub), sub["called"].to_numpy() > 0)])
    return pd.DataFrame(rows, columns=COLUMNS)


def _mean_over_seeds(key, per_seed):
    out = []
    for k, first in enumerate(per_seed[0] if per_seed else []):
        seeds = [runs[k] for runs in per_seed]
        row = {"detector": key[0], "strategy": key[1], "by": first["by"], "stratum": first["stratum"],
               "n_pos": first["n_pos"], "n_neg": first["n_neg"], "replicates": len(seeds)}
        for c in ("tp", "fp", "fn"):
            row[c] = float(np.mean([r[c] for r in seeds]))
        for m in ("precision", "recall", "f1"):
            v = np.array([r[m] for r in seeds], np.float64)
            ok = ~np.isnan(v)
            row[m] = float(v[ok].mean()) if ok.any() else float("nan")
            row[f"{m}_sd"] = float(v[ok].std(ddof=1)) if ok.sum() > 1 else float("nan")
        out.append(row)
    return out


def items_table(samples, split_labels, runs):
    """Every item with its locus, label, split, source, whether the caller has it, and the mean
    test-set score of each detector and strategy over its seeds (``score_{detector}_{strategy}``,
    empty outside the test split); ``runs`` as for ``strata_table``."""
    cols = [c for c in ("id", "contig", "start", "end", "svtype", "svlen", "label", "source", "group", "called")
            if c in samples]
    out = samples[cols].copy()
    out.insert(out.columns.get_loc("label") + 1, "split", split_labels)
    scores = {}
    for (detector, strategy), preds in runs:
        scores.setdefault(f"score_{detector}_{strategy}", []).append(preds.set_index("index")["score"])
    for name, parts in scores.items():
        s = pd.concat(parts, axis=1).mean(axis=1)
        out[name] = s.reindex(range(len(samples))).to_numpy()
    return out


def items_bed(items, key=("cnn", "none")):
    """BED6 lines of ``items_table`` for IGV: name label|svtype|split, score 1000 x the test score of
    ``key`` (detector, strategy; 0 outside the test split), shaded by score (track line useScore=1)."""
    name = f"{key[0]}_{key[1]}"
    score = items.get(f"score_{name}", pd.Series(np.nan, index=items.index)).fillna(0).to_numpy()
    start0 = items["start"].to_numpy(np.int64) - 1
    end = np.maximum(items["end"].to_numpy(np.int64), start0 + 1)
    lines = [f'track name=genaug_items description="genaug items: label|svtype|split, score = '
             f'{key[0]} {key[1]} test score x 1000" useScore=1']
    for c, s, e, lab, t, sp, sc in zip(items["contig"], start0, end, items["label"], items["svtype"], items["split"],
                                       np.round(1000 * score).astype(int)):
        lines.append(f"{c}\t{s}\t{e}\t{lab}|{t}|{sp}\t{sc}\t.")
    return "\n".join(lines) + "\n"
