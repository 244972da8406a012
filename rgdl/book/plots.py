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

@_export
def image_grid(rows, *, titles=None, row_labels=None, cmap="gray", symmetric=False,
               vmin=-1.0, vmax=1.0, suptitle=None, size=1.6):
    """A grid of images: ``rows[i][j]`` is a 2D array drawn in row ``i``, column ``j``.

    Parameters
    ----------
    rows : sequence of sequences of 2D arrays (rows may be shorter; missing panels are blank)
    titles : column titles, optional
    row_labels : row labels, optional
    cmap : colour map (grey for spins, ``"RdBu_r"`` for signed weights)
    symmetric : colour limits +/- max |image| per panel instead of ``vmin``/``vmax``
    suptitle : figure title, optional
    size : inches per panel
    """
    n_rows = len(rows)
    n_cols = max(len(r) for r in rows)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(size * n_cols, size * n_rows + 0.4),
                             squeeze=False)
    for i, row in enumerate(rows):
        for j, ax in enumerate(axes[i]):
            ax.set_xticks([])
            ax.set_yticks([])
            if j >= len(row):
                ax.axis("off")
                continue
            img = np.asarray(row[j])
            lim = float(np.abs(img).max()) or 1.0
            lo, hi = (-lim, lim) if symmetric else (vmin, vmax)
            ax.imshow(img, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
            if titles is not None and i == 0 and j < len(titles):
                ax.set_title(titles[j], fontsize=9)
        if row_labels is not None:
            axes[i][0].set_ylabel(row_labels[i])
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig
