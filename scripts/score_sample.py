"""Rule score_sample: a trained detector applied to a new BAM's candidate VCF -> scored VCF + TSV."""

import logging

from genaug.encode.sv import SvSettings
from genaug.errors import InputError
from genaug.logs import setup_logging
from genaug.score import score_candidates

setup_logging(snakemake.log[0])
try:
    score_candidates(
        model=snakemake.input.model,
        bam_path=snakemake.input.bam,
        reference=snakemake.input.reference,
        candidates=snakemake.input.candidates,
        out_vcf=snakemake.output.vcf,
        out_tsv=snakemake.output.tsv,
        settings=SvSettings.from_config(snakemake.params.settings),
        threads=snakemake.threads,
        rename_key=f"score.samples.{snakemake.wildcards.sample}.contig_rename",
    )
except InputError as e:
    logging.getLogger("genaug").error("%s", e)
    raise SystemExit(f"genaug: {e}")
