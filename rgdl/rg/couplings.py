"""Expanding a Hamiltonian of n Ising spins in the basis of spin products.

Every real function of n spins s_i = +/-1 has exactly one expansion

    H(s) = sum_{S subset of {0..n-1}} J_S prod_{i in S} s_i ,

a constant (S empty), fields (|S| = 1), pair couplings (|S| = 2), 3-body,
4-body ... terms. The products chi_S(s) = prod_{i in S} s_i are orthogonal
over the 2^n states, so

    J_S = 2^{-n} sum_s H(s) chi_S(s),

which is a Walsh-Hadamard transform of the table of H. :func:`ising_couplings`
computes all 2^n coefficients in O(n 2^n) operations (n up to about 22) with
the fast butterfly (Fino & Algazi 1976), and :func:`group_couplings` sorts them
by order |S| and by spatial extent on a ring or a torus, the form in which the
renormalized many-body interactions of chapter 3 are shown.

Conventions
-----------
A table of H has 2^n entries; entry k is the state whose unit i is "up"
(s_i = +1, or u_i = 1 for 0/1 units) when bit i of k is set, the order of
:func:`rgdl.chain.all_states`. A subset S is the integer whose set bits are its
sites, so ``J[0]`` is the constant, ``J[1 << i]`` the field on spin i and
``J[(1 << i) | (1 << j)]`` the coupling of the pair (i, j). With this sign
convention a ferromagnetic pair H = -K s_i s_j has ``J_S = -K``.

Hamiltonians of 0/1 units u_i are expanded in the spins s_i = 2 u_i - 1 (so
u_i = (1 + s_i)/2): the table is the same, only the reading of the states
differs; pass ``values=(0, 1)`` when H is a function of the units.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..core import validate
from ..core.states import spin_states, state_index

__all__ = [
    "MAX_SPINS", "walsh_hadamard", "states", "hamiltonian_table", "ising_couplings",
    "ising_energy", "popcount", "subset", "sites", "coupling", "pair_matrix", "flip_gauge",
    "ring_distance", "torus_distance", "group_couplings",
]

#: Largest number of spins :func:`ising_couplings` accepts (2^22 doubles = 32 MiB).
MAX_SPINS = 24


#: Largest site index :func:`subset` accepts (masks are 64-bit integers).
MAX_SITE = 62


def _check_values(values, name: str = "values") -> tuple[int, int]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") \
            or tuple(values) not in ((-1, 1), (0, 1)):
        raise ValueError(f"{name} must be (-1, 1) or (0, 1); got {values!r}")
    return tuple(values)


def _pow2_table(name: str, x, *, ndim=1, finite: bool = True) -> tuple[np.ndarray, int]:
    """``x`` as a float64 array whose last axis has length 2^n; returns (array, n)."""
    arr = validate.real_array(name, x, ndim=ndim, finite=finite)
    if arr.ndim < 1:
        raise ValueError(f"{name} must be an array of 2^n numbers; got a scalar")
    size = arr.shape[-1]
    n = size.bit_length() - 1
    if size < 1 or (1 << n) != size:
        raise ValueError(f"{name} must have 2^n entries along its last axis; got {size}")
    if n > MAX_SPINS:
        raise ValueError(f"{name} has 2^{n} entries; at most 2^{MAX_SPINS}")
    return arr, n


def walsh_hadamard(x) -> np.ndarray:
    """Unnormalised Walsh-Hadamard transform along the last axis (length 2^n).

    y_S = sum_k x_k (-1)^{popcount(S & k)}, computed with n butterfly passes
    (a, b) -> (a + b, a - b); applying it twice multiplies by 2^n.
    """
    y, n = _pow2_table("x", x, ndim=None)
    y = np.array(y, dtype=np.float64, copy=True)
    size = y.shape[-1]
    lead = y.shape[:-1]
    for i in range(n):
        # axis of length 2 is bit i of the index (C order: higher bits first)
        v = y.reshape(*lead, size >> (i + 1), 2, 1 << i)
        a = v[..., 0, :].copy()
        v[..., 0, :] += v[..., 1, :]
        v[..., 1, :] = a - v[..., 1, :]
    return y


def states(n: int, values=(-1, 1)) -> np.ndarray:
    """All 2^n states of n units as a float64 array (2^n, n); row k holds the bits of k.

    A set bit is ``values[1]`` (+1 or 1), a clear bit ``values[0]`` (-1 or 0).
    """
    n = validate.positive_int("n", n, minimum=0, maximum=MAX_SPINS)
    lo, hi = _check_values(values)
    return np.where(spin_states(n) > 0, float(hi), float(lo))


def hamiltonian_table(H, n: int | None = None, values=(-1, 1)) -> np.ndarray:
    """The table of H over all 2^n states: ``H`` is a table already or a callable.

    A callable is called once with :func:`states` ``(n, values)`` and must return
    one energy per row.
    """
    values = _check_values(values)
    if callable(H):
        if n is None:
            raise ValueError("n is required when H is a callable")
        n = validate.positive_int("n", n, minimum=0, maximum=MAX_SPINS)
        table = validate.real_array("H", H(states(n, values)), finite=False).reshape(-1)
        if table.shape[0] != 1 << n:
            raise ValueError(f"H returned {table.shape[0]} energies for {1 << n} states")
    else:
        table, m = _pow2_table("H", H, finite=False)
        if n is not None and validate.positive_int("n", n, minimum=0) != m:
            raise ValueError(f"H has 2^{m} entries but n = {n}")
    if not np.all(np.isfinite(table)):
        raise ValueError("H must be finite for every state")
    return table


def ising_couplings(H, n: int | None = None, values=(-1, 1)) -> np.ndarray:
    """All 2^n coefficients J_S of H(s) = sum_S J_S prod_{i in S} s_i.

    J_S = 2^{-n} sum_s H(s) prod_{i in S} s_i (orthogonality of the Walsh
    functions). With s_i = 2 b_i - 1 for the bits b_i of the state index,
    prod_{i in S} s_i = (-1)^{|S|} (-1)^{popcount(S & k)}, so J is the fast
    Walsh-Hadamard transform of the table times (-1)^{|S|} / 2^n.

    Parameters
    ----------
    H : array (2^n,) or callable
        The table of energies (state order of :func:`states`) or a function of
        a batch of states returning their energies.
    n : int, optional
        Number of spins (required for a callable; checked for a table).
    values : (-1, 1) or (0, 1)
        The units a callable takes; with (0, 1) the expansion is in the spins
        s_i = 2 u_i - 1 (Mehta & Schwab's 0/1 RBM units mapped to Ising spins).

    Returns
    -------
    numpy.ndarray, shape (2^n,)
        ``J[S]`` for every subset S given as a bit mask.
    """
    table = hamiltonian_table(H, n, values)
    n = table.shape[0].bit_length() - 1
    if n > MAX_SPINS:
        raise ValueError(f"n must be <= {MAX_SPINS}; got {n}")
    J = walsh_hadamard(table) / table.shape[0]
    J[popcount(np.arange(table.shape[0])) % 2 == 1] *= -1.0
    return J


def ising_energy(J, spins=None) -> np.ndarray:
    """Evaluate H(s) = sum_S J_S prod_{i in S} s_i: the inverse of :func:`ising_couplings`.

    Without ``spins`` returns the whole table (2^n,); with ``spins`` of shape
    (m, n) (+/-1) returns the m energies.
    """
    J, n = _pow2_table("J", J)
    size = J.shape[-1]
    signed = J.copy()
    signed[popcount(np.arange(size)) % 2 == 1] *= -1.0
    table = walsh_hadamard(signed)
    if spins is None:
        return table
    s = validate.binary("spins", spins, (-1, 1))
    if n == 0 or s.size == 0 or s.size % n or (s.ndim > 1 and s.shape[-1] != n):
        raise ValueError(f"spins must have shape (m, {n}); got {s.shape}")
    return table[state_index(s.reshape(-1, n), (-1, 1))]


def popcount(x) -> np.ndarray:
    """Number of set bits of each integer in ``x`` (the order |S| of a subset mask).

    ``x`` must hold non-negative integers below 2**62 (integer dtype or exact floats).
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "iub" and not (arr.dtype.kind == "f" and np.all(np.isfinite(arr))
                                            and np.all(arr == np.round(arr))):
        raise TypeError(f"x must hold integers; got dtype {arr.dtype}")
    if arr.size and (np.any(arr < 0) or np.any(arr >= 2.0**62)):
        raise ValueError("x must hold non-negative integers below 2**62")
    x = arr.astype(np.int64).copy()
    count = np.zeros_like(x)
    while np.any(x):
        count += x & 1
        x >>= 1
    return count


def subset(*sites_) -> int:
    """The bit mask of a set of sites: ``subset(0, 2)`` is 0b101."""
    mask = 0
    for i in sites_:
        if isinstance(i, bool) or not isinstance(i, numbers.Integral) or not 0 <= i <= MAX_SITE:
            raise ValueError(f"sites_ must be ints in 0..{MAX_SITE}; got {i!r}")
        mask |= 1 << int(i)
    return mask


def sites(mask: int) -> tuple[int, ...]:
    """The sites of a bit mask: ``sites(0b101)`` is (0, 2)."""
    mask = validate.positive_int("mask", mask, minimum=0, maximum=(1 << (MAX_SITE + 1)) - 1)
    return tuple(i for i in range(mask.bit_length()) if mask >> i & 1)


def coupling(J, *sites_) -> float:
    """J_S for the set of sites given: ``coupling(J, 0, 1)`` is the (0, 1) pair."""
    J, n = _pow2_table("J", J)
    mask = subset(*sites_)
    if mask >= J.shape[0]:
        raise ValueError(f"sites_ must be sites of the {n} spins of J; got {sites_}")
    return float(J[mask])


def pair_matrix(J) -> np.ndarray:
    """The symmetric (n, n) matrix of pair coefficients J_{ij} (zero diagonal)."""
    J, n = _pow2_table("J", J)
    i, j = np.triu_indices(n, 1)
    M = np.zeros((n, n))
    M[i, j] = J[(1 << i) | (1 << j)]
    return M + M.T


def flip_gauge(J, flips) -> np.ndarray:
    """Couplings after relabelling s_i -> -s_i for the sites in ``flips`` (bool array or mask).

    J_S -> (-1)^{|S & F|} J_S: a 0/1 hidden unit can code "block up" or "block
    down", so before comparing hidden couplings with block spins one fixes
    the sign of each hidden spin.
    """
    J, n = _pow2_table("J", J)
    size = J.shape[-1]
    if isinstance(flips, numbers.Integral) and not isinstance(flips, bool):
        mask = validate.positive_int("flips", flips, minimum=0, maximum=size - 1)
    else:
        f = np.asarray(flips, dtype=bool).reshape(-1)
        if f.shape[0] != n:
            raise ValueError(f"flips must have {n} entries; got {f.shape[0]}")
        mask = int(state_index(f, (False, True)))
    sign = np.where(popcount(np.arange(size) & mask) % 2 == 1, -1.0, 1.0)
    return J * sign


def ring_distance(n: int) -> np.ndarray:
    """(n, n) distances on a ring of n sites: min(|i - j|, n - |i - j|)."""
    n = validate.positive_int("n", n, maximum=1 << 15)
    validate.elements("n * n", n, n)
    d = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :])
    return np.minimum(d, n - d).astype(np.float64)


def torus_distance(L: int, M: int | None = None) -> np.ndarray:
    """(L M, L M) Euclidean minimum-image distances on an L x M torus; site = x + L y."""
    L = validate.positive_int("L", L, maximum=1 << 15)
    M = L if M is None else validate.positive_int("M", M, maximum=1 << 15)
    validate.elements("(L M)^2 for L and M", L * M, L * M)
    x, y = np.arange(L * M) % L, np.arange(L * M) // L
    dx = np.abs(x[:, None] - x[None, :])
    dy = np.abs(y[:, None] - y[None, :])
    dx, dy = np.minimum(dx, L - dx), np.minimum(dy, M - dy)
    return np.sqrt(dx**2 + dy**2)


def group_couplings(J, distance=None, *, tol: float = 1e-12, decimals: int = 6) -> list[dict]:
    """Group the couplings by order |S| and spatial extent of S.

    The extent of a set of sites is the largest distance between two of them
    (0 for a single site), with ``distance`` an (n, n) matrix such as
    :func:`ring_distance` or :func:`torus_distance` (default: ring). Couplings
    with |J_S| <= ``tol`` are left out, and so is the constant J_{}.

    Returns
    -------
    list of dict
        One row per (order, extent), sorted, with keys ``order``, ``extent``,
        ``count`` (couplings in the group), ``mean``, ``min``, ``max`` and
        ``max_abs``. For a translation-invariant H every coupling of the
        same shape is equal, so ``min == max`` within a shape.
    """
    J, n = _pow2_table("J", J)
    tol = validate.positive_float("tol", tol, allow_zero=True)
    decimals = validate.positive_int("decimals", decimals, minimum=0, maximum=15)
    D = ring_distance(max(n, 1))[:n, :n] if distance is None \
        else validate.real_array("distance", distance, ndim=2)
    if D.shape != (n, n):
        raise ValueError(f"distance must have shape ({n}, {n}); got {D.shape}")
    masks = np.nonzero(np.abs(J) > tol)[0]
    masks = masks[masks != 0]
    order = popcount(masks)
    extent = np.zeros(masks.shape[0])
    for i in range(n):
        for j in range(i + 1, n):
            both = ((masks >> i) & 1).astype(bool) & ((masks >> j) & 1).astype(bool)
            extent = np.where(both, np.maximum(extent, D[i, j]), extent)
    extent = np.round(extent, decimals)
    rows = []
    for o, e in sorted(set(zip(order.tolist(), extent.tolist()))):
        sel = (order == o) & (extent == e)
        vals = J[masks[sel]]
        rows.append({"order": int(o), "extent": float(e), "count": int(sel.sum()),
                     "mean": float(vals.mean()), "min": float(vals.min()),
                     "max": float(vals.max()), "max_abs": float(np.abs(vals).max())})
    return rows
