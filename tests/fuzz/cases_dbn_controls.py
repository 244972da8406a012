"""Fuzz cases for rgdl.dbn.controls and rgdl.dbn.locality.axis_radii.

Two tiny ensembles trained at import (8 x 8 lattice, 16 -> 4 units, two epochs, no cache),
so every valid call takes milliseconds.
"""

import numpy as np
import torch

import rgdl.dbn as D
from rgdl.dbn import controls, locality
from tests.fuzz.harness import Case

_TINY = {"sizes": (16, 4), "epochs": 2, "batch_size": 25, "progress": False, "device": "cpu",
         "cache": False, "power": 2}
ENS = D.ensemble(8, 0.3, 100, 40, jobs={"a": {"K": 0.3}, "b": {"K": 0.42}}, seeds=(1, 2),
                 workers=1, **_TINY)
RUN = ENS.runs["b"][0]
SCAN = controls.correlation_scan(ENS)
FIELDS = np.random.default_rng(0).normal(size=(3, 6, 6))

CASES = [
    Case(locality.axis_radii, {"fields": FIELDS, "power": 2.0}),
    Case(controls.correlation_scan, {"ens": ENS, "core_power": 4.0}),
    Case(SCAN.slope, {"layer": 1, "what": "core"}),
    Case(SCAN.growth, {"what": "ratio"}),
    Case(controls.aspect_ratios, {"run": RUN, "power": 1.0}),
    Case(controls.untrained_upper_layers, {"dbn": RUN.dbn, "seed": 3}),
    Case(controls.untrained_control, {"run": RUN, "seed": 2, "core_power": 8.0}),
    Case(controls.critical_summary, {"runs": ENS.runs["b"], "blocks": (2, 4), "decay_layers": (),
                                     "r_max": 4.0}),
    Case(controls.likelihood_summary, {"runs": ENS.runs["a"], "n_runs": 3, "n_betas": 20,
                                       "n_samples": 2, "seed": 0}),
]

# ------------------------------------------------------------------- dbn.train_replicas
from rgdl.dbn.replicas import train_replicas  # noqa: E402

_ROWS = [(np.random.default_rng(s).random((120, 9)) < 0.5).astype(np.float64) for s in range(2)]
CASES.append(Case(train_replicas, {
    "data": _ROWS, "sizes": (3, 2), "seeds": [0, 1],
    "settings": [{"epochs": 1, "batch_size": 20}] * 2,
    "propagate": "samples", "heldout": None, "monitors": ("recon",), "checkpoint_dirs": None,
    "device": "cpu", "dtype": torch.float64, "progress": False, "corrupt": "refuse"}))
