"""Tests of rgdl.rbm: enumeration oracles first, then the trainer, checkpoints and errors."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rgdl.rbm.datasets import bars_and_stripes, binarized_digits
from rgdl.rbm import (RBM, cd_gradient, enumerate_states, exact_gradient, fit,
                      free_energy_gap, load_checkpoint, log_likelihood, log_partition,
                      pseudo_log_likelihood, reconstruction_error)
from rgdl.rbm.model import EnumerationErrors, enumeration_errors, gaussian_rbm

F64 = torch.float64


def random_rbm(nv, nh, spins=False, seed=0, scale=1.0):
    return gaussian_rbm(nv, nh, spins=spins, seed=seed, scale=scale)


def brute_energy_table(rbm):
    V = enumerate_states(rbm.n_visible, rbm.values)
    H = enumerate_states(rbm.n_hidden, rbm.values)
    E = -(V @ rbm.b)[:, None] - (H @ rbm.c)[None, :] - V @ rbm.W @ H.T
    return V, H, E


# ---------------------------------------------------------------- exact oracles
@pytest.mark.parametrize("spins", [False, True])
@pytest.mark.parametrize("nv,nh", [(6, 4), (4, 7), (5, 5)])
def test_enumeration_identities(spins, nv, nh):
    rbm = random_rbm(nv, nh, spins, seed=nv * 10 + nh)
    V, H, E = brute_energy_table(rbm)
    # energy() agrees with the table
    i = torch.arange(len(V)).repeat_interleave(len(H))
    j = torch.arange(len(H)).repeat(len(V))
    assert torch.allclose(rbm.energy(V[i], H[j]), E.flatten(), atol=1e-12, rtol=0)
    log_z = torch.logsumexp(-E.flatten(), 0).item()
    assert abs(log_partition(rbm) - log_z) < 1e-10
    assert abs(log_partition(rbm, chunk=3) - log_z) < 1e-10  # chunking changes nothing
    P = torch.exp(-E - log_z)
    # sum_h P(v, h) = exp(-H_RBM(v)) / Z and sum_v P(v, h) = exp(-H_RBM(h)) / Z
    assert torch.allclose(P.sum(1), torch.exp(-rbm.visible_hamiltonian(V) - log_z), atol=1e-10, rtol=0)
    assert torch.allclose(P.sum(0), torch.exp(-rbm.hidden_hamiltonian(H) - log_z),
                          atol=1e-10, rtol=0)
    assert abs(P.sum().item() - 1) < 1e-10
    # conditionals: P(h_j = top | v) from the table
    top = 1.0
    ph = (P[:, :, None] * (H[None, :, :] == top)).sum(1) / P.sum(1, keepdim=True)
    assert torch.allclose(rbm.p_h_given_v(V), ph, atol=1e-10, rtol=0)
    pv = (P[:, :, None] * (V[:, None, :] == top)).sum(0) / P.sum(0)[:, None]
    assert torch.allclose(rbm.p_v_given_h(H), pv, atol=1e-10, rtol=0)


def test_gaussian_rbm_draws_w_then_b_then_c_from_one_generator():
    rbm = gaussian_rbm(6, 4, spins=True, seed=2, scale=0.5)
    g = torch.Generator().manual_seed(2)
    assert torch.equal(rbm.W, 0.5 * torch.randn(6, 4, generator=g, dtype=F64))
    assert torch.equal(rbm.b, 0.5 * torch.randn(6, generator=g, dtype=F64))
    assert torch.equal(rbm.c, 0.5 * torch.randn(4, generator=g, dtype=F64))
    assert rbm.spins and rbm.W.dtype == F64
    with pytest.raises(ValueError, match="scale"):
        gaussian_rbm(3, 2, scale=0.0)


@pytest.mark.parametrize("spins", [False, True])
@pytest.mark.parametrize("nv,nh", [(6, 4), (4, 7), (1, 1)])
def test_enumeration_errors_are_round_off(spins, nv, nh):
    # the closed forms against the joint table: round-off only, float64
    err = enumeration_errors(gaussian_rbm(nv, nh, spins=spins, seed=nv + nh))
    assert isinstance(err, EnumerationErrors)
    assert err.max == max(err.p_visible, err.p_hidden, err.log_z)
    assert 0 <= err.max < 1e-12


def test_enumeration_errors_catch_a_wrong_closed_form(monkeypatch):
    # the check can fail: a closed form that forgets the hidden bias is caught
    rbm = gaussian_rbm(5, 3, seed=1)
    wrong = lambda v: -(v @ rbm.b) - torch.nn.functional.softplus(v @ rbm.W).sum(1)
    monkeypatch.setattr(RBM, "visible_hamiltonian", lambda self, v: wrong(v))
    err = enumeration_errors(rbm)
    assert err.p_visible > 1e-3 and err.p_hidden < 1e-12


def test_enumeration_errors_validate():
    with pytest.raises(TypeError, match="rbm"):
        enumeration_errors("not an rbm")
    with pytest.raises(ValueError, match="units"):
        enumeration_errors(RBM(12, 12))
    bad = RBM(3, 2)
    bad.b[0] = float("inf")
    with pytest.raises(ValueError, match="rbm.b"):
        enumeration_errors(bad)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.1, 20.0), spins=st.booleans())
def test_free_energy_is_stable_and_exact(seed, scale, spins):
    # free energy by direct logsumexp over h, even for large fields (no overflow)
    rbm = random_rbm(5, 3, spins, seed=seed, scale=scale)
    V, H, E = brute_energy_table(rbm)
    direct = -torch.logsumexp(-E, 1)
    assert torch.allclose(rbm.visible_hamiltonian(V), direct, atol=1e-9 * max(1.0, scale), rtol=1e-12)
    assert math.isfinite(log_partition(rbm))


def test_float32_default_and_to():
    rbm = RBM(10, 3, seed=0)
    assert rbm.W.dtype == torch.float32 and rbm.W.shape == (10, 3)
    assert rbm.b.shape == (10,) and rbm.c.shape == (3,)
    assert 0.005 < float(rbm.W.std()) < 0.02  # N(0, 0.01^2)
    rbm.to(dtype=F64)
    assert rbm.visible_hamiltonian(torch.zeros(2, 10)).dtype == F64


def test_gibbs_reaches_the_exact_marginal():
    rbm = random_rbm(4, 3, seed=3, scale=0.7)
    V, H, E = brute_energy_table(rbm)
    p_exact = torch.softmax(-rbm.visible_hamiltonian(V), 0)
    samples = rbm.sample(20_000, n_steps=50, seed=1)
    code = (samples * 2 ** torch.arange(4, dtype=F64)).sum(1).long()
    freq = torch.bincount(code, minlength=16).double() / len(code)
    # multinomial sd <= sqrt(p/n) ~ 0.0035; 5 sigma
    assert float((freq - p_exact).abs().max()) < 0.018


# ------------------------------------------------------------- the CD gradient
@pytest.mark.parametrize("spins", [False, True])
def test_cd_gradient_with_large_k_matches_exact_gradient(spins):
    rbm = random_rbm(5, 4, spins, seed=7, scale=0.5)
    data = torch.as_tensor(np.random.default_rng(0).integers(0, 2, (8, 5)), dtype=F64)
    if spins:
        data = 2 * data - 1
    gW, gb, gc = exact_gradient(rbm, data)
    reps = 4000
    dW, db, dc, vk = cd_gradient(rbm, data.repeat(reps, 1), k=60, seed=0)
    # sampling error of the negative phase: per-entry sd of v_i E[h_j|v] over chains / sqrt(N)
    hk = rbm.p_h_given_v(vk)
    hk = 2 * hk - 1 if spins else hk
    sdW = (vk[:, :, None] * hk[:, None, :]).std(0) / math.sqrt(len(vk))
    sdb = vk.std(0) / math.sqrt(len(vk))
    sdc = hk.std(0) / math.sqrt(len(vk))
    # 5 sigma per entry (60 steps of mixing on a weak 5x4 model leaves negligible bias)
    assert bool(((dW - gW).abs() <= 5 * sdW + 1e-12).all())
    assert bool(((db - gb).abs() <= 5 * sdb + 1e-12).all())
    assert bool(((dc - gc).abs() <= 5 * sdc + 1e-12).all())


# ---------------------------------------------------------------- training
def test_fit_learns_bars_and_stripes_and_is_reproducible():
    data = torch.as_tensor(np.tile(bars_and_stripes(4), (20, 1)))
    rbm = RBM(16, 12, seed=0)
    ll0 = log_likelihood(rbm, data)
    hist = fit(rbm, data, epochs=15, batch_size=20, lr=0.1, k=1, seed=1, progress=False,
               monitors=("recon", "pll", "loglik"), heldout=data[:30])
    ll1 = log_likelihood(rbm, data)
    assert ll1 > ll0 + 2  # ln(1/2^16) = -11.1 at the start
    assert len(hist["recon"]) == 15 and len(hist["loglik_heldout"]) == 15
    assert hist["loglik_train"][-1] == pytest.approx(ll1, abs=1e-3)  # monitor = whole set here
    rbm2 = RBM(16, 12, seed=0)
    fit(rbm2, data, epochs=15, batch_size=20, lr=0.1, k=1, seed=1, progress=False,
        monitors=("recon", "pll", "loglik"), heldout=data[:30])
    assert torch.equal(rbm.W, rbm2.W) and torch.equal(rbm.b, rbm2.b)


def test_fit_pcd_spins_mask_l1():
    data = torch.as_tensor(bars_and_stripes(3, unique=False, n_samples=300, seed=0, spins=True))
    mask = (torch.rand(9, 5, generator=torch.Generator().manual_seed(0)) < 0.5).float()
    rbm = RBM(9, 5, spins=True, seed=0, mask=mask)
    assert bool((rbm.W[mask == 0] == 0).all())
    ll0 = log_likelihood(rbm, data)
    # PCD with few chains oscillates under momentum 0.9 on this multimodal data; keep 0.5
    fit(rbm, data, epochs=15, batch_size=30, lr=0.05, k=2, persistent=True, l1=2e-4,
        final_momentum=0.5,
        weight_decay=1e-4, seed=0, progress=False, init_visible_bias=True, monitors=())
    assert bool((rbm.W[mask == 0] == 0).all())  # masked weights stay exactly zero
    assert log_likelihood(rbm, data) > ll0


def test_init_visible_bias_and_lr_schedule():
    data = torch.as_tensor(bars_and_stripes(4))
    rbm = RBM(16, 4, seed=0)
    hist = fit(rbm, data, epochs=0, seed=0, progress=False, init_visible_bias=True,
               batch_size=10)
    p = data.mean(0).clamp(1e-3, 1 - 1e-3)
    assert torch.allclose(rbm.b, torch.log(p / (1 - p)), atol=1e-6)
    assert hist["epoch"] == []
    hist = fit(rbm, data, epochs=3, seed=0, progress=False, batch_size=10,
               lr_schedule=lambda e: 0.1 / (1 + e), monitors=())
    assert hist["lr"] == pytest.approx([0.1, 0.05, 0.1 / 3])
    assert hist["momentum"] == [0.5, 0.5, 0.5]


def test_monitors_free_energy_gap_and_callables():
    train, held = binarized_digits(n_train=100, seed=0)
    rbm = RBM(64, 10, seed=0)
    hist = fit(rbm, train, epochs=2, seed=0, progress=False, heldout=held, batch_size=20,
               monitors=("free_energy", lambda r: {"w_norm": float(r.W.norm())}))
    assert len(hist["free_energy_gap"]) == 2 and len(hist["w_norm"]) == 2
    ft, fh, gap = free_energy_gap(rbm, train, held)
    assert gap == pytest.approx(fh - ft)
    assert math.isfinite(pseudo_log_likelihood(rbm, held, seed=0))
    assert reconstruction_error(rbm, held, seed=0) >= 0


# ------------------------------------------------------------- checkpoints
@pytest.mark.parametrize("persistent", [False, True])
def test_resume_reproduces_uninterrupted_run_bit_for_bit(tmp_path, persistent):
    data = torch.as_tensor(binarized_digits(n_train=210, seed=1)[0])  # 210: a partial last batch
    kw = dict(batch_size=50, lr=0.05, k=1, persistent=persistent, seed=5, progress=False,
              momentum_switch=2, l1=1e-4, monitors=("recon",))
    full = RBM(64, 12, seed=3)
    h_full = fit(full, data, epochs=4, **kw)
    ckpt = tmp_path / "rbm.pt"
    part = RBM(64, 12, seed=3)
    fit(part, data, epochs=2, checkpoint=ckpt, **kw)
    state = load_checkpoint(ckpt)
    assert state["epoch"] == 2
    resumed = RBM(64, 12, seed=99)  # different init: everything must come from the checkpoint
    h_res = fit(resumed, data, epochs=4, checkpoint=ckpt, **kw)
    assert torch.equal(full.W, resumed.W)
    assert torch.equal(full.b, resumed.b) and torch.equal(full.c, resumed.c)
    assert h_full["recon"] == h_res["recon"]
    # a finished checkpoint: calling again trains nothing more
    again = RBM(64, 12, seed=0)
    fit(again, data, epochs=4, checkpoint=ckpt, **kw)
    assert torch.equal(again.W, full.W)
    # a checkpoint from another configuration is refused
    with pytest.raises(ValueError, match="batch_size"):
        fit(RBM(64, 12), data, epochs=5, checkpoint=ckpt, **{**kw, "batch_size": 30})


def test_state_dict_and_save_load(tmp_path):
    rbm = random_rbm(6, 3, seed=2)
    rbm.set_mask(torch.ones(6, 3))
    path = rbm.save(tmp_path / "m.pt")
    back = RBM.load(path)
    assert torch.equal(back.W, rbm.W) and back.mask is not None
    other = RBM(6, 3, dtype=F64).load_state_dict(rbm.state_dict())
    assert log_partition(other) == log_partition(rbm)


# -------------------------------------------------------------------- errors
def test_errors_name_the_argument():
    rbm = RBM(4, 2)
    with pytest.raises(ValueError, match="data"):
        fit(rbm, torch.full((10, 4), 0.5), epochs=1, progress=False)
    with pytest.raises(ValueError, match="data"):
        fit(rbm, torch.zeros(10, 5), epochs=1, progress=False)
    with pytest.raises(ValueError, match="k"):
        fit(rbm, torch.zeros(10, 4), epochs=1, k=0, progress=False)
    with pytest.raises(ValueError, match="k"):
        rbm.gibbs(torch.zeros(1, 4), k=0)
    with pytest.raises(ValueError, match="heldout"):
        fit(rbm, torch.zeros(10, 4), epochs=1, heldout=torch.zeros(3, 2), progress=False,
            batch_size=5)
    with pytest.raises(ValueError, match="v"):
        rbm.visible_hamiltonian(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="mask"):
        RBM(4, 2, mask=torch.ones(3, 2))
    with pytest.raises(ValueError, match="n_visible"):
        RBM(0, 2)
    with pytest.raises(ValueError, match="data"):  # spins need +/-1
        fit(RBM(4, 2, spins=True), torch.zeros(10, 4), epochs=1, progress=False, batch_size=5)
    bad = RBM(4, 2)
    bad.W[0, 0] = float("nan")
    with pytest.raises(ValueError, match="rbm.W"):
        log_partition(bad)
    with pytest.raises(ValueError, match="rbm.W"):
        fit(bad, torch.zeros(10, 4), epochs=1, progress=False, batch_size=5)
    with pytest.raises(ValueError, match="lr"):
        fit(rbm, torch.zeros(10, 4), epochs=1, lr=-1.0, progress=False, batch_size=5)
    with pytest.raises(ValueError, match="smaller layer"):
        log_partition(RBM(40, 40))
    with pytest.raises(ValueError, match="monitors"):
        fit(rbm, torch.zeros(10, 4), epochs=1, monitors=("nope",), progress=False, batch_size=5)


def test_datasets():
    bas = bars_and_stripes(4)
    assert bas.shape == (30, 16) and len(np.unique(bas, axis=0)) == 30
    img = bas.reshape(-1, 4, 4)
    rows_equal = (img == img[:, :1, :]).all(axis=(1, 2))
    cols_equal = (img == img[:, :, :1]).all(axis=(1, 2))
    assert (rows_equal | cols_equal).all()
    samples = bars_and_stripes(4, unique=False, n_samples=200, seed=0)
    assert {tuple(r) for r in samples} <= {tuple(r) for r in bas}
    train, held = binarized_digits(seed=0)
    assert train.shape[1] == 64 and len(train) + len(held) == 1797
    assert set(np.unique(train)) == {0.0, 1.0}
    t2, h2 = binarized_digits(seed=0)
    assert np.array_equal(train, t2)


def test_fit_accepts_unit_means_when_asked():
    probs = torch.rand(40, 6, generator=torch.Generator().manual_seed(0))
    rbm = RBM(6, 3, seed=0)
    with pytest.raises(ValueError, match="data"):
        fit(rbm, probs, epochs=1, batch_size=10, progress=False)
    hist = fit(rbm, probs, epochs=2, batch_size=10, progress=False, binary=False,
               sample_visible=False, heldout=probs[:10], monitors=("free_energy", "recon"))
    assert len(hist["free_energy_gap"]) == 2
    with pytest.raises(ValueError, match="data"):
        fit(rbm, probs + 1, epochs=1, batch_size=10, progress=False, binary=False)


@pytest.mark.parametrize("persistent", [False, True])
def test_mixed_precision_bf16_trains(persistent):
    train, held = binarized_digits(seed=0)
    base = RBM(64, 12, seed=0)
    ll0 = log_likelihood(base, held)
    rbm = RBM(64, 12, seed=0)
    fit(rbm, train, epochs=4, batch_size=50, lr=0.05, persistent=persistent, seed=0,
        progress=False, monitors=(), matmul_dtype=torch.bfloat16, final_momentum=0.5)
    assert rbm.W.dtype == torch.float32  # master parameters stay in full precision
    assert log_likelihood(rbm, held) > ll0 + 1.0


# ------------------------------------------- issue #13: refused at the door, never silent
@pytest.mark.parametrize("how", ["truncate", "empty", "garbage", "flip", "no_sidecar",
                                 "bad_sidecar"])
def test_a_damaged_saved_rbm_is_refused_in_one_line_never_loaded(tmp_path, damage, how):
    from rgdl.core.io import CorruptFileError

    path = random_rbm(6, 3, seed=4).save(tmp_path / "m.pt")
    damage(path, how)
    with pytest.raises(CorruptFileError) as err:
        RBM.load(path)
    assert len(str(err.value).splitlines()) == 1 and str(path) in str(err.value)


def test_save_and_load_check_their_arguments(tmp_path):
    rbm = RBM(4, 2)
    with pytest.raises(FileNotFoundError, match="path"):
        RBM.load(tmp_path / "absent.pt")
    for bad in (None, 3, ""):
        with pytest.raises(TypeError, match="path"):
            rbm.save(bad)
        with pytest.raises(TypeError, match="path"):
            RBM.load(bad)
    path = rbm.save(tmp_path / "m.pt")
    with pytest.raises(ValueError, match="dtype"):
        RBM.load(path, dtype="bogus")
    with pytest.raises(ValueError, match="device"):
        RBM.load(path, device="bogus")


def test_gibbs_and_sample_refuse_endless_work_up_front():
    from rgdl.rbm.model import MAX_GIBBS_STEPS

    rbm = RBM(4, 3, seed=0)
    v = torch.zeros(2, 4)
    for k in (2**40, 2**70, MAX_GIBBS_STEPS + 1):
        with pytest.raises(ValueError, match="k must be <="):
            rbm.gibbs(v, k=k)
        with pytest.raises(ValueError, match="k must be <="):
            cd_gradient(rbm, torch.zeros(2, 4), k=k)
        with pytest.raises(ValueError, match="n_steps must be <="):
            rbm.sample(2, n_steps=k)
    with pytest.raises(ValueError, match="n_samples"):
        rbm.sample(2**40, n_steps=1)
    with pytest.raises(TypeError, match="k must be an int"):
        rbm.gibbs(v, k=2.5)


def test_sizes_are_bounded_by_memory_before_allocating():
    with pytest.raises(ValueError, match="n_visible"):
        RBM(2**40, 3)
    with pytest.raises(ValueError, match="n_hidden"):
        RBM(3, 2**70)
    with pytest.raises(ValueError, match="n must be <="):
        enumerate_states(2**40)
    with pytest.raises(ValueError, match="n_visible"):
        gaussian_rbm(2**40, 2)


def test_nan_batches_are_refused_not_propagated():
    rbm = RBM(4, 3, seed=0, dtype=F64)
    v = torch.zeros(2, 4, dtype=F64)
    v[0, 0] = float("nan")
    for method in (rbm.visible_hamiltonian, rbm.p_h_given_v, rbm.sample_h, rbm.gibbs):
        with pytest.raises(ValueError, match="v contains NaN"):
            method(v)
    with pytest.raises(ValueError, match="h contains NaN"):
        rbm.energy(torch.zeros(2, 4, dtype=F64), v[:, :3])
    with pytest.raises(ValueError, match="v0"):
        rbm.sample(2, 1, v0=v)
    with pytest.raises(ValueError, match="log_z"):
        log_likelihood(rbm, torch.zeros(2, 4), log_z=float("nan"))


def test_devices_dtypes_generators_and_states_are_checked():
    rbm = RBM(4, 3, seed=0)
    for bad in ("bogus", "", 3):
        with pytest.raises((TypeError, ValueError), match="device"):
            RBM(4, 3, device=bad)
        with pytest.raises((TypeError, ValueError), match="device"):
            rbm.copy().to(device=bad)
    with pytest.raises(ValueError, match="dtype"):
        rbm.copy().to(dtype="bogus")
    with pytest.raises(TypeError, match="generator"):
        rbm.sample_h(torch.zeros(1, 4), generator="bogus")
    with pytest.raises(TypeError, match="state"):
        rbm.copy().load_state_dict(None)
    bad_state = rbm.state_dict()
    bad_state["W"] = torch.full((4, 3), float("nan"))
    target = rbm.copy()
    with pytest.raises(ValueError, match=r"state\['W'\]"):
        target.load_state_dict(bad_state)
    assert torch.equal(target.W, rbm.W)  # untouched by the refused state
    for fn in (log_likelihood, pseudo_log_likelihood, reconstruction_error, exact_gradient):
        with pytest.raises(TypeError, match="rbm must be an RBM"):
            fn(None, torch.zeros(2, 4))
    with pytest.raises(TypeError, match="rbm must be an RBM"):
        free_energy_gap("bogus", torch.zeros(2, 4), torch.zeros(2, 4))


def test_enumerate_states_checks_its_range():
    with pytest.raises(ValueError, match="values"):
        enumerate_states(3, values=None)
    with pytest.raises(ValueError, match="stop"):
        enumerate_states(3, stop=9)
    with pytest.raises(ValueError, match="start"):
        enumerate_states(3, start=-1)
    with pytest.raises(TypeError, match="stop"):
        enumerate_states(3, stop="bogus")
    assert enumerate_states(3, start=2, stop=5).shape == (3, 3)


def test_bars_and_stripes_and_digits_check_their_arguments():
    with pytest.raises(ValueError, match="n must be <="):
        bars_and_stripes(2**40)
    with pytest.raises(ValueError, match="n_samples"):
        bars_and_stripes(3, unique=False, n_samples=2**40)
    with pytest.raises(TypeError, match="unique"):
        bars_and_stripes(3, unique=None)
    with pytest.raises(TypeError, match="heldout_fraction"):
        binarized_digits(heldout_fraction="bogus")
