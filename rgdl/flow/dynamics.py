"""The RBM flow: iterate v -> h -> v' with a trained RBM and keep every configuration.

Iso, Shiba & Yokoo (Phys. Rev. E 97, 053304, 2018) define the "RBM flow" of a
trained RBM as the sequence ``v_0 -> h_1 -> v_1 -> h_2 -> v_2 ...``. Sampled,
it is block Gibbs sampling of the RBM (Hinton 2002), so it is a Markov chain
whose stationary law is the model's own marginal ``p(v)``; mean-field, it is
the deterministic map ``v -> E[v | h = E[h | v]]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..core import runtime, validate
from ..rbm import RBM

__all__ = ["Flow", "rbm_flow", "MODES"]

#: The two ways of taking a flow step.
MODES = ("sample", "mean")

#: Most flow steps one call may take (each keeps its ensemble in memory).
MAX_STEPS = 100_000


@dataclass
class Flow:
    """A flow of a batch of configurations through a trained RBM.

    Attributes
    ----------
    configs : int8 array (steps + 1, n, n_visible)
        ``configs[t]`` is the ensemble after t steps (``configs[0]`` the start), as
        units of the RBM's convention (+/-1 for spins, 0/1 otherwise). In ``mean``
        mode it is a spin (unit) read-out drawn from the mean-field state, which is
        itself kept in ``means``.
    means : float32 array like ``configs`` or None
        The mean-field states ``E[v_t | h_t]`` (``mode="mean"`` only).
    mode : "sample" or "mean"
    """

    configs: np.ndarray
    means: np.ndarray | None
    mode: str

    @property
    def steps(self) -> int:
        return self.configs.shape[0] - 1


def _draw(p: torch.Tensor, spins: bool, gen: torch.Generator) -> torch.Tensor:
    """A unit sample with ``P(up) = p``: +/-1 for spins, 0/1 otherwise."""
    up = torch.rand(p.shape, generator=gen, dtype=p.dtype) < p
    return up.to(p.dtype) * 2 - 1 if spins else up.to(p.dtype)


def _start(rbm: RBM, v0) -> torch.Tensor:
    arr = validate.real_array("v0", v0, min_size=1)      # refuses None, str, NaN, inf
    arr = arr.reshape(arr.shape[0], -1) if arr.ndim >= 2 else arr
    if arr.ndim != 2 or arr.shape[1] != rbm.n_visible or arr.shape[0] == 0:
        raise ValueError(f"v0 must hold n >= 1 configurations of {rbm.n_visible} units; "
                         f"got shape {np.shape(v0)}")
    allowed = (-1.0, 1.0) if rbm.spins else (0.0, 1.0)
    if not np.all(np.isin(arr, allowed)):
        raise ValueError(f"v0 must contain only {allowed[0]:g} and {allowed[1]:g}")
    return torch.as_tensor(arr, dtype=torch.float64)


def rbm_flow(rbm: RBM, v0, steps: int, *, mode: str = "sample", seed=None) -> Flow:
    """Flow a batch of configurations ``steps`` times through ``rbm``.

    One step (Iso, Shiba & Yokoo 2018, sec. III), with ``sigma`` = tanh for
    +/-1 units and the logistic function for 0/1 units:

    .. math::
       h \\sim p(h \\mid v) = \\prod_j p(h_j \\mid \\sigma(c_j + (vW)_j)), \\qquad
       v' \\sim p(v \\mid h) = \\prod_i p(v_i \\mid \\sigma(b_i + (W h)_i))

    (``mode="sample"``: one block-Gibbs sweep, whose fixed point is the RBM's
    marginal ``p(v)``), or with each draw replaced by its mean
    (``mode="mean"``: ``v' = sigma(b + W sigma(c + W^T v))``, a deterministic map
    whose fixed points are points, not distributions).

    Parameters
    ----------
    rbm : the trained RBM (parameters used in float64 on the CPU).
    v0 : array (n, n_visible) or (n, L, L) of units (+/-1 or 0/1 as the RBM's).
    steps : int, 0 <= steps <= :data:`MAX_STEPS`.
    mode : "sample" or "mean".
    seed : seeds the draws (and the read-outs of the mean-field flow).

    Returns
    -------
    :class:`Flow` with all ``steps + 1`` ensembles.
    """
    if not isinstance(rbm, RBM):
        raise TypeError(f"rbm must be an RBM; got {type(rbm).__name__}")
    steps = validate.positive_int("steps", steps, minimum=0, maximum=MAX_STEPS)
    mode = validate.one_of("mode", mode, MODES)
    v = _start(rbm, v0)
    validate.elements("steps", steps + 1, v.shape[0], rbm.n_visible,
                      itemsize=5 if mode == "mean" else 1)
    W, b, c = (t.detach().to("cpu", torch.float64) for t in (rbm.W, rbm.b, rbm.c))
    act = torch.tanh if rbm.spins else torch.sigmoid
    half = (lambda m: (1 + m) / 2) if rbm.spins else (lambda m: m)  # P(up) from the mean
    gen = runtime.torch_generator(seed, "cpu")
    n = v.shape[0]
    configs = np.empty((steps + 1, n, rbm.n_visible), dtype=np.int8)
    configs[0] = v.numpy().astype(np.int8)
    means = None
    if mode == "mean":
        means = np.empty((steps + 1, n, rbm.n_visible), dtype=np.float32)
        means[0] = v.numpy()
    with torch.no_grad():
        for t in range(1, steps + 1):
            h_mean = act(torch.addmm(c, v, W))
            h = h_mean if mode == "mean" else _draw(half(h_mean), rbm.spins, gen)
            v_mean = act(torch.addmm(b, h, W.T))
            if mode == "mean":
                v = v_mean
                means[t] = v.numpy()
                configs[t] = _draw(half(v_mean), rbm.spins, gen).numpy().astype(np.int8)
            else:
                v = _draw(half(v_mean), rbm.spins, gen)
                configs[t] = v.numpy().astype(np.int8)
    return Flow(configs=configs, means=means, mode=mode)
