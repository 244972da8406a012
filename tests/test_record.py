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
