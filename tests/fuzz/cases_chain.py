"""Fuzz cases for rgdl.chain: the 1D Ising ring (enumeration, transfer matrix, Metropolis).

Rings of 4 to 6 spins, a few sweeps and chains, so every valid call takes milliseconds.
"""

import numpy as np

from rgdl import chain
from tests.fuzz.harness import Case

S6 = chain.all_states(6)[::5]                          # 13 configurations of 6 spins
SAMPLES = chain.exact_samples(6, 0.5, n=8, seed=0)      # int8 (8, 6)

CASES = [
    Case(chain.all_states, {"N": 4}),
    Case(chain.energy, {"s": S6, "K": 0.5, "B": 0.1}),
    Case(chain.log_partition_enum, {"N": 6, "K": 0.5, "B": 0.1}),
    Case(chain.correlations_enum, {"N": 6, "K": 0.5, "B": 0.1}),
    Case(chain.transfer_matrix, {"K": 0.5, "B": 0.1}),
    Case(chain.eigenvalues, {"K": 0.5, "B": 0.1}),
    Case(chain.log_partition, {"N": 6, "K": 0.5, "B": 0.1}),
    Case(chain.free_energy_per_site, {"N": 6, "K": 0.5, "B": 0.1}),
    Case(chain.correlations, {"N": 6, "K": 0.5, "B": 0.1}),
    Case(chain.correlation_length, {"K": 0.5}),
    Case(chain.exact_samples, {"N": 6, "K": 0.5, "B": 0.1, "n": 50, "seed": 0}),
    Case(chain.metropolis, {"N": 6, "K": 0.5, "B": 0.1, "sweeps": 20, "chains": 4,
                            "burn_in": 5, "seed": 0, "progress": False}),
    Case(chain.ring_correlations, {"samples": SAMPLES}),
    Case(chain.enumeration_vs_transfer, {"Ns": [4, 6], "Ks": [0.3, -0.7], "Bs": [0.0, 0.2]}),
    Case(chain.metropolis_check, {"N": 6, "Ks": np.array([0.4, 0.8]), "sweeps": 64, "chains": 4,
                                  "burn_in": 8, "lags": 3, "seed": 0}),
]
