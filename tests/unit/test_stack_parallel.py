"""Stacking with several processes gives exactly the single-process tensors."""

from pathlib import Path

import numpy as np

from genaug import tensors
from genaug.encode import checks
from genaug.encode.pileup import breakpoint_windows
from genaug.encode.sv import SvSettings, candidate_loci, stack_to_writer

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo" / "sv"


def _stack(tmp_path, threads, items, settings, stack, tid_names):
    tid = items.contig.map(tid_names.index).to_numpy(np.int64)
    left, right = breakpoint_windows(items.start.to_numpy(), items.end.to_numpy(), settings.window)
    out = tmp_path / f"t{threads}.npz"
    with tensors.EncodedWriter(out, stack.item_shape, len(items)) as w:
        depth = stack_to_writer(w, str(DEMO / "sample.bam"), str(DEMO / "ref.fa"), tid_names, tid, left, right,
                                stack, threads=threads, chunk_items=7)
        w.close(np.zeros(len(items)), np.zeros(len(items), str), ["a", "b"], "image")
    return tensors.load_encoded(out).X, depth


def test_two_processes_equal_one(tmp_path):
    settings = SvSettings(window=64, max_rows=16, negatives_per_positive=1)
    bam = checks.open_alignments(DEMO / "sample.bam")
    fasta = checks.open_reference(DEMO / "ref.fa")
    contigs = checks.shared_contigs(bam, fasta, "bam", "ref")
    items = candidate_loci(DEMO / "truth.vcf.gz", None, contigs, settings, seed=1, fasta=fasta).iloc[:60]
    stack = settings.stack_settings((266, 529))
    X1, d1 = _stack(tmp_path, 1, items, settings, stack, list(contigs))
    X2, d2 = _stack(tmp_path, 2, items, settings, stack, list(contigs))
    assert X1.shape == (60, 6, 16, 128) and X1.any()
    assert np.array_equal(X1, X2) and np.array_equal(d1, d2)
    assert (d1 > 0).all()
