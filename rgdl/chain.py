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

MAX_ENUM = 20


def _check_ring(N, K, B, max_n=None):
    N = validate.positive_int("N", N, minimum=2)
    if max_n is not None and N > max_n:
        raise ValueError(f"N must be <= {max_n} for exact enumeration; got {N}")
    return N, validate.finite_float("K", K), validate.finite_float("B", B)


def all_states(N: int) -> np.ndarray:
    """All 2**N configurations of N spins, shape (2**N, N), int8 +/-1 (row k = bits of k)."""
    N = validate.positive_int("N", N, minimum=1)
    if N > MAX_ENUM + 2:
        raise ValueError(f"N must be <= {MAX_ENUM + 2} to enumerate; got {N}")
    return spin_states(N)


def energy(s, K: float, B: float = 0.0) -> np.ndarray:
    """H(s) = -K sum_i s_i s_{i+1} - B sum_i s_i on the ring, for s of shape (..., N)."""
    s = np.asarray(s, dtype=np.float64)
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


def transfer_matrix(K: float, B: float = 0.0) -> np.ndarray:
    """The symmetric transfer matrix T[s, s'] = exp(K s s' + B (s + s')/2), s, s' in (+1, -1)."""
    K = validate.finite_float("K", K)
    B = validate.finite_float("B", B)
    return np.array([[np.exp(K + B), np.exp(-K)], [np.exp(-K), np.exp(K - B)]])


def eigenvalues(K: float, B: float = 0.0) -> tuple[float, float]:
    """lambda_+- = e^K cosh B +- sqrt(e^{2K} sinh^2 B + e^{-2K}) (the transfer-matrix spectrum)."""
    root = np.sqrt(np.exp(2 * K) * np.sinh(B) ** 2 + np.exp(-2 * K))
    return float(np.exp(K) * np.cosh(B) + root), float(np.exp(K) * np.cosh(B) - root)


def log_partition(N: int, K: float, B: float = 0.0) -> float:
    """ln Z = ln(lambda_+^N + lambda_-^N), computed stably as N ln lambda_+ + ln(1 + (lambda_-/lambda_+)^N)."""
    N, K, B = _check_ring(N, K, B)
    lp, lm = eigenvalues(K, B)
    return float(N * np.log(lp) + np.log1p((lm / lp) ** N))


def free_energy_per_site(N: int, K: float, B: float = 0.0) -> float:
    """f = -ln Z / N (in units of kT); N = inf gives -ln lambda_+."""
    if N == np.inf:
        return -float(np.log(eigenvalues(K, B)[0]))
    return -log_partition(N, K, B) / N


def correlations(N: int, K: float, B: float = 0.0) -> np.ndarray:
    """<s_0 s_r> = Tr(S T^r S T^{N-r}) / Tr T^N for r = 0..N-1, S = diag(1, -1).

    Uses the eigen-decomposition T = sum_k lambda_k u_k u_k^T, so every power is exact
    to rounding; the result is normalised by lambda_+^N to avoid overflow.
    """
    N, K, B = _check_ring(N, K, B)
    lam, U = np.linalg.eigh(transfer_matrix(K, B))
    lam, U = lam[::-1], U[:, ::-1]  # lambda_+ first
    ratio = lam / lam[0]
    S = np.diag([1.0, -1.0])
    M = U.T @ S @ U  # S in the eigenbasis
    r = np.arange(N)
    # Tr(S T^r S T^{N-r}) / lambda_+^N = sum_{a,b} M_ab^2 ratio_a^r ratio_b^(N-r)
    num = np.einsum("ab,ra,rb->r", M**2, ratio[None, :] ** r[:, None], ratio[None, :] ** (N - r)[:, None])
    return num / np.sum(ratio**N)


def correlation_length(K: float) -> float:
    """xi = -1 / ln tanh K, the B = 0 correlation length of the infinite chain (K > 0)."""
    K = validate.positive_float("K", K)
    return float(-1.0 / np.log(np.tanh(K)))


def exact_samples(N: int, K: float, B: float = 0.0, n: int = 1000, seed=None) -> np.ndarray:
    """n i.i.d. configurations drawn from the exact Boltzmann distribution (N <= 20).

    Returns an int8 array of shape (n, N) with entries +/-1.
    """
    N, K, B = _check_ring(N, K, B, MAX_ENUM)
    n = validate.positive_int("n", n)
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
    sweeps = validate.positive_int("sweeps", sweeps)
    chains = validate.positive_int("chains", chains)
    burn_in = validate.positive_int("burn_in", burn_in, minimum=0)
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
    s = np.asarray(samples, dtype=np.float64)
    f = np.fft.rfft(s, axis=-1)
    return np.fft.irfft(f * np.conj(f), n=s.shape[-1], axis=-1) / s.shape[-1]


# ----------------------------------------------------------------------------- experiments

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
    grid = [(N, K, B) for N in Ns for K in Ks for B in Bs]
    if not grid:
        raise ValueError("Ns, Ks and Bs must each hold at least one value")
    for N, _, _ in grid:
        _check_ring(N, 0.0, 0.0, MAX_ENUM)
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
    Ks = np.asarray(Ks, dtype=np.float64)
    if Ks.ndim != 1 or Ks.size == 0 or np.any(~np.isfinite(Ks)) or np.any(Ks <= 0):
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
