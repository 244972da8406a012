"""Fuzz cases for rgdl.rg: couplings, the variational RG step and the chapter-3 experiments.

Every valid call enumerates at most 2^16 states (the 4x4 torus) and trains at most
two 4-unit RBMs for one epoch. ``subset`` and ``coupling`` take their sites as
``*args``; they are fuzzed through two-site wrappers that keep their names (the
second argument is named after the varargs, ``sites_``, which the error messages name).
"""

import numpy as np
import torch

from rgdl.rbm import RBM
from rgdl.rg import couplings as cp
from rgdl.rg import experiments as ex
from rgdl.rg import variational as vr
from tests.fuzz.harness import Case

G = np.random.default_rng(0)
H3 = G.normal(size=8)                      # a Hamiltonian table of 3 spins
T_TABLE = G.normal(size=(8, 4))            # an operator table: 3 visible, 2 hidden
J3 = cp.ising_couplings(H3)
RBM_ = RBM(3, 2, seed=0, dtype=torch.float64)
RBM_.W = torch.tensor(G.normal(size=(3, 2)))
H_RING = vr.ring_hamiltonian(4, 0.5)


def _ring_energy(v):
    return -np.sum(v * np.roll(v, -1, axis=1), axis=1)


def subset(site, sites_):
    return cp.subset(site, sites_)


def coupling(J, site, sites_):
    return cp.coupling(J, site, sites_)


for _fn, _name in ((subset, "subset"), (coupling, "coupling")):
    _fn.__module__, _fn.__qualname__ = cp.__name__, f"{_name} (two sites)"

RUNS = ex.train_ring_rbms(6, 3, [0.5], n_samples=20, epochs=1, seeds=[0], width=2,
                          batch_size=10)
ROWS = [ex.ring_couplings(r) for r in RUNS]
LAYERS = [ex.layer_free_energy(r) for r in RUNS]
MAJ = ex.majority_couplings(6, [0.5], ring_block=3, torus_size=4, torus_block=2)

CASES = [
    # ---------------------------------------------------------------- couplings
    Case(cp.walsh_hadamard, {"x": H3}),
    Case(cp.states, {"n": 3, "values": (-1, 1)}),
    Case(cp.hamiltonian_table, {"H": H3, "n": 3, "values": (-1, 1)}),
    Case(cp.hamiltonian_table, {"H": _ring_energy, "n": 3, "values": (0, 1)}),
    Case(cp.ising_couplings, {"H": H3, "n": 3, "values": (-1, 1)}),
    Case(cp.ising_energy, {"J": J3, "spins": None}),
    Case(cp.ising_energy, {"J": J3, "spins": np.array([[1.0, -1.0, 1.0]])}),
    Case(cp.popcount, {"x": np.arange(8)}),
    Case(subset, {"site": 0, "sites_": 2}),
    Case(cp.sites, {"mask": 5}),
    Case(coupling, {"J": J3, "site": 0, "sites_": 1}),
    Case(cp.pair_matrix, {"J": J3}),
    Case(cp.flip_gauge, {"J": J3, "flips": np.array([True, False, True])}),
    Case(cp.flip_gauge, {"J": J3, "flips": 3}),
    Case(cp.ring_distance, {"n": 5}),
    Case(cp.torus_distance, {"L": 3, "M": 2}),
    Case(cp.group_couplings, {"J": J3, "distance": cp.ring_distance(3), "tol": 1e-12,
                              "decimals": 6}),
    # -------------------------------------------------------------- variational
    Case(vr.as_operator, {"T": T_TABLE, "n_visible": None, "n_hidden": None,
                          "visible_values": (-1, 1), "hidden_values": (-1, 1)}),
    Case(vr.as_operator, {"T": lambda v, h: v[:, :1] * h[:, 0], "n_visible": 3, "n_hidden": 2,
                          "visible_values": (-1, 1), "hidden_values": (-1, 1)}),
    Case(vr.as_operator(T_TABLE).table, {}),
    Case(vr.as_operator(T_TABLE).__call__, {"v": cp.states(3), "h": cp.states(2)}),
    Case(vr.renormalized_hamiltonian, {"H_v": H3, "T": T_TABLE, "n_visible": None,
                                       "n_hidden": None}),
    Case(vr.trace_condition, {"T": T_TABLE, "n_visible": None, "n_hidden": None}),
    Case(vr.free_energy, {"H": H3}),
    Case(vr.delta_free_energy, {"H_v": H3, "T": T_TABLE}),
    Case(vr.kl_divergence, {"H_p": H3, "H_q": H3[::-1].copy()}),
    Case(vr.T_rbm, {"rbm": RBM_, "H_v": H3}),
    Case(vr.rbm_parameters, {"rbm": RBM_}),
    Case(vr.rbm_visible_hamiltonian, {"rbm": RBM_}),
    Case(vr.rbm_hidden_hamiltonian, {"rbm": RBM_}),
    Case(vr.rbm_conditional, {"rbm": RBM_}),
    Case(vr.block_operator, {"blocks": [[0, 1], [2, 3]], "n_visible": 4, "rule": "majority"}),
    Case(vr.block_spin_hamiltonian, {"H_v": H_RING, "blocks": [[0, 1], [2, 3]], "n_visible": 4,
                                     "rule": "decimation"}),
    Case(vr.ring_blocks, {"N": 6, "b": 3}),
    Case(vr.torus_blocks, {"L": 4, "b": 2}),
    Case(vr.ring_hamiltonian, {"N": 4, "K": 0.5, "B": 0.1}),
    Case(vr.torus_hamiltonian, {"L": 2, "K": 0.5}),
    Case(vr.decimate_ring, {"N": 6, "K": 0.5, "b": 2}),
    Case(vr.majority_ring, {"N": 6, "K": 0.5, "b": 3}),
    Case(vr.majority_torus, {"L": 2, "K": 0.5, "b": 2}),
    Case(vr.decimation_coupling, {"K": 0.5, "b": 2}),
    Case(vr.decimation_coupling, {"K": np.array([0.1, 0.5]), "b": 3}),
    Case(vr.decimation_constant, {"K": 0.5, "b": 2}),
    Case(vr.decimation_constant, {"K": np.array([0.1, 0.5]), "b": 3}),
    Case(vr.decimation_flow, {"K0": 1.0, "steps": 3, "b": 2}),
    Case(vr.free_energy_recursion, {"N": 8, "K": 0.5, "b": 2}),
    Case(vr.ring_receptive_fields, {"n_visible": 6, "n_hidden": 3, "width": 4}),
    Case(vr.vrg_monitor, {"H_v": H3}),
    Case(vr.vrg_monitor(H3), {"rbm": RBM_}),
    Case(vr.hidden_gauge, {"rbm": RBM_}),
    Case(vr.rbm_couplings, {"rbm": RBM_, "gauge": True}),
    # -------------------------------------------------------------- experiments
    Case(ex.mapping_check, {"n_cases": 2, "seed": 0, "h_scale": 3.0}),
    Case(ex.decimation_check, {"sizes": [6], "couplings": [0.5], "b": 2}),
    Case(ex.majority_couplings, {"ring_size": 6, "couplings": [0.5], "ring_block": 3,
                                 "torus_size": 4, "torus_block": 2}),
    Case(MAJ.group, {"lattice": "ring", "K": 0.5, "order": 2, "extent": 1.0}),
    Case(MAJ.mean, {"lattice": "torus", "K": 0.5, "order": 2, "extent": 1.0}),
    Case(MAJ.largest, {"lattice": "ring", "K": 0.5, "order": 2}),
    Case(MAJ.odd_max, {}),
    Case(MAJ.table, {}),
    Case(ex.train_ring_rbms, {"n_visible": 4, "n_hidden": 2, "couplings": [0.5],
                              "n_samples": 20, "epochs": 1, "seeds": [0], "width": 2,
                              "batch_size": 10}),
    Case(ex.trace_counterexample, {"rbm": RBM_, "H": H3}),
    Case(ex.ring_couplings, {"run": RUNS[0]}),
    Case(ex.ring_couplings_table, {"rows": ROWS}),
    Case(ex.ring_coupling_summary, {"rows": ROWS}),
    Case(ex.layer_free_energy, {"run": RUNS[1]}),
    Case(ex.free_energy_table, {"rows": LAYERS, "n_visible": 6, "n_hidden": 3}),
]
