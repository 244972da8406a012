"""The 1D Ising ring: exact enumeration, transfer matrix and a Metropolis sampler.

The ring has N spins s_i = +/-1 with periodic boundary s_{N} = s_0 and the
dimensionless Hamiltonian (couplings already multiplied by beta = 1/kT)

    H(s) = -K sum_i s_i s_{i+1} - B sum_i s_i,      P(s) = exp(-H(s)) / Z.

Three independent routes to Z, the free energy F = -ln Z and the correlation
<s_0 s_r> are implemented so chapter 0 can check them against each other:
exact enumeration (N <= 20), the transfer matrix (Kramers & Wannier 1941;
Z = lambda_+^N + lambda_-^N) and checkerboard Metropolis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp
from tqdm import tqdm

from .core import stats, validate
from .core.runtime import rng
from .core.states import spin_states

__all__ = [
    "MAX_ENUM", "MAX_SWEEPS", "all_states", "energy", "log_partition_enum", "correlations_enum",
    "transfer_matrix", "eigenvalues", "log_partition", "free_energy_per_site", "correlations",
    "correlation_length", "exact_samples", "metropolis", "ring_correlations", "RouteCheck",
    "enumeration_vs_transfer", "MetropolisCheck", "metropolis_check",
]

#: Largest N for exact enumeration of the 2**N states.
MAX_ENUM = 20

#: Most sweeps (burn-in included) one Metropolis run may take: a bound on what can finish.
MAX_SWEEPS = 10**7


def _check_ring(N, K, B, max_n=None):
    N = validate.positive_int("N", N, minimum=2, maximum=max_n)
    return N, validate.finite_float("K", K), validate.finite_float("B", B)


def _log_tanh(x: float) -> float:
    """ln tanh x for x >= 0, accurate for large x where tanh x rounds to 1.

    For x >= 1, ln tanh x = log1p(-2 t / (1 + t)) with t = e^{-2x} (about -2 e^{-2x}).
    """
    if x < 1.0:
        with np.errstate(divide="ignore"):
            return float(np.log(np.tanh(x)))  # -inf at x = 0
    t = np.exp(-2.0 * x)
    return float(np.log1p(-2.0 * t / (1.0 + t)))


def _log_neg_log_tanh(x: float) -> float:
    """ln(-ln tanh x) for x >= 0, without underflow when tanh x rounds to 1 (+inf at x = 0).

    With t = e^{-2x} and q = 2t/(1 + t): -ln tanh x = -log1p(-q), whose log is
    ln q + ln(-log1p(-q)/q), and ln q = ln 2 - 2x - log1p(t).
    """
    if x < 1.0:
        with np.errstate(divide="ignore"):
            return float(np.log(-np.log(np.tanh(x))))
    t = np.exp(-2.0 * x)
    q = 2.0 * t / (1.0 + t)
    return float(np.log(2.0) - 2.0 * x - np.log1p(t) + (np.log(-np.log1p(-q) / q) if q else 0.0))


def _log_spectrum(K: float, B: float) -> tuple[float, float, float]:
    """(ln lambda_+, ln(-ln |lambda_-/lambda_+|), sign of lambda_-), no overflow for any K, B.

    With a = e^K cosh B and r = sqrt(e^{2K} sinh^2 B + e^{-2K}), lambda_+- = a +- r and
    lambda_-/lambda_+ = (a - r)/(a + r) = tanh((ln a - ln r)/2).
    """
    b = abs(B)
    ln_cosh = b + np.log1p(np.exp(-2 * b)) - np.log(2.0)
    with np.errstate(divide="ignore"):  # ln sinh 0 = -inf
        ln_sinh = b + np.log1p(-np.exp(-2 * b)) - np.log(2.0) if b > 0 else -np.inf
    la = K + ln_cosh
    lr = 0.5 * np.logaddexp(2 * K + 2 * ln_sinh, -2 * K)
    x = 0.5 * (la - lr)
    return float(np.logaddexp(la, lr)), _log_neg_log_tanh(abs(x)), (1.0 if x >= 0 else -1.0)


def all_states(N: int) -> np.ndarray:
    """All 2**N configurations of N spins, shape (2**N, N), int8 +/-1 (row k = bits of k)."""
    N = validate.positive_int("N", N, minimum=1)
    if N > MAX_ENUM + 2:
        raise ValueError(f"N must be <= {MAX_ENUM + 2} to enumerate; got {N}")
    return spin_states(N)


def energy(s, K: float, B: float = 0.0) -> np.ndarray:
    """H(s) = -K sum_i s_i s_{i+1} - B sum_i s_i on the ring, for s of shape (..., N)."""
    s = validate.real_array("s", s)
    K, B = validate.finite_float("K", K), validate.finite_float("B", B)
    if s.ndim < 1 or s.shape[-1] < 2:
        raise ValueError(f"s must have shape (..., N) with N >= 2; got {s.shape}")
    return -K * np.sum(s * np.roll(s, -1, axis=-1), axis=-1) - B * np.sum(s, axis=-1)


def log_partition_enum(N: int, K: float, B: float = 0.0) -> float:
    """ln Z = ln sum_s exp(-H(s)) by summing all 2**N states (N <= 20)."""
    N, K, B = _check_ring(N, K, B, MAX_ENUM)
    return float(logsumexp(-energy(all_states(N), K, B)))


def correlations_enum(N: int, K: float, B: float = 0.0) -> np.ndarray:
    """<s_0 s_r> for r = 0..N-1 by enumeration (N <= 20)."""
    N, K, B = _check_ring(N, K, B, MAX_ENUM)
    s = all_states(N)
    logw = -energy(s, K, B)
    p = np.exp(logw - logw.max())
    p /= p.sum()
    return (p[:, None] * (s[:, :1] * s).astype(np.float64)).sum(axis=0)


def _exponents(K: float, B: float) -> np.ndarray:
    return np.array([[K + B, -K], [-K, K - B]])


def transfer_matrix(K: float, B: float = 0.0) -> np.ndarray:
    """The symmetric transfer matrix T[s, s'] = exp(K s s' + B (s + s')/2), s, s' in (+1, -1).

    Its entries must be floats: |K| + |B| <= 700 (else use :func:`log_partition`).
    """
    K = validate.finite_float("K", K)
    B = validate.finite_float("B", B)
    if abs(K) + abs(B) > 700:
        raise ValueError(f"K and B: e^(|K| + |B|) overflows a float for K = {K}, B = {B}")
    return np.exp(_exponents(K, B))


def eigenvalues(K: float, B: float = 0.0) -> tuple[float, float]:
    r"""The transfer-matrix spectrum (Kramers & Wannier 1941).

    .. math::

        \lambda_\pm = e^K \cosh B \pm \sqrt{e^{2K} \sinh^2 B + e^{-2K}}

    Computed from logarithms; ``ValueError`` naming K and B when lambda_+ overflows a float.
    """
    K, B = validate.finite_float("K", K), validate.finite_float("B", B)
    ln_plus, ln_neg_ln_ratio, sign = _log_spectrum(K, B)
    if ln_plus > 700:
        raise ValueError(f"K and B: lambda_+ = e^{ln_plus:.4g} overflows a float; "
                         "use log_partition")
    return float(np.exp(ln_plus)), float(sign * np.exp(ln_plus - np.exp(ln_neg_ln_ratio)))


def log_partition(N: int, K: float, B: float = 0.0) -> float:
    r"""ln Z of the ring from the transfer matrix, in log space (no overflow at large K or B).

    .. math::

        \ln Z = \ln(\lambda_+^N + \lambda_-^N)
        = N \ln \lambda_+ + \ln\bigl(1 + (\lambda_-/\lambda_+)^N\bigr)

    (Kramers & Wannier 1941), with ln lambda_+ and ln |lambda_-/lambda_+| taken from
    logarithms throughout. With y = -N ln |lambda_-/lambda_+| the last term is
    log1p(e^{-y}), or ln(-expm1(-y)) (about ln y for small y) for odd N and
    lambda_- < 0, the frustrated antiferromagnetic ring.
    """
    N, K, B = _check_ring(N, K, B)
    ln_plus, ln_neg_ln_ratio, sign = _log_spectrum(K, B)
    ln_y = np.log(float(N)) + ln_neg_ln_ratio  # ln y, y = -N ln |ratio| >= 0
    with np.errstate(over="ignore"):
        y = np.exp(ln_y)
    if sign < 0 and N % 2:
        tail = ln_y - 0.5 * y if ln_y < -40 else np.log(-np.expm1(-y))
    else:
        tail = np.log1p(np.exp(-y))
    return float(N * ln_plus + tail)


def free_energy_per_site(N: int, K: float, B: float = 0.0) -> float:
    """f = -ln Z / N (in units of kT); N = inf gives -ln lambda_+."""
    if isinstance(N, float) and N == np.inf:
        K, B = validate.finite_float("K", K), validate.finite_float("B", B)
        return -_log_spectrum(K, B)[0]
    return -log_partition(N, K, B) / N


def correlations(N: int, K: float, B: float = 0.0) -> np.ndarray:
    """<s_0 s_r> = Tr(S T^r S T^{N-r}) / Tr T^N for r = 0..N-1, S = diag(1, -1).

    Uses the eigen-decomposition T = sum_k lambda_k u_k u_k^T (of T divided by its largest
    entry when that would overflow), so every power is exact to rounding; the result is normalised by lambda_+^N
    to avoid overflow.
    """
    N, K, B = _check_ring(N, K, B)
    validate.elements("N", N, 4)
    E = _exponents(K, B)
    shift = E.max() if np.abs(E).max() > 700 else 0.0  # T e^{-shift}: same ratios, no overflow
    lam, U = np.linalg.eigh(np.exp(E - shift))
    lam, U = lam[::-1], U[:, ::-1]  # lambda_+ first
    ratio = lam / lam[0]
    S = np.diag([1.0, -1.0])
    M = U.T @ S @ U  # S in the eigenbasis
    r = np.arange(N)
    # Tr(S T^r S T^{N-r}) / lambda_+^N = sum_{a,b} M_ab^2 ratio_a^r ratio_b^(N-r)
    num = np.einsum("ab,ra,rb->r", M**2, ratio[None, :] ** r[:, None], ratio[None, :] ** (N - r)[:, None])
    den = np.sum(ratio**N)
    if not den > 1e-6 * np.sum(np.abs(ratio) ** N):  # odd antiferromagnetic ring, |K| large
        raise ValueError(f"K and B: Tr T^N cancels to rounding for N = {N}, K = {K}, B = {B}; "
                         "the correlations cannot be computed in double precision")
    return num / den


def correlation_length(K: float) -> float:
    r"""The B = 0 correlation length of the infinite chain (K > 0).

    .. math::

        \xi = -\frac{1}{\ln \tanh K} \approx \tfrac12 e^{2K} \quad (K \gg 1)

    ln tanh K is computed as log1p(-2 e^{-2K} / (1 + e^{-2K})) for K >= 1, so large K
    give the large xi they should; ``inf`` once xi exceeds the largest float.
    """
    K = validate.positive_float("K", K)
    lt = _log_tanh(K)
    return float(-1.0 / lt) if lt < 0 else float("inf")


def exact_samples(N: int, K: float, B: float = 0.0, n: int = 1000, seed=None) -> np.ndarray:
    """n i.i.d. configurations drawn from the exact Boltzmann distribution (N <= 20).

    Returns an int8 array of shape (n, N) with entries +/-1.
    """
    N, K, B = _check_ring(N, K, B, MAX_ENUM)
    n = validate.positive_int("n", n, maximum=validate.MAX_ELEMENTS)
    validate.elements("n * N", n, N, itemsize=9)
    s = all_states(N)
    logw = -energy(s, K, B)
    p = np.exp(logw - logw.max())
    idx = rng(seed).choice(len(s), size=n, p=p / p.sum())
    return s[idx]


def metropolis(N: int, K: float, B: float = 0.0, *, sweeps: int = 1000, chains: int = 64,
               burn_in: int = 100, seed=None, progress: bool = False) -> np.ndarray:
    """Checkerboard Metropolis on ``chains`` independent rings; one configuration per sweep.

    A sweep visits the even sites, then the odd sites (N must be even so the two
    sub-lattices do not touch). A flip of s_i changes the energy by
    dH = 2 s_i (K (s_{i-1} + s_{i+1}) + B) and is accepted with probability
    min(1, exp(-dH)) (Metropolis et al. 1953).

    Each spin of the active sub-lattice is offered its flip with probability 1/2.
    Offering every spin at once makes a flip at dH = 0 certain, and in one
    dimension at B = 0 those synchronised certain flips leave the chain unable to
    reach all states in the right proportions: it samples a wrong distribution
    (visible already on a 4-spin ring). The random offer keeps every step a valid
    Metropolis step and makes the chain irreducible and aperiodic.

    Returns int8 samples of shape (sweeps, chains, N), taken after ``burn_in``
    discarded sweeps.
    """
    N, K, B = _check_ring(N, K, B)
    if N % 2:
        raise ValueError(f"N must be even for checkerboard updates; got {N}")
    sweeps = validate.positive_int("sweeps", sweeps, maximum=MAX_SWEEPS)
    chains = validate.positive_int("chains", chains, maximum=validate.MAX_ELEMENTS)
    burn_in = validate.positive_int("burn_in", burn_in, minimum=0, maximum=MAX_SWEEPS - sweeps)
    validate.elements("chains * N", chains, N, itemsize=24)
    validate.elements("sweeps * chains * N", sweeps, chains, N, itemsize=1)
    g = rng(seed)
    s = np.where(g.random((chains, N)) < 0.5, 1, -1).astype(np.int8)
    # acceptance probabilities depend only on s_i in {-1,1} and the neighbour sum in {-2,0,2}
    table = np.minimum(1.0, np.exp(-2.0 * np.array([[-1], [1]]) * (K * np.array([-2, 0, 2]) + B)))
    out = np.empty((sweeps, chains, N), dtype=np.int8)
    halves = [np.arange(0, N, 2), np.arange(1, N, 2)]
    for t in tqdm(range(burn_in + sweeps), desc="metropolis", disable=not progress):
        for sites in halves:
            nb = s[:, (sites - 1) % N] + s[:, (sites + 1) % N]
            acc = table[(s[:, sites] + 1) // 2, nb // 2 + 1]
            flip = g.random(acc.shape) < 0.5 * acc
            s[:, sites] = np.where(flip, -s[:, sites], s[:, sites])
        if t >= burn_in:
            out[t - burn_in] = s
    return out


def ring_correlations(samples) -> np.ndarray:
    """Site-averaged <s_i s_{i+r}> of each sample: input (..., N), output (..., N) for r = 0..N-1.

    Computed for all r at once with an FFT along the ring.
    """
    s = validate.real_array("samples", samples)
    if s.ndim < 1 or s.shape[-1] < 1:
        raise ValueError(f"samples must have shape (..., N) with N >= 1; got {s.shape}")
    f = np.fft.rfft(s, axis=-1)
    return np.fft.irfft(f * np.conj(f), n=s.shape[-1], axis=-1) / s.shape[-1]


# ----------------------------------------------------------------------------- experiments

def _sizes(name: str, values, minimum: int, maximum: int) -> list[int]:
    """A non-empty sequence of ints in [minimum, maximum]; errors name ``name``."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of ints; got {type(values).__name__}")
    out = [validate.positive_int(name, v, minimum=minimum, maximum=maximum) for v in values]
    if not out:
        raise ValueError(f"{name} must hold at least one value")
    return out


@dataclass
class RouteCheck:
    """Enumeration against the transfer matrix over a grid of (N, K, B) (chapter 0)."""

    cases: int  #: number of (N, K, B) cases compared
    max_dev_log_partition: float  #: max |ln Z_enum - ln Z_TM|
    max_dev_correlations: float  #: max over r of |<s0 sr>_enum - <s0 sr>_TM|


def enumeration_vs_transfer(Ns, Ks, Bs) -> RouteCheck:
    r"""Compare exact enumeration with the transfer matrix on every (N, K, B) of a grid.

    .. math::

        Z = \sum_s e^{-H(s)} = \operatorname{Tr} T^N = \lambda_+^N + \lambda_-^N,
        \qquad \langle s_0 s_r \rangle = \operatorname{Tr}(S T^r S T^{N-r}) / Z

    (Kramers & Wannier 1941). The two routes share only the Hamiltonian, so the
    deviations are round-off unless one of them has a bug.
    """
    Ns = _sizes("Ns", Ns, 2, MAX_ENUM)
    Ks = validate.real_array("Ks", Ks, ndim=1, min_size=1)
    Bs = validate.real_array("Bs", Bs, ndim=1, min_size=1)
    grid = [(N, float(K), float(B)) for N in Ns for K in Ks for B in Bs]
    dev_z = max(abs(log_partition_enum(N, K, B) - log_partition(N, K, B)) for N, K, B in grid)
    dev_c = max(float(np.max(np.abs(correlations_enum(N, K, B) - correlations(N, K, B))))
                for N, K, B in grid)
    return RouteCheck(len(grid), float(dev_z), float(dev_c))


@dataclass
class MetropolisCheck:
    """Metropolis on the ring against the transfer matrix, at several K and B = 0 (chapter 0).

    Arrays run over ``K`` first; correlations over r = 0..lags-1. Errors are binning errors.
    """

    N: int
    K: np.ndarray  #: couplings, shape (k,)
    corr: np.ndarray  #: sampled <s_0 s_r>, shape (k, lags)
    corr_err: np.ndarray  #: its binning error, shape (k, lags)
    corr_exact: np.ndarray  #: exact <s_0 s_r> for r = 0..N-1, shape (k, N)
    energy: np.ndarray  #: sampled H/N, shape (k,)
    energy_err: np.ndarray  #: its binning error
    tau_energy: np.ndarray  #: integrated autocorrelation time of H (sweeps)
    xi: np.ndarray  #: -1 / ln C(1) from the samples
    xi_err: np.ndarray  #: sigma_C(1) / (C(1) ln^2 C(1))
    xi_exact: np.ndarray  #: -1 / ln tanh K
    z_corr: float  #: max over K and r = 1..lags-1 of |C_mc - C_exact| / sigma
    z_energy: float  #: max over K of |E_mc/N - E_exact/N| / sigma
    z_xi: float  #: max over K of |xi_mc - xi_exact| / sigma_xi


def metropolis_check(N: int, Ks, *, sweeps: int, chains: int, burn_in: int = 500,
                     lags: int = 8, seed: int = 0) -> MetropolisCheck:
    r"""Sample the ring at each K (B = 0) with :func:`metropolis` and compare with exact results.

    .. math::

        \frac{E}{N} = -K \langle s_0 s_1 \rangle, \qquad
        \xi = -\frac{1}{\ln \tanh K}, \qquad
        \hat\xi = -\frac{1}{\ln C(1)}, \quad
        \sigma_\xi = \frac{\sigma_{C(1)}}{C(1) \ln^2 C(1)}

    The error bars come from a binning analysis (Flyvbjerg & Petersen 1989).
    ``seed`` is an int; the i-th K runs with seed ``seed + i``.
    """
    N = validate.positive_int("N", N, minimum=2)
    Ks = validate.real_array("Ks", Ks, ndim=1, min_size=1)
    if np.any(Ks <= 0):
        raise ValueError("Ks must be a non-empty 1-D array of positive couplings")
    lags = validate.positive_int("lags", lags, minimum=2)
    if lags > N:
        raise ValueError(f"lags must be <= N = {N}; got {lags}")
    seed = validate.positive_int("seed", seed, minimum=0)
    rows = []
    for i, K in enumerate(Ks):
        s = metropolis(N, K, 0.0, sweeps=sweeps, chains=chains, burn_in=burn_in, seed=seed + i)
        corr = ring_correlations(s)  # (sweeps, chains, N)
        e = energy(s, K) / N  # (sweeps, chains)
        rows.append((corr.mean(axis=(0, 1))[:lags],
                     [stats.binning_error(corr[:, :, r]) for r in range(lags)],
                     e.mean(), stats.binning_error(e), stats.integrated_autocorr_time(e)))
    corr, corr_err, e, e_err, tau = (np.array(x, dtype=np.float64) for x in zip(*rows))
    exact = np.array([correlations(N, K) for K in Ks])
    xi_exact = np.array([correlation_length(K) for K in Ks])
    c1, c1_err = corr[:, 1], corr_err[:, 1]
    xi, xi_err = -1.0 / np.log(c1), c1_err / (c1 * np.log(c1) ** 2)
    z_corr = np.max(np.abs(corr[:, 1:] - exact[:, 1:lags]) / corr_err[:, 1:])
    z_energy = np.max(np.abs(e + Ks * exact[:, 1]) / e_err)
    z_xi = np.max(np.abs(xi - xi_exact) / xi_err)
    return MetropolisCheck(N, Ks, corr, corr_err, exact, e, e_err, tau, xi, xi_err, xi_exact,
                           float(z_corr), float(z_energy), float(z_xi))
