"""Rule expression_graph: the gene graph over the encoded genes (graph.tsv: gene_a, gene_b, weight).

The dataset's own edge list restricted to the encoded genes, or, without one, a
co-expression graph of the train split only (val / test never reach it).
"""

import numpy as np

from genaug.encode.expression import ExpressionSettings, coexpression_graph, read_genes, read_graph
from genaug.logs import rule_script
from genaug.outputs import write_tsv
from genaug.split import load_split
from genaug.tensors import load_encoded

with rule_script(snakemake) as log:
    genes = read_genes(snakemake.input.genes)["gene"].tolist()
    if "graph" in snakemake.input.keys():
        edges = read_graph(snakemake.input.graph, genes)
        source = snakemake.input.graph
    else:
        settings = ExpressionSettings.from_config(snakemake.params.settings)
        enc = load_encoded(snakemake.input.encoded)
        train = load_split(snakemake.input.split).train
        edges = coexpression_graph(np.asarray(enc.X[train]), genes, settings.graph_neighbours)
        source = f"co-expression over {len(train)} train samples, {settings.graph_neighbours} neighbours per gene"
    write_tsv(edges, snakemake.output.graph, float_format="%.6g")
    log.info("wrote %s: %d edges among %d genes (%s)", snakemake.output.graph, len(edges), len(genes), source)
