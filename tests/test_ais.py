"""AIS against the exact partition function (rgdl.rbm.ais)."""

import math

import numpy as np
import pytest
import torch

from rgdl.rbm.ais import base_rate_biases, beta_schedule
from rgdl.rbm.datasets import bars_and_stripes
from rgdl.rbm import RBM, ais_log_partition, fit, log_partition


def test_beta_schedule():
    betas = beta_schedule(1500)
    assert betas[0] == 0 and betas[-1] == 1 and len(betas) == 1501
    assert bool((betas[1:] > betas[:-1]).all())
    assert abs(float((betas <= 0.5).sum()) - 101) <= 1  # 1/15 of the steps below 0.5


@pytest.mark.parametrize("spins", [False, True])
def test_ais_of_an_rbm_without_weights_is_exact(spins):
    rbm = RBM(6, 3, spins=spins, dtype=torch.float64, seed=0)
    rbm.W.zero_()
    rbm.b = torch.linspace(-1, 1, 6, dtype=torch.float64)
    log_z, err = ais_log_partition(rbm, n_runs=10, n_betas=30, seed=0, base=rbm.b)
    assert log_z == pytest.approx(log_partition(rbm), abs=1e-9)
    assert err < 1e-9


@pytest.mark.parametrize("spins", [False, True])
def test_ais_matches_exact_on_a_trained_rbm(spins):
    data = torch.as_tensor(np.tile(bars_and_stripes(4, spins=spins), (10, 1)))
    rbm = RBM(16, 16, spins=spins, seed=0)
    fit(rbm, data, epochs=20, batch_size=30, lr=0.05, seed=0, progress=False, monitors=())
    exact = log_partition(rbm)
    log_z, err = ais_log_partition(rbm, n_runs=200, n_betas=3000, seed=1, base=data)
    # 3 standard errors (plus a floor for the delta-method estimate of err itself)
    assert abs(log_z - exact) <= 3 * err + 0.02, (log_z, exact, err)
    assert 0 < err < 0.2


def test_ais_is_reproducible_and_validates():
    rbm = RBM(8, 5, seed=0)
    a = ais_log_partition(rbm, n_runs=20, n_betas=100, seed=3)
    assert a == ais_log_partition(rbm, n_runs=20, n_betas=100, seed=3)
    with pytest.raises(ValueError, match="base"):
        ais_log_partition(rbm, base=torch.zeros(3))
    with pytest.raises(ValueError, match="betas"):
        ais_log_partition(rbm, betas=[0.0, 0.7, 0.5, 1.0])
    with pytest.raises(ValueError, match="n_runs"):
        ais_log_partition(rbm, n_runs=1)
    b = base_rate_biases(np.array([[0, 1], [0, 1], [1, 1], [0, 0]]))
    assert float(b[0]) == pytest.approx(math.log(0.25 / 0.75))


def test_ais_against_exact_and_sweep():
    from rgdl.rbm.ais import AISCheck, ais_against_exact, ais_sweep

    rbm = RBM(8, 5, seed=0)
    rbm.W = rbm.W * 100  # couplings of order one
    check = ais_against_exact(rbm, n_runs=50, n_betas=300, seed=4)
    assert isinstance(check, AISCheck)
    # the same numbers as the two functions it combines
    assert check.exact == log_partition(rbm)
    assert (check.estimate, check.stderr) == ais_log_partition(rbm, n_runs=50, n_betas=300,
                                                               seed=4)
    assert check.error == check.estimate - check.exact
    assert check.sigmas == pytest.approx(abs(check.error) / check.stderr)
    assert (check.n_runs, check.n_betas) == (50, 300) and check.seconds >= 0
    # 4 standard errors plus a floor for the delta-method error itself
    assert abs(check.error) <= 4 * check.stderr + 0.02
    sweep = ais_sweep(rbm, [30, 300], n_runs=50, seed=4)
    assert [c.n_betas for c in sweep] == [30, 300]
    assert sweep[1].estimate == check.estimate and sweep[1].exact == check.exact
    assert AISCheck(1.0, 1.0, 0.0, 2, 3, 0.0).sigmas == 0.0
    assert AISCheck(1.0, 1.5, 0.0, 2, 3, 0.0).sigmas == math.inf
    with pytest.raises(ValueError, match="n_betas_grid"):
        ais_sweep(rbm, [])
    with pytest.raises(ValueError, match="n_betas_grid"):
        ais_sweep(rbm, [2])


# ------------------------------------------- issue #13: refused at the door, never silent
@pytest.mark.parametrize("eps", [-1, 0.0, 0.5, 2.0, float("nan"), float("inf")])
def test_base_rate_biases_refuses_an_eps_that_gives_infinite_biases(eps):
    data = bars_and_stripes(2)
    with pytest.raises(ValueError, match="eps"):
        base_rate_biases(data, eps=eps)


def test_base_rate_biases_checks_its_data():
    with pytest.raises(TypeError, match="data"):
        base_rate_biases(None)
    with pytest.raises(ValueError, match="data"):
        base_rate_biases(np.zeros((0, 4)))
    with pytest.raises(ValueError, match="data"):
        base_rate_biases(np.full((3, 4), np.nan))
    with pytest.raises(ValueError, match="data must lie"):
        base_rate_biases(np.full((3, 4), 1.5))
    with pytest.raises(TypeError, match="spins"):
        base_rate_biases(bars_and_stripes(2), spins=None)


def test_ais_refuses_huge_or_bad_settings_up_front():
    from rgdl.rbm.ais import ais_against_exact, ais_sweep

    rbm = RBM(4, 3, dtype=torch.float64, seed=0)
    for kw, name in (({"n_runs": 2**40}, "n_runs"), ({"n_betas": 2**40}, "n_betas"),
                     ({"betas": "bogus"}, "betas"), ({"base": "bogus"}, "base"),
                     ({"dtype": None}, "dtype"), ({"progress": 2}, "progress")):
        with pytest.raises((TypeError, ValueError), match=name):
            ais_log_partition(rbm, **{"n_runs": 4, "n_betas": 10, **kw})
    with pytest.raises(ValueError, match="n_betas"):
        beta_schedule(2**40)
    with pytest.raises(ValueError, match="exact"):
        ais_against_exact(rbm, 4, 10, exact=float("nan"))
    with pytest.raises(TypeError, match="n_betas_grid"):
        ais_sweep(rbm, None)
    with pytest.raises(ValueError, match="base"):
        ais_log_partition(rbm, 4, 10, base=np.full((3, 4), 1.5))
