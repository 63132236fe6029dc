"""Stacking with several processes gives exactly the single-process tensors."""

from pathlib import Path

import numpy as np

from genaug import tensors
from genaug.encode.sv import SvSettings, plan_sv, stack_to_writer

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo" / "sv"


def _stack(tmp_path, threads, plan, n):
    out = tmp_path / f"t{threads}.npz"
    with tensors.EncodedWriter(out, plan.stack.item_shape, n) as w:
        depth = stack_to_writer(w, str(DEMO / "sample.bam"), str(DEMO / "ref.fa"), plan.tid_names,
                                plan.item_tid[:n], plan.left[:n], plan.right[:n], plan.stack,
                                threads=threads, chunk_items=7)
        w.close(np.zeros(n), np.zeros(n, str), ["a", "b"], "image")
    return tensors.load_encoded(out).X, depth


def test_two_processes_equal_one(tmp_path):
    settings = SvSettings(window=64, max_rows=16, negatives_per_positive=1)
    plan = plan_sv(DEMO / "sample.bam", DEMO / "ref.fa", DEMO / "truth.vcf.gz", settings=settings, seed=1)
    X1, d1 = _stack(tmp_path, 1, plan, 60)
    X2, d2 = _stack(tmp_path, 2, plan, 60)
    assert X1.shape == (60, 6, 16, 128) and X1.any()
    assert np.array_equal(X1, X2) and np.array_equal(d1, d2)
    assert (d1 > 0).all()
