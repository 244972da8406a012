"""Deep belief networks: greedy stacks of RBMs, up and down passes, effective receptive fields.

Mehta & Schwab (arXiv:1410.3831, sec. V and Fig. 3) trained a stack of RBMs
1600 -> 400 -> 100 -> 25 on 40 x 40 Ising configurations with the deep belief
network code of Hinton & Salakhutdinov (Science 313, 504 (2006)): each RBM is
trained by CD-1 on the previous layer's hidden activity, then frozen (greedy
layer-wise training, Hinton, Osindero & Teh 2006). This module holds that stack.

Training (:func:`train`)
    Layer ``l`` is an :class:`rgdl.rbm.RBM` with ``n_{l-1}`` visible and
    ``n_l`` hidden 0/1 units, trained by :func:`rgdl.rbm.fit`. Its data are the
    previous layer's hidden units given the data below:

    - ``propagate="samples"`` (default): one draw ``h ~ P(h | v)`` per data row,
      made once, so every layer is trained on binary data, as an RBM with
      Bernoulli visible units assumes;
    - ``propagate="probs"``: the probabilities ``P(h = 1 | v)`` themselves, as
      Hinton & Salakhutdinov's ``rbm.m`` did (``batchposhidprobs``); the upper
      layers are then trained with ``binary=False`` (:class:`~rgdl.rbm.TrainingConfig`),
      which reads values in [0, 1] as unit means.

    Every hyperparameter may be one value or one per layer. The negative phase
    uses visible probabilities, not samples (``sample_visible=False``), as
    ``rbm.m`` did. Each layer is monitored by the mean free energy of training
    vs held-out data per epoch (Hinton 2010, sec. 6), the held-out data being
    propagated up the same way.

Checkpoints
    With ``checkpoint_dir``, each finished layer is saved there
    (``layer1.pt``...) with a fingerprint of everything that determines it
    (data, sizes, hyperparameters, seed, the source of this module and of the
    trainer); a layer in training is checkpointed every epoch by ``fit``. A
    rerun with the same arguments loads finished layers and resumes the
    unfinished one; a directory made by a different run raises ``ValueError``.
    Every file carries a SHA-256 sidecar (:func:`rgdl.core.io.save_checked`). A
    damaged file in a user's ``checkpoint_dir`` is refused with one
    :class:`rgdl.core.io.CorruptFileError` line (``corrupt="refuse"``, the default:
    the file may hold hours of training, so it is left for the user to inspect);
    with ``corrupt="regenerate"`` (the cache of :func:`rgdl.dbn.experiment`) it is
    reported in one ``RuntimeWarning`` line, moved aside to ``<name>.corrupt``
    (:func:`rgdl.core.io.quarantine`) and retrained.

Passes (methods of :class:`DBN`)
    ``up``: ``h^(l) = P(h^(l) = 1 | h^(l-1))``, ``h^(0) = v`` (mean field, or
    sampled). ``down``: ``P(h^(l-1) = 1 | h^(l))`` applied from layer ``l``
    to the visible layer. ``reconstruct(v, l)``: up to layer ``l`` then down,
    the top-down reconstructions of the paper's Fig. 3. ``generate``: a Gibbs
    chain of the top RBM (the only undirected layer of a DBN) propagated down.

Effective receptive fields (:func:`receptive_fields`)
    Mehta & Schwab's Appendix B: the receptive field of hidden unit ``j`` of
    layer ``l`` on the visible lattice is column ``j`` of

    .. math::  r^{(1)} = W^{(1)}, \\qquad r^{(l)} = r^{(l-1)} W^{(l)},

    a product of the weight matrices (a linear summary that ignores the
    sigmoids). :func:`layer_localization` measures how local these fields are
    with :mod:`rgdl.dbn.locality`.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

import numpy as np
import torch

from ..core import runtime
from ..core.io import CorruptFileError, load_checked, quarantine, save_checked, sidecar, verify
from ..core.validate import boolean, elements, one_of, positive_int, real_array, torch_device
from ..rbm import RBM, fit
from ..rbm.training import HYPERPARAMETERS, TrainingConfig

__all__ = ["DBN", "train", "receptive_fields", "spins_to_units", "units_to_spins",
           "PAPER_SIZES", "PAPER_SETTINGS", "MIXED_MIN_WEIGHTS"]

#: Mehta & Schwab's hidden layers above the 1600 visible spins.
PAPER_SIZES = (400, 100, 25)

#: Hinton & Salakhutdinov's DBN defaults with Mehta & Schwab's L1 penalty and epochs;
#: the negative phase uses visible probabilities, as their ``rbm.m`` did. Three differences
#: from that code remain (chapter 5 names them): its weights start as ``0.1 * N(0, 1)``
#: (here ``N(0, 0.01^2)``, :class:`rgdl.rbm.RBM`), it passes hidden probabilities up (here
#: one sample, ``propagate="samples"``), and its penalty is an L2 weight cost of 2e-4 (here
#: L1 2e-4, as Mehta & Schwab's text says).
PAPER_SETTINGS = {"epochs": 200, "batch_size": 100, "lr": 0.1, "k": 1, "momentum": 0.5,
                  "final_momentum": 0.9, "momentum_switch": 5, "l1": 2e-4,
                  "weight_decay": 0.0, "sample_visible": False}

#: Smallest layer (weights n_visible * n_hidden) whose products ``train`` runs in ``matmul_dtype``.
MIXED_MIN_WEIGHTS = 1 << 15

#: The hyperparameters that enter a layer's fingerprint (cache and checkpoint key).
_KEYED = ("epochs", "batch_size", "lr", "k", "momentum", "final_momentum", "momentum_switch",
          "l1", "weight_decay", "matmul_dtype")
_FORMAT = 1

#: Largest layer (units) and number of samples or Gibbs steps a call accepts.
MAX_UNITS = 1 << 20
MAX_STEPS = 1 << 24


def spins_to_units(configs) -> torch.Tensor:
    """Ising configurations (n, L, L) or (n, N) of +/-1 as 0/1 float rows (n, N): ``v = (s + 1)/2``.

    The encoding of Hinton & Salakhutdinov's 0/1 RBMs that Mehta & Schwab fed spins to.
    """
    if hasattr(configs, "detach"):
        configs = configs.detach().cpu().numpy()
    s = np.asarray(configs)
    if s.ndim < 2:
        raise ValueError(f"configs must have shape (n, L, L) or (n, N); got {s.shape}")
    if s.size and not np.isin(s, (-1, 1)).all():
        raise ValueError("configs must contain only -1 and +1")
    flat = s.reshape(s.shape[0], -1)
    return torch.as_tensor((flat > 0).astype(np.float32))


def units_to_spins(v, L: int | None = None, seed=None, sample: bool = True) -> np.ndarray:
    """Visible probabilities or 0/1 units (n, N) back to +/-1 spins (n, L, L), int8.

    With ``sample`` each spin is drawn, ``P(s = +1) = p``; otherwise it is the
    sign of ``p - 1/2`` (ties to +1). ``v`` must lie in [0, 1] (NaN is refused).
    """
    p = real_array("v", v, ndim=2)
    if p.size and not ((p >= 0) & (p <= 1)).all():
        raise ValueError("v must hold probabilities in [0, 1]; found values outside")
    if not isinstance(sample, bool):
        raise TypeError(f"sample must be a bool; got {type(sample).__name__}")
    if L is None:
        L = int(round(np.sqrt(p.shape[1])))
    else:
        L = positive_int("L", L, maximum=MAX_UNITS)
    if L * L != p.shape[1]:
        raise ValueError(f"v has {p.shape[1]} columns, not L*L for L={L}")
    up = runtime.rng(seed).random(p.shape) < p if sample else p >= 0.5
    return np.where(up, 1, -1).astype(np.int8).reshape(-1, L, L)


def receptive_fields(weights) -> list[torch.Tensor]:
    """Effective receptive fields ``r^(l) = W^(1) W^(2) ... W^(l)`` (Mehta & Schwab, App. B).

    Parameters
    ----------
    weights : sequence of tensors/arrays, ``W^(l)`` of shape (n_{l-1}, n_l)

    Returns
    -------
    list of tensors, ``r^(l)`` of shape (n_0, n_l): column ``j`` is the field of
    hidden unit ``j`` of layer ``l`` on the visible units.
    """
    if isinstance(weights, (str, bytes)) or not hasattr(weights, "__iter__"):
        raise TypeError(f"weights must be a sequence of matrices; got {type(weights).__name__}")
    out = []
    r = None
    for i, w in enumerate(weights):
        if isinstance(w, torch.Tensor):
            w = w.detach()
            if not torch.isfinite(w).all():
                raise ValueError(f"weights[{i}] contains NaN or infinite values")
        else:
            w = torch.as_tensor(real_array(f"weights[{i}]", w, ndim=2))
        if w.dim() != 2:
            raise ValueError(f"weights[{i}] must be a matrix; got shape {tuple(w.shape)}")
        if r is not None and r.shape[1] != w.shape[0]:
            raise ValueError(f"weights[{i}] has {w.shape[0]} rows; "
                             f"layer {i} has {r.shape[1]} units")
        r = w.clone() if r is None else r @ w.to(r.dtype)
        out.append(r)
    if not out:
        raise ValueError("weights is empty")
    return out


def _check_path(name: str, path) -> Path:
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise TypeError(f"{name} must be a non-empty str or Path; got {path!r}")
    return Path(path)


def _per_layer(name: str, value, n_layers: int) -> list:
    if isinstance(value, (list, tuple)):
        if len(value) != n_layers:
            raise ValueError(f"{name} has {len(value)} entries; there are {n_layers} layers")
        return list(value)
    return [value] * n_layers


def _as_units(name: str, data) -> torch.Tensor:
    """``data`` as a 2-D tensor of units in [0, 1] (checked before any cast; NaN refused)."""
    if isinstance(data, torch.Tensor):
        x = data
        if x.dim() != 2:
            raise ValueError(f"{name} must have shape (n_samples, n_visible); "
                             f"got {tuple(x.shape)}")
    else:
        x = torch.as_tensor(real_array(name, data, ndim=2, finite=False).astype(np.float32))
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {tuple(x.shape)})")
    if x.is_complex() or not bool(((x >= 0) & (x <= 1)).all()):
        raise ValueError(f"{name} must hold 0/1 units or probabilities in [0, 1]; "
                         "found other values (or NaN)")
    return x


def _source_hash() -> str:
    h = hashlib.sha256()
    from ..rbm import model, training

    for path in (Path(__file__), Path(training.__file__), Path(model.__file__)):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _tensor_hash(x: torch.Tensor) -> str:
    return hashlib.sha256(x.detach().cpu().contiguous().numpy().tobytes()).hexdigest()[:16]


class DBN:
    """A trained stack of RBMs: ``rbms[l]`` maps layer ``l`` (0 = visible) to layer ``l + 1``.

    Build one with :func:`train` or :meth:`load`. ``history[l]`` is the dict
    returned by :func:`rgdl.rbm.fit` for layer ``l + 1``; ``config`` the
    settings it was trained with.
    """

    def __init__(self, rbms, history=None, config=None):
        if isinstance(rbms, (str, bytes)) or not hasattr(rbms, "__iter__"):
            raise TypeError(f"rbms must be a non-empty sequence of RBM; got {type(rbms).__name__}")
        rbms = list(rbms)
        if not rbms or not all(isinstance(r, RBM) for r in rbms):
            raise TypeError("rbms must be a non-empty sequence of RBM")
        for i in range(1, len(rbms)):
            if rbms[i].n_visible != rbms[i - 1].n_hidden:
                raise ValueError(f"layer {i + 1} has {rbms[i].n_visible} visible units; "
                                 f"layer {i} has {rbms[i - 1].n_hidden} hidden units")
        if history is not None:
            if isinstance(history, (str, bytes, dict)) or not hasattr(history, "__iter__"):
                raise TypeError("history must be a sequence of dicts, one per layer")
            history = list(history)
            if len(history) != len(rbms) or not all(isinstance(h, dict) for h in history):
                raise ValueError(f"history must hold one dict per layer ({len(rbms)})")
        if config is not None and not isinstance(config, dict):
            raise TypeError(f"config must be a dict; got {type(config).__name__}")
        self.rbms = rbms
        self.history = history if history is not None else [{} for _ in rbms]
        self.config = dict(config or {})

    @property
    def sizes(self) -> tuple[int, ...]:
        """Units per layer, visible first: (1600, 400, 100, 25) for the paper."""
        return (self.rbms[0].n_visible, *(r.n_hidden for r in self.rbms))

    @property
    def n_layers(self) -> int:
        return len(self.rbms)

    def __repr__(self) -> str:
        return f"DBN({' -> '.join(map(str, self.sizes))})"

    def _layer(self, layer, allow_zero=False) -> int:
        if layer is None:
            return self.n_layers
        layer = positive_int("layer", layer, minimum=0 if allow_zero else 1)
        if layer > self.n_layers:
            raise ValueError(f"layer must be <= {self.n_layers}; got {layer}")
        return layer

    def _input(self, name, x, layer) -> torch.Tensor:
        rbm = self.rbms[layer] if layer < self.n_layers else self.rbms[-1]
        x = _as_units(name, x).to(dtype=rbm.dtype, device=rbm.device)
        n = self.sizes[layer]
        if x.shape[1] != n:
            raise ValueError(f"{name} must have {n} columns (layer {layer}); got {x.shape[1]}")
        return x

    # ------------------------------------------------------------------ passes
    @torch.no_grad()
    def up(self, v, layer=None, *, sample=False, seed=None) -> list[torch.Tensor]:
        """Hidden activity of layers 1..``layer`` given visible rows ``v``.

        ``h^(l) = P(h^(l) = 1 | h^(l-1))`` (probabilities, fed upward as they are)
        or, with ``sample``, a draw at each layer fed upward.
        Returns a list of ``layer`` tensors, shapes (n, n_l).
        """
        layer = self._layer(layer)
        sample = boolean("sample", sample)
        gen = runtime.torch_generator(seed, self.rbms[0].device) if sample else None
        h = self._input("v", v, 0)
        out = []
        for rbm in self.rbms[:layer]:
            h = rbm.sample_h(h, gen) if sample else rbm.p_h_given_v(h)
            out.append(h)
        return out

    @torch.no_grad()
    def down(self, h, layer, *, sample=False, seed=None) -> torch.Tensor:
        """Top-down pass from layer ``layer`` to the visible units.

        Applies ``P(h^(l-1) = 1 | h^(l))`` for l = ``layer``..1; with ``sample``
        every intermediate layer is drawn (the visible layer is always returned
        as probabilities). Returns (n, n_visible).
        """
        layer = self._layer(layer)
        sample = boolean("sample", sample)
        gen = runtime.torch_generator(seed, self.rbms[0].device) if sample else None
        x = self._input("h", h, layer)
        for i in range(layer - 1, -1, -1):
            p = self.rbms[i].p_v_given_h(x)
            x = self.rbms[i]._draw(p, gen) if (sample and i > 0) else p
        return x

    @torch.no_grad()
    def reconstruct(self, v, layer, *, sample=False, seed=None) -> torch.Tensor:
        """``down(up(v)[layer - 1], layer)``: visible probabilities after a trip to ``layer``."""
        layer = self._layer(layer)
        sample = boolean("sample", sample)
        gen_seed = runtime.rng(seed)
        h = self.up(v, layer, sample=sample, seed=gen_seed)[-1]
        return self.down(h, layer, sample=sample, seed=gen_seed)

    @torch.no_grad()
    def generate(self, n_samples, n_steps=1000, *, seed=None, start=None) -> torch.Tensor:
        """Samples of the DBN: a Gibbs chain of the top RBM, then a top-down pass.

        The top RBM's chains (``n_samples`` in parallel, ``n_steps`` steps)
        start at random units or at ``start``, visible rows whose (sampled) up
        pass seeds the chains. Returns visible probabilities (n_samples, n_visible)
        (for a one-layer DBN, the chain's visible samples).
        """
        n_samples = positive_int("n_samples", n_samples, maximum=MAX_STEPS)
        n_steps = positive_int("n_steps", n_steps, minimum=0, maximum=MAX_STEPS)
        elements("n_samples", n_samples, max(self.sizes), itemsize=4)
        elements("n_steps", n_samples, n_steps, itemsize=1)
        gen_seed = runtime.rng(seed)
        top = self.rbms[-1]
        v0 = None
        if start is not None:
            v0 = self._input("start", start, 0)
            if self.n_layers > 1:
                v0 = self.up(v0, self.n_layers - 1, sample=True, seed=gen_seed)[-1]
            n_samples = v0.shape[0]
        x = top.sample(n_samples, n_steps, seed=gen_seed, v0=v0)
        if self.n_layers == 1:
            return x  # the chain's own visible units
        return self.down(x, self.n_layers - 1, seed=gen_seed)

    def receptive_fields(self) -> list[torch.Tensor]:
        """``r^(l)`` for every layer (:func:`receptive_fields` of the weights)."""
        return receptive_fields([r.W.detach().to(torch.float64).cpu() for r in self.rbms])

    def free_energy_curves(self) -> list[dict]:
        """Per layer: ``{"epoch", "train", "heldout"}`` lists of the mean free energy."""
        out = []
        for h in self.history:
            out.append({"epoch": list(h.get("epoch", [])),
                        "train": list(h.get("free_energy_train", [])),
                        "heldout": list(h.get("free_energy_heldout", []))})
        return out

    # ------------------------------------------------------------- persistence
    def save(self, folder) -> Path:
        """Write every layer to ``folder/layer<l>.pt`` (atomic; tensors and plain values only),
        each with its SHA-256 sidecar ``layer<l>.pt.sha256`` (:func:`rgdl.core.io.save_checked`)."""
        folder = _check_path("folder", folder)
        for i, rbm in enumerate(self.rbms):
            _save_layer(folder / f"layer{i + 1}.pt", rbm, self.history[i],
                        self.config.get("fingerprints", [""] * self.n_layers)[i])
        return folder

    @classmethod
    def load(cls, folder, n_layers=None, device="cpu") -> "DBN":
        """Read the layers written by :meth:`save` (or :func:`train`'s checkpoints).

        Each file is checked against its sidecar first: a damaged or unsidecarred
        layer raises :class:`rgdl.core.io.CorruptFileError` (one line), never loads.
        """
        folder = _check_path("folder", folder)
        if n_layers is not None:
            n_layers = positive_int("n_layers", n_layers, maximum=MAX_UNITS)
        device = torch_device("device", device)
        if not folder.is_dir():
            raise FileNotFoundError(f"folder {str(folder)!r} does not exist")
        rbms, history = [], []
        i = 1
        while (folder / f"layer{i}.pt").is_file() and (n_layers is None or i <= n_layers):
            rbm, hist, _ = _load_layer(folder / f"layer{i}.pt", device)
            rbms.append(rbm)
            history.append(hist)
            i += 1
        if not rbms:
            raise FileNotFoundError(f"no layer1.pt in folder {str(folder)!r}")
        return cls(rbms, history)


def _save_layer(path, rbm, history, fingerprint) -> None:
    save_checked(path, {"format": _FORMAT, "fingerprint": fingerprint, "rbm": rbm.state_dict(),
                        "history": {k: list(v) for k, v in history.items()}})


def _load_layer(path: Path, device) -> tuple[RBM, dict, str]:
    """One finished layer, checked: ``(rbm, history, fingerprint)`` or :class:`CorruptFileError`."""
    state = load_checked(path, map_location=device)
    try:
        if not isinstance(state, dict) or state.get("format") != _FORMAT:
            raise ValueError("unknown layer format")
        spec = state["rbm"]
        rbm = RBM(spec["n_visible"], spec["n_hidden"], dtype=spec["W"].dtype, device=device,
                  seed=0)
        rbm.load_state_dict(spec)
        history, fingerprint = dict(state["history"]), str(state["fingerprint"])
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CorruptFileError(f"{path}: not a DBN layer ({first})") from None
    return rbm, history, fingerprint


def _layer_configs(config, hyperparameters: dict, n_layers: int) -> list[TrainingConfig]:
    """One validated :class:`TrainingConfig` per layer from a base and per-layer overrides."""
    if config is not None and not isinstance(config, TrainingConfig):
        raise TypeError(f"config must be a TrainingConfig; got {type(config).__name__}")
    unknown = set(hyperparameters) - set(HYPERPARAMETERS)
    if unknown:
        raise TypeError(f"unknown hyperparameter(s) {sorted(unknown)}; use {HYPERPARAMETERS}")
    base = config if config is not None else TrainingConfig(**PAPER_SETTINGS)
    layers = [dict() for _ in range(n_layers)]
    for name, value in hyperparameters.items():
        for i, v in enumerate(_per_layer(name, value, n_layers)):
            layers[i][name] = v
    return [base.replace(**changes) for changes in layers]


def _layer_spec(cfg: TrainingConfig) -> dict:
    """The hyperparameters that define a layer, as plain values for its fingerprint."""
    return {name: cfg_value for name in _KEYED
            if (cfg_value := getattr(cfg, name)) is not None}


def train(data, sizes=PAPER_SIZES, config: TrainingConfig | None = None, *,
          propagate="samples", heldout=None, monitors=("free_energy",), checkpoint_dir=None,
          seed=0, device=None, dtype=torch.float32, progress=True, corrupt="refuse",
          **hyperparameters) -> DBN:
    """Greedy layer-wise training of a DBN (Hinton, Osindero & Teh 2006; Mehta & Schwab 2014).

    Layer ``l`` (an RBM ``n_{l-1} -> n_l``, weights ``N(0, 0.01^2)``) is trained
    by :func:`rgdl.rbm.fit` with CD-``k`` on the layer below's hidden activity
    (see ``propagate`` in the module docstring), then frozen.

    Parameters
    ----------
    data : tensor or array (n, n_visible) of 0/1 (see :func:`spins_to_units`)
    sizes : sequence of int
        Hidden units per layer; the paper's ``(400, 100, 25)`` by default.
    config : rgdl.rbm.TrainingConfig, optional
        The hyperparameters of every layer; default :data:`PAPER_SETTINGS`.
    **hyperparameters :
        Fields of :class:`~rgdl.rbm.TrainingConfig` overriding ``config``, each
        one value or a sequence of one value per layer (e.g. ``epochs=[30, 20, 20]``).
        ``matmul_dtype`` (e.g. ``torch.bfloat16``) applies only to layers with at
        least :data:`MIXED_MIN_WEIGHTS` weights: below that the conversions cost
        more than the products save. ``binary`` is set per layer from ``propagate``.
    propagate : "samples" or "probs"
    heldout : held-out rows (n', n_visible), monitored at every layer.
    monitors : passed to ``fit`` (``"free_energy"`` gives the train/held-out curves).
    checkpoint_dir : folder for per-layer checkpoints with resume, optional.
    corrupt : "refuse" or "regenerate"
        What a damaged file in ``checkpoint_dir`` (failing its hash sidecar) does:
        raise :class:`rgdl.core.io.CorruptFileError` naming it (default: a user's
        checkpoints are theirs to inspect), or be reported in one ``RuntimeWarning``,
        moved aside to ``<name>.corrupt`` and retrained (for caches).
    seed : int or numpy Generator; the same seed gives the same network.
    device : torch device; default the GPU when present (``runtime.device(True)``).
    dtype : parameter dtype (float32).
    progress : tqdm bars per layer.

    Returns
    -------
    DBN
    """
    sizes, propagate, device, monitors, progress = _check_train_args(
        sizes, propagate, device, dtype, monitors, progress, corrupt)
    n_layers = len(sizes)
    configs = _layer_configs(config, hyperparameters, n_layers)
    x, held = _check_data(data, heldout, sizes, dtype, device)
    layer_seeds = _layer_seeds(seed, n_layers)
    folder = None if checkpoint_dir is None else _check_path("checkpoint_dir", checkpoint_dir)
    base = _base_spec(x, held, propagate, dtype, monitors)
    fingerprints = _fingerprints(base, configs, sizes, layer_seeds)
    rbms, history = [], []
    below, below_held = x, held
    for i in range(n_layers):
        init_seed, fit_seed, prop_seed = layer_seeds[i]
        rbm = RBM(below.shape[1], sizes[i], dtype=dtype, device=device, seed=init_seed)
        cfg = _fit_config(configs[i], i, propagate, rbm)
        hist = _train_layer(rbm, below, below_held, cfg, folder, i + 1, fingerprints[i],
                            (monitors, fit_seed, progress, corrupt == "regenerate"))
        rbms.append(rbm)
        history.append(hist)
        if i + 1 < n_layers:
            below, below_held = _propagate_up(rbm, below, below_held, propagate, prop_seed)
    return DBN(rbms, history, _dbn_config(x, sizes, configs, propagate, seed, fingerprints))


def _layer_seeds(seed, n_layers: int) -> list[list[int]]:
    """``(init, fit, propagate)`` seeds of every layer, drawn from ``seed``."""
    gen = runtime.rng(seed)
    return [[int(s) for s in gen.integers(0, 2**62, size=3)] for _ in range(n_layers)]


def _base_spec(x, held, propagate, dtype, monitors) -> dict:
    """What every layer's fingerprint shares: code, data, held-out rows and settings."""
    return {"format": _FORMAT, "code": _source_hash(), "data": _tensor_hash(x),
            "heldout": None if held is None else _tensor_hash(held), "n_visible": x.shape[1],
            "propagate": propagate, "dtype": str(dtype), "monitors": [str(m) for m in monitors]}


def _fingerprints(base: dict, configs, sizes, layer_seeds) -> list[str]:
    """Fingerprint of layer ``l``: ``base`` and every layer up to ``l`` (settings, size, seeds)."""
    out = []
    for i in range(len(sizes)):
        spec = {**base, "layers": [dict(_layer_spec(configs[j]), n_hidden=sizes[j],
                                        seeds=layer_seeds[j]) for j in range(i + 1)]}
        out.append(hashlib.sha256(json.dumps(spec, sort_keys=True, default=str)
                                  .encode()).hexdigest()[:24])
    return out


def _fit_config(cfg: TrainingConfig, i: int, propagate: str, rbm: RBM) -> TrainingConfig:
    """Layer ``i``'s config as fitted: binary input below, mixed precision only for big layers."""
    return cfg.replace(binary=i == 0 or propagate == "samples",
                       matmul_dtype=cfg.matmul_dtype if rbm.W.numel() >= MIXED_MIN_WEIGHTS
                       else None)


def _dbn_config(x, sizes, configs, propagate, seed, fingerprints) -> dict:
    return {"sizes": [x.shape[1], *sizes], "layers": [_layer_spec(c) for c in configs],
            "propagate": propagate, "seed": seed if isinstance(seed, int) else None,
            "fingerprints": fingerprints}


def _check_train_args(sizes, propagate, device, dtype, monitors, progress, corrupt):
    """The arguments of :func:`train` that need no data, checked at the door."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"sizes must be a sequence of ints; got {type(sizes).__name__}")
    sizes = [positive_int(f"sizes[{i}]", s, maximum=MAX_UNITS) for i, s in enumerate(sizes)]
    if not sizes:
        raise ValueError("sizes must name at least one hidden layer")
    propagate = one_of("propagate", propagate, ("samples", "probs"))
    device = runtime.device(prefer_cuda=True) if device is None else torch_device("device", device)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a torch floating dtype; got {dtype!r}")
    if isinstance(monitors, (str, bytes)) or not hasattr(monitors, "__iter__"):
        raise TypeError(f"monitors must be a sequence of monitor names; got {monitors!r}")
    one_of("corrupt", corrupt, ("refuse", "regenerate"))
    return sizes, propagate, device, tuple(monitors), boolean("progress", progress)


def _check_data(data, heldout, sizes, dtype, device):
    """Training and held-out rows as tensors on ``device``; the weight matrices must fit."""
    x = _as_units("data", data)
    for i, n in enumerate(sizes):
        elements(f"sizes[{i}]", x.shape[1] if i == 0 else sizes[i - 1], n)
    x = x.to(dtype=dtype, device=device)
    held = None if heldout is None else _as_units("heldout", heldout).to(dtype=dtype, device=device)
    if held is not None and held.shape[1] != x.shape[1]:
        raise ValueError(f"heldout must have {x.shape[1]} columns; got {held.shape[1]}")
    return x, held


def _unusable(path: Path, regenerate: bool, err: CorruptFileError) -> None:
    """A damaged file in a checkpoint folder: refuse it, or report it and move it aside."""
    if not regenerate:
        raise CorruptFileError(f"{err} - refusing a damaged checkpoint_dir file; delete it "
                               "or use another checkpoint_dir") from None
    warnings.warn(f"ignoring damaged DBN cache file ({err}); moved aside, retraining",
                  RuntimeWarning, stacklevel=4)
    quarantine(path)


def _load_finished(rbm, folder, number: int, fingerprint: str, regenerate: bool) -> dict | None:
    """Load ``folder/layer<number>.pt`` into ``rbm`` and return its history, if it exists.

    ``None`` when there is no folder or no finished layer (or a damaged one was moved aside,
    see :func:`_unusable`); a finished layer with another fingerprint raises ``ValueError``.
    """
    final = folder / f"layer{number}.pt" if folder else None
    if final is None or not final.is_file():
        return None
    try:
        loaded, hist, found = _load_layer(final, rbm.device)
    except CorruptFileError as err:
        _unusable(final, regenerate, err)
        return None
    if found != fingerprint:
        raise ValueError(f"{final} holds a layer trained with other data or settings; "
                         "use another checkpoint_dir or delete it")
    rbm.load_state_dict(loaded.state_dict())
    return hist


def _train_layer(rbm, below, below_held, cfg, folder, number, fingerprint, how) -> dict:
    """Train one layer, or load it from ``folder`` when a finished copy with this fingerprint
    exists; ``how = (monitors, seed, progress, regenerate)`` (see :func:`_unusable`)."""
    monitors, seed, progress, regenerate = how
    hist = _load_finished(rbm, folder, number, fingerprint, regenerate)
    if hist is not None:
        return hist
    final = folder / f"layer{number}.pt" if folder else None
    ckpt = folder / f"layer{number}.training.pt" if folder else None
    if ckpt is not None and ckpt.is_file() and regenerate:
        try:
            verify(ckpt)
        except CorruptFileError as err:
            _unusable(ckpt, regenerate, err)
    hist = fit(rbm, below, cfg, heldout=below_held, monitors=monitors, checkpoint=ckpt,
               seed=seed, progress=progress)
    if final is not None:
        _save_layer(final, rbm, hist, fingerprint)
        ckpt.unlink(missing_ok=True)
        sidecar(ckpt).unlink(missing_ok=True)
    return hist


@torch.no_grad()
def _propagate(rbm: RBM, x: torch.Tensor, how: str, seed: int) -> torch.Tensor:
    """The next layer's training data: hidden probabilities or one draw from them."""
    p = rbm.p_h_given_v(x)
    if how == "probs":
        return p
    return rbm._draw(p, runtime.torch_generator(seed, rbm.device))


def _propagate_up(rbm: RBM, x: torch.Tensor, held, how: str, seed: int):
    """:func:`_propagate` of the training rows (``seed``) and of the held-out rows, if any
    (``seed + 1``): the next layer's ``(data, heldout)``."""
    return (_propagate(rbm, x, how, seed),
            None if held is None else _propagate(rbm, held, how, seed + 1))
