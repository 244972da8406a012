"""Fuzz cases for the book's plumbing: rgdl.book.scales, record, notebooks, reproductions.

Every file these functions read or write lives in a temporary folder (a tiny book: a
``_toc.yml``, a ``_config.yml``, one chapter, one committed record). Arguments that name
a folder to write into (``root`` of :func:`update_colab_cells`, :func:`write_record`,
:func:`write_page`) are left out of the fuzzing: a bad value such as ``"bogus"`` would be
a valid folder in the working folder, or resolve to the repository itself; their checks
are unit tests in tests/test_record.py. :func:`record.record`, :func:`record.claim` and
:func:`record.summary` keep state per notebook and glue with myst-nb: they are fuzzed
through adapters, named after them, that glue into a list and reset the recorded names
around each call.
"""

import atexit
import copy
import json
import shutil
import tempfile
from pathlib import Path

from rgdl.book import notebooks as nbs
from rgdl.book import record as rec
from rgdl.book import reproductions as rp
from rgdl.book import scales
from tests.fuzz.harness import Case

_DIR = Path(tempfile.mkdtemp(prefix="rgdl-fuzz-book-"))
atexit.register(shutil.rmtree, _DIR, ignore_errors=True)

GLUED = []


def _glue(name, value, display=False):
    GLUED.append((name, value, display))


def _adapter(fn, name):
    def call(**kwargs):
        saved = rec._glue
        rec._glue = _glue
        rec.reset()
        GLUED.clear()
        try:
            if name == "summary":           # a table needs one claim
                rec.claim("c", 1.0, kind="oracle", lo=0.0)
            return fn(**kwargs)
        finally:
            rec._glue = saved
            rec.reset()

    call.__module__, call.__qualname__, call.__name__ = rec.__name__, name, name
    return call


def strip(nb):
    return nbs.strip(copy.deepcopy(nb))


def ensure_colab_cell(nb, requirement):
    return nbs.ensure_colab_cell(copy.deepcopy(nb), requirement)


for _fn, _name in ((strip, "strip (on a copy)"),
                   (ensure_colab_cell, "ensure_colab_cell (on a copy)")):
    _fn.__module__, _fn.__qualname__ = nbs.__name__, _name

record = _adapter(rec.record, "record")
records = _adapter(rec.records, "records")
claim = _adapter(rec.claim, "claim")
summary = _adapter(rec.summary, "summary")

# ------------------------------------------------------------------ a tiny book on disk
CLAIM = {"name": "c", "kind": "oracle", "value": 1.0, "lo": 0.0, "hi": 2.0, "holds": True,
         "what": "x"}
EMPIRICAL = dict(CLAIM, kind="empirical", se=0.1, n=3, sd=0.17, mean=1.0)
_OUT = {"output_type": "display_data", "data": {
    "application/papermill.record/text/plain": "1.5"},
    "metadata": {"scrapbook": {"name": "x", "mime_prefix": "application/papermill.record/"}}}
_OUT_CLAIM = copy.deepcopy(_OUT)
_OUT_CLAIM["data"] = {"application/papermill.record/text/plain": repr(CLAIM)}
_OUT_CLAIM["metadata"]["scrapbook"]["name"] = "claim__c"
NB = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
    {"cell_type": "code", "id": "p", "metadata": {"tags": ["parameters"]}, "outputs": [],
     "execution_count": None, "source": 'scale = "book"'},
    {"cell_type": "code", "id": "a", "metadata": {}, "outputs": [_OUT, _OUT_CLAIM],
     "execution_count": 3, "source": "x = 1"},
    {"cell_type": "code", "id": "r", "metadata": {}, "execution_count": 4, "source":
     "# NBVAL_CHECK_OUTPUT\nrecord.summary()",
     "outputs": [{"output_type": "stream", "name": "stdout", "text": "table\n"}]}]}
BOOK = _DIR / "book"
(BOOK / "book").mkdir(parents=True)
(BOOK / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                               "  - file: book/00_x\n")
(BOOK / "_config.yml").write_text("repository:\n  url: https://example.org/rgdl\n"
                                  "  branch: main\n")
for _name in ("00_x.ipynb", "executed.ipynb", "target.ipynb", "strip.ipynb"):
    (BOOK / "book" / _name).write_text(json.dumps(NB))
ENTRY = {"scale": "smoke", "status": "ok", "seconds": 1.5, "records": {"x": 1.5},
         "claims": {"c": CLAIM}}
RECORD = json.loads(rp.write_record(BOOK, "00_x", ENTRY, device="cpu").read_text())
REQ = nbs.colab_requirement("https://example.org/rgdl", "main")

CASES = [
    # ---------------------------------------------------------------- scales
    Case(scales.check_scale, {"scale": "smoke"}),
    Case(scales.resolve, {"scale": "book"}),
    Case(scales.pick, {"scale": "paper", "smoke": 1, "book": 2, "paper": 3}),
    # ---------------------------------------------------------------- record
    Case(record, {"name": "x", "value": 1.5, "display": False}),
    Case(records, {"x": 1.5, "y": [1, 2]}),
    Case(claim, {"name": "c", "value": 1.0, "kind": "oracle", "lo": 0.0, "hi": 2.0,
                 "target": None, "tol": None, "samples": None, "scale": None, "what": "x"}),
    Case(claim, {"name": "c", "value": 1e-12, "kind": "identity", "target": 0.0, "tol": 1e-10,
                 "what": "x"}),
    Case(claim, {"name": "c", "value": True, "kind": "oracle"}),
    Case(claim, {"name": "c", "kind": "empirical", "samples": [0.1, 0.2, 0.3], "hi": 1.0,
                 "scale": "smoke", "what": "x"}),
    Case(summary, {}),
    Case(rec.claims, {}),
    Case(rec.reset, {}),
    Case(rec.format_value, {"c": CLAIM}),
    Case(rec.format_value, {"c": EMPIRICAL}),
    Case(rec.format_bound, {"c": CLAIM}),
    Case(rec.read_records, {"notebook": NB}, paths=("notebook",)),
    Case(rec.read_records, {"notebook": str(BOOK / "book" / "executed.ipynb")},
         paths=("notebook",)),
    Case(rec.read_claims, {"notebook": NB}, paths=("notebook",)),
    # ---------------------------------------------------------------- notebooks
    Case(nbs.is_checked, {"cell": NB["cells"][2]}),
    Case(nbs.stray_outputs, {"nb": NB}),
    Case(strip, {"nb": NB}),
    Case(nbs.strip_file, {"path": str(BOOK / "book" / "strip.ipynb"), "write": True},
         paths=("path",)),
    Case(nbs.copy_checked_outputs, {"executed": str(BOOK / "book" / "executed.ipynb"),
                                    "target": str(BOOK / "book" / "target.ipynb")},
         paths=("executed", "target")),
    Case(nbs.repository, {"root": str(BOOK)}, paths=("root",)),
    Case(nbs.colab_requirement, {"url": "https://example.org/rgdl", "branch": "main"}),
    Case(nbs.colab_source, {"requirement": REQ}),
    Case(nbs.colab_cell, {"requirement": REQ}),
    Case(ensure_colab_cell, {"nb": NB, "requirement": REQ}),
    Case(nbs.update_colab_cells, {"root": str(BOOK), "requirement": REQ}, skip=("root",)),
    # ---------------------------------------------------------------- reproductions
    Case(rp.write_record, {"root": str(BOOK), "chapter": "00_x", "entry": ENTRY,
                           "device": "cpu"}, skip=("root",)),
    Case(rp.check_record, {"rec": RECORD, "name": "00_x"}),
    Case(rp.load_records, {"root": str(BOOK)}, paths=("root",)),
    Case(rp.render, {"root": str(BOOK)}, paths=("root",)),
    Case(rp.write_page, {"root": str(BOOK)}, skip=("root",)),
]
