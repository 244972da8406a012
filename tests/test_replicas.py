"""Replicas (rgdl.rbm.replicas): R networks trained together equal R networks trained alone."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rgdl.rbm import RBM, TrainingConfig, fit
from rgdl.rbm.datasets import bars_and_stripes
from rgdl.rbm.replicas import fit_replicas

F64 = torch.float64


def _data(seed, n=90, spins=False):
    return torch.as_tensor(bars_and_stripes(3, unique=False, n_samples=n, seed=seed, spins=spins),
                           dtype=F64)


def _alone(n_visible, n_hidden, data, seed, init, **kw):
    rbm = RBM(n_visible, n_hidden, seed=init, dtype=F64, spins=kw.pop("spins", False))
    hist = fit(rbm, data, seed=seed, progress=False, **kw)
    return rbm, hist


@pytest.mark.parametrize("persistent,sample_visible,spins", [
    (False, True, False), (False, False, False), (True, True, False), (False, True, True)])
def test_float64_replicas_equal_networks_trained_alone(persistent, sample_visible, spins):
    # batch 20 on 90 rows: every epoch ends with a partial minibatch of 10
    datas = [_data(s, spins=spins) for s in (0, 1, 2)]
    kw = dict(epochs=3, batch_size=20, k=2, persistent=persistent, sample_visible=sample_visible,
              monitors=("recon",))
    per = dict(lr=[0.05, 0.1, 0.02], l1=[0.0, 1e-3, 0.0], weight_decay=[0.0, 0.0, 1e-3])
    rbms = [RBM(9, 4, seed=10 + r, dtype=F64, spins=spins) for r in range(3)]
    hists = fit_replicas(rbms, datas, seeds=[5, 6, 7], progress=False, **kw, **per)
    for r in range(3):
        alone, hist = _alone(9, 4, datas[r], 5 + r, 10 + r, spins=spins, **kw,
                             **{k: v[r] for k, v in per.items()})
        for name in ("W", "b", "c"):
            diff = float((getattr(rbms[r], name) - getattr(alone, name)).abs().max())
            assert diff < 1e-10, (r, name, diff)
        np.testing.assert_allclose(hists[r]["recon"], hist["recon"], rtol=1e-9)


def test_float32_replicas_agree_statistically_with_networks_alone():
    # float32: rounding can flip a sampled unit, so compare the ensembles' final
    # reconstruction errors: means over 8 seeds within 4 standard errors
    data = torch.as_tensor(bars_and_stripes(3, unique=False, n_samples=200, seed=0))
    kw = dict(epochs=8, batch_size=20, lr=0.1, monitors=("recon",))
    R = 8
    rbms = [RBM(9, 6, seed=100 + r) for r in range(R)]
    rep = [h["recon"][-1] for h in fit_replicas(rbms, data, seeds=range(R), progress=False, **kw)]
    alone = []
    for r in range(R):
        rbm = RBM(9, 6, seed=100 + r)
        alone.append(fit(rbm, data, seed=r, progress=False, **kw)["recon"][-1])
    rep, alone = np.array(rep), np.array(alone)
    se = np.sqrt(rep.var(ddof=1) / R + alone.var(ddof=1) / R)
    assert abs(rep.mean() - alone.mean()) <= 4 * se + 1e-6


def test_resume_reproduces_the_uninterrupted_run(tmp_path):
    data = _data(0)
    kw = dict(batch_size=20, lr=0.05, persistent=True, monitors=("recon",))
    full = [RBM(9, 4, seed=r, dtype=F64) for r in range(2)]
    h_full = fit_replicas(full, data, seeds=[1, 2], epochs=4, progress=False, **kw)
    part = [RBM(9, 4, seed=r, dtype=F64) for r in range(2)]
    ck = tmp_path / "replicas.pt"
    fit_replicas(part, data, seeds=[1, 2], epochs=2, checkpoint=ck, progress=False, **kw)
    again = [RBM(9, 4, seed=r, dtype=F64) for r in range(2)]
    h_again = fit_replicas(again, data, seeds=[1, 2], epochs=4, checkpoint=ck, progress=False, **kw)
    for a, b in zip(full, again):
        assert torch.equal(a.W, b.W) and torch.equal(a.b, b.b) and torch.equal(a.c, b.c)
    assert h_full[1]["recon"] == h_again[1]["recon"]
    with pytest.raises(ValueError, match="another"):
        fit_replicas([RBM(9, 4, seed=0, dtype=F64)] * 3, data, seeds=[1, 2, 3], epochs=4,
                     checkpoint=ck, progress=False, **kw)


def test_bad_replica_sets_are_refused_naming_the_argument():
    data = _data(0)
    with pytest.raises(ValueError, match="rbms\\[1\\]"):
        fit_replicas([RBM(9, 4), RBM(9, 5)], data, seeds=[0, 1], epochs=1)
    with pytest.raises(ValueError, match="seeds"):
        fit_replicas([RBM(9, 4), RBM(9, 4)], data, seeds=[0], epochs=1)
    with pytest.raises(ValueError, match="batch_size must be the same"):
        fit_replicas([RBM(9, 4), RBM(9, 4)], data, seeds=[0, 1], epochs=1, batch_size=[10, 20])
    with pytest.raises(ValueError, match="lr has 3 entries"):
        fit_replicas([RBM(9, 4), RBM(9, 4)], data, seeds=[0, 1], epochs=1, lr=[0.1] * 3)
    with pytest.raises(ValueError, match="data has 1 entries"):
        fit_replicas([RBM(9, 4), RBM(9, 4)], [data], seeds=[0, 1], epochs=1)
    with pytest.raises(TypeError, match="rbms"):
        fit_replicas([], data, seeds=[], epochs=1)
    with pytest.raises(TypeError, match="configs"):
        fit_replicas([RBM(9, 4)], data, configs="cd", seeds=[0])


def test_shared_config_and_overrides_build_one_config_per_replica():
    data = _data(0)
    cfg = TrainingConfig(epochs=1, batch_size=30, lr=0.05)
    rbms = [RBM(9, 3, seed=r) for r in range(2)]
    hists = fit_replicas(rbms, data, cfg, seeds=[0, 1], l1=[0.0, 1e-3], progress=False)
    assert [h["lr"] for h in hists] == [[0.05], [0.05]]


# ------------------------------------------- issue #13: refused at the door, never hanging
@pytest.mark.parametrize("kw,name", [
    ({"rbms": None}, "rbms"), ({"data": None}, "data"), ({"seeds": None}, "seeds"),
    ({"configs": object()}, "configs"), ({"monitors": None}, "monitors"),
    ({"epochs": 2**40}, "epochs"), ({"lr": []}, "lr"), ({"progress": 2}, "progress")])
def test_fit_replicas_checks_its_arguments(kw, name):
    data = bars_and_stripes(2)
    good = dict(rbms=[RBM(4, 3, seed=1), RBM(4, 3, seed=2)], data=data, seeds=[0, 1],
                epochs=1, batch_size=2, progress=False)
    with pytest.raises((TypeError, ValueError), match=name):
        fit_replicas(**{**good, **kw})
