"""Swendsen's Monte Carlo renormalization group: the linearised RG map from correlations.

Write the Hamiltonian of level ``n`` (the lattice after ``n`` block-spin steps)
as ``-H^{(n)} = sum_beta K^{(n)}_beta S^{(n)}_beta`` over the block operators of
:mod:`rgdl.mcrg.operators`. Differentiating ``<S^{(n+1)}_gamma>`` with respect to
``K^{(n)}_beta`` in two ways (directly, and through the couplings of level n+1)
gives Swendsen's equations (Swendsen, PRL 42, 859, 1979, eqs. 4-6),

.. math::
   B_{\\gamma\\beta} = \\frac{\\partial \\langle S^{(n+1)}_\\gamma\\rangle}
                                {\\partial K^{(n)}_\\beta}
       = \\langle S^{(n+1)}_\\gamma S^{(n)}_\\beta\\rangle - \\langle S^{(n+1)}_\\gamma\\rangle
         \\langle S^{(n)}_\\beta\\rangle, \\qquad
   A_{\\gamma\\alpha} = \\frac{\\partial \\langle S^{(n+1)}_\\gamma\\rangle}
                                {\\partial K^{(n+1)}_\\alpha}
       = \\langle S^{(n+1)}_\\gamma S^{(n+1)}_\\alpha\\rangle_c,

   B = A\\,T, \\qquad
   T_{\\alpha\\beta} = \\frac{\\partial K^{(n+1)}_\\alpha}{\\partial K^{(n)}_\\beta}.

At a fixed point the eigenvalues of ``T`` are ``lambda = b^{y}``; the largest
even one gives the thermal exponent ``y_t = 1/nu`` (exactly 1 for the 2D Ising
model) and the largest odd one the magnetic ``y_h`` (15/8). Error bars are
jackknife errors over ``n_bins`` bins of consecutive configurations.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ..core import validate
from .blocking import Rule, as_batch, flow
from .operators import EVEN, ODD, even_operators, odd_operators

__all__ = ["MCRGResult", "linearization", "leading_eigenvalue", "leading_exponent", "eigenvalues",
           "level_eigenvalues"]


#: Largest matrix ``T`` (operators per sector) whose eigenvalues are computed.
MAX_OPERATORS = 2000

#: Smallest eigenvalue of ``A`` (relative to the operators' largest mean square) below
#: which the operators count as linearly dependent (or constant): ``T`` is then undefined.
MIN_SPREAD = 1e-12


def _weights(weights, n):
    if weights is None:
        return np.full(n, 1.0 / n)
    w = validate.real_array("weights", weights)
    if w.shape != (n,) or np.any(w < 0) or not w.sum() > 0:
        raise ValueError(f"weights must be {n} finite non-negative numbers with a positive sum")
    w = w / w.sum()
    if not np.all(np.isfinite(w)):
        raise ValueError("weights: their sum overflows; rescale them")
    return w


def _solve(A, B, scale: float, what: str) -> np.ndarray:
    """``A^{-1} B``; ``ValueError`` naming ``what`` when ``A`` is (numerically) singular,
    its smallest eigenvalue below :data:`MIN_SPREAD` times ``scale`` (the largest mean
    square of the operators)."""
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B)) and np.isfinite(scale)):
        raise ValueError(f"{what}: the operator covariances overflow")
    if not np.linalg.eigvalsh(0.5 * (A + A.T)).min() > MIN_SPREAD * scale:
        raise ValueError(f"{what}: the operators are linearly dependent (or constant) over "
                         "these configurations, so T is undefined; use more configurations, "
                         "larger lattices or fewer operators")
    return np.linalg.solve(A, B)


def linearization(lower, upper, weights=None) -> np.ndarray:
    """``T = A^{-1} B`` from operators of two successive levels (Swendsen 1979, eq. 6).

    Parameters
    ----------
    lower, upper : arrays (n, k): operators ``S^{(n)}`` and ``S^{(n+1)}`` of the same
        n configurations (one row per configuration, one column per operator),
        ``n >= 2``, ``1 <= k <=`` :data:`MAX_OPERATORS`.
    weights : optional (n,) probabilities of the rows (default uniform); with
        the Boltzmann weights of an enumerated ensemble ``T`` is exact.

    Raises ``ValueError`` naming ``upper`` when the operators of ``upper`` are
    linearly dependent over the rows (``A`` singular: no ``T`` exists).
    """
    lo = validate.real_array("lower", lower, ndim=2)
    hi = validate.real_array("upper", upper, ndim=2)
    if hi.shape != lo.shape or lo.shape[0] < 2 or not 1 <= lo.shape[1] <= MAX_OPERATORS:
        raise ValueError(f"lower and upper must be (n, k) arrays of one shape, n >= 2, "
                         f"1 <= k <= {MAX_OPERATORS}; got {lo.shape} and {hi.shape}")
    w = _weights(weights, lo.shape[0])
    scale = float(np.max(w @ hi ** 2))
    lo = lo - w @ lo
    hi = hi - w @ hi
    A = (hi * w[:, None]).T @ hi
    B = (hi * w[:, None]).T @ lo
    return _solve(A, B, scale, "upper")


def _square(T) -> np.ndarray:
    arr = np.atleast_2d(validate.real_array("T", T, ndim=(0, 2)))
    if arr.shape[0] != arr.shape[1] or not 1 <= arr.shape[0] <= MAX_OPERATORS:
        raise ValueError(f"T must be a square matrix, at most {MAX_OPERATORS} x "
                         f"{MAX_OPERATORS}; got shape {np.shape(T)}")
    return arr


def leading_eigenvalue(T) -> float:
    """The real part of the eigenvalue of ``T`` with the largest real part.

    ``T``: a finite square matrix (a scalar counts as 1 x 1).
    """
    lam = np.linalg.eigvals(_square(T))
    return float(lam[np.argmax(lam.real)].real)


def leading_exponent(T, b: int) -> float:
    """``ln(lambda_max) / ln b`` for the eigenvalue of ``T`` with the largest real part.

    Raises ``ValueError`` naming ``T`` if that eigenvalue is not positive (no
    exponent exists); ``b >= 2`` is the block size.
    """
    b = validate.positive_int("b", b, minimum=2)
    top = leading_eigenvalue(T)
    if not top > 0:
        raise ValueError(f"the leading eigenvalue of T is {top:.3g}, not positive: too few "
                         "samples or a rule that does not preserve the critical point")
    return float(np.log(top) / np.log(float(b)))


def _exponent(lam, b):
    """``ln(lam) / ln b``, or ``None`` where ``lam <= 0`` (no exponent exists)."""
    return float(np.log(lam) / np.log(b)) if lam > 0 else None


def _binned_T(lo, hi, n_bins, what):
    """T on all rows and on the n_bins jackknife samples (each leaving one bin out)."""
    scale = float(np.max(np.mean(hi ** 2, axis=0)))
    lo = lo - lo.mean(0)
    hi = hi - hi.mean(0)
    edges = np.linspace(0, lo.shape[0], n_bins + 1).astype(int)
    parts = [(e1 - e0, lo[e0:e1].sum(0), hi[e0:e1].sum(0), hi[e0:e1].T @ hi[e0:e1],
              hi[e0:e1].T @ lo[e0:e1]) for e0, e1 in zip(edges[:-1], edges[1:])]
    total = [sum(p[i] for p in parts) for i in range(5)]

    def solve(n, s_lo, s_hi, hh, hl):
        m_lo, m_hi = s_lo / n, s_hi / n
        A = hh / n - np.outer(m_hi, m_hi)
        B = hl / n - np.outer(m_hi, m_lo)
        return _solve(A, B, scale, what)

    full = solve(*total)
    jack = [solve(*[t - q for t, q in zip(total, p)]) for p in parts]
    return full, jack


def _jackknife(samples):
    samples = np.asarray(samples)
    n = samples.size
    return float(np.sqrt((n - 1) / n * np.sum((samples - samples.mean()) ** 2)))


def _exponents(lo, hi, b, n_bins, what):
    """Leading eigenvalue and exponent (with jackknife errors) and exponents per truncation."""
    full, jack = _binned_T(lo, hi, n_bins, what)
    lam = leading_eigenvalue(full)
    lam_jack = np.array([leading_eigenvalue(t) for t in jack])
    trunc = [_exponent(leading_eigenvalue(linearization(lo[:, :j], hi[:, :j])), b)
             for j in range(1, lo.shape[1])]
    y = _exponent(lam, b)
    if np.all(lam_jack > 0) and lam > 0:
        err = _jackknife(np.log(lam_jack) / np.log(b))
    else:
        err = None
        warnings.warn(f"{what}: leading MCRG eigenvalue {lam:.3g} (or a jackknife one) is not "
                      "positive: no exponent (None)", RuntimeWarning, stacklevel=3)
    return {"y": y, "err": err, "trunc": trunc + [y], "lam": lam, "lam_err": _jackknife(lam_jack)}


@dataclass
class MCRGResult:
    """Exponents per level: ``y_t[l]``, ``y_h[l]`` from the map level l -> l+1 (l = 0, 1, ...).

    ``y_t_err``/``y_h_err`` are jackknife standard errors; ``y_t_trunc[l][k-1]``
    and ``y_h_trunc[l][k-1]`` the values with only the first k operators;
    ``lam_t``/``lam_h`` (errors ``lam_t_err``/``lam_h_err``) the leading
    eigenvalues ``b^y``. Where a leading eigenvalue is not positive the map has
    no exponent there: that ``y`` (and its error) is ``None``, not a number,
    and a ``RuntimeWarning`` says so; where only a jackknife eigenvalue is not
    positive, ``y`` is a number and its error ``None``. The eigenvalues ``lam_*``
    are always numbers.
    """

    rule: str
    b: int
    L: int
    n: int
    y_t: list
    y_t_err: list
    y_h: list
    y_h_err: list
    y_t_trunc: list
    y_h_trunc: list
    lam_t: list
    lam_t_err: list
    lam_h: list
    lam_h_err: list

    def rows(self) -> list[dict]:
        """One dict per level (1-based: level n uses the map from n-1 to n), for tables."""
        return [{"rule": self.rule, "L": self.L, "level": i + 1, "y_t": t, "y_t_err": te,
                 "y_h": h, "y_h_err": he}
                for i, (t, te, h, he) in enumerate(zip(self.y_t, self.y_t_err, self.y_h,
                                                       self.y_h_err))]


def level_eigenvalues(levels, b: int = 2, n_even: int = 3, n_odd: int = 2, n_bins: int = 20,
                      rule: str = "custom") -> MCRGResult:
    """MCRG exponents from an explicit list of levels ``[level0, level1, ...]``.

    ``levels[l]`` is an (n, L/b^l, L/b^l) batch, row i of every level the
    image of the same configuration; any coarse-graining (also a non-local one,
    such as a network's hidden layer placed on a lattice) can be analysed.
    ``rule`` is a label for tables. Raises ``ValueError`` naming the level whose
    operators are linearly dependent over the configurations (too small a
    lattice, too few configurations or too many operators: no ``T`` exists).
    """
    if not isinstance(levels, (list, tuple)) or not 2 <= len(levels) <= 65:
        raise ValueError("levels must be a list of at least two (at most 65) batches")
    b = validate.positive_int("b", b, minimum=2)
    n_even = validate.positive_int("n_even", n_even, maximum=len(EVEN))
    n_odd = validate.positive_int("n_odd", n_odd, maximum=len(ODD))
    n_bins = validate.positive_int("n_bins", n_bins, minimum=2)
    if not isinstance(rule, str):
        raise TypeError(f"rule must be a str (a label); got {type(rule).__name__}")
    batches = [as_batch(x, f"levels[{i}]") for i, x in enumerate(levels)]
    n = batches[0].shape[0]
    if any(x.shape[0] != n for x in batches):
        raise ValueError("levels: every level must hold the same number of configurations")
    for i in range(1, len(batches)):
        if batches[i].shape[1] * b != batches[i - 1].shape[1]:
            raise ValueError(f"levels[{i}] must be b = {b} times smaller than levels[{i - 1}]; "
                             f"got {batches[i].shape[1]} and {batches[i - 1].shape[1]}")
    if n < 2 * n_bins:
        raise ValueError(f"need at least 2 * n_bins = {2 * n_bins} configurations; got {n}")
    even = [even_operators(x, n_even) for x in batches]
    odd = [odd_operators(x, n_odd) for x in batches]
    names = {"y": "y_{}", "err": "y_{}_err", "trunc": "y_{}_trunc", "lam": "lam_{}",
             "lam_err": "lam_{}_err"}
    out = {name.format(s): [] for name in names.values() for s in "th"}
    for lvl in range(1, len(batches)):
        for s, ops, k in (("t", even, f"n_even={n_even}"), ("h", odd, f"n_odd={n_odd}")):
            what = (f"levels[{lvl}] (the {batches[lvl].shape[1]}x{batches[lvl].shape[1]} "
                    f"configs of level {lvl}, {k})")
            res = _exponents(ops[lvl - 1], ops[lvl], b, n_bins, what)
            for key, name in names.items():
                out[name.format(s)].append(res[key])
    return MCRGResult(rule=rule, b=b, L=batches[0].shape[1], n=n, **out)


def eigenvalues(configs, rule="majority", b: int = 2, levels: int = 3, n_even: int = 3,
                n_odd: int = 2, seed: int = 0, n_bins: int = 20) -> MCRGResult:
    """Swendsen's MCRG: ``y_t`` and ``y_h`` per level, with jackknife errors.

    Blocks ``configs`` (n, L, L) ``levels`` times with ``rule`` (see
    :func:`rgdl.mcrg.coarse_grain`), computes the first ``n_even`` even and
    ``n_odd`` odd operators at every level, and solves ``B = A T`` between
    successive levels (Swendsen 1979). ``y = ln(lambda_max) / ln b``; at the 2D
    Ising critical point the exact values are ``y_t = 1`` and ``y_h = 15/8``.

    Examples
    --------
    >>> from rgdl import ising, mcrg
    >>> x = ising.dataset(32, ising.critical_coupling(), 2000, progress=False)  # doctest: +SKIP
    >>> mcrg.eigenvalues(x, levels=2).y_h                                        # doctest: +SKIP
    """
    name = rule.name if isinstance(rule, Rule) else rule
    return level_eigenvalues(flow(configs, rule, b, levels, seed), b, n_even, n_odd, n_bins,
                             rule=str(name))
