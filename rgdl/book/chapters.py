"""Find the book's chapters and execute them with papermill.

The table of contents (``_toc.yml``) is the single list of chapters: a chapter
is every ``.ipynb`` it names. :func:`reproduce` runs chapters at a scale and
writes the executed notebooks plus ``results.json``; it backs
``python -m rgdl reproduce``.

Robustness: a chapter executes into a hidden temporary notebook that replaces
the output only when the run ends, so an interrupted run never leaves a partial
notebook that looks done; a chapter counts as done only when its entry in
``results.json`` names the same scale, source and notebook hash; entries are
merged into ``results.json`` under a file lock, so concurrent runs into one
folder keep each other's results.
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

from ..core import runtime
from ..core.io import atomic_write_text, sha256_file
from . import scales
from .record import read_claims, read_records


def repo_root(start=None) -> Path:
    """The folder holding ``_toc.yml``, searched upwards from ``start``.

    Without ``start``: from the current folder first, then from the package's own
    folder (so ``python -m rgdl`` works anywhere inside a clone).
    """
    if start is not None:
        start = _folder("start", start)
    starts = [start] if start else [Path.cwd(), Path(__file__).resolve().parent]
    for here in starts:
        here = here.resolve()
        for folder in (here, *here.parents):
            if (folder / "_toc.yml").is_file():
                return folder
    raise FileNotFoundError(
        f"no _toc.yml found above {starts[0]}; run from a clone of the repository"
    )


def _path(name: str, value) -> Path:
    """``value`` as a Path; ``TypeError``/``ValueError`` naming ``name`` if it cannot be one."""
    if isinstance(value, bool) or not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike); got {type(value).__name__}")
    if str(value) == "":
        raise ValueError(f"{name} must not be empty")
    return Path(value)


def _folder(name: str, value) -> Path:
    path = _path(name, value)
    if not path.is_dir():
        raise ValueError(f"{name} {str(path)!r} is not a folder")
    return path


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
    if root is not None:
        root = _folder("root", root)
    root = root if root is not None and (root / "_toc.yml").is_file() else repo_root(root)
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
    """Chapters by name (all when ``names`` is empty); unknown names raise ``ValueError``.

    ``names`` is a list of chapter names (``00_prelude``), number prefixes (``00``) or
    notebook paths; a single string is taken as one name.
    """
    chapters = list_chapters(root)
    if isinstance(names, (str, os.PathLike)):
        names = [names]
    if not isinstance(names, (list, tuple)):
        raise TypeError(f"names must be a list of chapter names; got {type(names).__name__}")
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
            f"names: unknown chapter {', '.join(map(repr, unknown))}; chapters are: "
            + ", ".join(c.name for c in chapters)
        )
    return picked


@contextlib.contextmanager
def _kernel_environment(scale: str, device: str | None):
    """Environment for the chapter's kernel: ``RGDL_SCALE`` (and ``RGDL_DEVICE``) set,
    ``MPLBACKEND`` unset (``MPLBACKEND=Agg`` makes matplotlib drop PNG outputs under papermill)."""
    names = (scales.ENV_VAR, runtime.DEVICE_VAR, "MPLBACKEND")
    saved = {k: os.environ.get(k) for k in names}
    os.environ[scales.ENV_VAR] = scale
    if device is not None:
        os.environ[runtime.DEVICE_VAR] = device
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


def _failed_cell(path: Path):
    """Index of the cell that stopped a partly executed notebook.

    The cell papermill marked running or failed, else (a timed-out cell is
    marked completed after the kernel is interrupted) the last cell it started.
    """
    last = "?"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        for i, cell in enumerate(json.loads(path.read_text())["cells"]):
            meta = cell.get("metadata", {}).get("papermill", {})
            if meta.get("status") in ("running", "failed"):
                return i
            if meta.get("start_time"):
                last = i
    return last


def execute(chapter: Chapter, scale: str, output, *, timeout: float | None = None,
            progress: bool = False, device: str | None = None) -> Path:
    """Execute ``chapter`` at ``scale`` with papermill and write it to ``output``.

    The kernel is ``python3`` and runs in the chapter's folder; ``timeout`` is
    the per-cell limit in seconds (default :data:`rgdl.book.scales.CELL_TIMEOUT`),
    ``device`` sets ``$RGDL_DEVICE`` (see :func:`rgdl.core.runtime.device`).
    The notebook is written to a hidden ``.<name>.partial.ipynb`` file that replaces
    ``output`` when the run ends (finished or failed); an interrupted run leaves
    ``output`` as it was. Raises :class:`ChapterFailed` naming the chapter and cell.
    """
    import papermill as pm

    scale = scales.check_scale(scale)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.stem}.partial{output.suffix}")
    try:
        with _kernel_environment(scale, device):
            pm.execute_notebook(
                str(chapter.path), str(tmp), parameters={"scale": scale},
                kernel_name="python3", cwd=str(chapter.path.parent),
                execution_timeout=timeout or scales.CELL_TIMEOUT[scale],
                progress_bar=progress, log_output=False)
    except pm.PapermillExecutionError as err:
        os.replace(tmp, output)
        raise ChapterFailed(
            f"chapter {chapter.name} failed in cell {err.cell_index} "
            f"(execution count {err.exec_count}): {err.ename}: {err.evalue}") from None
    except Exception as err:  # a cell timeout, a dead kernel
        cell = _failed_cell(tmp)
        if tmp.is_file():
            os.replace(tmp, output)
        text = (str(err).strip().splitlines() or [""])[0]
        raise ChapterFailed(f"chapter {chapter.name} failed in cell {cell}: "
                            f"{type(err).__name__}: {text}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, output)
    return output


def read_results(path) -> dict:
    """The chapters' entries of a ``results.json`` ({} if absent); ``ValueError`` if it is not one."""
    path = _path("path", path)
    if not path.exists():
        return {}
    if not path.is_file():
        raise ValueError(f"path {str(path)!r} is not a file; move it out of the way")
    try:
        results = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError, OSError) as err:
        raise ValueError(f"{path} is not a readable results file ({type(err).__name__}); "
                         "move it out of the way") from None
    if not isinstance(results, dict) or not all(isinstance(v, dict) for v in results.values()):
        raise ValueError(f"{path} does not hold chapter entries; move it out of the way")
    return results


def check_out(out) -> Path:
    """Make ``out`` a writable folder for a reproduction, or raise ``ValueError`` saying why."""
    import tempfile

    out = _path("out", out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".probe."):
            pass
    except OSError as err:
        raise ValueError(f"--out {out} is not writable ({err.strerror or err})") from None
    read_results(out / "results.json")
    return out


@contextlib.contextmanager
def _locked(folder: Path):
    """An exclusive lock on ``folder/.results.lock`` (POSIX ``flock``) for the block."""
    import fcntl

    with open(folder / ".results.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _merge(results_path: Path, name: str, entry: dict) -> dict:
    """Put ``entry`` under ``name`` in ``results.json`` (re-read under the lock) and write it."""
    with _locked(results_path.parent):
        results = read_results(results_path)
        results[name] = entry
        atomic_write_text(results_path, json.dumps(results, indent=2, sort_keys=True) + "\n")
    return results


def _is_done(target: Path, entry: dict, scale: str, source_hash: str) -> bool:
    return (target.is_file() and entry.get("status") == "ok" and entry.get("scale") == scale
            and entry.get("source_sha256") == source_hash
            and entry.get("notebook_sha256") == sha256_file(target))


def _run_one(chapter: Chapter, scale: str, out: Path, timeout, device) -> dict:
    start = time.perf_counter()
    target = out / f"{chapter.name}.ipynb"
    entry = {"scale": scale, "source_sha256": sha256_file(chapter.path)}
    try:
        execute(chapter, scale, target, timeout=timeout, device=device)
        entry["status"] = "ok"
    except ChapterFailed as err:
        entry["status"] = "failed"
        entry["error"] = str(err)
    entry["seconds"] = round(time.perf_counter() - start, 2)
    if target.is_file():
        entry["notebook_sha256"] = sha256_file(target)
        entry["records"] = {k: v for k, v in read_records(target).items()
                            if not k.startswith("claim__")}
        entry["claims"] = read_claims(target)
    return entry


def reproduce(names=(), scale: str = "book", out="out", *, root=None, force: bool = False,
              timeout: float | None = None, device: str | None = None,
              record: bool = False) -> dict:
    """Run chapters at ``scale``; write ``out/<chapter>.ipynb`` and ``out/results.json``.

    Everything is validated before anything is written. A chapter already run
    at the same scale from the same source into the same notebook (hashes
    recorded in ``results.json``) is skipped unless ``force``, so an
    interrupted reproduction resumes. With ``record``, each chapter that ran
    writes ``results/<scale>/<chapter>.json`` in the repository
    (:func:`rgdl.book.reproductions.write_record`) with the git commit and dirty flag
    read before the first chapter starts. Returns the results dict;
    failed chapters carry ``"status": "failed"`` and an ``"error"`` naming the cell.
    """
    scale = scales.check_scale(scale)
    if device is not None:
        runtime.device_choice("device", device)
    chapters = select(list(names), root)
    out = check_out(out)
    results_path = out / "results.json"
    results = read_results(results_path)
    if record:  # the code that runs is the code of now, not of when the run ends
        from .reproductions import source_state

        git = source_state(repo_root(root))
    bar = tqdm(chapters, desc=f"chapters ({scale})", unit="chapter")
    for chapter in bar:
        bar.set_postfix_str(chapter.name)
        target = out / f"{chapter.name}.ipynb"
        if not force and _is_done(target, results.get(chapter.name, {}), scale,
                                  sha256_file(chapter.path)):
            continue
        entry = _run_one(chapter, scale, out, timeout, device)
        results = _merge(results_path, chapter.name, entry)
        if record and entry["status"] == "ok":
            from .reproductions import write_record

            write_record(repo_root(root), chapter.name, entry, device, git=git)
    return results
