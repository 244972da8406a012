"""Deep belief networks and the Mehta-Schwab block-spin experiment.

- :mod:`rgdl.dbn.stack`      :class:`DBN`, greedy training (:func:`train`), effective
  receptive fields
- :mod:`rgdl.dbn.locality`   how local a receptive field is (torus radius of gyration)
- :mod:`rgdl.dbn.experiment` Ising data -> DBN -> locality per layer, over seeds and
  controls; reconstructions beside the block-spin flow; free-energy gaps (each a function
  returning a small dataclass)

Layering inside: ``locality`` and ``stack`` <- ``experiment``.
"""

from . import experiment as experiments
from . import locality, stack
from .experiment import (
    BlockSpinRun, ControlTable, Ensemble, FreeEnergyGaps, LocalityTable, ReconstructionFlow,
    control_table, ensemble, experiment, free_energy_gaps, layer_localization, locality_table,
    reconstruction_flow,
)
from .stack import (
    DBN, MIXED_MIN_WEIGHTS, PAPER_SETTINGS, PAPER_SIZES, receptive_fields, spins_to_units,
    train, units_to_spins,
)

__all__ = [
    "DBN", "train", "receptive_fields", "spins_to_units", "units_to_spins",
    "layer_localization", "experiment", "PAPER_SIZES", "PAPER_SETTINGS", "MIXED_MIN_WEIGHTS",
    "locality", "stack", "experiments", "ensemble", "locality_table", "control_table",
    "reconstruction_flow", "free_energy_gaps", "BlockSpinRun", "Ensemble", "LocalityTable",
    "ControlTable", "ReconstructionFlow", "FreeEnergyGaps",
]
