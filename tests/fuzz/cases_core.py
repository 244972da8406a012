"""Fuzz cases for rgdl.core."""

import numpy as np

from rgdl.core import io, runtime, states, stats, units
from tests.fuzz.harness import Case

X = np.random.default_rng(0).random(64)

CASES = [
    Case(stats.integrated_autocorr_time, {"x": X, "c": 5.0}),
    Case(stats.autocorrelation, {"x": X}),
    Case(stats.binning_error, {"x": X, "min_bins": 8}),
    Case(states.spin_states, {"n": 4}),
    Case(states.state_index, {"x": states.spin_states(3), "values": (-1, 1)}),
    Case(units.sum_out, {"x": X, "spins": True}),
    Case(runtime.rng, {"seed": 3}),
    Case(runtime.torch_generator, {"seed": 3, "device": "cpu"}),
    Case(runtime.seed_all, {"seed": 3}),
    Case(runtime.device, {"prefer_cuda": False}),
    Case(io.sha256_file, {"path": __file__, "chunk": 4096}, paths=("path",)),
]
