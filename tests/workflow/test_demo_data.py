"""The sv encoder on the bundled demo (real BAM, truth and caller VCFs), checked
against independent reads of the same files with pysam. No Snakemake here.

One encode (window 256, max_rows 64, 2 processes) is shared by the module.
"""

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest

from genaug.encode import channels as ch
from genaug.encode.pileup import flag_mask
from genaug.encode.sv import CLASSES, SvSettings, encode_sv
from genaug.tensors import load_encoded

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo" / "sv"
BAM, REF, TRUTH, CALLS = (str(DEMO / f) for f in ("sample.bam", "ref.fa", "truth.vcf.gz", "calls.vcf.gz"))
SETTINGS = SvSettings(window=256, max_rows=64)
SV_TYPES = {"DEL", "DUP", "INV", "INS"}


def _truth_records():
    """(contig, POS, END, SVTYPE, ID) of every truth record, read with pysam alone."""
    with pysam.VariantFile(TRUTH) as vcf:
        return [(r.contig, r.pos, r.stop, r.info["SVTYPE"], r.id) for r in vcf]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo_encode")
    npz, tsv = d / "encoded.npz", d / "samples.tsv"
    returned = encode_sv(BAM, REF, TRUTH, npz, tsv, candidates=CALLS, settings=SETTINGS, seed=1, threads=2)
    samples = pd.read_csv(tsv, sep="\t", dtype={"id": str, "contig": str, "group": str, "vcf_id": str})
    enc = load_encoded(npz, mmap=True)
    return {"dir": d, "samples": samples, "enc": enc, "returned": returned}


def test_truth_vcf_reads_cleanly_and_covers_every_type(capfd):
    with pysam.VariantFile(TRUTH) as vcf:
        assert "20" in vcf.header.contigs
        records = list(vcf)
        fetched = list(vcf.fetch("20"))  # the tabix index answers queries
    err = capfd.readouterr().err
    assert "[E::" not in err and "[W::" not in err, err  # htslib printed no error or warning
    assert len(records) >= 60
    assert len(fetched) == len(records)
    types = Counter(r.info["SVTYPE"] for r in records)
    assert set(types) == SV_TYPES, types
    for r in records:
        assert r.alts == (f"<{r.info['SVTYPE']}>",)
        assert r.stop >= r.pos


def test_contract_shapes(demo):
    enc, samples = demo["enc"], demo["samples"]
    n = len(samples)
    assert enc.X.dtype == np.uint8
    assert enc.X.shape == (n, len(ch.CHANNELS), SETTINGS.max_rows, 2 * SETTINGS.window)
    assert enc.y.dtype == np.int64
    np.testing.assert_array_equal(enc.y, (samples.label == CLASSES[1]).to_numpy(np.int64))
    np.testing.assert_array_equal(enc.groups, samples.group.to_numpy(str))
    assert list(enc.classes) == list(CLASSES)
    assert enc.layout == "image"
    assert tuple(enc.channels) == ch.CHANNELS
    # the returned table is what was written
    assert len(demo["returned"]) == n
    assert not list(demo["dir"].glob("*.partial"))


def test_every_truth_sv_is_exactly_one_positive_with_its_type(demo):
    samples = demo["samples"]
    truth = _truth_records()
    pos = samples[samples.source == "truth"]
    assert (pos.label == "variant").all()
    assert (samples[samples.source != "truth"].label == "non_variant").all()
    got = Counter(zip(pos.contig, pos.start, pos.end, pos.svtype, pos.vcf_id))
    want = Counter(truth)
    assert got == want
    assert max(got.values()) == 1
    # the svtype column of positives holds every type of the VCF
    assert set(pos.svtype) == SV_TYPES


def test_negatives_keep_away_from_every_truth_sv(demo):
    samples = demo["samples"]
    truth = _truth_records()
    neg = samples[samples.label == "non_variant"]
    assert len(neg) >= len(truth)  # sampled at 10 per positive (some may be dropped), plus caller calls
    assert set(neg.source) <= {"sampled", "caller"}
    assert (neg.svtype[neg.source == "sampled"] == "NONE").all()
    w = SETTINGS.window
    ns, ne = neg.start.to_numpy(), neg.end.to_numpy()
    for contig, tpos, tend, _, tid in truth:
        on = (neg.contig == contig).to_numpy()
        # a negative's span widened by one window never overlaps a truth span
        clash = on & (ns - w <= tend) & (tpos <= ne + w)
        assert not clash.any(), f"negative(s) {neg.id[clash].tolist()} overlap truth {tid}"
        # and, as documented, it keeps negative_margin beyond that window
        pad = w + SETTINGS.negative_margin
        near = on & (ns - pad <= tend) & (tpos <= ne + pad)
        assert not near.any(), f"negative(s) {neg.id[near].tolist()} within {pad} bp of truth {tid}"


def _windows(samples):
    """(item, side, 0-based window start) for the left and right window of every item."""
    half = SETTINGS.window // 2
    for i, (s, e) in enumerate(zip(samples.start, samples.end)):
        yield i, 0, int(s) - half
        yield i, 1, int(e) - half


def test_depth_of_every_window_matches_an_independent_count(demo):
    samples = demo["samples"]
    mask = flag_mask(SETTINGS.read_filters)
    min_mapq = SETTINGS.min_mapq

    def keep(r):
        return not (r.flag & mask) and r.mapping_quality >= min_mapq

    depth = samples[["depth_left", "depth_right"]].to_numpy()
    mismatches = []
    with pysam.AlignmentFile(BAM) as bam:
        for i, side, ws in _windows(samples):
            n = bam.count(samples.contig[i], max(0, ws), ws + SETTINGS.window, read_callback=keep)
            if n != depth[i, side]:
                mismatches.append((samples.id[i], side, int(depth[i, side]), n))
    assert not mismatches, mismatches[:10]
    assert depth.min() > 0  # a 20x BAM: every window holds reads


def test_depth_matches_samtools_view_count(demo):
    samples = demo["samples"]
    mask = flag_mask(SETTINGS.read_filters)
    w = SETTINGS.window
    # the first positive's left window and the deepest right window of all items
    i = int(np.flatnonzero(samples.source == "truth")[0])
    j = int(samples.depth_right.to_numpy().argmax())
    for item, side, col in ((i, 0, "start"), (j, 1, "end")):
        s = int(samples[col][item]) - w // 2
        out = pysam.samtools.view("-c", "-F", str(mask), "-q", str(SETTINGS.min_mapq), BAM,
                                  f"{samples.contig[item]}:{max(0, s) + 1}-{s + w}")
        assert int(out.strip()) == samples[["depth_left", "depth_right"][side]][item]


def test_rows_with_reads_are_min_of_depth_and_max_rows(demo):
    enc, samples = demo["enc"], demo["samples"]
    H, W = SETTINGS.max_rows, SETTINGS.window
    depth = samples[["depth_left", "depth_right"]].to_numpy()
    assert (depth > H).any() and (depth < H).any()  # both the capped and uncapped case occur
    chunk = 128
    for a in range(0, len(samples), chunk):
        X = np.asarray(enc.X[a:a + chunk])
        for side in (0, 1):
            filled = (X[:, :, :, side * W:(side + 1) * W] != 0).any(axis=(1, 3))  # (n, H)
            want = np.minimum(depth[a:a + chunk, side], H)
            np.testing.assert_array_equal(filled.sum(axis=1), want)
            # rows with reads come first; the rest are all zero
            np.testing.assert_array_equal(filled, np.arange(H)[None, :] < want[:, None])
