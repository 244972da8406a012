"""The three scales every chapter runs at.

``smoke``  seconds; what CI runs.
``book``   minutes on a reader's laptop; the default of every chapter.
``paper``  the settings of the paper being reproduced.

A chapter's ``parameters`` cell sets ``scale = "book"``; the next cell calls
:func:`resolve` and derives every size from it with :func:`pick`.
"""

from __future__ import annotations

import math
import numbers
import os

__all__ = ["SCALES", "ENV_VAR", "CHAPTER_TIMEOUT", "CELL_TIMEOUT", "check_scale", "resolve",
           "pick"]

SCALES = ("smoke", "book", "paper")

#: Environment variable that overrides a chapter's ``scale`` parameter. nbval
#: cannot inject papermill parameters, so the test command sets it to "smoke".
ENV_VAR = "RGDL_SCALE"

#: Wall-clock limit, in seconds, for executing one whole chapter.
CHAPTER_TIMEOUT = {"smoke": 900, "book": 3600, "paper": 6 * 3600}

#: Limit, in seconds, for one cell.
CELL_TIMEOUT = {"smoke": 600, "book": 1800, "paper": 6 * 3600}


def check_scale(scale: object) -> str:
    """Return ``scale`` if it is one of :data:`SCALES`, else raise ``ValueError``."""
    if not isinstance(scale, str) or scale not in SCALES:
        raise ValueError(
            f"scale must be one of {', '.join(repr(s) for s in SCALES)}; got {scale!r}"
        )
    return scale


def resolve(scale: object) -> str:
    """Validate a chapter's ``scale`` parameter, honouring ``$RGDL_SCALE``.

    The environment variable, when set and non-empty, wins over the argument.
    """
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        try:
            return check_scale(env)
        except ValueError as err:
            raise ValueError(f"${ENV_VAR}: {err}") from None
    return check_scale(scale)


def pick(scale: str, *, smoke, book, paper=None):
    """Return the value for ``scale``; ``paper`` defaults to the ``book`` value.

    Examples
    --------
    >>> pick("smoke", smoke=100, book=10_000, paper=20_000)
    100

    A NaN value (for any scale) is refused: no size or setting means NaN.
    """
    scale = check_scale(scale)
    for name, value in (("smoke", smoke), ("book", book), ("paper", paper)):
        if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral) \
                and math.isnan(value):
            raise ValueError(f"{name} must not be NaN")
    if scale == "smoke":
        return smoke
    if scale == "book" or paper is None:
        return book
    return paper
