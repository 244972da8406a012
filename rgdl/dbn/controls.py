"""Controls of the block-spin experiment that can fail, the network at K_c, likelihood per layer.

Chapter 5 tests two pictures of what a DBN trained on Ising configurations does: **RG**
(each layer a Kadanoff block-spin step, blocks of side ``b = 2^l`` at layer ``l``) and
**copy** (the network stores the data's correlations; what looks like a block is a domain
of the data). Each function here turns one control into numbers over an ensemble of
seeds (:func:`rgdl.dbn.ensemble`), so that each picture's prediction can be checked:

- :func:`correlation_scan`: field sizes per layer across couplings with known exact
  correlation length ``xi`` -> :class:`CorrelationScan`. RG: size set by the layer, not by
  ``xi``; copy: size follows ``xi``.
- :func:`aspect_ratios`: ``R_x / R_y`` of the fields per layer (data with ``K_x != K_y``).
  RG's square blocks: 1; copy: the correlations' aspect ``xi_x / xi_y``.
- :func:`untrained_upper_layers`, :func:`untrained_control`: the trained first layer with
  random upper layers of the trained norms -> :class:`~rgdl.dbn.experiment.LocalityTable`.
  Is deep locality made by training the upper layers, or by multiplying layer-1 fields?
- :func:`critical_summary`: Binder cumulant per layer and the decay of hidden-hidden
  correlations for networks trained at ``K_c`` -> :class:`CriticalSummary`.
- :func:`likelihood_summary`: held-out log-likelihood per spin per depth (AIS and the
  Salakhutdinov-Murray bound) against the exact entropy bound -> :class:`LikelihoodSummary`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import torch

from .. import ising
from ..core import runtime
from ..core.validate import positive_float, positive_int
from ..rbm import RBM
from . import criticality, likelihood, locality
from .experiment import (BlockSpinRun, Ensemble, LocalityTable, _check_seed, layer_localization,
                         locality_table)
from .stack import DBN

__all__ = ["correlation_scan", "CorrelationScan", "aspect_ratios", "untrained_upper_layers",
           "untrained_control", "critical_summary", "CriticalSummary", "likelihood_summary",
           "LikelihoodSummary"]


def _check_runs(runs) -> list[BlockSpinRun]:
    if isinstance(runs, BlockSpinRun):
        return [runs]
    if isinstance(runs, (str, bytes, dict)) or not hasattr(runs, "__iter__"):
        raise TypeError(f"runs must be a sequence of BlockSpinRun; got {type(runs).__name__}")
    runs = list(runs)
    if not runs or not all(isinstance(r, BlockSpinRun) for r in runs):
        raise TypeError("runs must be a non-empty sequence of BlockSpinRun")
    return runs


# --------------------------------------------------------------- correlation-length scan
@dataclass
class CorrelationScan:
    """Field sizes of every layer at several couplings (returned by :func:`correlation_scan`).

    ``K`` and ``xi`` (exact infinite-lattice correlation length,
    :func:`rgdl.ising.correlation_length`; ``inf`` at ``K_c``) have one entry per coupling,
    in increasing ``K``; ``radius``, ``core`` and ``ratio`` have shape
    ``(n_seeds, n_K, n_layers)``: the median radius of gyration of the fields (the runs'
    weights), the median core radius (weights ``|r|^core_power``) and the locality ratio.
    """

    L: int
    names: list
    K: np.ndarray
    xi: np.ndarray
    radius: np.ndarray
    core: np.ndarray
    ratio: np.ndarray

    def _size(self, what: str) -> np.ndarray:
        if what not in ("radius", "core", "ratio"):
            raise ValueError(f"what must be 'radius', 'core' or 'ratio'; got {what!r}")
        return getattr(self, what)

    def slope(self, layer: int, what: str = "radius") -> np.ndarray:
        """Per seed, the least-squares slope of ``ln size`` against ``ln xi`` at layer ``layer``.

        .. math::  \\ln R^{(l)}(K) = a + s\\,\\ln\\xi(K)
                   \\quad (\\text{finite } \\xi \\text{ only}),

        ``s = 0``: size independent of ``xi``; ``s = 1``: size proportional to ``xi``.
        """
        layer = positive_int("layer", layer, maximum=self.radius.shape[2])
        finite = np.isfinite(self.xi)
        if finite.sum() < 2:
            raise ValueError("slope needs at least two couplings with finite xi")
        x = np.log(self.xi[finite])
        y = np.log(self._size(what)[:, finite, layer - 1])
        xc = x - x.mean()
        return (y - y.mean(axis=1, keepdims=True)) @ xc / (xc @ xc)

    def growth(self, what: str = "radius") -> np.ndarray:
        """Per seed and coupling, last layer's size over layer 1's, ``(n_seeds, n_K)``."""
        size = self._size(what)
        return size[:, :, -1] / size[:, :, 0]


def correlation_scan(ens, *, core_power=8.0) -> CorrelationScan:
    """Field sizes per layer, coupling and seed from an ensemble whose runs differ in ``K``.

    Every named run of ``ens`` must have one isotropic coupling ``K`` (the same for all
    its seeds) and the same ``L``; they are sorted by ``K``. Sizes come from
    :func:`rgdl.dbn.locality_table` (median radius with the runs' weights, median core
    radius with ``|r|^core_power``, locality ratio against shuffled twins).
    """
    if not isinstance(ens, Ensemble):
        raise TypeError(f"ens must be an Ensemble; got {type(ens).__name__}")
    Ks, Ls = {}, set()
    for name, runs in ens.runs.items():
        ks = {r.K for r in runs}
        if len(ks) != 1 or isinstance(next(iter(ks)), tuple):
            raise ValueError(f"ens: run {name!r} must have one isotropic K over its seeds")
        Ks[name] = ks.pop()
        Ls.update(r.L for r in runs)
    if len(Ls) != 1:
        raise ValueError(f"ens: every run must have the same L; got {sorted(Ls)}")
    names = sorted(Ks, key=Ks.get)
    tables = [[locality_table(r, core_power=core_power) for r in ens.runs[n]] for n in names]
    size = {key: np.array([[getattr(t[i], key) for t in tables]
                           for i in range(len(ens.seeds))])
            for key in ("median", "core_median", "ratio")}
    K = np.array([Ks[n] for n in names])
    return CorrelationScan(L=Ls.pop(), names=names, K=K, xi=ising.correlation_length(K),
                           radius=size["median"], core=size["core_median"], ratio=size["ratio"])


# ---------------------------------------------------------------------------- anisotropy
def aspect_ratios(run, *, power=None) -> np.ndarray:
    """Median aspect ratio ``R_x / R_y`` of each layer's fields.

    The radii along each axis come from :func:`rgdl.dbn.locality.axis_radii`:

    .. math::  A^{(l)} = \\exp\\, \\mathrm{median}_j \\ln \\frac{R_x(r_j^{(l)})}{R_y(r_j^{(l)})},

    with weights ``|r|^power`` (default: the power the run's fields were measured with).
    1 for square blocks; the exact correlations of the anisotropic lattice
    have ``xi_x / xi_y`` (:func:`rgdl.ising.correlation_lengths`).
    """
    if not isinstance(run, BlockSpinRun):
        raise TypeError(f"run must be a BlockSpinRun; got {type(run).__name__}")
    power = run.localization[0]["power"] if power is None else positive_float("power", power)
    out = []
    for entry in run.localization:
        radii = locality.axis_radii(entry["images"], power)
        with np.errstate(divide="ignore"):
            log_aspect = np.log(radii[:, 1]) - np.log(radii[:, 0])
        log_aspect = log_aspect[np.isfinite(log_aspect)]
        out.append(float(np.exp(np.median(log_aspect))) if log_aspect.size else float("nan"))
    return np.array(out)


# ------------------------------------------------------------------ untrained upper layers
def untrained_upper_layers(dbn, *, seed=0) -> DBN:
    """The first layer of ``dbn`` with random upper layers of the trained layers' norms.

    Layer ``l >= 2`` gets ``R^(l) = ||W^(l)||_F G / ||G||_F``, ``G`` i.i.d. standard
    normal (seed ``seed``), and the trained biases. The effective fields are then
    ``W^(1) R^(2) ... R^(l)``: random mixtures of the trained layer-1 fields.
    """
    if not isinstance(dbn, DBN):
        raise TypeError(f"dbn must be a DBN; got {type(dbn).__name__}")
    gen = runtime.torch_generator(_check_seed("seed", seed))
    rbms = [dbn.rbms[0]]
    for trained in dbn.rbms[1:]:
        W = trained.W.detach().cpu()
        G = torch.randn(W.shape, generator=gen, dtype=W.dtype)
        layer = RBM(trained.n_visible, trained.n_hidden, spins=trained.spins, dtype=W.dtype)
        layer.W = (G * (W.norm() / G.norm())).to(trained.W.device)
        layer.b, layer.c = trained.b.clone(), trained.c.clone()
        rbms.append(layer)
    return DBN(rbms, config=dict(dbn.config, untrained_upper=True))


def untrained_control(run, *, seed=0, core_power=8.0) -> LocalityTable:
    """:func:`rgdl.dbn.locality_table` of ``run`` with its upper layers made random.

    The network is :func:`untrained_upper_layers` of ``run.dbn``; the fields are measured
    exactly as for the trained network (same weights power, windows and baselines).
    """
    if not isinstance(run, BlockSpinRun):
        raise TypeError(f"run must be a BlockSpinRun; got {type(run).__name__}")
    net = untrained_upper_layers(run.dbn, seed=seed)
    power = run.localization[0]["power"]
    windows = [e.get("window") for e in run.localization]
    loc = layer_localization(net, power=power, window=windows, permutation=run.permutation,
                             baseline_seed=run.seed, L=run.L)
    twin = dataclasses.replace(run, dbn=net, localization=loc)
    return locality_table(twin, core_power=core_power)


# --------------------------------------------------------------------------- criticality
@dataclass
class CriticalSummary:
    """Binder cumulants and correlation decay of networks trained at ``K_c`` (one row per seed).

    ``binder`` ``(n_seeds, n_layers)``: each layer's sign-fixed, centred hidden
    magnetization (:func:`rgdl.dbn.layer_binder`); ``lattice`` ``(n_seeds,)`` and
    ``blocks`` ``(n_seeds, len(block_sizes))``: the same held-out configurations and their
    majority-rule block spins; ``exponent`` and ``exponent_se``
    ``(n_seeds, len(decay_layers))``: the fitted decay ``C(r) ~ r^(-p)`` of hidden-hidden
    correlations against field-centre distance (:func:`rgdl.dbn.hidden_correlations`) for
    the layers in ``decay_layers``. ``u_star`` = 0.61069 and ``eta`` = 1/4 are the exact
    values they face.
    """

    L: int
    block_sizes: tuple
    decay_layers: tuple
    binder: np.ndarray
    binder_se: np.ndarray
    lattice: np.ndarray
    blocks: np.ndarray
    exponent: np.ndarray
    exponent_se: np.ndarray
    u_star: float = criticality.BINDER_STAR
    eta: float = criticality.ETA


def _decay_layers(decay_layers, n_layers: int) -> tuple:
    if decay_layers is None:
        return tuple(range(1, n_layers + 1))
    if isinstance(decay_layers, (str, bytes)) or not hasattr(decay_layers, "__iter__"):
        raise TypeError(f"decay_layers must be a sequence of ints; got "
                        f"{type(decay_layers).__name__}")
    return tuple(positive_int("decay_layers", l, maximum=n_layers) for l in decay_layers)


def critical_summary(runs, *, blocks=(2, 4, 8), decay_layers=None,
                     r_max=None) -> CriticalSummary:
    """:class:`CriticalSummary` of runs trained at the critical coupling, on their held-out data.

    Binder's cumulant ``U = 1 - <m^4> / 3 <m^2>^2`` of every layer and of block spins at
    each ``b`` in ``blocks`` (Binder 1981), and for each layer in ``decay_layers`` (default
    all) the exponent of ``C(r) ~ A r^(-p)`` fitted over ``1 <= r <= r_max`` (default
    ``L / 2``, the largest distance on the torus), to be set beside ``eta = 1/4`` (the
    lattice's own ``G(r) ~ r^(-1/4)``, which a critical coarse-graining keeps). A layer
    with too few units for three positive distance bins raises ``ValueError``.
    """
    runs = _check_runs(runs)
    Ls = {r.L for r in runs}
    if len(Ls) != 1:
        raise ValueError(f"runs must share one L; got {sorted(Ls)}")
    L = Ls.pop()
    decay_layers = _decay_layers(decay_layers, min(r.dbn.n_layers for r in runs))
    r_max = L / 2 if r_max is None else positive_float("r_max", r_max)
    rows = {key: [] for key in ("binder", "binder_se", "lattice", "blocks", "exp", "exp_se")}
    for i, run in enumerate(runs):
        table = criticality.layer_binder(run.dbn, run.heldout_spins, blocks=blocks, seed=i)
        rows["binder"].append(table.layers)
        rows["binder_se"].append(table.layers_se)
        rows["lattice"].append(table.lattice)
        rows["blocks"].append(table.blocks_U)
        fits = [_decay(run, layer, r_max) for layer in decay_layers]
        rows["exp"].append([f.exponent for f in fits])
        rows["exp_se"].append([f.stderr for f in fits])
    a = {key: np.array(v, dtype=np.float64).reshape(len(runs), -1) for key, v in rows.items()}
    return CriticalSummary(L=L, block_sizes=tuple(table.blocks), decay_layers=decay_layers,
                           binder=a["binder"], binder_se=a["binder_se"],
                           lattice=a["lattice"][:, 0], blocks=a["blocks"], exponent=a["exp"],
                           exponent_se=a["exp_se"])


def _decay(run: BlockSpinRun, layer: int, r_max: float) -> criticality.DecayFit:
    """The fitted decay of ``layer``'s hidden correlations over ``1 <= r <= r_max``."""
    corr = criticality.hidden_correlations(run.dbn, run.heldout_spins, layer)
    try:
        return corr.fit(r_min=1.0, r_max=r_max)
    except ValueError as err:
        raise ValueError(f"decay_layers: layer {layer} of run seed={run.seed} has too few "
                         f"positive correlation bins to fit a decay ({err})") from None


# ---------------------------------------------------------------------- likelihood
@dataclass
class LikelihoodSummary:
    """Held-out log-likelihood per spin by depth, one row per seed (:func:`likelihood_summary`).

    ``per_spin`` ``(n_seeds, n_depths)``: depth 1 the AIS estimate of ``ln p(v) / N``,
    deeper the Salakhutdinov-Murray lower bound; ``se`` its standard error over the
    held-out rows and posterior draws, ``log_z_se`` that of the AIS ``ln Z`` divided by
    ``N``; ``entropy`` = ``S / N`` of the exact finite torus: no model's expected
    ``ln p / N`` can exceed ``-S / N`` (Gibbs' inequality).
    """

    L: int
    K: float
    depths: tuple
    per_spin: np.ndarray
    se: np.ndarray
    log_z_se: np.ndarray
    entropy: float
    seconds: float

    @property
    def excess(self) -> np.ndarray:
        """``per_spin + S/N``: must be <= 0 up to the estimates' errors, ``(n_seeds, n_depths)``."""
        return self.per_spin + self.entropy


def likelihood_summary(runs, *, n_runs=100, n_betas=10000, n_samples=10,
                       seed=0) -> LikelihoodSummary:
    """:func:`rgdl.dbn.likelihood_per_layer` of every run on its held-out configurations.

    Each run's AIS uses ``n_runs`` chains and ``n_betas`` temperatures (Salakhutdinov &
    Murray 2008), the bound ``n_samples`` posterior draws per row; run ``i`` uses seed
    ``seed + i``. The runs must share ``L`` and an isotropic ``K``, which fix the exact
    entropy ``S / N`` (:func:`rgdl.dbn.ising_entropy_per_spin`).
    """
    runs = _check_runs(runs)
    seed = _check_seed("seed", seed)
    if len({(r.L, r.K) for r in runs}) != 1 or isinstance(runs[0].K, tuple):
        raise ValueError("runs must share one L and one isotropic K")
    tables = [likelihood.likelihood_per_layer(run.dbn, run.heldout_spins, K=run.K,
                                              n_samples=n_samples, n_runs=n_runs,
                                              n_betas=n_betas, seed=seed + i)
              for i, run in enumerate(runs)]
    rows = [t.layers for t in tables]
    n = runs[0].L ** 2
    return LikelihoodSummary(
        L=runs[0].L, K=runs[0].K, depths=tuple(x.n_layers for x in rows[0]),
        per_spin=np.array([[x.per_spin for x in r] for r in rows]),
        se=np.array([[math.hypot(x.se_data, x.se_samples) for x in r] for r in rows]),
        log_z_se=np.array([[x.log_z_stderr / n for x in r] for r in rows]),
        entropy=float(tables[0].entropy_per_spin),
        seconds=float(sum(x.seconds for r in rows for x in r)))
