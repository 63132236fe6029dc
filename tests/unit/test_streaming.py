"""Bounded memory: items read from encoded.npz a batch at a time give the same detector as items
in memory, and the peak memory of training does not grow with the train split (four times the
items, whose extra bytes exceed the cap, move the peak by less than the cap)."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from genaug import items as items_mod
from genaug.detect import train_detector
from genaug.detect.evaluate import evaluate
from genaug.encode.sv import SvSettings, encode_sv
from genaug.items import ItemSet
from genaug.split import load_split, make_split, save_split
from genaug.tensors import load_encoded

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "resources" / "demo" / "sv"
TINY_NET = {"epochs": 2, "patience": 2, "width": 4, "blocks": 2, "image_size": [8, 32], "batch_size": 16}
CAP_MB = 64  # growth of the peak resident memory allowed when the train split grows fourfold (~168 MB more)


@pytest.fixture(scope="module")
def encoded(tmp_path_factory):
    """The demo BAM encoded at full item size (6 x 64 x 512 bytes): 1,560 real items, ~307 MB."""
    d = tmp_path_factory.mktemp("stream")
    encode_sv(DEMO / "sample.bam", DEMO / "ref.fa", DEMO / "truth.vcf.gz", d / "encoded.npz", d / "samples.tsv",
              settings=SvSettings(negatives_per_positive=19, insert_size=(0, 1000)), seed=1, threads=1)
    enc = load_encoded(d / "encoded.npz", mmap=True)
    save_split(d / "split.npz", make_split(enc.y, enc.groups, seed=1))
    return d


def test_itemset_reads_the_rows_asked_for(encoded):
    path = encoded / "encoded.npz"
    X = load_encoded(path, mmap=True).X
    rows = np.array([5, 6, 7, 100, 3])
    s = ItemSet.from_file(path, rows).concat(ItemSet.from_array(np.asarray(X[:4])))
    ref = np.concatenate([X[rows], X[:4]])
    pick = np.array([8, 0, 1, 1, 4, 6, 2])
    assert s.shape == ref.shape
    np.testing.assert_array_equal(s[pick], ref[pick])
    np.testing.assert_array_equal(s[2:7], ref[2:7])
    np.testing.assert_array_equal(s[-1], ref[-1])
    with pytest.raises(IndexError):
        s[np.array([9])]


def _fit(X_train, y_train, X_val, y_val, enc, X_syn=None, strategy="none"):
    return train_detector("cnn", strategy, X_train, y_train, X_val, y_val, list(enc.classes), 1, enc.layout,
                          channels=enc.channels, X_synthetic=X_syn, settings=TINY_NET, seed=7, threads=1)


def test_streamed_detector_equals_the_in_memory_one(encoded, monkeypatch):
    path = encoded / "encoded.npz"
    enc = load_encoded(path, mmap=True)
    split = load_split(encoded / "split.npz")
    train, val, test = (split[s][::3] for s in ("train", "val", "test"))
    syn = np.flatnonzero(enc.y == 1)[:12]  # stand-ins for synthetic items: a second file's rows
    results = []
    for streamed in (False, True):
        if streamed:
            monkeypatch.setattr(items_mod, "CACHE_BYTES", 0)  # every batch read from disk and converted
            X_tr, X_val, X_te = (ItemSet.from_file(path, i) for i in (train, val, test))
            X_syn = ItemSet.from_file(path, syn)
        else:
            X_tr, X_val, X_te, X_syn = (np.asarray(enc.X[i]) for i in (train, val, test, syn))
        r = _fit(X_tr, enc.y[train], X_val, enc.y[val], enc, X_syn=X_syn, strategy="cvae")
        metrics, preds = evaluate(r.detector, X_te, enc.y[test], test, X_val, enc.y[val], 1)
        results.append((r.history, r.detector.threshold, metrics, preds))
    (h0, t0, m0, p0), (h1, t1, m1, p1) = results
    assert h0 == h1
    assert t0 == t1
    assert json.dumps(m0, sort_keys=True) == json.dumps(m1, sort_keys=True)
    np.testing.assert_array_equal(p0["score"], p1["score"])


CHILD = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, {scripts!r})
    import torch
    torch.set_num_threads(1)
    from genaug import items
    from genaug.detect import train_detector
    from genaug.items import ItemSet
    from genaug.split import load_split
    from genaug.tensors import load_encoded
    items.CACHE_BYTES = 0
    path = {path!r}
    enc = load_encoded(path, mmap=True)
    split = load_split({split!r})
    X_val = ItemSet.from_file(path, split.val)
    def rss(field):
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith(field)) / 1024
    def peak_training(rows):
        # the peak resident size while training on rows of the train split (VmHWM reset to the current size)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        r = train_detector("cnn", "none", ItemSet.from_file(path, rows), enc.y[rows], X_val, enc.y[split.val],
                           list(enc.classes), 1, enc.layout, channels=enc.channels,
                           settings={{"epochs": 2, "image_size": [32, 128]}}, seed=1)
        return rss("VmHWM:"), len(r.history)
    # one warm-up step on a few items, so that torch's one-off allocations are not counted
    train_detector("cnn", "none", ItemSet.from_file(path, split.train[:64]), enc.y[split.train[:64]],
                   X_val[:8], enc.y[split.val[:8]], list(enc.classes), 1, enc.layout, channels=enc.channels,
                   settings={{"epochs": 1, "image_size": [32, 128]}}, seed=1)
    quarter = split.train[::4]
    small, _ = peak_training(quarter)
    full, epochs = peak_training(split.train)
    mb = lambda rows: len(rows) * enc.X[0].nbytes / 2 ** 20
    print(json.dumps({{"small_peak": small, "full_peak": full, "train_mb": mb(split.train),
                      "small_mb": mb(quarter), "epochs": epochs}}))
""")


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc to reset peak memory")
def test_detector_training_peak_memory_does_not_grow_with_the_train_split(encoded):
    code = CHILD.format(scripts=str(REPO / "scripts"), path=str(encoded / "encoded.npz"),
                        split=str(encoded / "split.npz"))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    m = json.loads(p.stdout.strip().splitlines()[-1])
    assert m["epochs"] == 2
    # four times the items, whose extra bytes alone would not fit under the cap, and the peak barely moves
    assert m["train_mb"] - m["small_mb"] > 2 * CAP_MB
    assert m["full_peak"] - m["small_peak"] < CAP_MB, m


def test_synthetic_sets_drawn_in_chunks_equal_the_whole_draw(encoded, tmp_path):
    from genaug.augment import save_synthetic
    from genaug.generators import classic
    from genaug.generators.settings import resolve
    from genaug.layouts import make_layout
    enc = load_encoded(encoded / "encoded.npz", mmap=True)
    pool = np.asarray(enc.X[np.flatnonzero(enc.y == 1)[:10]])
    lay = make_layout("image", pool[:1], enc.channels)
    want = np.zeros(9, np.int64)
    whole = classic.draw(pool, np.zeros(10, np.int64), lay, resolve("classic"), want, np.random.default_rng(4))
    chunks = classic.draw_chunks(pool, np.zeros(10, np.int64), lay, resolve("classic"), want,
                                 np.random.default_rng(4), chunk=4)
    chunks = iter([whole[:0]] + list(chunks))  # an empty first chunk, as a network generator yields
    save_synthetic(tmp_path / "a.npz", whole, 1, enc.classes, "image", "classic", channels=enc.channels)
    save_synthetic(tmp_path / "b.npz", chunks, 1, enc.classes, "image", "classic", condition=[None] * 9,
                   channels=enc.channels)
    a, b = load_encoded(tmp_path / "a.npz"), load_encoded(tmp_path / "b.npz")
    assert not np.array_equal(whole, np.repeat(pool[:1], 9, 0))  # augmented, not copied
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.groups, b.groups)


def test_save_arrays_writes_fortran_arrays_in_c_order(tmp_path):
    """A transposed matrix (e.g. genes x samples read as samples x genes) is stored in C order,
    so that its rows can be read from the file one item at a time."""
    from genaug.tensors import save_arrays, x_member

    X = np.arange(12, dtype=np.float32).reshape(3, 4).T  # Fortran-ordered view
    path = tmp_path / "log.npz"
    save_arrays(path, {"X": X})
    _, shape, _ = x_member(path)
    assert tuple(shape) == (4, 3)
    with np.load(path) as z:
        assert np.array_equal(z["X"], X) and z["X"].flags.c_contiguous
