"""Results by SV type and size band against counts made by hand on a small predictions table."""

import math

import numpy as np
import pandas as pd

from genaug.detect import strata

# 12 items; rows 0-9 are the test split.
#   idx label     svtype svlen  end-start source  called
SAMPLES = pd.DataFrame([
    (0, "variant", "DEL", -100, 100, "truth", 1),      # 50-300
    (1, "variant", "DEL", -2000, 2000, "truth", 0),    # 1k-10k
    (2, "variant", "DUP", 500, 500, "truth", 1),       # 300-1k
    (3, "variant", "INS", 80, 0, "truth", 0),          # 50-300 (inserted length)
    (4, "variant", "INV", 20000, 20000, "truth", 1),   # >10k
    (5, "non_variant", "NONE", 0, 150, "sampled", 0),  # 50-300 by span
    (6, "non_variant", "NONE", 0, 3000, "sampled", 0),  # 1k-10k by span
    (7, "non_variant", "DEL", -120, 120, "caller", 1),  # 50-300
    (8, "non_variant", "DUP", 700, 700, "caller", 1),  # 300-1k
    (9, "non_variant", "NONE", 0, 40, "sampled", 0),   # <50
    (10, "variant", "DEL", -100, 100, "truth", 1),     # train
    (11, "non_variant", "NONE", 0, 100, "sampled", 0),  # train
], columns=["i", "label", "svtype", "svlen", "span", "source", "called"])
SAMPLES["contig"] = "chr1"
SAMPLES["start"] = 1000 * (SAMPLES.i + 1)
SAMPLES["end"] = SAMPLES.start + SAMPLES.span
SAMPLES["id"] = [f"item{i}" for i in SAMPLES.i]


def preds(predicted, score=None):
    idx = np.arange(10)
    return pd.DataFrame({"index": idx, "label": (SAMPLES.label[:10] == "variant").astype(int),
                         "score": score if score is not None else np.asarray(predicted, float),
                         "predicted": predicted})


def row(table, strategy, by, stratum, detector="cnn"):
    if strategy == "caller":
        detector, strategy = strata.CALLER
    r = table[(table.detector == detector) & (table.strategy == strategy) & (table.by == by)
              & (table.stratum == stratum)]
    assert len(r) == 1, (strategy, by, stratum)
    return r.iloc[0]


def test_size_bands_edges():
    assert strata.size_band([0, 49, 50, 299, 300, 999, 1000, 9999, 10000, -20000]).tolist() == [
        "<50", "<50", "50-300", "50-300", "300-1k", "300-1k", "1k-10k", "1k-10k", ">10k", ">10k"]


def test_per_type_and_size_metrics_equal_hand_counts():
    #           0  1  2  3  4  5  6  7  8  9
    seed1 = [1, 0, 1, 0, 1, 1, 0, 1, 0, 0]
    seed2 = [1, 1, 1, 0, 0, 0, 0, 0, 1, 0]
    table = strata.strata_table(SAMPLES, [(("cnn", "none"), preds(seed1)), (("cnn", "none"), preds(seed2))])
    # seed 1: TP 0,2,4  FN 1,3  FP 5,7 -> P 3/5, R 3/5; seed 2: TP 0,1,2  FN 3,4  FP 8 -> P 3/4, R 3/5
    r = row(table, "none", "all", "all")
    assert (r.n_pos, r.n_neg, r.replicates) == (5, 5, 2)
    assert math.isclose(r.precision, (3 / 5 + 3 / 4) / 2) and math.isclose(r.recall, 3 / 5)
    assert math.isclose(r.tp, 3) and math.isclose(r.fp, 1.5) and math.isclose(r.fn, 2)
    # DEL: positives 0, 1; caller negative 7. seed1: TP 0, FN 1, FP 7 -> P 1/2 R 1/2; seed2: TP 0,1 -> P 1 R 1
    r = row(table, "none", "svtype", "DEL")
    assert (r.n_pos, r.n_neg) == (2, 1)
    assert math.isclose(r.precision, 0.75) and math.isclose(r.recall, 0.75)
    assert math.isclose(r.f1, (0.5 + 1.0) / 2)
    assert math.isclose(r.recall_sd, np.std([0.5, 1.0], ddof=1))
    # INS: positive 3 missed by both -> recall 0, precision undefined (nothing called)
    r = row(table, "none", "svtype", "INS")
    assert r.recall == 0 and math.isnan(r.precision) and math.isnan(r.f1)
    # 50-300: positives 0, 3; negatives 5 (span 150), 7. seed1: TP 0, FN 3, FP 5, 7 -> P 1/3 R 1/2
    # seed2: TP 0, FN 3, no FP -> P 1 R 1/2
    r = row(table, "none", "size", "50-300")
    assert (r.n_pos, r.n_neg) == (2, 2)
    assert math.isclose(r.precision, (1 / 3 + 1) / 2) and math.isclose(r.recall, 0.5)
    # >10k: positive 4 found by seed 1 only
    assert math.isclose(row(table, "none", "size", ">10k").recall, 0.5)
    # no positive under 50 bp: no row (item 9 still counts in `all`)
    assert not ((table.by == "size") & (table.stratum == "<50")).any()


def test_caller_row_uses_its_calls_on_the_same_test_items():
    table = strata.strata_table(SAMPLES, [(("cnn", "none"), preds([0] * 10))])
    # caller on test: called 0, 2, 4 (TP), 7, 8 (FP); missed 1, 3
    r = row(table, "caller", "all", "all")
    assert (r.tp, r.fp, r.fn) == (3, 2, 2) and math.isclose(r.precision, 0.6) and math.isclose(r.recall, 0.6)
    r = row(table, "caller", "svtype", "DUP")
    assert (r.tp, r.fp, r.fn) == (1, 1, 0)
    assert r.replicates == 1


def test_items_table_and_bed():
    split = np.array(["test"] * 10 + ["train"] * 2)
    score = np.linspace(0, 0.9, 10)
    items = strata.items_table(SAMPLES, split, [(("cnn", "none"), preds([0] * 10, score)),
                                                (("cnn", "none"), preds([0] * 10, score + 0.1))])
    assert len(items) == 12 and items.split.tolist() == split.tolist()
    assert np.allclose(items.score_cnn_none[:10], score + 0.05) and items.score_cnn_none[10:].isna().all()
    bed = strata.items_bed(items).splitlines()
    assert bed[0].startswith("track ") and "useScore=1" in bed[0]
    assert len(bed) == 13
    assert bed[1].split("\t") == ["chr1", "999", "1100", "variant|DEL|test", "50", "."]
    assert bed[4].split("\t")[1:3] == ["3999", "4000"]  # insertion: one base
    assert bed[-1].split("\t")[4] == "0"  # train item: no test score
