"""Rule call_sv: the dataset's detector applied to every candidate of the dataset -> calls.vcf.gz + calls.tsv."""

from genaug.encode.sv import SvSettings
from genaug.logs import rule_script
from genaug.score import score_candidates

with rule_script(snakemake):
    score_candidates(
        model=list(snakemake.input.models),
        bam_path=snakemake.input.bam,
        reference=snakemake.input.reference,
        candidates=snakemake.input.candidates,
        out_vcf=snakemake.output.vcf,
        out_tsv=snakemake.output.tsv,
        settings=SvSettings.from_config(snakemake.params.settings),
        threads=snakemake.threads,
        rename_key="encode.sv.contig_rename",
    )
