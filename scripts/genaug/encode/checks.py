"""Input checks for the ``sv`` kind, run before any long work.

Each failure raises ``InputError`` whose message is one line naming the file
and the problem.
"""

import os

import pysam

from ..errors import InputError, some_names

INDEX_SUFFIXES = {".bam": (".bai", ".csi"), ".cram": (".crai",)}


def _index_paths(path):
    root, ext = os.path.splitext(path)
    for suf in INDEX_SUFFIXES.get(ext.lower(), ()):
        yield path + suf
        yield root + suf


def open_alignments(path, reference=None):
    """Open a BAM/CRAM after checking it exists, has a fresh index and an EOF marker."""
    path = str(path)
    if not os.path.exists(path):
        raise InputError(path, "file not found")
    ext = os.path.splitext(path)[1].lower()
    if ext not in INDEX_SUFFIXES:
        raise InputError(path, "expected a .bam or .cram file")
    index = next((p for p in _index_paths(path) if os.path.exists(p)), None)
    if index is None:
        raise InputError(path, f"no index found (looked for {path}{INDEX_SUFFIXES[ext][0]}); "
                               f"run `samtools index {path}`")
    if os.path.getmtime(index) < os.path.getmtime(path):
        raise InputError(path, f"index {index} is older than the file; re-run `samtools index {path}`")
    try:
        f = pysam.AlignmentFile(path, reference_filename=str(reference) if reference else None)
    except (OSError, ValueError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        if "truncat" in msg.lower() or "EOF" in msg:
            msg = "truncated (no BGZF EOF marker): the file was cut short; re-create it"
        raise InputError(path, msg) from None
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


def check_vcf_index(path):
    """A bgzipped VCF must have a fresh index: a stale one gives silently wrong queries."""
    path = str(path)
    if not os.path.exists(path):
        raise InputError(path, "file not found")
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
