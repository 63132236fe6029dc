"""Encoders: raw genomics files to the tensor contract, one module per data kind."""
