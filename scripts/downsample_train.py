"""Rule downsample_train: the train split's items again at lower coverage (read pairs dropped by name hash)."""

from genaug.encode.coverage import encode_downsampled
from genaug.encode.sv import SvSettings
from genaug.logs import rule_script
from genaug.split import load_split

with rule_script(snakemake) as log:
    split = load_split(snakemake.input.split)
    n = encode_downsampled(snakemake.input.bam, snakemake.input.reference, snakemake.input.samples, split.train,
                           snakemake.output.downsampled, snakemake.params.fractions,
                           SvSettings.from_config(snakemake.params.settings), seed=snakemake.params.seed,
                           threads=snakemake.threads)
    log.info("%d train items at read-pair fractions %s", n, snakemake.params.fractions)
