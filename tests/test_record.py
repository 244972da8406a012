import json

import numpy as np
import pytest

from rgdl import record


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
    assert record.claim("err", np.float64(1e-12), lo=0, hi=1e-10)
    assert not record.claim("z", 5.0, target=0.0, tol=4.0)
    assert record.claim("ok", True)
    nb = json.loads(json.dumps(_notebook_from(outputs)))
    values = record.read_records(nb)
    assert values["n"] == 3 and values["err"] == 1e-12
    claims = record.read_claims(nb)
    assert claims["err"]["holds"] and not claims["z"]["holds"] and claims["ok"]["holds"]
    assert claims["z"]["lo"] == -4.0 and claims["z"]["hi"] == 4.0


def test_summary_prints_and_raises_on_failure(monkeypatch, capsys):
    _capture(monkeypatch)
    record.claim("a", 1.0, lo=0.0)
    record.summary()
    assert "a  holds" in capsys.readouterr().out
    record.claim("b", float("nan"), lo=0.0)
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
        record.claim("c", 1.0)
    with pytest.raises(ValueError, match="either"):
        record.claim("d", 1.0, target=1.0)
    with pytest.raises(TypeError, match="number"):
        record.claim("e", "text", lo=0)
    with pytest.raises(record.ClaimError, match="no claims"):
        record.reset() or record.summary()
