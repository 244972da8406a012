"""Tests for rgdl.hopfield: exact oracles first, then identities, then statistics."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from rgdl import hopfield as hf


def brute_energy(J, s, B):
    N = len(s)
    return (-0.5 * sum(J[i, j] * s[i] * s[j] for i in range(N) for j in range(N))
            - sum(B[i] * s[i] for i in range(N)))


# ----------------------------------------------------------------------------- storage, energy

def test_hebbian_matches_the_sum_over_patterns():
    xi = hf.random_patterns(3, 7, seed=0)
    J = hf.hebbian(xi)
    for i, j in itertools.product(range(7), repeat=2):
        want = 0.0 if i == j else sum(int(x[i]) * int(x[j]) for x in xi) / 7
        assert J[i, j] == pytest.approx(want, abs=1e-15)


def test_hebbian_batched_equals_one_network_at_a_time():
    xi = hf.random_patterns(4, 9, networks=3, seed=1)
    J = hf.hebbian(xi)
    assert J.shape == (3, 9, 9)
    for m in range(3):
        np.testing.assert_allclose(J[m], hf.hebbian(xi[m]))


def test_energy_matches_the_double_sum():
    g = np.random.default_rng(2)
    xi = hf.random_patterns(2, 6, seed=g)
    J = hf.hebbian(xi)
    B = g.normal(size=6)
    s = hf.random_patterns(5, 6, seed=g)
    E = hf.energy(J, s, B)
    assert E.shape == (5,)
    for k in range(5):
        assert E[k] == pytest.approx(brute_energy(J, s[k], B), abs=1e-12)


def test_stored_pattern_energy_and_overlap():
    # H(xi^1) = -N/2 (m_1^2 + sum_{mu>1} m_mu^2) + P/2 for Hebb's rule with J_ii = 0
    xi = hf.random_patterns(3, 50, seed=3)
    J = hf.hebbian(xi)
    m = hf.overlaps(xi, xi[0])
    assert m[0] == 1.0
    want = -50 / 2 * np.sum(m**2) + 3 / 2
    assert hf.energy(J, xi[0]) == pytest.approx(want, abs=1e-10)


def test_pseudo_inverse_stores_correlated_patterns_exactly():
    # patterns biased towards +1 (correlated): Hebb fails, the projection rule does not
    g = np.random.default_rng(4)
    xi = np.where(g.random((20, 60)) < 0.8, 1, -1)
    Jp = hf.pseudo_inverse(xi, zero_diagonal=False)
    np.testing.assert_allclose(xi @ Jp, xi, atol=1e-10)  # J xi = xi
    assert hf.is_fixed_point(hf.pseudo_inverse(xi), xi).all()
    assert not hf.is_fixed_point(hf.hebbian(xi), xi).all()


# ----------------------------------------------------------------------------- zero-T dynamics

@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), N=st.integers(4, 30), P=st.integers(1, 8),
       field=st.booleans())
def test_energy_never_increases_under_async_dynamics(seed, N, P, field):
    g = np.random.default_rng(seed)
    xi = hf.random_patterns(P, N, seed=g)
    J = hf.pseudo_inverse(xi) if seed % 2 else hf.hebbian(xi)
    B = g.normal(scale=0.3, size=N) if field else None
    s0 = hf.random_patterns(6, N, seed=g)
    final, sweeps, E = hf.async_dynamics(J, s0, B, seed=g, record_energy=True)
    assert E.shape[1:] == (6,)
    assert np.all(np.diff(E, axis=0) <= 1e-12)  # every single-unit step
    np.testing.assert_allclose(E[-1], hf.energy(J, final, B), atol=1e-9)
    assert hf.is_fixed_point(J, final, B).all()  # converged well within 100 sweeps
    assert (sweeps <= 100).all()


def test_async_is_reproducible_and_batched():
    xi = hf.random_patterns(6, 40, networks=2, seed=5)
    J = hf.hebbian(xi)
    s0 = hf.random_patterns(8, 40, networks=2, seed=6)
    a, sa = hf.async_dynamics(J, s0, seed=7)
    b, sb = hf.async_dynamics(J, s0, seed=7)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(sa, sb)
    assert a.shape == s0.shape and a.dtype == np.int8
    assert hf.is_fixed_point(J, a).all()


def test_stored_patterns_are_fixed_points_at_low_load():
    # alpha = 0.025: P(unit unstable) = Phi(-1/sqrt(alpha)) ~ 1e-10, so all must hold
    xi = hf.random_patterns(5, 200, networks=3, seed=8)
    J = hf.hebbian(xi)
    assert hf.is_fixed_point(J, xi).all()
    final, sweeps = hf.async_dynamics(J, xi, seed=9)
    np.testing.assert_array_equal(final, xi)
    assert (sweeps == 0).all()


def test_corrupted_pattern_is_retrieved_at_low_load():
    xi = hf.random_patterns(5, 300, seed=10)
    start = hf.flip_fraction(xi, 0.2, seed=11)
    m = hf.retrieval_overlaps(xi, start=start, seed=12)
    assert (m == 1.0).all()


def test_sync_two_cycle_and_fixed_point():
    J = np.array([[0.0, 1.0], [1.0, 0.0]])
    s, period, steps, path = hf.sync_dynamics(J, np.array([[1, -1], [1, 1]]), return_path=True)
    np.testing.assert_array_equal(period, [2, 1])
    np.testing.assert_array_equal(steps, [2, 1])
    np.testing.assert_array_equal(path[:3, 0], [[1, -1], [-1, 1], [1, -1]])


def test_sync_ends_in_fixed_points_or_two_cycles():
    xi = hf.random_patterns(25, 100, seed=13)
    J = hf.hebbian(xi)
    s0 = hf.random_patterns(200, 100, seed=14)
    s, period, steps, path = hf.sync_dynamics(J, s0, max_steps=300, return_path=True)
    assert set(np.unique(period)) <= {1, 2}
    fixed = period == 1
    assert hf.is_fixed_point(J, s[fixed]).all()
    cyc = np.nonzero(period == 2)[0]
    for k in cyc[:5]:
        t = steps[k]
        np.testing.assert_array_equal(path[t, k], path[t - 2, k])
        assert (path[t, k] != path[t - 1, k]).any()


def test_flip_fraction_flips_exactly_k_units():
    s = np.ones((50, 40), dtype=np.int8)
    out = hf.flip_fraction(s, 0.25, seed=15)
    assert ((out == -1).sum(axis=1) == 10).all()
    np.testing.assert_array_equal(out, hf.flip_fraction(s, 0.25, seed=15))


def test_mixture_states_and_classify():
    xi = hf.random_patterns(6, 2000, seed=16)
    mix = hf.mixture_states(xi, np.array([[0, 1, 2], [3, 4, 5]]))
    m = hf.overlaps(xi, mix)
    np.testing.assert_allclose(m[0, :3], 0.5, atol=0.06)  # ideal 1/2; sd ~ 1/sqrt(N)
    labels = hf.classify(xi, np.concatenate([mix, xi[:2], -xi[:1]]))
    np.testing.assert_array_equal(labels, [hf.MIXTURE, hf.MIXTURE, hf.STORED, hf.STORED,
                                           hf.STORED])
    assert hf.classify(xi, hf.random_patterns(1, 2000, seed=17))[0] == hf.OTHER


def test_crossing_interpolates():
    x = np.array([0.1, 0.2, 0.3])
    assert hf.level_crossing(x, np.array([1.0, 0.95, 0.85])) == pytest.approx(0.25)
    assert hf.level_crossing(x, np.array([1.0, 0.95, 0.91])) == np.inf  # beyond the scan


# ----------------------------------------------------------------------------- enumeration

def test_two_spin_partition_function_by_hand():
    # Z = sum_{s1,s2} exp((J s1 s2 + b1 s1 + b2 s2) / T)
    #   = 2 e^{J/T} cosh((b1 + b2)/T) + 2 e^{-J/T} cosh((b1 - b2)/T)
    Jv, b1, b2, T = 0.7, 0.3, -0.2, 0.9
    J = np.array([[0.0, Jv], [Jv, 0.0]])
    Z = 2 * np.exp(Jv / T) * np.cosh((b1 + b2) / T) + 2 * np.exp(-Jv / T) * np.cosh((b1 - b2) / T)
    assert hf.log_partition(J, T, [b1, b2]) == pytest.approx(np.log(Z), rel=1e-13)
    assert hf.free_energy(J, T, [b1, b2]) == pytest.approx(-T * np.log(Z), rel=1e-13)
    p = hf.boltzmann(J, T, [b1, b2])
    s = hf.all_states(2)
    want = np.exp((Jv * s[:, 0] * s[:, 1] + b1 * s[:, 0] + b2 * s[:, 1]) / T) / Z
    np.testing.assert_allclose(p, want, rtol=1e-13)


def test_enumeration_matches_brute_force_and_batches():
    g = np.random.default_rng(18)
    xi = hf.random_patterns(2, 5, networks=2, seed=g)
    J = hf.hebbian(xi)
    B = g.normal(size=5)
    temps = np.array([0.5, 1.0, 2.0])
    lnZ = hf.log_partition(J, temps, B)
    assert lnZ.shape == (2, 3)
    for m in range(2):
        for k, T in enumerate(temps):
            Z = sum(np.exp(-brute_energy(J[m], np.array(s), B) / T)
                    for s in itertools.product((-1, 1), repeat=5))
            assert lnZ[m, k] == pytest.approx(np.log(Z), rel=1e-12)
    E = hf.energies_enum(J, B, chunk=7)  # chunking must not matter
    np.testing.assert_allclose(E, hf.energies_enum(J, B))
    np.testing.assert_array_equal(hf.state_index(hf.all_states(5)), np.arange(32))


def test_log_partition_is_stable_at_low_temperature():
    J = hf.hebbian(hf.random_patterns(2, 10, seed=19))
    lnZ = hf.log_partition(J, 1e-3)
    assert np.isfinite(lnZ)
    # F -> E_min as T -> 0, within T ln(degeneracy)
    assert hf.free_energy(J, 1e-3) == pytest.approx(hf.energies_enum(J).min(), abs=1e-2)


def test_entropy_is_minus_dF_dT():
    J = hf.hebbian(hf.random_patterns(3, 10, seed=20))
    T = np.array([0.8, 0.8 + 1e-5])
    th = hf.thermal_averages(J, T)
    dF = (th["F"][1] - th["F"][0]) / 1e-5
    assert -dF == pytest.approx(th["S"][0], rel=1e-3)


# ----------------------------------------------------------------------------- Glauber

def test_glauber_transition_matrix_satisfies_detailed_balance():
    g = np.random.default_rng(21)
    J = hf.hebbian(hf.random_patterns(2, 4, seed=g))
    J[0, 0] = J[1, 1] = 0.3  # a self-coupling must not break it
    B = g.normal(size=4)
    W = hf.glauber_transition_matrix(J, 0.8, B)
    p = hf.boltzmann(J, 0.8, B)
    np.testing.assert_allclose(W.sum(axis=1), 1.0, atol=1e-14)
    flow = p[:, None] * W
    np.testing.assert_allclose(flow, flow.T, atol=1e-15)  # pi_a W_ab = pi_b W_ba
    np.testing.assert_allclose(p @ W, p, atol=1e-14)


def test_glauber_samples_pass_chi_square_on_four_units():
    g = np.random.default_rng(22)
    J = hf.hebbian(hf.random_patterns(2, 4, seed=g))
    B = np.array([0.2, -0.1, 0.0, 0.3])
    T = 0.7
    p = hf.boltzmann(J, T, B)
    # 20000 independent chains, one sample each after 30 sweeps (far beyond mixing for N = 4)
    s0 = hf.random_patterns(20000, 4, seed=g)
    samples = hf.glauber(J, s0, T, B, sweeps=1, burn_in=30, seed=g)
    counts = np.bincount(hf.state_index(samples[-1]), minlength=16)
    chi2, pval = sps.chisquare(counts, counts.sum() * p)
    assert pval > 1e-4  # fails by chance 1 time in 10^4 when the sampler is right


def test_glauber_is_reproducible_and_shapes():
    J = hf.hebbian(hf.random_patterns(2, 6, seed=23))
    s0 = hf.random_patterns(10, 6, seed=24)
    a = hf.glauber(J, s0, 1.0, sweeps=6, every=2, seed=25)
    assert a.shape == (3, 10, 6) and a.dtype == np.int8
    np.testing.assert_array_equal(a, hf.glauber(J, s0, 1.0, sweeps=6, every=2, seed=25))
    # T = 0: never raises the energy
    z = hf.glauber(J, s0, 0.0, sweeps=5, seed=26)
    assert (hf.energy(J, z[-1]) <= hf.energy(J, s0) + 1e-12).all()


def test_sampling_tvd_reference():
    p = np.full(64, 1 / 64)
    tv = hf.sampling_tvd(p, 10000, replicas=100, seed=27)
    # E TVD ~ 1/2 sum sqrt(2 p (1 - p) / (pi n)) for n p >> 1
    approx = 0.5 * np.sum(np.sqrt(2 * p * (1 - p) / (np.pi * 10000)))
    assert tv.mean() == pytest.approx(approx, rel=0.05)
    assert hf.total_variation(p, p) == 0.0


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("call, word", [
    (lambda: hf.hebbian([[1, 0, 1]]), "patterns"),
    (lambda: hf.hebbian([[1], [-1]]), "patterns"),  # N < 2
    (lambda: hf.hebbian([1, -1, 1]), "patterns"),
    (lambda: hf.energy(np.zeros((3, 3)), [1, -1]), "s"),
    (lambda: hf.energy(np.zeros((3, 3)), [1, -1, 1], B=[0.0, 1.0]), "B"),
    (lambda: hf.energy(np.array([[0, 1.0], [0, 0]]), [1, -1]), "symmetric"),
    (lambda: hf.energy(np.zeros((1, 1)), [1]), "J"),
    (lambda: hf.energy(np.zeros((3, 3)), [1, 2, 1]), "s"),
    (lambda: hf.glauber(np.zeros((3, 3)), [1, 1, 1], -0.5), "T"),
    (lambda: hf.log_partition(np.zeros((3, 3)), -1.0), "T"),
    (lambda: hf.boltzmann(np.zeros((3, 3)), 0.0), "T"),
    (lambda: hf.all_states(21), "N"),
    (lambda: hf.random_patterns(3, 1), "N"),
    (lambda: hf.overlaps(np.ones((2, 4)), np.ones(5)), "s"),
    (lambda: hf.flip_fraction(np.ones(4), 1.5), "fraction"),
    (lambda: hf.mixture_states(np.ones((2, 4)), np.array([[0, 1, 2]])), "triples"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_type_errors():
    with pytest.raises(TypeError, match="T"):
        hf.glauber(np.zeros((3, 3)), [1, 1, 1], "hot")
    with pytest.raises(TypeError, match="P"):
        hf.random_patterns(2.5, 10)


def test_basin_curve_shape_and_low_load_retrieval():
    xi = hf.random_patterns(4, 200, seed=28)
    m = hf.basin_curve(xi, [0.0, 0.1, 0.5], seed=29)
    assert m.shape == (3, 4)
    assert (m[:2] == 1.0).all()
    with pytest.raises(ValueError, match="fractions"):
        hf.basin_curve(xi, [0.2, 1.5])


def test_async_reports_unconverged_trials():
    xi = hf.random_patterns(30, 200, seed=30)
    s0 = hf.random_patterns(20, 200, seed=31)
    final, sweeps = hf.async_dynamics(hf.hebbian(xi), s0, max_sweeps=1, seed=32)
    assert set(np.unique(sweeps)) <= {1, 2}
    assert (sweeps == 2).any()  # one sweep is not enough from a random start at alpha = 0.15
    final, sweeps = hf.async_dynamics(hf.hebbian(xi), s0, max_sweeps=200, seed=32)
    assert (sweeps >= 1).all() and (sweeps <= 200).all()


# ----------------------------------------------------------------------------- one state-to-index

def test_state_index_is_the_core_one_and_keeps_its_own_check():
    from rgdl.core import states

    s = hf.random_patterns(50, 9, seed=40)
    np.testing.assert_array_equal(hf.state_index(s), states.state_index(s, values=(-1, 1)))
    np.testing.assert_array_equal(hf.all_states(9)[hf.state_index(s)], s)
    with pytest.raises(ValueError, match="s"):
        hf.state_index([[1, 0, 1]])  # 0 is not a spin value
    with pytest.raises(ValueError, match="s"):
        hf.state_index(np.ones(63))


# ----------------------------------------------------------------------------- pseudo-inverse rule

def test_pseudo_inverse_with_zero_diagonal_keeps_fixed_points_not_eigenvectors():
    # #14 error 7: zeroing the diagonal of the projector Pi gives J xi = (1 - diag Pi) xi,
    # which is not parallel to xi, but keeps every pattern a fixed point
    xi = hf.random_patterns(20, 100, seed=41).astype(np.float64)
    Pi = hf.pseudo_inverse(xi, zero_diagonal=False)
    J = hf.pseudo_inverse(xi)
    np.testing.assert_allclose(xi @ Pi, xi, atol=1e-10)  # eigenvectors of the projector
    d = np.diag(Pi)
    assert np.all((d >= 0) & (d < 1))
    assert d.mean() == pytest.approx(20 / 100, abs=1e-10)  # trace of a rank-P projector = P
    Jxi = xi @ J
    np.testing.assert_allclose(Jxi, xi * (1 - d), atol=1e-10)
    lam = np.einsum("pn,pn->p", Jxi, xi) / 100  # best eigenvalue for each pattern
    residual = np.linalg.norm(Jxi - lam[:, None] * xi, axis=1) / np.linalg.norm(Jxi, axis=1)
    assert residual.min() > 1e-3  # not an eigenvector: diag Pi varies from unit to unit
    assert hf.is_fixed_point(J, xi).all()


# ----------------------------------------------------------------------------- chapter 1 experiments

def test_energy_descent_never_goes_up_and_ends_in_fixed_points():
    d = hf.energy_descent(60, 5, 20, seed=42)
    assert d.energies.shape[1] == 20
    assert d.steps_checked == (d.energies.shape[0] - 1) * 20
    assert d.max_energy_change <= 1e-9 and d.all_fixed and d.flips > 0
    assert hf.energy_descent(60, 5, 20, seed=42).flips == d.flips


def test_sync_cycles_counts_and_a_two_cycle_shown():
    r = hf.sync_cycles(100, 10, 100, seed=43)
    assert r.fixed + r.cycles + r.undecided == 100
    assert r.undecided == 0 and r.max_lyapunov_change <= 1e-9
    assert 0 <= r.cycle_fraction <= 1 and r.cycles > 0
    # the run shown alternates between two different states: s(t+2) = s(t) != s(t+1)
    assert r.hamming > 0
    assert r.energies[-1] == pytest.approx(r.energies[-3])
    assert np.all(np.diff(r.lyapunov) <= 1e-9)
    assert np.all(np.diff(r.async_energies) <= 1e-9)


def test_sync_cycles_follow_the_same_stream_as_the_inline_code():
    g = np.random.default_rng(44)
    J = hf.hebbian(hf.random_patterns(10, 80, seed=g))
    s0 = hf.random_patterns(50, 80, seed=g)
    _, period, _ = hf.sync_dynamics(J, s0, max_steps=500)
    r = hf.sync_cycles(80, 10, 50, seed=np.random.default_rng(44))
    assert r.cycles == int(np.sum(period == 2)) and r.fixed == int(np.sum(period == 1))


def test_basins_shapes_and_low_load_recall():
    b = hf.basins(200, [0.02, 0.3], [0.0, 0.2, 0.5], seed=45)
    assert b.final.shape == (2, 3)
    np.testing.assert_array_equal(b.patterns, [4, 60])
    np.testing.assert_allclose(b.m0, [1.0, 0.6, 0.0])
    assert b.final[0, 0] == 1.0 and b.final[0, 1] > 0.95  # low load: fixed and attracting
    assert b.final[1, 0] < 0.9  # far above alpha_c the patterns are not kept
    with pytest.raises(ValueError, match="alphas"):
        hf.basins(200, [0.0], [0.1])


def test_fixed_point_probability():
    from scipy.special import ndtr

    assert hf.fixed_point_probability(500, 0.05) == pytest.approx(0.9987, abs=1e-4)
    # for large N the binomial tail becomes the Gaussian signal-to-noise estimate
    assert hf.fixed_point_probability(20000, 0.05) == pytest.approx(
        ndtr(1 / np.sqrt(0.05)) ** 20000, rel=0.02)
    assert hf.fixed_point_probability(100, 0.01) == 1.0  # one pattern: no crosstalk
    assert hf.fixed_point_probability(200, 0.05) > hf.fixed_point_probability(500, 0.05)
    assert hf.fixed_point_probability(500, 0.14) < 0.5
    with pytest.raises(ValueError, match="alpha"):
        hf.fixed_point_probability(500, 0.0)


def test_stored_fixed_fraction_agrees_with_the_crosstalk_estimate():
    # at alpha = 0.1, N = 100 the estimate is 0.961, far enough from 1 for the test to have
    # power; 100 networks of P = 10 give 1000 patterns, binomial sd sqrt(p (1 - p) / 1000) ~ 0.006
    r = hf.stored_fixed_fraction(100, 0.1, 100, seed=46)
    assert r.patterns == 1000
    p = r.theory
    assert p == pytest.approx(0.961, abs=1e-3)
    assert abs(r.fraction - p) < 4 * np.sqrt(p * (1 - p) / r.patterns)
    assert hf.stored_fixed_fraction(100, 0.1, 100, seed=46).fraction == r.fraction


def test_capacity_curve_falls_with_the_load():
    c = hf.capacity((100,), [0.05, 0.35], (2,), seed=47)
    assert c.curves.shape == (1, 2)
    assert c.curves[0, 0] > 0.95 and c.curves[0, 1] < 0.9
    assert 0.05 < c.crossings[0] < 0.35
    with pytest.raises(ValueError, match="networks"):
        hf.capacity((100, 200), [0.1], (2,))


def test_spurious_states_mixtures_are_minima_with_three_quarters_energy():
    r = hf.spurious_states(300, 5, 2, 100, seed=48)
    for rule in hf.RULES:
        assert r.mixtures_fixed[rule] > 0.9
        # finite-N scatter of the ratio ~ 0.02 at N = 300 (chapter 1); 0.1 is 5 sd
        assert r.energy_ratio[rule] == pytest.approx(0.75, abs=0.1)
        total = r.to_stored[rule] + r.to_mixture[rule] + r.to_other[rule]
        assert total == pytest.approx(1.0)
        assert r.final_energy[rule].shape == (200,)
    with pytest.raises(ValueError, match="P"):
        hf.spurious_states(100, 2, 1, 10)


def test_high_load_pseudo_inverse_keeps_the_memories_exactly():
    r = hf.high_load_retrieval(200, 0.3, seed=49)
    assert r.overlap["pseudo-inverse"] == 1.0
    assert r.overlap["Hebb"] < 0.9


def test_glauber_vs_boltzmann_passes_and_has_power():
    xi = hf.random_patterns(1, 6, seed=50)
    r = hf.glauber_vs_boltzmann(xi, 1.0, chains=2000, samples=5, every=5, burn_in=20,
                                wrong=2.0, replicas=100, seed=51)
    assert r.p_exact.shape == r.q.shape == (64,)
    assert r.q.sum() == pytest.approx(1.0) and r.n == 2000 * 5
    # z ~ N(0, 1) for a correct sampler: 5 sd is the chapter's bound
    assert r.z < 5 and r.tvd < r.bound
    assert r.z_wrong > 5 and r.tvd_wrong > r.bound
    with pytest.raises(ValueError, match="chains"):
        hf.glauber_vs_boltzmann(xi, 1.0, chains=0, samples=5, every=5, burn_in=0)


def test_thermodynamics_identities():
    J = hf.hebbian(hf.random_patterns(2, 8, seed=52))
    th = hf.thermodynamics(J, np.linspace(0.1, 3.0, 12))
    assert th.entropy_error < 1e-5
    assert np.all(th.F <= th.U + 1e-12) and np.all(th.S >= -1e-12)
    assert th.ground_energy == hf.energies_enum(J).min()
    assert th.S[-1] < 8 * np.log(2)


def test_batched_enumeration_stays_finite_for_sixteen_units():
    J = hf.hebbian(hf.random_patterns(3, 16, seed=53))
    assert np.all(np.isfinite(hf.log_partition(J, np.array([1e-3, 0.5, 2.0]))))


# ----------------------------------------------------------------------------- issue #13:
# nothing silent, nothing hangs

def test_energies_enum_refuses_a_bad_chunk():
    # chunk = -1 returned uninitialised memory (range(0, 2**N, -1) is empty)
    J = hf.hebbian(hf.random_patterns(2, 6, seed=60))
    for chunk, err in [(-1, ValueError), (0, ValueError), (2.5, TypeError), (None, TypeError)]:
        with pytest.raises(err, match="chunk"):
            hf.energies_enum(J, chunk=chunk)
    np.testing.assert_array_equal(hf.energies_enum(J, chunk=5), hf.energies_enum(J))


def test_classify_refuses_nan_and_out_of_range_thresholds():
    # stored = nan labelled the stored patterns OTHER
    xi = hf.random_patterns(3, 20, seed=61)
    assert np.all(hf.classify(xi, xi) == hf.STORED)
    for bad in (np.nan, np.inf, -0.1, 1.5):
        with pytest.raises(ValueError, match="stored"):
            hf.classify(xi, xi, stored=bad)
    for bad, err in [((0.7, 0.3), ValueError), ((np.nan, 0.7), ValueError), (None, TypeError),
                     ((0.3,), TypeError)]:
        with pytest.raises(err, match="mix"):
            hf.classify(xi, xi, mix=bad)


def test_level_crossing_beyond_the_scan_is_inf_not_nan():
    x = np.array([0.1, 0.2])
    assert hf.level_crossing(x, np.array([1.0, 0.95])) == np.inf
    with pytest.raises(ValueError, match="level"):
        hf.level_crossing(x, np.array([1.0, 0.5]), level=np.nan)


@pytest.mark.parametrize("call, word", [
    (lambda: hf.random_patterns(2**40, 8), "P"),
    (lambda: hf.glauber(np.zeros((4, 4)), np.ones(4), 1.0, sweeps=2**40), "sweeps"),
    (lambda: hf.glauber(np.zeros((4, 4)), np.ones(4), 1.0, sweeps=4, every=8), "every"),
    (lambda: hf.async_dynamics(np.zeros((4, 4)), np.ones(4), max_sweeps=2**40), "max_sweeps"),
    (lambda: hf.sync_dynamics(np.zeros((4, 4)), np.ones(4), max_steps=2**40), "max_steps"),
    (lambda: hf.energies_enum(np.zeros((21, 21))), "J"),
    (lambda: hf.capacity_curve(2**40, [0.1]), "N"),
    (lambda: hf.stored_fixed_fraction(10, 0.1, networks=2**40), "networks"),
    (lambda: hf.spurious_states(10, 2**20, 1, 2), "P"),
    (lambda: hf.sampling_tvd(np.ones(4) / 4, 10, replicas=2**40), "replicas"),
    (lambda: hf.glauber_vs_boltzmann(hf.random_patterns(2, 6, seed=0), 1.0, chains=2,
                                     samples=2**40, every=1, burn_in=0), "samples"),
    (lambda: hf.high_load_retrieval(10, 1e-3), "alpha"),
    (lambda: hf.energy("bogus", np.ones(4)), "J"),
    (lambda: hf.log_partition(np.zeros((4, 4)), []), "T"),
    (lambda: hf.thermodynamics(np.zeros((4, 4)), [0.5, 1.0], h=1.0), "h"),
    (lambda: hf.retrieval_overlaps(np.ones((1, 4)), start=np.full((1, 4), 0.5)), "start"),
    (lambda: hf.capacity((8,), [0.1], (1,), level=np.nan), "level"),
])
def test_bad_sizes_and_values_are_refused_at_the_door(call, word):
    with pytest.raises((ValueError, TypeError), match=word):
        call()


def test_fixed_point_probability_stays_finite_for_huge_networks():
    # scipy's binomial tail is NaN beyond ~2**60 terms; the normal limit takes over
    assert hf.fixed_point_probability(1 << 20, float(1 << 20)) == 0.0
    assert 0.0 <= hf.fixed_point_probability(1 << 20, 0.01) <= 1.0
