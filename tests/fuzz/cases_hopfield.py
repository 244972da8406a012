"""Fuzz cases for rgdl.hopfield: storage rules, dynamics, enumeration and the experiments.

Networks of 6 to 12 units, a few patterns, trials and sweeps, so every valid call takes
milliseconds. The result dataclasses are containers: their fields are not fuzzed.
"""

import numpy as np

from rgdl import hopfield as hf
from tests.fuzz.harness import Case

XI = hf.random_patterns(3, 8, seed=0)                   # int8 (3, 8)
XI3 = hf.random_patterns(3, 8, networks=2, seed=1)      # int8 (2, 3, 8)
J = hf.hebbian(XI)                                      # (8, 8)
J3 = hf.hebbian(XI3)                                    # (2, 8, 8)
B = np.linspace(-0.1, 0.1, 8)
S = hf.random_patterns(5, 8, seed=2)                    # int8 (5, 8): five states
J6 = hf.hebbian(hf.random_patterns(2, 6, seed=3))       # (6, 6)
P6 = hf.boltzmann(J6, 1.0)
SAMP = hf.glauber(J6, hf.random_patterns(2, 6, seed=4), 1.0, sweeps=20, seed=5)
TRIPLES = np.array([[0, 1, 2]])

CASES = [
    # ------------------------------------------------------------------ storage, observables
    Case(hf.random_patterns, {"P": 3, "N": 8, "networks": 2, "seed": 0}),
    Case(hf.hebbian, {"patterns": XI}),
    Case(hf.hebbian, {"patterns": XI3}),
    Case(hf.pseudo_inverse, {"patterns": XI, "zero_diagonal": True}),
    Case(hf.energy, {"J": J, "s": S, "B": B}),
    Case(hf.energy, {"J": J3, "s": XI3}),
    Case(hf.overlaps, {"patterns": XI, "s": S}),
    Case(hf.is_fixed_point, {"J": J, "s": XI, "B": B}),
    Case(hf.flip_fraction, {"s": S, "fraction": 0.25, "seed": 0}),
    Case(hf.mixture_states, {"patterns": XI, "triples": TRIPLES}),
    Case(hf.classify, {"patterns": XI, "s": S, "stored": 0.8, "mix": (0.3, 0.7)}),
    # ------------------------------------------------------------------ dynamics
    Case(hf.async_dynamics, {"J": J, "s": S, "B": B, "max_sweeps": 20, "seed": 0,
                             "record_energy": True, "progress": False}),
    Case(hf.sync_dynamics, {"J": J, "s": S, "B": B, "max_steps": 20, "return_path": True}),
    Case(hf.glauber, {"J": J, "s": S, "T": 0.5, "B": B, "sweeps": 4, "burn_in": 2, "every": 2,
                      "seed": 0, "progress": False}),
    Case(hf.glauber_transition_matrix, {"J": J6, "T": 1.0, "B": B[:6]}),
    # ------------------------------------------------------------------ enumeration
    Case(hf.all_states, {"N": 6}),
    Case(hf.state_index, {"s": S}),
    Case(hf.energies_enum, {"J": J, "B": B, "chunk": 64}),
    Case(hf.log_partition, {"J": J, "T": 1.0, "B": B}),
    Case(hf.log_partition, {"J": J3, "T": np.array([0.5, 1.0])}),
    Case(hf.free_energy, {"J": J, "T": np.array([0.5, 1.0]), "B": B}),
    Case(hf.boltzmann, {"J": J6, "T": 1.0, "B": B[:6]}),
    Case(hf.thermal_averages, {"J": J6, "T": np.array([0.5, 1.0]), "B": B[:6]}),
    Case(hf.empirical_distribution, {"samples": SAMP, "N": 6}),
    Case(hf.total_variation, {"p": P6, "q": np.full(64, 1 / 64)}),
    Case(hf.sampling_tvd, {"p": P6, "n": 100, "replicas": 5, "seed": 0}),
    # ------------------------------------------------------------------ experiments
    Case(hf.retrieval_overlaps, {"patterns": XI, "J": J, "start": S[:3], "max_sweeps": 10,
                                 "seed": 0, "progress": False}),
    Case(hf.basin_curve, {"patterns": XI, "fractions": np.array([0.0, 0.25]), "J": J,
                          "max_sweeps": 10, "seed": 0, "progress": False}),
    Case(hf.capacity_curve, {"N": 10, "alphas": np.array([0.1, 0.3]), "networks": 2,
                             "max_sweeps": 10, "seed": 0, "progress": False}),
    Case(hf.level_crossing, {"x": np.array([0.1, 0.2, 0.3]), "y": np.array([1.0, 0.95, 0.5]),
                             "level": 0.9}),
    Case(hf.energy_descent, {"N": 10, "P": 2, "trials": 3, "seed": 0}),
    Case(hf.sync_cycles, {"N": 10, "P": 3, "starts": 4, "max_steps": 20, "seed": 0}),
    Case(hf.basins, {"N": 10, "alphas": np.array([0.1, 0.3]), "fractions": np.array([0.0, 0.2]),
                     "seed": 0}),
    Case(hf.fixed_point_probability, {"N": 100, "alpha": 0.1}),
    Case(hf.stored_fixed_fraction, {"N": 10, "alpha": 0.2, "networks": 2, "seed": 0}),
    Case(hf.capacity, {"Ns": (8, 10), "alphas": np.array([0.1, 0.3]), "networks": (2, 1),
                       "level": 0.9, "seed": 0}),
    Case(hf.spurious_states, {"N": 10, "P": 3, "networks": 2, "starts": 3, "seed": 0}),
    Case(hf.high_load_retrieval, {"N": 10, "alpha": 0.3, "seed": 0}),
    Case(hf.glauber_vs_boltzmann, {"patterns": XI[:2, :6], "T": 1.0, "chains": 2, "samples": 20,
                                   "every": 1, "burn_in": 2, "wrong": 1.25, "replicas": 5,
                                   "seed": 0}),
    Case(hf.thermodynamics, {"J": J6, "T": np.array([0.5, 1.0]), "h": 1e-4}),
]
