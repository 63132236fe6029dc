"""Sum Snakemake's per-job benchmark files by rule and dataset (and detector for train_detector).

    python3 bench/job_cpu.py results/benchmarks [--datasets demo_expression demo_sequences]

Each ``results/benchmarks/{rule}/{dataset}.....tsv`` holds one job's ``s``
(wall seconds) and ``cpu_time`` (CPU seconds of the job's processes, sampled by
Snakemake). On a machine shared with other work the wall seconds grow with the
load and the CPU seconds much less, so compare CPU seconds between runs.
"""

import argparse
from pathlib import Path

import pandas as pd


def job_table(root, datasets=None):
    rows = []
    for f in sorted(Path(root).glob("*/*.tsv")):
        rule, name = f.parent.name, f.name[:-4]
        parts = name.split(".")
        if datasets and parts[0] not in datasets:
            continue
        t = pd.read_csv(f, sep="\t")
        rows.append({"rule": rule, "dataset": parts[0],
                     "detector": parts[1] if rule == "train_detector" and len(parts) > 1 else "",
                     "s": float(t["s"].iloc[-1]), "cpu_time": float(t["cpu_time"].iloc[-1])})
    return pd.DataFrame(rows, columns=["rule", "dataset", "detector", "s", "cpu_time"])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", help="results/benchmarks")
    ap.add_argument("--datasets", nargs="*", default=None)
    a = ap.parse_args(argv)
    t = job_table(a.root, a.datasets)
    by = t.groupby(["dataset", "rule", "detector"]).agg(jobs=("s", "size"), s=("s", "sum"),
                                                       cpu_time=("cpu_time", "sum"))
    print(by.round(1).to_string())
    tot = t.groupby("dataset").agg(jobs=("s", "size"), s=("s", "sum"), cpu_time=("cpu_time", "sum"))
    print("\n" + tot.round(1).to_string())
    print(f"\nall: {len(t)} jobs, {t['s'].sum():.0f} s wall, {t['cpu_time'].sum():.0f} CPU-s")


if __name__ == "__main__":
    main()
