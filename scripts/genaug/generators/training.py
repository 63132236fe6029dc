"""Train a generator on real items and draw synthetic items from it.

``train`` writes, under ``out_dir``:

- ``model.pt``: what ``sample`` needs (sampling networks, layout, settings,
  classes); for ``classic`` the condition of each training item, whose
  items are in ``pool.npz`` beside it (read a chunk at a time when sampling); for ``li_stephens`` the
  same, with the sites' positions and the fitted rates (``copying``); for ``reads`` the read
  table and cell models (``reads``); for ``gaussian`` each
  condition's mean and shrunk covariance (``gaussian``);
- ``history.tsv``: losses per step (every ``history_every`` steps);
- ``checkpoint.pt``: every ``checkpoint_every`` steps, all networks,
  optimisers, the gradient scaler, every random state and the history so far.
  A re-run finding a checkpoint of the same data, seed and learning settings
  resumes from it and ends with the weights an uninterrupted run gets.

Every file is written through ``outputs.replacing`` (a ``.partial`` name,
renamed), so a killed job leaves either the old file or the new one. Files are read back with
``torch.load(weights_only=True)``.
"""

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..device import Precision, pick_device, rng_state, seeded, set_rng_state, set_threads
from ..items import ItemSet, as_items, network_lookup
from ..layouts import layout_from_state, make_layout
from ..outputs import replacing, write_text
from ..tensors import EncodedWriter
from . import classic, copying, gaussian, marginals, reads
from .family import schedule_keys
from .gan import GAN
from .gru import GRU
from .mlpgan import MLPGAN
from .rbm import RBM
from .settings import CHOICES, NOT_LEARNING, ONLY_LAYOUTS, canonical, resolve, supports
from .vae import CVAE

log = logging.getLogger(__name__)
FAMILIES = {"genegan": GAN, "dcgan": GAN, "wgan_gp": GAN, "cvae": CVAE, "mlpgan": MLPGAN, "rbm": RBM, "gru": GRU}
FORMAT = 1
SAMPLE_CHUNK = 128
POOL = "pool.npz"  # classic, li_stephens: their training items, beside model.pt
MARGINALS = CHOICES["cvae"]["marginals"]  # cvae / wgan_gp on vectors: the model's own marginals, or the training ones


@dataclass
class TrainResult:
    model: str
    history: str
    checkpoint: str | None
    steps: int  # steps done, in all runs
    resumed_from: int  # step of the checkpoint this run started from (0: from scratch)
    completed: bool  # False when stopped by ``stop_after``
    seconds: float  # this run only
    device: str
    settings: dict


def train(generator, X_real, cond=None, layout="image", settings=None, seed=0, out_dir=".",
          threads=1, device=None, channels=None, stop_after=None, contigs=None, positions=None):
    """Fit ``generator`` to items ``X_real`` (numpy, encoded) of ``layout``.

    ``cond``: one condition per item (SV type, class) or None; ``channels``:
    channel names of image items (pileups need them); ``stop_after``: stop
    after this step without saving anything more, as a killed job would
    (for tests of resuming); ``contigs``: for binary items over several
    chromosomes, the index of each contig's first site (None: one sequence),
    kept in ``model.pt``: ``classic`` cuts and ``gru`` restarts at them; ``positions``: each site's
    position in bp within its contig (binary items), the distances ``li_stephens`` switches by
    (None: one bp per site).
    """
    t0 = time.time()
    generator = canonical(generator)
    s = resolve(generator, settings)
    if not supports(generator, layout):
        raise ValueError(f"generator {generator} learns {' or '.join(ONLY_LAYOUTS[generator])} items, "
                         f"not {layout}; choose another generator for this dataset")
    if generator in ("cvae", "wgan_gp") and (s["marginals"] not in MARGINALS or
                                             (s["marginals"] == "empirical" and layout != "vector")):
        raise ValueError(f"generator {generator}: marginals must be one of {', '.join(MARGINALS)} "
                         f"(empirical for vector items only), not {s.get('marginals')!r} for {layout} items")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / f"{name}.{ext}" for name, ext in
             (("model", "pt"), ("history", "tsv"), ("checkpoint", "pt"))}
    # an ItemSet (items read from disk a batch at a time) or an array; vectors are read whole to fit the layout
    X = as_items(X_real) if layout != "vector" else np.asarray(X_real)
    if len(X) == 0:
        raise ValueError(f"no items to train generator {generator} on")
    lay = make_layout(layout, np.asarray(X[:1]) if layout != "vector" else X, channels, image_size=s.get("image_size"))
    problems = _problems(lay, X)
    if problems:
        log.warning("the real items break rules that synthetic items will keep: %s", "; ".join(problems))
    cond_values, cond_idx = _classes(cond, len(X))
    n_cond = len(cond_values or ())
    set_threads(threads)
    model = {"format": FORMAT, "generator": generator, "settings": s, "layout": lay.state(),
             "cond_values": cond_values,
             "cond_counts": np.bincount(cond_idx, minlength=max(n_cond, 1)).tolist(),
             "contigs": [0] if contigs is None else sorted({int(a) for a in contigs} | {0})}

    if generator in ("classic", "li_stephens"):
        # the copying models keep their items: in pool.npz beside model.pt, written and later read a chunk at a time
        if generator == "li_stephens":  # its fit needs every item in memory: read them once
            X = np.asarray(X[:])
            model.update(_tensors(copying.fit_model(X, cond_idx, positions, model["contigs"], s, seed)))
        _write_pool(X, cond_idx, cond_values or ["all"], out / POOL, lay)
        model.update(pool_file=POOL, pool_items=len(X), pool_cond=torch.from_numpy(cond_idx))
        _save(model, paths["model"])
        _write_history(paths["history"], ["step"], [])
        return TrainResult(str(paths["model"]), str(paths["history"]), None, 0, 0, True,
                           time.time() - t0, "cpu", s)
    if generator == "reads":
        if lay.pileup is None:
            raise ValueError("generator reads learns pileups (image items with named pileup channels)")
        model["fit"] = _tensors(reads.fit(X, cond_idx, n_cond, lay.pileup, s))
        _save(model, paths["model"])
        _write_history(paths["history"], ["step"], [])
        return TrainResult(str(paths["model"]), str(paths["history"]), None, 0, 0, True,
                           time.time() - t0, "cpu", s)
    if generator == "gaussian":
        model["fit"] = gaussian.fit(lay.to_float(X).numpy(), cond_idx, n_cond, s["shrinkage"], s["covariance"],
                                    s["marginals"])
        _save(model, paths["model"])
        _write_history(paths["history"], ["step"], [])
        return TrainResult(str(paths["model"]), str(paths["history"]), None, 0, 0, True,
                           time.time() - t0, "cpu", s)

    dev = pick_device(device)
    g = seeded(seed)
    family = _family(generator, lay, s, n_cond, Precision(dev), True, model["contigs"])
    fingerprint = _fingerprint(generator, s, seed, lay, X, cond_idx, model["contigs"])
    lookup = network_lookup(X, lay)  # cached when it fits in items.CACHE_BYTES, else per batch

    def items(idx):
        return lookup(idx).to(dev)

    onehot = F.one_hot(torch.from_numpy(cond_idx), max(n_cond, 1)).float()[:, :n_cond]
    if hasattr(family, "init_from_data"):  # e.g. rbm: visible biases from allele frequencies
        family.init_from_data(items(torch.arange(len(X), device=dev)), onehot.to(dev), g)
    step0, columns, rows = _resume(paths["checkpoint"], fingerprint, family, g, s["steps"])

    def batch():
        idx = torch.randint(len(X), (s["batch_size"],), generator=g)
        return items(idx.to(dev)), onehot[idx].to(dev)

    log.info("%s: training on %d items of shape %s (network shape %s) on %s, %d threads, from step %d of %d",
             generator, len(X), X.shape[1:], lay.net_shape, dev, torch.get_num_threads(), step0, s["steps"])
    for net in family.nets.values():
        net.train()
    t_run, step = time.time(), step0
    for step in range(step0 + 1, s["steps"] + 1):
        losses = family.train_step(batch, g, step)
        columns = columns or ["step"] + list(losses)
        if step % s["history_every"] == 0:
            rows.append([step] + list(losses.values()))
        if step % s["log_every"] == 0 or step == s["steps"]:
            _progress(generator, step, step0, s["steps"], t_run, losses)
        if stop_after is not None and step >= stop_after and step < s["steps"]:
            return TrainResult(str(paths["model"]), str(paths["history"]), str(paths["checkpoint"]),
                               step, step0, False, time.time() - t0, str(dev), s)
        if step % s["checkpoint_every"] == 0 or step == s["steps"]:
            _save(_checkpoint(family, g, step, fingerprint, columns, rows), paths["checkpoint"])
            _write_history(paths["history"], columns, rows)
    _write_history(paths["history"], columns or ["step"], rows)
    model["nets"] = family.export(cond_counts=model["cond_counts"], seed=seed)
    if generator in ("cvae", "wgan_gp") and s["marginals"] == "empirical":
        model["marginal_map"] = _marginal_map(family, lay, X, cond_idx, n_cond, seed, dev)
    model["steps"] = step
    _save(model, paths["model"])
    return TrainResult(str(paths["model"]), str(paths["history"]), str(paths["checkpoint"]),
                       step, step0, True, time.time() - t0, str(dev), s)


def sample(model_path, n, cond=None, seed=0, device=None, threads=None, return_cond=False):
    """``n`` synthetic items (valid encodings, the training items' dtype) from ``model.pt``.

    ``cond``: one value or one per item, among the training conditions; None
    draws conditions at their training frequencies. With ``return_cond`` the
    conditions of the items come back too.
    """
    conditions, chunks = sample_chunks(model_path, n, cond, seed, device, threads)
    X = np.concatenate(list(chunks))
    return (X, conditions) if return_cond else X


def sample_chunks(model_path, n, cond=None, seed=0, device=None, threads=None):
    """(conditions of the ``n`` items, an iterator of item chunks): ``sample`` a chunk at a time,
    the same items, so that memory holds one chunk (``augment.save_synthetic`` writes them)."""
    m = torch.load(model_path, map_location="cpu", weights_only=True)
    lay = layout_from_state(m["layout"])
    set_threads(threads)
    g = seeded(seed)
    values = m["cond_values"]
    idx = _want(values, m["cond_counts"], n, cond, g, model_path)
    conditions = np.array([values[i] for i in idx]) if values is not None else np.full(n, None)
    if m["generator"] == "gaussian":
        Z = gaussian.draw(m["fit"], idx, np.random.default_rng(seed))
        return conditions, iter([lay.from_float(torch.from_numpy(Z).float())])
    if m["generator"] == "reads":
        return conditions, reads.draw_chunks(m["fit"], idx, lay.item_shape, lay.pileup.names, m["settings"],
                                             np.random.default_rng(seed), chunk=SAMPLE_CHUNK)
    if m["generator"] == "classic":
        pool = m["pool"].numpy() if "pool" in m else _read_pool(model_path, m)  # "pool": model.pt of old runs
        return conditions, classic.draw_chunks(pool, m["pool_cond"].numpy(), lay, m["settings"], idx,
                                               np.random.default_rng(seed), chunk=SAMPLE_CHUNK,
                                               contigs=m.get("contigs"))
    if m["generator"] == "li_stephens":
        arrays = {k: v.numpy() if torch.is_tensor(v) else v for k, v in m.items()}
        return conditions, copying.sample_chunks(arrays, _read_pool(model_path, m)[:], idx, seed, SAMPLE_CHUNK)
    return conditions, _generate_chunks(m, lay, idx, g, device)


def _write_pool(X, cond_idx, classes, path, lay):
    """The items ``X`` (an ItemSet or array) into ``path``, an uncompressed .npz with the tensor contract's
    arrays (``y``: the condition index of each item, ``classes``: the conditions), ``SAMPLE_CHUNK`` items
    at a time."""
    with EncodedWriter(path, X.shape[1:], len(X), dtype=X.dtype) as w:
        for i in range(0, len(X), SAMPLE_CHUNK):
            w.write(np.asarray(X[i:i + SAMPLE_CHUNK]))
        w.close(cond_idx, np.full(len(X), "pool"), classes, lay.name,
                getattr(getattr(lay, "pileup", None), "names", None))


def _read_pool(model_path, m):
    """The pool beside ``model_path`` as an ItemSet (rows read when drawn); a clear error when it is
    missing or does not match the model."""
    path = Path(model_path).with_name(m["pool_file"])
    if not path.exists():
        raise FileNotFoundError(f"{path}: the {m['generator']} model's training items are missing "
                                "(retrain the generator)")
    pool = ItemSet.from_file(path)
    if len(pool) != int(m["pool_items"]):
        raise ValueError(f"{path}: {len(pool)} items, but {model_path} was trained on {int(m['pool_items'])}; "
                         "retrain the generator")
    return pool


def _tensors(obj):
    """numpy arrays in ``obj`` (nested dicts) as torch tensors, which ``torch.load(weights_only=True)`` reads."""
    if isinstance(obj, dict):
        return {k: _tensors(v) for k, v in obj.items()}
    return torch.from_numpy(np.ascontiguousarray(obj)) if isinstance(obj, np.ndarray) else obj


def _family(generator, lay, settings, n_cond, precision, train, contigs):
    """The family of ``generator``; the ones that read sites in order (gru) get the contigs."""
    cls = FAMILIES[generator]
    if cls is GRU:
        return cls(lay, settings, n_cond, precision, train=train, contigs=contigs)
    return cls(lay, settings, n_cond, precision, train=train)


def _generate_chunks(m, lay, idx, g, device):
    n_cond = len(m["cond_values"] or ())
    dev = pick_device(device)
    family = _family(canonical(m["generator"]), lay, m["settings"], n_cond, Precision(dev), False, m.get("contigs"))
    for name, state in m["nets"].items():
        family.nets[name].load_state_dict(state)
        family.nets[name].eval()
    onehot = F.one_hot(torch.from_numpy(idx), max(n_cond, 1)).float()[:, :n_cond]
    yield np.empty((0,) + lay.item_shape, dtype=lay.dtype)
    with torch.no_grad():
        for i in range(0, len(idx), SAMPLE_CHUNK):
            Z = family.generate(onehot[i:i + SAMPLE_CHUNK].to(dev), g)
            if "marginal_map" in m:
                Z = torch.from_numpy(marginals.apply(Z.cpu().numpy(), idx[i:i + SAMPLE_CHUNK],
                                                     m["marginal_map"])).float()
            yield lay.from_float(Z, g)


def _marginal_map(family, lay, X, cond_idx, n_cond, seed, dev):
    """``marginals.fit`` for a trained family: its draws per condition (a seed of their own) against the
    training items' values."""
    for net in family.nets.values():
        net.eval()
    g = seeded(seed + 7919)
    K = max(n_cond, 1)

    def draws(k, n):
        onehot = F.one_hot(torch.full((n,), k), K).float()[:, :n_cond].to(dev)
        with torch.no_grad():
            return torch.cat([family.generate(onehot[i:i + SAMPLE_CHUNK], g).float().cpu()
                              for i in range(0, n, SAMPLE_CHUNK)]).numpy()

    return marginals.fit(draws, lay.to_float(X).numpy(), cond_idx, n_cond)


def _problems(lay, X, chunk=32):
    """The layout rules that items ``X`` break, checked a chunk at a time (each message once)."""
    seen = []
    for i in range(0, len(X), chunk):
        for p in lay.problems(np.asarray(X[i:i + chunk])):
            if p not in seen:
                seen.append(p)
    return seen


def _classes(cond, n):
    """Condition values (sorted, plain Python) and each item's index among them."""
    if cond is None:
        return None, np.zeros(n, dtype=np.int64)
    cond = np.asarray(cond)
    if cond.shape != (n,):
        raise ValueError(f"cond has shape {cond.shape}; give one condition per item ({n})")
    values, idx = np.unique(cond, return_inverse=True)
    return values.tolist(), idx.astype(np.int64)


def _want(values, counts, n, cond, g, model_path):
    if n == 0:  # nothing to top up: no item, and no draw from the generator's random stream
        return np.zeros(0, dtype=np.int64)
    if values is None:
        if cond is not None:
            raise ValueError(f"{model_path} was trained without conditions; sample with cond=None")
        return np.zeros(n, dtype=np.int64)
    if cond is None:
        return torch.multinomial(torch.tensor(counts, dtype=torch.float64), n, replacement=True,
                                 generator=g).numpy()
    wanted = np.broadcast_to(np.asarray(cond), (n,))
    lookup = {v: i for i, v in enumerate(values)}
    unknown = sorted({str(v) for v in wanted.tolist() if v not in lookup})
    if unknown:
        raise ValueError(f"{model_path} knows conditions {values}, not {', '.join(unknown)}")
    return np.array([lookup[v] for v in wanted.tolist()], dtype=np.int64)


def _fingerprint(generator, s, seed, lay, X, cond_idx, contigs=(0,)):
    h = hashlib.sha256()
    learning = {k: v for k, v in s.items() if k not in NOT_LEARNING or k in schedule_keys(s)}
    h.update(json.dumps([FORMAT, generator, learning, int(seed), lay.name, str(lay.net_shape),
                         str(X.shape), str(X.dtype)], sort_keys=True).encode())
    for i in range(0, len(X), SAMPLE_CHUNK):  # the same digest as of all items at once
        h.update(np.ascontiguousarray(X[i:i + SAMPLE_CHUNK]).view(np.uint8).data)
    h.update(cond_idx.tobytes())
    if list(contigs) != [0]:
        h.update(json.dumps(list(contigs)).encode())
    return h.hexdigest()


def _checkpoint(family, g, step, fingerprint, columns, rows):
    return {"format": FORMAT, "fingerprint": fingerprint, "step": step,
            "nets": {k: v.state_dict() for k, v in family.nets.items()},
            "optimizers": {k: v.state_dict() for k, v in family.optimizers.items()},
            "scaler": family.precision.scaler.state_dict(), "rng": rng_state(g),
            "history": {"columns": list(columns or []), "rows": [list(r) for r in rows]}}


def _resume(path, fingerprint, family, g, steps):
    """Restore ``family`` and ``g`` from the checkpoint at ``path`` if it fits; -> step, columns, rows."""
    if not path.exists():
        return 0, [], []
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # a truncated or foreign file: start over rather than fail
        log.warning("%s: cannot be read (%s); starting from step 0", path, e)
        return 0, [], []
    if ck.get("fingerprint") != fingerprint:
        log.warning("%s: made for other data, seed or settings; starting from step 0", path)
        return 0, [], []
    if ck["step"] > steps:
        log.warning("%s: at step %d, beyond steps=%d; starting from step 0", path, ck["step"], steps)
        return 0, [], []
    for k, net in family.nets.items():
        net.load_state_dict(ck["nets"][k])
    for k, opt in family.optimizers.items():
        opt.load_state_dict(ck["optimizers"][k])
    family.precision.scaler.load_state_dict(ck["scaler"])
    set_rng_state(g, ck["rng"])
    log.info("%s: resuming from step %d", path, ck["step"])
    return ck["step"], ck["history"]["columns"], ck["history"]["rows"]


def _save(obj, path):
    with replacing(path) as tmp:
        torch.save(obj, tmp)


def _write_history(path, columns, rows):
    lines = ["\t".join(columns)] + ["\t".join([str(int(r[0]))] + [f"{v:.6g}" for v in r[1:]]) for r in rows]
    write_text("\n".join(lines) + "\n", path)


def _progress(generator, step, step0, steps, t_run, losses):
    rate = (step - step0) / max(time.time() - t_run, 1e-9)
    eta = int((steps - step) / rate)
    loss_text = ", ".join(f"{k} {v:.4g}" for k, v in losses.items())
    log.info("%s: step %d/%d (%.0f%%), %.2f steps/s, ETA %dm%02ds, %s",
             generator, step, steps, 100 * step / steps, rate, eta // 60, eta % 60, loss_text)
