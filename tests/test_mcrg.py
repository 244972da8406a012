"""Tests for rgdl.mcrg: block rules, block operators and Swendsen's MCRG linearisation.

The mutual-information bound and the learned rules are tested in tests/test_mcrg_learned.py.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rgdl import ising, mcrg
from rgdl.mcrg import operators as ops

UP = np.ones((4, 4), dtype=np.int8)
CHECKER = np.array([[(-1) ** (i + j) for j in range(4)] for i in range(4)], dtype=np.int8)


# ------------------------------------------------------------------ block operators
def test_operators_on_hand_computed_lattices():
    # all up, 4x4 (16 sites): 2 bonds per site for nn, nnn, 3rd nn, (2,2); 4 for (2,1)
    np.testing.assert_array_equal(mcrg.even_operators(UP, 6), [[32, 32, 16, 32, 64, 32]])
    np.testing.assert_array_equal(mcrg.odd_operators(UP, 4), [[16, 64, 32, 64]])
    # checkerboard: nn bonds all broken, same-sublattice ones intact
    np.testing.assert_array_equal(mcrg.even_operators(CHECKER, 6), [[-32, 32, 16, 32, -64, 32]])
    np.testing.assert_array_equal(mcrg.odd_operators(CHECKER, 1), [[0]])
    # one flipped spin in the all-up lattice: it sits on 4 nn bonds, 4 nnn bonds, 4 plaquettes
    one = UP.copy()
    one[1, 2] = -1
    np.testing.assert_array_equal(mcrg.even_operators(one, 3), [[24, 24, 8]])
    # m = 14; it lies in 4 plaquettes x 3 of their triangles = 12 of the 64 triangles
    np.testing.assert_array_equal(mcrg.odd_operators(one, 2), [[14, 64 - 2 * 12]])


def _brute(config, terms):
    L = config.shape[0]
    total = 0
    for y, x in itertools.product(range(L), range(L)):
        for term in terms:
            total += np.prod([config[(y + dy) % L, (x + dx) % L] for dy, dx in term])
    return total


@settings(max_examples=20, deadline=None)
@given(st.integers(3, 6), st.integers(0, 2**31 - 1))
def test_operators_match_a_site_loop(L, seed):
    config = np.random.default_rng(seed).choice([-1, 1], size=(L, L)).astype(np.int8)
    for table in (ops.EVEN, ops.ODD):
        got = ops.operators(config, table, len(table))[0]
        want = [_brute(config, terms) for terms in table.values()]
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("table", [ops.EVEN, ops.ODD])
def test_operators_have_the_right_parity(table):
    x = np.random.default_rng(1).choice([-1, 1], size=(3, 6, 6)).astype(np.int8)
    sign = 1 if table is ops.EVEN else -1
    np.testing.assert_array_equal(ops.operators(-x, table, len(table)),
                                  sign * ops.operators(x, table, len(table)))


def test_operators_reject_bad_input():
    with pytest.raises(ValueError, match="n_even"):
        mcrg.even_operators(UP, 7)
    with pytest.raises(ValueError, match="configs"):
        mcrg.even_operators(np.zeros((4, 4)), 1)
    with pytest.raises(TypeError, match="n_odd"):
        mcrg.odd_operators(UP, 1.5)


# ------------------------------------------------------------------------ block rules
def test_majority_and_decimation_by_hand():
    x = np.array([[1, 1, -1, -1],
                  [1, -1, -1, 1],
                  [-1, -1, 1, 1],
                  [-1, 1, 1, -1]], dtype=np.int8)
    np.testing.assert_array_equal(mcrg.coarse_grain(x, "decimation"), [[[1, -1], [-1, 1]]])
    np.testing.assert_array_equal(mcrg.coarse_grain(x, "majority", seed=0), [[[1, -1], [-1, 1]]])
    tie = np.array([[1, -1], [-1, 1]], dtype=np.int8)
    draws = {int(mcrg.coarse_grain(tie, "majority", seed=s)[0, 0, 0]) for s in range(20)}
    assert draws == {-1, 1}


def test_rule_limits_are_majority_and_decimation():
    x = np.random.default_rng(3).choice([-1, 1], size=(50, 8, 8)).astype(np.int8)
    blocks = x.reshape(50, 4, 2, 4, 2).sum(axis=(2, 4))
    maj = mcrg.coarse_grain(x, mcrg.Rule(np.full((2, 2), 200.0)), seed=1)
    np.testing.assert_array_equal(maj[blocks != 0], np.sign(blocks)[blocks != 0])
    dec = mcrg.coarse_grain(x, mcrg.Rule([[200.0, 0], [0, 0]]), seed=1)
    np.testing.assert_array_equal(dec, mcrg.coarse_grain(x, "decimation"))
    coin = mcrg.coarse_grain(np.ones((400, 8, 8), np.int8), mcrg.Rule(np.zeros((2, 2))), seed=2)
    assert abs(coin.mean()) < 4 / np.sqrt(coin.size)          # p = 1/2: mean 0 within 4 sigma


def test_flow_is_reproducible_and_checks_sizes():
    x = np.random.default_rng(0).choice([-1, 1], size=(4, 16, 16)).astype(np.int8)
    a, b = mcrg.flow(x, levels=3, seed=5), mcrg.flow(x, levels=3, seed=5)
    assert [y.shape[1] for y in a] == [16, 8, 4, 2]
    for y, z in zip(a, b):
        np.testing.assert_array_equal(y, z)
    with pytest.raises(ValueError, match="levels"):
        mcrg.flow(x, levels=5)
    with pytest.raises(TypeError, match="rule"):
        mcrg.coarse_grain(x, 3)
    with pytest.raises(ValueError, match="rule"):
        mcrg.coarse_grain(x, "median")
    with pytest.raises(ValueError, match="b=3"):
        mcrg.coarse_grain(x, mcrg.Rule(np.ones((2, 2))), b=3)
    with pytest.raises(ValueError, match="weights"):
        mcrg.Rule(np.ones(4))


# ------------------------------------------------- MCRG on the 1D chain (exact answer)
def _ring(N, K):
    """All 2^N states of a ring, their Boltzmann weights, S = sum s_i s_{i+1}, and the
    same operator on the decimated ring (the even sites)."""
    s = np.array(list(itertools.product([-1, 1], repeat=N)), dtype=np.float64)
    S = (s * np.roll(s, -1, axis=1)).sum(1)
    d = s[:, ::2]
    S1 = (d * np.roll(d, -1, axis=1)).sum(1)
    w = np.exp(K * S)
    return w / w.sum(), S, S1


@pytest.mark.parametrize("K", [0.1, 0.5, 1.0, 2.0])
def test_mcrg_is_exact_on_the_decimated_ring(K):
    # tanh K' = tanh^2 K  =>  dK'/dK = 2 tanh K / (1 + tanh^2 K) = tanh 2K, on any finite ring
    w, S, S1 = _ring(10, K)
    T = mcrg.linearize(S[:, None], S1[:, None], weights=w)
    assert T.shape == (1, 1)
    assert T[0, 0] == pytest.approx(np.tanh(2 * K), rel=1e-9)
    assert mcrg.leading_exponent(T, 2) == pytest.approx(np.log2(np.tanh(2 * K)), rel=1e-9)


def test_mcrg_on_sampled_ring_within_its_error():
    # bonds tau_i = s_i s_{i+1} are independent with <tau> = tanh K on an open chain;
    # closing the ring keeps the samples whose bonds multiply to +1
    K, N, n = 0.6, 32, 40_000
    gen = np.random.default_rng(7)
    tau = np.where(gen.random((3 * n, N)) < (1 + np.tanh(K)) / 2, 1, -1)
    tau = tau[tau.prod(1) == 1][:n]
    s = np.concatenate([np.ones((n, 1)), np.cumprod(tau[:, :-1], axis=1)], axis=1)
    S = (s * np.roll(s, -1, axis=1)).sum(1)
    d = s[:, ::2]
    S1 = (d * np.roll(d, -1, axis=1)).sum(1)
    Ts = [mcrg.linearize(S[i::10, None], S1[i::10, None])[0, 0] for i in range(10)]
    T = mcrg.linearize(S[:, None], S1[:, None])[0, 0]
    err = np.std(Ts, ddof=1) / np.sqrt(10)
    assert abs(T - np.tanh(2 * K)) < 4 * err + 1e-3          # 4 sigma


def test_linearization_rejects_bad_input():
    with pytest.raises(ValueError, match="lower and upper"):
        mcrg.linearize(np.ones((5, 2)), np.ones((5, 3)))
    with pytest.raises(ValueError, match="weights"):
        mcrg.linearize(np.ones((5, 1)), np.ones((5, 1)), weights=-np.ones(5))
    with pytest.raises(ValueError, match="not positive"):
        mcrg.leading_exponent(np.array([[-2.0]]), 2)


# ------------------------------------------------------------ MCRG on 2D Ising at K_c
@pytest.fixture(scope="module")
def critical16():
    return ising.dataset(16, ising.critical_coupling(), 2000, seed=0, progress=False)


def test_majority_mcrg_near_the_ising_exponents(critical16):
    # L = 16, level 1 -> 2: loose bounds (the chapter checks the 0.1 / 0.05 bounds at L = 64)
    r = mcrg.eigenvalues(critical16, levels=2, n_bins=10)
    assert len(r.y_t) == 2 and len(r.y_t_trunc[0]) == 3 and len(r.y_h_trunc[1]) == 2
    assert 0.75 < r.y_t[1] < 1.25 and 1.75 < r.y_h[1] < 2.0
    assert all(e > 0 for e in r.y_t_err + r.y_h_err)
    assert r.rows()[1]["level"] == 2 and r.rows()[0]["rule"] == "majority"
    again = mcrg.eigenvalues(critical16, levels=2, n_bins=10)
    assert again.y_t == r.y_t                                 # same seed, same numbers


def test_level_eigenvalues_checks_its_levels(critical16):
    x = critical16[:100]
    with pytest.raises(ValueError, match="at least two"):
        mcrg.level_eigenvalues([x])
    with pytest.raises(ValueError, match="same number"):
        mcrg.level_eigenvalues([x, mcrg.coarse_grain(x[:50])])
    with pytest.raises(ValueError, match="n_bins"):
        mcrg.level_eigenvalues([x, mcrg.coarse_grain(x)], n_bins=60)


# --------------------------------------------------- undefined and degenerate input
def test_undefined_exponent_is_none_not_nan(critical16):
    # flipping every block spin flips every odd operator: T_odd -> -T_odd, lambda_h < 0
    x = critical16[:200]
    with pytest.warns(RuntimeWarning, match="no exponent"):
        r = mcrg.level_eigenvalues([x, -mcrg.coarse_grain(x, seed=0)], n_bins=4)
    assert r.lam_h[0] < 0 and np.isfinite(r.lam_h[0]) and np.isfinite(r.lam_h_err[0])
    assert r.y_h[0] is None and r.y_h_err[0] is None and r.y_h_trunc[0][-1] is None
    assert 0.5 < r.y_t[0] < 1.5                               # the even sector is unchanged
    assert r.rows()[0]["y_h"] is None


def test_degenerate_operators_raise_naming_the_level():
    up = np.ones((40, 8, 8), np.int8)                         # every operator constant
    with pytest.raises(ValueError, match=r"levels\[1\].*linearly dependent"):
        mcrg.eigenvalues(up, levels=1, n_bins=2)
    with pytest.raises(ValueError, match="upper"):
        mcrg.linearize(np.arange(10.0)[:, None], np.ones((10, 1)))
    with pytest.raises(ValueError, match=r"levels\[1\] must be b = 2 times smaller"):
        mcrg.level_eigenvalues([up, up])


def test_configs_are_checked_before_any_cast():
    for bad in (np.full((4, 4), 257), np.full((4, 4), 1.7), np.full((4, 4), np.nan)):
        with pytest.raises(ValueError, match="configs"):
            mcrg.as_batch(bad)
    for bad in (np.full((4, 4), 1 + 0j), np.ones((4, 4), bool), "bogus", None):
        with pytest.raises(TypeError, match="configs"):
            mcrg.as_batch(bad)
    with pytest.raises(ValueError, match="configs"):
        mcrg.as_batch(np.ones((3, 0, 0)))
    np.testing.assert_array_equal(mcrg.as_batch(np.full((2, 2), -1.0)), -np.ones((1, 2, 2)))


def test_sizes_and_values_are_refused_at_the_door():
    x = np.ones((2, 8, 8), np.int8)
    with pytest.raises(ValueError, match="levels"):
        mcrg.flow(x, levels=2**40)                            # not 2**(2**40) computed
    with pytest.raises(ValueError, match="b must divide"):
        mcrg.coarse_grain(x, b=2**40)
    with pytest.raises(ValueError, match="T"):
        mcrg.leading_eigenvalue(np.array([[np.nan]]))
    with pytest.raises(ValueError, match="square"):
        mcrg.leading_eigenvalue(np.ones((2, 3)))
    with pytest.raises(ValueError, match="b"):
        mcrg.leading_exponent(np.eye(2), 1)
    with pytest.raises(ValueError, match="table"):
        ops.operators(x, {"bad": [[(0, 0.5)]]}, 1)
    with pytest.raises(TypeError, match="weights"):
        mcrg.Rule("bogus")
    with pytest.raises(TypeError, match="seed"):
        mcrg.coarse_grain(x, "decimation", seed="bogus")
