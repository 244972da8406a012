"""Committed records of reproductions, and the book page that shows them.

``python -m rgdl reproduce --scale paper --record`` writes, for every chapter
that ran, ``results/<scale>/<chapter>.json``: every number the chapter recorded
and every claim with its verdict, the device and library versions, the wall
time and the git commit. These files are committed, so a reader sees what a
paper-scale run gave without running it. :func:`render` turns them into the
page ``book/reproductions.md`` (``python -m rgdl reproductions`` rewrites it;
a test checks that the committed page is up to date and that every record
holds its schema and its claims).
"""

from __future__ import annotations

import datetime
import json
import math
import numbers
import os
import platform
import re
import subprocess
from pathlib import Path

from ..core.io import atomic_write_text
from . import scales

__all__ = ["write_record", "load_records", "check_record", "render", "write_page",
           "RECORD_KEYS", "PAGE"]

#: Keys every record holds.
RECORD_KEYS = ("chapter", "scale", "status", "seconds", "records", "claims", "device",
               "versions", "git", "date")

#: The page :func:`render` writes, relative to the repository root.
PAGE = Path("book") / "reproductions.md"

#: Hand-written notes on the runs (how a record was made, or why a scale has none yet),
#: appended to the page under "Notes on the runs".
NOTES = Path("results") / "notes.md"


def _root(root) -> Path:
    if not isinstance(root, (str, os.PathLike)) or not str(root):
        raise TypeError(f"root must be a folder (a non-empty str or os.PathLike); got {root!r}")
    return Path(root)


#: What a chapter's name may hold (it becomes a file name under ``results/<scale>/``).
_CHAPTER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def _git(root: Path) -> dict:
    def run(*args):
        try:
            res = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                                 timeout=20)
        except (OSError, subprocess.SubprocessError):
            return ""
        return res.stdout.strip() if res.returncode == 0 else ""

    return {"commit": run("rev-parse", "HEAD") or None,
            "dirty": bool(run("status", "--porcelain", "--untracked-files=no"))}


def _device(device: str | None) -> dict:
    import torch

    from ..core import runtime

    saved = os.environ.get(runtime.DEVICE_VAR)
    if device is not None:
        os.environ[runtime.DEVICE_VAR] = device
    try:
        dev = runtime.device(prefer_cuda=True)
    finally:
        if device is not None:
            if saved is None:
                os.environ.pop(runtime.DEVICE_VAR, None)
            else:
                os.environ[runtime.DEVICE_VAR] = saved
    if dev.type == "cuda":
        name = torch.cuda.get_device_name(dev)
    else:
        name = platform.processor() or platform.machine()
    return {"type": dev.type, "name": name, "cpu_count": os.cpu_count()}


def _versions() -> dict:
    import numpy
    import torch

    from .. import __version__

    return {"python": platform.python_version(), "rgdl": __version__,
            "torch": torch.__version__, "numpy": numpy.__version__}


def source_state(root) -> dict:
    """The git commit of ``root`` and whether tracked files differ from it (``dirty``)."""
    return _git(_root(root))


def write_record(root, chapter: str, entry: dict, device: str | None = None, *,
                 git: dict | None = None) -> Path:
    """Write ``results/<scale>/<chapter>.json`` under ``root`` from a ``results.json`` entry.

    ``git`` is the :func:`source_state` taken when the run started (default: now).

    ``chapter`` must be a plain name (letters, digits, ``_.-``; no path); ``entry`` a dict
    with ``scale``, ``status`` and ``seconds``; ``device`` None or one of
    :data:`rgdl.core.runtime.DEVICES`. Everything is checked before anything is written.
    """
    from ..core import runtime

    root = _root(root)
    if not isinstance(chapter, str) or not _CHAPTER.fullmatch(chapter):
        raise ValueError(f"chapter must be a plain chapter name; got {chapter!r}")
    if not isinstance(entry, dict):
        raise TypeError(f"entry must be a results.json entry (a dict); got {type(entry).__name__}")
    missing = [k for k in ("scale", "status", "seconds") if k not in entry]
    if missing:
        raise ValueError(f"entry lacks the keys {missing}")
    if device is not None:
        runtime.device_choice("device", device)
    if git is None:
        git = _git(Path(root))
    elif not isinstance(git, dict) or set(git) != {"commit", "dirty"}:
        raise ValueError(f"git must be a source_state() dict (commit, dirty); got {git!r}")
    rec = {"chapter": chapter, "scale": entry["scale"], "status": entry["status"],
           "seconds": entry["seconds"], "records": entry.get("records", {}),
           "claims": entry.get("claims", {}), "device": _device(device),
           "versions": _versions(), "git": dict(git),
           "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    try:
        check_record(rec, chapter)
    except (TypeError, ValueError) as err:
        raise ValueError(f"entry: {err}") from None
    path = root / "results" / rec["scale"] / f"{chapter}.json"
    atomic_write_text(path, json.dumps(rec, indent=1, sort_keys=True) + "\n")
    return path


def check_record(rec, name: str = "record") -> dict:
    """Raise ``ValueError`` naming what is wrong unless ``rec`` is a complete record."""
    if not isinstance(rec, dict):
        raise ValueError(f"{name}: rec must be a record (a JSON object); got {type(rec).__name__}")
    missing = [k for k in RECORD_KEYS if k not in rec]
    if missing:
        raise ValueError(f"{name}: missing keys {missing}")
    scales.check_scale(rec["scale"])
    if not isinstance(rec["claims"], dict) or not rec["claims"]:
        raise ValueError(f"{name}: no claims")
    for cname, c in rec["claims"].items():
        if not isinstance(c, dict):
            raise ValueError(f"{name}: claim {cname} is not an object")
        for key in ("kind", "value", "lo", "hi", "holds"):
            if key not in c:
                raise ValueError(f"{name}: claim {cname} has no {key!r}")
    if not isinstance(rec["device"], dict) or "type" not in rec["device"]:
        raise ValueError(f"{name}: device must name its type")
    seconds = rec["seconds"]
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real) or \
            not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{name}: seconds must be a finite non-negative number")
    for key in ("git", "versions"):
        if not isinstance(rec[key], dict):
            raise ValueError(f"{name}: {key} must be an object")
    return rec


def load_records(root) -> dict:
    """``{scale: {chapter: record}}`` for every ``results/<scale>/*.json`` under ``root``."""
    out = {}
    for path in sorted((_root(root) / "results").glob("*/*.json")):
        try:
            data = json.loads(path.read_text())
        except ValueError as err:
            raise ValueError(f"{path}: not JSON ({err})") from None
        rec = check_record(data, str(path))
        out.setdefault(rec["scale"], {})[rec["chapter"]] = rec
    return out


def _fmt(c: dict) -> str:
    from .record import format_value

    return format_value(c)


def _chapter_table(name: str, by_scale: dict) -> list[str]:
    present = [s for s in scales.SCALES if name in by_scale.get(s, {})]
    lines = [f"## {name}", ""]
    for s in present:
        rec = by_scale[s][name]
        dev = rec["device"]
        commit = (rec["git"].get("commit") or "unknown")[:10]
        lines.append(f"- **{s}**: {dev['type']} ({dev.get('name') or '?'}, "
                     f"{dev.get('cpu_count')} cores), {rec['seconds'] / 60:.1f} min, "
                     f"commit `{commit}`, torch {rec['versions'].get('torch')}, {rec['date']}")
    lines += ["", "| claim | kind | " + " | ".join(present) + " | bound |",
              "|---|---|" + "---|" * len(present) + "---|"]
    names = list(dict.fromkeys(c for s in present for c in by_scale[s][name]["claims"]))
    from .record import format_bound

    for cname in names:
        cells, kind, bounds = [], "", {}
        for s in present:
            c = by_scale[s][name]["claims"].get(cname)
            if c is None:
                cells.append("")
                continue
            kind, bounds[s] = c["kind"], format_bound(c)
            cells.append(_fmt(c) + ("" if c["holds"] else " (FAILS)"))
        lines.append(f"| `{cname}` | {kind} | " + " | ".join(cells) + f" | {_bounds(bounds)} |")
    return lines + [""]


def _bounds(bounds: dict) -> str:
    """One bound when every scale claims the same, else each scale's: ``book: <= 0.1; ...``."""
    if len(set(bounds.values())) <= 1:
        return next(iter(bounds.values()), "")
    return "; ".join(f"{s}: {b}" for s, b in bounds.items())


def render(root) -> str:
    """The Markdown of the Reproductions page from the committed records (and :data:`NOTES`)."""
    by_scale = load_records(root)
    lines = ["# Reproductions", "",
             "Each chapter records every number it computes and checks every claim it makes. "
             "This page shows the committed records of runs at each scale "
             "(`results/<scale>/<chapter>.json`, written by "
             "`python -m rgdl reproduce --scale book|paper --record`), side by side, with the "
             "device that produced them. Empirical claims show mean ± standard error over "
             "seeds; where a claim's bound differs between scales, each scale's bound is "
             "given. The page is generated: `python -m rgdl reproductions` rewrites it.", ""]
    chapters = sorted({c for recs in by_scale.values() for c in recs})
    if not chapters:
        lines += ["No run has been recorded yet.", ""]
    for name in chapters:
        lines += _chapter_table(name, by_scale)
    notes = _root(root) / NOTES
    if notes.is_file():
        lines += ["## Notes on the runs", "", notes.read_text().strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_page(root) -> Path:
    """Write :data:`PAGE` under ``root`` from the records."""
    path = _root(root) / PAGE
    atomic_write_text(path, render(root))
    return path
