"""Deep belief networks and the Mehta-Schwab block-spin experiment.

- :mod:`rgdl.dbn.stack`      :class:`DBN`, greedy training (:func:`train`), effective
  receptive fields
- :mod:`rgdl.dbn.locality`   how local a receptive field is (torus radius of gyration)
- :mod:`rgdl.dbn.experiment` Ising data -> DBN -> locality per layer

Layering inside: ``locality`` and ``stack`` <- ``experiment``.
"""

from . import experiment as experiments
from . import locality, stack
from .experiment import experiment, layer_localization
from .stack import (
    DBN, MIXED_MIN_WEIGHTS, PAPER_SETTINGS, PAPER_SIZES, receptive_fields, spins_to_units,
    train, units_to_spins,
)

__all__ = [
    "DBN", "train", "receptive_fields", "spins_to_units", "units_to_spins",
    "layer_localization", "experiment", "PAPER_SIZES", "PAPER_SETTINGS", "MIXED_MIN_WEIGHTS",
    "locality", "stack", "experiments",
]
