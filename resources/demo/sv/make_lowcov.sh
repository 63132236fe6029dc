#!/usr/bin/env bash
# A low-coverage copy of the demo BAM: a quarter of the read pairs of sample.bam (samtools view -s,
# seed 1, pairs kept whole), about 7-8x instead of 30x. Run from this directory after make_demo.sh:
#   bash make_lowcov.sh
set -euo pipefail
samtools view -b -s 1.25 -o sample_lowcov.bam sample.bam
samtools index sample_lowcov.bam
echo "sample_lowcov.bam: $(samtools view -c sample_lowcov.bam) of $(samtools view -c sample.bam) reads"
