"""A write that fails (a full disk: /dev/full answers every write with ENOSPC) raises an
OSError naming the output, leaves no file at the output's name or its .partial, and
becomes the one line rule scripts end with (genaug.logs.disk_error_line)."""

import errno
import os

import numpy as np
import pytest

from genaug.logs import disk_error_line
from genaug.outputs import write_json, write_text
from genaug.tensors import EncodedWriter, save_arrays


def full(path):
    os.symlink("/dev/full", f"{path}.partial")  # the writer's .partial lands on a full disk
    return path


@pytest.mark.parametrize("write", [
    lambda p: write_json({"x": list(range(100_000))}, p),
    lambda p: write_text("x" * 100_000, p),
    lambda p: save_arrays(p, {"a": np.arange(100_000)}),
])
def test_a_full_disk_names_the_output_and_leaves_nothing(tmp_path, write):
    out = full(tmp_path / "out.file")
    with pytest.raises(OSError) as info:
        write(out)
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(out)
    assert not os.path.lexists(out) and not os.path.lexists(f"{out}.partial")
    line = disk_error_line(info.value)
    assert line.startswith(f"{out}: No space left on device (errno ENOSPC); free space on its disk")


def test_a_full_disk_while_streaming_encoded_items(tmp_path):
    out = full(tmp_path / "encoded.npz")
    with pytest.raises(OSError) as info:
        with EncodedWriter(out, (4, 8, 8), 4000) as w:
            for _ in range(10):
                w.write(np.ones((400, 4, 8, 8), np.uint8))
            w.close(np.zeros(4000), ["g"] * 4000, ["a", "b"], "image")
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(out)
    assert not os.path.lexists(out) and not os.path.lexists(f"{out}.partial")


def test_other_errors_are_not_disk_errors():
    assert disk_error_line(KeyError("x")) is None
    assert disk_error_line(OSError(errno.EIO, "Input/output error")) is None
    assert "make its directory writable" in disk_error_line(OSError(errno.EROFS, "Read-only file system", "r/x"))
