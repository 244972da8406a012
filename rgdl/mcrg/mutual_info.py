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


def dv_bound(p, scores, weights=None) -> torch.Tensor:
    """The Donsker-Varadhan bound (nats) with the hidden spin summed out exactly.

    Parameters
    ----------
    p : tensor (n,), ``p(h = +1 | v_i)`` for each sample.
    scores : tensor (n, 2), critic values ``[T(-1, e_i), T(+1, e_i)]``.
    weights : tensor (n,), optional, probabilities of the samples (default 1/n).
    """
    p = torch.as_tensor(p)
    scores = torch.as_tensor(scores, dtype=p.dtype)
    if p.ndim != 1 or scores.shape != (p.shape[0], 2):
        raise ValueError(f"p must be (n,) and scores (n, 2); got {tuple(p.shape)} and "
                         f"{tuple(scores.shape)}")
    if weights is None:
        w = torch.full_like(p, 1.0 / p.shape[0])
    else:
        w = torch.as_tensor(weights, dtype=p.dtype)
        if w.shape != p.shape or bool((w < 0).any()) or not float(w.sum()) > 0:
            raise ValueError("weights must be (n,) non-negative with a positive sum")
        w = w / w.sum()
    joint = (w * (p * scores[:, 1] + (1 - p) * scores[:, 0])).sum()
    pbar = (w * p).sum()
    log_terms = torch.stack([torch.log1p(-pbar) + scores[:, 0], torch.log(pbar) + scores[:, 1]])
    return joint - torch.logsumexp(torch.log(w) + log_terms, dim=(0, 1))


def exact_mutual_information(p_h_given_x, weights, env_index) -> float:
    """``I(H : E)`` in nats for an enumerated joint distribution of (v, e).

    ``weights[i]`` is the probability of state i, ``p_h_given_x[i]`` its
    ``p(h=+1 | v_i)`` and ``env_index[i]`` an integer label of its environment:

    .. math::  I = \\sum_e p(e) \\sum_h p(h|e) \\ln \\frac{p(h|e)}{p(h)},\\qquad
       p(h|e) = \\sum_{i: e_i = e} w_i p(h | v_i) / p(e).
    """
    p = np.asarray(p_h_given_x, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    idx = np.asarray(env_index)
    if p.shape != w.shape or idx.shape != w.shape or p.ndim != 1:
        raise ValueError("p_h_given_x, weights and env_index must be 1-D of one length")
    w = w / w.sum()
    _, inv = np.unique(idx, return_inverse=True)
    pe = np.bincount(inv, weights=w)
    pe_plus = np.bincount(inv, weights=w * p) / pe
    ph = float(w @ p)

    def h2(q):
        q = np.clip(q, 1e-300, 1 - 1e-16)
        return -(q * np.log(q) + (1 - q) * np.log1p(-q))

    return float(h2(np.array([ph]))[0] - pe @ h2(pe_plus))


def critic(n_env: int, hidden: int = 32, seed=0, dtype=torch.float64) -> torch.nn.Module:
    """A small critic ``e -> [T(-1, e), T(+1, e)]``: one tanh hidden layer."""
    n_env = validate.positive_int("n_env", n_env)
    hidden = validate.positive_int("hidden", hidden)
    torch.manual_seed(int(runtime.rng(seed).integers(0, 2**31)))
    return torch.nn.Sequential(torch.nn.Linear(n_env, hidden), torch.nn.Tanh(),
                               torch.nn.Linear(hidden, 2)).to(dtype)


def fit_critic(p, env, weights=None, steps: int = 2000, lr: float = 0.02, hidden: int = 32,
               seed=0) -> float:
    """Maximise :func:`dv_bound` over a fresh :func:`critic` for fixed ``p``; return the bound.

    The estimator whose value the unit tests compare with
    :func:`exact_mutual_information` (full-batch Adam, ``steps`` updates).
    """
    steps = validate.positive_int("steps", steps)
    lr = validate.positive_float("lr", lr)
    p = torch.as_tensor(np.asarray(p, dtype=np.float64))
    e = torch.as_tensor(np.asarray(env, dtype=np.float64))
    if e.ndim != 2 or e.shape[0] != p.shape[0]:
        raise ValueError(f"env must be (n, n_env) with n = {p.shape[0]}; got {tuple(e.shape)}")
    net = critic(e.shape[1], hidden, seed)
    w = None if weights is None else torch.as_tensor(np.asarray(weights, dtype=np.float64))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = -dv_bound(p, net(e), w)
        loss.backward()
        opt.step()
    with torch.no_grad():
        value = float(dv_bound(p, net(e), w))
    if not math.isfinite(value):
        raise ValueError("the bound diverged; lower lr")
    return value
