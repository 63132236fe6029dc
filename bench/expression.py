"""Expression benchmarks on the ALL demo: generator fidelity, TSTR, and gcn against mlp.

Usage:
    python3 bench/expression.py fidelity [--splits 1 2 3] [--threads 1] [--generators gaussian cvae]
        [--settings '{"cvae": [{"steps": 2000}, {"steps": 2000, "marginals": "empirical"}]}']
    python3 bench/expression.py detectors [--splits 1 2 3] [--replicates 5] [--cap 3] [--gcn '{"lr": 3e-3}']
        [--neighbours 5] [--detectors gcn mlp]

Every split seed gives a fresh train / validation / test split of the 121
patients (grouped, stratified, 70/15/15, as the workflow's split_dataset), the
train-only standardisation and the 1,000 genes most variable in train (the
demo's settings).

``fidelity``: each generator setting in ``CANDIDATES`` is trained on the train
split (every class, conditioned on the class) and audited
(``genaug.fidelity.expression``) against the validation split and against the
test split. A setting is chosen per generator by the validation audit alone
(the lowest mean random-forest two-sample AUC over the splits); the test audit
of that setting is what is reported. Prints one JSON line per (setting, split,
side) and a table of the chosen settings' test numbers (mean and sd over
splits).

``detectors``: the detectors mlp, gcn (co-expression graph of the train split),
gcn_random (the same graph, degree-preserving shuffle) and logistic, strategy
none, trained on the train split with the rare class (ALL1/AF4) capped at
``--cap`` patients (the few-samples regime; 0: no cap), for every split and
replicate seed; thresholds and early stopping on validation, numbers on test:
macro-F1 of the arg-max class over the three classes and the rare class's
AUPRC (the same on validation, printed per run, for choosing ``--gcn``: settings
laid over the common ones for gcn and gcn_random). Paired differences (same
split, same seed) with a 95 % t-interval.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
DEMO = REPO / "resources" / "demo" / "expression"
MAX_GENES = 1000
POPULATION_DRAWS = 10  # gamma and the marginals on 10 x len(T) drawn profiles, as fidelity.population_draws
# generator settings tried (chosen on validation); the first of each is the workflow's default
CANDIDATES = {
    "gaussian": [{}, {"covariance": "pooled"}, {"marginals": "empirical"},
                 {"covariance": "pooled", "marginals": "empirical"}],
    "classic": [{}],
    "cvae": [{"steps": 800}, {"steps": 2000}, {"steps": 2000, "beta": 0.5},
             {"steps": 2000, "marginals": "empirical"}],
    "wgan_gp": [{"steps": 300}, {"steps": 1000}, {"steps": 1000, "marginals": "empirical"}],
}


def load(split_seed, cap=None):
    from genaug.encode.expression import encode_expression, standardise
    from genaug.split import make_split
    expr = encode_expression(DEMO / "all_expression.tsv.gz", DEMO / "samples.tsv", "genes_by_samples", "log")
    split = make_split(expr.y, expr.groups, seed=split_seed, max_train_positives=cap or None,
                       classes=expr.classes)
    std = standardise(expr.X, expr.genes, split.train, max_genes=MAX_GENES)
    return expr, split, std


def fidelity(args):
    from genaug import generators
    from genaug.fidelity import expression as fx
    candidates = json.loads(args.settings) if args.settings else CANDIDATES
    rows = []
    for split_seed in args.splits:
        expr, split, std = load(split_seed)
        names = np.asarray(expr.classes)
        T, yT = std.X[split.train], names[expr.y[split.train]]
        for g, cands in candidates.items():
            if g not in args.generators:
                continue
            for ci, settings in enumerate(cands):
                t0 = time.time()
                r = generators.train(g, T, cond=yT, layout="vector", settings=settings,
                                     seed=split_seed, out_dir=f"/tmp/genaug_bench_expr/{g}{ci}_{split_seed}",
                                     threads=args.threads)
                S, yS = generators.sample(r.model, len(T), seed=split_seed + 1, return_cond=True)
                P = generators.sample(r.model, POPULATION_DRAWS * len(T), seed=split_seed + 3)
                fit_s = time.time() - t0
                for side in ("val", "test"):
                    H = std.X[split[side]]
                    m = fx.evaluate(T, H, S, yT, names[expr.y[split[side]]], yS, seed=split_seed,
                                    threads=args.threads, scale=(std.mean, std.sd), population=P)["metrics"]
                    row = {"generator": g, "setting": ci, "settings": settings, "split": split_seed, "side": side,
                           "fit_seconds": round(fit_s, 1),
                           **{k: [m[k]["synthetic"], m[k]["reference"]] for k in m},
                           "gamma_at_train_size": [m["gamma"]["at_train_size"], m["gamma"]["reference"]]}
                    print(json.dumps(row), flush=True)
                    rows.append(row)
    print("\nchosen on validation (lowest mean RF two-sample AUC), reported on test: mean (sd) over splits "
          f"{args.splits}; reference = real train in the synthetic seat")
    keys = ["gamma", "gamma_at_train_size", "two_sample_auc_forest", "two_sample_auc_linear",
            "two_sample_auc_nonlinear", "tstr_macro_f1", "mean_correlation", "sd_correlation", "aats_train",
            "aats_heldout", "privacy_loss"]
    for g, cands in candidates.items():
        if g not in args.generators:
            continue
        val = [np.mean([r["two_sample_auc_forest"][0] for r in rows
                        if r["generator"] == g and r["setting"] == ci and r["side"] == "val"])
               for ci in range(len(cands))]
        ci = int(np.argmin(val))
        test = [r for r in rows if r["generator"] == g and r["setting"] == ci and r["side"] == "test"]
        print(f"{g} {cands[ci]} (val RF AUC per setting: {', '.join(f'{v:.3f}' for v in val)})")
        for k in keys:
            syn = np.array([r[k][0] for r in test], float)
            ref = np.array([r[k][1] for r in test], float)
            print(f"  {k:26s} synthetic {np.nanmean(syn):.3f} ({np.nanstd(syn):.3f})   "
                  f"reference {np.nanmean(ref):.3f} ({np.nanstd(ref):.3f})")


def detectors(args):
    from scipy import stats
    from sklearn.metrics import f1_score

    from genaug.detect import train_detector
    from genaug.encode.expression import coexpression_graph, edge_index
    from genaug.metrics import average_precision
    dets = tuple(args.detectors)
    res = {d: [] for d in dets}
    for split_seed in args.splits:
        expr, split, std = load(split_seed, args.cap)
        y = expr.y
        positive = int(np.argmin(np.bincount(y[split.train])))
        Xtr = std.X[split.train]
        graph = edge_index(coexpression_graph(Xtr, std.genes, args.neighbours), std.genes)
        for rep in range(1, args.replicates + 1):
            seed = split_seed * 1000 + rep
            for d in dets:
                t0 = time.time()
                settings = {"epochs": 12, "patience": 4, **(json.loads(args.gcn) if d.startswith("gcn") else {})}
                r = train_detector(d, "none", Xtr, y[split.train], std.X[split.val], y[split.val],
                                   list(expr.classes), positive, "vector", settings=settings,
                                   seed=seed, threads=args.threads, graph=graph if d.startswith("gcn") else None)
                pv = r.detector.predict_proba(std.X[split.val])
                p = r.detector.predict_proba(std.X[split.test])
                yt = y[split.test]
                out = {"macro_f1": float(f1_score(yt, p.argmax(1), average="macro")),
                       "rare_auprc": float(average_precision((yt == positive).astype(int), p[:, positive])),
                       "val_macro_f1": float(f1_score(y[split.val], pv.argmax(1), average="macro"))}
                res[d].append(out)
                print(json.dumps({"detector": d, "split": split_seed, "replicate": rep, "cap": args.cap,
                                  "seconds": round(time.time() - t0, 1), **out}), flush=True)
    print(f"\ntest, strategy none, gcn settings {args.gcn}, rare class capped at {args.cap or 'no cap'} in train; "
          "validation macro-F1: " + ", ".join(f"{d} {np.mean([r['val_macro_f1'] for r in res[d]]):.3f}" for d in dets))
    print("mean (sd) over "
          f"{len(res[dets[0]])} runs ({len(args.splits)} splits x {args.replicates} seeds)")
    for metric in ("macro_f1", "rare_auprc"):
        for d in dets:
            v = np.array([r[metric] for r in res[d]])
            print(f"  {metric:10s} {d:10s} {v.mean():.3f} ({v.std(ddof=1):.3f})")
        for a, b in (("gcn", "mlp"), ("gcn", "gcn_random"), ("gcn", "logistic")):
            if a not in res or b not in res:
                continue
            diff = np.array([x[metric] - z[metric] for x, z in zip(res[a], res[b])])
            half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
            m = diff.mean()
            print(f"  {metric:10s} {a} - {b}: {m:+.3f} [{m - half:+.3f}, {m + half:+.3f}]")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["fidelity", "detectors"])
    ap.add_argument("--splits", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--replicates", type=int, default=5)
    ap.add_argument("--cap", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--generators", nargs="+", default=list(CANDIDATES), help="fidelity: which of CANDIDATES")
    ap.add_argument("--settings", default=None,
                    help='fidelity: JSON {generator: [settings, ...]} to try instead of CANDIDATES')
    ap.add_argument("--gcn", default="{}", help="JSON detector settings for gcn and gcn_random")
    ap.add_argument("--neighbours", type=int, default=5, help="detectors: co-expression graph, edges per gene")
    ap.add_argument("--detectors", nargs="+", default=["mlp", "gcn", "gcn_random", "logistic"])
    a = ap.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    {"fidelity": fidelity, "detectors": detectors}[a.what](a)
