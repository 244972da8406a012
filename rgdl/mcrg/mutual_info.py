"""A variational lower bound on the mutual information between a block spin and its environment.

For a binary hidden spin ``h`` drawn from ``p(h=+1 | v) = p`` and an environment
``e`` seen together with ``v``, the Donsker-Varadhan representation gives, for
any critic ``T(h, e)`` (Donsker & Varadhan 1983; Belghazi et al., MINE, 2018),

.. math::
   I(H : E) \\ge \\mathbb{E}_{p(h, e)}[T] - \\ln \\mathbb{E}_{p(h) p(e)}[e^{T}],

with equality at ``T = ln p(h, e) / (p(h) p(e)) + const``. Because ``h`` takes
two values the expectations over it are done exactly, so the bound is a smooth
function of ``p`` (and so of the rule's weights):

.. math::
   \\hat I = \\sum_i w_i [p_i T_i^{+} + (1 - p_i) T_i^{-}]
     - \\ln \\sum_i w_i [\\bar p\\, e^{T_i^{+}} + (1 - \\bar p)\\, e^{T_i^{-}}],
   \\qquad \\bar p = \\sum_i w_i p_i,

``T_i^{\\pm} = T(\\pm 1, e_i)`` and ``w_i`` the sample weights (``1/n``, or the
exact probabilities of an enumerated distribution). Koch-Janusz & Ringel
(Nature Physics 14, 578, 2018) maximise this kind of bound over the rule: the
real-space mutual information (RSMI) coarse-graining.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..core import runtime, validate

__all__ = ["dv_bound", "exact_mutual_information", "critic", "fit_critic"]


#: Most optimiser steps one call takes (a bound on its time).
MAX_STEPS = 1_000_000

#: Most units of a critic's hidden layer, and most environment spins.
MAX_UNITS = 1 << 20


def _reals(name: str, x, ndim: int, dtype=None) -> torch.Tensor:
    """``x`` as a finite real tensor of rank ``ndim``, checked before any cast;
    a floating tensor passes unchanged (its autograd graph kept)."""
    if isinstance(x, torch.Tensor) and x.dtype.is_floating_point:
        if x.ndim != ndim:
            raise ValueError(f"{name} must have {ndim} dimension(s); got shape {tuple(x.shape)}")
        if not bool(torch.isfinite(x.detach()).all()):
            raise ValueError(f"{name} contains NaN or infinite values")
        return x if dtype is None else x.to(dtype)
    arr = validate.real_array(name, x, ndim=ndim)
    return torch.as_tensor(arr, dtype=torch.float64 if dtype is None else dtype)


def _probabilities(name: str, p, ndim: int = 1, dtype=None) -> torch.Tensor:
    t = _reals(name, p, ndim, dtype)
    if t.shape[0] < 1 or bool(((t.detach() < 0) | (t.detach() > 1)).any()):
        raise ValueError(f"{name} must hold at least one probability, each in [0, 1]")
    return t


def _sample_weights(weights, n: int, dtype) -> torch.Tensor | None:
    if weights is None:
        return None
    w = _reals("weights", weights, 1, dtype)
    if tuple(w.shape) != (n,) or bool((w < 0).any()) or not float(w.sum()) > 0:
        raise ValueError(f"weights must be {n} non-negative numbers with a positive sum")
    return w


def _dv(p, scores, w=None) -> torch.Tensor:
    """The bound of :func:`dv_bound` on checked tensors (no checks: the training loops)."""
    if w is None:
        w = torch.full_like(p, 1.0 / p.shape[0])
    else:
        w = w / w.sum()
    joint = (w * (p * scores[:, 1] + (1 - p) * scores[:, 0])).sum()
    pbar = (w * p).sum()
    log_terms = torch.stack([torch.log1p(-pbar) + scores[:, 0], torch.log(pbar) + scores[:, 1]])
    return joint - torch.logsumexp(torch.log(w) + log_terms, dim=(0, 1))


def dv_bound(p, scores, weights=None) -> torch.Tensor:
    """The Donsker-Varadhan bound (nats) with the hidden spin summed out exactly.

    Parameters
    ----------
    p : tensor (n,), ``p(h = +1 | v_i)`` in [0, 1] for each sample.
    scores : tensor (n, 2), finite critic values ``[T(-1, e_i), T(+1, e_i)]``.
    weights : tensor (n,), optional, probabilities of the samples (default 1/n).

    Gradients flow to ``p`` and ``scores`` when they are tensors that require them.
    """
    p = _probabilities("p", p)
    scores = _reals("scores", scores, 2, p.dtype)
    if tuple(scores.shape) != (p.shape[0], 2):
        raise ValueError(f"p must be (n,) and scores (n, 2); got {tuple(p.shape)} and "
                         f"{tuple(scores.shape)}")
    return _dv(p, scores, _sample_weights(weights, p.shape[0], p.dtype))


def _labels(env_index) -> np.ndarray:
    """``env_index`` as a 1-D array of integer labels (ints, or floats with integer values)."""
    if env_index is None or isinstance(env_index, (str, bytes)):
        raise TypeError(f"env_index must be integer labels; got {type(env_index).__name__}")
    try:
        idx = np.asarray(env_index)
    except (TypeError, ValueError):
        raise TypeError("env_index must be integer labels") from None
    if idx.dtype.kind == "f":
        if not (np.all(np.isfinite(idx)) and np.all(idx == np.round(idx))):
            raise ValueError("env_index must hold integer labels; found non-integers")
    elif idx.dtype.kind not in "iu":
        raise TypeError(f"env_index must be integer labels; got dtype {idx.dtype}")
    if idx.ndim != 1:
        raise ValueError(f"env_index must be 1-D; got shape {idx.shape}")
    return idx


def exact_mutual_information(p_h_given_x, weights, env_index) -> float:
    """``I(H : E)`` in nats for an enumerated joint distribution of (v, e).

    ``weights[i]`` is the probability of state i, ``p_h_given_x[i]`` its
    ``p(h=+1 | v_i)`` and ``env_index[i]`` an integer label of its environment:

    .. math::  I = \\sum_e p(e) \\sum_h p(h|e) \\ln \\frac{p(h|e)}{p(h)},\\qquad
       p(h|e) = \\sum_{i: e_i = e} w_i p(h | v_i) / p(e).
    """
    p = validate.real_array("p_h_given_x", p_h_given_x, ndim=1, min_size=1)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p_h_given_x must hold probabilities in [0, 1]")
    w = validate.real_array("weights", weights, ndim=1)
    idx = _labels(env_index)
    if w.shape != p.shape or idx.shape != p.shape:
        raise ValueError("p_h_given_x, weights and env_index must be 1-D of one length; got "
                         f"{p.shape}, {w.shape} and {idx.shape}")
    if np.any(w < 0) or not w.sum() > 0 or not np.isfinite(w.sum()):
        raise ValueError("weights must be non-negative with a finite positive sum")
    w = w / w.sum()
    _, inv = np.unique(idx, return_inverse=True)
    pe = np.bincount(inv, weights=w)
    pe_plus = np.divide(np.bincount(inv, weights=w * p), pe, out=np.zeros_like(pe),
                        where=pe > 0)
    ph = float(w @ p)

    def h2(q):
        q = np.clip(q, 1e-300, 1 - 1e-16)
        return -(q * np.log(q) + (1 - q) * np.log1p(-q))

    return float(h2(np.array([ph]))[0] - pe @ h2(pe_plus))


def critic(n_env: int, hidden: int = 32, seed=0, dtype=torch.float64) -> torch.nn.Module:
    """A small critic ``e -> [T(-1, e), T(+1, e)]``: one tanh hidden layer.

    ``dtype`` is a floating torch dtype; ``n_env * hidden`` weights must fit in memory.
    """
    n_env = validate.positive_int("n_env", n_env, maximum=MAX_UNITS)
    hidden = validate.positive_int("hidden", hidden, maximum=MAX_UNITS)
    validate.elements("n_env, hidden", n_env, hidden)
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"dtype must be a floating torch dtype; got {dtype!r}")
    torch.manual_seed(int(runtime.rng(seed).integers(0, 2**31)))
    return torch.nn.Sequential(torch.nn.Linear(n_env, hidden), torch.nn.Tanh(),
                               torch.nn.Linear(hidden, 2)).to(dtype)


def fit_critic(p, env, weights=None, steps: int = 2000, lr: float = 0.02, hidden: int = 32,
               seed=0) -> float:
    """Maximise :func:`dv_bound` over a fresh :func:`critic` for fixed ``p``; return the bound.

    The estimator whose value the unit tests compare with
    :func:`exact_mutual_information` (full-batch Adam, ``steps`` updates).
    ``p`` (n,) are probabilities, ``env`` (n, n_env) finite environments,
    ``weights`` optional sample probabilities. A run whose bound stops being
    finite (too large an ``lr``) raises ``ValueError``.
    """
    p = _probabilities("p", p, dtype=torch.float64)
    e = _reals("env", env, 2, torch.float64)
    if e.shape[0] != p.shape[0] or e.shape[1] < 1:
        raise ValueError(f"env must be (n, n_env) with n = {p.shape[0]}; got {tuple(e.shape)}")
    w = _sample_weights(weights, p.shape[0], torch.float64)
    steps = validate.positive_int("steps", steps, maximum=MAX_STEPS)
    lr = validate.positive_float("lr", lr)
    hidden = validate.positive_int("hidden", hidden, maximum=MAX_UNITS)
    validate.elements("env, hidden", e.shape[0], max(hidden, e.shape[1]))
    net = critic(e.shape[1], hidden, seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = -_dv(p, net(e), w)
        loss.backward()
        opt.step()
    with torch.no_grad():
        value = float(_dv(p, net(e), w))
    if not math.isfinite(value):
        raise ValueError("the bound diverged; lower lr")
    return value
