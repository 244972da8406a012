"""Likelihood per layer: how well a DBN of 1, 2, 3 layers models Ising data, per spin.

A DBN of ``n`` layers (Hinton, Osindero & Teh 2006) is a generative model whose top
RBM (layer ``n``, on units ``h_{n-1}``, ``h_n``) is undirected and whose lower layers are
directed, top-down, with the conditionals of their RBMs:

.. math::  p(v, h_1, \\dots, h_{n-1}) = p(h_{n-1})\\,\\prod_{l=1}^{n-1} p_l(h_{l-1} \\mid h_l),
           \\qquad p(h_{n-1}) = \\frac{e^{-F_n(h_{n-1})}}{Z_n},\\qquad h_0 = v,

with ``F_n`` the top RBM's free energy (its visible Hamiltonian,
:meth:`rgdl.rbm.RBM.visible_hamiltonian`) and ``ln p_l(x | h) = x.a - sum_i ln sum_{x_i}
e^{x_i a_i}``, ``a = b_l + W_l h``. For ``n = 1`` this is the first RBM itself.

The bound of Salakhutdinov & Murray (2008, ICML, sec. 5)
    ``ln p(v)`` of a deeper DBN is not tractable; with the factorial up-pass posteriors
    ``q_l(h_l | h_{l-1}) = prod_j sigma(+/-(c_l + h_{l-1} W_l)_j)`` of each RBM as a
    variational distribution, Jensen's inequality gives

    .. math::  \\ln p(v) \\ge \\mathbb E_{q}\\Big[\\sum_{l=1}^{n-1}
               \\big(\\ln p_l(h_{l-1} \\mid h_l) - \\ln q_l(h_l \\mid h_{l-1})\\big)
               - F_n(h_{n-1})\\Big] - \\ln Z_n,

    ``q = q_1(h_1 | v) q_2(h_2 | h_1) ...``: the 2-layer form is their bound
    ``ln p(v) >= sum_{h_1} Q(h_1|v)[ln p(v|h_1) + ln p*(h_1)] - ln Z + H(Q)``; the
    3-layer one applies the same step to ``ln p(h_1)`` ("On the quantitative analysis of
    deep belief networks"). The gap is
    ``KL(q(h | v) || p(h | v))``: zero when the posterior is exactly factorial, e.g. a
    2-layer DBN whose top RBM is the first one transposed (the complementary prior of
    Hinton et al. 2006). The expectation is estimated by drawing ``h ~ q`` (``seed``),
    with the integrand ``ln p(v, h) - ln q(h | v)`` (constant when ``q`` is exact), or
    computed exactly by enumeration for small nets; ``ln Z_n`` comes from AIS
    (:func:`rgdl.rbm.ais_log_partition`, base rates from the data at that layer) or by
    enumeration. :func:`enumerated_log_likelihood` is the exact ``ln p(v)`` oracle.

The entropy bound
    For data drawn from the Ising law ``P``, any model ``Q`` has
    ``E_P[ln Q] = -S(P) - KL(P || Q) <= -S(P)`` (Gibbs' inequality): the expected
    log-likelihood per spin cannot exceed ``-S/N``, with ``S/N`` from
    :func:`ising_entropy_per_spin` (exact on the finite torus).

Data are Ising configurations of +/-1 spins, turned into the DBN's units as
:mod:`rgdl.dbn.experiment` feeds them (:func:`rgdl.dbn.stack.spins_to_units`).
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import torch

from ..core import runtime
from ..core.units import sum_out
from ..core.validate import boolean, elements, finite_float, positive_int, real_array
from ..ising import exact as ising_exact
from ..rbm import RBM
from ..rbm.ais import ais_log_partition, log_partition_bracket
from ..rbm.model import log_partition
from .stack import DBN, spins_to_units

__all__ = ["ising_entropy_per_spin", "log_likelihood_bound", "enumerated_log_likelihood",
           "top_log_partition", "likelihood_per_layer", "LayerLikelihood", "LikelihoodTable",
           "MAX_ENUM_BITS"]

#: Most hidden units (summed over layers 1..n-1) whose states the exact expectation enumerates.
MAX_ENUM_BITS = 20

#: Largest smaller layer of the top RBM whose ln Z :func:`top_log_partition` may enumerate.
MAX_EXACT_TOP = 26

#: Most posterior samples per row.
MAX_SAMPLES = 1 << 16


def ising_entropy_per_spin(L, K):
    """Exact entropy per spin ``S/N`` (nats) of the periodic ``L x L`` Ising model.

    .. math::  \\frac{S}{N} = \\frac{\\ln Z}{N} - \\frac{K}{N}\\,\\frac{d\\ln Z}{dK}
               = \\frac{\\ln Z}{N} + K\\,\\frac{\\langle E\\rangle}{N}

    (``S = ln Z + <beta H>``, ``-beta H = K sum_<ij> s_i s_j``), with ``ln Z`` and its
    derivative from Kaufman's finite-torus solution (:func:`rgdl.ising.exact.exact_thermo`;
    Ferdinand & Fisher 1969). At ``K = 0.408`` it is 0.41845 at ``L = 40`` and 0.41096 at
    ``L = 20``. ``K`` may be an array (the result then has its shape).
    """
    L = positive_int("L", L, minimum=2, maximum=ising_exact.MAX_SIDE)
    logz, d1, _ = ising_exact.exact_thermo(L, L, K)
    s = (np.asarray(logz) - np.asarray(K, dtype=np.float64) * np.asarray(d1)) / (L * L)
    return float(s) if np.ndim(s) == 0 else s


# ------------------------------------------------------------------ checks
def _check_dbn(dbn) -> DBN:
    if not isinstance(dbn, DBN):
        raise TypeError(f"dbn must be a DBN; got {type(dbn).__name__}")
    for i, rbm in enumerate(dbn.rbms):
        try:
            rbm.check_finite()
        except ValueError as err:
            raise ValueError(f"dbn layer {i + 1}: {err}") from None
    return dbn


def _check_layers(dbn: DBN, n_layers) -> int:
    if n_layers is None:
        return dbn.n_layers
    return positive_int("n_layers", n_layers, maximum=dbn.n_layers)


def _units(dbn: DBN, configs) -> torch.Tensor:
    """``configs`` (+/-1 spins, (n, L, L) or (n, N)) as float64 units of the first RBM."""
    if configs is None or isinstance(configs, (str, bytes)):
        raise TypeError(f"configs must be an array of +/-1 spins; got {type(configs).__name__}")
    try:
        v = spins_to_units(configs).to(torch.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"configs: {err}") from None
    if v.shape[0] == 0:
        raise ValueError("configs is empty")
    if v.shape[1] != dbn.sizes[0]:
        raise ValueError(f"configs has {v.shape[1]} spins per row; the dbn has "
                         f"{dbn.sizes[0]} visible units")
    if dbn.rbms[0].spins:
        v = 2.0 * v - 1.0
    return v.to(dbn.rbms[0].device)


def _f64(rbms) -> list[RBM]:
    return [r.copy().to(dtype=torch.float64) for r in rbms]


def _log_cond(x: torch.Tensor, a: torch.Tensor, spins: bool) -> torch.Tensor:
    """``ln p(x | a) = x.a - sum_i ln sum_{x_i} e^{x_i a_i}`` per row (factorial units)."""
    return (x * a).sum(-1) - sum_out(a, spins)


def top_log_partition(rbm, data=None, *, n_runs=100, n_betas=10000, reverse=False,
                      exact_max=20, seed=None) -> dict:
    """``ln Z`` of one RBM: enumerated when small, else AIS (optionally bracketed).

    If the smaller layer has at most ``exact_max`` units, ``ln Z`` is enumerated
    (:func:`rgdl.rbm.model.log_partition`, ``method="exact"``, standard error 0).
    Otherwise forward AIS (:func:`rgdl.rbm.ais_log_partition`, ``n_runs`` runs,
    ``n_betas`` temperatures, base rates from ``data``: Salakhutdinov & Murray 2008,
    sec. 4.1) under-estimates ``ln Z`` in expectation; with ``reverse`` a reverse-AIS
    run (Burda, Grosse & Salakhutdinov 2015) gives the upper side of
    :func:`rgdl.rbm.ais.log_partition_bracket`, started from up to ``n_runs`` rows of
    ``data`` (RAISE: an upper bound only insofar as the annealing model puts no more
    mass on the data than the RBM does; see :func:`rgdl.rbm.ais.reverse_ais_log_partition`).

    Returns
    -------
    dict with ``log_z``, ``stderr``, ``method`` ("exact" or "ais"), ``upper`` and
    ``upper_stderr`` (None unless ``reverse`` and AIS).
    """
    if not isinstance(rbm, RBM):
        raise TypeError(f"rbm must be an RBM; got {type(rbm).__name__}")
    rbm.check_finite()
    exact_max = positive_int("exact_max", exact_max, minimum=0, maximum=MAX_EXACT_TOP)
    reverse = boolean("reverse", reverse)
    n_runs = positive_int("n_runs", n_runs, minimum=2, maximum=1 << 20)
    n_betas = positive_int("n_betas", n_betas, minimum=3, maximum=10**7)
    out = {"upper": None, "upper_stderr": None}
    if min(rbm.n_visible, rbm.n_hidden) <= exact_max:
        return dict(out, log_z=log_partition(rbm), stderr=0.0, method="exact")
    if data is not None:
        data = torch.as_tensor(real_array("data", data, ndim=2))
        lo, hi = rbm.values
        if data.shape[1] != rbm.n_visible or data.shape[0] < 1:
            raise ValueError(f"data must have shape (n >= 1, {rbm.n_visible}); "
                             f"got {tuple(data.shape)}")
        if not bool(((data >= lo) & (data <= hi)).all()):
            raise ValueError(f"data must lie in [{lo}, {hi}] (the rbm's unit values)")
    if not reverse:
        z, se = ais_log_partition(rbm, n_runs, n_betas, seed=seed, base=data)
        return dict(out, log_z=z, stderr=se, method="ais")
    if data is None or data.shape[0] < 2:
        raise ValueError("data: reverse AIS starts from data rows; give at least two")
    start = data[:n_runs]
    lo, hi = rbm.values
    if not bool(((start == lo) | (start == hi)).all()):
        start = (start > 0.5 * (lo + hi)).to(start.dtype) * (hi - lo) + lo  # unit means
    br = log_partition_bracket(rbm, start, n_runs, n_betas, seed=seed, base=data)
    return {"log_z": br.lower, "stderr": br.lower_stderr, "method": "ais",
            "upper": br.upper, "upper_stderr": br.upper_stderr}


# ------------------------------------------------------------- the bound
def _sampled_terms(rbms: list[RBM], v: torch.Tensor, n_samples: int, gen) -> torch.Tensor:
    """``ln p(v, h) + ln Z_n - ln q(h | v)`` at ``n_samples`` draws ``h ~ q``: (n_samples, n).

    The draws are made in batches of rows repeated ``chunk`` times (about 2^22 numbers each).
    """
    if len(rbms) == 1:
        return -rbms[0].visible_hamiltonian(v)[None]
    n = v.shape[0]
    width = max(max(r.n_visible, r.n_hidden) for r in rbms)
    chunk = max(1, min(n_samples, (1 << 22) // max(1, n * width)))
    parts = []
    for start in range(0, n_samples, chunk):
        k = min(chunk, n_samples - start)
        x = v.repeat(k, 1)
        total = torch.zeros(x.shape[0], dtype=torch.float64, device=v.device)
        for rbm in rbms[:-1]:
            a_up = torch.addmm(rbm.c, x, rbm.W)
            h = rbm._draw(rbm._prob(a_up), gen)
            a_down = torch.addmm(rbm.b, h, rbm.W.T)
            total += _log_cond(x, a_down, rbm.spins) - _log_cond(h, a_up, rbm.spins)
            x = h
        parts.append((total - rbms[-1].visible_hamiltonian(x)).reshape(k, n))
    return torch.cat(parts)


def _enumerated_terms(rbms: list[RBM], v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(ln p(v, h) + ln Z_n, ln q(h | v))``, each (n, K), over all K states of h_1..h_{n-1}."""
    below = rbms[:-1]
    bits = sum(r.n_hidden for r in below)
    if bits > MAX_ENUM_BITS:
        raise ValueError(f"n_samples=None enumerates the {bits} hidden units of layers below "
                         f"the top; at most {MAX_ENUM_BITS} (give n_samples)")
    if not below:
        return -rbms[0].visible_hamiltonian(v)[:, None], torch.zeros_like(v[:, :1])
    K = 2**bits
    elements("configs rows * hidden states", v.shape[0], K, 2)
    elements("hidden states * visible units", K, v.shape[1])
    bit_table = ((torch.arange(K, device=v.device)[:, None] >> torch.arange(bits, device=v.device))
                 & 1).to(torch.float64)
    hs, start = [], 0
    for r in below:
        lo, hi = r.values
        hs.append(bit_table[:, start:start + r.n_hidden] * (hi - lo) + lo)
        start += r.n_hidden
    first = below[0]
    a_up = torch.addmm(first.c, v, first.W)                       # (n, n_1)
    log_q = a_up @ hs[0].T - sum_out(a_up, first.spins)[:, None]  # (n, K)
    a_down = torch.addmm(first.b, hs[0], first.W.T)               # (K, N)
    log_joint = v @ a_down.T - sum_out(a_down, first.spins)[None, :]
    for rbm, x, h in zip(below[1:], hs[:-1], hs[1:]):
        log_q = log_q + _log_cond(h, torch.addmm(rbm.c, x, rbm.W), rbm.spins)[None, :]
        log_joint = log_joint + _log_cond(x, torch.addmm(rbm.b, h, rbm.W.T), rbm.spins)[None, :]
    return log_joint - rbms[-1].visible_hamiltonian(hs[-1])[None, :], log_q


def _log_z_or_exact(rbm: RBM, log_z) -> float:
    if log_z is not None:
        return finite_float("log_z", log_z)
    if min(rbm.n_visible, rbm.n_hidden) > 20:
        raise ValueError("log_z: the top RBM is too large to enumerate; pass its ln Z "
                         "(top_log_partition)")
    return log_partition(rbm)


def _check_samples(n_samples):
    if n_samples is None:
        return None
    return positive_int("n_samples", n_samples, maximum=MAX_SAMPLES)


def log_likelihood_bound(dbn, configs, n_layers=None, *, n_samples=100, seed=None,
                         log_z=None) -> np.ndarray:
    """Salakhutdinov-Murray lower bound on ``ln p(v)`` of the ``n_layers``-layer DBN, per row.

    .. math::  \\ln p(v) \\ge \\mathbb E_{q(h|v)}\\big[\\ln p(v, h) - \\ln q(h \\mid v)\\big]
               = \\mathbb E_q\\Big[\\sum_{l<n}\\big(\\ln p_l(h_{l-1}|h_l)
               - \\ln q_l(h_l|h_{l-1})\\big) - F_n(h_{n-1})\\Big] - \\ln Z_n

    (Salakhutdinov & Murray 2008, sec. 5; module docstring). For ``n_layers = 1`` it is
    the first RBM's exact ``-F_1(v) - ln Z_1``.

    Parameters
    ----------
    dbn : DBN
    configs : (n, L, L) or (n, N) array of +/-1 spins (the held-out data)
    n_layers : int, the DBN's depth by default
    n_samples : int or None
        Draws of ``h ~ q`` per row (the mean over them is returned); ``None`` computes the
        expectation exactly by enumerating layers ``1..n-1`` (at most :data:`MAX_ENUM_BITS`
        units together).
    seed : the posterior draws' seed.
    log_z : float, optional
        ``ln Z`` of the top RBM; enumerated when omitted (smaller layer <= 20 units).

    Returns
    -------
    numpy array (n,) of nats per configuration (divide by N for per spin).
    """
    dbn = _check_dbn(dbn)
    n_layers = _check_layers(dbn, n_layers)
    n_samples = _check_samples(n_samples)
    v = _units(dbn, configs)
    rbms = _f64(dbn.rbms[:n_layers])
    lz = _log_z_or_exact(rbms[-1], log_z)
    return _terms(rbms, v, n_samples, seed).mean(0) - lz


def enumerated_log_likelihood(dbn, configs, n_layers=None, *, log_z=None) -> np.ndarray:
    """Exact ``ln p(v)`` of the ``n_layers``-layer DBN's generative model, per row.

    .. math::  \\ln p(v) = \\ln \\sum_{h_1 \\dots h_{n-1}} e^{-F_n(h_{n-1})}
               \\prod_{l=1}^{n-1} p_l(h_{l-1} \\mid h_l) \\; - \\ln Z_n

    by enumerating the hidden layers below the top (at most :data:`MAX_ENUM_BITS` units
    together): the oracle :func:`log_likelihood_bound` is tested against. ``log_z`` as there.
    """
    dbn = _check_dbn(dbn)
    n_layers = _check_layers(dbn, n_layers)
    v = _units(dbn, configs)
    rbms = _f64(dbn.rbms[:n_layers])
    lz = _log_z_or_exact(rbms[-1], log_z)
    with torch.no_grad():
        log_joint, _ = _enumerated_terms(rbms, v)
        rows = torch.logsumexp(log_joint, 1)
    return (rows - lz).cpu().numpy()


# ------------------------------------------------------------- per layer
@dataclasses.dataclass(frozen=True)
class LayerLikelihood:
    """The held-out log-likelihood (1 layer) or its lower bound (2, 3 layers), per spin.

    ``per_spin``: mean over configurations of the estimate over ``N`` spins (nats);
    ``se_data``: its standard error over configurations (the spread of the held-out
    rows, posterior-sampling noise included); ``se_samples``: the spread due to the
    posterior draws alone (standard error over the ``n_samples`` draws; 0 when exact);
    ``log_z`` of the top RBM with ``log_z_stderr`` (AIS delta method, 0 when enumerated),
    ``log_z_method`` and, with reverse AIS, ``log_z_upper`` (else None).
    """

    n_layers: int
    kind: str
    per_spin: float
    se_data: float
    se_samples: float
    log_z: float
    log_z_stderr: float
    log_z_method: str
    log_z_upper: float | None
    log_z_upper_stderr: float | None
    n_spins: int
    n_samples: int | None
    seconds: float

    @property
    def stderr(self) -> float:
        """``sqrt(se_data^2 + (log_z_stderr / N)^2)``: the error bar of ``per_spin``."""
        return math.hypot(self.se_data, self.log_z_stderr / self.n_spins)

    @property
    def per_spin_conservative(self) -> float | None:
        """``per_spin`` with the reverse-AIS (upper) ``ln Z``: lower in expectation; or None."""
        if self.log_z_upper is None:
            return None
        return self.per_spin - (self.log_z_upper - self.log_z) / self.n_spins


@dataclasses.dataclass(frozen=True)
class LikelihoodTable:
    """:class:`LayerLikelihood` per depth, with the exact Ising bound ``-S/N`` when known."""

    layers: tuple
    n_configs: int
    n_spins: int
    K: float | None
    entropy_per_spin: float | None

    @property
    def per_spin(self) -> np.ndarray:
        return np.array([r.per_spin for r in self.layers])

    @property
    def stderr(self) -> np.ndarray:
        return np.array([r.stderr for r in self.layers])

    def excess(self) -> np.ndarray:
        """``per_spin + S/N`` per depth: <= 0 in expectation (Gibbs' inequality)."""
        if self.entropy_per_spin is None:
            raise ValueError("K was not given: no entropy bound to compare with")
        return self.per_spin + self.entropy_per_spin


def _check_depths(dbn: DBN, layers) -> tuple:
    if layers is None:
        return tuple(range(1, dbn.n_layers + 1))
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be a sequence of ints; got {type(layers).__name__}")
    out = tuple(positive_int("layers", n, maximum=dbn.n_layers) for n in layers)
    if not out:
        raise ValueError("layers is empty")
    return out


def _entropy_for(K, n_spins: int):
    if K is None:
        return None, None
    L = math.isqrt(n_spins)
    if L * L != n_spins:
        raise ValueError(f"K: the entropy bound needs L x L configurations; got {n_spins} spins")
    K = finite_float("K", K)
    return K, ising_entropy_per_spin(L, K)


def likelihood_per_layer(dbn, configs, layers=None, *, K=None, n_samples=10, n_runs=100,
                         n_betas=10000, reverse=False, exact_max=20, seed=0) -> LikelihoodTable:
    """Per-spin held-out log-likelihood of the first RBM and the bound for deeper DBNs.

    For each depth ``n`` in ``layers`` (default 1..depth): ``ln Z_n`` of the top RBM by
    :func:`top_log_partition` (AIS with base rates from the data propagated up by
    sampling, or enumeration when its smaller layer has at most ``exact_max`` units),
    then :func:`log_likelihood_bound` on every row of ``configs`` with ``n_samples``
    posterior draws (``None``: exact expectation, small nets only), divided by
    ``N`` spins:

    .. math::  \\frac{1}{N}\\,\\overline{\\ln p(v)} \\;\\ge\\; \\frac{1}{N}\\,
               \\overline{\\mathbb E_q[\\ln p(v,h) - \\ln q(h|v)]}
               \\quad\\text{and in expectation}\\quad \\le -\\frac{S}{N}

    (Salakhutdinov & Murray 2008, secs. 4-5; Gibbs' inequality with ``S/N`` from
    :func:`ising_entropy_per_spin` when ``K`` is given and the rows are ``L x L``).
    One ``seed`` makes every draw (propagation, AIS, posterior) reproducible.
    """
    dbn = _check_dbn(dbn)
    depths = _check_depths(dbn, layers)
    n_samples = _check_samples(n_samples)
    v = _units(dbn, configs)
    n_spins = v.shape[1]
    K, entropy = _entropy_for(K, n_spins)
    gen = runtime.rng(seed)
    rbms = _f64(dbn.rbms[:max(depths)])
    rows_out = []
    for n in depths:
        s_up, s_ais, s_q = (int(s) for s in gen.integers(0, 2**62, size=3))
        t0 = time.perf_counter()
        x, tgen = v, runtime.torch_generator(s_up, v.device)
        with torch.no_grad():
            for rbm in rbms[:n - 1]:
                x = rbm.sample_h(x, tgen)
        lz = top_log_partition(rbms[n - 1], x, n_runs=n_runs, n_betas=n_betas,
                               reverse=reverse, exact_max=exact_max, seed=s_ais)
        terms = _terms(rbms[:n], v, n_samples, s_q)
        rows = terms.mean(0) - lz["log_z"]
        se_data = rows.std(ddof=1) / math.sqrt(rows.size) if rows.size > 1 else 0.0
        exact_q = n == 1 or n_samples is None or terms.shape[0] < 2
        se_q = 0.0 if exact_q else terms.mean(1).std(ddof=1) / math.sqrt(terms.shape[0])
        rows_out.append(LayerLikelihood(
            n_layers=n, kind="likelihood" if n == 1 else "bound",
            per_spin=float(rows.mean()) / n_spins, se_data=float(se_data) / n_spins,
            se_samples=float(se_q) / n_spins, log_z=lz["log_z"], log_z_stderr=lz["stderr"],
            log_z_method=lz["method"], log_z_upper=lz["upper"],
            log_z_upper_stderr=lz["upper_stderr"], n_spins=n_spins, n_samples=n_samples,
            seconds=time.perf_counter() - t0))
    return LikelihoodTable(layers=tuple(rows_out), n_configs=v.shape[0], n_spins=n_spins,
                           K=K, entropy_per_spin=entropy)


def _terms(rbms: list[RBM], v: torch.Tensor, n_samples, seed) -> np.ndarray:
    """(draws, rows) of the bound's integrand plus ``ln Z_n`` (one row of draws if exact)."""
    with torch.no_grad():
        if len(rbms) == 1:
            return -rbms[0].visible_hamiltonian(v)[None].cpu().numpy()
        if n_samples is None:
            log_joint, log_q = _enumerated_terms(rbms, v)
            return (torch.exp(log_q) * (log_joint - log_q)).sum(1)[None].cpu().numpy()
        gen = runtime.torch_generator(seed, v.device)
        return _sampled_terms(rbms, v, n_samples, gen).cpu().numpy()
