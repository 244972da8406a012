"""Keep committed chapters clean: outputs only in ``# NBVAL_CHECK_OUTPUT`` cells."""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = [
    "MARK", "COLAB_TAG", "COLAB_TAGS", "is_checked", "stray_outputs", "strip", "strip_file",
    "copy_checked_outputs", "repository", "colab_requirement", "colab_source", "colab_cell",
    "ensure_colab_cell", "update_colab_cells",
]

MARK = "NBVAL_CHECK_OUTPUT"


def _cells(name: str, nb) -> list:
    """``nb["cells"]``, checked: ``nb`` a dict whose ``cells`` is a list of dicts."""
    if not isinstance(nb, dict):
        raise TypeError(f"{name} must be a notebook dict; got {type(nb).__name__}")
    cells = nb.get("cells", [])
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise ValueError(f"{name} must be a notebook dict with a 'cells' list of cells (dicts)")
    return cells


def _path(name: str, path) -> Path:
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise TypeError(f"{name} must be a path (a non-empty str or os.PathLike); got {path!r}")
    return Path(path)


def _read(name: str, path) -> dict:
    """The notebook at ``path``: ``OSError`` if unreadable, ``ValueError`` naming ``name``
    if it is not a notebook."""
    text = _path(name, path).read_text()
    try:
        nb = json.loads(text)
    except ValueError as err:
        raise ValueError(f"{name} = {str(path)!r} is not JSON: {err}") from None
    _cells(name, nb)
    return nb


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def is_checked(cell) -> bool:
    """Whether a code cell's outputs are compared by nbval (and so committed)."""
    if not isinstance(cell, dict):
        raise TypeError(f"cell must be a notebook cell (a dict); got {type(cell).__name__}")
    return cell.get("cell_type") == "code" and MARK in _source(cell)


def stray_outputs(nb: dict) -> list[int]:
    """Indices of code cells that carry outputs or execution counts but are not checked."""
    bad = []
    for i, cell in enumerate(_cells("nb", nb)):
        if cell.get("cell_type") != "code" or is_checked(cell):
            continue
        if cell.get("outputs") or cell.get("execution_count") is not None:
            bad.append(i)
    return bad


def strip(nb: dict) -> bool:
    """Strip outputs of unchecked cells in place; return whether anything changed."""
    changed = False
    _cells("nb", nb)
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
    if not isinstance(write, bool):
        raise TypeError(f"write must be a bool; got {type(write).__name__}")
    nb = _read("path", path)
    path = Path(path)
    changed = strip(nb)
    if changed and write:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return changed


def copy_checked_outputs(executed, target) -> None:
    """Copy the outputs of checked cells from an executed notebook into ``target``.

    Cells are matched by source text; the executed notebook must come from
    ``target`` (papermill adds an injected-parameters cell, which is skipped).
    """
    executed = _read("executed", executed)
    nb = _read("target", target)
    path = Path(target)
    done = {_source(c): c.get("outputs", []) for c in executed.get("cells", []) if is_checked(c)}
    for cell in nb["cells"]:
        if is_checked(cell) and _source(cell) in done:
            cell["outputs"] = [o for o in done[_source(cell)] if o.get("output_type") == "stream"
                               and o.get("name") == "stdout"]
    strip(nb)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


# The Colab install cell ----------------------------------------------------------------

#: Tag of the cell that installs the package on Colab (with ``remove-input``: not on the page).
COLAB_TAG = "colab-install"
COLAB_TAGS = [COLAB_TAG, "remove-input"]


def repository(root=None) -> tuple[str, str]:
    """``(url, branch)`` of the book's repository: the ``repository`` setting of ``_config.yml``.

    The one place the URL is written; the launch buttons, the repository and issue
    buttons and the Colab install cell all read it.
    """
    import yaml

    from .chapters import _folder, repo_root

    if root is not None:
        _path("root", root)
        root = _folder("root", root)
    config = yaml.safe_load((repo_root(root) / "_config.yml").read_text())
    repo = config.get("repository") or {}
    url = repo.get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError(f"_config.yml: repository.url must be an http(s) URL; got {url!r}")
    return url.rstrip("/"), str(repo.get("branch") or "main")


def colab_requirement(url: str, branch: str = "main") -> str:
    """The pip requirement that installs the package from a git repository's branch."""
    for name, value in (("url", url), ("branch", branch)):
        if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value):
            raise ValueError(f"{name} must be a non-empty string without spaces; got {value!r}")
    return f"rgdl @ git+{url}@{branch}"


def colab_source(requirement: str) -> str:
    """Source of the Colab install cell: on Colab only, ``pip install`` the package.

    It imports nothing from ``rgdl`` (which is not installed yet when it runs) and does
    nothing outside Colab (``"google.colab"`` is then not in ``sys.modules``).
    """
    if not isinstance(requirement, str) or not requirement.strip():
        raise ValueError(f"requirement must be a non-empty string; got {requirement!r}")
    return (
        "# On Colab only: install the book's package, rgdl (this cell does nothing elsewhere).\n"
        "import sys\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        '    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",\n'
        f"                    {json.dumps(requirement)}], check=True)"
    )


def colab_cell(requirement: str) -> dict:
    """The install cell as a notebook cell (tags ``colab-install`` and ``remove-input``)."""
    return {"cell_type": "code", "execution_count": None, "id": COLAB_TAG,
            "metadata": {"tags": list(COLAB_TAGS)}, "outputs": [],
            "source": colab_source(requirement).splitlines(keepends=True)}


def ensure_colab_cell(nb: dict, requirement: str) -> bool:
    """Insert or update the Colab install cell in place; return whether ``nb`` changed.

    The cell goes right after the ``parameters`` cell (the first code cell stays the
    parameters cell), before any cell that imports ``rgdl``. Idempotent: a second call
    changes nothing.
    """
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise (TypeError if not isinstance(nb, dict) else ValueError)(
            "nb must be a notebook dict with a 'cells' list")
    cells = _cells("nb", nb)
    want = colab_cell(requirement)
    old = [i for i, c in enumerate(cells) if COLAB_TAG in c.get("metadata", {}).get("tags", [])]
    rest = [c for i, c in enumerate(cells) if i not in old]
    params = [i for i, c in enumerate(rest)
              if "parameters" in c.get("metadata", {}).get("tags", [])]
    code = [i for i, c in enumerate(rest) if c.get("cell_type") == "code"]
    at = params[0] + 1 if params else (code[0] if code else len(rest))
    if len(old) == 1 and old[0] == at:
        cell = cells[at]
        same_tags = cell.get("metadata", {}).get("tags") == want["metadata"]["tags"]
        if _source(cell) == _source(want) and same_tags and not cell.get("outputs"):
            return False
    if nb.get("nbformat", 4) == 4 and nb.get("nbformat_minor", 5) < 5:
        del want["id"]
    rest.insert(at, want)
    nb["cells"] = rest
    return True


def update_colab_cells(root=None, requirement: str | None = None) -> list[Path]:
    """Insert or update the Colab install cell in every chapter; return the files changed.

    ``requirement`` defaults to the repository and branch in ``_config.yml`` (see
    :func:`repository`); run this again after changing them.
    """
    from .chapters import list_chapters

    if root is not None:
        _path("root", root)
    if requirement is not None:
        colab_source(requirement)            # checks it
    if requirement is None:
        requirement = colab_requirement(*repository(root))
    changed = []
    for chapter in list_chapters(root):
        nb = json.loads(chapter.path.read_text())
        if ensure_colab_cell(nb, requirement):
            chapter.path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
            changed.append(chapter.path)
    return changed
