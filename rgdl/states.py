"""Enumerating configurations of binary units, shared by every exact oracle."""

from __future__ import annotations

import numpy as np

from . import validate


def spin_states(n: int) -> np.ndarray:
    """All 2**n configurations of n spins, shape (2**n, n), int8 +/-1.

    Row k holds the bits of k: s_i = +1 where bit i of k is set. Callers bound n
    (2**n rows must fit in memory); this function only builds the table.
    """
    n = validate.positive_int("n", n, minimum=0)
    bits = (np.arange(1 << n, dtype=np.int64)[:, None] >> np.arange(n)) & 1
    return (2 * bits - 1).astype(np.int8)
