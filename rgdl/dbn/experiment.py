"""The Mehta-Schwab block-spin experiment: Ising data, a trained DBN, how local its fields are.

Every measurement chapter 5 makes is a function here returning a small dataclass:

- :func:`experiment`: one run end to end (data from :func:`rgdl.ising.dataset`, a
  stack from :func:`rgdl.dbn.train`, receptive fields measured with
  :mod:`rgdl.dbn.locality`) -> :class:`BlockSpinRun`;
- :func:`ensemble`: the main run and its controls over several seeds, trained side by
  side (:func:`rgdl.core.runtime.side_by_side`) -> :class:`Ensemble`;
- :func:`locality_table`: locality per layer of one run -> :class:`LocalityTable`;
- :func:`control_table`: locality ratios of every run of an ensemble, mean and
  standard error over seeds -> :class:`ControlTable`;
- :func:`reconstruction_flow`: observables of top-down reconstructions beside the
  block-spin flow of the same data (:func:`rgdl.ising.block_flow`) -> :class:`ReconstructionFlow`;
- :func:`free_energy_gaps`: held-out minus training free energy per layer -> :class:`FreeEnergyGaps`;
- :func:`layer_localization`: the locality measurement alone.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import ising
from ..core import runtime
from ..core.io import cache_dir
from ..core.validate import boolean, positive_float, positive_int, torch_device
from ..rbm.replicas import SHARED_FIELDS
from . import locality
from .replicas import train_replicas
from .stack import (DBN, MAX_STEPS, MAX_UNITS, PAPER_SIZES, _per_layer,
                    _source_hash, spins_to_units, train, units_to_spins)

#: Epochs between the training checkpoints of a cached run (unless ``settings`` name
#: ``checkpoint_every``): each checkpoint is two fsync'ed atomic writes, which cost more
#: than a small layer's epoch; resuming is bit-identical from any epoch.
CACHE_CHECKPOINT_EVERY = 10

#: Largest seed (``seed + 1_000_003`` must stay a valid seed for the site permutation).
_MAX_SEED = 2**63 - 1


def _check_seed(name: str, seed) -> int:
    return positive_int(name, seed, minimum=0, maximum=_MAX_SEED)

__all__ = ["experiment", "layer_localization", "ensemble", "locality_table", "control_table",
           "reconstruction_flow", "free_energy_gaps", "BlockSpinRun", "Ensemble",
           "LocalityTable", "ControlTable", "ReconstructionFlow", "FreeEnergyGaps"]


def layer_localization(dbn: DBN, *, power=1.0, window=None, permutation=None,
                       baseline_seed=0, L=None) -> list[dict]:
    """How local the effective receptive fields of each layer are, against shuffled baselines.

    For layer ``l`` the fields ``r^(l)`` (columns, optionally moved back to the
    true lattice by ``permutation``, see :func:`rgdl.dbn.locality.unpermute`) are
    measured with :func:`rgdl.dbn.locality.localization`, and so are the same fields
    with their values placed at random sites (:func:`rgdl.dbn.locality.shuffled_fields`,
    equal sparsity).

    Returns one dict per layer: ``power`` (the weights exponent), ``radius`` and
    ``baseline_radius`` (arrays, one entry per unit), their medians and quartiles
    (``median``, ``q25``, ``q75``, ``baseline_median``...), and the window fractions
    when ``window`` (an int, or one int per layer) is given.
    """
    if not isinstance(dbn, DBN):
        raise TypeError(f"dbn must be a DBN; got {type(dbn).__name__}")
    baseline_seed = _check_seed("baseline_seed", baseline_seed)
    power = positive_float("power", power)
    windows = _per_layer("window", window, dbn.n_layers)
    windows = [None if w is None else positive_int(f"window[{i}]" if isinstance(window, (
        list, tuple)) else "window", w, maximum=MAX_UNITS) for i, w in enumerate(windows)]
    out = []
    for i, r in enumerate(dbn.receptive_fields()):
        cols = r.numpy()
        if permutation is not None:
            cols = locality.unpermute(cols, permutation)
        images = locality.as_images(cols, L)
        loc = locality.localization(images, power=power, window=windows[i])
        base = locality.localization(locality.shuffled_fields(images, seed=baseline_seed + i),
                                     power=power, window=windows[i])
        entry = {"layer": i + 1, "power": power, "images": images, "radius": loc["radius"],
                 "center": loc["center"], "baseline_radius": base["radius"]}
        for key, values in (("", loc["radius"]), ("baseline_", base["radius"])):
            entry[key + "median"] = float(np.median(values))
            q25, q75 = np.quantile(values, [0.25, 0.75])
            entry[key + "q25"], entry[key + "q75"] = float(q25), float(q75)
        if windows[i] is not None:
            entry["window"] = windows[i]
            entry["window_fraction"] = loc["window_fraction"]
            entry["baseline_window_fraction"] = base["window_fraction"]
            entry["window_median"] = float(np.median(loc["window_fraction"]))
            entry["baseline_window_median"] = float(np.median(base["window_fraction"]))
        out.append(entry)
    return out


@dataclass
class BlockSpinRun:
    """One trained network of the block-spin experiment (returned by :func:`experiment`).

    ``heldout_spins`` are the held-out +/-1 configurations on the true lattice,
    ``heldout`` the same rows as the 0/1 units the network saw (site-shuffled
    when ``permutation`` is set); ``data`` summarises all ``n_train + n_heldout``
    configurations: ``n``, ``n_eff`` (:func:`rgdl.ising.effective_sample_size`),
    ``nn`` (mean nearest-neighbour correlation) and ``abs_m``.
    """

    dbn: DBN
    L: int
    K: float | tuple
    seed: int
    data_seed: int
    heldout_spins: np.ndarray
    heldout: torch.Tensor
    permutation: np.ndarray | None
    info: dict
    data: dict
    localization: list
    seconds: float

    @property
    def ratios(self) -> np.ndarray:
        """Locality ratio per layer: median R_g of the fields / median R_g of their shuffled twins."""
        return np.array([e["median"] / e["baseline_median"] for e in self.localization])


def experiment(L, K, n_train, n_heldout=500, *, sizes=PAPER_SIZES, shuffle_sites=False,
               data_seed=0, seed=0, power=2.0, windows=None, cache=True, progress=True,
               device=None, **settings) -> BlockSpinRun:
    """One run of the block-spin experiment: Ising data -> DBN -> localization per layer.

    Draws ``n_train + n_heldout`` configurations from :func:`rgdl.ising.dataset`
    (L x L, coupling K, seed ``data_seed``; the last ``n_heldout`` are held out),
    optionally moves the sites by a fixed random permutation (``shuffle_sites``;
    by the permutation equivariance of the trainer, ``tests/test_training_symmetry.py``,
    this only relabels the network), trains a DBN with :func:`train`
    (``settings``: its hyperparameters, the paper's by default, and seed ``seed``),
    and measures its effective receptive fields with :func:`layer_localization`
    on the true lattice (fields un-permuted), weights ``|r|^power``.

    With ``cache`` the layers are checkpointed under
    ``rgdl.core.io.cache_dir()/dbn/<key>``, the key a hash of every argument and of
    the training code, so a rerun loads them and an interrupted run resumes (from
    a checkpoint every :data:`CACHE_CHECKPOINT_EVERY` epochs by default); a
    damaged cached layer (failing its hash sidecar) is reported in one
    ``RuntimeWarning``, moved aside and retrained. ``cache=False`` neither reads
    nor writes any cache, the Ising data set's included.
    Returns a :class:`BlockSpinRun` (``seconds``: wall time of data and training).
    """
    n_train, n_heldout, seed, power = _check_experiment_args(
        L, n_train, n_heldout, sizes, shuffle_sites, data_seed, seed, power, windows, cache,
        progress)
    t0 = time.perf_counter()
    prep = _prepare(L, K, n_train, n_heldout, sizes, shuffle_sites, data_seed, seed, cache,
                    progress, settings)
    folder = _cache_folder(prep["spec"]) if cache else None
    net = train(prep["x"][:n_train], sizes, heldout=prep["x"][n_train:], seed=seed,
                checkpoint_dir=folder, progress=progress, device=device, corrupt="regenerate",
                **prep["settings"])
    return _measure(prep, net, power, windows, time.perf_counter() - t0)


def _prepare(L, K, n_train, n_heldout, sizes, shuffle_sites, data_seed, seed, cache, progress,
             settings) -> dict:
    """The data of one run (Ising configurations, units, site permutation) and its cache spec
    (``None`` without ``cache``)."""
    configs, info = ising.dataset(L, K, n_train + n_heldout, seed=data_seed, cache=cache,
                                  progress=progress, return_info=True)
    ess = ising.effective_sample_size(configs, chains=info.get("chains", 1))
    data = {"n": int(ess["n"]), "n_eff": float(ess["n_eff"]),
            "nn": float(ising.nn_correlation(configs).mean()),
            "abs_m": float(ising.abs_magnetization(configs).mean())}
    x = spins_to_units(configs)
    permutation = None
    if shuffle_sites:
        permutation = runtime.rng(seed + 1_000_003).permutation(L * L)
        x = x[:, torch.as_tensor(permutation)]
    spec = None
    if cache:
        spec = {"L": L, "K": _coupling_key(K), "n": [n_train, n_heldout], "sizes": list(sizes),
                "shuffle": bool(shuffle_sites), "data_seed": data_seed, "seed": seed,
                "settings": {k: settings[k] for k in sorted(settings)}, "code": _source_hash()}
        settings = {"checkpoint_every": CACHE_CHECKPOINT_EVERY, **settings}
    return {"L": L, "K": _coupling(K), "seed": seed, "data_seed": data_seed,
            "n_train": n_train, "configs": configs, "info": info, "data": data, "x": x,
            "permutation": permutation, "spec": spec, "settings": settings}


def _cache_folder(spec: dict, group: str | None = None):
    """``cache_dir()/dbn/<key>``, the key a hash of the run's spec (and of its replica group)."""
    text = json.dumps(spec if group is None else {**spec, "replica_group": group},
                      sort_keys=True, default=str)
    return cache_dir() / "dbn" / hashlib.sha256(text.encode()).hexdigest()[:20]


def _measure(prep: dict, net: DBN, power: float, windows, seconds: float) -> BlockSpinRun:
    """The :class:`BlockSpinRun` of a trained network: fields measured on the true lattice."""
    L, n_train, seed = prep["L"], prep["n_train"], prep["seed"]
    loc = layer_localization(net, power=power, window=windows, permutation=prep["permutation"],
                             baseline_seed=seed, L=L)
    return BlockSpinRun(dbn=net, L=L, K=prep["K"], seed=seed, data_seed=prep["data_seed"],
                        heldout_spins=prep["configs"][n_train:], heldout=prep["x"][n_train:],
                        permutation=prep["permutation"], info=prep["info"], data=prep["data"],
                        localization=loc, seconds=seconds)


def _coupling(K):
    """``K`` as a float, or as a tuple of two floats for anisotropic couplings."""
    return tuple(float(k) for k in K) if isinstance(K, tuple) else float(K)


def _coupling_key(K):
    """The cache-key text of ``K``: unchanged for a float, one text per axis for a pair."""
    return [repr(float(k)) for k in K] if isinstance(K, tuple) else repr(float(K))


def _check_experiment_args(L, n_train, n_heldout, sizes, shuffle_sites, data_seed, seed, power,
                           windows, cache, progress):
    """The arguments of :func:`experiment` checked before any data are drawn."""
    positive_int("L", L, minimum=2, maximum=4096)
    n_train = positive_int("n_train", n_train, maximum=MAX_STEPS)
    n_heldout = positive_int("n_heldout", n_heldout, maximum=MAX_STEPS)
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a sequence of ints; got {type(sizes).__name__}")
    if len(sizes) == 0:
        raise ValueError("sizes must name at least one hidden layer")
    for i, w in enumerate(_per_layer("windows", windows, len(sizes))):
        if w is not None:
            positive_int(f"windows[{i}]" if isinstance(windows, (list, tuple)) else "windows",
                         w, maximum=L)
    boolean("shuffle_sites", shuffle_sites)
    boolean("cache", cache)
    boolean("progress", progress)
    _check_seed("data_seed", data_seed)
    return n_train, n_heldout, _check_seed("seed", seed), positive_float("power", power)


# ------------------------------------------------------------------------------ ensembles
@dataclass
class Ensemble:
    """Named runs over seeds: ``runs[name][i]`` is run ``name`` with the ``i``-th seed pair.

    Replica ``i`` of every name uses training seed ``seeds[i]`` and data seed
    ``data_seeds[i]``, so runs of different names at the same K and index see
    the same data (paired comparisons). ``seconds`` is the wall time of the whole ensemble.
    """

    runs: dict
    seeds: list
    data_seeds: list
    seconds: float

    @property
    def names(self) -> list:
        return list(self.runs)

    def ratios(self, name: str) -> np.ndarray:
        """Locality ratios of run ``name``, shape (n_seeds, n_layers)."""
        if name not in self.runs:
            raise ValueError(f"name must be one of {self.names}; got {name!r}")
        return np.array([r.ratios for r in self.runs[name]])


def ensemble(L, K, n_train, n_heldout, *, jobs=None, seeds=(0,), data_seeds=None, workers=None,
             replicas=None, **common) -> Ensemble:
    """Train the main run and its controls for every seed, as replicas or side by side.

    Parameters
    ----------
    L, K, n_train, n_heldout : as for :func:`experiment`.
    jobs : dict name -> dict of changes
        Each named run is :func:`experiment` with ``common`` updated by its changes
        (e.g. ``{"main": {}, "no_l1": {"l1": 0.0}, "k02": {"K": 0.2}}``); default ``{"main": {}}``.
    seeds : sequence of int
        Training seed of each replica (at least one).
    data_seeds : sequence of int, optional
        Data seed of each replica; default ``0, 1, 2, ...``.
    workers : passed to :func:`rgdl.core.runtime.side_by_side` (default one per core) when
        ``replicas`` is false.
    replicas : bool, optional
        Train every set of networks that can share a batched loop (same lattice, sizes,
        samples and loop settings, e.g. all jobs that differ in ``K`` or a penalty) together
        with :func:`rgdl.dbn.train_replicas`; otherwise each run is :func:`experiment`,
        several side by side. Default: replicas on a CUDA device, where they remove the
        per-update launch overhead, side by side on the CPU, where a stack of large
        weight matrices no longer fits the caches and batched products are slower than
        one process per core (``benchmarks/README.md``). Replica ``r`` equals its run
        trained alone to round-off in float64 and statistically in float32; its last bits
        depend on the set it was trained in, so a replica set is cached as a unit (a
        different ensemble trains anew).
    **common : keyword arguments of :func:`experiment` shared by every run.

    Returns
    -------
    Ensemble
    """
    jobs = {"main": {}} if jobs is None else jobs
    if not isinstance(jobs, dict) or not jobs or not all(isinstance(v, dict) for v in jobs.values()):
        raise TypeError("jobs must be a non-empty dict name -> dict of changes")
    for name, value in (("seeds", seeds), ("data_seeds", data_seeds)):
        if (value is not None or name == "seeds") and (isinstance(value, (str, bytes, dict))
                                                       or not hasattr(value, "__iter__")):
            raise TypeError(f"{name} must be a sequence of ints; got {type(value).__name__}")
    seeds = [_check_seed(f"seeds[{i}]", s) for i, s in enumerate(seeds)]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    data_seeds = list(range(len(seeds))) if data_seeds is None else [
        _check_seed(f"data_seeds[{i}]", s) for i, s in enumerate(data_seeds)]
    if workers is not None:
        workers = positive_int("workers", workers, maximum=1024)
    if replicas is None:
        device = common.get("device")
        device = runtime.device(prefer_cuda=True) if device is None else torch_device(
            "device", device)
        replicas = device.type == "cuda"
    replicas = boolean("replicas", replicas)
    if len(data_seeds) != len(seeds):
        raise ValueError(f"data_seeds has {len(data_seeds)} entries; seeds has {len(seeds)}")
    t0 = time.perf_counter()
    calls = {}
    for i, (s, d) in enumerate(zip(seeds, data_seeds)):
        for name, changes in jobs.items():
            kw = {**common, "K": K, **changes}
            calls[(name, i)] = dict(kw, L=L, n_train=n_train, n_heldout=n_heldout, seed=s,
                                    data_seed=d)
    if replicas:
        done = _replica_runs(calls)
        runs = {name: [done[(name, i)] for i in range(len(seeds))] for name in jobs}
    else:
        pool, futures = runtime.side_by_side(experiment, {f"{n}/{i}": kw for (n, i), kw in
                                                          calls.items()}, workers=workers)
        try:
            runs = {name: [futures[f"{name}/{i}"].result() for i in range(len(seeds))]
                    for name in jobs}
        finally:
            pool.shutdown()
    return Ensemble(runs=runs, seeds=seeds, data_seeds=data_seeds,
                    seconds=time.perf_counter() - t0)


#: The named arguments of :func:`experiment` and their defaults (the rest are settings).
_EXPERIMENT_ARGS = {name: p.default for name, p in inspect.signature(experiment).parameters.items()
                    if p.kind is not inspect.Parameter.VAR_KEYWORD}


def _replica_runs(calls: dict) -> dict:
    """Every call of an ensemble (``key -> experiment kwargs``) trained in replica sets."""
    groups, preps = {}, {}
    for key, kw in calls.items():
        a = {**_EXPERIMENT_ARGS, **{k: v for k, v in kw.items() if k in _EXPERIMENT_ARGS}}
        settings = {k: v for k, v in kw.items() if k not in _EXPERIMENT_ARGS}
        a["n_train"], a["n_heldout"], a["seed"], a["power"] = _check_experiment_args(
            a["L"], a["n_train"], a["n_heldout"], a["sizes"], a["shuffle_sites"], a["data_seed"],
            a["seed"], a["power"], a["windows"], a["cache"], a["progress"])
        t0 = time.perf_counter()
        preps[key] = (a, _prepare(a["L"], a["K"], a["n_train"], a["n_heldout"], a["sizes"],
                                  a["shuffle_sites"], a["data_seed"], a["seed"], a["cache"],
                                  a["progress"], settings), time.perf_counter() - t0)
        shared = {k: repr(settings.get(k)) for k in (*SHARED_FIELDS, "matmul_dtype")}
        group = json.dumps([a["L"], a["n_train"], a["n_heldout"], list(a["sizes"]),
                            str(a["device"]), a["cache"], a["progress"], shared],
                           sort_keys=True, default=str)
        groups.setdefault(group, []).append(key)
    out = {}
    for members in groups.values():
        a0 = preps[members[0]][0]
        dirs = None
        if a0["cache"]:
            specs = sorted(json.dumps(preps[k][1]["spec"], sort_keys=True, default=str)
                           for k in members)
            signature = hashlib.sha256(json.dumps(specs).encode()).hexdigest()[:20]
            dirs = [_cache_folder(preps[k][1]["spec"], signature) for k in members]
        t0 = time.perf_counter()
        nets = train_replicas(
            [preps[k][1]["x"][:a0["n_train"]] for k in members], a0["sizes"],
            seeds=[preps[k][0]["seed"] for k in members],
            settings=[preps[k][1]["settings"] for k in members],
            heldout=[preps[k][1]["x"][a0["n_train"]:] for k in members],
            checkpoint_dirs=dirs, device=a0["device"], progress=a0["progress"],
            corrupt="regenerate")
        share = (time.perf_counter() - t0) / len(members)
        for k, net in zip(members, nets):
            a, prep, data_seconds = preps[k]
            out[k] = _measure(prep, net, a["power"], a["windows"], data_seconds + share)
    return out


def _mean_se(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over axis 0 and its standard error (0 for a single seed)."""
    n = x.shape[0]
    sd = x.std(axis=0, ddof=1) if n > 1 else np.zeros(x.shape[1:])
    return x.mean(axis=0), sd / np.sqrt(n)


# ------------------------------------------------------------------------------- tables
@dataclass
class LocalityTable:
    """Locality of one run's receptive fields, one entry per layer (index 0 = layer 1).

    ``median``, ``q25``, ``q75``: radius of gyration (weights ``|r|^power``) of
    the fields; ``baseline_median``: of the same fields shuffled; ``ratio`` =
    median / baseline median (below 1: more local than equal sparsity alone gives);
    ``window_median`` and ``baseline_window_median`` (NaN-free; absent windows
    give empty arrays); ``core_median``: median radius with weights ``|r|^core_power``,
    the size of each field's main peak.
    """

    median: np.ndarray
    q25: np.ndarray
    q75: np.ndarray
    baseline_median: np.ndarray
    ratio: np.ndarray
    core_median: np.ndarray
    window_median: np.ndarray = field(default_factory=lambda: np.zeros(0))
    baseline_window_median: np.ndarray = field(default_factory=lambda: np.zeros(0))


def locality_table(run: BlockSpinRun, *, core_power=8.0) -> LocalityTable:
    """The per-layer locality numbers of ``run`` (see :class:`LocalityTable`).

    The ratio is :math:`\\mathrm{median}_j R_g(r_j) / \\mathrm{median}_j R_g(\\pi_j r_j)`,
    ``pi_j`` a random permutation of the sites of field ``j``
    (:func:`rgdl.dbn.locality.shuffled_fields`); the core radius repeats the
    measurement with weights ``|r|^core_power`` (8: only the main peak counts).
    """
    if not isinstance(run, BlockSpinRun):
        raise TypeError(f"run must be a BlockSpinRun; got {type(run).__name__}")
    core_power = positive_float("core_power", core_power)
    if core_power > locality.MAX_POWER:
        raise ValueError(f"core_power must be <= {locality.MAX_POWER:g}; got {core_power:g}")
    core = layer_localization(run.dbn, power=core_power, permutation=run.permutation, L=run.L)
    loc = run.localization

    def col(key):
        return np.array([e[key] for e in loc if key in e], dtype=np.float64)

    return LocalityTable(median=col("median"), q25=col("q25"), q75=col("q75"),
                         baseline_median=col("baseline_median"), ratio=run.ratios,
                         core_median=np.array([e["median"] for e in core]),
                         window_median=col("window_median"),
                         baseline_window_median=col("baseline_window_median"))


@dataclass
class ControlTable:
    """Locality ratios of every named run of an ensemble over its seeds.

    ``samples[name]`` has shape (n_seeds, n_layers); ``mean`` and ``se`` (standard
    error, ``sd / sqrt(n)``) map each name to arrays over layers.
    """

    samples: dict
    mean: dict
    se: dict

    def difference(self, name: str, reference: str = "main") -> np.ndarray:
        """Per-seed (paired) ratio of ``name`` minus ``reference``, shape (n_seeds, n_layers)."""
        for arg, value in (("name", name), ("reference", reference)):
            if value not in self.samples:
                raise ValueError(f"{arg} must be one of {list(self.samples)}; got {value!r}")
        return self.samples[name] - self.samples[reference]


def control_table(ens: Ensemble) -> ControlTable:
    """The :class:`ControlTable` of an :class:`Ensemble`: locality ratio per run, layer and seed."""
    if not isinstance(ens, Ensemble):
        raise TypeError(f"ens must be an Ensemble; got {type(ens).__name__}")
    samples = {name: ens.ratios(name) for name in ens.names}
    stats = {name: _mean_se(x) for name, x in samples.items()}
    return ControlTable(samples=samples, mean={k: v[0] for k, v in stats.items()},
                        se={k: v[1] for k, v in stats.items()})


# -------------------------------------------------------------------- reconstructions
@dataclass
class ReconstructionFlow:
    """Top-down reconstructions of held-out data beside the block-spin flow of the same data.

    ``recon_*[l - 1]``: batch means over reconstructions from layer ``l`` (drawn
    as spins); ``block_*[l]``: over the data after ``l`` majority-rule 2 x 2 steps
    (``l = 0``: the data; block size ``b = 2^l``); ``sign_kept[l - 1]``: fraction
    of configurations whose sign of m survives the trip to layer ``l``.
    """

    recon_abs_m: np.ndarray
    recon_nn: np.ndarray
    sign_kept: np.ndarray
    block_abs_m: np.ndarray
    block_nn: np.ndarray

    @property
    def abs_m_rise(self) -> float:
        """Smallest rise of <|m|> from one layer's reconstructions to the next (> 0: rises)."""
        if len(self.recon_abs_m) < 2:
            raise ValueError("recon_abs_m: abs_m_rise needs reconstructions from >= 2 layers")
        return float(np.diff(self.recon_abs_m).min())

    @property
    def nn_follows_flow(self) -> float:
        """Change of <ss>_nn from the first to the last layer's reconstructions, times the
        sign of the first block-spin step (data -> b = 2): > 0 when both move the same way."""
        return float((self.recon_nn[-1] - self.recon_nn[0])
                     * np.sign(self.block_nn[1] - self.block_nn[0]))

    @property
    def abs_m_gap(self) -> float:
        """``max_l | <|m|>(reconstruction from l) - <|m|>(block spins, b = 2^l) |``."""
        return float(np.abs(self.recon_abs_m - self.block_abs_m[1:]).max())


def reconstruction_flow(run: BlockSpinRun, *, seed=0) -> ReconstructionFlow:
    """Observables of reconstructions from every layer and of the block-spin flow.

    Each held-out row is passed up to layer ``l`` as probabilities and back down
    (:meth:`DBN.reconstruct`); the visible probabilities are drawn as spins with
    seed ``seed + l`` (:func:`units_to_spins`). The block flow is
    :func:`rgdl.ising.block_flow` of the held-out spins (``n_layers`` steps of
    ``b = 2``, tie coins from ``seed``), so level ``l`` has ``b = 2^l`` as in
    Mehta & Schwab's picture of layer ``l``. Needs ``L`` divisible by ``2^n_layers``.
    """
    if not isinstance(run, BlockSpinRun):
        raise TypeError(f"run must be a BlockSpinRun; got {type(run).__name__}")
    seed = _check_seed("seed", seed)
    net, L = run.dbn, run.L
    held_m = ising.magnetization(run.heldout_spins)
    abs_m, nn, kept = [], [], []
    for layer in range(1, net.n_layers + 1):
        p = net.reconstruct(run.heldout, layer).cpu().numpy()
        if run.permutation is not None:
            p = locality.unpermute(p.T, run.permutation).T
        spins = units_to_spins(p, L=L, seed=seed + layer)
        m = ising.magnetization(spins)
        abs_m.append(float(np.abs(m).mean()))
        nn.append(float(ising.nn_correlation(spins).mean()))
        kept.append(float(np.mean(np.sign(m) == np.sign(held_m))))
    flow = ising.block_flow(run.heldout_spins, steps=net.n_layers, seed=seed)
    return ReconstructionFlow(recon_abs_m=np.array(abs_m), recon_nn=np.array(nn),
                              sign_kept=np.array(kept), block_abs_m=np.array(flow.abs_m),
                              block_nn=np.array(flow.nn))


@dataclass
class FreeEnergyGaps:
    """Held-out minus training mean free energy per layer after training (``gap``, in nats),
    and the same relative to ``|F_train|`` (``relative``)."""

    gap: np.ndarray
    relative: np.ndarray


def free_energy_gaps(dbn: DBN) -> FreeEnergyGaps:
    """The free-energy gap of every layer at its last epoch (Hinton 2010, sec. 6).

    ``gap_l = F_heldout - F_train`` with ``F = <H_RBM(v)>`` over the monitored rows;
    positive when the layer assigns its training rows lower free energy (over-fitting).
    Needs a network trained with the ``"free_energy"`` monitor and held-out data.
    """
    if not isinstance(dbn, DBN):
        raise TypeError(f"dbn must be a DBN; got {type(dbn).__name__}")
    curves = dbn.free_energy_curves()
    if any(not c["train"] or not c["heldout"] for c in curves):
        raise ValueError("dbn has no free-energy history (train with heldout= and the "
                         "'free_energy' monitor)")
    train_f = np.array([c["train"][-1] for c in curves])
    gap = np.array([c["heldout"][-1] for c in curves]) - train_f
    return FreeEnergyGaps(gap=gap, relative=gap / np.abs(train_f))
