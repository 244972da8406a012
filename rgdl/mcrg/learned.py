"""Learned coarse-graining rules: RSMI, a CD-trained local RBM, the Mehta-Schwab first layer.

- :func:`rsmi_rule`: Koch-Janusz & Ringel's real-space mutual information
  (Nature Physics 14, 578, 2018): the 2x2 rule ``p(h|v) = sigmoid(w . v + a)``
  that maximises the Donsker-Varadhan bound (:mod:`rgdl.mcrg.mutual_info`) on
  ``I(h : E)``, E the spins of a shell beyond a buffer around the block.
- :func:`cd_rbm_rule`: a local RBM, one hidden spin per 2x2 block, weights
  shared over blocks. Such an RBM on the whole lattice is a product over blocks,
  ``P(v) = prod_B P_1(v_B)``, so its likelihood is exactly that of a 4-visible,
  1-hidden RBM trained on the blocks as data; that is how it is trained, by
  CD-1 with :func:`rgdl.rbm.fit`. As a spin RBM,
  ``p(h=+1|v) = sigmoid(2 (c + W . v))``.
- :func:`ms_layer` / :func:`ms_coarse_grain`: a one-layer Mehta-Schwab network
  (1600 -> 400, trained by :func:`rgdl.dbn.train`) read as a 20 x 20 block
  lattice by placing each hidden unit at its field's circular centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import dbn
from ..core import runtime, validate
from ..rbm import RBM, fit
from .blocking import Rule, as_batch
from .mutual_info import MAX_STEPS, MAX_UNITS, _dv, critic

__all__ = ["block_environment", "rsmi_rule", "cd_rbm_rule", "MSLayer", "ms_layer",
           "ms_coarse_grain", "place_units"]

#: Most sample pairs per configuration, and most rows any one call trains on.
MAX_PAIRS = 1 << 24

#: Largest side of the block lattice :func:`place_units` assigns (an O(side^6) assignment).
MAX_SIDE = 64


def _shell(buffer: int, width: int):
    """Offsets of the environment: a (2+2(buffer+width))^2 square minus the block and buffer."""
    r = buffer + width
    offs = [(dy, dx) for dy in range(-r, 2 + r) for dx in range(-r, 2 + r)
            if not (-buffer <= dy < 2 + buffer and -buffer <= dx < 2 + buffer)]
    return np.array(offs)


def block_environment(configs, n_per_config: int = 8, buffer: int = 1, width: int = 2,
                      seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (2x2 block V, environment E) at random positions, as float64 arrays.

    ``V``: (n * n_per_config, 4) row-major block spins; ``E``: the spins of the
    shell of ``width`` beyond a ``buffer`` around the block (48 for 1 and 2).
    """
    arr = as_batch(configs)
    n, L, _ = arr.shape
    n_per_config = validate.positive_int("n_per_config", n_per_config, maximum=MAX_PAIRS)
    buffer = validate.positive_int("buffer", buffer, minimum=0, maximum=L)
    width = validate.positive_int("width", width, maximum=L)
    if L < 2 + 2 * (buffer + width):
        raise ValueError(f"L = {L} is smaller than the block, buffer and environment: "
                         f"lower buffer or width (2 + 2 (buffer + width) <= L)")
    r = 2 + 2 * (buffer + width)
    validate.elements("n_per_config", n, n_per_config, r * r)
    gen = runtime.rng(seed)
    k = np.repeat(np.arange(n), n_per_config)
    y, x = gen.integers(0, L, size=(2, k.size))
    inner = np.array([(0, 0), (0, 1), (1, 0), (1, 1)])

    def take(offs):
        return arr[k[:, None], (y[:, None] + offs[:, 0]) % L, (x[:, None] + offs[:, 1]) % L]

    return take(inner).astype(np.float64), take(_shell(buffer, width)).astype(np.float64)


def rsmi_rule(configs, steps: int = 200, batch: int = 2048, lr: float = 0.03,
              buffer: int = 1, width: int = 2, n_per_config: int = 8, hidden: int = 32,
              seed=0) -> Rule:
    """Train the RSMI 2x2 rule by maximising the DV bound on ``I(h : E)`` (Adam, minibatches).

    .. math::  \\max_{w, a}\\ \\max_T\\ \\hat I_{DV}(H : E), \\qquad
       p(h = +1 | V) = \\sigma(w \\cdot V + a)

    (Koch-Janusz & Ringel 2018, eq. 2, with a neural critic). Weights start as
    ``N(0, 0.1^2)``; the bound is unchanged by ``(w, a) -> (-w, -a)``, so the
    sign is fixed at the end to make ``sum w >= 0``. Returns a :class:`Rule`
    named ``"RSMI"`` whose ``info``
    holds the bound per step (``"mi"``, nats) and the final estimate on all pairs.
    A run whose bound or weights stop being finite raises ``ValueError`` (lower ``lr``).
    """
    steps = validate.positive_int("steps", steps, maximum=MAX_STEPS)
    batch = validate.positive_int("batch", batch, maximum=MAX_PAIRS)
    lr = validate.positive_float("lr", lr)
    if lr > 1e30:
        raise ValueError(f"lr must be <= 1e30 (float32 parameters); got {lr}")
    hidden = validate.positive_int("hidden", hidden, maximum=MAX_UNITS)
    runtime.rng(seed)
    V, E = block_environment(configs, n_per_config, buffer, width, seed)
    validate.elements("hidden", min(batch, V.shape[0]), max(hidden, E.shape[1]))
    V, E = torch.as_tensor(V, dtype=torch.float32), torch.as_tensor(E, dtype=torch.float32)
    gen = runtime.torch_generator(seed)
    w = (0.1 * torch.randn(4, generator=gen, dtype=torch.float64)).float().requires_grad_()
    a = torch.zeros((), dtype=torch.float32, requires_grad=True)
    net = critic(E.shape[1], hidden, seed, dtype=torch.float32)
    opt = torch.optim.Adam([w, a, *net.parameters()], lr=lr)
    history = []
    with runtime.torch_threads(2):
        for _ in range(steps):
            idx = torch.randint(0, V.shape[0], (min(batch, V.shape[0]),), generator=gen)
            opt.zero_grad()
            mi = _dv(torch.sigmoid(V[idx] @ w + a), net(E[idx]))
            (-mi).backward()
            opt.step()
            history.append(mi.item())
        with torch.no_grad():
            final = float(_dv(torch.sigmoid(V @ w + a), net(E)))
    w = w.detach().double().numpy()
    if not (np.all(np.isfinite(history)) and np.isfinite(final) and np.all(np.isfinite(w))
            and np.isfinite(a.item())):
        raise ValueError(f"the bound diverged during training (lr = {lr}); lower lr")
    sign = 1.0 if w.sum() >= 0 else -1.0      # h and -h carry the same information
    return Rule(sign * w.reshape(2, 2), sign * a.item(), name="RSMI",
                info={"mi": history, "mi_final": final, "n_env": int(E.shape[1])})


def cd_rbm_rule(configs, epochs: int = 5, lr: float = 0.05, batch_size: int = 100,
                max_blocks: int = 200_000, seed=0) -> Rule:
    """A local, weight-shared RBM (2x2 fields, one hidden spin per block) trained by CD-1.

    Trained as a 4-visible, 1-hidden spin RBM on the 2x2 blocks of ``configs``
    (at most ``max_blocks``, a random subset), which has the same likelihood as
    the weight-shared local RBM on the whole lattice. The rule is the RBM's
    ``p(h=+1|v) = sigmoid(2 (c + W . v))``; a hidden spin is defined up to a
    global flip, so the sign is fixed to make ``sum W >= 0``. ``L`` must be even;
    a run whose weights stop being finite raises ``ValueError`` (lower ``lr``).
    """
    arr = as_batch(configs)
    n, L, _ = arr.shape
    if L % 2:
        raise ValueError(f"configs must have an even L (2x2 blocks); got L = {L}")
    max_blocks = validate.positive_int("max_blocks", max_blocks, maximum=MAX_PAIRS)
    runtime.rng(seed)
    blocks = arr.reshape(n, L // 2, 2, L // 2, 2).transpose(0, 1, 3, 2, 4).reshape(-1, 4)
    gen = runtime.rng(seed)
    if blocks.shape[0] > max_blocks:
        blocks = blocks[gen.choice(blocks.shape[0], max_blocks, replace=False)]
    rbm = RBM(4, 1, spins=True, dtype=torch.float64, seed=seed)
    hist = fit(rbm, blocks.astype(np.float64), epochs=epochs, lr=lr, batch_size=batch_size,
               seed=seed, progress=False, monitors=())
    W = rbm.W[:, 0].numpy().copy()
    if not (np.all(np.isfinite(W)) and np.isfinite(float(rbm.c[0]))):
        raise ValueError(f"CD training diverged (lr = {lr}); lower lr")
    sign = 1.0 if W.sum() >= 0 else -1.0
    return Rule(2.0 * sign * W.reshape(2, 2), 2.0 * sign * float(rbm.c[0]), name="CD-RBM",
                info={"visible_bias": rbm.b.numpy().tolist(), "time": float(sum(hist["time"]))})


@dataclass
class MSLayer:
    """A Mehta-Schwab first layer placed on a block lattice (see :func:`ms_layer`).

    ``site[j]`` is the block-lattice site (row-major, ``side x side``) of hidden
    unit j, ``sign[j]`` the sign that makes its field's weight sum positive,
    ``centres`` the fields' circular centres (lattice units), ``collisions``
    the number of units that share their nearest block site with an earlier
    unit, ``empty`` the sites no unit rounds to, ``displacement`` the mean
    torus distance (in block units) between a unit's centre and its assigned site.
    """

    rbm: RBM
    L: int
    side: int
    site: np.ndarray
    sign: np.ndarray
    centres: np.ndarray
    collisions: int
    empty: int
    displacement: float
    info: dict = field(default_factory=dict)


def place_units(centres, L: int, side: int) -> dict:
    """Place units with field centres ``centres`` (n, 2) on a ``side x side`` block lattice.

    Nearest-site rounding ``round((c - (b-1)/2) / b)`` (``b = L / side``; block k
    covers sites ``bk .. bk+b-1``) tells how many centres collide; the assignment that
    minimises the summed squared torus distance (Hungarian algorithm,
    :func:`scipy.optimize.linear_sum_assignment`) gives every unit its own site.
    """
    from scipy.optimize import linear_sum_assignment

    side = validate.positive_int("side", side, maximum=MAX_SIDE)
    L = validate.positive_int("L", L)
    if L < side:
        raise ValueError(f"L must be >= side = {side}; got {L}")
    c = validate.real_array("centres", centres, ndim=2)
    if c.shape != (side * side, 2):
        raise ValueError(f"centres must have shape (side**2, 2) = ({side * side}, 2); got "
                         f"{c.shape}")
    b = L / side
    pos = (c - (b - 1) / 2) / b
    nearest = np.mod(np.rint(pos), side).astype(int)
    flat = nearest[:, 0] * side + nearest[:, 1]
    occupied = np.unique(flat).size
    grid = np.stack(np.meshgrid(np.arange(side), np.arange(side), indexing="ij"), -1)
    grid = grid.reshape(-1, 2)
    d = np.abs(pos[:, None, :] - grid[None, :, :])
    d = np.minimum(d, side - d)
    cost = (d ** 2).sum(-1)
    rows, cols = linear_sum_assignment(cost)
    site = np.empty(side * side, dtype=int)
    site[rows] = cols
    return {"site": site, "collisions": int(c.shape[0] - occupied),
            "empty": int(side * side - occupied),
            "displacement": float(np.sqrt(cost[rows, cols]).mean())}


def ms_layer(configs, epochs: int = 20, n_hidden: int = 400, seed=0, progress=False,
             **settings) -> MSLayer:
    """Train the first layer of a Mehta-Schwab network on ``configs`` and place its units.

    One RBM ``L^2 -> n_hidden`` (``n_hidden`` a square) by :func:`rgdl.dbn.train`
    with :data:`rgdl.dbn.PAPER_SETTINGS` (``epochs`` and ``settings`` override);
    each hidden unit is then placed at the circular centre of its field
    (:func:`rgdl.dbn.locality.circular_center` of ``|W_j|^2``) and assigned a
    site of the ``sqrt(n_hidden)``-sided block lattice by :func:`place_units`.
    """
    arr = as_batch(configs)
    L = arr.shape[1]
    n_hidden = validate.positive_int("n_hidden", n_hidden, maximum=min(L * L, MAX_SIDE ** 2))
    side = math.isqrt(n_hidden)
    if side * side != n_hidden:
        raise ValueError(f"n_hidden must be a square; got {n_hidden}")
    validate.elements("n_hidden", L * L, n_hidden, 4)
    if "epochs" in settings:
        raise TypeError("pass epochs as epochs=, not among the settings")
    hyper = dict(dbn.PAPER_SETTINGS, epochs=epochs, **settings)
    net = dbn.train(dbn.spins_to_units(arr), sizes=(n_hidden,), seed=seed, progress=progress,
                    monitors=(), device="cpu", **hyper)
    rbm = net.rbms[0]
    W = rbm.W.detach().cpu().double().numpy()
    if not np.all(np.isfinite(W)):
        raise ValueError("training diverged (non-finite weights); lower lr")
    fields = W.T.reshape(n_hidden, L, L)
    centres, _ = dbn.locality.circular_center(fields, power=2.0)
    placed = place_units(centres, L, side)
    sign = np.where(W.sum(0) >= 0, 1, -1).astype(np.int8)
    window = dbn.locality.window_fraction(fields, L // side, power=2.0)
    return MSLayer(rbm=rbm, L=L, side=side, site=placed["site"], sign=sign, centres=centres,
                   collisions=placed["collisions"], empty=placed["empty"],
                   displacement=placed["displacement"],
                   info={"window_fraction": window, "epochs": epochs})


def ms_coarse_grain(layer: MSLayer, configs, seed=0) -> np.ndarray:
    """Hidden spins of ``layer`` on its block lattice, (n, side, side) int8.

    ``h_j ~ P(h_j = 1 | v)`` (0/1 units, :meth:`rgdl.rbm.RBM.p_h_given_v`), read
    as the spin ``sign_j (2 h_j - 1)`` at site ``site[j]``.
    """
    if not isinstance(layer, MSLayer):
        raise TypeError(f"layer must be an MSLayer; got {type(layer).__name__}")
    arr = as_batch(configs)
    if arr.shape[1] != layer.L:
        raise ValueError(f"configs must be {layer.L}x{layer.L}; got {arr.shape[1]}")
    gen = runtime.rng(seed)
    v = dbn.spins_to_units(arr).to(layer.rbm.dtype)
    with torch.no_grad():
        p = layer.rbm.p_h_given_v(v).double().numpy()
    u = gen.random(p.shape)
    h = np.where(u < p, 1, -1).astype(np.int8) * layer.sign
    out = np.empty((arr.shape[0], layer.side * layer.side), dtype=np.int8)
    out[:, layer.site] = h
    return out.reshape(-1, layer.side, layer.side)
