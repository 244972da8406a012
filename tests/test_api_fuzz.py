"""Every public function, called with bad arguments, refuses them naming the argument.

For each case in ``tests/fuzz/cases_*.py`` (a function and arguments for which
it works), hypothesis replaces one argument with a bad value: of the wrong
type, NaN or infinite, negative or zero, a float for an int, a size too large
for the machine (2**40), an array of the wrong shape or with NaN or non-spin
values. Acceptable outcomes: a result with no NaN in it (the value was valid
after all), or a ``ValueError``/``TypeError`` (``OSError`` for paths) whose
message names the argument. Unacceptable: any other exception, a message that
does not name the argument, NaN in the result, or a call past the time limit.
"""

from __future__ import annotations

import importlib
import pkgutil
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tests.fuzz as fuzz_pkg
from tests.fuzz.harness import Hang, bad_values, call_with_limit, verdict

CASES = [case for info in pkgutil.iter_modules(fuzz_pkg.__path__) if info.name.startswith("cases_")
         for case in importlib.import_module(f"tests.fuzz.{info.name}").CASES]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_valid_call_works(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        call_with_limit(case.fn, dict(case.kwargs))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_bad_argument_is_refused_naming_it(case, data):
    args = [a for a in case.kwargs if a not in case.skip]
    if not args:
        return
    arg = data.draw(st.sampled_from(args), label="argument")
    pool = bad_values(case.kwargs[arg]) + list(case.extra_bad.get(arg, ()))
    bad = data.draw(st.sampled_from(pool), label="bad value")
    kwargs = dict(case.kwargs, **{arg: bad})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            outcome = call_with_limit(case.fn, kwargs)
        except (Hang, Exception) as err:  # noqa: BLE001 - judged below
            outcome = err
    problem = verdict(case, arg, bad, outcome)
    assert problem is None, problem
