"""Fidelity of synthetic sequences: PWM hits, GC, k-mer spectra, and the audit's verdicts
on copies (a leak) against fresh windows from the same source (the reference)."""

import numpy as np
import pytest

from genaug.encode.sequences import codes, one_hot, reverse_complement
from genaug.fidelity.sequences import (
    evaluate,
    gc_share,
    hit_rate,
    kmer_spectrum,
    log_odds_matrix,
    pwm_best,
    total_variation,
)
from genaug.metrics import identical_share


def windows(n, L, rng, motif=None):
    X = one_hot(rng.integers(0, 4, (n, L)).astype(np.uint8))
    if motif:
        m = one_hot(codes(motif)[None])[0]
        at = rng.integers(0, L - len(motif), n)
        for i, a in enumerate(at):
            X[i, :, a:a + len(motif)] = m
    return X


def test_pwm_scores_the_consensus_on_either_strand():
    lo = log_odds_matrix()
    best = "".join("ACGT"[i] for i in lo.argmax(0))
    assert best[2:9] in ("TGACTCA", "TGAGTCA")
    X = one_hot(codes("AAAA" + best + "AAAA")[None])
    top = lo.max(0).sum()
    assert pwm_best(X, lo)[0] == pytest.approx(top)
    assert pwm_best(reverse_complement(X), lo)[0] == pytest.approx(top)
    assert hit_rate(X) == 1.0 and hit_rate(one_hot(codes("A" * 30)[None])) == 0.0


def test_gc_share_leaves_n_out_and_kmer_spectrum_sums_to_one():
    X = one_hot(codes("GGCCNNAT")[None])
    assert gc_share(X)[0] == pytest.approx(4 / 6)
    rng = np.random.default_rng(0)
    spec = kmer_spectrum(windows(20, 50, rng))
    assert spec.sum() == pytest.approx(1.0) and len(spec) == 136
    assert total_variation(spec, spec) == 0.0


def test_copies_leak_and_fresh_windows_match_the_reference():
    rng = np.random.default_rng(1)
    T = windows(60, 40, rng, motif="ATGACTCATC")
    H = windows(60, 40, rng, motif="ATGACTCATC")
    fresh = windows(60, 40, rng, motif="ATGACTCATC")
    copies = T.copy()
    plain = windows(60, 40, rng)  # no motif: misses the motif rate
    r_fresh = evaluate(T, H, fresh, seed=0, n_resamples=3)["metrics"]
    r_copy = evaluate(T, H, copies, seed=0, n_resamples=3)["metrics"]
    r_plain = evaluate(T, H, plain, seed=0, n_resamples=3)["metrics"]
    assert r_copy["identical_share"]["synthetic"] == 1.0 and r_fresh["identical_share"]["synthetic"] == 0.0
    assert r_copy["aats_train"]["synthetic"] < 0.2                  # every copy sits on a training window
    assert r_copy["privacy_loss"]["synthetic"] > r_fresh["privacy_loss"]["synthetic"] + 0.2
    assert r_plain["motif_hit_rate_difference"]["synthetic"] > 0.9
    assert r_fresh["motif_hit_rate_difference"]["synthetic"] < 0.1
    assert r_fresh["motif_hit_rate_difference"]["heldout_rate"] > 0.9
    for m in ("two_sample_auc_kmer", "kmer_spectrum_distance", "gc_wasserstein", "two_sample_auc_conv1d"):
        assert r_fresh[m]["reference"] is not None and m in r_plain
    assert r_plain["two_sample_auc_conv1d"]["synthetic"] > 0.75     # the motif tells them apart
    assert abs(r_fresh["two_sample_auc_conv1d"]["synthetic"] - 0.5) < 0.2


def test_leak_audit_flags_copied_windows_flipped_or_shifted_and_not_fresh_ones():
    from genaug.generators.classic import shift_sequences

    rng = np.random.default_rng(2)
    T, H, fresh = (windows(n, 101, rng, motif="ATGACTCATC") for n in (150, 80, 120))
    src = rng.integers(0, len(T), 120)
    flipped = T[src].copy()
    flip = rng.random(len(src)) < 0.5
    flipped[flip] = flipped[flip][:, ::-1, ::-1]
    classic = shift_sequences(flipped, 5, rng)  # what the classic generator makes: few exact copies left
    flat = lambda X: X.reshape(len(X), -1)
    assert identical_share(flat(classic), flat(T)) < 0.1
    kw = dict(seed=0, n_resamples=2)
    leak_fresh = evaluate(T, H, fresh, **kw)["leak"]
    leak_classic = evaluate(T, H, classic, **kw)["leak"]
    assert not leak_fresh["synthetic"]["leak_flag"]
    for share, m in leak_fresh["copy_controls"].items():  # what 20 % and 100 % copies score beside it
        assert m["leak_flag"], share
    assert leak_fresh["synthetic"]["n"] == {"train": 150, "heldout": 80, "synthetic": 120}
    c = leak_classic["synthetic"]
    assert c["leak_flag"] and c["source_linked_share"]["synthetic"] > 0.9
    assert np.mean(np.array(c["source_index"]) == src) > 0.95  # each linked to its own source
