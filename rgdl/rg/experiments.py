"""The experiments of chapter 3, each a function that returns a small result.

Every check the chapter makes is one call here: the exactness of the
Mehta-Schwab mapping on random RBMs (:func:`mapping_check`), the decimation of
the ring against its closed form (:func:`decimation_check`), the couplings
majority rule generates (:func:`majority_couplings`), RBMs trained on exact
samples of the ring (:func:`train_ring_rbms`), the trace-condition
counterexample (:func:`trace_counterexample`), the couplings a trained RBM
has learned (:func:`ring_couplings`, summarised over seeds by
:func:`ring_coupling_summary`) and the free energy across its layer
(:func:`layer_free_energy`). All traces are exact sums over states
(:mod:`rgdl.rg.variational`); only the training is random, and every random
function takes a seed.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import chain
from ..core import validate
from ..rbm import RBM, TrainingConfig, fit
from . import couplings as cp
from . import variational as vr

__all__ = [
    "MappingCheck", "mapping_check", "DecimationCheck", "decimation_check",
    "MajorityCouplings", "majority_couplings", "RingRun", "train_ring_rbms",
    "TraceCounterexample", "trace_counterexample", "RingCouplings", "ring_couplings",
    "ring_couplings_table", "RingCouplingSummary", "ring_coupling_summary",
    "LayerFreeEnergy", "layer_free_energy", "free_energy_table",
]


def _seq(name: str, values) -> list:
    """``values`` as a list; ``TypeError`` naming ``name`` unless it is a sequence."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence; got {type(values).__name__}")
    return list(values)


#: Most random RBMs :func:`mapping_check` tests in one call.
MAX_CASES = 10**4


# ------------------------------------------------------------- 1. the mapping
@dataclass(frozen=True)
class MappingCheck:
    """Largest deviations, over random RBMs and random H(v), of the three mapping identities."""

    n_cases: int
    H_rg: float    #: max |H_RG(h) - H_RBM(h)|
    e_T: float     #: max |T - [ln p(h|v) + H(v) - H_RBM(v)]|
    trace: float   #: max |ln Tr_h e^T - (H(v) - H_RBM(v))|


def mapping_check(n_cases: int, seed: int, *, h_scale: float = 3.0) -> MappingCheck:
    """Test the Mehta-Schwab identities on ``n_cases`` random RBMs by brute-force traces.

    .. math::
       \\mathcal{H}^{RG}(h) = \\mathcal{H}^{RBM}(h), \\qquad
       e^{T(v,h)} = p(h|v)\\, e^{\\mathcal{H}(v) - \\mathcal{H}^{RBM}(v)}, \\qquad
       \\ln \\operatorname{Tr}_h e^{T} = \\mathcal{H}(v) - \\mathcal{H}^{RBM}(v)

    for T = -E + H(v) (Mehta & Schwab 2014, eqs. 18-20). Case i has 3-10
    visible and 2-8 hidden units (0/1 for even i, spins for odd i), parameters
    drawn from N(0, 1) and a visible Hamiltonian that is a table of N(0, h_scale^2)
    numbers; :func:`~rgdl.rg.variational.renormalized_hamiltonian` and
    :func:`~rgdl.rg.variational.trace_condition` sum over the states without
    knowing that T came from an RBM.
    """
    n_cases = validate.positive_int("n_cases", n_cases, maximum=MAX_CASES)
    h_scale = validate.positive_float("h_scale", h_scale)
    g = np.random.default_rng(validate.positive_int("seed", seed, minimum=0))
    dev = np.zeros(3)
    for i in range(n_cases):
        n_v, n_h, spins = int(g.integers(3, 11)), int(g.integers(2, 9)), bool(i % 2)
        rbm = RBM(n_v, n_h, spins=spins, dtype=torch.float64, seed=i)
        rbm.W = torch.tensor(g.normal(0, 1, (n_v, n_h)))
        rbm.b, rbm.c = torch.tensor(g.normal(0, 1, n_v)), torch.tensor(g.normal(0, 1, n_h))
        H = g.normal(0, h_scale, 2**n_v)
        T = vr.T_rbm(rbm, H)
        X = H - vr.rbm_visible_hamiltonian(rbm)
        dev = np.maximum(dev, [
            np.max(np.abs(vr.renormalized_hamiltonian(H, T) - vr.rbm_hidden_hamiltonian(rbm))),
            np.max(np.abs(T.table() - (vr.rbm_conditional(rbm) + X[:, None]))),
            np.max(np.abs(vr.trace_condition(T) - X))])
    return MappingCheck(n_cases, *map(float, dev))


# --------------------------------------------------------- 3. decimation
@dataclass(frozen=True)
class DecimationCheck:
    """Largest deviations of the decimated ring from its closed form."""

    K_prime: float      #: max |K'(enumeration) - K'(closed form)| over the coarse bonds
    other: float        #: max |J_S| over S other than {} and the coarse bonds
    constant: float     #: max |J_{} + (N/b) ln A_b(K)|
    recursion: float    #: max |ln Z_N(K) - (N/b) ln A_b(K) - ln Z_{N/b}(K')|


def decimation_check(sizes, couplings, b: int = 2) -> DecimationCheck:
    """Decimate rings of each size in ``sizes`` at each K in ``couplings`` and expand H'.

    .. math::
       \\mathcal{H}'(h) = -\\frac{N}{b} \\ln A_b(K) - K' \\sum_j h_j h_{j+1},
       \\qquad \\tanh K' = \\tanh^b K

    (Kadanoff 1975; for b = 2, K' = (1/2) ln cosh 2K). H' comes from
    :func:`~rgdl.rg.variational.decimate_ring` (enumeration) and its couplings
    from the Walsh-Hadamard transform; the recursion of ln Z is
    :func:`~rgdl.rg.variational.free_energy_recursion`.
    """
    b = validate.positive_int("b", b, minimum=2, maximum=cp.MAX_SPINS // 3)
    sizes = [validate.positive_int("sizes", N, minimum=3 * b, maximum=cp.MAX_SPINS)
             for N in _seq("sizes", sizes)]
    couplings = [validate.finite_float("couplings", K) for K in _seq("couplings", couplings)]
    if any(N % b for N in sizes):
        raise ValueError(f"sizes must be multiples of b = {b}; got {sizes}")
    if not sizes or not couplings:
        raise ValueError("sizes and couplings must be non-empty")
    dev = np.zeros(4)
    for N in sizes:
        n = N // b
        bonds = [cp.subset(i, (i + 1) % n) for i in range(n)]
        for K in couplings:
            J = cp.ising_couplings(vr.decimate_ring(N, K, b))
            rest = J.copy()
            rest[[0] + bonds] = 0.0
            lhs, rhs = vr.free_energy_recursion(N, K, b)
            dev = np.maximum(dev, [np.max(np.abs(-J[bonds] - vr.decimation_coupling(K, b))),
                                   np.max(np.abs(rest)),
                                   abs(J[0] + n * vr.decimation_constant(K, b)), abs(lhs - rhs)])
    return DecimationCheck(*map(float, dev))


# ------------------------------------------------------ 4. majority rule
@dataclass(frozen=True)
class MajorityCouplings:
    """Coupling groups of the majority-rule coarse Hamiltonians of a ring and a torus.

    ``ring[K]`` and ``torus[K]`` are the rows of
    :func:`~rgdl.rg.couplings.group_couplings` (order, extent, count, mean, ...).
    """

    couplings: tuple
    ring_size: int
    ring: dict
    torus: dict
    F_deviation: float  #: max |F_h - F_v| over every K, ring and torus

    def group(self, lattice: str, K: float, order: int, extent: float) -> dict | None:
        """The row of (order, extent) for ``lattice`` ("ring" or "torus") at K, or None."""
        rows = self._rows(lattice, K)
        order = validate.positive_int("order", order)
        extent = validate.positive_float("extent", extent, allow_zero=True)
        return next((r for r in rows if r["order"] == order
                     and abs(r["extent"] - extent) < 1e-6), None)

    def _rows(self, lattice: str, K) -> list:
        rows = getattr(self, validate.one_of("lattice", lattice, ("ring", "torus")))
        if isinstance(K, bool) or not isinstance(K, numbers.Real) or K not in rows:
            raise ValueError(f"K must be one of the couplings {self.couplings}; got {K!r}")
        return rows[K]

    def mean(self, lattice: str, K: float, order: int, extent: float) -> float:
        """Mean coupling of the group (0.0 when the group is absent)."""
        row = self.group(lattice, K, order, extent)
        return 0.0 if row is None else row["mean"]

    def largest(self, lattice: str, K: float, order: int) -> float:
        """Largest |J_S| over all couplings of the given order (0.0 if none)."""
        rows = self._rows(lattice, K)
        order = validate.positive_int("order", order)
        return max([r["max_abs"] for r in rows if r["order"] == order] + [0.0])

    def odd_max(self) -> float:
        """Largest |J_S| of odd order over both lattices and every K (0 by Z2 symmetry)."""
        return max([r["max_abs"] for rows in (self.ring, self.torus) for K in self.couplings
                    for r in rows[K] if r["order"] % 2] + [0.0])

    def table(self) -> str:
        """Mean coupling J_S by order and extent (rows) and K (columns), for both lattices."""
        lines = []
        for lattice, title in (("ring", f"ring of {self.ring_size}, blocks of 3"),
                               ("torus", "4x4 torus, 2x2 blocks")):
            rows = getattr(self, lattice)
            lines.append(f"{title}: mean coupling J_S (H = sum J_S prod s) by order and extent")
            heads = " ".join(f"   K={K:<6}" for K in self.couplings)
            lines.append("  order extent count " + heads)
            for r in rows[self.couplings[-1]]:
                vals = [self.group(lattice, K, r["order"], r["extent"]) for K in self.couplings]
                lines.append(f"  {r['order']:5d} {r['extent']:6.3f} {r['count']:5d} " + " ".join(
                    f"{v['mean']:+10.2e}" if v else f"{'0':>10}" for v in vals))
        return "\n".join(lines)


def majority_couplings(ring_size: int, couplings, *, ring_block: int = 3,
                       torus_size: int = 4, torus_block: int = 2) -> MajorityCouplings:
    """Majority rule on a ring (blocks of ``ring_block``) and a torus, expanded in couplings.

    .. math::
       e^{-\\mathcal{H}'(h)} = \\operatorname{Tr}_v \\prod_{\\text{blocks}}
       t(v_{\\text{block}}, h_{\\text{block}})\\, e^{-\\mathcal{H}(v)}, \\qquad
       t = \\delta(h, \\operatorname{sign} \\textstyle\\sum v)

    with ties split 1/2, 1/2 (Kadanoff's rule), so Tr_h e^T = 1 and the free
    energy is conserved exactly. Couplings are grouped by order and extent
    (ring distance, torus distance of the coarse lattice).
    """
    couplings = tuple(validate.finite_float("couplings", K) for K in _seq("couplings", couplings))
    if not couplings:
        raise ValueError("couplings must be non-empty")
    ring_size = validate.positive_int("ring_size", ring_size, minimum=2, maximum=cp.MAX_SPINS)
    ring_block = validate.positive_int("ring_block", ring_block, maximum=ring_size)
    torus_size = validate.positive_int("torus_size", torus_size, minimum=2, maximum=4)
    torus_block = validate.positive_int("torus_block", torus_block, maximum=torus_size)
    for name, size, block in (("ring_block", ring_size, ring_block),
                              ("torus_block", torus_size, torus_block)):
        if size % block:
            raise ValueError(f"{name} = {block} must divide the lattice size {size}")
    ring, torus, dev = {}, {}, 0.0
    for K in couplings:
        Hr = vr.majority_ring(ring_size, K, b=ring_block)
        Ht = vr.majority_torus(torus_size, K, b=torus_block)
        dev = max(dev, abs(vr.free_energy(Hr) + chain.log_partition(ring_size, K)),
                  abs(vr.free_energy(Ht) - vr.free_energy(vr.torus_hamiltonian(torus_size, K))))
        ring[K] = cp.group_couplings(cp.ising_couplings(Hr), tol=1e-12)
        torus[K] = cp.group_couplings(cp.ising_couplings(Ht),
                                      cp.torus_distance(torus_size // torus_block), tol=1e-12)
    return MajorityCouplings(couplings, int(ring_size), ring, torus, float(dev))


# ------------------------------------------------ 2, 5, 6: trained RBMs
@dataclass
class RingRun:
    """One RBM trained on exact samples of the ring at coupling K."""

    K: float
    arch: str        #: "fully connected" or "local"
    seed: int
    replicate: int   #: index of the seed ensemble this run belongs to
    rbm: RBM
    history: dict = field(repr=False)
    H: np.ndarray = field(repr=False)   #: the ring's Hamiltonian table (0/1 state order)


def train_ring_rbms(n_visible: int, n_hidden: int, couplings, *, n_samples: int, epochs: int,
                    seeds, width: int = 4, **hyperparameters) -> list[RingRun]:
    """Train 0/1 RBMs on exact samples of the ring at each K, fully connected and local.

    For replicate r (seed ``seeds[r]``) and the j-th coupling K, both
    architectures see the same ``n_samples`` exact Boltzmann samples
    (:func:`rgdl.chain.exact_samples`, seed ``seeds[r] + j``, spins mapped to
    u = (1 + s)/2) and start from the same seed; the local RBM's hidden unit j
    sees ``width`` consecutive sites (:func:`~rgdl.rg.variational.ring_receptive_fields`).
    Training is :func:`rgdl.rbm.fit` with ``hyperparameters`` (float64) and the
    exact monitor :func:`~rgdl.rg.variational.vrg_monitor` of

    .. math::
       \\mathrm{KL}(P\\,\\|\\,P_{RBM}), \\qquad \\Delta F = F_h - F_v.
    """
    couplings = [validate.finite_float("couplings", K) for K in _seq("couplings", couplings)]
    seeds = [validate.positive_int("seeds", s, minimum=0) for s in _seq("seeds", seeds)]
    if not couplings or not seeds:
        raise ValueError("couplings and seeds must be non-empty")
    n_visible = validate.positive_int("n_visible", n_visible, minimum=2, maximum=cp.MAX_SPINS)
    n_samples = validate.positive_int("n_samples", n_samples, maximum=1 << 26)
    validate.elements("n_samples * n_visible", n_samples, n_visible)
    TrainingConfig(epochs=epochs, **hyperparameters)  # checks them before any sampling
    masks = {"fully connected": None,
             "local": vr.ring_receptive_fields(n_visible, n_hidden, width=width)}
    runs = []
    for r, base in enumerate(seeds):
        for j, K in enumerate(couplings):
            seed = base + j
            H = vr.ring_hamiltonian(n_visible, K)
            s = chain.exact_samples(n_visible, K, n=n_samples, seed=seed)
            for arch, mask in masks.items():
                rbm = RBM(n_visible, n_hidden, dtype=torch.float64, seed=seed, mask=mask)
                hist = fit(rbm, (s + 1) // 2, epochs=epochs, monitors=(vr.vrg_monitor(H),),
                           seed=seed, progress=False, **hyperparameters)
                runs.append(RingRun(K, arch, seed, r, rbm, hist, H))
    return runs


@dataclass(frozen=True)
class TraceCounterexample:
    """The trace condition of a trained RBM, and Delta F = 0 without it."""

    trace_identity: float   #: max |ln Tr_h e^T - (H(v) - H_RBM(v))|
    kl_identity: float      #: |KL - (ln<e^X>_P - <X>_P)|
    dF_identity: float      #: |Delta F + ln<e^X>_P|
    delta_F: float          #: F_h - F_v for the data Hamiltonian H
    kl: float               #: KL(P || P_RBM)
    shifted_delta_F: float  #: Delta F after H -> H + Delta F (zero by construction)
    spread: float           #: max_v - min_v of ln Tr_h e^T (0 iff X is constant)
    abs_max: float          #: max_v |ln Tr_h e^T| after the shift


def trace_counterexample(rbm, H) -> TraceCounterexample:
    """Check the trace identities on a trained RBM and build the Delta F = 0 counterexample.

    With X(v) = ln Tr_h e^{T(v,h)} and P = e^{-H}/Z_v (Mehta & Schwab 2014, eqs. 7-8):

    .. math::
       X = \\mathcal{H} - \\mathcal{H}^{RBM}(v), \\qquad
       \\Delta F = -\\ln\\langle e^X\\rangle_P, \\qquad
       \\mathrm{KL}(P\\,\\|\\,P_{RBM}) = \\ln\\langle e^X\\rangle_P - \\langle X\\rangle_P .

    Shifting H by the constant Delta F changes no probability and makes
    Delta F = 0, while X keeps its spread over v: the trace condition is
    sufficient for Delta F = 0, not necessary.
    """
    H = cp.hamiltonian_table(H)
    T = vr.T_rbm(rbm, H)
    X = vr.trace_condition(T)
    H_rbm = vr.rbm_visible_hamiltonian(rbm)
    p = np.exp(-H + vr.free_energy(H))
    dF = vr.delta_free_energy(H, T)
    kl = vr.kl_divergence(H, H_rbm)
    log_mean = np.log(np.sum(p * np.exp(X)))
    X0 = vr.trace_condition(vr.T_rbm(rbm, H + dF))
    return TraceCounterexample(
        trace_identity=float(np.max(np.abs(X - (H - H_rbm)))),
        kl_identity=float(abs(kl - (log_mean - np.sum(p * X)))),
        dF_identity=float(abs(dF + log_mean)), delta_F=float(dF), kl=float(kl),
        shifted_delta_F=float(vr.delta_free_energy(H + dF, vr.T_rbm(rbm, H + dF))),
        spread=float(np.max(X0) - np.min(X0)), abs_max=float(np.max(np.abs(X0))))


@dataclass(frozen=True)
class RingCouplings:
    """What one trained RBM has learned, in the couplings of H_RBM(v) and H_RBM(h).

    Pair couplings are read with the ferromagnetic sign (K = -J_S), 0/1 units as
    spins s = 2u - 1, hidden spins in the gauge of :func:`~rgdl.rg.variational.hidden_gauge`.
    """

    K: float
    arch: str
    replicate: int
    kl: float        #: final KL(P || P_RBM)
    kl_first: float  #: KL after the first epoch
    nn_v: float      #: mean visible nearest-neighbour coupling over the bonds
    nn_v_sd: float   #: its standard deviation over the bonds
    far_v: float     #: largest |visible pair coupling| at distance >= 2
    field_v: float   #: largest |visible field|
    many_v: float    #: largest |visible coupling of order >= 3|
    nn_h: float      #: mean hidden coupling of ring neighbours (meaningful for local RBMs)
    nn_h_sd: float
    nn_h_min: float
    far_h: float     #: largest |hidden pair coupling| at ring distance >= 2
    all_h: float     #: mean |hidden pair coupling| over all pairs
    pairs_h: int     #: hidden pairs with |coupling| > 0.05
    K_dec: float     #: decimation K' = (1/2) ln cosh 2K
    K_maj: float     #: nearest-neighbour coupling of the exact b = 2 majority-rule step
    maj_far: float   #: |next-nearest coupling| of that majority-rule step


def _rows_of(name: str, rows, kind) -> list:
    """``rows`` as a non-empty list of ``kind`` results."""
    rows = _seq(name, rows)
    if not rows or not all(isinstance(r, kind) for r in rows):
        raise ValueError(f"{name} must be a non-empty sequence of {kind.__name__}")
    return rows


def _check_run(run) -> None:
    if not isinstance(run, RingRun):
        raise TypeError(f"run must be a RingRun (from train_ring_rbms); got {type(run).__name__}")


def _ring_pairs(P: np.ndarray, distances) -> np.ndarray:
    """Entries P[i, i + d] (indices mod n) for every site i and each d in ``distances``."""
    n = P.shape[0]
    i = np.arange(n)
    parts = [P[i, (i + d) % n] for d in distances]
    return np.concatenate(parts) if parts else np.zeros(0)


def ring_couplings(run: RingRun) -> RingCouplings:
    """Expand a trained ring RBM's two marginal Hamiltonians and compare them with exact RG.

    .. math::
       \\mathcal{H}^{RBM}(v) = \\sum_S J^v_S \\prod_{i\\in S} s_i, \\qquad
       \\mathcal{H}^{RBM}(h) = \\sum_S J^h_S \\prod_{j\\in S} \\sigma_j

    (:func:`~rgdl.rg.variational.rbm_couplings`), set against the chain's
    nearest-neighbour K, decimation's K' = (1/2) ln cosh 2K (Kadanoff 1975) and
    the exact b = 2 majority-rule step of the same ring.
    """
    _check_run(run)
    rbm, K = run.rbm, run.K
    N, n_h = rbm.n_visible, rbm.n_hidden
    if N % 2 or N < 6:
        raise ValueError(f"run: the ring must have an even number >= 6 of sites for the "
                         f"b = 2 majority-rule comparison; got {N}")
    J_v, J_h = vr.rbm_couplings(rbm)
    Pv, Ph = -cp.pair_matrix(J_v), -cp.pair_matrix(J_h)
    nn_v, far_v = _ring_pairs(Pv, [1]), _ring_pairs(Pv, range(2, N // 2 + 1))
    nn_h, far_h = _ring_pairs(Ph, [1]), _ring_pairs(Ph, range(2, n_h // 2 + 1))
    all_h = np.abs(Ph[np.triu_indices(n_h, 1)])
    maj = cp.ising_couplings(vr.block_spin_hamiltonian(run.H, vr.ring_blocks(N, 2), N, "majority"))
    order = cp.popcount(np.arange(J_v.shape[0]))
    return RingCouplings(
        K=K, arch=run.arch, replicate=run.replicate, kl=float(run.history["kl"][-1]),
        kl_first=float(run.history["kl"][0]), nn_v=float(nn_v.mean()), nn_v_sd=float(nn_v.std()),
        far_v=float(np.abs(far_v).max()) if far_v.size else 0.0,
        field_v=float(np.abs(J_v[order == 1]).max()),
        many_v=float(np.abs(J_v[order >= 3]).max()), nn_h=float(nn_h.mean()),
        nn_h_sd=float(nn_h.std()), nn_h_min=float(nn_h.min()),
        far_h=float(np.abs(far_h).max()) if far_h.size else 0.0, all_h=float(all_h.mean()),
        pairs_h=int(np.sum(all_h > 0.05)), K_dec=float(vr.decimation_coupling(K)),
        K_maj=-cp.coupling(maj, 0, 1), maj_far=abs(cp.coupling(maj, 0, 2)))


def ring_couplings_table(rows) -> str:
    """The learned couplings per (K, architecture), averaged over the seeds of the ensemble."""
    rows = _rows_of("rows", rows, RingCouplings)
    groups: dict = {}
    for r in rows:
        groups.setdefault((r.K, r.arch), []).append(r)
    lines = [f"means over {len(next(iter(groups.values()), []))} seeds; visible: nn coupling "
             "(+- sd over bonds), largest |longer-range pair|, |field|, |3+-body|",
             "hidden: nn coupling along the ring (local RBMs), mean |pair|, pairs above 0.05",
             f"{'K':>4} {'RBM':>15} {'KL':>6} | {'K_v nn':>13} {'|far|':>6} {'|field|':>7} "
             f"{'|>=3|':>6} | {'K_h nn':>13} {'mean|J|':>7} {'#>0.05':>6} | {'K_dec':>6} "
             f"{'K_maj':>6} {'|maj far|':>9}"]
    for (K, arch), rr in groups.items():
        m = {f: float(np.mean([getattr(r, f) for r in rr])) for f in RingCouplings.__annotations__
             if f not in ("arch", "replicate")}
        hid = f"{m['nn_h']:6.3f}+-{m['nn_h_sd']:5.3f}" if arch == "local" else f"{'-':>13}"
        lines.append(f"{K:4.1f} {arch:>15} {m['kl']:6.3f} | {m['nn_v']:6.3f}+-{m['nn_v_sd']:5.3f} "
                     f"{m['far_v']:6.3f} {m['field_v']:7.3f} {m['many_v']:6.3f} | {hid} "
                     f"{m['all_h']:7.3f} {m['pairs_h']:6.1f} | {m['K_dec']:6.3f} "
                     f"{m['K_maj']:6.3f} "
                     f"{m['maj_far']:9.4f}")
    return "\n".join(lines)


@dataclass(frozen=True)
class RingCouplingSummary:
    """Per-seed statistics of the trained ring RBMs (for empirical claims) and pooled ranges.

    ``per_seed[name]`` holds one value per replicate (seed ensemble member), each
    taken over that replicate's couplings and architectures; ``records`` are
    ranges over every run, for the prose.
    """

    per_seed: dict
    records: dict


def ring_coupling_summary(rows) -> RingCouplingSummary:
    """Summarise :class:`RingCouplings` rows by replicate (see :class:`RingCouplingSummary`).

    Per seed: the smallest visible nn coupling (``learns_ferromagnet``), the largest
    relative error (K_nn - K)/K (``underestimates_K``), the smallest hidden bond of
    the local RBMs (``hidden_ferromagnetic``), the smallest (K_h - K')/K'
    (``above_decimation``), the smallest (K_h - K') / (K_maj - K'), the hidden
    coupling's place on a scale where decimation is 0 and majority rule 1
    (``majority_position``: > 1/2 when every local RBM is nearer majority rule), the
    smallest |longer-range pair| / nn (``not_pure_nn``) and the largest
    final / first-epoch KL (``kl_improves``).
    """
    rows = _rows_of("rows", rows, RingCouplings)
    reps = sorted({r.replicate for r in rows})
    rel = lambda r: (r.nn_v - r.K) / r.K  # noqa: E731
    far = lambda r: r.far_v / r.nn_v  # noqa: E731
    dec = lambda r: (r.nn_h - r.K_dec) / r.K_dec  # noqa: E731
    maj = lambda r: (r.nn_h - r.K_maj) / r.K_maj  # noqa: E731
    stats = {"learns_ferromagnet": (min, lambda r: r.nn_v, False),
             "underestimates_K": (max, rel, False),
             "hidden_ferromagnetic": (min, lambda r: r.nn_h_min, True),
             "above_decimation": (min, dec, True),
             "majority_position": (min, lambda r: (r.nn_h - r.K_dec) / (r.K_maj - r.K_dec),
                                   True),
             "not_pure_nn": (min, far, False),
             "kl_improves": (max, lambda r: r.kl / r.kl_first, False)}
    per_seed = {name: [float(agg(f(r) for r in rows if r.replicate == rep
                                 and (r.arch == "local" or not local_only))) for rep in reps]
                for name, (agg, f, local_only) in stats.items()}
    loc = [r for r in rows if r.arch == "local"]
    full = [r for r in rows if r.arch != "local"]
    records = {
        "inverse_ising_rel_err_min": min(map(rel, rows)),
        "inverse_ising_rel_err_max": max(map(rel, rows)),
        "inverse_ising_abs_rel_err_mean": float(np.mean([abs(rel(r)) for r in rows])),
        "far_ratio_min": min(map(far, rows)), "far_ratio_max": max(map(far, rows)),
        "hidden_vs_dec_min": min(map(dec, loc)), "hidden_vs_dec_max": max(map(dec, loc)),
        "hidden_spread_mean": float(np.mean([r.nn_h_sd / r.nn_h for r in loc])),
        "hidden_vs_maj_min": min(map(maj, loc)), "hidden_vs_maj_max": max(map(maj, loc)),
        "full_pairs_min": min(r.pairs_h for r in full),
        "full_pairs_max": max(r.pairs_h for r in full),
        "kl_final_min": min(r.kl for r in rows), "kl_final_max": max(r.kl for r in rows)}
    return RingCouplingSummary(per_seed, {k: v if isinstance(v, int) else float(v)
                                          for k, v in records.items()})


# ------------------------------------------------ 6. free energy across a layer
@dataclass(frozen=True)
class LayerFreeEnergy:
    """Free energies on both sides of a trained RBM's layer and of the exact decimation."""

    K: float
    arch: str
    replicate: int
    F_v: float            #: -ln Z_v of the ring, by enumeration
    F_h: float            #: -ln Tr_h e^{-H_RBM(h)} = -ln Z_RBM
    F_coarse: float       #: -ln Z_{N/2}(K'), the decimated chain without its constant
    constant: float       #: (N/2) ln A(K), the constant decimation carries
    recursion_gap: float  #: |F_v + (N/2) ln A(K) + ln Z_{N/2}(K')| (exact: 0)

    @property
    def delta_F(self) -> float:
        """F_h - F_v."""
        return self.F_h - self.F_v


def layer_free_energy(run: RingRun) -> LayerFreeEnergy:
    """F_v, F_h = -ln Z_RBM and the exact decimation's books for one trained ring RBM.

    .. math::
       F_N(K) = -\\tfrac N2 \\ln A(K) + F_{N/2}(K'), \\qquad A(K) = 2\\sqrt{\\cosh 2K}

    with F_N(K) from enumeration of the ring and the right-hand side from
    :func:`~rgdl.rg.variational.free_energy_recursion` (Kadanoff 1975).
    """
    _check_run(run)
    N = run.rbm.n_visible
    F_v = vr.free_energy(run.H)
    _, rhs = vr.free_energy_recursion(N, run.K)
    return LayerFreeEnergy(
        K=run.K, arch=run.arch, replicate=run.replicate, F_v=F_v,
        F_h=vr.free_energy(vr.rbm_hidden_hamiltonian(run.rbm)),
        F_coarse=-chain.log_partition(N // 2, vr.decimation_coupling(run.K)),
        constant=(N // 2) * vr.decimation_constant(run.K), recursion_gap=abs(F_v + rhs))


def free_energy_table(rows, n_visible: int, n_hidden: int) -> str:
    """One line per run: F_v, F_h, their difference, per spin, and the exact decimation's books."""
    rows = _rows_of("rows", rows, LayerFreeEnergy)
    n_visible = validate.positive_int("n_visible", n_visible, minimum=2)
    n_hidden = validate.positive_int("n_hidden", n_hidden)
    lines = [f"{'K':>4} {'RBM':>15} {'F_v':>8} {'F_h':>8} {'dF':>8} {'f_v':>7} {'f_h':>7} | "
             f"{'F_N/2(K)':>9} {'(N/2)lnA':>9} {'f_N/2(K)':>9}"]
    for r in rows:
        lines.append(f"{r.K:4.1f} {r.arch:>15} {r.F_v:8.3f} {r.F_h:8.3f} {r.delta_F:8.3f} "
                     f"{r.F_v / n_visible:7.3f} {r.F_h / n_hidden:7.3f} | {r.F_coarse:9.3f} "
                     f"{r.constant:9.3f} {r.F_coarse / (n_visible // 2):9.3f}")
    return "\n".join(lines)
