"""Figures the chapters draw: each function takes results, returns a matplotlib Figure.

Chapters call these from cells tagged ``hide-input``, so a rendered page shows
the figure with a "show code" toggle and the drawing code lives here, once.
Functions are grouped by the chapter that introduced them; figures that
several chapters share (image grids, training histories, distributions of
radii) come first.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__: list[str] = []


def _export(fn):
    """Add ``fn`` to ``__all__`` (used as a decorator on every public figure function)."""
    __all__.append(fn.__name__)
    return fn


# ----------------------------------------------------------------------------- shared figures
