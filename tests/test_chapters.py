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


#: Longest code cell and largest median code cell a chapter may have (lines).
MAX_CELL_LINES, MAX_MEDIAN_LINES = 25, 10


def _code_cells(chapter):
    nb = json.loads(chapter.path.read_text())
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.name for c in CHAPTERS])
def test_chapter_cells_are_short_calls(chapter):
    import statistics

    lengths = [len("".join(c["source"]).splitlines()) for c in _code_cells(chapter)]
    assert max(lengths) <= MAX_CELL_LINES, f"a code cell has {max(lengths)} lines"
    assert statistics.median(lengths) <= MAX_MEDIAN_LINES, f"median code cell {statistics.median(lengths)}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.name for c in CHAPTERS])
def test_figure_cells_hide_their_code_and_the_frame_cells_show_theirs(chapter):
    cells = _code_cells(chapter)
    for i, cell in enumerate(cells):
        src = "".join(cell["source"])
        tags = cell.get("metadata", {}).get("tags", [])
        if "plots." in src or "plt." in src:
            assert "hide-input" in tags or "remove-input" in tags, \
                f"code cell {i} draws a figure but is not tagged hide-input:\n{src[:200]}"
    frame = [cells[0], cells[-1]]  # the parameters and results cells stay visible
    visible = [c for c in cells if "remove-input" not in c.get("metadata", {}).get("tags", [])]
    if len(visible) > 1:
        frame.append(visible[1])  # the set-up cell (after a hidden Colab install cell, if any)
    for cell in frame:
        assert "hide-input" not in cell.get("metadata", {}).get("tags", [])
