"""The experiments of chapter 4, each a function that returns a small result object.

- :func:`thermo_scan`: sampled energy, specific heat and Binder cumulant on a grid
  of sizes and couplings, next to the exact finite-torus values
  (Kaufman 1949; Ferdinand & Fisher 1969) -> :class:`ThermoScan`.
- :func:`binder_crossings`: where the Binder cumulants of each pair of sizes
  cross (Binder 1981) -> :class:`BinderCrossings`.
- :func:`dynamic_exponents`: integrated autocorrelation times at K_c against L
  for several samplers and seeds, and the dynamic exponent z of each seed
  -> :class:`DynamicExponents`.
- :func:`block_flow_scan`: Kadanoff's block-spin flow of samples at several
  couplings, over seeds, with the Binder cumulant of every blocked lattice
  -> :class:`BlockFlowScan`.
- :func:`dataset_check`: effective sample size and mean energy of cached data
  sets (the Mehta & Schwab set), over seeds -> :class:`DatasetCheck`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core import validate
from .datasets import dataset
from .exact import critical_coupling, exact_energy, exact_specific_heat
from .mc import (
    LOCAL, METHODS, _check_K, _check_L, autocorrelation_times, resolve_method, sample,
)
from .observables import (
    block_flow, crossing, effective_sample_size, estimate, fit_dynamic_exponent, magnetization,
)

__all__ = [
    "ThermoScan", "thermo_scan", "BinderCrossings", "binder_crossings", "DynamicExponents",
    "autocorrelation_protocol", "dynamic_exponents", "BlockFlowScan", "block_flow_scan",
    "DatasetCheck", "dataset_check", "U_STAR",
]


def _sizes(name, sizes, minimum=2) -> list[int]:
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < minimum:
        raise ValueError(f"{name} must be a sequence of at least {minimum} lattice sizes")
    return [_check_L(L, name) for L in sizes]


def _couplings(name, couplings) -> np.ndarray:
    if isinstance(couplings, (str, bytes)) or np.ndim(couplings) != 1 or len(couplings) == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of couplings")
    return np.array([_check_K(K, name) for K in couplings])


def _seeds(seeds, name="seeds") -> list[int]:
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__len__") or len(seeds) == 0:
        raise ValueError(f"{name} must be a non-empty sequence of ints")
    return [validate.positive_int(name, s, minimum=0) for s in seeds]


def _index(name: str, k, size: int) -> int:
    """``k`` as an index into an axis of ``size`` entries (negative counts from the end)."""
    k = validate.positive_int(name, k, minimum=-size, maximum=size - 1)
    return k % size


# ----------------------------------------------------------------------------- exact vs sampled

@dataclass
class ThermoScan:
    """Sampled thermodynamics on a grid of sizes x couplings, with the exact values.

    ``energy``, ``specific_heat`` and ``binder`` have shape (n_sizes, n_couplings, 2):
    value and jackknife error; ``energy_exact`` and ``specific_heat_exact`` are
    the exact finite-torus values, (n_sizes, n_couplings). ``methods[j]`` is the
    sampler used at coupling j.
    """

    sizes: list
    couplings: np.ndarray
    methods: list
    energy: np.ndarray
    specific_heat: np.ndarray
    binder: np.ndarray
    energy_exact: np.ndarray
    specific_heat_exact: np.ndarray

    @property
    def z_energy(self) -> np.ndarray:
        """``(E_sampled - E_exact) / sigma`` per point."""
        return (self.energy[..., 0] - self.energy_exact) / self.energy[..., 1]

    @property
    def z_specific_heat(self) -> np.ndarray:
        """``(C_sampled - C_exact) / sigma`` per point."""
        return (self.specific_heat[..., 0] - self.specific_heat_exact) / self.specific_heat[..., 1]


def thermo_scan(sizes, couplings, n_samples, chains=64, n_blocks=32, seed=0) -> ThermoScan:
    """Sample every (L, K) of a grid and set the estimates beside the exact finite-torus values.

    At each point :func:`rgdl.ising.sample` draws ``n_samples`` configurations
    from ``chains`` chains (seed ``seed + 100 L + j`` for the j-th coupling) and
    :func:`rgdl.ising.estimate` gives jackknife errors over ``n_blocks`` blocks.
    The oracle is the exact torus (Kaufman 1949; Ferdinand & Fisher 1969):

    .. math::
       \\frac{\\langle E\\rangle}{N} = -\\frac1N \\frac{\\partial \\ln Z}{\\partial K},
       \\qquad \\frac{C}{N} = \\frac{K^2}{N} \\frac{\\partial^2 \\ln Z}{\\partial K^2}.
    """
    sizes = _sizes("sizes", sizes, minimum=1)
    Ks = _couplings("couplings", couplings)
    n_samples = validate.positive_int("n_samples", n_samples)
    chains = validate.positive_int("chains", chains)
    n_blocks = validate.positive_int("n_blocks", n_blocks, minimum=2)
    if n_samples < 2 * n_blocks:
        raise ValueError(f"n_samples must be >= 2 * n_blocks = {2 * n_blocks}; got {n_samples}")
    seed = validate.positive_int("seed", seed, minimum=0)
    shape = (len(sizes), len(Ks), 2)
    out = {k: np.empty(shape) for k in ("energy", "specific_heat", "binder")}
    for i, L in enumerate(sizes):
        for j, K in enumerate(Ks):
            x = sample(L, K, n_samples, chains=chains, seed=seed + 100 * L + j, progress=False)
            est = estimate(x, K, chains=chains, n_blocks=n_blocks)
            for k in out:
                out[k][i, j] = est[k]
    return ThermoScan(sizes=sizes, couplings=Ks, methods=[resolve_method("auto", K) for K in Ks],
                      energy_exact=np.array([exact_energy(L, L, Ks) for L in sizes]),
                      specific_heat_exact=np.array([exact_specific_heat(L, L, Ks) for L in sizes]),
                      **out)


@dataclass
class BinderCrossings:
    """Binder-cumulant crossings of each pair of sizes, their mean and its error from K_c."""

    pairs: dict
    K_star: float
    rel_error: float


def binder_crossings(scan: ThermoScan, window=(0.94, 1.06), degree=3) -> BinderCrossings:
    """Where the Binder cumulants of every pair of sizes in ``scan`` cross.

    .. math:: U_L = 1 - \\frac{\\langle m^4\\rangle}{3 \\langle m^2\\rangle^2}

    is independent of L at K_c up to corrections to scaling (Binder 1981), so
    the curves cross there. Each curve is fitted on the couplings with
    ``window[0] <= K / K_c <= window[1]`` by a weighted polynomial of ``degree``
    (:func:`rgdl.ising.crossing`); ``K_star`` is the mean over pairs that cross
    and ``rel_error = |K_star - K_c| / K_c``. Raises ``ValueError`` if no pair crosses.
    """
    if not isinstance(scan, ThermoScan):
        raise TypeError(f"scan must be a ThermoScan; got {type(scan).__name__}")
    if isinstance(window, (str, bytes)) or np.shape(window) != (2,):
        raise ValueError(f"window must be a pair (lo, hi) of K / K_c; got {window!r}")
    lo, hi = (validate.positive_float("window", w) for w in window)
    if lo >= hi:
        raise ValueError(f"window must have lo < hi; got {window!r}")
    degree = validate.positive_int("degree", degree, maximum=50)
    kc = critical_coupling()
    sel = (scan.couplings / kc >= window[0]) & (scan.couplings / kc <= window[1])
    if sel.sum() < 2:
        raise ValueError(f"window must hold at least 2 of the scan's couplings; got {window}")
    U = scan.binder[:, sel]
    pairs = {}
    for a in range(len(scan.sizes)):
        for b in range(a + 1, len(scan.sizes)):
            try:
                pairs[f"{scan.sizes[a]}-{scan.sizes[b]}"] = crossing(
                    scan.couplings[sel], U[a, :, 0], U[b, :, 0], U[a, :, 1], U[b, :, 1],
                    degree=degree)
            except ValueError:          # this pair does not cross inside the window
                pairs[f"{scan.sizes[a]}-{scan.sizes[b]}"] = float("nan")
    found = [v for v in pairs.values() if np.isfinite(v)]
    if not found:
        raise ValueError("no pair of Binder cumulants crosses inside the window")
    K_star = float(np.mean(found))
    return BinderCrossings(pairs=pairs, K_star=K_star, rel_error=abs(K_star - kc) / kc)


# -------------------------------------------------------------------- critical slowing down

def autocorrelation_protocol(L: int, method: str) -> tuple[int, int]:
    """Run length (steps) and number of chains used to measure tau_int at K_c.

    Local dynamics run for about 50 autocorrelation times of a z = 2.17 chain,
    ``50 * 0.025 L^2.17`` sweeps (at least 400), on ``max(16, 2^16 / L^2)``
    chains; cluster methods run 400 steps on ``max(16, 2^13 / L^2)`` chains.
    """
    L = _check_L(L)
    validate.one_of("method", method, METHODS)
    local = method in LOCAL
    steps = int(max(400, 50 * 0.025 * L ** 2.17)) if local else 400
    chains = max(16, (1 << (16 if local else 13)) // (L * L))
    return steps, chains


@dataclass
class DynamicExponents:
    """tau_int at K_c (sweeps) per method, seed and size, and the exponent z of each seed.

    ``tau_abs_m[method]`` and ``tau_energy[method]`` have shape (n_seeds, n_sizes);
    ``z_abs_m[method]`` and ``z_energy[method]`` hold one fitted z per seed.
    """

    sizes: list
    methods: list
    seeds: list
    tau_abs_m: dict
    tau_energy: dict
    z_abs_m: dict = field(default_factory=dict)
    z_energy: dict = field(default_factory=dict)

    def z(self, method: str, observable: str = "abs_m") -> tuple[float, float]:
        """Mean over seeds and its standard error (nan for one seed) of z from ``observable``."""
        validate.one_of("observable", observable, ("abs_m", "energy"))
        if not isinstance(method, str):
            raise TypeError(f"method must be a str; got {type(method).__name__}")
        validate.one_of("method", method, tuple(self.z_abs_m))
        z = np.asarray((self.z_abs_m if observable == "abs_m" else self.z_energy)[method])
        se = float(z.std(ddof=1) / np.sqrt(z.size)) if z.size > 1 else float("nan")
        return float(z.mean()), se


def dynamic_exponents(sizes, methods=("metropolis", "wolff", "swendsen_wang"), seeds=(0,),
                      K=None) -> DynamicExponents:
    """Measure tau_int of |m| and E at coupling K (default K_c) and fit ``tau = A L^z`` per seed.

    .. math:: \\tau_{\\rm int}(L) \\propto L^{z}

    Each (method, L) is run with :func:`autocorrelation_protocol` by
    :func:`rgdl.ising.autocorrelation_times` (Swendsen-Wang pre-equilibration,
    Sokal's window, Wolff steps converted to sweeps by the flipped fraction),
    with seed ``seed + L`` for every seed in ``seeds``; z is the slope of the
    least-squares line through (ln L, ln tau) of that seed. Literature values:
    z = 2.1665(12) for local dynamics (Nightingale & Bloete 1996), about 0.25
    in sweep units for Wolff's energy (Coddington & Baillie 1992).
    """
    sizes = _sizes("sizes", sizes)
    if isinstance(methods, (str, bytes)) or not hasattr(methods, "__len__") or len(methods) == 0:
        raise TypeError(f"methods must be a non-empty sequence of method names; got {methods!r}")
    methods = [validate.one_of("methods", m, METHODS) for m in methods]
    seeds = _seeds(seeds)
    K = critical_coupling() if K is None else _check_K(K)
    res = DynamicExponents(sizes=sizes, methods=methods, seeds=seeds, tau_abs_m={}, tau_energy={})
    for m in methods:
        runs = [[autocorrelation_times(L, K, m, *autocorrelation_protocol(L, m), seed=s + L,
                                       progress=False) for L in sizes] for s in seeds]
        res.tau_abs_m[m] = np.array([[r["tau_abs_m"] for r in row] for row in runs])
        res.tau_energy[m] = np.array([[r["tau_energy"] for r in row] for row in runs])
        res.z_abs_m[m] = np.array([fit_dynamic_exponent(sizes, t)["z"] for t in res.tau_abs_m[m]])
        res.z_energy[m] = np.array([fit_dynamic_exponent(sizes, t)["z"] for t in res.tau_energy[m]])
    return res


# ----------------------------------------------------------------------------- block spins

#: Binder cumulant of the critical square-lattice Ising model on a square torus,
#: ``1 - 1 / (3 Q)`` with ``Q = <m^2>^2 / <m^4> = 0.856216`` (Kamieniarz & Bloete 1993).
U_STAR = 1.0 - 1.0 / (3.0 * 0.856216)


def _binder(m) -> float:
    m2 = m * m
    return float(1.0 - np.mean(m2 * m2) / (3.0 * np.mean(m2) ** 2))


def _binder_shifts(ms, n_blocks):
    """U of every level with its jackknife error, and ``U_l - U_0`` with the error of the shift."""
    n = ms[0].size
    block = np.arange(n) * n_blocks // n
    U = np.array([_binder(m) for m in ms])
    loo = np.array([[_binder(m[block != b]) for m in ms] for b in range(n_blocks)])
    def jackknife(x):
        return np.sqrt((n_blocks - 1) / n_blocks * ((x - x.mean(axis=0)) ** 2).sum(axis=0))

    return U, jackknife(loo), U - U[0], jackknife(loo - loo[:, :1])


@dataclass
class BlockFlowScan:
    """Block-spin flows of samples at several couplings, over seeds.

    ``nn``, ``abs_m`` and ``binder`` have shape (n_seeds, n_couplings, steps + 1):
    batch means of the nearest-neighbour correlation and |m|, and the Binder
    cumulant, of the lattice after l blocking steps; ``binder_err`` the jackknife
    error of the Binder cumulant over blocks of samples. ``binder_shift`` is
    ``U_l - U_0`` and ``binder_shift_err`` its jackknife error (the same
    samples at both levels, so the error is that of the difference).
    ``examples[k][l]`` is the first configuration of the first seed at
    coupling k after l steps.
    """

    L: int
    couplings: np.ndarray
    seeds: list
    nn: np.ndarray
    abs_m: np.ndarray
    binder: np.ndarray
    binder_err: np.ndarray
    binder_shift: np.ndarray
    binder_shift_err: np.ndarray
    examples: list

    def spread_ratio(self, low: int = 0, high: int = -1) -> np.ndarray:
        """Per seed: ``(nn_high - nn_low)`` after the last step over the same before blocking."""
        nn, size = self.nn, self.nn.shape[1]
        low, high = _index("low", low, size), _index("high", high, size)
        if low == high:
            raise ValueError(f"low and high must name different couplings; both are {low}")
        return (nn[:, high, -1] - nn[:, low, -1]) / (nn[:, high, 0] - nn[:, low, 0])

    def decay_ratio(self, k: int = 0) -> np.ndarray:
        """Per seed: nn after the last step over nn before blocking, at coupling index k."""
        k = _index("k", k, self.nn.shape[1])
        return self.nn[:, k, -1] / self.nn[:, k, 0]

    def binder_z(self, k: int, target: float = U_STAR) -> np.ndarray:
        """Per seed: the largest ``|U_l - target| / sigma(U_l)`` over all levels, at coupling k.

        With the default ``target`` = :data:`U_STAR` this measures whether the blocked
        lattices stay at the critical value of the Binder cumulant.
        """
        k = _index("k", k, self.nn.shape[1])
        target = validate.finite_float("target", target)
        dev = np.abs(self.binder[:, k] - target)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(dev == 0, 0.0, dev / self.binder_err[:, k])
        return z.max(axis=1)

    def binder_shift_z(self, k: int) -> np.ndarray:
        """Per seed: the largest ``|U_l - U_0| / sigma`` over levels l >= 1, at coupling index k.

        A level whose shift and error are both zero (a fully ordered batch) counts as 0.
        """
        k = _index("k", k, self.nn.shape[1])
        shift, err = np.abs(self.binder_shift[:, k, 1:]), self.binder_shift_err[:, k, 1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(shift == 0, 0.0, shift / err)
        return z.max(axis=1)


def block_flow_scan(L, couplings, n_samples, seeds=(0,), block_seeds=None, steps=3, b=2,
                    n_blocks=16) -> BlockFlowScan:
    """Sample each coupling for every seed and follow the block-spin flow of the samples.

    Replica r draws ``n_samples`` configurations at coupling k with seed
    ``seeds[r] + k`` and blocks them ``steps`` times with majority-rule
    :func:`rgdl.ising.block_flow` (tie-breaking coins from ``block_seeds[r]``,
    default ``seeds[r]``). Under Kadanoff's map (Kadanoff 1966) the coarse
    lattice's correlations fall below K_c and rise above it; the Binder cumulant
    of the block magnetization,

    .. math:: U_l = 1 - \\frac{\\langle m_l^4\\rangle}{3\\langle m_l^2\\rangle^2},

    is a dimensionless ratio that blocking should leave where it is (at K_c, the
    critical value :data:`U_STAR` = 0.6107 of the square torus, Kamieniarz & Bloete
    1993). U_l and its shift between levels get jackknife errors over ``n_blocks``
    blocks of samples.
    """
    L = _check_L(L)
    Ks = _couplings("couplings", couplings)
    n_samples = validate.positive_int("n_samples", n_samples, minimum=4)
    seeds = _seeds(seeds)
    block_seeds = seeds if block_seeds is None else _seeds(block_seeds, "block_seeds")
    if len(block_seeds) != len(seeds):
        raise ValueError("block_seeds must have one entry per seed")
    steps = validate.positive_int("steps", steps, maximum=64)
    b = validate.positive_int("b", b, minimum=2)
    if L % b ** steps or L // b ** steps < 2:
        raise ValueError(f"steps: {steps} blocking steps of b = {b} do not fit L = {L} "
                         f"(b**steps must divide L and leave a side >= 2)")
    n_blocks = validate.positive_int("n_blocks", n_blocks, minimum=2)
    if n_blocks > n_samples:
        raise ValueError(f"n_blocks must be <= n_samples = {n_samples}; got {n_blocks}")
    shape = (len(seeds), len(Ks), steps + 1)
    names = ("nn", "abs_m", "binder", "binder_err", "binder_shift", "binder_shift_err")
    out = {k: np.empty(shape) for k in names}
    examples = []
    for r, (s, bs) in enumerate(zip(seeds, block_seeds)):
        for k, K in enumerate(Ks):
            flow = block_flow(sample(L, K, n_samples, seed=s + k, progress=False), steps=steps,
                              b=b, seed=bs)
            ms = [magnetization(c) for c in flow.levels]
            out["nn"][r, k], out["abs_m"][r, k] = flow.nn, flow.abs_m
            for name, value in zip(names[2:], _binder_shifts(ms, n_blocks)):
                out[name][r, k] = value
            if r == 0:
                examples.append([c[0] for c in flow.levels])
    return BlockFlowScan(L=L, couplings=Ks, seeds=seeds, examples=examples, **out)


# ----------------------------------------------------------------------------- data sets

@dataclass
class DatasetCheck:
    """Effective sample size and mean energy of cached data sets, one per seed.

    ``ess_fraction`` is n_eff / n; ``energy`` (n_seeds, 2) the sampled <E>/N and
    its jackknife error; ``info`` the sampler's info dict of each set; ``examples``
    the first configurations of the first set.
    """

    L: int
    K: float
    n: int
    seeds: list
    ess_fraction: np.ndarray
    tau_abs_m: np.ndarray
    tau_energy: np.ndarray
    energy: np.ndarray
    energy_exact: float
    info: list
    examples: np.ndarray

    @property
    def energy_z(self) -> np.ndarray:
        """``|E_sampled - E_exact| / sigma`` per seed."""
        return np.abs(self.energy[:, 0] - self.energy_exact) / self.energy[:, 1]


def dataset_check(L, K, n, seeds=(0,), n_examples=5, cache_dir=None) -> DatasetCheck:
    """Make (or load) :func:`rgdl.ising.dataset` for each seed and measure its quality.

    .. math:: n_{\\rm eff} = \\frac{n}{2\\tau_{\\rm int}}

    with tau_int the larger of the integrated autocorrelation times of |m| and E
    along the chains (:func:`rgdl.ising.effective_sample_size`; Sokal 1997),
    and <E>/N with a jackknife error (:func:`rgdl.ising.estimate`) next to the
    exact finite-torus energy (Ferdinand & Fisher 1969). ``cache_dir`` is passed to
    :func:`rgdl.ising.dataset` (default: the package cache).
    """
    L, K = _check_L(L), _check_K(K)
    n = validate.positive_int("n", n, minimum=64)
    n_examples = validate.positive_int("n_examples", n_examples, minimum=0)
    seeds = _seeds(seeds)
    ess, tau_m, tau_e, energy, infos, examples = [], [], [], [], [], None
    for s in seeds:
        data, info = dataset(L, K, n, seed=s, return_info=True, progress=False,
                             cache_dir=cache_dir)
        e = effective_sample_size(data, chains=info["chains"])
        ess.append(e["n_eff"] / n)
        tau_m.append(e["tau_abs_m"])
        tau_e.append(e["tau_energy"])
        energy.append(estimate(data, K, chains=info["chains"])["energy"])
        infos.append(info)
        if examples is None:
            examples = data[:n_examples].copy()
    return DatasetCheck(L=L, K=K, n=n, seeds=seeds, ess_fraction=np.array(ess),
                        tau_abs_m=np.array(tau_m), tau_energy=np.array(tau_e),
                        energy=np.array(energy), energy_exact=float(exact_energy(L, L, K)),
                        info=infos, examples=examples)
