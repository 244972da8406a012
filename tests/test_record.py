import json

import numpy as np
import pytest

from rgdl.book import record


@pytest.fixture(autouse=True)
def clean():
    record.reset()
    yield
    record.reset()


def _notebook_from(outputs):
    return {"cells": [{"cell_type": "code", "outputs": outputs, "source": "", "metadata": {}}]}


def _capture(monkeypatch):
    outputs = []

    def fake_glue(name, value, display=False):
        import IPython

        bundle, meta = IPython.core.formatters.format_display_data(value)
        prefix = "" if display else "application/papermill.record/"
        meta["scrapbook"] = {"name": name, "mime_prefix": prefix}
        outputs.append({"output_type": "display_data", "metadata": meta,
                        "data": {prefix + k: v for k, v in bundle.items()}})

    monkeypatch.setattr(record, "_glue", fake_glue)
    return outputs


def test_records_and_claims_round_trip_through_a_notebook(monkeypatch):
    outputs = _capture(monkeypatch)
    record.record("n", np.int64(3))
    assert record.claim("err", np.float64(1e-12), kind="identity", lo=0, hi=1e-10) is None
    record.claim("z", 5.0, kind="oracle", target=0.0, tol=4.0)
    record.claim("ok", True, kind="oracle")
    assert [c["holds"] for c in record.claims()] == [True, False, True]
    nb = json.loads(json.dumps(_notebook_from(outputs)))
    values = record.read_records(nb)
    assert values["n"] == 3 and values["err"] == 1e-12
    claims = record.read_claims(nb)
    assert claims["err"]["holds"] and not claims["z"]["holds"] and claims["ok"]["holds"]
    assert claims["z"]["lo"] == -4.0 and claims["z"]["hi"] == 4.0
    assert claims["err"]["kind"] == "identity" and claims["z"]["kind"] == "oracle"


def test_summary_prints_and_raises_on_failure(monkeypatch, capsys):
    _capture(monkeypatch)
    record.claim("a", 1.0, kind="oracle", lo=0.0)
    record.summary()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["claim", "kind", "value", "bound", "verdict"]
    assert lines[1].split() == ["a", "oracle", "1", ">=", "0", "holds"]
    record.claim("b", float("nan"), kind="oracle", lo=0.0)
    with pytest.raises(record.ClaimError, match="b"):
        record.summary()


def test_bad_claims_and_names(monkeypatch):
    _capture(monkeypatch)
    with pytest.raises(ValueError, match="name"):
        record.record("not an identifier", 1)
    record.record("x", 1)
    with pytest.raises(ValueError, match="already"):
        record.record("x", 2)
    with pytest.raises(ValueError, match="lo, hi"):
        record.claim("c", 1.0, kind="oracle")
    with pytest.raises(ValueError, match="either"):
        record.claim("d", 1.0, kind="oracle", target=1.0)
    with pytest.raises(TypeError, match="number"):
        record.claim("e", "text", kind="oracle", lo=0)
    with pytest.raises(ValueError, match="kind"):
        record.claim("f", 1.0, kind="measured", lo=0)
    with pytest.raises(TypeError, match="kind"):
        record.claim("g", 1.0, lo=0)
    with pytest.raises(record.ClaimError, match="no claims"):
        record.reset() or record.summary()


def test_empirical_claims_carry_mean_sd_n_and_standard_error(monkeypatch, capsys):
    outputs = _capture(monkeypatch)
    record.claim("eff", kind="empirical", samples=[1.0, 2.0, 3.0], lo=1.5, scale="book")
    nb = json.loads(json.dumps(_notebook_from(outputs)))
    c = record.read_claims(nb)["eff"]
    assert c["value"] == 2.0 and c["n"] == 3 and c["sd"] == pytest.approx(1.0)
    assert c["se"] == pytest.approx(1.0 / np.sqrt(3)) and c["samples"] == [1.0, 2.0, 3.0]
    record.summary()
    row = capsys.readouterr().out.splitlines()[1]
    assert "empirical" in row and "2 ± 0.5774 (n=3)" in row and row.endswith("holds")


def test_empirical_claims_need_enough_seeds_and_no_single_value(monkeypatch):
    _capture(monkeypatch)
    with pytest.raises(ValueError, match="at least 3 seeds"):
        record.claim("few", kind="empirical", samples=[1.0, 2.0], lo=0, scale="book")
    with pytest.raises(ValueError, match="at least 5 seeds"):
        record.claim("few", kind="empirical", samples=[1.0] * 4, lo=0, scale="paper")
    with pytest.raises(ValueError, match="samples="):
        record.claim("one", 1.0, kind="empirical", lo=0)
    with pytest.raises(ValueError, match="empirical claims only"):
        record.claim("two", 1.0, kind="oracle", samples=[1.0, 2.0], lo=0)


# ------------------------------------------------------------ bad input (issue #13)

def test_record_refuses_nan_and_a_bad_display_naming_them(monkeypatch):
    glued = _capture(monkeypatch)
    with pytest.raises(ValueError, match="value"):
        record.record("x", float("nan"))            # was glued for the prose, silently
    with pytest.raises(ValueError, match="value"):
        record.record("y", {"a": [1.0, np.nan]})
    with pytest.raises(TypeError, match="display"):
        record.record("z", 1.0, display=2)
    assert not glued and record.record("x", float("inf")) == float("inf")
    record.claim("failed", float("nan"), kind="oracle", lo=0.0)   # a NaN claim still FAILS
    assert not record.claims()[0]["holds"]


@pytest.mark.parametrize("kwargs, err, arg", [
    (dict(value=1.0, lo=float("nan")), ValueError, "lo"),
    (dict(value=1.0, hi="bogus"), TypeError, "hi"),
    (dict(value=1.0, lo=2.0, hi=1.0), ValueError, "lo"),
    (dict(value=1.0, target=float("nan"), tol=1.0), ValueError, "target"),
    (dict(value=1.0, target=0.0, tol=float("inf")), ValueError, "tol"),
    (dict(value=True, lo=0.0), ValueError, "lo"),
    (dict(value=1.0, lo=0.0, scale="bogus"), ValueError, "scale"),
    (dict(value=1.0, lo=0.0, what=3), TypeError, "what"),
    (dict(value=1.0, lo=0.0, kind=None), ValueError, "kind"),
    (dict(value=None, lo=0.0), TypeError, "value"),
    (dict(kind="empirical", samples="bogus", hi=1.0), TypeError, "samples"),
    (dict(kind="empirical", samples=["x", "y"], hi=1.0), TypeError, "samples"),
    (dict(kind="empirical", samples=[], hi=1.0, scale="smoke"), ValueError, "samples"),
    (dict(name=None, value=1.0, lo=0.0), ValueError, "name"),
])
def test_claim_refuses_each_bad_argument_by_name(monkeypatch, kwargs, err, arg):
    _capture(monkeypatch)
    kwargs = dict({"name": "c", "kind": "oracle"}, **kwargs)
    with pytest.raises(err, match=arg):
        record.claim(**kwargs)
    assert record.claims() == []


def test_format_and_read_refuse_what_is_not_a_claim_or_a_notebook(tmp_path):
    for bad in (None, "bogus", {"value": "x"}):
        with pytest.raises(TypeError, match="c"):
            record.format_value(bad)
    with pytest.raises(TypeError, match="c"):
        record.format_bound({"lo": "x"})
    with pytest.raises(TypeError, match="notebook"):
        record.read_records(None)
    garbage = tmp_path / "x.ipynb"
    garbage.write_text("{not json")
    with pytest.raises(ValueError, match="notebook"):
        record.read_records(garbage)                 # was a bare JSONDecodeError
    with pytest.raises(ValueError, match="notebook"):
        record.read_claims({"cells": "abc"})         # was an AttributeError
    with pytest.raises(OSError):
        record.read_records(tmp_path / "missing.ipynb")


# ------------------------------------------------------------ notebooks and reproductions

def _tiny_book(root):
    from rgdl.book import notebooks

    (root / "book").mkdir(parents=True)
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                   "  - file: book/00_x\n")
    (root / "_config.yml").write_text("repository:\n  url: https://example.org/r\n")
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "p", "metadata": {"tags": ["parameters"]}, "outputs": [],
         "execution_count": None, "source": 'scale = "book"'}]}
    (root / "book" / "00_x.ipynb").write_text(json.dumps(nb))
    return notebooks


def test_notebook_helpers_name_their_bad_arguments(tmp_path):
    from rgdl.book import notebooks

    with pytest.raises(TypeError, match="cell"):
        notebooks.is_checked(None)                   # was an AttributeError
    for fn in (notebooks.strip, notebooks.stray_outputs):
        with pytest.raises(TypeError, match="nb"):
            fn(None)
        with pytest.raises(ValueError, match="nb"):
            fn({"cells": [1, 2]})
    with pytest.raises(TypeError, match="nb"):
        notebooks.ensure_colab_cell(None, "rgdl")
    with pytest.raises(TypeError, match="path"):
        notebooks.strip_file(None)
    garbage = tmp_path / "g.ipynb"
    garbage.write_text("[1, 2")
    with pytest.raises(ValueError, match="path"):
        notebooks.strip_file(garbage)
    with pytest.raises(ValueError, match="executed"):
        notebooks.copy_checked_outputs(garbage, garbage)
    with pytest.raises(TypeError, match="write"):
        notebooks.strip_file(garbage, write="yes")
    with pytest.raises(TypeError, match="root"):
        notebooks.repository(3)


def test_update_colab_cells_checks_root_and_requirement_and_edits_only_that_book(tmp_path):
    notebooks = _tiny_book(tmp_path)
    with pytest.raises(TypeError, match="root"):
        notebooks.update_colab_cells(root=3)
    with pytest.raises(ValueError, match="requirement"):
        notebooks.update_colab_cells(root=tmp_path, requirement="")
    assert notebooks.update_colab_cells(root=tmp_path) == [tmp_path / "book" / "00_x.ipynb"]
    assert notebooks.update_colab_cells(root=tmp_path) == []


ENTRY = {"scale": "smoke", "status": "ok", "seconds": 1.5, "records": {"x": 1.5},
         "claims": {"c": {"kind": "oracle", "value": 1.0, "lo": 0.0, "hi": 2.0,
                          "holds": True}}}


@pytest.mark.parametrize("kwargs, err, arg", [
    (dict(root=None), TypeError, "root"), (dict(root=""), TypeError, "root"),
    (dict(chapter="../evil"), ValueError, "chapter"), (dict(chapter=3), ValueError, "chapter"),
    (dict(entry=None), TypeError, "entry"), (dict(entry={"scale": "smoke"}), ValueError, "entry"),
    (dict(entry=dict(ENTRY, seconds=float("nan"))), ValueError, "seconds"),
    (dict(entry=dict(ENTRY, scale="bogus")), ValueError, "scale"),
    (dict(device="bogus"), ValueError, "device"),
    (dict(git={"commit": "abc"}), ValueError, "git"), (dict(git="abc"), ValueError, "git"),
])
def test_write_record_checks_everything_before_writing(tmp_path, kwargs, err, arg):
    from rgdl.book import reproductions

    kw = dict(dict(root=tmp_path, chapter="00_x", entry=ENTRY, device="cpu"), **kwargs)
    with pytest.raises(err, match=arg):
        reproductions.write_record(**kw)
    assert not (tmp_path / "results").exists()


def test_a_record_keeps_the_source_state_of_the_start_of_its_run(tmp_path):
    # reproduce reads the commit before the first chapter: a run that outlives a commit
    # (or files edited meanwhile) must not be credited to the code of its end
    from rgdl.book import reproductions

    start = {"commit": "0123456789abcdef", "dirty": False}
    path = reproductions.write_record(tmp_path, "00_x", ENTRY, device="cpu", git=start)
    assert json.loads(path.read_text())["git"] == start
    assert set(reproductions.source_state(tmp_path)) == {"commit", "dirty"}


def test_records_and_page_round_trip_in_a_folder_and_refuse_bad_roots(tmp_path):
    from rgdl.book import reproductions

    path = reproductions.write_record(tmp_path, "00_x", ENTRY, device="cpu")
    assert path == tmp_path / "results" / "smoke" / "00_x.json"
    assert reproductions.load_records(tmp_path)["smoke"]["00_x"]["seconds"] == 1.5
    page = reproductions.write_page(tmp_path)
    assert page == tmp_path / "book" / "reproductions.md" and "00_x" in page.read_text()
    for fn in (reproductions.load_records, reproductions.render, reproductions.write_page):
        with pytest.raises(TypeError, match="root"):
            fn(None)
    path.write_text("{garbage")
    with pytest.raises(ValueError, match="00_x.json"):
        reproductions.load_records(tmp_path)         # was a bare JSONDecodeError
    with pytest.raises(ValueError, match="rec"):
        reproductions.check_record(None)
