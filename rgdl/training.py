"""Training an RBM by contrastive divergence (CD-k) or persistent CD, with monitors and checkpoints.

The update is stochastic gradient ascent on the mean log-likelihood with the
CD-k estimate of its gradient (Hinton 2002; Hinton 2010, "A practical guide to
training RBMs", secs. 3, 9-10):

.. math::
   \\Delta W \\leftarrow \\mu \\Delta W + \\eta\\Big(\\langle v\\, \\bar h^T\\rangle_{data}
   - \\langle v\\, \\bar h^T\\rangle_{k} - \\lambda_2 W - \\lambda_1 \\operatorname{sign} W\\Big),
   \\qquad W \\leftarrow W + \\Delta W,

and likewise for the biases (no decay), where ``h-bar = E[h | v]`` and the
negative statistics come from ``k`` block-Gibbs steps started at the data
(CD-k) or from persistent chains carried across updates (PCD, Tieleman 2008).
The momentum ``mu`` follows Hinton's schedule: ``momentum`` for the first
``momentum_switch`` epochs, then ``final_momentum``.

The inner loop is written for speed: every buffer is allocated once, matrix
products go through ``addmm`` with ``out=`` or in place (the momentum scaling
is folded into the gradient product), and units are sampled by comparing one
uniform draw per unit with its probability.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from . import runtime
from .io import atomic_path
from .validate import positive_float, positive_int

__all__ = ["fit", "save_checkpoint", "load_checkpoint", "MONITORS"]

#: Names accepted in ``fit(..., monitors=...)``.
MONITORS = ("recon", "pll", "free_energy", "loglik")

#: Largest smaller layer for which the ``loglik`` monitor uses the exact ln Z.
EXACT_MONITOR_UNITS = 20

_CHECKPOINT_VERSION = 1


def save_checkpoint(path, state: dict) -> Path:
    """Write a training state (tensors and plain values only) atomically with ``torch.save``."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    return Path(path)


def load_checkpoint(path, device="cpu") -> dict:
    """Read a training state written by :func:`save_checkpoint` (``weights_only=True``: no pickle)."""
    return torch.load(path, map_location=device, weights_only=True)


def _act_(x: torch.Tensor, spins: bool) -> torch.Tensor:
    """In place: field -> E[unit | field] (sigmoid for 0/1 units, tanh for spins)."""
    return x.tanh_() if spins else x.sigmoid_()


class _Stream:
    """The training run's random numbers: one seeded stream, saved in checkpoints.

    On the CPU, uniforms come from numpy's PCG64 written straight into the torch
    buffer (about 1.6x faster than ``torch.rand``'s Mersenne twister here); on
    other devices (or half precision) from a torch generator on that device.
    """

    def __init__(self, seed: int, device: torch.device, dtype: torch.dtype):
        self.np = np.random.Generator(np.random.PCG64(seed))
        self.use_numpy = device.type == "cpu" and dtype in (torch.float32, torch.float64)
        self.np_dtype = np.float32 if dtype == torch.float32 else np.float64
        self.torch = torch.Generator(device=device)
        self.torch.manual_seed(seed)
        self.device = device

    def uniform_(self, u: torch.Tensor) -> torch.Tensor:
        if self.use_numpy:
            self.np.random(out=u.numpy(), dtype=self.np_dtype)
        else:
            torch.rand(u.shape, generator=self.torch, dtype=u.dtype, device=u.device, out=u)
        return u

    def permutation(self, n: int) -> torch.Tensor:
        return torch.from_numpy(self.np.permutation(n)).to(self.device)

    def integers(self, n: int, size: int) -> torch.Tensor:
        return torch.from_numpy(self.np.integers(0, n, size=size)).to(self.device)

    def state(self) -> dict:
        return {"numpy": json.dumps(self.np.bit_generator.state), "torch": self.torch.get_state()}

    def set_state(self, state: dict) -> None:
        self.np.bit_generator.state = json.loads(state["numpy"])
        self.torch.set_state(state["torch"].cpu() if self.device.type == "cpu" else state["torch"])


def _sample_(out: torch.Tensor, mean: torch.Tensor, spins: bool, stream: _Stream,
             scratch: torch.Tensor | None = None) -> torch.Tensor:
    """In place: fill ``out`` with a sample of units whose means are ``mean``.

    One uniform draw per unit compared with the probability: ``u < p`` (0/1),
    or ``2u - 1 < m`` giving +/-1 (spins, with P(+1) = (1 + m) / 2). The
    uniforms are drawn into ``out`` itself, or into ``scratch`` (full precision)
    when ``out`` has a low-precision dtype.
    """
    u = stream.uniform_(out if scratch is None else scratch)
    if spins:
        u.mul_(2).sub_(1).lt_(mean).mul_(2).sub_(1)
    else:
        u.lt_(mean)
    if scratch is not None:
        out.copy_(u)
    return out


def _momentum(epoch: int, momentum: float, final_momentum: float, switch: int) -> float:
    return momentum if epoch < switch else final_momentum


def _learning_rate(epoch: int, lr: float, schedule) -> float:
    if schedule is None:
        return lr
    if callable(schedule):
        value = schedule(epoch)
    else:
        if epoch >= len(schedule):
            raise ValueError(f"lr_schedule has {len(schedule)} entries; epoch {epoch} needs one")
        value = schedule[epoch]
    return positive_float(f"lr_schedule({epoch})", value, allow_zero=True)


def _data_fingerprint(x: torch.Tensor) -> list[float]:
    col = torch.arange(1, x.shape[1] + 1, dtype=torch.float64, device=x.device)
    row = torch.arange(1, x.shape[0] + 1, dtype=torch.float64, device=x.device)
    xd = x.double()
    return [float(x.shape[0]), float(xd.sum()), float(row @ (xd @ col))]


class _Monitor:
    """Evaluates the per-epoch monitors on fixed subsets of the training and held-out data."""

    def __init__(self, rbm, x, heldout, monitors, size, base_seed):
        """``x`` and ``heldout`` (or None) as already checked by ``fit``."""
        self.names = []
        self.callables = []
        for m in monitors:
            if callable(m):
                self.callables.append(m)
            elif m in MONITORS:
                self.names.append(m)
            else:
                raise ValueError(f"monitors: unknown monitor {m!r}; use callables or {MONITORS}")
        self.base_seed = base_seed
        gen = torch.Generator(device="cpu").manual_seed(base_seed + 7919)
        n = x.shape[0]
        idx = torch.randperm(n, generator=gen)[: min(n, size)].to(x.device)
        self.train = x.index_select(0, idx)
        self.train_full = x
        self.heldout = heldout
        self.exact = min(rbm.n_visible, rbm.n_hidden) <= EXACT_MONITOR_UNITS

    def __call__(self, rbm, epoch: int) -> dict:
        from .ais import ais_log_partition
        from .rbm import _pseudo_log_likelihood, _reconstruction_error, log_likelihood, log_partition

        seed = (self.base_seed * 1_000_003 + epoch) % (2**62)  # independent of the training stream
        out = {}
        if "recon" in self.names:
            out["recon"] = _reconstruction_error(rbm, self.train, seed)
        if "pll" in self.names:
            out["pll"] = _pseudo_log_likelihood(rbm, self.train, seed + 1)
        if "free_energy" in self.names:
            ft = float(rbm.free_energy(self.train).double().mean())
            out["free_energy_train"] = ft
            if self.heldout is not None:  # Hinton 2010, sec. 6: the overfitting signal
                fh = float(rbm.free_energy(self.heldout).double().mean())
                out["free_energy_heldout"] = fh
                out["free_energy_gap"] = fh - ft
        if "loglik" in self.names:
            if self.exact:
                log_z, err = log_partition(rbm), 0.0
            else:
                log_z, err = ais_log_partition(rbm, n_runs=100, n_betas=2000, seed=seed + 2,
                                               base=self.train_full)
            out["log_z"], out["log_z_stderr"] = log_z, err
            out["loglik_train"] = log_likelihood(rbm, self.train, log_z)
            if self.heldout is not None:
                out["loglik_heldout"] = log_likelihood(rbm, self.heldout, log_z)
        for fn in self.callables:
            value = fn(rbm)
            if isinstance(value, dict):
                out.update({str(k): float(v) for k, v in value.items()})
            else:
                out[getattr(fn, "__name__", "monitor")] = float(value)
        return out


def fit(rbm, data, *, epochs, batch_size=100, lr=0.1, k=1, persistent=False,
        momentum=0.5, final_momentum=0.9, momentum_switch=5, weight_decay=0.0, l1=0.0,
        lr_schedule=None, heldout=None, monitors=("recon",), checkpoint=None,
        seed=None, progress=True, init_visible_bias=False, sample_visible=True,
        monitor_size=1000, checkpoint_every=1, binary=True, matmul_dtype=None):
    """Train ``rbm`` in place by CD-k (or PCD-k with ``persistent=True``) and return its history.

    Parameters
    ----------
    rbm : rgdl.rbm.RBM
    data : tensor or array (n, n_visible) of 0/1 (or +/-1 for a spin RBM)
    epochs : int
        Total number of passes over the (reshuffled) data.
    batch_size, lr, k :
        Minibatch size, learning rate ``eta``, Gibbs steps per update.
    persistent : bool
        PCD: ``batch_size`` persistent fantasy chains (Tieleman 2008). As in
        scikit-learn's ``BernoulliRBM``, a chain's state includes its hidden
        sample, drawn from ``P(h | v_chain)`` with the parameters before each
        update, so PCD-1 costs the same five matrix products as CD-1.
    momentum, final_momentum, momentum_switch :
        ``mu`` for epochs ``< momentum_switch``, then ``final_momentum``.
    weight_decay, l1 :
        L2 (``lambda_2``) and L1 (``lambda_1``) penalties on ``W``
        (Mehta & Schwab used ``l1=2e-4``).
    lr_schedule : callable ``epoch -> lr`` or a sequence of per-epoch rates, optional
    heldout : held-out data for the free-energy and log-likelihood monitors.
    monitors : iterable of names from :data:`MONITORS` or callables ``rbm -> float | dict``
        ``"recon"`` reconstruction error, ``"pll"`` pseudo-log-likelihood,
        ``"free_energy"`` mean H_RBM(v) on training vs held-out data and their gap,
        ``"loglik"`` log-likelihood with exact ln Z when the smaller layer has at most
        20 units, AIS (100 runs, 2,000 temperatures) otherwise. Evaluated after each
        epoch on at most ``monitor_size`` training rows; they never touch the
        training random stream.
    checkpoint : path, optional
        Training state (parameters, velocities, persistent chains, random-generator
        state, history) is saved there atomically every ``checkpoint_every``
        epochs. If the file exists, training resumes from it, reproducing the
        uninterrupted run bit for bit on the same device.
    seed : None, int or numpy Generator
    progress : bool
        A tqdm bar over epochs.
    init_visible_bias : bool
        Start from Hinton's ``b_i = ln(p_i / (1 - p_i))`` (``atanh`` of the mean
        for spins), ``p_i`` the data mean clipped to [0.001, 0.999].
    sample_visible : bool
        Sample the visible units of the negative phase (default, needed by PCD);
        ``False`` uses their probabilities for CD (Hinton 2010, sec. 3.2).
    matmul_dtype : torch dtype, optional
        Mixed precision: run the matrix products and unit updates in this dtype
        (``torch.bfloat16``: about twice the fp32 matmul rate on CPUs with
        AVX512-BF16 or AMX) while the parameters, their velocities and the
        uniforms for sampling stay in ``rbm.dtype``. Unit probabilities are then
        rounded to 8 significant bits. Default: ``rbm.dtype`` throughout.
    binary : bool
        Require 0/1 (+/-1) data (default). ``False`` also accepts values in [0, 1]
        ([-1, 1]), read as unit means: Hinton & Salakhutdinov's DBN code trained
        upper layers on the hidden probabilities of the layer below.

    Returns
    -------
    dict of per-epoch lists: ``epoch``, ``lr``, ``momentum``, ``time`` (seconds
    spent in updates in that epoch) and one list per monitored quantity.
    """
    from .rbm import RBM, _check_data, threads_for

    if not isinstance(rbm, RBM):
        raise TypeError(f"rbm must be an RBM; got {type(rbm).__name__}")
    rbm.check_finite()
    epochs = positive_int("epochs", epochs, minimum=0)
    batch_size = positive_int("batch_size", batch_size)
    k = positive_int("k", k)
    lr = positive_float("lr", lr)
    for name, value in (("momentum", momentum), ("final_momentum", final_momentum)):
        value = positive_float(name, value, allow_zero=True)
        if value >= 1:
            raise ValueError(f"{name} must be in [0, 1); got {value}")
    momentum_switch = positive_int("momentum_switch", momentum_switch, minimum=0)
    weight_decay = positive_float("weight_decay", weight_decay, allow_zero=True)
    l1 = positive_float("l1", l1, allow_zero=True)
    monitor_size = positive_int("monitor_size", monitor_size)
    checkpoint_every = positive_int("checkpoint_every", checkpoint_every)
    if persistent and not sample_visible:
        raise ValueError("sample_visible=False is only valid for CD (persistent=False)")
    if lr_schedule is not None and not callable(lr_schedule):
        lr_schedule = [float(v) for v in lr_schedule]
    x = _check_data(rbm, data, "data", binary=binary).contiguous()
    n, nv, nh = x.shape[0], rbm.n_visible, rbm.n_hidden
    if batch_size > n:
        raise ValueError(f"batch_size ({batch_size}) exceeds the number of samples ({n})")
    if heldout is not None:
        heldout = _check_data(rbm, heldout, "heldout", binary=binary)
    spins = rbm.spins
    dt, dev = rbm.dtype, rbm.device
    B = batch_size
    mixed = matmul_dtype is not None and matmul_dtype != dt
    if mixed and matmul_dtype not in (torch.bfloat16, torch.float16, torch.float32):
        raise ValueError(f"matmul_dtype must be a floating torch dtype; got {matmul_dtype!r}")
    cd = matmul_dtype if mixed else dt  # the compute dtype of the inner loop
    config = {"n_visible": nv, "n_hidden": nh, "batch_size": B, "k": k,
              "persistent": bool(persistent), "spins": spins, "n_data": n}

    fingerprint = _data_fingerprint(x)  # once: it reads all of x (0.26 s at 20,000 x 1,600)

    # ---- state: fresh or resumed
    resumed = checkpoint is not None and Path(checkpoint).is_file()
    if resumed:
        state = load_checkpoint(checkpoint, device=dev)
        if state.get("version") != _CHECKPOINT_VERSION:
            raise ValueError(f"checkpoint {checkpoint} has an unknown format version")
        for key, value in config.items():
            if state["config"].get(key) != value:
                raise ValueError(f"checkpoint {checkpoint} was made with {key}="
                                 f"{state['config'].get(key)!r}, not {value!r}")
        if state["fingerprint"] != fingerprint:
            raise ValueError(f"checkpoint {checkpoint} was made with different data")
        rbm.load_state_dict(state["rbm"])
        base_seed = int(state["base_seed"])
        gen = _Stream(base_seed, dev, dt)
        gen.set_state(state["generator"])
        vW, vb, vc = (state[name].to(dtype=dt, device=dev) for name in ("vW", "vb", "vc"))
        chain = state["chain"].to(dtype=dt, device=dev) if persistent else None
        chain_h = state["chain_h"].to(dtype=dt, device=dev) if persistent else None
        history = {key: list(val) for key, val in state["history"].items()}
        start_epoch = int(state["epoch"])
    else:
        seed_rng = runtime.rng(seed)
        base_seed = int(seed_rng.integers(0, 2**62))
        gen = _Stream(base_seed, dev, dt)
        if init_visible_bias:
            from .ais import base_rate_biases
            rbm.b = base_rate_biases(x, spins).to(dtype=dt, device=dev)
        vW = torch.zeros_like(rbm.W)
        vb = torch.zeros_like(rbm.b)
        vc = torch.zeros_like(rbm.c)
        chain = chain_h = None
        if persistent:  # chains start at random training rows
            chain = x.index_select(0, gen.integers(n, B)).clone()
            chain_h = _sample_(torch.empty(B, nh, dtype=dt, device=dev),
                               _act_(torch.addmm(rbm.c, chain, rbm.W), spins), spins, gen)
        history = {"epoch": [], "lr": [], "momentum": [], "time": []}
        start_epoch = 0

    monitor = _Monitor(rbm, x, heldout, monitors, monitor_size, base_seed)
    W, b, c = rbm.W, rbm.b, rbm.c
    mask = rbm.mask

    # ---- preallocated buffers; rows [0, B) hold the data phase, [B, 2B) the negative phase,
    # so the gradient <v h>_data - <v h>_model is one product V^T H with H's lower half negated
    V = torch.empty(2 * B, nv, dtype=cd, device=dev)
    H = torch.empty(2 * B, nh, dtype=cd, device=dev)
    v0, vneg = V[:B], V[B:]
    ph0, phneg = H[:B], H[B:]
    hs = torch.empty(B, nh, dtype=cd, device=dev)     # sampled hidden units
    pv = torch.empty(B, nv, dtype=cd, device=dev)     # visible means / uniforms
    sv = torch.empty(nv, dtype=cd, device=dev)
    sh = torch.empty(nh, dtype=cd, device=dev)
    sgn = torch.empty_like(W) if l1 > 0 else None
    if mixed:  # low-precision copies of the parameters and data, full-precision uniforms
        xc = x.to(cd)
        Wc, bc, cc = W.to(cd), b.to(cd), c.to(cd)
        G = torch.empty(nv, nh, dtype=cd, device=dev)
        uh = torch.empty(B, nh, dtype=dt, device=dev)
        uv = torch.empty(B, nv, dtype=dt, device=dev)
    else:
        xc, Wc, bc, cc, G, uh, uv = x, W, b, c, None, None, None
    if persistent:
        vneg.copy_(chain)
        hs.copy_(chain_h)
    Wt = Wc.T

    with threads_for(B * nv * nh):
        bar = tqdm(range(start_epoch, epochs), desc="RBM epochs", disable=not progress,
                   initial=start_epoch, total=epochs)
        for epoch in bar:
            mom = _momentum(epoch, momentum, final_momentum, momentum_switch)
            eta = _learning_rate(epoch, lr, lr_schedule)
            t0 = time.perf_counter()
            perm = gen.permutation(n)
            for start in range(0, n, B):
                m = min(B, n - start)
                d0 = v0 if m == B else v0[:m]
                p0 = ph0 if m == B else ph0[:m]
                if mixed:
                    Wc.copy_(W)
                    bc.copy_(b)
                    cc.copy_(c)
                torch.index_select(xc, 0, perm[start:start + m], out=d0)
                # positive phase: h-bar = E[h | v_data]
                _act_(torch.addmm(cc, d0, Wc, out=p0), spins)
                # negative phase; PCD's chains carry their hidden sample hs over
                cur, n_neg = (None, B) if persistent else (p0, m)
                vn = vneg if n_neg == B else vneg[:n_neg]
                pn = phneg if n_neg == B else phneg[:n_neg]
                hb = hs if n_neg == B else hs[:n_neg]
                pb = pv if n_neg == B else pv[:n_neg]
                for step in range(k):
                    if step or not persistent:
                        _sample_(hb, cur, spins, gen, None if uh is None else uh[:n_neg])
                    # visible means: into pb to be sampled, or straight into vn (Hinton's
                    # CD with visible probabilities)
                    _act_(torch.addmm(bc, hb, Wt, out=pb if sample_visible else vn), spins)
                    if sample_visible:
                        _sample_(vn, pb, spins, gen, None if uv is None else uv[:n_neg])
                    _act_(torch.addmm(cc, vn, Wc, out=pn), spins)
                    cur = pn
                # updates with momentum folded into the products
                if m == B and n_neg == B:
                    pn.neg_()
                    if mixed:
                        vW.mul_(mom).add_(torch.mm(V.T, H, out=G), alpha=eta / B)
                    else:
                        vW.addmm_(V.T, H, beta=mom, alpha=eta / B)
                    pn.neg_()
                elif mixed:
                    vW.mul_(mom).add_(torch.mm(d0.T, p0, out=G), alpha=eta / m)
                    vW.add_(torch.mm(vn.T, pn, out=G), alpha=-eta / n_neg)
                else:
                    vW.addmm_(d0.T, p0, beta=mom, alpha=eta / m)
                    vW.addmm_(vn.T, pn, alpha=-eta / n_neg)
                if weight_decay:
                    vW.add_(W, alpha=-eta * weight_decay)
                if l1:
                    vW.add_(torch.sign(W, out=sgn), alpha=-eta * l1)
                if mask is not None:
                    vW.mul_(mask)
                W.add_(vW)
                vb.mul_(mom).add_(torch.sum(d0, 0, out=sv), alpha=eta / m)
                vb.add_(torch.sum(vn, 0, out=sv), alpha=-eta / n_neg)
                b.add_(vb)
                vc.mul_(mom).add_(torch.sum(p0, 0, out=sh), alpha=eta / m)
                vc.add_(torch.sum(pn, 0, out=sh), alpha=-eta / n_neg)
                c.add_(vc)
                if persistent:  # h ~ P(h | v_chain), with the parameters before this update
                    _sample_(hs, phneg, spins, gen, uh)
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
            elapsed = time.perf_counter() - t0
            if not (bool(torch.isfinite(W).all()) and bool(torch.isfinite(b).all())
                    and bool(torch.isfinite(c).all())):
                raise FloatingPointError(f"training diverged at epoch {epoch} (non-finite "
                                         f"parameters); lower lr={lr}")
            row = {"epoch": epoch + 1, "lr": eta, "momentum": mom, "time": elapsed}
            row.update(monitor(rbm, epoch))
            for key, value in row.items():
                history.setdefault(key, []).append(value)
            if progress:
                bar.set_postfix({key: f"{value:.4g}" for key, value in row.items()
                                 if key not in ("epoch", "lr", "momentum")})
            if checkpoint is not None and ((epoch + 1) % checkpoint_every == 0 or epoch + 1 == epochs):
                save_checkpoint(checkpoint, {
                    "version": _CHECKPOINT_VERSION, "config": config, "epoch": epoch + 1,
                    "fingerprint": fingerprint, "base_seed": base_seed,
                    "rbm": rbm.state_dict(), "vW": vW, "vb": vb, "vc": vc,
                    "chain": vneg.clone() if persistent else torch.zeros(0),
                    "chain_h": hs.clone() if persistent else torch.zeros(0),
                    "generator": gen.state(), "history": history,
                })
        bar.close()
    return history
