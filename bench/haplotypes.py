"""Haplotype generators on the demo: training time, fidelity and privacy, each beside its
real-vs-real reference.

    python3 bench/haplotypes.py                       # mlpgan and rbm, 2 threads
    python3 bench/haplotypes.py --generators rbm wgan_gp cvae --threads 1
    python3 bench/haplotypes.py --set rbm.steps=500 --json /tmp/fidelity.json
    python3 bench/haplotypes.py --generators classic --heldout val --seed 2   # for choosing settings
    python3 bench/haplotypes.py --generators gru --heldout val --seed 2 \
        --sample-variant sample_windowed=true --sample-variant temperature=0.9   # the same model drawn other ways
    python3 bench/haplotypes.py --generators --heldout val --seed 2 --real-controls   # fresh real people as the sampler

What it does, as the workflow does: encode resources/demo/haplotypes (encode
defaults), split people 0.7 / 0.15 / 0.15 (seed 1, both haplotypes of a
person in one split), train each generator on every train haplotype
conditioned on population, draw an audit set as large as the train set at
the training population frequencies, and score it with
``genaug.fidelity.haplotypes.evaluate`` against train and held-out
(val + test) haplotypes. Early targets: AF r >= 0.98, LD r2 r >= 0.9,
AATS 0.5 +- 0.1, privacy loss <= 0.05.
"""

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from genaug import generators  # noqa: E402
from genaug.encode.haplotypes import encode_haplotypes  # noqa: E402
from genaug.fidelity.haplotypes import evaluate  # noqa: E402
from genaug.fidelity.segments import contig_starts  # noqa: E402
from genaug.split import make_split  # noqa: E402

DEMO = REPO / "resources" / "demo" / "haplotypes"
ROWS = [("af_correlation", "AF r"), ("ld_r2_correlation", "LD r2 r"), ("ld_decay_distance", "LD decay dist"),
        ("pairwise_distance_wasserstein", "distance W1"), ("pca_wasserstein", "PCA W1"),
        ("two_sample_auc_linear", "AUC linear"), ("two_sample_auc_nonlinear", "AUC MLP"),
        ("aats_train", "AATS train"), ("aats_heldout", "AATS held-out"), ("privacy_loss", "privacy loss"),
        ("identical_share", "identical share")]


def parse_value(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_overrides(items):
    """``["gru.clusters=8", ...]`` -> ``{"gru": {"clusters": 8}}`` (values read as JSON where they parse)."""
    overrides = {}
    for item in items:
        key, _, value = item.partition("=")
        gen, _, name = key.partition(".")
        overrides.setdefault(gen, {})[name] = parse_value(value)
    return overrides


def real_controls(h, split, T, H, heldout_groups, heldout_labels, args):
    """Audits of the test people in the synthetic seat, as they are and with every haplotype that
    equals a training haplotype moved by random single-SNP flips until it equals none."""
    R = h.X[np.sort(split.test)]
    seen = {row.tobytes() for row in T}
    twins = np.array([row.tobytes() in seen for row in R])
    rng = np.random.default_rng(args.seed)
    moved = R.copy()
    for i in np.flatnonzero(twins):
        while moved[i].tobytes() in seen:
            moved[i, rng.integers(moved.shape[1])] ^= 1
    print(f"test people: {len(R)} haplotypes, {twins.mean():.3f} of them equal to a training haplotype")
    return {name: evaluate(T, H, S, h.variants, seed=args.seed, threads=args.threads,
                           heldout_groups=heldout_groups, heldout_labels=heldout_labels)
            for name, S in (("test people", R), ("test people, none a copy", moved))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generators", nargs="*", default=["mlpgan", "rbm"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2, help="split seed (tune on seeds other than the demo's)")
    ap.add_argument("--heldout", choices=["val+test", "val"], default="val+test",
                    help="which held-out people the audit compares with (choose settings on val)")
    ap.add_argument("--set", action="append", default=[], metavar="GEN.KEY=VALUE",
                    help="override a generator setting, e.g. rbm.steps=500 (JSON values)")
    ap.add_argument("--sample-variant", action="append", default=[], metavar="KEY=VALUE[,KEY=VALUE]",
                    help="also audit the trained model drawn with these sampling settings (e.g. gru's "
                         "sample_windowed=true or temperature=0.9); no retraining")
    ap.add_argument("--real-controls", action="store_true",
                    help="with --heldout val: also audit the test people in the synthetic seat (a sampler as "
                         "good as fresh real people), and the same with each test haplotype that equals a "
                         "training one moved by single-SNP flips until it does not (such a sampler that never "
                         "copies); --generators may then be empty")
    ap.add_argument("--out", type=Path, default=None, help="keep models here (default: a temporary directory)")
    ap.add_argument("--json", type=Path, default=None, help="write every result here")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    torch.set_num_threads(args.threads)

    overrides = parse_overrides(args.set)

    t0 = time.time()
    h = encode_haplotypes(DEMO / "demo.vcf.gz", DEMO / "populations.tsv")
    t_encode = time.time() - t0
    y, groups = h.samples["label"].to_numpy(), h.samples["group"].to_numpy()
    split = make_split(y, groups, fractions=(0.7, 0.15, 0.15), seed=args.seed, classes=h.classes)
    heldout_idx = np.sort(split.val if args.heldout == "val" else np.concatenate([split.val, split.test]))
    train_idx = split.train
    T, H = h.X[train_idx], h.X[heldout_idx]
    cond = h.samples["population"].to_numpy()[train_idx]
    contigs = contig_starts(h.variants["chrom"]).tolist()
    print(f"demo: {h.X.shape[0]} haplotypes x {h.X.shape[1]} SNPs (encoded in {t_encode:.2f} s); "
          f"train {len(T)}, held-out ({args.heldout}) {len(H)} haplotypes; train populations "
          + ", ".join(f"{p} {int((cond == p).sum())}" for p in h.classes))

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        out_root = args.out or Path(tmp)
        for gen in args.generators:
            t = time.time()
            r = generators.train(gen, T, cond=cond, layout="binary", settings=overrides.get(gen), seed=args.seed,
                                 out_dir=out_root / gen, threads=args.threads, contigs=contigs,
                                 positions=h.variants["pos"].to_numpy())
            t_train = time.time() - t
            t = time.time()
            S = generators.sample(r.model, len(T), seed=args.seed + 1, threads=args.threads)
            t_sample = time.time() - t
            t = time.time()
            fid = evaluate(T, H, S, h.variants, seed=args.seed, threads=args.threads,
                           heldout_groups=groups[heldout_idx], heldout_labels=y[heldout_idx])
            t_eval = time.time() - t
            fid["timing"] = {"train_s": t_train, "sample_s": t_sample, "evaluate_s": t_eval, "steps": r.steps}
            fid["settings"] = r.settings
            results[gen] = fid
            print(f"{gen}: trained {r.steps} steps in {t_train:.0f} s, sampled {len(S)} in {t_sample:.1f} s, "
                  f"audited in {t_eval:.1f} s", flush=True)
            for variant in args.sample_variant:
                m = torch.load(r.model, map_location="cpu", weights_only=True)
                for item in variant.split(","):
                    key, _, value = item.partition("=")
                    m["settings"][key] = parse_value(value)
                path = Path(r.model).with_name(f"model.{variant}.pt")  # beside the pool of copying models
                torch.save(m, path)
                S = generators.sample(path, len(T), seed=args.seed + 1, threads=args.threads)
                fid = evaluate(T, H, S, h.variants, seed=args.seed, threads=args.threads,
                               heldout_groups=groups[heldout_idx], heldout_labels=y[heldout_idx])
                fid["timing"] = results[gen]["timing"]
                results[f"{gen}[{variant}]"] = fid
                print(f"{gen} drawn with {variant}: audited", flush=True)

    if args.real_controls:
        if args.heldout != "val":
            ap.error("--real-controls needs --heldout val (the controls are the test people)")
        results.update(real_controls(h, split, T, H, groups[heldout_idx], y[heldout_idx], args))
    names = list(results)
    print()
    print("| metric | " + " | ".join(names) + " | real-vs-real reference | better |")
    print("|---|" + "---:|" * len(names) + "---:|---|")
    first = results[names[0]]["metrics"]
    for key, label in ROWS:
        cells = []
        for g in names:
            m = results[g]["metrics"][key]
            cell = "n/a" if m["synthetic"] is None else f"{m['synthetic']:.3f}"
            if key == "privacy_loss":
                cell += f" ± {m['sd']:.3f}"
            cells.append(cell)
        ref = first[key]["reference"]
        ref_text = "n/a" if ref is None else f"{ref:.3f}"
        if key == "privacy_loss":
            ref_text += f" ± {first[key]['reference_sd']:.3f}"
        print(f"| {label} | " + " | ".join(cells) + f" | {ref_text} | {first[key]['better']} |")
    for key, label, better in (("source_linked_share", "linked share", "lower"),
                               ("near_copy_share", "near-copy share", "lower"),
                               ("closer_to_train_share", "closer to train", "lower"),
                               ("dcr_train", "median DCR train (SNPs)", "near"),
                               ("dcr_heldout", "median DCR held-out (SNPs)", "near")):
        cells = [f"{results[g]['leak']['synthetic'][key]['synthetic']:.3f}" for g in names]
        ref = results[names[0]]["leak"]["synthetic"][key]["reference"]
        print(f"| {label} | " + " | ".join(cells) + f" | {ref:.3f} | {better} |")
    print("| leak flagged (p) | " + " | ".join(
        f"{results[g]['leak']['synthetic']['leak_flag']} ({results[g]['leak']['synthetic']['leak_p']:.2g})"
        for g in names) + " | | |")
    train_s = [f"{results[g]['timing']['train_s']:.0f}" if "timing" in results[g] else "" for g in names]
    print("| training time (s) | " + " | ".join(train_s)
          + " | | |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
