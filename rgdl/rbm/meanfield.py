"""Mean-field theory of an RBM: the TAP free energy at orders 1, 2 and 3, its fixed points, ln Z.

The Gibbs free energy of an RBM at fixed magnetisations ``m^v = <v>``,
``m^h = <h>`` is expanded in powers of the weights (Plefka 1982; Georges &
Yedidia 1991). A bipartite graph has no triangles, so up to third order only
single edges contribute (Gabrie, Tramel & Krzakala 2015, eqs. 5-7):

.. math::
   -F(m^v, m^h) = S(m^v) + S(m^h) + b\\cdot m^v + c\\cdot m^h + m^{v\\,T} W m^h
   + \\frac12 \\sum_{ij} W_{ij}^2\\, \\sigma_i \\tau_j
   + \\frac16 \\sum_{ij} W_{ij}^3\\, \\kappa_i \\lambda_j ,

with ``sigma_i, tau_j`` the variances and ``kappa_i, lambda_j`` the third
central moments of independent units of the given means:
``m(1-m)`` and ``m(1-m)(1-2m)`` for 0/1 units, ``1-m^2`` and ``-2m(1-m^2)``
for +/-1 units; ``S`` is the entropy of independent units. Order 1 (naive mean
field) keeps the first line, order 2 adds the Onsager reaction term, order 3 the
last term. At a stationary point ``ln Z ~= -F``; the expansion is exact at
``W = 0`` and its truncation error at order ``k`` is ``O(W^{k+1})``.
"""

from __future__ import annotations

import dataclasses
import numbers

import torch

from ..core import runtime
from ..core.runtime import threads_for
from ..core.validate import positive_float, positive_int
from .model import RBM, _as_tensor, check_rbm

__all__ = ["tap_free_energy", "tap_magnetizations", "tap_log_partition", "tap_moments",
           "TAPState", "TAPEstimate", "TAP_ORDERS", "MAX_TAP_ITER"]

#: The orders of the expansion implemented.
TAP_ORDERS = (1, 2, 3)

#: Most fixed-point iterations one call runs.
MAX_TAP_ITER = 10**6


def _order(order) -> int:
    if isinstance(order, bool) or not isinstance(order, numbers.Integral):
        raise TypeError(f"order must be an int in {TAP_ORDERS}; got {type(order).__name__}")
    if order not in TAP_ORDERS:
        raise ValueError(f"order must be one of {TAP_ORDERS}; got {order}")
    return int(order)


def _magnetization(name: str, m, rbm: RBM, n: int, dtype=None) -> torch.Tensor:
    """``m`` as a tensor (..., n) of means inside the unit interval ([0,1] or [-1,1])."""
    m = _as_tensor(name, m, dtype or rbm.dtype, rbm.device)
    if m.dim() == 0 or m.shape[-1] != n:
        raise ValueError(f"{name} must have shape (..., {n}); got {tuple(m.shape)}")
    lo, hi = rbm.values
    if not bool(torch.isfinite(m).all()) or not bool(((m >= lo) & (m <= hi)).all()):
        raise ValueError(f"{name} must hold finite means in [{lo}, {hi}]")
    return m


def _entropy(m: torch.Tensor, spins: bool) -> torch.Tensor:
    """Entropy of independent units of means ``m``, summed over the last axis."""
    if spins:
        p = (1 + m) / 2
        return (torch.special.entr(p) + torch.special.entr(1 - p)).sum(-1)
    return (torch.special.entr(m) + torch.special.entr(1 - m)).sum(-1)


def _moments(m: torch.Tensor, spins: bool):
    """(variance, third central moment, their derivatives in m) of independent units."""
    if spins:
        var = 1 - m * m
        return var, -2 * m * var, -2 * m, 6 * m * m - 2
    var = m * (1 - m)
    return var, var * (1 - 2 * m), 1 - 2 * m, 1 - 6 * m + 6 * m * m


def tap_free_energy(rbm: RBM, mv, mh, order=2) -> torch.Tensor:
    """The TAP free energy ``F(m^v, m^h)`` of an RBM, one value per row.

    .. math::
       F = -S(m^v) - S(m^h) - b\\cdot m^v - c\\cdot m^h - m^{v\\,T} W m^h
       - \\frac12 \\sum_{ij} W_{ij}^2\\sigma_i\\tau_j - \\frac16\\sum_{ij} W_{ij}^3\\kappa_i\\lambda_j

    (Georges & Yedidia 1991; Gabrie, Tramel & Krzakala 2015, eqs. 5-7): the
    ``W^2`` term enters at ``order >= 2`` and the ``W^3`` term at ``order 3``.
    ``sigma = m(1-m)``, ``kappa = m(1-m)(1-2m)`` for 0/1 units and ``1-m^2``,
    ``-2m(1-m^2)`` for spins. At a fixed point (:func:`tap_magnetizations`)
    ``-F`` estimates ``ln Z``.

    Parameters
    ----------
    rbm : RBM
    mv, mh : tensor or array (..., n_visible), (..., n_hidden)
        Magnetisations in [0, 1] (0/1 units) or [-1, 1] (spins), same leading shape.
    order : 1, 2 or 3

    Returns
    -------
    torch.Tensor of shape ``mv.shape[:-1]``, in the rbm's dtype.
    """
    check_rbm(rbm)
    order = _order(order)
    mv = _magnetization("mv", mv, rbm, rbm.n_visible)
    mh = _magnetization("mh", mh, rbm, rbm.n_hidden)
    if mv.shape[:-1] != mh.shape[:-1]:
        raise ValueError(f"mv and mh must have the same leading shape; got "
                         f"{tuple(mv.shape)} and {tuple(mh.shape)}")
    return _free_energy(rbm.W, rbm.b, rbm.c, mv, mh, order, rbm.spins)


def _free_energy(W, b, c, mv, mh, order: int, spins: bool) -> torch.Tensor:
    neg = _entropy(mv, spins) + _entropy(mh, spins) + mv @ b + mh @ c + ((mv @ W) * mh).sum(-1)
    if order >= 2:
        sv, kv, _, _ = _moments(mv, spins)
        sh, kh, _, _ = _moments(mh, spins)
        neg = neg + 0.5 * ((sv @ (W * W)) * sh).sum(-1)
        if order == 3:
            neg = neg + ((kv @ (W * W * W)) * kh).sum(-1) / 6
    return -neg


def _act(x: torch.Tensor, spins: bool) -> torch.Tensor:
    return torch.tanh(x) if spins else torch.sigmoid(x)


def _variance(m: torch.Tensor, spins: bool) -> torch.Tensor:
    """``1 - m^2`` (spins) or ``m - m^2`` (0/1), one fused op each."""
    return torch.addcmul(torch.ones_like(m), m, m, value=-1) if spins \
        else torch.addcmul(m, m, m, value=-1)


def _field(bias, W, W2, W3, m_self, m_other, order: int, spins: bool) -> torch.Tensor:
    """-dF/dm_self without the entropy: the TAP local field of one layer.

    ``W`` maps the other layer onto this one (``W`` for the visible layer, ``W^T``
    for the hidden); the Onsager term is ``sigma'(m) (W^2 tau)``/2, the third-order
    one ``kappa'(m) (W^3 lambda)``/6.
    """
    x = torch.addmm(bias, m_other, W.T) if m_other.dim() == 2 else (m_other @ W.T).add_(bias)
    if order == 2:  # + sigma'(m) t / 2, with sigma'(m) = 1 - 2m (0/1) or -2m (spins)
        t = _variance(m_other, spins) @ W2.T
        x.addcmul_(m_self, t, value=-1)
        if not spins:
            x.add_(t, alpha=0.5)
    elif order == 3:  # the factors of _moments, spelled out (this is the EMF inner loop)
        s_o = _variance(m_other, spins)
        k_o = s_o * (m_other * -2 if spins else 1 - 2 * m_other)
        ds = m_self * -2 if spins else 1 - 2 * m_self
        dk = m_self * m_self * 6 - 2 if spins else 1 - 6 * _variance(m_self, False)
        x.addcmul_(ds, s_o @ W2.T, value=0.5).addcmul_(dk, k_o @ W3.T, value=1 / 6)
    return x


def _powers(W: torch.Tensor, order: int):
    W2 = W * W if order >= 2 else None
    return W2, (W2 * W if order == 3 else None)


def _sweeps_(W, b, c, mv, mh, order, spins, damping, n, powers=None, track=True):
    """``n`` damped sweeps in place, hidden then visible; the last sweep's largest change per row
    (``None`` without ``track``).

    .. math::  m \\leftarrow \\gamma\\, m + (1 - \\gamma)\\, f(\\text{field}(m)),

    with ``f`` the sigmoid (0/1) or tanh (spins) and ``gamma`` the damping.
    """
    W2, W3 = powers if powers is not None else _powers(W, order)
    Wt, W2t = W.T, None if W2 is None else W2.T
    W3t = None if W3 is None else W3.T
    delta = None
    for _ in range(n):
        new_h = _act(_field(c, Wt, W2t, W3t, mh, mv, order, spins), spins)
        dh = (new_h - mh).abs().amax(-1) if track else None
        mh.lerp_(new_h, 1 - damping)
        new_v = _act(_field(b, W, W2, W3, mv, mh, order, spins), spins)
        if track:
            delta = torch.maximum(dh, (new_v - mv).abs().amax(-1)) * (1 - damping)
        mv.lerp_(new_v, 1 - damping)
    return delta


@dataclasses.dataclass
class TAPState:
    """Magnetisations after a fixed-point iteration (:func:`tap_magnetizations`).

    ``mv`` (n_starts, n_visible), ``mh`` (n_starts, n_hidden); ``iterations`` run;
    ``converged`` whether the last sweep moved every unit by less than ``tol``;
    ``delta`` that last largest change.
    """

    mv: torch.Tensor
    mh: torch.Tensor
    iterations: int
    converged: bool
    delta: float


def _damping(damping) -> float:
    damping = positive_float("damping", damping, allow_zero=True)
    if damping >= 1:
        raise ValueError(f"damping must be in [0, 1); got {damping}")
    return damping


def _starts(rbm: RBM, mv, mh, seed, dtype):
    """Starting magnetisations: given, completed by a naive mean-field step, or random."""
    spins, W = rbm.spins, rbm.W.to(dtype)
    if mv is not None:
        mv = _magnetization("mv", mv, rbm, rbm.n_visible, dtype).clone()
    if mh is not None:
        mh = _magnetization("mh", mh, rbm, rbm.n_hidden, dtype).clone()
    if mv is not None and mh is not None and mv.shape[:-1] != mh.shape[:-1]:
        raise ValueError(f"mv and mh must have the same leading shape; got "
                         f"{tuple(mv.shape)} and {tuple(mh.shape)}")
    if mv is None and mh is None:
        gen = runtime.torch_generator(seed, rbm.device)
        u = torch.rand(1, rbm.n_visible, generator=gen, dtype=dtype, device=rbm.device)
        mv = 2 * u - 1 if spins else u
    else:
        runtime.torch_generator(seed, "cpu")  # validates seed even when unused
    if mh is None:
        mh = _act(mv @ W + rbm.c.to(dtype), spins)
    if mv is None:
        mv = _act(mh @ W.T + rbm.b.to(dtype), spins)
    return mv, mh


def tap_magnetizations(rbm: RBM, order=2, *, mv=None, mh=None, damping=0.5, max_iter=1000,
                       tol=1e-8, seed=None) -> TAPState:
    """Solve the TAP self-consistency equations by damped fixed-point iteration.

    Stationarity of :func:`tap_free_energy`, ``dF/dm = 0``, gives (0/1 units,
    Gabrie, Tramel & Krzakala 2015, eqs. 8-9; ``tanh`` and ``-2m`` for spins)

    .. math::
       m^h_j = \\mathrm{sigm}\\Big(c_j + \\sum_i W_{ij} m^v_i
       + \\tfrac12 \\sigma'(m^h_j)\\sum_i W_{ij}^2 \\sigma_i
       + \\tfrac16 \\kappa'(m^h_j) \\sum_i W_{ij}^3 \\kappa_i\\Big),

    and symmetrically for ``m^v``, with ``sigma' = 1 - 2m`` and
    ``kappa' = 1 - 6m + 6m^2`` (0/1), ``-2m`` and ``6m^2 - 2`` (spins). Each
    iteration updates the hidden layer, then the visible one, each damped:
    ``m <- damping * m + (1 - damping) * new``.

    Parameters
    ----------
    rbm : RBM
    order : 1, 2 or 3
    mv, mh : optional starting magnetisations (rows are independent starts)
        A missing one is computed from the other by a naive mean-field step;
        with neither, one random start (uniform means) from ``seed``.
    damping : float in [0, 1)
    max_iter : int
        At most this many iterations (<= :data:`MAX_TAP_ITER`).
    tol : float
        Stop once the largest change of any magnetisation in an iteration is below ``tol``.
    seed : None or int

    Returns
    -------
    TAPState (the tensors are new; the inputs are not modified).
    """
    check_rbm(rbm)
    order = _order(order)
    damping = _damping(damping)
    max_iter = positive_int("max_iter", max_iter, maximum=MAX_TAP_ITER)
    tol = positive_float("tol", tol)
    mv, mh = _starts(rbm, mv, mh, seed, rbm.dtype)
    it, delta = _iterate(rbm.W, rbm.b, rbm.c, mv, mh, order, rbm.spins, damping, max_iter, tol)
    worst = float(delta.max()) if delta.numel() else 0.0
    return TAPState(mv=mv, mh=mh, iterations=it, converged=bool(worst < tol), delta=worst)


def _iterate(W, b, c, mv, mh, order, spins, damping, max_iter, tol):
    """Sweep until every row's last change is below ``tol``; (iterations, per-row change)."""
    powers = _powers(W, order)
    delta = torch.full(mv.shape[:-1], float("inf"), dtype=W.dtype, device=W.device)
    it = 0
    rows = mv[..., 0].numel()
    with threads_for(rows * W.shape[0] * W.shape[1]):  # small models: one thread is faster
        while it < max_iter and not bool((delta < tol).all()):
            step = min(10, max_iter - it)  # convergence is checked every few sweeps
            delta = _sweeps_(W, b, c, mv, mh, order, spins, damping, step, powers)
            it += step
    return it, delta


@dataclasses.dataclass(frozen=True)
class TAPEstimate:
    """A TAP estimate of ``ln Z`` (:func:`tap_log_partition`).

    ``log_z``: the largest ``-F`` over converged starts (over all starts when none
    converged); ``converged``: at least one start converged; ``iterations``: the
    most any start ran; ``n_converged``: how many starts converged.
    """

    log_z: float
    order: int
    converged: bool
    iterations: int
    n_converged: int


#: Most random starts :func:`tap_log_partition` accepts.
MAX_STARTS = 1 << 16


def tap_log_partition(rbm: RBM, order=2, *, n_starts=10, seed=None, damping=0.5,
                      max_iter=1000, tol=1e-8) -> TAPEstimate:
    """The TAP estimate of ``ln Z``: the largest ``-F`` over fixed points.

    .. math::  \\ln Z \\approx \\max_{m^*} \\big[-F_k(m^{v*}, m^{h*})\\big],

    ``F_k`` the order-``k`` free energy of :func:`tap_free_energy` and ``m*``
    the fixed points reached by :func:`tap_magnetizations` from ``n_starts``
    random starts (each its own row, iterated together, in float64). The
    truncation error is ``O(W^{k+1})`` (Georges & Yedidia 1991; Plefka 1982).
    A start converges when its last (damped) iteration moved no magnetisation by
    ``tol``. At order 1, ``-F`` is the Gibbs-Bogoliubov bound of a product law, so
    the estimate never exceeds ``ln Z``; orders 2 and 3 carry no such bound.
    """
    check_rbm(rbm)
    order = _order(order)
    n_starts = positive_int("n_starts", n_starts, maximum=MAX_STARTS)
    damping = _damping(damping)
    max_iter = positive_int("max_iter", max_iter, maximum=MAX_TAP_ITER)
    tol = positive_float("tol", tol)
    f64 = torch.float64
    W, b, c = (t.detach().to(f64) for t in (rbm.W, rbm.b, rbm.c))
    gen = runtime.torch_generator(seed, rbm.device)
    u = torch.rand(n_starts, rbm.n_visible, generator=gen, dtype=f64, device=rbm.device)
    mv = 2 * u - 1 if rbm.spins else u
    mh = _act(mv @ W + c, rbm.spins)
    it, delta = _iterate(W, b, c, mv, mh, order, rbm.spins, damping, max_iter, tol)
    done = delta < tol
    neg_f = -_free_energy(W, b, c, mv, mh, order, rbm.spins)
    pool = neg_f[done] if bool(done.any()) else neg_f
    return TAPEstimate(log_z=float(pool.max()), order=order, converged=bool(done.any()),
                       iterations=it, n_converged=int(done.sum()))


def tap_moments(rbm: RBM, mv, mh, order=2):
    """The model moments of EMF training: the derivatives of ``-F`` at the magnetisations.

    At a fixed point ``ln Z ~= -F`` and ``d ln Z / dW = <v h^T>``, so
    (Gabrie, Tramel & Krzakala 2015, eq. 10)

    .. math::
       \\langle v_i h_j\\rangle \\approx -\\frac{\\partial F}{\\partial W_{ij}}
       = m^v_i m^h_j + W_{ij}\\,\\sigma_i\\tau_j + \\tfrac12 W_{ij}^2\\,\\kappa_i\\lambda_j,
       \\qquad \\langle v\\rangle \\approx m^v,\\quad \\langle h\\rangle \\approx m^h,

    the ``W`` term at ``order >= 2``, the ``W^2`` term at order 3 (variances
    ``sigma, tau`` and third central moments ``kappa, lambda`` as in
    :func:`tap_free_energy`). Rows of ``mv``/``mh`` (persistent magnetisations)
    are averaged.

    Returns
    -------
    (vh, v, h): tensors of shapes (n_visible, n_hidden), (n_visible,), (n_hidden,).
    """
    check_rbm(rbm)
    order = _order(order)
    mv = _magnetization("mv", mv, rbm, rbm.n_visible)
    mh = _magnetization("mh", mh, rbm, rbm.n_hidden)
    if mv.dim() == 1:
        mv = mv.unsqueeze(0)
    if mh.dim() == 1:
        mh = mh.unsqueeze(0)
    if mv.dim() != 2 or mv.shape[:-1] != mh.shape[:-1] or mv.shape[0] == 0:
        raise ValueError(f"mv and mh must be (rows, n) with the same number of rows; got "
                         f"{tuple(mv.shape)} and {tuple(mh.shape)}")
    return _moments_of(rbm.W, mv, mh, order, rbm.spins)


def _moments_of(W, mv, mh, order: int, spins: bool):
    """:func:`tap_moments` on checked (rows, n) tensors."""
    n = mv.shape[0]
    vh = mv.T @ mh / n
    if order >= 2:
        sv, kv, _, _ = _moments(mv, spins)
        sh, kh, _, _ = _moments(mh, spins)
        vh = vh + W * (sv.T @ sh / n)
        if order == 3:
            vh = vh + 0.5 * W * W * (kv.T @ kh / n)
    return vh, mv.mean(0), mh.mean(0)
