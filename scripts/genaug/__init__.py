"""genaug: generative augmentation of scarce genomic training data.

The library behind the Snakemake rules. Rule scripts under ``scripts/`` read
``snakemake.input/params/output`` and call functions from here; unit tests call
the same functions.
"""

__version__ = "0.1.0"
