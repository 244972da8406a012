"""Kadanoff's variational renormalization group, exactly, by enumeration.

A variational RG step (Kadanoff 1975; Mehta & Schwab 2014, eqs. 4-8) couples
the n_v "visible" spins v of a system with Hamiltonian H(v) to n_h coarse
spins h through an operator T(v, h) and defines the renormalized Hamiltonian

    e^{-H_RG(h)} = Tr_v e^{T(v, h) - H(v)},                         (MS eq. 5)

with free energies F_v = -ln Tr_v e^{-H(v)} and F_h = -ln Tr_h e^{-H_RG(h)}.
The step is exact (F_h = F_v) when T obeys the trace condition
Tr_h e^{T(v, h)} = 1 for every v (MS eq. 7). Block-spin rules (decimation,
majority rule) are such operators; Mehta & Schwab's eq. 18 makes an RBM one:

    T(v, h) = -E(v, h) + H(v),                                      (MS eq. 18)

for which H_RG(h) = H_RBM(h) whatever H(v) is, and
e^{T} = p(h|v) e^{H(v) - H_RBM(v)} (MS eqs. 19-20).

Everything here is computed by summing over all states (n up to about 20),
batched and in log-sum-exp form so nothing overflows. The expansion of the
resulting Hamiltonians in couplings lives in :mod:`rgdl.rg.couplings`.

The closed form for the 1D ring (decimation by b: tanh K' = tanh^b K, and
for b = 2, K' = (1/2) ln cosh 2K) gives the exact free-energy recursion
ln Z_N(K) = (N/b) ln A_b(K) + ln Z_{N/b}(K') that the enumeration is checked
against.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from scipy.special import logsumexp

from .. import chain
from ..core import validate
from ..core.states import state_index
from ..rbm import RBM
from .couplings import (MAX_SPINS, _check_values, flip_gauge, hamiltonian_table,
                        ising_couplings, states)

__all__ = [
    "MAX_VISIBLE",
    "Operator",
    "as_operator",
    "renormalized_hamiltonian",
    "trace_condition",
    "free_energy",
    "delta_free_energy",
    "kl_divergence",
    "T_rbm",
    "rbm_parameters",
    "rbm_visible_hamiltonian",
    "rbm_hidden_hamiltonian",
    "rbm_conditional",
    "block_operator",
    "block_spin_hamiltonian",
    "ring_blocks",
    "torus_blocks",
    "ring_hamiltonian",
    "torus_hamiltonian",
    "decimate_ring",
    "majority_ring",
    "majority_torus",
    "decimation_coupling",
    "decimation_constant",
    "decimation_flow",
    "free_energy_recursion",
    "ring_receptive_fields",
    "vrg_monitor",
    "hidden_gauge",
    "rbm_couplings",
]

#: Largest visible layer the enumeration accepts.
MAX_VISIBLE = 20

#: Entries of T(v, h) evaluated per batch (bounds the memory to ~32 MiB).
_BATCH = 1 << 22


# ------------------------------------------------------------------ operators
@dataclass(frozen=True)
class Operator:
    """An RG operator T(v, h), evaluated on batches of states.

    ``fn(v, h)`` takes visible states of shape (A, n_visible) and hidden states
    of shape (B, n_hidden) (float64 arrays of the unit values) and returns the
    (A, B) array of T; entries may be ``-inf`` (forbidden pairs, as in
    decimation). ``visible_values`` / ``hidden_values`` are (-1, 1) for spins or
    (0, 1) for 0/1 units.
    """

    fn: Callable[[np.ndarray, np.ndarray], np.ndarray]
    n_visible: int
    n_hidden: int
    visible_values: tuple = (-1, 1)
    hidden_values: tuple = (-1, 1)

    def __call__(self, v, h) -> np.ndarray:
        """T for every pair of rows of ``v`` (A, n_visible) and ``h`` (B, n_hidden): (A, B)."""
        v = self._states("v", v, self.n_visible, self.visible_values)
        h = self._states("h", h, self.n_hidden, self.hidden_values)
        return self._eval(v, h)

    @staticmethod
    def _states(name: str, x, n: int, values) -> np.ndarray:
        arr = validate.binary(name, validate.real_array(name, x, ndim=2), values)
        if arr.shape[1] != n or arr.shape[0] == 0:
            raise ValueError(f"{name} must have shape (batch, {n}); got {arr.shape}")
        return arr.astype(np.float64)

    def _eval(self, v: np.ndarray, h: np.ndarray) -> np.ndarray:
        """T on float64 state arrays already checked (the enumeration loops call this)."""
        return np.asarray(self.fn(v, h), dtype=np.float64)

    def table(self) -> np.ndarray:
        """The whole (2^n_visible, 2^n_hidden) table of T."""
        _check_size(self)
        return self._eval(states(self.n_visible, self.visible_values),
                          states(self.n_hidden, self.hidden_values))


def as_operator(T, n_visible: int | None = None, n_hidden: int | None = None,
                visible_values=(-1, 1), hidden_values=(-1, 1)) -> Operator:
    """``T`` as an :class:`Operator`: an Operator, a (2^n_v, 2^n_h) table, or a callable.

    A callable ``T(v, h)`` needs ``n_visible`` and ``n_hidden``.
    """
    if isinstance(T, Operator):
        return T
    visible_values = _check_values(visible_values, "visible_values")
    hidden_values = _check_values(hidden_values, "hidden_values")
    if callable(T):
        if n_visible is None or n_hidden is None:
            raise ValueError("n_visible and n_hidden are required when T is a callable")
        return Operator(T, validate.positive_int("n_visible", n_visible, maximum=MAX_VISIBLE),
                        validate.positive_int("n_hidden", n_hidden, maximum=MAX_VISIBLE),
                        visible_values, hidden_values)
    table = validate.real_array("T", T, finite=False)
    if table.ndim != 2:
        raise ValueError("T must be an Operator, a callable or a 2-D table; "
                         f"got shape {table.shape}")
    nv, nh = (s.bit_length() - 1 for s in table.shape)
    if (1 << nv, 1 << nh) != table.shape or nv < 1 or nh < 1:
        raise ValueError(f"a table T must have shape (2^n_visible, 2^n_hidden); got {table.shape}")
    if np.any(np.isnan(table)) or np.any(table == np.inf):
        raise ValueError("T must not contain NaN or +inf")

    def lookup(v, h, _t=table, _vv=tuple(visible_values), _hv=tuple(hidden_values)):
        return _t[np.ix_(state_index(v, _vv), state_index(h, _hv))]

    return Operator(lookup, nv, nh, tuple(visible_values), tuple(hidden_values))


def _visible_table(H_v, n_visible: int, values) -> np.ndarray:
    """The table of H_v over the visible states; errors name ``H_v`` and the layer size."""
    try:
        return hamiltonian_table(H_v, n_visible, values)
    except (TypeError, ValueError) as err:
        raise type(err)(f"H_v (for {n_visible} visible units): {err}") from None


def _check_size(op: Operator) -> None:
    if op.n_visible > MAX_VISIBLE:
        raise ValueError(f"n_visible must be <= {MAX_VISIBLE} for enumeration; got {op.n_visible}")
    if op.n_hidden > MAX_VISIBLE:
        raise ValueError(f"n_hidden must be <= {MAX_VISIBLE} for enumeration; got {op.n_hidden}")


# ------------------------------------------------------- the RG step, exactly
def renormalized_hamiltonian(H_v, T, n_visible=None, n_hidden=None) -> np.ndarray:
    """H_RG(h) = -ln Tr_v exp(T(v, h) - H(v)) for every hidden state (MS eq. 5).

    Parameters
    ----------
    H_v : array (2^n_v,) or callable
        The visible Hamiltonian as a table (state order of
        :func:`rgdl.rg.couplings.states`) or a function of a batch of states.
    T : Operator, array (2^n_v, 2^n_h) or callable T(v, h)
        The RG operator (see :func:`as_operator`).

    Returns
    -------
    numpy.ndarray, shape (2^n_h,)
        H_RG(h) in float64; ``+inf`` for a coarse state no visible state reaches.

    The sum over the 2^n_v visible states is a log-sum-exp, done in batches of
    hidden states so at most about 4 million T entries are held at once.
    """
    op = as_operator(T, n_visible, n_hidden)
    _check_size(op)
    H = _visible_table(H_v, op.n_visible, op.visible_values)
    v = states(op.n_visible, op.visible_values)
    h = states(op.n_hidden, op.hidden_values)
    step = max(1, _BATCH >> op.n_visible)
    out = np.empty(h.shape[0])
    for start in range(0, h.shape[0], step):
        t = op._eval(v, h[start:start + step])
        with np.errstate(divide="ignore"):
            out[start:start + step] = -logsumexp(t - H[:, None], axis=0)
    return out


def trace_condition(T, n_visible=None, n_hidden=None) -> np.ndarray:
    """ln Tr_h e^{T(v, h)} for every visible state, shape (2^n_v,) (MS eq. 7).

    The trace condition Tr_h e^T = 1 holds when this is zero for every v.
    """
    op = as_operator(T, n_visible, n_hidden)
    _check_size(op)
    v = states(op.n_visible, op.visible_values)
    h = states(op.n_hidden, op.hidden_values)
    step = max(1, _BATCH >> op.n_hidden)
    out = np.empty(v.shape[0])
    for start in range(0, v.shape[0], step):
        out[start:start + step] = logsumexp(op._eval(v[start:start + step], h), axis=1)
    return out


def free_energy(H) -> float:
    """F = -ln Tr e^{-H} of a table of energies (entries may be +inf)."""
    return float(-logsumexp(-_energies("H", H)))


def _energies(name: str, H) -> np.ndarray:
    """A non-empty 1-D float64 table of energies: no NaN or -inf, +inf allowed (forbidden states),
    not every state forbidden."""
    H = validate.real_array(name, H, ndim=1, finite=False, min_size=1)
    if np.any(np.isnan(H)) or np.any(H == -np.inf) or np.all(H == np.inf):
        raise ValueError(f"{name} must be a table of energies without NaN or -inf, "
                         "with at least one finite entry")
    return H


def delta_free_energy(H_v, T, n_visible=None, n_hidden=None) -> float:
    """Delta F = F_h - F_v = -ln <Tr_h e^{T}>_P, with P(v) = e^{-H(v)} / Z_v (MS eq. 8).

    Zero whenever the trace condition holds, but (as the second form shows) it
    only asks that the *average* of Tr_h e^T over P be one.
    """
    op = as_operator(T, n_visible, n_hidden)
    H = _visible_table(H_v, op.n_visible, op.visible_values)
    return free_energy(renormalized_hamiltonian(H, op)) - free_energy(H)


def kl_divergence(H_p, H_q) -> float:
    """KL(P || Q) = sum_s P(s) ln(P(s)/Q(s)) with P = e^{-H_p}/Z_p and Q = e^{-H_q}/Z_q."""
    H_p = _energies("H_p", H_p)
    H_q = _energies("H_q", H_q)
    if H_p.shape != H_q.shape or H_p.ndim != 1:
        raise ValueError("H_p and H_q must be 1-D tables of one shape; "
                         f"got {H_p.shape}, {H_q.shape}")
    log_p = -H_p + free_energy(H_p)
    log_q = -H_q + free_energy(H_q)
    p = np.exp(log_p)
    return float(np.sum(np.where(p > 0, p * (log_p - log_q), 0.0)))


# ------------------------------------------------------------ the RBM mapping
def rbm_parameters(rbm):
    """(W, b, c, spins) of an RBM as float64 numpy arrays and a bool.

    Any object with tensors/arrays ``W`` (n_v, n_h), ``b`` (n_v,), ``c`` (n_h,)
    and an optional bool ``spins`` (default False: 0/1 units) will do.
    """
    try:
        W, b, c = (np.asarray(getattr(rbm, k).detach().cpu() if hasattr(getattr(rbm, k), "detach")
                              else getattr(rbm, k), dtype=np.float64) for k in ("W", "b", "c"))
    except AttributeError:
        raise TypeError(f"rbm must have W, b and c; got {type(rbm).__name__}") from None
    if W.ndim != 2 or b.shape != (W.shape[0],) or c.shape != (W.shape[1],):
        raise ValueError("rbm parameters have inconsistent shapes "
                         f"W{W.shape}, b{b.shape}, c{c.shape}")
    if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b)) and np.all(np.isfinite(c))):
        raise ValueError("rbm parameters must be finite")
    return W, b, c, bool(getattr(rbm, "spins", False))


def _float64_rbm(rbm) -> RBM:
    """``rbm`` as a float64 :class:`~rgdl.rbm.RBM` on the CPU (a copy; ``rbm`` is untouched)."""
    W, b, c, spins = rbm_parameters(rbm)
    if isinstance(rbm, RBM):
        return rbm.copy().to(dtype=torch.float64, device="cpu")
    out = RBM(W.shape[0], W.shape[1], spins=spins, dtype=torch.float64, seed=0)
    out.W, out.b, out.c = (torch.from_numpy(x) for x in (W, b, c))
    return out


def _neg_energy_table(W, b, c, v, h) -> np.ndarray:
    """-E(v, h) = b.v + c.h + v.W.h for every pair of rows of ``v`` and ``h``, shape (A, B)."""
    return (v @ b)[:, None] + (h @ c)[None, :] + (v @ W) @ h.T


def rbm_visible_hamiltonian(rbm) -> np.ndarray:
    """H_RBM(v) = -ln Tr_h e^{-E(v, h)} for all 2^n_v visible states, in float64.

    .. math::
       \\mathcal{H}^{RBM}(v) = -b \\cdot v - \\sum_j \\ln \\sum_{h_j} e^{h_j (c_j + (vW)_j)}

    (Mehta & Schwab 2014, eq. 13): computed by :meth:`rgdl.rbm.RBM.visible_hamiltonian`
    on a float64 copy of ``rbm``, over the states of :func:`rgdl.rg.couplings.states`.
    """
    m = _float64_rbm(rbm)
    v = torch.from_numpy(states(m.n_visible, m.values))
    return m.visible_hamiltonian(v).numpy()


def rbm_hidden_hamiltonian(rbm) -> np.ndarray:
    """H_RBM(h) = -ln Tr_v e^{-E(v, h)} for all 2^n_h hidden states, in float64.

    .. math::
       \\mathcal{H}^{RBM}(h) = -c \\cdot h - \\sum_i \\ln \\sum_{v_i} e^{v_i (b_i + (Wh)_i)}

    (Mehta & Schwab 2014, eq. 14), by :meth:`rgdl.rbm.RBM.hidden_hamiltonian`.
    """
    m = _float64_rbm(rbm)
    h = torch.from_numpy(states(m.n_hidden, m.values))
    return m.hidden_hamiltonian(h).numpy()


def rbm_conditional(rbm) -> np.ndarray:
    """ln p(h | v) for every (v, h), shape (2^n_v, 2^n_h): -E(v, h) + H_RBM(v)."""
    W, b, c, spins = rbm_parameters(rbm)
    vals = (-1, 1) if spins else (0, 1)
    v, h = states(W.shape[0], vals), states(W.shape[1], vals)
    return _neg_energy_table(W, b, c, v, h) + rbm_visible_hamiltonian(rbm)[:, None]


def T_rbm(rbm, H_v) -> Operator:
    """The Mehta-Schwab operator T(v, h) = -E(v, h) + H(v) of an RBM (MS eq. 18).

    ``H_v`` is the visible Hamiltonian as a table over the RBM's visible states
    or a callable of a batch of them (0/1 units unless ``rbm.spins``). It
    follows that (all exact, checked in ``tests/test_rg.py``)

    - H_RG(h) = H_RBM(h) for every H(v)                 (MS eq. 19);
    - e^{T} = p(h | v) e^{H(v) - H_RBM(v)}              (MS eq. 20);
    - ln Tr_h e^{T} = H(v) - H_RBM(v), so the trace condition holds iff
      H(v) = H_RBM(v) for every v.
    """
    W, b, c, spins = rbm_parameters(rbm)
    vals = (-1, 1) if spins else (0, 1)
    n_v, n_h = W.shape
    H = _visible_table(H_v, n_v, vals)

    def fn(v, h):
        return _neg_energy_table(W, b, c, v, h) + H[state_index(v, vals)][:, None]

    return Operator(fn, n_v, n_h, vals, vals)


# ----------------------------------------------------- block-spin operators
#: Largest ring :func:`ring_blocks` lists (the lists are Python ints, built in milliseconds).
MAX_BLOCK_SITES = 1 << 16

#: Largest torus side :func:`torus_blocks` lists (2^16 sites).
MAX_BLOCK_SIDE = 1 << 8


def ring_blocks(N: int, b: int) -> list[list[int]]:
    """Consecutive blocks of ``b`` sites on a ring of ``N`` (N divisible by b, N <= 2^16)."""
    N = validate.positive_int("N", N, minimum=2, maximum=MAX_BLOCK_SITES)
    b = validate.positive_int("b", b, maximum=N)
    if N % b:
        raise ValueError(f"N = {N} must be divisible by b = {b}")
    return [list(range(j * b, (j + 1) * b)) for j in range(N // b)]


def torus_blocks(L: int, b: int) -> list[list[int]]:
    """b x b blocks of an L x L torus (site = x + L y); coarse site = X + (L/b) Y (L <= 256)."""
    L = validate.positive_int("L", L, minimum=2, maximum=MAX_BLOCK_SIDE)
    b = validate.positive_int("b", b, maximum=L)
    if L % b:
        raise ValueError(f"L = {L} must be divisible by b = {b}")
    m = L // b
    return [[(X * b + dx) + L * (Y * b + dy) for dy in range(b) for dx in range(b)]
            for Y in range(m) for X in range(m)]


def block_operator(blocks, n_visible: int, rule: str = "majority") -> Operator:
    """The block-spin operator T(v, h) = sum_blocks ln t(v_block, h_block) of spins.

    ``rule="decimation"``: h equals the block's first site, t = delta(h, v_first).
    ``rule="majority"``: h = sign(sum of the block); on a tie (even blocks)
    both values get t = 1/2 (Kadanoff's rule). Either way Tr_h e^T = 1 for every v.
    """
    n_visible = validate.positive_int("n_visible", n_visible, maximum=MAX_SPINS)
    rule = validate.one_of("rule", rule, ("decimation", "majority"))
    blocks = _check_blocks(blocks, n_visible)

    def fn(v, h):
        t = np.zeros((v.shape[0], h.shape[0]))
        for j, blk in enumerate(blocks):
            if rule == "decimation":
                agree = v[:, blk[0]][:, None] == h[None, :, j]
                t += np.where(agree, 0.0, -np.inf)
            else:
                m = np.sign(v[:, blk].sum(axis=1))[:, None]
                t += np.where(m == 0, np.log(0.5), np.where(m == h[None, :, j], 0.0, -np.inf))
        return t

    return Operator(fn, n_visible, len(blocks))


def _check_blocks(blocks, n_visible: int) -> list[list[int]]:
    """``blocks`` as lists of ints: disjoint, non-empty, sites in 0..n_visible - 1."""
    def is_seq(x):
        return not isinstance(x, (str, bytes)) and hasattr(x, "__iter__")

    if not is_seq(blocks) or not all(is_seq(blk) for blk in blocks):
        raise TypeError("blocks must be a list of lists of site indices")
    blocks = [list(blk) for blk in blocks]
    if not blocks or any(not blk for blk in blocks) or not all(
            isinstance(i, numbers.Integral) and not isinstance(i, bool)
            for blk in blocks for i in blk):
        raise ValueError("blocks must be a non-empty list of non-empty lists of int sites")
    blocks = [[int(i) for i in blk] for blk in blocks]
    flat = [i for blk in blocks for i in blk]
    if len(set(flat)) != len(flat) or min(flat) < 0 or max(flat) >= n_visible:
        raise ValueError(f"blocks must be disjoint sites in 0..{n_visible - 1}")
    if len(blocks) > MAX_VISIBLE:
        raise ValueError(f"blocks: {len(blocks)} coarse spins; at most {MAX_VISIBLE}")
    return blocks


def block_spin_hamiltonian(H_v, blocks, n_visible: int, rule: str = "majority") -> np.ndarray:
    """Exact coarse Hamiltonian H'(h) (table over 2^len(blocks) states) of a block-spin step."""
    return renormalized_hamiltonian(H_v, block_operator(blocks, n_visible, rule))


def ring_hamiltonian(N: int, K: float, B: float = 0.0) -> np.ndarray:
    """Table of H(s) = -K sum_i s_i s_{i+1} - B sum_i s_i on a ring of N spins."""
    N = validate.positive_int("N", N, minimum=2, maximum=MAX_SPINS)
    K, B = validate.finite_float("K", K), validate.finite_float("B", B)
    return chain.energy(states(N), K, B)


def torus_hamiltonian(L: int, K: float) -> np.ndarray:
    """Table of H(s) = -K sum_<ij> s_i s_j on an L x L torus (2 L^2 bonds, site = x + L y)."""
    L = validate.positive_int("L", L, minimum=2, maximum=4)
    K = validate.finite_float("K", K)
    s = states(L * L).reshape(-1, L, L)  # axes (state, y, x)
    return -K * (np.sum(s * np.roll(s, -1, axis=2), axis=(1, 2))
                 + np.sum(s * np.roll(s, -1, axis=1), axis=(1, 2)))


def decimate_ring(N: int, K: float, b: int = 2) -> np.ndarray:
    """Exact H'(h) of the ring after keeping every b-th spin (sum over the others)."""
    return block_spin_hamiltonian(ring_hamiltonian(N, K), ring_blocks(N, b), N, "decimation")


def majority_ring(N: int, K: float, b: int = 3) -> np.ndarray:
    """Exact H'(h) of the ring after majority rule on blocks of b (odd) spins."""
    return block_spin_hamiltonian(ring_hamiltonian(N, K), ring_blocks(N, b), N, "majority")


def majority_torus(L: int, K: float, b: int = 2) -> np.ndarray:
    """Exact H'(h) of an L x L torus after b x b majority rule (ties split 1/2, 1/2)."""
    return block_spin_hamiltonian(torus_hamiltonian(L, K), torus_blocks(L, b), L * L, "majority")


# -------------------------------------------------- closed forms of the ring
def decimation_coupling(K, b: int = 2):
    """K' after decimating a 1D chain by b: tanh K' = tanh^b K; b = 2 gives (1/2) ln cosh 2K.

    ``K`` may be infinite (the zero-temperature fixed point maps to itself) but not NaN;
    a K so large that K' overflows gives ``inf``.
    """
    b = validate.positive_int("b", b)
    K = validate.real_array("K", K, finite=False)  # K = +-inf is the T = 0 fixed point
    if np.any(np.isnan(K)):
        raise ValueError("K contains NaN")
    with np.errstate(over="ignore", divide="ignore"):
        if b == 2:
            out = 0.5 * np.log1p(2 * np.sinh(K) ** 2)  # = (1/2) ln cosh 2K, accurate at small K
        else:
            out = np.arctanh(np.tanh(K) ** b)
    return float(out) if out.ndim == 0 else out


def decimation_constant(K, b: int = 2):
    """ln A_b(K), the constant per coarse bond: sum of the b - 1 inner spins gives A e^{K' s s'}.

    A_b = 2^{b-1} cosh^b K / cosh K'; for b = 2, A = 2 sqrt(cosh 2K).
    """
    b = validate.positive_int("b", b)
    K = validate.real_array("K", K)
    if b == 2:
        out = np.log(2.0) + 0.5 * np.log1p(2 * np.sinh(K) ** 2)
    else:
        Kp = np.asarray(decimation_coupling(K, b))
        out = (b - 1) * np.log(2.0) + b * np.log(np.cosh(K)) - np.log(np.cosh(Kp))
    return float(out) if out.ndim == 0 else out


#: Most steps :func:`decimation_flow` takes (every finite K is at 0 to machine precision
#: long before).
MAX_FLOW_STEPS = 10**6


def decimation_flow(K0: float, steps: int, b: int = 2) -> np.ndarray:
    """The RG flow K_0, K_1 = K'(K_0), ... (``steps`` + 1 values).

    Fixed points: K* = 0 (stable, high temperature) and K* = infinity
    (unstable, T = 0); every finite K flows to 0, so the chain never orders.
    """
    K = validate.finite_float("K0", K0)
    steps = validate.positive_int("steps", steps, minimum=0, maximum=MAX_FLOW_STEPS)
    validate.positive_int("b", b)
    out = [K]
    for _ in range(steps):
        K = decimation_coupling(K, b)
        out.append(K)
    return np.array(out)


def free_energy_recursion(N: int, K: float, b: int = 2) -> tuple[float, float]:
    """(ln Z_N(K), (N/b) ln A_b(K) + ln Z_{N/b}(K')): both sides of the exact recursion.

    ln Z is taken from the transfer matrix (:func:`rgdl.chain.log_partition`).
    """
    N = validate.positive_int("N", N, minimum=2)
    b = validate.positive_int("b", b)
    if N % b or N // b < 2:
        raise ValueError(f"N = {N} must be a multiple of b = {b} with at least 2 blocks")
    lhs = chain.log_partition(N, K)
    rhs = ((N // b) * decimation_constant(K, b)
           + chain.log_partition(N // b, decimation_coupling(K, b)))
    return float(lhs), float(rhs)




# ------------------------------------------- what a trained RBM has learned
def ring_receptive_fields(n_visible: int, n_hidden: int, width: int | None = None) -> np.ndarray:
    """0/1 mask (n_visible, n_hidden): hidden unit j sees ``width`` consecutive ring sites.

    The sites are centred on hidden unit j's block, b j .. b j + b - 1 with
    b = n_visible / n_hidden; ``width`` defaults to b (disjoint blocks) and a
    larger width adds (width - b) / 2 sites on each side, periodically.
    """
    n_visible = validate.positive_int("n_visible", n_visible, minimum=2, maximum=1 << 24)
    n_hidden = validate.positive_int("n_hidden", n_hidden, maximum=n_visible)
    validate.elements("n_visible * n_hidden", n_visible, n_hidden)
    if n_visible % n_hidden:
        raise ValueError(f"n_visible = {n_visible} must be divisible by n_hidden = {n_hidden}")
    b = n_visible // n_hidden
    width = b if width is None else validate.positive_int("width", width)
    if width < b or (width - b) % 2 or width > n_visible:
        raise ValueError(f"width must be b + 2m <= n_visible with b = {b}; got {width}")
    pad = (width - b) // 2
    mask = np.zeros((n_visible, n_hidden))
    for j in range(n_hidden):
        mask[np.arange(j * b - pad, j * b + b + pad) % n_visible, j] = 1.0
    return mask


def vrg_monitor(H_v) -> Callable:
    """A ``fit`` monitor: the exact KL(P || P_RBM), Delta F and trace-condition spread.

    ``H_v`` is the data Hamiltonian (table over the RBM's visible states; P is
    proportional to e^{-H_v}). Each call returns ``kl``, ``delta_F`` = F_h - F_v
    and ``trace_std``, the standard deviation over P of ln Tr_h e^{T} =
    H(v) - H_RBM(v) (zero iff the trace condition holds up to a constant).
    """
    try:
        H = hamiltonian_table(H_v)
    except (TypeError, ValueError) as err:
        raise type(err)(f"H_v: {err}") from None
    log_p = -H + free_energy(H)
    p = np.exp(log_p)

    def monitor(rbm) -> dict:
        H_rbm = rbm_visible_hamiltonian(rbm)
        x = H - H_rbm                                     # ln Tr_h e^T for T = T_rbm(rbm, H)
        mean = float(np.sum(p * x))
        F_h = free_energy(rbm_hidden_hamiltonian(rbm))    # = -ln Z_RBM
        return {"kl": kl_divergence(H, H_rbm), "delta_F": F_h - free_energy(H),
                "trace_std": float(np.sqrt(max(np.sum(p * (x - mean) ** 2), 0.0)))}

    return monitor


def hidden_gauge(rbm) -> np.ndarray:
    """Which hidden units to read as "down" so that each one's weights sum to >= 0.

    A hidden unit that is on when its block points down is the same block spin
    with the opposite sign; the returned flags go to :func:`flip_gauge`.
    """
    W = rbm_parameters(rbm)[0]
    return W.sum(axis=0) < 0


def rbm_couplings(rbm, gauge: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Spin expansions (J_v, J_h) of H_RBM(v) and H_RBM(h) (0/1 units read as s = 2u - 1).

    With ``gauge`` the hidden spins are relabelled by :func:`hidden_gauge`.
    """
    J_v = ising_couplings(rbm_visible_hamiltonian(rbm))
    J_h = ising_couplings(rbm_hidden_hamiltonian(rbm))
    if gauge:
        J_h = flip_gauge(J_h, hidden_gauge(rbm))
    return J_v, J_h
