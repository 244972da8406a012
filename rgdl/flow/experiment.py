"""Where does the RBM flow go? Mixture training, flows from both sides, controls.

The experiment of Iso, Shiba & Yokoo (Phys. Rev. E 97, 053304, 2018) with the
exact thermometer of :mod:`rgdl.flow.thermometer`: train a spin RBM on
equilibrium L x L configurations drawn at many temperatures, flow ensembles
started at several temperatures through it (:func:`rgdl.flow.rbm_flow`), and
read every step's temperature from its mean energy. The fixed point ``T*`` is
where the flows from the coldest and the hottest start meet.

Controls (:func:`run_flow` options and :func:`ring_flow`): an RBM trained at one
temperature; a mixture that leaves out the temperatures near T_c; a lattice
whose sites are shuffled by one fixed permutation before training (a fully
connected RBM cannot tell); the 1D ring, where decimation gives the exact RG
flow ``tanh K' = tanh^2 K``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import chain, ising
from ..core import runtime, validate
from ..rbm import RBM, TrainingConfig, fit
from ..rg import decimation_flow
from .dynamics import MAX_STEPS, MODES, rbm_flow
from .thermometer import (NeuralThermometer, Reading, _side, _spins, _temperatures,
                          coupling_of_energy, read_temperature, ring_coupling_from_correlation)

__all__ = [
    "mixture", "train_rbm", "mixture_temperature", "FlowRun", "run_flow", "FixedPoint",
    "fixed_point", "RingFlow", "ring_flow", "data_flow",
]


def mixture(L: int, temperatures, n_per_T: int, seed: int = 0):
    """Equilibrium configurations at each temperature, stacked: ``(x, T)``.

    ``x`` is float32 of shape ``(len(temperatures) * n_per_T, L*L)`` with +/-1
    entries (from :func:`rgdl.ising.dataset`, data seed ``seed``); ``T`` holds
    each row's temperature.
    """
    L = _side(L)
    temps = _temperatures("temperatures", temperatures)
    n_per_T = validate.positive_int("n_per_T", n_per_T, maximum=validate.MAX_ELEMENTS)
    validate.elements("n_per_T", temps.size, n_per_T, L * L, itemsize=5)
    seed = validate.positive_int("seed", seed, minimum=0)
    x = np.stack([ising.dataset(L, 1.0 / t, n_per_T, seed=seed, progress=False) for t in temps])
    return x.reshape(-1, L * L).astype(np.float32), np.repeat(temps, n_per_T)


def train_rbm(x, n_hidden: int, config: TrainingConfig, seed: int = 0) -> RBM:
    """A spin RBM (+/-1 units, float32) with ``n_hidden`` units trained on ``x`` by
    :func:`rgdl.rbm.fit` (CD-k or PCD-k as ``config`` says), no monitors."""
    if not isinstance(config, TrainingConfig):
        raise TypeError(f"config must be a TrainingConfig; got {type(config).__name__}")
    arr = _spins("x", x)
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"x must have shape (n >= 1, n_visible >= 1); got {arr.shape}")
    seed = validate.positive_int("seed", seed, minimum=0)
    rbm = RBM(arr.shape[1], n_hidden, spins=True, seed=seed)
    fit(rbm, x, config, seed=seed, progress=False, monitors=())
    return rbm


def mixture_temperature(L: int, temperatures) -> float:
    """What the exact thermometer reads on the training mixture itself (exact).

    .. math::  \\bar u = \\frac{1}{n_T} \\sum_k u_L(1 / T_k), \\qquad
       T_{mix} = 1 / K, \\; u_L(K) = \\bar u.

    A perfectly trained RBM's sampled flow is a Gibbs chain whose stationary law
    is the mixture itself, so this is where such a flow must end.
    """
    L = _side(L)
    temps = _temperatures("temperatures", temperatures)
    u = float(np.mean(ising.exact_energy(L, L, 1.0 / temps)))
    return 1.0 / ising.coupling_from_energy(L, u)


@dataclass
class FlowRun:
    """One trained RBM and the flows of ensembles started at ``starts`` through it.

    ``reading`` holds arrays of shape ``(len(starts), steps + 1)``; ``T_nn`` the
    neural thermometer's reading of the same ensembles (or None).
    """

    L: int
    n_hidden: int
    seed: int
    train_temperatures: np.ndarray
    starts: np.ndarray
    reading: Reading
    T_nn: np.ndarray | None
    tail: int
    rbm: RBM | None = field(default=None, repr=False)     # the trained machine, for reuse
    perm: np.ndarray | None = field(default=None, repr=False)
    n_per_T: int | None = None

    def _temperature(self, u) -> np.ndarray:
        K = np.asarray(coupling_of_energy(self.L, u))
        with np.errstate(divide="ignore"):
            return 1.0 / K          # K = 0 reads T = inf, K = inf reads T = 0

    @property
    def u_end(self) -> np.ndarray:
        """Each flow's mean energy per site over its last ``tail`` steps."""
        return self.reading.u[:, -self.tail:].mean(axis=1)

    @property
    def T_end(self) -> np.ndarray:
        """The temperature each flow's last ``tail`` steps read (from their mean energy)."""
        return self._temperature(self.u_end)

    @property
    def T_star(self) -> float:
        """Where the flows from the coldest and hottest starts meet: the temperature of
        the mean of their two end energies."""
        u = self.u_end
        mid = 0.5 * (u[np.argmin(self.starts)] + u[np.argmax(self.starts)])
        return float(self._temperature(mid))

    @property
    def gap(self) -> float:
        """End of the hottest start's flow minus the end of the coldest's (0 when they meet)."""
        end = self.T_end
        hot, cold = end[np.argmax(self.starts)], end[np.argmin(self.starts)]
        return 0.0 if hot == cold else float(hot - cold)


#: Largest seed of the experiments (they add offsets up to 3500 to it).
MAX_SEED = 2**63 - 4000


def _check_run(L, n_hidden, train_temperatures, starts, n_per_T, config, n_flow, steps, seed,
               mode, shuffle, thermometer, tail):
    """:func:`run_flow`'s arguments checked at the door (each error names its argument)."""
    L = _side(L)
    validate.positive_int("n_hidden", n_hidden, maximum=validate.MAX_ELEMENTS)
    validate.elements("n_hidden", n_hidden, L * L)
    temps = _temperatures("train_temperatures", train_temperatures)
    starts = _temperatures("starts", starts)
    n_per_T = validate.positive_int("n_per_T", n_per_T, maximum=validate.MAX_ELEMENTS)
    validate.elements("n_per_T", temps.size, n_per_T, L * L, itemsize=5)
    if not isinstance(config, TrainingConfig):
        raise TypeError(f"config must be a TrainingConfig; got {type(config).__name__}")
    n_flow = validate.positive_int("n_flow", n_flow, maximum=validate.MAX_ELEMENTS)
    validate.elements("n_flow", starts.size, n_flow, L * L, itemsize=9)
    tail = validate.positive_int("tail", tail, maximum=MAX_STEPS)
    steps = validate.positive_int("steps", steps, minimum=1, maximum=MAX_STEPS)
    if tail > steps:
        raise ValueError(f"tail must be <= steps; got tail = {tail}, steps = {steps}")
    validate.elements("steps", steps + 1, starts.size, n_flow, L * L, itemsize=10)
    seed = validate.positive_int("seed", seed, minimum=0, maximum=MAX_SEED)
    validate.one_of("mode", mode, MODES)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be a bool; got {type(shuffle).__name__}")
    if thermometer is not None:
        if not isinstance(thermometer, NeuralThermometer):
            raise TypeError("thermometer must be a NeuralThermometer or None; "
                            f"got {type(thermometer).__name__}")
        if thermometer.L != L:
            raise ValueError(f"thermometer reads {thermometer.L} x {thermometer.L} lattices; "
                             f"L = {L}")
    return L, starts, n_flow, steps, seed, tail


def run_flow(L: int, n_hidden: int, train_temperatures, starts, *, n_per_T: int,
             config: TrainingConfig, n_flow: int, steps: int, seed: int = 0,
             mode: str = "sample", shuffle: bool = False,
             thermometer: NeuralThermometer | None = None, tail: int = 5) -> FlowRun:
    """Train a spin RBM on a temperature mixture and flow ensembles from ``starts`` through it.

    The RBM (seed ``seed``) learns ``n_per_T`` configurations at each training
    temperature (data seed ``seed``); ``n_flow`` fresh equilibrium configurations
    at each start temperature (data seed ``seed + 1000``) are flowed ``steps``
    times (:func:`rgdl.flow.rbm_flow`) and every step is read by the exact
    thermometer (and by ``thermometer``, if given). With ``shuffle`` the sites of
    every configuration are permuted by one fixed random permutation before the
    RBM sees them and put back before they are read. Every argument is checked
    before any work (:func:`_check_run`).
    """
    L, starts, n_flow, steps, seed, tail = _check_run(
        L, n_hidden, train_temperatures, starts, n_per_T, config, n_flow, steps, seed, mode,
        shuffle, thermometer, tail)
    x, _ = mixture(L, train_temperatures, n_per_T, seed=seed)
    perm = runtime.rng(seed + 2000).permutation(L * L) if shuffle else np.arange(L * L)
    rbm = train_rbm(x[:, perm], n_hidden, config, seed=seed)
    v0 = np.concatenate([ising.dataset(L, 1.0 / t, n_flow, seed=seed + 1000, progress=False)
                         .reshape(n_flow, L * L) for t in starts])
    flow = rbm_flow(rbm, v0[:, perm], steps, mode=mode, seed=seed + 3000)
    configs = np.empty_like(flow.configs)
    configs[..., perm] = flow.configs                                  # undo the shuffle
    configs = configs.reshape(steps + 1, starts.size, n_flow, L * L).transpose(1, 0, 2, 3)
    reading = read_temperature(configs, L)
    T_nn = None if thermometer is None else thermometer.read(configs)
    return FlowRun(L=L, n_hidden=n_hidden, seed=seed,
                   train_temperatures=np.asarray(train_temperatures, dtype=np.float64),
                   starts=starts, reading=reading, T_nn=T_nn, tail=tail, rbm=rbm, perm=perm,
                   n_per_T=n_per_T)


def data_flow(run: FlowRun, n_flow: int, steps: int, *, mode: str = "sample",
              tail: int = 5) -> FlowRun:
    """Flow the training data at every training temperature through ``run``'s trained RBM.

    The first ``n_flow`` training configurations at each training temperature
    (:func:`mixture`, data seed ``run.seed``: the very data the RBM learned) are
    flowed ``steps`` times (flow seed ``run.seed + 3500``) and read by the exact
    thermometer; nothing is retrained. Returns a :class:`FlowRun` whose ``starts``
    are the training temperatures, so ``T_end`` against ``starts`` shows whether
    every start ends at the same fixed point (Iso, Shiba & Yokoo 2018, Sec. III).
    """
    if not isinstance(run, FlowRun) or run.rbm is None or run.n_per_T is None:
        raise TypeError("run must be a FlowRun from run_flow (holding its trained RBM)")
    n_flow = validate.positive_int("n_flow", n_flow, maximum=run.n_per_T)
    steps = validate.positive_int("steps", steps, minimum=1, maximum=MAX_STEPS)
    tail = validate.positive_int("tail", tail, maximum=steps)
    validate.one_of("mode", mode, MODES)
    L, temps = run.L, run.train_temperatures
    validate.elements("steps", steps + 1, temps.size, n_flow, L * L, itemsize=10)
    x, _ = mixture(L, temps, run.n_per_T, seed=run.seed)
    v0 = x.reshape(temps.size, run.n_per_T, L * L)[:, :n_flow].reshape(-1, L * L)
    perm = run.perm if run.perm is not None else np.arange(L * L)
    flow = rbm_flow(run.rbm, v0[:, perm], steps, mode=mode, seed=run.seed + 3500)
    configs = np.empty_like(flow.configs)
    configs[..., perm] = flow.configs                                  # undo any shuffle
    configs = configs.reshape(steps + 1, temps.size, n_flow, L * L).transpose(1, 0, 2, 3)
    return FlowRun(L=L, n_hidden=run.n_hidden, seed=run.seed, train_temperatures=temps,
                   starts=temps.copy(), reading=read_temperature(configs, L), T_nn=None,
                   tail=tail, rbm=run.rbm, perm=run.perm, n_per_T=run.n_per_T)


@dataclass
class FixedPoint:
    """:func:`run_flow` repeated over seeds: T*, the gap and the end points per seed."""

    runs: list = field(default_factory=list)

    @property
    def T_star(self) -> np.ndarray:
        return np.array([r.T_star for r in self.runs])

    @property
    def gap(self) -> np.ndarray:
        return np.array([r.gap for r in self.runs])

    @property
    def T_end(self) -> np.ndarray:
        """(seeds, starts): where each flow ends."""
        return np.stack([r.T_end for r in self.runs])


def _seeds(seeds) -> list:
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a sequence of ints; got {type(seeds).__name__}")
    seeds = list(seeds)
    if not seeds or len(seeds) > 10_000:
        raise ValueError(f"seeds must hold 1 to 10000 seeds; got {len(seeds)}")
    return [validate.positive_int("seeds[i]", s, minimum=0, maximum=MAX_SEED) for s in seeds]


def fixed_point(seeds, **kwargs) -> FixedPoint:
    """:func:`run_flow` once per seed (an independent data set, RBM and flow per seed)."""
    seeds = _seeds(seeds)
    return FixedPoint(runs=[run_flow(seed=s, **kwargs) for s in seeds])


@dataclass
class RingFlow:
    """RBM flows of the periodic N-spin ring, read as couplings, beside exact decimation.

    ``K_rbm[i, t]`` is the coupling the ring thermometer reads after t RBM steps
    from an ensemble at ``starts[i]``; ``K_dec[i, t]`` the coupling after t exact
    decimations by 2 (``tanh K' = tanh^2 K``).
    """

    N: int
    train_couplings: np.ndarray
    starts: np.ndarray
    K_rbm: np.ndarray
    K_dec: np.ndarray


#: Largest ring of :func:`ring_flow`.
MAX_RING = 1 << 16


def _couplings(name: str, values) -> np.ndarray:
    K = validate.real_array(name, values, ndim=(0, 1)).ravel()
    if K.size < 1:
        raise ValueError(f"{name} must hold at least one coupling")
    return K


def _check_ring(N, n_hidden, train_couplings, starts, n_per_K, config, n_flow, steps, seed):
    """:func:`ring_flow`'s arguments checked at the door (each error names its argument)."""
    N = validate.positive_int("N", N, minimum=3, maximum=MAX_RING)
    validate.positive_int("n_hidden", n_hidden, maximum=validate.MAX_ELEMENTS)
    validate.elements("n_hidden", n_hidden, N)
    Ks, starts = _couplings("train_couplings", train_couplings), _couplings("starts", starts)
    n_per_K = validate.positive_int("n_per_K", n_per_K, maximum=validate.MAX_ELEMENTS)
    validate.elements("n_per_K", Ks.size, n_per_K, N, itemsize=13)
    if not isinstance(config, TrainingConfig):
        raise TypeError(f"config must be a TrainingConfig; got {type(config).__name__}")
    n_flow = validate.positive_int("n_flow", n_flow, maximum=validate.MAX_ELEMENTS)
    validate.elements("n_flow", starts.size, n_flow, N, itemsize=17)
    steps = validate.positive_int("steps", steps, minimum=0, maximum=MAX_STEPS)
    validate.elements("steps", steps + 1, starts.size, n_flow, N, itemsize=9)
    seed = validate.positive_int("seed", seed, minimum=0, maximum=MAX_SEED)
    return N, Ks, starts, n_flow, steps, seed


def ring_flow(N: int, n_hidden: int, train_couplings, starts, *, n_per_K: int,
              config: TrainingConfig, n_flow: int, steps: int, seed: int = 0) -> RingFlow:
    """Train a spin RBM on exact samples of the N-spin ring at several couplings and flow it.

    Training and starting ensembles are exact Boltzmann samples
    (:func:`rgdl.chain.exact_samples`); each flowed ensemble's coupling is read
    from its mean nearest-neighbour correlation g by inverting
    ``g = (t + t^{N-1}) / (1 + t^N)``, ``t = tanh K`` (g below 1e-6 reads as
    g = 1e-6, i.e. K about 1e-6: the disordered fixed point). Arguments are checked
    first (:func:`_check_ring`).
    """
    N, Ks, starts, n_flow, steps, seed = _check_ring(N, n_hidden, train_couplings, starts,
                                                     n_per_K, config, n_flow, steps, seed)
    x = np.concatenate([chain.exact_samples(N, k, n=n_per_K, seed=seed + i)
                        for i, k in enumerate(Ks)]).astype(np.float32)
    rbm = train_rbm(x, n_hidden, config, seed=seed)
    v0 = np.concatenate([chain.exact_samples(N, k, n=n_flow, seed=seed + 1000 + i)
                         for i, k in enumerate(starts)])
    flow = rbm_flow(rbm, v0, steps, seed=seed + 3000)
    s = flow.configs.reshape(steps + 1, starts.size, n_flow, N).astype(np.float64)
    g = (s * np.roll(s, 1, axis=-1)).mean(axis=(-1, -2)).T               # (starts, steps+1)
    K_rbm = ring_coupling_from_correlation(N, np.clip(g, 1e-6, 1 - 1e-12))
    K_dec = np.stack([decimation_flow(k, steps) for k in starts])
    return RingFlow(N=N, train_couplings=Ks, starts=starts, K_rbm=K_rbm, K_dec=K_dec)
