"""Find the book's chapters and execute them with papermill.

The table of contents (``_toc.yml``) is the single list of chapters: a chapter
is every ``.ipynb`` it names. :func:`reproduce` runs chapters at a scale and
writes the executed notebooks plus ``results.json``; it backs
``python -m rgdl reproduce``.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from tqdm import tqdm

from . import scales
from ..core.io import atomic_write_text, sha256_file
from .record import read_claims, read_records


def repo_root(start=None) -> Path:
    """The folder holding ``_toc.yml``, searched upwards from ``start``.

    Without ``start``: from the current folder first, then from the package's own
    folder (so ``python -m rgdl`` works anywhere inside a clone).
    """
    starts = [Path(start)] if start else [Path.cwd(), Path(__file__).resolve().parent]
    for here in starts:
        here = here.resolve()
        for folder in (here, *here.parents):
            if (folder / "_toc.yml").is_file():
                return folder
    raise FileNotFoundError(
        f"no _toc.yml found above {starts[0]}; run from a clone of the repository"
    )


def _toc_files(node) -> list[str]:
    files = []
    if isinstance(node, dict):
        for key in ("root", "file"):
            if isinstance(node.get(key), str):
                files.append(node[key])
        for key in ("chapters", "sections", "parts"):
            for child in node.get(key) or []:
                files.extend(_toc_files(child))
    elif isinstance(node, list):
        for child in node:
            files.extend(_toc_files(child))
    return files


@dataclass(frozen=True)
class Chapter:
    """A chapter notebook: ``name`` is its file stem (``00_prelude``)."""

    name: str
    path: Path


def list_chapters(root=None) -> list[Chapter]:
    """The notebook chapters named in ``_toc.yml``, in book order."""
    root = Path(root) if root is not None and (Path(root) / "_toc.yml").is_file() else repo_root(root)
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    chapters = []
    for entry in _toc_files(toc):
        path = root / entry
        if path.suffix == "":
            path = path.with_suffix(".ipynb")
        if path.suffix == ".ipynb" and path.is_file():
            chapters.append(Chapter(path.stem, path))
    return chapters


def select(names, root=None) -> list[Chapter]:
    """Chapters by name (all when ``names`` is empty); unknown names raise ``ValueError``."""
    chapters = list_chapters(root)
    if not names:
        return chapters
    by_name = {c.name: c for c in chapters}
    # also accept the number prefix alone ("00") or a path ("book/00_prelude.ipynb")
    for c in chapters:
        by_name.setdefault(c.name.split("_", 1)[0], c)
    picked, unknown = [], []
    for name in names:
        key = Path(str(name)).stem
        if key in by_name:
            if by_name[key] not in picked:
                picked.append(by_name[key])
        else:
            unknown.append(str(name))
    if unknown:
        raise ValueError(
            f"unknown chapter {', '.join(map(repr, unknown))}; chapters are: "
            + ", ".join(c.name for c in chapters)
        )
    return picked


@contextlib.contextmanager
def _kernel_environment(scale: str):
    """Environment for the chapter's kernel: ``RGDL_SCALE`` set, ``MPLBACKEND`` unset.

    (``MPLBACKEND=Agg`` makes matplotlib drop PNG outputs under papermill.)
    """
    saved = {k: os.environ.get(k) for k in (scales.ENV_VAR, "MPLBACKEND")}
    os.environ[scales.ENV_VAR] = scale
    os.environ.pop("MPLBACKEND", None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class ChapterFailed(RuntimeError):
    """A chapter raised while executing; the message names the chapter and the cell."""


def execute(chapter: Chapter, scale: str, output, *, timeout: float | None = None,
            progress: bool = False) -> Path:
    """Execute ``chapter`` at ``scale`` with papermill and write it to ``output``.

    The kernel is ``python3`` and runs in the chapter's folder. ``timeout`` is
    the per-cell limit in seconds (default :data:`rgdl.book.scales.CELL_TIMEOUT`).
    Raises :class:`ChapterFailed` naming the chapter and the failing cell.
    """
    import papermill as pm

    scale = scales.check_scale(scale)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with _kernel_environment(scale):
        try:
            pm.execute_notebook(
                str(chapter.path), str(output),
                parameters={"scale": scale},
                kernel_name="python3",
                cwd=str(chapter.path.parent),
                execution_timeout=timeout or scales.CELL_TIMEOUT[scale],
                progress_bar=progress,
                log_output=False,
            )
        except pm.PapermillExecutionError as err:
            raise ChapterFailed(
                f"chapter {chapter.name} failed in cell {err.cell_index} "
                f"(execution count {err.exec_count}): {err.ename}: {err.evalue}"
            ) from None
    return output


def reproduce(names=(), scale: str = "book", out="out", *, root=None, force: bool = False,
              timeout: float | None = None) -> dict:
    """Run chapters at ``scale``; write ``out/<chapter>.ipynb`` and ``out/results.json``.

    Everything is validated before anything is written. A chapter already run
    at the same scale from the same source (same SHA-256) is skipped unless
    ``force``, so an interrupted reproduction resumes. Returns the results dict;
    failed chapters carry ``"status": "failed"`` and an ``"error"`` naming the cell.
    """
    scale = scales.check_scale(scale)
    chapters = select(list(names), root)
    out = Path(out)
    results_path = out / "results.json"
    results = {}
    if results_path.is_file():
        with contextlib.suppress(ValueError):
            results = json.loads(results_path.read_text())
    bar = tqdm(chapters, desc=f"chapters ({scale})", unit="chapter")
    for chapter in bar:
        bar.set_postfix_str(chapter.name)
        source_hash = sha256_file(chapter.path)
        target = out / f"{chapter.name}.ipynb"
        old = results.get(chapter.name, {})
        if (not force and target.is_file() and old.get("status") == "ok"
                and old.get("scale") == scale and old.get("source_sha256") == source_hash):
            continue
        start = time.perf_counter()
        entry = {"scale": scale, "source_sha256": source_hash}
        try:
            execute(chapter, scale, target, timeout=timeout)
            entry["status"] = "ok"
        except ChapterFailed as err:
            entry["status"] = "failed"
            entry["error"] = str(err)
        entry["seconds"] = round(time.perf_counter() - start, 2)
        if target.is_file():
            entry["records"] = {k: v for k, v in read_records(target).items()
                                if not k.startswith("claim__")}
            entry["claims"] = read_claims(target)
        results[chapter.name] = entry
        atomic_write_text(results_path, json.dumps(results, indent=2, sort_keys=True) + "\n")
    return results
