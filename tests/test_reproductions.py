"""The committed records of reproductions (results/<scale>/<chapter>.json) and their page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rgdl.book import chapters, reproductions

REPO = Path(__file__).resolve().parent.parent
RECORDS = sorted((REPO / "results").glob("*/*.json"))


@pytest.mark.parametrize("path", RECORDS, ids=[f"{p.parent.name}/{p.stem}" for p in RECORDS])
def test_every_committed_record_has_its_schema_and_its_claims_hold(path):
    rec = reproductions.check_record(json.loads(path.read_text()), str(path))
    assert rec["chapter"] == path.stem and rec["scale"] == path.parent.name
    assert rec["chapter"] in {c.name for c in chapters.list_chapters(REPO)}
    assert rec["status"] == "ok"
    failed = [name for name, c in rec["claims"].items() if not c["holds"]]
    assert not failed, f"{path}: claims that do not hold: {failed}"
    for name, c in rec["claims"].items():
        assert c["kind"] in ("identity", "oracle", "empirical"), name
        if c["kind"] == "empirical":
            assert c["n"] >= {"smoke": 2, "book": 3, "paper": 5}[rec["scale"]], name


def test_the_reproductions_page_is_up_to_date():
    page = REPO / reproductions.PAGE
    assert page.read_text() == reproductions.render(REPO), \
        "book/reproductions.md is stale: run python -m rgdl reproductions"


def test_check_record_names_what_is_missing():
    with pytest.raises(ValueError, match="missing keys"):
        reproductions.check_record({"chapter": "x"})
    with pytest.raises(ValueError, match="object"):
        reproductions.check_record([])


def test_notes_on_the_runs_follow_the_records(tmp_path):
    assert "Notes on the runs" not in reproductions.render(tmp_path)
    (tmp_path / "results").mkdir()
    (tmp_path / reproductions.NOTES).write_text("Chapter 9 took **3 h** on a laptop.\n")
    page = reproductions.render(tmp_path)
    assert page.endswith("## Notes on the runs\n\nChapter 9 took **3 h** on a laptop.\n")


def test_a_claim_whose_bounds_differ_by_scale_shows_each_scale_s_bound(tmp_path):
    git = {"commit": "abc", "dirty": False}

    def entry(scale, **claims):
        return {"scale": scale, "status": "ok", "seconds": 60.0, "records": {},
                "claims": {name: {"kind": "oracle", "value": 0.5, "holds": True, **b}
                           for name, b in claims.items()}}
    same, book_only = dict(lo=0.0, hi=1.0), dict(lo=None, hi=0.6)
    reproductions.write_record(tmp_path, "09_x", entry("book", a=same, b=book_only), git=git)
    reproductions.write_record(tmp_path, "09_x", entry("paper", a=same, b=dict(lo=0.2, hi=None)),
                               git=git)
    rows = {line.split("|")[1].strip(): line for line in reproductions.render(tmp_path).splitlines()
            if line.startswith("| `")}
    assert rows["`a`"].endswith("| [0, 1] |")
    assert rows["`b`"].endswith("| book: <= 0.6; paper: >= 0.2 |")
