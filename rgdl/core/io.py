"""Atomic, checked file writing, for caches, checkpoints and results.

A reader never sees a half-written file: data goes to a temporary file in the
same folder, is flushed and fsync'ed, then renamed over the target
(``os.replace`` is atomic on POSIX and Windows). Files get the user's umask
(0644 by default), and temporary files left behind by a killed run are removed
at the next write into the same folder.

Integrity: :func:`save_checked` writes a torch file and then a sidecar
``<name>.sha256`` holding its hash; :func:`load_checked` refuses a file whose
sidecar is missing or disagrees, or that torch cannot read, with one
:class:`CorruptFileError` line. Caches catch it, move the file aside
(:func:`quarantine`) and regenerate; a user's checkpoint is refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

#: Temporary files older than this (seconds) are taken to be left by a killed run.
STALE_TMP_SECONDS = 600


class CorruptFileError(ValueError):
    """A cached or checkpointed file failed its integrity check (the message is one line)."""


def _umask() -> int:
    old = os.umask(0o022)
    os.umask(old)
    return old


def _remove_stale_tmp(folder: Path) -> None:
    """Delete ``.*.tmp`` files in ``folder`` older than :data:`STALE_TMP_SECONDS`."""
    now = time.time()
    for tmp in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime > STALE_TMP_SECONDS:
                tmp.unlink()


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success rename it to ``path``.

    On an exception the temporary file is removed and ``path`` is untouched.
    The file gets mode ``0666 & ~umask`` (``mkstemp`` alone would give 0600).
    """
    path = _as_path("path", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_tmp(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes; got {type(data).__name__}")
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(data)
    return Path(path)


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str; got {type(text).__name__}")
    return atomic_write_bytes(path, text.encode("utf-8"))


def _as_path(name: str, path) -> Path:
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or os.PathLike; got {type(path).__name__}")
    return Path(path)


def sha256_file(path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes (read ``chunk`` bytes at a time)."""
    path = _as_path("path", path)
    if isinstance(chunk, bool) or not isinstance(chunk, int) or not 1 <= chunk <= 1 << 30:
        raise ValueError(f"chunk must be an int in [1, 2**30]; got {chunk!r}")
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def cache_dir() -> Path:
    """The folder for cached data sets: ``$RGDL_CACHE`` or ``~/.cache/rgdl``."""
    root = os.environ.get("RGDL_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "rgdl"


def sidecar(path) -> Path:
    """The integrity sidecar of ``path``: ``<path>.sha256``."""
    path = _as_path("path", path)
    return path.with_name(path.name + ".sha256")


def save_checked(path, obj) -> Path:
    """``torch.save(obj)`` to ``path`` atomically, then its SHA-256 sidecar (also atomic)."""
    import torch

    path = _as_path("path", path)
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)
    meta = {"sha256": sha256_file(path), "size": path.stat().st_size}
    atomic_write_text(sidecar(path), json.dumps(meta) + "\n")
    return path


def verify(path) -> None:
    """Raise :class:`CorruptFileError` unless ``path`` matches its sidecar."""
    path = _as_path("path", path)
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r}: no such file")
    side = sidecar(path)
    try:
        meta = json.loads(side.read_text())
        expected, size = meta["sha256"], meta["size"]
    except FileNotFoundError:
        raise CorruptFileError(f"{path}: no integrity sidecar {side.name}") from None
    except (ValueError, KeyError, TypeError, OSError):
        raise CorruptFileError(f"{path}: unreadable integrity sidecar {side.name}") from None
    if path.stat().st_size != size or sha256_file(path) != expected:
        raise CorruptFileError(f"{path}: contents do not match {side.name} (damaged or changed)")


def load_checked(path, map_location="cpu"):
    """Verify ``path`` against its sidecar, then ``torch.load(..., weights_only=True)``.

    Raises :class:`CorruptFileError` (one line) for a missing or mismatched sidecar or a
    file torch cannot read; never unpickles arbitrary objects.
    """
    import pickle

    import torch

    path = _as_path("path", path)
    if not (isinstance(map_location, torch.device) or map_location in ("cpu", "cuda")
            or (isinstance(map_location, str) and map_location.startswith("cuda:"))):
        raise ValueError(f"map_location must be 'cpu', 'cuda', 'cuda:N' or a torch.device; "
                         f"got {map_location!r}")
    verify(path)
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except (EOFError, RuntimeError, pickle.UnpicklingError, ValueError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CorruptFileError(f"{path}: cannot be read ({first})") from None


def quarantine(path) -> Path | None:
    """Move a damaged ``path`` (and its sidecar) aside to ``<path>.corrupt``; return the new path."""
    path = _as_path("path", path)
    if not path.exists():
        return None
    target = path.with_name(path.name + ".corrupt")
    os.replace(path, target)
    with contextlib.suppress(FileNotFoundError):
        os.replace(sidecar(path), sidecar(target))
    return target
