"""Fuzz cases for rgdl.book.chapters (finding chapters, results files, output folders).

``execute`` and ``reproduce`` start a Jupyter kernel per call, far past the harness's time
limit; they are tested end to end in tests/test_cli.py (bad scale, device, timeout, output
folder and results file, each refused in one line).
"""

import tempfile
from pathlib import Path

from rgdl.book import chapters
from tests.fuzz.harness import Case

_TMP = Path(tempfile.mkdtemp(prefix="rgdl-fuzz-chapters-"))
(_TMP / "book").mkdir()
(_TMP / "book" / "a.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, '
                                       '"nbformat_minor": 5}')
(_TMP / "_toc.yml").write_text("format: jb-book\nroot: book/a\n")
(_TMP / "out").mkdir()
(_TMP / "out" / "results.json").write_text('{"a": {"status": "ok"}}')

CASES = [
    Case(chapters.repo_root, {"start": str(_TMP)}, paths=("start",)),
    Case(chapters.list_chapters, {"root": str(_TMP)}, paths=("root",)),
    Case(chapters.select, {"names": [], "root": str(_TMP)}, paths=("root",)),
    Case(chapters.select, {"names": ["a"], "root": str(_TMP)}, skip=("root",)),
    Case(chapters.read_results, {"path": str(_TMP / "out" / "results.json")}, paths=("path",)),
    # check_out creates the folder it is given: a fuzzed "bogus" would land in the
    # working folder, so its argument is checked by tests/test_cli.py instead
    Case(chapters.check_out, {"out": str(_TMP / "out")}, skip=("out",)),
]
