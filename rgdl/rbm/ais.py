"""Annealed importance sampling (AIS) for the partition function of an RBM.

Salakhutdinov & Murray (2008), "On the quantitative analysis of deep belief
networks", sec. 3-4. A tractable base-rate model ``A`` (no weights, visible
biases ``b_A``) is morphed into the target RBM ``B`` along the geometric path

.. math::  f_\\beta(v) = e^{(1-\\beta)\\, b_A\\cdot v + \\beta\\, b\\cdot v}
           \\prod_j \\sum_{h_j} e^{\\beta h_j (c_j + (vW)_j)},
           \\qquad 0 = \\beta_0 < \\beta_1 < \\dots < \\beta_K = 1,

that is, ``f_beta(v) = e^{(1-beta) b_A.v} sum_h e^{-beta E(v, h)}``: the visible
marginal of the joint law ``p_beta(v, h) ~ exp(-(1-beta) E_A(v, h) - beta E(v, h))``
with ``E_A = -b_A.v``, whose visible biases mix the base rates with the model's
and whose hidden units feel the model's fields at inverse temperature ``beta``
(Salakhutdinov & Murray 2008, sec. 3.2, with model A a base-rate model). Note that this is not
``e^{(1-beta) b_A.v - beta H_RBM(v)}``: the hidden units are annealed inside the
sum over ``h``. ``f_0`` has ``Z_0 = 2^{n_h} prod_i (1 + e^{b_{A,i}})`` (0/1 units) and
``f_1 = exp(-H_RBM(v))`` has ``Z_1 = Z``. Each of ``n_runs`` independent runs
starts with an exact draw from the base model, accumulates the importance
weight ``ln w = sum_k [ln f_{beta_k}(v_k) - ln f_{beta_{k-1}}(v_k)]`` and moves
``v`` with one block-Gibbs step that leaves ``f_{beta_k}`` invariant. Then
``Z / Z_0 ~= mean(w)`` and ``ln Z`` carries the delta-method standard error
``std(w) / (sqrt(n_runs) mean(w))``.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import torch
from tqdm import tqdm

from ..core import runtime
from ..core.runtime import threads_for
from ..core.units import sum_out
from ..core.validate import elements, finite_float, positive_float, positive_int, real_array
from .model import RBM, check_bool, check_dtype, check_rbm, log_partition

__all__ = ["ais_log_partition", "beta_schedule", "base_rate_biases", "AISCheck",
           "ais_against_exact", "ais_sweep", "MAX_BETAS", "MAX_RUNS"]

#: Most intermediate distributions one AIS run accepts (Salakhutdinov & Murray used 14,500).
MAX_BETAS = 10**7

#: Most parallel annealing runs (each holds a visible and a hidden state).
MAX_RUNS = 1 << 24


def beta_schedule(n_betas: int) -> torch.Tensor:
    """Inverse temperatures from 0 to 1 (float64, length ``n_betas + 1``).

    Salakhutdinov & Murray's schedule scaled to ``n_betas`` steps: uniform
    spacing on [0, 0.5] with 1/15 of the steps, on [0.5, 0.9] with 4/15, on
    [0.9, 1] with the remaining 10/15 (their 1,000 / 4,000 / 10,000 split).
    """
    n_betas = positive_int("n_betas", n_betas, minimum=3, maximum=MAX_BETAS)
    n1 = max(1, round(n_betas / 15))
    n2 = max(1, round(4 * n_betas / 15))
    n3 = max(1, n_betas - n1 - n2)
    return torch.cat([
        torch.linspace(0.0, 0.5, n1 + 1, dtype=torch.float64)[:-1],
        torch.linspace(0.5, 0.9, n2 + 1, dtype=torch.float64)[:-1],
        torch.linspace(0.9, 1.0, n3 + 1, dtype=torch.float64),
    ])


def base_rate_biases(data, spins: bool = False, eps: float = 1e-3) -> torch.Tensor:
    """Visible biases of the base-rate model that matches the data's unit means.

    ``b_A,i = ln(p_i / (1 - p_i))`` for 0/1 units, ``atanh(m_i)`` for spins, with
    ``p_i`` clipped to ``[eps, 1 - eps]`` (Salakhutdinov & Murray 2008, sec. 4.1).
    ``data`` is a finite (n, n_visible) array with at least one row; ``eps`` lies in
    (0, 1/2) (``eps <= 0`` would give infinite biases for a unit that is always on or off).
    """
    arr = real_array("data", data, ndim=2)
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"data must have at least one row and one column; got shape {arr.shape}")
    spins = check_bool("spins", spins)
    lo, hi = (-1.0, 1.0) if spins else (0.0, 1.0)
    if arr.min() < lo or arr.max() > hi:
        raise ValueError(f"data must lie in [{lo:g}, {hi:g}] ({'spins' if spins else '0/1 units'})")
    eps = positive_float("eps", eps)
    if eps >= 0.5:
        raise ValueError(f"eps must be in (0, 0.5); got {eps}")
    x = torch.as_tensor(arr, dtype=torch.float64)
    p = ((x.mean(0) + 1) / 2) if spins else x.mean(0)
    p = p.clamp(eps, 1 - eps)
    logit = torch.log(p) - torch.log1p(-p)
    return 0.5 * logit if spins else logit


def _check_betas(betas, n_betas) -> torch.Tensor:
    if betas is None:
        return beta_schedule(n_betas)
    betas = torch.as_tensor(real_array("betas", betas, ndim=1))
    if betas.numel() > MAX_BETAS + 1:
        raise ValueError(f"betas has {betas.numel()} entries; at most {MAX_BETAS + 1}")
    if betas.numel() < 2 or betas[0] != 0 or betas[-1] != 1 \
            or not bool((betas[1:] > betas[:-1]).all()):
        raise ValueError("betas must be an increasing 1-D sequence from 0 to 1")
    return betas


def _base_biases(rbm: RBM, base, dtype) -> torch.Tensor:
    """The base-rate model's visible biases b_A from ``base`` (None, biases or data)."""
    if base is None:
        return torch.zeros(rbm.n_visible, dtype=dtype, device=rbm.device)
    base_t = torch.as_tensor(real_array("base", base, ndim=(1, 2)))
    if base_t.dim() == 2:
        try:
            base_t = base_rate_biases(base_t, rbm.spins)
        except ValueError as err:
            raise ValueError(f"base (read as data): {err}") from None
    if tuple(base_t.shape) != (rbm.n_visible,):
        raise ValueError(f"base must be biases of shape ({rbm.n_visible},) or data of shape "
                         f"(n, {rbm.n_visible}); got {tuple(base_t.shape)}")
    if not bool(torch.isfinite(base_t).all()):
        raise ValueError("base contains non-finite values")
    return base_t.to(dtype=dtype, device=rbm.device)


def ais_log_partition(rbm, n_runs=100, n_betas=10000, seed=None, base=None, *,
                      betas=None, dtype=torch.float64, progress=False):
    """Estimate ln Z of ``rbm`` by annealed importance sampling.

    Parameters
    ----------
    rbm : rgdl.rbm.RBM
    n_runs : int
        Independent annealing runs (simulated in parallel as one batch).
    n_betas : int
        Number of intermediate distributions (ignored when ``betas`` is given);
        see :func:`beta_schedule`.
    seed : None, int or numpy Generator
    base : None, tensor (n_visible,) of biases, or data (n, n_visible)
        The base-rate model's visible biases; data are turned into biases by
        :func:`base_rate_biases`. ``None`` means zero biases (uniform base).
    betas : 1-D increasing sequence from 0 to 1, optional
    dtype : torch dtype used for the annealing (float64 by default).
    progress : bool
        Show a tqdm bar over the temperatures.

    Returns
    -------
    (log_z, stderr) : (float, float)
        The estimate ``ln Z_0 + ln mean(w)`` and its delta-method standard error.
    """
    check_rbm(rbm)
    n_runs = positive_int("n_runs", n_runs, minimum=2, maximum=MAX_RUNS)
    elements("n_runs * (n_visible + n_hidden)", n_runs, rbm.n_visible + rbm.n_hidden)
    betas = _check_betas(betas, n_betas)
    dtype = check_dtype("dtype", dtype)
    progress = check_bool("progress", progress)
    dev = rbm.device
    W = rbm.W.detach().to(dtype=dtype)
    b = rbm.b.detach().to(dtype=dtype)
    c = rbm.c.detach().to(dtype=dtype)
    bA = _base_biases(rbm, base, dtype)
    spins = rbm.spins
    scale = 2.0 if spins else 1.0  # P(unit = +1 | field x) = sigmoid(scale * x)
    gen = runtime.torch_generator(seed, dev)

    def draw(p):
        s = torch.bernoulli(p, generator=gen)
        return s.mul_(2).sub_(1) if spins else s

    # ln Z_0 of the base model, which still carries n_hidden free hidden units
    log_z0 = rbm.n_hidden * math.log(2.0) + float(sum_out(bA, spins))
    v = draw(torch.sigmoid(scale * bA).expand(n_runs, -1).contiguous())
    db = b - bA
    with threads_for(n_runs * rbm.n_visible * rbm.n_hidden):
        log_w = torch.zeros(n_runs, dtype=dtype, device=dev)
        beta_list = betas.tolist()
        steps = range(1, len(beta_list))
        for k in tqdm(steps, desc="AIS", disable=not progress, leave=False):
            beta, prev = beta_list[k], beta_list[k - 1]
            x = torch.addmm(c, v, W)  # hidden fields of the target model
            # ln f_beta(v) - ln f_prev(v)
            log_w += (beta - prev) * (v @ db) + sum_out(beta * x, spins) - sum_out(prev * x, spins)
            if k == len(beta_list) - 1:
                break
            # one Gibbs sweep that leaves f_beta invariant
            h = draw(torch.sigmoid(scale * beta * x))
            field_v = (1.0 - beta) * bA + beta * torch.addmm(b, h, W.T)
            v = draw(torch.sigmoid(scale * field_v))
    if not bool(torch.isfinite(log_w).all()):
        raise FloatingPointError("AIS produced non-finite importance weights")
    lw = log_w.double()
    m = float(lw.max())
    w = torch.exp(lw - m)
    mean_w = float(w.mean())
    log_z = log_z0 + m + math.log(mean_w)
    stderr = float(w.std(unbiased=True)) / (math.sqrt(n_runs) * mean_w)
    return log_z, stderr


@dataclasses.dataclass(frozen=True)
class AISCheck:
    """One AIS estimate of ``ln Z`` next to the exact value (:func:`ais_against_exact`)."""

    exact: float
    estimate: float
    stderr: float
    n_runs: int
    n_betas: int
    seconds: float

    @property
    def error(self) -> float:
        """``ln Z_AIS - ln Z`` (nats)."""
        return self.estimate - self.exact

    @property
    def sigmas(self) -> float:
        """``|ln Z_AIS - ln Z|`` in units of the estimate's own standard error.

        With a zero standard error (all weights equal): 0 if the estimate is
        exact, else infinity.
        """
        if self.stderr > 0:
            return abs(self.error) / self.stderr
        return 0.0 if self.error == 0 else math.inf


def ais_against_exact(rbm, n_runs=100, n_betas=10000, seed=None, base=None, *,
                      exact=None) -> AISCheck:
    """AIS (:func:`ais_log_partition`) next to the exact ``ln Z`` of one RBM.

    The exact value comes from :func:`~rgdl.rbm.model.log_partition`.

    .. math::  \\Delta = \\ln \\hat Z_{\\rm AIS} - \\ln Z, \\qquad
               z = |\\Delta| / \\hat\\sigma_{\\ln Z}

    ``z`` is approximately half-normal when the delta-method standard error is
    right (Salakhutdinov & Murray 2008, sec. 4). ``exact`` skips the enumeration
    when ``ln Z`` is already known.
    """
    check_rbm(rbm)
    exact = log_partition(rbm) if exact is None else finite_float("exact", exact)
    t0 = time.perf_counter()
    est, se = ais_log_partition(rbm, n_runs=n_runs, n_betas=n_betas, seed=seed, base=base)
    return AISCheck(exact=exact, estimate=est, stderr=se, n_runs=n_runs, n_betas=n_betas,
                    seconds=time.perf_counter() - t0)


def ais_sweep(rbm, n_betas_grid, n_runs=100, seed=None, base=None) -> list[AISCheck]:
    """:func:`ais_against_exact` for each number of temperatures in ``n_betas_grid``.

    Every estimate uses the same ``seed``; ``ln Z`` is enumerated once.
    """
    if isinstance(n_betas_grid, (str, bytes)) or not hasattr(n_betas_grid, "__iter__"):
        raise TypeError("n_betas_grid must be a sequence of ints; "
                        f"got {type(n_betas_grid).__name__}")
    grid = [positive_int("n_betas_grid entry", n, minimum=3, maximum=MAX_BETAS)
            for n in n_betas_grid]
    if not grid:
        raise ValueError("n_betas_grid must not be empty")
    check_rbm(rbm)
    positive_int("n_runs", n_runs, minimum=2, maximum=MAX_RUNS)
    if base is not None:
        _base_biases(rbm, base, torch.float64)
    exact = log_partition(rbm)
    return [ais_against_exact(rbm, n_runs, n, seed, base, exact=exact) for n in grid]
