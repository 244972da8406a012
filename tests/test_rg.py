"""Tests of rgdl.rg and rgdl.rg.couplings: exact identities first, by enumeration."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rgdl import chain
from rgdl.rg import couplings as cp
from rgdl import rg
from rgdl.core.states import state_index
from rgdl.rbm import RBM

FAST = settings(max_examples=15, deadline=None)


def random_rbm(n_v, n_h, spins, seed, scale=1.0):
    rbm = RBM(n_v, n_h, spins=spins, dtype=torch.float64, seed=seed)
    g = np.random.default_rng(seed)
    rbm.W = torch.tensor(g.normal(0, scale, (n_v, n_h)))
    rbm.b = torch.tensor(g.normal(0, scale, n_v))
    rbm.c = torch.tensor(g.normal(0, scale, n_h))
    return rbm


# ------------------------------------------------------------- Walsh-Hadamard
@FAST
@given(n=st.integers(1, 9), seed=st.integers(0, 2**31))
def test_walsh_hadamard_round_trip(n, seed):
    x = np.random.default_rng(seed).normal(size=1 << n)
    J = cp.ising_couplings(x)
    assert np.allclose(cp.ising_energy(J), x, atol=1e-12, rtol=0)
    assert np.allclose(cp.walsh_hadamard(cp.walsh_hadamard(x)), (1 << n) * x, atol=1e-9)


def test_walsh_hadamard_matches_definition():
    n = 5
    s = cp.states(n)
    x = np.random.default_rng(0).normal(size=1 << n)
    J = cp.ising_couplings(x)
    for S in range(1 << n):
        chi = np.prod(s[:, list(cp.sites(S))], axis=1) if S else np.ones(1 << n)
        assert J[S] == pytest.approx(np.mean(x * chi), abs=1e-13)


def test_pure_pair_hamiltonian_gives_exactly_its_pairs():
    n = 7
    pairs = {(0, 1): 0.7, (2, 5): -0.3, (1, 6): 1.1, (3, 4): 0.05}
    s = cp.states(n)
    H = sum(Jij * s[:, i] * s[:, j] for (i, j), Jij in pairs.items()) + 0.4
    J = cp.ising_couplings(H)
    expected = np.zeros(1 << n)
    expected[0] = 0.4
    for (i, j), Jij in pairs.items():
        expected[cp.subset(i, j)] = Jij
    assert np.max(np.abs(J - expected)) < 1e-13
    M = cp.pair_matrix(J)
    assert M[2, 5] == M[5, 2] == pytest.approx(-0.3)
    # a three-body term and fields
    H3 = 0.25 * s[:, 0] * s[:, 3] * s[:, 6] - 0.5 * s[:, 2]
    J3 = cp.ising_couplings(H3)
    assert cp.coupling(J3, 0, 3, 6) == pytest.approx(0.25, abs=1e-14)
    assert cp.coupling(J3, 2) == pytest.approx(-0.5, abs=1e-14)
    assert np.sum(np.abs(J3) > 1e-13) == 2


def test_zero_one_units_are_mapped_to_spins():
    # u0 u1 = (1 + s0)(1 + s1) / 4
    J = cp.ising_couplings(lambda u: u[:, 0] * u[:, 1], n=2, values=(0, 1))
    assert np.allclose(J, [0.25, 0.25, 0.25, 0.25])
    # the chain's own energy function expands to -K on each bond
    J = cp.ising_couplings(lambda s: chain.energy(s, 0.8, 0.1), n=6)
    assert cp.coupling(J, 2, 3) == pytest.approx(-0.8)
    assert cp.coupling(J, 5, 0) == pytest.approx(-0.8)
    assert cp.coupling(J, 4) == pytest.approx(-0.1)


def test_flip_gauge_and_grouping():
    n = 6
    s = cp.states(n)
    H = -0.9 * np.sum(s * np.roll(s, -1, axis=1), axis=1) + 0.2 * s[:, 0] * s[:, 1] * s[:, 2] * s[:, 3]
    J = cp.ising_couplings(H)
    flipped = cp.flip_gauge(J, [True, False, False, False, False, False])
    assert cp.coupling(flipped, 0, 1) == pytest.approx(0.9)
    assert cp.coupling(flipped, 1, 2) == pytest.approx(-0.9)
    assert np.allclose(cp.flip_gauge(flipped, 1), J)
    rows = cp.group_couplings(J)
    assert [(r["order"], r["extent"], r["count"]) for r in rows] == [(2, 1.0, 6), (4, 3.0, 1)]
    assert rows[0]["mean"] == pytest.approx(-0.9)
    d = cp.torus_distance(4)
    assert d[0, 1] == 1 and d[0, 3] == 1 and d[0, 5] == pytest.approx(np.sqrt(2)) and d[0, 10] == pytest.approx(np.sqrt(8))


def test_ising_energy_on_given_spins():
    J = cp.ising_couplings(rg.ring_hamiltonian(5, 0.3))
    s = chain.all_states(5)[[3, 17, 30]]
    assert np.allclose(cp.ising_energy(J, s), chain.energy(s, 0.3))


# -------------------------------------------------- the Mehta-Schwab mapping
@FAST
@given(n_v=st.integers(1, 6), n_h=st.integers(1, 5), spins=st.booleans(),
       seed=st.integers(0, 2**31))
def test_mapping_is_exact(n_v, n_h, spins, seed):
    rbm = random_rbm(n_v, n_h, spins, seed)
    H = np.random.default_rng(seed + 1).normal(0, 2, 1 << n_v)  # an arbitrary H(v)
    T = rg.T_rbm(rbm, H)
    H_rg = rg.renormalized_hamiltonian(H, T)
    H_h = rg.rbm_hidden_hamiltonian(rbm)
    assert np.max(np.abs(H_rg - H_h)) < 1e-10
    # against the RBM class's own float64 free energy
    h = torch.as_tensor(cp.states(n_h, rbm.values))
    assert np.max(np.abs(H_h - rbm.hidden_hamiltonian(h).numpy())) < 1e-10
    # e^T = p(h|v) exp(H(v) - H_RBM(v))
    H_v = rg.rbm_visible_hamiltonian(rbm)
    lhs = T.table()
    rhs = rg.rbm_conditional(rbm) + (H - H_v)[:, None]
    assert np.max(np.abs(lhs - rhs)) < 1e-10
    # ln Tr_h e^T = H(v) - H_RBM(v)
    assert np.max(np.abs(rg.trace_condition(T) - (H - H_v))) < 1e-10


@FAST
@given(n_v=st.integers(2, 6), n_h=st.integers(1, 4), seed=st.integers(0, 2**31))
def test_kl_is_the_jensen_gap_of_the_trace(n_v, n_h, seed):
    rbm = random_rbm(n_v, n_h, False, seed, scale=0.7)
    H = np.random.default_rng(seed).normal(0, 1, 1 << n_v)
    T = rg.T_rbm(rbm, H)
    X = rg.trace_condition(T)
    p = np.exp(-H + rg.free_energy(H))
    dF = rg.delta_free_energy(H, T)
    kl = rg.kl_divergence(H, rg.rbm_visible_hamiltonian(rbm))
    assert dF == pytest.approx(-np.log(np.sum(p * np.exp(X))), abs=1e-10)
    assert kl == pytest.approx(-np.sum(p * X) - dF, abs=1e-10)
    # shifting H by Delta F zeroes Delta F while the trace condition still fails
    T0 = rg.T_rbm(rbm, H + dF)
    assert abs(rg.delta_free_energy(H + dF, T0)) < 1e-10
    if kl > 1e-6:
        assert np.max(np.abs(rg.trace_condition(T0))) > 1e-4


def test_trace_condition_holds_when_rbm_is_the_hamiltonian():
    rbm = random_rbm(5, 3, False, 3)
    H = rg.rbm_visible_hamiltonian(rbm)
    T = rg.T_rbm(rbm, H)
    assert np.max(np.abs(rg.trace_condition(T))) < 1e-12
    assert abs(rg.delta_free_energy(H, T)) < 1e-12


def test_table_callable_and_operator_agree():
    g = np.random.default_rng(5)
    table = g.normal(size=(1 << 4, 1 << 3))
    H = g.normal(size=1 << 4)
    a = rg.renormalized_hamiltonian(H, table)
    op = rg.as_operator(table)
    b = rg.renormalized_hamiltonian(lambda s: H[state_index(s, (-1, 1))], op)
    c = -np.log(np.exp(table - H[:, None]).sum(axis=0))
    assert np.allclose(a, c, atol=1e-12) and np.allclose(b, c, atol=1e-12)
    assert np.allclose(rg.trace_condition(table), np.log(np.exp(table).sum(axis=1)))


# ------------------------------------------------------- real-space RG
@FAST
@given(half=st.integers(2, 6), K=st.floats(-2.0, 2.0))
def test_decimation_matches_closed_form(half, K):
    N = 2 * half
    Hp = rg.decimate_ring(N, K)
    J = cp.ising_couplings(Hp)
    n = half
    Kp = rg.decimation_coupling(K)
    expected = np.zeros(1 << n)
    expected[0] = -n * rg.decimation_constant(K)
    for i in range(n):
        expected[cp.subset(i, (i + 1) % n)] += -Kp  # n = 2: the two bonds coincide
    assert np.max(np.abs(J - expected)) < 1e-10
    lhs, rhs = rg.free_energy_recursion(N, K)
    assert lhs == pytest.approx(rhs, abs=1e-10)
    assert rg.free_energy(Hp) == pytest.approx(-chain.log_partition(N, K), abs=1e-10)


def test_decimation_by_three():
    K = 0.9
    J = cp.ising_couplings(rg.decimate_ring(12, K, b=3))
    assert -cp.coupling(J, 0, 1) == pytest.approx(np.arctanh(np.tanh(K) ** 3), abs=1e-12)
    assert J[0] == pytest.approx(-4 * rg.decimation_constant(K, 3), abs=1e-12)
    assert rg.decimation_coupling(K, 2) == pytest.approx(np.arctanh(np.tanh(K) ** 2), abs=1e-14)
    lhs, rhs = rg.free_energy_recursion(12, K, b=3)
    assert lhs == pytest.approx(rhs, abs=1e-10)


def test_flow_goes_to_zero():
    flow = rg.decimation_flow(2.0, 12)
    assert flow[0] == 2.0 and np.all(np.diff(flow) < 0) and flow[-1] < 1e-3
    assert rg.decimation_coupling(0.0) == 0.0


def test_majority_rule():
    # the trace condition holds (ties split 1/2, 1/2), so F is conserved exactly
    op = rg.block_operator(rg.torus_blocks(4, 2), 16, "majority")
    assert np.max(np.abs(rg.trace_condition(op))) < 1e-12
    H = rg.torus_hamiltonian(4, 0.4)
    Hp = rg.majority_torus(4, 0.4)
    assert rg.free_energy(Hp) == pytest.approx(rg.free_energy(H), abs=1e-10)
    J = cp.ising_couplings(Hp)
    odd = cp.popcount(np.arange(16)) % 2 == 1
    assert np.max(np.abs(J[odd])) < 1e-12  # Z2 symmetry: no odd couplings
    rows = cp.group_couplings(J, cp.torus_distance(2))
    assert [(r["order"], r["count"]) for r in rows] == [(2, 4), (2, 2), (4, 1)]
    assert rows[0]["mean"] < 0 and rows[1]["mean"] < 0  # ferromagnetic nn and diagonal
    # 1D ring, blocks of 3: generates more than a nearest-neighbour coupling
    J1 = cp.ising_couplings(rg.majority_ring(12, 1.0))
    assert -cp.coupling(J1, 0, 1) > 0.3
    assert abs(cp.coupling(J1, 0, 2)) > 1e-3
    assert abs(cp.coupling(J1, 0, 1, 2, 3)) > 1e-5


def test_torus_hamiltonian_counts_each_bond_once():
    H = rg.torus_hamiltonian(3, 1.0)
    assert H[-1] == -18.0  # all up: 2 L^2 bonds
    J = cp.ising_couplings(H)
    assert cp.coupling(J, 0, 1) == -1.0 and cp.coupling(J, 0, 3) == -1.0 and cp.coupling(J, 0, 4) == 0.0


# -------------------------------------------------------------- validation
def test_input_validation():
    with pytest.raises(ValueError, match="2\\^n"):
        cp.ising_couplings(np.zeros(6))
    with pytest.raises(ValueError, match="n is required"):
        cp.ising_couplings(lambda s: s.sum(1))
    with pytest.raises(ValueError, match="values"):
        cp.states(3, (1, 2))
    with pytest.raises(ValueError, match="finite"):
        cp.ising_couplings(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="T must"):
        rg.renormalized_hamiltonian(np.zeros(4), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="n_visible and n_hidden"):
        rg.renormalized_hamiltonian(np.zeros(4), lambda v, h: v @ h.T)
    with pytest.raises(ValueError, match="H_v .for 2 visible units."):
        rg.renormalized_hamiltonian(np.zeros(8), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="rule"):
        rg.block_operator([[0, 1]], 2, "average")
    with pytest.raises(ValueError, match="divisible"):
        rg.ring_blocks(10, 3)
    with pytest.raises(ValueError, match="disjoint"):
        rg.block_operator([[0, 1], [1, 2]], 3)
    with pytest.raises(TypeError, match="rbm"):
        rg.T_rbm(object(), np.zeros(4))
    with pytest.raises(ValueError, match="H_v .for 3 visible units."):
        rg.T_rbm(random_rbm(3, 2, False, 0), np.zeros(4))
    with pytest.raises(TypeError, match="N"):
        rg.ring_hamiltonian(4.0, 1.0)
    with pytest.raises(ValueError, match="K"):
        rg.ring_hamiltonian(4, np.inf)
    with pytest.raises(ValueError, match="flips"):
        cp.flip_gauge(np.zeros(8), [True, False])
    with pytest.raises(ValueError, match="distance"):
        cp.group_couplings(np.zeros(8), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="same shape|one shape"):
        rg.kl_divergence(np.zeros(4), np.zeros(8))


# ------------------------------------------------ helpers for trained RBMs
def test_receptive_fields():
    m = rg.ring_receptive_fields(12, 6, width=4)
    assert m.shape == (12, 6) and np.all(m.sum(axis=0) == 4) and np.all(m.sum(axis=1) == 2)
    assert list(np.nonzero(m[:, 0])[0]) == [0, 1, 2, 11]
    assert np.all(rg.ring_receptive_fields(12, 4).sum(axis=1) == 1)
    with pytest.raises(ValueError, match="width"):
        rg.ring_receptive_fields(12, 6, width=3)
    with pytest.raises(ValueError, match="divisible"):
        rg.ring_receptive_fields(12, 5)


def test_vrg_monitor_and_couplings():
    rbm = random_rbm(6, 3, False, 11, scale=0.5)
    H = rg.ring_hamiltonian(6, 0.7)
    out = rg.vrg_monitor(H)(rbm)
    T = rg.T_rbm(rbm, H)
    assert out["kl"] == pytest.approx(rg.kl_divergence(H, rg.rbm_visible_hamiltonian(rbm)), abs=1e-12)
    assert out["delta_F"] == pytest.approx(rg.delta_free_energy(H, T), abs=1e-10)
    X, p = rg.trace_condition(T), np.exp(-H + rg.free_energy(H))
    assert out["trace_std"] == pytest.approx(np.sqrt(np.sum(p * (X - np.sum(p * X)) ** 2)), abs=1e-10)
    # the gauge flips exactly the hidden units whose weights sum to < 0
    J_v, J_h = rg.rbm_couplings(rbm)
    _, raw = rg.rbm_couplings(rbm, gauge=False)
    assert np.allclose(J_h, cp.flip_gauge(raw, rg.hidden_gauge(rbm)))
    assert np.allclose(cp.ising_energy(J_v), rg.rbm_visible_hamiltonian(rbm))
    # a 0/1 RBM's H(h) read in spins: flipping a unit (h -> 1 - h) is a gauge change of J_h
    flipped = rbm.copy()
    flipped.b = rbm.b + rbm.W[:, 0]
    flipped.c = rbm.c.clone()
    flipped.c[0] = -rbm.c[0]
    flipped.W = rbm.W.clone()
    flipped.W[:, 0] = -rbm.W[:, 0]
    J_f = cp.ising_couplings(rg.rbm_hidden_hamiltonian(flipped))
    J_r = cp.flip_gauge(raw, 1)
    assert np.allclose(J_f[1:], J_r[1:], atol=1e-12)  # equal up to the constant


# ------------------------------------ one implementation per primitive (issue #11)
def _old_sum_out(x, spins):
    """The formula rgdl.rg used before it called rgdl.core.units.sum_out (the oracle here)."""
    if spins:
        a = np.abs(x)
        return (a + np.log1p(np.exp(-2 * a))).sum(-1)
    return np.logaddexp(0.0, x).sum(-1)


@FAST
@given(n_v=st.integers(1, 8), n_h=st.integers(1, 6), spins=st.booleans(),
       seed=st.integers(0, 2**31))
def test_marginal_hamiltonians_match_the_old_numpy_formula(n_v, n_h, spins, seed):
    rbm = random_rbm(n_v, n_h, spins, seed, scale=2.0)
    W, b, c = (x.numpy() for x in (rbm.W, rbm.b, rbm.c))
    v, h = cp.states(n_v, rbm.values), cp.states(n_h, rbm.values)
    old_v = -(v @ b) - _old_sum_out(v @ W + c, spins)
    old_h = -(h @ c) - _old_sum_out(h @ W.T + b, spins)
    assert np.max(np.abs(rg.rbm_visible_hamiltonian(rbm) - old_v)) < 1e-12
    assert np.max(np.abs(rg.rbm_hidden_hamiltonian(rbm) - old_h)) < 1e-12


def test_marginal_hamiltonians_of_float32_and_duck_typed_rbms():
    rbm = random_rbm(5, 3, False, 7)
    expected = rg.rbm_visible_hamiltonian(rbm)

    class Params:
        W, b, c, spins = rbm.W.numpy(), rbm.b.numpy(), rbm.c.numpy(), False

    assert np.max(np.abs(rg.rbm_visible_hamiltonian(Params()) - expected)) < 1e-12
    single = rbm.copy().to(dtype=torch.float32)
    out = rg.rbm_visible_hamiltonian(single)
    assert out.dtype == np.float64 and single.dtype == torch.float32  # argument untouched
    assert np.max(np.abs(out - expected)) < 1e-5


@FAST
@given(N=st.integers(2, 10), K=st.floats(-2, 2), B=st.floats(-1, 1))
def test_ring_hamiltonian_is_the_chain_energy(N, K, B):
    s = cp.states(N)
    old = -K * np.sum(s * np.roll(s, -1, axis=1), axis=1) - B * s.sum(axis=1)
    assert np.max(np.abs(rg.ring_hamiltonian(N, K, B) - old)) < 1e-12


def test_state_index_in_couplings():
    J = np.random.default_rng(3).normal(size=1 << 6)
    s = cp.states(6)[[0, 5, 33, 63]]
    assert np.allclose(cp.ising_energy(J, s), cp.ising_energy(J)[[0, 5, 33, 63]], atol=1e-12)
    flips = np.array([True, False, True, False, False, True])
    assert np.array_equal(cp.flip_gauge(J, flips), cp.flip_gauge(J, 0b100101))


# ------------------------------------------- issue #13: refused at the door, never silent
@pytest.mark.parametrize("fn,args,name", [
    (cp.walsh_hadamard, (None,), "x"), (cp.walsh_hadamard, (np.array([np.nan, 1.0]),), "x"),
    (cp.hamiltonian_table, ("bogus",), "H"), (cp.hamiltonian_table, (np.array([]),), "H"),
    (cp.ising_couplings, (np.zeros(0),), "H"), (cp.states, (3, None), "values"),
    (cp.ising_energy, ("bogus",), "J"), (cp.ising_energy, (np.zeros(8), np.ones(1)), "spins"),
    (cp.sites, (float("nan"),), "mask"), (cp.pair_matrix, (None,), "J"),
    (cp.flip_gauge, (np.zeros(8), 2**70), "flips"), (cp.ring_distance, (2**40,), "n"),
    (cp.torus_distance, (2**40,), "L"), (cp.group_couplings, (np.zeros(6), None), "J"),
])
def test_coupling_functions_refuse_bad_input_naming_it(fn, args, name):
    with pytest.raises((TypeError, ValueError), match=name):
        fn(*args)


def test_subset_and_coupling_refuse_sites_that_would_allocate_huge_masks():
    for bad in (2**40, 2**70, -1, 2.5, None):
        with pytest.raises(ValueError, match="sites_"):
            cp.subset(0, bad)
    J = cp.ising_couplings(np.arange(8.0))
    with pytest.raises(ValueError, match="sites_"):
        cp.coupling(J, 0, 5)  # site 5 of 3 spins
    with pytest.raises(ValueError, match="decimals"):
        cp.group_couplings(J, decimals=-1)


@pytest.mark.parametrize("fn,kw,name", [
    (rg.as_operator, {"T": "bogus"}, "T"),
    (rg.as_operator, {"T": np.zeros((8, 4)), "visible_values": [np.nan]}, "visible_values"),
    (rg.renormalized_hamiltonian, {"H_v": object(), "T": np.zeros((8, 4))}, "H_v"),
    (rg.free_energy, {"H": "bogus"}, "H"),
    (rg.kl_divergence, {"H_p": np.array([np.nan, 0.0]), "H_q": np.zeros(2)}, "H_p"),
    (rg.block_operator, {"blocks": [np.nan], "n_visible": 4}, "blocks"),
    (rg.block_operator, {"blocks": "bogus", "n_visible": 4}, "blocks"),
    (rg.ring_hamiltonian, {"N": 2**40, "K": 0.5}, "N"),
    (rg.torus_hamiltonian, {"L": 2**40, "K": 0.5}, "L"),
    (rg.decimation_coupling, {"K": float("nan")}, "K"),
    (rg.decimation_coupling, {"K": None}, "K"),
    (rg.decimation_constant, {"K": float("inf")}, "K"),
    (rg.decimation_flow, {"K0": 1.0, "steps": 2**40}, "steps"),
    (rg.vrg_monitor, {"H_v": np.zeros(0)}, "H_v"),
    (rg.ring_receptive_fields, {"n_visible": 2**40, "n_hidden": 2}, "n_visible"),
])
def test_variational_functions_refuse_bad_input_naming_it(fn, kw, name):
    with pytest.raises((TypeError, ValueError), match=name):
        fn(**kw)


def test_decimation_flow_from_a_huge_coupling_stays_nan_free():
    flow = rg.decimation_flow(1e300, 3)
    assert not np.isnan(flow).any() and flow[0] == 1e300
    assert rg.decimation_coupling(np.inf) == np.inf


def test_an_operator_call_checks_its_states():
    op = rg.as_operator(np.zeros((8, 4)))
    assert op(cp.states(3), cp.states(2)).shape == (8, 4)
    with pytest.raises(ValueError, match="v must have shape"):
        op(np.ones((2, 4)), cp.states(2))
    with pytest.raises(ValueError, match="h must contain only"):
        op(cp.states(3), np.full((1, 2), 0.5))


def test_block_lists_are_bounded_so_they_cannot_stall():
    from rgdl.rg.variational import MAX_BLOCK_SIDE, MAX_BLOCK_SITES

    with pytest.raises(ValueError, match="L must be <="):
        rg.torus_blocks(2**40, 2)
    with pytest.raises(ValueError, match="N must be <="):
        rg.ring_blocks(MAX_BLOCK_SITES * 2, 1)
    assert len(rg.torus_blocks(MAX_BLOCK_SIDE, 2)) == (MAX_BLOCK_SIDE // 2) ** 2
