"""Error bars for Markov-chain averages.

Two standard tools, both for a time series of one observable:

- :func:`integrated_autocorr_time`: tau_int = 1/2 + sum_{t>=1} rho(t), summed
  up to Sokal's automatic window, the smallest W with W >= c * tau_int(W)
  (A. D. Sokal, "Monte Carlo Methods in Statistical Mechanics", 1996, sec. 3).
  The error of the mean of n samples is sqrt(2 tau_int var / n). :func:`windowed_tau`
  applies the same window to any autocorrelation function.
- :func:`binning_error`: the standard error of the mean from block averages,
  with blocks doubled until the estimate stops growing (Flyvbjerg & Petersen,
  J. Chem. Phys. 91, 461 (1989)).

Both accept several independent chains at once: ``x`` of shape
(n_steps, n_chains) (a 1-D series is one chain).
"""

from __future__ import annotations

import numpy as np

from .validate import positive_float, positive_int, real_array


def _as_chains(x) -> np.ndarray:
    x = real_array("x", x, ndim=(1, 2), finite=False)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"x must have shape (n_steps,) or (n_steps, n_chains); got {x.shape}")
    if x.shape[0] < 4:
        raise ValueError(f"x needs at least 4 steps; got {x.shape[0]}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains non-finite values")
    return x


def autocorrelation(x) -> np.ndarray:
    """Normalised autocorrelation rho(t), t = 0..n-1, averaged over chains (FFT).

    A constant series (zero variance) has no autocorrelation to measure: it
    returns rho(0) = 1 and rho(t) = 0 for t > 0.
    """
    x = _as_chains(x)
    n = x.shape[0]
    y = x - x.mean(axis=0)
    size = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(y, n=size, axis=0)
    acov = np.fft.irfft(f * np.conj(f), n=size, axis=0)[:n].mean(axis=1) / n
    if acov[0] <= 0:  # a constant series: no fluctuation to correlate; by convention
        rho = np.zeros(n)  # rho(0) = 1 and rho(t > 0) = 0, so tau_int = 1/2
        rho[0] = 1.0
        return rho
    return acov / acov[0]


def integrated_autocorr_time(x, c: float = 5.0) -> float:
    """Integrated autocorrelation time with Sokal's automatic window.

    tau_int(W) = 1/2 + sum_{t=1}^{W} rho(t), with W the first window such that
    W >= c * tau_int(W) (:func:`windowed_tau` of :func:`autocorrelation`). A constant
    series returns 0.5.
    """
    c = positive_float("c", c)
    return windowed_tau(autocorrelation(x), c)


def windowed_tau(rho, c: float = 5.0) -> float:
    """tau_int from an autocorrelation function ``rho(0..T)`` with Sokal's automatic window.

    .. math::  \\tau_{int}(W) = \\tfrac12 + \\sum_{t=1}^{W} \\rho(t),
               \\qquad W = \\min\\{W : W \\ge c\\, \\tau_{int}(W)\\}

    (Sokal 1996, sec. 3; the last lag if no window qualifies), at least 1/2.
    """
    rho = real_array("rho", rho, ndim=1)
    if rho.size < 2:
        raise ValueError(f"rho needs at least 2 lags; got {rho.size}")
    c = positive_float("c", c)
    taus = 0.5 + np.cumsum(rho[1:])
    windows = np.arange(1, len(rho))
    ok = windows >= c * taus
    w = int(np.argmax(ok)) if ok.any() else len(taus) - 1
    return float(max(taus[w], 0.5))


def binning_error(x, min_bins: int = 32) -> float:
    """Standard error of the overall mean from block averages (plateau of the blocking curve).

    Blocks double in length while at least ``min_bins`` blocks per chain remain;
    the largest error along the way is returned (the plateau, conservatively).
    """
    min_bins = positive_int("min_bins", min_bins, minimum=2)
    x = _as_chains(x)
    best = 0.0
    block = 1
    while x.shape[0] // block >= min_bins or block == 1:
        n_blocks = x.shape[0] // block
        means = x[: n_blocks * block].reshape(n_blocks, block, -1).mean(axis=1)
        flat = means.reshape(-1)
        if flat.size > 1:
            best = max(best, float(flat.std(ddof=1) / np.sqrt(flat.size)))
        block *= 2
        if n_blocks < 2:
            break
    return best
