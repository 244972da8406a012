"""Enumerating configurations of binary units, shared by every exact oracle."""

from __future__ import annotations

import numpy as np

from . import validate


#: Largest n whose 2**n configurations any enumeration in rgdl will build.
MAX_STATES_BITS = 30


def spin_states(n: int) -> np.ndarray:
    """All 2**n configurations of n spins, shape (2**n, n), int8 +/-1.

    Row k holds the bits of k: s_i = +1 where bit i of k is set. Callers bound n
    (2**n rows must fit in memory); this function only builds the table.
    """
    n = validate.positive_int("n", n, minimum=0, maximum=MAX_STATES_BITS)
    validate.elements("n", 1 << n, n, itemsize=9)
    bits = (np.arange(1 << n, dtype=np.int64)[:, None] >> np.arange(n)) & 1
    return (2 * bits - 1).astype(np.int8)


def state_index(x, values=(-1, 1)) -> np.ndarray:
    """Row of the enumeration (:func:`spin_states`) holding each state in ``x`` (..., n).

    ``index = sum_i [x_i = values[1]] 2**i``: the inverse of the enumeration,
    for units valued ``values`` (``(-1, 1)`` or ``(0, 1)``). ``n`` is at most 62.
    Values are not validated here; callers check them at their door.
    """
    if not isinstance(values, (tuple, list)) or len(values) != 2:
        raise TypeError(f"values must be a pair such as (-1, 1) or (0, 1); got {values!r}")
    x = validate.real_array("x", x, finite=False)
    if x.ndim == 0 or x.shape[-1] > 62:
        raise ValueError(f"x must have shape (..., n) with n <= 62; got {x.shape}")
    return ((x == values[1]).astype(np.int64) << np.arange(x.shape[-1])).sum(axis=-1)
