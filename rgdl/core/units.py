"""Binary units: summing one unit out of a Boltzmann weight, and the two value conventions.

An RBM, a Hopfield network and an Ising lattice all have units taking two
values: 0/1 (``spins=False``, machine-learning convention) or -1/+1
(``spins=True``, the physicist's). Summing a unit ``s`` with local field ``x``
out of ``e^{s x}`` gives

.. math::
   \\ln \\sum_{s \\in \\{0, 1\\}} e^{s x} = \\ln(1 + e^{x}) \\;(\\text{softplus}),
   \\qquad \\ln \\sum_{s = \\pm 1} e^{s x} = \\ln 2\\cosh x,

the closed form behind every "free energy" of a layer (Hinton 2010, sec. 16.1;
Mehta & Schwab 2014, eqs. 13-14). :func:`sum_out` is the one implementation;
it accepts numpy arrays or torch tensors and returns the same kind.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .validate import real_array

__all__ = ["sum_out", "log2cosh", "unit_values"]


def unit_values(spins: bool) -> tuple[int, int]:
    """The two values of a unit: ``(-1, 1)`` for spins, ``(0, 1)`` otherwise."""
    return (-1, 1) if spins else (0, 1)


def log2cosh(x: torch.Tensor) -> torch.Tensor:
    """``ln(2 cosh x) = |x| + ln(1 + e^{-2|x|})``, stable for any real ``x`` (torch)."""
    a = x.abs()
    return a + torch.log1p(torch.exp(-2.0 * a))


def sum_out(x, spins: bool):
    """``sum_j ln sum_{s_j} e^{s_j x_j}`` over the last axis of the fields ``x``.

    Parameters
    ----------
    x : numpy array or torch tensor (..., n)
        Local fields of the ``n`` units summed out.
    spins : bool
        Units in {-1, +1} (``ln 2cosh``) instead of {0, 1} (softplus).

    Returns
    -------
    The same kind as ``x`` (numpy arrays are computed in float64), shape (...).
    """
    if not isinstance(spins, (bool, np.bool_)):
        raise TypeError(f"spins must be a bool; got {type(spins).__name__}")
    if isinstance(x, torch.Tensor):
        # softplus returns x itself above its threshold; at torch's default (20) that drops
        # ln(1 + e^-20) = 2e-9, at 40 it drops 4e-18, below float64 round-off of x
        return (log2cosh(x) if spins else F.softplus(x, threshold=40.0)).sum(-1)
    t = torch.from_numpy(real_array("x", x))
    return sum_out(t, spins).numpy()
