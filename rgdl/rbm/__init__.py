"""Restricted Boltzmann machines: the model, its training, its partition function, toy data.

- :mod:`rgdl.rbm.model`    :class:`RBM` (energies, conditionals, Gibbs sampling) and the
  exact oracles (``log_partition`` by enumeration, exact gradients)
- :mod:`rgdl.rbm.ais`      annealed importance sampling of ``ln Z``, and its reverse
  (RAISE), which together bracket it
- :mod:`rgdl.rbm.meanfield` the TAP (Plefka) free energy at orders 1-3, its fixed points,
  the ``ln Z`` estimate and the moments EMF training uses
- :mod:`rgdl.rbm.tempering` parallel tempering: the ladder, the sweep and the sampler
- :mod:`rgdl.rbm.training` CD-k / PCD-k, EMF and PT-PCD: :class:`TrainingConfig`,
  :class:`TrainingState`, :func:`run_epoch` and the driver :func:`fit`
- :mod:`rgdl.rbm.replicas` many RBMs of one shape trained together, as batched products
- :mod:`rgdl.rbm.graphs`   CUDA graphs of the CD loop (one launch per epoch), checked
  bit for bit against the eager loop
- :mod:`rgdl.rbm.datasets` bars-and-stripes and the binarised digits

Layering inside: ``model`` <- ``ais``, ``meanfield``, ``tempering``, ``graphs`` <-
``training`` <- ``replicas``; ``datasets`` stands alone.
"""

from . import ais, datasets, graphs, meanfield, model, replicas, tempering, training
from .ais import (
    Bracket, ais_log_partition, base_rate_biases, beta_schedule, exact_samples,
    log_partition_bracket, reverse_ais_log_partition,
)
from .datasets import bars_and_stripes, binarized_digits
from .model import (
    RBM, MAX_EXACT_UNITS, cd_gradient, enumerate_states, exact_gradient, free_energy_gap,
    log_likelihood, log_partition, pseudo_log_likelihood, reconstruction_error,
)
from .meanfield import (
    TAPEstimate, TAPState, tap_free_energy, tap_log_partition, tap_magnetizations, tap_moments,
)
from .tempering import TemperingRun, parallel_tempering, temperature_ladder, tempering_sweep_
from .training import (
    HYPERPARAMETERS, MONITORS, NEGATIVE_PHASES, TrainingConfig, TrainingState, fit,
    load_checkpoint, run_epoch, save_checkpoint,
)

__all__ = [
    "RBM", "MAX_EXACT_UNITS", "log_partition", "log_likelihood", "free_energy_gap",
    "pseudo_log_likelihood", "reconstruction_error", "enumerate_states", "exact_gradient",
    "cd_gradient", "ais_log_partition", "base_rate_biases", "beta_schedule",
    "TrainingConfig", "TrainingState", "HYPERPARAMETERS", "MONITORS", "fit", "run_epoch",
    "save_checkpoint", "load_checkpoint", "bars_and_stripes", "binarized_digits",
    "reverse_ais_log_partition", "log_partition_bracket", "Bracket", "exact_samples",
    "tap_free_energy", "tap_magnetizations", "tap_log_partition", "tap_moments", "TAPState",
    "TAPEstimate", "temperature_ladder", "tempering_sweep_", "parallel_tempering",
    "TemperingRun", "NEGATIVE_PHASES",
    "ais", "datasets", "graphs", "meanfield", "model", "replicas", "tempering", "training",
]
