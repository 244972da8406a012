"""Fuzz cases for rgdl.mcrg: block rules, block operators, MCRG, the DV bound, learned rules.

Every valid call works on small Ising lattices (8x8 and 16x16 at K = 0.4, 32
configurations, drawn once at import), two bins for the jackknife, and at most a
few optimiser steps or one training epoch, so that the whole fuzz of this module
stays a few seconds.
"""

import warnings

import numpy as np
import torch

from rgdl import ising
from rgdl.mcrg import blocking as bl
from rgdl.mcrg import experiment as ex
from rgdl.mcrg import learned as le
from rgdl.mcrg import linearization as li
from rgdl.mcrg import mutual_info as mi
from rgdl.mcrg import operators as op
from tests.fuzz.harness import Case

K = 0.4              # below K_c: small critical lattices are too often all aligned for MCRG
X8 = ising.sample(8, K, 32, seed=0, progress=False)         # (32, 8, 8) int8, +/-1
X16 = ising.sample(16, K, 32, seed=1, progress=False)       # (32, 16, 16)
RULE = bl.Rule(np.array([[1.0, 0.8], [0.9, 1.1]]), 0.1, name="test")
LEVELS = bl.flow(X16, "majority", 2, 2, seed=0)             # 16 -> 8 -> 4
LO, HI = op.even_operators(LEVELS[0], 2), op.even_operators(LEVELS[1], 2)
T2 = li.linearization(LO, HI)
MCRG = li.level_eigenvalues(LEVELS[:2], n_bins=2)

G = np.random.default_rng(0)
P = torch.as_tensor(G.uniform(0.2, 0.8, 16))
SCORES = torch.as_tensor(G.normal(size=(16, 2)))
ENV = G.choice([-1.0, 1.0], size=(16, 3))
ENV_INDEX = np.arange(16) % 4

with warnings.catch_warnings():      # two RSMI steps: an exponent may be undefined (None)
    warnings.simplefilter("ignore", RuntimeWarning)
    TABLE = ex.rule_table({16: X16}, {"majority": "majority"}, levels=1, n_bins=2)
    LEARNED = ex.learned_rules(X8, X16, [0], levels=1, rsmi_steps=2, rsmi_batch=32,
                               cd_epochs=1, n_bins=2)
    LAYER = le.ms_layer(X8, epochs=1, n_hidden=16, seed=0, batch_size=16)

#: Bad values beyond the harness's generic ones: non-spin, complex and boolean lattices,
#: malformed operator tables, levels of the wrong sizes, probabilities outside [0, 1].
NON_SPIN = [np.full((4, 4), 257), np.full((4, 4), 1 + 0j), np.ones((4, 4), bool),
            np.full((4, 4), 1.7), [[1, -1], [1]]]
BAD_TABLE = [{}, {"x": []}, {"x": [[(0, 0.5)]]}, {"x": [[(0, 0, 0)]]}, {"x": "ab"},
             {"x": [[(True, 0)]]}]
BAD_LEVELS = [[X16, X16], [X16], [X16, X8[:5]], [X16, "bogus"], (X16,) * 70]
BAD_P = [np.full(16, 1.5), -np.ones(16), torch.full((16,), float("nan"))]

CASES = [
    # ---------------------------------------------------------------- blocking
    Case(bl.Rule, {"weights": np.ones((2, 2)), "bias": 0.5, "name": "r", "info": {}},
         extra_bad={"weights": [np.ones((2, 3)), np.zeros((0, 0)), [[1, "a"], [1, 1]]]}),
    Case(RULE.direction, {}),
    Case(bl.as_batch, {"configs": X8, "name": "configs"}, extra_bad={"configs": NON_SPIN}),
    Case(bl.coarse_grain, {"configs": X8, "rule": "majority", "b": 2, "seed": 0}),
    Case(bl.coarse_grain, {"configs": X8, "rule": RULE, "b": 2, "seed": 0}),
    Case(bl.flow, {"configs": X16, "rule": "decimation", "b": 2, "levels": 2, "seed": 0},
         extra_bad={"levels": [5, 64], "b": [3, 16, 32], "rule": [bl.Rule(np.ones((3, 3)))]}),
    # --------------------------------------------------------------- operators
    Case(op.operators, {"configs": X8, "table": op.ODD, "n": 2, "name": "n"},
         extra_bad={"table": BAD_TABLE, "n": [5]}),
    Case(op.even_operators, {"configs": X8, "n": 3}),
    Case(op.odd_operators, {"configs": X8, "n": 2}),
    # ----------------------------------------------------------- linearization
    Case(li.linearization, {"lower": LO, "upper": HI, "weights": np.full(32, 1 / 32)}),
    Case(li.leading_eigenvalue, {"T": T2}),
    Case(li.leading_exponent, {"T": T2, "b": 2}),
    Case(li.level_eigenvalues, {"levels": LEVELS, "b": 2, "n_even": 2, "n_odd": 2, "n_bins": 2,
                                "rule": "custom"},
         extra_bad={"levels": BAD_LEVELS, "b": [3], "n_even": [7], "n_bins": [17]}),
    Case(li.eigenvalues, {"configs": X16, "rule": "majority", "b": 2, "levels": 2, "n_even": 3,
                          "n_odd": 2, "seed": 0, "n_bins": 2}),
    Case(MCRG.rows, {}),
    # ------------------------------------------------------------- mutual_info
    Case(mi.dv_bound, {"p": P, "scores": SCORES, "weights": torch.full((16,), 1 / 16)},
         extra_bad={"p": BAD_P, "weights": [torch.zeros(16), -torch.ones(16)]}),
    Case(mi.exact_mutual_information, {"p_h_given_x": P.numpy(), "weights": np.full(16, 1 / 16),
                                       "env_index": ENV_INDEX},
         extra_bad={"p_h_given_x": BAD_P[:2], "weights": [np.zeros(16), np.full(16, 1e308)],
                    "env_index": [np.array(["a"] * 16), ENV_INDEX[:3]]}),
    Case(mi.critic, {"n_env": 3, "hidden": 4, "seed": 0, "dtype": torch.float64}),
    Case(mi.fit_critic, {"p": P.numpy(), "env": ENV, "weights": np.full(16, 1 / 16), "steps": 3,
                         "lr": 0.02, "hidden": 4, "seed": 0}),
    # ----------------------------------------------------------------- learned
    Case(le.block_environment, {"configs": X8, "n_per_config": 2, "buffer": 1, "width": 2,
                                "seed": 0}, extra_bad={"buffer": [2, 8], "width": [3, 8]}),
    Case(le.rsmi_rule, {"configs": X8, "steps": 2, "batch": 32, "lr": 0.03, "buffer": 1,
                        "width": 2, "n_per_config": 2, "hidden": 4, "seed": 0}),
    Case(le.cd_rbm_rule, {"configs": X8, "epochs": 1, "lr": 0.05, "batch_size": 50,
                          "max_blocks": 200, "seed": 0}),
    Case(le.place_units, {"centres": LAYER.centres, "L": 8, "side": 4},
         extra_bad={"L": [3], "side": [65, 3]}),
    Case(le.ms_layer, {"configs": X8, "epochs": 1, "n_hidden": 16, "seed": 0, "progress": False,
                       "batch_size": 16}),
    Case(le.ms_coarse_grain, {"layer": LAYER, "configs": X8, "seed": 0}),
    # -------------------------------------------------------------- experiment
    Case(ex.rule_table, {"datasets": {16: X16}, "rules": {"maj": "majority", "r": RULE},
                         "levels": 1, "n_even": 3, "n_odd": 2, "seed": 0, "n_bins": 2}),
    Case(TABLE.get, {"rule": "majority", "L": 16, "level": 1}),
    Case(ex.block_shape, {"rule": RULE},
         extra_bad={"rule": [bl.Rule(np.full((2, 2), -1e308)),
                             bl.Rule([[1e308, -1e308], [1, 1]])]}),
    Case(ex.learned_rules, {"train": X8, "test": X16, "seeds": [0], "levels": 1, "rsmi_steps": 2,
                            "rsmi_batch": 32, "cd_epochs": 1, "n_bins": 2}),
    Case(LEARNED.values, {"name": "RSMI", "key": "y_t", "level": 1}),
    Case(ex.ms_run, {"configs": X8, "seeds": [0], "epochs": 1, "n_bins": 2, "batch_size": 16}),
]
