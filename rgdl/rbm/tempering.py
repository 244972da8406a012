"""Parallel tempering (replica exchange) for an RBM: a sampler that crosses between modes.

Block Gibbs sampling of an RBM with strong couplings stays for a long time in
one mode of :math:`p(v)`: leaving it needs a sequence of unlikely single steps.
Parallel tempering runs ``M`` replicas of the model at inverse temperatures
:math:`1 = \\beta_1 > \\beta_2 > \\dots > \\beta_M > 0`, each with the law

.. math::  p_\\beta(v, h) = \\frac{e^{-\\beta E(v, h)}}{Z(\\beta)}, \\qquad
           E(v, h) = -b\\cdot v - c\\cdot h - v^T W h,

(every parameter scaled by :math:`\\beta`; the hot replicas are nearly
independent units and mix fast) and, after a block-Gibbs step in every replica,
proposes to exchange the states of neighbours :math:`(k, k+1)`, accepted with
the Metropolis probability

.. math::  a_k = \\min\\Big(1,\\ e^{(\\beta_k - \\beta_{k+1})\\,
           [E(x_k) - E(x_{k+1})]}\\Big),\\qquad x = (v, h),

the ratio :math:`p_{\\beta_k}(x_{k+1}) p_{\\beta_{k+1}}(x_k) /
[p_{\\beta_k}(x_k) p_{\\beta_{k+1}}(x_{k+1})]`. Modes found by the hot replicas
travel down the ladder to :math:`\\beta = 1`, whose samples are draws of the
model. Sources: Swendsen & Wang (1986), "Replica Monte Carlo simulation of spin
glasses", PRL 57, 2607; Geyer (1991), "Markov chain Monte Carlo maximum
likelihood", Computing Science and Statistics 23, 156; for RBMs and their
training, Desjardins, Courville, Bengio, Vincent & Delalleau (2010), "Tempered
Markov chain Monte Carlo for training of restricted Boltzmann machines",
AISTATS, sec. 3 (eq. 4 is the swap rule above, on the joint state).

Why the swap on the joint state is valid: the sweep acts on the product law
:math:`\\prod_k p_{\\beta_k}(v_k, h_k)`. Drawing :math:`h_k \\mid v_k` and then
:math:`v'_k \\mid h_k` leaves each factor invariant, so :math:`(v'_k, h_k)` is a
draw of :math:`p_{\\beta_k}(v, h)` when :math:`v_k` was one of its marginal; the
exchange is a Metropolis move on the product of the joint laws (its proposal,
a permutation, is symmetric), so it satisfies detailed balance with respect to
it. The next sweep redraws ``h`` from ``v``, so only ``v`` is carried and the
visible marginals :math:`\\prod_k p_{\\beta_k}(v_k)` are stationary. Swapping on
the joint energy costs nothing extra (``E(v', h)`` comes from the field on ``v``
already computed); swapping on the free energies :math:`\\beta F(v)` would cost a
third matrix product per sweep.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import time

import numpy as np
import torch
from tqdm import tqdm

from ..core import runtime
from ..core.runtime import threads_for
from ..core.validate import boolean, elements, positive_float, positive_int, real_array
from .model import RBM, check_rbm

__all__ = ["temperature_ladder", "tempering_sweep_", "parallel_tempering", "TemperingRun",
           "MAX_TEMPERATURES", "MAX_SWEEPS", "MAX_CHAINS"]

#: Most replicas (inverse temperatures) one ladder may hold.
MAX_TEMPERATURES = 10_000

#: Most sweeps one call of :func:`parallel_tempering` runs (burn-in included).
MAX_SWEEPS = 10**6

#: Most parallel chains per temperature.
MAX_CHAINS = 1 << 24


def temperature_ladder(n_temperatures: int, beta_min: float = 0.5) -> torch.Tensor:
    """Inverse temperatures in geometric progression from 1 down to ``beta_min``.

    .. math::  \\beta_k = \\beta_{\\min}^{(k-1)/(M-1)},\\qquad k = 1, \\dots, M,

    so that :math:`\\beta_1 = 1` and :math:`\\beta_M = \\beta_{\\min}` with a constant
    ratio between neighbours, the usual first choice for replica exchange (Earl &
    Deem 2005, "Parallel tempering: theory, applications, and new perspectives",
    sec. 3.1; Desjardins et al. 2010 space their RBM ladders this way too).

    Parameters
    ----------
    n_temperatures : int
        ``M``, between 1 and :data:`MAX_TEMPERATURES`; ``M = 1`` gives ``[1.0]``.
    beta_min : float
        The hottest replica's inverse temperature, in (0, 1); checked also when ``M = 1``.

    Returns
    -------
    torch.Tensor, float64, shape (M,), strictly decreasing.
    """
    m = positive_int("n_temperatures", n_temperatures, maximum=MAX_TEMPERATURES)
    beta_min = positive_float("beta_min", beta_min)
    if beta_min >= 1.0:
        raise ValueError(f"beta_min must be in (0, 1); got {beta_min}")
    if m == 1:
        return torch.ones(1, dtype=torch.float64)
    k = torch.arange(m, dtype=torch.float64)
    betas = torch.exp(k / (m - 1) * math.log(beta_min))
    betas[0], betas[-1] = 1.0, beta_min
    if not bool((betas[1:] < betas[:-1]).all()):
        raise ValueError(f"beta_min = {beta_min} is too close to 1 for {m} distinct temperatures")
    return betas


def _check_state(rbm: RBM, v) -> torch.Tensor:
    if not isinstance(v, torch.Tensor):
        raise TypeError(f"v must be a torch tensor (it is updated in place); "
                        f"got {type(v).__name__}")
    if v.dim() != 3 or v.shape[0] < 1 or v.shape[1] < 1 or v.shape[2] != rbm.n_visible:
        raise ValueError(f"v must have shape (n_temperatures, n_chains, {rbm.n_visible}); "
                         f"got {tuple(v.shape)}")
    if v.dtype != rbm.dtype or v.device != rbm.device:
        raise ValueError(f"v must have the rbm's dtype and device ({rbm.dtype}, {rbm.device}); "
                         f"got {v.dtype}, {v.device}")
    lo, hi = rbm.values
    if not bool(((v == lo) | (v == hi)).all()):
        raise ValueError(f"v must contain only {lo} and {hi} (NaN and other values refused)")
    return v


def _check_sweep_betas(betas, m: int, like: torch.Tensor) -> torch.Tensor:
    if isinstance(betas, torch.Tensor):
        if betas.dim() != 1 or betas.shape[0] != m:
            raise ValueError(f"betas must have shape ({m},) (one per replica of v); "
                             f"got {tuple(betas.shape)}")
        b = betas.detach().to(dtype=like.dtype, device=like.device)
    else:
        arr = real_array("betas", betas, ndim=1)
        if arr.shape[0] != m:
            raise ValueError(f"betas must have shape ({m},) (one per replica of v); "
                             f"got {arr.shape}")
        b = torch.as_tensor(arr, dtype=like.dtype, device=like.device)
    if not bool((torch.isfinite(b) & (b > 0)).all()):
        raise ValueError("betas must be finite and > 0")
    return b


def _draw(p: torch.Tensor, uniform_, spins: bool) -> torch.Tensor:
    """Units with P(+1 or 1) = p, from the caller's uniform stream."""
    u = uniform_(torch.empty_like(p))
    if not isinstance(u, torch.Tensor) or u.shape != p.shape:
        raise TypeError("uniform_ must fill the tensor it is given in place and return it")
    s = (u < p).to(p.dtype)
    return s.mul_(2).sub_(1) if spins else s


def _gibbs_(rbm: RBM, v: torch.Tensor, beta: torch.Tensor, uniform_):
    """One block-Gibbs step h|v, v|h at every beta (in place); returns (h, E(v', h)) (M, C)."""
    scale = 2.0 if rbm.spins else 1.0  # P(unit = +1 | field x) = sigmoid(scale * x)
    bs = (scale * beta).view(-1, 1, 1)
    x = torch.matmul(v, rbm.W).add_(rbm.c)            # one product for all M replicas
    h = _draw(torch.sigmoid(x.mul_(bs)), uniform_, rbm.spins)
    y = torch.matmul(h, rbm.W.T).add_(rbm.b)          # unscaled field on v, b + W h
    v_new = _draw(torch.sigmoid(y * bs), uniform_, rbm.spins)
    energy = -(v_new * y).sum(-1) - h @ rbm.c         # E(v', h) = -v'.(b + W h) - c.h
    v.copy_(v_new)
    return h, energy


def _swap_(states, energy: torch.Tensor, beta: torch.Tensor, uniform_, parity: int):
    """Metropolis exchanges of the pairs (k, k+1), k = parity mod 2, in every tensor of ``states``.

    ``states`` are tensors (M, C, ...) swapped together; ``energy`` (M, C) the joint
    energies. Returns the accepted swaps per pair, float64 (M - 1,).
    """
    m = energy.shape[0]
    accepted = torch.zeros(max(m - 1, 0), dtype=torch.float64, device=energy.device)
    if parity % 2 >= m - 1:  # one replica, or two with only the odd pairs asked for
        return accepted
    k = torch.arange(parity % 2, m - 1, 2, device=energy.device)
    log_r = (beta[k] - beta[k + 1]).unsqueeze(1) * (energy[k] - energy[k + 1])
    u = uniform_(torch.empty_like(log_r))
    if not isinstance(u, torch.Tensor) or u.shape != log_r.shape:
        raise TypeError("uniform_ must fill the tensor it is given in place and return it")
    accept = torch.log(u) < log_r                     # u < min(1, e^{log r})
    for s in states:
        a = accept.view(accept.shape + (1,) * (s.dim() - 2))
        lo, hi = s[k], s[k + 1]
        s[k] = torch.where(a, hi, lo)
        s[k + 1] = torch.where(a, lo, hi)
    accepted[k] = accept.sum(1, dtype=torch.float64)
    return accepted


def tempering_sweep_(rbm, v, betas, uniform_, parity=0) -> torch.Tensor:
    """One parallel-tempering sweep of all replicas and chains, updating ``v`` in place.

    First a block-Gibbs step at every inverse temperature, all ``M`` replicas in
    one matrix product per half-step (fields scaled by ``beta``):

    .. math::  P(h_j = 1 \\mid v) = \\sigma\\big(\\beta (c_j + (vW)_j)\\big),\\qquad
               P(v_i = 1 \\mid h) = \\sigma\\big(\\beta (b_i + (Wh)_i)\\big)

    (for spins, the probability of +1 with :math:`2\\beta` in place of
    :math:`\\beta`); then Metropolis exchanges of the pairs :math:`(k, k+1)` with
    :math:`k \\equiv` ``parity`` (mod 2), accepted with probability
    :math:`\\min(1, e^{(\\beta_k - \\beta_{k+1})[E(v_k, h_k) - E(v_{k+1}, h_{k+1})]})`
    (Desjardins et al. 2010, eq. 4; the module docstring says why swapping on the
    joint state is valid). Alternating ``parity`` between sweeps attempts every
    pair, the even-odd scheme of replica exchange.

    Parameters
    ----------
    rbm : rgdl.rbm.RBM
    v : torch.Tensor (M, n_chains, n_visible)
        The replicas' visible states, in the rbm's dtype and device, 0/1 or +/-1;
        ``v[k]`` is at ``betas[k]``. Overwritten with the new states.
    betas : tensor or array (M,)
        Positive inverse temperatures (usually :func:`temperature_ladder`).
    uniform_ : callable
        ``uniform_(t)`` fills the tensor ``t`` with U(0, 1) draws in place and
        returns it: the caller's random stream (e.g. ``lambda t: t.uniform_(generator=g)``).
    parity : int
        Which pairs are proposed: those with ``k % 2 == parity % 2``.

    Returns
    -------
    torch.Tensor, float64, shape (M - 1,)
        Accepted swaps per pair, summed over chains (zero for pairs not attempted).
    """
    check_rbm(rbm)
    v = _check_state(rbm, v)
    beta = _check_sweep_betas(betas, v.shape[0], v)
    if not callable(uniform_):
        raise TypeError(f"uniform_ must be a callable filling a tensor with U(0, 1); "
                        f"got {type(uniform_).__name__}")
    if isinstance(parity, bool) or not isinstance(parity, numbers.Integral):
        raise TypeError(f"parity must be an int; got {type(parity).__name__}")
    m, n_chains, _ = v.shape
    elements("v: n_temperatures * n_chains * (n_visible + n_hidden)", m * n_chains,
             rbm.n_hidden + rbm.n_visible)
    with threads_for(m * n_chains * rbm.n_visible * rbm.n_hidden):
        return _sweep_(rbm, v, beta, uniform_, int(parity))


def _sweep_(rbm: RBM, v: torch.Tensor, beta: torch.Tensor, uniform_,
                     parity: int) -> torch.Tensor:
    """:func:`tempering_sweep_` without its argument checks, for callers that own
    well-formed state (the PT-PCD trainer, whose chains and ladder it built itself):
    ``beta`` a tensor of ``v``'s dtype and device, ``parity`` an int."""
    with torch.no_grad():
        _, energy = _gibbs_(rbm, v, beta, uniform_)
        return _swap_((v,), energy, beta, uniform_, parity)


@dataclasses.dataclass
class TemperingRun:
    """Samples at ``beta = 1`` from :func:`parallel_tempering`, with the ladder's swap rates.

    ``samples``: torch tensor (n_sweeps, n_chains, n_visible), one row per sweep after
    burn-in; ``betas``: numpy (M,); ``swap_rate``: numpy (M - 1,), accepted / attempted
    exchanges of each neighbour pair over all sweeps (burn-in included); ``seconds``:
    wall time.
    """

    samples: torch.Tensor
    betas: np.ndarray
    swap_rate: np.ndarray
    seconds: float

    @property
    def n_temperatures(self) -> int:
        """``M``, the number of replicas."""
        return int(self.betas.shape[0])


def _check_run_betas(betas, n_temperatures, beta_min) -> torch.Tensor:
    if betas is None:
        return temperature_ladder(n_temperatures, beta_min)
    arr = real_array("betas", betas, ndim=1, min_size=1)
    if arr.shape[0] > MAX_TEMPERATURES:
        raise ValueError(f"betas has {arr.shape[0]} entries; at most {MAX_TEMPERATURES}")
    if arr[0] != 1.0 or not np.all(arr > 0) or not np.all(arr[1:] < arr[:-1]):
        raise ValueError("betas must start at 1 and decrease strictly, staying > 0")
    return torch.as_tensor(arr, dtype=torch.float64)


def _initial_state(rbm: RBM, v0, m: int, n_chains: int, gen) -> torch.Tensor:
    if v0 is None:
        p = torch.full((m, n_chains, rbm.n_visible), 0.5, dtype=rbm.dtype, device=rbm.device)
        return _draw(p, lambda t: t.uniform_(generator=gen), rbm.spins)
    arr = real_array("v0", v0, ndim=(2, 3))
    if arr.shape[-1] != rbm.n_visible or arr.shape[-2] < 1 \
            or (arr.ndim == 3 and arr.shape[0] != m):
        raise ValueError(f"v0 must have shape (n_chains, {rbm.n_visible}) or "
                         f"({m}, n_chains, {rbm.n_visible}); got {arr.shape}")
    if not np.isin(arr, rbm.values).all():
        raise ValueError(f"v0 must contain only {rbm.values[0]} and {rbm.values[1]}")
    t = torch.as_tensor(arr, dtype=rbm.dtype, device=rbm.device)
    return t.expand(m, -1, -1).clone() if t.dim() == 2 else t.clone()


def parallel_tempering(rbm, *, n_temperatures=10, beta_min=0.5, betas=None, n_chains=100,
                       n_sweeps=1000, burn_in=100, seed=None, v0=None,
                       progress=False) -> TemperingRun:
    """Sample an RBM's visible layer by parallel tempering (replica exchange).

    Runs ``burn_in + n_sweeps`` calls of :func:`tempering_sweep_` with alternating
    parity on ``n_chains`` independent ladders and keeps the ``beta = 1`` replicas
    of the last ``n_sweeps``. ``n_temperatures = 1`` is plain block Gibbs
    sampling (:meth:`RBM.gibbs`'s dynamics), the peer to compare with.

    .. math::  \\text{swap rate}_k = \\frac{\\#\\text{accepted}(k \\leftrightarrow k+1)}
               {n_{\\rm chains}\\ \\#\\text{sweeps with parity } k \\bmod 2}

    Parameters
    ----------
    rbm : rgdl.rbm.RBM
    n_temperatures, beta_min :
        The ladder (:func:`temperature_ladder`), unless ``betas`` is given.
    betas : 1-D array, optional
        Inverse temperatures starting at 1, strictly decreasing and positive.
    n_chains : int
        Independent chains (ladders), run as one batch; ``v0`` sets it when given.
    n_sweeps, burn_in : int
        Sweeps kept and discarded (``burn_in`` may be 0).
    seed : None, int or numpy Generator
    v0 : array (n_chains, n_visible) or (M, n_chains, n_visible), optional
        Starting states (copied to every replica in the first form); random units if None.
    progress : bool
        A tqdm bar over sweeps.

    Returns
    -------
    TemperingRun
    """
    check_rbm(rbm)
    positive_int("n_temperatures", n_temperatures, maximum=MAX_TEMPERATURES)
    beta_list = _check_run_betas(betas, n_temperatures, beta_min)
    if betas is not None:
        temperature_ladder(n_temperatures, beta_min)  # still checks the two
    n_chains = positive_int("n_chains", n_chains, maximum=MAX_CHAINS)
    n_sweeps = positive_int("n_sweeps", n_sweeps, maximum=MAX_SWEEPS)
    burn_in = positive_int("burn_in", burn_in, minimum=0, maximum=MAX_SWEEPS)
    progress = boolean("progress", progress)
    gen = runtime.torch_generator(seed, rbm.device)
    m = beta_list.shape[0]
    item = torch.finfo(rbm.dtype).bits // 8
    for chains in (n_chains, None):
        if chains is None:  # v0, when given, sets the number of chains
            v = _initial_state(rbm, v0, m, n_chains, gen)
            chains = n_chains = v.shape[1]
        elements("n_sweeps * n_chains * n_visible", n_sweeps, chains, rbm.n_visible,
                 itemsize=item)
        elements("n_temperatures * n_chains * (n_visible + n_hidden)", m, chains,
                 rbm.n_visible + rbm.n_hidden, itemsize=item)
    samples = torch.empty((n_sweeps, n_chains, rbm.n_visible), dtype=rbm.dtype, device=rbm.device)
    beta = beta_list.to(dtype=rbm.dtype, device=rbm.device)
    accepted = torch.zeros(max(m - 1, 0), dtype=torch.float64, device=rbm.device)

    def uniform_(t):
        return t.uniform_(generator=gen)

    t0 = time.perf_counter()
    total = burn_in + n_sweeps
    with threads_for(m * n_chains * rbm.n_visible * rbm.n_hidden), torch.no_grad():
        for t in tqdm(range(total), desc="PT sweeps", disable=not progress, leave=False):
            _, energy = _gibbs_(rbm, v, beta, uniform_)
            accepted += _swap_((v,), energy, beta, uniform_, t % 2)
            if t >= burn_in:
                samples[t - burn_in] = v[0]
    attempts = np.array([(total + 1 - k % 2) // 2 for k in range(m - 1)], dtype=np.float64)
    rate = np.divide(accepted.cpu().numpy(), attempts * n_chains, out=np.zeros(m - 1),
                     where=attempts > 0)  # a pair never attempted (one sweep) reports 0
    return TemperingRun(samples=samples, betas=beta_list.numpy(), swap_rate=rate,
                        seconds=time.perf_counter() - t0)
