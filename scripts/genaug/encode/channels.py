"""Channel layout of SV pileup tensors (the ``sv`` kind, ``image`` layout).

A pileup tensor is uint8 with shape (N, C, H, W): N items, C channels, H read
rows (one read per row, sorted by alignment start), W columns. W is two
breakpoint windows side by side: columns [0, window) are centred on the left
breakpoint, [window, 2*window) on the right one. Row 0..depth-1 hold reads; rows
without a read are all zero in every channel.

Categorical channels store ``code * step`` so that codes are evenly spread over
0-255; ``decode_categorical`` maps values back to codes (snapping to the
nearest code). Continuous channels are scaled linearly to 0-255.
"""

import numpy as np

CHANNELS = ("base", "base_quality", "mapping_quality", "strand", "pair", "clip")
BASE, BASE_QUALITY, MAPPING_QUALITY, STRAND, PAIR, CLIP = range(len(CHANNELS))

# base vs reference: 0 means no read at this cell
BASE_CODES = ("none", "match", "A", "C", "G", "T", "N", "deletion")
# strand of the read
STRAND_CODES = ("none", "forward", "reverse")
# pair anomaly of the read (first that applies, in this order of checks:
# unpaired/concordant -> 0, mate unmapped, mate on another contig, FF/RR,
# RF (outward), insert larger / smaller than the library, other improper)
PAIR_CODES = (
    "concordant",
    "insert_large",
    "insert_small",
    "orientation_rf",
    "orientation_same",
    "mate_other_contig",
    "mate_unmapped",
    "improper_other",
)
# clipping / split alignment of the cell
CLIP_CODES = ("none", "split_read", "insertion_after", "soft_clip")

CATEGORICAL = {BASE: BASE_CODES, STRAND: STRAND_CODES, PAIR: PAIR_CODES, CLIP: CLIP_CODES}
QUALITY_CAP = 60  # base and mapping qualities are clipped at this before scaling


def step(codes):
    """Spacing between the values of consecutive codes of a categorical channel."""
    return 255 // (len(codes) - 1)


def encode_categorical(codes_table, codes):
    """Integer codes -> uint8 channel values."""
    return (np.asarray(codes, dtype=np.int64) * step(codes_table)).astype(np.uint8)


def decode_categorical(codes_table, values):
    """uint8 (or float) channel values -> integer codes, snapping to the nearest."""
    s = step(codes_table)
    return np.clip(np.rint(np.asarray(values, dtype=np.float64) / s), 0, len(codes_table) - 1).astype(np.int64)


def scale_quality(q):
    """Phred quality (base or mapping) -> uint8 0-255, capped at QUALITY_CAP."""
    q = np.clip(np.asarray(q, dtype=np.int64), 0, QUALITY_CAP)
    return ((q * 255 + QUALITY_CAP // 2) // QUALITY_CAP).astype(np.uint8)


def unscale_quality(values):
    return np.rint(np.asarray(values, dtype=np.float64) * QUALITY_CAP / 255).astype(np.int64)
