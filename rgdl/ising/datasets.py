"""Cached data sets of equilibrium Ising configurations, checked on load.

:func:`dataset` is :func:`rgdl.ising.mc.sample` with a disk cache: the array
is keyed by every parameter and :data:`CODE_VERSION`, written atomically, and
a JSON sidecar holds its SHA-256, so a damaged file is detected and
regenerated, never used.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import numpy as np

from ..core import io as _io
from ..core import validate
from .mc import _check_K, _check_L, resolve_method, sample

#: Bumped whenever a change alters the numbers :func:`dataset` produces.
CODE_VERSION = "ising-2"

__all__ = ["dataset", "dataset_path", "CODE_VERSION"]


def _dataset_key(L, K, n, seed, method):
    params = {"L": L, "K": repr(float(K)), "n": n, "seed": seed, "method": method,
              "version": CODE_VERSION}
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
    return params, digest


def dataset_path(L, K, n, seed=0, method="auto", cache_dir=None) -> Path:
    """Where :func:`dataset` caches its array (a ``.npy`` with a ``.json`` sidecar)."""
    L, K = _check_L(L), _check_K(K)
    method = resolve_method(method, K)
    _, digest = _dataset_key(L, K, n, seed, method)
    folder = Path(cache_dir) if cache_dir is not None else _io.cache_dir() / "ising"
    return folder / f"ising_L{L}_K{K:.6g}_n{n}_seed{seed}_{method}_{digest}.npy"


def _load_cached(path: Path, params: dict, shape):
    """The cached array if its sidecar, checksum, shape and values all check out, else None."""
    meta_path = path.with_suffix(".json")
    if not path.is_file() or not meta_path.is_file():
        return None, None
    try:
        meta = json.loads(meta_path.read_text())
        if meta.get("params") != params:
            raise ValueError("parameters differ")
        if _io.sha256_file(path) != meta.get("sha256"):
            raise ValueError("checksum mismatch")
        arr = np.load(path, allow_pickle=False)
        if arr.shape != tuple(shape) or arr.dtype != np.int8 or np.any(np.abs(arr) != 1):
            raise ValueError("bad shape, dtype or values")
    except (ValueError, OSError, KeyError, TypeError, AttributeError) as err:
        warnings.warn(f"ignoring corrupt Ising cache {path.name} ({err}); regenerating",
                      RuntimeWarning, stacklevel=3)
        return None, None
    return arr, meta.get("info", {})


def dataset(L, K, n, seed=0, method="auto", cache=True, cache_dir=None, progress=True,
            return_info=False):
    """``n`` equilibrium L x L configurations at coupling K, cached on disk.

    The array comes from :func:`sample` (same meaning of ``method``, burn-in and
    thinning from the measured tau_int). The cache file is keyed by every
    parameter and :data:`CODE_VERSION`; it is written atomically
    (:func:`rgdl.core.io.atomic_path`), and a JSON sidecar written after it holds the
    file's SHA-256, so a partial or corrupted file is detected (a
    ``RuntimeWarning`` says so) and regenerated, never used.

    Returns (n, L, L) int8 with values +/-1; with ``return_info`` also the
    sampler's info dict (see :func:`sample`).
    """
    L, K = _check_L(L), _check_K(K)
    n = validate.positive_int("n", n)
    seed = validate.positive_int("seed", seed, minimum=0)
    method = resolve_method(method, K)
    params, _ = _dataset_key(L, K, n, seed, method)
    path = dataset_path(L, K, n, seed, method, cache_dir)
    if cache:
        arr, info = _load_cached(path, params, (n, L, L))
        if arr is not None:
            return (arr, info) if return_info else arr
    arr, info = sample(L, K, n, method=method, seed=seed, progress=progress, return_info=True)
    if cache:
        with _io.atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, arr, allow_pickle=False)
        meta = {"params": params, "sha256": _io.sha256_file(path), "shape": list(arr.shape),
                "info": info}
        _io.atomic_write_text(path.with_suffix(".json"), json.dumps(meta, indent=1, sort_keys=True))
    return (arr, info) if return_info else arr
