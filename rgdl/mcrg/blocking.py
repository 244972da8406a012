"""Block-spin transformations of a batch, level after level, for any local rule.

A rule maps each ``b x b`` block of an ``L x L`` configuration to one spin of an
``L/b x L/b`` lattice. Three kinds are supported:

- ``"majority"``: the sign of the block sum, a fair coin on ties (Kadanoff 1966;
  Niemeijer & van Leeuwen 1976), :func:`rgdl.ising.block_spin`;
- ``"decimation"``: the top-left spin of the block;
- a :class:`Rule`: the stochastic map of Koch-Janusz & Ringel (2018) and of a
  local RBM's hidden unit,

  .. math::  p(h = +1 \\mid v_{\\text{block}}) = \\sigma\\Big(\\sum_{k} w_k v_k + a\\Big),
     \\qquad \\sigma(x) = 1/(1 + e^{-x}),

  with the same weights ``w`` (a ``b x b`` array) and bias ``a`` for every block.
  Majority is the limit ``w = (c, c, c, c)``, ``c -> infinity``; decimation is
  ``w = (c, 0, 0, 0)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import ising
from ..core import runtime, validate

__all__ = ["Rule", "RULES", "coarse_grain", "flow", "as_batch"]

#: The rules named by a string.
RULES = ("majority", "decimation")


@dataclass
class Rule:
    """A weight-shared stochastic block rule ``p(h=+1|block) = sigmoid(w . block + a)``.

    ``weights`` is a ``b x b`` array (row-major within the block), ``bias`` the
    scalar ``a``, ``name`` a label for tables.
    """

    weights: np.ndarray
    bias: float = 0.0
    name: str = "learned"
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        w = validate.real_array("weights", self.weights)
        if w.ndim != 2 or w.shape[0] != w.shape[1] or w.shape[0] < 1:
            raise ValueError(f"weights must be a square b x b array; got shape {w.shape}")
        self.weights = w
        self.bias = validate.finite_float("bias", self.bias)
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a str; got {type(self.name).__name__}")
        if not isinstance(self.info, dict):
            raise TypeError(f"info must be a dict; got {type(self.info).__name__}")

    @property
    def b(self) -> int:
        return self.weights.shape[0]

    def direction(self) -> np.ndarray:
        """The weights as a unit vector, sign fixed so that their sum is >= 0."""
        w = self.weights.ravel()
        norm = np.linalg.norm(w)
        if norm == 0:
            return w.copy()
        if not np.isfinite(norm):                 # |w| overflows: scale by max |w| first
            w = w / np.abs(w).max()
            norm = np.linalg.norm(w)
        return w / norm * (1.0 if w.sum() >= 0 else -1.0)


def as_batch(configs, name: str = "configs") -> np.ndarray:
    """``configs`` as an (n, L, L) int8 array of +/-1 (one (L, L) lattice becomes n = 1).

    The values are checked before the cast: only integer or real arrays whose
    entries are all exactly -1 or +1 pass (``TypeError``/``ValueError`` naming ``name``).
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str; got {type(name).__name__}")
    if configs is None or isinstance(configs, (str, bytes)):
        raise TypeError(f"{name} must be an array of spins +/-1; got {type(configs).__name__}")
    try:
        arr = np.asarray(configs.detach().cpu() if hasattr(configs, "detach") else configs)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of spins +/-1; got "
                        f"{type(configs).__name__}") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold numbers +/-1; got dtype {arr.dtype}")
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2] or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name} must have shape (n, L, L) or (L, L) with n, L >= 1; got "
                         f"{np.shape(configs)}")
    if np.any(np.abs(arr) != 1):
        raise ValueError(f"{name} must contain only -1 and +1")
    return arr.astype(np.int8, copy=False)


def check_rule(rule, b: int, name: str = "rule"):
    """``rule`` if it is a name in :data:`RULES` or a :class:`Rule` with ``b x b`` weights."""
    if isinstance(rule, Rule):
        if rule.b != b:
            raise ValueError(f"{name} has {rule.b}x{rule.b} weights but b={b}")
        return rule
    if isinstance(rule, str):
        return validate.one_of(name, rule, RULES)
    raise TypeError(f"{name} must be 'majority', 'decimation' or a Rule; got "
                    f"{type(rule).__name__}")


def _check_b(b, L: int) -> int:
    b = validate.positive_int("b", b)
    if L % b:
        raise ValueError(f"b must divide the lattice size; got b={b} for L={L}")
    return b


def coarse_grain(configs, rule="majority", b: int = 2, seed=None) -> np.ndarray:
    """One block-spin step of a batch, (n, L, L) -> (n, L/b, L/b) int8.

    ``rule`` is ``"majority"`` (ties by a fair coin from ``seed``),
    ``"decimation"`` or a :class:`Rule` (each block spin drawn from
    ``sigmoid(w . block + a)`` with uniforms from ``seed``).
    """
    arr = as_batch(configs)
    n, L, _ = arr.shape
    b = _check_b(b, L)
    rule = check_rule(rule, b)
    gen = runtime.rng(seed)
    if isinstance(rule, str):
        return ising.block_spin(arr, b=b, rule=rule, seed=gen)
    blocks = arr.reshape(n, L // b, b, L // b, b).astype(np.float32)
    field_ = np.einsum("nibjc,bc->nij", blocks, rule.weights.astype(np.float32)) + rule.bias
    p = 0.5 * (1.0 + np.tanh(0.5 * field_.astype(np.float64)))  # sigmoid, no overflow
    u = gen.random(p.shape)
    return np.where(u < p, 1, -1).astype(np.int8)


def flow(configs, rule="majority", b: int = 2, levels: int = 3, seed=0) -> list[np.ndarray]:
    """``[configs, R(configs), R(R(configs)), ...]``: ``levels`` block-spin steps.

    Step ``l`` draws its random numbers from ``seed + l`` (an int seed), so the
    same seed gives the same flow. ``b ** levels`` must divide L.
    """
    arr = as_batch(configs)
    b = _check_b(b, arr.shape[1])
    check_rule(rule, b)
    levels = validate.positive_int("levels", levels, maximum=64)
    seed = validate.positive_int("seed", seed, minimum=0)
    if arr.shape[1] % b ** levels:
        raise ValueError(f"b**levels = {b ** levels} must divide L = {arr.shape[1]}")
    out = [arr]
    for level in range(levels):
        out.append(coarse_grain(out[-1], rule, b, seed=seed + level))
    return out
