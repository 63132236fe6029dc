"""Settings per generator, with defaults sized for the demo on CPU cores
(``bench/README.md`` has the step times).

Networks see pileups at 64 x 128 (4 columns pooled per cell); on a GPU set
``image_size: null`` and raise ``steps``, ``width`` and ``batch_size``.

Keys (every GAN generator takes the same keys; only defaults differ):

- ``steps``: generator updates (GANs) or optimiser steps (cvae).
- ``batch_size``: items per update, drawn with replacement.
- ``checkpoint_every``: steps between checkpoints (and history.tsv writes).
- ``history_every``: steps between rows of history.tsv.
- ``log_every``: steps between progress lines (rate, ETA, losses).
- ``latent``: size of the latent vector.
- ``width``: channels of the first critic block and of the last generator block
  (conv layouts); doubling per block away from the items.
- ``hidden``: units per layer of MLPs (vector and binary layouts).
- ``blocks``: up-sampling blocks of the generator / down-sampling blocks of the
  critic (layers of an MLP).
- ``image_size``: [rows, columns] the networks see for image items; items are
  pooled to it and synthetic items repeated back to full size (null: full size).
- ``arch``: generator blocks, ``residual`` (residual up-sampling) or ``transpose``.
- ``loss``: ``bce`` (GAN) or ``wasserstein`` (WGAN).
- ``n_critic``: discriminator updates per generator update.
- ``lr_g``, ``lr_d``, ``betas``: Adam settings of generator and discriminator.
- ``spectral_norm``: spectrally normalise the discriminator.
- ``batchnorm_d``: batch normalisation in the discriminator (not with wasserstein).
- ``minibatch_std``: give the discriminator the batch's spread (against collapse).
- ``gradient_penalty``: weight of the gradient penalty (R1 for bce,
  interpolates for wasserstein); 0 disables it.
- ``label_smoothing``: one-sided smoothing of the real target (bce only).
- ``ema``: decay of the moving average of generator weights that is sampled
  from (0: sample the last weights).
- ``lr``, ``beta`` (cvae): Adam learning rate, weight of the KL term.
- ``marginals`` (cvae, wgan_gp; vector items only): ``model`` draws as the network does;
  ``empirical`` maps each feature of a draw through the model's own quantiles onto the
  condition's training values (see ``marginals``), keeping the network's dependence
  between features and the features' real distributions.
- classic: ``coverage`` ([lo, hi]: pileups, each read of a window is kept with
  probability f drawn per item from [lo, hi], the reads re-stacked in order:
  lower coverage, as downsampling the BAM; [1, 1] keeps every read), ``shift`` (largest shift in columns,
  each window), ``quality_jitter`` (largest change of a base quality, Phred),
  ``reverse_complement`` (probability, sequences), ``sequence_shift`` (largest
  shift in bases, sequences), ``noise`` (Gaussian noise,
  fraction of each feature's sd, vectors), ``mixup`` (Beta(a, a) mixing with
  an item of the same class, 0 = off, vectors), ``crossovers`` (recombination
  breakpoints, binary: each segment is copied from an item of the same class;
  ``bench/README.md`` says how 8 was chosen).
- reads (pileups; see ``reads``): ``jitter`` (largest move, in columns, of a drawn read
  without a clip; 0: reads keep their training places), ``cycle_bin`` (columns per
  sequencing-cycle bin of the mismatch and base-quality models), ``clip_jitter`` (largest
  slide, in columns, of a read clipped at one end about its clip junction, which stays in
  place; 0: off), ``depth_smooth`` (a smoothed bootstrap of the depths: the source item's
  log depth per window plus normal noise of this many Silverman bandwidths; 0: the source
  item's depths). Both are off: on validation variants neither lowered the two-sample AUC
  or the privacy loss (``bench/README.md``).
- gaussian (vectors; see ``gaussian``): ``shrinkage`` (weight of the scaled identity in
  each class's covariance; null: the Ledoit-Wolf estimate), ``covariance`` (``per_class``:
  each class its own covariance; ``pooled``: one within-class covariance for all classes,
  each class keeping its mean), ``marginals`` (``normal``; ``empirical``: a Gaussian
  copula whose features keep their training distributions).
- mlpgan (haplotypes, after Yelmen et al. 2021; see ``mlpgan``; ``gan`` is its old name): ``g_hidden``,
  ``d_hidden`` (hidden layer sizes as fractions of the SNP count), ``leak``
  (LeakyReLU slope), ``l2`` (weight regularisation), ``real_noise`` (uniform
  noise moving 0/1 values inward), ``straight_through`` (the discriminator
  sees rounded alleles), ``minibatch_std`` (the discriminator sees the
  batch's spread), and the GAN keys ``latent``, ``lr_g``, ``lr_d``, ``betas``,
  ``label_smoothing``, ``ema`` above.
- rbm (haplotypes; see ``rbm``): ``hidden`` (hidden units), ``chains``
  (persistent chains), ``gibbs_steps`` (Gibbs sweeps of the chains per
  update), ``restart`` (share of chains redrawn per update),
  ``sample_steps`` (sweeps when sampling), ``lr``, ``anneal`` (share of the
  steps over which lr falls to 0), ``momentum``, ``weight_decay`` (SGD; decay
  on W only), ``init_scale`` (sd of the initial weights).
- gru (haplotypes; see ``gru``): ``hidden`` (GRU state size), ``embed``
  (size of the per-SNP input embedding), ``lr`` (Adam), ``anneal`` (as for
  rbm), ``clip`` (gradient norm clipping), ``window`` (SNPs scored per training
  window; 0: each contig whole), ``burn_in`` (SNPs read before a window to warm
  the state up, not scored), ``clusters`` (haplotype groups per contig by k-means, the
  model a mixture over them; 0: none), ``group_span`` (with ``clusters``: groups found per
  segment of this many SNPs within each contig, chained from segment to segment; 0: one
  segment per contig), ``sample_windowed`` (draw window by window as training
  reads them, instead of each contig in one pass) and ``temperature`` (logits divided
  by it when drawing; 1: the model's own probabilities).
- li_stephens (haplotypes; see ``copying``): ``rho`` (switch rate per bp, population-scaled: a
  draw switches the haplotype it copies with probability 1 - exp(-rho * gap / n) between sites
  ``gap`` bp apart, n the condition's training haplotypes), ``mutation`` (probability that a
  copied allele is flipped); null: fitted to the training haplotypes by leave-one-out likelihood,
  on up to ``fit_haplotypes`` of them per condition (per group with ``clusters``); ``spread``
  (draws switch and mutate at this many times the rates: above 1 they sit farther from the
  training haplotypes than the likelihood's own draws, which sit nearer them than held-out
  people do); ``clusters`` (k-means groups of each
  population's haplotypes over all contigs; a draw copies within one group on every contig,
  keeping structure between contigs that no label names; 0: none); ``no_copies`` (draw again
  any haplotype equal to a training one).
"""

import copy

from ..errors import refuse_unknown

RUN = {"steps": 600, "batch_size": 32, "checkpoint_every": 100, "history_every": 1, "log_every": 50}
NET = {"latent": 64, "width": 8, "hidden": 128, "blocks": 3, "image_size": [64, 128]}
GAN = {**RUN, **NET, "arch": "residual", "loss": "bce", "n_critic": 1, "lr_g": 2e-4, "lr_d": 2e-4,
       "betas": [0.5, 0.999], "spectral_norm": False, "batchnorm_d": False, "minibatch_std": False,
       "gradient_penalty": 0.0, "label_smoothing": 0.0, "ema": 0.999}

DEFAULTS = {
    "genegan": {**GAN, "lr_g": 4e-4, "lr_d": 1e-4, "spectral_norm": True, "minibatch_std": True,
                "label_smoothing": 0.1},
    "dcgan": {**GAN, "arch": "transpose", "batchnorm_d": True},
    # 2 critic steps of 16 items (not 5 of 32) for time, and lr_g 1e-3 with momentum (beta1 0.5) to get
    # the generator off its uniform-softmax start early (bench/README.md)
    "wgan_gp": {**GAN, "steps": 300, "batch_size": 16, "loss": "wasserstein", "n_critic": 2, "lr_g": 1e-3,
                "lr_d": 3e-4, "betas": [0.5, 0.9], "gradient_penalty": 10.0, "marginals": "model"},
    "cvae": {**RUN, **NET, "steps": 800, "latent": 32, "arch": "transpose", "lr": 1e-3, "beta": 1.0,
             "marginals": "model"},
    # read-level pileups (see reads.py): unclipped reads moved by up to `jitter` columns; cell models by
    # sequencing cycle in bins of `cycle_bin` columns; clipped reads slid about their junction by up to
    # `clip_jitter`; depths a smoothed bootstrap with `depth_smooth` bandwidths (both off)
    "reads": {"jitter": 8, "cycle_bin": 10, "clip_jitter": 0, "depth_smooth": 0.0},
    # one multivariate normal per condition; shrinkage null: Ledoit-Wolf's (vectors only); pooled /
    # empirical: one within-class covariance, a Gaussian copula over the features' own distributions
    "gaussian": {"shrinkage": None, "covariance": "per_class", "marginals": "normal"},
    # li_stephens (haplotypes): Li and Stephens' copying model; rho (per bp) and mutation null: fitted by
    # the training haplotypes' leave-one-out likelihood, up to fit_haplotypes of them per condition; draws
    # at spread times both rates (4: chosen on validation-only audits, bench/README.md)
    "li_stephens": {"rho": None, "mutation": None, "fit_haplotypes": 48, "spread": 4.0, "clusters": 0,
                    "no_copies": True},
    "classic": {"coverage": [0.5, 1.0], "shift": 3, "quality_jitter": 2,
                "reverse_complement": 0.5, "sequence_shift": 5, "noise": 0.1, "mixup": 0.4, "crossovers": 8},
    # haplotypes (binary layout only); sizes for ~2,000 SNPs x ~700 haplotypes on 2 CPU cores
    # mlpgan: Yelmen et al.'s layout, L2, LeakyReLU and latent; for CPU cores, hidden layers of half the
    # SNP count (theirs: g_hidden [1/1.2, 1/1.1], d_hidden [1/2, 1/3]) and the DCGAN optimiser
    # (theirs: lr_g 1e-4, lr_d 8e-4, betas [0.9, 0.999], which collapsed on the demo)
    "mlpgan": {**RUN, "steps": 4000, "latent": 600, "g_hidden": [0.5, 0.5], "d_hidden": [0.25, 0.125],
            "leak": 0.01, "l2": 1e-4, "lr_g": 2e-4, "lr_d": 2e-4, "betas": [0.5, 0.999],
            "label_smoothing": 0.0, "real_noise": 0.1,
            "minibatch_std": True, "straight_through": True,
            "ema": 0.999, "checkpoint_every": 500, "log_every": 250},
    "rbm": {**RUN, "steps": 1000, "batch_size": 64, "hidden": 500, "chains": 128, "gibbs_steps": 5, "restart": 0.05,
            "sample_steps": 200, "lr": 0.03, "anneal": 0.5, "momentum": 0.5, "weight_decay": 1e-4, "init_scale": 0.01,
            "checkpoint_every": 500, "log_every": 250},
    # gru: windows of 256 SNPs after 32 of burn-in run side by side (the sequential steps are the
    # cost on CPU) with a state of 32; lr chosen on validation-only audits, and haplotype groups
    # (clusters, group_span) left off: they raised the privacy loss beyond the release gate's margin
    # on validation (clusters) and on both test panels (group_span); bench/README.md has the timings
    # and audits behind these
    "gru": {**RUN, "steps": 600, "batch_size": 32, "hidden": 32, "embed": 16, "lr": 0.02, "anneal": 0.2,
            "clip": 1.0, "window": 256, "burn_in": 32, "clusters": 0, "group_span": 0,
            "sample_windowed": False, "temperature": 1.0, "checkpoint_every": 50, "log_every": 50},
}
GENERATORS = tuple(DEFAULTS)
# generators made for one layout only; every other generator takes every layout
ONLY_LAYOUTS = {"reads": ("image",), "gaussian": ("vector",), "mlpgan": ("binary",), "rbm": ("binary",),
                "gru": ("binary",), "li_stephens": ("binary",)}
# old generator names, still read (configs, model files): old -> new
RENAMED = {"gan": "mlpgan"}


def canonical(generator):
    """The generator's current name (an old name is mapped to its new one)."""
    return RENAMED.get(generator, generator)


def supports(generator, layout):
    """Whether ``generator`` can learn items of ``layout``."""
    return layout in ONLY_LAYOUTS.get(canonical(generator), (layout,))
# settings that take one of a few words: generator -> setting -> the words
CHOICES = {"cvae": {"marginals": ("model", "empirical")}, "wgan_gp": {"marginals": ("model", "empirical")},
           "gaussian": {"covariance": ("per_class", "pooled"), "marginals": ("normal", "empirical")}}
# keys that change how long a run lasts or what it logs, not what it learns:
# a checkpoint made under other values of these is still resumed
NOT_LEARNING = ("steps", "checkpoint_every", "history_every", "log_every")


def resolve(generator, settings=None):
    """Defaults of ``generator`` updated with ``settings``; unknown keys are an error."""
    generator = canonical(generator)
    if generator not in DEFAULTS:
        raise ValueError(f"unknown generator {generator!r}; use one of {', '.join(GENERATORS)}")
    out = copy.deepcopy(DEFAULTS[generator])
    refuse_unknown(settings or {}, out, f"generator {generator}")
    for key, value in (settings or {}).items():
        _check_type(generator, key, value, out[key])
        words = CHOICES.get(generator, {}).get(key)
        if words and value not in words:
            raise ValueError(f"generator {generator}: setting {key} must be one of {', '.join(words)}, "
                             f"got {value!r}")
    out.update(copy.deepcopy(dict(settings or {})))
    if generator == "gru" and out["group_span"] and not out["clusters"]:
        raise ValueError("generator gru: setting group_span needs clusters > 0 (the groups it cuts into "
                         "segments)")
    return out


def _check_type(generator, key, value, default):
    """A ValueError when ``value`` is not of the default's kind (a number where the default is a
    number, true / false where it is one, text, a list): e.g. ``"2000"`` handed in as text."""
    if default is None or value is None:
        return
    if isinstance(default, bool):
        ok, kind = isinstance(value, bool), "true or false"
    elif isinstance(default, (int, float)):
        ok, kind = isinstance(value, (int, float)) and not isinstance(value, bool), "a number"
    elif isinstance(default, str):
        ok, kind = isinstance(value, str), "text"
    elif isinstance(default, (list, tuple)):
        ok, kind = isinstance(value, (list, tuple)), "a list"
    else:
        return
    if not ok:
        raise ValueError(f"generator {generator}: setting {key} must be {kind}, got {value!r}")
