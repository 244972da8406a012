"""The trainings chapter 2 compares: CD-k against persistent CD, and overfitting a small set.

Each function trains small RBMs on the binarised 8x8 digits (16 hidden units by
default, so the exact ``ln Z`` is cheap, :func:`rgdl.rbm.model.log_partition`) for
one or several seeds and returns a small dataclass with the per-epoch histories of
:func:`rgdl.rbm.training.fit` and the numbers the chapter states. One seed fixes
everything random in a run: the training/held-out split, the initial weights and
the training stream; the ensembles of seeds give the spread of each number.

- :func:`compare_trainers`: CD-1, CD-10 and PCD-1 from the same start (Hinton
  2002; Tieleman 2008), scored by the exact held-out log-likelihood.
- :func:`overfitting_run`: CD-1 on a small training set; the held-out likelihood
  peaks and falls while the reconstruction error keeps falling and the
  free-energy gap opens (Hinton 2010, "A practical guide to training RBMs", sec. 6).
- :func:`trained_bars_and_stripes`, :func:`trained_digits`: the two models whose
  ``ln Z`` the chapter estimates by AIS.

Issue #18 adds the mean-field, tempering and bracket experiments:

- :func:`tap_error_sweep` (with :func:`tap_model`, :func:`tap_against_exact`): the TAP
  estimate of ``ln Z`` at orders 1-3 against enumeration over a sweep of weight
  scales, with the fitted error exponents and the scale where an order stops helping.
- :data:`EMF_TRAINERS`: the extended mean-field trainers (Gabrie, Tramel & Krzakala
  2015) for :func:`compare_trainers`.
- :func:`mixing_comparison` (with :func:`bimodal_rbm`, :func:`exact_visible_marginal`,
  :func:`total_variation`): parallel tempering against block Gibbs on a bimodal RBM.
- :func:`bracket_against_exact`, :func:`trained_layer_bracket`: AIS and reverse AIS
  around ``ln Z``, checked by enumeration on small models, as an error bar on a large one.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import time

import numpy as np
import torch

from ..core import runtime
from ..core.validate import (
    elements,
    finite_float,
    positive_float,
    positive_int,
    real_array,
)
from .ais import Bracket, log_partition_bracket
from .datasets import bars_and_stripes, binarized_digits
from .model import MAX_UNITS, RBM, gaussian_rbm, log_partition
from .training import MAX_EPOCHS, TrainingConfig, fit

__all__ = ["TRAINERS", "MONITORS_USED", "TrainerComparison", "compare_trainers",
           "OverfittingRun", "overfitting_run", "trained_bars_and_stripes", "trained_digits",
           "EMF_TRAINERS", "tap_model", "TAPCheck", "tap_against_exact", "TAPSweep", "tap_error_sweep", "bimodal_rbm",
           "exact_visible_marginal", "total_variation", "MixingComparison", "mixing_comparison",
           "BracketCheck", "bracket_against_exact", "LayerBracket", "trained_layer_bracket"]

#: The trainers of the comparison: name -> TrainingConfig fields that define it.
TRAINERS = {"CD-1": {"k": 1}, "CD-10": {"k": 10}, "PCD-1": {"k": 1, "persistent": True}}

#: Monitors every run of this module records (see :data:`rgdl.rbm.training.MONITORS`).
MONITORS_USED = ("recon", "loglik", "free_energy")


def _seeds(seeds) -> tuple[int, ...]:
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a sequence of ints; got {type(seeds).__name__}")
    out = tuple(seeds)
    if not out:
        raise ValueError("seeds must not be empty")
    for s in out:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 0:
            raise ValueError(f"seeds must be non-negative ints; got {s!r}")
    if len(set(out)) != len(out):
        raise ValueError(f"seeds must be distinct; got {out}")
    return tuple(int(s) for s in out)


def _sizes(n_hidden, n_train=None) -> None:
    """Check the hidden layer and the training-set size before any data are read."""
    positive_int("n_hidden", n_hidden, maximum=MAX_UNITS)
    if n_train is not None:
        positive_int("n_train", n_train, maximum=1797)


def _trainers(trainers) -> dict[str, dict]:
    trainers = TRAINERS if trainers is None else trainers
    if not isinstance(trainers, dict) or not trainers:
        raise TypeError("trainers must be a non-empty dict: name -> TrainingConfig fields")
    for name, kw in trainers.items():
        if not isinstance(kw, dict):
            raise TypeError(f"trainers[{name!r}] must be a dict of TrainingConfig fields")
    return dict(trainers)


@dataclasses.dataclass
class TrainerComparison:
    """Histories of several trainers over seeds (:func:`compare_trainers`).

    ``histories[name][i]`` is the :func:`~rgdl.rbm.training.fit` history of
    trainer ``name`` with ``seeds[i]``; ``models[name]`` is its model trained
    with the first seed (for filters and samples).
    """

    seeds: tuple[int, ...]
    histories: dict[str, tuple[dict, ...]]
    models: dict[str, RBM]

    def _runs(self, arg: str, name, key) -> tuple[dict, ...]:
        """The histories of trainer ``name`` after checking ``name`` and ``key``."""
        if not isinstance(name, str) or name not in self.histories:
            raise ValueError(f"{arg} must be one of {sorted(self.histories)}; got {name!r}")
        runs = self.histories[name]
        if not isinstance(key, str) or not all(h.get(key) for h in runs):
            known = sorted(runs[0]) if runs else []
            raise ValueError(f"key must be a recorded quantity, one of {known}; got {key!r}")
        return runs

    def final(self, name: str, key: str = "loglik_heldout") -> list[float]:
        """The last epoch's ``key`` of trainer ``name``, one value per seed."""
        return [float(h[key][-1]) for h in self._runs("name", name, key)]

    def gain(self, name: str, key: str = "loglik_heldout") -> list[float]:
        """Last minus first epoch of ``key`` (the held-out log-likelihood gain), per seed."""
        return [float(h[key][-1] - h[key][0]) for h in self._runs("name", name, key)]

    def difference(self, a: str, b: str, key: str = "loglik_heldout") -> list[float]:
        """``final(a) - final(b)`` per seed: the paired difference of two trainers."""
        fa = [float(h[key][-1]) for h in self._runs("a", a, key)]
        fb = [float(h[key][-1]) for h in self._runs("b", b, key)]
        return [x - y for x, y in zip(fa, fb)]


def compare_trainers(seeds, epochs: int, *, n_hidden: int = 16, trainers=None,
                     lr: float = 0.05, batch_size: int = 20, momentum: float = 0.5,
                     n_train=None) -> TrainerComparison:
    """Train one RBM per trainer and seed on the digits, all from the same start per seed.

    For each seed ``s``: the split ``binarized_digits(seed=s)``, initial weights
    ``RBM(64, n_hidden, seed=s)`` and Hinton's visible biases, the training
    stream seeded with ``s``; the trainers differ only in their CD fields. The
    update follows the CD-k estimate of the likelihood gradient (Hinton 2002),

    .. math::  \\Delta W \\propto \\langle v h^T\\rangle_{\\rm data} - \\langle v h^T\\rangle_{k},

    where the negative statistics come after ``k`` Gibbs steps from the data
    (CD-k) or from persistent chains (PCD, Tieleman 2008). The momentum stays at
    ``momentum`` throughout. Every epoch records the exact held-out log-likelihood,
    reconstruction error and free energies (:data:`MONITORS_USED`).
    """
    seeds, trainers = _seeds(seeds), _trainers(trainers)
    base = TrainingConfig(epochs=epochs, batch_size=batch_size, lr=lr, momentum=momentum,
                          final_momentum=momentum, init_visible_bias=True)
    positive_int("epochs", epochs, maximum=MAX_EPOCHS)
    _sizes(n_hidden, n_train)
    for name, fields in trainers.items():
        try:
            base.replace(**fields)
        except (TypeError, ValueError) as err:
            raise type(err)(f"trainers[{name!r}]: {err}") from None
    histories = {name: [] for name in trainers}
    models = {}
    for seed in seeds:
        train, held = binarized_digits(seed=seed, n_train=n_train)
        for name, fields in trainers.items():
            model = RBM(64, n_hidden, seed=seed)
            hist = fit(model, train, base.replace(**fields), heldout=held,
                       monitors=MONITORS_USED, seed=seed, progress=False)
            histories[name].append(hist)
            models.setdefault(name, model)
    return TrainerComparison(seeds, {k: tuple(v) for k, v in histories.items()}, models)


@dataclasses.dataclass
class OverfittingRun:
    """CD-1 on a small training set, per seed (:func:`overfitting_run`).

    ``peak_epoch``: the epoch of the highest held-out log-likelihood;
    ``heldout_decline``: its drop from the peak to the last epoch (nats);
    ``recon_drop``: the fall of the reconstruction error over the same epochs;
    ``gap_growth``: growth of the free-energy gap ``<H(v)>_held - <H(v)>_train``
    from the first to the last epoch (nats).
    """

    seeds: tuple[int, ...]
    histories: tuple[dict, ...]
    peak_epoch: list[int]
    heldout_decline: list[float]
    recon_drop: list[float]
    gap_growth: list[float]


def overfitting_run(seeds, epochs: int, *, n_train: int = 100, n_hidden: int = 16,
                    lr: float = 0.05, batch_size: int = 10) -> OverfittingRun:
    """Train CD-1 on the first ``n_train`` digits of each seed's split and watch it overfit.

    Hinton's overfitting signal (2010, sec. 6): with ``Z`` cancelling, the ratio
    of the mean likelihoods of the training and held-out sets is

    .. math::  e^{-(\\bar H_{\\rm train} - \\bar H_{\\rm held})},
               \\qquad \\bar H = \\langle H_{\\rm RBM}(v)\\rangle,

    so a growing gap ``H_held - H_train`` means the model prefers the images it
    was trained on. Momentum follows the default schedule of
    :class:`~rgdl.rbm.training.TrainingConfig` (0.5, then 0.9 after 5 epochs).
    """
    seeds = _seeds(seeds)
    positive_int("epochs", epochs, maximum=MAX_EPOCHS)
    config = TrainingConfig(epochs=epochs, batch_size=batch_size, lr=lr, k=1,
                            init_visible_bias=True)
    _sizes(n_hidden, n_train)
    histories, peaks, decline, recon, gap = [], [], [], [], []
    for seed in seeds:
        train, held = binarized_digits(seed=seed, n_train=n_train)
        model = RBM(64, n_hidden, seed=seed)
        h = fit(model, train, config, heldout=held, monitors=MONITORS_USED, seed=seed,
                progress=False)
        peak = int(np.argmax(h["loglik_heldout"]))
        histories.append(h)
        peaks.append(int(h["epoch"][peak]))
        decline.append(float(h["loglik_heldout"][peak] - h["loglik_heldout"][-1]))
        recon.append(float(h["recon"][peak] - h["recon"][-1]))
        gap.append(float(h["free_energy_gap"][-1] - h["free_energy_gap"][0]))
    return OverfittingRun(seeds, tuple(histories), peaks, decline, recon, gap)


def trained_bars_and_stripes(epochs: int, seed: int, *, n_hidden: int = 16, copies: int = 10,
                             k: int = 5) -> tuple[RBM, torch.Tensor]:
    """An RBM trained by CD-k on the 30 4x4 bars-and-stripes images, and its training data.

    The data are the ``2^5 - 2 = 30`` distinct images repeated ``copies`` times;
    minibatches of 10, learning rate 0.05, Hinton's visible biases and default
    momentum schedule. With 16 visible units its ``ln Z`` is exact by enumeration.
    """
    config = TrainingConfig(epochs=epochs, batch_size=10, lr=0.05, k=k, init_visible_bias=True)
    _sizes(n_hidden)
    copies = positive_int("copies", copies, maximum=1 << 24)
    elements("copies * 30 * 16", copies, 30 * 16, itemsize=4)
    data = torch.as_tensor(np.tile(bars_and_stripes(4), (copies, 1)))
    model = RBM(16, n_hidden, seed=seed)
    fit(model, data, config, monitors=(), seed=seed, progress=False)
    return model, data


def trained_digits(n_hidden: int, epochs: int, seed: int) -> tuple[RBM, np.ndarray]:
    """An RBM trained by CD-1 on the digits' training split of ``seed``, and that split.

    The split is ``binarized_digits(seed=seed)``.

    Minibatches of 20, learning rate 0.05, Hinton's visible biases and the
    default momentum schedule (0.5, then 0.9 after 5 epochs).
    """
    config = TrainingConfig(epochs=epochs, batch_size=20, lr=0.05, k=1, init_visible_bias=True)
    _sizes(n_hidden)
    train, _ = binarized_digits(seed=seed)
    model = RBM(64, n_hidden, seed=seed)
    fit(model, train, config, monitors=(), seed=seed, progress=False)
    return model, train


# ------------------------------------------------------------------ issue #18: mean field,
# tempering and brackets of ln Z, the experiments chapter 2 adds

#: EMF trainers (Gabrie, Tramel & Krzakala 2015): the negative phase from the TAP fixed point.
EMF_TRAINERS = {"EMF-2": {"negative": "tap2"}, "EMF-3": {"negative": "tap3"}}


def _sigmas(sigmas) -> np.ndarray:
    if isinstance(sigmas, (str, bytes)) or not hasattr(sigmas, "__iter__"):
        raise TypeError(f"sigmas must be a sequence of weight scales; got {type(sigmas).__name__}")
    out = []
    for s in sigmas:
        if isinstance(s, bool) or not isinstance(s, numbers.Real):
            raise TypeError(f"sigmas must hold real numbers; got {type(s).__name__}")
        if not (0 < s <= 100):  # also refuses NaN
            raise ValueError(f"sigmas must lie in (0, 100]; got {s!r}")
        out.append(float(s))
    if len(out) < 2 or len(set(out)) != len(out):
        raise ValueError(f"sigmas must hold at least 2 distinct scales; got {out}")
    return np.sort(np.asarray(out))


def _scale(name: str, value, allow_zero: bool = False) -> float:
    value = positive_float(name, value, allow_zero=allow_zero)
    if value > 100:
        raise ValueError(f"{name} must be <= 100; got {value}")
    return value


def tap_model(n_visible: int, n_hidden: int, sigma: float, seed: int, *, spins: bool = False,
              bias_scale: float = 0.5) -> RBM:
    """A float64 RBM with ``W = sigma * G`` and biases ``bias_scale * N(0, 1)``.

    .. math::  W_{ij} = \\sigma_W\\, G_{ij},\\quad G_{ij},\\ b_i / s,\\ c_j / s
               \\sim \\mathcal N(0, 1)

    ``G``, ``b`` and ``c`` come from :func:`~rgdl.rbm.model.gaussian_rbm` with
    ``seed``, so for one seed the models of every ``sigma`` differ only by the
    scale of the weights: the weak-coupling expansion is followed along one ray.
    """
    sigma = _scale("sigma", sigma)
    bias_scale = _scale("bias_scale", bias_scale, allow_zero=True)
    rbm = gaussian_rbm(n_visible, n_hidden, spins=spins, scale=1.0, seed=seed)
    rbm.W.mul_(sigma)
    rbm.b.mul_(bias_scale)
    rbm.c.mul_(bias_scale)
    return rbm


@dataclasses.dataclass
class TAPCheck:
    """TAP ``ln Z`` of one RBM at several orders next to the exact value (:func:`tap_against_exact`).

    ``errors[k]``: ``ln Z_TAP - ln Z`` at order ``k`` (nats; ``inf`` if the estimate is not
    finite); ``converged[k]``: whether some fixed point of order ``k`` converged.
    """

    exact: float
    errors: dict[int, float]
    converged: dict[int, bool]


def tap_against_exact(rbm: RBM, orders=(1, 2, 3), *, seed: int = 0, n_starts: int = 10,
                      max_iter: int = 2000) -> TAPCheck:
    """:func:`rgdl.rbm.meanfield.tap_log_partition` at each order against the exact ``ln Z``.

    .. math::  \\Delta_k = \\max_{m^*}\\big[-F_k(m^*)\\big] - \\ln Z

    ``ln Z`` by enumeration (:func:`~rgdl.rbm.model.log_partition`). The small
    fixed-point iterations run on one torch thread (:func:`rgdl.core.runtime.threads_for`):
    on a shared machine the thread pool costs more than such products gain.
    """
    from .meanfield import tap_log_partition
    from .model import check_rbm

    check_rbm(rbm)
    runtime.rng(seed)
    if isinstance(orders, (str, bytes)) or not hasattr(orders, "__iter__") \
            or not 1 <= len(tuple(orders)) <= 3 or not set(orders) <= {1, 2, 3}:
        raise ValueError(f"orders must be distinct orders from 1, 2, 3; got {orders!r}")
    exact = log_partition(rbm)
    errors, converged = {}, {}
    with runtime.threads_for(n_starts * rbm.n_visible * rbm.n_hidden
                             if isinstance(n_starts, int) else 0):
        for order in tuple(orders):
            est = tap_log_partition(rbm, order, n_starts=n_starts, seed=seed, max_iter=max_iter)
            finite = bool(np.isfinite(est.log_z))
            errors[int(order)] = est.log_z - exact if finite else math.inf
            converged[int(order)] = bool(est.converged) and finite
    return TAPCheck(exact, errors, converged)


@dataclasses.dataclass
class TAPSweep:
    """TAP estimates of ``ln Z`` against the exact value over weight scales (:func:`tap_error_sweep`).

    ``errors[o, s, r]``: ``ln Z_TAP - ln Z`` of order ``orders[o]`` at ``sigmas[s]``
    for ``seeds[r]`` (nats); ``converged``: whether the TAP fixed point converged
    there; ``slopes[order]``: slope of ``ln mean|error|`` against ``ln sigma_W`` over
    the ``n_fit`` smallest scales; ``breakdowns[k]``: the smallest scale at which
    order ``k`` is no better than the order below it (mean ``|error|`` over seeds)
    or a fixed point of either failed to converge, ``None`` if that never happens.
    """

    sigmas: np.ndarray
    orders: tuple[int, ...]
    seeds: tuple[int, ...]
    errors: np.ndarray
    converged: np.ndarray
    slopes: dict[int, float]
    breakdowns: dict[int, float | None]
    n_fit: int

    @property
    def breakdown(self) -> float | None:
        """``breakdowns`` of the highest order: where the expansion stops helping."""
        return self.breakdowns[self.orders[-1]]

    def mean_abs_error(self, order: int) -> np.ndarray:
        """Mean over seeds of ``|ln Z_TAP - ln Z|`` for ``order``, one per scale."""
        if order not in self.orders:
            raise ValueError(f"order must be one of {self.orders}; got {order!r}")
        return np.abs(self.errors[self.orders.index(order)]).mean(axis=1)


def _breakdown(mean_abs: np.ndarray, converged: np.ndarray, sigmas: np.ndarray,
               orders: tuple[int, ...]) -> dict[int, float | None]:
    """Per order k > lowest: the first scale where it is no better than the order below."""
    failed = ~converged.all(axis=2)
    out = {}
    for o in range(1, len(orders)):
        bad = np.flatnonzero((mean_abs[o] >= mean_abs[o - 1]) | failed[o] | failed[o - 1])
        out[orders[o]] = float(sigmas[bad[0]]) if bad.size else None
    return out


def tap_error_sweep(sigmas, seeds, *, n_visible: int = 16, n_hidden: int = 8, orders=(1, 2, 3),
                    spins: bool = False, bias_scale: float = 0.5, n_fit: int = 4,
                    n_starts: int = 10, max_iter: int = 2000) -> TAPSweep:
    """TAP ``ln Z`` of orders 1-3 against the exact ``ln Z`` over a sweep of weight scales.

    For every seed and scale the model is :func:`tap_model`; the estimate is
    :func:`rgdl.rbm.meanfield.tap_log_partition` (the Plefka expansion of the Gibbs
    free energy in the couplings, Plefka 1982; Georges & Yedidia 1991; for the RBM
    Gabrie, Tramel & Krzakala 2015, eqs. 4-6), truncated at ``order``,

    .. math::  -\\ln Z \\approx \\min_{m} F_{\\rm TAP}^{(k)}(m) , \\qquad
               \\ln Z - \\ln Z^{(k)}_{\\rm TAP} = O(\\sigma_W^{p_k}),

    and the exact value :func:`~rgdl.rbm.model.log_partition` (enumeration of the
    smaller layer, at most 20 units here). The fitted exponents ``p_k`` are returned
    as :attr:`TAPSweep.slopes` (fit over the ``n_fit`` smallest scales).
    """
    sigmas, seeds = _sigmas(sigmas), _seeds(seeds)
    positive_int("n_visible", n_visible, maximum=4096)
    positive_int("n_hidden", n_hidden, maximum=4096)
    if min(n_visible, n_hidden) > 20:
        raise ValueError(f"n_visible or n_hidden must be <= 20 (exact ln Z); got {n_visible}, "
                         f"{n_hidden}")
    elements("n_visible * n_hidden", n_visible, n_hidden)
    if isinstance(orders, (str, bytes)) or not hasattr(orders, "__iter__") \
            or len(tuple(orders)) < 2 or not set(orders) <= {1, 2, 3} \
            or list(orders) != sorted(set(orders)):
        raise ValueError(f"orders must be increasing, distinct, from 1, 2, 3; got {orders!r}")
    orders = tuple(int(o) for o in orders)
    n_fit = positive_int("n_fit", n_fit, minimum=2, maximum=sigmas.size)
    n_starts = positive_int("n_starts", n_starts, maximum=1 << 16)
    max_iter = positive_int("max_iter", max_iter, maximum=10**6)
    shape = (len(orders), sigmas.size, len(seeds))
    errors, converged = np.zeros(shape), np.zeros(shape, dtype=bool)
    for s, sigma in enumerate(sigmas):
        for r, seed in enumerate(seeds):
            rbm = tap_model(n_visible, n_hidden, float(sigma), seed, spins=spins,
                            bias_scale=bias_scale)
            check = tap_against_exact(rbm, orders, seed=seed, n_starts=n_starts,
                                      max_iter=max_iter)
            errors[:, s, r] = [check.errors[k] for k in orders]
            converged[:, s, r] = [check.converged[k] for k in orders]
    mean_abs = np.abs(errors).mean(axis=2)
    x = np.log(sigmas[:n_fit])
    slopes = {order: float(np.polyfit(x, np.log(np.maximum(mean_abs[o, :n_fit], 1e-300)), 1)[0])
              for o, order in enumerate(orders)}
    return TAPSweep(sigmas, orders, seeds, errors, converged, slopes,
                    _breakdown(mean_abs, converged, sigmas, orders), n_fit)


def bimodal_rbm(n_visible: int = 10, n_hidden: int = 2, *, coupling: float = 1.0,
                tilt: float = 0.05, noise: float = 0.1, seed: int = 0) -> RBM:
    """A small float64 spin RBM with two modes, all visible spins up or all down.

    .. math::  W_{ij} = J\\,(1 + \\epsilon\\, G_{ij}), \\quad b_i = t, \\quad c_j = 0,
               \\qquad H_{\\rm RBM}(v) = -t \\sum_i v_i
               - \\sum_j \\ln 2\\cosh \\sum_i W_{ij} v_i

    Each hidden unit couples ferromagnetically to every visible spin, so the
    visible marginal is a mean-field ferromagnet in its ordered phase when
    ``J n_visible n_hidden`` exceeds the entropy ``n_visible ln 2``: single-spin
    (block Gibbs) moves cross between the modes with a probability of roughly
    ``exp(-barrier)``. The tilt ``t`` gives the modes the weights
    ``e^{+-t n_visible}``, so chains split evenly between them are biased.
    ``G ~ N(0, 1)`` from ``seed`` makes the couplings generic.
    """
    positive_int("n_visible", n_visible, maximum=20)
    positive_int("n_hidden", n_hidden, maximum=20)
    coupling, noise = _scale("coupling", coupling), _scale("noise", noise, allow_zero=True)
    tilt = finite_float("tilt", tilt)
    if abs(tilt) > 100:
        raise ValueError(f"tilt must lie in [-100, 100]; got {tilt}")
    rbm = gaussian_rbm(n_visible, n_hidden, spins=True, scale=1.0, seed=seed)
    rbm.W = coupling * (1.0 + noise * rbm.W)
    rbm.b.fill_(tilt)
    rbm.c.zero_()
    return rbm


def exact_visible_marginal(rbm: RBM) -> np.ndarray:
    """``P(v) = e^{-H_RBM(v)} / Z`` of every visible state, in the order of ``enumerate_states``.

    At most 20 visible units (2^20 states).
    """
    from .model import check_rbm, enumerate_states

    check_rbm(rbm)
    if rbm.n_visible > 20:
        raise ValueError(f"rbm must have at most 20 visible units; got {rbm.n_visible}")
    probe = rbm.copy().to(dtype=torch.float64)
    states = enumerate_states(probe.n_visible, probe.values, device=probe.device)
    log_p = -probe.visible_hamiltonian(states)
    return torch.softmax(log_p, 0).cpu().numpy()


def total_variation(samples, p_exact, values=(0, 1)) -> float:
    """``TV = 1/2 sum_v |P_hat(v) - P(v)|`` of the samples' histogram against ``p_exact``.

    ``samples`` (..., n) of units valued ``values``; ``p_exact`` of length ``2^n``
    in the order of :func:`~rgdl.rbm.model.enumerate_states`.
    """
    from ..core.states import state_index

    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") \
            or tuple(values) not in ((0, 1), (-1, 1)):
        raise ValueError(f"values must be (0, 1) or (-1, 1); got {values!r}")
    x = real_array("samples", samples, min_size=1)
    p = real_array("p_exact", p_exact, ndim=1)
    if x.ndim < 2 or p.size != 2 ** x.shape[-1]:
        raise ValueError(f"samples (..., n) and p_exact (2^n,) do not match: {x.shape}, {p.shape}")
    if not np.isin(x, values).all():
        raise ValueError(f"samples must contain only {tuple(values)}")
    if (p < 0).any() or abs(p.sum() - 1.0) > 1e-6:
        raise ValueError("p_exact must be a probability distribution (non-negative, sum 1)")
    idx = state_index(x.reshape(-1, x.shape[-1]), values=tuple(values))
    counts = np.bincount(idx, minlength=p.size) / idx.size
    return float(0.5 * np.abs(counts - p).sum())


def _autocorrelation_about(x: np.ndarray, mean: float, max_lag: int) -> np.ndarray:
    """rho(t) of chains x (n_steps, n_chains) about the exact ``mean``, averaged over chains.

    Unlike :func:`rgdl.core.stats.autocorrelation`, which centres each chain on
    its own mean, a chain stuck in one mode keeps rho(t) near 1 here.
    """
    n = x.shape[0]
    y = x - mean
    size = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(y, n=size, axis=0)
    acov = np.fft.irfft(f * np.conj(f), n=size, axis=0)[:n].sum(axis=1)
    acov /= (n - np.arange(n)) * x.shape[1]
    if acov[0] <= 0:
        return np.r_[1.0, np.zeros(max_lag)]
    return acov[: max_lag + 1] / acov[0]


@dataclasses.dataclass
class MixingComparison:
    """Parallel tempering against single-chain block Gibbs on one model (:func:`mixing_comparison`).

    Per seed (lists): ``tau_pt``, ``tau_gibbs``: integrated autocorrelation time
    (sweeps) of the visible magnetisation ``mean_i v_i`` at ``beta = 1``, centred on
    its exact mean; ``tau_within_*``: the same from
    :func:`rgdl.core.stats.integrated_autocorr_time`, which centres each chain on its
    own mean and so cannot see a chain stuck in one mode; ``tv_pt``, ``tv_gibbs``:
    total-variation distance of the sampled to the exact visible marginal;
    ``tv_exact``: that of as many independent exact draws (the sampling floor).
    ``swap_rate`` (n_seeds, M - 1) per neighbour pair; ``rho_pt``, ``rho_gibbs``:
    rho(t) for t = 0..max_lag, mean over seeds; ``betas`` the ladder; ``seconds_*``
    the sampling time per seed. A PT sweep costs ``M = len(betas)`` Gibbs sweeps.
    """

    seeds: tuple[int, ...]
    betas: np.ndarray
    n_sweeps: int
    tau_pt: list[float]
    tau_gibbs: list[float]
    tau_within_pt: list[float]
    tau_within_gibbs: list[float]
    tv_pt: list[float]
    tv_gibbs: list[float]
    tv_exact: list[float]
    swap_rate: np.ndarray
    rho_pt: np.ndarray
    rho_gibbs: np.ndarray
    seconds_pt: list[float]
    seconds_gibbs: list[float]

    def tau_ratio(self) -> list[float]:
        """``tau_gibbs / tau_pt`` per seed (in sweeps; divide by M for equal cost)."""
        return [g / p for g, p in zip(self.tau_gibbs, self.tau_pt)]

    def tv_difference(self) -> list[float]:
        """``tv_gibbs - tv_pt`` per seed."""
        return [g - p for g, p in zip(self.tv_gibbs, self.tv_pt)]


def mixing_comparison(rbm: RBM, seeds, *, n_temperatures: int = 10, beta_min: float = 0.3,
                      n_chains: int = 20, n_sweeps: int = 2000, burn_in: int = 200,
                      max_lag: int = 200) -> MixingComparison:
    """Sample ``rbm`` by parallel tempering and by plain block Gibbs, same chains and sweeps.

    Both runs are :func:`rgdl.rbm.tempering.parallel_tempering` with the same
    seed, ``n_chains`` chains from random starts, ``burn_in`` discarded sweeps and
    ``n_sweeps`` kept; plain Gibbs is its ``n_temperatures = 1`` case. PT
    (Swendsen & Wang 1986; Geyer 1991; for RBMs Desjardins et al. 2010) runs
    replicas at ``1 = beta_1 > ... > beta_M = beta_min`` and swaps neighbours with

    .. math::  A = \\min\\{1, e^{(\\beta_k - \\beta_{k+1})(E(x_k) - E(x_{k+1}))}\\},

    so the ``beta = 1`` chain inherits the hot replicas' mixing. Scored by the
    integrated autocorrelation time (Sokal 1996) of ``m = mean_i v_i`` about its
    exact mean and by ``TV = 1/2 sum_v |P_hat(v) - P(v)|`` against the exact
    marginal (:func:`exact_visible_marginal`; at most 16 visible units here).
    """
    from ..core.stats import integrated_autocorr_time, windowed_tau
    from .tempering import parallel_tempering

    seeds = _seeds(seeds)
    from .model import check_rbm, enumerate_states

    check_rbm(rbm)
    if rbm.n_visible > 16:
        raise ValueError(f"rbm must have at most 16 visible units; got {rbm.n_visible}")
    n_temperatures = positive_int("n_temperatures", n_temperatures, minimum=2, maximum=1000)
    n_chains = positive_int("n_chains", n_chains, maximum=1 << 16)
    n_sweeps = positive_int("n_sweeps", n_sweeps, minimum=8, maximum=10**6)
    burn_in = positive_int("burn_in", burn_in, minimum=0, maximum=10**6)
    max_lag = positive_int("max_lag", max_lag, maximum=n_sweeps - 1)
    elements("n_temperatures * n_chains * n_sweeps * n_visible", n_temperatures, n_chains,
             n_sweeps, rbm.n_visible, itemsize=4)
    p = exact_visible_marginal(rbm)
    states = enumerate_states(rbm.n_visible, rbm.values).numpy()
    m_exact = float(p @ states.mean(axis=1))
    gen = np.random.default_rng(list(seeds))
    out = {k: [] for k in ("tau", "within", "tv", "rho", "sec")}
    swap, tv_exact = [], []
    for seed in seeds:
        for m in (n_temperatures, 1):
            run = parallel_tempering(rbm, n_temperatures=m, beta_min=beta_min, n_chains=n_chains,
                                     n_sweeps=n_sweeps, burn_in=burn_in, seed=seed)
            x = run.samples.double().mean(-1).cpu().numpy()
            rho = _autocorrelation_about(x, m_exact, max_lag)
            for key, val in (("tau", windowed_tau(rho)), ("within", integrated_autocorr_time(x)),
                             ("tv", total_variation(run.samples, p, rbm.values)),
                             ("rho", rho), ("sec", run.seconds)):
                out[key].append(val)
            if m > 1:
                swap.append(np.asarray(run.swap_rate, dtype=np.float64))
                betas = np.asarray(run.betas, dtype=np.float64)
        draws = gen.choice(p.size, size=n_sweeps * n_chains, p=p)
        tv_exact.append(float(0.5 * np.abs(np.bincount(draws, minlength=p.size)
                                           / draws.size - p).sum()))
    pt, gb = slice(0, None, 2), slice(1, None, 2)
    return MixingComparison(seeds, betas, n_sweeps, out["tau"][pt], out["tau"][gb],
                            out["within"][pt], out["within"][gb], out["tv"][pt], out["tv"][gb],
                            tv_exact, np.stack(swap), np.mean(out["rho"][pt], axis=0),
                            np.mean(out["rho"][gb], axis=0), out["sec"][pt], out["sec"][gb])


@dataclasses.dataclass(frozen=True)
class BracketCheck(Bracket):
    """A :class:`rgdl.rbm.ais.Bracket` of one RBM with the exact ``ln Z`` where it is known.

    ``lower`` (AIS, below ``ln Z`` in expectation) and ``upper`` (reverse AIS, above it
    for exact starts) with their standard errors, as in the bracket; ``exact`` is
    ``None`` for models too large to enumerate.
    """

    exact: float | None = None

    @property
    def outside(self) -> float:
        """How far the exact ``ln Z`` lies outside ``[lower, upper]``, in standard errors.

        ``max(0, (lower - exact) / se_lower, (exact - upper) / se_upper)``; 0 when
        the bracket holds it. A zero standard error counts as 1e-12 nats.
        """
        if self.exact is None:
            raise ValueError("exact ln Z is not known for this model")
        below = (self.lower - self.exact) / max(self.lower_stderr, 1e-12)
        above = (self.exact - self.upper) / max(self.upper_stderr, 1e-12)
        return float(max(0.0, below, above))

    @property
    def lower_error(self) -> float:
        """``lower - exact``: the AIS error alone (nats)."""
        if self.exact is None:
            raise ValueError("exact ln Z is not known for this model")
        return self.lower - self.exact

    @property
    def lower_sigmas(self) -> float:
        """``|lower - exact|`` in AIS standard errors (as :attr:`rgdl.rbm.ais.AISCheck.sigmas`)."""
        err = self.lower_error
        if self.lower_stderr > 0:
            return abs(err) / self.lower_stderr
        return 0.0 if err == 0 else math.inf


def _bracket(rbm: RBM, start, n_runs: int, n_betas: int, seed, base, exact) -> BracketCheck:
    br = log_partition_bracket(rbm, start, n_runs=n_runs, n_betas=n_betas, seed=seed, base=base)
    return BracketCheck(**dataclasses.asdict(br), exact=exact)


def bracket_against_exact(rbm: RBM, n_runs: int = 100, n_betas: int = 10000, seed: int = 0,
                          base=None, *, exact=None) -> BracketCheck:
    """AIS and reverse AIS (from exact draws) of an enumerable RBM, next to its exact ``ln Z``.

    .. math::  \\mathbb E[\\ln \\hat Z_{\\rm AIS}] \\le \\ln Z \\le
               \\mathbb E[\\ln \\hat Z_{\\rm RAISE}]

    (Salakhutdinov & Murray 2008; Burda, Grosse & Salakhutdinov 2015, sec. 3):
    Jensen's inequality on unbiased estimates of ``Z`` and of ``1/Z``. The reverse
    chains start at ``n_runs`` exact samples of the model
    (:func:`rgdl.rbm.ais.exact_samples`), the case where the upper bound is proven.
    The lower end is the number :func:`rgdl.rbm.ais.ais_against_exact` gives with
    the same arguments (:func:`rgdl.rbm.ais.log_partition_bracket`). ``exact`` skips
    the enumeration of ``ln Z`` when it is already known.
    """
    from .model import check_rbm

    check_rbm(rbm)
    runtime.rng(seed)
    n_runs = positive_int("n_runs", n_runs, minimum=2, maximum=1 << 20)
    exact = log_partition(rbm) if exact is None else finite_float("exact", exact)
    return _bracket(rbm, None, n_runs, n_betas, seed, base, exact)


@dataclasses.dataclass
class LayerBracket:
    """A briefly trained large RBM and the AIS / reverse AIS bracket of its ``ln Z``.

    ``bracket``: the :class:`BracketCheck` (``exact`` is ``None``); ``epochs``,
    ``chain_steps``: training epochs and the Gibbs steps from the data that made
    the reverse chains' starts; ``train_seconds``; ``rbm``: the trained model.
    """

    rbm: RBM
    bracket: BracketCheck
    epochs: int
    chain_steps: int
    train_seconds: float


def trained_layer_bracket(data, n_hidden: int, settings: dict, *, seed: int = 0,
                          n_runs: int = 50, n_betas: int = 1000,
                          chain_steps: int = 100) -> LayerBracket:
    """Train ``RBM(n_visible, n_hidden)`` on ``data`` with ``settings``, then bracket its ``ln Z``.

    ``settings`` are :class:`~rgdl.rbm.training.TrainingConfig` fields (e.g.
    ``dict(rgdl.dbn.PAPER_SETTINGS, epochs=5)``, chapter 5's first layer). The
    lower end is AIS from the data's base rates; the upper end is reverse AIS
    started from ``n_runs`` states after ``chain_steps`` block-Gibbs steps from
    training images: approximate model samples, so the upper end is a bound only
    as far as those chains have equilibrated (Burda et al. 2015, sec. 4.2).

    .. math::  \\text{width} = \\ln \\hat Z_{\\rm RAISE} - \\ln \\hat Z_{\\rm AIS}
    """
    if not isinstance(settings, dict):
        raise TypeError(f"settings must be a dict of TrainingConfig fields; got "
                        f"{type(settings).__name__}")
    try:
        config = TrainingConfig(**settings)
    except TypeError as err:
        raise TypeError(f"settings: {err}") from None
    n_runs = positive_int("n_runs", n_runs, minimum=2, maximum=1 << 20)
    chain_steps = positive_int("chain_steps", chain_steps, maximum=10**5)
    positive_int("n_hidden", n_hidden, maximum=MAX_UNITS)
    runtime.rng(seed)
    x = torch.as_tensor(real_array("data", data, ndim=2), dtype=torch.float32)
    if x.shape[0] < n_runs:
        raise ValueError(f"data must have shape (n >= n_runs = {n_runs}, n_visible); got "
                         f"{tuple(x.shape)}")
    elements("n_visible * n_hidden", x.shape[1], n_hidden)
    rbm = RBM(x.shape[1], n_hidden, seed=seed)
    t0 = time.perf_counter()
    fit(rbm, x, config, monitors=(), seed=seed, progress=False)
    train_seconds = time.perf_counter() - t0
    start = rbm.sample(n_runs, chain_steps, seed=seed, v0=x[:n_runs])
    bracket = _bracket(rbm, start, n_runs, n_betas, seed, x, None)
    return LayerBracket(rbm, bracket, config.epochs, chain_steps, train_seconds)
