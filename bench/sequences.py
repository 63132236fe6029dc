"""Sequences on the demo, few positives: does any strategy beat the k-mer baseline, and does
weighting or augmentation help the conv1d? Paired over replicate split seeds.

    python3 bench/sequences.py                                  # 5 split seeds, 150 training positives
    python3 bench/sequences.py --seeds 1 2 3 --max-train-positives 150 --threads 2 --tsv /tmp/runs.tsv
    python3 bench/sequences.py --strategies none classic --conv1d '{"conv1d_head": "max"}'  # a conv1d variant

What it does, as the workflow does: encode resources/demo/sequences (101-bp
windows, every bound window and ``--negatives-per-positive`` x as many unbound
ones, each weighted by the unbound windows it stands for); then per split seed
r: a grouped, stratified 0.7 / 0.15 / 0.15 split (seed r) keeping
``--max-train-positives`` bound windows in train; the generators (cvae,
wgan_gp, classic) trained on those, drawn to a 0.5 share of train; the
``conv1d`` detector (the notebook's 3-layer Conv1D) under every strategy and
the k-mer ``logistic`` baseline under every strategy but oversample (the
baseline is logistic/none), each seeded with r. Every
metric is at the full demo's prevalence (weights). Validation decides: the
"best strategy" is the detector/strategy with the highest mean validation
AUROC over the seeds; its test AUROC is then compared with the baseline's, a
paired difference per seed with a t interval over seeds. The same paired
intervals (test AUROC and AUPRC) are given for each strategy against the
conv1d's ``none``: weighting (class_weight, oversample) against augmentation
(classic, cvae, wgan_gp).
"""

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from genaug import generators  # noqa: E402
from genaug.augment import n_to_balance  # noqa: E402
from genaug.detect import train_detector  # noqa: E402
from genaug.encode.sequences import SequenceSettings, encode_sequences  # noqa: E402
from genaug.metrics.prevalence import prevalence_metrics  # noqa: E402
from genaug.split import make_split  # noqa: E402
from genaug.tensors import load_encoded, load_weights  # noqa: E402

DEMO = REPO / "resources" / "demo" / "sequences"
CLASSES = ["unbound", "bound"]


def paired(df, a, b, metric, split="test"):
    """Mean and t interval (95 %) over seeds of metric(a) - metric(b); a, b = (detector, strategy)."""
    col = f"{split}_{metric}"
    x = df[(df.detector == a[0]) & (df.strategy == a[1])].set_index("seed")[col]
    y = df[(df.detector == b[0]) & (df.strategy == b[1])].set_index("seed")[col]
    d = (x - y).dropna()
    m = float(d.mean())
    if len(d) < 2:
        return m, float("nan"), float("nan"), len(d)
    h = float(stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)))
    return m, m - h, m + h, len(d)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--max-train-positives", type=int, default=150)
    ap.add_argument("--negatives-per-positive", type=float, default=10)
    ap.add_argument("--strategies", nargs="+", default=["none", "class_weight", "oversample", "classic", "cvae",
                                                         "wgan_gp"])
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tsv", default=None, help="write every run here")
    ap.add_argument("--conv1d", default="{}", help="JSON detector settings laid over the common ones for conv1d")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    settings = {"epochs": a.epochs, "patience": 4}
    rows = []
    with tempfile.TemporaryDirectory(prefix="genaug-bench-seq-") as tmp:
        tmp = Path(tmp)
        t0 = time.time()
        encode_sequences(DEMO / "ref.fa.gz", DEMO / "peaks.narrowPeak", tmp / "enc.npz", tmp / "s.tsv",
                         SequenceSettings(negatives_per_positive=a.negatives_per_positive), seed=1)
        enc, w = load_encoded(tmp / "enc.npz"), load_weights(tmp / "enc.npz")
        print(f"encoded {len(enc.y)} windows ({int(enc.y.sum())} bound) in {time.time() - t0:.1f} s", flush=True)
        for seed in a.seeds:
            sp = make_split(enc.y, enc.groups, seed=seed, max_train_positives=a.max_train_positives)
            Xtr, ytr = enc.X[sp.train], enc.y[sp.train]
            pos = Xtr[ytr == 1]
            n_syn = n_to_balance(len(pos), int((ytr == 0).sum()), 0.5)
            runs = []
            for s in a.strategies:
                syn = None
                if s in generators.GENERATORS:
                    t = time.time()
                    r = generators.train(s, pos, layout="sequence", seed=seed, out_dir=tmp / f"{s}{seed}",
                                         threads=a.threads)
                    syn = generators.sample(r.model, n_syn, seed=seed + 1, threads=a.threads)
                    print(f"seed {seed}: {s} trained and sampled {n_syn} in {time.time() - t:.0f} s", flush=True)
                runs += [(det, s, syn) for det in ("logistic", "conv1d")
                         if not (det == "logistic" and s == "oversample")]
            for det, s, syn in runs:
                t = time.time()
                own = {**settings, **(json.loads(a.conv1d) if det == "conv1d" else {})}
                res = train_detector(det, s, Xtr, ytr, enc.X[sp.val], enc.y[sp.val], CLASSES, 1,
                                     "sequence", X_synthetic=syn, settings=own, seed=seed, threads=a.threads)
                d = res.detector
                row = {"seed": seed, "detector": det, "strategy": s, "seconds": round(time.time() - t, 1),
                       "best_epoch": res.best_epoch, "n_train_positives": int((ytr == 1).sum()),
                       "n_synthetic": 0 if syn is None else len(syn)}
                for split, idx in (("val", sp.val), ("test", sp.test)):
                    m = prevalence_metrics(enc.y[idx], d.score(enc.X[idx]), d.threshold, w[idx])
                    row.update({f"{split}_{k}": v for k, v in m.items()})
                rows.append(row)
                print(f"seed {seed} {det:8s} {s:12s} val AUROC {row['val_auroc']:.3f}  test AUROC "
                      f"{row['test_auroc']:.3f} AUPRC {row['test_auprc']:.3f} (prevalence "
                      f"{row['test_prevalence']:.4f}) F1 {row['test_f1']:.3f}  {row['seconds']:.0f} s", flush=True)
    df = pd.DataFrame(rows)
    if a.tsv:
        df.to_csv(a.tsv, sep="\t", index=False)
    print("\nmean (sd) over seeds", a.seeds, "- test at the full prevalence")
    g = df.groupby(["detector", "strategy"], sort=False)
    for (det, s), x in g:
        print(f"{det:8s} {s:12s} val AUROC {x.val_auroc.mean():.3f}  test AUROC {x.test_auroc.mean():.3f} "
              f"({x.test_auroc.std():.3f})  AUPRC {x.test_auprc.mean():.3f} ({x.test_auprc.std():.3f})  "
              f"P@R0.5 {x['test_precision_at_recall_0.5'].mean():.3f}  F1 {x.test_f1.mean():.3f}  "
              f"prevalence {x.test_prevalence.mean():.4f}")
    base = ("logistic", "none")
    val = g["val_auroc"].mean().drop(base)
    best = val.idxmax()
    print(f"\nbest on validation AUROC (the k-mer baseline logistic/none left out): {best[0]}/{best[1]} "
          f"({val[best]:.3f})")
    m, lo, hi, n = paired(df, best, base, "auroc")
    print(f"test AUROC {best[0]}/{best[1]} - k-mer logistic: {m:+.3f} [{lo:+.3f}, {hi:+.3f}] (95 % t, {n} seeds)")
    cbest = val.loc["conv1d"].idxmax()
    m, lo, hi, n = paired(df, ("conv1d", cbest), base, "auroc")
    print(f"test AUROC conv1d/{cbest} (best conv1d on validation) - k-mer logistic: {m:+.3f} [{lo:+.3f}, {hi:+.3f}]")
    print("\nconv1d, each strategy - none (test; 95 % t interval over seeds):")
    for s in a.strategies[1:]:
        for metric in ("auroc", "auprc"):
            m, lo, hi, n = paired(df, ("conv1d", s), ("conv1d", "none"), metric)
            print(f"  {s:12s} {metric}: {m:+.3f} [{lo:+.3f}, {hi:+.3f}]")


if __name__ == "__main__":
    main()
