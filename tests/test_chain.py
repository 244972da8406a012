"""The 1D Ising ring: three routes to the same numbers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rgdl import chain


@settings(max_examples=30, deadline=None)
@given(N=st.integers(2, 12), K=st.floats(-1.5, 1.5), B=st.floats(-1.0, 1.0))
def test_transfer_matrix_equals_enumeration(N, K, B):
    assert chain.log_partition(N, K, B) == pytest.approx(chain.log_partition_enum(N, K, B), abs=1e-10)
    np.testing.assert_allclose(chain.correlations(N, K, B), chain.correlations_enum(N, K, B), atol=1e-10)


def test_zero_field_correlations_closed_form():
    N, K = 14, 0.7
    t, r = np.tanh(K), np.arange(14)
    np.testing.assert_allclose(chain.correlations(N, K), (t**r + t ** (N - r)) / (1 + t**N), atol=1e-13)
    # Z = (2 cosh K)^N + (2 sinh K)^N at B = 0
    assert chain.log_partition(N, K) == pytest.approx(np.log((2 * np.cosh(K)) ** N + (2 * np.sinh(K)) ** N))


def test_two_spin_ring_by_hand():
    # N = 2: bonds (0,1) and (1,0), so H = -2K s0 s1 - B (s0 + s1)
    K, B = 0.3, 0.2
    z = np.exp(2 * K + 2 * B) + np.exp(2 * K - 2 * B) + 2 * np.exp(-2 * K)
    assert chain.log_partition_enum(2, K, B) == pytest.approx(np.log(z), abs=1e-14)


def test_correlation_length():
    assert chain.correlation_length(0.5) == pytest.approx(-1 / np.log(np.tanh(0.5)))
    with pytest.raises(ValueError, match="K"):
        chain.correlation_length(0.0)


def _histogram(samples, N):
    idx = (((samples.reshape(-1, N) + 1) // 2) * (1 << np.arange(N))).sum(axis=1)
    return np.bincount(idx, minlength=2**N)


def test_metropolis_samples_the_boltzmann_distribution():
    # chi-square of the visited-state histogram against exact weights on a 4-spin ring.
    # Samples are correlated (tau_int ~ 1-2 sweeps), so the statistic is inflated by ~2 tau;
    # we compare chi2 / dof against a generous bound of 8 (wrong samplers give > 100).
    N, K, B = 4, 0.5, 0.15
    x = chain.metropolis(N, K, B, sweeps=4000, chains=64, seed=7)
    counts = _histogram(x, N)
    s = chain.all_states(N)
    p = np.exp(-chain.energy(s, K, B))
    p /= p.sum()
    expected = p * counts.sum()
    chi2 = np.sum((counts - expected) ** 2 / expected)
    assert chi2 / (2**N - 1) < 8.0


def test_metropolis_is_reproducible_and_validates():
    a = chain.metropolis(8, 0.4, sweeps=10, chains=3, seed=1)
    b = chain.metropolis(8, 0.4, sweeps=10, chains=3, seed=1)
    assert a.shape == (10, 3, 8) and a.dtype == np.int8
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="N"):
        chain.metropolis(7, 0.4)
    with pytest.raises(ValueError, match="N"):
        chain.metropolis(1, 0.4)
    with pytest.raises(ValueError, match="K"):
        chain.metropolis(8, float("nan"))


def test_exact_samples_match_probabilities():
    x = chain.exact_samples(6, 0.4, 0.1, n=20000, seed=3)
    assert x.shape == (20000, 6)
    emp = chain.ring_correlations(x).mean(axis=0)
    # sigma of a mean of 20000 values bounded by 1 is < 0.0071; allow 5 sigma
    np.testing.assert_allclose(emp, chain.correlations(6, 0.4, 0.1), atol=0.035)


def test_ring_correlations_of_a_constant_ring_are_one():
    np.testing.assert_allclose(chain.ring_correlations(np.ones((2, 6))), 1.0)


# ----------------------------------------------------------------------------- chapter 0 experiments

def test_enumeration_vs_transfer_agrees_to_round_off():
    r = chain.enumeration_vs_transfer([3, 6, 9], Ks=(-0.5, 0.3, 1.0), Bs=(0.0, 0.2))
    assert r.cases == 18
    assert 0.0 <= r.max_dev_log_partition < 1e-12
    assert 0.0 <= r.max_dev_correlations < 1e-12


@pytest.mark.parametrize("kwargs, word", [
    (dict(Ns=[], Ks=[0.3], Bs=[0.0]), "Ns"),
    (dict(Ns=[21], Ks=[0.3], Bs=[0.0]), "N"),
    (dict(Ns=[1], Ks=[0.3], Bs=[0.0]), "N"),
])
def test_enumeration_vs_transfer_bad_input(kwargs, word):
    with pytest.raises(ValueError, match=word):
        chain.enumeration_vs_transfer(**kwargs)


def test_metropolis_check_matches_exact_results_within_binning_errors():
    r = chain.metropolis_check(16, [0.4, 0.8], sweeps=3000, chains=16, burn_in=200, lags=5, seed=3)
    assert r.corr.shape == r.corr_err.shape == (2, 5)
    assert r.corr_exact.shape == (2, 16)
    np.testing.assert_allclose(r.corr[:, 0], 1.0)  # <s0 s0> = 1 in every sample
    np.testing.assert_allclose(r.xi_exact, [chain.correlation_length(K) for K in (0.4, 0.8)])
    # each |z| is ~ N(0, 1) for a correct sampler; the largest of 8 values is below 4.5 with
    # probability ~ 1 - 8 * 7e-6 (4.5 sigma two-sided), so this fails only on a biased sampler
    assert 0 <= r.z_corr < 4.5 and 0 <= r.z_energy < 4.5 and 0 <= r.z_xi < 4.5
    again = chain.metropolis_check(16, [0.4, 0.8], sweeps=3000, chains=16, burn_in=200, lags=5,
                                   seed=3)
    assert again.z_corr == r.z_corr and again.z_xi == r.z_xi  # same seed, same numbers


def test_metropolis_check_uses_seed_plus_index_per_coupling():
    r = chain.metropolis_check(8, [0.5, 0.7], sweeps=50, chains=4, burn_in=0, lags=3, seed=10)
    s = chain.metropolis(8, 0.7, 0.0, sweeps=50, chains=4, burn_in=0, seed=11)
    np.testing.assert_allclose(r.corr[1], chain.ring_correlations(s).mean(axis=(0, 1))[:3])


@pytest.mark.parametrize("kwargs, word", [
    (dict(Ks=[-0.3]), "Ks"),
    (dict(Ks=[]), "Ks"),
    (dict(Ks=[0.3], lags=9), "lags"),
    (dict(Ks=[0.3], seed=-1), "seed"),
])
def test_metropolis_check_bad_input(kwargs, word):
    with pytest.raises(ValueError, match=word):
        chain.metropolis_check(8, sweeps=10, chains=2, **kwargs)


# ----------------------------------------------------------------------------- issue #13:
# large couplings in log space, sizes refused at the door

def test_correlation_length_at_large_coupling_is_large_not_minus_inf():
    # -1/ln tanh K ~ e^{2K}/2 once tanh K rounds to 1 (it did: xi(20) was -inf)
    assert chain.correlation_length(20.0) == pytest.approx(0.5 * np.exp(40.0), rel=1e-12)
    xs = [chain.correlation_length(K) for K in (0.5, 1.0, 5.0, 20.0, 100.0)]
    assert all(x > 0 for x in xs) and np.all(np.diff(xs) > 0)
    assert chain.correlation_length(400.0) == np.inf  # e^{800}/2 exceeds every float


def test_log_partition_at_large_coupling_is_finite():
    # Z = (2 cosh K)^6 + (2 sinh K)^6 ~ 2 e^{6K}: it was NaN at K = 800
    assert chain.log_partition(6, 800.0) == pytest.approx(4800.0 + np.log(2.0), rel=1e-15)
    assert chain.free_energy_per_site(6, 800.0) == pytest.approx(-800.0 - np.log(2.0) / 6)
    assert chain.free_energy_per_site(np.inf, 800.0) == pytest.approx(-800.0)


@pytest.mark.parametrize("N", [2, 3, 7, 12])
@pytest.mark.parametrize("K", [-300.0, -25.0, 25.0, 300.0])
@pytest.mark.parametrize("B", [0.0, 0.4, -500.0])
def test_log_space_transfer_matrix_equals_enumeration_at_extreme_couplings(N, K, B):
    # includes the frustrated odd antiferromagnetic ring, where Z = lambda_+^N (1 - |r|^N)
    want = chain.log_partition_enum(N, K, B)
    assert chain.log_partition(N, K, B) == pytest.approx(want, rel=1e-12, abs=1e-9)


def test_eigenvalues_from_logs_match_the_transfer_matrix():
    for K, B in [(0.5, 0.2), (-0.5, 0.0), (2.0, -1.0)]:
        lp, lm = chain.eigenvalues(K, B)
        np.testing.assert_allclose([lp, lm], np.linalg.eigvalsh(chain.transfer_matrix(K, B))[::-1],
                                   rtol=1e-13, atol=1e-13)
    with pytest.raises(ValueError, match="K and B"):
        chain.eigenvalues(800.0)
    with pytest.raises(ValueError, match="K and B"):
        chain.transfer_matrix(800.0)


def test_correlations_at_large_coupling():
    np.testing.assert_allclose(chain.correlations(6, 800.0), 1.0)
    np.testing.assert_allclose(chain.correlations(6, 40.0, 0.1),
                               chain.correlations_enum(6, 40.0, 0.1), atol=1e-12)
    with pytest.raises(ValueError, match="K and B"):  # odd ring, Tr T^N cancels to rounding
        chain.correlations(7, -800.0)


@pytest.mark.parametrize("call, word", [
    (lambda: chain.exact_samples(6, 0.5, n=2**40), "n"),
    (lambda: chain.metropolis(6, 0.5, sweeps=2**40), "sweeps"),
    (lambda: chain.metropolis(6, 0.5, sweeps=10, burn_in=2**40), "burn_in"),
    (lambda: chain.metropolis(2**40, 0.5, sweeps=10), "N"),
    (lambda: chain.correlations(2**40, 0.5), "N"),
    (lambda: chain.log_partition_enum(21, 0.5), "N"),
    (lambda: chain.energy(np.ones((2, 4)), float("nan")), "K"),
    (lambda: chain.energy([[1.0, np.nan]], 0.5), "s"),
    (lambda: chain.ring_correlations("bogus"), "samples"),
    (lambda: chain.enumeration_vs_transfer([4], [0.3], [np.inf]), "Bs"),
    (lambda: chain.enumeration_vs_transfer(None, [0.3], [0.0]), "Ns"),
    (lambda: chain.enumeration_vs_transfer([4.0], [0.3], [0.0]), "Ns"),
])
def test_bad_sizes_and_values_are_refused_at_the_door(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()
