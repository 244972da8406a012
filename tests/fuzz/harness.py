"""The fuzz harness: bad values, a per-call time limit, and the verdict on one call."""

from __future__ import annotations

import dataclasses
import math
import numbers
import signal
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

#: Seconds one call may take before it counts as a hang.
TIME_LIMIT = 3.0


@dataclass
class Case:
    """A public function and keyword arguments for which it returns normally.

    ``skip``: arguments not to fuzz (e.g. callbacks, progress flags);
    ``paths``: arguments that are file paths (an ``OSError`` is then acceptable).
    """

    fn: Callable
    kwargs: dict
    skip: tuple = ()
    paths: tuple = ()
    extra_bad: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.fn.__module__}.{getattr(self.fn, '__qualname__', self.fn)}"


class Hang(Exception):
    """A call ran past :data:`TIME_LIMIT`."""


def _alarm(signum, frame):
    raise Hang()


def call_with_limit(fn, kwargs, limit=TIME_LIMIT):
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return fn(**kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class _Opaque:
    def __repr__(self):
        return "<opaque object>"


def bad_values(valid) -> list:
    """Values of the wrong type, range or shape for an argument whose valid value is ``valid``."""
    common = [None, "bogus", _Opaque()]
    if isinstance(valid, bool):
        return common + [2, 0.5]
    if isinstance(valid, numbers.Integral):
        return common + [-1, 0, 2.5, float("nan"), 2**40, 2**70, True]
    if isinstance(valid, numbers.Real):
        return common + [float("nan"), float("inf"), -float("inf"), -1.0, 0.0, 1e300]
    if isinstance(valid, str):
        return [None, 3, "bogus", ""]
    if isinstance(valid, np.ndarray) or hasattr(valid, "detach"):
        arr = np.asarray(valid.detach().cpu() if hasattr(valid, "detach") else valid)
        out = common + [np.array([]), arr.ravel()[:1].reshape(()) if arr.size else np.array(0.0)]
        if arr.size and arr.dtype.kind in "fiu":
            nan = arr.astype(np.float64).copy()
            nan.flat[0] = np.nan
            out += [nan, arr.astype(np.float64) + 0.5, arr[..., None] if arr.ndim < 4 else arr[0]]
        return out
    if isinstance(valid, (list, tuple)):
        return common + [[], [float("nan")], ["x"]]
    return common


def _finite(value) -> bool:
    """False if ``value`` holds a NaN anywhere (numbers, arrays, tensors, dicts, dataclasses)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return True
    if isinstance(value, numbers.Number):
        return not (isinstance(value, float) and math.isnan(value))
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return value.dtype.kind not in "fc" or not np.isnan(value).any()
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value[:1000])
    if dataclasses.is_dataclass(value):
        return all(_finite(getattr(value, f.name)) for f in dataclasses.fields(value))
    return True


def verdict(case: Case, arg: str, bad, outcome) -> str | None:
    """``None`` if the call's outcome is acceptable, else what is wrong (for the report)."""
    where = f"{case.name}({arg}={bad!r})"
    if isinstance(outcome, Hang):
        return f"{where} ran past {TIME_LIMIT} s"
    if isinstance(outcome, BaseException):
        ok_types = (ValueError, TypeError) + ((OSError,) if arg in case.paths else ())
        if not isinstance(outcome, ok_types):
            return f"{where} raised {type(outcome).__name__}: {outcome}"
        if arg not in str(outcome) and not isinstance(outcome, OSError):
            return f"{where} raised {type(outcome).__name__} not naming {arg!r}: {outcome}"
        return None
    if not _finite(outcome):
        return f"{where} returned NaN"
    return None
