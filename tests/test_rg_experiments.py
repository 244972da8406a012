"""Tests of rgdl.rg.experiments: the experiments of chapter 3, against exact oracles."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rgdl import chain, rg
from rgdl.rbm import RBM, log_partition
from rgdl.rg import couplings as cp
from rgdl.rg import experiments as ex

FAST = settings(max_examples=10, deadline=None)
TRAIN = dict(lr=0.02, k=1, batch_size=50, init_visible_bias=True)


def random_rbm(n_v, n_h, seed, scale=0.7, mask=None):
    rbm = RBM(n_v, n_h, dtype=torch.float64, seed=seed, mask=mask)
    g = np.random.default_rng(seed)
    rbm.W = torch.tensor(g.normal(0, scale, (n_v, n_h)) * (1 if mask is None else mask))
    rbm.b = torch.tensor(g.normal(0, scale, n_v))
    rbm.c = torch.tensor(g.normal(0, scale, n_h))
    return rbm


def fake_run(rbm, K, arch="local", replicate=0, kl=(0.5, 0.1)):
    return ex.RingRun(K, arch, 0, replicate, rbm, {"kl": list(kl)},
                      rg.ring_hamiltonian(rbm.n_visible, K))


@pytest.fixture(scope="module")
def runs():
    return ex.train_ring_rbms(6, 3, [0.8], n_samples=400, epochs=3, seeds=[0, 10],
                              width=2, **TRAIN)


# ------------------------------------------------------------------ exact checks
def test_mapping_check_is_exact_and_deterministic():
    a = ex.mapping_check(4, seed=1)
    assert a.n_cases == 4 and max(a.H_rg, a.e_T, a.trace) < 1e-10
    assert a == ex.mapping_check(4, seed=1)
    with pytest.raises(ValueError, match="n_cases"):
        ex.mapping_check(0, seed=1)
    with pytest.raises(TypeError, match="n_cases"):
        ex.mapping_check(2.0, seed=1)
    with pytest.raises(ValueError, match="seed"):
        ex.mapping_check(2, seed=-1)


@pytest.mark.parametrize("b, sizes", [(2, [6, 8]), (3, [9, 12])])
def test_decimation_check_meets_the_closed_form(b, sizes):
    d = ex.decimation_check(sizes, [0.2, 1.1], b=b)
    assert max(d.K_prime, d.other, d.constant, d.recursion) < 1e-10
    with pytest.raises(ValueError, match="sizes"):
        ex.decimation_check([2 * b], [0.5], b=b)
    with pytest.raises(ValueError, match="couplings"):
        ex.decimation_check(sizes, [np.inf], b=b)


def test_majority_couplings():
    m = ex.majority_couplings(9, [0.4, 1.0])
    assert m.F_deviation < 1e-10 and m.odd_max() < 1e-12   # trace condition; Z2 symmetry
    assert -m.mean("ring", 1.0, 2, 1) > 0 and -m.mean("torus", 1.0, 2, 1) > 0
    assert m.group("ring", 1.0, 8, 1) is None and m.mean("ring", 1.0, 8, 1) == 0.0
    assert m.largest("ring", 1.0, 2) >= abs(m.mean("ring", 1.0, 2, 1))
    # the 3 coarse ring spins: the pair group agrees with the expansion read directly
    J = cp.ising_couplings(rg.majority_ring(9, 1.0))
    assert m.mean("ring", 1.0, 2, 1) == pytest.approx(cp.coupling(J, 0, 1), abs=1e-14)
    assert len(m.table().splitlines()) == 4 + len(m.ring[1.0]) + len(m.torus[1.0])
    with pytest.raises(ValueError, match="lattice"):
        m.group("cube", 1.0, 2, 1)
    with pytest.raises(ValueError, match="couplings"):
        ex.majority_couplings(9, [])


# ------------------------------------------------ the trace condition, exactly
@FAST
@given(seed=st.integers(0, 2**31), shift=st.floats(-5, 5))
def test_trace_counterexample_identities(seed, shift):
    rbm = random_rbm(5, 3, seed)
    H = np.random.default_rng(seed).normal(0, 1, 32)
    c = ex.trace_counterexample(rbm, H)
    assert max(c.trace_identity, c.kl_identity, c.dF_identity) < 1e-10
    assert abs(c.shifted_delta_F) < 1e-10          # Delta F = 0 after the shift, by construction
    assert c.spread > 0 and c.kl > 0               # ... while the trace condition fails
    # Delta F follows the arbitrary zero of H; KL and the spread do not
    s = ex.trace_counterexample(rbm, H + shift)
    assert s.delta_F == pytest.approx(c.delta_F - shift, abs=1e-10)
    assert s.kl == pytest.approx(c.kl, abs=1e-12) and s.spread == pytest.approx(c.spread, abs=1e-10)


def test_trace_condition_is_sufficient():
    rbm = random_rbm(5, 3, 4)
    c = ex.trace_counterexample(rbm, rg.rbm_visible_hamiltonian(rbm))
    assert abs(c.delta_F) < 1e-12 and c.spread < 1e-12 and c.kl < 1e-12


# --------------------------------------------------------------- trained RBMs
def test_train_ring_rbms_pairs_and_seeds(runs):
    assert [(r.replicate, r.arch, r.seed) for r in runs] == [
        (0, "fully connected", 0), (0, "local", 0), (1, "fully connected", 10), (1, "local", 10)]
    assert all(len(r.history["kl"]) == 3 and len(r.history["delta_F"]) == 3 for r in runs)
    local = runs[1].rbm.W.numpy()
    assert np.all(local[rg.ring_receptive_fields(6, 3, width=2) == 0] == 0)
    again = ex.train_ring_rbms(6, 3, [0.8], n_samples=400, epochs=3, seeds=[0], width=2, **TRAIN)
    assert torch.equal(again[0].rbm.W, runs[0].rbm.W)   # same seed, same numbers
    assert not torch.equal(runs[2].rbm.W, runs[0].rbm.W)
    with pytest.raises(ValueError, match="seeds"):
        ex.train_ring_rbms(6, 3, [0.8], n_samples=10, epochs=1, seeds=[])
    with pytest.raises(TypeError, match="seeds"):
        ex.train_ring_rbms(6, 3, [0.8], n_samples=10, epochs=1, seeds=[1.5])
    with pytest.raises(TypeError, match="run"):
        ex.ring_couplings(runs[0].rbm)
    with pytest.raises(TypeError, match="run"):
        ex.layer_free_energy(None)


def test_ring_couplings_read_the_expansion():
    mask = rg.ring_receptive_fields(8, 4, width=4)
    rbm = random_rbm(8, 4, 2, mask=mask)
    r = ex.ring_couplings(fake_run(rbm, 0.6))
    J_v, J_h = rg.rbm_couplings(rbm)
    nn = [-cp.coupling(J_v, i, (i + 1) % 8) for i in range(8)]
    far = [-cp.coupling(J_v, i, (i + d) % 8) for d in (2, 3, 4) for i in range(8)]
    nn_h = [-cp.coupling(J_h, j, (j + 1) % 4) for j in range(4)]
    assert r.nn_v == pytest.approx(np.mean(nn)) and r.nn_v_sd == pytest.approx(np.std(nn))
    assert r.far_v == pytest.approx(np.max(np.abs(far)))
    assert r.nn_h == pytest.approx(np.mean(nn_h)) and r.nn_h_min == pytest.approx(min(nn_h))
    assert r.field_v == pytest.approx(max(abs(cp.coupling(J_v, i)) for i in range(8)))
    assert r.K_dec == pytest.approx(0.5 * np.log(np.cosh(1.2)))
    maj = cp.ising_couplings(rg.block_spin_hamiltonian(rg.ring_hamiltonian(8, 0.6),
                                                       rg.ring_blocks(8, 2), 8, "majority"))
    assert r.K_maj == pytest.approx(-cp.coupling(maj, 0, 1)) and r.K_maj > r.K_dec
    assert r.kl == 0.1 and r.kl_first == 0.5
    # an RBM without weights has a visible Hamiltonian of fields only
    zero = random_rbm(8, 4, 3, scale=0.5)
    zero.W = torch.zeros(8, 4, dtype=torch.float64)
    z = ex.ring_couplings(fake_run(zero, 0.6))
    assert abs(z.nn_v) < 1e-12 and z.many_v < 1e-12 and z.pairs_h == 0


def _row(K, arch, rep, nn_v, nn_h, kl=0.1):
    return ex.RingCouplings(K=K, arch=arch, replicate=rep, kl=kl, kl_first=1.0, nn_v=nn_v,
                            nn_v_sd=0.0, far_v=0.1, field_v=0.0, many_v=0.0, nn_h=nn_h,
                            nn_h_sd=0.01, nn_h_min=nn_h - 0.01, far_h=0.0, all_h=0.2,
                            pairs_h=3, K_dec=0.5, K_maj=0.7, maj_far=0.0)


def test_ring_coupling_summary_by_seed():
    rows = [_row(1.0, "local", 0, 0.8, 0.65), _row(1.0, "fully connected", 0, 0.9, 0.0),
            _row(1.0, "local", 1, 1.1, 0.55, kl=0.3), _row(1.0, "fully connected", 1, 0.7, 0.0)]
    s = ex.ring_coupling_summary(rows)
    assert s.per_seed["learns_ferromagnet"] == [0.8, 0.7]
    assert s.per_seed["underestimates_K"] == pytest.approx([-0.1, 0.1])
    assert s.per_seed["hidden_ferromagnetic"] == pytest.approx([0.64, 0.54])   # local only
    assert s.per_seed["above_decimation"] == pytest.approx([0.3, 0.1])
    assert s.per_seed["majority_position"] == pytest.approx([0.75, 0.25])
    assert s.per_seed["kl_improves"] == pytest.approx([0.1, 0.3])
    assert s.records["full_pairs_min"] == 3 and s.records["kl_final_max"] == 0.3
    assert len(ex.ring_couplings_table(rows).splitlines()) == 3 + 2
    with pytest.raises(ValueError, match="rows"):
        ex.ring_coupling_summary([])


def test_layer_free_energy(runs):
    for run in runs:
        f = ex.layer_free_energy(run)
        assert f.recursion_gap < 1e-10
        assert f.F_v == pytest.approx(-chain.log_partition(6, 0.8), abs=1e-10)
        assert f.F_h == pytest.approx(-log_partition(run.rbm), abs=1e-10)
        assert f.delta_F == pytest.approx(run.history["delta_F"][-1], abs=1e-10)
        assert f.F_v == pytest.approx(-f.constant + f.F_coarse, abs=1e-10)
    table = ex.free_energy_table([ex.layer_free_energy(r) for r in runs], 6, 3)
    assert len(table.splitlines()) == 1 + len(runs)


# ------------------------------------------- issue #13: refused at the door, never hanging
@pytest.mark.parametrize("fn,kw,name", [
    (ex.mapping_check, {"n_cases": 2**40, "seed": 0}, "n_cases"),
    (ex.decimation_check, {"sizes": None, "couplings": [0.5]}, "sizes"),
    (ex.decimation_check, {"sizes": [6], "couplings": None}, "couplings"),
    (ex.majority_couplings, {"ring_size": 2**40, "couplings": [0.5]}, "ring_size"),
    (ex.majority_couplings, {"ring_size": 6, "couplings": [0.5], "torus_size": 2.5},
     "torus_size"),
    (ex.majority_couplings, {"ring_size": 6, "couplings": [0.5], "ring_block": 4},
     "ring_block"),
    (ex.train_ring_rbms, {"n_visible": 6, "n_hidden": 3, "couplings": [0.5],
                          "n_samples": 2**40, "epochs": 1, "seeds": [0]}, "n_samples"),
    (ex.train_ring_rbms, {"n_visible": 6, "n_hidden": 3, "couplings": [0.5],
                          "n_samples": 10, "epochs": 2**40, "seeds": [0]}, "epochs"),
    (ex.train_ring_rbms, {"n_visible": 6, "n_hidden": 3, "couplings": None,
                          "n_samples": 10, "epochs": 1, "seeds": [0]}, "couplings"),
    (ex.ring_couplings_table, {"rows": ["x"]}, "rows"),
    (ex.ring_coupling_summary, {"rows": None}, "rows"),
    (ex.free_energy_table, {"rows": None, "n_visible": 6, "n_hidden": 3}, "rows"),
])
def test_experiments_refuse_bad_input_naming_it(fn, kw, name):
    with pytest.raises((TypeError, ValueError), match=name):
        fn(**kw)


def test_small_rings_give_coupling_rows_without_crashing():
    runs = ex.train_ring_rbms(6, 3, [0.5], n_samples=20, epochs=1, seeds=[0], width=2,
                              batch_size=10)
    row = ex.ring_couplings(runs[0])  # 3 hidden units: no hidden pair at distance >= 2
    assert row.far_h == 0.0 and np.isfinite(row.nn_v)
    with pytest.raises(ValueError, match="free_energy_table|n_visible"):
        ex.free_energy_table([ex.layer_free_energy(runs[0])], 0, 3)


def test_majority_lookups_name_their_arguments():
    maj = ex.majority_couplings(6, [0.5])
    with pytest.raises(ValueError, match="K must be one of"):
        maj.group("ring", 0.7, 2, 1.0)
    with pytest.raises(ValueError, match="lattice"):
        maj.largest("bogus", 0.5, 2)
    with pytest.raises(TypeError, match="extent"):
        maj.mean("ring", 0.5, 2, None)
