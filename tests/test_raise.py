"""Reverse AIS, the bracket on ln Z, exact samples (rgdl.rbm.ais, issue #18)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rgdl.rbm.ais import (
    Bracket, ais_log_partition, exact_samples, log_partition_bracket, reverse_ais_log_partition,
)
from rgdl.rbm.model import RBM, enumerate_states, gaussian_rbm, log_partition

F64 = torch.float64


def _repeats(rbm, n_betas, repeats, n_runs=100):
    """Brackets over seeds 0..repeats-1, each reverse-annealing from fresh exact draws."""
    return [log_partition_bracket(rbm, None, n_runs=n_runs, n_betas=n_betas, seed=s)
            for s in range(repeats)]


def _mean_and_se(values, stderrs):
    """Mean of the estimates and its standard error from the returned ones."""
    return float(np.mean(values)), math.sqrt(float(np.mean(np.square(stderrs))) / len(values))


@pytest.mark.parametrize("spins", [False, True])
def test_reverse_ais_of_an_rbm_without_weights_is_exact(spins):
    """W = 0 and the base equal to the model: every f_beta is the same, every w = 1."""
    rbm = RBM(6, 3, spins=spins, dtype=F64, seed=0)
    rbm.W.zero_()
    rbm.b = torch.linspace(-1, 1, 6, dtype=F64)
    start = exact_samples(rbm, 10, seed=0)
    log_z, err = reverse_ais_log_partition(rbm, start, n_betas=30, seed=0, base=rbm.b)
    assert log_z == pytest.approx(log_partition(rbm), abs=1e-9)
    assert err < 1e-9


@pytest.mark.parametrize("spins,scale,seed", [(False, 1.0, 0), (False, 2.0, 1), (True, 1.0, 2),
                                              (True, 2.0, 0)])
def test_ais_and_reverse_ais_bracket_the_exact_log_partition(spins, scale, seed):
    """10 x 6 units, 8 repeats of 100 runs on 30 temperatures: mean AIS <= ln Z <= mean
    reverse AIS, each side within 4 standard errors of the mean (from the returned ones)."""
    rbm = gaussian_rbm(10, 6, spins=spins, scale=scale, seed=seed)
    exact = log_partition(rbm)
    brackets = _repeats(rbm, 30, 8)
    lower, se_lo = _mean_and_se([b.lower for b in brackets], [b.lower_stderr for b in brackets])
    upper, se_up = _mean_and_se([b.upper for b in brackets], [b.upper_stderr for b in brackets])
    assert lower <= exact + 4 * se_lo, (lower, exact, se_lo)
    assert upper >= exact - 4 * se_up, (upper, exact, se_up)


def test_the_bracket_is_strict_when_the_annealing_is_short():
    """Spins, sigma_W = 2, 10 temperatures: the two biases are far larger than the noise,
    AIS below and reverse AIS above ln Z by more than 3 standard errors of the mean."""
    rbm = gaussian_rbm(10, 6, spins=True, scale=2.0, seed=0)
    exact = log_partition(rbm)
    brackets = _repeats(rbm, 10, 8)
    lower, se_lo = _mean_and_se([b.lower for b in brackets], [b.lower_stderr for b in brackets])
    upper, se_up = _mean_and_se([b.upper for b in brackets], [b.upper_stderr for b in brackets])
    assert exact - lower > 3 * se_lo and upper - exact > 3 * se_up, (lower, exact, upper)


@pytest.mark.parametrize("spins", [False, True])
def test_the_bracket_closes_on_ln_z_as_the_schedule_grows(spins):
    """4 repeats at 10 and at 1000 temperatures (sigma_W = 1): the mean width shrinks at
    least fourfold and at 1000 both ends lie within 4 standard errors (+0.02 nats, a floor
    for the delta-method error itself) of the exact ln Z."""
    rbm = gaussian_rbm(10, 6, spins=spins, scale=1.0, seed=4)
    exact = log_partition(rbm)
    short, long_ = _repeats(rbm, 10, 4), _repeats(rbm, 1000, 4)
    w_short = abs(np.mean([b.width for b in short]))
    w_long = abs(np.mean([b.width for b in long_]))
    if spins:  # the 0/1 model is easy from a uniform base: both ends are near ln Z already
        assert w_long < w_short / 4, (w_short, w_long)
    lower, se_lo = _mean_and_se([b.lower for b in long_], [b.lower_stderr for b in long_])
    upper, se_up = _mean_and_se([b.upper for b in long_], [b.upper_stderr for b in long_])
    assert abs(lower - exact) <= 4 * se_lo + 0.02, (lower, exact, se_lo)
    assert abs(upper - exact) <= 4 * se_up + 0.02, (upper, exact, se_up)


def test_reverse_weights_are_unbiased_for_z0_over_z():
    """From exact draws, mean(w) estimates Z_0 / Z without bias at any schedule: with
    20,000 runs on 5 temperatures, ln Z_rev = ln Z within 5 of its standard errors."""
    rbm = gaussian_rbm(6, 4, spins=True, scale=0.7, seed=1)
    start = exact_samples(rbm, 20_000, seed=3)
    log_z, se = reverse_ais_log_partition(rbm, start, betas=[0.0, 0.25, 0.5, 0.75, 1.0], seed=2)
    assert abs(log_z - log_partition(rbm)) <= 5 * se, (log_z, log_partition(rbm), se)


def _annealing_model(rbm, betas):
    """p_ann(v), the law of the forward chain's last state, and ln f_1(v), enumerated
    (uniform base); states in the order of enumerate_states."""
    V = enumerate_states(rbm.n_visible, rbm.values)
    H = enumerate_states(rbm.n_hidden, rbm.values)
    E = -(V @ rbm.b)[:, None] - (H @ rbm.c)[None, :] - V @ rbm.W @ H.T   # (nV, nH)
    p = torch.full((len(V),), 1.0 / len(V), dtype=F64)                    # p_0: uniform
    for beta in betas[1:-1]:                                              # T_1 ... T_{K-1}
        joint = torch.exp(-beta * E)
        p_h_v = joint / joint.sum(1, keepdim=True)
        p_v_h = joint / joint.sum(0, keepdim=True)
        p = p @ (p_h_v @ p_v_h.T)
    log_f = torch.logsumexp(-E, 1)
    return p, log_f


@pytest.mark.parametrize("spins", [False, True])
def test_reverse_weights_from_a_data_point_estimate_the_annealing_model(spins):
    """RAISE's identity: from a fixed v, E[w] = Z_0 p_ann(v) / f(v), with p_ann enumerated
    through the forward chain's kernels (2 visible, 1 hidden unit, K = 3); 20,000 runs per
    point, within 5 standard errors of the mean of w."""
    rbm = gaussian_rbm(2, 1, spins=spins, scale=1.5, seed=2)
    betas = [0.0, 0.3, 0.7, 1.0]
    p_ann, log_f = _annealing_model(rbm, betas)
    log_z0 = 3 * math.log(2.0)  # uniform base: 2^n_hidden * 2^n_visible
    for i, v in enumerate(enumerate_states(2, rbm.values)):
        start = v.expand(20_000, -1)
        log_z_rev, se = reverse_ais_log_partition(rbm, start, betas=betas, seed=i)
        mean_w = math.exp(log_z0 - log_z_rev)
        expected = math.exp(log_z0 + math.log(float(p_ann[i])) - float(log_f[i]))
        assert abs(mean_w / expected - 1) <= 5 * se, (i, mean_w, expected, se)


@pytest.mark.parametrize("spins,n_visible,n_hidden", [(False, 8, 4), (True, 8, 4),
                                                      (False, 4, 8), (True, 5, 9)])
def test_exact_samples_match_the_enumerated_marginal(spins, n_visible, n_hidden):
    """20,000 draws (hidden layer enumerated when smaller, else visible): chi-square against
    the exact p(v), sparse bins pooled, (X^2 - df) / sqrt(2 df) below 4."""
    rbm = gaussian_rbm(n_visible, n_hidden, spins=spins, scale=1.0, seed=5)
    x = exact_samples(rbm, 20_000, seed=1)
    assert x.shape == (20_000, n_visible) and x.dtype == rbm.dtype
    assert set(x.unique().tolist()) <= set(map(float, rbm.values))
    V = enumerate_states(n_visible, rbm.values)
    p = torch.softmax(-rbm.visible_hamiltonian(V), 0).numpy()
    idx = ((x > 0).long() << torch.arange(n_visible)).sum(1).numpy()
    counts = np.bincount(idx, minlength=len(p))
    expected = counts.sum() * p
    small = expected < 5
    obs = np.append(counts[~small], counts[small].sum())
    exp = np.append(expected[~small], expected[small].sum())
    keep = exp > 0
    x2 = float(((obs[keep] - exp[keep]) ** 2 / exp[keep]).sum())
    df = int(keep.sum()) - 1
    assert (x2 - df) / math.sqrt(2 * df) < 4, (x2, df)
    assert torch.equal(x, exact_samples(rbm, 20_000, seed=1))


def test_bracket_fields_seeds_and_contains():
    rbm = gaussian_rbm(6, 4, scale=1.0, seed=0)
    start = exact_samples(rbm, 30, seed=0)
    br = log_partition_bracket(rbm, start, n_runs=20, n_betas=50, seed=3)
    assert isinstance(br, Bracket) and br.width == br.upper - br.lower
    assert (br.n_runs, br.n_reverse, br.n_betas) == (20, 30, 50) and br.seconds >= 0
    # the lower end is the number ais_log_partition gives for the same seed
    assert (br.lower, br.lower_stderr) == ais_log_partition(rbm, 20, 50, seed=3)
    again = log_partition_bracket(rbm, start, n_runs=20, n_betas=50, seed=3)
    assert (again.lower, again.upper) == (br.lower, br.upper)
    assert br.contains(br.lower) and br.contains(br.upper)
    assert not br.contains(br.upper + 1 + 10 * br.upper_stderr, sigmas=1.0)
    assert br.contains(br.lower - br.lower_stderr, sigmas=1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        br.lower = 0.0
    with pytest.raises(ValueError, match="log_z"):
        br.contains(float("nan"))


def test_exact_samples_refuse_models_too_large_to_enumerate():
    rbm = RBM(40, 35, seed=0)
    with pytest.raises(ValueError, match="rbm"):
        exact_samples(rbm, 3)
    with pytest.raises(ValueError, match="rbm"):
        log_partition_bracket(rbm, None, n_runs=3, n_betas=5)


_BAD = [None, "bogus", float("nan"), -1, 0, 2.5, True, 2**40, np.full((3, 6), 0.5),
        np.zeros((1, 6)), np.zeros((3, 5)), np.zeros(6)]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(fn=st.sampled_from(["reverse", "bracket", "samples"]),
       arg=st.sampled_from(["start", "n_betas", "seed", "base", "n_runs", "n", "rbm"]),
       bad=st.sampled_from(_BAD))
def test_bad_input_is_refused_naming_the_argument(fn, arg, bad):
    rbm = gaussian_rbm(6, 4, scale=1.0, seed=0)
    start = torch.zeros(3, 6, dtype=F64)
    kw = {"reverse": dict(rbm=rbm, start=start, n_betas=10, seed=0, base=None),
          "bracket": dict(rbm=rbm, start=start, n_runs=4, n_betas=10, seed=0, base=None),
          "samples": dict(rbm=rbm, n=4, seed=0)}[fn]
    if arg not in kw:
        return
    kw[arg] = bad
    call = {"reverse": reverse_ais_log_partition, "bracket": log_partition_bracket,
            "samples": exact_samples}[fn]
    try:
        out = call(**kw)
    except (TypeError, ValueError) as err:
        assert arg in str(err), (fn, arg, bad, err)
    else:  # a value that happens to be valid (start=None in the bracket, a large seed)
        values = out if isinstance(out, tuple) else (out.lower, out.upper) \
            if isinstance(out, Bracket) else (float(out.sum()),)
        assert all(math.isfinite(v) for v in values)


def test_reverse_refuses_explicitly():
    rbm = gaussian_rbm(4, 3, scale=1.0, seed=0)
    start = torch.zeros(3, 4, dtype=F64)
    for kw, name in (({"betas": [0.0, 0.7, 0.5, 1.0]}, "betas"), ({"dtype": None}, "dtype"),
                     ({"progress": 2}, "progress"), ({"base": np.zeros(3)}, "base"),
                     ({"start": start[:1]}, "start"), ({"start": start + 0.5}, "start")):
        with pytest.raises((TypeError, ValueError), match=name):
            reverse_ais_log_partition(rbm, **{"start": start, "n_betas": 10, **kw})
