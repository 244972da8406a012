"""rgdl: an executable companion to Mehta & Schwab (arXiv:1410.3831).

The package holds everything the chapters in ``book/`` compute; the chapters
themselves stay thin (narrative, a few calls, figures). Modules are named for
the physics they implement:

- :mod:`rgdl.scales`   the three run sizes (smoke, book, paper)
- :mod:`rgdl.runtime`  seeding and device choice
- :mod:`rgdl.record`   recording numbers and checked claims into a notebook
- :mod:`rgdl.chapters` finding and executing chapters (papermill)
- :mod:`rgdl.stats`    autocorrelation times and binning error bars
- :mod:`rgdl.io`       atomic writes and the cache folder
- :mod:`rgdl.chain`    the 1D Ising ring (chapter 0)
- :mod:`rgdl.hopfield` Hopfield networks (chapter 1)
- :mod:`rgdl.rbm`      restricted Boltzmann machines, with :mod:`rgdl.training` (CD/PCD),
  :mod:`rgdl.ais` (annealed importance sampling) and :mod:`rgdl.datasets` (chapter 2)
- :mod:`rgdl.rg`       the variational RG, with :mod:`rgdl.couplings` (chapter 3)
- :mod:`rgdl.ising`    the 2D Ising model: exact results and samplers (chapter 4)
- :mod:`rgdl.dbn`      deep belief networks, with :mod:`rgdl.locality` (chapter 5)
"""

__version__ = "0.1.0"
