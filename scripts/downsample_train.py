"""Rule downsample_train: the train and validation items again at lower coverage (read pairs dropped by name
hash); the validation copies join early stopping, calibration and the threshold."""

import numpy as np

from genaug.encode.coverage import encode_downsampled
from genaug.encode.sv import SvSettings
from genaug.logs import rule_script
from genaug.split import load_split

with rule_script(snakemake) as log:
    split = load_split(snakemake.input.split)
    rows = np.r_[split.train, split.val]
    n = encode_downsampled(snakemake.input.bam, snakemake.input.reference, snakemake.input.samples, rows,
                           snakemake.output.downsampled, snakemake.params.fractions,
                           SvSettings.from_config(snakemake.params.settings), seed=snakemake.params.seed,
                           threads=snakemake.threads)
    log.info("%d items (%d train, %d val rows) at read-pair fractions %s", n, len(split.train), len(split.val),
             snakemake.params.fractions)
