import numpy as np
from expression_sim import simulate

from genaug.fidelity import expression as fx
from genaug.plots.expression import plot_fidelity


def test_plot_fidelity_writes_a_png(tmp_path):
    X, y, *_ = simulate(n_per_class=(30, 30), n_modules=3, module_size=4, seed=0)
    H, yH, *_ = simulate(n_per_class=(20, 20), n_modules=3, module_size=4, seed=1)
    lab = np.array(["A", "B"])
    f = {"gaussian": fx.evaluate(X, H, X[::-1] + 0.1, lab[y], lab[yH], lab[y[::-1]], n_resamples=2),
         "copy": fx.evaluate(X, H, X, lab[y], lab[yH], lab[y], n_resamples=2)}
    out = tmp_path / "fig.png"
    plot_fidelity(f, out, title="t")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
