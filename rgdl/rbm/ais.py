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

Run backwards from draws of the target (:func:`reverse_ais_log_partition`, Burda,
Grosse & Salakhutdinov 2015) the same path gives an estimate of ``Z_0 / Z``, whence an
over-estimate of ``ln Z`` in expectation; with the forward one, an under-estimate, it
brackets ``ln Z`` (:func:`log_partition_bracket`). :func:`exact_samples` draws such
starts exactly for models whose smaller layer can be enumerated.
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
from ..core.validate import (
    boolean, elements, finite_float, float_dtype, positive_float, positive_int, real_array,
)
from .model import (
    MAX_EXACT_UNITS, RBM, _smaller_layer_log_weights, _smaller_layer_terms, check_rbm,
    log_partition,
)

__all__ = ["ais_log_partition", "beta_schedule", "base_rate_biases", "AISCheck",
           "ais_against_exact", "ais_sweep", "MAX_BETAS", "MAX_RUNS",
           "reverse_ais_log_partition", "log_partition_bracket", "Bracket", "exact_samples"]

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
    spins = boolean("spins", spins)
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


class _Path:
    """The annealing path of :func:`ais_log_partition` and its Gibbs kernel, shared by the
    forward and the reverse direction (one implementation, one random stream)."""

    def __init__(self, rbm: RBM, base, dtype, seed):
        self.W = rbm.W.detach().to(dtype=dtype)
        self.b = rbm.b.detach().to(dtype=dtype)
        self.c = rbm.c.detach().to(dtype=dtype)
        self.bA = _base_biases(rbm, base, dtype)
        self.spins = rbm.spins
        self.scale = 2.0 if rbm.spins else 1.0  # P(unit = +1 | field x) = sigmoid(scale * x)
        self.gen = runtime.torch_generator(seed, rbm.device)
        # ln Z_0 of the base model, which still carries n_hidden free hidden units
        self.log_z0 = rbm.n_hidden * math.log(2.0) + float(sum_out(self.bA, rbm.spins))
        self.db = self.b - self.bA

    def draw(self, p: torch.Tensor) -> torch.Tensor:
        s = torch.bernoulli(p, generator=self.gen)
        return s.mul_(2).sub_(1) if self.spins else s

    def base_draw(self, n_runs: int) -> torch.Tensor:
        """Exact draws of the base-rate model (n_runs, n_visible)."""
        return self.draw(torch.sigmoid(self.scale * self.bA).expand(n_runs, -1).contiguous())

    def fields(self, v: torch.Tensor) -> torch.Tensor:
        """Hidden fields of the target model, c + v W."""
        return torch.addmm(self.c, v, self.W)

    def log_ratio(self, v, x, beta: float, prev: float) -> torch.Tensor:
        """ln f_beta(v) - ln f_prev(v), with x the hidden fields of v."""
        return ((beta - prev) * (v @ self.db) + sum_out(beta * x, self.spins)
                - sum_out(prev * x, self.spins))

    def gibbs(self, x: torch.Tensor, beta: float) -> torch.Tensor:
        """v' after h ~ p_beta(h | v), v' ~ p_beta(v | h): leaves f_beta invariant, reversibly."""
        h = self.draw(torch.sigmoid(self.scale * beta * x))
        field_v = (1.0 - beta) * self.bA + beta * torch.addmm(self.b, h, self.W.T)
        return self.draw(torch.sigmoid(self.scale * field_v))


def _log_mean_exp(log_w: torch.Tensor, what: str) -> tuple[float, float, float]:
    """(m, ln mean(w e^{-m}), std(w) / (sqrt(n) mean(w))) with m = max ln w: ln mean(w)
    in two parts (summed by the caller in its order) and its delta-method error."""
    if not bool(torch.isfinite(log_w).all()):
        raise FloatingPointError(f"{what} produced non-finite importance weights")
    lw = log_w.double()
    m = float(lw.max())
    w = torch.exp(lw - m)
    mean_w = float(w.mean())
    return m, math.log(mean_w), float(w.std(unbiased=True)) / (math.sqrt(lw.numel()) * mean_w)


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
        By Jensen's inequality ``E[ln Z_AIS] <= ln Z``: AIS under-estimates in
        expectation (:func:`reverse_ais_log_partition` over-estimates).
    """
    check_rbm(rbm)
    n_runs = positive_int("n_runs", n_runs, minimum=2, maximum=MAX_RUNS)
    elements("n_runs * (n_visible + n_hidden)", n_runs, rbm.n_visible + rbm.n_hidden)
    betas = _check_betas(betas, n_betas)
    dtype = float_dtype("dtype", dtype)
    progress = boolean("progress", progress)
    path = _Path(rbm, base, dtype, seed)
    v = path.base_draw(n_runs)
    with threads_for(n_runs * rbm.n_visible * rbm.n_hidden):
        log_w = torch.zeros(n_runs, dtype=dtype, device=rbm.device)
        beta_list = betas.tolist()
        steps = range(1, len(beta_list))
        for k in tqdm(steps, desc="AIS", disable=not progress, leave=False):
            beta, prev = beta_list[k], beta_list[k - 1]
            x = path.fields(v)
            log_w += path.log_ratio(v, x, beta, prev)
            if k == len(beta_list) - 1:
                break
            v = path.gibbs(x, beta)  # one Gibbs sweep that leaves f_beta invariant
    m, log_mean, stderr = _log_mean_exp(log_w, "AIS")
    return path.log_z0 + m + log_mean, stderr


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


# ------------------------------------------------------------- reverse AIS (RAISE)
def _check_start(rbm: RBM, start, dtype) -> torch.Tensor:
    """``start`` as (n_runs, n_visible) unit values of the rbm, at least two rows."""
    arr = real_array("start", start, ndim=2)
    if arr.shape[1] != rbm.n_visible or arr.shape[0] < 2:
        raise ValueError(f"start must have shape (n_runs >= 2, {rbm.n_visible}); got {arr.shape}")
    if arr.shape[0] > MAX_RUNS:
        raise ValueError(f"start has {arr.shape[0]} rows (runs); at most {MAX_RUNS}")
    elements("start rows * (n_visible + n_hidden)", arr.shape[0], rbm.n_visible + rbm.n_hidden)
    lo, hi = rbm.values
    if not np.isin(arr, (lo, hi)).all():
        raise ValueError(f"start must contain only {lo} and {hi} "
                         f"({'spins' if rbm.spins else '0/1 units'})")
    return torch.as_tensor(arr, dtype=dtype, device=rbm.device)


def reverse_ais_log_partition(rbm, start, n_betas=10000, seed=None, base=None, *,
                              betas=None, dtype=torch.float64, progress=False):
    """Estimate ln Z by reverse annealing from ``start`` (Burda, Grosse & Salakhutdinov 2015).

    The forward AIS path ``f_0 (base) -> f_K = exp(-H_RBM)`` of :func:`ais_log_partition`
    run backwards: each run starts at a row ``v_K`` of ``start``, moves
    ``v_{k} ~ T_{k}(v_{k+1}, .)`` with the same block-Gibbs kernels (each reversible with
    respect to its ``f_k``) and accumulates

    .. math::  w = \\prod_{k=1}^{K} \\frac{f_{k-1}(v_k)}{f_k(v_k)},\\qquad
               \\mathbb E[w] = \\frac{Z_0}{Z}\\ \\ (v_K \\sim p),\\qquad
               \\ln \\hat Z_{\\rm rev} = \\ln Z_0 - \\ln \\overline{w},

    (Burda et al. 2015, "Accurate and conservative estimates of MRF log-likelihood
    using reverse annealing", AISTATS, sec. 3-4; Neal 2001 for the reversed-chain
    identity). By Jensen's inequality :math:`\\mathbb E[\\ln \\overline w] \\le \\ln(Z_0/Z)`,
    so for exact draws of the model (:func:`exact_samples`, or a well-mixed sampler)

    .. math:: \\mathbb E \\ln \\hat Z_{\\rm AIS} \\le \\ln Z \\le \\mathbb E \\ln \\hat Z_{\\rm rev}

    the bracket of :func:`log_partition_bracket`: reverse AIS over-estimates ``ln Z``
    and forward AIS under-estimates it, both by amounts that vanish as ``n_betas`` grows.

    Started from data instead (RAISE's use, Burda et al. sec. 4): let ``p_ann`` be the
    law of the final state of the forward AIS chain (the "annealing model"). Then
    ``E[w | v_K = v] = Z_0 p_ann(v) / f_K(v)`` exactly, so each run gives the conservative
    per-example estimate ``ln f_K(v) + ln w - ln Z_0`` of ``ln p_ann(v)`` (too low in
    expectation), and this function returns ``ln Z - ln E_data[p_ann(v) / p(v)]``: the
    data stand in for model draws, and the value is an upper bound on ``ln Z`` only
    insofar as ``p_ann`` puts no more mass on the data than the model does. Held-out
    log-likelihoods ``mean ln f_K(v) - ln Z_rev`` computed with it are then
    conservative in RAISE's sense when ``p_ann`` is close to the model.

    Parameters
    ----------
    rbm : rgdl.rbm.RBM
    start : array (n_runs, n_visible) of unit values
        Where the reverse chains start, one run per row (at least two rows).
    n_betas, seed, base, betas, dtype, progress :
        As for :func:`ais_log_partition` (the same path and schedule).

    Returns
    -------
    (log_z, stderr) : (float, float)
        ``ln Z_0 - ln mean(w)`` and its delta-method standard error
        ``std(w) / (sqrt(n_runs) mean(w))``.
    """
    check_rbm(rbm)
    dtype = float_dtype("dtype", dtype)
    v = _check_start(rbm, start, dtype)
    betas = _check_betas(betas, n_betas)
    progress = boolean("progress", progress)
    path = _Path(rbm, base, dtype, seed)
    n_runs = v.shape[0]
    with threads_for(n_runs * rbm.n_visible * rbm.n_hidden):
        log_w = torch.zeros(n_runs, dtype=dtype, device=rbm.device)
        beta_list = betas.tolist()
        steps = range(len(beta_list) - 1, 0, -1)  # k = K, ..., 1
        for k in tqdm(steps, desc="reverse AIS", disable=not progress, leave=False):
            beta, prev = beta_list[k], beta_list[k - 1]
            x = path.fields(v)
            log_w -= path.log_ratio(v, x, beta, prev)  # ln f_{k-1}(v_k) - ln f_k(v_k)
            if k == 1:
                break
            v = path.gibbs(x, prev)  # v_{k-1} ~ T_{k-1}(v_k, .), leaves f_{k-1} invariant
    m, log_mean, stderr = _log_mean_exp(log_w, "reverse AIS")
    return path.log_z0 - m - log_mean, stderr


@dataclasses.dataclass(frozen=True)
class Bracket:
    """``ln Z`` between forward AIS (``lower``) and reverse AIS (``upper``), in expectation.

    ``width = upper - lower``; each bound carries its delta-method standard error.
    ``n_runs`` forward runs, ``n_reverse`` reverse runs (the rows of ``start``).
    """

    lower: float
    lower_stderr: float
    upper: float
    upper_stderr: float
    width: float
    n_runs: int
    n_reverse: int
    n_betas: int
    seconds: float

    @property
    def width_stderr(self) -> float:
        """Standard error of the width (the two annealings are independent)."""
        return float(np.hypot(self.lower_stderr, self.upper_stderr))

    def contains(self, log_z, sigmas=0.0) -> bool:
        """``lower - sigmas * lower_stderr <= log_z <= upper + sigmas * upper_stderr``."""
        log_z = finite_float("log_z", log_z)
        sigmas = positive_float("sigmas", sigmas, allow_zero=True)
        return (self.lower - sigmas * self.lower_stderr <= log_z
                <= self.upper + sigmas * self.upper_stderr)


def _child_seed(seed, stream: int):
    """An independent, reproducible seed for a second random stream of one call."""
    if seed is None or isinstance(seed, np.random.Generator):
        return seed  # entropy, or the same Generator advancing
    runtime.rng(seed)  # validates
    return int(np.random.SeedSequence([int(seed), stream]).generate_state(1, np.uint64)[0] >> 1)


def log_partition_bracket(rbm, start, n_runs=100, n_betas=10000, seed=None,
                          base=None) -> Bracket:
    """Forward and reverse AIS on one schedule: ``ln Z`` as a bracket rather than a point.

    .. math:: \\mathbb E \\ln \\hat Z_{\\rm AIS} \\le \\ln Z \\le \\mathbb E \\ln \\hat Z_{\\rm rev}

    (Burda, Grosse & Salakhutdinov 2015, sec. 4; exact for ``start`` drawn from the model,
    see :func:`reverse_ais_log_partition` for data starts). ``lower`` is
    :func:`ais_log_partition` with ``n_runs`` runs and this ``seed`` (the same number as a
    direct call); ``upper`` reverse-anneals from the rows of ``start``, or, when ``start``
    is None, from ``n_runs`` exact draws (:func:`exact_samples`, enumerable models only).
    The width shrinks to zero as ``n_betas`` grows.
    """
    check_rbm(rbm)
    n_runs = positive_int("n_runs", n_runs, minimum=2, maximum=MAX_RUNS)
    n_betas = positive_int("n_betas", n_betas, minimum=3, maximum=MAX_BETAS)
    if start is None:
        start = exact_samples(rbm, n_runs, seed=_child_seed(seed, 2))
    else:
        _check_start(rbm, start, torch.float64)
    if base is not None:
        _base_biases(rbm, base, torch.float64)
    t0 = time.perf_counter()
    lower, lower_se = ais_log_partition(rbm, n_runs, n_betas, seed, base)
    upper, upper_se = reverse_ais_log_partition(rbm, start, n_betas, _child_seed(seed, 1), base)
    n_reverse = int(np.shape(start)[0])
    return Bracket(lower=lower, lower_stderr=lower_se, upper=upper, upper_stderr=upper_se,
                   width=upper - lower, n_runs=n_runs, n_reverse=n_reverse, n_betas=n_betas,
                   seconds=time.perf_counter() - t0)


def exact_samples(rbm, n, seed=None) -> torch.Tensor:
    """``n`` independent exact draws of the visible layer, by enumerating the smaller layer.

    With the hidden layer enumerated (``n_hidden <= n_visible``):

    .. math::  h \\sim \\frac{e^{-H_{RBM}(h)}}{Z},\\qquad v \\sim p(v \\mid h) =
               \\prod_i \\sigma\\big(s\\,(b_i + (Wh)_i)\\big)

    (``s = 1`` for 0/1 units; for spins the probability of +1 with ``s = 2``), otherwise
    ``v ~ e^{-H_RBM(v)} / Z`` directly; the categorical draw inverts the cumulative
    distribution over the ``2^m`` states in float64 (Mehta & Schwab 2014, eqs. 12-13 for
    the marginals). The smaller layer has at most ``MAX_EXACT_UNITS`` (30)
    units. Returns a tensor (n, n_visible) in the rbm's dtype and device.
    """
    check_rbm(rbm)
    n = positive_int("n", n, maximum=MAX_RUNS)
    hidden = rbm.n_hidden <= rbm.n_visible
    terms = _smaller_layer_terms(rbm)
    m, _, bias_o, Wm = terms
    if m > MAX_EXACT_UNITS:
        raise ValueError(f"rbm: the smaller layer has {m} units; exact sampling enumerates it "
                         f"and is limited to {MAX_EXACT_UNITS}")
    elements("n * (n_visible + n_hidden)", n, rbm.n_visible + rbm.n_hidden)
    elements("2**(smaller layer) states", 2**m)
    gen = runtime.torch_generator(seed, rbm.device)
    f64, dev, chunk = torch.float64, rbm.device, 1 << 16
    with torch.no_grad():
        log_p = torch.cat([_smaller_layer_log_weights(rbm, terms, lo, min(2**m, lo + chunk))
                           for lo in range(0, 2**m, chunk)])
        cdf = torch.cumsum(torch.exp(log_p - log_p.max()), 0)
        u = torch.rand(n, generator=gen, dtype=f64, device=dev) * cdf[-1]
        idx = torch.searchsorted(cdf, u, right=True).clamp_(max=2**m - 1)
        s = ((idx[:, None] >> torch.arange(m, device=dev)) & 1).to(f64)
        if rbm.spins:
            s = 2 * s - 1
        if hidden:  # v | h: field b + W h
            field = torch.addmm(bias_o, s, Wm)
            s = torch.bernoulli(torch.sigmoid((2.0 if rbm.spins else 1.0) * field), generator=gen)
            s = 2 * s - 1 if rbm.spins else s
    return s.to(dtype=rbm.dtype)
