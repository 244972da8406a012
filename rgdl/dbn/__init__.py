"""Deep belief networks and the Mehta-Schwab block-spin experiment.

- :mod:`rgdl.dbn.stack`      :class:`DBN`, greedy training (:func:`train`), effective
  receptive fields
- :mod:`rgdl.dbn.replicas`   many DBNs of one architecture trained together, layer by layer
  as replica sets (:func:`train_replicas`)
- :mod:`rgdl.dbn.locality`   how local a receptive field is (torus radius of gyration)
- :mod:`rgdl.dbn.experiment` Ising data -> DBN -> locality per layer, over seeds and
  controls; reconstructions beside the block-spin flow; free-energy gaps (each a function
  returning a small dataclass)
- :mod:`rgdl.dbn.likelihood` held-out log-likelihood per layer, per spin: AIS for the first
  RBM, the Salakhutdinov-Murray bound for 2 and 3 layers, the exact Ising entropy bound
- :mod:`rgdl.dbn.criticality` the network at K_c: Binder cumulant per layer beside block
  spins, hidden-hidden correlations against the distance of their field centres
- :mod:`rgdl.dbn.controls`   chapter 5's controls over ensembles: correlation-length scan,
  aspect ratios on the anisotropic lattice, untrained upper layers, the network at K_c,
  likelihood per layer against the entropy bound

Layering inside: ``locality`` and ``stack`` <- ``replicas`` <- ``experiment``, ``likelihood``,
``criticality`` <- ``controls``.
"""

from . import experiment as experiments
from . import controls, criticality, likelihood, locality, replicas, stack
from .controls import (
    CorrelationScan, CriticalSummary, LikelihoodSummary, aspect_ratios, correlation_scan,
    critical_summary, likelihood_summary, untrained_control, untrained_upper_layers,
)
from .criticality import BinderTable, HiddenCorrelations, hidden_correlations, layer_binder
from .experiment import (
    BlockSpinRun, ControlTable, Ensemble, FreeEnergyGaps, LocalityTable, ReconstructionFlow,
    control_table, ensemble, experiment, free_energy_gaps, layer_localization, locality_table,
    reconstruction_flow,
)
from .likelihood import (
    LayerLikelihood, LikelihoodTable, ising_entropy_per_spin, likelihood_per_layer,
    log_likelihood_bound,
)
from .replicas import train_replicas
from .stack import (
    DBN, MIXED_MIN_WEIGHTS, PAPER_SETTINGS, PAPER_SIZES, receptive_fields, spins_to_units,
    train, units_to_spins,
)

__all__ = [
    "DBN", "train", "train_replicas", "replicas", "receptive_fields", "spins_to_units",
    "units_to_spins",
    "layer_localization", "experiment", "PAPER_SIZES", "PAPER_SETTINGS", "MIXED_MIN_WEIGHTS",
    "locality", "stack", "experiments", "ensemble", "locality_table", "control_table",
    "reconstruction_flow", "free_energy_gaps", "BlockSpinRun", "Ensemble", "LocalityTable",
    "ControlTable", "ReconstructionFlow", "FreeEnergyGaps",
    "likelihood", "criticality", "ising_entropy_per_spin", "log_likelihood_bound",
    "likelihood_per_layer", "LayerLikelihood", "LikelihoodTable", "layer_binder",
    "hidden_correlations", "BinderTable", "HiddenCorrelations", "controls", "correlation_scan",
    "CorrelationScan", "aspect_ratios", "untrained_upper_layers", "untrained_control",
    "critical_summary", "CriticalSummary", "likelihood_summary", "LikelihoodSummary",
]
