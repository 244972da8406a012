"""rgdl.rbm.training: the EMF (TAP) and PT-PCD (tempering) negative phases of the one trainer."""

from __future__ import annotations

import pytest
import torch

from rgdl.rbm import RBM, TrainingConfig, fit
from rgdl.rbm.comparisons import compare_trainers
from rgdl.rbm.datasets import bars_and_stripes
from rgdl.rbm.model import log_likelihood
from rgdl.rbm.tempering import tempering_sweep_
from rgdl.rbm.training import TrainingState

F64 = torch.float64
DATA = torch.as_tensor(bars_and_stripes(3, unique=False, n_samples=60, seed=0), dtype=F64)
KW = dict(batch_size=20, lr=0.05, final_momentum=0.5, monitors=(), progress=False)
PHASES = [{"negative": "tap2"}, {"negative": "tap3"},
          {"negative": "tempering", "n_temperatures": 4, "k": 2}]


@pytest.mark.parametrize("phase", PHASES + [{"negative": "tempering", "n_temperatures": 1}],
                         ids=["tap2", "tap3", "pt4", "pt1"])
@pytest.mark.parametrize("seed", [0, 1])
def test_emf_and_pt_raise_the_exact_log_likelihood(phase, seed):
    # bars and stripes 3x3, 9 x 6 RBM, 200 epochs: CD/PCD reach about -5.5 from -6.24
    # (ln(1/14) = -2.64 is the optimum); measured for these phases: -5.44 to -5.46
    rbm = RBM(9, 6, seed=seed, dtype=F64)
    before = log_likelihood(rbm, DATA)
    fit(rbm, DATA, epochs=200, seed=seed, **KW, **phase)
    assert log_likelihood(rbm, DATA) > before + 0.5


@pytest.mark.parametrize("negative", ["tap2", "tap3", "tempering"])
def test_spin_rbms_train_with_every_phase(negative):
    x = 2 * DATA - 1
    rbm = RBM(9, 6, seed=0, dtype=F64, spins=True)
    before = log_likelihood(rbm, x)
    fit(rbm, x, epochs=100, seed=0, **{**KW, "lr": 0.01}, negative=negative, n_temperatures=3)
    assert log_likelihood(rbm, x) > before + 0.3


@pytest.mark.parametrize("phase", PHASES, ids=["tap2", "tap3", "pt4"])
def test_resume_reproduces_the_straight_run(tmp_path, phase):
    def run(epochs, ck):
        rbm = RBM(9, 4, seed=0, dtype=F64)
        hist = fit(rbm, DATA, epochs=epochs, seed=3, checkpoint=ck, **KW, **phase)
        return rbm, hist

    straight, h4 = run(4, None)
    run(2, tmp_path / "ck.pt")
    resumed, h = run(4, tmp_path / "ck.pt")
    for name in ("W", "b", "c"):
        assert torch.equal(getattr(straight, name), getattr(resumed, name))
    if phase["negative"] == "tempering":
        assert h["swap_rate"] == h4["swap_rate"] and len(h4["swap_rate"]) == 4
        assert all(0 < r <= 1 for r in h4["swap_rate"])


@pytest.mark.parametrize("first,then", [("gibbs", "tap2"), ("tap2", "tap3"),
                                        ("tap3", "tempering"), ("tempering", "gibbs")])
def test_resume_with_another_negative_phase_is_refused(tmp_path, first, then):
    ck = tmp_path / "ck.pt"
    fit(RBM(9, 4, seed=0, dtype=F64), DATA, epochs=1, seed=3, checkpoint=ck, negative=first, **KW)
    with pytest.raises(ValueError, match="negative="):
        fit(RBM(9, 4, seed=0, dtype=F64), DATA, epochs=2, seed=3, checkpoint=ck,
            negative=then, **KW)
    with pytest.raises(ValueError, match="tap_damping="):
        fit(RBM(9, 4, seed=0, dtype=F64), DATA, epochs=2, seed=3, checkpoint=ck,
            negative=first, tap_damping=0.3, **KW)


def test_pt_with_one_temperature_is_pcd_with_fresh_hidden_samples():
    # Not PCD's numbers: PCD here (as scikit-learn) carries each chain's hidden sample, drawn
    # with the parameters before the last update, while a tempering sweep draws h | v with the
    # current ones. With one temperature PT-PCD is exactly this loop: one block-Gibbs step of
    # the persistent chains per update, then plain SGD with momentum.
    config = TrainingConfig(epochs=3, batch_size=20, lr=0.05, momentum=0.5,
                            negative="tempering", n_temperatures=1)
    rbm = RBM(9, 4, seed=0, dtype=F64)
    ref = rbm.copy()
    hist = fit(rbm, DATA, config, seed=3, monitors=(), progress=False)
    assert "swap_rate" not in hist
    state = TrainingState.fresh(ref, DATA, config, 3)
    chains, stream = state.phase["chains"], state.stream
    vW, vb, vc = (torch.zeros_like(t) for t in (ref.W, ref.b, ref.c))
    for _ in range(3):
        perm = stream.permutation(60)
        for start in range(0, 60, 20):
            d0 = DATA[perm[start:start + 20]]
            p0 = torch.sigmoid(ref.c + d0 @ ref.W)
            tempering_sweep_(ref, chains, torch.ones(1, dtype=F64), stream.uniform_, 0)
            vn = chains[0]
            pn = torch.sigmoid(ref.c + vn @ ref.W)
            vW = 0.5 * vW + 0.05 * (d0.T @ p0 - vn.T @ pn) / 20
            vb = 0.5 * vb + 0.05 * (d0 - vn).mean(0)
            vc = 0.5 * vc + 0.05 * (p0 - pn).mean(0)
            ref.W, ref.b, ref.c = ref.W + vW, ref.b + vb, ref.c + vc
    for name in ("W", "b", "c"):
        assert torch.allclose(getattr(rbm, name), getattr(ref, name), atol=1e-12)


def test_emf_moves_the_persistent_magnetisations_and_keeps_them_in_range():
    config = TrainingConfig(epochs=1, batch_size=20, negative="tap3")
    rbm = RBM(9, 4, seed=0, dtype=F64)
    state = TrainingState.fresh(rbm, DATA, config, 0)
    start = state.phase["mv"].clone()
    assert set(start.unique().tolist()) <= {0.0, 1.0}  # random training rows
    from rgdl.rbm.training import _Buffers, run_epoch
    run_epoch(rbm, DATA, config, state, _Buffers(rbm, DATA, config, state), 0)
    mv, mh = state.phase["mv"], state.phase["mh"]
    assert not torch.equal(mv, start)
    assert bool(((mv >= 0) & (mv <= 1)).all() and ((mh >= 0) & (mh <= 1)).all())


def test_compare_trainers_takes_the_new_phases():
    comp = compare_trainers((0,), 2, n_hidden=4, batch_size=10, n_train=20,
                            trainers={"CD-1": {"k": 1}, "EMF-2": {"negative": "tap2"},
                                      "EMF-3": {"negative": "tap3"},
                                      "PT": {"negative": "tempering", "n_temperatures": 3}})
    for name in ("EMF-2", "EMF-3", "PT"):
        assert len(comp.final(name)) == 1
    assert len(comp.histories["PT"][0]["swap_rate"]) == 2


@pytest.mark.parametrize("field,bad,exc", [
    ("negative", "cd", ValueError), ("negative", 2, TypeError), ("negative", None, TypeError),
    ("n_temperatures", 0, ValueError), ("n_temperatures", 2.5, TypeError),
    ("n_temperatures", 10**6, ValueError), ("beta_min", 1.0, ValueError),
    ("beta_min", 0.0, ValueError), ("beta_min", float("nan"), ValueError),
    ("beta_min", "x", TypeError), ("tap_iterations", 0, ValueError),
    ("tap_iterations", 1.5, TypeError), ("tap_damping", 1.0, ValueError),
    ("tap_damping", -0.5, ValueError), ("tap_damping", None, TypeError)])
def test_bad_negative_phase_fields_are_refused_naming_them(field, bad, exc):
    with pytest.raises(exc, match=field):
        TrainingConfig(epochs=1, **{field: bad})


@pytest.mark.parametrize("negative", ["tap2", "tap3", "tempering"])
@pytest.mark.parametrize("field,value", [("persistent", True), ("sample_visible", False),
                                         ("matmul_dtype", torch.bfloat16)])
def test_gibbs_only_fields_are_refused_with_other_phases(negative, field, value):
    with pytest.raises(ValueError, match=field):
        TrainingConfig(epochs=1, negative=negative, **{field: value})
