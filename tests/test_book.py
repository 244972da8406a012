"""Build the book from the smoke-executed chapters and open every page in headless Chromium.

The build is the ``make book`` build: the same ``_config.yml`` (only notebook execution is
off, the chapters come executed at smoke scale), with ``-W -n``, so a Sphinx warning fails
it, and with MathJax vendored by :func:`rgdl.book.offline.vendor` (``npm pack mathjax@3``)
and served from the build by the ``rgdl.book.offline`` extension, as ``make book`` does.

Chromium runs with networking disabled (a dead proxy and a resolver that finds no host), so
a page that needed the internet would show it. Every page (introduction, how to run,
notation, chapters, API reference) must load, load MathJax from the build, typeset every
formula (``mjx-container``) and show no traceback. Chapter pages also: every executed figure
is an image on disk; the results table has the columns claim, kind, value, bound, verdict and
a known kind in every row; no output is a stray ``True``/``False``/``None`` or a matplotlib
object repr; no code line in a visible cell (not ``hide-input``) is wider than its code box.

Without Chromium (or npm) the test skips with a hint, except under CI (``CI=true``), where a
missing tool is a failure.
"""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import rgdl
from rgdl.book import chapters, offline, record

REPO = Path(__file__).resolve().parent.parent
WINDOW = (1440, 900)  # a laptop screen: code boxes hold 100 characters (_static/rgdl.css)
CHROME_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-quic",
    # networking off: every http(s) request goes to a closed port, every host name fails
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND", f"--window-size={WINDOW[0]},{WINDOW[1]}",
]
#: pages that need not show formulas; every chapter, the introduction, the notation and every
#: other API page (docstrings carry ``.. math::``) must. Any page's formulas must be typeset.
NO_MATH = {"book/running", "book/api/index", "book/api/book"}
MATH_PAGES = ("book/intro", "book/notation", "book/api/")
STRAY = re.compile(r"^(True|False|None)$|<matplotlib\.|^\[<matplotlib|<Figure size \d|"
                   r"^Text\(-?[\d.]+, -?[\d.]+, |<Axes: |<mpl_toolkits\.")
RESULTS_HEADER = ["claim", "kind", "value", "bound", "verdict"]

# Runs in the page after MathJax has typeset it; leaves its findings in <pre id="rgdl-probe">.
PROBE = """<script>
(function () {
  function report() {
    var cells = [].map.call(document.querySelectorAll("div.cell"), function (c) {
      var pres = [].slice.call(c.querySelectorAll(".cell_input pre"));
      return {
        classes: c.className,
        wide: pres.filter(function (p) { return p.scrollWidth > p.clientWidth + 1; })
                  .map(function (p) { return [p.scrollWidth, p.clientWidth, p.textContent]; }),
        outputs: [].map.call(c.querySelectorAll(".cell_output pre"),
                             function (p) { return p.textContent; })
      };
    });
    var maths = [].slice.call(document.querySelectorAll(".math"));
    var out = document.createElement("pre");
    out.id = "rgdl-probe";
    out.textContent = JSON.stringify({
      cells: cells, math: maths.length,
      typeset: document.querySelectorAll("mjx-container").length,
      raw: maths.filter(function (m) { return !m.querySelector("mjx-container"); })
                .map(function (m) { return m.textContent.slice(0, 80); }),
      mathjax: !!(window.MathJax && window.MathJax.version),
      scripts: [].map.call(document.scripts, function (s) { return s.src; })
                 .filter(function (s) { return s; })
    });
    document.body.appendChild(out);
  }
  var waited = 0;
  function wait() {
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) { mj.startup.promise.then(report, report); }
    else if (waited > 10000) { report(); }
    else { waited += 100; setTimeout(wait, 100); }
  }
  window.addEventListener("load", wait);
})();
</script>"""


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
    """MathJax 3 in ``vendor/mathjax``, fetched once with npm (as ``make book`` does)."""
    folder = offline.vendor(REPO)
    if folder is None:
        _need("npm", "install Node.js/npm to vendor MathJax for the offline page test")
    return folder


def build_book(executed: dict[str, Path], dest: Path) -> Path:
    """The ``make book`` build of ``dest``: sources copied, executed chapters swapped in."""
    shutil.copy(REPO / "_toc.yml", dest / "_toc.yml")
    shutil.copytree(REPO / "book", dest / "book",
                    ignore=shutil.ignore_patterns("*.ipynb", "_build", ".ipynb_checkpoints"))
    for name, path in executed.items():
        shutil.copy(path, dest / "book" / f"{name}.ipynb")
    shutil.copytree(REPO / "_static", dest / "_static")
    shutil.copytree(vendor_mathjax(), dest / offline.FOLDER)
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    (dest / "_config.yml").write_text(yaml.safe_dump(config))
    jb = Path(sys.executable).with_name("jupyter-book")
    res = subprocess.run([str(jb), "build", str(dest), "-W", "-n", "--keep-going"],
                         capture_output=True, text=True)
    assert res.returncode == 0, f"book build failed:\n{res.stdout[-6000:]}\n{res.stderr[-3000:]}"
    return dest / "_build" / "html"


def probe(browser: str, page: Path, profile: Path) -> tuple[str, dict]:
    """Open a copy of ``page`` carrying :data:`PROBE`; return its DOM and the probe's findings."""
    copy = page.with_name(page.stem + ".probe.html")
    copy.write_text(page.read_text().replace("</body>", PROBE + "</body>", 1))
    try:
        res = subprocess.run(
            [browser, *CHROME_FLAGS, f"--user-data-dir={profile}",
             "--virtual-time-budget=30000", "--dump-dom", copy.as_uri()],
            capture_output=True, text=True, timeout=180)
    finally:
        copy.unlink()
    assert res.returncode == 0, res.stderr[-2000:]
    found = re.search(r'<pre id="rgdl-probe"[^>]*>(.*?)</pre>', res.stdout, re.S)
    assert found, f"{page.name}: the page never finished loading"
    return res.stdout, json.loads(html_lib.unescape(found.group(1)))


def pages(html: Path) -> dict[str, Path]:
    """Built page of every document in the table of contents (``book/api/*`` expanded)."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    names = chapters._toc_files(toc)
    names += [f"book/api/{p.stem}" for p in sorted((REPO / "book" / "api").glob("*.md"))]
    found = {}
    for name in dict.fromkeys(names):
        page = html / f"{name}.html"
        assert page.is_file(), f"no page for {name}"
        found[name] = page
    return found


def check_page(name: str, dom: str, seen: dict) -> None:
    """What every page must satisfy: local MathJax, every formula typeset, no error shown."""
    if seen["math"]:
        assert seen["mathjax"], f"{name}: MathJax did not load (offline)"
    assert not any(s.startswith(("http:", "https:")) for s in seen["scripts"]), (
        f"{name}: loads scripts from the internet: {seen['scripts']}")
    assert not seen["raw"], f"{name}: formulas not typeset: {seen['raw'][:3]}"
    if name not in NO_MATH and (name.startswith(MATH_PAGES) or seen["cells"]):
        assert seen["typeset"] > 0, f"{name}: no typeset math (mjx-container) on the page"
    outputs = "\n".join(o for c in seen["cells"] for o in c["outputs"])
    assert "Traceback (most recent call last)" not in dom, f"{name}: shows a traceback"
    error = re.search(r"\b[A-Z]\w*Error\b:", outputs)
    assert error is None, f"{name}: an output shows an error: {error and error.group(0)}"


def check_chapter(name: str, seen: dict, notebook: Path) -> None:
    """A chapter page: its results table shows the claims' kinds; no stray or wide cells."""
    hidden = ("tag_hide-input", "tag_remove-input", "tag_hide-cell", "tag_remove-cell")
    visible = [c for c in seen["cells"] if not any(tag in c["classes"] for tag in hidden)]
    wide = [f"{scroll}px > {box}px: {max(text.splitlines(), key=len)!r}"
            for c in visible for scroll, box, text in c["wide"]]
    assert not wide, (f"{name}: visible code lines wider than the code box "
                      f"(hide-input the cell or shorten them):\n" + "\n".join(wide))
    stray = [o.strip() for c in seen["cells"] for o in c["outputs"] if STRAY.search(o.strip())]
    assert not stray, f"{name}: stray outputs on the page: {stray[:3]}"
    tables = [o for c in seen["cells"] for o in c["outputs"]
              if o.strip().split("\n")[0].split() == RESULTS_HEADER]
    assert tables, f"{name}: no results table with columns {RESULTS_HEADER}"
    rows = [line.split() for line in tables[-1].strip().splitlines()[1:]]
    claims = record.read_claims(notebook)
    assert len(rows) == len(claims), f"{name}: {len(claims)} claims, {len(rows)} table rows"
    for row in rows:
        assert row[1] in record.KINDS, f"{name}: claim {row[0]} shows no kind: {row}"


def check_figures(name: str, dom: str, page: Path, notebook: Path) -> None:
    nb = json.loads(notebook.read_text())
    n_figures = sum(1 for c in nb["cells"] for o in c.get("outputs", [])
                    if "image/png" in o.get("data", {}))
    images = re.findall(r'<img[^>]+src="([^"]+)"', dom)
    figure_files = [s for s in images if "_images/" in s and not s.startswith(("http", "data:"))]
    assert len(figure_files) >= n_figures > 0, (
        f"{name}: {n_figures} figures executed, {len(figure_files)} shown")
    for src in figure_files:
        target = (page.parent / src.split("?")[0]).resolve()
        assert target.is_file() and target.stat().st_size > 0, f"missing image {src}"


def test_chromium_has_no_network(tmp_path):
    """The flags really cut the network: a page that loads MathJax from its CDN gets nothing."""
    browser = _browser()
    if browser is None:
        _need("chromium", "install it (Debian: apt-get install chromium) to run the page test")
    page = tmp_path / "cdn.html"
    page.write_text('<html><body><p id="x">$x$</p><script src="https://cdn.jsdelivr.net/npm/'
                    'mathjax@3/es5/tex-mml-chtml.js"></script></body></html>')
    _, seen = probe(browser, page, tmp_path / "profile")
    assert not seen["mathjax"], "Chromium reached the internet: the page test is not offline"


@pytest.mark.page
def test_built_pages(smoke_run, tmp_path):
    browser = _browser()
    if browser is None:
        _need("chromium", "install it (Debian: apt-get install chromium chromium-driver) "
                          "to run the page test")
    listed = chapters.list_chapters(REPO)
    executed = {c.name: smoke_run(c.name) for c in listed}
    html = build_book(executed, tmp_path)
    found = pages(html)
    for layer in rgdl.LAYERS:
        assert f"book/api/{layer}" in found, f"no API page for rgdl.{layer}"
    assert {"book/notation", "book/running"} <= set(found)
    problems = []
    for name, page in found.items():
        dom, seen = probe(browser, page, tmp_path / "profile")
        try:
            check_page(name, dom, seen)
            chapter = Path(name).name
            if chapter in executed:
                check_chapter(name, seen, executed[chapter])
                check_figures(name, dom, page, executed[chapter])
            elif name.startswith("book/api/") and name != "book/api/index":
                assert 'class="py function"' in dom or 'class="py class"' in dom, (
                    f"{name}: no documented function or class")
        except AssertionError as err:
            problems.append(str(err))
    assert not problems, "\n".join(problems)
