"""Fuzz cases for rgdl.dbn.likelihood and rgdl.dbn.criticality.

Tiny float64 nets so every valid call takes milliseconds: a 3-layer DBN 9 -> 4 -> 3 -> 2 on
3 x 3 configurations (likelihood), and a 1-layer 16 -> 4 net of block detectors on a 4 x 4
lattice (criticality).
"""

import numpy as np
import torch

from rgdl.dbn import criticality as cr
from rgdl.dbn import likelihood as lk
from rgdl.dbn.stack import DBN
from rgdl.rbm.model import gaussian_rbm
from tests.fuzz.harness import Case

_GEN = np.random.default_rng(1)
NET = DBN([gaussian_rbm(9, 4, scale=0.5, seed=1), gaussian_rbm(4, 3, scale=0.5, seed=2),
           gaussian_rbm(3, 2, scale=0.5, seed=3)])
SPINS = _GEN.choice([-1, 1], size=(12, 3, 3)).astype(np.int8)
UNITS = (SPINS.reshape(12, -1) > 0).astype(np.float64)
TABLE = lk.likelihood_per_layer(NET, SPINS, K=0.4, n_samples=3, n_runs=4, n_betas=20, seed=0)

_W = np.zeros((16, 4))
for _j, (_r, _c) in enumerate([(0, 0), (0, 2), (2, 0), (2, 2)]):
    _W[[4 * _r + _c, 4 * _r + _c + 1, 4 * _r + _c + 4, 4 * _r + _c + 5], _j] = 4.0
_RBM = gaussian_rbm(16, 4, seed=0)
_RBM.W, _RBM.c = torch.tensor(_W), torch.full((4,), -8.0, dtype=torch.float64)
CNET = DBN([_RBM])
CSPINS = _GEN.choice([-1, 1], size=(20, 4, 4)).astype(np.int8)
HID = _GEN.uniform(-1, 1, size=(20, 5))
CENTRES = np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 3.0], [2.0, 2.0], [3.5, 0.0]])
R = np.arange(1.0, 8.0)

CASES = [
    # ------------------------------------------------------------ likelihood
    Case(lk.ising_entropy_per_spin, {"L": 20, "K": 0.408}),
    Case(lk.ising_entropy_per_spin, {"L": 3, "K": np.array([0.2, 0.4])}),
    Case(lk.log_likelihood_bound, {"dbn": NET, "configs": SPINS, "n_layers": 3, "n_samples": 4,
                                   "seed": 0, "log_z": None}),
    Case(lk.log_likelihood_bound, {"dbn": NET, "configs": SPINS, "n_layers": 2,
                                   "n_samples": None, "seed": None, "log_z": 3.0}),
    Case(lk.enumerated_log_likelihood, {"dbn": NET, "configs": SPINS, "n_layers": 2,
                                        "log_z": None}),
    Case(lk.top_log_partition, {"rbm": NET.rbms[0], "data": UNITS, "n_runs": 4, "n_betas": 20,
                                "reverse": True, "exact_max": 0, "seed": 0}),
    Case(lk.top_log_partition, {"rbm": NET.rbms[1], "data": None, "n_runs": 4, "n_betas": 20,
                                "reverse": False, "exact_max": 20, "seed": 0}),
    Case(lk.likelihood_per_layer, {"dbn": NET, "configs": SPINS, "layers": (1, 3), "K": 0.4,
                                   "n_samples": 3, "n_runs": 4, "n_betas": 20, "reverse": True,
                                   "exact_max": 1, "seed": 0}),
    Case(lk.likelihood_per_layer, {"dbn": NET, "configs": SPINS, "layers": None, "K": None,
                                   "n_samples": None, "n_runs": 4, "n_betas": 20,
                                   "reverse": False, "exact_max": 20, "seed": 1}),
    Case(TABLE.excess, {}),
    Case(lambda: (TABLE.per_spin, TABLE.stderr, [r.stderr for r in TABLE.layers],
                  [r.per_spin_conservative for r in TABLE.layers]), {}),
    # ----------------------------------------------------------- criticality
    Case(cr.field_signs, {"dbn": CNET}),
    Case(cr.hidden_spins, {"dbn": CNET, "configs": CSPINS, "sample": True, "seed": 0}),
    Case(cr.unit_magnetization, {"units": HID, "signs": np.array([1, -1, 1, 1, -1]),
                                 "center": True}),
    Case(cr.binder, {"m": HID[:, 0]}),
    Case(cr.layer_binder, {"dbn": CNET, "configs": CSPINS, "blocks": (2, 4), "sample": False,
                           "center": False, "seed": 0}),
    Case(cr.unit_centres, {"dbn": CNET, "layer": 1, "power": 2.0}),
    Case(cr.torus_distances, {"centres": CENTRES, "L": 4}),
    Case(cr.binned_correlations, {"units": HID, "centres": CENTRES, "L": 4,
                                  "bins": np.array([0.0, 1.0, 2.0, 3.0]), "normalize": True}),
    Case(cr.hidden_correlations, {"dbn": CNET, "configs": CSPINS, "layer": 1, "bins": None,
                                  "sample": False, "seed": 0, "power": 1.0, "normalize": False}),
    Case(cr.fit_decay, {"r": R, "C": 2 * R**-0.25, "se": 0.01 * R, "r_min": 1.0,
                        "r_max": 6.0}),
]
