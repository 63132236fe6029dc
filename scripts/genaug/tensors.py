"""The tensor contract: ``encoded.npz`` read and written in one place.

``encoded.npz`` holds ``X`` (items, any layout), ``y`` (int64 labels),
``groups`` (str; items of one group never straddle splits), ``classes`` (str
names indexed by ``y``), ``layout`` (str: image, binary, vector, sequence) and,
for layouts with named channels, ``channels``. Everything after encode reads
only this file and ``samples.tsv``.

``X`` can be far larger than memory (a whole-genome pileup set), so it is
written chunk by chunk into an uncompressed zip member; a reader that wants
a slice uses ``open_X`` (a read-only memory map of that member).
"""

import zipfile
from dataclasses import dataclass

import numpy as np
from numpy.lib import format as npformat

from .outputs import naming, replacing

LAYOUTS = ("image", "binary", "vector", "sequence")
# the layout of each data kind's encoded items
KIND_LAYOUTS = {"sv": "image", "haplotypes": "binary", "expression": "vector", "sequences": "sequence"}


@dataclass
class Encoded:
    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    classes: np.ndarray
    layout: str
    channels: np.ndarray | None = None


def _member_info(name):
    """Zip member with a fixed timestamp: same arrays, same file bytes."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    return info


def contract_arrays(y, groups, classes, layout, channels=None):
    """The contract's arrays besides X, with their dtypes."""
    arrays = {"y": np.asarray(y, dtype=np.int64), "groups": np.asarray(groups, dtype=str),
              "classes": np.asarray(classes, dtype=str), "layout": np.asarray(layout, dtype=str)}
    if channels is not None:
        arrays["channels"] = np.asarray(channels, dtype=str)
    return arrays


def _write_members(zf, arrays):
    """Each array as ``name.npy``, in C order (X is read a row at a time from the file)."""
    for name, arr in arrays.items():
        a = np.asarray(arr)
        if a.ndim > 1 and not a.flags.c_contiguous:
            a = np.ascontiguousarray(a)
        with zf.open(_member_info(f"{name}.npy"), "w", force_zip64=True) as f:
            npformat.write_array(f, a, allow_pickle=False)


class EncodedWriter:
    """Write ``encoded.npz`` with ``X`` streamed in chunks of items.

    Writes through ``outputs.replacing``: a ``.partial`` file renamed on
    ``close``, so that a killed job never leaves a file that looks complete.
    Use as a context manager; an exception inside the block removes the
    partial file.
    """

    def __init__(self, path, item_shape, n_items, dtype=np.uint8):
        self.path = str(path)
        self._replacing = replacing(self.path)
        self.tmp = self._replacing.__enter__()
        self.item_shape = tuple(int(s) for s in item_shape)
        self.n_items = int(n_items)
        self.dtype = np.dtype(dtype)
        self.written = 0
        self._zip = zipfile.ZipFile(self.tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
        self._member = self._zip.open(_member_info("X.npy"), "w", force_zip64=True)
        header = {"descr": npformat.dtype_to_descr(self.dtype), "fortran_order": False,
                  "shape": (self.n_items,) + self.item_shape}
        npformat.write_array_header_2_0(self._member, header)

    def write(self, chunk):
        chunk = np.ascontiguousarray(chunk, dtype=self.dtype)
        if chunk.shape[1:] != self.item_shape:
            raise ValueError(f"chunk shape {chunk.shape[1:]} != item shape {self.item_shape}")
        if self.written + len(chunk) > self.n_items:
            raise ValueError("more items written than declared")
        if chunk.size:
            self._member.write(memoryview(chunk).cast("B"))
        self.written += len(chunk)

    def close(self, y, groups, classes, layout, channels=None, extra=None):
        """Write the contract's other arrays (and ``extra``: further named per-item arrays, e.g. ``weights``)
        and rename the file into place."""
        if self.written != self.n_items:
            raise ValueError(f"{self.written} items written, {self.n_items} declared")
        self._member.close()
        _write_members(self._zip, {**contract_arrays(y, groups, classes, layout, channels), **(extra or {})})
        self._zip.close()
        self._replacing.__exit__(None, None, None)  # renames

    def abort(self):
        try:
            self._member.close()
            self._zip.close()
        except (OSError, ValueError):
            _discard(self._zip)
            raise
        finally:
            self._replacing.__exit__(RuntimeError, RuntimeError("aborted"), None)  # removes

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            try:
                self.abort()
            except OSError:
                pass  # the error that ended the block is the one to report
            if isinstance(exc, OSError) and exc.filename is None:
                raise naming(exc, self.path) from exc
        return False


def load_weights(path):
    """``weights`` of ``encoded.npz`` (float64, one per item), or None when it has none.

    A kind that keeps a subset of its negatives (``sequences`` with
    ``negatives_per_positive``) records each kept item's weight (items it
    stands for), so that metrics can be given at the full prevalence.
    """
    with np.load(path, allow_pickle=False) as z:
        return z["weights"].astype(np.float64) if "weights" in z.files else None


def save_arrays(path, arrays):
    """Write named arrays as an uncompressed .npz, atomically, with fixed member
    timestamps (same arrays, same bytes)."""
    with replacing(path) as tmp:
        zf = zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
        try:
            _write_members(zf, arrays)
            zf.close()
        except BaseException:
            _discard(zf)
            raise


def _discard(zf):
    """Drop a ZipFile whose writes failed (a full disk): close its file quietly, so that
    nothing tries to finish it later (ZipFile.__del__ would, and fail again)."""
    fp, zf.fp = zf.fp, None
    if fp is not None:
        try:
            fp.close()
        except OSError:
            pass


def save_encoded(path, enc: Encoded):
    """Write a whole in-memory dataset (small data, tests, other kinds)."""
    X = np.asarray(enc.X)
    with EncodedWriter(path, X.shape[1:], len(X), dtype=X.dtype) as w:
        w.write(X)
        w.close(enc.y, enc.groups, enc.classes, enc.layout, enc.channels)


def load_encoded(path, mmap=False):
    """Read ``encoded.npz``; with ``mmap=True`` X is a read-only memory map."""
    with np.load(path, allow_pickle=False) as z:
        X = open_X(path) if mmap else z["X"]
        return Encoded(X=X, y=z["y"], groups=z["groups"], classes=z["classes"],
                       layout=str(z["layout"]),
                       channels=z["channels"] if "channels" in z.files else None)


def x_member(path):
    """(byte offset, shape, dtype) of the C-ordered ``X`` array inside an uncompressed .npz."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("X.npy")
        if info.compress_type != zipfile.ZIP_STORED:
            raise ValueError(f"{path}: X is compressed and cannot be read in place")
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        name_len = int.from_bytes(local[26:28], "little")
        extra_len = int.from_bytes(local[28:30], "little")
        f.seek(info.header_offset + 30 + name_len + extra_len)
        version = npformat.read_magic(f)
        read_header = npformat.read_array_header_1_0 if version == (1, 0) else npformat.read_array_header_2_0
        shape, fortran, dtype = read_header(f)
        if fortran:
            raise ValueError(f"{path}: X is Fortran-ordered; genaug writes C order")
        return f.tell(), shape, dtype


def open_X(path):
    """Memory-map ``X`` inside an uncompressed ``encoded.npz`` (read-only)."""
    offset, shape, dtype = x_member(path)
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)
