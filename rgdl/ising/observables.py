"""Observables of batches of L x L configurations, error bars, crossings, block spins.

Every function takes a batch (n, L, L) of +/-1 spins (or one (L, L)
configuration) and returns per-configuration values or ensemble estimates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core import validate
from ..core.runtime import rng as _rng
from ..core.stats import integrated_autocorr_time
from .mc import _check_K, spin_array

__all__ = [
    "energy", "magnetization", "abs_magnetization", "nn_correlation", "susceptibility",
    "specific_heat", "binder_cumulant", "correlation_function", "estimate",
    "effective_sample_size", "fit_dynamic_exponent", "crossing", "block_spin", "block_flow",
    "BlockFlow", "nn_correlation_xy", "axis_correlations",
]


def _batch(configs, name="configs") -> np.ndarray:
    """A (n, L, L) int8 batch of +/-1 spins; values are checked before the cast to int8."""
    if configs is None or isinstance(configs, (str, bytes)):
        raise TypeError(f"{name} must be an array of +/-1 spins; got {type(configs).__name__}")
    shape = np.shape(configs.detach().cpu() if hasattr(configs, "detach") else configs)
    if len(shape) not in (2, 3) or (len(shape) == 3 and shape[0] == 0) or min(shape[-2:]) < 2:
        raise ValueError(f"{name} must have shape (n, L, L) or (L, L) with L >= 2; got {shape}")
    arr = spin_array(name, configs)
    return arr[None] if arr.ndim == 2 else arr


def _scalar_if_single(values, configs):
    return float(values[0]) if np.ndim(configs) == 2 else values


def _bond_sum(arr):
    return (arr * np.roll(arr, 1, 1)).sum(axis=(1, 2), dtype=np.int64) + \
        (arr * np.roll(arr, 1, 2)).sum(axis=(1, 2), dtype=np.int64)


def energy(configs):
    """Energy per site ``E/N = -(1/N) sum_<ij> s_i s_j`` (periodic bonds), per configuration."""
    arr = _batch(configs)
    return _scalar_if_single(-_bond_sum(arr) / (arr.shape[1] * arr.shape[2]), configs)


def magnetization(configs):
    """Signed magnetization per site ``m = (1/N) sum_i s_i``, per configuration."""
    arr = _batch(configs)
    return _scalar_if_single(arr.mean(axis=(1, 2), dtype=np.float64), configs)


def abs_magnetization(configs):
    """``|m|`` per configuration."""
    return np.abs(magnetization(configs))


def nn_correlation(configs):
    """Mean nearest-neighbour correlation ``(1/2N) sum_<ij> s_i s_j = -E/(2N)``, per configuration."""
    arr = _batch(configs)
    return _scalar_if_single(_bond_sum(arr) / (2.0 * arr.shape[1] * arr.shape[2]), configs)


def nn_correlation_xy(configs):
    """Nearest-neighbour correlations per axis, ``(c_x, c_y)``, per configuration.

    .. math::  c_x = \\frac{1}{N} \\sum_{i,j} s_{i,j} s_{i,j+1}, \\qquad
       c_y = \\frac{1}{N} \\sum_{i,j} s_{i,j} s_{i+1,j}

    (periodic; x is the last axis). Their ensemble means are the exact
    ``(1/N) d ln Z / dK_x`` and ``(1/N) d ln Z / dK_y`` of the anisotropic lattice
    (:func:`rgdl.ising.exact.bond_correlations`), and ``(c_x + c_y) / 2`` is
    :func:`nn_correlation`. Returns shape (n, 2), or (2,) for one (L, L) configuration.
    """
    arr = _batch(configs)
    N = arr.shape[1] * arr.shape[2]
    c = np.stack([(arr * np.roll(arr, 1, 2)).sum(axis=(1, 2), dtype=np.int64),
                  (arr * np.roll(arr, 1, 1)).sum(axis=(1, 2), dtype=np.int64)], axis=1) / N
    return c[0] if np.ndim(configs) == 2 else c


def susceptibility(configs, K=None) -> float:
    """Finite-lattice susceptibility per site ``chi = K N (<m^2> - <|m|>^2)``.

    Uses |m| (the standard finite-size estimator, Binder 1981). ``K=None``
    omits the factor K = beta J (returns the bare fluctuation N var|m|).
    """
    arr = _batch(configs)
    m = arr.mean(axis=(1, 2), dtype=np.float64)
    fluct = arr.shape[1] * arr.shape[2] * (np.mean(m * m) - np.mean(np.abs(m)) ** 2)
    return float(fluct if K is None else _check_K(K) * fluct)


def specific_heat(configs, K) -> float:
    """Specific heat per site from energy fluctuations: ``C/N = K^2 N (<e^2> - <e>^2)``, e = E/N."""
    K = _check_K(K)
    arr = _batch(configs)
    e = -_bond_sum(arr) / (arr.shape[1] * arr.shape[2])
    return float(K * K * arr.shape[1] * arr.shape[2] * np.var(e))


def binder_cumulant(configs) -> float:
    """Binder's cumulant ``U = 1 - <m^4> / (3 <m^2>^2)`` (Binder 1981): 2/3 ordered, 0 disordered."""
    arr = _batch(configs)
    m2 = arr.mean(axis=(1, 2), dtype=np.float64) ** 2
    return float(1.0 - np.mean(m2 * m2) / (3.0 * np.mean(m2) ** 2))


def correlation_function(configs, connected=False):
    """Two-point function ``G(r) = <s_x s_{x + r e}>``, r = 0..L//2, averaged over sites and axes.

    Computed for all displacements at once by FFT (Wiener-Khinchin on the
    torus). ``connected=True`` subtracts ``<m^2>``, the finite-lattice
    estimate of ``<s>^2`` in the ordered phase.
    """
    arr = _batch(configs).astype(np.float64)
    n_rows, n_cols = arr.shape[1:]
    f = np.fft.rfft2(arr)
    corr = np.fft.irfft2(f * np.conj(f), s=(n_rows, n_cols)).mean(axis=0) / (n_rows * n_cols)
    r = np.arange(min(n_rows, n_cols) // 2 + 1)
    g = 0.5 * (corr[r, 0] + corr[0, r])
    if connected:
        g = g - np.mean(arr.mean(axis=(1, 2)) ** 2)
    return g


def axis_correlations(configs, connected=False):
    """Two-point functions along each axis separately, ``(G_x, G_y)``.

    .. math::  G_x(r) = \\langle s_{i,j} s_{i,j+r} \\rangle, \\quad r = 0 .. n/2, \\qquad
       G_y(r) = \\langle s_{i,j} s_{i+r,j} \\rangle, \\quad r = 0 .. m/2,

    averaged over sites and configurations of an (n_configs, m, n) batch (x is
    the last axis), by FFT as in :func:`correlation_function`, whose value is
    ``(G_x + G_y) / 2`` on a square lattice. ``connected=True`` subtracts
    ``<m^2>`` from both. On an anisotropic lattice ``G_x`` and ``G_y`` decay
    with the two lengths of :func:`rgdl.ising.exact.correlation_lengths`.
    """
    validate.boolean("connected", connected)
    arr = _batch(configs).astype(np.float64)
    n_rows, n_cols = arr.shape[1:]
    f = np.fft.rfft2(arr)
    corr = np.fft.irfft2(f * np.conj(f), s=(n_rows, n_cols)).mean(axis=0) / (n_rows * n_cols)
    g_x, g_y = corr[0, : n_cols // 2 + 1].copy(), corr[: n_rows // 2 + 1, 0].copy()
    if connected:
        m2 = np.mean(arr.mean(axis=(1, 2)) ** 2)
        g_x, g_y = g_x - m2, g_y - m2
    return g_x, g_y


def estimate(configs, K, chains=1, n_blocks=32) -> dict:
    """Thermodynamic estimates with jackknife error bars from a sampled batch.

    Samples are grouped into ``n_blocks`` blocks (whole chains when there are
    at least ``n_blocks`` chains, else contiguous stretches of time), and each
    quantity's error is the jackknife error over leave-one-block-out estimates
    (Efron; as used for Monte Carlo data by e.g. Sokal 1997). Returns
    ``{name: (value, error)}`` for ``energy`` (E/N), ``specific_heat`` (C/N),
    ``abs_magnetization``, ``susceptibility`` (K N var|m|) and ``binder``.

    ``chains`` describes the time-major layout of :func:`sample`'s output.
    """
    K = _check_K(K)
    arr = _batch(configs)
    n, N = arr.shape[0], arr.shape[1] * arr.shape[2]
    chains = validate.positive_int("chains", chains, maximum=n)
    n_blocks = validate.positive_int("n_blocks", n_blocks, minimum=2)
    if n < 2 * n_blocks:
        raise ValueError(f"configs needs at least 2 * n_blocks = {2 * n_blocks} samples; got {n}")
    i = np.arange(n)
    steps = math.ceil(n / chains)
    if chains >= n_blocks:
        block = (i % chains) * n_blocks // chains
    else:
        block = (i // chains) * n_blocks // steps
    e = energy(arr)
    m = magnetization(arr)
    moments = np.stack([np.ones(n), e, e * e, np.abs(m), m * m, m ** 4], axis=1)
    sums = np.zeros((n_blocks, moments.shape[1]))
    np.add.at(sums, block, moments)

    def derived(s):
        cnt, e1, e2, ma, m2, m4 = s / s[0]
        return np.array([e1, K * K * N * (e2 - e1 * e1), ma, K * N * (m2 - ma * ma),
                         1.0 - m4 / (3.0 * m2 * m2)])

    full = derived(sums.sum(axis=0))
    loo = np.array([derived(sums.sum(axis=0) - sums[b]) for b in range(n_blocks)])
    err = np.sqrt((n_blocks - 1) / n_blocks * ((loo - loo.mean(axis=0)) ** 2).sum(axis=0))
    names = ("energy", "specific_heat", "abs_magnetization", "susceptibility", "binder")
    return {k: (float(v), float(s)) for k, v, s in zip(names, full, err)}


def effective_sample_size(configs, chains=1) -> dict:
    """Effective number of independent samples in a time-major batch of ``chains`` chains.

    ``n_eff = n / (2 tau_int)`` with tau_int (in samples) the larger of the
    integrated autocorrelation times of |m| and E per site, each estimated
    with Sokal's window over all chains (Sokal 1997, eq. 3.19); tau_int >= 1/2
    so ``n_eff <= n``. Returns a dict with ``n``, ``n_eff``, ``tau_abs_m``, ``tau_energy``.
    """
    arr = _batch(configs)
    chains = validate.positive_int("chains", chains, maximum=arr.shape[0])
    steps = arr.shape[0] // chains
    if steps < 4:
        raise ValueError(f"need at least 4 samples per chain; got {steps} ({arr.shape[0]} samples, "
                         f"{chains} chains)")
    used = arr[: steps * chains]
    m = np.abs(magnetization(used)).reshape(steps, chains)
    e = energy(used).reshape(steps, chains)
    tau_m, tau_e = integrated_autocorr_time(m), integrated_autocorr_time(e)
    n = arr.shape[0]
    return {"n": n, "n_eff": n / (2.0 * max(tau_m, tau_e)), "tau_abs_m": tau_m, "tau_energy": tau_e}


def fit_dynamic_exponent(Ls, taus) -> dict:
    """Least-squares fit of ``tau = A L^z`` on log-log axes; returns ``{"z", "A"}``."""
    Ls = validate.real_array("Ls", Ls, ndim=1, min_size=2)
    taus = validate.real_array("taus", taus, ndim=1, min_size=2)
    if Ls.shape != taus.shape or np.any(Ls <= 0) or np.any(taus <= 0):
        raise ValueError("Ls and taus must be positive arrays of equal length >= 2")
    if np.ptp(Ls) == 0:
        raise ValueError("Ls must hold at least two different sizes")
    z, log_a = np.polyfit(np.log(Ls), np.log(taus), 1)
    return {"z": float(z), "A": float(np.exp(log_a))}


def _errors(name, err, size):
    if err is None:
        return None
    err = validate.real_array(name, err, ndim=1)
    if err.size != size or np.any(err <= 0):
        raise ValueError(f"{name} must hold {size} finite errors > 0 (one per point of x)")
    return 1.0 / err


def crossing(x, y1, y2, err1=None, err2=None, degree=3) -> float:
    """Where two sampled curves cross: fit polynomials, return the root of the difference.

    Each curve is fitted by weighted least squares (weights 1/err) with a
    polynomial of ``degree`` (at most len(x) - 1); the root of the difference
    inside [min x, max x] closest to the middle is returned. Used for
    Binder-cumulant crossings (Binder 1981). ``x``, ``y1``, ``y2`` are finite and
    of one length (>= 2 distinct x); errors are finite and > 0. Raises
    ``ValueError`` if the fitted curves do not cross inside the range of x.
    """
    x = validate.real_array("x", x, ndim=1, min_size=2)
    y1 = validate.real_array("y1", y1, ndim=1)
    y2 = validate.real_array("y2", y2, ndim=1)
    for name, y in (("y1", y1), ("y2", y2)):
        if y.size != x.size:
            raise ValueError(f"{name} must have one value per point of x ({x.size}); got {y.size}")
    if np.ptp(x) == 0:
        raise ValueError("x must hold at least two different points")
    w1, w2 = _errors("err1", err1, x.size), _errors("err2", err2, x.size)
    degree = validate.positive_int("degree", degree, maximum=50)
    deg = min(degree, np.unique(x).size - 1)
    centre = x.mean()
    p1 = np.polyfit(x - centre, y1, deg, w=w1)
    p2 = np.polyfit(x - centre, y2, deg, w=w2)
    roots = np.roots(np.polysub(p1, p2))
    real = roots[np.abs(roots.imag) < 1e-9].real + centre
    real = real[(real >= x.min()) & (real <= x.max())]
    if real.size == 0:
        raise ValueError("the curves y1 and y2 do not cross inside the range of x")
    return float(real[np.argmin(np.abs(real - centre))])


def _check_rule(rule):
    if not isinstance(rule, str):
        raise TypeError(f"rule must be a str; got {type(rule).__name__}")
    validate.one_of("rule", rule, ("majority", "decimation"))


def block_spin(configs, b=2, rule="majority", seed=None):
    """Kadanoff's block-spin transformation of a batch, (n, L, L) -> (n, L/b, L/b).

    ``rule="majority"``: each b x b block becomes the sign of its spin sum; a
    tied block (possible for even b) takes the side of a fair coin drawn from
    ``seed`` (Kadanoff 1966; the majority rule of Niemeijer & van Leeuwen).
    ``rule="decimation"``: each block keeps its top-left spin.
    A single (L, L) configuration gives an (L/b, L/b) one.
    """
    arr = _batch(configs)
    b = validate.positive_int("b", b)
    _check_rule(rule)
    n, rows, cols = arr.shape
    if rows % b or cols % b:
        raise ValueError(f"b must divide the lattice size; got b={b} for {rows}x{cols}")
    if rule == "decimation":
        out = arr[:, ::b, ::b].copy()
    else:
        sums = arr.reshape(n, rows // b, b, cols // b, b).sum(axis=(2, 4), dtype=np.int16)
        out = np.sign(sums).astype(np.int8)
        if b % 2 == 0:
            coins = (_rng(seed).integers(0, 2, size=out.shape, dtype=np.int8) * 2 - 1).astype(np.int8)
            out = np.where(sums == 0, coins, out)
    return out[0] if np.ndim(configs) == 2 else out


@dataclass
class BlockFlow:
    """Observables of a batch along repeated block-spin steps (level 0 = the data).

    ``levels[l]`` is the batch after ``l`` steps; ``nn``, ``abs_m`` and ``m`` are
    the batch means of the nearest-neighbour correlation, |m| and m per level.
    """

    levels: list
    nn: list
    abs_m: list
    m: list


def block_flow(configs, steps: int = 3, b: int = 2, rule: str = "majority", seed=None) -> BlockFlow:
    """Apply :func:`block_spin` ``steps`` times and record the flow of simple observables.

    Under Kadanoff's blocking the nearest-neighbour correlation of a lattice
    below K_c falls towards the high-temperature fixed point (0), above K_c it
    rises towards the ordered one (1), and at K_c it stays put (up to
    finite-size drift): the block-spin picture of the RG flow. Tie-breaking
    coins of step ``l`` come from ``seed + l`` when ``seed`` is an int.
    """
    steps = validate.positive_int("steps", steps, minimum=0, maximum=64)
    b = validate.positive_int("b", b)
    _check_rule(rule)
    levels = [_batch(configs)]
    rows, cols = levels[0].shape[1:]
    if (rows % b ** steps or cols % b ** steps) or min(rows, cols) // b ** steps < 2 <= b:
        raise ValueError(f"steps: {steps} blocking steps of b = {b} do not fit a {rows} x {cols} "
                         f"lattice (b**steps must divide it and leave a side >= 2)")
    for level in range(steps):
        s = seed + level if isinstance(seed, (int, np.integer)) else seed
        levels.append(block_spin(levels[-1], b=b, rule=rule, seed=s))
    return BlockFlow(levels=levels,
                     nn=[float(nn_correlation(c).mean()) for c in levels],
                     abs_m=[float(np.abs(magnetization(c)).mean()) for c in levels],
                     m=[float(magnetization(c).mean()) for c in levels])
