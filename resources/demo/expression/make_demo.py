"""Make the expression demo from the Bioconductor ALL cohort (see README.md beside this file).

    Rscript resources/demo/expression/export_all.R /tmp/all     # needs Debian's r-bioc-all
    python3 resources/demo/expression/make_demo.py /tmp/all

Writes, beside this script, ``all_expression.tsv.gz`` (probes x patients, log2, 4 decimals)
and ``samples.tsv`` (sample, class, lineage). Running it twice gives byte-identical files
(gzip with no name and mtime 0; rows and columns in a fixed order).
"""

import argparse
import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
# molecular classes kept: E2A/PBX1 (5 patients), NUP-98 (1) and p15/p16 (1) are left out, so the
# rarest class kept (ALL1/AF4, 10) reaches train, validation and test
KEEP = ("NEG", "BCR/ABL", "ALL1/AF4")
N_PROBES = 4000  # most variable probes over the kept patients (labels unused)


def main(src):
    x = pd.read_csv(src / "exprs.tsv", sep="\t", index_col=0, dtype={0: str})
    x.columns = x.columns.astype(str)
    x.index = x.index.astype(str)
    pd_ = pd.read_csv(src / "pdata.tsv", sep="\t", dtype=str)
    pd_ = pd_[pd_["mol.biol"].isin(KEEP)]
    x = x[pd_["sample"].tolist()]
    var = x.to_numpy(np.float64).var(axis=1, ddof=1)
    order = np.lexsort((x.index.to_numpy(), -var))  # variance descending, ties by probe id
    x = x.iloc[np.sort(order[:N_PROBES])]  # keep the package's probe order
    buf = io.StringIO()
    x.rename_axis("probe").to_csv(buf, sep="\t", float_format="%.4f", lineterminator="\n")
    with open(HERE / "all_expression.tsv.gz", "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(buf.getvalue().encode())
    sheet = pd.DataFrame({"sample": pd_["sample"], "class": pd_["mol.biol"], "lineage": pd_["BT"].str[0]})
    sheet.to_csv(HERE / "samples.tsv", sep="\t", index=False, lineterminator="\n")
    print(f"{x.shape[0]} probes x {x.shape[1]} patients; classes "
          + ", ".join(f"{c} {n}" for c, n in sheet["class"].value_counts().items()))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path, help="folder written by export_all.R")
    main(ap.parse_args().src)
