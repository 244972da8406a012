"""The anisotropic Ising lattice, couplings K = (K_x, K_y): exact results, samplers, data sets.

K_x couples s[i, j] to s[i, j+1] (x, the last axis), K_y couples s[i, j] to s[i+1, j] (y).
Oracles first: brute-force enumeration of small tori (the closed form of Kaufman with
separate couplings must reproduce ln Z, its gradient and Hessian), an independent dense
transfer matrix (the correlation lengths), then samplers against the exact finite-torus
bond correlations within a stated number of standard errors.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rgdl import ising
from rgdl.core.states import spin_states
from rgdl.ising import datasets, mc

KC = ising.critical_coupling()
PAIR = (0.6, 0.2)                       # the texture of issue #15: disordered, xi_x > xi_y
SIZES = [(3, 3), (4, 3), (3, 4), (4, 4), (2, 3), (2, 5), (3, 5)]
PAIRS = [(0.6, 0.2), (0.2, 0.6), (0.3, 0.5), (1.0, 0.1), (0.05, 1.3),
         (0.6, 0.5 * math.asinh(1.0 / math.sinh(1.2))),    # on the critical line
         (0.9, 0.7)]                                        # ordered


# ---------------------------------------------------------------- finite torus vs enumeration

@pytest.mark.parametrize("m,n", SIZES)
@pytest.mark.parametrize("kx,ky", PAIRS)
def test_closed_form_matches_enumeration(m, n, kx, ky):
    logz, grad, hess = ising.enumerate_moments(m, n, kx, ky)
    got = ising.exact_thermo(m, n, kx, ky)
    assert got[0] == pytest.approx(logz, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(got[1], grad, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(got[2], hess, rtol=1e-10, atol=1e-10)
    assert ising.log_partition(m, n, kx, ky) == pytest.approx(
        ising.enumerate_log_partition(m, n, kx, ky), abs=1e-11)
    _, e, c = ising.enumerate_thermo(m, n, kx, ky)
    assert ising.exact_energy(m, n, kx, ky) == pytest.approx(e, abs=1e-12)
    assert ising.exact_specific_heat(m, n, kx, ky) == pytest.approx(c, abs=1e-11)
    np.testing.assert_allclose(ising.bond_correlations(m, n, kx, ky), grad / (m * n), atol=1e-12)


def test_enumeration_oracle_itself():
    # brute force written out once more, without np.unique: sum over all 2^12 states of 3 x 4
    s = spin_states(12).reshape(-1, 3, 4).astype(float)
    bx = (s * np.roll(s, 1, axis=2)).sum(axis=(1, 2))
    by = (s * np.roll(s, 1, axis=1)).sum(axis=(1, 2))
    w = np.exp(0.6 * bx + 0.2 * by)
    logz, grad, hess = ising.enumerate_moments(3, 4, 0.6, 0.2)
    assert logz == pytest.approx(np.log(w.sum()), rel=1e-14)
    np.testing.assert_allclose(grad, [(w * bx).sum() / w.sum(), (w * by).sum() / w.sum()])
    assert hess[0, 1] == pytest.approx((w * bx * by).sum() / w.sum() - grad[0] * grad[1])
    # K_x = K_y is the isotropic enumeration
    iso = ising.enumerate_thermo(3, 4, 0.37)
    np.testing.assert_allclose(ising.enumerate_thermo(3, 4, 0.37, 0.37), iso, rtol=1e-13)


def test_transposition_swaps_the_couplings():
    for (m, n), (kx, ky) in itertools.product([(5, 8), (12, 7), (40, 40)], PAIRS):
        a, b = ising.exact_thermo(m, n, kx, ky), ising.exact_thermo(n, m, ky, kx)
        assert a[0] == pytest.approx(b[0], rel=1e-12)
        np.testing.assert_allclose(a[1], b[1][::-1], rtol=1e-10)
        np.testing.assert_allclose(a[2], b[2][::-1, ::-1], rtol=1e-8, atol=1e-8)


def test_equal_couplings_reduce_to_the_isotropic_closed_form():
    Ks = np.array([0.05, 0.2, 0.4, KC, 0.47, 1.3])
    for m, n in [(2, 2), (5, 8), (40, 40)]:
        logz, d1, d2 = ising.exact_thermo(m, n, Ks)
        a, grad, hess = ising.exact_thermo(m, n, Ks, Ks)
        np.testing.assert_allclose(a, logz, rtol=1e-13)
        np.testing.assert_allclose(grad.sum(axis=-1), d1, rtol=1e-11)
        np.testing.assert_allclose(hess.sum(axis=(-1, -2)), d2, rtol=1e-8, atol=1e-9)
        np.testing.assert_allclose(ising.exact_energy(m, n, Ks, Ks), ising.exact_energy(m, n, Ks),
                                   rtol=1e-12)
        np.testing.assert_allclose(ising.exact_specific_heat(m, n, Ks, Ks),
                                   ising.exact_specific_heat(m, n, Ks), rtol=1e-8, atol=1e-12)


def test_chain_limit_and_broadcasting():
    # K_y -> 0: independent rings along x, <s s_{+x}> = tanh K_x (ring of 400 sites)
    cx, cy = ising.bond_correlations(6, 400, 0.6, 1e-9)
    assert cx == pytest.approx(math.tanh(0.6), rel=1e-12)
    assert abs(cy) < 1e-8
    kx = np.array([[0.2], [0.5]])
    logz, grad, hess = ising.exact_thermo(6, 5, kx, np.array([0.1, 0.3, 0.7]))
    assert logz.shape == (2, 3) and grad.shape == (2, 3, 2) and hess.shape == (2, 3, 2, 2)
    assert logz[1, 2] == pytest.approx(ising.log_partition(6, 5, 0.5, 0.7), rel=1e-14)
    np.testing.assert_allclose(hess, np.swapaxes(hess, -1, -2))
    e = ising.exact_energy(6, 5, 0.4, np.array([0.1, 0.3]))
    assert e.shape == (2,) and np.all(e < 0)


@settings(max_examples=30, deadline=None)
@given(kx=st.floats(0.01, 3.0), ky=st.floats(0.01, 3.0), m=st.integers(2, 30), n=st.integers(2, 30))
def test_closed_form_identities(kx, ky, m, n):
    logz, grad, hess = ising.exact_thermo(m, n, kx, ky)
    N = m * n
    assert np.all(np.abs(grad) <= N * (1 + 1e-9))        # |<bond sum>| <= number of bonds
    assert np.all(np.linalg.eigvalsh(hess) >= -1e-6 * max(1.0, np.abs(hess).max()))  # covariance
    assert logz >= N * math.log(2.0) * (1 - 1e-12)      # Jensen: the bond sums average to 0
    assert ising.log_partition(n, m, ky, kx) == pytest.approx(logz, rel=1e-11)


def test_thermodynamic_limit_is_reached_on_a_large_torus():
    # away from criticality the 200 x 200 and 400 x 400 tori agree to 1e-9 per site
    for kx, ky in [(0.6, 0.2), (0.9, 0.7)]:
        a = ising.bond_correlations(200, 200, kx, ky)
        b = ising.bond_correlations(400, 400, kx, ky)
        np.testing.assert_allclose(a, b, atol=1e-9)


# ---------------------------------------------------------------- critical line, correlation lengths

def test_critical_condition_and_dual_coupling():
    assert ising.critical_condition(KC, KC) == pytest.approx(1.0, abs=1e-14)
    assert ising.dual_coupling(KC) == pytest.approx(KC, abs=1e-15)
    Ks = np.array([0.01, 0.2, 0.6, 3.0, 50.0])
    np.testing.assert_allclose(ising.critical_condition(Ks, ising.dual_coupling(Ks)), 1.0, rtol=1e-13)
    np.testing.assert_allclose(ising.dual_coupling(Ks[:4]), -0.5 * np.log(np.tanh(Ks[:4])), rtol=1e-9)
    assert ising.dual_coupling(50.0) == pytest.approx(math.exp(-100.0), rel=1e-12)  # tanh K* = K*
    np.testing.assert_allclose(ising.dual_coupling(ising.dual_coupling(Ks[:4])), Ks[:4], rtol=1e-12)
    assert ising.critical_condition(*PAIR) == pytest.approx(0.62001476, abs=1e-8)   # disordered
    assert ising.critical_condition(0.9, 0.7) > 1                                     # ordered
    assert ising.dual_coupling(0.6) == pytest.approx(0.310832, abs=1e-6)


def test_correlation_lengths_of_the_texture():
    xi_x, xi_y = ising.correlation_lengths(*PAIR)
    # issue #15 quotes "xi_x about 4.5, xi_y about 2.4": exponential decay along each axis
    assert xi_x == pytest.approx(4.511314, abs=1e-6)
    assert xi_y == pytest.approx(2.366034, abs=1e-6)
    assert ising.correlation_lengths(0.2, 0.6) == pytest.approx((xi_y, xi_x), rel=1e-14)


def test_correlation_lengths_reduce_to_the_isotropic_ones():
    Ks = np.array([0.1, 0.30, 0.35, 0.38, 0.408, 0.42, KC, 0.46, 0.6, 2.0])
    xi_x, xi_y = ising.correlation_lengths(Ks, Ks)
    np.testing.assert_array_equal(xi_x, ising.correlation_length(Ks))
    np.testing.assert_array_equal(xi_y, ising.correlation_length(Ks))
    # chain limit: K_y -> 0 leaves rings along x with xi = -1 / ln tanh K_x
    assert ising.correlation_lengths(0.6, 1e-12)[0] == pytest.approx(-1 / math.log(math.tanh(0.6)))
    # on the critical line both diverge; in the ordered phase xi(K) = xi(dual pair) / 2
    assert ising.correlation_lengths(0.6, ising.dual_coupling(0.6)) == (np.inf, np.inf)
    kx, ky = 0.9, 0.7
    dual = ising.correlation_lengths(ising.dual_coupling(ky), ising.dual_coupling(kx))
    np.testing.assert_allclose(ising.correlation_lengths(kx, ky), np.array(dual) / 2, rtol=1e-12)


def _dense_gap(width, k_row, k_between):
    """ln(lambda_0 / lambda_1) of the symmetric row-to-row transfer matrix of a ring of ``width``."""
    s = spin_states(width).astype(float)
    row = k_row * (s * np.roll(s, 1, axis=1)).sum(axis=1)
    T = np.exp(k_between * (s @ s.T) + 0.5 * (row[:, None] + row[None, :]))
    w = np.linalg.eigvalsh(T)
    return math.log(w[-1] / w[-2])


def _kaufman_gap(width, k_row, k_between):
    """The same gap from Kaufman's spectrum: half the difference of the odd- and even-k gamma sums."""
    X, Y = 2 * k_row, 2 * k_between
    g = [X + math.log(math.tanh(k_between))] + [
        math.acosh(math.cosh(X) / math.tanh(Y) - math.cos(math.pi * k / width) * math.sinh(X)
                   / math.sinh(Y)) for k in range(1, 2 * width)]
    return 0.5 * sum(g[1::2]) - 0.5 * sum(g[0::2])


def test_correlation_lengths_are_transfer_matrix_gaps():
    # the dense transfer matrix of narrow strips fixes Kaufman's gap formula ...
    for width, (kr, kb) in itertools.product((3, 4, 6), [(0.6, 0.2), (0.2, 0.6), (0.3, 0.25)]):
        assert _kaufman_gap(width, kr, kb) == pytest.approx(_dense_gap(width, kr, kb), rel=1e-10)
    # ... whose wide-strip limit is 1 / xi along the transfer direction
    xi_x, xi_y = ising.correlation_lengths(*PAIR)
    assert 1 / _kaufman_gap(400, 0.6, 0.2) == pytest.approx(xi_y, rel=1e-9)   # rows along x
    assert 1 / _kaufman_gap(400, 0.2, 0.6) == pytest.approx(xi_x, rel=1e-9)   # columns along y


# ---------------------------------------------------------------- samplers

def _chain_means(x, chains):
    """Per-chain means of (c_x, c_y) and their standard errors over chains."""
    per = ising.nn_correlation_xy(x).reshape(-1, chains, 2).mean(axis=0)
    return per.mean(axis=0), per.std(axis=0, ddof=1) / math.sqrt(chains)


@pytest.mark.parametrize("method", ["swendsen_wang", "metropolis", "heatbath", "wolff"])
@pytest.mark.parametrize("K", [PAIR, (0.9, 0.35)])
def test_sampled_bond_correlations_match_the_exact_torus(method, K):
    # 8 x 8 torus, 64 chains x 32 thinned samples; each direction within 4 standard errors
    # (sigma = spread of the 64 chain means / 8; chains are independent)
    L, chains = 8, 64
    x = ising.sample(L, K, 2048, method=method, chains=chains, seed=11, progress=False)
    mean, se = _chain_means(x, chains)
    exact = np.array(ising.bond_correlations(L, L, *K))
    assert np.all(np.abs(mean - exact) < 4 * se), (mean, exact, se)
    assert K[0] > K[1] and mean[0] > mean[1]


def test_odd_lattice_uses_the_masked_sweep_with_two_couplings():
    L, chains = 5, 64
    x = ising.sample(L, PAIR, 2048, method="metropolis", chains=chains, seed=5, progress=False)
    mean, se = _chain_means(x, chains)
    assert np.all(np.abs(mean - ising.bond_correlations(L, L, *PAIR)) < 4 * se)


def test_equal_pair_is_the_isotropic_sampler_bit_for_bit():
    for method in ("metropolis", "swendsen_wang", "heatbath", "wolff"):
        a = ising.sample(6, 0.4, 64, method=method, chains=8, burn_in=10, thin=2, seed=3,
                         progress=False)
        b = ising.sample(6, (0.4, 0.4), 64, method=method, chains=8, burn_in=10, thin=2, seed=3,
                         progress=False)
        np.testing.assert_array_equal(a, b)


def test_pair_sampler_is_reproducible_and_reports_its_couplings():
    kw = dict(method="metropolis", chains=4, burn_in=5, thin=1, progress=False, return_info=True)
    a, info = ising.sample(6, PAIR, 16, seed=2, **kw)
    b, _ = ising.sample(6, [0.6, 0.2], 16, seed=2, **kw)
    np.testing.assert_array_equal(a, b)
    assert info["K"] == [0.6, 0.2]


def test_tables_and_bond_probabilities():
    ch = mc.Chains(4, PAIR, 2, "swendsen_wang", seed=0)
    assert ch.p_bond == pytest.approx((1 - math.exp(-1.2), 1 - math.exp(-0.4)))
    ch = mc.Chains(4, PAIR, 2, "metropolis", seed=0)
    for a, b in itertools.product((-2, 0, 2), repeat=2):    # a = s h_x, b = s h_y
        x = 0.6 * a + 0.2 * b
        want = mc.METROPOLIS_ZERO_ACCEPT if x == 0 else min(1.0, math.exp(-2 * x))
        assert ch.table[3 * a + b + 8] == pytest.approx(want, rel=1e-6)
    ch = mc.Chains(4, PAIR, 2, "heatbath", seed=0)
    assert ch.table[3 * 2 - 2 + 8] == pytest.approx(1 / (1 + math.exp(-2 * (1.2 - 0.4))), rel=1e-6)
    s = ch.configs()                 # packed field = 3 h_x + h_y, compared with the masked one
    a, b = mc.pack(s)
    field = mc.unpack(mc._packed_xy_field(b, -1), mc._packed_xy_field(a, 1))
    np.testing.assert_array_equal(field, mc._xy_field(s))


def test_auto_method_and_effective_coupling():
    assert mc.effective_coupling(0.3) == 0.3
    assert mc.effective_coupling((0.6, ising.dual_coupling(0.6))) == pytest.approx(KC, abs=1e-12)
    assert mc.effective_coupling(PAIR) == pytest.approx(0.36140, abs=1e-5)
    assert ising.resolve_method("auto", PAIR) == "metropolis"
    assert ising.resolve_method("auto", (0.6, 0.3)) == "swendsen_wang"
    assert mc._default_start((0.9, 0.35)) == "cold" and mc._default_start(PAIR) == "hot"


# ---------------------------------------------------------------- data sets

def test_isotropic_cache_keys_are_unchanged():
    # names produced by the code before pairs existed (rgdl.ising.datasets, CODE_VERSION ising-2)
    assert datasets.CODE_VERSION == "ising-2"
    want = {(40, 0.408, 1000, 0, "auto"): "ising_L40_K0.408_n1000_seed0_swendsen_wang_89fe3965330fbb84.npy",
            (8, 0.3, 64, 3, "metropolis"): "ising_L8_K0.3_n64_seed3_metropolis_9934410b7205830c.npy",
            (40, KC, 500, 1, "swendsen_wang"):
                "ising_L40_K0.440687_n500_seed1_swendsen_wang_b99b112aa2cdd671.npy"}
    for args, name in want.items():
        assert ising.dataset_path(*args, cache_dir="/nowhere").name == name
        assert ising.dataset_path(args[0], (args[1], args[1]), *args[2:],
                                  cache_dir="/nowhere").name == name


def test_pair_dataset_has_its_own_key_and_round_trips(tmp_path, monkeypatch):
    path = ising.dataset_path(8, PAIR, 32, seed=1, cache_dir=tmp_path)
    assert path.name.startswith("ising_L8_K0.6x0.2_n32_seed1_metropolis_")
    assert path != ising.dataset_path(8, (0.2, 0.6), 32, seed=1, cache_dir=tmp_path)
    assert path != ising.dataset_path(8, 0.6, 32, seed=1, cache_dir=tmp_path)
    x, info = ising.dataset(8, PAIR, 32, seed=1, cache_dir=tmp_path, progress=False,
                            return_info=True)
    assert path.is_file() and info["K"] == [0.6, 0.2]

    def refuse(*args, **kwargs):
        raise AssertionError("the cached pair data set was not found")

    monkeypatch.setattr(datasets, "sample", refuse)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, again = ising.dataset(8, PAIR, 32, seed=1, cache_dir=tmp_path, progress=False,
                                 return_info=True)
    np.testing.assert_array_equal(x, y)
    assert again == info


# ---------------------------------------------------------------- observables

def test_nn_correlation_xy_and_axis_correlations():
    g = np.random.default_rng(0)
    x = (g.integers(0, 2, size=(5, 6, 8)) * 2 - 1).astype(np.int8)     # 6 rows (y), 8 columns (x)
    c = ising.nn_correlation_xy(x)
    assert c.shape == (5, 2)
    np.testing.assert_allclose(c.mean(axis=1), ising.nn_correlation(x))
    np.testing.assert_allclose(ising.nn_correlation_xy(x[0]), c[0])
    np.testing.assert_allclose(ising.nn_correlation_xy(np.swapaxes(x, 1, 2)), c[:, ::-1])
    gx, gy = ising.axis_correlations(x)
    assert gx.shape == (5,) and gy.shape == (4,)
    assert gx[0] == pytest.approx(1.0) and gy[0] == pytest.approx(1.0)
    for r in range(5):
        assert gx[r] == pytest.approx(np.mean(x * np.roll(x, r, axis=2)), abs=1e-12)
    for r in range(4):
        assert gy[r] == pytest.approx(np.mean(x * np.roll(x, r, axis=1)), abs=1e-12)
    sq = x[:, :6, :6]
    gx, gy = ising.axis_correlations(sq, connected=True)
    np.testing.assert_allclose((gx + gy) / 2, ising.correlation_function(sq, connected=True),
                               atol=1e-12)


def test_axis_correlations_see_the_texture():
    x = ising.sample(16, PAIR, 512, method="swendsen_wang", chains=32, seed=4, progress=False)
    gx, gy = ising.axis_correlations(x)
    assert np.all(gx[1:5] > gy[1:5])            # stronger correlation along x (K_x > K_y)
    cx, cy = ising.bond_correlations(16, 16, *PAIR)
    assert gx[1] == pytest.approx(cx, abs=0.03) and gy[1] == pytest.approx(cy, abs=0.03)


# ---------------------------------------------------------------- bad input

BAD = [
    (lambda: ising.exact_thermo(4, 4, 0.3, -0.1), ValueError, "K_y"),
    (lambda: ising.exact_thermo(4, 4, 0.3, float("nan")), ValueError, "K_y"),
    (lambda: ising.exact_thermo(4, 4, float("inf"), 0.3), ValueError, "K"),
    (lambda: ising.exact_thermo(4, 4, [0.3, 0.4], [0.1, 0.2, 0.3]), ValueError, "K_y"),
    (lambda: ising.exact_thermo(4, 4, 1e-4, 1e-5), ValueError, "K_y"),
    (lambda: ising.log_partition(4, 4, 0.3, "bogus"), TypeError, "K_y"),
    (lambda: ising.exact_energy(4, 4, 0.3, True), TypeError, "K_y"),
    (lambda: ising.exact_specific_heat(4, 4, 0.3, 1e300), ValueError, "K_y"),
    (lambda: ising.enumerate_thermo(3, 3, 0.3, 0.0), ValueError, "K_y"),
    (lambda: ising.enumerate_moments(5, 5, 0.3, 0.2), ValueError, "m*n"),
    (lambda: ising.enumerate_moments(3, 3, [0.3, 0.4], 0.2), ValueError, "K_x"),
    (lambda: ising.correlation_lengths(0.3, -1.0), ValueError, "K_y"),
    (lambda: ising.critical_condition(None, 0.3), TypeError, "K"),
    (lambda: ising.dual_coupling(0.0), ValueError, "K"),
    (lambda: ising.bond_correlations(1, 4, 0.3, 0.2), ValueError, "m"),
    (lambda: ising.sample(4, (0.3, -0.2), 4, progress=False), ValueError, "K[1]"),
    (lambda: ising.sample(4, (0.3, float("nan")), 4, progress=False), ValueError, "K[1]"),
    (lambda: ising.sample(4, (float("inf"), 0.2), 4, progress=False), ValueError, "K[0]"),
    (lambda: ising.sample(4, (0.3, 0.2, 0.1), 4, progress=False), ValueError, "K"),
    (lambda: ising.sample(4, (0.3,), 4, progress=False), ValueError, "K"),
    (lambda: ising.sample(4, [], 4, progress=False), ValueError, "K"),
    (lambda: ising.sample(4, ("a", 0.2), 4, progress=False), TypeError, "K[0]"),
    (lambda: ising.sample(4, (True, 0.2), 4, progress=False), TypeError, "K[0]"),
    (lambda: ising.sample(4, (0.3, 200.0), 4, progress=False), ValueError, "K[1]"),
    (lambda: ising.sample(4, np.array([[0.3, 0.2]]), 4, progress=False), TypeError, "K"),
    (lambda: mc.Chains(4, (0.3, 0.2, 0.1), 2, "wolff"), ValueError, "K"),
    (lambda: ising.dataset_path(4, (0.3, -0.2), 4), ValueError, "K[1]"),
    (lambda: ising.resolve_method("auto", (0.3, None)), TypeError, "K[1]"),
    (lambda: mc.effective_coupling("bogus"), TypeError, "K"),
    (lambda: ising.nn_correlation_xy(np.zeros((2, 4, 4))), ValueError, "configs"),
    (lambda: ising.axis_correlations(np.ones((2, 4, 4)), connected=2), TypeError, "connected"),
]


@pytest.mark.parametrize("call,error,name", BAD)
def test_bad_input_is_refused_naming_the_argument(call, error, name):
    with pytest.raises(error, match=name.replace("[", r"\[").replace("*", r"\*")):
        call()
