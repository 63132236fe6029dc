"""Which items an audit compares: the exact synthetic file the detectors trained on, and the
real items of the same class and condition from train and from held-out (val + test)."""

import hashlib
from dataclasses import dataclass

import numpy as np

from ..augment import generator_conditions
from ..errors import InputError


@dataclass
class AuditSets:
    train: np.ndarray  # indices of encoded.npz: train items of the synthetic items' class / condition
    heldout: np.ndarray  # indices: val + test items of that class / condition
    synthetic: np.ndarray  # the items of synthetic/{g}.npz, as written
    label: int
    condition: str  # '' when the generator is unconditional
    sha256: str  # of synthetic/{g}.npz, byte for byte


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def audit_sets(y, split, synthetic_path, samples_tsv=None, condition_column=None):
    """The sets of the audit of ``synthetic_path`` (``augment.save_synthetic``'s file): its items,
    and the train / held-out items of encoded.npz with the same label and, for a conditioned
    generator, the same value of ``condition_column`` of samples.tsv. One label and one
    condition per file (sample_synthetic draws the rare class only); anything else is an
    InputError naming the file."""
    with np.load(synthetic_path, allow_pickle=False) as z:
        S, labels = z["X"], np.unique(z["y"])
        conds = np.unique(z["condition"]) if "condition" in z.files else np.array([""])
    if len(labels) != 1 or len(conds) != 1:
        raise InputError(synthetic_path, f"holds {len(labels)} classes and {len(conds)} conditions; "
                         "the audit compares one class and condition at a time")
    label, cond = int(labels[0]), str(conds[0])
    y = np.asarray(y)
    keep = y == label
    if cond and condition_column:
        keep &= generator_conditions(samples_tsv, condition_column, np.arange(len(y))).astype(str) == cond
    heldout = np.sort(np.concatenate([split.val, split.test]))
    return AuditSets(train=np.sort(split.train[keep[split.train]]), heldout=heldout[keep[heldout]],
                     synthetic=S, label=label, condition=cond, sha256=sha256(synthetic_path))
