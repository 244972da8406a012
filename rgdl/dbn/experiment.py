"""The Mehta-Schwab block-spin experiment: Ising data, a trained DBN, how local its fields are.

:func:`experiment` runs it end to end (data from :func:`rgdl.ising.dataset`,
a stack from :func:`rgdl.dbn.train`, receptive fields measured with
:mod:`rgdl.dbn.locality`); :func:`layer_localization` is the measurement alone.
"""

from __future__ import annotations

import hashlib
import json
import time

import numpy as np
import torch

from .. import ising
from ..core import runtime
from ..core.io import cache_dir
from ..core.validate import positive_int
from . import locality
from .stack import PAPER_SIZES, DBN, _per_layer, _source_hash, spins_to_units, train

__all__ = ["experiment", "layer_localization"]


def layer_localization(dbn: DBN, *, power=1.0, window=None, permutation=None,
                       baseline_seed=0, L=None) -> list[dict]:
    """How local the effective receptive fields of each layer are, against shuffled baselines.

    For layer ``l`` the fields ``r^(l)`` (columns, optionally moved back to the
    true lattice by ``permutation``, see :func:`rgdl.dbn.locality.unpermute`) are
    measured with :func:`rgdl.dbn.locality.localization`, and so are the same fields
    with their values placed at random sites (:func:`rgdl.dbn.locality.shuffled_fields`,
    equal sparsity).

    Returns one dict per layer: ``radius`` and ``baseline_radius`` (arrays,
    one entry per unit), their medians and quartiles (``median``, ``q25``,
    ``q75``, ``baseline_median``...), and the window fractions when ``window``
    (an int, or one int per layer) is given.
    """
    out = []
    windows = _per_layer("window", window, dbn.n_layers)
    for i, r in enumerate(dbn.receptive_fields()):
        cols = r.numpy()
        if permutation is not None:
            cols = locality.unpermute(cols, permutation)
        images = locality.as_images(cols, L)
        loc = locality.localization(images, power=power, window=windows[i])
        base = locality.localization(locality.shuffled_fields(images, seed=baseline_seed + i),
                                     power=power, window=windows[i])
        entry = {"layer": i + 1, "images": images, "radius": loc["radius"],
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


def experiment(L, K, n_train, n_heldout=500, *, sizes=PAPER_SIZES, shuffle_sites=False,
               data_seed=0, seed=0, power=2.0, windows=None, cache=True, progress=True,
               device=None, **settings) -> dict:
    """One run of the block-spin experiment: Ising data -> DBN -> localization per layer.

    Draws ``n_train + n_heldout`` configurations from :func:`rgdl.ising.dataset`
    (L x L, coupling K; the last ``n_heldout`` are held out), optionally moves
    the sites by a fixed random permutation (``shuffle_sites``: a control in
    which the lattice geometry is hidden from the network), trains a DBN with
    :func:`train` (``settings``: its hyperparameters, the paper's by default),
    and measures its effective receptive fields with :func:`layer_localization`
    on the true lattice (fields un-permuted), weights ``|r|^power``.

    With ``cache`` the layers are checkpointed under
    ``rgdl.core.io.cache_dir()/dbn/<key>``, the key a hash of every argument and of
    the training code, so a rerun loads them and an interrupted run resumes.

    Returns a dict: ``dbn``, ``configs`` (the +/-1 data, true lattice, train
    rows first), ``train``/``heldout`` (0/1 rows as the network saw them),
    ``permutation`` (or None), ``info`` (sampler), ``localization`` (list per
    layer), ``seconds`` (wall time of data and training).
    """
    n_train = positive_int("n_train", n_train)
    n_heldout = positive_int("n_heldout", n_heldout)
    t0 = time.perf_counter()
    configs, info = ising.dataset(L, K, n_train + n_heldout, seed=data_seed, progress=progress,
                                  return_info=True)
    x = spins_to_units(configs)
    permutation = None
    if shuffle_sites:
        permutation = runtime.rng(seed + 1_000_003).permutation(L * L)
        x = x[:, torch.as_tensor(permutation)]
    folder = None
    if cache:
        spec = {"L": L, "K": repr(float(K)), "n": [n_train, n_heldout], "sizes": list(sizes),
                "shuffle": bool(shuffle_sites), "data_seed": data_seed, "seed": seed,
                "settings": {k: settings[k] for k in sorted(settings)}, "code": _source_hash()}
        text = json.dumps(spec, sort_keys=True, default=str)
        key = hashlib.sha256(text.encode()).hexdigest()[:20]
        folder = cache_dir() / "dbn" / key
    net = train(x[:n_train], sizes, heldout=x[n_train:], seed=seed, checkpoint_dir=folder,
                progress=progress, device=device, **settings)
    seconds = time.perf_counter() - t0
    loc = layer_localization(net, power=power, window=windows, permutation=permutation,
                             baseline_seed=seed, L=L)
    return {"dbn": net, "configs": configs, "train": x[:n_train], "heldout": x[n_train:],
            "permutation": permutation, "info": info, "localization": loc, "seconds": seconds}
