"""Rule encode_sequences: FASTA + peak BED/narrowPeak -> one-hot windows (encoded.npz, samples.tsv)."""

from genaug.encode.sequences import SequenceSettings, encode_sequences
from genaug.logs import rule_script

with rule_script(snakemake) as log:
    w = encode_sequences(snakemake.input.fasta, snakemake.input.peaks, snakemake.output.encoded,
                         snakemake.output.samples, SequenceSettings.from_config(snakemake.params.settings),
                         regions=snakemake.params.regions, seed=snakemake.params.seed)
    log.info("wrote %s: %d windows (%d bound)", snakemake.output.encoded, int(w.keep.sum()),
             int(w.label[w.keep].sum()))
