"""Replicas: many RBMs of one shape trained at once, parameters stacked on a leading axis.

An ensemble over seeds (or a set of controls that differ in a penalty) trains
``R`` networks of the same shape. Trained one by one, each small layer pays the
fixed cost of every CD update (a dozen kernel launches and Python steps) ``R``
times; stacked, the ``R`` updates are one batched product each
(``torch.bmm`` / ``baddbmm``):

.. math::
   \\Delta W_r \\leftarrow \\mu_r \\Delta W_r + \\eta_r \\Big(\\langle v h^T\\rangle^{(r)}_{data}
   - \\langle v h^T\\rangle^{(r)}_{k} - \\lambda_{2,r} W_r - \\lambda_{1,r}\\operatorname{sign} W_r\\Big),
   \\qquad r = 1, \\dots, R,

the update of :func:`rgdl.rbm.fit` for every replica at once. Each replica
keeps its own data, seed, random stream, monitors and hyperparameters where
they may differ (learning rate and its schedule, momentum, penalties); what
fixes the shapes of the batched loop must agree (:data:`SHARED_FIELDS`).

A replica draws its random numbers from its own stream in exactly the order
:func:`rgdl.rbm.fit` would, so replica ``r`` reproduces the network trained
alone with the same seed: to round-off in float64 (the batched products sum in
another order), statistically in float32 (a rounding difference can flip one
sampled unit, after which the two runs are different draws of the same process).
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
from tqdm import tqdm

from ..core.runtime import threads_for
from ..core.validate import boolean
from .model import RBM, _check_data
from .graphs import LoopGraph, graphs_wanted
from .training import (
    TrainingConfig, TrainingDiverged, TrainingState, _act_, _check_monitors, _check_path,
    _data_fingerprint, _Monitor, check_resume, load_checkpoint, run_settings, save_checkpoint,
)

__all__ = ["fit_replicas", "SHARED_FIELDS"]

#: Fields of :class:`~rgdl.rbm.TrainingConfig` that every replica must share.
SHARED_FIELDS = ("epochs", "batch_size", "k", "persistent", "sample_visible", "binary",
                 "monitor_size", "checkpoint_every")

_CHECKPOINT_VERSION = 1


def _configs(configs, hyperparameters: dict, R: int) -> list[TrainingConfig]:
    """One config per replica: a shared one, a list, and keyword overrides (a value or R values)."""
    if isinstance(configs, TrainingConfig) or configs is None:
        configs = [configs] * R
    if isinstance(configs, (str, bytes)) or not hasattr(configs, "__iter__"):
        raise TypeError(f"configs must be a TrainingConfig or a list of {R}; "
                        f"got {type(configs).__name__}")
    configs = list(configs)
    if len(configs) != R or not all(c is None or isinstance(c, TrainingConfig) for c in configs):
        raise TypeError(f"configs must be a TrainingConfig or a list of {R}")
    for k, v in hyperparameters.items():
        if isinstance(v, (list, tuple)) and k != "lr_schedule" and len(v) != R:
            raise ValueError(f"{k} has {len(v)} entries; there are {R} replicas")
    if all(c is None for c in configs) and "epochs" not in hyperparameters:
        raise TypeError("configs: pass a TrainingConfig or at least epochs=...")
    out = []
    for r, cfg in enumerate(configs):
        own = {k: (v[r] if isinstance(v, (list, tuple)) and k != "lr_schedule" else v)
               for k, v in hyperparameters.items()}
        out.append(TrainingConfig(**own) if cfg is None else cfg.replace(**own))
    for name in SHARED_FIELDS:
        values = {repr(getattr(c, name)) for c in out}
        if len(values) > 1:
            raise ValueError(f"{name} must be the same for every replica; got {sorted(values)}")
    if any(c.matmul_dtype is not None for c in out):
        raise ValueError("matmul_dtype: mixed precision is not supported for replicas")
    if any(c.negative != "gibbs" for c in out):
        raise ValueError("negative: replicas train by CD/PCD only (negative='gibbs'); use fit")
    return out


def _check_rbms(rbms) -> list[RBM]:
    if isinstance(rbms, (str, bytes)) or not hasattr(rbms, "__iter__"):
        raise TypeError(f"rbms must be a non-empty sequence of RBM; got {type(rbms).__name__}")
    rbms = list(rbms)
    if not rbms or not all(isinstance(r, RBM) for r in rbms):
        raise TypeError("rbms must be a non-empty sequence of RBM")
    first = rbms[0]
    for r, rbm in enumerate(rbms):
        rbm.check_finite()
        same = (rbm.n_visible, rbm.n_hidden, rbm.spins, rbm.dtype, rbm.device)
        if same != (first.n_visible, first.n_hidden, first.spins, first.dtype, first.device):
            raise ValueError(f"rbms[{r}] differs from rbms[0] in shape, units, dtype or device")
    return rbms


def _per_replica(name: str, data, rbms, binary: bool) -> list[torch.Tensor] | None:
    """``data`` as one checked tensor per replica (shared rows are checked once)."""
    if data is None:
        return None
    if isinstance(data, (list, tuple)):
        if len(data) != len(rbms):
            raise ValueError(f"{name} has {len(data)} entries; there are {len(rbms)} replicas")
        out = [_check_data(rbm, d, f"{name}[{r}]", binary=binary).contiguous()
               for r, (rbm, d) in enumerate(zip(rbms, data))]
    else:
        x = _check_data(rbms[0], data, name, binary=binary).contiguous()
        out = [x] * len(rbms)
    if len({x.shape[0] for x in out}) > 1:
        raise ValueError(f"{name}: every replica needs the same number of rows")
    return out


class _Stack:
    """The replicas' parameters, velocities and chains stacked on axis 0.

    After construction each RBM's ``W, b, c`` are views into the stack, so the
    RBM objects (and the monitors that read them) see every update in place.
    """

    def __init__(self, rbms, states):
        self.W = torch.stack([r.W for r in rbms])
        self.b = torch.stack([r.b for r in rbms])
        self.c = torch.stack([r.c for r in rbms])
        self.vW = torch.stack([s.vW for s in states])
        self.vb = torch.stack([s.vb for s in states])
        self.vc = torch.stack([s.vc for s in states])
        masks = [r.mask for r in rbms]
        self.mask = None if all(m is None for m in masks) else torch.stack(
            [torch.ones_like(r.W) if m is None else m for r, m in zip(rbms, masks)])
        self.chain = None if states[0].chain is None else torch.stack([s.chain for s in states])
        self.chain_h = None if states[0].chain_h is None else torch.stack(
            [s.chain_h for s in states])
        self.link(rbms)

    def link(self, rbms) -> None:
        for r, rbm in enumerate(rbms):
            rbm.W, rbm.b, rbm.c = self.W[r], self.b[r], self.c[r]


def _sample_(out: torch.Tensor, mean: torch.Tensor, spins: bool, streams) -> torch.Tensor:
    """In place, per replica: ``out[r]`` gets uniforms from ``streams[r]``, then ``u < p``."""
    for r, stream in enumerate(streams):
        stream.uniform_(out[r])
    if spins:
        out.mul_(2).sub_(1).lt_(mean).mul_(2).sub_(1)
    else:
        out.lt_(mean)
    return out


def _minibatch(P: _Stack, bufs: dict, d0, spins, cfg, streams, scal, m: int) -> None:
    """One CD-k / PCD-k update of every replica (positive phase, negative phase, momentum step)."""
    B, persistent = cfg.batch_size, cfg.persistent
    p0 = bufs["ph0"] if m == B else bufs["ph0"][:, :m]
    _act_(torch.baddbmm(P.c.unsqueeze(1), d0, P.W, out=p0), spins)
    n_neg = B if persistent else m
    vn, pn, hb, pb = (bufs[k] if n_neg == B else bufs[k][:, :n_neg]
                      for k in ("vneg", "phneg", "hs", "pv"))
    cur = None if persistent else p0
    for step in range(cfg.k):
        if step or not persistent:
            _sample_(hb, cur, spins, streams)
        means = torch.baddbmm(P.b.unsqueeze(1), hb, P.W.transpose(1, 2),
                              out=pb if cfg.sample_visible else vn)
        _act_(means, spins)
        if cfg.sample_visible:
            _sample_(vn, pb, spins, streams)
        _act_(torch.baddbmm(P.c.unsqueeze(1), vn, P.W, out=pn), spins)
        cur = pn
    mom, eta = scal["mom"], scal["eta"]
    grad = torch.bmm(d0.transpose(1, 2), p0) * (eta / m)[:, None, None]
    grad.sub_(torch.bmm(vn.transpose(1, 2), pn) * (eta / n_neg)[:, None, None])
    P.vW.mul_(mom[:, None, None]).add_(grad)
    P.vW.sub_(P.W * (eta * scal["l2"])[:, None, None])
    P.vW.sub_(torch.sign(P.W) * (eta * scal["l1"])[:, None, None])
    if P.mask is not None:
        P.vW.mul_(P.mask)
    P.W.add_(P.vW)
    P.vb.mul_(mom[:, None]).add_(d0.sum(1) * (eta / m)[:, None])
    P.vb.sub_(vn.sum(1) * (eta / n_neg)[:, None])
    P.b.add_(P.vb)
    P.vc.mul_(mom[:, None]).add_(p0.sum(1) * (eta / m)[:, None])
    P.vc.sub_(pn.sum(1) * (eta / n_neg)[:, None])
    P.c.add_(P.vc)
    if persistent:
        _sample_(bufs["hs"], bufs["phneg"], spins, streams)


def _scalars(bufs: dict, configs, epoch: int) -> None:
    """This epoch's momentum, learning rate and penalties per replica, into static tensors."""
    for key, value in (("mom", [c.momentum_at(epoch) for c in configs]),
                       ("eta", [c.lr_at(epoch) for c in configs]),
                       ("l2", [c.weight_decay for c in configs]), ("l1", [c.l1 for c in configs])):
        bufs["scal"][key].copy_(torch.tensor(value, dtype=torch.float64))


def _batches(P: _Stack, bufs, xs, cfg, streams, spins, start: int, stop: int) -> None:
    """The minibatches of rows ``start:stop`` of every replica's permutation, in order."""
    B = cfg.batch_size
    for first in range(start, stop, B):
        m = min(B, stop - first)
        d0 = bufs["v0"] if m == B else bufs["v0"][:, :m]
        for r, x in enumerate(xs):
            torch.index_select(x, 0, bufs["perm"][r, first:first + m], out=d0[r])
        _minibatch(P, bufs, d0, spins, cfg, streams, bufs["scal"], m)


def _loop(P: _Stack, bufs, xs, cfg, states, spins):
    """The full minibatches of an epoch: a :class:`~rgdl.rbm.graphs.LoopGraph` on CUDA
    after the first epoch (its warm-up), else the eager loop."""
    streams = [s.stream for s in states]
    stop = xs[0].shape[0] // cfg.batch_size * cfg.batch_size

    def body():
        _batches(P, bufs, xs, cfg, streams, spins, 0, stop)

    if not graphs_wanted(P.W.device):
        return body
    if "loop" not in bufs:  # its first call runs eagerly (the warm-up)
        written = [P.W, P.b, P.c, P.vW, P.vb, P.vc] + [
            t for k, t in bufs.items() if isinstance(t, torch.Tensor) and k != "perm"]
        bufs["loop"] = LoopGraph(body, written, lambda: [s.state() for s in streams],
                                 lambda saved: [s.set_state(v) for s, v in zip(streams, saved)],
                                 generators=[s.torch for s in streams], name="replica CD loop")
    return bufs["loop"]


def _epoch(P: _Stack, bufs, xs, configs, states, spins, epoch: int) -> float:
    """One pass over every replica's reshuffled data; returns its seconds."""
    cfg, streams = configs[0], [s.stream for s in states]
    n, B = xs[0].shape[0], cfg.batch_size
    _scalars(bufs, configs, epoch)
    t0 = time.perf_counter()
    for r, stream in enumerate(streams):
        bufs["perm"][r].copy_(stream.permutation(n))
    _loop(P, bufs, xs, cfg, states, spins)()
    if n % B:
        _batches(P, bufs, xs, cfg, streams, spins, n - n % B, n)
    if P.W.device.type == "cuda":
        torch.cuda.synchronize(P.W.device)
    elapsed = time.perf_counter() - t0
    for r in range(P.W.shape[0]):
        if not all(bool(torch.isfinite(t[r]).all()) for t in (P.W, P.b, P.c)):
            raise TrainingDiverged(f"replica {r} diverged at epoch {epoch}; lower its lr")
    return elapsed


def _buffers(P: _Stack, cfg: TrainingConfig, n: int) -> dict:
    """The static tensors of the batched loop (a CUDA graph reads and writes only these)."""
    R, nv, nh = P.W.shape
    B = cfg.batch_size
    kw = {"dtype": P.W.dtype, "device": P.W.device}
    bufs = {name: torch.empty(R, B, width, **kw) for name, width in
            (("v0", nv), ("ph0", nh), ("vneg", nv), ("phneg", nh), ("hs", nh), ("pv", nv))}
    bufs["perm"] = torch.empty(R, n, dtype=torch.long, device=P.W.device)
    bufs["scal"] = {k: torch.empty(R, **kw) for k in ("mom", "eta", "l2", "l1")}
    if cfg.persistent:
        bufs["vneg"].copy_(P.chain)
        bufs["hs"].copy_(P.chain_h)
    return bufs


def _save(path, P: _Stack, bufs, states, cfg, fingerprints, settings) -> None:
    save_checkpoint(path, {
        "settings": settings,
        "version": _CHECKPOINT_VERSION, "epoch": states[0].epoch, "fingerprints": fingerprints,
        "shape": list(P.W.shape), "batch_size": cfg.batch_size, "persistent": cfg.persistent,
        "W": P.W, "b": P.b, "c": P.c, "vW": P.vW, "vb": P.vb, "vc": P.vc,
        "chain": bufs["vneg"].clone() if cfg.persistent else torch.zeros(0),
        "chain_h": bufs["hs"].clone() if cfg.persistent else torch.zeros(0),
        "base_seeds": [s.base_seed for s in states],
        "generators": [s.stream.state() for s in states],
        "histories": [s.history for s in states],
    })


def _resume(path, P: _Stack, bufs, states, cfg, fingerprints, rbms, settings) -> None:
    """Load a replica-set checkpoint into ``P``, ``bufs`` and ``states`` (refusing a mismatch)."""
    ck = load_checkpoint(path, device="cpu")
    if ck.get("version") != _CHECKPOINT_VERSION:
        raise ValueError(f"checkpoint {path} has an unknown format version")
    if len(ck.get("settings", [])) == len(settings):
        for r, (saved, wanted) in enumerate(zip(ck["settings"], settings)):
            check_resume(f"{path} (replica {r})", saved, wanted, int(ck["epoch"]), cfg.epochs)
    for key, value in (("shape", list(P.W.shape)), ("batch_size", cfg.batch_size),
                       ("persistent", cfg.persistent), ("fingerprints", fingerprints)):
        if ck[key] != value:
            raise ValueError(f"checkpoint {path} was made with another {key}; "
                             "use another path or delete it")
    for name in ("W", "b", "c", "vW", "vb", "vc"):
        getattr(P, name).copy_(ck[name])
    if cfg.persistent:
        bufs["vneg"].copy_(ck["chain"])
        bufs["hs"].copy_(ck["chain_h"])
    for r, state in enumerate(states):
        state.base_seed = int(ck["base_seeds"][r])
        state.stream.set_state(ck["generators"][r])
        state.history = {k: list(v) for k, v in ck["histories"][r].items()}
        state.epoch = int(ck["epoch"])
    P.link(rbms)


def fit_replicas(rbms, data, configs=None, *, seeds, heldout=None, monitors=("recon",),
                 checkpoint=None, progress=True, **hyperparameters) -> list[dict]:
    """Train ``R`` RBMs of one shape together; replica ``r`` is ``fit(rbms[r], data[r], ...)``.

    Parameters
    ----------
    rbms : sequence of R :class:`~rgdl.rbm.RBM` of one shape, unit kind, dtype and device
        Trained in place (their ``W, b, c`` become views of the stacked parameters).
    data : tensor (n, n_visible) shared by all, or a sequence of R such tensors (same n)
    configs : TrainingConfig or a sequence of R, optional
        Keyword arguments named like its fields override it; each may be one value
        or a list of R values (``l1=[2e-4, 0, 0]``). The fields in
        :data:`SHARED_FIELDS` must agree; mixed precision is not supported.
    seeds : sequence of R seeds (int or numpy Generator), one random stream each
    heldout : shared held-out rows or a sequence of R, for the monitors
    monitors : as in :func:`rgdl.rbm.fit`, evaluated per replica
    checkpoint : path, optional
        The whole replica set is saved there every ``checkpoint_every`` epochs and
        resumed from it, bit for bit on the same device.
    progress : a tqdm bar over epochs

    Returns
    -------
    list of R history dicts, as :func:`rgdl.rbm.fit` returns for one network.
    """
    rbms = _check_rbms(rbms)
    R = len(rbms)
    configs = _configs(configs, hyperparameters, R)
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a sequence of {R} seeds; got {type(seeds).__name__}")
    seeds = list(seeds)
    if len(seeds) != R:
        raise ValueError(f"seeds has {len(seeds)} entries; there are {R} replicas")
    monitors = _check_monitors(monitors)
    progress = boolean("progress", progress)
    if checkpoint is not None:
        checkpoint = _check_path("checkpoint", checkpoint)
    cfg = configs[0]
    if data is None:
        raise TypeError("data must be an array (n, n_visible) or a sequence of R of them; got None")
    xs = _per_replica("data", data, rbms, cfg.binary)
    helds = _per_replica("heldout", heldout, rbms, cfg.binary)
    if cfg.batch_size > xs[0].shape[0]:
        raise ValueError(f"batch_size ({cfg.batch_size}) exceeds the number of samples "
                         f"({xs[0].shape[0]})")
    fingerprints = [_data_fingerprint(x) for x in xs]
    settings = [run_settings(c, s) for c, s in zip(configs, seeds)]
    states = [TrainingState.fresh(rbm, x, c, s) for rbm, x, c, s in zip(rbms, xs, configs, seeds)]
    P = _Stack(rbms, states)
    bufs = _buffers(P, cfg, xs[0].shape[0])
    if checkpoint is not None and Path(checkpoint).is_file():
        _resume(checkpoint, P, bufs, states, cfg, fingerprints, rbms, settings)
    mons = [_Monitor(rbm, x, None if helds is None else helds[r], monitors, cfg.monitor_size,
                     st.base_seed) for r, (rbm, x, st) in enumerate(zip(rbms, xs, states))]
    with threads_for(R * cfg.batch_size * rbms[0].n_visible * rbms[0].n_hidden):
        bar = tqdm(range(states[0].epoch, cfg.epochs), desc=f"{R} RBM replicas",
                   disable=not progress, initial=states[0].epoch, total=cfg.epochs)
        for epoch in bar:
            elapsed = _epoch(P, bufs, xs, configs, states, rbms[0].spins, epoch)
            for rbm, c, st, mon in zip(rbms, configs, states, mons):
                row = {"epoch": epoch + 1, "lr": c.lr_at(epoch), "momentum": c.momentum_at(epoch),
                       "time": elapsed / R}
                row.update(mon(rbm, epoch))
                for key, value in row.items():
                    st.history.setdefault(key, []).append(value)
                st.epoch = epoch + 1
            if checkpoint is not None and (st.epoch % cfg.checkpoint_every == 0
                                           or st.epoch == cfg.epochs):
                _save(checkpoint, P, bufs, states, cfg, fingerprints, settings)
        bar.close()
    return [st.history for st in states]
