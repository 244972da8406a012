import numpy as np
import pytest

from rgdl.core import stats


def _ar1(phi, n, chains, seed):
    g = np.random.default_rng(seed)
    x = np.empty((n, chains))
    x[0] = g.standard_normal(chains) / np.sqrt(1 - phi**2)
    eps = g.standard_normal((n, chains))
    for t in range(1, n):
        x[t] = phi * x[t - 1] + eps[t]
    return x


def test_tau_int_of_ar1_matches_closed_form():
    # AR(1): rho(t) = phi^t, tau_int = 1/2 + phi/(1-phi) = (1+phi)/(2(1-phi))
    phi = 0.8
    tau = stats.integrated_autocorr_time(_ar1(phi, 20000, 8, 0))
    assert tau == pytest.approx((1 + phi) / (2 * (1 - phi)), rel=0.1)


def test_white_noise_tau_is_one_half_and_binning_matches_naive():
    x = np.random.default_rng(1).standard_normal((2**14, 4))
    assert stats.integrated_autocorr_time(x) == pytest.approx(0.5, abs=0.05)
    naive = x.std(ddof=1) / np.sqrt(x.size)
    assert stats.binning_error(x) == pytest.approx(naive, rel=0.25)


def test_binning_error_sees_correlation():
    phi = 0.9
    x = _ar1(phi, 2**15, 4, 2)
    tau = (1 + phi) / (2 * (1 - phi))
    expected = np.sqrt(2 * tau / x.size) * x.std()
    assert stats.binning_error(x) == pytest.approx(expected, rel=0.3)


def test_bad_input():
    with pytest.raises(ValueError, match="x"):
        stats.binning_error(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="x"):
        stats.integrated_autocorr_time([1.0, np.nan, 2.0, 3.0])


def test_constant_series_has_tau_one_half():
    import numpy as np

    from rgdl.core import stats

    assert stats.integrated_autocorr_time(np.ones(100)) == 0.5
    assert stats.integrated_autocorr_time(np.full((50, 3), 2.0)) == 0.5


def test_ordered_phase_sampling_is_quick():
    # |m| and E constant in the pilot: tau_int 1/2, not the pilot's length (was 38 s)
    import time

    from rgdl import ising

    t0 = time.perf_counter()
    x, info = ising.sample(8, 2.0, 16, seed=0, progress=False, return_info=True)
    assert time.perf_counter() - t0 < 5 and info["thin"] == 1


def test_windowed_tau_is_the_window_of_integrated_autocorr_time():
    x = np.random.default_rng(3).normal(size=(500, 3)).cumsum(axis=0)
    assert stats.windowed_tau(stats.autocorrelation(x), 4.0) == \
        stats.integrated_autocorr_time(x, 4.0)
    assert stats.windowed_tau([1.0, 0.0, 0.0]) == 0.5       # no correlation: tau_int = 1/2
    with pytest.raises(ValueError, match="rho"):
        stats.windowed_tau([1.0])
