"""Rule encode_sv: BAM/CRAM + truth VCF -> encoded.npz + samples.tsv."""

from genaug.encode.sv import SvSettings, encode_sv
from genaug.encode.truth import TruthSettings
from genaug.logs import rule_script

with rule_script(snakemake):
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
        discovered=snakemake.params.discovered,
    )
