"""Cached data sets of equilibrium Ising configurations, checked on load.

:func:`dataset` is :func:`rgdl.ising.mc.sample` with a disk cache: the array
is keyed by every parameter and :data:`CODE_VERSION`, written atomically, and
a JSON sidecar holds its SHA-256 and the SHA-256 of its own other contents,
so a damaged data file or sidecar is detected and regenerated, never used.

``K`` may be a pair ``(K_x, K_y)`` of anisotropic couplings
(:func:`rgdl.ising.mc.check_couplings`); its key holds both couplings, and the
key of a scalar ``K`` (or of a pair with equal entries) is the isotropic one,
unchanged, so data sets cached before pairs existed are still found.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

import numpy as np

from ..core import io as _io
from ..core import validate
from .mc import _check_L, check_couplings, resolve_method, sample

#: Bumped whenever a change alters the numbers :func:`dataset` produces.
CODE_VERSION = "ising-2"

#: Format of the sidecar; sidecars of another format are stale and regenerated quietly.
SIDECAR_FORMAT = 2

__all__ = ["dataset", "dataset_path", "CODE_VERSION"]


def _dataset_key(L, K, n, seed, method):
    if isinstance(K, tuple):     # anisotropic (K_x, K_y): a list, as JSON reads it back
        k = [repr(float(K[0])), repr(float(K[1]))]
    else:
        k = repr(float(K))
    params = {"L": L, "K": k, "n": n, "seed": seed, "method": method, "version": CODE_VERSION}
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
    return params, digest


def _meta_digest(meta: dict) -> str:
    """SHA-256 of a sidecar's contents other than this digest (canonical JSON)."""
    body = {k: v for k, v in meta.items() if k != "meta_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _check_args(L, K, n, seed, method, cache_dir):
    L, K = _check_L(L), check_couplings(K)
    n = validate.positive_int("n", n)
    validate.elements("n * L * L", n, L, L, itemsize=1)
    seed = validate.positive_int("seed", seed, minimum=0)
    method = resolve_method(method, K)
    if cache_dir is not None and (isinstance(cache_dir, bool) or
                                  not isinstance(cache_dir, (str, os.PathLike))):
        raise TypeError(f"cache_dir must be None, a str or a path; got {type(cache_dir).__name__}")
    if isinstance(cache_dir, str) and not cache_dir:
        raise ValueError("cache_dir must not be empty")
    return L, K, n, seed, method


def dataset_path(L, K, n, seed=0, method="auto", cache_dir=None) -> Path:
    """Where :func:`dataset` caches its array (a ``.npy`` with a ``.json`` sidecar)."""
    L, K, n, seed, method = _check_args(L, K, n, seed, method, cache_dir)
    _, digest = _dataset_key(L, K, n, seed, method)
    folder = Path(cache_dir) if cache_dir is not None else _io.cache_dir() / "ising"
    k = f"{K[0]:.6g}x{K[1]:.6g}" if isinstance(K, tuple) else f"{K:.6g}"
    return folder / f"ising_L{L}_K{k}_n{n}_seed{seed}_{method}_{digest}.npy"


def _load_cached(path: Path, params: dict, shape):
    """The cached array if its sidecar, checksums, shape and values all check out, else None."""
    meta_path = path.with_suffix(".json")
    if not path.is_file() or not meta_path.is_file():
        return None, None
    try:
        meta = json.loads(meta_path.read_text())
        if not isinstance(meta, dict):
            raise ValueError("sidecar is not a JSON object")
        if "meta_sha256" not in meta and meta.get("format") is None and "params" in meta:
            return None, None          # an older sidecar format: regenerate quietly
        if meta.get("format") != SIDECAR_FORMAT or meta.get("meta_sha256") != _meta_digest(meta):
            raise ValueError("sidecar checksum mismatch")
        if not isinstance(meta.get("info"), dict):
            raise ValueError("sidecar without sampler info")
        if meta.get("params") != params:
            raise ValueError("parameters differ")
        if _io.sha256_file(path) != meta.get("sha256"):
            raise ValueError("checksum mismatch")
        arr = np.load(path, allow_pickle=False)
        if arr.shape != tuple(shape) or arr.dtype != np.int8 or np.any(np.abs(arr) != 1):
            raise ValueError("bad shape, dtype or values")
    except (ValueError, OSError, KeyError, TypeError, AttributeError, EOFError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        warnings.warn(f"ignoring corrupt Ising cache {path.name} ({first}); regenerating",
                      RuntimeWarning, stacklevel=3)
        return None, None
    return arr, meta["info"]


def dataset(L, K, n, seed=0, method="auto", cache=True, cache_dir=None, progress=True,
            return_info=False):
    """``n`` equilibrium L x L configurations at coupling K, cached on disk.

    ``K`` is a float or a pair ``(K_x, K_y)`` (anisotropic couplings along x,
    the last axis, and y); a pair's file name reads ``K{K_x}x{K_y}``.

    The array comes from :func:`sample` (same meaning of ``method``, burn-in and
    thinning from the measured tau_int). The cache file is keyed by every
    parameter and :data:`CODE_VERSION`; it is written atomically
    (:func:`rgdl.core.io.atomic_path`), and a JSON sidecar written after it holds the
    file's SHA-256, so a partial or corrupted file is detected (a
    ``RuntimeWarning`` says so) and regenerated, never used.

    The sidecar also holds the SHA-256 of its own other contents, so a damaged
    sidecar (e.g. a changed sampler info) is detected as well. ``cache=False``
    neither reads nor writes the cache.

    Returns (n, L, L) int8 with values +/-1; with ``return_info`` also the
    sampler's info dict (see :func:`sample`).
    """
    L, K, n, seed, method = _check_args(L, K, n, seed, method, cache_dir)
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
        meta = {"format": SIDECAR_FORMAT, "params": params, "sha256": _io.sha256_file(path),
                "shape": list(arr.shape), "info": info}
        meta["meta_sha256"] = _meta_digest(meta)
        _io.atomic_write_text(path.with_suffix(".json"), json.dumps(meta, indent=1, sort_keys=True))
    return (arr, info) if return_info else arr
