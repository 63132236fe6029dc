"""Rule encode_sv: BAM/CRAM + truth VCF -> encoded.npz + samples.tsv."""

import logging

from genaug.encode.sv import SvSettings, encode_sv
from genaug.encode.truth import TruthSettings
from genaug.errors import InputError
from genaug.logs import setup_logging

setup_logging(snakemake.log[0])
try:
    encode_sv(
        bam_path=snakemake.input.bam,
        reference=snakemake.input.reference,
        truth=snakemake.input.truth,
        candidates=snakemake.input.get("candidates"),
        out_npz=snakemake.output.encoded,
        out_tsv=snakemake.output.samples,
        settings=SvSettings.from_config(snakemake.params.settings),
        seed=snakemake.params.seed,
        threads=snakemake.threads,
        truth_settings=TruthSettings.from_config(**snakemake.params.truth),
        regions=snakemake.input.get("regions"),
        exclude=snakemake.input.get("exclude"),
    )
except InputError as e:
    logging.getLogger("genaug").error("%s", e)
    raise SystemExit(f"genaug: {e}")
