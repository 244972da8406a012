"""Even and odd block operators S_alpha of a batch of periodic L x L configurations.

Each operator is a lattice sum of products of spins, translation- and (up to the
listed terms) rotation-invariant,

.. math::
   S_\\alpha(s) = \\sum_{x} \\sum_{t \\in \\text{terms}(\\alpha)} \\prod_{d \\in t} s_{x + d},

where a term is a set of offsets ``d``. Even operators (products of an even
number of spins) span the thermal sector, odd ones the magnetic sector
(Swendsen, PRL 42, 859, 1979; Swendsen 1982, in *Real-Space Renormalization*).
The order below is the order in which ``n_even`` / ``n_odd`` take them.
"""

from __future__ import annotations

import numpy as np

from ..core import validate
from .blocking import as_batch

__all__ = ["EVEN", "ODD", "operators", "even_operators", "odd_operators"]

#: Even operators: name -> terms (lists of (dy, dx) offsets).
EVEN = {
    "nn": [[(0, 0), (0, 1)], [(0, 0), (1, 0)]],
    "nnn": [[(0, 0), (1, 1)], [(0, 0), (1, -1)]],
    "plaquette": [[(0, 0), (0, 1), (1, 0), (1, 1)]],
    "3rd nn": [[(0, 0), (0, 2)], [(0, 0), (2, 0)]],
    "(2,1)": [[(0, 0), (1, 2)], [(0, 0), (2, 1)], [(0, 0), (1, -2)], [(0, 0), (2, -1)]],
    "(2,2)": [[(0, 0), (2, 2)], [(0, 0), (2, -2)]],
}

#: Odd operators: name -> terms.
ODD = {
    "m": [[(0, 0)]],
    "3-spin plaquette": [[(0, 0), (0, 1), (1, 0)], [(0, 0), (0, 1), (1, 1)],
                         [(0, 0), (1, 0), (1, 1)], [(0, 1), (1, 0), (1, 1)]],
    "3-spin line": [[(0, -1), (0, 0), (0, 1)], [(-1, 0), (0, 0), (1, 0)]],
    "nn-m": [[(0, 0), (0, 1), (0, 2)], [(0, 0), (1, 0), (2, 0)],
             [(0, 0), (1, 1), (2, 2)], [(0, 0), (1, -1), (2, -2)]],
}


def _offset(d) -> bool:
    return (isinstance(d, (tuple, list)) and len(d) == 2
            and all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in d))


def _check_table(table) -> list:
    """The terms of ``table`` as lists of (dy, dx) tuples; ``TypeError``/``ValueError``
    naming ``table`` for anything else."""
    if not isinstance(table, dict) or not table:
        raise TypeError(f"table must be a non-empty dict name -> terms; got "
                        f"{type(table).__name__}")
    out = []
    for key, terms in table.items():
        if (not isinstance(terms, (list, tuple)) or not terms
                or not all(isinstance(t, (list, tuple)) and t and all(map(_offset, t))
                           for t in terms)):
            raise ValueError(f"table[{key!r}] must be a non-empty list of terms, each a "
                             "non-empty list of (dy, dx) int offsets")
        out.append([[(int(d[0]), int(d[1])) for d in t] for t in terms])
    return out


def operators(configs, table: dict, n: int, name: str = "n") -> np.ndarray:
    """The first ``n`` operators of ``table`` (:data:`EVEN` or :data:`ODD`), shape (batch, n).

    Lattice sums as float64, computed on the whole batch at once; each shifted
    copy ``s_{x+d}`` is made once and reused by every term that needs it.
    ``name`` is the name of ``n`` in error messages.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str; got {type(name).__name__}")
    arr = as_batch(configs)
    terms_list = _check_table(table)
    n = validate.positive_int(name, n)
    if n > len(terms_list):
        raise ValueError(f"{name} must be <= {len(terms_list)} (the operators defined); got {n}")
    L = arr.shape[1]
    terms_list = [[[(dy % L, dx % L) for dy, dx in t] for t in terms] for terms in terms_list[:n]]
    validate.elements("configs", arr.size, len({d for ts in terms_list for t in ts for d in t}),
                      itemsize=1)
    shifted: dict = {}

    def shift(d):
        if d not in shifted:
            shifted[d] = arr if d == (0, 0) else np.roll(arr, (-d[0], -d[1]), axis=(1, 2))
        return shifted[d]

    out = np.empty((arr.shape[0], n), dtype=np.float64)
    for k, terms in enumerate(terms_list):
        total = np.zeros(arr.shape[0], dtype=np.int64)
        for term in terms:
            prod = shift(term[0])
            for d in term[1:]:
                prod = prod * shift(d)
            total += prod.reshape(arr.shape[0], -1).sum(axis=1, dtype=np.int64)
        out[:, k] = total
    return out


def even_operators(configs, n: int = 3) -> np.ndarray:
    """The first ``n`` even operators (nn, nnn, plaquette, ...) of each configuration."""
    return operators(configs, EVEN, n, "n_even")


def odd_operators(configs, n: int = 2) -> np.ndarray:
    """The first ``n`` odd operators (magnetisation, 3-spin, ...) of each configuration."""
    return operators(configs, ODD, n, "n_odd")
