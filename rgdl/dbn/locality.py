"""How local is a field on the periodic lattice? Centres, radii and window fractions.

Mehta & Schwab (arXiv:1410.3831, Fig. 3 and Appendix B) show the *effective
receptive fields* of a deep belief network trained on 2D Ising configurations
and note, by eye, that they are local blocks that grow with depth. This module
turns "local" into numbers. A field is an array ``r`` on an ``L x L`` torus
(the last two axes of the input); its weight at site ``x`` is

.. math::  w_x = |r_x|^p  \\qquad (p = ``power``, 1 by default).

Radius of gyration on the torus
    On a torus the centre of mass is not defined by the usual formula, so we
    use the definition that survives: the radius of gyration is the smallest
    weighted root-mean-square distance of the field from any centre ``c``,

    .. math::  R_g^2 = \\min_c \\frac{\\sum_x w_x\\, d(x, c)^2}{\\sum_x w_x},

    with ``d`` the minimum-image distance. Because ``d^2 = d_1^2 + d_2^2`` the
    problem splits into one circle per axis, and on a circle of ``L`` sites the
    minimum is attained at the weighted mean of one of the ``L`` ways to cut the
    circle open into a line (cut between sites ``k - 1`` and ``k``): the
    minimum over ``c`` equals the smallest of the ``L`` ordinary weighted
    variances, computed here at once as two ``(..., L) @ (L, L)`` products. In
    flat space this is exactly the usual radius of gyration about the centre of
    mass. Two checks pin it down: a delta field has ``R_g = 0``; a uniform field
    has, per axis, the variance of ``L`` consecutive integers, ``(L^2 - 1)/12``,
    so ``R_g = sqrt((L^2 - 1)/6)`` (16.32 at L = 40), :func:`uniform_radius`.

Circular centre of mass
    :func:`circular_center` gives the direction of the weighted mean resultant
    ``sum_x w_x exp(2 pi i x / L)`` per axis (Mardia & Jupp, *Directional
    Statistics*, sec. 2.2), the usual centre for plots; for a concentrated field it
    agrees with the centre found above, and its resultant length (1 for a
    delta, 0 for a uniform field) is a second, cruder concentration measure.

Window fraction
    :func:`window_fraction` is the largest share of the total weight that a
    ``s x s`` window (placed anywhere, wrapping around) can hold: 1 for a
    field that fits in the window, ``s^2 / L^2`` for a uniform one.

Baselines
    :func:`shuffled_fields` places each field's own values at random sites
    (a random permutation per field): the same distribution of weights, and so
    the same sparsity, with the spatial arrangement destroyed. Comparing a
    learned field's radius with its shuffled twin asks whether locality is in
    the arrangement, not merely in the sparsity that L1 regularisation imposes.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..core import runtime
from ..core.validate import elements, positive_int, real_array

#: Largest lattice side the measures accept (the cut matrices are L x L).
MAX_L = 1 << 14
#: Largest exponent of the weights ``|r|^power`` (beyond it they overflow or vanish).
MAX_POWER = 100.0

__all__ = [
    "as_images", "field_weights", "circular_center", "torus_moments", "radius_of_gyration",
    "uniform_radius", "axis_radii", "window_fraction", "localization", "shuffled_fields",
    "unpermute",
]


def _as_array(fields) -> np.ndarray:
    if hasattr(fields, "detach"):
        fields = fields.detach().cpu().numpy()
    try:
        arr = np.asarray(fields, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("fields must be an array of numbers") from None
    if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2] or arr.shape[-1] < 1 or arr.size == 0:
        raise ValueError(f"fields must have shape (..., L, L); got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("fields contains non-finite values")
    return arr


def _check_power(power) -> float:
    if isinstance(power, bool) or not isinstance(power, numbers.Real):
        raise TypeError(f"power must be a positive number; got {type(power).__name__}")
    if not 0 < power <= MAX_POWER:
        raise ValueError(f"power must be a number in (0, {MAX_POWER:g}]; got {power!r}")
    return float(power)


def as_images(columns, L: int | None = None) -> np.ndarray:
    """Turn receptive fields stored as columns, shape ``(L*L, n_units)``, into ``(n_units, L, L)``.

    Sites are in row-major order (site ``i * L + j`` is row ``i``, column ``j``),
    the order of ``configs.reshape(n, -1)``.
    """
    cols = real_array("columns", columns, ndim=(1, 2), min_size=1)
    if cols.ndim == 1:
        cols = cols[:, None]
    n_sites = cols.shape[0]
    if L is None:
        L = int(round(np.sqrt(n_sites)))
    else:
        L = positive_int("L", L, maximum=MAX_L)
    if L * L != n_sites:
        raise ValueError(f"columns has {n_sites} rows, not L*L for L={L}")
    return np.ascontiguousarray(cols.T.reshape(-1, L, L))


def field_weights(fields, power: float = 1.0) -> np.ndarray:
    """The weights ``w_x = |r_x|^power`` (shape of ``fields``); zero fields raise ``ValueError``."""
    arr = _as_array(fields)
    power = _check_power(power)
    with np.errstate(over="ignore", under="ignore"):
        w = np.abs(arr) ** power
    total = w.sum(axis=(-1, -2))
    if not np.all(np.isfinite(total)):
        raise ValueError(f"power={power:g} makes the weights |r|**power overflow; use a smaller "
                         "power or rescale the fields")
    if np.any(total <= 0):
        if np.any(np.abs(arr).sum(axis=(-1, -2))[total <= 0] > 0):
            raise ValueError(f"power={power:g} makes the weights |r|**power vanish; use a "
                             "smaller power or rescale the fields")
        raise ValueError("fields: every field needs some non-zero weight "
                         "(an all-zero field has no centre)")
    return w


def _marginals(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Normalised weight on each row index and on each column index."""
    total = w.sum(axis=(-1, -2))[..., None]
    return w.sum(axis=-1) / total, w.sum(axis=-2) / total


def circular_center(fields, power: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Circular centre of mass per axis and the mean resultant length.

    ``c_a = L/(2 pi) arg sum_x w_x exp(2 pi i x_a / L)`` (mod L) for axes a = 0, 1
    (Mardia & Jupp, *Directional Statistics*, 2000, ch. 2). Returns ``(centre, R)``,
    shapes ``(..., 2)``:
    ``R = |sum w e^{i theta}| / sum w`` lies in [0, 1] (1: a delta; 0: a uniform
    field, whose centre is then arbitrary).
    """
    w = field_weights(fields, power)
    L = w.shape[-1]
    phase = np.exp(2j * np.pi * np.arange(L) / L)
    centres, lengths = [], []
    for marginal in _marginals(w):
        z = marginal @ phase
        centres.append(np.mod(np.angle(z) * L / (2 * np.pi), L))
        lengths.append(np.abs(z))
    return np.stack(centres, -1), np.stack(lengths, -1)


def torus_moments(marginal) -> tuple[np.ndarray, np.ndarray]:
    """Least weighted variance of a distribution on a circle of ``L`` sites, and its centre.

    For each cut ``k`` the sites are unwrapped to ``p_k(x) = (x - k) mod L``
    (so ``k`` comes first); the weighted variance of ``p_k`` is computed for
    every ``k`` and the smallest returned with its mean mapped back,
    ``c = (k + mean_k) mod L``. This equals ``min_c sum_x w_x d(x, c)^2`` with
    ``d`` the distance around the circle (see the module docstring).

    Parameters
    ----------
    marginal : array (..., L)
        Non-negative weights summing to 1 along the last axis.

    Returns
    -------
    variance, centre : arrays (...,)
    """
    m = real_array("marginal", marginal, min_size=1)
    if m.ndim < 1 or m.shape[-1] > MAX_L:
        raise ValueError(f"marginal must have shape (..., L) with L <= {MAX_L}; got {m.shape}")
    if np.any(m < 0) or not np.allclose(m.sum(axis=-1), 1.0, rtol=0, atol=1e-9):
        raise ValueError("marginal must hold non-negative weights summing to 1 along its last axis")
    L = m.shape[-1]
    elements("marginal", m.size // L, L, 2 * L)
    x = np.arange(L)
    pos = np.mod(x[None, :] - x[:, None], L).astype(np.float64)  # pos[k, x] = p_k(x)
    mean = m @ pos.T  # (..., L): mean of p_k for each cut k
    second = m @ (pos**2).T
    var = np.maximum(second - mean**2, 0.0)
    k = np.argmin(var, axis=-1)
    best_var = np.take_along_axis(var, k[..., None], -1)[..., 0]
    best_mean = np.take_along_axis(mean, k[..., None], -1)[..., 0]
    return best_var, np.mod(k + best_mean, L)


def radius_of_gyration(fields, power: float = 1.0, return_center: bool = False):
    """Weighted radius of gyration of each field on the ``L x L`` torus.

    .. math::  R_g^2 = \\min_c \\sum_x w_x d(x, c)^2 / \\sum_x w_x,
               \\quad w_x = |r_x|^p,

    ``d`` the minimum-image distance; computed exactly, axis by axis, by
    :func:`torus_moments`. A delta field gives 0, a uniform field
    :func:`uniform_radius`. Returns an array of shape ``fields.shape[:-2]``
    (and the centres, shape ``(..., 2)``, if ``return_center``).
    """
    w = field_weights(fields, power)
    (v0, c0), (v1, c1) = (torus_moments(m) for m in _marginals(w))
    radius = np.sqrt(v0 + v1)
    if return_center:
        return radius, np.stack([c0, c1], -1)
    return radius


def axis_radii(fields, power: float = 1.0) -> np.ndarray:
    """Radius of gyration of each field along each axis of the torus.

    .. math::  R_a^2 = \\min_{c_a} \\sum_x w_x\\, d(x_a, c_a)^2 / \\sum_x w_x,
               \\qquad a = y\\ (\\text{axis 0, rows}),\\ x\\ (\\text{axis 1, columns}),

    so that ``R_y^2 + R_x^2 = R_g^2`` (:func:`radius_of_gyration`; the minimum splits
    by axis). Returns shape ``fields.shape[:-2] + (2,)``: ``[..., 0]`` is ``R_y``,
    ``[..., 1]`` is ``R_x``. The ratio ``R_x / R_y`` is a field's aspect ratio: 1 for a
    square block, ``> 1`` for a field stretched along x (the axis
    :func:`rgdl.ising.dataset` couples with ``K_x``).
    """
    w = field_weights(fields, power)
    return np.sqrt(np.stack([torus_moments(m)[0] for m in _marginals(w)], -1))


def uniform_radius(L: int) -> float:
    """Radius of gyration of a uniform field on the ``L x L`` torus: ``sqrt((L^2 - 1) / 6)``.

    Per axis the best cut leaves ``L`` consecutive integers with equal weight,
    whose variance is ``(L^2 - 1) / 12``; the two axes add.
    """
    L = positive_int("L", L)
    return float(np.sqrt((L * L - 1) / 6.0))


def window_fraction(fields, window: int, power: float = 1.0) -> np.ndarray:
    """Largest share of a field's weight inside any ``window x window`` square on the torus.

    .. math::  f = \\max_{a} \\sum_{x \\in S_a} w_x / \\sum_x w_x,

    ``S_a`` the square of side ``window`` with corner ``a`` (wrapping around).
    The box sums come from cumulative sums over a periodically padded copy.
    1 for a field that fits inside the window; ``window^2 / L^2`` for a uniform field.
    """
    w = field_weights(fields, power)
    L = w.shape[-1]
    if isinstance(window, bool) or not isinstance(window, numbers.Integral) or not 1 <= window <= L:
        raise ValueError(f"window must be an int in [1, {L}]; got {window!r}")
    total = w.sum(axis=(-1, -2))
    padded = np.concatenate([w, w[..., : window - 1, :]], axis=-2)
    padded = np.concatenate([padded, padded[..., :, : window - 1]], axis=-1)
    c = np.cumsum(np.cumsum(padded, axis=-2), axis=-1)
    c = np.pad(c, [(0, 0)] * (c.ndim - 2) + [(1, 0), (1, 0)])
    box = (c[..., window:, window:] - c[..., :-window, window:]
           - c[..., window:, :-window] + c[..., :-window, :-window])
    return box.max(axis=(-1, -2)) / total


def localization(fields, power: float = 1.0, window: int | None = None) -> dict:
    """Every locality number of each field at once.

    Returns a dict of arrays: ``radius`` (:func:`radius_of_gyration`),
    ``center`` (its centre, ``(..., 2)``), ``circular_center`` and
    ``resultant`` (:func:`circular_center`), and, when ``window`` is given,
    ``window_fraction`` (:func:`window_fraction`).
    """
    radius, center = radius_of_gyration(fields, power, return_center=True)
    circ, resultant = circular_center(fields, power)
    out = {"radius": radius, "center": center, "circular_center": circ, "resultant": resultant}
    if window is not None:
        out["window_fraction"] = window_fraction(fields, window, power)
    return out


def shuffled_fields(fields, seed=None) -> np.ndarray:
    """Each field's own values moved to random sites (an independent permutation per field).

    The baseline "random field of equal sparsity": the multiset of values, and
    so every sparsity measure, is unchanged; only the arrangement is random.
    """
    arr = _as_array(fields)
    gen = runtime.rng(seed)
    flat = arr.reshape(-1, arr.shape[-1] * arr.shape[-2])
    order = np.argsort(gen.random(flat.shape), axis=1)
    return np.take_along_axis(flat, order, axis=1).reshape(arr.shape)


def unpermute(columns, permutation) -> np.ndarray:
    """Put fields learned on site-shuffled data back on the true lattice.

    If the training data were ``x[:, permutation]`` (visible unit ``j`` saw site
    ``permutation[j]``), a field ``r`` over visible units, shape
    ``(n_sites, ...)``, lives on site ``permutation[j]``: the result ``u``
    has ``u[permutation[j]] = r[j]``.
    """
    real_array("columns", columns, min_size=1)
    if hasattr(columns, "detach"):
        columns = columns.detach().cpu().numpy()
    cols = np.asarray(columns)
    if cols.ndim < 1:
        raise ValueError(f"columns must have shape (n_sites, ...); got {cols.shape}")
    perm = np.asarray(permutation.detach().cpu() if hasattr(permutation, "detach")
                      else permutation)
    if perm.dtype.kind not in "iu":
        raise TypeError(f"permutation must be an array of ints; got dtype {perm.dtype}")
    if perm.ndim != 1 or perm.shape[0] != cols.shape[0] or not np.array_equal(
            np.sort(perm), np.arange(cols.shape[0])):
        raise ValueError(f"permutation must be a permutation of range({cols.shape[0]})")
    out = np.empty_like(cols)
    out[perm] = cols
    return out
