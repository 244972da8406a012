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

Anisotropic couplings (``K_x`` along x = axis -1 of an array ``s[i, j]``, ``K_y`` along y)
    - the finite-torus functions take ``K_y``: ``K`` is then ``K_x``; :func:`exact_thermo`
      returns the gradient and Hessian in ``(K_x, K_y)`` and :func:`bond_correlations`
      the correlation per bond direction (Kaufman 1949 with separate couplings);
      :func:`enumerate_moments` is their brute-force oracle.
    - :func:`critical_condition` (``sinh 2K_x sinh 2K_y = 1`` on the critical line),
      :func:`dual_coupling` and :func:`correlation_lengths` (``xi_x``, ``xi_y``).
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
    "critical_condition",
    "dual_coupling",
    "correlation_lengths",
    "bond_correlations",
    "enumerate_moments",
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

#: Below this coupling, on tori whose sides are all >= ``SERIES_MIN_SIDE`` (5), the isotropic
#: ``exact_thermo`` uses the high-temperature series: the closed form's derivatives cancel
#: two terms of size ``N / 2K`` and keep only about ``1e-16 / K^2`` relative accuracy, the
#: series (error about ``K^3``) is better below about 6e-4.
SERIES_MAX_COUPLING = 6e-4
SERIES_MIN_SIDE = 5


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


def _closed_form(m: int, n: int, kk: np.ndarray):
    """``(ln Z, d ln Z/dK, d^2 ln Z/dK^2)`` from Ferdinand & Fisher's four products."""
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
    return logz, d1, d2


def _high_temperature(N: int, k: np.ndarray):
    """The same three numbers from the high-temperature series (small K, tori with sides >= 5).

    ``Z = 2^N cosh^{2N} K * sum_G t^{|G|}`` over the even subgraphs ``G`` of the torus,
    ``t = tanh K`` (van der Waerden 1941): the empty graph, ``N`` plaquettes (``t^4``) and
    ``2N`` dominoes (``t^6``); the next terms are ``O(N t^8)``, and loops winding round a
    side of length ``>= 5`` change ``u`` by a relative ``O(t^3)``. So
    ``ln Z = N (ln 2 + 2 ln cosh K + t^4 + 2 t^6)``, differentiated with ``dt/dK = 1 - t^2``.
    """
    t = np.tanh(k)
    t2 = t * t
    logz = N * (math.log(2.0) + 2.0 * np.log(np.cosh(k)) + t2 * t2 * (1.0 + 2.0 * t2))
    d1 = N * (2.0 * t + (1.0 - t2) * t * t2 * (4.0 + 12.0 * t2))
    d2 = N * (1.0 - t2) * (2.0 + t2 * (12.0 + 40.0 * t2 - 84.0 * t2 * t2))
    return logz, d1, d2


def exact_thermo(m: int, n: int, K, K_y=None):
    """``(ln Z, d ln Z / dK, d^2 ln Z / dK^2)`` of the m x n periodic lattice.

    Ferdinand & Fisher (1969), eq. (2.1):
    ``Z = 1/2 (2 sinh 2K)^(mn/2) (Z_1 + Z_2 + Z_3 + Z_4)`` with
    ``Z_1 = prod_{r=0}^{n-1} 2 cosh(m gamma_{2r+1}/2)``,
    ``Z_2 = prod 2 sinh(m gamma_{2r+1}/2)``, ``Z_3 = prod 2 cosh(m gamma_{2r}/2)``,
    ``Z_4 = prod 2 sinh(m gamma_{2r}/2)`` and the signed ``gamma_0``.
    Derivatives are exact (analytic), not finite differences. For ``K <``
    ``SERIES_MAX_COUPLING`` (6e-4) on tori with both sides ``>=`` ``SERIES_MIN_SIDE`` (5) the
    three numbers come from the high-temperature series instead (the closed form loses
    digits there, and gives NaN near ``K = 1e-100``); on smaller tori the closed form is
    kept, good to about ``1e-16 / K^2`` relative.

    With ``K_y`` (anisotropic couplings, ``K`` is then ``K_x``) it returns
    ``(ln Z, grad, Hessian)`` in ``(K_x, K_y)``, with trailing axes (2,) and (2, 2),
    for ``-beta H = K_x sum s_{i,j} s_{i,j+1} + K_y sum s_{i,j} s_{i+1,j}`` on an
    array of m rows (y, axis -2) and n columns (x, axis -1): Kaufman's (1949)
    solution with separate couplings, in the same four-term form with

    .. math::
       Z = \\tfrac12 (2 \\sinh 2K_y)^{mn/2} \\textstyle\\sum_i Z_i, \\quad
       \\cosh\\gamma_k = \\cosh 2K_x \\coth 2K_y - \\frac{\\sinh 2K_x}{\\sinh 2K_y} \\cos\\frac{\\pi k}{n},

    and ``gamma_0 = 2 K_x + ln tanh K_y``. The gradient holds the mean bond sums
    along x and y, the Hessian their covariances (analytic). ``K`` and ``K_y``
    broadcast together; checked against :func:`enumerate_moments`.
    """
    m, n = _check_size(m, n)
    if K_y is not None:
        kx, ky, shape = _pair_arrays(K, K_y)
        logz, grad, hess = _thermo_xy(m, n, kx, ky)
        if len(shape) == 0:
            return float(logz[0]), grad[0], hess[0]
        return logz.reshape(shape), grad.reshape(shape + (2,)), hess.reshape(shape + (2, 2))
    k = _coupling_array(K)
    kk = np.atleast_1d(k).astype(np.float64)
    small = (kk < SERIES_MAX_COUPLING) & (min(m, n) >= SERIES_MIN_SIDE)
    logz, d1, d2 = (np.empty_like(kk) for _ in range(3))
    for part, how in ((~small, lambda k: _closed_form(m, n, k)),
                      (small, lambda k: _high_temperature(m * n, k))):
        if np.any(part):
            logz[part], d1[part], d2[part] = how(kk[part])
    if np.ndim(K) == 0:
        return float(logz[0]), float(d1[0]), float(d2[0])
    return logz.reshape(k.shape), d1.reshape(k.shape), d2.reshape(k.shape)


def log_partition(m: int, n: int, K, K_y=None):
    """Exact ``ln Z`` of the m x n Ising torus (Kaufman 1949; Ferdinand & Fisher 1969).

    See :func:`exact_thermo` for the formula. ``m, n >= 2``; ``K > 0`` scalar or array.
    With ``K_y`` the couplings are anisotropic: ``K`` along x (axis -1), ``K_y`` along y.
    """
    if K_y is not None:
        return exact_thermo(m, n, K, K_y)[0]
    return exact_thermo(m, n, K)[0]


def exact_energy(m: int, n: int, K, K_y=None):
    """Exact energy per site ``<E>/N = -(1/N) d ln Z / dK`` of the m x n torus.

    With ``K_y`` (anisotropic, ``K = K_x``) ``E = -sum_<ij> s_i s_j`` is still the
    bond sum over both directions, :func:`rgdl.ising.observables.energy`:
    ``<E>/N = -(1/N) (d/dK_x + d/dK_y) ln Z``.
    """
    if K_y is not None:
        _, grad, _ = exact_thermo(m, n, K, K_y)
        u = -grad.sum(axis=-1) / (m * n)
        return float(u) if np.ndim(u) == 0 else u
    _, d1, _ = exact_thermo(m, n, K)
    return d1 * (-1.0 / (m * n)) if np.ndim(d1) else -d1 / (m * n)


def exact_specific_heat(m: int, n: int, K, K_y=None):
    """Exact specific heat per site ``C/N = (K^2/N) d^2 ln Z / dK^2`` (k_B = 1).

    With ``K_y`` (anisotropic, ``K = K_x``) the temperature varies at fixed
    ``J_x / J_y``, so ``(K_x, K_y) = beta (J_x, J_y)`` and

    .. math::  C/N = \\frac{\\beta^2}{N} \\frac{\\partial^2 \\ln Z}{\\partial \\beta^2}
       = \\frac{1}{N} \\sum_{a, b \\in \\{x, y\\}} K_a K_b \\frac{\\partial^2 \\ln Z}{\\partial K_a \\partial K_b}.
    """
    if K_y is not None:
        _, _, hess = exact_thermo(m, n, K, K_y)
        kx, ky = np.broadcast_arrays(np.asarray(K, dtype=np.float64),
                                     np.asarray(K_y, dtype=np.float64))
        c = (kx * kx * hess[..., 0, 0] + 2.0 * kx * ky * hess[..., 0, 1]
             + ky * ky * hess[..., 1, 1]) / (m * n)
        return float(c) if np.ndim(c) == 0 else c
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


def enumerate_thermo(m: int, n: int, K, K_y=None):
    """``(ln Z, <E>/N, C/N)`` by summing over all 2^(mn) states (m*n <= 24).

    ``Z = sum_s exp(K sum_<ij> s_i s_j)`` with periodic bonds counted as the
    closed form counts them (a width-2 torus has doubled bonds). With ``K_y``
    (anisotropic, ``K = K_x``): the same quantities as :func:`exact_energy` and
    :func:`exact_specific_heat` with ``K_y``, from :func:`enumerate_moments`.
    """
    m, n = _check_size(m, n)
    if K_y is not None:
        logz, mean, cov = enumerate_moments(m, n, K, K_y)
        k = np.array([float(K), float(K_y)])
        return logz, float(-mean.sum() / (m * n)), float(k @ cov @ k / (m * n))
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


def enumerate_log_partition(m: int, n: int, K, K_y=None) -> float:
    """``ln Z`` of the m x n torus by exact enumeration (oracle for the tests).

    With ``K_y``, anisotropic couplings: ``K`` along x (axis -1), ``K_y`` along y.
    """
    if K_y is not None:
        return enumerate_thermo(m, n, K, K_y)[0]
    return enumerate_thermo(m, n, K)[0]


# --------------------------------------------------------------------------
# Anisotropic couplings: K_x along x (within a row, axis -1), K_y along y (axis -2)
# --------------------------------------------------------------------------

#: Smallest value of max(K_x, K_y) the anisotropic closed form accepts: below it the
#: derivatives lose digits (gradient error ~1e-12 at 1e-3, ~1e-7 at 1e-9).
MIN_PAIR_COUPLING = 1e-3


def _pair_arrays(K, K_y, names=("K", "K_y")):
    """``(k_x, k_y, shape)``: both couplings checked and broadcast, flattened to 1-D."""
    kx, ky = _coupling_array(K, names[0]), _coupling_array(K_y, names[1])
    try:
        shape = np.broadcast_shapes(np.shape(kx), np.shape(ky))
    except ValueError:
        raise ValueError(f"{names[0]} and {names[1]} must broadcast together; got shapes "
                         f"{np.shape(kx)} and {np.shape(ky)}") from None
    kx, ky = (np.broadcast_to(a, shape).astype(np.float64).ravel() for a in (kx, ky))
    return kx, ky, shape


def critical_condition(K_x, K_y):
    """``sinh(2 K_x) sinh(2 K_y)``: < 1 disordered, = 1 critical, > 1 ordered.

    The infinite anisotropic square lattice is critical on the line

    .. math::  \\sinh 2K_x \\, \\sinh 2K_y = 1

    (Onsager 1944, eq. 111; Kramers-Wannier duality maps ``(K_x, K_y)`` to
    ``(K_y^*, K_x^*)`` with ``tanh K^* = e^{-2K}``, and the self-dual line is this
    one). ``K_x, K_y > 0``, scalars or arrays that broadcast together.
    """
    kx, ky, shape = _pair_arrays(K_x, K_y, ("K_x", "K_y"))
    out = (np.sinh(2.0 * kx) * np.sinh(2.0 * ky)).reshape(shape)
    return float(out) if out.ndim == 0 else out


def dual_coupling(K):
    """The Kramers-Wannier dual coupling ``K*``, defined by ``tanh K* = e^{-2K}``.

    .. math::  K^* = -\\tfrac12 \\ln\\tanh K = \\tfrac12 \\operatorname{arsinh}(1 / \\sinh 2K),

    so ``sinh 2K sinh 2K* = 1`` (Kramers & Wannier 1941). The anisotropic lattice
    is critical where ``K_y = K_x*`` (:func:`critical_condition`): for ``K_x = 0.6``
    the critical ``K_y`` is 0.3108, so (0.6, 0.2) is disordered. ``K_c`` is the fixed
    point ``K_c* = K_c``. Computed in the arsinh form, which keeps full relative
    precision at large K (``K* = e^{-2K}`` to round-off there).
    """
    k = _coupling_array(K)
    return _out(0.5 * np.arcsinh(1.0 / np.sinh(2.0 * k)), K)


def correlation_lengths(K_x, K_y):
    """Exact correlation lengths ``(xi_x, xi_y)`` along the two axes of the infinite lattice.

    The two-point function along x decays as ``exp(-r / xi_x)``, along y as
    ``exp(-r / xi_y)`` (exponential, not second-moment, correlation lengths):

    .. math::
       \\xi_x^{-1} = 2 (K_x^* - K_y), \\quad \\xi_y^{-1} = 2 (K_y^* - K_x)
       \\quad (\\sinh 2K_x \\sinh 2K_y < 1), \\qquad
       \\xi_x^{-1} = 4 (K_y - K_x^*), \\quad \\xi_y^{-1} = 4 (K_x - K_y^*) \\quad (> 1),

    with ``tanh K* = e^{-2K}``. ``1/xi_y`` is the gap ``|gamma_0|`` of the
    row-to-row transfer matrix (Onsager 1944; Kaufman 1949; McCoy & Wu, *The
    Two-Dimensional Ising Model*, ch. XI; above T_c the connected function
    decays with twice the gap). The limit ``K_y -> 0`` gives the chain,
    ``1/xi_x = -ln tanh K_x``, and ``K_x = K_y`` gives :func:`correlation_length`
    exactly. At ``(0.6, 0.2)``: ``xi_x = 4.5113``, ``xi_y = 2.3660``.
    Both are ``inf`` on the critical line (within 1e-12 in K).
    """
    kx, ky, shape = _pair_arrays(K_x, K_y, ("K_x", "K_y"))
    iso = kx == ky
    crit = np.where(iso, np.abs(kx - critical_coupling()) < 1e-12,
                    np.abs(kx - 0.5 * np.arcsinh(1.0 / np.sinh(2.0 * ky))) < 1e-12)
    out = []
    for along, across in ((kx, ky), (ky, kx)):
        with np.errstate(divide="ignore"):
            gap = np.log(1.0 / np.tanh(along)) - 2.0 * across        # 2 (K_along* - K_across)
            gap = np.where(crit, 0.0, gap)
            xi = np.where(gap > 0, 1.0 / gap, np.where(gap < 0, 1.0 / (-2.0 * gap), np.inf))
        xi = xi.reshape(shape)
        out.append(float(xi) if xi.ndim == 0 else xi)
    return tuple(out)


def _gamma_xy(k_index: int, n: int, kx: np.ndarray, ky: np.ndarray):
    """gamma_k, its gradient (2, B) and Hessian entries (xx, xy, yy) in (K_x, K_y).

    ``cosh gamma_k = cosh(2K_x) coth(2K_y) - sinh(2K_x) cos(pi k / n) / sinh(2K_y)``
    (k >= 1) and the signed ``gamma_0 = 2 K_x + ln tanh K_y = 2 (K_x - K_y*)``.
    """
    cx, sx = np.cosh(2.0 * kx), np.sinh(2.0 * kx)
    cy, sy = np.cosh(2.0 * ky), np.sinh(2.0 * ky)
    zero = np.zeros_like(kx)
    g0 = 2.0 * kx - np.log1p(2.0 / np.expm1(2.0 * ky))       # ln tanh K = -ln(1 + 2/(e^2K - 1))
    if k_index == 0:
        return g0, np.stack([zero + 2.0, 2.0 / sy]), np.stack([zero, zero, -4.0 * cy / sy**2])
    c = math.cos(math.pi * k_index / n)
    # x - 1 = 2 sinh^2(gamma_0 / 2) + 2 sin^2(pi k / 2n) sinh(2K_x) / sinh(2K_y) >= 0:
    # two non-negative terms, no cancellation
    half_angle = math.sin(0.5 * math.pi * k_index / n)
    delta = 2.0 * np.sinh(0.5 * g0) ** 2 + 2.0 * half_angle**2 * sx / sy
    x = 1.0 + delta
    dx = np.stack([2.0 * (sx * cy - c * cx) / sy, 2.0 * (c * sx * cy - cx) / sy**2])
    hx = np.stack([4.0 * x, 4.0 * (c * cx * cy - sx) / sy**2,
                   4.0 * (2.0 * cx * cy - c * sx * (1.0 + cy * cy)) / sy**3])
    root = np.sqrt(delta * (delta + 2.0))                      # sinh gamma_k
    outer = np.stack([dx[0] * dx[0], dx[0] * dx[1], dx[1] * dx[1]])
    return np.log1p(delta + root), dx / root, hx / root - x * outer / root**3


def _terms_xy(m: int, n: int, kx: np.ndarray, ky: np.ndarray):
    """Z_1..Z_4 of Ferdinand & Fisher eq. (2.2) for K_x != K_y, with gradient and Hessian.

    Each is ``exp(scale) * (v, d, h)``: value, gradient (2, B), Hessian entries (3, B).
    """
    gammas = [_gamma_xy(k, n, kx, ky) for k in range(2 * n)]
    out = []
    for parity, hyperbolic in ((1, "cosh"), (1, "sinh"), (0, "cosh"), (0, "sinh")):
        scale, v = np.zeros_like(kx), np.ones_like(kx)
        d, h = np.zeros((2,) + kx.shape), np.zeros((3,) + kx.shape)
        for r in range(n):
            g, dg, hg = gammas[2 * r + parity]
            a = 0.5 * m * g
            e = np.exp(-2.0 * np.abs(a))
            cosh_, sinh_ = 1.0 + e, np.sign(a) * (1.0 - e)     # 2cosh(a), 2sinh(a) / e^|a|
            fv, fdv = (cosh_, sinh_) if hyperbolic == "cosh" else (sinh_, cosh_)
            fd = 0.5 * m * dg * fdv
            fh = 0.5 * m * hg * fdv + (0.5 * m) ** 2 * np.stack(
                [dg[0] * dg[0], dg[0] * dg[1], dg[1] * dg[1]]) * fv
            cross = np.stack([2.0 * d[0] * fd[0], d[0] * fd[1] + d[1] * fd[0], 2.0 * d[1] * fd[1]])
            v, d, h = v * fv, d * fv + v * fd, h * fv + v * fh + cross
            big = np.maximum(np.abs(v), np.maximum(np.abs(d).max(axis=0), np.abs(h).max(axis=0)))
            big = np.where(big > 0, big, 1.0)
            scale, v, d, h = scale + np.abs(a) + np.log(big), v / big, d / big, h / big
        out.append((scale, v, d, h))
    return out


def _thermo_xy(m: int, n: int, kx: np.ndarray, ky: np.ndarray):
    """``ln Z``, gradient (B, 2) and Hessian (B, 2, 2) in (K_x, K_y) of the m x n torus.

    Where ``K_y < K_x`` the transposed lattice (n x m, couplings swapped, the
    same Z) is evaluated instead: the closed form differentiates ``1 / sinh 2K_y``
    up to three times, which loses precision as ``K_y -> 0`` but not as ``K_x -> 0``.
    """
    if np.any(np.maximum(kx, ky) < MIN_PAIR_COUPLING):
        raise ValueError(f"max(K_x, K_y) must be >= {MIN_PAIR_COUPLING} for the anisotropic closed "
                         f"form (it loses precision when both couplings are small); got "
                         f"{float(np.min(np.maximum(kx, ky)))!r}")
    swap = ky < kx
    logz, grad, hess = np.empty(kx.shape), np.empty(kx.shape + (2,)), np.empty(kx.shape + (2, 2))
    for mask, (rows, cols, a, b) in ((~swap, (m, n, kx, ky)), (swap, (n, m, ky, kx))):
        if np.any(mask):
            lz, g, h = _thermo_rows(rows, cols, a[mask], b[mask])
            if mask is swap:
                g, h = g[:, ::-1], h[:, ::-1, ::-1]
            logz[mask], grad[mask], hess[mask] = lz, g, h
    return logz, grad, hess


def _thermo_rows(m: int, n: int, kx: np.ndarray, ky: np.ndarray):
    """:func:`_thermo_xy` without the transposition: the transfer matrix runs along y."""
    terms = _terms_xy(m, n, kx, ky)
    top = np.max([t[0] for t in terms], axis=0)
    w = [np.exp(t[0] - top) for t in terms]
    S = sum(wi * t[1] for wi, t in zip(w, terms))
    S1 = sum(wi * t[2] for wi, t in zip(w, terms)) / S
    S2 = sum(wi * t[3] for wi, t in zip(w, terms)) / S
    N = m * n
    sy = np.sinh(2.0 * ky)
    logz = -math.log(2.0) + 0.5 * N * np.log(2.0 * sy) + top + np.log(S)
    grad = np.stack([S1[0], S1[1] + N / np.tanh(2.0 * ky)], axis=-1)
    hxx = S2[0] - S1[0] ** 2
    hxy = S2[1] - S1[0] * S1[1]
    hyy = S2[2] - S1[1] ** 2 - 2.0 * N / sy**2
    hess = np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], axis=-2)
    return logz, grad, hess


def bond_correlations(m: int, n: int, K_x, K_y):
    """Exact nearest-neighbour correlations ``(<s s_{+x}>, <s s_{+y}>)`` of the m x n torus.

    .. math::  \\langle s_{i,j} s_{i,j+1} \\rangle = \\frac{1}{mn} \\frac{\\partial \\ln Z}{\\partial K_x},
       \\qquad \\langle s_{i,j} s_{i+1,j} \\rangle = \\frac{1}{mn} \\frac{\\partial \\ln Z}{\\partial K_y},

    from :func:`exact_thermo` with ``K_y`` (Kaufman 1949; Ferdinand & Fisher 1969). On a
    torus of width 2 a bond counted twice is averaged as such.
    """
    m, n = _check_size(m, n)
    kx, ky, shape = _pair_arrays(K_x, K_y, ("K_x", "K_y"))
    _, grad, _ = _thermo_xy(m, n, kx, ky)
    cx, cy = (grad[:, i].reshape(shape) / (m * n) for i in (0, 1))
    return (float(cx), float(cy)) if len(shape) == 0 else (cx, cy)


def enumerate_moments(m: int, n: int, K_x, K_y):
    """``(ln Z, grad, Hessian)`` in ``(K_x, K_y)`` by summing over all 2^(mn) states (m*n <= 24).

    ``Z = sum_s exp(K_x B_x(s) + K_y B_y(s))`` with ``B_x``, ``B_y`` the periodic
    bond sums along x (axis -1) and y (axis -2); the gradient is ``<(B_x, B_y)>``
    and the Hessian their covariance matrix. The oracle of :func:`exact_thermo` with ``K_y``.
    """
    m, n = _check_size(m, n)
    kx = float(_coupling_array(K_x if np.ndim(K_x) == 0 else np.nan, "K_x"))
    ky = float(_coupling_array(K_y if np.ndim(K_y) == 0 else np.nan, "K_y"))
    s = _all_states(m, n).astype(np.int16)
    b = np.stack([(s * np.roll(s, 1, axis=2)).sum(axis=(1, 2)),
                  (s * np.roll(s, 1, axis=1)).sum(axis=(1, 2))], axis=1)
    values, counts = np.unique(b, axis=0, return_counts=True)
    x = values @ np.array([kx, ky])
    top = x.max()
    w = counts * np.exp(x - top)
    Z = w.sum()
    mean = (w[:, None] * values).sum(axis=0) / Z
    centred = values - mean
    cov = (w[:, None, None] * centred[:, :, None] * centred[:, None, :]).sum(axis=0) / Z
    return float(top + np.log(Z)), mean, cov
