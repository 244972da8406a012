"""Restricted Boltzmann machines: the model, its training, its partition function, toy data.

- :mod:`rgdl.rbm.model`    :class:`RBM` (energies, conditionals, Gibbs sampling) and the
  exact oracles (``log_partition`` by enumeration, exact gradients)
- :mod:`rgdl.rbm.ais`      annealed importance sampling of ``ln Z``
- :mod:`rgdl.rbm.training` CD-k / PCD-k: :class:`TrainingConfig`, :class:`TrainingState`,
  :func:`run_epoch` and the driver :func:`fit`
- :mod:`rgdl.rbm.datasets` bars-and-stripes and the binarised digits

Layering inside: ``model`` <- ``ais`` <- ``training``; ``datasets`` stands alone.
"""

from . import ais, datasets, model, training
from .ais import ais_log_partition, base_rate_biases, beta_schedule
from .datasets import bars_and_stripes, binarized_digits
from .model import (
    RBM, MAX_EXACT_UNITS, cd_gradient, enumerate_states, exact_gradient, free_energy_gap,
    log_likelihood, log_partition, pseudo_log_likelihood, reconstruction_error,
)
from .training import (
    HYPERPARAMETERS, MONITORS, TrainingConfig, TrainingState, fit, load_checkpoint,
    run_epoch, save_checkpoint,
)

__all__ = [
    "RBM", "MAX_EXACT_UNITS", "log_partition", "log_likelihood", "free_energy_gap",
    "pseudo_log_likelihood", "reconstruction_error", "enumerate_states", "exact_gradient",
    "cd_gradient", "ais_log_partition", "base_rate_biases", "beta_schedule",
    "TrainingConfig", "TrainingState", "HYPERPARAMETERS", "MONITORS", "fit", "run_epoch",
    "save_checkpoint", "load_checkpoint", "bars_and_stripes", "binarized_digits",
    "ais", "datasets", "model", "training",
]
