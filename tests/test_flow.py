"""Tests for rgdl.flow: the RBM flow (a solvable RBM first), mixture training, the experiments."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rgdl import flow, ising, rg
from rgdl.rbm import RBM, TrainingConfig


def _bias_only(n=12, spins=True, seed=0):
    rbm = RBM(n, 5, spins=spins, dtype=torch.float64, seed=seed)
    rbm.W.zero_()
    rbm.b = torch.as_tensor(np.random.default_rng(seed).normal(0, 1, n))
    rbm.c = torch.as_tensor(np.random.default_rng(seed + 1).normal(0, 1, 5))
    return rbm


@pytest.mark.parametrize("spins", [True, False])
def test_zero_weights_flow_to_the_bias_fixed_point_in_one_step_mean_field(spins):
    rbm = _bias_only(spins=spins)
    lo = -1 if spins else 0
    v0 = np.where(np.random.default_rng(2).random((7, 12)) < 0.5, lo, 1)
    f = flow.rbm_flow(rbm, v0, 3, mode="mean", seed=0)
    fixed = (torch.tanh(rbm.b) if spins else torch.sigmoid(rbm.b)).numpy()
    for t in (1, 2, 3):   # one step reaches it, and it stays
        np.testing.assert_allclose(f.means[t], np.broadcast_to(fixed, (7, 12)), atol=1e-6)
    np.testing.assert_array_equal(f.configs[0], v0)


def test_zero_weights_flow_to_the_bias_fixed_point_in_one_step_sampled():
    rbm = _bias_only()
    n = 40_000
    for start in (np.ones((n, 12)), -np.ones((n, 12))):   # whatever the start
        f = flow.rbm_flow(rbm, start, 2, seed=1)
        m = torch.tanh(rbm.b).numpy()
        for t in (1, 2):
            mean = f.configs[t].mean(0)
            sigma = np.sqrt((1 - m**2) / n)
            assert np.all(np.abs(mean - m) < 5 * sigma)   # 5 sigma, 24 comparisons


def test_flow_is_reproducible_and_checks_its_input():
    rbm = RBM(9, 4, spins=True, seed=0)
    v0 = np.ones((5, 9))
    a = flow.rbm_flow(rbm, v0, 4, seed=3)
    b = flow.rbm_flow(rbm, v0.reshape(5, 3, 3), 4, seed=3)
    np.testing.assert_array_equal(a.configs, b.configs)
    assert a.configs.shape == (5, 5, 9) and a.steps == 4 and a.means is None
    with pytest.raises(ValueError, match="mode"):
        flow.rbm_flow(rbm, v0, 2, mode="exact")
    with pytest.raises(ValueError, match="steps"):
        flow.rbm_flow(rbm, v0, -1)
    with pytest.raises(ValueError, match="v0"):
        flow.rbm_flow(rbm, np.ones((5, 8)), 2)
    with pytest.raises(ValueError, match="v0"):
        flow.rbm_flow(rbm, np.zeros((5, 9)), 2)        # 0 is not a spin
    with pytest.raises(TypeError, match="rbm"):
        flow.rbm_flow("rbm", v0, 2)
    with pytest.raises(TypeError, match="v0"):
        flow.rbm_flow(rbm, None, 2)


# ------------------------------------------------------------ mixture training

def test_mixture_stacks_temperatures():
    x, T = flow.mixture(6, [1.5, 3.0, 4.5], 20, seed=0)
    assert x.shape == (60, 36) and x.dtype == np.float32
    np.testing.assert_array_equal(T, np.repeat([1.5, 3.0, 4.5], 20))
    assert set(np.unique(x)) == {-1.0, 1.0}
    with pytest.raises(ValueError, match="temperatures"):
        flow.mixture(6, [1.0, -2.0], 20)


def test_mixture_temperature_is_exact():
    assert flow.mixture_temperature(10, [2.0]) == pytest.approx(2.0, rel=1e-10)
    temps = [1.0, 4.0]
    u = np.mean(ising.exact_energy(10, 10, 1 / np.array(temps)))
    assert ising.exact_energy(10, 10, 1 / flow.mixture_temperature(10, temps)) == \
        pytest.approx(u, abs=1e-12)


def test_mixture_training_learns_each_phase():
    """An RBM trained on ordered data flows to ordered configurations, one trained on hot data
    to disordered ones, one trained on both keeps both (|m| between)."""
    cfg = TrainingConfig(epochs=15, lr=0.01, batch_size=20, persistent=True, final_momentum=0.5)
    absm = {}
    for name, temps in {"cold": [1.2], "hot": [6.0], "both": [1.2, 6.0]}.items():
        x, _ = flow.mixture(6, temps, 400 // len(temps), seed=0)
        rbm = flow.train_rbm(x, 18, cfg, seed=0)
        f = flow.rbm_flow(rbm, x, 30, seed=1)
        absm[name] = flow.lattice_observables(f.configs[-1], 6)["abs_m"]
    assert absm["cold"] > 0.8 and absm["hot"] < 0.45
    assert absm["hot"] < absm["both"] < absm["cold"]
    with pytest.raises(TypeError, match="config"):
        flow.train_rbm(x, 4, {"epochs": 1})


def test_fixed_point_and_ring_flow_shapes():
    cfg = TrainingConfig(epochs=2, lr=0.01, batch_size=20, persistent=True)
    fp = flow.fixed_point([0, 1], L=6, n_hidden=10, train_temperatures=[1.5, 3.0],
                          starts=[1.5, 4.0], n_per_T=40, config=cfg, n_flow=20, steps=6,
                          shuffle=True, tail=2)
    assert fp.T_star.shape == (2,) and fp.T_end.shape == (2, 2)
    assert fp.runs[0].reading.T.shape == (2, 7)
    assert fp.gap[0] == pytest.approx(fp.T_end[0, 1] - fp.T_end[0, 0])
    with pytest.raises(ValueError, match="seeds"):
        flow.fixed_point([], L=6)
    ring = flow.ring_flow(8, 4, [0.5, 1.0], [0.3, 1.0], n_per_K=40, config=cfg, n_flow=30,
                          steps=4, seed=0)
    assert ring.K_rbm.shape == (2, 5)
    np.testing.assert_allclose(ring.K_dec[1], rg.decimation_flow(1.0, 4))
