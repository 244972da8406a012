"""The reference pages of the book: API pages, notation, how to run, and their build helpers.

The rendered pages themselves are checked by the page test (``tests/test_book.py``); these
tests are the fast part: every subpackage has an API page, the page expansion lists every
module, docstring escaping keeps markup and escapes plain text, re-exported names resolve to
the documented object, the notation names real functions, and the MathJax extension picks the
vendored copy when there is one.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

import rgdl
from rgdl.book import apidoc, offline
from rgdl.book.chapters import _toc_files

REPO = Path(__file__).resolve().parent.parent
API = REPO / "book" / "api"


@pytest.mark.parametrize("layer", sorted(rgdl.LAYERS))
def test_every_subpackage_has_an_api_page(layer):
    page = API / f"{layer}.md"
    assert page.is_file(), (f"no API page for rgdl.{layer}: create book/api/{layer}.md "
                            f"(a title and ```{{rgdl-api}} rgdl.{layer}``` closed by a fence)")
    blocks = apidoc._API_BLOCK.findall(page.read_text())
    assert blocks == [f"rgdl.{layer}"], f"{page.name} must expand rgdl.{layer} once: {blocks}"


def test_api_pages_name_real_subpackages():
    for page in API.glob("*.md"):
        for package in apidoc._API_BLOCK.findall(page.read_text()):
            importlib.import_module(package)


def test_toc_lists_the_reference_pages():
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = _toc_files(toc)
    for doc in ("book/running", "book/notation", "book/api/index"):
        assert doc in files, f"{doc} is not in _toc.yml"
    assert "glob: book/api/*" in (REPO / "_toc.yml").read_text(), "API pages are globbed"


def test_api_markdown_lists_every_module():
    text = apidoc.api_markdown("rgdl.rbm")
    for module in ("ais", "datasets", "model", "training"):
        assert f".. automodule:: rgdl.rbm.{module}\n   :members:" in text
        assert f"## `rgdl.rbm.{module}`" in text
    assert ".. automodule:: rgdl.rbm\n```" in text, "the package: docstring only, no members"
    single = apidoc.api_markdown("rgdl.chain")
    assert single.count("automodule") == 1 and ":members:" in single


def test_expansion_touches_only_api_pages():
    source = ["# t\n\n```{rgdl-api} rgdl.chain\n```\n"]
    apidoc._expand_api(None, "book/notation", source)
    assert "automodule" not in source[0]
    apidoc._expand_api(None, "book/api/chain", source)
    assert ".. automodule:: rgdl.chain" in source[0] and "rgdl-api" not in source[0]


@pytest.mark.parametrize("line, want", [
    ("mean of |m| over samples", r"mean of \|m\| over samples"),
    ("Z = lambda_+^N + lambda_-^N", r"Z = lambda\_+^N + lambda\_-^N"),
    ("shape (steps + 1, *trials)", r"shape (steps + 1, \*trials)"),
    ("*emphasis* and **strong** stay", "*emphasis* and **strong** stay"),
    ("``|a|``, :math:`|m|^2` and :func:`fit` stay", "``|a|``, :math:`|m|^2` and :func:`fit` stay"),
    ("a citation [1]_ and a `link`_ stay", "a citation [1]_ and a `link`_ stay"),
    ("H_RBM(v) and x_1 stay", "H_RBM(v) and x_1 stay"),
    (r"already \|escaped\|", r"already \|escaped\|"),
])
def test_escape_line(line, want):
    assert apidoc.escape_line(line) == want


def test_escape_plain_leaves_blocks_alone():
    lines = ["Text with |m|.", "", ".. math::", "", "   |x|_1 = \\sum_i |x_i|", "",
             "Example::", "", "    a |b| c", "", ">>> abs(-1) * 2", "back to |text|"]
    out = apidoc.escape_plain(lines)
    assert out[0] == r"Text with \|m\|."
    assert out[2:6] == lines[2:6], "a math block is kept verbatim"
    assert out[8] == lines[8], "a literal block is kept verbatim"
    assert out[10] == lines[10], "a doctest line is kept verbatim"
    assert out[11] == r"back to \|text\|"


def test_canonical_resolves_reexports_uniquely():
    documented = {"rgdl.rbm.training.fit", "rgdl.rbm.model.RBM", "rgdl.rbm.model.RBM.energy",
                  "rgdl.ising.exact.energy", "rgdl.ising.observables.energy"}
    assert apidoc.canonical("rgdl.rbm.fit", documented) == "rgdl.rbm.training.fit"
    assert apidoc.canonical("rgdl.rbm.RBM.energy", documented) == "rgdl.rbm.model.RBM.energy"
    assert apidoc.canonical("rgdl.ising.energy", documented) is None, "ambiguous: no guess"
    assert apidoc.canonical("numpy.ndarray", documented) is None
    assert apidoc.canonical("rgdl.rbm", documented) is None


def test_notation_names_real_objects():
    text = (REPO / "book" / "notation.md").read_text()
    names = set(re.findall(r"`(rgdl\.[\w.]+)`", text))
    assert names, "the notation page names no package objects"
    for name in sorted(names):
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except ImportError:
                continue
            for attr in parts[i:]:
                obj = getattr(obj, attr, None)
                assert obj is not None, f"notation.md names {name}, which does not exist"
            break


def _fake_app(srcdir):
    config = SimpleNamespace(mathjax_path="https://cdn.jsdelivr.net/npm/mathjax@3/es5/"
                             "tex-mml-chtml.js", html_static_path=["_static"])
    return SimpleNamespace(srcdir=srcdir), config


def test_extension_serves_vendored_mathjax(tmp_path):
    (tmp_path / offline.FOLDER).mkdir(parents=True)
    (tmp_path / offline.FOLDER / offline.SCRIPT).write_text("// MathJax")
    app, config = _fake_app(tmp_path)
    offline._use_vendored(app, config)
    assert config.mathjax_path == f"mathjax/{offline.SCRIPT}"
    assert config.html_static_path == ["_static", str(tmp_path / "vendor")]


def test_extension_falls_back_to_the_cdn(tmp_path):
    app, config = _fake_app(tmp_path)
    offline._use_vendored(app, config)
    assert config.mathjax_path.startswith("https://") and config.html_static_path == ["_static"]


def test_vendor_without_npm_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(offline.shutil, "which", lambda name: None)
    assert offline.vendor(tmp_path) is None
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="root"):
        offline.vendor(tmp_path / "missing")


def test_make_book_vendors_mathjax_before_building():
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("\nbook:", 1)[1].split("\n\n", 1)[0]
    assert recipe.index("rgdl.book.offline") < recipe.index("jupyter-book build")
    config = yaml.safe_load((REPO / "_config.yml").read_text())
    extensions = config["sphinx"]["extra_extensions"]
    for name in ("sphinx.ext.autodoc", "sphinx.ext.napoleon", "rgdl.book.apidoc",
                 "rgdl.book.offline"):
        assert name in extensions
