"""One output writer (genaug.outputs.replacing): outputs appear only complete, and an error
leaves neither an output nor a partial file behind, for every writer built on it."""

import numpy as np
import pandas as pd
import pytest

from genaug import tensors
from genaug.encode.haplotypes import write_haplotype_vcf
from genaug.outputs import replacing, write_json, write_tsv


def _left(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir())


def test_outputs_written_together_appear_together(tmp_path):
    a, b = tmp_path / "a.tsv", tmp_path / "b.vcf.gz"
    with replacing(a, b) as (ta, tb):
        for t in (ta, tb):
            open(t, "w").write("x\n")
        assert _left(tmp_path) == ["a.tsv.partial", "b.vcf.gz.partial"]
    assert _left(tmp_path) == ["a.tsv", "b.vcf.gz"]


def test_an_error_leaves_no_partial_and_no_output(tmp_path):
    with pytest.raises(RuntimeError, match="disk full"):
        with replacing(tmp_path / "a.tsv", tmp_path / "b.tsv") as (ta, _):
            open(ta, "w").write("half")
            raise RuntimeError("disk full")
    assert _left(tmp_path) == []
    with pytest.raises(TypeError):
        write_json({"x": object()}, tmp_path / "m.json")
    with pytest.raises(AttributeError):
        write_tsv("not a table", tmp_path / "t.tsv")
    assert _left(tmp_path) == []


def test_an_old_output_stays_until_the_new_one_is_complete(tmp_path):
    out = tmp_path / "m.json"
    write_json({"v": 1}, out)
    with pytest.raises(TypeError):
        write_json({"v": object()}, out)
    assert out.read_text() == '{\n "v": 1\n}\n' and _left(tmp_path) == ["m.json"]


def test_the_streaming_encoded_writer_leaves_nothing_on_error(tmp_path):
    out = tmp_path / "encoded.npz"
    with pytest.raises(ValueError, match="chunk shape"):
        with tensors.EncodedWriter(out, (2, 3), 4) as w:
            w.write(np.zeros((2, 2, 3), np.uint8))
            w.write(np.zeros((2, 9), np.uint8))
    assert _left(tmp_path) == []
    with tensors.EncodedWriter(out, (2, 3), 2) as w:
        w.write(np.ones((2, 2, 3), np.uint8))
        w.close([0, 1], ["g1", "g2"], ["a", "b"], "image")
    assert _left(tmp_path) == ["encoded.npz"] and tensors.load_encoded(out).X.sum() == 12


def test_the_haplotype_vcf_writer_leaves_nothing_on_error(tmp_path):
    variants = pd.DataFrame({"chrom": ["1", "1"], "pos": [200, 100], "ref": ["A", "C"], "alt": ["G", "T"],
                             "id": ["a", "b"]})  # unsorted: tabix refuses to index it
    with pytest.raises(Exception):
        write_haplotype_vcf(tmp_path / "syn.vcf.gz", np.zeros((4, 2), np.uint8), variants)
    assert _left(tmp_path) == []
    write_haplotype_vcf(tmp_path / "syn.vcf.gz", np.zeros((4, 2), np.uint8), variants.iloc[::-1])
    assert _left(tmp_path) == ["syn.vcf.gz", "syn.vcf.gz.tbi"]
