"""Rules discover_sv, discover_sample_sv: SV candidates from the BAM itself (merged with the caller's VCF
when given) -> candidates.vcf.gz."""

from genaug.encode.discover import DiscoverSettings, discover_sv
from genaug.encode.sv import SvSettings
from genaug.encode.truth import TruthSettings
from genaug.logs import rule_script

with rule_script(snakemake):
    p = snakemake.params
    discover_sv(
        bam_path=snakemake.input.bam,
        reference=snakemake.input.reference,
        out_vcf=snakemake.output.vcf,
        caller=snakemake.input.get("caller"),
        settings=DiscoverSettings.from_config(p.settings),
        sv_settings=SvSettings.from_config(p.sv),
        threads=snakemake.threads,
        rename=p.sv["contig_rename"],
        truth=snakemake.input.get("truth"),
        truth_settings=TruthSettings.from_config(**p.truth) if p.truth else None,
    )
