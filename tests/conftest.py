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
