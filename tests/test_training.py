"""rgdl.rbm.training: the configuration, the training state and its checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rgdl.core import io
from rgdl.rbm import RBM, TrainingConfig, fit
from rgdl.rbm.datasets import bars_and_stripes
from rgdl.rbm.training import _Stream

DATA = torch.as_tensor(bars_and_stripes(3, unique=False, n_samples=60, seed=0),
                       dtype=torch.float64)
KW = dict(batch_size=20, lr=0.05, monitors=(), progress=False)


def _run(tmp_path, epochs, **kw):
    rbm = RBM(9, 4, seed=0, dtype=torch.float64)
    opts = {**KW, "seed": 3, **kw}
    fit(rbm, DATA, epochs=epochs, checkpoint=tmp_path / "ck.pt", **opts)
    return rbm


@pytest.mark.parametrize("field,bad,exc", [
    ("epochs", 2.5, TypeError), ("epochs", -1, ValueError), ("lr", float("nan"), ValueError),
    ("momentum", 1.0, ValueError), ("batch_size", 0, ValueError), ("l1", -1e-3, ValueError),
    ("persistent", "yes", TypeError), ("matmul_dtype", torch.int8, ValueError)])
def test_config_refuses_bad_values_naming_the_field(field, bad, exc):
    with pytest.raises(exc, match=field):
        TrainingConfig(**{"epochs": 1, field: bad})


def test_resume_with_other_settings_is_refused_naming_them(tmp_path):
    _run(tmp_path, 2)
    for change, name in (({"lr": 0.1}, "lr="), ({"seed": 4}, "seed="), ({"l1": 1e-3}, "l1="),
                         ({"momentum": 0.6}, "momentum=")):
        with pytest.raises(ValueError, match=name):
            _run(tmp_path, 3, **change)
    with pytest.raises(ValueError, match="2 epochs done"):
        _run(tmp_path, 1)
    fresh = _run(tmp_path, 1, restart=True, lr=0.1)  # asked for: starts afresh
    alone = RBM(9, 4, seed=0, dtype=torch.float64)
    fit(alone, DATA, epochs=1, seed=3, **{**KW, "lr": 0.1})
    assert torch.equal(fresh.W, alone.W)


@pytest.mark.parametrize("how", ["truncate", "garbage", "flip", "no_sidecar"])
def test_a_damaged_checkpoint_is_refused_in_one_line(tmp_path, how, damage):
    _run(tmp_path, 2)
    damage(tmp_path / "ck.pt", how)
    with pytest.raises(io.CorruptFileError) as err:
        _run(tmp_path, 3)
    assert "\n" not in str(err.value)


def test_generator_state_round_trip_survives_any_map_location(tmp_path):
    # a CUDA generator refuses a state tensor on the GPU; set_state always moves it to the CPU
    a = _Stream(7, torch.device("cpu"), torch.float32)
    a.uniform_(torch.empty(5))
    path = io.save_checked(tmp_path / "g.pt", a.state())
    state = io.load_checked(path)
    state["torch"] = state["torch"].to(torch.int64)  # what a careless map/cast might leave
    b = _Stream(0, torch.device("cpu"), torch.float32)
    b.set_state(state)
    assert torch.equal(a.uniform_(torch.empty(5)), b.uniform_(torch.empty(5)))
    assert torch.equal(torch.rand(3, generator=a.torch), torch.rand(3, generator=b.torch))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_resume_on_cuda_is_bit_identical(tmp_path):
    def run(epochs, ck):
        rbm = RBM(9, 4, seed=0, device="cuda")
        fit(rbm, DATA.float(), epochs=epochs, seed=1, checkpoint=ck, **KW)
        return rbm

    full = run(4, None)
    run(2, tmp_path / "c.pt")
    again = run(4, tmp_path / "c.pt")
    assert torch.equal(full.W, again.W)


def test_resume_is_bit_identical_on_the_cpu(tmp_path):
    full = RBM(9, 4, seed=0, dtype=torch.float64)
    fit(full, DATA, epochs=4, seed=3, persistent=True, **KW)
    _run(tmp_path, 2, persistent=True)
    again = _run(tmp_path, 4, persistent=True)
    assert torch.equal(full.W, again.W) and np.array_equal(full.c.numpy(), again.c.numpy())


# ------------------------------------------- issue #13: refused at the door, never hanging
@pytest.mark.parametrize("field,bad", [
    ("epochs", 2**40), ("epochs", 2**70), ("k", 2**40), ("batch_size", 2**40),
    ("lr", 1e300), ("weight_decay", 1e300), ("l1", 1e3), ("lr_schedule", [float("nan")]),
    ("lr_schedule", "bogus"), ("monitor_size", 2**40)])
def test_config_refuses_sizes_and_rates_no_run_can_finish(field, bad):
    with pytest.raises((TypeError, ValueError), match=field):
        TrainingConfig(**{"epochs": 1, field: bad})


def test_fit_with_huge_epochs_is_refused_before_any_training():
    rbm = RBM(9, 4, seed=0, dtype=torch.float64)
    W = rbm.W.clone()
    with pytest.raises(ValueError, match="epochs must be <="):
        fit(rbm, DATA, epochs=2**40, **KW)
    assert torch.equal(rbm.W, W)


@pytest.mark.parametrize("kw,name", [
    ({"monitors": None}, "monitors"), ({"monitors": ["bogus"]}, "monitors"),
    ({"progress": 2}, "progress"), ({"restart": 0.5}, "restart"),
    ({"checkpoint": 3}, "checkpoint"), ({"seed": -1}, "seed")])
def test_fit_checks_its_other_arguments(kw, name):
    rbm = RBM(9, 4, seed=0, dtype=torch.float64)
    with pytest.raises((TypeError, ValueError), match=name):
        fit(rbm, DATA, epochs=1, **{**KW, **kw})


def test_fit_without_config_or_epochs_names_config():
    with pytest.raises(TypeError, match="config"):
        fit(RBM(9, 4), DATA, progress=False)


def test_schedule_lookups_check_the_epoch():
    cfg = TrainingConfig(epochs=2, lr_schedule=[0.1, 0.05])
    for bad in (None, "bogus", -1, 0.5):
        with pytest.raises((TypeError, ValueError), match="epoch"):
            cfg.lr_at(bad)
        with pytest.raises((TypeError, ValueError), match="epoch"):
            cfg.momentum_at(bad)


def test_divergence_is_a_value_error_naming_lr():
    from rgdl.rbm.training import TrainingDiverged

    assert issubclass(TrainingDiverged, ValueError) and issubclass(TrainingDiverged,
                                                                   FloatingPointError)
    rbm = RBM(9, 4, seed=0, dtype=torch.float32)
    with pytest.raises(TrainingDiverged, match="lr"):
        fit(rbm, DATA.float(), epochs=50, lr=100.0, weight_decay=100.0, momentum=0.0,
            final_momentum=0.0, batch_size=20, monitors=(), progress=False, seed=0)


def test_checkpoint_helpers_check_their_arguments(tmp_path):
    from rgdl.rbm.training import load_checkpoint, run_settings, save_checkpoint

    with pytest.raises(FileNotFoundError, match="path"):
        load_checkpoint(tmp_path / "absent.pt")
    path = save_checkpoint(tmp_path / "ck.pt", {"epoch": 1})
    with pytest.raises(ValueError, match="device"):
        load_checkpoint(path, device="bogus")
    with pytest.raises(TypeError, match="state"):
        save_checkpoint(tmp_path / "x.pt", None)
    with pytest.raises(TypeError, match="config"):
        run_settings(None, 0)


def test_state_and_epoch_functions_check_their_arguments():
    from rgdl.rbm.training import TrainingState, _Buffers, run_epoch

    rbm = RBM(9, 4, seed=0, dtype=torch.float64)
    cfg = TrainingConfig(epochs=1, batch_size=20)
    state = TrainingState.fresh(rbm, DATA, cfg, 0)
    buffers = _Buffers(rbm, DATA, cfg, state)
    good = dict(rbm=rbm, x=DATA, config=cfg, state=state, buffers=buffers, epoch=0)
    for name, bad in (("rbm", None), ("x", DATA.numpy()), ("config", "bogus"),
                      ("state", None), ("buffers", None), ("epoch", "bogus")):
        with pytest.raises(TypeError, match=name):
            run_epoch(**{**good, name: bad})
    with pytest.raises(TypeError, match="x"):
        TrainingState.fresh(rbm, None, cfg, 0)
    assert run_epoch(**good) >= 0
