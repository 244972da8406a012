"""Build the book from the smoke-executed chapters and open every page in headless Chromium.

Checks per chapter page: it loads, its figures are images present on disk, MathJax typeset
the math (``mjx-container`` elements exist) and no Python traceback is shown. The build runs
with ``-W``: a Sphinx warning fails it.

MathJax normally comes from its CDN; this build must work offline, so MathJax 3 is vendored
from the npm registry into ``vendor/mathjax`` (git-ignored) and served from the build.
Without Chromium the test skips with a hint, except under CI (``CI=true``), where a missing
browser is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from rgdl.book import chapters

REPO = Path(__file__).resolve().parent.parent
VENDOR = REPO / "vendor" / "mathjax"
MATHJAX_SCRIPT = "tex-mml-chtml.js"
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-quic"]


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _need(tool: str, hint: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{tool} is required under CI: {hint}")
    pytest.skip(f"{tool} not found; {hint}")


def vendor_mathjax() -> Path:
    """MathJax 3's es5 bundle in ``vendor/mathjax`` (fetched once with ``npm pack``)."""
    if (VENDOR / MATHJAX_SCRIPT).is_file():
        return VENDOR
    if not shutil.which("npm"):
        _need("npm", "install Node.js/npm to vendor MathJax for the offline page test")
    work = VENDOR.parent / "_mathjax_download"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    subprocess.run(["npm", "pack", "mathjax@3", "--pack-destination", str(work)],
                   check=True, capture_output=True, cwd=work)
    (tarball,) = work.glob("mathjax-*.tgz")
    with tarfile.open(tarball) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("package/es5/")]
        tar.extractall(work, members=members, filter="data")
    tmp = VENDOR.with_name("mathjax.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (work / "package" / "es5").rename(tmp)
    shutil.rmtree(VENDOR, ignore_errors=True)
    tmp.rename(VENDOR)
    shutil.rmtree(work, ignore_errors=True)
    return VENDOR


def build_book(executed: dict[str, Path], dest: Path) -> Path:
    """Copy the book sources into ``dest``, swap in executed notebooks, build with -W."""
    shutil.copy(REPO / "_toc.yml", dest / "_toc.yml")
    shutil.copytree(REPO / "book", dest / "book",
                    ignore=shutil.ignore_patterns("*.ipynb", "_build", ".ipynb_checkpoints"))
    for name, path in executed.items():
        shutil.copy(path, dest / "book" / f"{name}.ipynb")
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    shutil.copytree(vendor_mathjax(), dest / "_static" / "mathjax")
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx["html_static_path"] = ["_static"]
    sphinx["mathjax_path"] = f"mathjax/{MATHJAX_SCRIPT}"
    (dest / "_config.yml").write_text(yaml.safe_dump(config))
    jb = Path(sys.executable).with_name("jupyter-book")
    res = subprocess.run([str(jb), "build", str(dest), "-W", "-n", "--keep-going"],
                         capture_output=True, text=True)
    assert res.returncode == 0, f"book build failed:\n{res.stdout[-6000:]}\n{res.stderr[-3000:]}"
    return dest / "_build" / "html"


def dump_dom(browser: str, page: Path, profile: Path) -> str:
    res = subprocess.run(
        [browser, *CHROME_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=20000",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


@pytest.mark.page
def test_built_pages_render_figures_and_math(smoke_run, tmp_path):
    browser = _browser()
    if browser is None:
        _need("chromium", "install it (Debian: apt-get install chromium chromium-driver) "
                          "to run the page test")
    listed = chapters.list_chapters(REPO)
    executed = {c.name: smoke_run(c.name) for c in listed}
    html = build_book(executed, tmp_path)
    assert (html / "index.html").is_file() or (html / "book" / "intro.html").is_file()
    for chapter in listed:
        page = html / "book" / f"{chapter.name}.html"
        assert page.is_file(), f"no page for {chapter.name}"
        dom = dump_dom(browser, page, tmp_path / "profile")
        assert "<mjx-container" in dom, f"{chapter.name}: math was not typeset"
        assert "Traceback" not in dom and "ClaimError" not in dom, f"{chapter.name}: shows an error"
        nb = json.loads(executed[chapter.name].read_text())
        n_figures = sum(1 for c in nb["cells"] for o in c.get("outputs", [])
                        if "image/png" in o.get("data", {}))
        images = re.findall(r'<img[^>]+src="([^"]+)"', dom)
        local = [src for src in images if not src.startswith(("http:", "https:", "data:"))]
        figure_files = [src for src in local if "_images/" in src]
        assert len(figure_files) >= n_figures > 0, (
            f"{chapter.name}: {n_figures} figures executed, {len(figure_files)} shown")
        for src in figure_files:
            target = (page.parent / src.split("?")[0]).resolve()
            assert target.is_file() and target.stat().st_size > 0, f"missing image {src}"
