"""Tests for rgdl.mcrg.mutual_info (the DV bound), rgdl.mcrg.learned and rgdl.mcrg.experiment."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch

from rgdl import ising, mcrg
from rgdl.rbm import RBM


def _joint(J=0.8, w=(1.5, -0.7), a=0.3):
    """Enumerated (v1, v2, e1, e2) with p ~ exp(J (v1 e1 + v2 e2 + v1 v2)),
    and p(h=+1|v) = sigmoid(w.v + a)."""
    states = np.array(list(itertools.product([-1, 1], repeat=4)), dtype=np.float64)
    v, e = states[:, :2], states[:, 2:]
    p_state = np.exp(J * (v[:, 0] * e[:, 0] + v[:, 1] * e[:, 1] + v[:, 0] * v[:, 1]))
    p_state /= p_state.sum()
    p_h = 1 / (1 + np.exp(-(v @ np.asarray(w) + a)))
    env = ((e[:, 0] > 0) * 2 + (e[:, 1] > 0)).astype(int)
    return p_h, p_state, e, env


def test_exact_mutual_information_by_hand():
    # h copies a fair environment spin: I = ln 2; h independent of it: I = 0
    mi = mcrg.exact_mutual_information
    assert mi([0.0, 1.0], [0.5, 0.5], [0, 1]) == pytest.approx(np.log(2))
    assert mi([0.3, 0.3], [0.2, 0.8], [0, 1]) == pytest.approx(0.0, abs=1e-15)
    # noisy copy: h = e with probability 0.9, so I = ln 2 - H_2(0.9)
    h2 = -(0.9 * np.log(0.9) + 0.1 * np.log(0.1))
    got = mcrg.exact_mutual_information([0.1, 0.9], [0.5, 0.5], [0, 1])
    assert got == pytest.approx(np.log(2) - h2, rel=1e-12)


def test_dv_bound_is_exact_at_the_optimal_critic():
    p_h, w, _, env = _joint()
    exact = mcrg.exact_mutual_information(p_h, w, env)
    # T*(h, e) = ln p(h | e) / p(h): then E_{p(h)p(e)} e^T = 1 and the bound is I itself
    pe = np.bincount(env, weights=w)
    p_plus = np.bincount(env, weights=w * p_h) / pe
    pbar = w @ p_h
    scores = np.stack([np.log1p(-p_plus[env]) - np.log1p(-pbar),
                       np.log(p_plus[env]) - np.log(pbar)], axis=1)
    got = mcrg.dv_bound(torch.tensor(p_h), torch.tensor(scores), torch.tensor(w))
    assert float(got) == pytest.approx(exact, rel=1e-12)
    worse = mcrg.dv_bound(torch.tensor(p_h), torch.tensor(0.5 * scores), torch.tensor(w))
    assert float(worse) < exact                                  # any other critic: a lower bound


def test_fitted_critic_recovers_the_exact_mutual_information():
    p_h, w, e, env = _joint()
    exact = mcrg.exact_mutual_information(p_h, w, env)
    est = mcrg.fit_critic(p_h, e, weights=w, steps=300, lr=0.05, hidden=16, seed=0)
    assert est <= exact + 1e-9                                   # a lower bound
    assert est == pytest.approx(exact, abs=1e-3)


def test_dv_bound_rejects_bad_shapes():
    with pytest.raises(ValueError, match="scores"):
        mcrg.dv_bound(torch.ones(3) / 2, torch.zeros(3, 3))
    with pytest.raises(ValueError, match="weights"):
        mcrg.dv_bound(torch.ones(3) / 2, torch.zeros(3, 2), -torch.ones(3))
    with pytest.raises(ValueError, match="env"):
        mcrg.fit_critic(np.ones(3) / 2, np.zeros((4, 2)), steps=1)


# ------------------------------------------------------------------ learned rules
def test_block_environment_takes_the_right_sites():
    L = 10
    x = np.where(np.arange(L * L).reshape(1, L, L) % 3 == 0, 1, -1).astype(np.int8)
    V, E = mcrg.block_environment(x, n_per_config=5, seed=1)
    assert V.shape == (5, 4) and E.shape == (5, 48)
    one = np.ones((1, L, L), np.int8)
    one[0, 4:6, 4:6] = -1                                  # a flipped 2x2 block
    V, E = mcrg.block_environment(one, n_per_config=400, seed=0)
    at_block = (V == -1).all(1)
    assert at_block.any() and (E[at_block] == 1).all()     # the buffer hides the block itself
    with pytest.raises(ValueError, match="smaller"):
        mcrg.block_environment(np.ones((1, 6, 6), np.int8))


@pytest.fixture(scope="module")
def critical16():
    return ising.dataset(16, ising.critical_coupling(), 2000, seed=0, progress=False)


def test_rsmi_rule_learns_a_block_like_filter(critical16):
    rule = mcrg.rsmi_rule(critical16, steps=80, batch=512, n_per_config=4, seed=0)
    assert rule.name == "RSMI" and rule.weights.shape == (2, 2)
    w = rule.weights.ravel() * np.sign(rule.weights.sum())
    assert (w > 0).all() and w.min() > 0.5 * w.max()
    mi = rule.info["mi"]
    assert np.mean(mi[-10:]) > np.mean(mi[:10]) and 0 < rule.info["mi_final"] < np.log(2)


def test_cd_rbm_rule_is_the_rbm_conditional(critical16):
    rule = mcrg.cd_rbm_rule(critical16, epochs=2, seed=0)
    assert rule.name == "CD-RBM" and (rule.weights > 0).all()
    # p(h=+1|v) of the rule equals a spin RBM's sigmoid(2 (c + W.v)) with W = rule / 2
    rbm = RBM(4, 1, spins=True, dtype=torch.float64)
    rbm.W = torch.tensor(rule.weights.reshape(4, 1) / 2)
    rbm.c = torch.tensor([rule.bias / 2], dtype=torch.float64)
    v = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=4)), dtype=torch.float64)
    want = rbm.p_h_given_v(v)[:, 0].numpy()
    got = 1 / (1 + np.exp(-(v.numpy() @ rule.weights.ravel() + rule.bias)))
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_place_units_counts_collisions():
    side, L = 3, 6
    grid = np.stack(np.meshgrid(np.arange(side), np.arange(side), indexing="ij"), -1)
    grid = grid.reshape(-1, 2)
    centres = 2.0 * grid + 0.5
    placed = mcrg.place_units(centres, L, side)
    assert placed["collisions"] == 0 and placed["empty"] == 0
    np.testing.assert_array_equal(placed["site"], np.arange(9))
    assert placed["displacement"] == pytest.approx(0.0)
    moved = centres.copy()
    moved[1] = moved[0]                                   # unit 1 sits on unit 0's block
    placed = mcrg.place_units(moved, L, side)
    assert placed["collisions"] == 1 and placed["empty"] == 1
    assert sorted(placed["site"]) == list(range(9))       # the assignment still fills every site


def test_ms_coarse_grain_with_block_fields_is_majority():
    # a hand-made 16 -> 4 layer: each hidden unit sees its 2x2 block with weight 10, bias -20,
    # so P(h = 1 | v) = sigmoid(10 (#up - 2)): majority away from ties
    L, side = 4, 2
    W = np.zeros((L * L, side * side))
    for j, (by, bx) in enumerate(itertools.product(range(side), range(side))):
        for dy, dx in itertools.product(range(2), range(2)):
            W[(2 * by + dy) * L + 2 * bx + dx, j] = 20.0
    rbm = RBM(L * L, side * side, dtype=torch.float64)
    rbm.W, rbm.c = torch.tensor(W), torch.full((4,), -40.0, dtype=torch.float64)
    site = np.array([3, 2, 1, 0])                          # scramble the placement
    layer = mcrg.MSLayer(rbm=rbm, L=L, side=side, site=site, sign=np.ones(4, np.int8),
                         centres=np.zeros((4, 2)), collisions=0, empty=0, displacement=0.0)
    x = np.random.default_rng(0).choice([-1, 1], size=(200, L, L)).astype(np.int8)
    out = mcrg.ms_coarse_grain(layer, x, seed=0)
    maj = mcrg.coarse_grain(x, "majority", seed=0).reshape(200, 4)
    sums = x.reshape(200, 2, 2, 2, 2).sum(axis=(2, 4)).reshape(200, 4)
    got = out.reshape(200, 4)[:, site]
    np.testing.assert_array_equal(got[sums != 0], maj[sums != 0])
    with pytest.raises(ValueError, match="4x4"):
        mcrg.ms_coarse_grain(layer, x[:, :2, :2])


# ------------------------------------------------------------------ experiments
def test_rule_table_and_block_shape(critical16):
    table = mcrg.rule_table({16: critical16[:400]}, {"maj": "majority", "dec": "decimation"},
                            levels=2, n_bins=4)
    assert len(table.rows) == 4 and table.get("dec", 16, 2)["level"] == 2
    with pytest.raises(KeyError):
        table.get("maj", 32, 1)
    with pytest.raises(ValueError, match="non-empty"):
        mcrg.rule_table({}, {"maj": "majority"})
    assert mcrg.block_shape(mcrg.Rule(np.full((2, 2), -3.0))) == pytest.approx(
        {"spread": 1.0, "cos": 1.0, "norm": 6.0})
    dec = mcrg.block_shape(mcrg.Rule([[2.0, 0], [0, 0]]))
    assert dec["spread"] == 0.0 and dec["cos"] == pytest.approx(0.5)
    assert mcrg.block_shape(mcrg.Rule([[1.0, -1], [1, 1]]))["spread"] == -1.0
    with pytest.raises(TypeError, match="Rule"):
        mcrg.block_shape("majority")


def test_learned_rules_and_ms_run_are_reproducible(critical16):
    x = critical16[:400]
    kw = dict(levels=2, rsmi_steps=5, rsmi_batch=256, cd_epochs=1, n_bins=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # 5 RSMI steps: no exponent yet
        a, b = (mcrg.learned_rules(x, x, [0], **kw) for _ in range(2))
    for name in ("RSMI", "CD-RBM"):
        np.testing.assert_array_equal(a.rules[name][0].weights, b.rules[name][0].weights)
        assert a.values(name, "y_h", 2) == b.values(name, "y_h", 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # y_t may be undefined (lambda_t <= 0)
        ms = mcrg.ms_run(x, [0], epochs=1, n_bins=4)
    assert ms.collisions[0] == ms.empty[0] and 0 <= ms.collisions[0] < 64
    assert -1 <= ms.alignment[0] <= 1 and np.isfinite(ms.results[0].lam_t[0])
    assert ms.majority.lam_t[0] > 1                      # majority keeps the thermal direction



# ------------------------------------------------------ bad input and edge cases
def test_exact_mutual_information_ignores_states_of_zero_weight():
    p = np.array([0.9, 0.2, 0.6, 0.5])
    w = np.array([0.3, 0.3, 0.4, 0.0])
    env = np.array([0, 1, 1, 2])                              # environment 2 has p(e) = 0
    full = mcrg.exact_mutual_information(p, w, env)
    assert np.isfinite(full)
    assert full == pytest.approx(mcrg.exact_mutual_information(p[:3], w[:3], env[:3]), abs=1e-15)
    with pytest.raises(ValueError, match="env_index"):
        mcrg.exact_mutual_information(p, w, env + 0.5)
    with pytest.raises(ValueError, match="p_h_given_x"):
        mcrg.exact_mutual_information(p + 0.5, w, env)


def test_dv_bound_checks_values_and_keeps_gradients():
    p = torch.full((4,), 0.5, dtype=torch.float64, requires_grad=True)
    scores = torch.zeros((4, 2), dtype=torch.float64)
    mcrg.dv_bound(p, scores).backward()
    assert p.grad is not None and torch.isfinite(p.grad).all()
    with pytest.raises(ValueError, match="p must hold"):
        mcrg.dv_bound(torch.full((4,), 1.5), scores)
    with pytest.raises(ValueError, match="scores"):
        mcrg.dv_bound(p.detach(), torch.full((4, 2), float("nan")))
    with pytest.raises(TypeError, match="dtype"):
        mcrg.critic(3, dtype=torch.int64)
    with pytest.raises(ValueError, match="n_env"):
        mcrg.critic(2**40)


def test_missing_row_is_a_key_error_and_a_value_error(critical16):
    table = mcrg.rule_table({16: critical16[:40]}, {"maj": "majority"}, levels=1, n_bins=2)
    for exc in (KeyError, ValueError):
        with pytest.raises(exc, match="level"):
            table.get("maj", 16, 2)
    with pytest.raises(TypeError, match="rules"):
        mcrg.rule_table({16: critical16[:40]}, {"maj": 3})
    with pytest.raises(TypeError, match=r"datasets\[16\]"):
        mcrg.rule_table({16: "bogus"}, {"maj": "majority"})


def test_experiments_check_arguments_before_training(critical16):
    x = critical16[:40]
    for kw, name in (({"rsmi_steps": 0}, "rsmi_steps"), ({"cd_epochs": 2.5}, "cd_epochs"),
                     ({"seeds": "bogus"}, "seeds"), ({"levels": 5}, "levels"),
                     ({"test": np.zeros((4, 4))}, "test"), ({"n_bins": 30}, "n_bins")):
        args = {"train": x, "test": x, "seeds": [0], "levels": 1, "n_bins": 2, **kw}
        with pytest.raises((TypeError, ValueError), match=name):
            mcrg.learned_rules(**args)
    with pytest.raises(ValueError, match="epochs"):
        mcrg.ms_run(x, [0], epochs=0)
    with pytest.raises(ValueError, match="seeds"):
        mcrg.ms_run(x, [])
    with pytest.raises(ValueError, match="lr"):
        mcrg.rsmi_rule(x, steps=1, lr=1e300)
    values = mcrg.LearnedRun(seeds=[0], rules={}, results={"RSMI": [mcrg.MCRGResult(
        "r", 2, 16, 40, *[[0.0]] * 4, [[0.0]], [[0.0]], *[[0.0]] * 4)]})
    with pytest.raises(ValueError, match="key"):
        values.values("RSMI", "bogus", 1)
    with pytest.raises(ValueError, match="level"):
        values.values("RSMI", "y_t", 2)
