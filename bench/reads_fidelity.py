"""The `reads` generator's fidelity over several draws and fits, on validation or test variants.

Usage: python3 bench/reads_fidelity.py --dataset demo_sv --on val [--seeds 1 2 3] [--draws 3]
       [--set jitter=8 --set mix=...] [--explain]

Reads results/{dataset}/encoded.npz, split.npz and samples.tsv (the workflow's files), fits `reads`
to the train split's variants conditioned on SV type (as train_generator does), draws 504 items per
fit seed and audit seed, and runs the sv fidelity audit (genaug.fidelity.pileups.evaluate) with the
held-out side restricted to the variants of ``--on`` (val: where settings are chosen; test: where
they are reported; valtest: the workflow's own held-out set). Prints each run and the mean and sd of
the two-sample AUCs, AATS held-out and privacy loss, with the real-vs-real reference.

``--explain``: a random forest on interpretable per-window statistics (depth, depth at the
breakpoint against the flanks, clipped / split / reverse shares, pair-code shares, mismatch rate,
mapping quality, read starts at the breakpoint) separating synthetic items from train + val
variants; prints its out-of-fold AUC and the statistics it leans on most.
"""

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

KEYS = ("two_sample_auc_nonlinear", "two_sample_auc_linear", "aats_heldout", "aats_train", "privacy_loss",
        "pair_mix_distance", "clip_length_wasserstein", "depth_profile_distance")


def item_statistics(X, channels):
    """(N, F) interpretable statistics per item (both windows) and their names."""
    from genaug.encode import channels as ch
    from genaug.generators.reads import decode_reads
    from genaug.layouts.pileup import Pileup

    P = Pileup([str(c) for c in channels], 2)
    X = np.asarray(X)
    N, w = len(X), X.shape[-1] // 2
    r = decode_reads(X, P)
    names, cols = [], []
    cells = X[:, P.base] > 0  # (N, H, W)
    cov = cells.sum(1).astype(np.float64)  # (N, W)
    for k in range(2):
        sel = r["window"] == k
        it = r["item"][sel]
        n = np.maximum(np.bincount(it, minlength=N), 1).astype(np.float64)

        def share(mask, name):
            names.append(f"w{k}:{name}")
            cols.append(np.bincount(it, weights=mask[sel].astype(np.float64), minlength=N) / n)

        names.append(f"w{k}:depth")
        cols.append(np.bincount(it, minlength=N).astype(np.float64))
        c = cov[:, k * w:(k + 1) * w]
        names += [f"w{k}:centre/flank", f"w{k}:left/right"]
        cols += [c[:, w // 2 - 4:w // 2 + 4].mean(1) / np.maximum(c[:, :w // 4].mean(1) + c[:, -w // 4:].mean(1), 1),
                 c[:, :w // 2].mean(1) / np.maximum(c[:, w // 2:].mean(1), 1)]
        share((r["lead"] > 0) | (r["trail"] > 0), "clipped")
        share(r["split"] > 0, "split")
        share(r["strand"] == 2, "reverse")
        share(r["mapq"] < 20, "mapq<20")
        for code, name in enumerate(ch.PAIR_CODES):
            share(r["pair"] == code, f"pair={name}")
        share(np.abs(r["start"] - w // 2) <= 2, "start@bp")
        share(np.abs(r["last"] - r["trail"] + 1 - w // 2) <= 2, "end@bp")
    base = ch.decode_categorical(ch.BASE_CODES, X[:, P.base])
    mm = ((base >= 2) & (base <= 6)).sum((1, 2)) / np.maximum((base > 0).sum((1, 2)), 1)
    names.append("mismatch share")
    cols.append(mm)
    return np.stack(cols, 1), names


def explain(S, R, channels, seed=0):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import cross_val_predict

    Fs, names = item_statistics(S, channels)
    Fr, _ = item_statistics(R, channels)
    rng = np.random.default_rng(seed)
    Fs = Fs[rng.choice(len(Fs), min(len(Fs), len(Fr)), replace=False)]
    F = np.concatenate([Fr, Fs])
    y = np.r_[np.zeros(len(Fr)), np.ones(len(Fs))]
    rf = RandomForestClassifier(500, min_samples_leaf=3, random_state=seed, n_jobs=1)
    p = cross_val_predict(rf, F, y, cv=5, method="predict_proba")[:, 1]
    rf.fit(F, y)
    order = np.argsort(-rf.feature_importances_)[:12]
    print(f"random forest on per-window statistics: out-of-fold AUC {roc_auc_score(y, p):.3f} "
          f"({len(Fr)} real, {len(Fs)} synthetic)")
    for j in order:
        print(f"  {names[j]:22s} importance {rf.feature_importances_[j]:.3f}  real {Fr[:, j].mean():8.3f} "
              f"(sd {Fr[:, j].std():.3f})  synthetic {Fs[:, j].mean():8.3f} (sd {Fs[:, j].std():.3f})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="demo_sv")
    ap.add_argument("--on", choices=("val", "test", "valtest"), default="val")
    ap.add_argument("--seeds", type=int, nargs="+", default=[11], help="fit seeds")
    ap.add_argument("--draws", type=int, default=3, help="audit draws (sample seeds) per fit")
    ap.add_argument("--n", type=int, default=504)
    ap.add_argument("--set", action="append", default=[], help="reads setting key=value")
    ap.add_argument("--explain", action="store_true")
    ap.add_argument("--match", action="store_true",
                    help="draw the audited items at the held-out variants' SV-type mix (default: the training mix, "
                         "as sample_synthetic draws), and add a reference of train variants at that mix (drawn with "
                         "replacement for a type with fewer train than held-out variants)")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()

    from genaug import generators
    from genaug.augment import generator_conditions
    from genaug.fidelity.pileups import evaluate, features
    from genaug.generators.settings import DEFAULTS
    from genaug.metrics.twosample import two_sample_auc
    from genaug.split import load_split
    from genaug.tensors import load_encoded

    d = REPO / "results" / a.dataset
    enc = load_encoded(d / "encoded.npz", mmap=True)
    split = load_split(d / "split.npz")
    rare = int(np.argmin(np.bincount(enc.y[split.train])))
    idx = np.sort(split.train[enc.y[split.train] == rare])
    held = {"val": split.val, "test": split.test, "valtest": np.concatenate([split.val, split.test])}[a.on]
    held = np.sort(held[enc.y[held] == rare])
    val = np.sort(split.val[enc.y[split.val] == rare])
    cond = generator_conditions(d / "samples.tsv", "svtype", idx)
    held_cond = generator_conditions(d / "samples.tsv", "svtype", held)
    settings = {}
    for kv in a.set:
        k, v = kv.split("=", 1)
        settings[k] = type(DEFAULTS["reads"].get(k, 0.0))(float(v)) if v[0].isdigit() else v
    T, H = np.asarray(enc.X[idx]), np.asarray(enc.X[held])
    print(f"{a.dataset}: {len(T)} train variants, {len(H)} {a.on} variants; settings {settings or 'defaults'}")
    runs = []
    for s in a.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            res = generators.train("reads", T, cond=cond, layout=enc.layout, settings=settings, seed=s,
                                   out_dir=tmp, channels=enc.channels, threads=a.threads)
            for k in range(a.draws):
                rng = np.random.default_rng(1000 * s + k)
                want = rng.choice(held_cond, a.n) if a.match else None
                S = generators.sample(res.model, a.n, cond=want, seed=1000 * s + k + 1, threads=a.threads)
                if a.explain and k == 0:
                    explain(S, np.concatenate([T, np.asarray(enc.X[val])]), enc.channels, seed=s)
                m = evaluate(T, H, S, enc.channels, seed=s + k, threads=a.threads,
                             heldout_groups=enc.groups[held])["metrics"]
                if a.match:  # train variants at the held-out SV-type mix against the held-out ones
                    pick = np.concatenate([rng.choice(np.flatnonzero(cond == c), n, replace=n > (cond == c).sum())
                                           for c, n in zip(*np.unique(held_cond, return_counts=True))])
                    ref = two_sample_auc(features(T[pick], enc.channels)[0], features(H, enc.channels)[0],
                                         seed=s + k, threads=a.threads)
                    for kind in ("linear", "nonlinear"):
                        m[f"two_sample_auc_{kind}"]["reference"] = ref[kind]
                runs.append(m)
                print(f"fit {s} draw {k}: " + ", ".join(
                    f"{key} {m[key]['synthetic']:.3f}" for key in KEYS if m[key]["synthetic"] is not None),
                    flush=True)
    print(f"over {len(runs)} runs (mean, sd; real-vs-real reference mean):")
    for key in KEYS:
        v = np.array([m[key]["synthetic"] for m in runs], float)
        ref = np.array([m[key]["reference"] for m in runs], float)
        print(f"  {key:28s} {np.nanmean(v):.3f} ({np.nanstd(v, ddof=1) if len(v) > 1 else 0:.3f})  "
              f"min {np.nanmin(v):.3f} max {np.nanmax(v):.3f}  reference {np.nanmean(ref):.3f}")


if __name__ == "__main__":
    main()
