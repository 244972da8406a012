"""Fuzz cases for the experiments of rgdl.rbm.comparisons added by issue #18.

Tiny sizes (4 visible, 2 hidden units, a few sweeps) so every valid call takes
milliseconds; the older comparisons are fuzzed in cases_rbm.py.
"""

import numpy as np
import torch

from rgdl.rbm import comparisons
from tests.fuzz.harness import Case

SWEEP = comparisons.tap_error_sweep([0.05, 0.1], (0, 1), n_visible=4, n_hidden=2, n_fit=2,
                                    n_starts=2, max_iter=200)
BIMODAL = comparisons.bimodal_rbm(4, 2, coupling=0.5, tilt=0.05, noise=0.1, seed=0)
P4 = comparisons.exact_visible_marginal(BIMODAL)
SAMPLES = torch.tensor([[[1.0, -1.0, 1.0, 1.0]], [[-1.0, -1.0, -1.0, -1.0]]])
MIX = comparisons.mixing_comparison(BIMODAL, (0, 1), n_temperatures=2, beta_min=0.5,
                                    n_chains=2, n_sweeps=16, burn_in=2, max_lag=4)

CASES = [
    Case(comparisons.tap_model, {"n_visible": 4, "n_hidden": 2, "sigma": 0.1, "seed": 0,
                                 "spins": False, "bias_scale": 0.5}),
    Case(comparisons.tap_error_sweep, {"sigmas": [0.05, 0.1], "seeds": (0,), "n_visible": 4,
                                       "n_hidden": 2, "orders": (1, 2), "spins": True,
                                       "bias_scale": 0.5, "n_fit": 2, "n_starts": 2,
                                       "max_iter": 100}),
    Case(SWEEP.mean_abs_error, {"order": 2}),
    Case(comparisons.bimodal_rbm, {"n_visible": 4, "n_hidden": 2, "coupling": 0.5,
                                   "tilt": 0.05, "noise": 0.1, "seed": 0}),
    Case(comparisons.exact_visible_marginal, {"rbm": BIMODAL}),
    Case(comparisons.total_variation, {"samples": SAMPLES, "p_exact": P4, "values": (-1, 1)}),
    Case(comparisons.mixing_comparison, {"rbm": BIMODAL, "seeds": (0,), "n_temperatures": 2,
                                         "beta_min": 0.5, "n_chains": 2, "n_sweeps": 16,
                                         "burn_in": 2, "max_lag": 4}),
    Case(MIX.tau_ratio, {}),
    Case(MIX.tv_difference, {}),
]


_DIGITS = comparisons.tap_model(6, 3, 0.5, seed=1)
_DATA = (np.random.default_rng(0).random((12, 6)) < 0.5).astype(np.float32)

CASES += [
    Case(comparisons.tap_against_exact, {"rbm": _DIGITS, "orders": (1, 2), "seed": 0,
                                         "n_starts": 2, "max_iter": 100}),
    Case(comparisons.bracket_against_exact, {"rbm": _DIGITS, "n_runs": 4, "n_betas": 20,
                                             "seed": 0, "base": None, "exact": None}),
    Case(comparisons.trained_layer_bracket, {"data": _DATA, "n_hidden": 3,
                                             "settings": {"epochs": 1, "batch_size": 4},
                                             "seed": 0, "n_runs": 4, "n_betas": 10,
                                             "chain_steps": 2}),
]
