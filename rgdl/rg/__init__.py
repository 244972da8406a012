"""Kadanoff's variational renormalization group, made exact by enumeration.

- :mod:`rgdl.rg.variational` the operator T(v, h), renormalized Hamiltonians, the
  trace condition, Mehta & Schwab's RBM operator, block-spin operators, decimation
- :mod:`rgdl.rg.couplings`   a Hamiltonian over spins as Ising couplings (Walsh-Hadamard)

Layering inside: ``couplings`` <- ``variational``.
"""

from . import couplings, variational
from .couplings import (
    MAX_SPINS, walsh_hadamard, states, hamiltonian_table, ising_couplings, ising_energy, popcount, subset, sites, coupling, pair_matrix, flip_gauge, ring_distance, torus_distance, group_couplings,
)
from .variational import (
    MAX_VISIBLE, Operator, as_operator, renormalized_hamiltonian, trace_condition, free_energy, delta_free_energy, kl_divergence, T_rbm, rbm_parameters, rbm_visible_hamiltonian, rbm_hidden_hamiltonian, rbm_conditional, block_operator, block_spin_hamiltonian, ring_blocks, torus_blocks, ring_hamiltonian, torus_hamiltonian, decimate_ring, majority_ring, majority_torus, decimation_coupling, decimation_constant, decimation_flow, free_energy_recursion, ring_receptive_fields, vrg_monitor, hidden_gauge, rbm_couplings,
)

__all__ = [
    "MAX_VISIBLE",
    "Operator",
    "as_operator",
    "renormalized_hamiltonian",
    "trace_condition",
    "free_energy",
    "delta_free_energy",
    "kl_divergence",
    "T_rbm",
    "rbm_parameters",
    "rbm_visible_hamiltonian",
    "rbm_hidden_hamiltonian",
    "rbm_conditional",
    "block_operator",
    "block_spin_hamiltonian",
    "ring_blocks",
    "torus_blocks",
    "ring_hamiltonian",
    "torus_hamiltonian",
    "decimate_ring",
    "majority_ring",
    "majority_torus",
    "decimation_coupling",
    "decimation_constant",
    "decimation_flow",
    "free_energy_recursion",
    "ring_receptive_fields",
    "vrg_monitor",
    "hidden_gauge",
    "rbm_couplings",
    "MAX_SPINS",
    "walsh_hadamard",
    "states",
    "hamiltonian_table",
    "ising_couplings",
    "ising_energy",
    "popcount",
    "subset",
    "sites",
    "coupling",
    "pair_matrix",
    "flip_gauge",
    "ring_distance",
    "torus_distance",
    "group_couplings",
    "couplings",
    "variational",
]
