"""The haplotypes fidelity figure: drawn from evaluate() results of two generators."""

import struct

import numpy as np
import pandas as pd
import pytest

from genaug.fidelity.haplotypes import evaluate
from genaug.plots.haplotypes import plot_fidelity


def blocks(n, seed, snps=40):
    rng = np.random.default_rng(seed)
    F = np.random.default_rng(9).integers(0, 2, (6, snps))
    H = F[rng.integers(0, 6, (n, 4)).repeat(snps // 4, axis=1), np.arange(snps)]
    return (H ^ (rng.random(H.shape) < 0.05)).astype(np.uint8)


@pytest.fixture(scope="module")
def fidelity():
    T, H = blocks(60, 1), blocks(30, 2)
    variants = pd.DataFrame({"pos": np.arange(40) * 250 + 5000})
    return {g: evaluate(T, H, S, variants, seed=0, auc_folds=2, n_resamples=2, heatmap_snps=20)
            for g, S in (("rbm", blocks(60, 3)), ("mlpgan", (np.random.default_rng(4).random((60, 40)) < 0.5)
                                                          .astype(np.uint8)))}


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_figure_has_every_panel_for_every_generator(fidelity, tmp_path):
    out = plot_fidelity(fidelity, tmp_path / "fidelity.png", title="toy")
    w, h = png_size(out)
    assert (w, h) == (1440, 1050)  # 4 columns x 3.6 in, 10.5 in, at 100 dpi
    assert 30_000 < (tmp_path / "fidelity.png").stat().st_size < 2_000_000
    assert not list(tmp_path.glob("*.partial"))
    five = {f"g{i}": fidelity["rbm"] for i in range(5)}  # more generators than top-row panels: wider
    assert png_size(plot_fidelity(five, tmp_path / "five.png"))[0] == 1800


def test_empty_or_foreign_input_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no generator"):
        plot_fidelity({}, tmp_path / "x.png")
    with pytest.raises(ValueError, match="lacks curves or metrics"):
        plot_fidelity({"rbm": {"metrics": {}}}, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
