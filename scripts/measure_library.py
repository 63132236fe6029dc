"""Rule measure_library: the training BAM's median depth and insert size -> library.json."""

from genaug.encode.coverage import library_stats, write_library_stats
from genaug.encode.sv import SvSettings
from genaug.logs import rule_script

with rule_script(snakemake) as log:
    stats = library_stats(snakemake.input.bam, snakemake.input.reference,
                          SvSettings.from_config(snakemake.params.settings), seed=snakemake.params.seed)
    write_library_stats(stats, snakemake.output.stats)
    log.info("%s: median depth %g at %d positions, median insert size %s", stats["bam"], stats["median_depth"],
             stats["positions"], stats["insert_median"])
