"""The periodic 2D Ising model: exact oracles, fast batched sampling, block spins.

Conventions: spins s_i = +/-1 on an L x L torus, reduced Hamiltonian
``-beta H = K sum_<ij> s_i s_j`` (J = 1, no field), energies per site in units
of J (``E = -sum_<ij> s_i s_j``). Mehta & Schwab (arXiv:1410.3831) trained
on 40 x 40 samples at K = 0.408, just on the disordered side of
``K_c = 0.4407``; :func:`dataset` makes that data set in seconds.

Layout of the module
    - exact results (:mod:`rgdl.ising.exact`): ``critical_coupling``,
      ``spontaneous_magnetization``, ``onsager_energy``, ``log_partition``,
      ``exact_energy``, ``exact_specific_heat``.
    - samplers (:mod:`rgdl.ising.mc`): batched checkerboard Metropolis and heat
      bath, Swendsen-Wang and Wolff; :func:`sample` is the front door and
      :func:`dataset` (:mod:`rgdl.ising.datasets`) its cached version.
    - :mod:`rgdl.ising.observables`: observables of a batch of configurations, error bars, autocorrelation
      times and the dynamic exponent, Binder crossings.
    - :func:`block_spin`: Kadanoff's block-spin transformation.
    - :mod:`rgdl.ising.experiments`: chapter 4's experiments, each returning a dataclass.
"""

from __future__ import annotations

from . import datasets, exact, experiments, mc, observables
from ..core.stats import autocorrelation, binning_error, integrated_autocorr_time
from .datasets import CODE_VERSION, dataset, dataset_path
from .exact import (
    correlation_length, critical_coupling, enumerate_log_partition, enumerate_thermo, exact_energy,
    exact_specific_heat, exact_thermo, log_partition, onsager_energy, spontaneous_magnetization,
)
from .exact import coupling_from_energy, specific_heat_peak  # the exact thermometer
from .exact import (  # anisotropic couplings (K_x, K_y)
    bond_correlations, correlation_lengths, critical_condition, dual_coupling, enumerate_moments,
)
from .experiments import (
    BlockFlowScan, DynamicExponents, ThermoScan, binder_crossings, block_flow_scan, dataset_check,
    dynamic_exponents, thermo_scan,
)
from .mc import (
    AUTO_CLUSTER_WINDOW, LOCAL, MAX_BATCH_SPINS, METHODS, PRE_EQUILIBRATION_SWEEPS, Chains,
    autocorrelation_times, resolve_method, sample,
)
from .mc import check_couplings, effective_coupling
from .observables import axis_correlations, nn_correlation_xy
from .observables import (
    abs_magnetization, binder_cumulant, block_spin, correlation_function, crossing,
    effective_sample_size, energy, estimate, fit_dynamic_exponent, magnetization, BlockFlow,
    block_flow,
    nn_correlation, specific_heat, susceptibility,
)

__all__ = [
    "critical_coupling", "correlation_length", "spontaneous_magnetization", "onsager_energy",
    "log_partition", "exact_energy", "exact_specific_heat", "exact_thermo",
    "enumerate_log_partition", "enumerate_thermo",
    "METHODS", "LOCAL", "AUTO_CLUSTER_WINDOW", "MAX_BATCH_SPINS", "PRE_EQUILIBRATION_SWEEPS",
    "CODE_VERSION", "Chains", "resolve_method", "sample", "dataset", "dataset_path",
    "energy", "magnetization", "abs_magnetization", "nn_correlation",
    "susceptibility", "specific_heat", "binder_cumulant", "correlation_function",
    "estimate", "effective_sample_size", "autocorrelation_times", "fit_dynamic_exponent",
    "crossing", "block_spin", "block_flow", "BlockFlow", "integrated_autocorr_time", "binning_error", "autocorrelation",
    "datasets", "exact", "mc", "observables", "coupling_from_energy", "specific_heat_peak",
    "experiments", "thermo_scan", "ThermoScan", "binder_crossings", "dynamic_exponents",
    "DynamicExponents", "block_flow_scan", "BlockFlowScan", "dataset_check",
    "bond_correlations", "correlation_lengths", "critical_condition", "dual_coupling",
    "enumerate_moments", "check_couplings", "effective_coupling", "nn_correlation_xy",
    "axis_correlations",
]
