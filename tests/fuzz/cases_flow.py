"""Fuzz cases for rgdl.flow: the RBM flow, the thermometers and the chapter-6 experiments.

Lattices are 4 x 4 (rings of 6 spins), RBMs have at most 8 hidden units and train for
one epoch on a few dozen configurations, flows run a few steps: every valid call takes
milliseconds to a few hundred. The result dataclasses are containers: their fields are
not fuzzed, their methods are. Equilibrium data come from :func:`rgdl.ising.dataset`
(cached under ``$RGDL_CACHE``).
"""

import numpy as np
import torch

from rgdl.flow import dynamics, experiment, thermometer
from rgdl.rbm import RBM, TrainingConfig
from tests.fuzz.harness import Case

G = np.random.default_rng(0)
L = 4
S16 = (G.integers(0, 2, size=(3, 5, L * L)) * 2 - 1).astype(np.int8)   # 3 ensembles of 5
RBM_ = RBM(L * L, 6, spins=True, seed=0, dtype=torch.float64)
V0 = S16[0]
CONFIG = TrainingConfig(epochs=1, lr=0.01, batch_size=10)
TEMPS = np.array([1.5, 3.5])
X, _ = experiment.mixture(L, TEMPS, 10, seed=0)
CURVES = thermometer.equilibrium_curves(L, TEMPS, 10, seed=0)
READING = thermometer.read_temperature(S16, L)
NN = thermometer.train_neural_thermometer(L, TEMPS, 10, hidden=4, epochs=1, seed=0)
RUN_KW = {"L": L, "n_hidden": 6, "train_temperatures": TEMPS, "starts": np.array([1.5, 3.5]),
          "n_per_T": 10, "config": CONFIG, "n_flow": 4, "steps": 3, "seed": 0,
          "mode": "sample", "shuffle": False, "thermometer": None, "tail": 2}
RUN = experiment.run_flow(**RUN_KW)
FIXED = experiment.fixed_point([0], **{k: v for k, v in RUN_KW.items() if k != "seed"})
RING = experiment.ring_flow(6, 3, np.array([0.5, 1.0]), np.array([0.3, 1.0]), n_per_K=10,
                            config=CONFIG, n_flow=4, steps=2, seed=0)
FLOW = dynamics.rbm_flow(RBM_, V0, 2, mode="mean", seed=0)


def _fields(cls):
    return tuple(cls.__dataclass_fields__)


def _container(cls, value):
    return Case(cls, {f: getattr(value, f) for f in _fields(cls)}, skip=_fields(cls))


CASES = [
    # ---------------------------------------------------------------- dynamics
    Case(dynamics.rbm_flow, {"rbm": RBM_, "v0": V0, "steps": 3, "mode": "sample", "seed": 0}),
    Case(dynamics.rbm_flow, {"rbm": RBM_, "v0": V0, "steps": 2, "mode": "mean", "seed": 1}),
    _container(dynamics.Flow, FLOW),
    # ---------------------------------------------------------------- thermometers
    Case(thermometer.lattice_observables, {"configs": S16, "L": L}),
    Case(thermometer.read_temperature, {"configs": S16, "L": L}),
    Case(thermometer.coupling_of_energy, {"L": L, "u": -1.0}),
    Case(thermometer.coupling_of_energy, {"L": L, "u": np.array([-1.5, -0.5])}),
    Case(thermometer.equilibrium_curves, {"L": L, "temperatures": TEMPS, "n": 10, "seed": 0}),
    Case(thermometer.crosscheck, {"reading": READING, "curves": CURVES}),
    _container(thermometer.Reading, READING),
    Case(thermometer.train_neural_thermometer,
         {"L": L, "temperatures": TEMPS, "n_per_T": 10, "hidden": 4, "epochs": 1, "lr": 1e-3,
          "heldout": 0.2, "seed": 0}),
    _container(thermometer.NeuralThermometer, NN),
    Case(NN.predict, {"configs": S16}),
    Case(NN.read, {"configs": S16}),
    Case(thermometer.ring_correlation, {"N": 6, "K": 0.5}),
    Case(thermometer.ring_correlation, {"N": 6, "K": np.array([0.2, 0.8])}),
    Case(thermometer.ring_coupling_from_correlation, {"N": 6, "g": 0.4}),
    Case(thermometer.ring_coupling_from_correlation, {"N": 6, "g": np.array([0.2, 0.7])}),
    # ---------------------------------------------------------------- experiments
    Case(experiment.mixture, {"L": L, "temperatures": TEMPS, "n_per_T": 10, "seed": 0}),
    Case(experiment.train_rbm, {"x": X, "n_hidden": 4, "config": CONFIG, "seed": 0}),
    Case(experiment.mixture_temperature, {"L": L, "temperatures": TEMPS}),
    Case(experiment.data_flow, {"run": RUN, "n_flow": 8, "steps": 2, "tail": 1}),
    Case(experiment.run_flow, dict(RUN_KW, thermometer=NN)),
    _container(experiment.FlowRun, RUN),
    Case(experiment.fixed_point, {"seeds": [0], **{k: v for k, v in RUN_KW.items()
                                                   if k != "seed"}}),
    _container(experiment.FixedPoint, FIXED),
    Case(experiment.ring_flow, {"N": 6, "n_hidden": 3, "train_couplings": np.array([0.5, 1.0]),
                                "starts": np.array([0.3, 1.0]), "n_per_K": 10,
                                "config": CONFIG, "n_flow": 4, "steps": 2, "seed": 0}),
    _container(experiment.RingFlow, RING),
]

