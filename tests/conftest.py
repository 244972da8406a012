"""Shared fixtures: every chapter executed once per session at smoke scale."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rgdl.book import chapters

REPO = Path(__file__).resolve().parent.parent

# Tests never depend on a reader's cache: data sets go to a per-session folder.
os.environ.setdefault("RGDL_CACHE", str(REPO / ".cache" / "test"))


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory):
    """``smoke_run(name)`` -> path of the chapter executed at smoke scale (run at most once)."""
    out = tmp_path_factory.mktemp("smoke")
    done: dict[str, Path] = {}
    failures: dict[str, str] = {}

    def run(name: str) -> Path:
        if name in failures:
            pytest.fail(failures[name])
        if name not in done:
            (chapter,) = chapters.select([name], REPO)
            try:
                done[name] = chapters.execute(chapter, "smoke", out / f"{name}.ipynb")
            except chapters.ChapterFailed as err:
                failures[name] = str(err)
                pytest.fail(str(err))
        return done[name]

    return run


def _damage(path: Path, how: str) -> None:
    """Damage a written file the ways a disk, a crash or a person can."""
    from rgdl.core import io

    raw = bytearray(path.read_bytes())
    if how == "truncate":
        path.write_bytes(bytes(raw[: len(raw) // 2]))
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(os.urandom(len(raw)))
    elif how == "flip":
        raw[len(raw) // 2] ^= 0x01
        path.write_bytes(bytes(raw))
    elif how == "no_sidecar":
        io.sidecar(path).unlink()
    elif how == "bad_sidecar":
        io.sidecar(path).write_text("{not json")
    else:
        raise ValueError(f"how: unknown damage {how!r}")


@pytest.fixture
def damage():
    """``damage(path, how)`` with how in truncate, empty, garbage, flip, no_sidecar, bad_sidecar."""
    return _damage
