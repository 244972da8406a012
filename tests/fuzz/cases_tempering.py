"""Fuzz cases for issue #18 (helper B): parallel tempering and the bracketed ln Z.

Tiny sizes (4 visible, 3 hidden units; two or three replicas; a few sweeps or
temperatures) so every valid call takes milliseconds. The state ``v`` of
:func:`tempering_sweep_` is updated in place and stays valid from call to call.
"""

import numpy as np
import torch

from rgdl.rbm import ais, tempering
from rgdl.rbm.model import RBM
from tests.fuzz.harness import Case

F64 = torch.float64
RBM_ = RBM(4, 3, seed=0, dtype=F64)            # read-only in every case below
RBM_.W = RBM_.W * 100                           # couplings of order one
START = torch.tensor([[0.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]],
                     dtype=F64)
_GEN = torch.Generator().manual_seed(0)
STATE = torch.zeros(3, 2, 4, dtype=F64)
BRACKET = ais.log_partition_bracket(RBM_, START, n_runs=4, n_betas=10, seed=0)


def _uniform_(t):
    return t.uniform_(generator=_GEN)


CASES = [
    # ------------------------------------------------------------ parallel tempering
    Case(tempering.temperature_ladder, {"n_temperatures": 4, "beta_min": 0.5}),
    Case(tempering.tempering_sweep_, {"rbm": RBM_, "v": STATE,
                                      "betas": tempering.temperature_ladder(3, 0.5),
                                      "uniform_": _uniform_, "parity": 1}),
    Case(tempering.parallel_tempering, {
        "rbm": RBM_, "n_temperatures": 3, "beta_min": 0.5, "betas": None, "n_chains": 4,
        "n_sweeps": 5, "burn_in": 2, "seed": 0, "v0": None, "progress": False}),
    Case(tempering.parallel_tempering, {"rbm": RBM_, "betas": np.array([1.0, 0.6, 0.3]),
                                        "n_chains": 3, "n_sweeps": 3, "burn_in": 0, "seed": 1,
                                        "v0": START}),
    # ----------------------------------------------------- reverse AIS and the bracket
    Case(ais.reverse_ais_log_partition, {"rbm": RBM_, "start": START, "n_betas": 20, "seed": 0,
                                         "base": None, "betas": None, "dtype": F64,
                                         "progress": False}),
    Case(ais.reverse_ais_log_partition, {"rbm": RBM_, "start": START, "seed": 0,
                                         "base": START.numpy(), "betas": np.linspace(0, 1, 11)}),
    Case(ais.log_partition_bracket, {"rbm": RBM_, "start": START, "n_runs": 4, "n_betas": 10,
                                     "seed": 0, "base": None}),
    Case(ais.log_partition_bracket, {"rbm": RBM_, "start": None, "n_runs": 4, "n_betas": 10,
                                     "seed": 0, "base": np.zeros(4)}),
    Case(BRACKET.contains, {"log_z": 3.0, "sigmas": 2.0}),
    Case(ais.exact_samples, {"rbm": RBM_, "n": 5, "seed": 0}),
]
