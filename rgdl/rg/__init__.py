"""Kadanoff's variational renormalization group, made exact by enumeration.

- :mod:`rgdl.rg.couplings`   a Hamiltonian over spins as Ising couplings (Walsh-Hadamard)
- :mod:`rgdl.rg.variational` the operator T(v, h), renormalized Hamiltonians, the
  trace condition, Mehta & Schwab's RBM operator, block-spin operators, decimation
- :mod:`rgdl.rg.experiments` the experiments of chapter 3, each returning a small result

Layering inside: ``couplings`` <- ``variational`` <- ``experiments``.
"""

from . import couplings, experiments, variational
from .couplings import (
    MAX_SPINS, coupling, flip_gauge, group_couplings, hamiltonian_table, ising_couplings,
    ising_energy, pair_matrix, popcount, ring_distance, sites, states, subset, torus_distance,
    walsh_hadamard,
)
from .experiments import (
    DecimationCheck, LayerFreeEnergy, MajorityCouplings, MappingCheck, RingCouplings,
    RingCouplingSummary, RingRun, TraceCounterexample, decimation_check, free_energy_table,
    layer_free_energy, majority_couplings, mapping_check, ring_coupling_summary,
    ring_couplings, ring_couplings_table, trace_counterexample, train_ring_rbms,
)
from .variational import (
    MAX_VISIBLE, Operator, T_rbm, as_operator, block_operator, block_spin_hamiltonian,
    decimate_ring, decimation_constant, decimation_coupling, decimation_flow, delta_free_energy,
    free_energy, free_energy_recursion, hidden_gauge, kl_divergence, majority_ring,
    majority_torus, rbm_conditional, rbm_couplings, rbm_hidden_hamiltonian, rbm_parameters,
    rbm_visible_hamiltonian, renormalized_hamiltonian, ring_blocks, ring_hamiltonian,
    ring_receptive_fields, torus_blocks, torus_hamiltonian, trace_condition, vrg_monitor,
)

__all__ = (list(variational.__all__) + list(couplings.__all__) + list(experiments.__all__)
           + ["couplings", "experiments", "variational"])
