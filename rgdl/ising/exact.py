"""Exact results for the 2D Ising model with coupling K = J / k_B T (J = 1, h = 0).

The reduced Hamiltonian is ``-beta H = K sum_<ij> s_i s_j`` over the nearest
-neighbour bonds of a square lattice. Energies are quoted per site in units of
J: ``E = -sum_<ij> s_i s_j``.

Thermodynamic limit
    - :func:`critical_coupling`: ``K_c = ln(1 + sqrt 2) / 2`` (Kramers-Wannier,
      Onsager 1944).
    - :func:`onsager_energy`: the energy per site (Onsager 1944).
    - :func:`spontaneous_magnetization`: Yang's formula (Yang 1952).

Finite m x n torus
    - :func:`log_partition`: Kaufman's (1949) exact partition function in the
      four-term form of Ferdinand & Fisher, Phys. Rev. 185, 832 (1969), eq. (2.1)-(2.5).
    - :func:`exact_energy` and :func:`exact_specific_heat`: its first and second
      K-derivatives, computed analytically (product rule carried through the
      four products in scaled form, so nothing overflows and nothing is
      differenced numerically).
    - :func:`enumerate_log_partition`: brute-force sum over all 2^(mn) states,
      the oracle the tests compare the closed form against.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ellipk

from ..core import validate
from ..core.states import spin_states

__all__ = [
    "critical_coupling",
    "spontaneous_magnetization",
    "onsager_energy",
    "correlation_length",
    "log_partition",
    "exact_energy",
    "exact_specific_heat",
    "exact_thermo",
    "enumerate_log_partition",
    "enumerate_thermo",
    "coupling_from_energy",
    "specific_heat_peak",
]


def critical_coupling() -> float:
    """Critical coupling of the square-lattice Ising model.

    ``sinh(2 K_c) = 1``, i.e. ``K_c = ln(1 + sqrt 2) / 2 = 0.440686...``
    (Kramers & Wannier 1941; Onsager 1944).
    """
    return 0.5 * math.log1p(math.sqrt(2.0))


#: Largest coupling accepted: at K = 100 every finite lattice is in its ground state to
#: double precision (e^{-2K} ~ 1e-87), and sinh(2K)^3 still fits a float64.
MAX_COUPLING = 100.0

#: Largest lattice side of the closed forms (about 0.3 s per coupling at 4096).
MAX_SIDE = 4096


def _coupling_array(K, name="K"):
    if isinstance(K, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number or an array of numbers; got bool")
    arr = validate.real_array(name, K, finite=False)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0) or np.any(arr > MAX_COUPLING):
        raise ValueError(f"{name} must be finite, > 0 and <= {MAX_COUPLING}; got {K!r}")
    return arr


def _out(arr, K):
    return float(arr) if np.ndim(K) == 0 else arr


def spontaneous_magnetization(K):
    """Yang's spontaneous magnetization per site in the thermodynamic limit.

    ``M(K) = (1 - sinh(2K)^-4)^(1/8)`` for ``K > K_c`` and 0 otherwise
    (C. N. Yang, Phys. Rev. 85, 808 (1952)). Accepts a scalar or an array.
    """
    k = _coupling_array(K)
    s4 = np.sinh(2.0 * k) ** -4.0
    m = np.where(k > critical_coupling(), np.clip(1.0 - s4, 0.0, None) ** 0.125, 0.0)
    return _out(m, K)


def correlation_length(K):
    """Exact correlation length (lattice spacings, along an axis) of the infinite square lattice.

    The connected two-point function decays as ``exp(-r / xi)`` with

    .. math::
       \\xi^{-1} = 2 (K^* - K) = \\ln\\coth K - 2K \\quad (K < K_c), \\qquad
       \\xi^{-1} = 4 (K - K^*) \\quad (K > K_c),

    where ``tanh K* = e^{-2K}`` is the Kramers-Wannier dual coupling (Onsager 1944;
    McCoy & Wu, *The Two-Dimensional Ising Model*, ch. XI). Below K_c this is
    1.58 at K = 0.30 and 7.47 at K = 0.408; it diverges at K_c (``inf`` returned).
    """
    k = _coupling_array(K)
    with np.errstate(divide="ignore"):
        gap = np.log(1.0 / np.tanh(k)) - 2.0 * k       # 2 (K* - K)
        gap = np.where(np.abs(k - critical_coupling()) < 1e-12, 0.0, gap)
        xi = np.where(gap > 0, 1.0 / gap, np.where(gap < 0, 1.0 / (-2.0 * gap), np.inf))
    return _out(xi, K)


def onsager_energy(K):
    """Onsager's energy per site ``u = <E>/N`` in the thermodynamic limit (J = 1).

    ``u = -coth(2K) [1 + (2/pi) (2 tanh(2K)^2 - 1) K1(q)]`` with
    ``q = 2 sinh(2K) / cosh(2K)^2`` and ``K1`` the complete elliptic integral of
    the first kind of modulus ``q`` (Onsager 1944; e.g. Huang, *Statistical
    Mechanics*, eq. 15.139). At ``K_c`` the product is 0 * inf and the limit
    ``-sqrt 2`` is returned.
    """
    k = _coupling_array(K)
    q = 2.0 * np.sinh(2.0 * k) / np.cosh(2.0 * k) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        elliptic = ellipk(np.clip(q * q, 0.0, 1.0))
        u = -1.0 / np.tanh(2.0 * k) * (
            1.0 + 2.0 / np.pi * (2.0 * np.tanh(2.0 * k) ** 2 - 1.0) * elliptic)
    u = np.where(np.isfinite(u), u, -math.sqrt(2.0))
    return _out(u, K)


# --------------------------------------------------------------------------
# Finite torus: Kaufman / Ferdinand-Fisher
# --------------------------------------------------------------------------

def _gamma(k_index: int, n: int, K: np.ndarray):
    """gamma_k and its first two K-derivatives (Ferdinand & Fisher 1969, eq. 2.5).

    ``cosh gamma_k = cosh(2K) coth(2K) - cos(pi k / n)`` for k >= 1, and the
    signed ``gamma_0 = 2K + ln tanh K`` (negative below K_c).
    """
    s, c = np.sinh(2.0 * K), np.cosh(2.0 * K)
    if k_index == 0:
        g = 2.0 * K + np.log(np.tanh(K))
        g1 = 2.0 + 2.0 / s
        g2 = -4.0 * c / s**2
        return g, g1, g2
    x = c * c / s - math.cos(math.pi * k_index / n)
    x1 = 2.0 * c - 2.0 * c / s**2
    x2 = 4.0 * s - 4.0 / s + 8.0 * c * c / s**3
    root = np.sqrt(x * x - 1.0)
    g = np.arccosh(x)
    g1 = x1 / root
    g2 = x2 / root - x * x1 * x1 / root**3
    return g, g1, g2


def _factor(m: int, g, g1, g2, hyperbolic: str):
    """2cosh(m g/2) or 2sinh(m g/2) and its K-derivatives, as (log scale, v, d1, d2).

    The value and derivatives equal ``exp(scale) * (v, d1, d2)``; the common
    factor ``exp(|m g / 2|)`` is pulled out so that large lattices do not overflow.
    """
    a = 0.5 * m * g
    a1, a2 = 0.5 * m * g1, 0.5 * m * g2
    e = np.exp(-2.0 * np.abs(a))
    sgn = np.sign(a)
    cosh_ = 1.0 + e            # 2 cosh(a) / exp(|a|)
    sinh_ = sgn * (1.0 - e)    # 2 sinh(a) / exp(|a|)
    if hyperbolic == "cosh":
        v, dv = cosh_, sinh_
    else:
        v, dv = sinh_, cosh_
    d1 = a1 * dv
    d2 = a2 * dv + a1 * a1 * v
    return np.abs(a), v, d1, d2


def _renormalise(scale, v, d1, d2):
    big = np.maximum(np.maximum(np.abs(v), np.abs(d1)), np.abs(d2))
    big = np.where(big > 0, big, 1.0)
    return scale + np.log(big), v / big, d1 / big, d2 / big


def _terms(m: int, n: int, K: np.ndarray):
    """The four products Z_1..Z_4 of Ferdinand & Fisher eq. (2.2) with K-derivatives."""
    gammas = [_gamma(k, n, K) for k in range(2 * n)]
    out = []
    for parity, hyperbolic in ((1, "cosh"), (1, "sinh"), (0, "cosh"), (0, "sinh")):
        scale = np.zeros_like(K)
        v, d1, d2 = np.ones_like(K), np.zeros_like(K), np.zeros_like(K)
        for r in range(n):
            fs, fv, f1, f2 = _factor(m, *gammas[2 * r + parity], hyperbolic)
            v, d1, d2 = v * fv, d1 * fv + v * f1, d2 * fv + 2.0 * d1 * f1 + v * f2
            scale = scale + fs
            scale, v, d1, d2 = _renormalise(scale, v, d1, d2)
        out.append((scale, v, d1, d2))
    return out


def _check_size(m, n):
    m = validate.positive_int("m", m, minimum=2, maximum=MAX_SIDE)
    n = validate.positive_int("n", n, minimum=2, maximum=MAX_SIDE)
    return m, n


def exact_thermo(m: int, n: int, K):
    """``(ln Z, d ln Z / dK, d^2 ln Z / dK^2)`` of the m x n periodic lattice.

    Ferdinand & Fisher (1969), eq. (2.1):
    ``Z = 1/2 (2 sinh 2K)^(mn/2) (Z_1 + Z_2 + Z_3 + Z_4)`` with
    ``Z_1 = prod_{r=0}^{n-1} 2 cosh(m gamma_{2r+1}/2)``,
    ``Z_2 = prod 2 sinh(m gamma_{2r+1}/2)``, ``Z_3 = prod 2 cosh(m gamma_{2r}/2)``,
    ``Z_4 = prod 2 sinh(m gamma_{2r}/2)`` and the signed ``gamma_0``.
    Derivatives are exact (analytic), not finite differences.
    """
    m, n = _check_size(m, n)
    k = _coupling_array(K)
    kk = np.atleast_1d(k).astype(np.float64)
    terms = _terms(m, n, kk)
    top = np.max([t[0] for t in terms], axis=0)
    S = sum(np.exp(t[0] - top) * t[1] for t in terms)
    S1 = sum(np.exp(t[0] - top) * t[2] for t in terms)
    S2 = sum(np.exp(t[0] - top) * t[3] for t in terms)
    N = m * n
    s2k = np.sinh(2.0 * kk)
    logz = -math.log(2.0) + 0.5 * N * np.log(2.0 * s2k) + top + np.log(S)
    d1 = N / np.tanh(2.0 * kk) + S1 / S
    d2 = -2.0 * N / s2k**2 + S2 / S - (S1 / S) ** 2
    if np.ndim(K) == 0:
        return float(logz[0]), float(d1[0]), float(d2[0])
    return logz.reshape(k.shape), d1.reshape(k.shape), d2.reshape(k.shape)


def log_partition(m: int, n: int, K):
    """Exact ``ln Z`` of the m x n Ising torus (Kaufman 1949; Ferdinand & Fisher 1969).

    See :func:`exact_thermo` for the formula. ``m, n >= 2``; ``K > 0`` scalar or array.
    """
    return exact_thermo(m, n, K)[0]


def exact_energy(m: int, n: int, K):
    """Exact energy per site ``<E>/N = -(1/N) d ln Z / dK`` of the m x n torus."""
    _, d1, _ = exact_thermo(m, n, K)
    return d1 * (-1.0 / (m * n)) if np.ndim(d1) else -d1 / (m * n)


def exact_specific_heat(m: int, n: int, K):
    """Exact specific heat per site ``C/N = (K^2/N) d^2 ln Z / dK^2`` (k_B = 1)."""
    _, _, d2 = exact_thermo(m, n, K)
    k = np.asarray(K, dtype=np.float64)
    c = k * k * d2 / (m * n)
    return float(c) if np.ndim(K) == 0 else c


# --------------------------------------------------------------------------
# The exact thermometer: invert the finite-lattice energy
# --------------------------------------------------------------------------

#: Bracket of couplings the thermometer searches: every u in (u(K_MAX), u(K_MIN)) is attainable.
THERMOMETER_K_MIN, THERMOMETER_K_MAX = 1e-6, 20.0


def _energy_and_slope(L: int, K: np.ndarray):
    """``u(K)`` and ``du/dK = -(1/N) d^2 ln Z / dK^2`` of the L x L torus (exact)."""
    _, d1, d2 = exact_thermo(L, L, K)
    N = L * L
    return -np.asarray(d1) / N, -np.asarray(d2) / N


def coupling_from_energy(L: int, u, tol: float = 1e-14, max_iter: int = 200):
    """The coupling K at which the exact energy per site of the periodic L x L lattice is u.

    Solves, element by element,

    .. math::  u_L(K) = -\\frac{1}{L^2} \\frac{\\partial \\ln Z_L}{\\partial K} = u,

    with ``Z_L`` the exact finite-torus partition function of Ferdinand & Fisher,
    Phys. Rev. 185, 832 (1969), eq. (2.1) (:func:`exact_thermo`). ``u_L`` falls
    strictly from 0 (K = 0) to -2 (K = infinity), since ``du/dK = -C/K^2 < 0``, so
    the root is unique; it is found by Newton's method in ``ln K`` kept inside a
    bisection bracket ``[1e-6, 20]`` (safeguarded Newton: a step leaving the
    bracket is replaced by bisection), to a relative step below ``tol``.

    This is the book's exact thermometer: an ensemble of configurations whose
    mean energy per site is u "has" the temperature ``T = 1 / K``.

    Parameters
    ----------
    L : int >= 2, lattice side.
    u : float or array of energies per site, each in the open range
        ``(u_L(20), u_L(1e-6))``, about (-2, 0).

    Returns
    -------
    K with the shape of ``u`` (a float for a scalar). Raises ``ValueError``
    naming ``u`` if any value is non-finite or outside the attainable range.
    """
    L = validate.positive_int("L", L, minimum=2, maximum=MAX_SIDE)
    tol = validate.positive_float("tol", tol)
    max_iter = validate.positive_int("max_iter", max_iter, maximum=10_000)
    if isinstance(u, (bool, np.bool_)) or not isinstance(u, (int, float, np.number, np.ndarray,
                                                             list, tuple)):
        raise TypeError(f"u must be a number or an array of numbers; got {type(u).__name__}")
    target = np.atleast_1d(np.asarray(u, dtype=np.float64)).ravel()
    if target.size == 0 or not np.all(np.isfinite(target)):
        raise ValueError(f"u must be a non-empty array of finite energies per site; got {u!r}")
    u_lo, _ = _energy_and_slope(L, np.array([THERMOMETER_K_MAX]))
    u_hi, _ = _energy_and_slope(L, np.array([THERMOMETER_K_MIN]))
    bad = (target <= u_lo[0]) | (target >= u_hi[0])
    if np.any(bad):
        raise ValueError(f"u = {float(target[bad][0])!r} is outside the attainable energies "
                         f"per site ({u_lo[0]:.6g}, {u_hi[0]:.6g}) of the {L} x {L} torus")
    lo = np.full_like(target, math.log(THERMOMETER_K_MIN))
    hi = np.full_like(target, math.log(THERMOMETER_K_MAX))
    x = np.log(np.clip(-target / 2.0, 2 * THERMOMETER_K_MIN, 1.0))  # u ~ -2K at small K
    for _ in range(max_iter):
        val, slope = _energy_and_slope(L, np.exp(x))
        f = val - target                                  # decreasing in x
        lo, hi = np.where(f > 0, x, lo), np.where(f > 0, hi, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = f / (slope * np.exp(x))
        new = x - step
        outside = ~np.isfinite(new) | (new <= lo) | (new >= hi)
        new = np.where(outside, 0.5 * (lo + hi), new)
        done = np.abs(new - x) <= tol
        x = new
        if np.all(done):
            break
    K = np.exp(x).reshape(np.shape(u))
    return float(K) if np.ndim(u) == 0 else K


def specific_heat_peak(L: int) -> float:
    """The coupling where the exact specific heat of the periodic L x L lattice peaks.

    Maximises ``C_L(K) / N = (K^2 / N) d^2 ln Z_L / dK^2`` (Ferdinand & Fisher
    1969, whose Fig. 2 shows the finite-lattice peak moving towards K_c as L
    grows): a grid of 401 couplings in [0.2, 1.0] locates the maximum, then a
    bounded Brent search refines it to 1e-12 in K. ``T_peak = 1 / K_peak`` is
    2.345 at L = 10, above ``T_c = 2.269``.
    """
    from scipy.optimize import minimize_scalar

    L = validate.positive_int("L", L, minimum=3, maximum=512)
    grid = np.linspace(0.2, 1.0, 401)
    i = int(np.argmax(exact_specific_heat(L, L, grid)))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = minimize_scalar(lambda k: -exact_specific_heat(L, L, float(k)), bounds=(lo, hi),
                          method="bounded", options={"xatol": 1e-12})
    return float(res.x)


# --------------------------------------------------------------------------
# Brute force oracle
# --------------------------------------------------------------------------

def _all_states(m: int, n: int) -> np.ndarray:
    N = m * n
    if N > 24:
        raise ValueError(f"enumeration of 2^{N} states is too large; m*n must be <= 24")
    return spin_states(N).reshape(-1, m, n)


def enumerate_thermo(m: int, n: int, K):
    """``(ln Z, <E>/N, C/N)`` by summing over all 2^(mn) states (m*n <= 24).

    ``Z = sum_s exp(K sum_<ij> s_i s_j)`` with periodic bonds counted as the
    closed form counts them (a width-2 torus has doubled bonds).
    """
    m, n = _check_size(m, n)
    k = float(_coupling_array(K if np.ndim(K) == 0 else np.nan))
    s = _all_states(m, n).astype(np.int16)
    bonds = (s * np.roll(s, 1, axis=1) + s * np.roll(s, 1, axis=2)).sum(axis=(1, 2))
    values, counts = np.unique(bonds, return_counts=True)
    x = k * values
    top = x.max()
    w = counts * np.exp(x - top)
    Z = w.sum()
    mean = (w * values).sum() / Z
    var = (w * values**2).sum() / Z - mean**2
    N = m * n
    return float(top + np.log(Z)), float(-mean / N), float(k * k * var / N)


def enumerate_log_partition(m: int, n: int, K) -> float:
    """``ln Z`` of the m x n torus by exact enumeration (oracle for the tests)."""
    return enumerate_thermo(m, n, K)[0]
