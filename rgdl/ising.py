"""The periodic 2D Ising model: exact oracles, fast batched sampling, block spins.

Conventions: spins s_i = +/-1 on an L x L torus, reduced Hamiltonian
``-beta H = K sum_<ij> s_i s_j`` (J = 1, no field), energies per site in units
of J (``E = -sum_<ij> s_i s_j``). Mehta & Schwab (arXiv:1410.3831) trained
on 40 x 40 samples at K = 0.408, just on the disordered side of
``K_c = 0.4407``; :func:`dataset` makes that data set in seconds.

Layout of the module
    - exact results (:mod:`rgdl.ising_exact`, re-exported here): ``critical_coupling``,
      ``spontaneous_magnetization``, ``onsager_energy``, ``log_partition``,
      ``exact_energy``, ``exact_specific_heat``.
    - samplers (:mod:`rgdl.ising_mc`): batched checkerboard Metropolis and heat
      bath, Swendsen-Wang and Wolff; :func:`sample` is the front door and
      :func:`dataset` its cached version.
    - observables of a batch of configurations, error bars, autocorrelation
      times and the dynamic exponent, Binder crossings.
    - :func:`block_spin`: Kadanoff's block-spin transformation.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import io as _io
from . import validate
from .ising_exact import (  # noqa: F401  (re-exported public API)
    critical_coupling,
    enumerate_log_partition,
    enumerate_thermo,
    exact_energy,
    exact_specific_heat,
    exact_thermo,
    log_partition,
    onsager_energy,
    spontaneous_magnetization,
)
from .ising_mc import LOCAL, METHODS, Chains
from .runtime import rng as _rng
from .stats import autocorrelation, binning_error, integrated_autocorr_time  # noqa: F401

#: Bumped whenever a change alters the numbers :func:`dataset` produces.
CODE_VERSION = "ising-2"

#: ``method="auto"`` uses Swendsen-Wang for K in this window of K/K_c, and
#: checkerboard Metropolis outside it (where local updates decorrelate fast).
AUTO_CLUSTER_WINDOW = (0.85, 1.25)

#: Swendsen-Wang sweeps that equilibrate chains before :func:`autocorrelation_times` measures.
PRE_EQUILIBRATION_SWEEPS = 50

#: Largest number of spins (chains * L * L) advanced together by default.
MAX_BATCH_SPINS = 1 << 19

__all__ = [
    "critical_coupling", "spontaneous_magnetization", "onsager_energy",
    "log_partition", "exact_energy", "exact_specific_heat", "exact_thermo",
    "enumerate_log_partition", "enumerate_thermo",
    "METHODS", "resolve_method", "sample", "dataset", "dataset_path",
    "energy", "magnetization", "abs_magnetization", "nn_correlation",
    "susceptibility", "specific_heat", "binder_cumulant", "correlation_function",
    "estimate", "effective_sample_size", "autocorrelation_times", "fit_dynamic_exponent",
    "crossing", "block_spin", "integrated_autocorr_time", "binning_error", "autocorrelation",
]


# --------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------

def _check_L(L) -> int:
    return validate.positive_int("L", L, minimum=2)


def _check_K(K) -> float:
    return validate.positive_float("K", K)


def resolve_method(method: str, K: float) -> str:
    """The sampler ``method`` names; ``"auto"`` is Swendsen-Wang near K_c, else Metropolis."""
    validate.one_of("method", method, ("auto",) + METHODS)
    if method != "auto":
        return method
    lo, hi = AUTO_CLUSTER_WINDOW
    kc = critical_coupling()
    return "swendsen_wang" if lo * kc <= K <= hi * kc else "metropolis"


def _default_start(K: float) -> str:
    # below K_c a random start is closest to equilibrium; above it an ordered one
    # (a hot start can freeze into long-lived stripes under local dynamics)
    return "cold" if K > critical_coupling() else "hot"


# --------------------------------------------------------------------------
# sampling
# --------------------------------------------------------------------------

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


def sample(L, K, n_samples, method="auto", burn_in=None, thin=None, chains=None,
           seed=None, progress=True, return_info=False):
    """Equilibrium configurations of the L x L periodic Ising model at coupling K.

    A batch of independent chains is burned in and then sampled every ``thin``
    steps. Unless given, burn-in and thinning come from a pilot run that
    measures the integrated autocorrelation time tau_int (Sokal's window,
    :func:`rgdl.stats.integrated_autocorr_time`) of |m| and E: the burn-in is
    at least 40 tau_int and ``thin = ceil(2 tau_int)``, so consecutive samples
    of a chain are nearly independent.

    Parameters
    ----------
    L : int >= 2, lattice side.
    K : float > 0, coupling J / k_B T.
    n_samples : int >= 1.
    method : "auto", "metropolis", "heatbath", "wolff" or "swendsen_wang".
    burn_in, thin : steps (sweeps; Wolff: cluster flips per chain); None = measured.
    chains : number of chains run together (default ~n_samples / 64, capped by memory).
    seed : int, Generator or None.
    progress : show tqdm bars.
    return_info : also return a dict with method, chains, burn_in, thin, tau_int.

    Chains start from random spins for K <= K_c and from an ordered lattice
    (random sign per chain) above K_c. Above K_c local updates essentially never
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
    L, K = _check_L(L), _check_K(K)
    n_samples = validate.positive_int("n_samples", n_samples)
    method = resolve_method(method, K)
    chains = _default_chains(L, n_samples) if chains is None else validate.positive_int("chains", chains)
    if burn_in is not None:
        burn_in = validate.positive_int("burn_in", burn_in, minimum=0)
    if thin is not None:
        thin = validate.positive_int("thin", thin)
    gen = _rng(seed)
    ch = Chains(L, K, chains, method, seed=gen, start=_default_start(K))
    label = f"Ising L={L} K={K:.4g} {method}"
    with tqdm(desc=f"{label} burn-in", unit="step", disable=not progress, leave=False) as bar:
        if burn_in is not None and thin is not None:
            ch.run(burn_in, bar=bar)
            done, tau = burn_in, float("nan")
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
    info = {"L": L, "K": K, "method": method, "chains": chains, "burn_in": int(done),
            "thin": int(thin), "tau_int_steps": float(tau),
            "sweeps_per_step": float(ch.sweeps_per_step), "steps_per_chain": steps}
    return configs, info


# --------------------------------------------------------------------------
# cached data sets
# --------------------------------------------------------------------------

def _dataset_key(L, K, n, seed, method):
    params = {"L": L, "K": repr(float(K)), "n": n, "seed": seed, "method": method,
              "version": CODE_VERSION}
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
    return params, digest


def dataset_path(L, K, n, seed=0, method="auto", cache_dir=None) -> Path:
    """Where :func:`dataset` caches its array (a ``.npy`` with a ``.json`` sidecar)."""
    L, K = _check_L(L), _check_K(K)
    method = resolve_method(method, K)
    _, digest = _dataset_key(L, K, n, seed, method)
    folder = Path(cache_dir) if cache_dir is not None else _io.cache_dir() / "ising"
    return folder / f"ising_L{L}_K{K:.6g}_n{n}_seed{seed}_{method}_{digest}.npy"


def _load_cached(path: Path, params: dict, shape):
    """The cached array if its sidecar, checksum, shape and values all check out, else None."""
    meta_path = path.with_suffix(".json")
    if not path.is_file() or not meta_path.is_file():
        return None, None
    try:
        meta = json.loads(meta_path.read_text())
        if meta.get("params") != params:
            raise ValueError("parameters differ")
        if _io.sha256_file(path) != meta.get("sha256"):
            raise ValueError("checksum mismatch")
        arr = np.load(path, allow_pickle=False)
        if arr.shape != tuple(shape) or arr.dtype != np.int8 or np.any(np.abs(arr) != 1):
            raise ValueError("bad shape, dtype or values")
    except (ValueError, OSError, KeyError, TypeError, AttributeError) as err:
        warnings.warn(f"ignoring corrupt Ising cache {path.name} ({err}); regenerating",
                      RuntimeWarning, stacklevel=3)
        return None, None
    return arr, meta.get("info", {})


def dataset(L, K, n, seed=0, method="auto", cache=True, cache_dir=None, progress=True,
            return_info=False):
    """``n`` equilibrium L x L configurations at coupling K, cached on disk.

    The array comes from :func:`sample` (same meaning of ``method``, burn-in and
    thinning from the measured tau_int). The cache file is keyed by every
    parameter and :data:`CODE_VERSION`; it is written atomically
    (:func:`rgdl.io.atomic_path`), and a JSON sidecar written after it holds the
    file's SHA-256, so a partial or corrupted file is detected (a
    ``RuntimeWarning`` says so) and regenerated, never used.

    Returns (n, L, L) int8 with values +/-1; with ``return_info`` also the
    sampler's info dict (see :func:`sample`).
    """
    L, K = _check_L(L), _check_K(K)
    n = validate.positive_int("n", n)
    seed = validate.positive_int("seed", seed, minimum=0)
    method = resolve_method(method, K)
    params, _ = _dataset_key(L, K, n, seed, method)
    path = dataset_path(L, K, n, seed, method, cache_dir)
    if cache:
        arr, info = _load_cached(path, params, (n, L, L))
        if arr is not None:
            return (arr, info) if return_info else arr
    arr, info = sample(L, K, n, method=method, seed=seed, progress=progress, return_info=True)
    if cache:
        with _io.atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, arr, allow_pickle=False)
        meta = {"params": params, "sha256": _io.sha256_file(path), "shape": list(arr.shape),
                "info": info}
        _io.atomic_write_text(path.with_suffix(".json"), json.dumps(meta, indent=1, sort_keys=True))
    return (arr, info) if return_info else arr


# --------------------------------------------------------------------------
# observables
# --------------------------------------------------------------------------

def _batch(configs, name="configs") -> np.ndarray:
    arr = np.asarray(configs.detach().cpu() if hasattr(configs, "detach") else configs)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[0] == 0 or min(arr.shape[1:]) < 2:
        raise ValueError(f"{name} must have shape (n, L, L) or (L, L) with L >= 2; got {arr.shape}")
    if arr.dtype != np.int8:
        arr = arr.astype(np.int8)
    if np.any(np.abs(arr) != 1):
        raise ValueError(f"{name} must contain only -1 and +1")
    return arr


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


# --------------------------------------------------------------------------
# estimates with error bars
# --------------------------------------------------------------------------

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
    chains = validate.positive_int("chains", chains)
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
    chains = validate.positive_int("chains", chains)
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
    burn_in = n_steps // 4 if burn_in is None else validate.positive_int("burn_in", burn_in, minimum=0)
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


def fit_dynamic_exponent(Ls, taus) -> dict:
    """Least-squares fit of ``tau = A L^z`` on log-log axes; returns ``{"z", "A"}``."""
    Ls = np.asarray(Ls, dtype=np.float64)
    taus = np.asarray(taus, dtype=np.float64)
    if Ls.shape != taus.shape or Ls.size < 2 or np.any(Ls <= 0) or np.any(taus <= 0):
        raise ValueError("Ls and taus must be positive arrays of equal length >= 2")
    z, log_a = np.polyfit(np.log(Ls), np.log(taus), 1)
    return {"z": float(z), "A": float(np.exp(log_a))}


def crossing(x, y1, y2, err1=None, err2=None, degree=3) -> float:
    """Where two sampled curves cross: fit polynomials, return the root of the difference.

    Each curve is fitted by weighted least squares (weights 1/err) with a
    polynomial of ``degree`` (at most len(x) - 1); the root of the difference
    inside [min x, max x] closest to the middle is returned (nan if none).
    Used for Binder-cumulant crossings (Binder 1981).
    """
    x = np.asarray(x, dtype=np.float64)
    deg = min(degree, x.size - 1)
    centre = x.mean()
    w1 = None if err1 is None else 1.0 / np.asarray(err1)
    w2 = None if err2 is None else 1.0 / np.asarray(err2)
    p1 = np.polyfit(x - centre, y1, deg, w=w1)
    p2 = np.polyfit(x - centre, y2, deg, w=w2)
    roots = np.roots(np.polysub(p1, p2))
    real = roots[np.abs(roots.imag) < 1e-9].real + centre
    real = real[(real >= x.min()) & (real <= x.max())]
    if real.size == 0:
        return float("nan")
    return float(real[np.argmin(np.abs(real - centre))])


# --------------------------------------------------------------------------
# block spins
# --------------------------------------------------------------------------

def block_spin(configs, b=2, rule="majority", seed=None):
    """Kadanoff's block-spin transformation of a batch, (n, L, L) -> (n, L/b, L/b).

    ``rule="majority"``: each b x b block becomes the sign of its spin sum; a
    tied block (possible for even b) takes the side of a fair coin drawn from
    ``seed`` (Kadanoff 1966; the majority rule of Niemeijer & van Leeuwen).
    ``rule="decimate"``: each block keeps its top-left spin.
    A single (L, L) configuration gives an (L/b, L/b) one.
    """
    arr = _batch(configs)
    b = validate.positive_int("b", b)
    validate.one_of("rule", rule, ("majority", "decimate"))
    n, rows, cols = arr.shape
    if rows % b or cols % b:
        raise ValueError(f"b must divide the lattice size; got b={b} for {rows}x{cols}")
    if rule == "decimate":
        out = arr[:, ::b, ::b].copy()
    else:
        sums = arr.reshape(n, rows // b, b, cols // b, b).sum(axis=(2, 4), dtype=np.int16)
        out = np.sign(sums).astype(np.int8)
        if b % 2 == 0:
            coins = (_rng(seed).integers(0, 2, size=out.shape, dtype=np.int8) * 2 - 1).astype(np.int8)
            out = np.where(sums == 0, coins, out)
    return out[0] if np.ndim(configs) == 2 else out
