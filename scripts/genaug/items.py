"""Items read from disk a batch at a time: memory bounded by the batch, not by the dataset.

An ``ItemSet`` is a list of rows of one or more ``X`` arrays (``encoded.npz``,
``synthetic/{g}.npz`` or arrays already in memory). Indexing it (an int, a
slice, an index array) reads just those rows: from files with ``os.preadv``
on the uncompressed ``X.npy`` member, so that nothing is memory-mapped and
the process's resident memory holds only the rows asked for (pages of a
memory map that an epoch touched would count as resident until the map is dropped).

    train = ItemSet.from_file("encoded.npz", split.train)
    train = train.concat(ItemSet.from_file("synthetic/cvae.npz"))
    batch = train[order[:32]]                # (32, C, H, W) uint8, in that order
"""

import os

import numpy as np

from .tensors import x_member


class _FileRows:
    """Rows of the X member of an uncompressed .npz, read with preadv into the output array."""

    def __init__(self, path):
        self.path = str(path)
        self.offset, self.shape, self.dtype = x_member(self.path)
        self.row_bytes = int(np.prod(self.shape[1:], dtype=np.int64)) * self.dtype.itemsize
        self._fd = None

    def __getstate__(self):  # a worker process opens its own descriptor
        return {**self.__dict__, "_fd": None}

    def fd(self):
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
        return self._fd

    def read(self, rows):
        """Rows ``rows`` (sorted, unique int64) as one array; consecutive rows are read at once."""
        out = np.empty((len(rows),) + tuple(self.shape[1:]), self.dtype)
        flat = out.reshape(len(rows), -1).view(np.uint8)
        if not len(rows):
            return out
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        for run_start, run_end in zip(np.r_[0, breaks], np.r_[breaks, len(rows)]):
            n = int(run_end - run_start)
            # straight into the output rows: no intermediate buffer
            got = os.preadv(self.fd(), [memoryview(flat[run_start:run_end]).cast("B")],
                            self.offset + int(rows[run_start]) * self.row_bytes)
            if got != n * self.row_bytes:
                raise OSError(f"{self.path}: file ends inside X (truncated?)")
        return out

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class _ArrayRows:
    def __init__(self, X):
        self.X = X
        self.shape, self.dtype = X.shape, X.dtype

    def read(self, rows):
        return np.asarray(self.X[rows])

    def close(self):
        pass


class ItemSet:
    """Rows ``rows[k]`` of sources ``sources[k]``, in order, as one read-on-demand array of items."""

    def __init__(self, parts):
        self.parts = [(src, np.asarray(rows, np.int64)) for src, rows in parts]
        shapes = {tuple(src.shape[1:]) for src, _ in self.parts}
        if len(shapes) > 1:
            raise ValueError(f"items of different shapes cannot be one set: {sorted(shapes)}")
        dtypes = {np.dtype(src.dtype) for src, _ in self.parts}
        if len(dtypes) > 1:
            raise ValueError(f"items of different dtypes cannot be one set: {sorted(map(str, dtypes))}")
        self.item_shape = shapes.pop()
        self.dtype = dtypes.pop()
        self._ends = np.cumsum([len(r) for _, r in self.parts])

    @classmethod
    def from_file(cls, path, rows=None):
        """Rows ``rows`` (default: all) of the X of an uncompressed .npz (encoded.npz, synthetic/*.npz)."""
        src = _FileRows(path)
        return cls([(src, np.arange(src.shape[0]) if rows is None else rows)])

    @classmethod
    def from_array(cls, X, rows=None):
        X = X if isinstance(X, np.ndarray) else np.asarray(X)
        return cls([(_ArrayRows(X), np.arange(len(X)) if rows is None else rows)])

    def concat(self, other):
        return ItemSet(self.parts + other.parts)

    def __len__(self):
        return int(self._ends[-1]) if len(self._ends) else 0

    @property
    def shape(self):
        return (len(self),) + self.item_shape

    @property
    def nbytes(self):
        return len(self) * int(np.prod(self.item_shape, dtype=np.int64)) * self.dtype.itemsize

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            return self[np.array([key])][0]
        if isinstance(key, slice):
            key = np.arange(len(self))[key]
        pos = np.asarray(key, np.int64).ravel()
        if len(pos) and (pos.min() < -len(self) or pos.max() >= len(self)):
            raise IndexError(f"index out of range for {len(self)} items")
        pos = np.where(pos < 0, pos + len(self), pos)
        out = np.empty((len(pos),) + self.item_shape, self.dtype)
        part = np.searchsorted(self._ends, pos, side="right")
        for k in np.unique(part):
            sel = np.flatnonzero(part == k)
            src, rows = self.parts[k]
            local = rows[pos[sel] - (self._ends[k - 1] if k else 0)]
            uniq, inverse = np.unique(local, return_inverse=True)
            out[sel] = src.read(uniq)[inverse]
        return out

    def __array__(self, dtype=None, copy=None):
        X = self[np.arange(len(self))]
        return X if dtype is None else X.astype(dtype)

    def close(self):
        for src, _ in self.parts:
            src.close()


def as_items(X):
    """An ItemSet of ``X`` (an ItemSet, an array or a memory map)."""
    return X if isinstance(X, ItemSet) else ItemSet.from_array(X)


CACHE_BYTES = 2 ** 30  # network-space items kept in memory when they fit (1 GiB), else converted per batch
CONVERT_BYTES = 2 ** 24  # float32 working space of one conversion (items at full size, before pooling)


def conversion_rows(lay, limit=128):
    """Items converted to network space at once: at most ``limit``, and few enough that their float32
    full-size form (channels of the network x the item's own rows and columns) fits in CONVERT_BYTES."""
    full = int(lay.net_shape[0]) * int(np.prod(lay.item_shape[1:], dtype=np.int64)) * 4
    return int(max(1, min(limit, CONVERT_BYTES // max(full, 1))))


def network_bytes(lay, n, half=False):
    """Bytes of ``n`` items in network space (float16 with ``half``, else float32)."""
    return int(n) * int(np.prod(lay.net_shape)) * (2 if half else 4)


def network_lookup(X, lay, half=False, cache_bytes=None):
    """A function from item positions (a torch or numpy index array) to network-space items
    (float32 tensors on the CPU).

    When all of ``X`` in network space (``lay.to_float``; float16 with ``half``)
    fits in ``cache_bytes`` it is converted once and looked up; otherwise each
    call reads its items from ``X`` (an ItemSet reads only those rows from disk)
    and converts them, so memory holds one batch whatever the size of ``X``.
    Both give the same values.
    """
    import torch

    dtype = torch.float16 if half else torch.float32
    limit = CACHE_BYTES if cache_bytes is None else cache_bytes

    def convert(rows):
        return lay.to_float(torch.from_numpy(np.ascontiguousarray(X[rows]))).to(dtype)

    if network_bytes(lay, len(X), half) <= limit:
        chunk = conversion_rows(lay)
        cache = torch.empty((len(X),) + tuple(lay.net_shape), dtype=dtype)  # filled in place: no second copy
        for i in range(0, len(X), chunk):
            cache[i:i + chunk] = convert(np.arange(i, min(i + chunk, len(X))))
        return lambda idx: cache[torch.as_tensor(idx, dtype=torch.long)].float()

    def lookup(idx):
        idx = np.asarray(torch.as_tensor(idx).cpu().numpy(), np.int64)
        step = conversion_rows(lay)
        return torch.cat([convert(idx[i:i + step]) for i in range(0, len(idx), step)]).float()

    return lookup
