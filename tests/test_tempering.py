"""Parallel tempering (rgdl.rbm.tempering): detailed balance, exact marginals, faster mixing."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rgdl.core.stats import integrated_autocorr_time
from rgdl.rbm.model import RBM, enumerate_states, gaussian_rbm
from rgdl.rbm.tempering import (
    TemperingRun, _swap_, parallel_tempering, temperature_ladder, tempering_sweep_,
)

F64 = torch.float64


def _uniform(seed):
    gen = torch.Generator().manual_seed(seed)
    return lambda t: t.uniform_(generator=gen)


def _index(v: torch.Tensor) -> torch.Tensor:
    """Row -> integer with bit j = (unit j on), the order of enumerate_states."""
    bits = (v > 0).long()
    return (bits << torch.arange(v.shape[-1])).sum(-1)


def _exact_marginal(rbm) -> np.ndarray:
    v = enumerate_states(rbm.n_visible, rbm.values)
    logp = -rbm.visible_hamiltonian(v)
    return torch.softmax(logp, 0).numpy()


def _chi2_sigmas(counts: np.ndarray, p: np.ndarray) -> float:
    """(X^2 - df) / sqrt(2 df), bins with expected count < 5 pooled into one."""
    n = counts.sum()
    expected = n * p
    small = expected < 5
    obs = np.append(counts[~small], counts[small].sum())
    exp = np.append(expected[~small], expected[small].sum())
    keep = exp > 0
    x2 = float(((obs[keep] - exp[keep]) ** 2 / exp[keep]).sum())
    df = keep.sum() - 1
    return (x2 - df) / math.sqrt(2 * df)


def _bimodal(a=1.0, n=10):
    """A Curie-Weiss magnet through one hidden spin: p(v) ~ cosh(a sum v), two far modes."""
    rbm = RBM(n, 1, spins=True, dtype=F64)
    rbm.W = torch.full((n, 1), a, dtype=F64)
    return rbm


# ------------------------------------------------------------------ the ladder
def test_temperature_ladder_is_geometric_from_one_to_beta_min():
    b = temperature_ladder(5, 0.25)
    assert b.dtype == F64 and b.shape == (5,)
    assert b[0] == 1.0 and b[-1] == 0.25
    ratios = b[1:] / b[:-1]
    assert torch.allclose(ratios, torch.full((4,), 0.25 ** 0.25, dtype=F64), atol=1e-15)
    assert temperature_ladder(1).tolist() == [1.0]
    assert temperature_ladder(2, 0.5).tolist() == [1.0, 0.5]


@pytest.mark.parametrize("kw,name", [({"n_temperatures": 0}, "n_temperatures"),
                                     ({"n_temperatures": 2.0}, "n_temperatures"),
                                     ({"beta_min": 1.0}, "beta_min"),
                                     ({"beta_min": 0.0}, "beta_min"),
                                     ({"beta_min": float("nan")}, "beta_min")])
def test_temperature_ladder_refuses_bad_input(kw, name):
    with pytest.raises((TypeError, ValueError), match=name):
        temperature_ladder(**{"n_temperatures": 3, **kw})


# ----------------------------------------------------- detailed balance: the swap
@pytest.mark.parametrize("spins", [False, True])
def test_swap_move_satisfies_detailed_balance_on_a_two_state_toy(spins):
    """1 visible x 1 hidden unit, two replicas: 16 joint states x = (v1, h1, v2, h2).

    For each x, N copies go through the swap move; the empirical swap probability
    T(x -> s(x)) (s exchanges the replicas) must satisfy
    pi(x) T(x -> s(x)) = pi(s(x)) T(s(x) -> x) with pi the product of the joint laws,
    within 5 combined binomial standard errors.
    """
    rbm = RBM(1, 1, spins=spins, dtype=F64)
    rbm.W, rbm.b, rbm.c = (torch.tensor([[1.7]], dtype=F64), torch.tensor([-0.4], dtype=F64),
                           torch.tensor([0.9], dtype=F64))
    betas = torch.tensor([1.0, 0.3], dtype=F64)
    vals = rbm.values
    states = list(itertools.product(vals, repeat=4))
    n = 40_000
    uniform_ = _uniform(0)

    def energy(v, h):
        return -(rbm.b[0] * v + rbm.c[0] * h + rbm.W[0, 0] * v * h)

    def log_pi(x):
        v1, h1, v2, h2 = x
        return float(-betas[0] * energy(v1, h1) - betas[1] * energy(v2, h2))

    rate = {}
    for x in states:
        v = torch.tensor([[[x[0]]] * n, [[x[2]]] * n], dtype=F64)   # (2, n, 1)
        h = torch.tensor([[[x[1]]] * n, [[x[3]]] * n], dtype=F64)
        e = torch.stack([energy(v[0, :, 0], h[0, :, 0]), energy(v[1, :, 0], h[1, :, 0])])
        acc = _swap_((v, h), e, betas, uniform_, 0)
        # the two tensors are swapped together, and the count matches the swapped rows
        moved = (v[0, :, 0] != x[0]) | (h[0, :, 0] != x[1])
        if x[:2] != x[2:]:
            assert int(moved.sum()) == int(acc[0])
        rate[x] = float(acc[0]) / n
    for x in states:
        y = (x[2], x[3], x[0], x[1])
        if x >= y:
            continue
        lhs, rhs = math.exp(log_pi(x)) * rate[x], math.exp(log_pi(y)) * rate[y]
        se = math.hypot(math.exp(log_pi(x)) * math.sqrt(rate[x] * (1 - rate[x]) / n),
                        math.exp(log_pi(y)) * math.sqrt(rate[y] * (1 - rate[y]) / n))
        assert abs(lhs - rhs) <= 5 * se + 1e-12, (x, lhs, rhs, se)
        # and the exact Metropolis probability
        a = min(1.0, math.exp(log_pi(y) - log_pi(x)))
        assert abs(rate[x] - a) <= 5 * math.sqrt(a * (1 - a) / n) + 1e-12


def _exact_sweep_matrix(rbm, betas):
    """T[(v1, v2) -> (v1', v2')] of one sweep (Gibbs at both betas, then a swap), enumerated."""
    vals = rbm.values
    W, b, c = float(rbm.W[0, 0]), float(rbm.b[0]), float(rbm.c[0])

    def cond(field, beta, s):  # P(unit = s | field) at inverse temperature beta
        w = {u: math.exp(beta * u * field) for u in vals}
        return w[s] / sum(w.values())

    def energy(v, h):
        return -(b * v + c * h + W * v * h)

    states = list(itertools.product(vals, repeat=2))
    T = np.zeros((4, 4))
    for i, (v1, v2) in enumerate(states):
        for h1, h2, w1, w2 in itertools.product(vals, repeat=4):
            p = (cond(c + W * v1, betas[0], h1) * cond(c + W * v2, betas[1], h2)
                 * cond(b + W * h1, betas[0], w1) * cond(b + W * h2, betas[1], w2))
            a = min(1.0, math.exp((betas[0] - betas[1]) * (energy(w1, h1) - energy(w2, h2))))
            T[i, states.index((w1, w2))] += p * (1 - a)
            T[i, states.index((w2, w1))] += p * a
    return states, T


@pytest.mark.parametrize("spins", [False, True])
def test_one_sweep_matches_the_enumerated_kernel_and_keeps_pi(spins):
    """The sweep's empirical 4x4 kernel on (v1, v2) equals the enumerated one (5 sigma per
    entry); the enumerated kernel keeps pi = p_1(v1) p_0.3(v2) exactly, and the empirical
    one keeps it within 5 sigma."""
    rbm = RBM(1, 1, spins=spins, dtype=F64)
    rbm.W, rbm.b, rbm.c = (torch.tensor([[2.1]], dtype=F64), torch.tensor([-0.8], dtype=F64),
                           torch.tensor([0.5], dtype=F64))
    betas = [1.0, 0.3]
    states, T = _exact_sweep_matrix(rbm, betas)
    V = enumerate_states(1, rbm.values)
    marg = [torch.softmax(_tempered_log_marginal(rbm, V, beta), 0).numpy() for beta in betas]
    pi = np.array([marg[0][rbm.values.index(a)] * marg[1][rbm.values.index(b)]
                   for a, b in states])
    assert np.allclose(pi @ T, pi, atol=1e-14)
    assert np.allclose(T.sum(1), 1, atol=1e-14)
    n = 50_000
    uniform_ = _uniform(1)
    T_hat = np.zeros((4, 4))
    for i, (v1, v2) in enumerate(states):
        v = torch.tensor([[[v1]] * n, [[v2]] * n], dtype=F64)
        tempering_sweep_(rbm, v, torch.tensor(betas, dtype=F64), uniform_, parity=0)
        for j, (w1, w2) in enumerate(states):
            T_hat[i, j] = float(((v[0, :, 0] == w1) & (v[1, :, 0] == w2)).sum()) / n
    se = np.sqrt(T * (1 - T) / n)
    assert np.all(np.abs(T_hat - T) <= 5 * se + 1e-12), (T_hat, T)
    se_pi = np.sqrt(((pi[:, None] ** 2) * T * (1 - T) / n).sum(0))
    assert np.all(np.abs(pi @ T_hat - pi) <= 5 * se_pi + 1e-12)


def _tempered_log_marginal(rbm, v, beta):
    """ln p_beta(v) up to a constant: beta b.v + sum_j ln sum_h e^{beta h (c + vW)_j}."""
    probe = rbm.copy().to(F64)
    probe.W, probe.b, probe.c = beta * probe.W, beta * probe.b, beta * probe.c
    return -probe.visible_hamiltonian(v)


# ------------------------------------------------------ exact marginal at beta = 1
@pytest.mark.parametrize("spins,n_temperatures", [(False, 6), (True, 6), (False, 1)])
def test_beta_one_marginal_matches_the_enumerated_marginal(spins, n_temperatures):
    """8 visible x 4 hidden units, sigma_W = 1: the last state of 5,000 independent
    ladders after 200 sweeps, chi-square against the exact p(v) over the 256 states
    (sparse bins pooled): (X^2 - df) / sqrt(2 df) below 4."""
    rbm = gaussian_rbm(8, 4, spins=spins, scale=1.0, seed=3)
    run = parallel_tempering(rbm, n_temperatures=n_temperatures, beta_min=0.3, n_chains=5_000,
                             n_sweeps=1, burn_in=200, seed=5)
    counts = np.bincount(_index(run.samples[0]).numpy(), minlength=256)
    z = _chi2_sigmas(counts, _exact_marginal(rbm))
    assert z < 4, z


# --------------------------------------------------------------- faster mixing
@pytest.mark.parametrize("seed", [0, 1])
def test_tempering_mixes_a_bimodal_model_faster_than_gibbs(seed):
    """Curie-Weiss magnet (10 spins, a = 1): Gibbs crosses between the two modes about
    once in a hundred sweeps; PT with 6 replicas down to beta = 0.2 cuts the
    integrated autocorrelation time of the magnetisation by more than 5x, and its
    chains visit both modes about equally often."""
    rbm = _bimodal(1.0)
    kw = dict(n_chains=20, n_sweeps=3000, burn_in=100, seed=seed)
    gibbs = parallel_tempering(rbm, n_temperatures=1, **kw)
    pt = parallel_tempering(rbm, n_temperatures=6, beta_min=0.2, **kw)
    tau_g = integrated_autocorr_time(gibbs.samples.mean(-1).numpy())
    tau_pt = integrated_autocorr_time(pt.samples.mean(-1).numpy())
    assert tau_g > 5 * tau_pt, (tau_g, tau_pt)
    assert np.all((pt.swap_rate > 0.3) & (pt.swap_rate <= 1))
    up = float((pt.samples.mean(-1) > 0).double().mean())
    assert abs(up - 0.5) < 0.1, up  # symmetric modes: half the time in each


# --------------------------------------------------------------- API behaviour
def test_sweep_is_in_place_batched_and_counts_swaps():
    rbm = gaussian_rbm(5, 3, scale=0.5, seed=0)
    betas = temperature_ladder(4, 0.4)
    v = torch.zeros(4, 7, 5, dtype=F64)
    ptr = v.data_ptr()
    acc0 = tempering_sweep_(rbm, v, betas, _uniform(0), parity=0)
    assert v.data_ptr() == ptr and set(v.unique().tolist()) <= {0.0, 1.0}
    assert acc0.shape == (3,) and acc0.dtype == F64
    assert acc0[1] == 0 and 0 <= acc0[0] <= 7 and 0 <= acc0[2] <= 7
    acc1 = tempering_sweep_(rbm, v, betas, _uniform(1), parity=1)
    assert acc1[0] == 0 and acc1[2] == 0 and 0 <= acc1[1] <= 7
    one = torch.zeros(1, 3, 5, dtype=F64)
    assert tempering_sweep_(rbm, one, [1.0], _uniform(0), parity=1).shape == (0,)
    two = torch.zeros(2, 3, 5, dtype=F64)
    assert tempering_sweep_(rbm, two, [1.0, 0.5], _uniform(0), parity=1).tolist() == [0.0]


def test_sampler_reproduces_and_reports_swap_rates_in_range():
    rbm = gaussian_rbm(6, 3, spins=True, scale=1.0, seed=1)
    a = parallel_tempering(rbm, n_temperatures=4, n_chains=10, n_sweeps=50, burn_in=5, seed=9)
    b = parallel_tempering(rbm, n_temperatures=4, n_chains=10, n_sweeps=50, burn_in=5, seed=9)
    c = parallel_tempering(rbm, n_temperatures=4, n_chains=10, n_sweeps=50, burn_in=5, seed=10)
    assert isinstance(a, TemperingRun) and a.n_temperatures == 4
    assert torch.equal(a.samples, b.samples) and np.array_equal(a.swap_rate, b.swap_rate)
    assert not torch.equal(a.samples, c.samples)
    assert a.samples.shape == (50, 10, 6) and set(a.samples.unique().tolist()) <= {-1.0, 1.0}
    assert a.swap_rate.shape == (3,) and np.all((a.swap_rate >= 0) & (a.swap_rate <= 1))
    assert np.allclose(a.betas, temperature_ladder(4, 0.5).numpy())
    g = parallel_tempering(rbm, n_temperatures=1, n_chains=10, n_sweeps=5, burn_in=0, seed=0)
    assert g.swap_rate.shape == (0,) and g.betas.tolist() == [1.0]
    custom = parallel_tempering(rbm, betas=[1.0, 0.7, 0.2], n_chains=3, n_sweeps=4, seed=0)
    assert custom.betas.tolist() == [1.0, 0.7, 0.2] and custom.swap_rate.shape == (2,)
    v0 = -torch.ones(5, 6, dtype=F64)
    started = parallel_tempering(rbm, n_temperatures=3, n_chains=99, n_sweeps=2, burn_in=0,
                                 seed=0, v0=v0)
    assert started.samples.shape == (2, 5, 6)  # v0's rows set the number of chains


def test_at_infinite_temperature_every_swap_is_accepted():
    """With zero parameters E = 0 for every state: the swap ratio is 1."""
    rbm = RBM(4, 2, dtype=F64)
    rbm.W.zero_()
    run = parallel_tempering(rbm, n_temperatures=5, n_chains=8, n_sweeps=10, burn_in=0, seed=0)
    assert np.all(run.swap_rate == 1.0)


_BAD = [None, "bogus", float("nan"), -1, 2.5, True, 2**40]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(arg=st.sampled_from(["n_temperatures", "beta_min", "betas", "n_chains", "n_sweeps",
                            "burn_in", "seed", "v0", "progress"]),
       bad=st.sampled_from(_BAD + [np.full((2, 3), 0.5), np.zeros((2, 7)), [0.5, 1.0]]))
def test_sampler_refuses_bad_input_naming_it(arg, bad):
    rbm = gaussian_rbm(3, 2, scale=1.0, seed=0)
    kw = dict(n_temperatures=3, beta_min=0.5, betas=None, n_chains=4, n_sweeps=3, burn_in=1,
              seed=0, v0=None, progress=False)
    kw[arg] = bad
    try:
        run = parallel_tempering(rbm, **kw)
    except (TypeError, ValueError) as err:
        assert arg in str(err), (arg, bad, err)
    else:  # a value that happens to be valid (e.g. seed=2**40) must give a clean run
        assert np.isfinite(run.swap_rate).all() and torch.isfinite(run.samples).all()


@settings(max_examples=30, deadline=None, derandomize=True)
@given(arg=st.sampled_from(["rbm", "v", "betas", "uniform_", "parity"]),
       bad=st.sampled_from(_BAD + [np.zeros((2, 3, 3)), torch.full((2, 3, 3), 0.5, dtype=F64),
                                   torch.zeros(2, 3, 3), torch.zeros(2, 3, 4, dtype=F64),
                                   torch.tensor([1.0, float("nan")], dtype=F64),
                                   torch.tensor([1.0, -0.5], dtype=F64)]))
def test_sweep_refuses_bad_input_naming_it(arg, bad):
    rbm = gaussian_rbm(3, 2, scale=1.0, seed=0)
    kw = dict(rbm=rbm, v=torch.zeros(2, 3, 3, dtype=F64), betas=torch.tensor([1.0, 0.5], dtype=F64),
              uniform_=_uniform(0), parity=0)
    kw[arg] = bad
    try:
        acc = tempering_sweep_(**kw)
    except (TypeError, ValueError) as err:
        assert arg in str(err), (arg, bad, err)
    else:
        assert torch.isfinite(acc).all()


def test_sweep_refuses_a_uniform_that_returns_something_else():
    rbm = gaussian_rbm(3, 2, scale=1.0, seed=0)
    with pytest.raises(TypeError, match="uniform_"):
        tempering_sweep_(rbm, torch.zeros(2, 3, 3, dtype=F64), [1.0, 0.5], lambda t: None)
