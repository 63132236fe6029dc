"""Input checks for the ``sv`` kind, run before any long work.

Each failure raises ``InputError`` whose message is one line naming the file
and the problem.
"""

import contextlib
import gzip
import hashlib
import logging
import os

import pysam

from ..errors import InputError, some_names

log = logging.getLogger(__name__)

# reads read from the start of a BAM to check that it really is coordinate-sorted
SORT_CHECK_READS = 10_000

INDEX_SUFFIXES = {".bam": (".bai", ".csi"), ".cram": (".crai",)}


def _index_paths(path):
    root, ext = os.path.splitext(path)
    for suf in INDEX_SUFFIXES.get(ext.lower(), ()):
        yield path + suf
        yield root + suf


@contextlib.contextmanager
def handles(*files):
    """Close pysam files at the end of the block; a close that fails after a read error
    ("Closing failed") never hides the error that ended the block."""
    try:
        yield files
    except BaseException:
        for f in files:
            with contextlib.suppress(OSError):
                f.close()
        raise
    for f in files:
        f.close()


def sniff(path):
    """What the first bytes of a file say it is: 'bgzf', 'gzip', 'cram', 'bam', 'bcf', 'sam', 'text' or 'empty'.

    A BGZF file (BAM, bgzipped VCF/FASTA, BCF) is a gzip file whose first block carries the
    'BC' extra field; its first decompressed bytes tell BAM and BCF apart.
    """
    with open(path, "rb") as f:
        head = f.read(18)
    if not head:
        return "empty"
    if head[:4] == b"CRAM":
        return "cram"
    if head[:2] == b"\x1f\x8b":
        if not (len(head) >= 14 and head[3] & 4 and head[12:14] == b"BC"):
            return "gzip"
        try:
            with gzip.open(path, "rb") as g:
                magic = g.read(4)
        except (OSError, EOFError):
            return "bgzf"
        return {b"BAM\x01": "bam", b"BCF\x02": "bcf"}.get(magic, "bgzf")
    if head[:1] == b"@" or head[:3] in (b"@HD", b"@SQ"):
        return "sam"
    return "text"


def _alignment_format(path, ext):
    """The container matches the name: a SAM, gzip or CRAM file named .bam is one line, not a traceback."""
    kind = sniff(path)
    if ext == ".bam" and kind != "bam":
        fix = {"sam": f"it is SAM text, not BAM: convert it with `samtools sort -o out.bam {path}` "
                      "and `samtools index out.bam`",
               "cram": "it is CRAM, not BAM: name it .cram (and index it with `samtools index`)",
               "empty": "the file is empty",
               "gzip": "it is plain gzip, not BAM (BGZF): if it is gzipped SAM, convert it with "
                       f"`samtools sort -o out.bam {path}`"}
        raise InputError(path, fix.get(kind, "is not a BAM file (no BGZF/BAM magic); "
                                            "expected a coordinate-sorted BAM from `samtools sort`"))
    if ext == ".cram" and kind != "cram":
        fix = {"bam": "it is BAM, not CRAM: name it .bam (and index it with `samtools index`)",
               "empty": "the file is empty"}
        raise InputError(path, fix.get(kind, "is not a CRAM file (no CRAM magic)"))


def _open_raw(path, reference):
    try:
        return pysam.AlignmentFile(path, reference_filename=str(reference) if reference else None,
                                   require_index=False)
    except (OSError, ValueError, NotImplementedError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        if "truncat" in msg.lower() or "EOF" in msg:
            msg = "truncated (no BGZF EOF marker): the file was cut short; re-create it"
        raise InputError(path, msg) from None


def check_sorted(f, path, n=SORT_CHECK_READS):
    """Header SO and the actual order of the first ``n`` reads: an unsorted BAM is refused first,
    since neither its index nor any window could be right."""
    so = f.header.to_dict().get("HD", {}).get("SO", "unknown")
    last, k = (-1, -1), 0
    fix = (f"sort it with `samtools sort -o sorted{os.path.splitext(path)[1]} {path}` "
           "and index that with `samtools index`")
    try:
        for r in f.fetch(until_eof=True):
            if r.is_unmapped and r.reference_id < 0:
                break  # unplaced unmapped reads come last
            key = (r.reference_id, r.reference_start)
            if key < last:
                raise InputError(path, f"is not coordinate-sorted (header SO:{so}; read {r.query_name} at "
                                       f"{r.reference_name}:{r.reference_start + 1} comes after "
                                       f"{f.get_reference_name(last[0])}:{last[1] + 1}): {fix}")
            last, k = key, k + 1
            if k >= n:
                break
    except (OSError, ValueError) as e:
        raise InputError(path, f"cannot be read ({str(e).splitlines()[0] if str(e) else type(e).__name__}); "
                               "re-create it") from None
    if so != "coordinate":
        log.warning("%s: header says SO:%s, not coordinate, though its first %d reads are in order; "
                    "if it is not sorted, %s", path, so, k, fix)


def open_alignments(path, reference=None):
    """Open a BAM/CRAM after checking it exists, is what its name says (a CRAM: written with
    this reference), is coordinate-sorted, and has a fresh index and an EOF marker."""
    path = str(path)
    if not os.path.exists(path):
        raise InputError(path, "file not found")
    ext = os.path.splitext(path)[1].lower()
    if ext not in INDEX_SUFFIXES:
        raise InputError(path, "expected a .bam or .cram file")
    _alignment_format(path, ext)
    if ext == ".cram":
        check_cram_reference(path, reference)
    raw = _open_raw(path, reference)
    with handles(raw):
        check_sorted(raw, path)
    index = next((p for p in _index_paths(path) if os.path.exists(p)), None)
    if index is None:
        raise InputError(path, f"no index found (looked for {path}{INDEX_SUFFIXES[ext][0]}); "
                               f"run `samtools index {path}`")
    if os.path.getmtime(index) < os.path.getmtime(path):
        raise InputError(path, f"index {index} is older than the file; re-run `samtools index {path}`")
    f = _open_raw(path, reference)
    if not f.has_index():
        f.close()
        raise InputError(path, f"index {index} cannot be read; re-run `samtools index {path}`")
    if f.nreferences == 0:
        f.close()
        raise InputError(path, "header has no @SQ contigs")
    return f


def open_reference(path):
    """Open an indexed FASTA; a missing or stale .fai is an error, not rebuilt behind the user's back."""
    path = str(path)
    if not os.path.exists(path):
        raise InputError(path, "file not found")
    kind = sniff(path)
    if kind == "gzip":
        raise InputError(path, f"is gzip, not bgzip, and cannot be indexed: recompress it with "
                               f"`zcat {path} | bgzip > {path}.bgz`, then `samtools faidx` that file")
    if kind in ("bam", "cram", "bcf", "empty"):
        raise InputError(path, f"is {kind.upper() if kind != 'empty' else 'empty'}, not a FASTA file")
    fai = path + ".fai"
    if not os.path.exists(fai):
        raise InputError(path, f"no index {fai}; run `samtools faidx {path}`")
    if os.path.getmtime(fai) < os.path.getmtime(path):
        raise InputError(path, f"index {fai} is older than the file; re-run `samtools faidx {path}`")
    try:
        return pysam.FastaFile(path)
    except (OSError, ValueError) as e:
        raise InputError(path, f"cannot be read as an indexed FASTA ({str(e).splitlines()[0]}); "
                         f"run `samtools faidx {path}`") from None


def check_vcf(path):
    """A VCF is plain text, bgzipped (BGZF) or BCF, and its index, when it has one, is fresh:
    a plain-gzip .vcf.gz or a stale index is one line saying what to run."""
    path = str(path)
    if not os.path.exists(path):
        raise InputError(path, "file not found")
    kind = sniff(path)
    if kind == "gzip":
        raise InputError(path, f"is gzip, not bgzip: recompress it with `zcat {path} | bgzip > fixed.vcf.gz` "
                               "and index that with `tabix -p vcf fixed.vcf.gz`")
    if kind in ("bam", "cram", "empty"):
        raise InputError(path, f"is {kind.upper() if kind != 'empty' else 'empty'}, not a VCF/BCF file")
    for suf in (".tbi", ".csi"):
        idx = path + suf
        if os.path.exists(idx) and os.path.getmtime(idx) < os.path.getmtime(path):
            raise InputError(path, f"index {idx} is older than the file; re-run `tabix -p vcf {path}`")


def shared_contigs(bam, fasta, bam_path, fasta_path):
    """Contig -> length for contigs of the BAM, checked against the reference."""
    ref_lengths = dict(zip(fasta.references, fasta.lengths))
    bam_lengths = dict(zip(bam.references, bam.lengths))
    common = [c for c in bam_lengths if c in ref_lengths]
    if not common:
        raise InputError(bam_path, f"no contig name in common with reference {fasta_path} "
                         f"(BAM has {some_names(bam_lengths)}, reference has {some_names(ref_lengths)}); "
                         f"use the reference the reads were aligned to")
    for c in common:
        if bam_lengths[c] != ref_lengths[c]:
            raise InputError(bam_path, f"contig '{c}' is {bam_lengths[c]} bp in the BAM header but "
                             f"{ref_lengths[c]} bp in reference {fasta_path}: not the same assembly")
    return {c: bam_lengths[c] for c in common}



def check_cram_reference(path, reference):
    """A CRAM decodes against its reference: every contig's MD5 (header M5) that the reference
    also has must match it, or htslib fails mid-file ("truncated file") or, where a slice
    carries no checksum, stacks wrong bases."""
    if not reference:
        raise InputError(path, "a CRAM needs the reference it was written with; set the dataset's reference")
    raw = _open_raw(path, reference)
    with handles(raw):
        m5 = {sq["SN"]: sq.get("M5") for sq in raw.header.to_dict().get("SQ", [])}
    fasta = open_reference(reference)
    with handles(fasta):
        for c in fasta.references:
            want = m5.get(c)
            if not want:
                continue
            got = hashlib.md5(fasta.fetch(c).upper().encode("ascii")).hexdigest()
            if got != want.lower():
                raise InputError(path, f"contig '{c}' has MD5 {want} in the CRAM header but {got} in reference "
                                       f"{reference}: not the reference the CRAM was written with; set the "
                                       "dataset's reference to that FASTA")


# |SVLEN| may differ from END - POS by this much (callers differ on counting the padding base)
SVLEN_TOLERANCE = 1


def _raw_info(rec, key):
    """An INFO value as written: htslib replaces an END before POS, or one that SVLEN
    contradicts, by its own span, so the record's text is the only honest source."""
    info = str(rec).split("\t", 8)[7]
    for field in info.split(";"):
        k, _, v = field.partition("=")
        if k == key:
            return v
    return None


def sv_span(rec, svtype, svlen):
    """(END, problem) of a DEL/DUP/INV/INS record: END as written (or implied by a sequence-resolved
    allele, or POS + |SVLEN| when END is absent); ``problem`` names what makes the record impossible
    (END before POS, zero length, SVLEN disagreeing with END, no END at all), else None."""
    pos = rec.pos
    if svtype == "INS":
        return pos, None
    raw = _raw_info(rec, "END")
    symbolic = bool(rec.alts) and rec.alts[0].startswith("<")
    if raw is not None:
        try:
            end = int(raw)
        except ValueError:
            return None, f"END={raw} is not a number"
    elif not symbolic and rec.ref:
        end = pos + len(rec.ref) - 1
    elif svlen:
        end = pos + abs(int(svlen))
    else:
        return None, "no END and no SVLEN"
    if end < pos:
        return end, "END before POS"
    if end == pos:
        return end, f"zero-length {svtype}"
    if svlen is not None and raw is not None and abs(abs(int(svlen)) - (end - pos)) > SVLEN_TOLERANCE:
        return end, "SVLEN disagrees with END"
    return end, None
