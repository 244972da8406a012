"""Restricted Boltzmann machines: energies, conditionals, Gibbs sampling, exact ln Z.

A Bernoulli RBM couples ``n_visible`` units ``v`` to ``n_hidden`` units ``h``
through the energy (Mehta & Schwab 2014, eq. 12; Hinton 2010, sec. 1)

.. math::  E(v, h) = -\\sum_i b_i v_i - \\sum_j c_j h_j - \\sum_{ij} v_i W_{ij} h_j,

with units in {0, 1} (``spins=False``) or {-1, +1} (``spins=True``, the Ising
convention of chapters 3-5). The joint law is ``P(v, h) = exp(-E) / Z``. The
two marginal Hamiltonians ("free energies") sum one layer out in closed form:

.. math::
   H_{RBM}(v) = -\\ln \\sum_h e^{-E(v,h)} = -b\\cdot v - \\sum_j \\ln(1 + e^{c_j + (vW)_j})
   \\quad (0/1),\\qquad -b\\cdot v - \\sum_j \\ln 2\\cosh(c_j + (vW)_j) \\quad (\\pm 1),

and symmetrically ``H_RBM(h)``. :func:`log_partition` computes ``ln Z`` exactly
by enumerating the smaller layer and summing out the other; :func:`ais_log_partition`
(in :mod:`rgdl.rbm.ais`) estimates it by annealed importance sampling; :func:`fit`
(in :mod:`rgdl.rbm.training`) trains by CD-k or persistent CD.

Everything lives in torch tensors (float32 by default, float64 on request) so
the same code runs on CPU or GPU.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..core import runtime
from ..core.io import CorruptFileError, load_checked, save_checked
from ..core.units import sum_out
from ..core.validate import (
    boolean, elements, finite_float, float_dtype, optional_generator, positive_float, positive_int,
    torch_device,
)

__all__ = [
    "RBM", "log_partition", "log_likelihood", "free_energy_gap", "pseudo_log_likelihood",
    "reconstruction_error", "enumerate_states", "exact_gradient", "cd_gradient",
    "gaussian_rbm", "EnumerationErrors", "enumeration_errors",
]

#: Largest smaller layer :func:`log_partition` agrees to enumerate (2**30 states).
MAX_EXACT_UNITS = 30

#: Most block-Gibbs steps one call of :meth:`RBM.gibbs` / :meth:`RBM.sample` /
#: :func:`cd_gradient` runs (a bound on the time a call can take).
MAX_GIBBS_STEPS = 10**5

#: Largest layer an :class:`RBM` accepts (the weights are also bounded by the memory).
MAX_UNITS = 1 << 24

def check_rbm(rbm, name: str = "rbm") -> "RBM":
    """``rbm`` if it is an :class:`RBM` with finite parameters, else an error naming ``name``."""
    if not isinstance(rbm, RBM):
        raise TypeError(f"{name} must be an RBM; got {type(rbm).__name__}")
    rbm.check_finite()
    return rbm


def _as_tensor(name: str, x, dtype, device) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x.to(dtype=dtype, device=device)
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be a tensor or an array of numbers; got {type(x).__name__}")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a tensor or an array of numbers") from None
    return torch.as_tensor(arr, dtype=dtype, device=device)


class RBM:
    """A restricted Boltzmann machine with parameters ``W``, ``b`` (visible), ``c`` (hidden).

    Parameters
    ----------
    n_visible, n_hidden : int
        Layer sizes, at most :data:`MAX_UNITS` each, and the weights must fit in memory.
    spins : bool
        Units in {-1, +1} instead of {0, 1}.
    dtype, device :
        Where the parameters live (float32 on the CPU by default).
    seed : None, int or numpy Generator
        Seeds the initial weights, ``W_ij ~ N(0, 0.01^2)`` (Hinton 2010, sec. 8);
        biases start at zero (see ``fit(..., init_visible_bias=True)`` for
        Hinton's ``b_i = ln(p_i / (1 - p_i))``).
    mask : array (n_visible, n_hidden) of 0/1, optional
        Receptive-field mask: ``W`` is multiplied by it at initialisation and
        after every training step, so masked weights stay exactly zero (local RBMs).

    Examples
    --------
    >>> rbm = RBM(6, 3, seed=0, dtype=torch.float64)
    >>> v = torch.ones(2, 6, dtype=torch.float64)
    >>> rbm.visible_hamiltonian(v).shape
    torch.Size([2])
    """

    def __init__(self, n_visible, n_hidden, *, spins=False, dtype=torch.float32,
                 device="cpu", seed=None, mask=None):
        self.n_visible = positive_int("n_visible", n_visible, maximum=MAX_UNITS)
        self.n_hidden = positive_int("n_hidden", n_hidden, maximum=MAX_UNITS)
        elements("n_visible * n_hidden", self.n_visible, self.n_hidden)
        self.spins = boolean("spins", spins)
        float_dtype("dtype", dtype)
        device = torch_device("device", device)
        gen = runtime.torch_generator(seed, "cpu")
        W = torch.randn(self.n_visible, self.n_hidden, generator=gen, dtype=torch.float64) * 0.01
        self.W = W.to(dtype=dtype, device=device)
        self.b = torch.zeros(self.n_visible, dtype=dtype, device=device)
        self.c = torch.zeros(self.n_hidden, dtype=dtype, device=device)
        self.mask = None
        if mask is not None:
            self.set_mask(mask)

    # ------------------------------------------------------------------ basics
    @property
    def dtype(self) -> torch.dtype:
        return self.W.dtype

    @property
    def device(self) -> torch.device:
        return self.W.device

    @property
    def values(self) -> tuple[int, int]:
        """The two values a unit takes: (0, 1) or (-1, 1)."""
        return (-1, 1) if self.spins else (0, 1)

    def __repr__(self) -> str:
        kind = "spins" if self.spins else "0/1"
        masked = ", masked" if self.mask is not None else ""
        return (f"RBM(n_visible={self.n_visible}, n_hidden={self.n_hidden}, {kind}, "
                f"{self.dtype}, {self.device}{masked})")

    def set_mask(self, mask) -> None:
        """Install a 0/1 receptive-field mask on ``W`` (and zero the masked weights)."""
        m = _as_tensor("mask", mask, self.dtype, self.device)
        if tuple(m.shape) != (self.n_visible, self.n_hidden):
            raise ValueError(f"mask must have shape ({self.n_visible}, {self.n_hidden}); "
                             f"got {tuple(m.shape)}")
        if not bool(((m == 0) | (m == 1)).all()):
            raise ValueError("mask must contain only 0 and 1")
        self.mask = m
        self.W.mul_(m)

    def to(self, dtype=None, device=None) -> "RBM":
        """Move/cast the parameters in place and return ``self``."""
        kw = {}
        if dtype is not None:
            kw["dtype"] = float_dtype("dtype", dtype)
        if device is not None:
            kw["device"] = torch_device("device", device)
        self.W = self.W.to(**kw)
        self.b = self.b.to(**kw)
        self.c = self.c.to(**kw)
        if self.mask is not None:
            self.mask = self.mask.to(**kw)
        return self

    def copy(self) -> "RBM":
        """An independent copy (parameters cloned)."""
        new = RBM.__new__(RBM)
        new.n_visible, new.n_hidden, new.spins = self.n_visible, self.n_hidden, self.spins
        new.W, new.b, new.c = self.W.clone(), self.b.clone(), self.c.clone()
        new.mask = None if self.mask is None else self.mask.clone()
        return new

    def check_finite(self) -> None:
        """Raise ``ValueError`` naming the parameter if any is NaN or infinite."""
        for name in ("W", "b", "c"):
            if not bool(torch.isfinite(getattr(self, name)).all()):
                raise ValueError(f"rbm.{name} contains non-finite values")

    # ------------------------------------------------------------- persistence
    def state_dict(self) -> dict:
        """Parameters and configuration as a dict of tensors and plain values."""
        return {"W": self.W.detach().clone(), "b": self.b.detach().clone(),
                "c": self.c.detach().clone(), "spins": self.spins,
                "mask": None if self.mask is None else self.mask.clone(),
                "n_visible": self.n_visible, "n_hidden": self.n_hidden}

    def load_state_dict(self, state: dict) -> "RBM":
        """Load parameters saved by :meth:`state_dict` (shapes must match, values finite).

        Nothing is changed unless the whole ``state`` is valid.
        """
        if not isinstance(state, dict):
            raise TypeError(f"state must be a dict from RBM.state_dict; got {type(state).__name__}")
        new = {}
        for name, shape in (("W", (self.n_visible, self.n_hidden)), ("b", (self.n_visible,)),
                            ("c", (self.n_hidden,))):
            t = state.get(name)
            if not isinstance(t, torch.Tensor):
                raise ValueError(f"state[{name!r}] must be a tensor; got {type(t).__name__}")
            if tuple(t.shape) != shape:
                raise ValueError(f"state[{name!r}] has shape {tuple(t.shape)}; expected {shape}")
            if not bool(torch.isfinite(t).all()):
                raise ValueError(f"state[{name!r}] contains non-finite values")
            new[name] = t.detach().to(dtype=self.dtype, device=self.device).clone()
        if state.get("spins", self.spins) not in (True, False) \
                or bool(state.get("spins", self.spins)) != self.spins:
            raise ValueError("state was saved with a different spins convention")
        mask = state.get("mask")
        if mask is not None and (not isinstance(mask, torch.Tensor)
                                 or tuple(mask.shape) != (self.n_visible, self.n_hidden)):
            raise ValueError(f"state['mask'] must be None or a tensor of shape "
                             f"({self.n_visible}, {self.n_hidden})")
        for name, value in new.items():
            setattr(self, name, value)
        self.mask = None if mask is None else mask.to(dtype=self.dtype, device=self.device).clone()
        return self

    def save(self, path) -> Path:
        """Write the parameters to ``path`` atomically, with a SHA-256 sidecar.

        ``torch.save`` of :meth:`state_dict` through :func:`rgdl.core.io.save_checked`:
        :meth:`load` refuses the file if it is later damaged or changed.
        """
        if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)) or str(path) == "":
            raise TypeError(f"path must be a non-empty str or Path; got {path!r}")
        return save_checked(path, self.state_dict())

    @classmethod
    def load(cls, path, dtype=None, device="cpu") -> "RBM":
        """Read an RBM written by :meth:`save` (checked against its hash sidecar).

        Safe loading (``weights_only=True``, no pickle). A truncated, overwritten or
        altered file raises :class:`rgdl.core.io.CorruptFileError` (a ``ValueError``)
        in one line and is never loaded; a missing file, ``FileNotFoundError``.
        """
        if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)) or str(path) == "":
            raise TypeError(f"path must be a non-empty str or Path; got {path!r}")
        dtype = float_dtype("dtype", dtype, allow_none=True)
        device = torch_device("device", device)
        if not Path(path).is_file():
            raise FileNotFoundError(f"path {str(path)!r}: no such file")
        state = load_checked(path, map_location=device)
        try:
            n_visible, n_hidden = int(state["n_visible"]), int(state["n_hidden"])
            spins, dtype = bool(state["spins"]), dtype or state["W"].dtype
        except (TypeError, KeyError, AttributeError):
            raise CorruptFileError(f"{path}: not an RBM written by RBM.save") from None
        rbm = cls(n_visible, n_hidden, spins=spins, dtype=dtype, device=device, seed=0)
        return rbm.load_state_dict(state)

    # ---------------------------------------------------------------- energies
    def _check_batch(self, name: str, x, n: int) -> torch.Tensor:
        x = _as_tensor(name, x, self.dtype, self.device)
        if x.dim() == 1:
            x = x.unsqueeze(0)
        if x.dim() != 2 or x.shape[1] != n:
            raise ValueError(f"{name} must have shape (batch, {n}); got {tuple(x.shape)}")
        if not bool(torch.isfinite(x).all()):
            raise ValueError(f"{name} contains NaN or infinite values")
        return x

    def energy(self, v, h) -> torch.Tensor:
        """E(v, h) = -b.v - c.h - v.W.h for each row of ``v`` and ``h``, shape (batch,)."""
        v = self._check_batch("v", v, self.n_visible)
        h = self._check_batch("h", h, self.n_hidden)
        if v.shape[0] != h.shape[0]:
            raise ValueError(f"v and h must have the same batch size; got {v.shape[0]} and {h.shape[0]}")
        return -(v @ self.b) - (h @ self.c) - ((v @ self.W) * h).sum(1)

    def _sum_out(self, x: torch.Tensor) -> torch.Tensor:
        """sum_j ln sum_{s_j} exp(s_j x_j): softplus for 0/1, ln 2cosh for spins."""
        return sum_out(x, self.spins)

    def visible_hamiltonian(self, v) -> torch.Tensor:
        """H_RBM(v) = -ln sum_h exp(-E(v, h)), shape (batch,).

        ``-b.v - sum_j softplus(c_j + (vW)_j)`` for 0/1 units and
        ``-b.v - sum_j ln 2cosh(c_j + (vW)_j)`` for spins (Hinton 2010, sec. 16.1;
        Mehta & Schwab 2014, eq. 13).
        """
        v = self._check_batch("v", v, self.n_visible)
        return -(v @ self.b) - self._sum_out(torch.addmm(self.c, v, self.W))

    def hidden_hamiltonian(self, h) -> torch.Tensor:
        """H_RBM(h) = -ln sum_v exp(-E(v, h)) = -c.h - sum_i softplus(b_i + (W h)_i)."""
        h = self._check_batch("h", h, self.n_hidden)
        return -(h @ self.c) - self._sum_out(torch.addmm(self.b, h, self.W.T))

    # ------------------------------------------------------------ conditionals
    def _prob(self, x: torch.Tensor) -> torch.Tensor:
        # P(s=1 | field x) = sigmoid(x) for 0/1; P(s=+1) = sigmoid(2x) for spins
        return torch.sigmoid(2.0 * x if self.spins else x)

    def p_h_given_v(self, v) -> torch.Tensor:
        """P(h_j = 1 | v) = sigmoid(c_j + (vW)_j) (spins: P(h_j=+1) = sigmoid(2(...)))."""
        v = self._check_batch("v", v, self.n_visible)
        return self._prob(torch.addmm(self.c, v, self.W))

    def p_v_given_h(self, h) -> torch.Tensor:
        """P(v_i = 1 | h) = sigmoid(b_i + (W h)_i) (spins: of +1, sigmoid(2(...)))."""
        h = self._check_batch("h", h, self.n_hidden)
        return self._prob(torch.addmm(self.b, h, self.W.T))

    def _draw(self, p: torch.Tensor, generator) -> torch.Tensor:
        s = torch.bernoulli(p, generator=generator)
        return s.mul_(2).sub_(1) if self.spins else s

    def sample_h(self, v, generator=None) -> torch.Tensor:
        """Draw h ~ P(h | v) (0/1 or +/-1 tensor of shape (batch, n_hidden))."""
        optional_generator("generator", generator)
        return self._draw(self.p_h_given_v(v), generator)

    def sample_v(self, h, generator=None) -> torch.Tensor:
        """Draw v ~ P(v | h)."""
        optional_generator("generator", generator)
        return self._draw(self.p_v_given_h(h), generator)

    def gibbs(self, v, k=1, generator=None) -> torch.Tensor:
        """Run ``k`` steps of block Gibbs sampling v -> h -> v' and return the new v.

        ``k`` is at most :data:`MAX_GIBBS_STEPS`.
        """
        k = positive_int("k", k, maximum=MAX_GIBBS_STEPS)
        optional_generator("generator", generator)
        return self._gibbs(self._check_batch("v", v, self.n_visible), k, generator)

    def _gibbs(self, v: torch.Tensor, k: int, generator) -> torch.Tensor:
        """:meth:`gibbs` on an already checked batch."""
        for _ in range(k):
            h = self._draw(self._prob(torch.addmm(self.c, v, self.W)), generator)
            v = self._draw(self._prob(torch.addmm(self.b, h, self.W.T)), generator)
        return v

    def sample(self, n_samples, n_steps=1000, *, seed=None, v0=None) -> torch.Tensor:
        """``n_samples`` visible configurations after ``n_steps`` Gibbs steps.

        The chains start from uniformly random units (or ``v0``, whose rows then
        set the number of chains) and run in parallel. ``n_steps`` is at most
        :data:`MAX_GIBBS_STEPS`.
        """
        n_samples = positive_int("n_samples", n_samples, maximum=1 << 31)
        elements("n_samples * n_visible", n_samples, self.n_visible + self.n_hidden)
        n_steps = positive_int("n_steps", n_steps, maximum=MAX_GIBBS_STEPS)
        if v0 is not None:
            v0 = self._check_batch("v0", v0, self.n_visible)
        gen = runtime.torch_generator(seed, self.device)
        if v0 is None:
            v0 = self._draw(torch.full((n_samples, self.n_visible), 0.5, dtype=self.dtype,
                                       device=self.device), gen)
        return self._gibbs(v0, n_steps, gen)


# --------------------------------------------------------------------- exact
def enumerate_states(n: int, values=(0, 1), dtype=torch.float64, device="cpu",
                     start: int = 0, stop: int | None = None) -> torch.Tensor:
    """All 2**n configurations of n units (rows ``start`` to ``stop``); bit j of the row = unit j.

    ``n`` is at most 62 and the ``(stop - start) x n`` table must fit in memory.
    """
    n = positive_int("n", n, minimum=0, maximum=62)
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__") \
            or tuple(values) not in ((0, 1), (-1, 1)):
        raise ValueError(f"values must be (0, 1) or (-1, 1); got {values!r}")
    dtype = float_dtype("dtype", dtype)
    device = torch_device("device", device)
    start = positive_int("start", start, minimum=0, maximum=2**n)
    if stop is not None and not (isinstance(stop, int) and start <= stop <= 2**n):
        positive_int("stop", stop, minimum=start)
        raise ValueError(f"stop must be <= 2**n = {2**n} (n = {n}); got {stop}")
    stop = 2**n if stop is None else int(stop)
    elements("(stop - start) * n", stop - start, max(n, 1))
    idx = torch.arange(start, stop, device=device, dtype=torch.int64)
    bits = (idx[:, None] >> torch.arange(n, device=device)) & 1
    s = bits.to(dtype)
    if tuple(values) == (-1, 1):
        s = 2 * s - 1
    return s


def _smaller_layer(rbm) -> str:
    return "hidden" if rbm.n_hidden <= rbm.n_visible else "visible"


def _smaller_layer_terms(rbm: RBM) -> tuple:
    """``(m, bias_m, bias_o, W_m)`` in float64: the smaller layer (``m`` units, enumerated)
    with its biases, the other layer's biases and the weights from the enumerated layer
    to the other (``W.T`` when the hidden layer is enumerated)."""
    W, b, c = (t.detach().to(torch.float64) for t in (rbm.W, rbm.b, rbm.c))
    if _smaller_layer(rbm) == "hidden":
        return rbm.n_hidden, c, b, W.T  # enumerate h; field on v: b + W h
    return rbm.n_visible, b, c, W


def _smaller_layer_log_weights(rbm: RBM, terms: tuple, start: int, stop: int) -> torch.Tensor:
    """``-H_RBM(s)`` of the states ``start .. stop - 1`` of the smaller layer (float64), in the
    order of ``enumerate_states``; the other layer summed out:
    ``-H(s) = s . bias_m + sum_j ln sum_{x_j} e^{x_j (bias_o + s W_m)_j}``."""
    m, bias_m, bias_o, Wm = terms
    s = enumerate_states(m, rbm.values, torch.float64, Wm.device, start, stop)
    return s @ bias_m + sum_out(torch.addmm(bias_o, s, Wm), rbm.spins)


def log_partition(rbm: RBM, chunk: int = 1 << 16) -> float:
    """Exact ln Z = ln sum_{v,h} exp(-E(v, h)), computed in float64.

    The smaller layer (size m) is enumerated in chunks of ``chunk`` states and
    the other summed out analytically, ``ln Z = logsumexp_h(-H_RBM(h))`` (or the
    same over v), costing O(2^m n m) time and O(chunk n) memory. m is limited to
    :data:`MAX_EXACT_UNITS`; it takes seconds up to m of about 24 on a CPU.
    """
    check_rbm(rbm)
    chunk = positive_int("chunk", chunk, maximum=1 << 24)
    terms = _smaller_layer_terms(rbm)
    m = terms[0]
    if m > MAX_EXACT_UNITS:
        raise ValueError(f"log_partition: the smaller layer has {m} units; exact enumeration "
                         f"is limited to {MAX_EXACT_UNITS} (use ais_log_partition)")
    total = 2**m
    parts = [torch.logsumexp(_smaller_layer_log_weights(rbm, terms, lo, min(total, lo + chunk)), 0)
             for lo in range(0, total, chunk)]
    return float(torch.logsumexp(torch.stack(parts), 0))


def gaussian_rbm(n_visible: int, n_hidden: int, *, spins: bool = False, scale: float = 1.0,
                 seed=0) -> RBM:
    """A float64 RBM whose ``W``, ``b``, ``c`` are i.i.d. ``N(0, scale^2)``.

    .. math::  W_{ij},\\ b_i,\\ c_j \\sim \\mathcal N(0, \\sigma^2),\\qquad \\sigma = \\text{scale}

    With ``scale = 1`` the couplings are a hundred times stronger than a fresh
    RBM's (``N(0, 0.01^2)``, Hinton 2010, sec. 8), the hard case for checks of
    the closed forms. ``W``, then ``b``, then ``c`` are drawn from one torch
    generator seeded with ``seed``.
    """
    scale = positive_float("scale", scale)
    rbm = RBM(n_visible, n_hidden, spins=spins, dtype=torch.float64, seed=seed)
    gen = runtime.torch_generator(seed, "cpu")
    f64 = torch.float64
    rbm.W = scale * torch.randn(rbm.n_visible, rbm.n_hidden, generator=gen, dtype=f64)
    rbm.b = scale * torch.randn(rbm.n_visible, generator=gen, dtype=f64)
    rbm.c = scale * torch.randn(rbm.n_hidden, generator=gen, dtype=f64)
    return rbm


@dataclasses.dataclass(frozen=True)
class EnumerationErrors:
    """Largest deviations of the closed forms from the full table of ``E(v, h)``.

    ``p_visible``: ``max_v |sum_h P(v,h) - exp(-H_RBM(v)) / Z|``; ``p_hidden``: the same
    for ``h``; ``log_z``: ``|ln Z|`` of :func:`log_partition` minus that of the table, in
    absolute value.
    """

    p_visible: float
    p_hidden: float
    log_z: float

    @property
    def max(self) -> float:
        """The largest of the three."""
        return max(self.p_visible, self.p_hidden, self.log_z)


#: Most units (visible + hidden) :func:`enumeration_errors` tabulates (2^22 joint states).
MAX_TABLE_UNITS = 22


def enumeration_errors(rbm: RBM) -> EnumerationErrors:
    """Check the marginal Hamiltonians and ``ln Z`` against the enumerated joint table.

    .. math::
       \\sum_h P(v,h) = \\frac{e^{-H_{RBM}(v)}}{Z},\\qquad
       \\sum_v P(v,h) = \\frac{e^{-H_{RBM}(h)}}{Z},\\qquad
       Z = \\sum_{v,h} e^{-E(v,h)}

    (Mehta & Schwab 2014, eqs. 12-13). The table ``E(v, h)`` of all
    ``2^(n_v + n_h)`` states is built from the energy alone, in float64, so every
    error is round-off unless the closed forms are wrong.
    """
    check_rbm(rbm)
    if rbm.n_visible + rbm.n_hidden > MAX_TABLE_UNITS:
        raise ValueError(f"rbm has {rbm.n_visible + rbm.n_hidden} units; the joint table is "
                         f"limited to {MAX_TABLE_UNITS}")
    probe = rbm.copy().to(dtype=torch.float64)
    V = enumerate_states(probe.n_visible, probe.values, device=probe.device)
    H = enumerate_states(probe.n_hidden, probe.values, device=probe.device)
    E = -(V @ probe.b)[:, None] - (H @ probe.c)[None, :] - V @ probe.W @ H.T
    log_z = torch.logsumexp(-E.flatten(), 0)
    P = torch.exp(-E - log_z)
    pv = torch.exp(-probe.visible_hamiltonian(V) - log_z)
    ph = torch.exp(-probe.hidden_hamiltonian(H) - log_z)
    return EnumerationErrors(p_visible=float((P.sum(1) - pv).abs().max()),
                             p_hidden=float((P.sum(0) - ph).abs().max()),
                             log_z=abs(log_partition(probe) - float(log_z)))


def _exact_log_z_tensor(rbm: RBM) -> torch.Tensor:
    """ln Z as a differentiable float64 function of rbm.W, b, c (for tests and gradients)."""
    m = min(rbm.n_visible, rbm.n_hidden)
    if m > 20:
        raise ValueError("differentiable ln Z is limited to 20 units in the smaller layer")
    if _smaller_layer(rbm) == "hidden":
        s = enumerate_states(rbm.n_hidden, rbm.values, torch.float64, rbm.device)
        return torch.logsumexp(-rbm.hidden_hamiltonian(s), 0)
    s = enumerate_states(rbm.n_visible, rbm.values, torch.float64, rbm.device)
    return torch.logsumexp(-rbm.visible_hamiltonian(s), 0)


def _check_data(rbm: RBM, data, name: str = "data", binary: bool = True) -> torch.Tensor:
    """``data`` as a (n, n_visible) tensor of the rbm's dtype; ValueError if not binary/shaped.

    With ``binary=False`` values anywhere in [0, 1] ([-1, 1] for spins) are accepted
    (unit means, e.g. a lower RBM's hidden probabilities).
    """
    check_rbm(rbm)
    x = _as_tensor(name, data, rbm.dtype, rbm.device)
    if x.dim() != 2 or x.shape[1] != rbm.n_visible:
        raise ValueError(f"{name} must have shape (n_samples, {rbm.n_visible}); got {tuple(x.shape)}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    lo, hi = rbm.values
    if not binary:
        if not bool(((x >= lo) & (x <= hi)).all()):
            raise ValueError(f"{name} must lie in [{lo}, {hi}]")
        return x
    if not bool(((x == lo) | (x == hi)).all()):
        raise ValueError(f"{name} must contain only {lo} and {hi} "
                         f"({'spins' if rbm.spins else 'binary units'})")
    return x


def log_likelihood(rbm: RBM, data, log_z: float | None = None) -> float:
    """Mean log-likelihood (nats per sample): mean(-H_RBM(v)) - ln Z.

    ``ln Z`` is computed exactly when not given (pass an AIS estimate for large models).
    """
    x = _check_data(rbm, data)
    if log_z is None:
        log_z = log_partition(rbm)
    else:
        log_z = finite_float("log_z", log_z)
    return float(-rbm.visible_hamiltonian(x).double().mean()) - float(log_z)


def free_energy_gap(rbm: RBM, train, heldout) -> tuple[float, float, float]:
    """(mean H_RBM(train), mean H_RBM(heldout), heldout - train) (Hinton 2010, sec. 6).

    A gap that grows during training signals overfitting: the model assigns
    lower free energy (higher probability) to the data it was trained on.
    """
    check_rbm(rbm)
    ft = float(rbm.visible_hamiltonian(_check_data(rbm, train, "train")).double().mean())
    fh = float(rbm.visible_hamiltonian(_check_data(rbm, heldout, "heldout")).double().mean())
    return ft, fh, fh - ft


def pseudo_log_likelihood(rbm: RBM, data, seed=None) -> float:
    """Stochastic pseudo-log-likelihood per sample.

    For each row one unit i is chosen at random and flipped to give v~;
    ``PLL ~= n_visible * ln sigmoid(H_RBM(v~) - H_RBM(v))`` (Besag's pseudo-likelihood,
    one random coordinate per sample, as in scikit-learn's ``BernoulliRBM.score_samples``).
    """
    return _pseudo_log_likelihood(rbm, _check_data(rbm, data), seed)


def _pseudo_log_likelihood(rbm: RBM, x: torch.Tensor, seed) -> float:
    gen = runtime.torch_generator(seed, rbm.device)
    idx = torch.randint(0, rbm.n_visible, (x.shape[0],), generator=gen, device=rbm.device)
    flipped = x.clone()
    rows = torch.arange(x.shape[0], device=rbm.device)
    lo, hi = rbm.values
    flipped[rows, idx] = (lo + hi) - flipped[rows, idx]
    diff = rbm.visible_hamiltonian(flipped) - rbm.visible_hamiltonian(x)
    return float(rbm.n_visible * F.logsigmoid(diff).double().mean())


def reconstruction_error(rbm: RBM, data, seed=None) -> float:
    """Mean squared reconstruction error per sample: ||v - P(v | h)||^2 with h ~ P(h | v).

    Cheap and popular, but a poor proxy for the likelihood (Hinton 2010, sec. 5).
    """
    return _reconstruction_error(rbm, _check_data(rbm, data), seed)


def _reconstruction_error(rbm: RBM, x: torch.Tensor, seed) -> float:
    gen = runtime.torch_generator(seed, rbm.device)
    h = rbm.sample_h(x, gen)
    pv = rbm.p_v_given_h(h)
    if rbm.spins:
        pv = 2 * pv - 1  # mean of the spin
    return float(((x - pv) ** 2).sum(1).double().mean())


def exact_gradient(rbm: RBM, data) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """d/d(W, b, c) of the exact mean log-likelihood, by autograd on the enumerated ln Z.

    <v h^T>_data - <v h^T>_model and likewise for the biases (Hinton 2002, eq. 2).
    The model must be small enough to enumerate (20 units in the smaller layer).
    """
    x = _check_data(rbm, data).to(torch.float64)
    probe = rbm.copy().to(dtype=torch.float64)
    params = [probe.W.requires_grad_(), probe.b.requires_grad_(), probe.c.requires_grad_()]
    ll = -probe.visible_hamiltonian(x).mean() - _exact_log_z_tensor(probe)
    grads = torch.autograd.grad(ll, params)
    return tuple(g.detach() for g in grads)


def cd_gradient(rbm: RBM, data, k=1, seed=None, negative=None):
    """The CD-k estimate of the log-likelihood gradient (Hinton 2002).

    ``<v P(h|v)>_data - <v_k P(h|v_k)>`` with ``v_k`` after ``k`` Gibbs steps
    started at the data (or at ``negative``, a persistent chain). Returns
    ``(dW, db, dc, v_k)``; as ``k`` grows it tends to :func:`exact_gradient`.
    """
    x = _check_data(rbm, data)
    k = positive_int("k", k, maximum=MAX_GIBBS_STEPS)
    start = x if negative is None else _check_data(rbm, negative, "negative")
    gen = runtime.torch_generator(seed, rbm.device)
    vk = rbm._gibbs(start, k, gen)
    ph0, phk = _h_mean(rbm, x), _h_mean(rbm, vk)
    dW = x.T @ ph0 / x.shape[0] - vk.T @ phk / vk.shape[0]
    db = x.mean(0) - vk.mean(0)
    dc = ph0.mean(0) - phk.mean(0)
    return dW, db, dc, vk


def _h_mean(rbm: RBM, v: torch.Tensor) -> torch.Tensor:
    """E[h | v]: the probability for 0/1, the mean spin tanh for +/-1."""
    p = rbm.p_h_given_v(v)
    return 2 * p - 1 if rbm.spins else p

