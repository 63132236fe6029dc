"""The ``expression`` encoder: a matrix + a sample sheet -> log-scale expression, then
standardisation fitted on the train split.

Two steps, because per-gene statistics may only come from train and the split
needs the labels first:

1. ``encode_expression`` (before the split) reads and checks every input and
   writes ``expression/log.npz``: the tensor contract (``layout`` vector) with
   ``X`` float32 (samples, genes) on the log scale, plus ``genes``;
   ``samples.tsv`` keeps sample ids, class and group. The split reads only
   ``y`` / ``groups`` of this file.
2. ``standardise`` (after the split) fits each gene's mean and sd on the
   train rows only, drops genes with zero variance in train (a warning counts
   them), optionally keeps the ``max_genes`` most variable genes in train, and
   writes ``encoded.npz`` (``X`` = (log value - train mean) / train sd, every
   row) and ``genes.tsv`` (gene, mean, sd: the transform, so val / test and
   synthetic items are read on the train scale; ``to_log`` inverts it).

Inputs:

- matrix: TSV (or CSV when the name ends ``.csv`` / ``.csv.gz``), optionally
  gzipped; the first row names the columns, the first column the rows.
  ``orientation`` says which are genes: ``genes_by_samples`` (a gene per row)
  or ``samples_by_genes``. ``values``: ``log`` (already log-scaled: kept as
  is), ``tpm`` (log1p(TPM)) or ``counts`` (log1p of counts per million of
  each sample's total).
- sample sheet (TSV): columns ``sample`` and ``class``; optional ``group``
  (donor, batch: samples of a group never straddle splits; default: the
  sample itself); other columns are kept in ``samples.tsv``.
- gene list (optional): one gene id per line (``#`` starts a comment); the
  matrix is restricted to these genes, in the matrix's order.
- gene graph (optional, TSV): columns ``gene_a``, ``gene_b``, optional
  ``weight``; checked here against the matrix's genes.

Every problem in the inputs raises ``InputError`` (one line naming the file)
before the values are transformed.
"""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import tensors
from ..errors import InputError, settings_from, some_names
from ..outputs import write_tsv

log = logging.getLogger(__name__)

ORIENTATIONS = ("genes_by_samples", "samples_by_genes")
VALUE_SCALES = ("counts", "tpm", "log")
MIN_CLASS_SAMPLES = 3  # a class must reach train, validation and test
MIN_GRAPH_COVERAGE = 0.10  # share of the matrix's genes a graph must touch
SAMPLE_COLUMNS = ["id", "sample", "class", "label", "group", "source"]


@dataclass(frozen=True)
class ExpressionSettings:
    """``encode.expression``: ``max_genes`` (keep this many genes, the most variable in
    train; null: all), ``graph_neighbours`` (co-expression graph: edges from each gene to
    its k most correlated genes in train)."""

    max_genes: int | None = None
    graph_neighbours: int = 5

    @classmethod
    def from_config(cls, cfg):
        s = settings_from(cls, cfg, "encode.expression")
        if s.max_genes is not None and s.max_genes < 2:
            raise ValueError(f"encode.expression.max_genes must be at least 2 or null, got {s.max_genes}")
        if s.graph_neighbours < 1:
            raise ValueError(f"encode.expression.graph_neighbours must be at least 1, got {s.graph_neighbours}")
        return s


@dataclass
class Expression:
    X: np.ndarray  # float32 (samples, genes), log scale
    y: np.ndarray
    groups: np.ndarray
    classes: list
    genes: list
    samples: pd.DataFrame  # SAMPLE_COLUMNS + the sheet's other columns


def _sep(path):
    name = str(path).lower()
    return "," if name.endswith(".csv") or name.endswith(".csv.gz") else "\t"


def _duplicates(ids):
    s = pd.Series(ids)
    return s[s.duplicated()].unique().tolist()


def read_matrix(path, orientation):
    """-> values float64 (samples, genes), sample ids, gene ids; InputError on a bad file."""
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {', '.join(ORIENTATIONS)}, got {orientation!r}")
    try:
        raw = pd.read_csv(path, sep=_sep(path), header=None, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as e:
        raise InputError(path, f"cannot be read as a table ({str(e).splitlines()[0][:120]})") from None
    if raw.shape[0] < 2 or raw.shape[1] < 2:
        sep = "a comma" if _sep(path) == "," else "a tab"
        raise InputError(path, f"needs a header row and an id column plus values; got {raw.shape[0]} rows x "
                               f"{raw.shape[1]} columns (is the separator {sep}?)")
    cols = [c.strip() for c in raw.iloc[0, 1:].tolist()]
    rows = [r.strip() for r in raw.iloc[1:, 0].tolist()]
    cells = raw.iloc[1:, 1:].to_numpy()
    row_kind, col_kind = ("gene", "sample") if orientation == "genes_by_samples" else ("sample", "gene")
    for ids, kind in ((rows, row_kind), (cols, col_kind)):
        dup = _duplicates(ids)
        if dup:
            raise InputError(path, f"duplicate {kind} id(s) {some_names(dup)} ({len(dup)} in all)")
        if any(not i for i in ids):
            raise InputError(path, f"an empty {kind} id")
    values = pd.DataFrame(cells).apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputError(path, f"{int(bad.sum())} non-numeric or missing cell(s); the first is {cells[r, c]!r} at "
                               f"{row_kind} '{rows[r]}', {col_kind} '{cols[c]}'")
    if orientation == "genes_by_samples":
        return values.T.copy(), cols, rows
    return values, rows, cols


def read_sample_sheet(path):
    try:
        sheet = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    missing = [c for c in ("sample", "class") if c not in sheet.columns]
    if missing:
        raise InputError(path, f"sample sheet lacks column(s) {', '.join(missing)} (has {some_names(sheet.columns)})")
    for c in ("sample", "class") + (("group",) if "group" in sheet.columns else ()):
        sheet[c] = sheet[c].str.strip()
        if (sheet[c] == "").any():
            raise InputError(path, f"{int((sheet[c] == '').sum())} empty value(s) in column {c}")
    dup = _duplicates(sheet["sample"])
    if dup:
        raise InputError(path, f"duplicate sample id(s) {some_names(dup)} ({len(dup)} in all)")
    return sheet


def read_gene_list(path):
    try:
        with open(path) as f:
            genes = [line.split("#")[0].strip() for line in f]
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    genes = [g for g in genes if g]
    if not genes:
        raise InputError(path, "gene list is empty")
    return genes


def read_graph(path, genes):
    """Edges (gene_a, gene_b, weight) of the graph at ``path`` between ``genes``.

    Self-loops and edges naming other genes are dropped, duplicates merged (the
    largest weight kept). InputError when the file is malformed or its edges touch
    fewer than ``MIN_GRAPH_COVERAGE`` of ``genes``.
    """
    try:
        g = pd.read_csv(path, sep=_sep(path), dtype={"gene_a": str, "gene_b": str})
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    missing = [c for c in ("gene_a", "gene_b") if c not in g.columns]
    if missing:
        raise InputError(path, f"gene graph lacks column(s) {', '.join(missing)} (has {some_names(g.columns)})")
    if "weight" in g.columns:
        w = pd.to_numeric(g["weight"], errors="coerce")
        if w.isna().any():
            raise InputError(path, f"{int(w.isna().sum())} non-numeric weight(s)")
        g["weight"] = w.astype(np.float64)
    else:
        g["weight"] = 1.0
    known = set(genes)
    inside = g["gene_a"].isin(known) & g["gene_b"].isin(known) & (g["gene_a"] != g["gene_b"])
    touched = set(g.loc[inside, "gene_a"]) | set(g.loc[inside, "gene_b"])
    share = len(touched) / max(len(genes), 1)
    if share < MIN_GRAPH_COVERAGE:
        raise InputError(path, f"the graph's edges touch {len(touched)} of the {len(genes)} encoded genes "
                               f"({100 * share:.1f} %, under {100 * MIN_GRAPH_COVERAGE:.0f} %); are the gene ids "
                               f"the matrix's (graph has {some_names(pd.concat([g['gene_a'], g['gene_b']]).unique())}, "
                               f"matrix has {some_names(genes)})?")
    e = g.loc[inside, ["gene_a", "gene_b", "weight"]].copy()
    a, b = e["gene_a"].to_numpy(), e["gene_b"].to_numpy()
    e["gene_a"], e["gene_b"] = np.where(a < b, a, b), np.where(a < b, b, a)
    e = e.groupby(["gene_a", "gene_b"], as_index=False, sort=True)["weight"].max()
    if len(touched) < len(genes):
        log.warning("%s: the graph touches %d of %d genes (%.0f %%); %d edges among them kept", path, len(touched),
                    len(genes), 100 * share, len(e))
    return e


def log_values(values, scale, path):
    """Log-scale values: ``log`` as given, ``tpm`` log1p, ``counts`` log1p(counts per million)."""
    if scale not in VALUE_SCALES:
        raise ValueError(f"values must be one of {', '.join(VALUE_SCALES)}, got {scale!r}")
    if scale == "log":
        return values
    neg = int((values < 0).sum())
    if neg:
        raise InputError(path, f"{neg} negative value(s) but values are declared {scale}; "
                               f"set values: log if the matrix is already log-scaled")
    if scale == "counts":
        total = values.sum(axis=1, keepdims=True)
        if (total == 0).any():
            raise InputError(path, f"{int((total == 0).sum())} sample(s) with no counts at all")
        values = values / total * 1e6
    return np.log1p(values)


def encode_expression(matrix, samples, orientation, values, genes=None, graph=None):
    """Read and check the inputs (paths; ``genes``, ``graph`` optional) -> ``Expression`` on the log scale."""
    sheet = read_sample_sheet(samples)
    X, sample_ids, gene_ids = read_matrix(matrix, orientation)
    in_sheet = set(sheet["sample"])
    not_in_sheet = [s for s in sample_ids if s not in in_sheet]
    if not_in_sheet:
        raise InputError(matrix, f"{len(not_in_sheet)} of its {len(sample_ids)} samples are not in sample sheet "
                                 f"{samples} ({some_names(not_in_sheet)})")
    in_matrix = set(sample_ids)
    not_in_matrix = [s for s in sheet["sample"] if s not in in_matrix]
    if not_in_matrix:
        raise InputError(samples, f"{len(not_in_matrix)} of its {len(sheet)} samples are not in matrix {matrix} "
                                  f"({some_names(not_in_matrix)})")
    sheet = sheet.set_index("sample").loc[sample_ids].reset_index()
    counts = sheet["class"].value_counts()
    if len(counts) < 2:
        raise InputError(samples, f"a single class ({some_names(counts.index)}); a detector needs at least two")
    small = counts[counts < MIN_CLASS_SAMPLES]
    if len(small):
        raise InputError(samples, "class(es) with fewer than 3 samples, which cannot reach train, validation and "
                                  "test: " + ", ".join(f"'{c}' ({n})" for c, n in small.items()))
    if genes is not None:
        wanted = read_gene_list(genes)
        present = set(gene_ids)
        absent = [g for g in wanted if g not in present]
        keep = set(wanted)
        cols = [i for i, g in enumerate(gene_ids) if g in keep]
        if len(cols) < 2:
            raise InputError(genes, f"{len(cols)} of its {len(wanted)} genes are in matrix {matrix} "
                                    f"(list has {some_names(wanted)}, matrix has {some_names(gene_ids)})")
        if absent:
            log.warning("%s: %d of %d listed genes are not in %s (%s)", genes, len(absent), len(wanted), matrix,
                        some_names(absent))
        X, gene_ids = X[:, cols], [gene_ids[i] for i in cols]
    if graph is not None:
        read_graph(graph, gene_ids)
    X = log_values(X, values, matrix).astype(np.float32)
    classes = sorted(counts.index)
    y = np.searchsorted(classes, sheet["class"].to_numpy()).astype(np.int64)
    group = sheet["group"] if "group" in sheet.columns else sheet["sample"]
    table = pd.DataFrame({"id": np.arange(len(sheet)), "sample": sheet["sample"], "class": sheet["class"],
                          "label": y, "group": group, "source": "real"})
    extra = [c for c in sheet.columns if c not in table.columns]
    table = pd.concat([table, sheet[extra]], axis=1)
    log.info("%s: %d samples x %d genes (%s); classes %s", matrix, X.shape[0], X.shape[1], values,
             ", ".join(f"{c}={n}" for c, n in counts.sort_index().items()))
    return Expression(X, y, group.to_numpy(str), classes, list(gene_ids), table)


def write_log(expr, npz_path, samples_path):
    """``expression/log.npz`` (the contract on the log scale, plus ``genes``) and ``samples.tsv``."""
    arrays = {"X": expr.X, **tensors.contract_arrays(expr.y, expr.groups, expr.classes, "vector"),
              "genes": np.asarray(expr.genes, dtype=str)}
    tensors.save_arrays(npz_path, arrays)
    write_tsv(expr.samples, samples_path)


def load_log(path):
    """-> (Encoded on the log scale, genes)."""
    with np.load(path, allow_pickle=False) as z:
        genes = z["genes"].tolist()
    return tensors.load_encoded(path), genes


@dataclass
class Standardised:
    X: np.ndarray  # float32 (samples, kept genes)
    genes: list
    mean: np.ndarray  # train mean of each kept gene (log scale)
    sd: np.ndarray  # train sd (ddof 0)
    dropped_constant: int
    dropped_max_genes: int


def standardise(X_log, genes, train, max_genes=None, source="train split"):
    """Per-gene standardisation with statistics of rows ``train`` only (module docstring)."""
    X_log = np.asarray(X_log, np.float64)
    train = np.asarray(train, np.int64)
    if len(train) < 2:
        raise ValueError(f"{source}: {len(train)} train sample(s); standardisation needs at least 2")
    T = X_log[train]
    mean, sd = T.mean(0), T.std(0)
    keep = sd > 1e-8 * np.maximum(1.0, np.abs(mean))
    constant = int((~keep).sum())
    if constant:
        log.warning("%d of %d genes have zero variance in the %d train samples and are dropped (%s)", constant,
                    len(genes), len(train), some_names(np.asarray(genes)[~keep]))
    if not keep.any():
        raise ValueError(f"{source}: every gene is constant in train")
    over = 0
    if max_genes is not None and keep.sum() > max_genes:
        idx = np.flatnonzero(keep)
        order = idx[np.lexsort((idx, -sd[idx]))]  # largest train sd first, ties by position
        over = int(keep.sum() - max_genes)
        keep = np.zeros_like(keep)
        keep[order[:max_genes]] = True
        log.info("kept the %d genes most variable in train; %d fewer variable ones left out", max_genes, over)
    Z = (X_log[:, keep] - mean[keep]) / sd[keep]
    return Standardised(Z.astype(np.float32), [g for g, k in zip(genes, keep) if k], mean[keep], sd[keep],
                        constant, over)


def to_log(Z, mean, sd):
    """Standardised items back to the log scale."""
    return np.asarray(Z, np.float64) * np.asarray(sd) + np.asarray(mean)


def write_standardised(std, enc, encoded_path, genes_path):
    tensors.save_encoded(encoded_path, tensors.Encoded(std.X, enc.y, enc.groups, enc.classes, "vector"))
    write_tsv(pd.DataFrame({"gene": std.genes, "mean": std.mean, "sd": std.sd}), genes_path, float_format="%.8g")


def read_genes(path):
    return pd.read_csv(path, sep="\t", dtype={"gene": str})


# --- gene graphs -----------------------------------------------------------------------

def coexpression_graph(X_train, genes, neighbours=5):
    """Edges from each gene to its ``neighbours`` genes of largest |Pearson r| over the
    rows ``X_train`` (the train split only), made undirected; weight |r|."""
    X = np.asarray(X_train, np.float64)
    X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    R = np.abs(X.T @ X / len(X))
    np.fill_diagonal(R, -1.0)
    k = min(int(neighbours), len(genes) - 1)
    nb = np.argsort(-R, axis=1, kind="stable")[:, :k]
    a = np.repeat(np.arange(len(genes)), k)
    b = nb.ravel()
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pairs = np.unique(np.stack([lo, hi], 1), axis=0)
    g = np.asarray(genes)
    return pd.DataFrame({"gene_a": g[pairs[:, 0]], "gene_b": g[pairs[:, 1]], "weight": R[pairs[:, 0], pairs[:, 1]]})


def edge_index(edges, genes):
    """(2, E) int64 indices into ``genes`` of the edges whose both ends are in ``genes``, and their weights."""
    pos = {g: i for i, g in enumerate(genes)}
    a = edges["gene_a"].map(pos)
    b = edges["gene_b"].map(pos)
    ok = a.notna() & b.notna() & (a != b)
    w = edges["weight"].to_numpy(np.float64)[ok.to_numpy()] if "weight" in edges else np.ones(int(ok.sum()))
    return np.stack([a[ok].to_numpy(np.int64), b[ok].to_numpy(np.int64)]), w


def shuffle_graph(index, seed=0, swaps_per_edge=10):
    """A degree-preserving shuffle of the undirected edges ``index`` (2, E): repeated
    double-edge swaps (a-b, c-d -> a-d, c-b), refused when they would make a self-loop or a
    duplicate edge. Every node keeps its degree; which nodes are linked is randomised."""
    rng = np.random.default_rng(seed)
    e = [tuple(sorted(map(int, p))) for p in np.asarray(index).T]
    present = set(e)
    E = len(e)
    if E < 2:
        return np.asarray(index).copy()
    for _ in range(int(swaps_per_edge) * E):
        i, j = rng.integers(E, size=2)
        if i == j:
            continue
        (a, b), (c, d) = e[i], e[j]
        if rng.random() < 0.5:
            c, d = d, c
        new1, new2 = tuple(sorted((a, d))), tuple(sorted((c, b)))
        if a == d or c == b or new1 in present or new2 in present or new1 == new2:
            continue
        present -= {e[i], e[j]}
        present |= {new1, new2}
        e[i], e[j] = new1, new2
    return np.array(e, dtype=np.int64).T
