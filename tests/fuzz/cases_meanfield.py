"""Fuzz cases for rgdl.rbm.meanfield (TAP free energies) and the trainer's EMF / PT-PCD phases.

A 4 x 3 RBM with weights of scale 0.5 (its TAP iteration converges in a few dozen
sweeps) and two rows of magnetisations; the training cases run one epoch on six
bars-and-stripes images.
"""

import torch

from rgdl.rbm import datasets, meanfield, training
from rgdl.rbm.model import RBM, gaussian_rbm
from tests.fuzz.harness import Case

F64 = torch.float64
DATA = datasets.bars_and_stripes(2)           # (6, 4) 0/1 images
RBM_ = gaussian_rbm(4, 3, scale=0.5, seed=0)  # read-only in every case below
MV = torch.full((2, 4), 0.3, dtype=F64)
MH = torch.full((2, 3), 0.6, dtype=F64)

CASES = [
    Case(meanfield.tap_free_energy, {"rbm": RBM_, "mv": MV, "mh": MH, "order": 2}),
    Case(meanfield.tap_moments, {"rbm": RBM_, "mv": MV, "mh": MH, "order": 3}),
    Case(meanfield.tap_magnetizations, {"rbm": RBM_, "order": 2, "mv": MV, "mh": None,
                                        "damping": 0.5, "max_iter": 50, "tol": 1e-8,
                                        "seed": 0}),
    Case(meanfield.tap_magnetizations, {"rbm": RBM_, "order": 3, "mv": None, "mh": MH,
                                        "damping": 0.3, "max_iter": 50, "tol": 1e-8,
                                        "seed": None}),
    Case(meanfield.tap_log_partition, {"rbm": RBM_, "order": 1, "n_starts": 3, "seed": 0,
                                       "damping": 0.5, "max_iter": 100, "tol": 1e-8}),
    Case(training.TrainingConfig, {"epochs": 1, "negative": "tap2", "n_temperatures": 3,
                                   "beta_min": 0.5, "tap_iterations": 2, "tap_damping": 0.5}),
    Case(training.fit, {"rbm": RBM(4, 3, seed=1, dtype=F64), "data": DATA, "seed": 0,
                        "progress": False, "monitors": (), "epochs": 1, "batch_size": 2,
                        "negative": "tap3", "tap_iterations": 2, "tap_damping": 0.4}),
    Case(training.fit, {"rbm": RBM(4, 3, seed=2, dtype=F64), "data": DATA, "seed": 0,
                        "progress": False, "monitors": (), "epochs": 1, "batch_size": 2,
                        "negative": "tempering", "n_temperatures": 3, "beta_min": 0.4,
                        "k": 2}),
]
