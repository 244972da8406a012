"""Tests of rgdl.rbm.comparisons: the trainings chapter 2 compares, on tiny budgets."""

import numpy as np
import pytest
import torch

from rgdl.rbm import log_likelihood, log_partition
from rgdl.rbm.comparisons import (TRAINERS, OverfittingRun, TrainerComparison,
                                  compare_trainers, overfitting_run, trained_bars_and_stripes,
                                  trained_digits)
from rgdl.rbm.datasets import binarized_digits


@pytest.fixture(scope="module")
def comparison():
    return compare_trainers([0, 1], epochs=2, n_hidden=6, n_train=200)


def test_compare_trainers_records_every_trainer_and_seed(comparison):
    assert isinstance(comparison, TrainerComparison)
    assert comparison.seeds == (0, 1)
    assert set(comparison.histories) == set(TRAINERS) == set(comparison.models)
    for runs in comparison.histories.values():
        assert len(runs) == 2
        for h in runs:
            assert h["epoch"] == [1, 2]
            assert {"recon", "loglik_heldout", "free_energy_gap"} <= set(h)
    gain = comparison.gain("CD-1")
    assert gain == [h["loglik_heldout"][-1] - h["loglik_heldout"][0]
                    for h in comparison.histories["CD-1"]]
    diff = comparison.difference("PCD-1", "CD-1")
    assert diff == pytest.approx(np.subtract(comparison.final("PCD-1"),
                                             comparison.final("CD-1")))


def test_compare_trainers_scores_with_the_exact_likelihood(comparison):
    # oracle: the last recorded held-out log-likelihood is the exact one of the returned model
    _, held = binarized_digits(seed=0, n_train=200)
    for name, model in comparison.models.items():
        exact = log_likelihood(model, held, log_partition(model))
        assert comparison.final(name)[0] == pytest.approx(exact, abs=1e-9)


def _untimed(h):
    return {k: v for k, v in h.items() if k != "time"}


def test_compare_trainers_same_start_and_reproducible(comparison):
    # two names for the same trainer: identical runs, so every trainer of a seed starts alike
    again = compare_trainers([0], epochs=2, n_hidden=6, n_train=200,
                             trainers={"a": TRAINERS["CD-1"], "b": dict(TRAINERS["CD-1"])})
    assert _untimed(again.histories["a"][0]) == _untimed(again.histories["b"][0])
    assert _untimed(again.histories["a"][0]) == _untimed(comparison.histories["CD-1"][0])
    assert torch.equal(again.models["a"].W, comparison.models["CD-1"].W)
    assert comparison.final("CD-10") != comparison.final("CD-1")  # the trainers do differ


def test_overfitting_run_on_a_tiny_set():
    run = overfitting_run([3, 4], epochs=4, n_train=20, n_hidden=6, batch_size=5)
    assert isinstance(run, OverfittingRun)
    assert run.seeds == (3, 4) and len(run.histories) == 2
    for h, peak, decline, drop, growth in zip(run.histories, run.peak_epoch,
                                             run.heldout_decline, run.recon_drop,
                                             run.gap_growth):
        i = h["epoch"].index(peak)
        assert h["loglik_heldout"][i] == max(h["loglik_heldout"])
        assert decline == pytest.approx(h["loglik_heldout"][i] - h["loglik_heldout"][-1])
        assert decline >= 0
        assert drop == pytest.approx(h["recon"][i] - h["recon"][-1])
        assert growth == pytest.approx(h["free_energy_gap"][-1] - h["free_energy_gap"][0])


def test_trained_models_for_ais():
    model, data = trained_bars_and_stripes(epochs=2, seed=0)
    assert model.n_visible == 16 and tuple(data.shape) == (300, 16)
    digits, train = trained_digits(5, epochs=1, seed=0)
    assert digits.n_hidden == 5 and train.shape[1] == 64
    assert np.isfinite(log_partition(digits))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="seeds"):
        compare_trainers([], epochs=1)
    with pytest.raises(ValueError, match="seeds"):
        compare_trainers([1, 1], epochs=1)
    with pytest.raises(ValueError, match="seeds"):
        overfitting_run([-1], epochs=1)
    with pytest.raises(TypeError, match="seeds"):
        overfitting_run(3, epochs=1)
    with pytest.raises(TypeError, match="trainers"):
        compare_trainers([0], epochs=1, trainers={"CD-1": 1})
    with pytest.raises(ValueError, match="epochs"):
        compare_trainers([0], epochs=-1)


def test_training_history_figure(comparison):
    import matplotlib

    matplotlib.use("Agg")
    from rgdl.book import plots

    fig = plots.training_history(comparison.histories, ["loglik_heldout", ("recon",)],
                                 ylabels=["a", "b"], vlines=[1])
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 3 + 1
    one = plots.training_history({"x": comparison.histories["CD-1"][0]},
                                 [("loglik_train", "loglik_heldout")],
                                 key_labels={"loglik_train": "training"})
    assert [t.get_text() for t in one.axes[0].get_legend().get_texts()] == \
        ["training", "loglik_heldout"]


# ------------------------------------------- issue #13: refused at the door, never hanging
@pytest.mark.parametrize("fn,kw,name", [
    (compare_trainers, {"seeds": [0], "epochs": 2**40}, "epochs"),
    (compare_trainers, {"seeds": [0], "epochs": 1, "n_hidden": 2**40}, "n_hidden"),
    (compare_trainers, {"seeds": [0], "epochs": 1, "lr": 1e300}, "lr"),
    (compare_trainers, {"seeds": [0], "epochs": 1, "trainers": {"X": {"bogus": 1}}}, "trainers"),
    (overfitting_run, {"seeds": [0], "epochs": 0}, "epochs"),
    (overfitting_run, {"seeds": [0], "epochs": 1, "n_train": 2**40}, "n_train"),
    (trained_bars_and_stripes, {"epochs": 2**40, "seed": 0}, "epochs"),
    (trained_bars_and_stripes, {"epochs": 1, "seed": 0, "copies": 2**40}, "copies"),
    (trained_bars_and_stripes, {"epochs": 1, "seed": 0, "k": 2**40}, "k"),
    (trained_digits, {"n_hidden": 2**40, "epochs": 1, "seed": 0}, "n_hidden")])
def test_huge_or_bad_settings_are_refused_up_front(fn, kw, name):
    with pytest.raises((TypeError, ValueError), match=name):
        fn(**kw)


def test_comparison_lookups_name_the_trainer_and_key(comparison):
    with pytest.raises(ValueError, match="name"):
        comparison.final("bogus")
    with pytest.raises(ValueError, match="key"):
        comparison.gain("CD-1", key="bogus")
    with pytest.raises(ValueError, match="b must be one of"):
        comparison.difference("CD-1", None)
