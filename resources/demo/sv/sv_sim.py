#!/usr/bin/env python3
"""Helper for make_demo.sh (genaug SV demo data).

Subcommands
  plant    run SURVIVOR simSV per size band on separate pieces of the reference
           (frozen, seed-derived clock via faketime), check what it planted,
           join the pieces back, lift coordinates to the reference and write a
           valid VCFv4.2 truth set plus the altered genome.
  shuffle  interleave the read pairs simulated from the altered genome and
           from the reference, in an order given by a seeded hash, and rename
           them r000001... so names reveal nothing about their origin.
  check    sanity checks of sample.bam against the truth set (coverage drop,
           discordant pairs and clipped reads at deletions) and, optionally,
           how many truth SVs DELLY found.

SURVIVOR simSV semantics (1.0.7, verified here by rebuilding its genome from
its own VCF; 0-based start s, exclusive stop e as written in its VCF POS/END):
  DEL  ref[s:e] removed           -> VCF POS=s (base before), END=e
  INS  random seq put before s    -> VCF POS=s, END=s (SURVIVOR writes s+len)
  DUP  ref[s:e] copied before s   -> tandem duplication POS=s, END=e
  INV  ref[s:e] reverse-complemented in place -> POS=s, END=e
Plus the piece offset o (0-based start of the piece in ref.fa): POS += o.
"""
import argparse
import datetime
import hashlib
import os
import subprocess
import sys

COMP = str.maketrans("ACGTN", "TGCAN")

# size bands: name, min (incl.), max (excl.; SURVIVOR draws min + rand % (max-min))
# counts per piece: DUP, INDEL (SURVIVOR splits it ~half DEL / half INS at
# random; runs without an exact half/half split are rejected), INV
BANDS = {
    "S": dict(lo=50, hi=500, dup=3, indel=8, inv=3),
    "M": dict(lo=500, hi=2000, dup=2, indel=4, inv=2),
    "L": dict(lo=2000, hi=10000, dup=1, indel=2, inv=1),
}
PIECE_BANDS = ["S", "M", "L", "S", "M", "L", "S", "M", "L"]
FLANK = 5000          # unaltered bases at each end of the window
MIN_GAP = 1000        # min distance between events and from piece edges
MAX_ATTEMPTS = 1000   # clock offsets tried per piece
EPOCH0 = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)


def read_fasta(path):
    seqs, name, buf = {}, None, []
    with open(path) as fh:
        for line in fh:
            line = line.strip()
            if line.startswith(">"):
                if name is not None:
                    seqs[name] = "".join(buf)
                name, buf = line[1:].split()[0], []
            elif line:
                buf.append(line)
    if name is not None:
        seqs[name] = "".join(buf)
    return seqs


def write_fasta(path, name, seq, width=60):
    with open(path, "w") as fh:
        fh.write(">%s\n" % name)
        for i in range(0, len(seq), width):
            fh.write(seq[i:i + width] + "\n")


def apply_events(ref, events, ins_seqs):
    """events: (s, e, type) 0-based, non-overlapping; ins_seqs[s] for INS and SUB."""
    out, cur = [], 0
    for s, e, t in sorted(events):
        assert s >= cur, "overlapping events"
        out.append(ref[cur:s])
        if t == "DEL":
            cur = e
        elif t == "INS":
            out.append(ins_seqs[s])
            cur = s
        elif t == "DUP":
            out.append(ref[s:e])
            cur = s
        elif t == "INV":
            out.append(ref[s:e][::-1].translate(COMP))
            cur = e
        elif t == "SUB":  # background SNP or small deletion: ref[s:e] replaced by ins_seqs[s]
            out.append(ins_seqs[s])
            cur = e
        else:
            raise ValueError(t)
    out.append(ref[cur:])
    return "".join(out)


def parse_survivor_vcf(path):
    recs = []
    with open(path) as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            info = dict(x.split("=", 1) for x in f[7].split(";") if "=" in x)
            recs.append(dict(chrom=f[0], pos=int(f[1]), svtype=info.get("SVTYPE", "?"),
                             end=int(info.get("END", -1)), svlen=int(info.get("SVLEN", 0)),
                             alt=f[4]))
    return recs


def make_params(template, band):
    b = BANDS[band]
    vals = {
        "DUPLICATION_minimum_length": b["lo"], "DUPLICATION_maximum_length": b["hi"],
        "DUPLICATION_number": b["dup"],
        "INDEL_minimum_length": b["lo"], "INDEL_maximum_length": b["hi"],
        "INDEL_number": b["indel"],
        "TRANSLOCATION_number": 0,
        "INVERSION_minimum_length": b["lo"], "INVERSION_maximum_length": b["hi"],
        "INVERSION_number": b["inv"],
        "INV_del_number": 0, "INV_dup_number": 0,
    }
    out, seen = [], set()
    for line in template.splitlines():
        key = line.split(":")[0]
        if key in vals:
            line = "%s: %d" % (key, vals[key])
            seen.add(key)
        out.append(line)
    missing = set(vals) - seen
    if missing:
        sys.exit("SURVIVOR parameter template lacks %s" % sorted(missing))
    return "\n".join(out) + "\n"


def run_piece(workdir, idx, band, piece_seq, seed):
    """Try seed-derived frozen clocks until SURVIVOR plants exactly what was
    asked, with enough spacing. Returns (events, ins_seqs, alt_seq, clock)."""
    b = BANDS[band]
    name = "p%d" % idx
    pfa = os.path.join(workdir, name + ".fa")
    write_fasta(pfa, name, piece_seq)
    tmpl = os.path.join(workdir, "template_params.txt")
    if not os.path.exists(tmpl):
        subprocess.run(["SURVIVOR", "simSV", tmpl], check=True, stdout=subprocess.DEVNULL)
    params = os.path.join(workdir, "params_%s.txt" % band)
    with open(params, "w") as fh:
        fh.write(make_params(open(tmpl).read(), band))
    env = dict(os.environ, TZ="UTC")
    L = len(piece_seq)
    for attempt in range(MAX_ATTEMPTS):
        clock = EPOCH0 + datetime.timedelta(seconds=seed * 86400 + idx * 1000 + attempt)
        clock_s = clock.strftime("%Y-%m-%d %H:%M:%S")
        prefix = os.path.join(workdir, "%s_try" % name)
        for ext in (".vcf", ".fasta", ".insertions.fa", ".bed"):
            if os.path.exists(prefix + ext):
                os.remove(prefix + ext)
        subprocess.run(["faketime", "-f", "@" + clock_s, "SURVIVOR", "simSV", pfa, params,
                        "0", "0", prefix], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not os.path.exists(prefix + ".vcf") or not os.path.exists(prefix + ".fasta"):
            continue
        recs = parse_survivor_vcf(prefix + ".vcf")
        types = [r["svtype"] for r in recs]
        # SURVIVOR exits 0 even when it gave up: check the planted counts
        if (types.count("DUP") != b["dup"] or types.count("INV") != b["inv"]
                or types.count("DEL") + types.count("INS") != b["indel"]
                or len(recs) != b["dup"] + b["inv"] + b["indel"]):
            continue
        # SURVIVOR splits INDEL_number between DEL and INS at random: keep runs
        # with an even split so that every band has as many DEL as INS
        if types.count("DEL") != b["indel"] // 2:
            continue
        ok = True
        events = []
        for r in recs:
            s, e, t = r["pos"], r["end"], r["svtype"]
            if r["chrom"] != name or e - s != r["svlen"] or not (b["lo"] <= r["svlen"] < b["hi"]):
                ok = False
            events.append((s, e, t))
        if not ok:
            continue
        # spacing: reference footprint of INS is the point s
        spans = sorted((s, s if t == "INS" else e) for s, e, t in events)
        if spans[0][0] < MIN_GAP or L - spans[-1][1] < MIN_GAP:
            continue
        if any(spans[i + 1][0] - spans[i][1] < MIN_GAP for i in range(len(spans) - 1)):
            continue
        ins = read_fasta(prefix + ".insertions.fa") if os.path.exists(prefix + ".insertions.fa") else {}
        ins_seqs = {}
        for s, e, t in events:
            if t == "INS":
                seq = ins.get("%s_%d" % (name, s))
                if seq is None or len(seq) != e - s:
                    sys.exit("piece %s: insertion sequence at %d missing or wrong length" % (name, s))
                ins_seqs[s] = seq
        alt = read_fasta(prefix + ".fasta")[name]
        rebuilt = apply_events(piece_seq, events, ins_seqs)
        if rebuilt != alt:
            sys.exit("piece %s: SURVIVOR genome differs from the genome rebuilt from its VCF "
                     "(coordinate convention changed?)" % name)
        return events, ins_seqs, alt, clock_s, attempt
    sys.exit("piece %s: no acceptable SURVIVOR run in %d clock values" % (name, MAX_ATTEMPTS))


def band_of(length):
    for k, b in BANDS.items():
        if b["lo"] <= length < b["hi"]:
            return k
    return "?"


def cmd_plant(a):
    ref_all = read_fasta(a.ref)
    if len(ref_all) != 1:
        sys.exit("expected one contig in %s" % a.ref)
    chrom, ref = next(iter(ref_all.items()))
    L = len(ref)
    if "N" in ref:
        sys.exit("reference window contains N")
    inner = L - 2 * FLANK
    n = len(PIECE_BANDS)
    bounds = [FLANK + (inner * i) // n for i in range(n + 1)]
    all_events, all_ins, alt_parts = [], {}, [ref[:FLANK]]
    log = []
    for i, band in enumerate(PIECE_BANDS):
        o, oe = bounds[i], bounds[i + 1]
        ev, ins, alt, clock, attempt = run_piece(a.workdir, i, band, ref[o:oe], a.seed)
        log.append("piece p%d %d-%d band %s: faketime @%s (attempt %d), %d SVs"
                   % (i, o + 1, oe, band, clock, attempt, len(ev)))
        for s, e, t in ev:
            all_events.append((o + s, o + e, t))
            if t == "INS":
                all_ins[o + s] = ins[s]
        alt_parts.append(alt)
    alt_parts.append(ref[bounds[-1]:])
    alt_genome = "".join(alt_parts)
    # lifted coordinates must rebuild the joined altered genome from ref.fa
    if apply_events(ref, all_events, all_ins) != alt_genome:
        sys.exit("lifted truth does not rebuild the altered genome")
    write_fasta(a.alt_out, chrom, alt_genome)
    all_events.sort()
    genotypes = {ev: "0/1" for ev in all_events}
    if a.hom_share > 0 or a.background:
        genotypes = second_haplotype(a, chrom, ref, all_events, all_ins)
    with open(a.vcf_out, "w") as fh:
        fh.write("##fileformat=VCFv4.2\n")
        fh.write("##source=SURVIVOR_simSV(%s);genaug_make_demo.sh;seed=%d\n" % (a.survivor_version, a.seed))
        fh.write("##reference=ref.fa\n")
        fh.write("##contig=<ID=%s,length=%d>\n" % (chrom, L))
        fh.write("##genaug_window=ref.fa %s:1-%d is GRCh37 chromosome 20:35000001-36200000\n" % (chrom, L))
        for alt, desc in (("DEL", "Deletion"), ("DUP", "Tandem duplication"),
                          ("INV", "Inversion"), ("INS", "Insertion of novel sequence")):
            fh.write('##ALT=<ID=%s,Description="%s">\n' % (alt, desc))
        fh.write('##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">\n')
        fh.write('##INFO=<ID=SVLEN,Number=1,Type=Integer,'
                 'Description="Length of the SV in bp (negative for deletions)">\n')
        fh.write('##INFO=<ID=END,Number=1,Type=Integer,'
                 'Description="End position of the variant (END=POS for insertions)">\n')
        fh.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        fh.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSAMPLE\n")
        counters = {}
        for s, e, t in all_events:
            counters[t] = counters.get(t, 0) + 1
            length = e - s
            svlen = -length if t == "DEL" else length
            end = s if t == "INS" else e
            pos = s  # 1-based base before the event == 0-based start
            fh.write("%s\t%d\t%s_%03d\t%s\t<%s>\t.\tPASS\tSVTYPE=%s;SVLEN=%d;END=%d\tGT\t%s\n"
                     % (chrom, pos, t, counters[t], ref[pos - 1], t, t, svlen, end, genotypes[(s, e, t)]))
    # summary: counts by type and band
    table = {}
    for s, e, t in all_events:
        table[(t, band_of(e - s))] = table.get((t, band_of(e - s)), 0) + 1
    with open(a.summary_out, "w") as fh:
        for line in log:
            fh.write("# " + line + "\n")
        fh.write("type\t50-499\t500-1999\t2000-9999\ttotal\n")
        tot = [0, 0, 0, 0]
        for t in ("DEL", "DUP", "INV", "INS"):
            row = [table.get((t, k), 0) for k in "SML"]
            fh.write("%s\t%d\t%d\t%d\t%d\n" % (t, row[0], row[1], row[2], sum(row)))
            tot = [x + y for x, y in zip(tot, row + [sum(row)])]
        fh.write("all\t%d\t%d\t%d\t%d\n" % tuple(tot))
    print("planted %d SVs; altered genome %d bp (ref %d bp)" % (len(all_events), len(alt_genome), L))


def second_haplotype(a, chrom, ref, sv_events, sv_ins):
    """Two haplotypes instead of altered genome + reference: a seeded share ``a.hom_share`` of the SVs
    is homozygous (on both), the rest on haplotype 1 only; background SNPs and small indels (1-15 bp,
    outside every SV footprint +- 50 bp) go on haplotype 1, 2 or both (one third each). Rewrites
    ``a.alt_out`` as haplotype 1, writes haplotype 2 to ``a.hap2_out`` and the background variants to
    ``a.background_out`` (VCF). Returns {sv event: GT}."""
    import random
    rng = random.Random("genaug-sample2-%d" % a.seed)
    n_hom = round(a.hom_share * len(sv_events))
    hom = set(rng.sample(sv_events, n_hom))
    genotypes = {ev: ("1/1" if ev in hom else "0/1") for ev in sv_events}
    L = len(ref)
    busy = sorted((s - 50, (s if t == "INS" else e) + 50) for s, e, t in sv_events)
    starts = [b[0] for b in busy]

    def free(lo, hi):
        import bisect
        i = bisect.bisect_right(starts, hi)
        return not any(b[1] >= lo for b in busy[max(0, i - 3):i])

    bg, taken = [], set()
    n_snp, n_indel = int(L * a.snp_rate), int(L * a.indel_rate)
    kinds = ["SNP"] * n_snp + ["INDEL"] * n_indel
    for kind in kinds:
        for _ in range(100):
            s = rng.randrange(FLANK, L - FLANK)
            n = 1 if kind == "SNP" else rng.randint(1, 15)
            if not free(s - 2, s + n + 2) or any(x in taken for x in range(s - 2, s + n + 3)):
                continue
            if kind == "SNP":
                seq, e, t = rng.choice([b for b in "ACGT" if b != ref[s]]), s + 1, "SNP"
            elif rng.random() < 0.5:  # small deletion of ref[s:s+n] after base s-1 (VCF POS s)
                seq, e, t = "", s + n, "DEL"
            else:  # small insertion after base s (0-based s-1)
                seq, e, t = "".join(rng.choice("ACGT") for _ in range(n)), s, "INS"
            taken.update(range(s - 2, s + n + 3))
            bg.append((s, e, t, seq, rng.choice(["0|1", "1|0", "1|1"])))
            break
    bg.sort()
    haps = []
    for h in (0, 1):
        ev = [x for x in sv_events if h == 0 or x in hom]
        ins = {x[0]: sv_ins[x[0]] for x in ev if x[2] == "INS"}
        for s, e, t, seq, gt in bg:
            if gt.split("|")[h] == "1":
                ev.append((s, e, "SUB" if t != "INS" else "INS"))
                ins[s] = seq
        haps.append(apply_events(ref, ev, ins))
    write_fasta(a.alt_out, chrom, haps[0])
    write_fasta(a.hap2_out, chrom, haps[1])
    with open(a.background_out, "w") as fh:
        fh.write("##fileformat=VCFv4.2\n##source=genaug_make_demo.sh;background;seed=%d\n" % a.seed)
        fh.write("##contig=<ID=%s,length=%d>\n" % (chrom, L))
        fh.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        fh.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSAMPLE\n")
        for s, e, t, seq, gt in bg:
            if t == "SNP":
                pos, r, alt = s + 1, ref[s], seq
            elif t == "DEL":
                pos, r, alt = s, ref[s - 1:e], ref[s - 1]
            else:
                pos, r, alt = s, ref[s - 1], ref[s - 1] + seq
            fh.write("%s\t%d\t.\t%s\t%s\t.\tPASS\t.\tGT\t%s\n" % (chrom, pos, r, alt, gt))
    counts = {}
    for x in bg:
        counts[(x[2], x[4] == "1|1")] = counts.get((x[2], x[4] == "1|1"), 0) + 1
    print("homozygous SVs: %d of %d; background: %s" % (n_hom, len(sv_events), ", ".join(
        "%s %s %d" % (t, "hom" if h else "het", n) for (t, h), n in sorted(counts.items()))))
    return genotypes


def read_fastq(path):
    with open(path) as fh:
        while True:
            h = fh.readline()
            if not h:
                return
            s = fh.readline()
            fh.readline()
            q = fh.readline()
            yield h[1:].split()[0], s.rstrip("\n"), q.rstrip("\n")


def cmd_shuffle(a):
    pairs = []
    for origin, (f1, f2) in (("alt", (a.alt1, a.alt2)), ("ref", (a.ref1, a.ref2))):
        for i, (r1, r2) in enumerate(zip(read_fastq(f1), read_fastq(f2))):
            n1, n2 = r1[0].rsplit("/", 1)[0], r2[0].rsplit("/", 1)[0]
            if n1 != n2:
                sys.exit("unpaired reads %s %s" % (n1, n2))
            key = hashlib.sha256(("%d|%s|%s" % (a.seed, origin, n1)).encode()).hexdigest()
            pairs.append((key, r1[1:], r2[1:]))
    pairs.sort(key=lambda p: p[0])
    with open(a.out1, "w") as o1, open(a.out2, "w") as o2:
        for i, (_, (s1, q1), (s2, q2)) in enumerate(pairs, 1):
            o1.write("@r%06d\n%s\n+\n%s\n" % (i, s1, q1))
            o2.write("@r%06d\n%s\n+\n%s\n" % (i, s2, q2))
    print("%d read pairs" % len(pairs))


def load_truth(path):
    import pysam
    out = []
    for r in pysam.VariantFile(path):
        out.append((r.chrom, r.pos, r.stop, r.info["SVTYPE"], abs(r.info["SVLEN"])))
    return out


def cmd_check(a):
    import numpy as np
    import pysam
    truth = load_truth(a.truth)
    bam = pysam.AlignmentFile(a.bam)
    chrom = bam.references[0]
    L = bam.lengths[0]
    depth = np.zeros(L + 1, dtype=np.int32)
    n_reads = 0
    bases = 0
    for r in bam.fetch(chrom):
        if r.is_secondary or r.is_supplementary or r.is_unmapped:
            continue
        n_reads += 1
        for bs, be in r.get_blocks():
            depth[bs] += 1
            depth[be] -= 1
            bases += be - bs
    depth = np.cumsum(depth)[:L]
    tot = bam.mapped + bam.unmapped if bam.has_index() else n_reads
    lines = []
    lines.append("reads: %d (primary mapped %d); mean aligned depth %.1fx; median depth %.0fx"
                 % (tot, n_reads, bases / L, float(np.median(depth))))
    # deletions: depth inside vs flanks, spanning pairs, clipped reads at the breakpoints
    dels = [t for t in truth if t[3] == "DEL"]
    lines.append("DEL checks (POS = last kept base before the deletion, END = last deleted base):")
    lines.append("POS\tEND\tSVLEN\tdepth_in/flank\tspanning_pairs\tclips_end_POS..+3\tclips_start_END+1-3..0")
    good = 0
    hist_l, hist_r = {}, {}
    for c, pos, end, t, ln in dels:
        inside = depth[pos:end].mean()          # 0-based pos..end-1 == 1-based pos+1..end
        flank = np.concatenate([depth[max(0, pos - 1000):pos], depth[end:end + 1000]]).mean()
        span = 0
        clip_l = clip_r = 0
        for r in bam.fetch(c, max(0, pos - 1000), pos + 1):
            if r.is_secondary or r.is_supplementary or r.is_unmapped:
                continue
            if (r.is_paired and not r.mate_is_unmapped and not r.is_reverse and r.mate_is_reverse
                    and r.reference_end <= pos + 5 and r.next_reference_start >= end - 5
                    and r.next_reference_id == r.reference_id):
                span += 1
        for r in bam.fetch(c, max(0, pos - 200), end + 200):
            if r.is_secondary or r.is_unmapped or not r.cigartuples:
                continue
            # soft clips >= 10 bp within 10 bp of the breakpoints; microhomology
            # lets the aligner put the junction up to its length to the right
            # of POS (left breakpoint) or to the left of END+1 (right breakpoint)
            if r.cigartuples[-1][0] == 4 and r.cigartuples[-1][1] >= 10 and abs(r.reference_end - pos) <= 10:
                off = r.reference_end - pos
                hist_l[off] = hist_l.get(off, 0) + 1
                clip_l += 0 <= off <= 3
            if r.cigartuples[0][0] == 4 and r.cigartuples[0][1] >= 10 and abs(r.reference_start - end) <= 10:
                off = r.reference_start - end
                hist_r[off] = hist_r.get(off, 0) + 1
                clip_r += -3 <= off <= 0
        ratio = inside / flank if flank > 0 else float("nan")
        lines.append("%d\t%d\t%d\t%.2f\t%d\t%d\t%d" % (pos, end, -ln, ratio, span, clip_l, clip_r))
        if ln >= 300 and ratio < 0.8 and span >= 2:
            good += 1
    fmt = lambda h: ", ".join("%+d:%d" % kv for kv in sorted(h.items()))
    lines.append("soft-clip offsets over all DELs, (last aligned base) - POS -> reads: " + fmt(hist_l))
    lines.append("soft-clip offsets over all DELs, (first aligned base) - (END+1) -> reads: " + fmt(hist_r))
    big = sum(1 for d in dels if d[4] >= 300)
    lines.append("DELs >= 300 bp with depth ratio < 0.8 and >= 2 spanning pairs: %d of %d" % (good, big))
    if a.calls:
        calls = []
        for r in pysam.VariantFile(a.calls):
            calls.append((r.pos, r.stop, r.info.get("SVTYPE")))
        found = {}
        for c, pos, end, t, ln in truth:
            hit = any(ct == t and abs(cp - pos) <= 500 and (t == "INS" or abs(ce - end) <= 500)
                      for cp, ce, ct in calls)
            k = found.setdefault(t, [0, 0])
            k[0] += hit
            k[1] += 1
        lines.append("DELLY calls: %d records; truth SVs matched (same type, both ends within 500 bp): %s"
                     % (len(calls), ", ".join("%s %d/%d" % (t, v[0], v[1]) for t, v in sorted(found.items()))))
    text = "\n".join(lines) + "\n"
    with open(a.out, "w") as fh:
        fh.write(text)
    sys.stdout.write(text)
    if big and good < 0.8 * big:
        sys.exit("too few deletions visible in the BAM: truth coordinates suspicious")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("plant")
    q.add_argument("--ref", required=True)
    q.add_argument("--seed", type=int, required=True)
    q.add_argument("--workdir", required=True)
    q.add_argument("--alt-out", required=True)
    q.add_argument("--vcf-out", required=True)
    q.add_argument("--summary-out", required=True)
    q.add_argument("--survivor-version", default="unknown")
    q.add_argument("--hom-share", type=float, default=0.0, help="share of SVs made homozygous")
    q.add_argument("--background", action="store_true", help="add background SNPs and small indels")
    q.add_argument("--snp-rate", type=float, default=0.001, help="background SNPs per bp")
    q.add_argument("--indel-rate", type=float, default=0.0001, help="background small indels per bp")
    q.add_argument("--hap2-out", help="second haplotype FASTA (with --hom-share / --background)")
    q.add_argument("--background-out", help="background variants VCF (with --hom-share / --background)")
    q.set_defaults(func=cmd_plant)
    q = sub.add_parser("shuffle")
    q.add_argument("--seed", type=int, required=True)
    for x in ("alt1", "alt2", "ref1", "ref2", "out1", "out2"):
        q.add_argument("--" + x, required=True)
    q.set_defaults(func=cmd_shuffle)
    q = sub.add_parser("check")
    q.add_argument("--bam", required=True)
    q.add_argument("--truth", required=True)
    q.add_argument("--calls")
    q.add_argument("--out", required=True)
    q.set_defaults(func=cmd_check)
    a = p.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
