"""rgdl.rbm.meanfield: TAP free energies of orders 1-3 against exact enumeration.

Exact oracles first: at zero weights every order is exact; for W = eps * G on an
enumerable RBM the error of order k falls like eps^(k+1); the eps^2 coefficient of
the exact ln Z (a variance under independent units, by enumeration) is the Onsager
term; fixed points are stationary points of F (autograd); tap_moments is -dF/dW.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rgdl.core.units import sum_out
from rgdl.rbm.meanfield import (TAPEstimate, TAPState, tap_free_energy, tap_log_partition,
                                tap_magnetizations, tap_moments)
from rgdl.rbm.model import RBM, enumerate_states, gaussian_rbm, log_partition

F64 = torch.float64
TIGHT = dict(n_starts=4, seed=0, tol=1e-13, max_iter=20000)


def _scaled(base: RBM, eps: float) -> RBM:
    r = base.copy()
    r.W = eps * base.W
    return r


def _act(x, spins):
    return torch.tanh(x) if spins else torch.sigmoid(x)


@pytest.mark.parametrize("spins", [False, True])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_zero_weights_give_the_exact_independent_unit_ln_z(spins, order):
    rbm = gaussian_rbm(6, 4, spins=spins, seed=2)
    rbm.W.zero_()
    exact = float(sum_out(rbm.b, spins) + sum_out(rbm.c, spins))
    assert log_partition(rbm) == pytest.approx(exact, abs=1e-12)
    est = tap_log_partition(rbm, order, **TIGHT)
    assert est.converged and est.n_converged == 4 and est.order == order
    assert est.log_z == pytest.approx(exact, abs=1e-12)
    mv, mh = _act(rbm.b, spins), _act(rbm.c, spins)  # the fixed point, in closed form
    assert float(-tap_free_energy(rbm, mv, mh, order)) == pytest.approx(exact, abs=1e-12)


def _errors(spins, epss, seed=1):
    base = gaussian_rbm(6, 4, spins=spins, seed=seed)
    out = {}
    for order in (1, 2, 3):
        out[order] = [abs(log_partition(_scaled(base, e))
                          - tap_log_partition(_scaled(base, e), order, **TIGHT).log_z)
                      for e in epss]
    return out


@pytest.mark.parametrize("spins", [False, True])
def test_truncation_error_of_order_k_falls_like_eps_to_the_k_plus_1(spins):
    # measured slopes (seed 1, 6x4, eps 0.025..0.2): 0/1: 1.96, 3.16, 4.11; spins: 2.00, 2.90, 4.10
    epss = [0.025, 0.05, 0.1, 0.2]
    errors = _errors(spins, epss)
    for order, err in errors.items():
        slope = np.polyfit(np.log(epss), np.log(err), 1)[0]
        assert slope > order + 1 - 0.3, (order, slope, err)
    for i in range(2):  # at small eps the error shrinks with the order
        assert errors[1][i] > errors[2][i] > errors[3][i]


def _independent_variance(base: RBM) -> float:
    """Var of v^T G h when v, h are independent units with fields b, c (W = 0), by enumeration."""
    V = enumerate_states(base.n_visible, base.values)
    H = enumerate_states(base.n_hidden, base.values)
    pv = torch.softmax(V @ base.b, 0)
    ph = torch.softmax(H @ base.c, 0)
    X = V @ base.W @ H.T
    mean = pv @ X @ ph
    return float(pv @ (X - mean) ** 2 @ ph)


@pytest.mark.parametrize("spins", [False, True])
def test_the_onsager_term_is_the_eps_squared_coefficient_of_the_exact_ln_z(spins):
    base = gaussian_rbm(6, 4, spins=spins, seed=3)
    var = _independent_variance(base)  # d^2 ln Z / d eps^2 at eps = 0, exactly

    def second_difference(f, h=1e-3):
        return (f(h) - 2 * f(0.0) + f(-h)) / h**2

    exact = second_difference(lambda e: log_partition(_scaled(base, e)))
    assert exact == pytest.approx(var, rel=1e-5)
    tap = {k: second_difference(lambda e: tap_log_partition(_scaled(base, e), k, **TIGHT).log_z)
           for k in (1, 2, 3)}
    assert tap[2] == pytest.approx(var, rel=1e-4)
    assert tap[3] == pytest.approx(var, rel=1e-4)
    # naive mean field misses exactly the Onsager term sum_ij G_ij^2 var_i var_j
    mv, mh = _act(base.b, spins), _act(base.c, spins)
    sv, sh = (1 - mv**2, 1 - mh**2) if spins else (mv * (1 - mv), mh * (1 - mh))
    onsager = float(sv @ base.W**2 @ sh)
    assert var - tap[1] == pytest.approx(onsager, rel=1e-4)
    assert onsager > 1e-2 * var


@pytest.mark.parametrize("spins", [False, True])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_fixed_points_are_stationary_points_of_f(spins, order):
    rbm = gaussian_rbm(7, 5, spins=spins, scale=0.3, seed=4)
    state = tap_magnetizations(rbm, order, mv=torch.full((3, 7), 0.1 if spins else 0.4,
                                                         dtype=F64), tol=1e-12, max_iter=5000)
    assert isinstance(state, TAPState) and state.converged and state.delta < 1e-12
    mv = state.mv.clone().requires_grad_()
    mh = state.mh.clone().requires_grad_()
    gv, gh = torch.autograd.grad(tap_free_energy(rbm, mv, mh, order).sum(), (mv, mh))
    assert float(gv.abs().max()) < 1e-9 and float(gh.abs().max()) < 1e-9


@pytest.mark.parametrize("spins", [False, True])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_tap_moments_are_minus_dF_dW(spins, order):
    rbm = gaussian_rbm(5, 4, spins=spins, scale=0.5, seed=5)
    g = torch.Generator().manual_seed(0)
    mv = torch.rand(3, 5, generator=g, dtype=F64) * 0.9 + 0.05
    mh = torch.rand(3, 4, generator=g, dtype=F64) * 0.9 + 0.05
    if spins:
        mv, mh = 2 * mv - 1, 2 * mh - 1
    W = rbm.W.clone().requires_grad_()
    probe = rbm.copy()
    probe.W = W
    dW, = torch.autograd.grad(-tap_free_energy(probe, mv, mh, order).mean(), (W,))
    vh, v, h = tap_moments(rbm, mv, mh, order)
    assert vh.shape == (5, 4) and v.shape == (5,) and h.shape == (4,)
    assert torch.allclose(vh, dW, atol=1e-12)
    assert torch.allclose(v, mv.mean(0)) and torch.allclose(h, mh.mean(0))


def _exact_vh(rbm: RBM) -> torch.Tensor:
    W = rbm.W.clone().requires_grad_()
    probe = rbm.copy()
    probe.W = W
    from rgdl.rbm.model import _exact_log_z_tensor
    return torch.autograd.grad(_exact_log_z_tensor(probe), (W,))[0]


@pytest.mark.parametrize("spins", [False, True])
def test_tap_moments_approach_the_exact_moments_with_the_order(spins):
    rbm = gaussian_rbm(6, 4, spins=spins, scale=1.0, seed=6)
    rbm.W *= 0.1
    exact = _exact_vh(rbm)
    err = {}
    for order in (1, 2, 3):
        s = tap_magnetizations(rbm, order, mv=torch.zeros(6, dtype=F64), tol=1e-13, max_iter=9000)
        err[order] = float((tap_moments(rbm, s.mv, s.mh, order)[0] - exact).abs().max())
    assert err[1] > 3 * err[2] > 3 * err[3], err


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), order=st.sampled_from([1, 2, 3]),
       scale=st.floats(0.01, 2.0))
def test_spins_and_binary_units_are_one_free_energy_relabelled(seed, order, scale):
    # s = 2v - 1: a spin RBM (W, b, c) is the 0/1 RBM (4W, 2b - 2W1, 2c - 2W^T 1) with the
    # energy shifted by K = sum b + sum c - sum W; F is a Legendre transform of ln Z, so the
    # same holds for the TAP free energy at every order, with m01 = (1 + m) / 2.
    spin = gaussian_rbm(5, 3, spins=True, scale=scale, seed=seed)
    bin_ = gaussian_rbm(5, 3, spins=False, seed=0)
    bin_.W = 4 * spin.W
    bin_.b = 2 * spin.b - 2 * spin.W.sum(1)
    bin_.c = 2 * spin.c - 2 * spin.W.sum(0)
    K = float(spin.b.sum() + spin.c.sum() - spin.W.sum())
    g = torch.Generator().manual_seed(seed)
    m = 2 * torch.rand(4, 8, generator=g, dtype=F64) - 1
    fs = tap_free_energy(spin, m[:, :5], m[:, 5:], order)
    fb = tap_free_energy(bin_, (1 + m[:, :5]) / 2, (1 + m[:, 5:]) / 2, order)
    assert torch.allclose(fs, fb + K, atol=1e-9 * (1 + float(fs.abs().max())))


def test_log_partition_is_exact_identity_in_relabelling():
    spin = gaussian_rbm(5, 3, spins=True, scale=0.2, seed=1)
    bin_ = gaussian_rbm(5, 3, seed=0)
    bin_.W, bin_.b = 4 * spin.W, 2 * spin.b - 2 * spin.W.sum(1)
    bin_.c = 2 * spin.c - 2 * spin.W.sum(0)
    K = float(spin.b.sum() + spin.c.sum() - spin.W.sum())
    assert log_partition(spin) == pytest.approx(log_partition(bin_) - K, abs=1e-10)
    for order in (1, 2, 3):
        a, b = tap_log_partition(spin, order, **TIGHT), tap_log_partition(bin_, order, **TIGHT)
        assert a.log_z == pytest.approx(b.log_z - K, abs=1e-9)


def test_starts_are_reproducible_and_inputs_untouched():
    rbm = gaussian_rbm(6, 4, scale=0.3, seed=7)
    a = tap_magnetizations(rbm, 2, seed=5, max_iter=3, tol=1e-15)
    b = tap_magnetizations(rbm, 2, seed=5, max_iter=3, tol=1e-15)
    assert torch.equal(a.mv, b.mv) and a.iterations == 3 and not a.converged
    mv = torch.full((2, 6), 0.5, dtype=F64)
    tap_magnetizations(rbm, 3, mv=mv, max_iter=20)
    assert torch.equal(mv, torch.full((2, 6), 0.5, dtype=F64))
    est = tap_log_partition(rbm, 2, n_starts=3, seed=1)
    assert isinstance(est, TAPEstimate) and est == tap_log_partition(rbm, 2, n_starts=3, seed=1)


def test_an_unconverged_estimate_says_so():
    rbm = gaussian_rbm(6, 4, scale=3.0, seed=8)
    est = tap_log_partition(rbm, 2, n_starts=2, seed=0, max_iter=1, damping=0.0)
    assert not est.converged and est.n_converged == 0 and np.isfinite(est.log_z)


RBM_ = gaussian_rbm(4, 3, scale=0.5, seed=0)
MV, MH = torch.full((2, 4), 0.3, dtype=F64), torch.full((2, 3), 0.6, dtype=F64)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([
    ("order", 0, ValueError), ("order", 4, ValueError), ("order", True, TypeError),
    ("order", "2", TypeError), ("order", 2.0, TypeError), ("mv", torch.full((2, 5), 0.3), ValueError),
    ("mv", torch.full((2, 4), 1.5), ValueError), ("mv", torch.full((2, 4), float("nan")), ValueError),
    ("mv", "x", TypeError), ("mh", torch.full((3, 3), 0.5), ValueError),
    ("mh", torch.full((2, 3), -0.1), ValueError), ("rbm", "rbm", TypeError)]))
def test_bad_input_to_f_and_moments_is_refused_naming_it(case):
    name, bad, exc = case
    kw = {"rbm": RBM_, "mv": MV, "mh": MH, "order": 2, name: bad}
    for fn in (tap_free_energy, tap_moments):
        with pytest.raises(exc, match=name):
            fn(**kw)


@pytest.mark.parametrize("name,bad,exc", [
    ("damping", 1.0, ValueError), ("damping", -0.1, ValueError), ("damping", "x", TypeError),
    ("max_iter", 0, ValueError), ("max_iter", 1.5, TypeError), ("tol", 0.0, ValueError),
    ("tol", float("nan"), ValueError), ("seed", -1, ValueError), ("order", 5, ValueError)])
def test_bad_iteration_settings_are_refused_naming_them(name, bad, exc):
    with pytest.raises(exc, match=name):
        tap_magnetizations(RBM_, **{"order": 2, name: bad})
    if name != "seed":
        with pytest.raises(exc, match=name):
            tap_log_partition(RBM_, **{"order": 2, name: bad})
    with pytest.raises(ValueError, match="n_starts"):
        tap_log_partition(RBM_, n_starts=0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), scale=st.floats(0.05, 3.0), spins=st.booleans())
def test_naive_mean_field_is_a_lower_bound_on_ln_z(seed, scale, spins):
    # -F_1(m) = <-E>_q + S(q) for the product law q of means m: ln Z >= it for every m
    rbm = gaussian_rbm(6, 4, spins=spins, scale=scale, seed=seed)
    est = tap_log_partition(rbm, 1, n_starts=3, seed=seed, max_iter=200)
    assert est.log_z <= log_partition(rbm) + 1e-9
