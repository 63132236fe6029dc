"""A small BAM with known SVs, written read by read with pysam (no aligner): the tests' ground truth.

A random reference; an altered genome with a deletion, an inversion, a tandem
duplication and an insertion of novel sequence; read pairs drawn from the
altered genome and given the alignment an aligner would report: a read crossing
a junction is aligned by its longer part, soft-clipped, with the other part in
an SA tag (when it is at least MIN_SA bases); a read inside the insertion is
unmapped, placed at its mate. Plus noise: one discordant pair and one clipped
read away from every SV.
"""

import numpy as np
import pysam

CONTIG, LENGTH = "chrT", 24_000
READ, INSERT, INSERT_SD = 100, 300, 30
MIN_SA = 20
# VCF-style truth: POS is the base before the event, END its last base (INS: END = POS)
SVS = [("DEL", 2000, 2400), ("INV", 6000, 6500), ("DUP", 10000, 10400), ("INS", 14000, 14000)]
INS_LEN = 300
NOISE_PAIR = (17000, 19500)   # one FR pair with a 2.6 kb insert
NOISE_CLIP = 21000            # one read soft-clipped here
_COMP = str.maketrans("ACGT", "TGCA")


def revcomp(s):
    return s.translate(_COMP)[::-1]


def _segments(rng, ref):
    """Altered genome as pieces (alt_start, length, ref_start or None, reverse) and its sequence."""
    ins = "".join(rng.choice(list("ACGT"), INS_LEN))
    parts = [(0, 2000, False), (2400, 6000, False), (6000, 6500, True), (6500, 10400, False),
             (10000, 14000, False), (None, ins, False), (14000, LENGTH, False)]
    segs, seq, a = [], [], 0
    for p in parts:
        if p[0] is None:
            segs.append((a, len(p[1]), None, False))
            seq.append(p[1])
            a += len(p[1])
            continue
        s, e, rev = p
        piece = ref[s:e]
        segs.append((a, e - s, s, rev))
        seq.append(revcomp(piece) if rev else piece)
        a += e - s
    return segs, "".join(seq)


def _pieces(segs, a, b):
    """Parts of alt interval [a, b): (query offset, length, ref_start or None, reverse) in read order."""
    out = []
    for s0, n, r0, rev in segs:
        lo, hi = max(a, s0), min(b, s0 + n)
        if lo >= hi:
            continue
        if r0 is None:
            out.append((lo - a, hi - lo, None, False))
        elif rev:  # alt position x maps to ref r0 + n - 1 - (x - s0)
            out.append((lo - a, hi - lo, r0 + n - (hi - s0), True))
        else:
            out.append((lo - a, hi - lo, r0 + (lo - s0), False))
    return out


def _alignment(piece, qlen, read_rev):
    """(ref_start, reverse flag, CIGAR tuples, clip before, clip after) of a piece of a read of qlen bases
    (CIGAR in reference orientation; clips counted in the read's alt-forward orientation)."""
    q0, n, r0, seg_rev = piece
    before, after = q0, qlen - q0 - n
    rev = read_rev != seg_rev
    lead, trail = (after, before) if seg_rev else (before, after)
    cigar = [(4, lead)] * bool(lead) + [(0, n)] + [(4, trail)] * bool(trail)
    return r0, rev, cigar


def _cigar_str(cigar):
    return "".join(f"{n}{'MIDNSHP=X'[op]}" for op, n in cigar)


def write_bam(path, ref_path, seed=1, coverage=20, noise=True):
    """Write the reference FASTA (+ .fai) and the sorted, indexed BAM; returns the truth list."""
    rng = np.random.default_rng(seed)
    ref = "".join(rng.choice(list("ACGT"), LENGTH))
    with open(ref_path, "w") as f:
        f.write(f">{CONTIG}\n")
        for i in range(0, LENGTH, 60):
            f.write(ref[i:i + 60] + "\n")
    pysam.faidx(str(ref_path))
    segs, alt = _segments(rng, ref)
    n_pairs = int(coverage * len(alt) / (2 * READ))
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": CONTIG, "LN": LENGTH}],
              "RG": [{"ID": "S", "SM": "S"}]}
    reads = []
    for k in range(n_pairs):
        size = int(np.clip(rng.normal(INSERT, INSERT_SD), 2 * READ, 3 * INSERT))
        s = int(rng.integers(0, len(alt) - size))
        reads += _pair(f"p{k:06d}", alt, segs, s, s + size, bool(rng.integers(2)))
    if noise:
        reads += _noise_pair(ref) + _noise_clip(ref)
    bam_header = pysam.AlignmentHeader.from_dict(header)
    records = []
    for r in reads:
        a = pysam.AlignedSegment(bam_header)
        a.query_name, a.flag, a.reference_id = r["name"], r["flag"], 0
        a.reference_start, a.mapping_quality = r["pos"], 0 if r["flag"] & 4 else 60
        if r["cigar"]:
            a.cigartuples = r["cigar"]
        a.next_reference_id, a.next_reference_start, a.template_length = 0, r["mpos"], r["tlen"]
        a.query_sequence = r["seq"]
        a.query_qualities = pysam.qualitystring_to_array("I" * len(r["seq"]))
        tags = [("RG", "S")]
        if r.get("mc"):
            tags.append(("MC", r["mc"]))
        if r.get("sa"):
            tags.append(("SA", r["sa"]))
        a.set_tags(tags)
        records.append(a)
    records.sort(key=lambda a: (a.reference_start, a.query_name))
    unsorted = str(path) + ".unsorted.bam"
    with pysam.AlignmentFile(unsorted, "wb", header=bam_header) as out:
        for a in records:
            out.write(a)
    pysam.sort("-o", str(path), unsorted)
    pysam.index(str(path))
    import os
    os.remove(unsorted)
    return SVS


def _read(alt, segs, a, b, read_rev):
    """One read of alt [a, b): dict of its primary alignment (None when unmapped) and SA string."""
    pieces = [p for p in _pieces(segs, a, b)]
    mapped = [p for p in pieces if p[2] is not None]
    seq_fwd = alt[a:b]
    if not mapped or max(p[1] for p in mapped) < MIN_SA:
        return {"seq": seq_fwd if not read_rev else revcomp(seq_fwd), "unmapped": True}
    primary = max(mapped, key=lambda p: p[1])
    r0, rev, cigar = _alignment(primary, b - a, read_rev)
    # stored sequence: the read in reference orientation of its primary alignment
    original = revcomp(seq_fwd) if read_rev else seq_fwd
    seq = revcomp(original) if rev else original
    sa = None
    others = [p for p in mapped if p is not primary and p[1] >= MIN_SA]
    if others:
        o = max(others, key=lambda p: p[1])
        o0, orev, ocig = _alignment(o, b - a, read_rev)
        sa = f"{CONTIG},{o0 + 1},{'-' if orev else '+'},{_cigar_str(ocig)},60,0;"
    return {"pos": r0, "rev": rev, "cigar": cigar, "seq": seq, "sa": sa, "unmapped": False,
            "end": r0 + sum(n for op, n in cigar if op == 0)}


def _pair(name, alt, segs, s, e, swap):
    """Two records of a fragment alt [s, e): the left read forward, the right one reverse (read1 by ``swap``)."""
    left = _read(alt, segs, s, s + READ, False)
    right = _read(alt, segs, e - READ, e, True)
    return _records(name, left, right, swap)


def _records(name, left, right, swap):
    out = []
    for me, mate, first in ((left, right, not swap), (right, left, swap)):
        flag = 1 | (64 if first else 128)
        if me["unmapped"]:
            if mate["unmapped"]:
                return []
            flag |= 4 | (32 if mate["rev"] else 0)
            out.append(dict(name=name, flag=flag, pos=mate["pos"], cigar=None, mpos=mate["pos"], tlen=0,
                            seq=me["seq"]))
            continue
        flag |= 16 if me["rev"] else 0
        if mate["unmapped"]:
            flag |= 8
            out.append(dict(name=name, flag=flag, pos=me["pos"], cigar=me["cigar"], mpos=me["pos"], tlen=0,
                            seq=me["seq"], sa=me["sa"]))
            continue
        flag |= 32 if mate["rev"] else 0
        lo, hi = min(me["pos"], mate["pos"]), max(me["end"], mate["end"])
        tlen = hi - lo if me["pos"] <= mate["pos"] else -(hi - lo)
        fr = not me["rev"] and mate["rev"] and me["pos"] <= mate["pos"] or \
            me["rev"] and not mate["rev"] and mate["pos"] <= me["pos"]
        if fr and INSERT - 4 * INSERT_SD <= abs(tlen) <= INSERT + 4 * INSERT_SD:
            flag |= 2
        out.append(dict(name=name, flag=flag, pos=me["pos"], cigar=me["cigar"], mpos=mate["pos"], tlen=tlen,
                        seq=me["seq"], sa=me["sa"], mc=_cigar_str(mate["cigar"])))
    return out


def _noise_pair(ref):
    a, b = NOISE_PAIR
    left = {"pos": a, "rev": False, "cigar": [(0, READ)], "seq": ref[a:a + READ], "sa": None, "unmapped": False,
            "end": a + READ}
    right = {"pos": b, "rev": True, "cigar": [(0, READ)], "seq": ref[b:b + READ], "sa": None, "unmapped": False,
             "end": b + READ}
    return _records("noise_pair", left, right, False)


def _noise_clip(ref):
    p = NOISE_CLIP
    seq = ref[p - 70:p] + revcomp(ref[p:p + 30])  # 30 bases that do not belong here
    left = {"pos": p - 70, "rev": False, "cigar": [(0, 70), (4, 30)], "seq": seq, "sa": None, "unmapped": False,
            "end": p}
    right = {"pos": p + 150, "rev": True, "cigar": [(0, READ)], "seq": ref[p + 150:p + 150 + READ], "sa": None,
             "unmapped": False, "end": p + 150 + READ}
    return _records("noise_clip", left, right, False)
