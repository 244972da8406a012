"""Markov-chain samplers for the periodic 2D Ising model, batched over chains.

Every sampler holds a batch of ``chains`` independent L x L lattices (int8
spins +/-1) and advances all of them at once with array operations; there is no
Python loop over sites.

Local updates (single-spin flips, Metropolis et al. 1953; heat bath / Glauber)
    The lattice is split into sublattices no two of whose sites are neighbours
    and each sublattice is updated in one vectorised step. For even L this is
    the checkerboard, stored *packed*: the two colours live in separate
    (chains, L, L/2) arrays so that each half-sweep touches only the spins it
    updates and draws one random number per updated spin. Odd L (small test
    lattices) falls back to a greedy colouring with masks.

    Metropolis flips s_i with probability min(1, exp(-2 K s_i h_i)) (0.9 when
    s_i h_i = 0, see :data:`METROPOLIS_ZERO_ACCEPT`) and heat
    bath sets s_i = +1 with probability 1 / (1 + exp(-2 K h_i)), where h_i is
    the sum of the four neighbours.

Cluster updates (the Fortuin-Kasteleyn representation)
    A bond between equal neighbours is occupied with probability
    p = 1 - exp(-2K). Swendsen & Wang (1987) give every cluster of the bond
    graph a fresh random sign; Wolff (1989) flips only the cluster of one random
    seed site. Clusters are found for the whole batch at once by
    :func:`cluster_labels` (image labelling plus a periodic-boundary merge).

One Wolff step flips one cluster per chain; its cost in sweeps is the mean
flipped fraction (``sweeps_per_step``), the usual "sweep-equivalent" unit.

Anisotropic couplings
    Every method also takes a pair ``K = (K_x, K_y)``: ``K_x`` couples s[i, j] to
    s[i, j+1] (x, the last axis), ``K_y`` couples s[i, j] to s[i+1, j] (y). A local
    update then sees ``2 (K_x s h_x + K_y s h_y)`` with separate neighbour sums
    per axis, and a cluster bond along x (y) is occupied with probability
    ``1 - exp(-2 K_x)`` (``1 - exp(-2 K_y)``). A pair with equal entries is the
    isotropic scalar (same code path, same numbers). See :func:`check_couplings`.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from tqdm import tqdm

from ..core import validate
from ..core.runtime import rng as _rng
from ..core.stats import integrated_autocorr_time
from .exact import MAX_COUPLING, critical_coupling

#: Largest lattice side a sampler accepts (memory is checked as well).
MAX_SIDE = 1 << 15

#: Largest number of single-spin updates (steps x chains x L^2) one call may ask for:
#: about a day of work at 1e7 updates per second, so a size like 2**40 is refused at once.
MAX_SPIN_UPDATES = 1 << 40

METHODS = ("metropolis", "heatbath", "wolff", "swendsen_wang")

#: Metropolis acceptance of a flip that costs no energy. Any value satisfies
#: detailed balance (both directions share it); a value below 1 keeps the
#: parallel sublattice update ergodic: with 1, every state of the 2 x 2 torus
#: with E = 0 maps deterministically onto another such state forever.
METROPOLIS_ZERO_ACCEPT = 0.9
LOCAL = ("metropolis", "heatbath")


@functools.lru_cache(maxsize=64)
def _colouring(L: int) -> tuple:
    """Boolean masks of a proper colouring of the L x L torus (checkerboard for even L)."""
    if L % 2 == 0:
        parity = np.add.outer(np.arange(L), np.arange(L)) % 2
        return tuple(parity == c for c in (0, 1))
    colour = -np.ones((L, L), dtype=int)
    for i in range(L):          # one-off set-up for odd (small) lattices, not a hot loop
        for j in range(L):
            used = {colour[(i - 1) % L, j], colour[(i + 1) % L, j],
                    colour[i, (j - 1) % L], colour[i, (j + 1) % L]}
            colour[i, j] = next(c for c in range(5) if c not in used)
    return tuple(colour == c for c in range(colour.max() + 1))


def _neighbour_sum(s: np.ndarray) -> np.ndarray:
    """h_i = sum of the four neighbours of every site of a (chains, L, L) batch."""
    return (np.roll(s, 1, 1) + np.roll(s, -1, 1)) + (np.roll(s, 1, 2) + np.roll(s, -1, 2))


def _xy_field(s: np.ndarray) -> np.ndarray:
    """``3 h_x + h_y`` of a (chains, L, L) batch: the neighbour sums along x and y in one int8.

    ``h_x, h_y`` are each in {-2, 0, 2}, so ``3 h_x + h_y`` in [-8, 8] identifies both.
    """
    hx = np.roll(s, 1, 2) + np.roll(s, -1, 2)
    hy = np.roll(s, 1, 1) + np.roll(s, -1, 1)
    return 3 * hx + hy


def _packed_xy_field(other: np.ndarray, even_shift: int) -> np.ndarray:
    """``3 h_x + h_y`` for one checkerboard colour from the packed other colour.

    The split of :func:`_packed_neighbour_sum` into its vertical (y) and horizontal (x) parts.
    """
    hy = np.roll(other, 1, 1)
    hy += np.roll(other, -1, 1)
    hx = other.copy()
    hx[:, 0::2] += np.roll(other[:, 0::2], -even_shift, 2)
    hx[:, 1::2] += np.roll(other[:, 1::2], even_shift, 2)
    return 3 * hx + hy


def _xy_tables(K_x: float, K_y: float):
    """Metropolis and heat-bath tables for anisotropic couplings, indexed by ``field + 8``.

    For Metropolis the field is ``s (3 h_x + h_y)`` and the entry is
    ``min(1, exp(-2 (K_x s h_x + K_y s h_y)))`` (:data:`METROPOLIS_ZERO_ACCEPT`
    when that exponent is 0); for heat bath it is ``3 h_x + h_y`` and the entry
    ``1 / (1 + exp(-2 (K_x h_x + K_y h_y)))``. Unused entries are 0.
    """
    metropolis, heatbath = np.zeros(17), np.zeros(17)
    for a in (-2, 0, 2):
        for b in (-2, 0, 2):
            x = K_x * a + K_y * b
            accept = METROPOLIS_ZERO_ACCEPT if x == 0 else min(1.0, math.exp(-2.0 * x))
            metropolis[3 * a + b + 8] = accept
            heatbath[3 * a + b + 8] = 1.0 / (1.0 + math.exp(-2.0 * x))
    return metropolis.astype(np.float32), heatbath.astype(np.float32)


def _packed_neighbour_sum(other: np.ndarray, even_shift: int) -> np.ndarray:
    """Neighbour sum for one checkerboard colour from the packed other colour.

    In packed storage site (i, k) of a colour sits at column 2k + (parity of the
    row and colour). Its vertical neighbours are ``other[i +/- 1, k]`` and its
    horizontal ones ``other[i, k]`` and ``other[i, k + d]`` with d = ``even_shift``
    on even rows and ``-even_shift`` on odd rows.
    """
    h = np.roll(other, 1, 1)
    h += np.roll(other, -1, 1)
    h += other
    h[:, 0::2] += np.roll(other[:, 0::2], -even_shift, 2)
    h[:, 1::2] += np.roll(other[:, 1::2], even_shift, 2)
    return h


def pack(configs: np.ndarray):
    """Split (chains, L, L) spins (L even) into the packed colours (A, B), each (chains, L, L/2).

    A holds sites with i + j even, B sites with i + j odd.
    """
    a = np.empty(configs.shape[:-1] + (configs.shape[-1] // 2,), dtype=np.int8)
    b = np.empty_like(a)
    a[:, 0::2], b[:, 0::2] = configs[:, 0::2, 0::2], configs[:, 0::2, 1::2]
    a[:, 1::2], b[:, 1::2] = configs[:, 1::2, 1::2], configs[:, 1::2, 0::2]
    return a, b


def unpack(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Inverse of :func:`pack`."""
    out = np.empty(a.shape[:-1] + (2 * a.shape[-1],), dtype=np.int8)
    out[:, 0::2, 0::2], out[:, 0::2, 1::2] = a[:, 0::2], b[:, 0::2]
    out[:, 1::2, 1::2], out[:, 1::2, 0::2] = a[:, 1::2], b[:, 1::2]
    return out


_STRUCTURE = np.zeros((3, 3, 3), dtype=bool)
_STRUCTURE[1] = [[0, 1, 0], [1, 1, 1], [0, 1, 0]]   # 4-connectivity within a lattice only


def cluster_labels(right: np.ndarray, down: np.ndarray):
    """Connected clusters of occupied bonds on a batch of tori.

    ``right[c, i, j]`` says whether the bond from (i, j) to (i, j+1 mod L) is
    occupied, ``down[c, i, j]`` the bond to (i+1 mod L, j). Returns integer
    labels of shape (chains, L, L), equal exactly for sites of one cluster,
    and an upper bound on the label values (for indexing a table of labels).

    Sites and bonds become the pixels of a (2L x 2L) image per lattice (site
    pixels always on, bond pixels on when occupied), labelled by
    :func:`scipy.ndimage.label`; the clusters that touch across the periodic
    boundary are then merged by :func:`scipy.sparse.csgraph.connected_components`
    on the much smaller graph of labels and wrap-around bonds.
    """
    chains, rows, cols = right.shape
    grid = np.zeros((chains, 2 * rows, 2 * cols), dtype=bool)
    grid[:, ::2, ::2] = True
    grid[:, ::2, 1::2] = right
    grid[:, 1::2, ::2] = down
    pixel_labels, n = ndimage.label(grid, _STRUCTURE)
    site = pixel_labels[:, ::2, ::2]
    wrap_r, wrap_d = right[:, :, -1], down[:, -1, :]
    a = np.concatenate([site[:, :, -1][wrap_r], site[:, -1, :][wrap_d]])
    b = np.concatenate([site[:, :, 0][wrap_r], site[:, 0, :][wrap_d]])
    graph = coo_matrix((np.ones(a.size, dtype=np.int8), (a, b)), shape=(n + 1, n + 1)).tocsr()
    n_merged, merged = connected_components(graph, directed=False)
    return merged[site], n_merged


class Chains:
    """A batch of Ising chains advanced by one update method.

    Parameters
    ----------
    L, K : lattice side and coupling: a float, or a pair ``(K_x, K_y)`` of
        couplings along x (last axis) and y (see :func:`check_couplings`).
    chains : number of independent lattices.
    method : one of :data:`METHODS`.
    seed : int, Generator or None.
    start : "hot" (independent random spins), "cold" (all spins of a chain equal,
        with a random sign per chain) or an initial (chains, L, L) array.
    """

    def __init__(self, L: int, K: float, chains: int, method: str, seed=None, start="hot"):
        L, K = _check_L(L), check_couplings(K)
        chains = validate.positive_int("chains", chains)
        validate.elements("chains * L * L", chains, L, L, itemsize=16)
        method = validate.one_of("method", method, METHODS)
        self._init_state(L, K, chains, method, seed, start)
        if isinstance(K, tuple):
            self._init_xy(K, method)
            return
        # acceptance tables indexed by s*h + 4 (Metropolis) or h + 4 (heat bath)
        x = np.arange(-4, 5, dtype=np.float64)
        if method == "metropolis":
            table = np.minimum(1.0, np.exp(-2.0 * self.K * x))
            table[4] = METROPOLIS_ZERO_ACCEPT
            self.table = table.astype(np.float32)
        elif method == "heatbath":
            self.table = (1.0 / (1.0 + np.exp(-2.0 * self.K * x))).astype(np.float32)
        self.p_bond = -math.expm1(-2.0 * self.K)
        self.flipped = 0.0   # total spins flipped by Wolff steps (for sweep-equivalents)
        self.steps = 0
        self.offset, self.anisotropic = 4, False

    def _init_state(self, L, K, chains, method, seed, start):
        """Size, coupling, random stream and the initial spins (packed for local moves)."""
        self.L, self.K, self.chains, self.method = L, K, chains, method
        self.gen = _rng(seed)
        self.N = L * L
        spins = self._initial_spins(start)
        self.packed = method in LOCAL and L % 2 == 0
        if self.packed:
            self.a, self.b = pack(spins)
        else:
            self.spins = spins

    def _init_xy(self, K, method):
        """Set-up for a pair ``K = (K_x, K_y)`` with K_x != K_y (tables indexed by field + 8)."""
        metropolis, heatbath = _xy_tables(*K)
        self.table = metropolis if method == "metropolis" else heatbath
        self.p_bond = tuple(-math.expm1(-2.0 * k) for k in K)
        self.flipped, self.steps = 0.0, 0
        self.offset, self.anisotropic = 8, True

    def _initial_spins(self, start) -> np.ndarray:
        chains, L = self.chains, self.L
        if isinstance(start, np.ndarray) or hasattr(start, "detach"):
            arr = spin_array("start", start)
            if arr.shape != (chains, L, L):
                raise ValueError(f"start must have shape {(chains, L, L)}; got {arr.shape}")
            return arr.copy()
        if not isinstance(start, str):
            raise TypeError(f"start must be 'hot', 'cold' or an array; got {type(start).__name__}")
        validate.one_of("start", start, ("hot", "cold"))
        if start == "cold":
            signs = self.gen.integers(0, 2, size=(chains, 1, 1), dtype=np.int8) * 2 - 1
            return np.broadcast_to(signs, (chains, L, L)).astype(np.int8)
        return (self.gen.integers(0, 2, size=(chains, L, L), dtype=np.int8) * 2 - 1).astype(np.int8)

    # -- state ---------------------------------------------------------------
    def configs(self) -> np.ndarray:
        """The current lattices, (chains, L, L) int8 (a copy)."""
        return unpack(self.a, self.b) if self.packed else self.spins.copy()

    def measure(self):
        """Per-chain magnetization per site and energy per site, each (chains,)."""
        if self.packed:
            m = (self.a.sum(axis=(1, 2), dtype=np.int64) + self.b.sum(axis=(1, 2), dtype=np.int64))
            bonds = (self.a * _packed_neighbour_sum(self.b, -1)).sum(axis=(1, 2), dtype=np.int64)
        else:
            s = self.spins
            m = s.sum(axis=(1, 2), dtype=np.int64)
            bonds = (s * (np.roll(s, 1, 1) + np.roll(s, 1, 2))).sum(axis=(1, 2), dtype=np.int64)
        return m / self.N, -bonds / self.N

    @property
    def sweeps_per_step(self) -> float:
        """Sweeps one step is worth: 1, or the mean flipped fraction for Wolff."""
        if self.method != "wolff":
            return 1.0
        return self.flipped / (self.steps * self.chains * self.N) if self.steps else float("nan")

    # -- updates -------------------------------------------------------------
    def step(self) -> None:
        """One sweep (local, Swendsen-Wang) or one cluster flip per chain (Wolff)."""
        if self.method in LOCAL:
            if self.packed:
                self._packed_sweep()
            else:
                self._masked_sweep()
        else:
            self._cluster_step()
        self.steps += 1

    def _update(self, s, h):
        u = self.gen.random(s.shape, dtype=np.float32)
        if self.method == "metropolis":
            x = s * h
            x += self.offset
            flip = u < self.table[x]
            np.negative(s, out=s, where=flip)
        else:
            h = h + self.offset
            np.copyto(s, np.where(u < self.table[h], 1, -1).astype(np.int8))

    def _packed_sweep(self):
        field = _packed_xy_field if self.anisotropic else _packed_neighbour_sum
        self._update(self.a, field(self.b, -1))
        self._update(self.b, field(self.a, 1))

    def _masked_sweep(self):
        s = self.spins
        for mask in _colouring(self.L):
            h = _xy_field(s) if self.anisotropic else _neighbour_sum(s)
            new = s.copy()
            self._update(new, h)
            s[:, mask] = new[:, mask]

    def _cluster_step(self):
        s = self.spins
        if self.anisotropic:   # bond probabilities 1 - exp(-2 K_x) along x, 1 - exp(-2 K_y) along y
            u = self.gen.random((2,) + s.shape, dtype=np.float32)
            rand = (u[0] < self.p_bond[0], u[1] < self.p_bond[1])
        else:
            rand = self.gen.random((2,) + s.shape, dtype=np.float32) < self.p_bond
        right = (s == np.roll(s, -1, 2)) & rand[0]   # bond (i, j) - (i, j + 1)
        down = (s == np.roll(s, -1, 1)) & rand[1]    # bond (i, j) - (i + 1, j)
        labels, n_labels = cluster_labels(right, down)
        if self.method == "swendsen_wang":
            signs = (self.gen.integers(0, 2, size=n_labels, dtype=np.int8) * 2 - 1).astype(np.int8)
            self.spins = signs[labels]
        else:
            seeds = self.gen.integers(0, self.N, size=self.chains)
            seed_label = labels.reshape(self.chains, -1)[np.arange(self.chains), seeds]
            flip = labels == seed_label[:, None, None]
            self.flipped += float(flip.sum())
            np.negative(s, out=s, where=flip)

    def run(self, n_steps: int, record: bool = False, bar=None):
        """Advance ``n_steps`` steps; with ``record`` return (m, e) series, each (n_steps, chains).

        ``n_steps * chains * L^2`` is bounded by :data:`MAX_SPIN_UPDATES`; ``bar`` is
        None or a progress bar (anything with an ``update(n)`` method).
        """
        n_steps = validate.positive_int("n_steps", n_steps, minimum=0)
        check_work("n_steps", n_steps, self.chains, self.L)
        if bar is not None and not callable(getattr(bar, "update", None)):
            raise TypeError(f"bar must be None or have an update method; got {type(bar).__name__}")
        if record:
            validate.elements("n_steps * chains", n_steps, self.chains, 2)
        ms = np.empty((n_steps, self.chains)) if record else None
        es = np.empty((n_steps, self.chains)) if record else None
        for t in range(n_steps):
            self.step()
            if record:
                ms[t], es[t] = self.measure()
            if bar is not None:
                bar.update(1)
        return (ms, es) if record else None


# --------------------------------------------------------------------------
# the front door: equilibrium samples with measured burn-in and thinning
# --------------------------------------------------------------------------

#: ``method="auto"`` uses Swendsen-Wang for K in this window of K/K_c, and
#: checkerboard Metropolis outside it (where local updates decorrelate fast).
AUTO_CLUSTER_WINDOW = (0.85, 1.25)

#: Swendsen-Wang sweeps that equilibrate chains before :func:`autocorrelation_times` measures.
PRE_EQUILIBRATION_SWEEPS = 50

#: Largest number of spins (chains * L * L) advanced together by default.
MAX_BATCH_SPINS = 1 << 19


def _check_L(L, name: str = "L") -> int:
    return validate.positive_int(name, L, minimum=2, maximum=MAX_SIDE)


def _check_K(K, name: str = "K") -> float:
    K = validate.positive_float(name, K)
    if K > MAX_COUPLING:
        raise ValueError(f"{name} must be <= {MAX_COUPLING}; got {K}")
    return K


def check_couplings(K, name: str = "K"):
    """A coupling ``K`` as a float, or a pair ``(K_x, K_y)`` as a tuple of two floats.

    A real number is checked as before (finite, > 0, <= :data:`MAX_COUPLING`). A
    tuple, list or 1-D array of length 2 is a pair ``(K_x, K_y)``: ``K_x`` along x
    (the last axis, s[i, j] - s[i, j+1]), ``K_y`` along y (s[i, j] - s[i+1, j]),
    each checked the same way. A pair with equal entries is returned as that
    float (the isotropic lattice: same sampler path, same cache file).
    ``TypeError``/``ValueError`` name ``name`` otherwise.
    """
    if isinstance(K, (tuple, list)) or (isinstance(K, np.ndarray) and K.ndim == 1):
        if len(K) != 2:
            raise ValueError(f"{name} must be a number or a pair (K_x, K_y); got {len(K)} entries")
        kx, ky = (_check_K(k, f"{name}[{i}]") for i, k in enumerate(K))
        return kx if kx == ky else (kx, ky)
    return _check_K(K, name)


def effective_coupling(K) -> float:
    """The isotropic coupling at the same distance from criticality as ``K`` (float or pair).

    .. math::  \\sinh^2 2K_{\\rm eff} = \\sinh 2K_x \\sinh 2K_y,

    so ``K_eff = K_c`` exactly on the critical line ``sinh 2K_x sinh 2K_y = 1``
    (Onsager 1944) and ``K_eff = K`` for a scalar. Used by ``method="auto"`` and
    for the start of a chain; (0.6, 0.2) gives 0.3614 = 0.82 K_c.
    """
    K = check_couplings(K)
    if not isinstance(K, tuple):
        return K
    return 0.5 * math.asinh(math.sqrt(math.sinh(2.0 * K[0]) * math.sinh(2.0 * K[1])))


def _label(K) -> str:
    return f"({K[0]:.4g}, {K[1]:.4g})" if isinstance(K, tuple) else f"{K:.4g}"


def check_work(name: str, steps: int, chains: int, L: int) -> None:
    """Refuse ``steps`` steps of ``chains`` L x L chains past :data:`MAX_SPIN_UPDATES`."""
    if steps * chains * L * L > MAX_SPIN_UPDATES:
        raise ValueError(f"{name}: {steps} steps of {chains} chains of {L} x {L} spins exceed "
                         f"the limit of {MAX_SPIN_UPDATES:.3g} spin updates")


def spin_array(name: str, x) -> np.ndarray:
    """``x`` as an int8 array of +/-1, its values checked before any cast."""
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be an array of +/-1 spins; got {type(x).__name__}")
    arr = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of +/-1 spins; got dtype {arr.dtype}")
    if arr.dtype == np.int8:
        ok = np.all(np.abs(arr) == 1)
    else:
        ok = np.all((arr == 1) | (arr == -1))
    if not ok:
        raise ValueError(f"{name} must contain only -1 and +1")
    return arr.astype(np.int8, copy=False)


def resolve_method(method: str, K: float) -> str:
    """The sampler ``method`` names; ``"auto"`` is Swendsen-Wang near K_c, else Metropolis.

    For a pair ``K = (K_x, K_y)`` the window applies to :func:`effective_coupling`.
    """
    if not isinstance(method, str):
        raise TypeError(f"method must be a str; got {type(method).__name__}")
    validate.one_of("method", method, ("auto",) + METHODS)
    K = check_couplings(K)
    if method != "auto":
        return method
    K = effective_coupling(K)
    lo, hi = AUTO_CLUSTER_WINDOW
    kc = critical_coupling()
    return "swendsen_wang" if lo * kc <= K <= hi * kc else "metropolis"


def _default_start(K: float) -> str:
    # below K_c a random start is closest to equilibrium; above it an ordered one
    # (a hot start can freeze into long-lived stripes under local dynamics)
    if isinstance(K, tuple):
        return "cold" if math.sinh(2.0 * K[0]) * math.sinh(2.0 * K[1]) > 1.0 else "hot"
    return "cold" if K > critical_coupling() else "hot"


def _pilot(ch: Chains, bar, max_steps: int = 1 << 15):
    """Burn in while measuring tau_int; return (steps run, tau_int in steps).

    The run doubles in length until its second half is at least 20 tau_int
    long (tau_int = max over |m| and E per site, Sokal window); the first half
    is discarded as equilibration, so burn-in >= 20 tau_int as well.
    """
    n = 32 if ch.method not in LOCAL else 64
    ms, es = [], []
    done = 0
    while True:
        m, e = ch.run(n - done, record=True, bar=bar)
        ms.append(m)
        es.append(e)
        done = n
        m_all, e_all = np.concatenate(ms), np.concatenate(es)
        half = done // 2
        tau = max(integrated_autocorr_time(np.abs(m_all[half:])),
                  integrated_autocorr_time(e_all[half:]))
        if done - half >= 20 * tau:
            return done, tau
        if n >= max_steps:
            warnings.warn(f"burn-in stopped at {n} steps before tau_int ({tau:.0f}) converged",
                          RuntimeWarning, stacklevel=3)
            return done, tau
        n *= 2


def _default_chains(L: int, n_samples: int) -> int:
    # ~64 samples per chain keeps burn-in (>= 40 tau per chain) well below the
    # production cost (2 tau per sample); the cap bounds the batch's memory
    return int(max(1, min(math.ceil(n_samples / 64), MAX_BATCH_SPINS // (L * L))))


def _check_sample_args(L, K, n_samples, method, chains, burn_in, thin):
    L, K = _check_L(L), check_couplings(K)
    n_samples = validate.positive_int("n_samples", n_samples)
    validate.elements("n_samples * L * L", n_samples, L, L, itemsize=1)
    method = resolve_method(method, K)
    if chains is None:
        chains = _default_chains(L, n_samples)
    else:
        chains = validate.positive_int("chains", chains)
        validate.elements("chains * L * L", chains, L, L, itemsize=16)
    steps = math.ceil(n_samples / chains)
    if burn_in is not None:
        burn_in = validate.positive_int("burn_in", burn_in, minimum=0)
        check_work("burn_in", burn_in, chains, L)
    if thin is not None:
        thin = validate.positive_int("thin", thin)
        check_work("thin", thin * steps, chains, L)
    return L, K, n_samples, method, chains, burn_in, thin


def sample(L, K, n_samples, method="auto", burn_in=None, thin=None, chains=None,
           seed=None, progress=True, return_info=False):
    """Equilibrium configurations of the L x L periodic Ising model at coupling K.

    A batch of independent chains is burned in and then sampled every ``thin``
    steps. Unless given, burn-in and thinning come from a pilot run that
    measures the integrated autocorrelation time tau_int (Sokal's window,
    :func:`rgdl.core.stats.integrated_autocorr_time`) of |m| and E: the burn-in is
    at least 40 tau_int and ``thin = ceil(2 tau_int)``, so consecutive samples
    of a chain are nearly independent.

    Parameters
    ----------
    L : int >= 2, lattice side.
    K : float > 0, coupling J / k_B T; or a pair ``(K_x, K_y)`` of couplings
        along x (the last axis) and y (:func:`check_couplings`; the info dict
        then holds ``K`` as the list ``[K_x, K_y]``).
    n_samples : int >= 1.
    method : "auto", "metropolis", "heatbath", "wolff" or "swendsen_wang".
    burn_in, thin : steps (sweeps; Wolff: cluster flips per chain); None = measured.
    chains : number of chains run together (default ~n_samples / 64, capped by memory).
    seed : int, Generator or None.
    progress : show tqdm bars.
    return_info : also return a dict with method, chains, burn_in, thin, tau_int.

    Chains start from random spins for K <= K_c and from an ordered lattice
    (random sign per chain) above K_c (for a pair: ``sinh 2K_x sinh 2K_y`` <= 1
    or > 1, the critical condition of Onsager 1944). Above K_c local updates essentially never
    reverse the sign of a large lattice's magnetization, so with Metropolis or
    heat bath each chain keeps its sign (the +/- symmetry holds over chains);
    the cluster methods also sample the sign.

    Returns
    -------
    np.ndarray of shape (n_samples, L, L), dtype int8, values +/-1, ordered
    time-major: sample ``i`` comes from chain ``i % chains`` (so
    ``x.reshape(-1, chains, L, L)`` is a (time, chain) array when ``chains``
    divides ``n_samples``).
    """
    L, K, n_samples, method, chains, burn_in, thin = _check_sample_args(
        L, K, n_samples, method, chains, burn_in, thin)
    gen = _rng(seed)
    ch = Chains(L, K, chains, method, seed=gen, start=_default_start(K))
    label = f"Ising L={L} K={_label(K)} {method}"
    with tqdm(desc=f"{label} burn-in", unit="step", disable=not progress, leave=False) as bar:
        if burn_in is not None and thin is not None:
            ch.run(burn_in, bar=bar)
            done, tau = burn_in, None
        else:
            done, tau = _pilot(ch, bar)
            if burn_in is not None and burn_in > done:
                ch.run(burn_in - done, bar=bar)
                done = burn_in
            if thin is None:
                thin = max(1, math.ceil(2.0 * tau))
    steps = math.ceil(n_samples / chains)
    out = np.empty((steps, chains, L, L), dtype=np.int8)
    with tqdm(total=steps * thin, desc=f"{label} sampling", unit="step",
              disable=not progress, leave=False) as bar:
        for t in range(steps):
            ch.run(thin, bar=bar)
            out[t] = ch.configs()
    configs = out.reshape(steps * chains, L, L)[:n_samples]
    if not return_info:
        return configs
    info = {"L": L, "K": list(K) if isinstance(K, tuple) else K, "method": method,
            "chains": chains, "burn_in": int(done),
            "thin": int(thin), "tau_int_steps": None if tau is None else float(tau),
            "sweeps_per_step": float(ch.sweeps_per_step), "steps_per_chain": steps}
    return configs, info


def autocorrelation_times(L, K, method, n_steps, chains=16, burn_in=None, seed=None,
                          progress=True) -> dict:
    """Integrated autocorrelation times of |m| and E per site, in sweeps.

    Starts ``chains`` chains from :data:`PRE_EQUILIBRATION_SWEEPS` Swendsen-Wang
    sweeps (equilibrium at any K), runs ``method`` for ``burn_in`` steps
    (default ``n_steps // 4``), then records ``n_steps`` steps; tau_int (Sokal's window over all chains)
    is measured in steps and converted to sweeps with the method's
    ``sweeps_per_step`` (1, or the mean flipped fraction for Wolff - the usual
    sweep-equivalent unit of Wolff 1989).
    """
    L, K = _check_L(L), _check_K(K)
    method = resolve_method(method, K)
    n_steps = validate.positive_int("n_steps", n_steps, minimum=8)
    chains = validate.positive_int("chains", chains)
    validate.elements("chains * L * L", chains, L, L, itemsize=16)
    check_work("n_steps", n_steps, chains, L)
    validate.elements("n_steps * chains", n_steps, chains, 2)
    burn_in = n_steps // 4 if burn_in is None else validate.positive_int("burn_in", burn_in, minimum=0)
    check_work("burn_in", burn_in, chains, L)
    gen = _rng(seed)
    # Swendsen-Wang first: it equilibrates from any start within a few sweeps at every
    # K, so no slow initial transient of the method under study biases tau upwards
    pre = Chains(L, K, chains, "swendsen_wang", seed=gen, start=_default_start(K))
    pre.run(PRE_EQUILIBRATION_SWEEPS)
    ch = Chains(L, K, chains, method, seed=gen, start=pre.configs())
    with tqdm(total=burn_in + n_steps, desc=f"tau L={L} {method}", unit="step",
              disable=not progress, leave=False) as bar:
        ch.run(burn_in, bar=bar)
        ch.flipped, ch.steps = 0.0, 0
        m, e = ch.run(n_steps, record=True, bar=bar)
    unit = ch.sweeps_per_step
    tau_m = integrated_autocorr_time(np.abs(m))
    tau_e = integrated_autocorr_time(e)
    return {"L": L, "K": K, "method": method, "tau_abs_m": tau_m * unit, "tau_energy": tau_e * unit,
            "tau_abs_m_steps": tau_m, "tau_energy_steps": tau_e, "sweeps_per_step": unit,
            "energy_mean": float(e.mean()), "steps": n_steps, "chains": chains}
