"""Training an RBM by CD-k, persistent CD, EMF or PT-PCD, with monitors and checkpoints.

The update is stochastic gradient ascent on the mean log-likelihood with the
CD-k estimate of its gradient (Hinton 2002; Hinton 2010, "A practical guide to
training RBMs", secs. 3, 9-10):

.. math::
   \\Delta W \\leftarrow \\mu \\Delta W + \\eta\\Big(\\langle v\\, \\bar h^T\\rangle_{data}
   - \\langle v\\, \\bar h^T\\rangle_{k} - \\lambda_2 W - \\lambda_1 \\operatorname{sign} W\\Big),
   \\qquad W \\leftarrow W + \\Delta W,

and likewise for the biases (no decay), where ``h-bar = E[h | v]`` and the
negative statistics come from ``k`` block-Gibbs steps started at the data
(CD-k) or from persistent chains carried across updates (PCD, Tieleman 2008).
The momentum ``mu`` follows Hinton's schedule: ``momentum`` for the first
``momentum_switch`` epochs, then ``final_momentum``.

Two other negative phases replace the Gibbs chains (``TrainingConfig.negative``):
the extended mean field of Gabrie, Tramel & Krzakala (2015), whose model moments
are derivatives of the TAP free energy at persistent magnetisations
(:mod:`rgdl.rbm.meanfield`), and persistent chains under parallel tempering
(PT-PCD, Desjardins et al. 2010; :mod:`rgdl.rbm.tempering`).

The inner loop is written for speed: every buffer is allocated once, matrix
products go through ``addmm`` with ``out=`` or in place (the momentum scaling
is folded into the gradient product), and units are sampled by comparing one
uniform draw per unit with its probability.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from ..core import runtime
from ..core.io import load_checked, save_checked
from ..core.runtime import threads_for
from ..core.validate import boolean, one_of, positive_float, positive_int, torch_device
from . import meanfield
from .graphs import LoopGraph, graphs_wanted
from .ais import ais_log_partition, base_rate_biases
from .model import (MAX_GIBBS_STEPS, RBM, _check_data, _pseudo_log_likelihood,
                    _reconstruction_error, check_rbm, log_likelihood,
                    log_partition)
from .tempering import MAX_TEMPERATURES, _sweep_, temperature_ladder

__all__ = ["fit", "TrainingConfig", "TrainingState", "run_epoch", "save_checkpoint",
           "load_checkpoint", "MONITORS", "HYPERPARAMETERS", "RUN_SETTINGS", "run_settings",
           "MAX_EPOCHS", "MAX_LR", "TrainingDiverged", "NEGATIVE_PHASES"]

#: Most epochs one run accepts (a bound on the time a call can take).
MAX_EPOCHS = 10**6

#: Largest learning rate (and L1/L2 penalty) accepted: beyond it CD diverges at once.
MAX_LR = 100.0

#: Largest minibatch, monitor subset and checkpoint interval.
MAX_BATCH = 1 << 24


class TrainingDiverged(FloatingPointError, ValueError):
    """Training produced non-finite parameters (the message names the learning rate ``lr``)."""

#: The negative phases :class:`TrainingConfig` accepts (its field ``negative``).
NEGATIVE_PHASES = ("gibbs", "tap2", "tap3", "tempering")

#: Names accepted in ``fit(..., monitors=...)``.
MONITORS = ("recon", "pll", "free_energy", "loglik")

#: Largest smaller layer for which the ``loglik`` monitor uses the exact ln Z.
EXACT_MONITOR_UNITS = 20

_CHECKPOINT_VERSION = 1


def _check_path(name: str, path) -> Path:
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise TypeError(f"{name} must be a non-empty str or Path; got {path!r}")
    return Path(path)


def save_checkpoint(path, state: dict) -> Path:
    """Write a training state (tensors and plain values only) atomically, with its hash sidecar."""
    path = _check_path("path", path)
    if not isinstance(state, dict):
        raise TypeError("state must be a dict of tensors and plain values; "
                        f"got {type(state).__name__}")
    return save_checked(path, state)


def load_checkpoint(path, device="cpu") -> dict:
    """Read a state written by :func:`save_checkpoint`, checked against its sidecar.

    ``weights_only=True``: no pickle is ever loaded. A damaged file raises
    :class:`rgdl.core.io.CorruptFileError` (a ``ValueError``) in one line; a
    missing one ``FileNotFoundError``.
    """
    path = _check_path("path", path)
    device = torch_device("device", device)
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r}: no such checkpoint")
    return load_checked(path, map_location=device)


def _check_config(config) -> "TrainingConfig":
    if not isinstance(config, TrainingConfig):
        raise TypeError(f"config must be a TrainingConfig; got {type(config).__name__}")
    return config


def _check_epoch(epoch) -> int:
    return positive_int("epoch", epoch, minimum=0)


def _check_run(rbm, x, config) -> None:
    """The arguments :class:`TrainingState` and :func:`run_epoch` share: an RBM, its data
    as a checked tensor (see :func:`fit`) and a config."""
    check_rbm(rbm)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor (the data as fit checks them); "
                        f"got {type(x).__name__}")
    if x.dim() != 2 or x.shape[1] != rbm.n_visible or x.shape[0] < 1 \
            or x.dtype != rbm.dtype or x.device != rbm.device:
        raise ValueError(f"x must be a non-empty ({rbm.n_visible}-column) tensor of the "
                         f"rbm's dtype and device; got {tuple(x.shape)} {x.dtype} {x.device}")
    _check_config(config)


def _check_monitors(monitors) -> tuple:
    if isinstance(monitors, (str, bytes)) or not hasattr(monitors, "__iter__"):
        raise TypeError(f"monitors must be a sequence of names from {MONITORS} or callables; "
                        f"got {type(monitors).__name__}")
    monitors = tuple(monitors)
    for m in monitors:
        if not callable(m) and not (isinstance(m, str) and m in MONITORS):
            raise ValueError(f"monitors: unknown monitor {m!r}; use callables or {MONITORS}")
    return monitors


#: The settings that define a run, stored in its checkpoint and compared on resume.
RUN_SETTINGS = ("lr", "momentum", "final_momentum", "momentum_switch", "weight_decay", "l1",
                "lr_schedule", "sample_visible", "init_visible_bias", "binary", "matmul_dtype",
                "negative", "n_temperatures", "beta_min", "tap_iterations", "tap_damping")


def run_settings(config: "TrainingConfig", seed) -> dict:
    """Plain values of :data:`RUN_SETTINGS` and the seed (``None`` when not an int)."""
    _check_config(config)
    if not isinstance(seed, np.random.Generator):
        runtime.rng(seed)  # refuses a negative or non-integer seed, naming it
    out = {}
    for name in RUN_SETTINGS:
        value = getattr(config, name)
        if name == "lr_schedule" and callable(value):
            value = "callable"
        elif name == "lr_schedule" and value is not None:
            value = list(value)
        elif name == "matmul_dtype" and value is not None:
            value = str(value)
        out[name] = value
    out["seed"] = int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) \
        else None
    return out


def check_resume(path, saved: dict, wanted: dict, epochs_done: int, epochs: int) -> None:
    """Refuse to resume ``path`` with other settings, naming each difference."""
    diff = [f"{k}={saved.get(k)!r} (now {v!r})" for k, v in wanted.items()
            if k in saved and saved[k] != v and not (k == "seed" and (v is None or saved[k] is None))]
    if epochs_done > epochs:
        diff.append(f"{epochs_done} epochs done (now epochs={epochs})")
    if diff:
        raise ValueError(f"checkpoint {path} was made with " + ", ".join(diff)
                         + "; pass restart=True to start afresh, or use another path")


def _act_(x: torch.Tensor, spins: bool) -> torch.Tensor:
    """In place: field -> E[unit | field] (sigmoid for 0/1 units, tanh for spins)."""
    return x.tanh_() if spins else x.sigmoid_()


class _Stream:
    """The training run's random numbers: one seeded stream, saved in checkpoints.

    On the CPU, uniforms come from numpy's PCG64 written straight into the torch
    buffer (about 1.6x faster than ``torch.rand``'s Mersenne twister here); on
    other devices (or half precision) from a torch generator on that device.
    """

    def __init__(self, seed: int, device: torch.device, dtype: torch.dtype):
        self.np = np.random.Generator(np.random.PCG64(seed))
        self.use_numpy = device.type == "cpu" and dtype in (torch.float32, torch.float64)
        self.np_dtype = np.float32 if dtype == torch.float32 else np.float64
        self.torch = torch.Generator(device=device)
        self.torch.manual_seed(seed)
        self.device = device

    def uniform_(self, u: torch.Tensor) -> torch.Tensor:
        if self.use_numpy:
            self.np.random(out=u.numpy(), dtype=self.np_dtype)
        else:
            torch.rand(u.shape, generator=self.torch, dtype=u.dtype, device=u.device, out=u)
        return u

    def permutation(self, n: int) -> torch.Tensor:
        return torch.from_numpy(self.np.permutation(n)).to(self.device)

    def integers(self, n: int, size: int) -> torch.Tensor:
        return torch.from_numpy(self.np.integers(0, n, size=size)).to(self.device)

    def state(self) -> dict:
        return {"numpy": json.dumps(self.np.bit_generator.state), "torch": self.torch.get_state()}

    def set_state(self, state: dict) -> None:
        """Restore :meth:`state`. A generator's state is a CPU ``ByteTensor`` on every
        device (a CUDA generator refuses one moved to the GPU), whatever ``map_location``
        a checkpoint was loaded with."""
        self.np.bit_generator.state = json.loads(state["numpy"])
        self.torch.set_state(state["torch"].to(device="cpu", dtype=torch.uint8))


def _sample_(out: torch.Tensor, mean: torch.Tensor, spins: bool, stream: _Stream,
             scratch: torch.Tensor | None = None) -> torch.Tensor:
    """In place: fill ``out`` with a sample of units whose means are ``mean``.

    One uniform draw per unit compared with the probability: ``u < p`` (0/1),
    or ``2u - 1 < m`` giving +/-1 (spins, with P(+1) = (1 + m) / 2). The
    uniforms are drawn into ``out`` itself, or into ``scratch`` (full precision)
    when ``out`` has a low-precision dtype.
    """
    u = stream.uniform_(out if scratch is None else scratch)
    if spins:
        u.mul_(2).sub_(1).lt_(mean).mul_(2).sub_(1)
    else:
        u.lt_(mean)
    if scratch is not None:
        out.copy_(u)
    return out


def _check_fingerprint(fingerprint) -> None:
    if not isinstance(fingerprint, (list, tuple)) or len(fingerprint) != 3 \
            or not all(isinstance(f, float) and np.isfinite(f) for f in fingerprint):
        raise TypeError("fingerprint must be the 3 finite floats of the data's fingerprint; "
                        f"got {fingerprint!r}"[:200])


def _data_fingerprint(x: torch.Tensor) -> list[float]:
    col = torch.arange(1, x.shape[1] + 1, dtype=torch.float64, device=x.device)
    row = torch.arange(1, x.shape[0] + 1, dtype=torch.float64, device=x.device)
    xd = x.double()
    return [float(x.shape[0]), float(xd.sum()), float(row @ (xd @ col))]


class _Monitor:
    """Evaluates the per-epoch monitors on fixed subsets of the training and held-out data."""

    def __init__(self, rbm, x, heldout, monitors, size, base_seed):
        """``x`` and ``heldout`` (or None) as already checked by :func:`fit`."""
        self.names = []
        self.callables = []
        for m in monitors:
            if callable(m):
                self.callables.append(m)
            elif m in MONITORS:
                self.names.append(m)
            else:
                raise ValueError(f"monitors: unknown monitor {m!r}; use callables or {MONITORS}")
        self.base_seed = base_seed
        gen = torch.Generator(device="cpu").manual_seed(base_seed + 7919)
        n = x.shape[0]
        idx = torch.randperm(n, generator=gen)[: min(n, size)].to(x.device)
        self.train = x.index_select(0, idx)
        self.train_full = x
        self.heldout = heldout
        self.exact = min(rbm.n_visible, rbm.n_hidden) <= EXACT_MONITOR_UNITS

    def __call__(self, rbm, epoch: int) -> dict:
        seed = (self.base_seed * 1_000_003 + epoch) % (2**62)  # independent of the training stream
        out = {}
        if "recon" in self.names:
            out["recon"] = _reconstruction_error(rbm, self.train, seed)
        if "pll" in self.names:
            out["pll"] = _pseudo_log_likelihood(rbm, self.train, seed + 1)
        if "free_energy" in self.names:
            ft = float(rbm.visible_hamiltonian(self.train).double().mean())
            out["free_energy_train"] = ft
            if self.heldout is not None:  # Hinton 2010, sec. 6: the overfitting signal
                fh = float(rbm.visible_hamiltonian(self.heldout).double().mean())
                out["free_energy_heldout"] = fh
                out["free_energy_gap"] = fh - ft
        if "loglik" in self.names:
            if self.exact:
                log_z, err = log_partition(rbm), 0.0
            else:
                log_z, err = ais_log_partition(rbm, n_runs=100, n_betas=2000, seed=seed + 2,
                                               base=self.train_full)
            out["log_z"], out["log_z_stderr"] = log_z, err
            out["loglik_train"] = log_likelihood(rbm, self.train, log_z)
            if self.heldout is not None:
                out["loglik_heldout"] = log_likelihood(rbm, self.heldout, log_z)
        for fn in self.callables:
            value = fn(rbm)
            if isinstance(value, dict):
                out.update({str(k): float(v) for k, v in value.items()})
            else:
                out[getattr(fn, "__name__", "monitor")] = float(value)
        return out



def _bounded(name: str, value, allow_zero: bool = True) -> float:
    """A finite rate or penalty in [0, :data:`MAX_LR`] ((0, MAX_LR] without ``allow_zero``)."""
    value = positive_float(name, value, allow_zero=allow_zero)
    if value > MAX_LR:
        raise ValueError(f"{name} must be <= {MAX_LR:g}; got {value}")
    return value


def _fraction(name: str, value) -> float:
    value = positive_float(name, value, allow_zero=True)
    if value >= 1:
        raise ValueError(f"{name} must be in [0, 1); got {value}")
    return value


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """The hyperparameters of one CD/PCD training run, validated once, spelled once.

    :func:`fit` builds one from its keyword arguments; :func:`rgdl.dbn.train`
    builds one per layer (a value, or one value per layer). Field meanings are
    below. Constructing a config checks every value and raises ``TypeError``/
    ``ValueError`` naming the field. Sizes no run can finish are refused up front:
    ``epochs <= MAX_EPOCHS`` (10^6), ``k <= MAX_GIBBS_STEPS`` (10^5), ``lr``, its
    schedule, ``weight_decay`` and ``l1 <= MAX_LR`` (100), ``batch_size``,
    ``monitor_size`` and ``checkpoint_every <= 2^24``.

    Parameters
    ----------
    epochs : int
        Total number of passes over the (reshuffled) data.
    batch_size, lr, k :
        Minibatch size, learning rate ``eta``, Gibbs steps per update.
    persistent : bool
        PCD: ``batch_size`` persistent fantasy chains (Tieleman 2008). As in
        scikit-learn's ``BernoulliRBM``, a chain's state includes its hidden
        sample, drawn from ``P(h | v_chain)`` with the parameters before each
        update, so PCD-1 costs the same five matrix products as CD-1.
    momentum, final_momentum, momentum_switch :
        ``mu`` for epochs ``< momentum_switch``, then ``final_momentum``.
    weight_decay, l1 :
        L2 (``lambda_2``) and L1 (``lambda_1``) penalties on ``W``
        (Mehta & Schwab used ``l1=2e-4``).
    lr_schedule : callable ``epoch -> lr`` or a sequence of per-epoch rates, optional
    sample_visible : bool
        Sample the visible units of the negative phase (default, needed by PCD);
        ``False`` uses their probabilities for CD (Hinton 2010, sec. 3.2).
    init_visible_bias : bool
        Start from Hinton's ``b_i = ln(p_i / (1 - p_i))`` (``atanh`` of the mean
        for spins), ``p_i`` the data mean clipped to [0.001, 0.999].
    binary : bool
        Require 0/1 (+/-1) data (default). ``False`` also accepts values in [0, 1]
        ([-1, 1]), read as unit means: Hinton & Salakhutdinov's DBN code trained
        upper layers on the hidden probabilities of the layer below.
    matmul_dtype : torch dtype, optional
        Mixed precision: run the matrix products and unit updates in this dtype
        (``torch.bfloat16``: about twice the fp32 matmul rate on CPUs with
        AVX512-BF16 or AMX) while the parameters, their velocities and the
        uniforms for sampling stay in ``rbm.dtype``. Default: ``rbm.dtype``.
    monitor_size, checkpoint_every : int
        Rows the monitors evaluate; epochs between checkpoints.
    negative : str, one of :data:`NEGATIVE_PHASES`
        Where the negative statistics come from. ``"gibbs"``: CD-k / PCD-k as
        above. ``"tap2"``, ``"tap3"``: extended mean field (EMF; Gabrie, Tramel &
        Krzakala 2015): ``batch_size`` persistent magnetisations, moved by
        ``tap_iterations`` damped TAP fixed-point sweeps per update, give
        ``<v h^T> ~= -dF/dW`` of the order-2/3 TAP free energy
        (:func:`rgdl.rbm.meanfield.tap_moments`). ``"tempering"``: PT-PCD
        (Desjardins et al. 2010): ``batch_size`` persistent chains at each of
        ``n_temperatures`` inverse temperatures (:func:`rgdl.rbm.tempering.temperature_ladder`
        down to ``beta_min``), ``k`` :func:`rgdl.rbm.tempering.tempering_sweep_`
        calls per update (alternating the swap parity), the negative phase from
        the ``beta = 1`` replicas. Both are persistent by construction, so they
        take ``persistent=False`` (the flag belongs to ``"gibbs"``), sample the
        visible units and run in ``rbm.dtype`` (no ``matmul_dtype``).
    n_temperatures, beta_min :
        The tempering ladder (``"tempering"`` only).
    tap_iterations, tap_damping :
        Damped fixed-point sweeps per update and their damping
        ``m <- damping * m + (1 - damping) * new`` (``"tap2"``/``"tap3"`` only).

    Examples
    --------
    >>> cfg = TrainingConfig(epochs=10, lr=0.05)
    >>> cfg.replace(l1=2e-4).l1
    0.0002
    """

    epochs: int
    batch_size: int = 100
    lr: float = 0.1
    k: int = 1
    persistent: bool = False
    momentum: float = 0.5
    final_momentum: float = 0.9
    momentum_switch: int = 5
    weight_decay: float = 0.0
    l1: float = 0.0
    lr_schedule: object = None
    sample_visible: bool = True
    init_visible_bias: bool = False
    binary: bool = True
    matmul_dtype: object = None
    monitor_size: int = 1000
    checkpoint_every: int = 1
    negative: str = "gibbs"
    n_temperatures: int = 10
    beta_min: float = 0.5
    tap_iterations: int = 3
    tap_damping: float = 0.5

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        put("epochs", positive_int("epochs", self.epochs, minimum=0, maximum=MAX_EPOCHS))
        put("k", positive_int("k", self.k, maximum=MAX_GIBBS_STEPS))
        for name in ("batch_size", "monitor_size", "checkpoint_every"):
            put(name, positive_int(name, getattr(self, name), maximum=MAX_BATCH))
        put("momentum_switch", positive_int("momentum_switch", self.momentum_switch, minimum=0))
        put("lr", _bounded("lr", self.lr, allow_zero=False))
        for name in ("momentum", "final_momentum"):
            put(name, _fraction(name, getattr(self, name)))
        for name in ("weight_decay", "l1"):
            put(name, _bounded(name, getattr(self, name)))
        for name in ("persistent", "sample_visible", "init_visible_bias", "binary"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name} must be a bool; got {type(getattr(self, name)).__name__}")
            put(name, bool(getattr(self, name)))
        if self.persistent and not self.sample_visible:
            raise ValueError("sample_visible=False is only valid for CD (persistent=False)")
        if self.lr_schedule is not None and not callable(self.lr_schedule):
            sched = self.lr_schedule
            if isinstance(sched, (str, bytes)) or not hasattr(sched, "__iter__"):
                raise TypeError("lr_schedule must be None, a callable or a sequence of rates; "
                                f"got {type(sched).__name__}")
            put("lr_schedule", tuple(_bounded("lr_schedule entry", v) for v in sched))
        md = self.matmul_dtype
        if md is not None and md not in (torch.bfloat16, torch.float16, torch.float32, torch.float64):
            raise ValueError(f"matmul_dtype must be a floating torch dtype; got {md!r}")
        self._check_negative(put)

    def _check_negative(self, put) -> None:
        """Validate the negative-phase fields (see the class docstring)."""
        if not isinstance(self.negative, str):
            raise TypeError(f"negative must be a str, one of {NEGATIVE_PHASES}; "
                            f"got {type(self.negative).__name__}")
        one_of("negative", self.negative, NEGATIVE_PHASES)
        put("n_temperatures", positive_int("n_temperatures", self.n_temperatures,
                                           maximum=MAX_TEMPERATURES))
        put("beta_min", positive_float("beta_min", self.beta_min))
        temperature_ladder(self.n_temperatures, self.beta_min)  # refuses beta_min >= 1, naming it
        put("tap_iterations", positive_int("tap_iterations", self.tap_iterations,
                                           maximum=meanfield.MAX_TAP_ITER))
        put("tap_damping", _fraction("tap_damping", self.tap_damping))
        if self.negative != "gibbs":
            for name, ok in (("persistent", not self.persistent),
                             ("sample_visible", self.sample_visible),
                             ("matmul_dtype", self.matmul_dtype is None)):
                if not ok:
                    raise ValueError(f"{name}={getattr(self, name)!r} applies only to "
                                     f"negative='gibbs'; negative={self.negative!r} is "
                                     "persistent, samples visible units, runs in rbm.dtype")

    def replace(self, **changes) -> "TrainingConfig":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def momentum_at(self, epoch: int) -> float:
        """Hinton's schedule: ``momentum`` before ``momentum_switch`` epochs, then ``final_momentum``."""
        epoch = _check_epoch(epoch)
        return self.momentum if epoch < self.momentum_switch else self.final_momentum

    def lr_at(self, epoch: int) -> float:
        """The learning rate of ``epoch``: ``lr``, or the schedule's entry."""
        epoch = _check_epoch(epoch)
        schedule = self.lr_schedule
        if schedule is None:
            return self.lr
        if callable(schedule):
            value = schedule(epoch)
        else:
            if epoch >= len(schedule):
                raise ValueError(f"lr_schedule has {len(schedule)} entries; epoch {epoch} needs one")
            value = schedule[epoch]
        return _bounded(f"lr_schedule({epoch})", value)


#: The fields of :class:`TrainingConfig`, the hyperparameters of a run.
HYPERPARAMETERS = tuple(f.name for f in dataclasses.fields(TrainingConfig))



@dataclasses.dataclass
class TrainingState:
    """Everything a run carries from epoch to epoch besides the parameters in the RBM.

    Velocities ``vW, vb, vc`` (momentum), the persistent chains (PCD), the
    random stream, the history and the number of finished epochs; ``phase``
    holds the state of the other negative phases (``"mv"``, ``"mh"``: EMF's
    persistent magnetisations; ``"chains"`` (M, batch, n_visible), ``"sweeps"``,
    ``"accepted"``, ``"attempted"``: PT-PCD's replicas, sweep count and this
    epoch's swap tally). It writes
    itself to a checkpoint (:meth:`save`) and reads one back (:meth:`load`),
    refusing a checkpoint made with another shape, data or chain layout.
    """

    base_seed: int
    stream: _Stream
    vW: torch.Tensor
    vb: torch.Tensor
    vc: torch.Tensor
    chain: torch.Tensor | None
    chain_h: torch.Tensor | None
    history: dict
    epoch: int = 0
    phase: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def fresh(cls, rbm: RBM, x: torch.Tensor, config: TrainingConfig, seed) -> "TrainingState":
        """A new run: seeded stream, zero velocities, PCD chains at random training rows."""
        _check_run(rbm, x, config)
        base_seed = int(runtime.rng(seed).integers(0, 2**62))
        dt, dev = rbm.dtype, rbm.device
        gen = _Stream(base_seed, dev, dt)
        if config.init_visible_bias:
            rbm.b = base_rate_biases(x, rbm.spins).to(dtype=dt, device=dev)
        chain = chain_h = None
        if config.persistent:
            B = config.batch_size
            chain = x.index_select(0, gen.integers(x.shape[0], B)).clone()
            field = torch.addmm(rbm.c, chain, rbm.W)
            chain_h = _sample_(torch.empty(B, rbm.n_hidden, dtype=dt, device=dev),
                               _act_(field, rbm.spins), rbm.spins, gen)
        history = {"epoch": [], "lr": [], "momentum": [], "time": []}
        return cls(base_seed, gen, torch.zeros_like(rbm.W), torch.zeros_like(rbm.b),
                   torch.zeros_like(rbm.c), chain, chain_h, history,
                   phase=_fresh_phase(rbm, x, config, gen))

    @staticmethod
    def _shape(rbm: RBM, x: torch.Tensor, config: TrainingConfig) -> dict:
        return {"n_visible": rbm.n_visible, "n_hidden": rbm.n_hidden,
                "batch_size": config.batch_size, "k": config.k,
                "persistent": config.persistent, "spins": rbm.spins, "n_data": x.shape[0]}

    @classmethod
    def load(cls, path, rbm: RBM, x, config: TrainingConfig, fingerprint,
             seed=None) -> "TrainingState":
        """Resume from ``path`` into ``rbm`` (its parameters are overwritten).

        The file is read on the CPU (a generator state must stay a CPU
        ``ByteTensor``, even for a CUDA generator) and moved to ``rbm.device``.
        Raises ``ValueError`` naming every setting that differs from the
        checkpoint's (see :func:`check_resume`).
        """
        _check_run(rbm, x, config)
        _check_fingerprint(fingerprint)
        dt, dev = rbm.dtype, rbm.device
        state = load_checkpoint(path, device="cpu")
        if state.get("version") != _CHECKPOINT_VERSION:
            raise ValueError(f"checkpoint {path} has an unknown format version")
        check_resume(path, state.get("settings", {}), run_settings(config, seed),
                     int(state["epoch"]), config.epochs)
        for key, value in cls._shape(rbm, x, config).items():
            if state["config"].get(key) != value:
                raise ValueError(f"checkpoint {path} was made with {key}="
                                 f"{state['config'].get(key)!r}, not {value!r}")
        if state["fingerprint"] != list(fingerprint):
            raise ValueError(f"checkpoint {path} was made with different data "
                             "(its fingerprint differs)")
        rbm.load_state_dict(state["rbm"])
        base_seed = int(state["base_seed"])
        gen = _Stream(base_seed, dev, dt)
        gen.set_state(state["generator"])
        vW, vb, vc = (state[name].to(dtype=dt, device=dev) for name in ("vW", "vb", "vc"))
        chain = chain_h = None
        if config.persistent:
            chain = state["chain"].to(dtype=dt, device=dev)
            chain_h = state["chain_h"].to(dtype=dt, device=dev)
        history = {key: list(val) for key, val in state["history"].items()}
        phase = _loaded_phase(path, state.get("phase", {}), rbm, config)
        return cls(base_seed, gen, vW, vb, vc, chain, chain_h, history, int(state["epoch"]), phase)

    def save(self, path, rbm: RBM, x, config: TrainingConfig, fingerprint, buffers,
             seed=None) -> None:
        """Write the state after ``self.epoch`` epochs atomically (chains from ``buffers``)."""
        _check_run(rbm, x, config)
        _check_fingerprint(fingerprint)
        if not isinstance(buffers, _Buffers):
            raise TypeError(f"buffers must be the run's _Buffers; got {type(buffers).__name__}")
        save_checkpoint(path, {
            "version": _CHECKPOINT_VERSION, "config": self._shape(rbm, x, config),
            "settings": run_settings(config, seed),
            "epoch": self.epoch, "fingerprint": list(fingerprint), "base_seed": self.base_seed,
            "rbm": rbm.state_dict(), "vW": self.vW, "vb": self.vb, "vc": self.vc,
            "chain": buffers.vneg.clone() if config.persistent else torch.zeros(0),
            "chain_h": buffers.hs.clone() if config.persistent else torch.zeros(0),
            "generator": self.stream.state(), "history": self.history,
            "phase": {k: v.clone() if isinstance(v, torch.Tensor) else v
                      for k, v in self.phase.items()},
        })



def _fresh_phase(rbm: RBM, x: torch.Tensor, config: TrainingConfig, stream: _Stream) -> dict:
    """The starting state of an EMF or PT-PCD negative phase (empty for Gibbs).

    EMF: magnetisations at ``batch_size`` random training rows and the naive
    mean-field hidden means there. PT-PCD: ``batch_size`` random training rows
    at every temperature.
    """
    B, spins = config.batch_size, rbm.spins
    if config.negative in ("tap2", "tap3"):
        mv = x.index_select(0, stream.integers(x.shape[0], B)).clone()
        return {"mv": mv, "mh": _act_(torch.addmm(rbm.c, mv, rbm.W), spins)}
    if config.negative == "tempering":
        M = config.n_temperatures
        rows = x.index_select(0, stream.integers(x.shape[0], M * B))
        return {"chains": rows.reshape(M, B, rbm.n_visible).clone(), "sweeps": 0,
                "accepted": 0.0, "attempted": 0.0}
    return {}


def _loaded_phase(path, saved: dict, rbm: RBM, config: TrainingConfig) -> dict:
    """A checkpoint's negative-phase state, checked against the config, on the rbm's device."""
    want = {"tap2": {"mv": (config.batch_size, rbm.n_visible),
                     "mh": (config.batch_size, rbm.n_hidden)},
            "tempering": {"chains": (config.n_temperatures, config.batch_size, rbm.n_visible)}}
    shapes = want.get("tap2" if config.negative == "tap3" else config.negative, {})
    if not isinstance(saved, dict) or any(
            not isinstance(saved.get(k), torch.Tensor) or tuple(saved[k].shape) != shape
            for k, shape in shapes.items()):
        raise ValueError(f"checkpoint {path} holds no {config.negative!r} negative-phase state "
                         f"of the expected shape (made with another negative?)")
    return {k: v.to(dtype=rbm.dtype, device=rbm.device) if isinstance(v, torch.Tensor) else v
            for k, v in saved.items()}


class _Buffers:
    """Preallocated tensors of the inner loop, in the compute dtype.

    Rows [0, B) of ``V``/``H`` hold the data phase and rows [B, 2B) the negative
    phase, so the gradient <v h>_data - <v h>_model is one product ``V^T H``
    with ``H``'s lower half negated. Under mixed precision the parameters and
    data have low-precision copies and the uniforms stay in full precision.
    """

    def __init__(self, rbm: RBM, x: torch.Tensor, config: TrainingConfig, state: TrainingState):
        dt, dev = rbm.dtype, rbm.device
        B, nv, nh = config.batch_size, rbm.n_visible, rbm.n_hidden
        self.mixed = config.matmul_dtype is not None and config.matmul_dtype != dt
        compute_dtype = config.matmul_dtype if self.mixed else dt
        kw = {"dtype": compute_dtype, "device": dev}
        self.V, self.H = torch.empty(2 * B, nv, **kw), torch.empty(2 * B, nh, **kw)
        self.v0, self.vneg = self.V[:B], self.V[B:]
        self.ph0, self.phneg = self.H[:B], self.H[B:]
        self.hs = torch.empty(B, nh, **kw)   # sampled hidden units
        self.pv = torch.empty(B, nv, **kw)   # visible means / uniforms
        self.sv, self.sh = torch.empty(nv, **kw), torch.empty(nh, **kw)
        self.sgn = torch.empty_like(rbm.W) if config.l1 > 0 else None
        if self.mixed:
            self.x = x.to(compute_dtype)
            self.W, self.b, self.c = rbm.W.to(compute_dtype), rbm.b.to(compute_dtype), rbm.c.to(compute_dtype)
            self.G = torch.empty(nv, nh, **kw)
            self.uh = torch.empty(B, nh, dtype=dt, device=dev)
            self.uv = torch.empty(B, nv, dtype=dt, device=dev)
        else:
            self.x, self.W, self.b, self.c = x, rbm.W, rbm.b, rbm.c
            self.G = self.uh = self.uv = None
        if config.persistent:
            self.vneg.copy_(state.chain)
            self.hs.copy_(state.chain_h)
        self.Wt = self.W.T
        self.perm = torch.empty(x.shape[0], dtype=torch.long, device=dev)  # static: graphs read it
        self.loops: dict = {}  # (momentum, lr) -> LoopGraph, on CUDA

    def written(self, rbm: RBM, state: "TrainingState") -> list[torch.Tensor]:
        """Every tensor a minibatch update writes whose value outlives it."""
        own = [self.V, self.H, self.hs, self.pv, self.sv, self.sh]
        own += [t for t in (self.sgn, self.G, self.uh, self.uv) if t is not None]
        if self.mixed:
            own += [self.W, self.b, self.c]
        return own + [rbm.W, rbm.b, rbm.c, state.vW, state.vb, state.vc]


def _negative_phase(buf: _Buffers, rbm: RBM, config: TrainingConfig, stream: _Stream,
                    p0: torch.Tensor, m: int):
    """k Gibbs steps from the data (CD) or the persistent chains (PCD); returns (vn, pn, n_neg)."""
    spins, B, persistent = rbm.spins, config.batch_size, config.persistent
    cur, n_neg = (None, B) if persistent else (p0, m)
    vn = buf.vneg if n_neg == B else buf.vneg[:n_neg]
    pn = buf.phneg if n_neg == B else buf.phneg[:n_neg]
    hb = buf.hs if n_neg == B else buf.hs[:n_neg]
    pb = buf.pv if n_neg == B else buf.pv[:n_neg]
    for step in range(config.k):
        if step or not persistent:  # PCD's chains carry their hidden sample over
            _sample_(hb, cur, spins, stream, None if buf.uh is None else buf.uh[:n_neg])
        # visible means: into pb to be sampled, or straight into vn (Hinton's CD with
        # visible probabilities)
        _act_(torch.addmm(buf.b, hb, buf.Wt, out=pb if config.sample_visible else vn), spins)
        if config.sample_visible:
            _sample_(vn, pb, spins, stream, None if buf.uv is None else buf.uv[:n_neg])
        _act_(torch.addmm(buf.c, vn, buf.W, out=pn), spins)
        cur = pn
    return vn, pn, n_neg


def _apply_update(buf: _Buffers, rbm: RBM, config: TrainingConfig, state: TrainingState,
                  d0, p0, vn, pn, m: int, n_neg: int, mom: float, eta: float) -> None:
    """Momentum step of W, b, c with the gradient and penalties folded into the products."""
    W, b, c = rbm.W, rbm.b, rbm.c
    vW, vb, vc = state.vW, state.vb, state.vc
    B = config.batch_size
    if m == B and n_neg == B:
        pn.neg_()
        if buf.mixed:
            vW.mul_(mom).add_(torch.mm(buf.V.T, buf.H, out=buf.G), alpha=eta / B)
        else:
            vW.addmm_(buf.V.T, buf.H, beta=mom, alpha=eta / B)
        pn.neg_()
    elif buf.mixed:
        vW.mul_(mom).add_(torch.mm(d0.T, p0, out=buf.G), alpha=eta / m)
        vW.add_(torch.mm(vn.T, pn, out=buf.G), alpha=-eta / n_neg)
    else:
        vW.addmm_(d0.T, p0, beta=mom, alpha=eta / m)
        vW.addmm_(vn.T, pn, alpha=-eta / n_neg)
    if config.weight_decay:
        vW.add_(W, alpha=-eta * config.weight_decay)
    if config.l1:
        vW.add_(torch.sign(W, out=buf.sgn), alpha=-eta * config.l1)
    if rbm.mask is not None:
        vW.mul_(rbm.mask)
    W.add_(vW)
    vb.mul_(mom).add_(torch.sum(d0, 0, out=buf.sv), alpha=eta / m)
    vb.add_(torch.sum(vn, 0, out=buf.sv), alpha=-eta / n_neg)
    b.add_(vb)
    vc.mul_(mom).add_(torch.sum(p0, 0, out=buf.sh), alpha=eta / m)
    vc.add_(torch.sum(pn, 0, out=buf.sh), alpha=-eta / n_neg)
    c.add_(vc)


def _tap_phase(rbm: RBM, config: TrainingConfig, state: TrainingState):
    """EMF: ``tap_iterations`` damped TAP sweeps of the persistent magnetisations, then
    the moments ``(<v h^T>, <v>, <h>)`` of :func:`rgdl.rbm.meanfield.tap_moments`."""
    order = 2 if config.negative == "tap2" else 3
    mv, mh = state.phase["mv"], state.phase["mh"]
    meanfield._sweeps_(rbm.W, rbm.b, rbm.c, mv, mh, order, rbm.spins, config.tap_damping,
                       config.tap_iterations, track=False)
    return meanfield._moments_of(rbm.W, mv, mh, order, rbm.spins)


def _tempering_phase(buf: _Buffers, rbm: RBM, config: TrainingConfig, state: TrainingState):
    """PT-PCD: ``k`` tempering sweeps of the persistent replicas (alternating the swap
    parity); the ``beta = 1`` replicas and their hidden means go to ``buf.vneg``/``buf.phneg``."""
    phase, M = state.phase, config.n_temperatures
    betas = phase.get("betas")
    if betas is None:
        betas = phase["betas"] = temperature_ladder(M, config.beta_min).to(rbm.dtype)
    for _ in range(config.k):
        parity = phase["sweeps"] % 2 if M > 2 else 0  # with two replicas only pair 0 exists
        accepted = _sweep_(rbm, phase["chains"], betas, state.stream.uniform_, parity)
        phase["sweeps"] += 1
        phase["accepted"] += float(accepted.sum())
        phase["attempted"] += len(range(parity, M - 1, 2)) * config.batch_size
    buf.vneg.copy_(phase["chains"][0])
    _act_(torch.addmm(buf.c, buf.vneg, buf.W, out=buf.phneg), rbm.spins)
    return buf.vneg, buf.phneg


def _apply_moments(rbm: RBM, config: TrainingConfig, state: TrainingState, d0, p0, m: int,
                   moments, mom: float, eta: float) -> None:
    """Momentum step of W, b, c with given negative moments ``(<v h^T>, <v>, <h>)`` (EMF)."""
    vh, v, h = moments
    grad = torch.addmm(vh, d0.T, p0, beta=-1, alpha=1.0 / m)
    if config.weight_decay:
        grad.add_(rbm.W, alpha=-config.weight_decay)
    if config.l1:
        grad.add_(torch.sign(rbm.W), alpha=-config.l1)
    state.vW.mul_(mom).add_(grad, alpha=eta)
    if rbm.mask is not None:
        state.vW.mul_(rbm.mask)
    rbm.W.add_(state.vW)
    state.vb.mul_(mom).add_(d0.mean(0) - v, alpha=eta)
    rbm.b.add_(state.vb)
    state.vc.mul_(mom).add_(p0.mean(0) - h, alpha=eta)
    rbm.c.add_(state.vc)


def _update(buf: _Buffers, rbm: RBM, config: TrainingConfig, state: TrainingState,
            d0, p0, m: int, mom: float, eta: float) -> None:
    """The negative phase the config asks for, then the parameter update."""
    if config.negative == "gibbs":
        vn, pn, n_neg = _negative_phase(buf, rbm, config, state.stream, p0, m)
        _apply_update(buf, rbm, config, state, d0, p0, vn, pn, m, n_neg, mom, eta)
        if config.persistent:  # h ~ P(h | v_chain), with the parameters before this update
            _sample_(buf.hs, buf.phneg, rbm.spins, state.stream, buf.uh)
    elif config.negative == "tempering":
        vn, pn = _tempering_phase(buf, rbm, config, state)
        _apply_update(buf, rbm, config, state, d0, p0, vn, pn, m, config.batch_size, mom, eta)
    else:
        _apply_moments(rbm, config, state, d0, p0, m, _tap_phase(rbm, config, state), mom, eta)


def _minibatch_(buf: _Buffers, rbm: RBM, config: TrainingConfig, state: TrainingState,
                start: int, m: int, mom: float, eta: float) -> None:
    """One update from the ``m`` rows ``buf.perm[start:start + m]`` of the data."""
    d0 = buf.v0 if m == config.batch_size else buf.v0[:m]
    p0 = buf.ph0 if m == config.batch_size else buf.ph0[:m]
    if buf.mixed:
        buf.W.copy_(rbm.W)
        buf.b.copy_(rbm.b)
        buf.c.copy_(rbm.c)
    torch.index_select(buf.x, 0, buf.perm[start:start + m], out=d0)
    _act_(torch.addmm(buf.c, d0, buf.W, out=p0), rbm.spins)  # positive phase
    _update(buf, rbm, config, state, d0, p0, m, mom, eta)


def _full_batches(buf: _Buffers, rbm: RBM, config: TrainingConfig, state: TrainingState,
                  mom: float, eta: float):
    """The epoch's full minibatches as one callable: a :class:`LoopGraph` on CUDA (Gibbs
    negative phase), else the eager loop."""
    B, count = config.batch_size, buf.perm.shape[0] // config.batch_size

    def body():
        for i in range(count):
            _minibatch_(buf, rbm, config, state, i * B, B, mom, eta)

    if config.negative != "gibbs" or not graphs_wanted(rbm.device):
        return body
    if (mom, eta) not in buf.loops:  # its first call runs eagerly (the warm-up)
        buf.loops[mom, eta] = LoopGraph(body, buf.written(rbm, state), state.stream.state,
                                        state.stream.set_state, generators=[state.stream.torch])
    return buf.loops[mom, eta]


def run_epoch(rbm: RBM, x: torch.Tensor, config: TrainingConfig, state: TrainingState,
              buffers: _Buffers, epoch: int) -> float:
    """One pass of updates over the reshuffled data; returns its seconds.

    Per minibatch (Hinton 2010, secs. 3, 9-10): the positive phase
    ``h-bar = E[h | v_data]``, the negative phase of ``config.negative`` (CD-k/PCD-k
    Gibbs steps, EMF's TAP moments or PT-PCD's tempering sweeps), then the momentum
    update. On CUDA the full minibatches of a Gibbs epoch are replayed as one CUDA
    graph (:mod:`rgdl.rbm.graphs`), with the same numbers. Raises
    ``FloatingPointError`` if the parameters stop being finite.
    """
    _check_run(rbm, x, config)
    if not isinstance(state, TrainingState):
        raise TypeError(f"state must be a TrainingState; got {type(state).__name__}")
    if not isinstance(buffers, _Buffers) or buffers.x.shape[0] != x.shape[0]:
        raise TypeError("buffers must be the _Buffers built for this rbm, x and config")
    epoch = _check_epoch(epoch)
    n, B = x.shape[0], config.batch_size
    mom, eta = config.momentum_at(epoch), config.lr_at(epoch)
    t0 = time.perf_counter()
    buffers.perm.copy_(state.stream.permutation(n))
    _full_batches(buffers, rbm, config, state, mom, eta)()
    if n % B:
        _minibatch_(buffers, rbm, config, state, n - n % B, n % B, mom, eta)
    if rbm.device.type == "cuda":
        torch.cuda.synchronize(rbm.device)
    elapsed = time.perf_counter() - t0
    if not all(bool(torch.isfinite(t).all()) for t in (rbm.W, rbm.b, rbm.c)):
        raise TrainingDiverged(f"training diverged at epoch {epoch} (non-finite "
                               f"parameters); lower lr={config.lr}")
    return elapsed



def _swap_row(state: TrainingState) -> dict:
    """PT-PCD: this epoch's mean swap acceptance ``{"swap_rate": ...}`` (tally reset), else {}."""
    phase = state.phase
    if not phase.get("attempted"):
        return {}
    rate = phase["accepted"] / phase["attempted"]
    phase["accepted"], phase["attempted"] = 0.0, 0.0
    return {"swap_rate": rate}


def _config(config, hyperparameters: dict) -> TrainingConfig:
    """``config`` with the keyword overrides, or a config built from them alone."""
    if config is None:
        if "epochs" not in hyperparameters:
            raise TypeError("config: pass a TrainingConfig or at least epochs=...")
        return TrainingConfig(**hyperparameters)
    _check_config(config)
    return config.replace(**hyperparameters) if hyperparameters else config


def fit(rbm, data, config: TrainingConfig | None = None, *, heldout=None, monitors=("recon",),
        checkpoint=None, seed=None, progress=True, restart=False, **hyperparameters):
    """Train ``rbm`` in place by CD-k (PCD-k, EMF, PT-PCD: see ``negative``) and return its history.

    Parameters
    ----------
    rbm : rgdl.rbm.RBM
    data : tensor or array (n, n_visible) of 0/1 (or +/-1 for a spin RBM)
    config : TrainingConfig, optional
        The hyperparameters (epochs, batch size, learning rate, k, PCD, momentum,
        penalties, mixed precision...; see :class:`TrainingConfig`). Keyword
        arguments named like its fields build one, or override fields of ``config``.
    heldout : held-out data for the free-energy and log-likelihood monitors.
    monitors : iterable of names from :data:`MONITORS` or callables ``rbm -> float | dict``
        ``"recon"`` reconstruction error, ``"pll"`` pseudo-log-likelihood,
        ``"free_energy"`` mean H_RBM(v) on training vs held-out data and their gap
        (Hinton's "free-energy gap"), ``"loglik"`` log-likelihood with exact ln Z when
        the smaller layer has at most 20 units, AIS (100 runs, 2,000 temperatures)
        otherwise. They never touch the training random stream.
    checkpoint : path, optional
        The :class:`TrainingState` is saved there atomically every
        ``checkpoint_every`` epochs. If the file exists, training resumes from
        it, reproducing the uninterrupted run bit for bit on the same device.
        The file carries a hash sidecar: a damaged checkpoint is refused, and
        one made with other settings (seed, lr, momentum, penalties, more epochs
        than asked...) raises ``ValueError`` naming them.
    seed : None, int or numpy Generator
    progress : bool
        A tqdm bar over epochs.
    restart : bool
        Ignore an existing ``checkpoint`` and start afresh (it is overwritten).

    Returns
    -------
    dict of per-epoch lists: ``epoch``, ``lr``, ``momentum``, ``time`` (seconds
    spent in updates in that epoch), ``swap_rate`` (``negative="tempering"`` with
    ``n_temperatures >= 2``: accepted / attempted swaps of the epoch, all pairs)
    and one list per monitored quantity.
    """
    check_rbm(rbm)
    config = _config(config, hyperparameters)
    monitors = _check_monitors(monitors)
    progress, restart = boolean("progress", progress), boolean("restart", restart)
    if checkpoint is not None:
        checkpoint = _check_path("checkpoint", checkpoint)
    if not isinstance(seed, np.random.Generator):
        runtime.rng(seed)
    x = _check_data(rbm, data, "data", binary=config.binary).contiguous()
    if config.batch_size > x.shape[0]:
        raise ValueError(f"batch_size ({config.batch_size}) exceeds the number of samples "
                         f"({x.shape[0]})")
    if heldout is not None:
        heldout = _check_data(rbm, heldout, "heldout", binary=config.binary)
    fingerprint = _data_fingerprint(x)  # once: it reads all of x (0.26 s at 20,000 x 1,600)
    if checkpoint is not None and Path(checkpoint).is_file() and not restart:
        state = TrainingState.load(checkpoint, rbm, x, config, fingerprint, seed)
    else:
        state = TrainingState.fresh(rbm, x, config, seed)
    monitor = _Monitor(rbm, x, heldout, monitors, config.monitor_size, state.base_seed)
    buffers = _Buffers(rbm, x, config, state)
    with threads_for(config.batch_size * rbm.n_visible * rbm.n_hidden):
        bar = tqdm(range(state.epoch, config.epochs), desc="RBM epochs", disable=not progress,
                   initial=state.epoch, total=config.epochs)
        for epoch in bar:
            elapsed = run_epoch(rbm, x, config, state, buffers, epoch)
            row = {"epoch": epoch + 1, "lr": config.lr_at(epoch),
                   "momentum": config.momentum_at(epoch), "time": elapsed, **_swap_row(state)}
            row.update(monitor(rbm, epoch))
            for key, value in row.items():
                state.history.setdefault(key, []).append(value)
            state.epoch = epoch + 1
            if progress:
                bar.set_postfix({key: f"{value:.4g}" for key, value in row.items()
                                 if key not in ("epoch", "lr", "momentum")})
            if checkpoint is not None and (state.epoch % config.checkpoint_every == 0
                                           or state.epoch == config.epochs):
                state.save(checkpoint, rbm, x, config, fingerprint, buffers, seed)
        bar.close()
    return state.history
