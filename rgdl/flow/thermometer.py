"""Thermometers for flowed ensembles: the exact one (energy), its cross-checks, a neural one.

The **exact thermometer** reads an ensemble of L x L configurations by its mean
energy per site u and returns the temperature at which the exact finite-lattice
energy equals u (:func:`rgdl.ising.coupling_from_energy`, Ferdinand & Fisher
1969). A genuine equilibrium ensemble at T reads T up to sampling noise; an
ensemble that is not an equilibrium one (a mixture of temperatures, say) still
reads *some* T, which is why the reading is cross-checked with |m| and the
Binder cumulant against their equilibrium curves at that temperature.

The **neural thermometer** is the instrument of Iso, Shiba & Yokoo (2018): a
classifier of temperature trained on labelled equilibrium configurations, read
as the expected temperature under its softmax, averaged over the ensemble.

The **ring thermometer** reads a 1D ring's coupling from its nearest-neighbour
correlation, ``<s_i s_{i+1}> = (t + t^{N-1}) / (1 + t^N)`` with ``t = tanh K``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .. import ising
from ..core import runtime, validate
from ..ising.exact import MAX_SIDE, THERMOMETER_K_MAX, THERMOMETER_K_MIN

__all__ = [
    "Reading", "lattice_observables", "read_temperature", "equilibrium_curves",
    "crosscheck", "NeuralThermometer", "train_neural_thermometer",
    "ring_correlation", "ring_coupling_from_correlation", "coupling_of_energy",
]


def _side(L) -> int:
    return validate.positive_int("L", L, minimum=2, maximum=MAX_SIDE)


def _temperatures(name: str, values, minimum: int = 1) -> np.ndarray:
    """``values`` as a 1-D float array of >= ``minimum`` finite temperatures > 0; else
    ``TypeError``/``ValueError`` naming ``name``."""
    temps = validate.real_array(name, values, ndim=(0, 1)).ravel()
    if temps.size < minimum or np.any(temps <= 0):
        raise ValueError(f"{name} must be >= {minimum} finite temperatures > 0; got {values!r}")
    return temps


def _spins(name: str, configs) -> np.ndarray:
    """``configs`` as an array (its own dtype) whose entries are all +/-1, checked before any
    cast; ``TypeError``/``ValueError`` naming ``name`` otherwise (NaN, 0, 1.7, 255 ...)."""
    if configs is None or isinstance(configs, (str, bytes, bool)):
        raise TypeError(f"{name} must be an array of +/-1 spins; got {type(configs).__name__}")
    try:
        arr = np.asarray(configs.detach().cpu() if hasattr(configs, "detach") else configs)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of +/-1 spins") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of +/-1 spins; got dtype {arr.dtype}")
    if arr.size and not np.all(np.isin(arr, (-1, 1))):
        raise ValueError(f"{name} must contain only -1 and +1 (spins)")
    return arr


def _lattice(configs, L: int) -> np.ndarray:
    L = _side(L)
    arr = _spins("configs", configs)
    if arr.ndim < 2 or arr.shape[-1] != L * L or arr.shape[-2] < 1:
        raise ValueError(f"configs must have shape (..., n >= 1, L * L = {L * L}); "
                         f"got {arr.shape}")
    return arr


def lattice_observables(configs, L: int) -> dict:
    """Ensemble averages of flowed L x L spin configurations, over the second-to-last axis.

    ``configs`` has shape ``(..., n, L*L)`` of +/-1. Returns arrays of shape
    ``(...)``: ``u`` (mean energy per site ``-(1/N) sum_<ij> s_i s_j``),
    ``u_se`` (its standard error, configurations taken as independent),
    ``abs_m`` (mean |m|) and ``binder`` (``U_4 = 1 - <m^4> / 3 <m^2>^2``,
    Binder 1981).
    """
    arr = _lattice(configs, L)
    lead, n = arr.shape[:-2], arr.shape[-2]
    flat = arr.reshape(-1, L, L)
    e = np.asarray(ising.energy(flat), dtype=np.float64).reshape(*lead, n)
    m = flat.reshape(*lead, n, L * L).mean(axis=-1, dtype=np.float64)
    m2 = (m * m).mean(axis=-1)
    se = e.std(axis=-1, ddof=1) / np.sqrt(n) if n > 1 else np.zeros(lead)
    with np.errstate(invalid="ignore", divide="ignore"):
        binder = np.where(m2 > 0, 1.0 - (m ** 4).mean(axis=-1) / (3.0 * m2 * m2), 0.0)
    return {"u": e.mean(axis=-1), "u_se": se, "abs_m": np.abs(m).mean(axis=-1),
            "binder": binder}


@dataclass
class Reading:
    """The exact thermometer's reading of one or many ensembles (arrays of one shape).

    ``T = 1 / K`` with ``u_L(K) = u``; ``T_se = u_se / C_L(T)`` propagates the
    energy's standard error through ``dU/dT = C`` (C per site, exact).
    """

    u: np.ndarray
    u_se: np.ndarray
    K: np.ndarray
    T: np.ndarray
    T_se: np.ndarray
    abs_m: np.ndarray
    binder: np.ndarray


def coupling_of_energy(L: int, u):
    """:func:`rgdl.ising.coupling_from_energy` extended to the two ends of the range.

    ``u <= u_L(20)`` (ground states, -2 up to round-off) gives ``K = inf``;
    ``u >= u_L(1e-6)`` (zero up to noise, and beyond) gives ``K = 0``; the rest is
    inverted exactly. Callers that must reject u > 0 check it first
    (:func:`read_temperature` does). NaN is refused (``ValueError`` naming ``u``).
    """
    L = _side(L)
    u = validate.real_array("u", u, finite=False)
    if np.any(np.isnan(u)):
        raise ValueError("u contains NaN")
    ground = u <= ising.exact_energy(L, L, THERMOMETER_K_MAX)
    hot = u >= ising.exact_energy(L, L, THERMOMETER_K_MIN)
    K = np.where(ground, np.inf, 0.0)
    ok = ~ground & ~hot
    if np.any(ok):
        K[ok] = ising.coupling_from_energy(L, u[ok])
    return float(K) if K.ndim == 0 else K


def read_temperature(configs, L: int) -> Reading:
    """Read the temperature of ensembles of L x L configurations from their mean energy.

    .. math::  T = 1 / K, \\qquad u_L(K) = \\bar u = \\frac{1}{n} \\sum_a E(s^{(a)}) / L^2,

    with ``u_L`` the exact energy of the periodic lattice (Ferdinand & Fisher
    1969, eq. 2.1; :func:`rgdl.ising.coupling_from_energy`). ``configs`` has
    shape ``(..., n, L*L)``; the reading has shape ``(...)``. An ensemble whose
    mean energy is -2 (every configuration a ground state, or within round-off of
    ``u_L(20)``) reads ``T = 0``, ``K = inf``; one with u >= ``u_L(1e-6)`` but within 4
    standard errors of 0 reads ``T = inf``, ``K = 0`` (infinite temperature, up to noise);
    one with u > 0 beyond that raises ``ValueError`` (no positive temperature has it).
    """
    obs = lattice_observables(configs, L)
    u, u_se = np.asarray(obs["u"], dtype=np.float64), np.asarray(obs["u_se"], dtype=np.float64)
    ground = u <= ising.exact_energy(L, L, THERMOMETER_K_MAX)
    hot = u >= ising.exact_energy(L, L, THERMOMETER_K_MIN)
    if np.any(hot & (u > 4.0 * u_se)):
        raise ValueError(f"u = {float(u[hot].max())!r} > 0 beyond 4 standard errors: "
                         "no positive temperature has this mean energy")
    K = np.asarray(coupling_of_energy(L, u), dtype=np.float64)
    ok = ~ground & ~hot
    with np.errstate(divide="ignore"):
        T = np.where(ok, 1.0 / np.where(ok, K, 1.0), np.where(ground, 0.0, np.inf))
    T_se = np.zeros(u.shape)
    if np.any(ok):
        T_se[ok] = u_se[ok] / np.asarray(ising.exact_specific_heat(L, L, K[ok]))
    return Reading(u=u, u_se=u_se, K=K, T=T, T_se=T_se, abs_m=obs["abs_m"],
                   binder=obs["binder"])


def equilibrium_curves(L: int, temperatures, n: int, seed: int = 0) -> dict:
    """|m| and U_4 of equilibrium samples (:func:`rgdl.ising.dataset`) at each temperature.

    Returns ``{"T", "abs_m", "binder"}`` sorted by T, the sampled curves that the
    exact thermometer's reading is cross-checked against.
    """
    L = _side(L)
    T = np.sort(_temperatures("temperatures", temperatures))
    n = validate.positive_int("n", n, maximum=validate.MAX_ELEMENTS)
    validate.elements("n", T.size, n, L * L, itemsize=1)
    seed = validate.positive_int("seed", seed, minimum=0)
    data = np.stack([ising.dataset(L, 1.0 / t, n, seed=seed, progress=False) for t in T])
    obs = lattice_observables(data.reshape(len(T), n, L * L), L)
    return {"T": T, "abs_m": obs["abs_m"], "binder": obs["binder"]}


def crosscheck(reading: Reading, curves: dict) -> dict:
    """Measured minus equilibrium |m| and U_4 at the temperature the energy reads.

    The equilibrium values come from linear interpolation of ``curves``
    (:func:`equilibrium_curves`) at ``reading.T``; both differences are 0 (up to
    noise) for a true equilibrium ensemble, whatever its temperature.
    """
    if not isinstance(reading, Reading):
        raise TypeError(f"reading must be a Reading; got {type(reading).__name__}")
    curves = _curves(curves)
    T = np.clip(reading.T, curves["T"][0], curves["T"][-1])
    return {"abs_m": reading.abs_m - np.interp(T, curves["T"], curves["abs_m"]),
            "binder": reading.binder - np.interp(T, curves["T"], curves["binder"])}


def _curves(curves) -> dict:
    """``curves`` checked: a dict of equal-length finite 1-D arrays T (increasing), abs_m,
    binder."""
    if not isinstance(curves, dict):
        raise TypeError("curves must be a dict from equilibrium_curves; "
                        f"got {type(curves).__name__}")
    missing = [k for k in ("T", "abs_m", "binder") if k not in curves]
    if missing:
        raise ValueError(f"curves lacks the keys {missing}")
    out = {k: validate.real_array(f"curves[{k!r}]", curves[k], ndim=1, min_size=1)
           for k in ("T", "abs_m", "binder")}
    if not len(out["T"]) == len(out["abs_m"]) == len(out["binder"]) or \
            np.any(np.diff(out["T"]) < 0):
        raise ValueError("curves must hold arrays of one length, with T increasing")
    return out


@dataclass
class NeuralThermometer:
    """A trained classifier of temperature (Iso, Shiba & Yokoo 2018, sec. IV).

    ``net`` maps a configuration (N spins) to logits over ``temperatures``; a
    configuration reads ``sum_k softmax_k T_k``. ``accuracy`` is the fraction of
    held-out configurations put in the right class; ``rmse`` the root-mean-square
    error of their read temperature.
    """

    net: torch.nn.Module
    temperatures: np.ndarray
    L: int
    accuracy: float
    rmse: float

    def predict(self, configs) -> np.ndarray:
        """The temperature each configuration reads: shape ``configs.shape[:-1]``."""
        arr = _lattice(configs, self.L)
        x = torch.as_tensor(arr.reshape(-1, self.L * self.L), dtype=torch.float32)
        temps = torch.as_tensor(self.temperatures, dtype=torch.float32)
        with torch.no_grad():
            out = torch.cat([torch.softmax(self.net(xb), dim=1) @ temps
                             for xb in torch.split(x, 65536)])
        return out.double().numpy().reshape(arr.shape[:-1])

    def read(self, configs) -> np.ndarray:
        """The ensemble's temperature: the mean of :meth:`predict` over the second-to-last axis."""
        return self.predict(configs).mean(axis=-1)


def _labelled(L, temperatures, n_per_T, seed):
    x = np.stack([ising.dataset(L, 1.0 / t, n_per_T, seed=seed, progress=False)
                  for t in temperatures]).reshape(-1, L * L)
    y = np.repeat(np.arange(len(temperatures)), n_per_T)
    return torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y)


def _neural_args(L, temperatures, n_per_T, hidden, epochs, lr, heldout, seed):
    """The arguments of :func:`train_neural_thermometer`, checked at the door."""
    from ..rbm.training import MAX_EPOCHS, MAX_LR

    L = _side(L)
    temps = _temperatures("temperatures", temperatures, minimum=2)
    n_per_T = validate.positive_int("n_per_T", n_per_T, minimum=5, maximum=validate.MAX_ELEMENTS)
    validate.elements("n_per_T", temps.size, n_per_T, L * L, itemsize=5)
    hidden = validate.positive_int("hidden", hidden, maximum=MAX_HIDDEN)
    validate.elements("hidden", hidden, L * L + temps.size + 1, itemsize=16)
    epochs = validate.positive_int("epochs", epochs, maximum=MAX_EPOCHS)
    lr = validate.positive_float("lr", lr)
    if lr > MAX_LR:
        raise ValueError(f"lr must be <= {MAX_LR}; got {lr}")
    heldout = validate.positive_float("heldout", heldout)
    if heldout >= 1:
        raise ValueError(f"heldout must lie in (0, 1); got {heldout}")
    seed = validate.positive_int("seed", seed, minimum=0)
    return L, temps, n_per_T, hidden, epochs, lr, heldout, seed


#: Most hidden units of the neural thermometer.
MAX_HIDDEN = 1 << 16


def train_neural_thermometer(L: int, temperatures, n_per_T: int, *, hidden: int = 64,
                             epochs: int = 20, lr: float = 1e-3, heldout: float = 0.2,
                             seed: int = 0) -> NeuralThermometer:
    """Train a one-hidden-layer classifier of temperature on labelled equilibrium samples.

    ``n_per_T`` configurations at each temperature come from
    :func:`rgdl.ising.dataset` with data seed ``seed``; a fraction ``heldout`` is kept
    out to measure accuracy. The network ``N -> hidden (ReLU) -> len(temperatures)``
    is trained by Adam (learning rate ``lr``, batches of 128) on the cross entropy

    .. math::  \\mathcal L = -\\frac{1}{n}\\sum_a \\ln \\mathrm{softmax}_{k_a}(f(s^{(a)})),

    with each batch flipped globally (s -> -s) at random, since the Ising
    temperature does not see the sign. Arguments are checked first: ``hidden <=``
    :data:`MAX_HIDDEN`, ``epochs`` and ``lr`` within :mod:`rgdl.rbm.training`'s
    bounds, ``0 < heldout < 1`` leaving at least one training configuration.
    """
    L, temps, n_per_T, hidden, epochs, lr, heldout, seed = _neural_args(
        L, temperatures, n_per_T, hidden, epochs, lr, heldout, seed)
    x, y = _labelled(L, temps, n_per_T, seed)
    gen = runtime.torch_generator(seed, "cpu")
    perm = torch.randperm(len(y), generator=gen)
    n_test = max(1, int(heldout * len(y)))
    if n_test >= len(y):
        raise ValueError(f"heldout = {heldout} leaves no configuration to train on")
    test, train = perm[:n_test], perm[n_test:]
    torch.manual_seed(int(runtime.rng(seed).integers(0, 2**31)))
    net = torch.nn.Sequential(torch.nn.Linear(L * L, hidden), torch.nn.ReLU(),
                              torch.nn.Linear(hidden, len(temps)))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in range(epochs):
        order = train[torch.randperm(len(train), generator=gen)]
        for idx in torch.split(order, 128):
            sign = torch.where(torch.rand(len(idx), 1, generator=gen) < 0.5, -1.0, 1.0)
            loss = torch.nn.functional.cross_entropy(net(x[idx] * sign), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        logits = net(x[test])
        acc = float((logits.argmax(1) == y[test]).double().mean())
        read = (torch.softmax(logits, 1) @ torch.as_tensor(temps, dtype=torch.float32)).double()
        rmse = float(((read - torch.as_tensor(temps)[y[test]]) ** 2).mean().sqrt())
    return NeuralThermometer(net=net, temperatures=temps, L=L, accuracy=acc, rmse=rmse)


def ring_correlation(N: int, K):
    """Nearest-neighbour correlation of the periodic N-spin ring at coupling K (exact).

    .. math::  \\langle s_i s_{i+1} \\rangle = \\frac{t + t^{N-1}}{1 + t^N}, \\qquad t = \\tanh K,

    from the transfer matrix with eigenvalues ``2 cosh K`` and ``2 sinh K``. For an odd
    ring with K < 0 (frustrated) numerator and denominator both vanish as t -> -1; they
    are then computed from ``e = 1 - |t| = 2 / (1 + e^{2|K|})`` in log space, with the
    limit ``-(N - 2) / N`` (one broken bond) once e underflows. K must be finite.
    """
    N = validate.positive_int("N", N, minimum=3, maximum=MAX_RING)
    K = validate.real_array("K", K)
    t = np.tanh(K)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = (t + t ** (N - 1)) / (1.0 + t ** N)
    frustrated = (K < 0) & (N % 2 == 1)
    if np.any(frustrated):
        g = np.where(frustrated, _frustrated_ring(N, np.abs(K)), g)
    return float(g) if g.ndim == 0 else g


#: Largest ring of the ring thermometer.
MAX_RING = 1 << 40


def _frustrated_ring(N: int, k: np.ndarray) -> np.ndarray:
    """``(t + t^{N-1}) / (1 + t^N)`` at t = -tanh k, N odd, without cancellation."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = 2.0 / (1.0 + np.exp(2.0 * k))                            # 1 - tanh k, accurately
        log_a = np.log1p(-e)
        g = (1.0 - e) * np.expm1((N - 2) * log_a) / -np.expm1(N * log_a)
    return np.where(e > 0, g, -(N - 2) / N)


def ring_coupling_from_correlation(N: int, g):
    """The coupling K > 0 of the N-spin ring whose nearest-neighbour correlation is g.

    Inverts :func:`ring_correlation` (increasing in t = tanh K on (0, 1)) by 100
    bisection steps in t, vectorised; g must lie in (0, 1), else ``ValueError``.
    """
    N = validate.positive_int("N", N, minimum=3, maximum=MAX_RING)
    target = validate.real_array("g", g)
    if np.any(target <= 0) or np.any(target >= 1):
        raise ValueError(f"g must lie in (0, 1) (a ferromagnetic ring); got {g!r}")
    lo, hi = np.zeros_like(target), np.ones_like(target)
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        below = (mid + mid ** (N - 1)) / (1.0 + mid ** N) < target
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    K = np.arctanh(0.5 * (lo + hi))
    return float(K) if np.ndim(g) == 0 else K
