"""Tests for the exact thermometer (rgdl.ising.coupling_from_energy, specific_heat_peak)
and the thermometers of rgdl.flow: enumeration and closed forms first."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rgdl import chain, flow, ising
from rgdl.core.states import spin_states

KC = ising.critical_coupling()


# ------------------------------------------------------------ coupling_from_energy

@pytest.mark.parametrize("L", [2, 3, 4])
@pytest.mark.parametrize("K", [0.05, 0.3, KC, 0.6, 1.2])
def test_inverts_the_enumerated_energy(L, K):
    _, u, _ = ising.enumerate_thermo(L, L, K)
    assert ising.coupling_from_energy(L, u) == pytest.approx(K, rel=1e-9)


@pytest.mark.parametrize("L", [2, 3, 5, 10, 16, 32])
def test_inverts_the_exact_formula_to_1e_10(L):
    K = np.linspace(0.05, 1.5, 40)
    back = ising.coupling_from_energy(L, ising.exact_energy(L, L, K))
    np.testing.assert_allclose(back, K, rtol=1e-10, atol=0)


@settings(max_examples=30, deadline=None)
@given(K=st.floats(0.02, 2.0), L=st.integers(2, 12))
def test_round_trip_property(K, L):
    u = ising.exact_energy(L, L, K)
    assert ising.coupling_from_energy(L, u) == pytest.approx(K, rel=1e-9)


def test_vectorised_shapes():
    K = np.array([[0.2, 0.3], [0.5, 0.9]])
    u = ising.exact_energy(6, 6, K)
    back = ising.coupling_from_energy(6, u)
    assert back.shape == (2, 2)
    np.testing.assert_allclose(back, K, rtol=1e-10)
    assert isinstance(ising.coupling_from_energy(6, float(u[0, 0])), float)
    assert ising.coupling_from_energy(10, -1.0) > ising.coupling_from_energy(10, -0.5)


@pytest.mark.parametrize("u", [0.0, 0.3, -2.0, -2.5, np.nan, np.inf])
def test_unattainable_energy_is_a_value_error_naming_u(u):
    with pytest.raises(ValueError, match="u"):
        ising.coupling_from_energy(10, u)


def test_bad_arguments():
    with pytest.raises(ValueError, match="u ="):
        ising.coupling_from_energy(10, [-1.0, 0.5])
    with pytest.raises(TypeError, match="u"):
        ising.coupling_from_energy(10, "-1")
    with pytest.raises(ValueError, match="u"):
        ising.coupling_from_energy(10, [])
    with pytest.raises((TypeError, ValueError), match="L"):
        ising.coupling_from_energy(1, -1.0)


def test_specific_heat_peak():
    Kp = ising.specific_heat_peak(10)
    assert 1.0 / Kp == pytest.approx(2.345, abs=1e-3)
    c = ising.exact_specific_heat(10, 10, np.array([Kp - 1e-4, Kp, Kp + 1e-4]))
    assert c[1] > c[0] and c[1] > c[2]
    peaks = [1.0 / ising.specific_heat_peak(L) for L in (4, 8, 16, 32)]
    assert np.all(np.diff(peaks) < 0) and peaks[-1] > 1.0 / KC  # falls towards T_c from above


# ------------------------------------------------------------ reading ensembles

def _exact_torus_samples(L, K, n, seed):
    s = spin_states(L * L).reshape(-1, L, L).astype(np.int8)
    e = -((s * np.roll(s, 1, 1)).sum((1, 2)) + (s * np.roll(s, 1, 2)).sum((1, 2)))
    p = np.exp(-K * (e - e.min()))
    idx = np.random.default_rng(seed).choice(len(s), size=n, p=p / p.sum())
    return s[idx].reshape(n, L * L)


@pytest.mark.parametrize("K", [0.25, KC, 0.6])
def test_reads_exact_boltzmann_samples_of_the_4x4_torus(K):
    x = _exact_torus_samples(4, K, 20_000, seed=1)
    r = flow.read_temperature(x, 4)
    assert abs(r.T - 1.0 / K) < 4 * r.T_se          # 4 sigma
    assert r.T_se > 0


def test_lattice_observables_of_known_configurations():
    up = np.ones((3, 25), dtype=np.int8)
    obs = flow.lattice_observables(up, 5)
    assert obs["u"] == -2.0 and obs["abs_m"] == 1.0
    assert obs["binder"] == pytest.approx(2.0 / 3.0)
    r = flow.read_temperature(up, 5)
    assert r.T == 0.0 and np.isinf(r.K)
    board = np.indices((4, 4)).sum(0) % 2 * 2 - 1                   # antiferromagnet, u = +2
    with pytest.raises(ValueError, match="u"):
        flow.read_temperature(board.reshape(1, 16).repeat(2, 0), 4)
    with pytest.raises(ValueError, match="configs"):
        flow.lattice_observables(up, 4)


def test_reading_keeps_leading_axes_and_crosscheck_is_zero_on_the_curve():
    x = np.stack([ising.dataset(6, 1 / t, 200, seed=3, progress=False).reshape(200, 36)
                  for t in (1.5, 3.0)])
    r = flow.read_temperature(x[None].repeat(2, 0), 6)
    assert r.T.shape == (2, 2)
    curves = {"T": np.array([1.0, 5.0]), "abs_m": np.array([0.5, 0.5]),
              "binder": np.array([0.1, 0.1])}
    diff = flow.crosscheck(r, curves)
    np.testing.assert_allclose(diff["abs_m"], r.abs_m - 0.5)


def test_the_ends_of_the_range_read_zero_and_infinite_temperature():
    K = flow.coupling_of_energy(10, np.array([-2.0, -1.2, 0.0, 1e-9]))
    assert K[0] == np.inf and K[2] == 0.0 and K[3] == 0.0
    assert K[1] == pytest.approx(ising.coupling_from_energy(10, -1.2), rel=1e-12)
    noise = np.where(np.random.default_rng(0).random((4000, 100)) < 0.5, -1, 1).astype(np.int8)
    r = flow.read_temperature(noise, 10)                 # T = inf, up to noise
    assert r.T > 20 or np.isinf(r.T)


# ------------------------------------------------------------ the 1D ring thermometer

@pytest.mark.parametrize("N", [4, 8, 16])
def test_ring_correlation_matches_the_transfer_matrix(N):
    for K in (0.2, 0.7, 1.4):
        assert flow.ring_correlation(N, K) == pytest.approx(chain.correlations(N, K)[1], abs=1e-12)
        assert flow.ring_coupling_from_correlation(N, flow.ring_correlation(N, K)) == \
            pytest.approx(K, rel=1e-9)
    with pytest.raises(ValueError, match="g"):
        flow.ring_coupling_from_correlation(N, -0.1)


# ------------------------------------------------------------ the neural thermometer

def test_neural_thermometer_tells_hot_from_cold():
    th = flow.train_neural_thermometer(6, [1.2, 5.0], 200, epochs=30, lr=1e-2, seed=0)
    assert th.accuracy > 0.9
    cold = ising.dataset(6, 1 / 1.2, 50, seed=9, progress=False).reshape(50, 36)
    hot = ising.dataset(6, 1 / 5.0, 50, seed=9, progress=False).reshape(50, 36)
    assert th.read(cold) < 2.0 < 4.0 < th.read(hot)
    assert th.predict(np.stack([cold, hot])).shape == (2, 50)
    with pytest.raises(ValueError, match="temperatures"):
        flow.train_neural_thermometer(6, [1.0], 50, seed=0)


# ------------------------------------------------------------ bad input (issue #13)

@pytest.mark.parametrize("bad", [np.full((2, 3, 16), 1.7), np.full((2, 3, 16), 255, np.uint8),
                                 np.full((2, 3, 16), np.nan), np.zeros((2, 3, 16)),
                                 np.ones((2, 0, 16))])
def test_non_spin_configurations_are_refused_before_any_cast(bad):
    with pytest.raises(ValueError, match="configs"):
        flow.read_temperature(bad, 4)
    with pytest.raises(ValueError, match="configs"):
        flow.lattice_observables(bad, 4)


def test_thermometer_functions_name_their_bad_arguments():
    s = np.ones((2, 3, 16))
    with pytest.raises(ValueError, match="L"):
        flow.read_temperature(s, 2**40)
    with pytest.raises(TypeError, match="configs"):
        flow.lattice_observables(object(), 4)
    with pytest.raises(TypeError, match="L"):
        flow.coupling_of_energy(None, -1.0)          # was named "m"
    with pytest.raises(ValueError, match="u"):
        flow.coupling_of_energy(4, np.nan)
    for bad, err in [(None, TypeError), ([], ValueError), ([np.nan, 2.0], ValueError)]:
        with pytest.raises(err, match="temperatures"):
            flow.equilibrium_curves(4, bad, 10)
    reading = flow.read_temperature(s, 4)
    with pytest.raises(TypeError, match="reading"):
        flow.crosscheck(None, {})                     # was an AttributeError
    for bad, err in [(None, TypeError), ({"T": [1.0]}, ValueError),
                     ({"T": [2.0, 1.0], "abs_m": [0, 0], "binder": [0, 0]}, ValueError)]:
        with pytest.raises(err, match="curves"):
            flow.crosscheck(reading, bad)


@pytest.mark.parametrize("arg, bad, err", [
    ("temperatures", "bogus", TypeError), ("temperatures", [2.0], ValueError),
    ("n_per_T", 2**40, ValueError), ("hidden", -1, ValueError), ("hidden", 2.5, TypeError),
    ("hidden", 2**40, ValueError), ("epochs", 2**40, ValueError), ("lr", 1e300, ValueError),
    ("heldout", np.nan, ValueError), ("heldout", 1.0, ValueError), ("heldout", None, TypeError),
    ("L", 1, ValueError), ("seed", -1, ValueError),
])
def test_train_neural_thermometer_refuses_bad_arguments_up_front(arg, bad, err):
    kw = dict(L=4, temperatures=[1.5, 3.5], n_per_T=10, hidden=4, epochs=1, lr=1e-3,
              heldout=0.2, seed=0)
    with pytest.raises(err, match=arg):
        flow.train_neural_thermometer(**dict(kw, **{arg: bad}))


def test_neural_thermometer_refuses_nan_configurations():
    nn = flow.train_neural_thermometer(4, [1.5, 3.5], 10, hidden=4, epochs=1, seed=0)
    bad = np.ones((2, 16))
    bad[0, 0] = np.nan                                # was read as a temperature of NaN
    with pytest.raises(ValueError, match="configs"):
        nn.predict(bad)
    with pytest.raises(ValueError, match="configs"):
        nn.read(bad)


@pytest.mark.parametrize("N", [3, 5, 7])
@pytest.mark.parametrize("K", [-0.5, -2.0, -6.0])
def test_frustrated_odd_ring_matches_enumeration(N, K):
    s = spin_states(N).astype(np.float64)
    bonds = s * np.roll(s, 1, axis=1)
    E = bonds.sum(axis=1)
    w = np.exp(K * (E - E.max()))
    exact = float((bonds[:, 0] * w).sum() / w.sum())
    assert flow.ring_correlation(N, K) == pytest.approx(exact, rel=1e-9, abs=1e-12)


def test_ring_correlation_has_no_nan_at_strong_antiferromagnetic_coupling():
    # was NaN: t = tanh K rounds to -1 and the odd ring's formula becomes 0 / 0
    for K in (-19.0, -40.0, -1e300):
        assert flow.ring_correlation(7, K) == pytest.approx(-5 / 7, rel=1e-12)
        assert flow.ring_correlation(6, K) == pytest.approx(-1.0)
    for bad, err in [(np.nan, ValueError), (None, TypeError), (np.inf, ValueError)]:
        with pytest.raises(err, match="K"):
            flow.ring_correlation(6, bad)
    with pytest.raises(TypeError, match="g"):
        flow.ring_coupling_from_correlation(6, "bogus")
