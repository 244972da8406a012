"""Run every fuzz case against its whole pool of bad values and print the problems.

``python -m tests.fuzz.report [cases_module ...]`` (from the repository root): a quick
triage of what tests/test_api_fuzz.py would find, exhaustively and without hypothesis.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import warnings

import tests.fuzz as fuzz_pkg
from tests.fuzz.harness import Hang, bad_values, call_with_limit, verdict


def main(argv) -> int:
    names = argv or [i.name for i in pkgutil.iter_modules(fuzz_pkg.__path__)
                     if i.name.startswith("cases_")]
    problems = 0
    for name in names:
        for case in importlib.import_module(f"tests.fuzz.{name}").CASES:
            for arg in (a for a in case.kwargs if a not in case.skip):
                for bad in bad_values(case.kwargs[arg]) + list(case.extra_bad.get(arg, ())):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        try:
                            outcome = call_with_limit(case.fn, dict(case.kwargs, **{arg: bad}))
                        except (Hang, Exception) as err:  # noqa: BLE001
                            outcome = err
                    problem = verdict(case, arg, bad, outcome)
                    if problem:
                        problems += 1
                        print(problem.splitlines()[0][:300])
    print(f"{problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
