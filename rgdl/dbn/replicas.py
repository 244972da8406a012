"""Many DBNs of one architecture, trained layer by layer as replicas (:func:`train_replicas`).

An ensemble over seeds and controls trains ``R`` networks with the same layer sizes.
:func:`train` would train them one after another; here layer ``l`` of all ``R`` networks
is one replica set of :func:`rgdl.rbm.fit_replicas` (parameters stacked on a leading
axis, one batched product per step for all of them), then each network's data are
propagated up and layer ``l + 1`` is trained the same way.

Network ``r`` is exactly ``train(data[r], sizes, seed=seeds[r], **settings[r])``: the same
layer seeds, initial weights, random streams, fingerprints and checkpoint files. Its
weights agree with the network trained alone to round-off in float64 (batched products
sum in another order) and statistically in float32. Layers that use mixed precision
(``matmul_dtype``, which the replica trainer does not support) are trained one network at
a time with :func:`rgdl.rbm.fit`, as :func:`train` does.

Checkpoints: with ``checkpoint_dirs`` every network keeps :func:`train`'s files
(``layer<l>.pt``, with its fingerprint), so a cache written by either function is read by
the other; finished layers are loaded, the rest are trained together, with the replica
set's own checkpoint ``layer<l>.replicas-<hash>.pt`` in the first such network's folder
(resumed bit for bit on the same device, removed when the set has finished).
"""

from __future__ import annotations

import hashlib

import torch

from ..core.io import sidecar
from ..rbm import RBM
from ..rbm.replicas import fit_replicas
from .stack import (DBN, PAPER_SIZES, _base_spec, _check_data, _check_path, _check_train_args,
                    _dbn_config, _fingerprints, _fit_config, _layer_configs, _layer_seeds,
                    _load_finished, _propagate_up, _save_layer, _train_layer)

__all__ = ["train_replicas"]


def _per_network(name: str, value, R: int, default=None) -> list:
    """``value`` as a list of ``R`` entries (``None`` gives ``R`` copies of ``default``)."""
    if value is None:
        return [default] * R
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{name} must be a sequence of {R} entries; got {type(value).__name__}")
    value = list(value)
    if len(value) != R:
        raise ValueError(f"{name} has {len(value)} entries; data holds {R} networks")
    return value


def _check_inputs(data, seeds, settings, heldout, checkpoint_dirs):
    if isinstance(data, (str, bytes, dict)) or not isinstance(data, (list, tuple)) or not data:
        raise TypeError("data must be a non-empty list of arrays (n, n_visible), one per network")
    R = len(data)
    seeds = _per_network("seeds", seeds, R)
    settings = _per_network("settings", settings, R, default={})
    for r, s in enumerate(settings):
        if not isinstance(s, dict):
            raise TypeError(f"settings[{r}] must be a dict of hyperparameters; got "
                            f"{type(s).__name__}")
    heldout = _per_network("heldout", heldout, R)
    dirs = _per_network("checkpoint_dirs", checkpoint_dirs, R)
    dirs = [None if d is None else _check_path(f"checkpoint_dirs[{r}]", d)
            for r, d in enumerate(dirs)]
    if len({d is None for d in dirs}) > 1:
        raise ValueError("checkpoint_dirs: give a folder for every network or for none")
    return R, seeds, settings, heldout, dirs


def train_replicas(data, sizes=PAPER_SIZES, *, seeds, settings=None, propagate="samples",
                   heldout=None, monitors=("free_energy",), checkpoint_dirs=None, device=None,
                   dtype=torch.float32, progress=True, corrupt="refuse") -> list[DBN]:
    """Greedy layer-wise training of ``R`` DBNs of one architecture, each layer as replicas.

    Network ``r`` is ``train(data[r], sizes, seed=seeds[r], heldout=heldout[r],
    checkpoint_dir=checkpoint_dirs[r], **settings[r])`` (:func:`rgdl.dbn.train`): layer
    ``l`` of every network is trained by :func:`rgdl.rbm.fit_replicas`, whose update is
    that of :func:`rgdl.rbm.fit` for each replica,

    .. math::  \\Delta W_r \\leftarrow \\mu_r \\Delta W_r + \\eta_r\\big(\\langle v h^T
               \\rangle^{(r)}_{data} - \\langle v h^T\\rangle^{(r)}_{k}
               - \\lambda_{2,r} W_r - \\lambda_{1,r} \\operatorname{sign} W_r\\big)

    (Hinton, Osindero & Teh 2006 for the greedy stack; Hinton 2002 for CD-k).

    Parameters
    ----------
    data : list of R tensors or arrays (n, n_visible) of 0/1, the same ``n`` for all
    sizes : hidden units per layer, shared by every network
    seeds : list of R seeds (int or numpy Generator)
    settings : list of R dicts, optional
        Each network's hyperparameters as :func:`train` takes them (one value, or one per
        layer). Those that fix the shape of the batched loop (``epochs``, ``batch_size``,
        ``k``, ...; :data:`rgdl.rbm.replicas.SHARED_FIELDS`) must agree.
    heldout : list of R held-out arrays (the same number of rows), optional
    checkpoint_dirs : list of R folders, optional (see the module docstring)
    propagate, monitors, device, dtype, progress, corrupt : as for :func:`train`

    Returns
    -------
    list of R :class:`DBN`
    """
    R, seeds, settings, helds, dirs = _check_inputs(data, seeds, settings, heldout,
                                                    checkpoint_dirs)
    sizes, propagate, device, monitors, progress = _check_train_args(
        sizes, propagate, device, dtype, monitors, progress, corrupt)
    configs = [_layer_configs(None, s, len(sizes)) for s in settings]
    pairs = [_check_data(d, h, sizes, dtype, device) for d, h in zip(data, helds)]
    layer_seeds = [_layer_seeds(s, len(sizes)) for s in seeds]
    prints = [_fingerprints(_base_spec(x, h, propagate, dtype, monitors), c, sizes, ls)
              for (x, h), c, ls in zip(pairs, configs, layer_seeds)]
    below = [x for x, _ in pairs]
    below_held = [h for _, h in pairs]
    rbms, history = [[] for _ in range(R)], [[] for _ in range(R)]
    how = (monitors, progress, corrupt == "regenerate")
    for i in range(len(sizes)):
        layer = [RBM(below[r].shape[1], sizes[i], dtype=dtype, device=device,
                     seed=layer_seeds[r][i][0]) for r in range(R)]
        cfgs = [_fit_config(configs[r][i], i, propagate, layer[r]) for r in range(R)]
        hists = _train_layer_set(layer, below, below_held, cfgs, dirs, i + 1,
                                 [p[i] for p in prints], [ls[i][1] for ls in layer_seeds], how)
        for r in range(R):
            rbms[r].append(layer[r])
            history[r].append(hists[r])
            if i + 1 < len(sizes):
                below[r], below_held[r] = _propagate_up(layer[r], below[r], below_held[r],
                                                        propagate, layer_seeds[r][i][2])
    return [DBN(rbms[r], history[r], _dbn_config(pairs[r][0], sizes, configs[r], propagate,
                                                 seeds[r], prints[r]))
            for r in range(R)]


def _set_checkpoint(dirs, prints, number: int, members: list[int]):
    """The checkpoint of the replica set ``members`` (None without folders): in the first
    member's folder, named by a hash of the members' fingerprints."""
    if dirs[members[0]] is None:
        return None
    tag = hashlib.sha256("".join(prints[r] for r in members).encode()).hexdigest()[:12]
    return dirs[members[0]] / f"layer{number}.replicas-{tag}.pt"


def _train_layer_set(layer, below, below_held, cfgs, dirs, number, prints, fit_seeds,
                     how) -> list[dict]:
    """Layer ``number`` of every network: loaded when finished, else trained as replicas.

    Networks whose layer uses mixed precision are trained one at a time (:func:`train`'s
    path); the rest together by :func:`rgdl.rbm.fit_replicas`. The set's checkpoint
    outlives the saving of its members' layer files: if it is still there, some members
    were saved and others not when a run stopped, and the whole set is resumed from it
    (a smaller set would round differently in float32). Returns the R histories.
    """
    monitors, progress, regenerate = how
    R = len(layer)
    hists = [_load_finished(layer[r], dirs[r], number, prints[r], regenerate) for r in range(R)]
    for r in [r for r in range(R) if hists[r] is None and cfgs[r].matmul_dtype is not None]:
        hists[r] = _train_layer(layer[r], below[r], below_held[r], cfgs[r], dirs[r], number,
                                prints[r], (monitors, fit_seeds[r], progress, regenerate))
    batched = [r for r in range(R) if cfgs[r].matmul_dtype is None]
    todo = [r for r in batched if hists[r] is None]
    if not todo:
        return hists
    ckpt = _set_checkpoint(dirs, prints, number, batched)
    if ckpt is not None and ckpt.is_file():
        todo = batched  # interrupted while its layers were saved: resume the whole set
    else:
        ckpt = _set_checkpoint(dirs, prints, number, todo)
    helds = [below_held[r] for r in todo]
    out = fit_replicas([layer[r] for r in todo], [below[r] for r in todo],
                       [cfgs[r] for r in todo], seeds=[fit_seeds[r] for r in todo],
                       heldout=None if helds[0] is None else helds, monitors=monitors,
                       checkpoint=ckpt, progress=progress)
    for r, hist in zip(todo, out):
        rbm = layer[r]
        rbm.W, rbm.b, rbm.c = rbm.W.clone(), rbm.b.clone(), rbm.c.clone()  # off the stack
        hists[r] = hist
        if dirs[r] is not None:
            _save_layer(dirs[r] / f"layer{number}.pt", rbm, hist, prints[r])
    if ckpt is not None:
        ckpt.unlink(missing_ok=True)
        sidecar(ckpt).unlink(missing_ok=True)
    return hists
