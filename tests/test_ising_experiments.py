"""Tests for rgdl.ising.experiments: the chapter-4 experiments on small lattices.

Exact constructions first (hand-built results with known crossings, ratios and
jackknife errors), then small runs whose statistics are checked with stated tolerances.
"""

from __future__ import annotations

import numpy as np
import pytest

from rgdl import ising
from rgdl.ising import experiments as ex

KC = ising.critical_coupling()


# ---------------------------------------------------------------- exact vs sampled

def test_thermo_scan_small_grid_against_exact():
    scan = ising.thermo_scan([4, 6], [0.3, KC], 512, chains=32, n_blocks=16, seed=3)
    assert scan.energy.shape == scan.specific_heat.shape == scan.binder.shape == (2, 2, 2)
    np.testing.assert_allclose(scan.energy_exact[1], ising.exact_energy(6, 6, [0.3, KC]))
    np.testing.assert_allclose(scan.specific_heat_exact[0],
                               ising.exact_specific_heat(4, 4, [0.3, KC]))
    assert scan.methods == ["metropolis", "swendsen_wang"]
    # 8 z-scores of a correct sampler: each |z| < 5 fails with probability < 1e-5
    assert np.all(np.abs(scan.z_energy) < 5) and np.all(np.abs(scan.z_specific_heat) < 5)
    again = ising.thermo_scan([4, 6], [0.3, KC], 512, chains=32, n_blocks=16, seed=3)
    np.testing.assert_array_equal(again.energy, scan.energy)


def test_thermo_scan_bad_input():
    with pytest.raises(ValueError, match="sizes"):
        ising.thermo_scan("8", [0.3], 64)
    with pytest.raises(ValueError, match="couplings"):
        ising.thermo_scan([4], [], 64)
    with pytest.raises(ValueError, match="couplings"):
        ising.thermo_scan([4], [-0.3], 64)
    with pytest.raises(ValueError, match="couplings"):
        ising.thermo_scan([4], [float("nan")], 64)
    with pytest.raises(ValueError, match="n_samples"):
        ising.thermo_scan([4], [0.3], 40, n_blocks=32)
    with pytest.raises(TypeError, match="seed"):
        ising.thermo_scan([4], [0.3], 64, seed=1.5)


def _scan_with_binder(couplings, lines):
    """A ThermoScan whose Binder cumulants are the given straight lines a + b (K - K_c)."""
    K = np.asarray(couplings)
    binder = np.stack([np.stack([a + b * (K - KC), np.full(K.size, 0.01)], axis=1)
                       for a, b in lines])
    zeros = np.zeros((len(lines), K.size))
    return ex.ThermoScan(sizes=[8 * (i + 1) for i in range(len(lines))], couplings=K,
                         methods=["swendsen_wang"] * K.size, energy=binder, specific_heat=binder,
                         binder=binder, energy_exact=zeros, specific_heat_exact=zeros)


def test_binder_crossings_exact_lines():
    K = KC * np.array([0.8, 0.96, 0.98, 1.0, 1.02, 1.04, 1.2])
    scan = _scan_with_binder(K, [(0.6, 5.0), (0.6, 9.0), (0.6, 14.0)])
    res = ising.binder_crossings(scan)
    assert set(res.pairs) == {"8-16", "8-24", "16-24"}
    for v in res.pairs.values():
        assert v == pytest.approx(KC, abs=1e-9)
    assert res.K_star == pytest.approx(KC, abs=1e-9) and res.rel_error < 1e-8
    # lines crossing at 1.01 K_c
    shifted = _scan_with_binder(K, [(0.6 - 5.0 * 0.01 * KC, 5.0), (0.6 - 9.0 * 0.01 * KC, 9.0)])
    assert ising.binder_crossings(shifted).rel_error == pytest.approx(0.01, abs=1e-9)


def test_binder_crossings_bad_input():
    K = KC * np.array([0.96, 1.0, 1.04])
    with pytest.raises(TypeError, match="scan"):
        ising.binder_crossings({"binder": 1})
    with pytest.raises(ValueError, match="window"):
        ising.binder_crossings(_scan_with_binder(K, [(0.6, 1.0), (0.6, 2.0)]), window=(0.99, 1.01))
    two = _scan_with_binder(K, [(0.6, 1.0), (0.6, 2.0)])
    for bad in [(1.1, 0.9), (0.9,), "wide", (float("nan"), 1.1)]:
        with pytest.raises(ValueError, match="window"):
            ising.binder_crossings(two, window=bad)
    with pytest.raises(ValueError, match="degree"):
        ising.binder_crossings(two, degree=0)
    parallel = _scan_with_binder(K, [(0.6, 1.0), (0.5, 1.0)])
    with pytest.raises(ValueError, match="no pair"):
        ising.binder_crossings(parallel)


# ---------------------------------------------------------------- dynamic exponents

def test_autocorrelation_protocol():
    assert ex.autocorrelation_protocol(64, "metropolis") == (int(50 * 0.025 * 64 ** 2.17), 16)
    assert ex.autocorrelation_protocol(8, "heatbath") == (400, 1024)
    assert ex.autocorrelation_protocol(16, "wolff") == (400, 32)
    assert ex.autocorrelation_protocol(64, "swendsen_wang") == (400, 16)
    with pytest.raises(ValueError, match="method"):
        ex.autocorrelation_protocol(8, "glauber")


def test_dynamic_exponents_summary_is_mean_and_standard_error():
    res = ex.DynamicExponents(sizes=[8, 16], methods=["wolff"], seeds=[0, 1, 2], tau_abs_m={},
                              tau_energy={}, z_abs_m={"wolff": np.array([1.0, 2.0, 3.0])},
                              z_energy={"wolff": np.array([0.5])})
    assert res.z("wolff") == pytest.approx((2.0, 1.0 / np.sqrt(3.0)))
    mean, se = res.z("wolff", "energy")
    assert mean == 0.5 and np.isnan(se)
    with pytest.raises(ValueError, match="observable"):
        res.z("wolff", "chi")


def test_dynamic_exponents_small_run():
    res = ising.dynamic_exponents([4, 8], methods=("metropolis", "wolff"), seeds=(0, 1))
    for m in ("metropolis", "wolff"):
        assert res.tau_abs_m[m].shape == res.tau_energy[m].shape == (2, 2)
        assert np.all(res.tau_abs_m[m] > 0) and res.z_abs_m[m].shape == (2,)
        fit = ising.fit_dynamic_exponent([4, 8], res.tau_energy[m][1])
        assert res.z_energy[m][1] == pytest.approx(fit["z"])
    # local dynamics slows down from L = 4 to 8 far more than Wolff's (z about 2 vs about 0.3)
    assert res.z("metropolis")[0] > res.z("wolff", "energy")[0] + 0.8
    again = ising.dynamic_exponents([4, 8], methods=("wolff",), seeds=(1,))
    np.testing.assert_array_equal(again.tau_energy["wolff"][0], res.tau_energy["wolff"][1])


def test_dynamic_exponents_bad_input():
    with pytest.raises(ValueError, match="sizes"):
        ising.dynamic_exponents([8])
    with pytest.raises(ValueError, match="methods"):
        ising.dynamic_exponents([4, 8], methods=("exact",))
    with pytest.raises(ValueError, match="seeds"):
        ising.dynamic_exponents([4, 8], seeds=())


# ---------------------------------------------------------------- block spins

def test_binder_shifts_jackknife_matches_direct_formula():
    rng = np.random.default_rng(0)
    m0 = rng.normal(size=40)
    m1 = m0 + 0.3 * rng.normal(size=40)
    U, U_err, shift, err = ex._binder_shifts([m0, m0.copy(), m1], n_blocks=8)
    assert shift[0] == 0 and shift[1] == 0 and err[0] == 0 and err[1] == 0
    assert U[2] - U[0] == pytest.approx(shift[2], abs=1e-15)
    assert U[0] == pytest.approx(1 - np.mean(m0 ** 4) / (3 * np.mean(m0 ** 2) ** 2), rel=1e-12)
    block = np.arange(40) * 8 // 40
    loo1 = np.array([ex._binder(m1[block != b]) for b in range(8)])
    loo = loo1 - np.array([ex._binder(m0[block != b]) for b in range(8)])
    assert err[2] == pytest.approx(np.sqrt(7 / 8 * ((loo - loo.mean()) ** 2).sum()), rel=1e-12)
    assert U_err[2] == pytest.approx(np.sqrt(7 / 8 * ((loo1 - loo1.mean()) ** 2).sum()), rel=1e-12)
    assert ex.U_STAR == pytest.approx(0.61069, abs=1e-5)


def _flow_scan(nn, shift=None, err=None):
    nn = np.asarray(nn, dtype=float)
    shift = np.zeros_like(nn) if shift is None else np.asarray(shift, dtype=float)
    err = np.ones_like(nn) if err is None else np.asarray(err, dtype=float)
    return ex.BlockFlowScan(L=8, couplings=np.arange(nn.shape[1]) + 0.3, seeds=[0] * nn.shape[0],
                            nn=nn, abs_m=nn, binder=nn, binder_err=err, binder_shift=shift,
                            binder_shift_err=err, examples=[])


def test_block_flow_scan_ratios_and_shift_z():
    scan = _flow_scan([[[0.5, 0.4, 0.2], [0.7, 0.7, 0.7], [0.8, 0.9, 1.0]]])
    assert scan.spread_ratio(0, 2)[0] == pytest.approx((1.0 - 0.2) / (0.8 - 0.5))
    assert scan.decay_ratio(0)[0] == pytest.approx(0.4)
    shifted = _flow_scan(np.ones((2, 1, 3)), shift=[[[0, 0.1, -0.3]], [[0, 0, 0]]],
                         err=[[[0, 0.1, 0.1]], [[0, 0, 0]]])
    np.testing.assert_allclose(shifted.binder_shift_z(0), [3.0, 0.0])
    at_fixed_point = _flow_scan([[[0.6, 0.62, 0.5]], [[0.6, 0.6, 0.6]]],
                                err=[[[0.01, 0.01, 0.1]], [[0.0, 0.0, 0.0]]])
    np.testing.assert_allclose(at_fixed_point.binder_z(0, target=0.6), [2.0, 0.0])


def test_block_flow_scan_orders_the_phases():
    # the former chapter claim "block_flow_ordered", as a unit test: after two blockings
    # nn(0.8 K_c) < nn(K_c) < nn(1.2 K_c); the gaps are ~0.3 each, the errors ~0.02
    Ks = [0.8 * KC, KC, 1.2 * KC]
    scan = ising.block_flow_scan(32, Ks, 24, seeds=[5, 9], steps=2, n_blocks=8)
    assert scan.nn.shape == scan.binder.shape == (2, 3, 3)
    assert np.all(scan.nn[:, 0, -1] < scan.nn[:, 1, -1])
    assert np.all(scan.nn[:, 1, -1] < scan.nn[:, 2, -1])
    assert np.all(scan.decay_ratio(0) < 1) and np.all(scan.spread_ratio(0, 2) > 1)
    assert np.all(scan.binder_shift[:, :, 0] == 0)
    assert len(scan.examples) == 3 and scan.examples[0][2].shape == (8, 8)
    flow = ising.block_flow(ising.sample(32, Ks[1], 24, seed=10, progress=False), steps=2, seed=9)
    np.testing.assert_allclose(scan.nn[1, 1], flow.nn)


def test_block_flow_scan_bad_input():
    with pytest.raises(ValueError, match="block_seeds"):
        ising.block_flow_scan(16, [0.3], 16, seeds=[0, 1], block_seeds=[0])
    with pytest.raises(ValueError, match="n_blocks"):
        ising.block_flow_scan(16, [0.3], 8, n_blocks=16)
    with pytest.raises(ValueError, match="couplings"):
        ising.block_flow_scan(16, 0.3, 16)


# ---------------------------------------------------------------- data sets

def test_dataset_check_against_exact(tmp_path):
    res = ising.dataset_check(8, 0.3, 256, seeds=[0, 1], cache_dir=tmp_path)
    assert res.ess_fraction.shape == (2,) and np.all((res.ess_fraction > 0) & (res.ess_fraction <= 1))
    assert res.energy_exact == pytest.approx(ising.exact_energy(8, 8, 0.3))
    assert np.all(res.energy_z < 5)   # |z| < 5: fails with probability < 1e-5 per set
    first = ising.dataset(8, 0.3, 256, seed=0, cache_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(res.examples, first[:5])
    with pytest.raises(ValueError, match="n"):
        ising.dataset_check(8, 0.3, 32, cache_dir=tmp_path)
    with pytest.raises(ValueError, match="seeds"):
        ising.dataset_check(8, 0.3, 256, seeds=[], cache_dir=tmp_path)


# ---------------------------------------------------------------- issue #13: bad input is refused

def test_binder_crossings_keeps_a_pair_that_does_not_cross_as_nan():
    # crossing() now raises when two curves do not cross; the scan records that pair as nan
    K = KC * np.array([0.96, 1.0, 1.04])
    scan = _scan_with_binder(K, [(0.6, 1.0), (0.6, 2.0), (0.5, 2.0)])
    res = ising.binder_crossings(scan, degree=1)
    assert np.isnan(res.pairs["16-24"])
    assert res.K_star == pytest.approx(KC, abs=1e-9)
    with pytest.raises(ValueError, match="degree"):
        ising.binder_crossings(scan, degree=2**40)


def test_result_methods_check_their_arguments():
    scan = _flow_scan([[[0.5, 0.4, 0.2], [0.7, 0.7, 0.7], [0.8, 0.9, 1.0]]])
    assert scan.decay_ratio(-1)[0] == scan.decay_ratio(2)[0]
    for call, name in [(lambda: scan.decay_ratio(3), "k"), (lambda: scan.decay_ratio(1.0), "k"),
                       (lambda: scan.binder_shift_z("0"), "k"),
                       (lambda: scan.binder_z(0, target=float("nan")), "target"),
                       (lambda: scan.spread_ratio(0, 3), "high"),
                       (lambda: scan.spread_ratio(2, -1), "low")]:
        with pytest.raises((ValueError, TypeError), match=name):
            call()
    dyn = ex.DynamicExponents(sizes=[8, 16], methods=["wolff"], seeds=[0], tau_abs_m={},
                              tau_energy={}, z_abs_m={"wolff": np.array([0.3])},
                              z_energy={"wolff": np.array([0.3])})
    assert dyn.z("wolff")[0] == pytest.approx(0.3)
    with pytest.raises(ValueError, match="method"):
        dyn.z("metropolis")


@pytest.mark.parametrize("call,name", [
    (lambda: ex.dynamic_exponents([8, 16], methods=None), "methods"),
    (lambda: ex.dynamic_exponents([8, 2**40], methods=("wolff",)), "sizes"),
    (lambda: ex.dynamic_exponents([8, 16], methods=("wolff",), K=1e300), "K"),
    (lambda: ex.thermo_scan([4], [1e300], 64), "couplings"),
    (lambda: ex.thermo_scan([4], [0.3], 2**40), "n_samples"),
    (lambda: ex.thermo_scan([4], [0.3], 64, chains=2**40), "chains"),
    (lambda: ex.block_flow_scan(16, [0.3], 16, block_seeds=[1.5]), "block_seeds"),
    (lambda: ex.block_flow_scan(12, [0.3], 16, steps=3), "steps"),
    (lambda: ex.block_flow_scan(16, [0.3], 2**40), "n_samples"),
    (lambda: ex.dataset_check(8, 0.3, 2**40), "n"),
])
def test_experiments_refuse_bad_input_at_once(call, name):
    import time

    t0 = time.perf_counter()
    with pytest.raises((ValueError, TypeError), match=name):
        call()
    assert time.perf_counter() - t0 < 2.0
