"""Core utilities, the bottom layer: nothing here imports from the rest of rgdl.

- :mod:`rgdl.core.validate` argument checks that name the argument
- :mod:`rgdl.core.runtime`  seeds, devices, torch threads per OS thread
- :mod:`rgdl.core.io`       atomic writes, hashes, the cache folder
- :mod:`rgdl.core.states`   enumerating binary configurations and indexing them
- :mod:`rgdl.core.units`    summing a binary unit out of a Boltzmann weight
- :mod:`rgdl.core.stats`    autocorrelation times and binning error bars
"""

from . import io, runtime, states, stats, units, validate

__all__ = ["io", "runtime", "states", "stats", "units", "validate"]
