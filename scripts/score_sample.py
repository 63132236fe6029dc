"""Rule score_sample: a trained detector applied to a new BAM's candidate VCF -> scored VCF + TSV."""

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
        rename_key=f"score.samples.{snakemake.wildcards.sample}.contig_rename",
        library=snakemake.input.library,
        warn_factor=snakemake.params.warn_factor,
    )
