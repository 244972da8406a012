import pytest

from rgdl.book import scales


def test_pick_returns_the_value_of_each_scale():
    assert scales.pick("smoke", smoke=1, book=2, paper=3) == 1
    assert scales.pick("book", smoke=1, book=2, paper=3) == 2
    assert scales.pick("paper", smoke=1, book=2, paper=3) == 3
    assert scales.pick("paper", smoke=1, book=2) == 2


@pytest.mark.parametrize("bad", ["huge", "", None, 3, "Smoke"])
def test_unknown_scale_lists_the_valid_ones(bad):
    with pytest.raises(ValueError, match="smoke.*book.*paper"):
        scales.check_scale(bad)


def test_environment_overrides_the_parameter(monkeypatch):
    monkeypatch.setenv(scales.ENV_VAR, "smoke")
    assert scales.resolve("book") == "smoke"
    monkeypatch.setenv(scales.ENV_VAR, "nonsense")
    with pytest.raises(ValueError, match=scales.ENV_VAR):
        scales.resolve("book")
    monkeypatch.delenv(scales.ENV_VAR)
    assert scales.resolve("paper") == "paper"


@pytest.mark.parametrize("arg", ["smoke", "book", "paper"])
def test_pick_refuses_a_nan_value_naming_its_scale(arg):
    values = dict({"smoke": 1, "book": 2, "paper": 3}, **{arg: float("nan")})
    with pytest.raises(ValueError, match=arg):       # was returned (NaN) for that scale
        scales.pick("paper" if arg == "book" else arg, **values)
