"""Tests for rgdl.ising: exact oracles first, then samplers, observables, block spins, caching."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from rgdl import ising
from rgdl.ising.mc import Chains, cluster_labels, pack, unpack

KC = ising.critical_coupling()


# ---------------------------------------------------------------- exact results

def test_critical_coupling():
    assert math.sinh(2 * KC) == pytest.approx(1.0, abs=1e-15)
    assert KC == pytest.approx(0.4406867935097715, abs=1e-15)


@pytest.mark.parametrize("m,n", [(2, 2), (2, 3), (3, 3), (3, 4), (4, 4), (3, 5), (4, 5), (2, 7)])
@pytest.mark.parametrize("K", [0.05, 0.3, KC, 0.5, 1.3])
def test_ferdinand_fisher_matches_enumeration(m, n, K):
    logz, e, c = ising.enumerate_thermo(m, n, K)
    assert ising.log_partition(m, n, K) == pytest.approx(logz, abs=1e-9)
    assert ising.exact_energy(m, n, K) == pytest.approx(e, abs=1e-9)
    assert ising.exact_specific_heat(m, n, K) == pytest.approx(c, abs=1e-9)


def test_exact_is_symmetric_and_vectorised():
    Ks = np.array([0.2, 0.4, KC, 0.47])
    np.testing.assert_allclose(ising.log_partition(5, 8, Ks), ising.log_partition(8, 5, Ks), rtol=1e-12)
    one = [ising.exact_specific_heat(6, 6, k) for k in Ks]
    np.testing.assert_allclose(ising.exact_specific_heat(6, 6, Ks), one, rtol=1e-12)


def test_reference_value_and_thermodynamic_limit():
    # issue 3: <E>/N = -1.4298 at K_c on the 40 x 40 torus
    assert ising.exact_energy(40, 40, KC) == pytest.approx(-1.4298, abs=5e-5)
    assert ising.onsager_energy(KC) == pytest.approx(-math.sqrt(2), abs=1e-12)
    for K in (0.3, 0.6):  # away from K_c a 200 x 200 torus is the infinite lattice to 1e-9
        assert ising.exact_energy(200, 200, K) == pytest.approx(ising.onsager_energy(K), abs=1e-9)
    # a large lattice does not overflow
    assert np.isfinite(ising.log_partition(300, 300, 0.05))


def test_spontaneous_magnetization():
    assert ising.spontaneous_magnetization(0.3) == 0.0
    assert ising.spontaneous_magnetization(KC) == 0.0
    K = 0.5
    assert ising.spontaneous_magnetization(K) == pytest.approx((1 - math.sinh(2 * K) ** -4) ** 0.125)
    assert ising.spontaneous_magnetization(5.0) == pytest.approx(1.0, abs=1e-12)
    m = ising.spontaneous_magnetization(np.linspace(0.45, 1.0, 20))
    assert np.all(np.diff(m) > 0)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_exact_bad_coupling(bad):
    with pytest.raises(ValueError, match="K"):
        ising.log_partition(4, 4, bad)
    with pytest.raises(ValueError, match="K"):
        ising.onsager_energy(bad)


def test_exact_bad_size():
    with pytest.raises(ValueError, match="m"):
        ising.log_partition(1, 4, 0.3)


# ---------------------------------------------------------------- samplers

def test_pack_roundtrip():
    x = (np.random.default_rng(0).integers(0, 2, (3, 6, 6)) * 2 - 1).astype(np.int8)
    np.testing.assert_array_equal(unpack(*pack(x)), x)


def test_packed_energy_matches_observable():
    x = (np.random.default_rng(1).integers(0, 2, (5, 8, 8)) * 2 - 1).astype(np.int8)
    m, e = Chains(8, 0.3, 5, "metropolis", seed=0, start=x).measure()
    np.testing.assert_allclose(e, ising.energy(x))
    np.testing.assert_allclose(m, ising.magnetization(x))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 7), st.integers(2, 7), st.floats(0.0, 1.0))
def test_cluster_labels_match_explicit_bond_graph(seed, rows, cols, density):
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    gen = np.random.default_rng(seed)
    right = gen.random((3, rows, cols)) < density
    down = gen.random((3, rows, cols)) < density
    labels, bound = cluster_labels(right, down)
    assert labels.shape == (3, rows, cols) and labels.max() < bound
    # reference: the periodic bond graph written out edge by edge
    idx = np.arange(3 * rows * cols).reshape(3, rows, cols)
    a = np.concatenate([idx[right], idx[down]])
    b = np.concatenate([np.roll(idx, -1, 2)[right], np.roll(idx, -1, 1)[down]])
    graph = coo_matrix((np.ones(a.size), (a, b)), shape=(idx.size, idx.size))
    _, ref = connected_components(graph, directed=False)
    pairs = np.unique(np.stack([labels.ravel(), ref]), axis=1)
    # same partition: the label pairs are a bijection
    assert pairs.shape[1] == np.unique(ref).size == np.unique(labels).size


def _iid_states(L, K, method, n, seed):
    # one sample per chain after a burn-in of 30 steps: independent draws
    return ising.sample(L, K, n, method=method, burn_in=30, thin=1, chains=n, seed=seed,
                        progress=False)


def _chi_square_p(observed_codes, expected_prob):
    counts = np.bincount(observed_codes, minlength=expected_prob.size)
    expected = expected_prob * counts.sum()
    big = expected >= 5
    obs = np.append(counts[big], counts[~big].sum())
    exp = np.append(expected[big], expected[~big].sum())
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    return sps.chisquare(obs, exp).pvalue


@pytest.mark.parametrize("method", ising.METHODS)
def test_detailed_balance_3x3_state_histogram(method):
    """Histogram of all 512 states of the 3 x 3 torus vs exact Boltzmann weights."""
    K, n = 0.3, 30000
    x = _iid_states(3, K, method, n, seed=11)
    codes = ((x.reshape(n, 9) > 0) * (1 << np.arange(9))).sum(axis=1)
    states = ((np.arange(512)[:, None] >> np.arange(9)) & 1) * 2 - 1
    states = states.reshape(512, 3, 3).astype(np.int8)
    w = np.exp(-K * 9 * ising.energy(states))
    # a correct sampler fails this at the 1e-4 level; a wrong one gives p ~ 0
    assert _chi_square_p(codes, w / w.sum()) > 1e-4


@pytest.mark.parametrize("method", ising.METHODS)
def test_detailed_balance_4x4_energy_magnetization(method):
    """Checkerboard path (even L): joint (E, M) histogram on 4 x 4 vs enumeration."""
    K, n = KC, 30000
    x = _iid_states(4, K, method, n, seed=5)
    codes = np.arange(1 << 16)
    states = (((codes[:, None] >> np.arange(16)) & 1) * 2 - 1).reshape(-1, 4, 4).astype(np.int8)
    e_all = np.rint(16 * ising.energy(states)).astype(int)
    m_all = np.rint(16 * ising.magnetization(states)).astype(int)
    key = lambda e, m: (e + 32) * 64 + (m + 16)  # noqa: E731
    prob = np.bincount(key(e_all, m_all), weights=np.exp(-K * e_all), minlength=64 * 64)
    e_s = np.rint(16 * ising.energy(x)).astype(int)
    m_s = np.rint(16 * ising.magnetization(x)).astype(int)
    assert _chi_square_p(key(e_s, m_s), prob / prob.sum()) > 1e-4


@pytest.mark.parametrize("method", ising.METHODS)
def test_ergodic_on_2x2_torus(method):
    """The smallest allowed lattice (doubled bonds): all 16 states at their Boltzmann weights.

    Sequential runs of a few chains, so a sampler trapped in a deterministic cycle fails.
    """
    K, n = 0.3, 8000
    x = ising.sample(2, K, n, method=method, chains=4, seed=2, progress=False)
    codes = ((x.reshape(n, 4) > 0) * (1 << np.arange(4))).sum(axis=1)
    states = (((np.arange(16)[:, None] >> np.arange(4)) & 1) * 2 - 1).reshape(16, 2, 2).astype(np.int8)
    w = np.exp(-K * 4 * ising.energy(states))
    assert _chi_square_p(codes, w / w.sum()) > 1e-4


@pytest.mark.parametrize("method", ["metropolis", "swendsen_wang"])
def test_energy_and_specific_heat_against_exact(method):
    L, K = 8, 0.42
    x, info = ising.sample(L, K, 4000, method=method, seed=3, progress=False, return_info=True)
    est = ising.estimate(x, K, chains=info["chains"])
    for name, exact in (("energy", ising.exact_energy(L, L, K)),
                        ("specific_heat", ising.exact_specific_heat(L, L, K))):
        value, err = est[name]
        assert abs(value - exact) < 4 * err, (name, value, exact, err)  # 4 sigma


def test_sample_shape_reproducible_and_measured_thinning():
    a, info = ising.sample(6, 0.4, 50, method="heatbath", seed=7, progress=False, return_info=True)
    b = ising.sample(6, 0.4, 50, method="heatbath", seed=7, progress=False)
    c = ising.sample(6, 0.4, 50, method="heatbath", seed=8, progress=False)
    assert a.shape == (50, 6, 6) and a.dtype == np.int8
    assert set(np.unique(a)) <= {-1, 1}
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # thinning derived from the measured tau_int, burn-in >= 40 tau_int
    assert info["thin"] == max(1, math.ceil(2 * info["tau_int_steps"]))
    assert info["burn_in"] >= 40 * info["tau_int_steps"]


def test_auto_method_and_ordered_phase():
    assert ising.resolve_method("auto", KC) == "swendsen_wang"
    assert ising.resolve_method("auto", 0.2) == "metropolis"
    x = ising.sample(16, 0.7, 64, seed=1, progress=False)
    assert np.all(np.abs(ising.magnetization(x)) > 0.9)


def test_wolff_sweep_equivalents():
    r = ising.autocorrelation_times(8, KC, "wolff", 200, chains=8, seed=0, progress=False)
    assert 0 < r["sweeps_per_step"] < 1
    assert r["tau_abs_m"] == pytest.approx(r["tau_abs_m_steps"] * r["sweeps_per_step"])


@pytest.mark.parametrize("kwargs,name", [
    (dict(L=1), "L"), (dict(L=2.5), "L"), (dict(K=0.0), "K"), (dict(K=-0.1), "K"),
    (dict(K=float("nan")), "K"), (dict(K=float("inf")), "K"), (dict(n_samples=0), "n_samples"),
    (dict(method="gibbs"), "method"), (dict(thin=0), "thin"), (dict(chains=0), "chains"),
])
def test_sample_bad_input(kwargs, name):
    args = dict(L=4, K=0.3, n_samples=4, progress=False) | kwargs
    with pytest.raises((ValueError, TypeError), match=name):
        ising.sample(**args)


# ---------------------------------------------------------------- observables

def test_observables_on_known_states():
    up = np.ones((2, 6, 6), dtype=np.int8)
    chess = np.where(np.add.outer(np.arange(6), np.arange(6)) % 2 == 0, 1, -1).astype(np.int8)
    np.testing.assert_allclose(ising.energy(up), -2.0)
    assert ising.energy(chess) == pytest.approx(2.0)
    np.testing.assert_allclose(ising.nn_correlation(up), 1.0)
    np.testing.assert_allclose(ising.magnetization(-up), -1.0)
    assert ising.binder_cumulant(np.concatenate([up, -up])) == pytest.approx(2 / 3)
    assert ising.susceptibility(np.concatenate([up, -up])) == 0.0
    np.testing.assert_allclose(ising.correlation_function(up), 1.0)
    g = ising.correlation_function(chess)
    np.testing.assert_allclose(g, [(-1) ** r for r in range(4)])


def test_correlation_function_nn_matches_nn_correlation():
    x = ising.sample(8, 0.4, 64, seed=2, progress=False)
    g = ising.correlation_function(x)
    assert g[0] == pytest.approx(1.0)
    assert g[1] == pytest.approx(ising.nn_correlation(x).mean())


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 7), st.integers(0, 6), st.integers(0, 6))
def test_observable_symmetries(seed, L, dx, dy):
    x = (np.random.default_rng(seed).integers(0, 2, (3, L, L)) * 2 - 1).astype(np.int8)
    shifted = np.roll(x, (dx, dy), axis=(1, 2))
    np.testing.assert_allclose(ising.energy(-x), ising.energy(x))
    np.testing.assert_allclose(ising.energy(shifted), ising.energy(x))
    np.testing.assert_allclose(ising.energy(x.transpose(0, 2, 1)), ising.energy(x))
    np.testing.assert_allclose(ising.nn_correlation(x), -ising.energy(x) / 2)
    np.testing.assert_allclose(ising.magnetization(-x), -ising.magnetization(x))


def test_observables_bad_input():
    with pytest.raises(ValueError, match="configs"):
        ising.energy(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="configs"):
        ising.magnetization(np.ones((4,)))


def test_estimate_iid_and_effective_sample_size():
    x = _iid_states(4, 0.3, "metropolis", 4000, seed=1)
    ess = ising.effective_sample_size(x, chains=40)
    assert 0.7 * 4000 < ess["n_eff"] <= 4000   # independent draws: tau_int ~ 1/2
    with pytest.raises(ValueError, match="samples per chain"):
        ising.effective_sample_size(x[:10], chains=4)


def test_fit_and_crossing_helpers():
    Ls = np.array([8, 16, 32, 64])
    fit = ising.fit_dynamic_exponent(Ls, 0.3 * Ls**2.17)
    assert fit["z"] == pytest.approx(2.17) and fit["A"] == pytest.approx(0.3)
    x = np.linspace(0.4, 0.5, 7)
    assert ising.crossing(x, 2 * (x - 0.43), -(x - 0.43)) == pytest.approx(0.43)


# ---------------------------------------------------------------- block spins

@pytest.mark.parametrize("rule", ["majority", "decimation"])
@pytest.mark.parametrize("b", [2, 3, 4])
def test_block_spin_all_up_stays_up(rule, b):
    up = np.ones((2, 12, 12), dtype=np.int8)
    out = ising.block_spin(up, b=b, rule=rule, seed=0)
    assert out.shape == (2, 12 // b, 12 // b) and out.dtype == np.int8
    assert np.all(out == 1)
    assert np.all(ising.block_spin(-up, b=b, rule=rule, seed=0) == -1)


def test_block_spin_ties_reproducible_by_seed():
    # every 2 x 2 block tied: the result is pure coin flips
    tie = np.tile(np.array([[1, -1], [-1, 1]], dtype=np.int8), (4, 8, 8))
    a = ising.block_spin(tie, 2, seed=42)
    b = ising.block_spin(tie, 2, seed=42)
    c = ising.block_spin(tie, 2, seed=43)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert abs(a.mean()) < 0.2  # 256 fair coins: |mean| < 0.2 is a 3.2 sigma bound


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_block_spin_majority_and_decimation_definitions(seed):
    x = (np.random.default_rng(seed).integers(0, 2, (2, 9, 9)) * 2 - 1).astype(np.int8)
    maj = ising.block_spin(x, 3)
    sums = x.reshape(2, 3, 3, 3, 3).sum(axis=(2, 4))
    np.testing.assert_array_equal(maj, np.sign(sums))
    np.testing.assert_array_equal(ising.block_spin(-x, 3), -maj)  # odd b: no ties, odd symmetry
    np.testing.assert_array_equal(ising.block_spin(x, 3, rule="decimation"), x[:, ::3, ::3])
    np.testing.assert_array_equal(ising.block_spin(x[0], 3), maj[0])


def test_block_spin_bad_input():
    x = np.ones((1, 8, 8), dtype=np.int8)
    with pytest.raises(ValueError, match="b must divide"):
        ising.block_spin(x, 3)
    with pytest.raises(ValueError, match="rule"):
        ising.block_spin(x, 2, rule="average")
    with pytest.raises(ValueError, match="b"):
        ising.block_spin(x, 0)


# ---------------------------------------------------------------- cached data sets

def test_dataset_cache_roundtrip_and_corruption(tmp_path, monkeypatch):
    args = dict(L=8, K=0.35, n=64, seed=4, cache_dir=tmp_path, progress=False)
    first = ising.dataset(**args)
    path = ising.dataset_path(8, 0.35, 64, 4, cache_dir=tmp_path)
    assert path.is_file() and path.with_suffix(".json").is_file()
    assert json.loads(path.with_suffix(".json").read_text())["params"]["version"] == ising.CODE_VERSION

    calls = []
    real_sample = ising.sample

    def counting_sample(*a, **k):
        calls.append(1)
        return real_sample(*a, **k)

    monkeypatch.setattr(ising.datasets, "sample", counting_sample)
    np.testing.assert_array_equal(ising.dataset(**args), first)
    assert calls == []  # served from the cache

    # flip one byte in the data: detected by the checksum, regenerated identically
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.warns(RuntimeWarning, match="corrupt"):
        again = ising.dataset(**args)
    np.testing.assert_array_equal(again, first)
    assert len(calls) == 1

    # a truncated (partial) file, then a missing sidecar
    path.write_bytes(path.read_bytes()[:100])
    with pytest.warns(RuntimeWarning, match="corrupt"):
        np.testing.assert_array_equal(ising.dataset(**args), first)
    path.with_suffix(".json").unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(ising.dataset(**args), first)
    assert len(calls) == 3

    # other parameters, other file; no leftover temporary files
    assert ising.dataset_path(8, 0.35, 64, 5, cache_dir=tmp_path) != path
    assert not list(tmp_path.glob(".*.tmp"))


def test_dataset_bad_input(tmp_path):
    with pytest.raises(ValueError, match="n"):
        ising.dataset(8, 0.3, 0, cache_dir=tmp_path)
    with pytest.raises(ValueError, match="K"):
        ising.dataset(8, -0.3, 4, cache_dir=tmp_path)
    with pytest.raises(ValueError, match="method"):
        ising.dataset(8, 0.3, 4, method="exact", cache_dir=tmp_path)


def test_exact_correlation_length_values_and_duality():
    # Onsager: 1/xi = ln coth K - 2K above T_c; the values issue #15 quotes
    got = [ising.correlation_length(k) for k in (0.30, 0.35, 0.38, 0.408, 0.42)]
    np.testing.assert_allclose(got, [1.579, 2.567, 3.935, 7.467, 11.906], atol=2e-3)
    assert ising.correlation_length(ising.critical_coupling()) == np.inf
    # below T_c the length is half that at the dual coupling
    k = 0.6
    dual = -0.5 * np.log(np.tanh(k))
    assert ising.correlation_length(k) == pytest.approx(0.5 * ising.correlation_length(dual))


# ---------------------------------------------------------------- issue #13: nothing silent,
# nothing hangs, no stale cache

def _fast(fn, *args, limit=2.0, **kwargs):
    """Call ``fn`` and return what it raised; fail if it takes longer than ``limit`` s."""
    import time

    t0 = time.perf_counter()
    try:
        fn(*args, **kwargs)
    except (ValueError, TypeError) as err:
        assert time.perf_counter() - t0 < limit, f"refused only after {time.perf_counter() - t0} s"
        return err
    raise AssertionError(f"{fn.__name__} accepted {args} {kwargs}")


@pytest.mark.parametrize("err1,err2,name", [
    ([0, 1, 1, 1, 1], None, "err1"), (None, [1, 1, np.inf, 1, 1], "err2"),
    ([1, 1, np.nan, 1, 1], None, "err1"), ([-1, 1, 1, 1, 1], None, "err1"),
    ([1, 1, 1], None, "err1"),
])
def test_crossing_refuses_bad_errors_at_once(err1, err2, name):
    # issue #13: err1 = [0, 1, 1, 1, 1] made a weight of inf and LAPACK spun for minutes
    x = np.linspace(0.0, 1.0, 5)
    err = _fast(ising.crossing, x, x, 1 - x, err1=err1, err2=err2)
    assert name in str(err)


def test_crossing_refuses_bad_curves_and_reports_no_crossing():
    x = np.linspace(0.0, 1.0, 5)
    assert ising.crossing(x, x, 1 - x) == pytest.approx(0.5)
    for kwargs, name in [(dict(x=np.r_[np.nan, x[1:]]), "x"), (dict(y1=x[:3]), "y1"),
                         (dict(y2="bogus"), "y2"), (dict(degree=0), "degree"),
                         (dict(degree=2.0), "degree"), (dict(x=np.full(5, 0.3)), "x")]:
        args = dict(x=x, y1=x, y2=1 - x) | kwargs
        assert name in str(_fast(ising.crossing, **args))
    with pytest.raises(ValueError, match="do not cross"):
        ising.crossing(x, x, 2 + x)


@pytest.mark.parametrize("call,name", [
    (lambda: ising.exact_thermo(4, 2**40, 0.4), "n"),
    (lambda: ising.exact_thermo(2**40, 4, 0.4), "m"),
    (lambda: ising.log_partition(4, 4, 1e300), "K"),
    (lambda: ising.exact_energy(4, 4, "bogus"), "K"),
    (lambda: ising.enumerate_thermo(3, 3, 1e300), "K"),
    (lambda: ising.coupling_from_energy(2**40, -1.0), "L"),
    (lambda: ising.coupling_from_energy(4, -1.0, max_iter=2**40), "max_iter"),
    (lambda: ising.coupling_from_energy(4, -1.0, tol=float("nan")), "tol"),
    (lambda: ising.specific_heat_peak(2**40), "L"),
    (lambda: ising.sample(2**40, 0.4, 4, progress=False), "L"),
    (lambda: ising.sample(8, 0.4, 2**40, progress=False), "n_samples"),
    (lambda: ising.sample(8, 0.4, 4, chains=2**40, progress=False), "chains"),
    (lambda: ising.sample(8, 0.4, 4, burn_in=2**40, thin=1, progress=False), "burn_in"),
    (lambda: ising.sample(8, 0.4, 4, burn_in=1, thin=2**40, progress=False), "thin"),
    (lambda: ising.sample(8, 1e300, 4, progress=False), "K"),
    (lambda: ising.autocorrelation_times(8, 0.4, "wolff", 2**40, progress=False), "n_steps"),
    (lambda: ising.autocorrelation_times(8, 0.4, "wolff", 16, burn_in=2**40,
                                         progress=False), "burn_in"),
    (lambda: ising.dataset(8, 0.4, 2**40, progress=False), "n"),
    (lambda: Chains(8, 0.4, 2, "metropolis", seed=0).run(2**40), "n_steps"),
    (lambda: Chains(8, 0.4, 2**40, "metropolis", seed=0), "chains"),
    (lambda: ising.estimate(np.ones((64, 4, 4)), 0.4, chains=2**40), "chains"),
    (lambda: ising.block_flow(np.ones((2, 8, 8)), steps=2**40), "steps"),
    (lambda: ising.block_flow_scan(8, [0.4], 8, steps=2**40), "steps"),
])
def test_huge_sizes_refused_up_front(call, name):
    # issue #13: exact_thermo(n=2**40) and friends started working instead of refusing
    assert name in str(_fast(call))


@pytest.mark.parametrize("bad", [np.full((4, 4), 1.7), np.full((4, 4), 255),
                                 np.full((4, 4), 257), np.full((4, 4), -1.5),
                                 np.full((4, 4), True), np.full((4, 4), "1")])
@pytest.mark.parametrize("fn", [ising.magnetization, ising.energy, ising.block_spin])
def test_observables_check_values_before_casting(fn, bad):
    # issue #13: magnetization(np.full((4, 4), 1.7)) was 1.0, 255 became -1, block_spin took 257
    with pytest.raises((ValueError, TypeError), match="configs"):
        fn(bad)


def test_observables_accept_exact_spins_of_any_dtype():
    x = (np.random.default_rng(0).integers(0, 2, (3, 4, 4)) * 2 - 1).astype(np.int8)
    for cast in (np.float64, np.int64, np.float32):
        np.testing.assert_array_equal(ising.magnetization(x.astype(cast)), ising.magnetization(x))
        np.testing.assert_array_equal(ising.block_spin(x.astype(cast), seed=0),
                                      ising.block_spin(x, seed=0))


def test_chains_validates_at_construction():
    # issue #13: Chains(4, .4, 2, 'bogus').run(2) returned None
    with pytest.raises(ValueError, match="method"):
        Chains(4, 0.4, 2, "bogus")
    for kwargs, name in [(dict(L=1), "L"), (dict(K=-0.4), "K"), (dict(chains=0), "chains"),
                         (dict(start="warm"), "start"), (dict(start=np.ones((2, 3, 3))), "start"),
                         (dict(start=np.full((2, 4, 4), 2)), "start"), (dict(seed=-1), "seed")]:
        args = dict(L=4, K=0.4, chains=2, method="metropolis") | kwargs
        with pytest.raises((ValueError, TypeError), match=name):
            Chains(**args)
    ch = Chains(4, 0.4, 2, "metropolis", seed=0, start=np.ones((2, 4, 4)))
    np.testing.assert_array_equal(ch.configs(), np.ones((2, 4, 4)))
    with pytest.raises(TypeError, match="bar"):
        ch.run(2, bar="bogus")
    with pytest.raises(TypeError, match="n_steps"):
        ch.run(2.0)


def test_sample_info_has_no_nan_when_tau_is_not_measured():
    _, info = ising.sample(4, 0.4, 8, burn_in=4, thin=1, chains=2, seed=0, progress=False,
                           return_info=True)
    assert info["tau_int_steps"] is None
    _, info = ising.sample(4, 0.4, 8, seed=0, progress=False, return_info=True)
    assert info["tau_int_steps"] > 0


def _rewrite_sidecar(meta_path, change):
    """Change the sidecar and re-hash it: a consistent-looking sidecar that lies."""
    from rgdl.ising.datasets import _meta_digest

    meta = json.loads(meta_path.read_text())
    change(meta)
    meta["meta_sha256"] = _meta_digest(meta)
    meta_path.write_text(json.dumps(meta))


def _rewrite_data(path, arr):
    """Replace the data file and put its hash in the sidecar (consistent, but wrong data)."""
    from rgdl.core import io

    np.save(path, arr, allow_pickle=arr.dtype == object)
    _rewrite_sidecar(path.with_suffix(".json"),
                     lambda m: m.update(sha256=io.sha256_file(path)))


_CORRUPTIONS = {
    "data truncated": lambda p, s, d: d(p, "truncate"),
    "data empty": lambda p, s, d: d(p, "empty"),
    "data garbage": lambda p, s, d: d(p, "garbage"),
    "data one flipped byte": lambda p, s, d: d(p, "flip"),
    "sidecar truncated": lambda p, s, d: d(s, "truncate"),
    "sidecar empty": lambda p, s, d: d(s, "empty"),
    "sidecar garbage": lambda p, s, d: d(s, "garbage"),
    "sidecar one flipped byte": lambda p, s, d: d(s, "flip"),
    # the corruption the 13-of-14 probe missed: one bit of the sampler info ('1' -> '3')
    "sidecar info flipped bit": lambda p, s, d: s.write_text(
        s.read_text().replace('"chains": 1', '"chains": 3')),
    "sidecar not an object": lambda p, s, d: s.write_text("[]"),
    "sidecar other params": lambda p, s, d: _rewrite_sidecar(
        s, lambda m: m["params"].update(seed=5)),
    "sidecar without info": lambda p, s, d: _rewrite_sidecar(s, lambda m: m.pop("info")),
    "wrong dtype": lambda p, s, d: _rewrite_data(p, np.load(p).astype(np.int16)),
    "wrong shape": lambda p, s, d: _rewrite_data(p, np.load(p)[:-1]),
    "values other than +/-1": lambda p, s, d: _rewrite_data(p, np.zeros_like(np.load(p))),
    "pickled object array": lambda p, s, d: _rewrite_data(p, np.array([{}], dtype=object)),
}


@pytest.mark.parametrize("how", list(_CORRUPTIONS))
def test_dataset_cache_detects_every_corruption(tmp_path, monkeypatch, damage, how):
    args = dict(L=4, K=0.35, n=16, seed=4, cache_dir=tmp_path, progress=False, return_info=True)
    first, info = ising.dataset(**args)
    path = ising.dataset_path(4, 0.35, 16, 4, cache_dir=tmp_path)
    sidecar = path.with_suffix(".json")
    assert info["chains"] == 1 and '"chains": 1' in sidecar.read_text()
    _CORRUPTIONS[how](path, sidecar, damage)
    calls = []
    real_sample = ising.datasets.sample
    monkeypatch.setattr(ising.datasets, "sample",
                        lambda *a, **k: calls.append(1) or real_sample(*a, **k))
    with pytest.warns(RuntimeWarning, match="corrupt Ising cache"):
        again, info_again = ising.dataset(**args)
    assert calls == [1]                      # regenerated, never loaded
    np.testing.assert_array_equal(again, first)
    assert info_again == info
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # and the regenerated files check out
        np.testing.assert_array_equal(ising.dataset(**args)[0], first)
    assert calls == [1]


def test_dataset_missing_files_and_old_sidecars_regenerate_quietly(tmp_path, damage):
    args = dict(L=4, K=0.35, n=16, seed=4, cache_dir=tmp_path, progress=False)
    first = ising.dataset(**args)
    path = ising.dataset_path(4, 0.35, 16, 4, cache_dir=tmp_path)
    sidecar = path.with_suffix(".json")
    meta = json.loads(sidecar.read_text())
    old = {k: meta[k] for k in ("params", "sha256", "shape", "info")}   # format 1
    for breakage in (lambda: sidecar.unlink(), lambda: path.unlink(),
                     lambda: sidecar.write_text(json.dumps(old))):
        breakage()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            np.testing.assert_array_equal(ising.dataset(**args), first)
        assert "meta_sha256" in json.loads(sidecar.read_text())


def test_dataset_without_cache_writes_nothing(tmp_path):
    folder = tmp_path / "cache"
    x = ising.dataset(4, 0.35, 16, seed=4, cache=False, cache_dir=folder, progress=False)
    assert x.shape == (16, 4, 4) and not folder.exists()
    np.testing.assert_array_equal(
        x, ising.dataset(4, 0.35, 16, seed=4, cache_dir=folder, progress=False))
    assert len(list(folder.iterdir())) == 2


def test_dataset_refuses_bad_cache_dir_and_seed(tmp_path):
    for kwargs, name in [(dict(cache_dir=3), "cache_dir"), (dict(cache_dir=""), "cache_dir"),
                         (dict(seed=1.5), "seed"), (dict(seed=-1), "seed"), (dict(n=2.0), "n")]:
        args = dict(L=4, K=0.35, n=16, cache_dir=tmp_path) | kwargs
        for fn in (ising.dataset, ising.dataset_path):
            with pytest.raises((ValueError, TypeError), match=name):
                fn(**args)


@pytest.mark.parametrize("m,n", [(5, 5), (6, 7), (16, 9), (40, 40)])
def test_high_temperature_series_meets_the_closed_form(m, n):
    # where both are good (K near the switch) they agree; the closed form's error there is
    # about 1e-16 / K^2 relative (~1e-9 for d ln Z / dK), the series' about K^3
    from rgdl.ising import exact as ex
    K = np.array([3e-4, 5e-4, 6e-4, 8e-4])
    for closed, series in zip(ex._closed_form(m, n, K), ex._high_temperature(m * n, K)):
        np.testing.assert_allclose(series, closed, rtol=5e-6)
    for closed, series in zip(ex._closed_form(m, n, K)[:2], ex._high_temperature(m * n, K)[:2]):
        np.testing.assert_allclose(series, closed, rtol=3e-9)


@pytest.mark.parametrize("K", [1e-5, 1e-8, 1e-12, 1e-100])
def test_tiny_couplings_give_the_high_temperature_limit(K):
    # u = -2 <s s>_nn with <s s>_nn = t + 2 t^3 + O(t^5) on the square lattice, t = tanh K
    u = ising.exact_energy(40, 40, K)
    t = np.tanh(K)
    assert np.isfinite(u) and u == pytest.approx(-2 * t - 4 * t**3, rel=1e-14)
    assert ising.exact_specific_heat(40, 40, K) == pytest.approx(2 * K * K, rel=1e-8)
    expected = 1600 * (np.log(2) + 2 * np.log(np.cosh(K)))
    assert ising.log_partition(40, 40, K) == pytest.approx(expected, rel=1e-14)
