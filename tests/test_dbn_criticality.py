"""Tests for rgdl.dbn.criticality: Binder cumulants of layers and block spins, sign fixing,
receptive-field centres, torus distances, binned correlations and the decay fit."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rgdl.dbn import criticality as cr
from rgdl.dbn.stack import DBN
from rgdl.ising.observables import binder_cumulant, block_spin
from rgdl.rbm.model import RBM


def _configs(n=400, L=6, seed=0):
    """+/-1 configurations with a random overall bias per configuration (so U is non-trivial)."""
    gen = np.random.default_rng(seed)
    u = gen.normal(size=(n, 1, 1))
    return np.where(gen.random((n, L, L)) < 1 / (1 + np.exp(-2 * u)), 1, -1).astype(np.int8)


def _detector_net(L=6, b=3, alpha=40.0, signs=None) -> DBN:
    """One layer whose unit j is (almost exactly) the majority rule of block j (b odd):
    input alpha (n_up - (b^2)/2) with n_up the up spins of the block, times signs[j]."""
    nb = L // b
    idx = np.arange(L * L).reshape(L, L)
    W = np.zeros((L * L, nb * nb))
    for j in range(nb * nb):
        r, c = divmod(j, nb)
        W[idx[r * b:(r + 1) * b, c * b:(c + 1) * b].ravel(), j] = 1.0
    sg = np.ones(nb * nb) if signs is None else np.asarray(signs, dtype=np.float64)
    rbm = RBM(L * L, nb * nb, dtype=torch.float64, seed=0)
    rbm.W = torch.tensor(alpha * W * sg)
    rbm.c = torch.tensor(-alpha * (b * b / 2) * sg)
    return DBN([rbm])


# -------------------------------------------------------------------- binder
def test_binder_of_known_distributions():
    u, se = cr.binder(np.array([0.3, -0.3] * 50))
    assert u == pytest.approx(2 / 3, abs=1e-15) and se == pytest.approx(0, abs=1e-15)
    m = np.random.default_rng(1).normal(size=20000)
    u, se = cr.binder(m)
    assert abs(u) <= 5 * se  # Gaussian m: U = 0 (5 sigma, jackknife)
    assert 0 < se < 0.05
    with pytest.raises(ValueError, match="m"):
        cr.binder(np.zeros(5))
    with pytest.raises(ValueError, match="m"):
        cr.binder(np.ones(1))
    assert cr.binder(np.array([0.0, 0.0, 1.0]))[1] == math.inf  # a leave-one-out <m^2> = 0


def test_jackknife_error_matches_the_spread_over_batches():
    gen = np.random.default_rng(4)
    batches = [gen.normal(size=400) + gen.choice([-1.0, 1.0], size=400) for _ in range(300)]
    values = np.array([cr.binder(m) for m in batches])
    spread = values[:, 0].std(ddof=1)
    # the mean jackknife error estimates the batch-to-batch spread (whose own relative error
    # is 1/sqrt(2 * 299) = 4% at 300 batches: 20% is 5 sigma)
    assert values[:, 1].mean() == pytest.approx(spread, rel=0.2)


@pytest.mark.parametrize("b", [2, 3])
def test_a_layer_that_is_the_block_spin_has_its_binder_cumulant(b):
    configs = _configs(L=6)
    blocks = block_spin(configs, b, seed=3)
    units = blocks.reshape(len(blocks), -1).astype(np.float64)
    u, _ = cr.binder(cr.unit_magnetization(units))
    assert u == pytest.approx(binder_cumulant(blocks), abs=1e-13)  # identity


def test_layer_binder_of_majority_detectors_equals_block_spins():
    configs = _configs(L=6)
    signs = [1, -1, -1, 1]
    net = _detector_net(signs=signs)
    np.testing.assert_array_equal(cr.field_signs(net)[0], signs)  # the sign fix finds them
    for center in (True, False):
        table = cr.layer_binder(net, configs, blocks=(3,), center=center, seed=0)
        assert table.layers[0] == pytest.approx(table.blocks_U[0], abs=1e-6)
        assert table.layers_se[0] == pytest.approx(table.blocks_se[0], abs=1e-6)
    # uncentred, the columns are the observables' own cumulants (identity)
    assert table.lattice == pytest.approx(binder_cumulant(configs), abs=1e-13)
    assert table.blocks_U[0] == pytest.approx(binder_cumulant(block_spin(configs, 3)), abs=1e-13)
    assert table.u_star == cr.BINDER_STAR and table.L == 6 and table.n_configs == 400
    spins = cr.hidden_spins(net, configs)[0]
    expected = block_spin(configs, 3).reshape(400, -1)
    np.testing.assert_allclose(spins, expected, atol=1e-6)
    sampled = cr.hidden_spins(net, configs, sample=True, seed=1)[0]
    np.testing.assert_array_equal(sampled, expected)  # p within 1e-8 of 0 or 1


def test_center_removes_unit_offsets():
    units = np.random.default_rng(2).uniform(-1, 1, size=(50, 7))
    shifted = units + np.linspace(-0.4, 0.4, 7)
    np.testing.assert_allclose(cr.unit_magnetization(shifted, center=True),
                               cr.unit_magnetization(units, center=True), atol=1e-14)
    signs = np.array([1, -1, 1, 1, -1, 1, 1])
    np.testing.assert_allclose(cr.unit_magnetization(units, signs), (units * signs).mean(1))
    with pytest.raises(ValueError, match="signs"):
        cr.unit_magnetization(units, np.ones(3))


def test_layer_binder_checks_blocks():
    net = _detector_net()
    with pytest.raises(ValueError, match="blocks"):
        cr.layer_binder(net, _configs(L=6), blocks=(4,))
    with pytest.raises(ValueError, match="configs"):
        cr.layer_binder(net, _configs(L=4), blocks=(2,))


# ----------------------------------------------------- centres and distances
def test_unit_centres_are_the_block_centres():
    net = _detector_net(signs=[1, -1, 1, -1])
    np.testing.assert_allclose(cr.unit_centres(net, 1), [[1, 1], [1, 4], [4, 1], [4, 4]],
                               atol=1e-9)


def test_torus_distances_by_hand():
    c = np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 3.0], [2.0, 2.0], [3.5, 0.0]])
    d = cr.torus_distances(c, 4)
    # hand: (0,3) wraps to 1; (2,2) is sqrt(8) from the origin; (3.5,0) wraps to 0.5
    expected = np.array([
        [0, 1, 1, math.sqrt(8), 0.5],
        [1, 0, 2, math.sqrt(5), math.sqrt(0.25 + 1)],
        [1, 2, 0, math.sqrt(5), math.sqrt(0.25 + 1)],
        [math.sqrt(8), math.sqrt(5), math.sqrt(5), 0, math.sqrt(2.25 + 4)],
        [0.5, math.sqrt(1.25), math.sqrt(1.25), math.sqrt(6.25), 0],
    ])
    np.testing.assert_allclose(d, expected, atol=1e-14)
    with pytest.raises(ValueError, match="centres"):
        cr.torus_distances(c + 1.0, 4)  # 4.5 is outside [0, 4)


def test_binning_against_hand_computed_distances():
    c = np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 3.0], [2.0, 2.0], [3.5, 0.0]])
    gen = np.random.default_rng(0)
    units = gen.normal(size=(500, 5))
    res = cr.binned_correlations(units, c, 4, bins=[0.0, 1.0, 2.0, 3.0], normalize=True)
    # the 10 pair distances: 1, 1, 2.83, 0.5, 2, 2.24, 1.12, 2.24, 1.12, 2.5
    # -> [0,1): 1 pair; [1,2): 4 pairs; [2,3): 5 pairs
    np.testing.assert_array_equal(res.counts, [1, 4, 5])
    np.testing.assert_allclose(res.r, [0.5, (1 + 1 + 2 * math.sqrt(1.25)) / 4,
                                       (math.sqrt(8) + 2 + 2 * math.sqrt(5) + 2.5) / 5])
    rho = np.corrcoef(units.T)
    assert res.C[0] == pytest.approx(rho[0, 4], abs=1e-12)
    assert res.C[1] == pytest.approx(np.mean([rho[0, 1], rho[0, 2], rho[1, 4], rho[2, 4]]),
                                     abs=1e-12)
    assert res.se[0] == math.inf and np.all(np.isfinite(res.se[1:]))
    cov = cr.binned_correlations(units, c, 4, bins=[0.0, 1.0], normalize=False)
    assert cov.C[0] == pytest.approx(np.cov(units.T, bias=True)[0, 4], abs=1e-12)


def test_independent_units_have_no_correlation():
    gen = np.random.default_rng(7)
    n, m, L = 4000, 30, 8
    units = gen.choice([-1.0, 1.0], size=(n, m))
    centres = gen.uniform(0, L, size=(m, 2))
    res = cr.binned_correlations(units, centres, L)
    # each coefficient ~ N(0, 1/n); a bin mean over k pairs has sigma 1/sqrt(n k); 5 sigma
    assert np.all(np.abs(res.C) <= 5 / np.sqrt(n * res.counts))
    assert res.counts.sum() == m * (m - 1) // 2 and res.n_dropped == 0


def test_a_common_factor_gives_its_correlation_everywhere_and_dead_units_drop():
    gen = np.random.default_rng(8)
    n, m = 5000, 12
    z = gen.normal(size=(n, 1))
    units = np.concatenate([z + gen.normal(size=(n, m)), np.full((n, 1), 0.3)], 1)
    centres = gen.uniform(0, 6, size=(m + 1, 2))
    res = cr.binned_correlations(units, centres, 6)
    assert res.n_dropped == 1 and res.n_units == m + 1
    # rho = 1/2 for every pair; the pair estimates are correlated, so allow 5 / sqrt(n) each
    assert np.all(np.abs(res.C - 0.5) <= 5 / np.sqrt(n))


def test_hidden_correlations_of_detectors():
    net = _detector_net()
    res = cr.hidden_correlations(net, _configs(L=6), 1)
    np.testing.assert_array_equal(res.counts, [4, 2])
    np.testing.assert_allclose(res.r, [3.0, math.sqrt(18)], atol=1e-9)
    assert np.all(res.C > 0.5)  # the common bias of each configuration correlates blocks


# ----------------------------------------------------------------------- fit
def test_fit_decay_recovers_a_power_law():
    r = np.arange(1.0, 12.0)
    fit = cr.fit_decay(r, 1.7 * r ** -cr.ETA)
    assert fit.exponent == pytest.approx(0.25, abs=1e-12)
    assert fit.amplitude == pytest.approx(1.7, abs=1e-12) and fit.stderr < 1e-10
    gen = np.random.default_rng(3)
    se = 0.01 * np.ones_like(r)
    noisy = 1.7 * r ** -0.25 + se * gen.normal(size=r.size)
    fit = cr.fit_decay(r, noisy, se, r_min=2.0, r_max=10.0)
    assert fit.n_points == 9 and fit.r_min == 2 and fit.r_max == 10
    assert abs(fit.exponent - 0.25) <= 5 * fit.stderr
    with pytest.raises(ValueError, match="C"):
        cr.fit_decay(r, -np.ones_like(r))  # no positive bin
    with pytest.raises(ValueError, match="se"):
        cr.fit_decay(r, noisy, -se)
