"""The network at criticality: Binder cumulants per layer and hidden-hidden correlations.

If a DBN trained at the critical coupling ``K_c`` did what a critical coarse-graining
does, each layer would be another copy of the critical lattice, at a larger scale:

Binder cumulant per layer
    The hidden "magnetization" of layer ``l`` for one configuration is

    .. math::  m_l = \\frac{1}{n_l} \\sum_j \\epsilon_j\\, \\sigma_j,\\qquad
               \\sigma_j = 2 P(h_j = 1 \\mid \\cdot) - 1 \\ \\text{(means) or } 2h_j - 1
               \\ \\text{(samples)},

    and its cumulant ``U = 1 - <m^4> / (3 <m^2>^2)`` (Binder 1981). On the critical
    torus ``U`` takes the universal value ``U* = 0.61069`` as ``L -> infinity``
    (Kamieniarz & Bloete 1993; Salas & Sokal 2000); at finite ``L`` it is shifted by
    corrections to scaling, and majority-rule block spins of a critical configuration
    (:func:`rgdl.ising.observables.block_spin`) stay near it for every ``b``. A layer that
    coarse-grains like a block spin should do the same; 2/3 means ordered, 0 disordered.

    The sign ``epsilon_j``: a 0/1 unit may respond to the spins in its receptive field
    with either sign, and the magnetization of a layer only means something once the
    units agree. We fix it by **the sign of the field's sum**, ``epsilon_j =
    sign(sum_x r_j^(l)(x))`` with ``r^(l) = W^(1) ... W^(l)`` (the effective receptive
    field, Mehta & Schwab App. B): the direction in which the unit's input moves when the
    whole field is turned up (for layer 1 exactly: ``v = (s + 1)/2`` makes the input
    ``const + sum_i W_ij s_i / 2``). A field summing to zero gets ``+1``. This is fixed by
    the weights alone, so the same units keep the same signs for every batch. With
    ``center`` each unit's batch mean is subtracted first (0/1 units carry offsets that
    a Z2-symmetric ensemble does not have).

Hidden-hidden correlations
    The connected correlation coefficient of two units of a layer over the batch,

    .. math::  \\rho_{jk} = \\frac{\\langle \\sigma_j \\sigma_k\\rangle
               - \\langle\\sigma_j\\rangle \\langle\\sigma_k\\rangle}
               {\\sqrt{\\mathrm{var}\\,\\sigma_j\\,\\mathrm{var}\\,\\sigma_k}}
               \\quad(\\text{sign-fixed}),

    binned against the minimum-image distance between the units' receptive-field
    centres (:func:`rgdl.dbn.locality.circular_center`). At ``K_c`` the lattice's
    ``G(r) ~ r^{-eta}`` with ``eta = 1/4``; block spins of a critical configuration keep
    the same decay in units of the block, and :func:`fit_decay` fits the exponent to
    compare.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch

from ..core.validate import boolean, elements, positive_float, positive_int, real_array
from ..ising.observables import block_spin
from . import locality
from .stack import DBN, spins_to_units

__all__ = ["BINDER_STAR", "ETA", "field_signs", "hidden_spins", "unit_magnetization", "binder",
           "layer_binder", "BinderTable", "unit_centres", "torus_distances",
           "binned_correlations", "hidden_correlations", "HiddenCorrelations", "fit_decay",
           "DecayFit"]

#: Binder's cumulant of the square-lattice Ising model at K_c on the infinite torus
#: (Kamieniarz & Bloete, J. Phys. A 26, 201 (1993); Salas & Sokal, J. Stat. Phys. 98, 551 (2000)).
BINDER_STAR = 0.61069

#: The 2D Ising anomalous dimension: ``G(r) ~ r^(-eta)`` at K_c.
ETA = 0.25

#: Units whose variance over the batch is below this are left out of the correlations.
MIN_VARIANCE = 1e-12


def _check_dbn(dbn) -> DBN:
    if not isinstance(dbn, DBN):
        raise TypeError(f"dbn must be a DBN; got {type(dbn).__name__}")
    return dbn


def _configs(configs) -> np.ndarray:
    """+/-1 configurations as an (n, L, L) int8 array (checked)."""
    if configs is None or isinstance(configs, (str, bytes)):
        raise TypeError(f"configs must be an array of +/-1 spins; got {type(configs).__name__}")
    arr = np.asarray(configs.detach().cpu() if hasattr(configs, "detach") else configs)
    if arr.ndim != 3 or arr.shape[0] < 2 or arr.shape[1] != arr.shape[2] or arr.shape[1] < 2:
        raise ValueError(f"configs must have shape (n >= 2, L, L); got {arr.shape}")
    if arr.dtype.kind not in "biuf" or not np.isin(arr, (-1, 1)).all():
        raise ValueError("configs must contain only -1 and +1")
    return arr.astype(np.int8)


def field_signs(dbn) -> list[np.ndarray]:
    """``epsilon_j = sign(sum_x r_j^(l)(x))`` per layer (+1 where the sum is 0), int8 arrays.

    ``r^(l) = W^(1) ... W^(l)`` (:meth:`DBN.receptive_fields`); see the module docstring
    for why this sign aligns a unit with the magnetization of its field.
    """
    dbn = _check_dbn(dbn)
    out = []
    for r in dbn.receptive_fields():
        total = r.sum(0).numpy()
        if not np.all(np.isfinite(total)):
            raise ValueError("dbn: a receptive field is not finite")
        out.append(np.where(total < 0, -1, 1).astype(np.int8))
    return out


def hidden_spins(dbn, configs, *, sample=False, seed=None) -> list[np.ndarray]:
    """Sign-fixed hidden spins ``epsilon_j sigma_j`` of every layer, arrays (n, n_l) in [-1, 1].

    ``sigma_j = 2 P(h_j = 1 | layer below) - 1`` from the mean-field up pass
    (:meth:`DBN.up`), or ``2 h_j - 1`` of a sampled up pass (``sample``, ``seed``).
    """
    dbn = _check_dbn(dbn)
    arr = _configs(configs)
    sample = boolean("sample", sample)
    if arr.shape[1] * arr.shape[2] != dbn.sizes[0]:
        raise ValueError(f"configs has {arr.shape[1] ** 2} spins; the dbn has {dbn.sizes[0]} "
                         "visible units")
    v = spins_to_units(arr)
    if dbn.rbms[0].spins:
        v = 2 * v - 1
    with torch.no_grad():
        acts = dbn.up(v, sample=sample, seed=seed)
    out = []
    for rbm, a, eps in zip(dbn.rbms, acts, field_signs(dbn)):
        a = a.detach().to(torch.float64).cpu().numpy()
        sigma = a if (rbm.spins and sample) else 2.0 * a - 1.0
        out.append(sigma * eps)
    return out


def unit_magnetization(units, signs=None, center=False) -> np.ndarray:
    """``m = (1/n_u) sum_j epsilon_j (sigma_j - c_j)`` per row of ``units`` (n, n_u).

    ``signs``: ``epsilon`` (+/-1 per unit, default all +1); ``center``: ``c_j`` the batch
    mean of unit ``j`` (else 0).
    """
    x = real_array("units", units, ndim=2)
    if x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"units must have at least one row and one column; got {x.shape}")
    if signs is not None:
        s = real_array("signs", signs, ndim=1)
        if s.shape[0] != x.shape[1] or not np.isin(s, (-1, 1)).all():
            raise ValueError(f"signs must hold {x.shape[1]} values of -1 or +1")
        x = x * s
    if boolean("center", center):
        x = x - x.mean(0)
    return x.mean(1)


def binder(m) -> tuple[float, float]:
    """Binder's cumulant of magnetizations ``m`` and its jackknife standard error.

    .. math::  U = 1 - \\frac{\\langle m^4\\rangle}{3\\langle m^2\\rangle^2},\\qquad
               \\sigma_U^2 = \\frac{n-1}{n}\\sum_i (U_{(i)} - \\bar U_{(\\cdot)})^2

    (Binder 1981; Efron's leave-one-out jackknife). ``U = 2/3`` for ``m = +/-const``,
    0 for Gaussian ``m``. The error is ``inf`` if a leave-one-out ``<m^2>`` vanishes.
    """
    m = real_array("m", m, ndim=1)
    n = m.size
    if n < 2:
        raise ValueError(f"m must hold at least two magnetizations; got {n}")
    m2 = m * m
    s2, s4 = m2.sum(), (m2 * m2).sum()
    if s2 <= 0:
        raise ValueError("m: every magnetization is zero, U is undefined")
    u = 1.0 - (s4 / n) / (3.0 * (s2 / n) ** 2)
    loo2 = (s2 - m2) / (n - 1)
    if np.any(loo2 <= 0):
        return float(u), math.inf
    loo = 1.0 - ((s4 - m2 * m2) / (n - 1)) / (3.0 * loo2**2)
    return float(u), float(math.sqrt((n - 1) / n * ((loo - loo.mean()) ** 2).sum()))


@dataclasses.dataclass(frozen=True)
class BinderTable:
    """Binder cumulants of the layers beside those of the lattice and its block spins.

    ``layers[l]``, ``layers_se[l]``: layer ``l + 1``'s hidden magnetization;
    ``lattice``, ``lattice_se``: the configurations themselves (``b = 1``);
    ``blocks[i]``, ``blocks_U[i]``, ``blocks_se[i]``: majority-rule block spins at ``b``;
    ``u_star``: :data:`BINDER_STAR`. Standard errors are jackknife over configurations.
    """

    layers: np.ndarray
    layers_se: np.ndarray
    lattice: float
    lattice_se: float
    blocks: tuple
    blocks_U: np.ndarray
    blocks_se: np.ndarray
    u_star: float
    n_configs: int
    L: int
    sample: bool
    center: bool


def _check_blocks(blocks, L: int) -> tuple:
    if isinstance(blocks, (str, bytes)) or not hasattr(blocks, "__iter__"):
        raise TypeError(f"blocks must be a sequence of ints; got {type(blocks).__name__}")
    out = tuple(positive_int("blocks", b, minimum=2, maximum=L) for b in blocks)
    bad = [b for b in out if L % b]
    if bad:
        raise ValueError(f"blocks {bad} do not divide L = {L}")
    return out


def layer_binder(dbn, configs, *, blocks=(2, 4, 8), sample=False, center=True,
                 seed=None) -> BinderTable:
    """Binder cumulant of every layer's sign-fixed hidden magnetization and of block spins.

    Per layer ``U`` of ``m_l`` (:func:`hidden_spins`, :func:`unit_magnetization`,
    :func:`binder`); beside it ``U`` of the configurations and of their majority-rule
    block spins at each ``b`` in ``blocks`` (:func:`rgdl.ising.observables.block_spin`,
    ties broken by coins from ``seed``), all on the same batch. At ``K_c`` the lattice
    and its blocks sit near ``U* = 0.61069`` (shifted at finite ``L``).

    ``center`` (default) subtracts each unit's (and each site's, each block's) batch mean
    before ``m`` is formed, for every column alike: 0/1 hidden units carry offsets
    (``2p - 1 != 0`` at zero field) that a Z2-symmetric ensemble has not, and an offset
    common to the units makes ``m`` nearly constant and ``U`` tend to 2/3, an "ordered"
    layer that is only a bias. ``center=False`` uses the raw sign-fixed spins.
    """
    arr = _configs(configs)
    L = arr.shape[1]
    blocks = _check_blocks(blocks, L)
    center = boolean("center", center)
    units = hidden_spins(dbn, arr, sample=sample, seed=seed)
    lay = np.array([binder(unit_magnetization(u, center=center)) for u in units])
    lat = binder(unit_magnetization(arr.reshape(arr.shape[0], -1), center=center))
    blk = [binder(unit_magnetization(block_spin(arr, b, seed=seed).reshape(arr.shape[0], -1),
                                     center=center)) for b in blocks]
    blk = np.array(blk).reshape(-1, 2)
    return BinderTable(layers=lay[:, 0], layers_se=lay[:, 1], lattice=lat[0],
                       lattice_se=lat[1], blocks=blocks, blocks_U=blk[:, 0],
                       blocks_se=blk[:, 1], u_star=BINDER_STAR, n_configs=arr.shape[0], L=L,
                       sample=bool(sample), center=center)


# ------------------------------------------------------------- correlations
def unit_centres(dbn, layer, *, power=1.0) -> np.ndarray:
    """Receptive-field centres (row, column) of the units of ``layer``, shape (n_l, 2).

    The circular centre of mass of ``|r^(l)_j|^power`` on the ``L x L`` torus
    (:func:`rgdl.dbn.locality.circular_center`; ``r^(l) = W^(1) ... W^(l)``).
    """
    dbn = _check_dbn(dbn)
    layer = positive_int("layer", layer, maximum=dbn.n_layers)
    L = math.isqrt(dbn.sizes[0])
    if L * L != dbn.sizes[0]:
        raise ValueError(f"dbn: {dbn.sizes[0]} visible units are not an L x L lattice")
    power = positive_float("power", power)
    if power > locality.MAX_POWER:
        raise ValueError(f"power must be <= {locality.MAX_POWER:g}; got {power}")
    images = locality.as_images(dbn.receptive_fields()[layer - 1].numpy(), L)
    try:
        centre, _ = locality.circular_center(images, power)
    except ValueError as err:
        raise ValueError(f"dbn: layer {layer} (power={power:g}): {err}") from None
    return centre


def torus_distances(centres, L) -> np.ndarray:
    """Minimum-image distances between points on the ``L x L`` torus, shape (m, m).

    .. math::  d_{jk} = \\Big(\\sum_{a=1,2} \\min(|x_{ja} - x_{ka}|,\\ L - |x_{ja} - x_{ka}|)^2
               \\Big)^{1/2}

    ``centres`` (m, 2) real coordinates in ``[0, L)``.
    """
    L = positive_int("L", L, maximum=locality.MAX_L)
    c = real_array("centres", centres, ndim=2)
    if c.shape[1] != 2 or c.shape[0] < 1:
        raise ValueError(f"centres must have shape (m >= 1, 2); got {c.shape}")
    if np.any(c < 0) or np.any(c >= L):
        raise ValueError(f"centres must lie in [0, L) = [0, {L})")
    elements("centres", c.shape[0], c.shape[0], 2)
    d = np.abs(c[:, None, :] - c[None, :, :])
    d = np.minimum(d, L - d)
    return np.sqrt((d * d).sum(-1))


@dataclasses.dataclass(frozen=True)
class DecayFit:
    """``C(r) = A r^(-exponent)`` fitted to binned correlations (:func:`fit_decay`)."""

    exponent: float
    stderr: float
    amplitude: float
    n_points: int
    r_min: float
    r_max: float


def fit_decay(r, C, se=None, *, r_min=None, r_max=None) -> DecayFit:
    """Power-law exponent ``p`` of ``C(r) ~ A r^(-p)``, by least squares in ``ln C`` vs ``ln r``.

    .. math::  \\ln C_b = \\ln A - p \\ln r_b,\\qquad
               w_b = (C_b / \\sigma_b)^2 \\ \\ (\\sigma_{\\ln C} = \\sigma_C / C)

    over the bins with ``C > 0`` and ``r_min <= r <= r_max`` (at least three), weighted
    by ``w`` when ``se`` is given (bins with ``se = inf`` get weight 0). The error is the
    usual one of a weighted linear fit, scaled by the residuals (reduced chi^2). To be
    compared with ``eta = 1/4`` (:data:`ETA`) for a critical coarse-graining.
    """
    r = real_array("r", r, ndim=1)
    C = real_array("C", C, ndim=1)
    if C.shape != r.shape:
        raise ValueError(f"C must have the shape of r {r.shape}; got {C.shape}")
    w = np.ones_like(r)
    if se is not None:
        s = real_array("se", se, ndim=1, finite=False)
        if s.shape != r.shape or np.any(np.isnan(s)) or np.any(s < 0):
            raise ValueError(f"se must hold {r.size} values >= 0 (inf allowed)")
        pos = (s > 0) & np.isfinite(s)
        w = np.where(pos, (np.abs(C) / np.where(pos, s, 1.0)) ** 2, 0.0)
        w = np.where(s == 0, w.max() if w.max() > 0 else 1.0, w)  # exact bins: top weight
    lo = 0.0 if r_min is None else positive_float("r_min", r_min, allow_zero=True)
    hi = math.inf if r_max is None else positive_float("r_max", r_max)
    keep = (C > 0) & (r > 0) & (r >= lo) & (r <= hi) & (w > 0)
    if keep.sum() < 3:
        raise ValueError(f"C: only {int(keep.sum())} bins with C > 0 and r in "
                         f"[r_min, r_max]; the fit needs 3")
    x, y, w = np.log(r[keep]), np.log(C[keep]), w[keep] / w[keep].max()
    A = np.stack([np.ones_like(x), x], 1)
    cov = np.linalg.inv(A.T @ (A * w[:, None]))
    beta = cov @ (A.T @ (w * y))
    resid = y - A @ beta
    dof = x.size - 2
    chi2 = float((w * resid**2).sum() / dof) if dof > 0 else 0.0
    return DecayFit(exponent=float(-beta[1]), stderr=float(math.sqrt(cov[1, 1] * chi2)),
                    amplitude=float(math.exp(beta[0])), n_points=int(x.size),
                    r_min=float(r[keep].min()), r_max=float(r[keep].max()))


@dataclasses.dataclass(frozen=True)
class HiddenCorrelations:
    """Pair correlations of units binned by the distance between their centres.

    ``edges`` (n_bins + 1) the bin edges; for the non-empty bins: ``r`` the mean pair
    distance, ``C`` the mean correlation, ``se`` its standard error over the pairs of the
    bin (``inf`` for a single pair; pairs share units, so it is a spread, not an
    independent-sample error), ``counts`` the pairs; ``n_dropped`` units of zero variance
    left out; ``normalized`` whether ``C`` are correlation coefficients.
    """

    edges: np.ndarray
    r: np.ndarray
    C: np.ndarray
    se: np.ndarray
    counts: np.ndarray
    n_units: int
    n_dropped: int
    normalized: bool

    def fit(self, r_min=None, r_max=None) -> DecayFit:
        """:func:`fit_decay` of these bins."""
        return fit_decay(self.r, self.C, self.se, r_min=r_min, r_max=r_max)


def _bins(bins, L: int) -> np.ndarray:
    if bins is None:
        return np.arange(0.0, math.ceil(L / math.sqrt(2.0)) + 1.0)
    e = real_array("bins", bins, ndim=1)
    if e.size < 2 or np.any(np.diff(e) <= 0) or e[0] < 0:
        raise ValueError("bins must be increasing edges >= 0, at least two")
    return e


def binned_correlations(units, centres, L, *, bins=None, normalize=True) -> HiddenCorrelations:
    """Connected pair correlations of ``units`` (n, m) binned by torus distance of ``centres``.

    .. math::  C_{jk} = \\langle \\sigma_j\\sigma_k\\rangle - \\langle\\sigma_j\\rangle
               \\langle\\sigma_k\\rangle \\quad(\\div \\sqrt{\\mathrm{var}_j \\mathrm{var}_k}
               \\text{ with } normalize),\\qquad j < k,

    averaged over the pairs whose distance ``d_jk`` (:func:`torus_distances`) falls in
    ``[edges_b, edges_{b+1})``; default edges ``0, 1, ..., ceil(L / sqrt 2)``. Units with
    variance below :data:`MIN_VARIANCE` are dropped (counted in ``n_dropped``).
    """
    x = real_array("units", units, ndim=2)
    if x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(f"units must have at least two rows and two columns; got {x.shape}")
    L = positive_int("L", L, maximum=locality.MAX_L)
    d = torus_distances(centres, L)
    if d.shape[0] != x.shape[1]:
        raise ValueError(f"centres has {d.shape[0]} rows; units has {x.shape[1]} columns")
    edges = _bins(bins, L)
    normalize = boolean("normalize", normalize)
    xc = x - x.mean(0)
    var = (xc * xc).mean(0)
    live = var > MIN_VARIANCE
    xc, d, var = xc[:, live], d[np.ix_(live, live)], var[live]
    cov = xc.T @ xc / x.shape[0]
    if normalize:
        cov = cov / np.sqrt(np.outer(var, var))
    j, k = np.triu_indices(cov.shape[0], 1)
    dist, c = d[j, k], cov[j, k]
    which = np.digitize(dist, edges) - 1
    ok = (which >= 0) & (which < edges.size - 1)
    n_bins = edges.size - 1
    counts = np.bincount(which[ok], minlength=n_bins)
    sums = np.bincount(which[ok], c[ok], n_bins)
    sq = np.bincount(which[ok], c[ok] ** 2, n_bins)
    rs = np.bincount(which[ok], dist[ok], n_bins)
    full = counts > 0
    n = counts[full]
    mean = sums[full] / n
    var_b = np.maximum(sq[full] / n - mean**2, 0.0)
    se = np.where(n > 1, np.sqrt(var_b / np.maximum(n - 1, 1)), np.inf)
    return HiddenCorrelations(edges=edges, r=rs[full] / n, C=mean, se=se, counts=n,
                              n_units=int(x.shape[1]), n_dropped=int((~live).sum()),
                              normalized=normalize)


def hidden_correlations(dbn, configs, layer, *, bins=None, sample=False, seed=None,
                        power=1.0, normalize=True) -> HiddenCorrelations:
    """Sign-fixed hidden-hidden correlations of ``layer`` against receptive-field distance.

    :func:`hidden_spins` of the batch, :func:`unit_centres` of the layer (``power``) and
    :func:`binned_correlations`; fit with ``.fit(r_min, r_max)`` and compare the exponent
    with ``eta = 1/4``.
    """
    dbn = _check_dbn(dbn)
    layer = positive_int("layer", layer, maximum=dbn.n_layers)
    units = hidden_spins(dbn, configs, sample=sample, seed=seed)[layer - 1]
    centres = unit_centres(dbn, layer, power=power)
    return binned_correlations(units, centres, math.isqrt(dbn.sizes[0]), bins=bins,
                               normalize=normalize)
