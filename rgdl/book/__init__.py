"""The book's plumbing, the top layer: nothing below imports from here.

- :mod:`rgdl.book.scales`    smoke / book / paper run sizes
- :mod:`rgdl.book.record`    recorded numbers and checked claims inside a notebook
- :mod:`rgdl.book.chapters`  finding and executing chapters with papermill
- :mod:`rgdl.book.notebooks` stripping outputs, keeping the checked result cells
- :mod:`rgdl.book.cli`       ``python -m rgdl``
- :mod:`rgdl.book.plots`     figures shared by the chapters
"""

from . import chapters, notebooks, record, scales

__all__ = ["chapters", "notebooks", "record", "scales"]
