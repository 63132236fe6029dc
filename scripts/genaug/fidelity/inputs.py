"""Which items an audit compares: the exact synthetic file the detectors trained on, and the
real items of the same class and condition from train and from held-out (val + test)."""

from dataclasses import dataclass

import numpy as np

from ..augment import generator_conditions
from ..errors import InputError
from ..outputs import file_sha256


@dataclass
class AuditSets:
    train: np.ndarray  # indices of encoded.npz: train items of the synthetic items' class / condition
    heldout: np.ndarray  # indices: val + test items of that class / condition
    synthetic: np.ndarray  # the items of synthetic/{g}.npz, as written
    label: int
    conditions: dict  # {condition: synthetic items}; {'': n} when the generator is unconditional
    sha256: str  # of synthetic/{g}.npz, byte for byte


def audit_sets(y, split, synthetic_path, samples_tsv=None, condition_column=None):
    """The sets of the audit of ``synthetic_path`` (``augment.save_synthetic``'s file): its items,
    and the train / held-out items of encoded.npz with the same label and, for a conditioned
    generator, one of the conditions (values of ``condition_column`` of samples.tsv) its items
    were drawn for: a population of haplotypes, the SV types of pileups drawn at their training
    frequencies. One label per file (sample_synthetic draws the rare class only); more is an
    InputError naming the file. None when the file holds no item (nothing was topped up)."""
    with np.load(synthetic_path, allow_pickle=False) as z:
        S, labels = z["X"], np.unique(z["y"])
        cond = z["condition"].astype(str) if "condition" in z.files else np.full(len(S), "")
    if len(S) == 0:
        return None
    if len(labels) != 1:
        raise InputError(synthetic_path, f"holds {len(labels)} classes; the audit compares one class at a time")
    label = int(labels[0])
    values, counts = np.unique(cond, return_counts=True)
    y = np.asarray(y)
    keep = y == label
    if condition_column and (values != "").all():
        real = generator_conditions(samples_tsv, condition_column, np.arange(len(y))).astype(str)
        keep &= np.isin(real, values)
    heldout = np.sort(np.concatenate([split.val, split.test]))
    return AuditSets(train=np.sort(split.train[keep[split.train]]), heldout=heldout[keep[heldout]],
                     synthetic=S, label=label, conditions={str(v): int(c) for v, c in zip(values, counts)},
                     sha256=file_sha256(synthetic_path))
