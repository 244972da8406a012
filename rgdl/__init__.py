"""rgdl: an executable companion to Mehta & Schwab (arXiv:1410.3831).

The package computes everything the chapters in ``book/`` show; the chapters
narrate and call it. It is built in four layers, each importing only from the
layers below it (``tests/test_architecture.py`` checks this, and that no
import circle exists):

1. **core** (:mod:`rgdl.core`): validation, seeds and threads, atomic files and
   the cache, enumeration of binary states, summing out a unit, statistics.
2. **models**: :mod:`rgdl.chain` (the 1D Ising ring, chapter 0),
   :mod:`rgdl.hopfield` (chapter 1), :mod:`rgdl.rbm` (restricted Boltzmann
   machines: model, training, AIS, toy data; chapter 2), :mod:`rgdl.ising`
   (the 2D Ising model: exact results, samplers, observables, data sets; chapter 4).
3. **renormalization**: :mod:`rgdl.rg` (the variational RG and Ising couplings,
   chapter 3), :mod:`rgdl.dbn` (deep belief networks, locality and the
   block-spin experiment, chapter 5).
4. **book** (:mod:`rgdl.book`): scales, recorded claims, the papermill runner,
   the command line, shared figures.

``from rgdl import ising, rbm, rg, dbn`` imports a subpackage on first use.
"""

import importlib

__version__ = "0.1.0"

#: The layers, bottom to top: a module may import from its own layer or lower ones.
LAYERS = {
    "core": 0,
    "chain": 1, "hopfield": 1, "ising": 1, "rbm": 1,
    "rg": 2, "dbn": 2, "flow": 2, "mcrg": 2,
    "book": 3,
}

__all__ = sorted(LAYERS)


def __getattr__(name):
    if name in LAYERS:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
