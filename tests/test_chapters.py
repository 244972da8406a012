"""Every chapter is a test: executed with papermill at smoke scale, its claims must hold.

Adding a notebook to ``_toc.yml`` adds a test here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rgdl.book import chapters, notebooks
from rgdl.book.record import read_claims, read_records

REPO = Path(__file__).resolve().parent.parent
CHAPTERS = chapters.list_chapters(REPO)


def test_toc_names_every_chapter_notebook():
    listed = {c.path.resolve() for c in CHAPTERS}
    on_disk = {p.resolve() for p in (REPO / "book").glob("*.ipynb")}
    assert on_disk - listed == set(), "notebooks in book/ missing from _toc.yml"
    assert CHAPTERS, "no chapters found"


@pytest.mark.chapter
@pytest.mark.parametrize("name", [c.name for c in CHAPTERS])
def test_chapter_claims_hold_at_smoke_scale(smoke_run, name):
    executed = smoke_run(name)
    claims = read_claims(executed)
    assert claims, f"chapter {name} recorded no claims"
    failed = {k: v for k, v in claims.items() if not v["holds"]}
    assert not failed, f"chapter {name}: claims that do not hold: {failed}"
    records = read_records(executed)
    for key, claim in claims.items():
        assert records[key] == claim["value"], f"{key}: recorded value differs from the claim"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.name for c in CHAPTERS])
def test_chapter_follows_the_template(chapter):
    nb = json.loads(chapter.path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    first = code[0]
    assert "parameters" in first.get("metadata", {}).get("tags", []), "first code cell must be tagged 'parameters'"
    assert "".join(first["source"]).strip() == 'scale = "book"'
    last = "".join(code[-1]["source"])
    assert notebooks.MARK in last and "record.summary()" in last, "last code cell must be the results cell"
    assert notebooks.stray_outputs(nb) == [], "outputs are committed outside NBVAL_CHECK_OUTPUT cells"
    assert code[-1]["outputs"], "the results cell's checked output is not committed (python -m rgdl refresh)"
