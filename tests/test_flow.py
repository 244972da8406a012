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


# ------------------------------------------------------------ bad input, refused at the door
# (issue #13: every argument checked before any work, each error naming its argument)

def test_rbm_flow_refuses_bad_starts_and_sizes_naming_them():
    rbm = RBM(9, 4, spins=True, seed=0)
    for bad, err in [(object(), TypeError), (np.full((5, 9), np.nan), ValueError),
                     (np.full((5, 9), 1.7), ValueError), ("bogus", TypeError)]:
        with pytest.raises(err, match="v0"):
            flow.rbm_flow(rbm, bad, 2)
    for steps in (2**40, 2**70):            # was a MemoryError / numpy dimension error
        with pytest.raises(ValueError, match="steps"):
            flow.rbm_flow(rbm, np.ones((5, 9)), steps)


CFG1 = TrainingConfig(epochs=1, lr=0.01, batch_size=10)
RUN_KW = dict(L=4, n_hidden=6, train_temperatures=[1.5, 3.5], starts=[1.5, 3.5], n_per_T=10,
              config=CFG1, n_flow=4, steps=3, seed=0, tail=2)


@pytest.mark.parametrize("arg, bad, err", [
    ("L", 2.5, TypeError), ("L", 2**40, ValueError), ("n_hidden", 2**40, ValueError),
    ("train_temperatures", "bogus", TypeError), ("train_temperatures", [], ValueError),
    ("train_temperatures", [np.nan, 2.0], ValueError), ("starts", None, TypeError),
    ("starts", [np.nan], ValueError), ("starts", [-1.0], ValueError),
    ("n_per_T", 2**40, ValueError), ("n_flow", 0, ValueError), ("n_flow", 2.5, TypeError),
    ("n_flow", 2**40, ValueError), ("steps", 2**40, ValueError), ("tail", 2**40, ValueError),
    ("tail", 4, ValueError), ("seed", 2**70, ValueError), ("seed", None, TypeError),
    ("mode", "exact", ValueError), ("shuffle", 2, TypeError),
    ("thermometer", "bogus", TypeError), ("config", {"epochs": 1}, TypeError),
])
def test_run_flow_refuses_each_bad_argument_by_name(arg, bad, err):
    with pytest.raises(err, match=arg):
        flow.run_flow(**dict(RUN_KW, **{arg: bad}))


@pytest.mark.parametrize("bad, err", [(None, TypeError), ("bogus", TypeError), ([], ValueError),
                                      ([np.nan], TypeError), (["x"], TypeError),
                                      ([-1], ValueError)])
def test_fixed_point_refuses_bad_seeds_naming_them(bad, err):
    kw = {k: v for k, v in RUN_KW.items() if k != "seed"}
    with pytest.raises(err, match="seeds"):
        flow.fixed_point(bad, **kw)


@pytest.mark.parametrize("arg, bad, err", [
    ("N", 2, ValueError), ("train_couplings", [], ValueError), ("starts", [np.nan], ValueError),
    ("starts", "bogus", TypeError), ("n_per_K", 2**40, ValueError), ("n_flow", 2**40, ValueError),
    ("steps", 2**40, ValueError), ("seed", None, TypeError), ("seed", "bogus", TypeError),
    ("n_hidden", 2**40, ValueError), ("config", None, TypeError),
])
def test_ring_flow_refuses_each_bad_argument_by_name(arg, bad, err):
    kw = dict(N=6, n_hidden=3, train_couplings=[0.5, 1.0], starts=[0.3, 1.0], n_per_K=10,
              config=CFG1, n_flow=4, steps=2, seed=0)
    with pytest.raises(err, match=arg):
        flow.ring_flow(**dict(kw, **{arg: bad}))


def test_mixture_and_train_rbm_refuse_bad_input_naming_it():
    with pytest.raises(TypeError, match="temperatures"):
        flow.mixture(4, "bogus", 10)
    with pytest.raises(ValueError, match="n_per_T"):
        flow.mixture(4, [1.5], 2**40)                 # was named "n * L * L"
    with pytest.raises(TypeError, match="L"):
        flow.mixture_temperature(None, [1.5])         # was named "m"
    with pytest.raises(ValueError, match="temperatures"):
        flow.mixture_temperature(4, [np.nan, 2.0])    # was named "K"
    for bad, err in [(None, TypeError), (np.zeros(3), ValueError),
                     (np.full((4, 16), 0.5), ValueError), (np.full((4, 16), np.nan), ValueError)]:
        with pytest.raises(err, match="x"):           # was an IndexError / a silent fit
            flow.train_rbm(bad, 4, CFG1)


def test_data_flow_reuses_the_trained_rbm_and_starts_from_the_training_data():
    cfg = TrainingConfig(epochs=2, lr=0.01, batch_size=20, persistent=True)
    temps = [1.5, 2.5, 3.5]
    run = flow.run_flow(6, 10, temps, [1.5, 4.0], n_per_T=40, config=cfg, n_flow=10,
                        steps=3, seed=1, shuffle=True, tail=2)
    W = run.rbm.W.clone()
    d = flow.data_flow(run, 15, 4, tail=2)
    assert torch.equal(run.rbm.W, W) and d.rbm is run.rbm           # nothing retrained
    np.testing.assert_array_equal(d.starts, temps)
    assert d.reading.T.shape == (3, 5) and d.T_end.shape == (3,)
    x, _ = flow.mixture(6, temps, 40, seed=1)                        # step 0 = the data itself
    first = x.reshape(3, 40, 36)[:, :15]
    ref = flow.read_temperature(first, 6)
    np.testing.assert_allclose(d.reading.u[:, 0], ref.u)
    again = flow.data_flow(run, 15, 4, tail=2)
    np.testing.assert_array_equal(again.reading.u, d.reading.u)     # same seed, same numbers
    with pytest.raises(ValueError, match="n_flow"):
        flow.data_flow(run, 41, 4)
    with pytest.raises(ValueError, match="tail"):
        flow.data_flow(run, 5, 2, tail=3)
    with pytest.raises(TypeError, match="run"):
        flow.data_flow("run", 5, 2)
