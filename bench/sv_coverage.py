#!/usr/bin/env python3
"""SV detectors across coverage, measured on the demo's second sample (resources/demo/sv/sample2, 8x).

Trains the `cnn` detector (strategy `none`, detect.replicates seeds, demo settings) on the first demo
sample twice: at its own 20x (dataset `demo_sv`) and downsampled to 8x like sample 2 (`demo_sv_8x`:
`samtools view -s SEED.4` of the same BAM, same loci), each with the same recipe (config/demo.yaml:
encode.sv_downsample, the cnn's depth channel, calibration). Then, on sample 2:

- item level: sample 2 encoded at its 78 truth SVs and sampled negatives (`sample2_items`), every item
  scored by each detector (mean of the replicates' calibrated probabilities, mean threshold): recall,
  precision and F1 overall and per SV type;
- call level: DELLY's calls on sample 2 scored and evaluated (rule evaluate_calls) per detector: F1 of
  DELLY's PASS calls alone and of those genaug keeps, per SV type.

    python3 bench/sv_coverage.py --workdir /tmp/sv_coverage [--plain] [--cores 2] [--replicates 3]

--plain: the recipe without the coverage measures (encode.sv_downsample [] and depth_channel false),
for comparison.

--select F [F ...] (each a comma-separated list of fractions, e.g. 0.4 0.3,0.6): chooses
encode.sv_downsample on the first sample alone. For each list, detectors trained at 20x (demo_sv)
score the validation items of demo_sv_8x (the same loci, the same split, 0.4 of the reads): recall at
their own thresholds and the mean log loss of the calibrated probabilities (the criterion: it sees
more than 11 variants' recall can). Sample 2 is not read.

Everything runs through the workflow in --workdir (results/ there), so a workdir that already
holds a demo run's demo_sv results reuses them when the settings match.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
S2 = "resources/demo/sv/sample2"


def config(workdir, plain, replicates=None):
    demo = yaml.safe_load((REPO / "config/demo.yaml").read_text())
    sv = demo["datasets"]["demo_sv"]
    ds = {"demo_sv": {**sv, "generators": []},
          "demo_sv_8x": {**sv, "bam": str(workdir / "sample_8x.bam"), "generators": []},
          "sample2_items": {"kind": "sv", "bam": f"{S2}/sample.bam", "reference": f"{S2}/ref.fa",
                            "truth": f"{S2}/truth.vcf.gz", "candidates": None, "generators": []}}
    enc = {"sv": demo["encode"]["sv"], "sv_downsample": [] if plain else demo["encode"]["sv_downsample"]}
    det = dict(demo["detect"])
    det["detectors"] = {"sv": ["cnn"]}
    det["replicates"] = replicates or det["replicates"]
    det["strategies"] = ["none"]
    det["settings"] = {**det["settings"], **({"depth_channel": False} if plain else {})}
    samples = {f"s2_from_{n}": {"dataset": n, "detector": "cnn", "strategy": "none", "replicate": "mean",
                                "bam": f"{S2}/sample.bam", "reference": f"{S2}/ref.fa",
                                "candidates": f"{S2}/calls.vcf.gz", "truth": f"{S2}/truth.vcf.gz"}
               for n in ("demo_sv", "demo_sv_8x")}
    return {"datasets": ds, "seed": demo["seed"], "encode": enc, "split": demo["split"], "detect": det,
            "generate": {"generators": []}, "score": {"samples": samples}}


def item_metrics(workdir, dataset, replicates):
    from genaug.detect import load_detectors
    from genaug.items import ItemSet
    from genaug.tensors import load_encoded
    enc = load_encoded(workdir / "results/sample2_items/encoded.npz", mmap=True)
    items = pd.read_csv(workdir / "results/sample2_items/samples.tsv", sep="\t")
    det = load_detectors([workdir / f"results/{dataset}/detect/cnn/none/seed{r}/model.pt"
                          for r in range(1, replicates + 1)])
    p = det.score(ItemSet.from_file(workdir / "results/sample2_items/encoded.npz"), threads=2)
    called, pos = p >= det.threshold, enc.y == 1
    rows = []
    for t in ("all", "DEL", "DUP", "INV", "INS"):
        m = pos if t == "all" else pos & (items.svtype == t).to_numpy()
        tp = int((called & m).sum())
        n_called = int(called.sum()) if t == "all" else None
        rec = tp / m.sum()
        prec = tp / n_called if n_called else float("nan")
        rows.append({"trained_on": dataset, "svtype": t, "positives": int(m.sum()), "called": tp, "recall": rec,
                     "precision": prec, "false_positives": int((called & ~pos).sum()) if t == "all" else None,
                     "negatives": int((~pos).sum()) if t == "all" else None, "threshold": det.threshold})
    return rows


def select(wd, recipes, replicates, cores):
    """Validation-only choice of encode.sv_downsample; prints one line per recipe."""
    from genaug.detect import load_detectors
    from genaug.items import ItemSet
    from genaug.split import load_split
    from genaug.tensors import load_encoded
    for recipe in recipes:
        fr = [float(f) for f in recipe.split(",") if f]
        sub = wd / ("select_" + ("_".join(map(str, fr)) or "none"))
        sub.mkdir(exist_ok=True)
        for link, to in (("resources", REPO / "resources"), ("sample_8x.bam", wd / "sample_8x.bam"),
                         ("sample_8x.bam.bai", wd / "sample_8x.bam.bai")):
            if not (sub / link).exists():
                (sub / link).symlink_to(to)
        cfg = config(sub, False, replicates)
        cfg["encode"]["sv_downsample"] = fr
        cfg["score"] = {"samples": {}}
        del cfg["datasets"]["sample2_items"]
        (sub / "bench.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
        models = [f"results/demo_sv/detect/cnn/none/seed{r}/model.pt"
                  for r in range(1, cfg["detect"]["replicates"] + 1)]
        subprocess.run([sys.executable, "-m", "snakemake", *models, "results/demo_sv_8x/encoded.npz",
                        "results/demo_sv_8x/split.npz", "-s", str(REPO / "workflow/Snakefile"), "--configfile",
                        str(sub / "bench.yaml"), "--cores", str(cores)], cwd=sub, check=True)
        det = load_detectors([sub / m for m in models])
        val = load_split(sub / "results/demo_sv_8x/split.npz").val
        encoded = sub / "results/demo_sv_8x/encoded.npz"
        p = np.clip(det.score(ItemSet.from_file(encoded, rows=val), threads=cores), 1e-6, 1 - 1e-6)
        y = load_encoded(encoded, mmap=True).y[val] == 1
        loss = -np.mean(np.where(y, np.log(p), np.log(1 - p)))
        called = p >= det.threshold
        print(f"sv_downsample {fr}: 8x val recall {np.mean(called[y]):.3f} ({int(called[y].sum())}"
              f"/{int(y.sum())}), false positives {int(called[~y].sum())}/{int((~y).sum())}, "
              f"log loss {loss:.4f}, threshold {det.threshold:.3f}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--plain", action="store_true")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--select", nargs="+", default=None, help="fraction lists to choose sv_downsample from")
    ap.add_argument("--replicates", type=int, default=None, help="replicate seeds (default: the demo's)")
    a = ap.parse_args()
    wd = a.workdir.resolve()
    wd.mkdir(parents=True, exist_ok=True)
    if not (wd / "resources").exists():
        (wd / "resources").symlink_to(REPO / "resources")
    cfg = config(wd, a.plain, a.replicates)
    seed = cfg["seed"]
    bam8 = wd / "sample_8x.bam"
    if not bam8.exists():  # 0.4 of the read pairs, by samtools' own seeded name hash
        subprocess.run(["samtools", "view", "-b", "-s", f"{seed}.4", "-o", str(bam8),
                        str(REPO / "resources/demo/sv/sample.bam")], check=True)
        subprocess.run(["samtools", "index", str(bam8)], check=True)
    if a.select:
        return select(wd, a.select, a.replicates, a.cores)
    (wd / "bench.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    targets = ["results/sample2_items/encoded.npz"] + [f"results/score/s2_from_{n}.eval.tsv"
                                                       for n in ("demo_sv", "demo_sv_8x")]
    subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "workflow/Snakefile"), "--configfile",
                    str(wd / "bench.yaml"), "--cores", str(a.cores), *targets], cwd=wd, check=True)
    reps = cfg["detect"]["replicates"]
    items = pd.DataFrame([r for n in ("demo_sv", "demo_sv_8x") for r in item_metrics(wd, n, reps)])
    calls = pd.concat([pd.read_csv(wd / f"results/score/s2_from_{n}.eval.tsv", sep="\t").assign(trained_on=n)
                       for n in ("demo_sv", "demo_sv_8x")])
    calls = calls[calls.by.isin(["all", "svtype"]) & calls.callset.isin(["caller", "caller_filtered"])]
    wide = calls.pivot_table(index=["trained_on", "stratum"], columns="callset", values="f1").reset_index()
    wide["f1_change"] = wide["caller_filtered"] - wide["caller"]
    pd.set_option("display.width", 200)
    print(f"recipe: {'plain (no downsampling, no depth channel)' if a.plain else 'config/demo.yaml'}")
    print("\nsample 2 items (truth SVs + sampled negatives), mean of", reps, "replicates:")
    print(items.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    r = items[items.svtype == "all"].set_index("trained_on").recall
    print(f"\nrecall trained at 20x {r['demo_sv']:.3f}, at 8x {r['demo_sv_8x']:.3f}: "
          f"difference {r['demo_sv'] - r['demo_sv_8x']:+.3f} (target: within 0.05)")
    print("\nDELLY's calls on sample 2: F1 alone and filtered by genaug")
    print(wide.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    out = {"recipe": "plain" if a.plain else "demo", "items": items.to_dict("records"),
           "calls": wide.to_dict("records")}
    (wd / ("bench_plain.json" if a.plain else "bench.json")).write_text(json.dumps(out, indent=1, default=float))


if __name__ == "__main__":
    main()
