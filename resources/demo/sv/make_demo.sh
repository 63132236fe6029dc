#!/usr/bin/env bash
# Regenerate the genaug SV demo data (reference window, planted truth SVs,
# simulated heterozygous 2x150 bp BAM, DELLY calls) deterministically.
#
#   bash resources/demo/sv/make_demo.sh [SEED] [PROFILE] # SEED defaults to 1
#   OUT=/some/dir bash resources/demo/sv/make_demo.sh 1  # write elsewhere
#   bash resources/demo/sv/make_demo.sh 1 sample2        # the second sample
#
# PROFILE: main (default; 20:35,000,001-36,200,000 at 20x, every SV heterozygous,
# into this script's dir) or sample2 (20:37,000,001-38,200,000 at 8x, about 30 %
# of the SVs homozygous, background SNPs and small indels, into sample2/).
# Environment: OUT (output dir), COV (total read depth, default 20 / 8; half
# from each haplotype: main's second haplotype is the reference),
# VT_EXAMPLES_DEB (path to an already downloaded vt-examples .deb; otherwise
# `apt-get download vt-examples` is run).
# Needs: SURVIVOR, faketime, art_illumina, bwa, samtools, bcftools, bgzip,
# tabix, delly, dpkg-deb, python3 with pysam and numpy (Debian 12 packages).
set -euo pipefail

SEED=${1:-1}
PROFILE=${2:-main}
[[ $SEED =~ ^[0-9]+$ ]] || { echo "SEED must be a non-negative integer" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
THREADS=2                      # bwa -t; output does not depend on it (-K fixed)
case $PROFILE in
    main)
        OUT=${OUT:-$HERE}; COV=${COV:-20}; WINDOW="20:35000001-36200000"  # GRCh37 chr20, no N run there
        MAX_BAM_BYTES=$((14 * 1000 * 1000)); MAX_TOTAL_BYTES=$((25 * 1000 * 1000))
        SIM_SEED=$SEED; PLANT_ARGS=() ;;
    sample2)
        OUT=${OUT:-$HERE/sample2}; COV=${COV:-8}; WINDOW="20:37000001-38200000"
        MAX_BAM_BYTES=$((7 * 1000 * 1000)); MAX_TOTAL_BYTES=$((9 * 1000 * 1000))
        SIM_SEED=$((SEED + 500))   # other SV positions and sizes than the first sample's
        PLANT_ARGS=(--hom-share 0.3 --background --hap2-out hap2.fa --background-out background.vcf) ;;
    *) echo "PROFILE must be main or sample2" >&2; exit 2 ;;
esac
export TZ=UTC LC_ALL=C

start_s=$(date +%s)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/genaug_sv_demo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
log() { printf '[make_demo %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[make_demo] ERROR: %s\n' "$*" >&2; exit 1; }

for tool in SURVIVOR faketime art_illumina bwa samtools bcftools bgzip tabix delly dpkg-deb python3; do
    command -v "$tool" >/dev/null || die "missing tool: $tool"
done
python3 -c 'import pysam, numpy' || die "python3 needs pysam and numpy"

cd "$WORK"

# ---------------------------------------------------------------- reference
log "reference window $WINDOW from Debian package vt-examples"
if [[ -n ${VT_EXAMPLES_DEB:-} ]]; then
    cp "$VT_EXAMPLES_DEB" vt-examples.deb
else
    mkdir dl && chmod 755 "$WORK" dl
    (cd dl && apt-get download vt-examples >/dev/null 2>&1) || die "apt-get download vt-examples failed"
    mv dl/vt-examples_*.deb vt-examples.deb
fi
VT_VERSION=$(dpkg-deb -f vt-examples.deb Version)
dpkg -x vt-examples.deb vt
zcat vt/usr/share/doc/vt/examples/ref/20.fa.gz > chr20.fa
samtools faidx chr20.fa
samtools faidx chr20.fa "$WINDOW" | sed '1s/.*/>20/' | tr 'acgtn' 'ACGTN' > ref.fa
rm -rf vt chr20.fa chr20.fa.fai
samtools faidx ref.fa
[[ $(cut -f2 ref.fa.fai) == 1200000 ]] || die "reference window has wrong length"
grep -v '^>' ref.fa | grep -q N && die "reference window contains N"
REF_MD5=$(grep -v '^>' ref.fa | tr -d '\n' | md5sum | cut -d' ' -f1)

# ---------------------------------------------------------------- truth SVs
SURVIVOR_VERSION=$(SURVIVOR 2>&1 | sed -n 's/^Version: //p' | head -1)
log "planting SVs with SURVIVOR $SURVIVOR_VERSION (seed $SEED)"
mkdir survivor
python3 "$HERE/sv_sim.py" plant --ref ref.fa --seed "$SIM_SEED" --workdir survivor \
    --alt-out alt.fa --vcf-out truth.vcf --summary-out summary.tsv \
    --survivor-version "$SURVIVOR_VERSION" "${PLANT_ARGS[@]}" | tee plant.log >&2
bgzip -c truth.vcf > truth.vcf.gz
tabix -p vcf truth.vcf.gz
bcftools view truth.vcf.gz > /dev/null 2> view.err
[[ -s view.err ]] && { cat view.err >&2; die "bcftools view warns about truth.vcf.gz"; }
bcftools norm --check-ref e -f ref.fa truth.vcf.gz -Ov -o /dev/null 2> norm.err \
    || { cat norm.err >&2; die "truth REF does not match ref.fa"; }
N_TRUTH=$(zgrep -vc '^#' truth.vcf.gz)
(( N_TRUTH >= 60 )) || die "only $N_TRUTH truth SVs"

# ---------------------------------------------------------------- reads
HALF=$(awk -v c="$COV" 'BEGIN{printf "%g", c/2}')
log "ART 2x150 reads: ${HALF}x from the altered genome + ${HALF}x from the reference"
art_illumina -ss HS25 -i alt.fa -p -l 150 -m 400 -s 50 -f "$HALF" -rs "$SIM_SEED" -na -o alt_ > art_alt.log
HAP2=ref.fa
if [[ $PROFILE == sample2 ]]; then
    HAP2=hap2.fa
    bgzip -c background.vcf > background.vcf.gz && tabix -p vcf background.vcf.gz
    bcftools norm --check-ref e -f ref.fa background.vcf.gz -Ov -o /dev/null 2> bg.err \
        || { cat bg.err >&2; die "background REF does not match ref.fa"; }
fi
art_illumina -ss HS25 -i "$HAP2" -p -l 150 -m 400 -s 50 -f "$HALF" -rs "$((SIM_SEED + 1000000))" -na -o ref_ > art_ref.log
python3 "$HERE/sv_sim.py" shuffle --seed "$SIM_SEED" --alt1 alt_1.fq --alt2 alt_2.fq \
    --ref1 ref_1.fq --ref2 ref_2.fq --out1 reads_1.fq --out2 reads_2.fq >&2
rm -f alt_1.fq alt_2.fq ref_1.fq ref_2.fq

log "bwa mem + samtools sort"
bwa index ref.fa 2> bwa_index.log
bwa mem -K 20000000 -t "$THREADS" -R '@RG\tID:S\tSM:SAMPLE' ref.fa reads_1.fq reads_2.fq 2> bwa_mem.log \
    | samtools sort -@ "$THREADS" -o sample.bam - 2> sort.log
samtools index sample.bam
rm -f reads_1.fq reads_2.fq
BAM_BYTES=$(stat -c %s sample.bam)
(( BAM_BYTES < MAX_BAM_BYTES )) || die "sample.bam is $BAM_BYTES bytes (limit $MAX_BAM_BYTES): lower COV"

# ---------------------------------------------------------------- DELLY
DELLY_VERSION=$(delly --version 2>&1 | sed -n 's/^Delly version: //p' | head -1)
log "DELLY $DELLY_VERSION"
delly call -g ref.fa -o delly.bcf sample.bam > delly.log 2>&1 || { cat delly.log >&2; die "delly call failed"; }
bcftools view --no-version -Oz -o calls.vcf.gz delly.bcf
tabix -p vcf calls.vcf.gz
bcftools view calls.vcf.gz > /dev/null

# ---------------------------------------------------------------- checks
log "checking the BAM against the truth set"
python3 "$HERE/sv_sim.py" check --bam sample.bam --truth truth.vcf.gz --calls calls.vcf.gz --out checks.txt >&2

FILES=(ref.fa ref.fa.fai truth.vcf.gz truth.vcf.gz.tbi sample.bam sample.bam.bai calls.vcf.gz calls.vcf.gz.tbi)
if [[ $PROFILE == sample2 ]]; then FILES+=(background.vcf.gz background.vcf.gz.tbi); fi
TOTAL_BYTES=$(stat -c %s "${FILES[@]}" | awk '{s+=$1} END{print s}')
(( TOTAL_BYTES < MAX_TOTAL_BYTES - 100000 )) || die "demo files total $TOTAL_BYTES bytes"

READS_MD5=$(samtools view sample.bam | md5sum | cut -d' ' -f1)
TRUTH_MD5=$(zcat truth.vcf.gz | grep -v '^##' | md5sum | cut -d' ' -f1)
N_READS=$(samtools view -c sample.bam)
N_CALLS=$(zgrep -vc '^#' calls.vcf.gz || true)
DELLY_TYPES=$(zgrep -v '^#' calls.vcf.gz | grep -o 'SVTYPE=[A-Z]*' | sort | uniq -c | awk '{printf "%s%s %s", (NR>1?", ":""), substr($2,8), $1}' || true)
DELLY_PASS=$(zgrep -v '^#' calls.vcf.gz | awk -F'\t' '$7=="PASS"' | wc -l)
elapsed=$(( $(date +%s) - start_s ))

# ---------------------------------------------------------------- README
sizes() { for f in "${FILES[@]}"; do printf '| `%s` | %s |\n' "$f" "$(stat -c %s "$f")"; done; }
summary_md() {
    echo "| type | 50-499 bp | 500-1,999 bp | 2,000-9,999 bp | total |"
    echo "|---|---:|---:|---:|---:|"
    grep -v '^#' summary.tsv | tail -n +2 | awk -F'\t' '{printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5}'
}
if [[ $PROFILE == sample2 ]]; then
N_HOM=$(zgrep -v '^#' truth.vcf.gz | awk -F'\t' '$10=="1/1"' | wc -l)
{
cat <<EOF
# genaug SV demo data: the second sample

A second sample to evaluate SV calls on, unlike the first (\`../README.md\`) in
region, coverage and zygosity: another window of the same chromosome, at ${COV}x,
with about 30 % of the SVs homozygous and background SNPs and small indels on
both haplotypes. Made by \`make_demo.sh $SEED sample2\` (simulation seed $SIM_SEED) with \`sv_sim.py\` one
directory up (about ${elapsed} s on 2 cores); do not edit the data by hand. genaug
trains on the first sample (dataset \`demo_sv\`) and calls on this one
(\`score.samples.demo_sample2\` in config/demo.yaml, with \`truth:\` this truth VCF).

    bash resources/demo/sv/make_demo.sh $SEED sample2

## Files

| file | bytes |
|---|---:|
$(sizes)

- \`ref.fa\` (+ \`.fai\`): 1,200,000 bp of human GRCh37 chromosome 20,
  $WINDOW (no N), from \`20.fa.gz\` of Debian package vt-examples
  $VT_VERSION; contig \`20\`, window coordinates (position 1 here is the window's
  first base). md5 of the sequence: \`$REF_MD5\`.
- \`truth.vcf.gz\` (+ \`.tbi\`): the $N_TRUTH planted SVs, as in the first sample
  (symbolic ALT, SVTYPE, SVLEN, END; END = POS for INS), sample \`SAMPLE\`:
  $N_HOM homozygous (\`GT=1/1\`, a seeded draw of round(0.3 x $N_TRUTH)), the rest \`0/1\`.
- \`background.vcf.gz\` (+ \`.tbi\`): the background small variants, phased GT
  (one third each 0|1, 1|0, 1|1 on average), at least 50 bp from every SV: SNPs at
  1 per kb and indels of 1-15 bp (half deletions, half insertions) at 1 per 10 kb
  ($(grep -o 'background: .*' plant.log | sed 's/background: //')).
  Passes \`bcftools norm --check-ref e -f ref.fa\`.
- \`sample.bam\` (+ \`.bai\`): $N_READS reads (2x150 bp, ART HS25, insert 400 +- 50 bp)
  at ${COV}x: ${HALF}x from haplotype 1 (every SV, its background variants) and ${HALF}x
  from haplotype 2 (the homozygous SVs, its background variants); pairs shuffled
  and renamed as in the first sample; \`bwa mem -K 20000000 -t 2 -R '@RG\tID:S\tSM:SAMPLE'\`.
- \`calls.vcf.gz\` (+ \`.tbi\`): all $N_CALLS records of \`delly call -g ref.fa
  sample.bam\` (DELLY $DELLY_VERSION; $DELLY_TYPES; $DELLY_PASS PASS), unfiltered.

## Planted SVs by type and size band (SVLEN, bp)

$(summary_md)

Planted as in the first sample (SURVIVOR per size band on 9 pieces, frozen
seed-derived clock, every run checked); runs used:

\`\`\`
$(grep '^#' summary.tsv | sed 's/^# //')
\`\`\`

## Checks on the BAM (sv_sim.py check)

\`\`\`
$(cat checks.txt)
\`\`\`

## Reproducibility

md5 of \`samtools view sample.bam\` = \`$READS_MD5\`; md5 of
\`zcat truth.vcf.gz | grep -v '^##'\` = \`$TRUTH_MD5\`. Tool versions as in
\`../README.md\`; runtime ${elapsed} s (seed $SEED, COV ${COV}).
EOF
} > README.md
else
{
cat <<EOF
# genaug SV demo data

Small, fully reproducible structural-variant test data: a real human sequence
window, SVs planted by SURVIVOR, simulated Illumina reads aligned with bwa, and
the calls a real SV caller (DELLY) makes on them. Generated by \`make_demo.sh\`
(seed $SEED) with the helper \`sv_sim.py\` beside it; do not edit the data by hand.

Regenerate (about ${elapsed} s on 2 cores; needs the Debian 12 packages
survivor, faketime, art-nextgen-simulation-tools, bwa, samtools, bcftools,
tabix, delly and python3-pysam/python3-numpy, and \`apt-get download\` access
for vt-examples):

    bash resources/demo/sv/make_demo.sh $SEED
    # or into another directory:  OUT=/tmp/sv_demo bash resources/demo/sv/make_demo.sh $SEED

## Files

| file | bytes |
|---|---:|
$(sizes)

- \`ref.fa\` (+ \`.fai\`): 1,200,000 bp of human GRCh37 chromosome 20,
  positions 35,000,001-36,200,000 (no N), taken from \`20.fa.gz\` of Debian
  package vt-examples $VT_VERSION; contig named \`20\`, uppercase, 60-column
  lines. Coordinates are window coordinates: position 1 here is GRCh37
  20:35,000,001. md5 of the sequence: \`$REF_MD5\`. bwa index files are not
  kept (make them with \`bwa index ref.fa\`).
- \`truth.vcf.gz\` (+ \`.tbi\`): the $N_TRUTH planted SVs, VCFv4.2, one sample
  \`SAMPLE\`, all heterozygous (\`GT=0/1\`). Symbolic ALT \`<DEL>\`, \`<DUP>\`
  (tandem), \`<INV>\`, \`<INS>\` (novel random sequence); INFO SVTYPE, SVLEN
  (negative for DEL), END. POS is the base before the event and REF is that
  base of ref.fa; DEL/DUP/INV affect POS+1..END; for INS, END = POS and the
  sequence is inserted after POS. Passes \`bcftools view\` without warnings and
  \`bcftools norm --check-ref e -f ref.fa\`.
- \`sample.bam\` (+ \`.bai\`): $N_READS reads (2x150 bp, ART HS25 profile,
  insert 400 +- 50 bp) at ${COV}x in total: ${HALF}x simulated from the altered
  genome (SURVIVOR's output) and ${HALF}x from the unaltered reference, i.e. a
  heterozygous sample. Pairs are put in a seeded-hash order and renamed
  \`r000001\`... so names say nothing about their origin. Aligned with
  \`bwa mem -K 20000000 -t 2 -R '@RG\tID:S\tSM:SAMPLE'\`, coordinate-sorted.
- \`calls.vcf.gz\` (+ \`.tbi\`): all $N_CALLS records of \`delly call -g ref.fa
  sample.bam\` (DELLY $DELLY_VERSION; $DELLY_TYPES; $DELLY_PASS PASS), unfiltered,
  for use as candidate loci and hard negatives.

## Planted SVs by type and size band (SVLEN, bp)

$(summary_md)

SURVIVOR draws sizes uniformly between a band's bounds, so it was run once per
size band on separate pieces of the reference (9 pieces of ~132 kb between
5 kb unaltered flanks; bands S, M, L, S, M, L, S, M, L), asking per piece for
S: 3 DUP, 8 INDEL, 3 INV; M: 2 DUP, 4 INDEL, 2 INV; L: 1 DUP, 2 INDEL, 1 INV.
The altered pieces were joined back and coordinates lifted by the piece offset.
SURVIVOR has no seed option and seeds from the clock: each piece runs under
\`faketime -f '@<date>'\` (frozen clock, UTC) at 2020-01-01 + SEED days +
1000 s x piece + attempt. A run is accepted only if SURVIVOR planted exactly
the requested counts (it exits 0 when it gives up), split INDEL exactly half
DEL / half INS, kept sizes in the band, left >= 1 kb between events and to the
piece edges, and its output genome is rebuilt exactly from its VCF
coordinates; otherwise the next second is tried. Runs used:

\`\`\`
$(grep '^#' summary.tsv | sed 's/^# //')
\`\`\`

Fixes to SURVIVOR's VCF (rewritten from scratch by \`sv_sim.py\`): its contig
length is wrong, it has no sample column, declares FORMAT fields the records
lack, uses an undeclared LowQual filter and REF \`N\`, writes unsorted records,
and gives insertions END = POS + length (here END = POS). Its POS/END are
0-based start / exclusive end of the event, which is exactly the VCF
"base before the event" / "last affected base" convention, so they were kept
(plus the piece offset); the exact rebuild of SURVIVOR's genome from the lifted
truth proves it.

## Checks on the BAM (sv_sim.py check)

\`\`\`
$(cat checks.txt)
\`\`\`

## Reproducibility

Same seed, same output: md5 of \`samtools view sample.bam\` = \`$READS_MD5\`;
md5 of \`zcat truth.vcf.gz | grep -v '^##'\` = \`$TRUTH_MD5\`. DELLY's VCF
header carries the run date (\`##fileDate\`), so calls.vcf.gz made on another
day differs in that line only. When these files were made, a second run with
the same seed into another directory gave byte-identical sample.bam,
truth.vcf.gz and calls.vcf.gz.

## Tool versions

- SURVIVOR $SURVIVOR_VERSION; faketime $(dpkg-query -W -f '${Version}' faketime 2>/dev/null || echo unknown)
- ART $(art_illumina 2>&1 | grep -o 'Version [^ ]*' | head -1 | sed 's/Version //') (art_illumina)
- bwa $(bwa 2>&1 | sed -n 's/^Version: //p'); $(samtools --version | head -1); $(bcftools --version | head -1); $(tabix --version | head -1)
- DELLY $DELLY_VERSION
- $(python3 --version); pysam $(python3 -c 'import pysam; print(pysam.__version__)'); numpy $(python3 -c 'import numpy; print(numpy.__version__)')
- vt-examples $VT_VERSION (Debian); generated on $(. /etc/os-release && echo "$PRETTY_NAME")
- runtime: ${elapsed} s (seed $SEED, COV ${COV})

\`expected_qc_pileups.png\` is the QC figure \`snakemake --cores 2\` makes from these files (seed 1): compare yours with it.

\`sample2/\`: a second sample to evaluate on (another chr20 window, 8x, about 30 % homozygous SVs,
background SNPs and small indels, DELLY's calls, its truth), made by \`make_demo.sh 1 sample2\`;
\`sample2/README.md\` describes it.
EOF
} > README.md
fi

for f in "${FILES[@]}" README.md; do cp "$f" "$OUT/$f.tmp.$$" && mv "$OUT/$f.tmp.$$" "$OUT/$f"; done
log "done in ${elapsed} s: $N_TRUTH truth SVs, $N_READS reads, $N_CALLS DELLY records -> $OUT"
