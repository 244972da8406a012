"""The launch buttons' install steps, run here: Binder's ``postBuild`` and the Colab cell.

Each install runs in a scratch virtual environment that reuses the current one's packages
(``--system-site-packages``, plus the current virtual environment's site-packages when the
tests run inside one), installs the project itself with ``--no-deps`` from a copy of the
checkout, offline (``--no-index``, no build isolation), and then imports ``rgdl`` from a
folder outside the checkout. The Colab cell is executed with the Colab check forced on.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rgdl.book import chapters, notebooks

REPO = Path(__file__).resolve().parent.parent
FORCE_COLAB = 'import sys, types; sys.modules["google.colab"] = types.ModuleType("google.colab")\n'


def _git_files() -> list[str]:
    res = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                         cwd=REPO, capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip("not a git checkout")
    return res.stdout.splitlines()


def checkout_copy(dest: Path) -> Path:
    """The files git would commit (tracked and new, not ignored), copied into ``dest``."""
    for name in _git_files():
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def scratch_env(folder: Path) -> Path:
    """A virtual environment seeing the current packages (but not rgdl); returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                    str(folder)], check=True, capture_output=True)
    python = folder / "bin" / "python"
    if sys.prefix != sys.base_prefix:  # inside a venv: its packages, without its .pth hooks
        purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                                  "print(sysconfig.get_paths()['purelib'])"],
                                 check=True, capture_output=True, text=True).stdout.strip()
        Path(purelib, "_current_env.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return python


def _offline_pip_env(python: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    env.update(PATH=f"{python.parent}{os.pathsep}{env.get('PATH', '')}", PYTHONNOUSERSITE="1",
               PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               # pip's inverted switch: "0" turns build isolation off (setuptools comes from
               # the current environment instead of the network)
               PIP_NO_BUILD_ISOLATION="0",
               # the current environment's own rgdl is visible but must be left alone, and
               # the dependencies are the current environment's (pip --no-deps)
               PIP_IGNORE_INSTALLED="1", PIP_NO_DEPS="1")
    return env


def _where_rgdl(python: Path, cwd: Path, env: dict, prelude: str = "") -> str:
    res = subprocess.run([str(python), "-c", prelude + "import rgdl, rgdl.book.record; "
                          "print(rgdl.__file__)"], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout.strip().splitlines()[-1]


def test_scratch_env_does_not_see_rgdl(tmp_path):
    python = scratch_env(tmp_path / "env")
    res = subprocess.run([str(python), "-c", "import rgdl"], cwd=tmp_path, capture_output=True,
                         env=_offline_pip_env(python))
    assert res.returncode != 0, "the scratch environment already imports rgdl: test is vacuous"


def test_binder_postbuild_installs_the_package(tmp_path):
    """The step Binder runs after environment.yml (./postBuild), into a scratch environment."""
    src = checkout_copy(tmp_path / "repo")
    assert os.access(src / "postBuild", os.X_OK), "postBuild must be executable for Binder"
    python = scratch_env(tmp_path / "env")
    env = _offline_pip_env(python)
    res = subprocess.run(["bash", "postBuild"], cwd=src, env=env, capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = Path(_where_rgdl(python, elsewhere, env))
    assert where.is_relative_to(src), f"imported rgdl from {where}, not from the Binder install"


def test_colab_cell_installs_the_package_on_colab(tmp_path):
    """The Colab cell, with the Colab check forced on, pip-installs a local checkout."""
    src = checkout_copy(tmp_path / "repo")
    python = scratch_env(tmp_path / "env")
    env = _offline_pip_env(python)
    source = notebooks.colab_source(str(src))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run_cell = FORCE_COLAB + f"exec(compile({source!r}, 'colab-cell', 'exec'))\n"
    where = Path(_where_rgdl(python, elsewhere, env, prelude=run_cell))
    assert where.is_relative_to(tmp_path / "env"), f"imported rgdl from {where}"


def test_colab_cell_does_nothing_outside_colab(tmp_path):
    python = scratch_env(tmp_path / "env")
    source = notebooks.colab_source("/nonexistent/rgdl")  # would fail if pip ran
    res = subprocess.run([str(python), "-c", source], cwd=tmp_path, capture_output=True,
                         env=_offline_pip_env(python), text=True)
    assert res.returncode == 0, res.stderr


def test_colab_cell_reads_the_repository_setting():
    config = yaml.safe_load((REPO / "_config.yml").read_text())["repository"]
    url, branch = notebooks.repository(REPO)
    assert (url, branch) == (config["url"].rstrip("/"), config.get("branch", "main"))
    source = notebooks.colab_source(notebooks.colab_requirement(url, branch))
    assert f"git+{url}@{branch}" in source
    tree = ast.parse(source)
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                for a in n.names}
    imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom)}
    assert "rgdl" not in imported, "the install cell must not import rgdl"


def test_repository_url_is_written_once():
    """Only _config.yml (and the README, and the generated Colab cells) name the URL."""
    url, _ = notebooks.repository(REPO)
    allowed = {"_config.yml", "README.md"}
    named = [f for f in _git_files() if (REPO / f).is_file() and f not in allowed
             and not f.endswith(".ipynb") and url in (REPO / f).read_text(errors="ignore")]
    assert named == [], f"the repository URL is written outside _config.yml: {named}"


def _chapter(params: bool = True) -> dict:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# A chapter"]},
             {"cell_type": "code", "metadata": {"tags": ["parameters"] if params else []},
              "source": ['scale = "book"'], "outputs": [], "execution_count": None},
             {"cell_type": "code", "metadata": {}, "source": ["import rgdl"], "outputs": [],
              "execution_count": None}]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _colab_cells(nb):
    return [i for i, c in enumerate(nb["cells"])
            if notebooks.COLAB_TAG in c.get("metadata", {}).get("tags", [])]


def test_ensure_colab_cell_inserts_after_parameters_once():
    nb = _chapter()
    assert notebooks.ensure_colab_cell(nb, "rgdl @ git+https://example.org/r@main")
    assert _colab_cells(nb) == [2]
    cell = nb["cells"][2]
    assert "remove-input" in cell["metadata"]["tags"] and cell["outputs"] == []
    before = copy.deepcopy(nb)
    assert not notebooks.ensure_colab_cell(nb, "rgdl @ git+https://example.org/r@main")
    assert nb == before, "a second call must change nothing"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"]["tags"], "the parameters cell must stay first"


def test_ensure_colab_cell_updates_a_stale_cell():
    nb = _chapter()
    notebooks.ensure_colab_cell(nb, "rgdl @ git+https://example.org/old@main")
    nb["cells"].append(copy.deepcopy(nb["cells"][2]))  # a duplicate, misplaced
    assert notebooks.ensure_colab_cell(nb, "rgdl @ git+https://example.org/new@main")
    assert _colab_cells(nb) == [2]
    assert "example.org/new" in "".join(nb["cells"][2]["source"])


def test_ensure_colab_cell_without_parameters_goes_before_the_first_code_cell():
    nb = _chapter(params=False)
    notebooks.ensure_colab_cell(nb, "rgdl")
    assert _colab_cells(nb) == [1]


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="nb"):
        notebooks.ensure_colab_cell({"cells": None}, "rgdl")
    with pytest.raises(ValueError, match="requirement"):
        notebooks.colab_source("  ")
    with pytest.raises(ValueError, match="branch"):
        notebooks.colab_requirement("https://example.org/r", "two words")


def test_update_colab_cells_is_idempotent(tmp_path):
    for name in ("_toc.yml", "_config.yml"):
        shutil.copy(REPO / name, tmp_path / name)
    for chapter in chapters.list_chapters(REPO):
        (tmp_path / "book").mkdir(exist_ok=True)
        shutil.copy(chapter.path, tmp_path / "book" / chapter.path.name)
    listed = chapters.list_chapters(tmp_path)
    first = notebooks.update_colab_cells(tmp_path)
    assert set(first) <= {c.path for c in listed}
    assert notebooks.update_colab_cells(tmp_path) == []
    for chapter in listed:
        nb = json.loads(chapter.path.read_text())
        assert len(_colab_cells(nb)) == 1, chapter.name


def test_committed_colab_cells_are_current():
    """A chapter that has the install cell has the one _config.yml's URL makes."""
    requirement = notebooks.colab_requirement(*notebooks.repository(REPO))
    for chapter in chapters.list_chapters(REPO):
        nb = json.loads(chapter.path.read_text())
        if _colab_cells(nb):
            assert not notebooks.ensure_colab_cell(nb, requirement), (
                f"{chapter.name}: stale Colab cell; run notebooks.update_colab_cells()")
