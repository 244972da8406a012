"""Fuzz cases for the anisotropic couplings K = (K_x, K_y) of rgdl.ising.

Exact results on 3 x 3 to 6 x 6 tori, samplers on 4 x 4 (and odd 3 x 3) lattices with a
handful of chains and steps, observables of random 4 x 4 and 4 x 6 batches: every valid
call takes milliseconds. A pair is fuzzed as a tuple (bad values: empty, a NaN entry,
a string entry, None, ...); a scalar ``K_y`` as a number. The data-set folder is a
temporary one and is not fuzzed (see tests/fuzz/cases_ising.py).
"""

import tempfile
from pathlib import Path

import numpy as np

from rgdl import ising
from rgdl.ising import mc
from tests.fuzz.harness import Case

G = np.random.default_rng(1)
B4 = (G.integers(0, 2, size=(4, 4, 4)) * 2 - 1).astype(np.int8)      # 4 configs, 4 x 4
R46 = (G.integers(0, 2, size=(3, 4, 6)) * 2 - 1).astype(np.int8)     # 3 configs, 4 rows x 6 columns
PAIR = (0.6, 0.2)
_DIR = Path(tempfile.mkdtemp(prefix="rgdl-fuzz-ising-xy-"))


def _chains(method="metropolis", L=4):
    return mc.Chains(L, PAIR, 2, method, seed=0)


CASES = [
    # ------------------------------------------------------------------ exact results
    Case(ising.critical_condition, {"K_x": 0.6, "K_y": 0.2}),
    Case(ising.critical_condition, {"K_x": np.array([0.3, 0.6]), "K_y": 0.2}),
    Case(ising.dual_coupling, {"K": 0.6}),
    Case(ising.dual_coupling, {"K": np.array([0.3, 0.6])}),
    Case(ising.correlation_lengths, {"K_x": 0.6, "K_y": 0.2}),
    Case(ising.correlation_lengths, {"K_x": np.array([0.3, 0.9]), "K_y": np.array([0.2, 0.7])}),
    Case(ising.exact_thermo, {"m": 3, "n": 4, "K": 0.6, "K_y": 0.2}),
    Case(ising.exact_thermo, {"m": 4, "n": 4, "K": np.array([0.3, 0.6]), "K_y": 0.2}),
    Case(ising.log_partition, {"m": 4, "n": 6, "K": 0.6, "K_y": 0.2}),
    Case(ising.exact_energy, {"m": 6, "n": 4, "K": 0.6, "K_y": 0.2}),
    Case(ising.exact_specific_heat, {"m": 4, "n": 4, "K": np.array([0.3, 0.6]),
                                     "K_y": np.array([0.2, 0.9])}),
    Case(ising.bond_correlations, {"m": 4, "n": 5, "K_x": 0.6, "K_y": 0.2}),
    Case(ising.enumerate_moments, {"m": 3, "n": 3, "K_x": 0.6, "K_y": 0.2}),
    Case(ising.enumerate_thermo, {"m": 2, "n": 3, "K": 0.6, "K_y": 0.2}),
    Case(ising.enumerate_log_partition, {"m": 3, "n": 2, "K": 0.6, "K_y": 0.2}),
    # ------------------------------------------------------------------ samplers
    Case(mc.check_couplings, {"K": PAIR, "name": "K"}, skip=("name",)),
    Case(mc.effective_coupling, {"K": PAIR}),
    Case(mc.effective_coupling, {"K": np.array([0.6, 0.2])}),
    Case(ising.resolve_method, {"method": "auto", "K": PAIR}),
    Case(mc.Chains, {"L": 4, "K": PAIR, "chains": 2, "method": "heatbath", "seed": 0,
                     "start": "hot"}),
    Case(mc.Chains, {"L": 3, "K": [0.2, 0.6], "chains": 2, "method": "swendsen_wang", "seed": 0,
                     "start": "cold"}),
    Case(_chains().run, {"n_steps": 3, "record": True, "bar": None}),
    Case(_chains("heatbath", 3).run, {"n_steps": 2, "record": False}),
    Case(_chains("wolff").run, {"n_steps": 2, "record": True}),
    Case(_chains("swendsen_wang").step, {}),
    Case(ising.sample, {"L": 4, "K": PAIR, "n_samples": 8, "method": "metropolis", "burn_in": 4,
                        "thin": 1, "chains": 2, "seed": 0, "progress": False,
                        "return_info": True}),
    Case(ising.sample, {"L": 4, "K": (0.9, 0.35), "n_samples": 4, "method": "auto",
                        "burn_in": None, "thin": None, "chains": None, "seed": 1,
                        "progress": False}),
    # ------------------------------------------------------------------ data sets
    Case(ising.dataset, {"L": 4, "K": PAIR, "n": 8, "seed": 0, "method": "metropolis",
                         "cache": True, "cache_dir": _DIR, "progress": False,
                         "return_info": False}, skip=("cache_dir",)),
    Case(ising.dataset_path, {"L": 4, "K": PAIR, "n": 8, "seed": 0, "method": "auto",
                              "cache_dir": _DIR}, skip=("cache_dir",)),
    # ------------------------------------------------------------------ observables
    Case(ising.nn_correlation_xy, {"configs": B4}),
    Case(ising.nn_correlation_xy, {"configs": R46[0]}),
    Case(ising.axis_correlations, {"configs": R46, "connected": False}),
    Case(ising.axis_correlations, {"configs": B4, "connected": True}),
]
