"""rgdl: an executable companion to Mehta & Schwab (arXiv:1410.3831).

The package holds everything the chapters in ``book/`` compute; the chapters
themselves stay thin (narrative, a few calls, figures). Modules are named for
the physics they implement:

- :mod:`rgdl.scales`   the three run sizes (smoke, book, paper)
- :mod:`rgdl.runtime`  seeding and device choice
- :mod:`rgdl.record`   recording numbers and checked claims into a notebook
- :mod:`rgdl.chapters` finding and executing chapters (papermill)
- :mod:`rgdl.chain`    the 1D Ising ring (chapter 0)
"""

__version__ = "0.1.0"
