"""The Hopfield associative memory: an Ising spin glass that stores patterns.

N units s_i = +/-1 interact through symmetric couplings J_ij and fields B_i
with the Hamiltonian (Hopfield 1982; the essay's H for a network of visible units)

    H(s) = -1/2 sum_ij J_ij s_i s_j - sum_i B_i s_i = -1/2 s.J.s - B.s.

P patterns xi^mu are stored with Hebb's rule, J = (1/N) sum_mu xi^mu xi^mu^T with
the diagonal set to zero, or with the pseudo-inverse (projection) rule
J = (1/N) Xi^T C^+ Xi, C = Xi Xi^T / N (Personnaz, Guyon & Dreyfus 1985;
Kanter & Sompolinsky 1987). Before its diagonal is zeroed that J projects onto
the patterns' span, so every pattern is an eigenvector with eigenvalue 1; with
the diagonal zeroed (the default) J xi = (1 - diag J) xi is no longer parallel
to xi, but every pattern stays a fixed point because 0 <= J_ii < 1.

Dynamics, all vectorised over many trials and, optionally, many networks:

- :func:`async_dynamics`: zero-temperature single-unit updates
  s_i <- sgn(h_i), h = J s + B, each trial visiting the units in its own random
  order; the energy never increases (Hopfield 1982).
- :func:`sync_dynamics`: all units at once, s <- sgn(J s + B); ends in a fixed
  point or a 2-cycle (Goles-Chacc, Fogelman-Soulie & Pellegrin 1985).
- :func:`glauber`: heat-bath updates at temperature T, which sample
  P(s) = exp(-H(s)/T) / Z.
- :func:`log_partition`, :func:`free_energy`, :func:`boltzmann`: Z, F = -T ln Z and
  the exact state probabilities by enumerating all 2**N states (N <= 20).

Shapes. ``J`` is (N, N) for one network or (M, N, N) for M networks. States
``s`` are (..., N): for one network (N,) or (T, N) (T trials); for M networks
(M, N) or (M, T, N). ``B`` is (N,) or, for M networks, (M, N). Patterns are
(P, N) or (M, P, N).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp
from scipy.stats import binom, norm
from tqdm import tqdm

from .core import states, stats, validate
from .core.runtime import rng
from .core.states import spin_states

__all__ = [
    "MAX_ENUM", "MAX_SWEEPS", "MAX_UNITS", "TIE", "STORED", "MIXTURE", "OTHER", "RULES",
    "random_patterns", "hebbian", "pseudo_inverse", "energy", "overlaps", "is_fixed_point",
    "flip_fraction", "mixture_states", "classify", "async_dynamics", "sync_dynamics", "glauber",
    "glauber_transition_matrix", "all_states", "state_index", "energies_enum", "log_partition",
    "free_energy", "boltzmann", "thermal_averages", "empirical_distribution", "total_variation",
    "sampling_tvd", "retrieval_overlaps", "basin_curve", "capacity_curve", "level_crossing",
    "EnergyDescent", "energy_descent", "SyncCycles", "sync_cycles", "Basins", "basins",
    "fixed_point_probability", "StoredFixed", "stored_fixed_fraction", "Capacity", "capacity",
    "Spurious", "spurious_states", "HighLoad", "high_load_retrieval", "GlauberCheck",
    "glauber_vs_boltzmann", "Thermodynamics", "thermodynamics",
]

#: Largest N for exact enumeration of the 2**N states.
MAX_ENUM = 20

#: Most sweeps (or synchronous steps) one dynamics call may run: a bound on what can finish.
MAX_SWEEPS = 10**6

#: Most units of a network (its couplings are N x N floats).
MAX_UNITS = 1 << 15

#: |h_i| at or below this counts as a tie (the unit keeps its value). Hebbian
#: fields are multiples of 1/N, so exact zeros can come out as +/-1e-17.
TIE = 1e-9

#: State labels returned by :func:`classify`.
STORED, MIXTURE, OTHER = 0, 1, 2


# ----------------------------------------------------------------------------- checks

def _patterns(patterns) -> np.ndarray:
    """Patterns as float64 (P, N) or (M, P, N); ValueError naming ``patterns``."""
    arr = np.asarray(patterns.detach().cpu() if hasattr(patterns, "detach") else patterns)
    if arr.ndim not in (2, 3):
        raise ValueError(f"patterns must have shape (P, N) or (M, P, N); got {arr.shape}")
    if arr.shape[-1] < 2:
        raise ValueError(f"patterns must have N >= 2 units; got N = {arr.shape[-1]}")
    if arr.shape[-2] < 1:
        raise ValueError("patterns must hold at least one pattern (P >= 1)")
    if not np.isin(arr, (-1, 1)).all():
        raise ValueError("patterns must contain only -1 and +1")
    return arr.astype(np.float64)


def _couplings(J) -> np.ndarray:
    """J as float64 (N, N) or (M, N, N), square, symmetric and finite."""
    J = validate.real_array("J", J, finite=False)
    if J.ndim not in (2, 3) or J.shape[-1] != J.shape[-2]:
        raise ValueError(f"J must have shape (N, N) or (M, N, N); got {J.shape}")
    if J.shape[-1] < 2:
        raise ValueError(f"J must couple N >= 2 units; got N = {J.shape[-1]}")
    if not np.all(np.isfinite(J)):
        raise ValueError("J must be finite")
    if not np.allclose(J, np.swapaxes(J, -1, -2), rtol=0, atol=1e-12):
        raise ValueError("J must be symmetric (J_ij = J_ji)")
    return J


def _fields(B, J: np.ndarray) -> np.ndarray:
    """B as float64 (M, N) matching J's networks (zeros when None)."""
    N = J.shape[-1]
    M = J.shape[0] if J.ndim == 3 else 1
    if B is None:
        return np.zeros((M, N))
    B = validate.real_array("B", B, finite=False)
    if B.shape[-1:] != (N,) or B.ndim > 2 or (B.ndim == 2 and J.ndim == 2) or (
            B.ndim == 2 and B.shape[0] != M):
        want = "(N,)" if J.ndim == 2 else "(N,) or (M, N)"
        raise ValueError(f"B must have shape {want} with N = {N} matching J; got {B.shape}")
    if not np.all(np.isfinite(B)):
        raise ValueError("B must be finite")
    return np.broadcast_to(B, (M, N)).copy()


def _states(s, J: np.ndarray, name: str = "s"):
    """States as float64 (M, T, N) plus the shape to return them in."""
    s = validate.binary(name, s, values=(-1, 1))
    N = J.shape[-1]
    if s.ndim == 0 or s.shape[-1] != N:
        raise ValueError(f"{name} must have shape (..., N) with N = {N} matching J; got {s.shape}")
    if J.ndim == 2:
        if s.ndim not in (1, 2):
            raise ValueError(f"{name} must have shape (N,) or (T, N) for one network; "
                             f"got {s.shape}")
        return s.reshape(1, -1, N).astype(np.float64), s.shape
    M = J.shape[0]
    if s.ndim not in (2, 3) or s.shape[0] != M:
        raise ValueError(f"{name} must have shape (M, N) or (M, T, N) with M = {M} networks; "
                         f"got {s.shape}")
    return s.reshape(M, -1, N).astype(np.float64), s.shape


def _temperature(T, allow_zero: bool) -> float:
    return validate.positive_float("T", T, allow_zero=allow_zero)


def _network(J, s, B):
    """Validate (J, s, B) together: (J3 (M, N, N), B2 (M, N), s3 fresh float64 (M, T, N), s.shape)."""
    J = _couplings(J)
    B2 = _fields(B, J)
    s3, shape = _states(s, J)
    return _as3(J), B2, s3, shape


def _local_fields(J3: np.ndarray, s3: np.ndarray, B2: np.ndarray) -> np.ndarray:
    """h = J s + B for s (M, T, N), J (M, N, N): shape (M, T, N)."""
    return np.matmul(s3, J3) + B2[:, None, :]  # J symmetric: (s J)_k = (J s)_k


def _as3(J: np.ndarray) -> np.ndarray:
    return J if J.ndim == 3 else J[None]


def _in_range(name: str, value, lo: float, hi: float) -> float:
    """A finite float in [lo, hi]; errors name ``name``."""
    value = validate.finite_float(name, value)
    if not lo <= value <= hi:
        raise ValueError(f"{name} must lie in [{lo}, {hi}]; got {value}")
    return value


def _loads(name: str, values, N: int) -> np.ndarray:
    """A non-empty 1-D array of positive finite loads alpha (at most N patterns per unit)."""
    arr = validate.real_array(name, values, ndim=1, min_size=1)
    if np.any(arr <= 0) or np.any(arr > N):
        raise ValueError(f"{name} must hold loads alpha = P/N in (0, N = {N}]")
    return arr


def _fractions(name: str, values) -> np.ndarray:
    arr = validate.real_array(name, values, ndim=1, min_size=1)
    if np.any((arr < 0) | (arr > 1)):
        raise ValueError(f"{name} must be a 1-D array of values in [0, 1]")
    return arr


def _int_seq(name: str, values, minimum: int, maximum: int) -> tuple:
    """A non-empty sequence of ints in [minimum, maximum]; errors name ``name``."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of ints; got {type(values).__name__}")
    out = tuple(validate.positive_int(name, v, minimum=minimum, maximum=maximum) for v in values)
    if not out:
        raise ValueError(f"{name} must hold at least one value")
    return out


def _network_size(N, networks: int = 1, P: int = 1, name: str = "N") -> int:
    """N as an int in [2, MAX_UNITS] whose couplings and patterns fit in memory."""
    N = validate.positive_int(name, N, minimum=2, maximum=MAX_UNITS)
    validate.elements(f"networks * {name} * {name}", networks, N, N)
    validate.elements(f"networks * P * {name}", networks, P, N)
    return N


# ----------------------------------------------------------------------------- storage

def random_patterns(P: int, N: int, networks: int | None = None, seed=None) -> np.ndarray:
    """P unbiased random patterns xi^mu_i = +/-1 (probability 1/2 each), int8.

    Shape (P, N), or (networks, P, N) when ``networks`` is given.
    """
    P = validate.positive_int("P", P, maximum=validate.MAX_ELEMENTS)
    N = validate.positive_int("N", N, minimum=2, maximum=validate.MAX_ELEMENTS)
    shape = (P, N) if networks is None else (
        validate.positive_int("networks", networks, maximum=validate.MAX_ELEMENTS), P, N)
    validate.elements("networks * P * N", *shape, itemsize=9)
    return np.where(rng(seed).random(shape) < 0.5, 1, -1).astype(np.int8)


def hebbian(patterns) -> np.ndarray:
    """Hebb's rule J_ij = (1/N) sum_mu xi^mu_i xi^mu_j, J_ii = 0 (Hopfield 1982, eq. 2).

    ``patterns`` is (P, N) or (M, P, N) with entries +/-1; returns (N, N) or (M, N, N).
    """
    xi = _patterns(patterns)
    N = xi.shape[-1]
    J = np.matmul(np.swapaxes(xi, -1, -2), xi) / N
    idx = np.arange(N)
    J[..., idx, idx] = 0.0
    return J


def pseudo_inverse(patterns, zero_diagonal: bool = True) -> np.ndarray:
    """The projection rule J = (1/N) Xi^T C^+ Xi with C_{mu nu} = xi^mu . xi^nu / N.

    Without zeroing the diagonal J projects onto the span of the patterns, so
    J xi^mu = xi^mu for every pattern, correlated or not, as long as they are
    linearly independent (Personnaz, Guyon & Dreyfus 1985). With
    ``zero_diagonal`` (default, as in Kanter & Sompolinsky 1987) J_ii is set
    to 0; then (J xi^mu)_i = (1 - P_ii) xi^mu_i, with P_ii the projector's
    diagonal, which is not an eigenvector equation because P_ii varies with i.
    Each pattern stays a fixed point all the same, since 0 <= P_ii < 1 keeps the
    field's sign, while the basins shrink as alpha = P/N grows towards 1.
    """
    xi = _patterns(patterns)
    N = xi.shape[-1]
    C = np.matmul(xi, np.swapaxes(xi, -1, -2)) / N
    J = np.matmul(np.swapaxes(xi, -1, -2), np.matmul(np.linalg.pinv(C, hermitian=True), xi)) / N
    J = 0.5 * (J + np.swapaxes(J, -1, -2))  # exact symmetry after rounding
    if zero_diagonal:
        idx = np.arange(N)
        J[..., idx, idx] = 0.0
    return J


# ----------------------------------------------------------------------------- observables

def energy(J, s, B=None) -> np.ndarray:
    """H(s) = -1/2 s.J.s - B.s for states s of shape (..., N) (see module docstring).

    Returns one energy per state: shape s.shape[:-1].
    """
    J3, B2, s3, shape = _network(J, s, B)
    e = (-0.5 * np.einsum("mtn,mtn->mt", np.matmul(s3, J3), s3)
         - np.einsum("mtn,mn->mt", s3, B2))
    return e.reshape(shape[:-1])


def overlaps(patterns, s) -> np.ndarray:
    """m_mu = xi^mu . s / N (Amit, Gutfreund & Sompolinsky 1985).

    ``patterns`` (P, N) with s (..., N) gives (..., P); patterns (M, P, N) with
    s (M, ..., N) gives (M, ..., P).
    """
    xi = _patterns(patterns)
    N = xi.shape[-1]
    s = validate.binary("s", s, values=(-1, 1)).astype(np.float64)
    if s.ndim == 0 or s.shape[-1] != N:
        raise ValueError(f"s must have shape (..., N) with N = {N} matching patterns; "
                         f"got {s.shape}")
    if xi.ndim == 2:
        return s @ xi.T / N
    M = xi.shape[0]
    if s.ndim < 2 or s.shape[0] != M:
        raise ValueError(f"s must have shape (M, ..., N) with M = {M} networks; got {s.shape}")
    flat = s.reshape(M, -1, N)
    return (np.matmul(flat, np.swapaxes(xi, -1, -2)) / N).reshape(*s.shape[:-1], xi.shape[1])


def is_fixed_point(J, s, B=None) -> np.ndarray:
    """True where every unit agrees with its field: s_i h_i > 0 or h_i = 0 (h = J s + B)."""
    J3, B2, s3, shape = _network(J, s, B)
    h = _local_fields(J3, s3, B2)
    ok = (s3 * h > 0) | (np.abs(h) <= TIE)
    return ok.all(axis=-1).reshape(shape[:-1])


def flip_fraction(s, fraction: float, seed=None) -> np.ndarray:
    """Copy of s (..., N) with exactly round(fraction * N) units flipped in each state.

    The flipped units are drawn without replacement, independently per state, so
    a pattern corrupted this way has overlap m0 = 1 - 2 round(fraction N) / N.
    """
    s = validate.binary("s", s, values=(-1, 1))
    if s.ndim == 0 or s.shape[-1] < 2:
        raise ValueError(f"s must have shape (..., N) with N >= 2; got {s.shape}")
    fraction = validate.finite_float("fraction", fraction)
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must lie in [0, 1]; got {fraction}")
    N = s.shape[-1]
    k = int(round(fraction * N))
    ranks = np.argsort(rng(seed).random(s.shape), axis=-1)
    flip = ranks < k  # a uniformly random set of k units per state
    return np.where(flip, -s, s).astype(s.dtype)


def mixture_states(patterns, triples) -> np.ndarray:
    """Symmetric 3-mixtures s = sgn(xi^a + xi^b + xi^c) (Amit et al. 1985).

    ``triples`` is a (K, 3) array of pattern indices; returns (K, N) int8 for
    patterns (P, N), or (M, K, N) for patterns (M, P, N). Signs may be folded
    into the indices' patterns beforehand; the sum of three +/-1 is never 0.
    """
    xi = _patterns(patterns)
    t = np.asarray(triples)
    if t.ndim != 2 or t.shape[1] != 3 or not np.issubdtype(t.dtype, np.integer):
        raise ValueError(f"triples must be an int array of shape (K, 3); got {t.shape}")
    P = xi.shape[-2]
    if t.size and (t.min() < 0 or t.max() >= P):
        raise ValueError(f"triples must index patterns 0..{P - 1}")
    return np.sign(xi[..., t, :].sum(axis=-2)).astype(np.int8)


def classify(patterns, s, stored: float = 0.8, mix=(0.3, 0.7)) -> np.ndarray:
    """Label final states: :data:`STORED`, :data:`MIXTURE` or :data:`OTHER`.

    With |m| the absolute overlaps sorted in decreasing order, a state is a
    stored pattern (or its mirror image -xi) when |m|_1 >= ``stored``, a
    symmetric 3-mixture when |m|_1..|m|_3 lie in ``mix`` and |m|_4 < mix[0]
    (the ideal 3-mixture has |m| = 1/2 three times), and otherwise ``OTHER``.
    ``stored`` and both bounds of ``mix`` must lie in [0, 1] (they bound |m|).
    """
    stored = _in_range("stored", stored, 0.0, 1.0)
    if isinstance(mix, (str, bytes)) or not hasattr(mix, "__len__") or len(mix) != 2:
        raise TypeError(f"mix must be a pair (lo, hi); got {mix!r}")
    lo, hi = (_in_range("mix", v, 0.0, 1.0) for v in mix)
    if lo > hi:
        raise ValueError(f"mix must satisfy lo <= hi; got {mix!r}")
    m = np.sort(np.abs(overlaps(patterns, s)), axis=-1)[..., ::-1]
    top3 = m[..., :3] if m.shape[-1] >= 3 else np.zeros(m.shape[:-1] + (3,))
    fourth = m[..., 3] if m.shape[-1] >= 4 else np.zeros(m.shape[:-1])
    is_mix = ((top3 >= lo) & (top3 <= hi)).all(axis=-1) & (fourth < lo)
    if m.shape[-1] < 3:  # fewer than three patterns: no 3-mixtures
        is_mix[...] = False
    out = np.full(m.shape[:-1], OTHER, dtype=np.int8)
    out[is_mix] = MIXTURE
    out[m[..., 0] >= stored] = STORED
    return out


# ----------------------------------------------------------------------------- dynamics

def async_dynamics(J, s, B=None, *, max_sweeps: int = 100, seed=None,
                   record_energy: bool = False, progress: bool = False):
    """Zero-temperature asynchronous dynamics, s_i <- sgn(h_i), h = J s + B (Hopfield 1982).

    Every trial visits the N units in its own random order each sweep; a unit
    with h_i = 0 keeps its value. Flipping s_i changes the energy by
    dH = -(s_i' - s_i)(h_i - J_ii s_i) < 0 for J_ii >= 0 (Hebb's rule has J_ii = 0),
    so H never increases. The local
    fields are kept up to date (h += 2 s_i' J[i] after a flip), so a step costs
    O(trials) plus O(N) per flipped unit; the Python loop runs over the
    sequential unit index only, all trials and networks move together. A trial
    has converged when a whole sweep flips nothing.

    Returns ``(s, sweeps)``: the final states (shape of ``s``, int8) and the
    number of sweeps each trial took until its last flip (``max_sweeps`` + 1
    for trials still moving at the end). With ``record_energy`` a third item,
    the energy after every single-unit step, shape (steps + 1, *trials), with
    the initial energy in row 0.
    """
    J3, B2, s3, shape = _network(J, s, B)
    max_sweeps = validate.positive_int("max_sweeps", max_sweeps, maximum=MAX_SWEEPS)
    g = rng(seed)
    M, T, N = s3.shape
    if record_energy:
        validate.elements("max_sweeps * N * trials (the energy trace)", max_sweeps, N, M * T)
    h = _local_fields(J3, s3, B2)
    last_move = np.zeros((M, T), dtype=np.int64)  # sweep of each trial's last flip (0: none)
    moved = np.zeros((M, T), bool)
    mi = np.arange(M)[:, None]
    ti = np.arange(T)[None, :]
    order = np.broadcast_to(np.arange(N), (M, T, N))
    trace = []
    if record_energy:
        trace.append(-0.5 * np.einsum("mtn,mtn->mt", s3, h + B2[:, None, :]))
    bar = tqdm(range(max_sweeps), desc="async sweeps", disable=not progress)
    for sweep in bar:
        perm = g.permuted(order, axis=-1)
        moved = np.zeros((M, T), bool)
        for k in range(N):
            i = perm[..., k]
            hi = h[mi, ti, i]
            si = s3[mi, ti, i]
            new = np.where(hi > TIE, 1.0, np.where(hi < -TIE, -1.0, si))
            flip = new != si
            if flip.any():
                fm, ft = np.nonzero(flip)
                fi = i[fm, ft]
                s3[fm, ft, fi] = new[fm, ft]
                h[fm, ft, :] += 2.0 * new[fm, ft, None] * J3[fm, fi, :]
                moved |= flip
            if record_energy:
                trace.append(-0.5 * np.einsum("mtn,mtn->mt", s3, h + B2[:, None, :]))
        last_move[moved] = sweep + 1
        if not moved.any():
            break
    bar.close()
    # a trial that still flipped in the last sweep run has not converged
    sweeps = np.where(moved, max_sweeps + 1, last_move).reshape(shape[:-1])
    final = s3.astype(np.int8).reshape(shape)
    if record_energy:
        return final, sweeps, np.stack(trace).reshape(len(trace), *shape[:-1])
    return final, sweeps


def sync_dynamics(J, s, B=None, *, max_steps: int = 100, return_path: bool = False):
    """Synchronous zero-temperature dynamics s(t+1) = sgn(J s(t) + B), all units at once.

    A unit with zero field keeps its value. With symmetric J the dynamics ends
    in a fixed point or a cycle of length 2 (Goles-Chacc et al. 1985), because
    L(t) = -s(t).J.s(t-1) - B.(s(t) + s(t-1)) never increases.

    Returns ``(s, period, steps)``: the last state, the period (1 = fixed
    point, 2 = two-cycle, 0 = neither within ``max_steps``) and the step at
    which it was detected; with ``return_path`` also the whole trajectory,
    shape (steps + 1, *s.shape).
    """
    J3, B2, s3, shape = _network(J, s, B)
    max_steps = validate.positive_int("max_steps", max_steps, maximum=MAX_SWEEPS)
    if return_path:
        validate.elements("max_steps * s.size (the path)", max_steps + 1, s3.size, itemsize=1)
    prev = None
    cur = s3
    period = np.zeros(cur.shape[:2], dtype=np.int8)
    steps = np.full(cur.shape[:2], max_steps)
    path = [cur.astype(np.int8)] if return_path else []
    for t in range(1, max_steps + 1):
        h = _local_fields(J3, cur, B2)
        nxt = np.where(h > TIE, 1.0, np.where(h < -TIE, -1.0, cur))
        open_ = period == 0
        fixed = open_ & (nxt == cur).all(axis=-1)
        cycle = (open_ & ~fixed & (nxt == prev).all(axis=-1) if prev is not None
                 else np.zeros_like(fixed))
        period[fixed] = 1
        period[cycle] = 2
        steps[fixed | cycle] = t
        # trials already settled stay put (a 2-cycle keeps cycling)
        prev, cur = cur, nxt
        if return_path:
            path.append(cur.astype(np.int8))
        if (period > 0).all():
            break
    out = (cur.astype(np.int8).reshape(shape), period.reshape(shape[:-1]),
           steps.reshape(shape[:-1]))
    if return_path:
        return out + (np.stack(path).reshape(len(path), *shape),)
    return out


def glauber(J, s, T: float, B=None, *, sweeps: int = 100, burn_in: int = 0, every: int = 1,
            seed=None, progress: bool = False) -> np.ndarray:
    """Glauber (heat-bath) dynamics at temperature T on many chains at once (Glauber 1963).

    One step picks a unit i uniformly at random in each chain and sets
    s_i = +1 with probability 1 / (1 + exp(-2 h_i' / T)), where
    h_i' = h_i - J_ii s_i is the field from the other units: this is the
    conditional Boltzmann probability, so P(s) = exp(-H(s)/T) / Z satisfies
    detailed balance. A sweep is N steps. At T = 0 the unit takes sgn(h_i') and
    a tie is decided by a fair coin.

    Returns samples of shape (n_samples, *s.shape), int8, taken every ``every``
    sweeps after ``burn_in`` discarded sweeps; n_samples = sweeps // every.
    """
    J3, B2, s3, shape = _network(J, s, B)
    T = _temperature(T, allow_zero=True)
    sweeps = validate.positive_int("sweeps", sweeps, maximum=MAX_SWEEPS)
    burn_in = validate.positive_int("burn_in", burn_in, minimum=0, maximum=MAX_SWEEPS - sweeps)
    every = validate.positive_int("every", every, maximum=sweeps)
    validate.elements("sweeps // every * s.size (the samples)", sweeps // every, s3.size,
                      itemsize=1)
    g = rng(seed)
    M, C, N = s3.shape
    h = _local_fields(J3, s3, B2)
    diag = np.diagonal(J3, axis1=-2, axis2=-1)  # (M, N)
    mi = np.arange(M)[:, None]
    ci = np.arange(C)[None, :]
    mm = np.broadcast_to(mi, (M, C))
    out = []
    for sweep in tqdm(range(burn_in + sweeps), desc="glauber", disable=not progress):
        sites = g.integers(0, N, size=(N, M, C))
        u = g.random((N, M, C))
        for k in range(N):
            i = sites[k]
            si = s3[mi, ci, i]
            hx = h[mi, ci, i] - diag[mm, i] * si
            if T > 0:
                p_up = 0.5 * (1.0 + np.tanh(hx / T))  # = 1 / (1 + exp(-2 hx / T))
            else:
                p_up = np.where(hx > 0, 1.0, np.where(hx < 0, 0.0, 0.5))
            new = np.where(u[k] < p_up, 1.0, -1.0)
            delta = new - si
            fm, fc = np.nonzero(delta)
            if fm.size:
                fi = i[fm, fc]
                s3[fm, fc, fi] = new[fm, fc]
                h[fm, fc, :] += delta[fm, fc, None] * J3[fm, fi, :]
        done = sweep + 1 - burn_in
        if done > 0 and done % every == 0:
            out.append(s3.astype(np.int8).reshape(shape))
    return np.stack(out)


def glauber_transition_matrix(J, T: float, B=None) -> np.ndarray:
    """The exact one-step transition matrix W[a, b] of random-site Glauber dynamics.

    States are indexed as in :func:`all_states`. W[a, b] = (1/N) P(unit i takes
    b_i | a) for b differing from a in unit i only, and W[a, a] = 1 - sum of the
    rest. For N <= 12 (a dense 4**N matrix); one network only.
    """
    J = _couplings(J)
    if J.ndim != 2:
        raise ValueError("J must be a single (N, N) network here")
    N = J.shape[0]
    if N > 12:
        raise ValueError(f"N must be <= 12 for the dense transition matrix; got {N}")
    T = _temperature(T, allow_zero=False)
    B2 = _fields(B, J)[0]
    S = all_states(N).astype(np.float64)
    h = S @ J + B2 - S * np.diag(J)  # fields from the other units, (2**N, N)
    p_flip = 0.5 * (1.0 - np.tanh(S * h / T))  # P(unit i ends opposite to its value)
    W = np.zeros((2**N, 2**N))
    a = np.arange(2**N)
    for i in range(N):  # N sparse scatters, not a loop over states
        W[a, a ^ (1 << i)] = p_flip[:, i] / N
    W[a, a] = 1.0 - W.sum(axis=1)
    return W


# ----------------------------------------------------------------------------- enumeration

def all_states(N: int) -> np.ndarray:
    """All 2**N states, shape (2**N, N), int8: row k has s_i = +1 where bit i of k is 1."""
    N = validate.positive_int("N", N, minimum=2)
    if N > MAX_ENUM:
        raise ValueError(f"N must be <= {MAX_ENUM} for exact enumeration; got {N}")
    return spin_states(N)


def state_index(s) -> np.ndarray:
    """Row of :func:`all_states` for each state s (..., N): sum_i [s_i = +1] 2**i."""
    s = validate.binary("s", s, values=(-1, 1))
    if s.ndim == 0 or s.shape[-1] > 62:
        raise ValueError(f"s must have shape (..., N) with N <= 62; got {s.shape}")
    return states.state_index(s, values=(-1, 1))


def energies_enum(J, B=None, chunk: int = 1 << 16) -> np.ndarray:
    """H(s) for all 2**N states (N <= 20), batched over states in chunks of ``chunk``.

    Returns shape (2**N,) for one network, (M, 2**N) for J of shape (M, N, N).
    """
    J = _couplings(J)
    B2 = _fields(B, J)
    chunk = validate.positive_int("chunk", chunk)
    N = J.shape[-1]
    if N > MAX_ENUM:
        raise ValueError(f"J must couple N <= {MAX_ENUM} units for exact enumeration; got {N}")
    validate.elements("J: networks * 2**N energies", J.size // (N * N), 1 << N)
    J3 = _as3(J)
    S = all_states(N)
    E = np.empty((J3.shape[0], 2**N))
    for start in range(0, 2**N, chunk):
        c = S[start:start + chunk].astype(np.float64)
        E[:, start:start + chunk] = (-0.5 * np.einsum("cn,mnk,ck->mc", c, J3, c, optimize=True)
                                     - B2 @ c.T)
    return E if J.ndim == 3 else E[0]


def _temps(T) -> np.ndarray:
    arr = np.atleast_1d(validate.real_array("T", T, finite=False))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"T must be finite and > 0 (a number or a 1-D array); got {T!r}")
    return arr


def log_partition(J, T, B=None) -> np.ndarray | float:
    """ln Z(T) = ln sum_s exp(-H(s)/T) by enumeration (log-sum-exp; N <= 20).

    ``T`` is a number or a 1-D array of temperatures; the result has J's
    network axis (if any) first, then T's axis (if T is an array).
    """
    scalar = np.ndim(T) == 0
    if scalar:
        _temperature(T, allow_zero=False)
    temps = _temps(T)
    E = np.atleast_2d(energies_enum(J, B))
    out = np.stack([logsumexp(-E / t, axis=-1) for t in temps], axis=-1)  # (M, K)
    J_batched = np.ndim(J) == 3
    out = out if J_batched else out[0]
    if scalar:
        out = out[..., 0]
    return float(out) if np.ndim(out) == 0 else out


def free_energy(J, T, B=None):
    """F(T) = -T ln Z(T) by enumeration (N <= 20); same shapes as :func:`log_partition`."""
    lnZ = log_partition(J, T, B)
    F = -np.asarray(T, dtype=np.float64) * lnZ
    return float(F) if np.ndim(F) == 0 else F


def boltzmann(J, T: float, B=None) -> np.ndarray:
    """P(s) = exp(-H(s)/T) / Z for every state of :func:`all_states` (N <= 20)."""
    T = _temperature(T, allow_zero=False)
    E = energies_enum(J, B)
    logp = -E / T
    logp = logp - logsumexp(logp, axis=-1, keepdims=True)
    return np.exp(logp)


def thermal_averages(J, T, B=None) -> dict:
    """Exact F, mean energy U = <H> and entropy S = (U - F)/T at each T (one network).

    Returns arrays keyed ``"T"``, ``"F"``, ``"U"``, ``"S"``.
    """
    temps = _temps(T)
    E = energies_enum(J, B)
    if E.ndim != 1:
        raise ValueError("J must be a single (N, N) network here")
    F, U = [], []
    for t in temps:
        lnZ = logsumexp(-E / t)
        p = np.exp(-E / t - lnZ)
        F.append(-t * lnZ)
        U.append(float(p @ E))
    F, U = np.array(F), np.array(U)
    return {"T": temps, "F": F, "U": U, "S": (U - F) / temps}


def empirical_distribution(samples, N: int | None = None) -> np.ndarray:
    """Frequencies of the 2**N states among samples (..., N), indexed as :func:`all_states`."""
    s = validate.binary("samples", samples, values=(-1, 1))
    if s.ndim == 0 or s.shape[-1] < 1:
        raise ValueError(f"samples must have shape (..., N); got {s.shape}")
    n_units = s.shape[-1] if N is None else validate.positive_int("N", N, maximum=MAX_ENUM)
    if s.shape[-1] != n_units:
        raise ValueError(f"samples must have N = {n_units} units; got {s.shape[-1]}")
    if n_units > MAX_ENUM:
        raise ValueError(f"samples must have N <= {MAX_ENUM} units; got {n_units}")
    counts = np.bincount(state_index(s).ravel(), minlength=2**n_units)
    return counts / counts.sum()


def total_variation(p, q) -> float:
    """TVD(p, q) = 1/2 sum_k |p_k - q_k|."""
    p = validate.real_array("p", p)
    q = validate.real_array("q", q)
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape; got {p.shape} and {q.shape}")
    return float(0.5 * np.abs(p - q).sum())


def sampling_tvd(p, n: int, replicas: int = 200, seed=None) -> np.ndarray:
    """TVD between p and the empirical distribution of n i.i.d. draws from p, ``replicas`` times.

    The reference for a sampler: with n independent samples even a perfect
    sampler shows TVD ~ 1/2 sum_k sqrt(2 p_k (1 - p_k) / (pi n)) (for n p_k >> 1).
    """
    p = validate.real_array("p", p, ndim=1, min_size=1)
    if np.any(p < 0) or not p.sum() > 0:
        raise ValueError("p must be non-negative with a positive sum")
    n = validate.positive_int("n", n, maximum=1 << 53)
    replicas = validate.positive_int("replicas", replicas, maximum=validate.MAX_ELEMENTS)
    validate.elements("replicas * p.size", replicas, p.size)
    counts = rng(seed).multinomial(n, p / p.sum(), size=replicas)
    return 0.5 * np.abs(counts / n - p).sum(axis=-1)


# ----------------------------------------------------------------------------- experiments

def retrieval_overlaps(patterns, J=None, *, start=None, max_sweeps: int = 100, seed=None,
                       progress: bool = False) -> np.ndarray:
    """Final overlap m_mu(s_final) after async dynamics started from each pattern's ``start``.

    ``start`` (same shape as ``patterns``, default the patterns themselves) is
    the initial state for pattern mu; returns the overlap of each final state
    with its own pattern, shape patterns.shape[:-1]. ``J`` defaults to Hebb's rule.
    """
    xi = _patterns(patterns)
    J = hebbian(xi) if J is None else J
    s0 = xi if start is None else validate.binary("start", start, values=(-1, 1))
    if np.shape(s0) != xi.shape:
        raise ValueError(f"start must have the shape of patterns {xi.shape}; got {np.shape(s0)}")
    final, _ = async_dynamics(J, s0, max_sweeps=max_sweeps, seed=seed, progress=progress)
    return np.einsum("...n,...n->...", final.astype(np.float64), xi) / xi.shape[-1]


def basin_curve(patterns, fractions, J=None, *, max_sweeps: int = 100, seed=None,
                progress: bool = False) -> np.ndarray:
    """Mean final overlap with the pattern after starting from a corrupted copy of it.

    For each f in ``fractions`` every pattern has round(f N) units flipped
    (initial overlap m0 = 1 - 2 round(f N)/N); all starts of all fractions run
    as trials of one batched :func:`async_dynamics` call. Patterns (P, N), one
    network (``J`` defaults to Hebb's rule). Returns shape (len(fractions), P).
    """
    xi = _patterns(patterns)
    if xi.ndim != 2:
        raise ValueError(f"patterns must have shape (P, N) here; got {xi.shape}")
    fractions = _fractions("fractions", fractions)
    J = hebbian(xi) if J is None else J
    g = rng(seed)
    starts = np.stack([flip_fraction(xi.astype(np.int8), f, seed=g) for f in fractions])
    F, P, N = starts.shape
    final, _ = async_dynamics(J, starts.reshape(F * P, N), max_sweeps=max_sweeps, seed=g,
                              progress=progress)
    return np.einsum("fpn,pn->fp", final.reshape(F, P, N).astype(np.float64), xi) / N


def capacity_curve(N: int, alphas, *, networks: int = 1, max_sweeps: int = 50, seed=None,
                   progress: bool = False) -> np.ndarray:
    """Mean final overlap with the starting pattern vs load alpha = P/N (Hebb's rule).

    For each alpha, ``networks`` networks store P = round(alpha N) random
    patterns; async dynamics starts from every stored pattern. Returns the
    mean overlap for each alpha (Amit, Gutfreund & Sompolinsky 1987 predict a
    jump from m ~ 0.97 to small m at alpha_c ~ 0.138 for N -> infinity).
    """
    networks = validate.positive_int("networks", networks, maximum=validate.MAX_ELEMENTS)
    N = _network_size(N, networks)
    alphas = _loads("alphas", alphas, N)
    _network_size(N, networks, int(round(alphas.max() * N)), name="N (alphas)")
    max_sweeps = validate.positive_int("max_sweeps", max_sweeps, maximum=MAX_SWEEPS)
    g = rng(seed)
    means = []
    for a in tqdm(alphas, desc=f"capacity N={N}", disable=not progress):
        P = max(1, int(round(a * N)))
        xi = random_patterns(P, N, networks=networks, seed=g)
        means.append(float(retrieval_overlaps(xi, max_sweeps=max_sweeps, seed=g).mean()))
    return np.array(means)


def level_crossing(x, y, level: float = 0.9) -> float:
    """First x at which y falls below ``level``, by linear interpolation (``inf`` if never:
    the crossing lies beyond the values of x given)."""
    x = validate.real_array("x", x, ndim=1, min_size=1)
    y = validate.real_array("y", y, ndim=1, min_size=1)
    level = validate.finite_float("level", level)
    if x.shape != y.shape:
        raise ValueError("x and y must be 1-D arrays of the same length")
    below = np.nonzero(y < level)[0]
    if below.size == 0:
        return float("inf")
    k = int(below[0])
    if k == 0:
        return float(x[0])
    x0, x1, y0, y1 = x[k - 1], x[k], y[k - 1], y[k]
    return float(x0 + (y0 - level) * (x1 - x0) / (y0 - y1))


# ----------------------------------------------------------------------------- chapter 1 experiments
# Each draws its random numbers from one stream, ``rng(seed)``, in a fixed order, so a
# chapter that passes its own Generator gets the same numbers as the inline code it replaces.

@dataclass
class EnergyDescent:
    """Asynchronous dynamics from random starts, energy recorded after every single-unit step."""

    energies: np.ndarray  #: H after each step, shape (steps + 1, trials)
    steps_checked: int  #: number of single-unit steps (energy differences) checked
    flips: int  #: steps in which a unit flipped (energy went down)
    max_energy_change: float  #: largest H(t+1) - H(t); never positive (Hopfield 1982)
    all_fixed: bool  #: every run ended in a fixed point
    max_sweeps: int  #: sweeps the slowest run needed


def energy_descent(N: int, P: int, trials: int, *, seed=None) -> EnergyDescent:
    r"""Check that H never increases under asynchronous zero-temperature dynamics.

    .. math::

        \Delta\mathcal{H} = -(s_i' - s_i)\Bigl(\sum_{j \ne i} J_{ij} s_j + B_i\Bigr) \le 0

    (Hopfield 1982). P random patterns stored with Hebb's rule; ``trials``
    random starts; the energy is recomputed after every single-unit step.
    """
    trials = validate.positive_int("trials", trials, maximum=validate.MAX_ELEMENTS)
    P = validate.positive_int("P", P, maximum=validate.MAX_ELEMENTS)
    N = _network_size(N, 1, max(P, trials))
    validate.elements("100 * N * trials (the energy trace)", 100, N, trials)
    g = rng(seed)
    xi = random_patterns(P, N, seed=g)
    J = hebbian(xi)
    starts = random_patterns(trials, N, seed=g)
    final, sweeps, E = async_dynamics(J, starts, seed=g, record_energy=True)
    dE = np.diff(E, axis=0)
    return EnergyDescent(E, int(dE.size), int((dE < 0).sum()), float(dE.max()),
                         bool(is_fixed_point(J, final).all()), int(sweeps.max()))


@dataclass
class SyncCycles:
    """Synchronous dynamics from random starts: fixed points and 2-cycles (Goles-Chacc et al.)."""

    N: int
    fixed: int  #: runs that ended in a fixed point
    cycles: int  #: runs that ended in a 2-cycle
    undecided: int  #: runs that were neither within ``max_steps``
    max_lyapunov_change: float  #: largest L(t+1) - L(t) over every run and step
    energies: np.ndarray | None  #: H(s(t)) of the first run that ends in a 2-cycle
    lyapunov: np.ndarray | None  #: L(t) along that run, t = 1..last
    hamming: int  #: units in which that run's two alternating states differ (0 if none)
    async_energies: np.ndarray | None  #: H after each async step from the same start

    @property
    def cycle_fraction(self) -> float:
        """Fraction of the runs that end in a 2-cycle."""
        return self.cycles / (self.fixed + self.cycles + self.undecided)


def sync_cycles(N: int, P: int, starts: int, *, max_steps: int = 500, seed=None) -> SyncCycles:
    r"""Run synchronous dynamics from random starts; count fixed points and 2-cycles.

    .. math::

        s(t+1) = \operatorname{sgn}(J s(t)), \qquad L(t) = -s(t) \cdot J \cdot s(t-1)

    never increases, so each run ends in a fixed point or a 2-cycle (Goles-Chacc,
    Fogelman-Soulie & Pellegrin 1985). Hebb's rule, P random patterns. The first
    run that ends in a 2-cycle is also rerun asynchronously (for the figure).
    """
    starts = validate.positive_int("starts", starts, maximum=validate.MAX_ELEMENTS)
    P = validate.positive_int("P", P, maximum=validate.MAX_ELEMENTS)
    N = _network_size(N, 1, max(P, starts))
    max_steps = validate.positive_int("max_steps", max_steps, maximum=MAX_SWEEPS)
    validate.elements("max_steps * starts * N (the path)", max_steps + 1, starts, N)
    g = rng(seed)
    J = hebbian(random_patterns(P, N, seed=g))
    s0 = random_patterns(starts, N, seed=g)
    _, period, steps, path = sync_dynamics(J, s0, max_steps=max_steps, return_path=True)
    traj = path.astype(np.float64)  # (t, starts, N)
    L = -np.einsum("tkn,tkn->tk", traj[1:] @ J, traj[:-1])
    dL = np.diff(L, axis=0)
    counts = [int(np.sum(period == v)) for v in (1, 2, 0)]
    out = SyncCycles(N, *counts, float(np.max(dL, initial=0.0)), None, None, 0, None)
    cyc = np.nonzero(period == 2)[0]
    if cyc.size:
        k, last = int(cyc[0]), int(steps[cyc[0]])
        out.energies = energy(J, traj[:, k])[: last + 1]
        out.lyapunov = L[:last, k]
        out.hamming = int(np.sum(traj[last, k] != traj[last - 1, k]))
        out.async_energies = async_dynamics(J, s0[k], seed=g, record_energy=True)[2]
    return out


@dataclass
class Basins:
    """Mean final overlap against the initial one, for several loads (one network each)."""

    N: int
    alphas: np.ndarray  #: loads alpha = P/N
    patterns: np.ndarray  #: P for each load
    m0: np.ndarray  #: initial overlaps 1 - 2 round(f N)/N
    final: np.ndarray  #: mean final overlap, shape (loads, fractions)


def basins(N: int, alphas, fractions, *, seed=None) -> Basins:
    r"""Basins of attraction: flip a fraction f of a stored pattern, run, read the overlap.

    .. math::

        m_0 = 1 - 2\,\mathrm{round}(fN)/N, \qquad m = \xi^\mu \cdot s_\mathrm{final} / N

    For each load one network stores P = round(alpha N) random patterns with
    Hebb's rule; see :func:`basin_curve`.
    """
    N = _network_size(N)
    alphas = _loads("alphas", alphas, N)
    fractions = _fractions("fractions", fractions)
    P_max = max(1, int(round(alphas.max() * N)))
    _network_size(N, len(fractions), P_max, name="N (alphas, fractions)")
    g = rng(seed)
    Ps, curves = [], []
    for alpha in alphas:
        P = int(round(alpha * N))
        xi = random_patterns(P, N, seed=g)
        curves.append(basin_curve(xi, fractions, seed=g).mean(axis=1))
        Ps.append(P)
    m0 = 1 - 2 * np.round(fractions * N) / N
    return Basins(N, alphas, np.array(Ps), m0, np.array(curves))


def fixed_point_probability(N: int, alpha: float) -> float:
    r"""Probability that a stored pattern is a fixed point of Hebb's rule, units independent.

    .. math::

        \xi^1_i h_i = \frac{N - 1}{N} + \frac{X}{N}, \qquad
        X = \sum_{\mu \ge 2} \sum_{j \ne i} \xi^\mu_i \xi^\mu_j \xi^1_j, \qquad
        P_\mathrm{fixed} \approx \bigl(1 - \Pr[X < -(N - 1)]\bigr)^N

    X is a sum of (P - 1)(N - 1) independent +/-1 terms, so the probability that
    one unit is unstable is an exact binomial tail (a zero field keeps the unit,
    so it counts as stable); treating the N units as independent is the one
    approximation (for more than 2**40 terms the binomial tail is taken in its normal
    limit, with continuity correction). For large N it becomes Hopfield's (1982) signal-to-noise estimate
    [1 - Phi(-1/sqrt(alpha))]^N, which is 0.998 at N = 500, alpha = 0.05.
    P = round(alpha N).
    """
    N = validate.positive_int("N", N, minimum=2, maximum=1 << 20)  # terms < 2**63
    alpha = validate.positive_float("alpha", alpha)
    if alpha > N:
        raise ValueError(f"alpha must be <= N = {N} (at most N patterns per unit); got {alpha}")
    P = max(1, int(round(alpha * N)))
    terms = (P - 1) * (N - 1)
    # X = 2 b - terms with b ~ Binomial(terms, 1/2); unstable iff b < (terms - N + 1) / 2
    b_max = int(np.ceil((terms - N + 1) / 2)) - 1
    if not terms or b_max < 0:
        p_unit = 0.0
    elif terms <= 1 << 40:
        p_unit = float(binom.cdf(b_max, terms, 0.5))
    else:  # scipy's binomial tail fails here; the normal limit is exact to O(1/terms)
        p_unit = float(norm.cdf((b_max + 0.5 - terms / 2) / np.sqrt(terms / 4)))
    return float((1.0 - p_unit) ** N)


@dataclass
class StoredFixed:
    """How many stored patterns are exact fixed points of Hebb's rule at one load."""

    fraction: float  #: fraction of all stored patterns that are fixed points
    patterns: int  #: number of patterns tested (networks x P)
    theory: float  #: :func:`fixed_point_probability`


def stored_fixed_fraction(N: int, alpha: float, networks: int, *, seed=None) -> StoredFixed:
    r"""Fraction of stored patterns that are fixed points, over ``networks`` Hebbian networks.

    .. math::

        \xi^\mu_i h_i(\xi^\mu) > 0 \ \text{for all } i, \qquad P = \mathrm{round}(\alpha N)

    Compared with :func:`fixed_point_probability`.
    """
    networks = validate.positive_int("networks", networks, maximum=validate.MAX_ELEMENTS)
    N = _network_size(N)
    alpha = validate.positive_float("alpha", alpha)
    if alpha > N:
        raise ValueError(f"alpha must be <= N = {N} (at most N patterns per unit); got {alpha}")
    P = max(1, int(round(alpha * N)))
    _network_size(N, networks, P, name="N (alpha, networks)")
    g = rng(seed)
    fixed = [is_fixed_point(hebbian(xi), xi)
             for xi in random_patterns(P, N, networks=networks, seed=g)]
    return StoredFixed(float(np.mean(fixed)), networks * P, fixed_point_probability(N, alpha))


@dataclass
class Capacity:
    """Mean final overlap from the stored patterns vs the load, for several N."""

    alphas: np.ndarray  #: loads
    Ns: tuple  #: network sizes
    curves: np.ndarray  #: mean final overlap, shape (len(Ns), len(alphas))
    crossings: np.ndarray  #: load where each curve first falls below ``level``
    level: float


def capacity(Ns, alphas, networks, *, level: float = 0.9, seed=None) -> Capacity:
    r"""Where retrieval from the stored patterns breaks down, for each N (Hebb's rule).

    .. math::

        \bar m(\alpha) = \bigl\langle \xi^\mu \cdot s_\mathrm{final}(\xi^\mu) / N \bigr\rangle,
        \qquad \alpha_\times:\ \bar m(\alpha_\times) = \text{level}

    Amit, Gutfreund & Sompolinsky (1987): alpha_c ~ 0.138 as N -> infinity.
    ``networks`` gives the number of networks per load for each N.
    """
    Ns = _int_seq("Ns", Ns, 2, MAX_UNITS)
    networks = _int_seq("networks", networks, 1, validate.MAX_ELEMENTS)
    if len(Ns) != len(networks):
        raise ValueError("Ns and networks must be non-empty and of the same length")
    alphas = _loads("alphas", alphas, min(Ns))
    level = _in_range("level", level, -1.0, 1.0)
    for N, m in zip(Ns, networks):
        _network_size(N, m, max(1, int(round(alphas.max() * N))), name="Ns (alphas, networks)")
    g = rng(seed)
    curves = np.array([capacity_curve(N, alphas, networks=m, seed=g)
                       for N, m in zip(Ns, networks)])
    crossings = np.array([level_crossing(alphas, c, level) for c in curves])
    return Capacity(alphas, Ns, curves, crossings, float(level))


#: The storage rules compared in chapter 1, by name.
RULES = {"Hebb": hebbian, "pseudo-inverse": pseudo_inverse}


@dataclass
class Spurious:
    """Symmetric 3-mixtures and where random starts end, for each storage rule."""

    N: int
    mixtures_fixed: dict  #: rule -> fraction of 3-mixtures that are fixed points
    energy_ratio: dict  #: rule -> mean H(mixture) / mean H(stored pattern); 3/4 as N -> inf
    to_stored: dict  #: rule -> fraction of random starts ending in a pattern or its mirror
    to_mixture: dict  #: rule -> fraction ending in a 3-mixture
    to_other: dict  #: rule -> fraction ending elsewhere
    final_energy: dict  #: rule -> H/N of every end state (flattened)


def spurious_states(N: int, P: int, networks: int, starts: int, *, seed=None) -> Spurious:
    r"""Spurious memories: are the symmetric 3-mixtures minima, and do random starts find them?

    .. math::

        s = \operatorname{sgn}(\xi^a + \xi^b + \xi^c), \qquad
        \frac{\mathcal{H}(s)}{\mathcal{H}(\xi^\mu)} \to \frac{3}{4} \quad (N \to \infty)

    (Amit, Gutfreund & Sompolinsky 1985). Every triple of the P patterns, for
    Hebb's rule and the pseudo-inverse rule on the same patterns and starts.
    """
    P = validate.positive_int("P", P, minimum=3, maximum=1 << 10)
    starts = validate.positive_int("starts", starts, maximum=validate.MAX_ELEMENTS)
    networks = validate.positive_int("networks", networks, maximum=validate.MAX_ELEMENTS)
    N = _network_size(N, networks, max(starts, P * (P - 1) * (P - 2) // 6))
    g = rng(seed)
    xi = random_patterns(P, N, networks=networks, seed=g)
    mixtures = mixture_states(xi, np.array(list(itertools.combinations(range(P), 3))))
    s0 = random_patterns(starts, N, networks=networks, seed=g)
    out = Spurious(N, {}, {}, {}, {}, {}, {})
    for name, rule in RULES.items():
        J = rule(xi)
        end, _ = async_dynamics(J, s0, seed=g)
        labels = classify(xi, end)
        out.mixtures_fixed[name] = float(is_fixed_point(J, mixtures).mean())
        out.energy_ratio[name] = float(energy(J, mixtures).mean() / energy(J, xi).mean())
        out.to_stored[name] = float(np.mean(labels == STORED))
        out.to_mixture[name] = float(np.mean(labels == MIXTURE))
        out.to_other[name] = float(np.mean(labels == OTHER))
        out.final_energy[name] = energy(J, end).ravel() / N
    return out


@dataclass
class HighLoad:
    """Mean final overlap from the stored patterns above Hebb's capacity, for both rules."""

    alpha: float
    overlap: dict  #: rule -> mean final overlap from the stored patterns


def high_load_retrieval(N: int, alpha: float, *, seed=None) -> HighLoad:
    r"""Start async dynamics at each stored pattern at load alpha, for each rule in :data:`RULES`.

    .. math::

        \bar m = \bigl\langle \xi^\mu \cdot s_\mathrm{final}(\xi^\mu) / N \bigr\rangle_\mu

    The pseudo-inverse rule keeps every (linearly independent) pattern a fixed
    point for any alpha < 1 (Personnaz, Guyon & Dreyfus 1985); Hebb's rule loses
    them above alpha_c ~ 0.138.
    """
    N = _network_size(N)
    alpha = validate.positive_float("alpha", alpha)
    P = int(round(alpha * N)) if alpha <= N else 0
    if P < 1 or alpha > N:
        raise ValueError(f"alpha must give 1 <= P = round(alpha N) <= N^2 patterns; got {alpha}")
    _network_size(N, 1, P, name="N (alpha)")
    g = rng(seed)
    xi = random_patterns(P, N, seed=g)
    return HighLoad(alpha, {name: float(retrieval_overlaps(xi, rule(xi), seed=g).mean())
                            for name, rule in RULES.items()})


def _glauber_run(J, patterns, T, chains, samples, every, burn_in, g):
    """Glauber samples from random starts: (frequencies, slowest tau_int, number of samples)."""
    N = J.shape[-1]
    s0 = random_patterns(chains, N, seed=g)
    x = glauber(J, s0, T, sweeps=samples * every, burn_in=burn_in, every=every, seed=g)
    e = energy(J, x.reshape(-1, N)).reshape(x.shape[:2])
    m = overlaps(patterns, x)
    tau = max([stats.integrated_autocorr_time(e)]
              + [stats.integrated_autocorr_time(m[..., mu]) for mu in range(m.shape[-1])])
    return empirical_distribution(x), float(tau), x.shape[0] * x.shape[1]


@dataclass
class GlauberCheck:
    """Glauber samples against the exact Boltzmann distribution, with a sampling-noise bound."""

    p_exact: np.ndarray  #: exact P(s) for every state
    q: np.ndarray  #: sampled frequencies at T
    q_wrong: np.ndarray  #: sampled frequencies at ``wrong`` x T
    tvd: float  #: TVD(p_exact, q)
    tvd_wrong: float  #: TVD(p_exact, q_wrong)
    tau: float  #: slowest integrated autocorrelation time (energy, overlaps), in samples
    n: int  #: number of samples
    n_eff: int  #: n / (2 tau)
    reference: np.ndarray  #: TVD of n_eff i.i.d. exact draws, ``replicas`` times
    bound: float  #: reference mean + 5 reference sd

    @property
    def z(self) -> float:
        """(TVD - reference mean) / reference sd: about N(0, 1) for a correct sampler."""
        return float((self.tvd - self.reference.mean()) / self.reference.std())

    @property
    def z_wrong(self) -> float:
        """The same for the sampler run at the wrong temperature."""
        return float((self.tvd_wrong - self.reference.mean()) / self.reference.std())


def glauber_vs_boltzmann(patterns, T: float, *, chains: int, samples: int, every: int,
                         burn_in: int, wrong: float = 1.25, replicas: int = 200,
                         seed=None) -> GlauberCheck:
    r"""Does Glauber dynamics sample P(s) = e^{-H/T}/Z? Total variation against enumeration.

    .. math::

        \mathrm{TVD} = \tfrac12 \sum_s |\hat P(s) - P(s)|, \qquad
        n_\mathrm{eff} = n / 2\tau_\mathrm{int}

    The network stores ``patterns`` with Hebb's rule (N <= 20). ``chains``
    chains from random starts give ``samples`` samples each; tau_int is the
    slowest of the energy and the overlaps (Sokal 1997). The bound is the mean
    plus 5 standard deviations of the TVD of n_eff i.i.d. exact draws. A sampler
    at ``wrong`` x T is run too, to show that the test can fail.
    """
    J = hebbian(patterns)
    if J.ndim != 2 or J.shape[0] > MAX_ENUM:
        raise ValueError(f"patterns must have shape (P, N), one network of N <= {MAX_ENUM}")
    T = _temperature(T, allow_zero=False)
    wrong = validate.positive_float("wrong", wrong)
    chains = validate.positive_int("chains", chains, maximum=validate.MAX_ELEMENTS)
    every = validate.positive_int("every", every, maximum=MAX_SWEEPS)
    samples = validate.positive_int("samples", samples, maximum=MAX_SWEEPS // every)
    burn_in = validate.positive_int("burn_in", burn_in, minimum=0,
                                    maximum=MAX_SWEEPS - samples * every)
    replicas = validate.positive_int("replicas", replicas, maximum=validate.MAX_ELEMENTS)
    validate.elements("samples * chains * N", samples, chains, J.shape[0], itemsize=1)
    validate.elements("replicas * 2**N", replicas, 1 << J.shape[0])
    g = rng(seed)
    p = boltzmann(J, T)
    q, tau, n = _glauber_run(J, patterns, T, chains, samples, every, burn_in, g)
    n_eff = int(n / (2 * tau))
    ref = sampling_tvd(p, n_eff, replicas=replicas, seed=g)
    q_wrong, _, _ = _glauber_run(J, patterns, wrong * T, chains, samples, every, burn_in, g)
    return GlauberCheck(p, q, q_wrong, total_variation(p, q), total_variation(p, q_wrong), tau,
                        n, n_eff, ref, float(ref.mean() + 5 * ref.std()))


@dataclass
class Thermodynamics:
    """Exact F, U and S(T) of one network, and the check S = -dF/dT."""

    T: np.ndarray
    F: np.ndarray  #: -T ln Z
    U: np.ndarray  #: <H>
    S: np.ndarray  #: (U - F) / T
    entropy_error: float  #: max relative |(-dF/dT by central difference) - S|
    ground_energy: float  #: min_s H(s)


def thermodynamics(J, T, *, h: float = 1e-4) -> Thermodynamics:
    r"""Exact thermodynamics by enumeration, checked against a numerical derivative of F.

    .. math::

        F = -T \ln Z, \quad U = \langle \mathcal{H} \rangle, \quad S = \frac{U - F}{T}
        = -\frac{\partial F}{\partial T}

    The derivative is a central difference with step ``h``; its truncation error is O(h^2).
    """
    th = thermal_averages(J, T)
    h = validate.positive_float("h", h)
    if h >= th["T"].min():
        raise ValueError(f"h must be < min(T) = {th['T'].min()}; got {h}")
    S_num = -(free_energy(J, th["T"] + h) - free_energy(J, th["T"] - h)) / (2 * h)
    err = float(np.max(np.abs(S_num - th["S"]) / np.maximum(th["S"], 1e-3)))
    return Thermodynamics(th["T"], th["F"], th["U"], th["S"], err,
                          float(energies_enum(J).min()))
