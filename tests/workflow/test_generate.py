"""Generators in the workflow: train on the train split's rare class, sample to a balance."""

import numpy as np
import pytest
import torch

from genaug.augment import n_to_balance
from genaug.generators import make_layout
from genaug.split import load_split
from genaug.tensors import load_encoded
from test_workflow import DS, edit_config, planned_jobs, snakemake, tiny_config, write_config

GENERATORS = ["classic", "cvae", "genegan", "reads"]


def generate_config():
    config = tiny_config()
    config["generate"] = {
        "generators": GENERATORS,
        "condition": {"sv": "svtype"},
        "balance": 0.4,
        "settings": {"cvae": {"steps": 3, "image_size": [8, 32]},
                     "genegan": {"steps": 2, "image_size": [8, 32], "batch_size": 8}},
    }
    config["detect"].update(detectors={"sv": ["cnn"]}, strategies=["none"], replicates=1)
    return config


@pytest.fixture(scope="module")
def gen_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("generate")
    write_config(d, generate_config())
    p = snakemake(d)
    assert p.returncode == 0, p.out
    return d


def test_every_generator_writes_model_history_and_synthetic(gen_run):
    for g in GENERATORS:
        for f in (f"generators/{g}/model.pt", f"generators/{g}/history.tsv", f"synthetic/{g}.npz"):
            assert (gen_run / f"results/{DS}/{f}").stat().st_size > 0, f


def test_synthetic_items_are_valid_and_balance_train(gen_run):
    enc = load_encoded(gen_run / f"results/{DS}/encoded.npz")
    split = load_split(gen_run / f"results/{DS}/split.npz")
    y_train = enc.y[split.train]
    n_rare, n_other = int((y_train == 1).sum()), int((y_train == 0).sum())
    assert n_rare < n_other
    layout = make_layout("image", enc.X[:4], enc.channels)
    for g in GENERATORS:
        syn = load_encoded(gen_run / f"results/{DS}/synthetic/{g}.npz")
        with np.load(gen_run / f"results/{DS}/synthetic/{g}.npz") as z:
            assert str(z["generator"]) == g
            conditions = set(z["condition"])
        assert len(syn.X) == n_to_balance(n_rare, n_other, 0.4) > 0
        assert syn.X.dtype == np.uint8 and syn.X.shape[1:] == enc.X.shape[1:]
        assert (syn.y == 1).all() and list(syn.classes) == list(enc.classes)
        assert set(syn.groups) == {f"synthetic:{g}"}
        assert conditions <= {"DEL", "DUP", "INV", "INS"} and conditions
        assert layout.problems(syn.X) == [], g


def test_generators_see_only_the_train_splits_rare_class(gen_run):
    """The classic generator keeps its training pool beside its model: exactly the train split's variants."""
    enc = load_encoded(gen_run / f"results/{DS}/encoded.npz")
    split = load_split(gen_run / f"results/{DS}/split.npz")
    model = torch.load(gen_run / f"results/{DS}/generators/classic/model.pt", weights_only=True)
    pool = load_encoded(gen_run / f"results/{DS}/generators/classic/{model['pool_file']}")
    train_rare = np.sort(split.train[enc.y[split.train] == 1])
    assert "pool" not in model and model["pool_items"] == len(train_rare)
    assert np.array_equal(pool.X, enc.X[train_rare])


def test_editing_one_generators_settings_reruns_only_it(gen_run, tmp_path):
    import shutil
    d = tmp_path / "copy"
    shutil.copytree(gen_run, d, symlinks=True)
    edit_config(d, ["generate", "settings"], "cvae", {"steps": 4, "image_size": [8, 32]})
    p = snakemake(d, "-n")
    assert p.returncode == 0, p.out
    assert planned_jobs(p.out) == {"train_generator": 1, "sample_synthetic": 1, "train_detector": 1,
                                   "evaluate_fidelity": 1, "summarize_detection": 1, "summarize_sv_results": 1,
                                   "plot_detection": 1,
                                   "plot_generators": 1, "write_summary": 1, "all": 1}
    assert "generators/cvae/model.pt" in p.out and "generators/genegan/model.pt" not in p.out


def test_dataset_generator_settings_lay_over_the_shared_ones(gen_run, tmp_path):
    import shutil
    d = tmp_path / "copy"
    shutil.copytree(gen_run, d, symlinks=True)
    # the shared settings again, key by key: the merged settings, and so the jobs, are unchanged
    edit_config(d, ["datasets", DS], "generator_settings", {"cvae": {"steps": 3}})
    p = snakemake(d, "-n")
    assert p.returncode == 0 and planned_jobs(p.out) == {}, p.out
    edit_config(d, ["datasets", DS], "generator_settings", {"cvae": {"steps": 4}})
    p = snakemake(d, "-n")
    assert p.returncode == 0, p.out
    assert planned_jobs(p.out)["train_generator"] == 1
    assert "generators/cvae/model.pt" in p.out and "generators/genegan/model.pt" not in p.out


def test_killed_training_resumes_from_its_checkpoint(gen_run, tmp_path):
    """SIGKILL Snakemake while train_generator runs; the re-run picks up the checkpoint."""
    import os
    import shutil
    import signal
    import subprocess
    import sys
    import time

    from test_workflow import SNAKEFILE

    d = tmp_path / "copy"
    shutil.copytree(gen_run, d, symlinks=True)
    edit_config(d, ["generate", "settings"], "cvae",
                {"steps": 400, "checkpoint_every": 10, "image_size": [8, 32]})
    checkpoint = d / f"results/{DS}/generators/cvae/checkpoint.pt"
    checkpoint.unlink()
    cmd = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), "--directory", str(d), "--cores", "2",
           f"results/{DS}/generators/cvae/model.pt"]
    p = subprocess.Popen(cmd, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not checkpoint.exists() and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert checkpoint.exists() and p.poll() is None, "training ended before a checkpoint could be killed"
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    assert not (d / f"results/{DS}/generators/cvae/model.pt").exists() or \
        (d / f"results/{DS}/generators/cvae/model.pt").stat().st_mtime < checkpoint.stat().st_mtime
    assert snakemake(d, "--unlock").returncode == 0  # what a user does after a kill
    again = snakemake(d, f"results/{DS}/generators/cvae/model.pt")
    assert again.returncode == 0, again.out
    log = (d / f"results/logs/train_generator/{DS}.cvae.log").read_text()
    resumed = [int(x) for x in __import__("re").findall(r"resumed from step (\d+)", log)]
    assert resumed and resumed[-1] > 0 and resumed[-1] % 10 == 0, log[-2000:]
    assert "trained 400 steps" in log
