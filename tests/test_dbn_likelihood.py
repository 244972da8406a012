"""Tests for rgdl.dbn.likelihood: the exact Ising entropy, the Salakhutdinov-Murray bound on
tiny enumerable DBNs, AIS against enumeration, and Gibbs' inequality on exact Ising data."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from rgdl.core.states import spin_states
from rgdl.dbn import likelihood as lk
from rgdl.dbn.stack import DBN
from rgdl.rbm.ais import exact_samples
from rgdl.rbm.model import RBM, gaussian_rbm, log_partition


def _net(sizes=(6, 4, 3, 2), scale=0.8, seed=1) -> DBN:
    return DBN([gaussian_rbm(a, b, scale=scale, seed=seed + i)
                for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))])


def _spins(n, shape, seed=0):
    return np.random.default_rng(seed).choice([-1, 1], size=(n, *shape)).astype(np.int8)


def _ising_law(L, K):
    """All 2^(L*L) torus states (as (n, L, L)) and their Boltzmann probabilities."""
    s = spin_states(L * L).reshape(-1, L, L)
    bonds = (s * np.roll(s, 1, 1) + s * np.roll(s, 1, 2)).sum(axis=(1, 2))
    logw = K * bonds
    p = np.exp(logw - logw.max())
    return s, p / p.sum()


# ------------------------------------------------------------------- entropy
def test_entropy_per_spin_matches_the_issue_numbers():
    # oracle: the values quoted in issue #15 (4 digits)
    assert lk.ising_entropy_per_spin(40, 0.408) == pytest.approx(0.4185, abs=5e-5)
    assert lk.ising_entropy_per_spin(20, 0.408) == pytest.approx(0.4110, abs=5e-5)


@pytest.mark.parametrize("L, K", [(3, 0.4), (4, 0.25), (4, 0.6)])
def test_entropy_per_spin_matches_enumeration(L, K):
    _, p = _ising_law(L, K)
    S = -(p * np.log(p)).sum() / (L * L)
    assert lk.ising_entropy_per_spin(L, K) == pytest.approx(S, abs=1e-10)


def test_entropy_limits_and_arrays():
    assert lk.ising_entropy_per_spin(8, 1e-6) == pytest.approx(math.log(2), abs=1e-9)
    # ordered: two ground states, S = ln 2 up to e^{-8K} excitations
    assert lk.ising_entropy_per_spin(8, 3.0) == pytest.approx(math.log(2) / 64, abs=1e-6)
    k = np.array([0.2, 0.4])
    out = lk.ising_entropy_per_spin(4, k)
    assert out.shape == (2,) and out[0] > out[1]
    with pytest.raises(ValueError, match="L"):
        lk.ising_entropy_per_spin(1, 0.4)
    with pytest.raises(ValueError, match="K"):
        lk.ising_entropy_per_spin(4, -0.4)


# ------------------------------------------------------------ exact oracles
def _brute_log_p(net: DBN, spins: np.ndarray) -> np.ndarray:
    """ln p(v) of a 2-layer DBN from the full table of (h1, h2), written out independently."""
    r1, r2 = (r.copy().to(dtype=torch.float64) for r in net.rbms[:2])
    v = torch.tensor((spins.reshape(len(spins), -1) > 0).astype(np.float64))
    H1 = torch.tensor((spin_states(r1.n_hidden) > 0).astype(np.float64))
    H2 = torch.tensor((spin_states(r2.n_hidden) > 0).astype(np.float64))
    E2 = -(H1 @ r2.b)[:, None] - (H2 @ r2.c)[None, :] - H1 @ r2.W @ H2.T
    log_prior = torch.logsumexp(-E2, 1) - torch.logsumexp(-E2.flatten(), 0)  # p2(h1)
    pv = torch.sigmoid(r1.b + H1 @ r1.W.T)                                 # (K, N)
    log_pv = v @ torch.log(pv).T + (1 - v) @ torch.log1p(-pv).T            # (n, K)
    return torch.logsumexp(log_pv + log_prior[None, :], 1).numpy()


def test_enumerated_likelihood_matches_brute_force_and_normalises():
    net = _net()
    s = _spins(20, (6,))
    np.testing.assert_allclose(lk.enumerated_log_likelihood(net, s, 2), _brute_log_p(net, s),
                               atol=1e-10)
    every_v = spin_states(6)
    for n in (1, 2, 3):
        total = np.logaddexp.reduce(lk.enumerated_log_likelihood(net, every_v, n))
        assert total == pytest.approx(0.0, abs=1e-10), n  # sum_v p(v) = 1 (identity)
    one = lk.enumerated_log_likelihood(net, s, 1)
    r1 = net.rbms[0].copy().to(dtype=torch.float64)
    v = torch.tensor((s > 0).astype(np.float64))
    np.testing.assert_allclose(one, (-r1.visible_hamiltonian(v)).numpy() - log_partition(r1),
                               atol=1e-12)


@pytest.mark.parametrize("n_layers", [2, 3])
def test_bound_is_below_the_exact_log_likelihood(n_layers):
    net = _net()
    s = spin_states(6)  # every visible state
    exact_ll = lk.enumerated_log_likelihood(net, s, n_layers)
    bound = lk.log_likelihood_bound(net, s, n_layers, n_samples=None)
    assert np.all(bound <= exact_ll + 1e-12)
    assert np.mean(exact_ll - bound) > 1e-3  # a random net's posterior is not factorial


def test_one_layer_bound_is_the_rbm_log_likelihood():
    net = _net()
    s = _spins(10, (6,))
    np.testing.assert_allclose(lk.log_likelihood_bound(net, s, 1, n_samples=3, seed=0),
                               lk.enumerated_log_likelihood(net, s, 1), atol=1e-12)


def test_bound_is_exact_for_a_complementary_prior():
    # top RBM = first RBM transposed: p(h1) is the first RBM's hidden marginal, the DBN is
    # that RBM, and the factorial q(h1|v) is the true posterior (Hinton et al. 2006)
    r1 = gaussian_rbm(6, 4, scale=0.8, seed=3)
    r2 = gaussian_rbm(4, 6, seed=0)
    r2.W, r2.b, r2.c = r1.W.T.clone(), r1.c.clone(), r1.b.clone()
    net = DBN([r1, r2])
    s = _spins(15, (6,))
    ll = lk.enumerated_log_likelihood(net, s, 2)
    np.testing.assert_allclose(ll, lk.enumerated_log_likelihood(net, s, 1), atol=1e-10)
    np.testing.assert_allclose(lk.log_likelihood_bound(net, s, 2, n_samples=None), ll,
                               atol=1e-10)
    # the sampled integrand ln p(v,h) - ln q(h|v) is then constant: no sampling noise at all
    np.testing.assert_allclose(lk.log_likelihood_bound(net, s, 2, n_samples=5, seed=4), ll,
                               atol=1e-10)


@pytest.mark.parametrize("n_layers", [2, 3])
def test_sampled_bound_matches_its_exact_expectation(n_layers):
    net = _net()
    s = _spins(30, (6,))
    exact_b = lk.log_likelihood_bound(net, s, n_layers, n_samples=None)
    # the exact spread of the integrand f = ln p(v,h) - ln q(h|v) under q, by enumeration
    rbms = lk._f64(net.rbms[:n_layers])
    log_joint, log_q = lk._enumerated_terms(rbms, lk._units(net, s))
    q, f = torch.exp(log_q), log_joint - log_q
    sd = torch.sqrt((q * f**2).sum(1) - (q * f).sum(1) ** 2).numpy()
    n = 4000
    est = lk.log_likelihood_bound(net, s, n_layers, n_samples=n, seed=5)
    # each row within 4.5 sigma = 4.5 sd / sqrt(n) (30 rows: a false alarm ~ 2e-4)
    assert np.all(np.abs(est - exact_b) <= 4.5 * sd / math.sqrt(n) + 1e-12)
    again = lk.log_likelihood_bound(net, s, n_layers, n_samples=7, seed=11)
    np.testing.assert_array_equal(again, lk.log_likelihood_bound(net, s, n_layers, n_samples=7,
                                                                 seed=11))


# ----------------------------------------------------------------------- AIS
def test_ais_per_spin_matches_enumeration():
    net = _net((16, 10, 4), scale=0.3, seed=5)
    s = _spins(200, (4, 4), seed=2)
    exact_ps = lk.enumerated_log_likelihood(net, s, 1).mean() / 16
    tab = lk.likelihood_per_layer(net, s, layers=(1,), K=0.3, n_runs=200, n_betas=3000,
                                  exact_max=0, seed=0)
    row = tab.layers[0]
    assert row.log_z_method == "ais" and row.kind == "likelihood"
    # within 4 sigma of AIS's own error (plus 1e-3 nats of bias for 3000 temperatures)
    assert abs(row.per_spin - exact_ps) <= 4 * row.log_z_stderr / 16 + 1e-3 / 16
    assert row.log_z == pytest.approx(log_partition(net.rbms[0]), abs=4 * row.log_z_stderr + 1e-3)
    assert tab.entropy_per_spin == pytest.approx(lk.ising_entropy_per_spin(4, 0.3))
    assert row.se_data > 0 and row.se_samples == 0


def test_top_log_partition_exact_and_bracket():
    rbm = gaussian_rbm(12, 8, scale=0.4, seed=6)
    z = log_partition(rbm)
    out = lk.top_log_partition(rbm, exact_max=20)
    assert out["method"] == "exact" and out["log_z"] == z and out["stderr"] == 0
    start = exact_samples(rbm, 200, seed=1)  # model draws: reverse AIS is then an upper bound
    br = lk.top_log_partition(rbm, start, n_runs=200, n_betas=500, reverse=True, exact_max=0,
                              seed=2)
    assert br["method"] == "ais"
    assert br["log_z"] - 4 * br["stderr"] <= z <= br["upper"] + 4 * br["upper_stderr"]


def test_likelihood_table_is_reproducible_and_ordered():
    net = _net((9, 4, 3, 2), scale=0.5, seed=7)
    s = _spins(40, (3, 3), seed=3)
    kw = dict(K=0.4, n_samples=5, n_runs=20, n_betas=200, exact_max=1, reverse=True, seed=3)
    a, b = lk.likelihood_per_layer(net, s, **kw), lk.likelihood_per_layer(net, s, **kw)
    untimed = [dataclasses.replace(r, seconds=0.0) for t in (a, b) for r in t.layers]
    assert untimed[:3] == untimed[3:]  # same seed, same numbers
    assert [r.n_layers for r in a.layers] == [1, 2, 3]
    assert [r.kind for r in a.layers] == ["likelihood", "bound", "bound"]
    assert all(r.log_z_upper is not None for r in a.layers)
    assert np.all(a.stderr > 0) and a.per_spin.shape == (3,)
    assert a.excess().shape == (3,)
    c = lk.likelihood_per_layer(net, s, n_samples=None, seed=0)
    assert [r.log_z_method for r in c.layers] == ["exact"] * 3
    np.testing.assert_allclose(c.per_spin[1:], [
        lk.log_likelihood_bound(net, s, n, n_samples=None).mean() / 9 for n in (2, 3)],
        atol=1e-12)
    with pytest.raises(ValueError, match="K"):
        lk.likelihood_per_layer(_net(), _spins(4, (6,)), K=0.4)  # 6 spins: no L x L torus


# ------------------------------------------------------------ Gibbs' inequality
def _ising_rbm(L, K) -> RBM:
    """A +/-1 RBM with one hidden unit per bond whose marginal is the L x L Ising law:
    sum_h e^{h w (s_i + s_j)} = 2 cosh(w (s_i + s_j)) = const * e^{K s_i s_j},
    cosh 2w = e^{2K}."""
    idx = np.arange(L * L).reshape(L, L)
    pairs = [(idx[i, j], idx[i, (j + 1) % L]) for i in range(L) for j in range(L)]
    pairs += [(idx[i, j], idx[(i + 1) % L, j]) for i in range(L) for j in range(L)]
    w = 0.5 * math.acosh(math.exp(2 * K))
    rbm = RBM(L * L, len(pairs), spins=True, dtype=torch.float64, seed=0)
    W = torch.zeros(L * L, len(pairs), dtype=torch.float64)
    for k, (a, b) in enumerate(pairs):
        W[a, k] += w
        W[b, k] += w
    rbm.W = W
    return rbm


def test_no_model_beats_the_entropy_on_exact_ising_data():
    L, K = 3, 0.4
    s, p = _ising_law(L, K)
    minus_s = -L * L * lk.ising_entropy_per_spin(L, K)  # -S, nats per configuration
    exact_model = DBN([_ising_rbm(L, K)])
    assert p @ lk.enumerated_log_likelihood(exact_model, s) == pytest.approx(minus_s, abs=1e-9)
    models = [DBN([_ising_rbm(L, 0.3)]), DBN([_ising_rbm(L, 0.5)])]
    models += [_net((9, 5, 3), scale=sc, seed=sd) for sc, sd in [(0.3, 1), (1.0, 2), (2.0, 3)]]
    for net in models:
        for n in range(1, net.n_layers + 1):
            ll = p @ lk.enumerated_log_likelihood(net, s, n)  # exact expectation over P
            bound = p @ lk.log_likelihood_bound(net, s, n, n_samples=None)
            assert bound <= ll + 1e-12 and ll < minus_s - 1e-6, (net, n)


# ---------------------------------------------------------------- bad input
def test_bad_input_is_refused_naming_the_argument():
    net = _net()
    s = _spins(5, (6,))
    with pytest.raises(ValueError, match="configs"):
        lk.log_likelihood_bound(net, _spins(5, (7,)), 2)
    with pytest.raises(ValueError, match="configs"):
        lk.log_likelihood_bound(net, np.zeros((5, 6)), 2)
    with pytest.raises(ValueError, match="n_layers"):
        lk.log_likelihood_bound(net, s, 4)
    with pytest.raises(TypeError, match="dbn"):
        lk.log_likelihood_bound(net.rbms[0], s, 1)
    with pytest.raises(ValueError, match="n_samples"):
        lk.log_likelihood_bound(_net((6, 12, 10, 2)), s, 3, n_samples=None)
    big = DBN([gaussian_rbm(6, 30, seed=0), gaussian_rbm(30, 24, seed=1)])
    with pytest.raises(ValueError, match="log_z"):
        lk.log_likelihood_bound(big, s, 2, n_samples=2)
    with pytest.raises(ValueError, match="log_z"):
        lk.log_likelihood_bound(net, s, 2, log_z=float("nan"))
    with pytest.raises(ValueError, match="layers"):
        lk.likelihood_per_layer(net, s, layers=())
    with pytest.raises(ValueError, match="data"):
        lk.top_log_partition(net.rbms[0], np.full((3, 6), 2.0), exact_max=0)
