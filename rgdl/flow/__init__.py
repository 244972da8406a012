"""The RBM flow of Iso, Shiba & Yokoo (2018), read by an exact thermometer (chapter 6).

- :mod:`rgdl.flow.dynamics`    :func:`rbm_flow`: iterate v -> p(h|v) -> v' (sampled or
  mean-field) on a batch and keep every step
- :mod:`rgdl.flow.thermometer` the exact thermometer (temperature from the mean energy via
  :func:`rgdl.ising.coupling_from_energy`), its |m| / Binder cross-checks, the neural
  thermometer of the papers, the 1D ring's coupling from its correlation
- :mod:`rgdl.flow.experiment`  mixture training, flows from both sides, the fixed point T*
  over seeds, flows from the training data at every training temperature
  (:func:`data_flow`), the controls (one temperature, a gap at T_c, shuffled sites, the 1D ring)

Layer 2: it uses the models (``ising``, ``rbm``, ``chain``) and ``rg``'s exact decimation.
"""

from . import dynamics, experiment, thermometer
from .dynamics import MODES, Flow, rbm_flow
from .experiment import (
    FixedPoint, FlowRun, RingFlow, data_flow, fixed_point, mixture, mixture_temperature,
    ring_flow, run_flow, train_rbm,
)
from .thermometer import (
    NeuralThermometer, Reading, crosscheck, equilibrium_curves, lattice_observables,
    read_temperature, ring_correlation, ring_coupling_from_correlation, train_neural_thermometer,
    coupling_of_energy,
)

__all__ = [
    "Flow", "MODES", "rbm_flow",
    "Reading", "lattice_observables", "read_temperature", "equilibrium_curves", "crosscheck",
    "NeuralThermometer", "train_neural_thermometer", "ring_correlation",
    "ring_coupling_from_correlation", "coupling_of_energy",
    "mixture", "train_rbm", "mixture_temperature", "FlowRun", "run_flow", "FixedPoint",
    "fixed_point", "RingFlow", "ring_flow", "data_flow",
    "dynamics", "experiment", "thermometer",
]
