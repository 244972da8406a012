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
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np
import torch

from ..core.validate import elements, positive_int
from .datasets import bars_and_stripes, binarized_digits
from .model import MAX_UNITS, RBM
from .training import MAX_EPOCHS, TrainingConfig, fit

__all__ = ["TRAINERS", "MONITORS_USED", "TrainerComparison", "compare_trainers",
           "OverfittingRun", "overfitting_run", "trained_bars_and_stripes", "trained_digits"]

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
