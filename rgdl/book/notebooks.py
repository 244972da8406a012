"""Keep committed chapters clean: outputs only in ``# NBVAL_CHECK_OUTPUT`` cells."""

from __future__ import annotations

import json
from pathlib import Path

MARK = "NBVAL_CHECK_OUTPUT"


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def is_checked(cell) -> bool:
    """Whether a code cell's outputs are compared by nbval (and so committed)."""
    return cell.get("cell_type") == "code" and MARK in _source(cell)


def stray_outputs(nb: dict) -> list[int]:
    """Indices of code cells that carry outputs or execution counts but are not checked."""
    bad = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code" or is_checked(cell):
            continue
        if cell.get("outputs") or cell.get("execution_count") is not None:
            bad.append(i)
    return bad


def strip(nb: dict) -> bool:
    """Strip outputs of unchecked cells in place; return whether anything changed."""
    changed = False
    for i in stray_outputs(nb):
        cell = nb["cells"][i]
        cell["outputs"] = []
        cell["execution_count"] = None
        changed = True
    for cell in nb.get("cells", []):
        # nbval skips ("unrun") a cell whose execution_count is None, so a checked cell
        # with outputs carries a fixed count of 1, which keeps diffs stable.
        if is_checked(cell):
            want = 1 if cell.get("outputs") else None
            if cell.get("execution_count") != want:
                cell["execution_count"] = want
                changed = True
    return changed


def strip_file(path, write: bool = True) -> bool:
    """Strip a notebook file; return whether it changed (written only if ``write``)."""
    path = Path(path)
    nb = json.loads(path.read_text())
    changed = strip(nb)
    if changed and write:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return changed


def copy_checked_outputs(executed, target) -> None:
    """Copy the outputs of checked cells from an executed notebook into ``target``.

    Cells are matched by source text; the executed notebook must come from
    ``target`` (papermill adds an injected-parameters cell, which is skipped).
    """
    executed = json.loads(Path(executed).read_text())
    done = {_source(c): c.get("outputs", []) for c in executed["cells"] if is_checked(c)}
    path = Path(target)
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if is_checked(cell) and _source(cell) in done:
            cell["outputs"] = [o for o in done[_source(cell)] if o.get("output_type") == "stream"
                               and o.get("name") == "stdout"]
    strip(nb)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
