"""Fuzz cases for rgdl.ising: exact results, samplers, observables, data sets, experiments.

Lattices are 3 x 3 to 6 x 6, with a handful of chains and steps, so every valid call
takes milliseconds. The cache folder of :func:`dataset` and :func:`dataset_check` is a
temporary one and is left out of the fuzzing (a bad value such as ``"bogus"`` would be
a valid folder name in the working folder); its checks are unit tests in
tests/test_ising.py. The result dataclasses are containers: their fields are not
fuzzed, their methods are.
"""

import tempfile
from pathlib import Path

import numpy as np

from rgdl import ising
from rgdl.ising import experiments as ex
from rgdl.ising.mc import Chains
from tests.fuzz.harness import Case

G = np.random.default_rng(0)
B4 = (G.integers(0, 2, size=(4, 4, 4)) * 2 - 1).astype(np.int8)      # 4 configs, 4 x 4
B64 = (G.integers(0, 2, size=(64, 4, 4)) * 2 - 1).astype(np.int8)    # 64 configs
B8 = (G.integers(0, 2, size=(4, 8, 8)) * 2 - 1).astype(np.int8)      # 4 configs, 8 x 8
X5 = np.linspace(0.40, 0.60, 5)
_DIR = Path(tempfile.mkdtemp(prefix="rgdl-fuzz-ising-"))

# a synthetic scan whose two Binder curves cross at K_c (as in tests/test_ising_experiments.py)
_KC = ising.critical_coupling()
_KS = _KC * np.linspace(0.96, 1.04, 5)
_U = np.stack([np.stack([0.6 + s * (_KS - _KC), np.full(5, 0.01)], axis=1) for s in (2.0, 5.0)])
SCAN = ex.ThermoScan(sizes=[4, 8], couplings=_KS, methods=["swendsen_wang"] * 5,
                     energy=np.ones((2, 5, 2)), specific_heat=np.ones((2, 5, 2)), binder=_U,
                     energy_exact=np.ones((2, 5)), specific_heat_exact=np.ones((2, 5)))
FLOWS = ex.block_flow_scan(4, [0.3, 0.5], 8, seeds=(0, 1), steps=1, n_blocks=2)
DYN = ex.DynamicExponents(sizes=[4, 8], methods=["wolff"], seeds=[0, 1], tau_abs_m={},
                          tau_energy={}, z_abs_m={"wolff": np.array([0.2, 0.3])},
                          z_energy={"wolff": np.array([0.2, 0.3])})


def _chains(method="metropolis", L=4):
    return Chains(L, 0.4, 2, method, seed=0)


def dynamic_exponents(sizes, methods, seeds, K):
    """:func:`ex.dynamic_exponents` with a 16-step, 4-chain protocol (the real one takes seconds)."""
    real = ex.autocorrelation_protocol
    ex.autocorrelation_protocol = lambda L, method: (real(L, method), (16, 4))[1]
    try:
        return ex.dynamic_exponents(sizes, methods, seeds, K)
    finally:
        ex.autocorrelation_protocol = real


dynamic_exponents.__module__ = ex.__name__
dynamic_exponents.__qualname__ = "dynamic_exponents (short protocol)"


def _fields(cls):
    return tuple(cls.__dataclass_fields__)


CASES = [
    # ------------------------------------------------------------------ exact results
    Case(ising.critical_coupling, {}),
    Case(ising.correlation_length, {"K": 0.3}),
    Case(ising.correlation_length, {"K": np.array([0.3, 0.6])}),
    Case(ising.spontaneous_magnetization, {"K": 0.5}),
    Case(ising.onsager_energy, {"K": 0.4}),
    Case(ising.onsager_energy, {"K": np.array([0.3, 0.5])}),
    Case(ising.log_partition, {"m": 4, "n": 4, "K": 0.4}),
    Case(ising.exact_energy, {"m": 4, "n": 6, "K": 0.4}),
    Case(ising.exact_specific_heat, {"m": 4, "n": 4, "K": np.array([0.3, 0.5])}),
    Case(ising.exact_thermo, {"m": 3, "n": 4, "K": 0.4}),
    Case(ising.enumerate_log_partition, {"m": 3, "n": 3, "K": 0.4}),
    Case(ising.enumerate_thermo, {"m": 2, "n": 3, "K": 0.4}),
    Case(ising.coupling_from_energy, {"L": 4, "u": -1.0, "tol": 1e-12, "max_iter": 200}),
    Case(ising.coupling_from_energy, {"L": 4, "u": np.array([-1.0, -1.5])}),
    Case(ising.specific_heat_peak, {"L": 4}),
    # ------------------------------------------------------------------ samplers
    Case(Chains, {"L": 4, "K": 0.4, "chains": 2, "method": "metropolis", "seed": 0,
                  "start": "hot"}),
    Case(Chains, {"L": 3, "K": 0.4, "chains": 2, "method": "wolff", "seed": 0,
                  "start": np.ones((2, 3, 3), dtype=np.int8)}),
    Case(_chains().configs, {}),
    Case(_chains("heatbath", 3).measure, {}),
    Case(_chains("swendsen_wang").step, {}),
    Case(_chains().run, {"n_steps": 3, "record": True, "bar": None}),
    Case(_chains("wolff").run, {"n_steps": 2, "record": False}),
    Case(ising.resolve_method, {"method": "auto", "K": 0.4}),
    Case(ising.sample, {"L": 4, "K": 0.4, "n_samples": 8, "method": "metropolis", "burn_in": 4,
                        "thin": 1, "chains": 2, "seed": 0, "progress": False,
                        "return_info": True}),
    Case(ising.sample, {"L": 4, "K": 0.3, "n_samples": 4, "method": "auto", "burn_in": None,
                        "thin": None, "chains": None, "seed": 1, "progress": False}),
    Case(ising.autocorrelation_times, {"L": 4, "K": 0.4, "method": "wolff", "n_steps": 16,
                                       "chains": 2, "burn_in": 2, "seed": 0,
                                       "progress": False}),
    # ------------------------------------------------------------------ data sets
    Case(ising.dataset, {"L": 4, "K": 0.4, "n": 8, "seed": 0, "method": "metropolis",
                         "cache": True, "cache_dir": _DIR, "progress": False,
                         "return_info": False}, skip=("cache_dir",)),
    Case(ising.dataset_path, {"L": 4, "K": 0.4, "n": 8, "seed": 0, "method": "auto",
                              "cache_dir": _DIR}, skip=("cache_dir",)),
    # ------------------------------------------------------------------ observables
    Case(ising.energy, {"configs": B4}),
    Case(ising.magnetization, {"configs": B4[0]}),
    Case(ising.abs_magnetization, {"configs": B4}),
    Case(ising.nn_correlation, {"configs": B4}),
    Case(ising.susceptibility, {"configs": B4, "K": 0.4}),
    Case(ising.specific_heat, {"configs": B4, "K": 0.4}),
    Case(ising.binder_cumulant, {"configs": B4}),
    Case(ising.correlation_function, {"configs": B4, "connected": True}),
    Case(ising.estimate, {"configs": B64, "K": 0.4, "chains": 2, "n_blocks": 4}),
    Case(ising.effective_sample_size, {"configs": B64, "chains": 4}),
    Case(ising.fit_dynamic_exponent, {"Ls": np.array([4.0, 8.0, 16.0]),
                                      "taus": np.array([1.0, 4.2, 17.0])}),
    Case(ising.crossing, {"x": X5, "y1": X5, "y2": 1 - X5, "err1": np.full(5, 0.1),
                          "err2": np.full(5, 0.1), "degree": 3}),
    Case(ising.block_spin, {"configs": B8, "b": 2, "rule": "majority", "seed": 0}),
    Case(ising.block_flow, {"configs": B8, "steps": 2, "b": 2, "rule": "decimation",
                            "seed": 0}),
    # ------------------------------------------------------------------ experiments
    Case(ex.thermo_scan, {"sizes": [4], "couplings": [0.3], "n_samples": 8, "chains": 2,
                          "n_blocks": 4, "seed": 0}),
    Case(ex.binder_crossings, {"scan": SCAN, "window": (0.94, 1.06), "degree": 1}),
    Case(ex.autocorrelation_protocol, {"L": 4, "method": "wolff"}),
    Case(dynamic_exponents, {"sizes": [4, 6], "methods": ("wolff", "metropolis"),
                             "seeds": (0, 1), "K": 0.44}),
    Case(ex.block_flow_scan, {"L": 4, "couplings": [0.3], "n_samples": 8, "seeds": (0,),
                              "block_seeds": (1,), "steps": 1, "b": 2, "n_blocks": 2}),
    Case(ex.dataset_check, {"L": 4, "K": 0.3, "n": 64, "seeds": (0,), "n_examples": 2,
                            "cache_dir": _DIR}, skip=("cache_dir",)),
    Case(DYN.z, {"method": "wolff", "observable": "energy"}),
    Case(FLOWS.spread_ratio, {"low": 0, "high": 1}),
    Case(FLOWS.decay_ratio, {"k": 1}),
    Case(FLOWS.binder_z, {"k": 0, "target": 0.6}),
    Case(FLOWS.binder_shift_z, {"k": 0}),
    # result containers: constructed, not fuzzed (their fields are data, not arguments)
    Case(ex.ThermoScan, {f: getattr(SCAN, f) for f in _fields(ex.ThermoScan)},
         skip=_fields(ex.ThermoScan)),
    Case(ex.DynamicExponents, {f: getattr(DYN, f) for f in _fields(ex.DynamicExponents)},
         skip=_fields(ex.DynamicExponents)),
    Case(ex.BlockFlowScan, {f: getattr(FLOWS, f) for f in _fields(ex.BlockFlowScan)},
         skip=_fields(ex.BlockFlowScan)),
    Case(ising.BlockFlow, {"levels": [B4], "nn": [0.1], "abs_m": [0.2], "m": [0.0]},
         skip=("levels", "nn", "abs_m", "m")),
    Case(ex.BinderCrossings, {"pairs": {"4-8": _KC}, "K_star": _KC, "rel_error": 0.0},
         skip=("pairs", "K_star", "rel_error")),
    Case(ex.DatasetCheck, {f: 1 for f in _fields(ex.DatasetCheck)},
         skip=_fields(ex.DatasetCheck)),
]
