"""Record numbers and checked claims in a chapter, and read them back.

Inside a notebook, :func:`record` glues a value with myst-nb's ``glue`` so the
prose can cite it (``{glue:text}`name:.3f```), and :func:`claim` records a
number together with the bounds it must lie in. :func:`summary`, called in a
chapter's last cell, prints one deterministic line per claim (the cell nbval
checks) and raises if any claim fails, so a chapter whose claims do not hold
errors under papermill, in the book build and in CI.

Outside a notebook, :func:`read_records` and :func:`read_claims` pull every
recorded value back out of an executed ``.ipynb`` (no scrapbook needed).
"""

from __future__ import annotations

import ast
import json
import math
import numbers
import os
from pathlib import Path

import numpy as np

__all__ = [
    "CLAIM_PREFIX", "KINDS", "MIN_SEEDS", "ClaimError", "record", "records", "claim", "claims",
    "format_value", "format_bound", "summary", "reset", "read_records", "read_claims",
]

CLAIM_PREFIX = "claim__"
_GLUE_PREFIX = "application/papermill.record/"

#: Claims made in this process (the kernel), in order.
_claims: list[dict] = []
_names: set[str] = set()


class ClaimError(AssertionError):
    """Raised by :func:`summary` when a recorded claim does not hold."""


def _plain(value):
    """Convert numpy scalars/arrays and tuples to plain JSON-able Python objects."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if hasattr(value, "detach") and hasattr(value, "tolist"):  # torch tensors
        return _plain(value.detach().cpu().tolist())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _glue(name: str, value, display: bool = False) -> None:
    from myst_nb import glue

    glue(name, value, display=display)


def _has_nan(x) -> bool:
    if isinstance(x, float):
        return math.isnan(x)
    if isinstance(x, dict):
        return any(_has_nan(v) for v in x.values())
    if isinstance(x, list):
        return any(_has_nan(v) for v in x)
    return False


def _check_name(name) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier-like string; got {name!r}")
    if name in _names:
        raise ValueError(f"name {name!r} was already recorded in this notebook")
    return name


def _record(name: str, value, display, allow_nan: bool):
    _check_name(name)
    if not isinstance(display, (bool, np.bool_)):
        raise TypeError(f"display must be a bool; got {type(display).__name__}")
    is_figure = type(value).__name__ == "Figure"
    plain = value if is_figure else _plain(value)
    if not allow_nan and not is_figure and _has_nan(plain):
        raise ValueError(f"value of {name!r} contains NaN: a number the prose cannot cite "
                         "(a failed measurement belongs in a claim, which then fails)")
    _glue(name, plain, display=bool(display))
    _names.add(name)
    return value


def record(name: str, value, display: bool = False):
    """Glue ``value`` under ``name`` (numbers become plain floats/ints) and return it.

    Figures (matplotlib) are glued as images; everything else as its plain repr,
    which :func:`read_records` turns back into a Python object. A value holding NaN
    is refused (``ValueError``): nothing the prose cites may be silently undefined.
    """
    return _record(name, value, display, allow_nan=False)


def records(**values) -> None:
    """:func:`record` each keyword argument under its name: ``records(n=3, tau=1.2)``."""
    for name, value in values.items():
        record(name, value)


#: The kinds of claim: ``identity`` (true by a theorem; fails only on a bug, tolerance
#: = round-off), ``oracle`` (compared with an exact result or a published number),
#: ``empirical`` (an effect measured on data, over an ensemble of seeds).
KINDS = ("identity", "oracle", "empirical")

#: Fewest seeds an empirical claim may rest on, per scale (smoke may use fewer).
MIN_SEEDS = {"smoke": 2, "book": 3, "paper": 5}


def _current_scale() -> str:
    import os

    from .scales import ENV_VAR, SCALES

    scale = os.environ.get(ENV_VAR, "").strip()
    return scale if scale in SCALES else "book"


def _bound(name: str, x, finite: bool = False):
    """A bound: None or a real number (not NaN; finite if ``finite``)."""
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number or None; got {type(x).__name__}")
    if math.isnan(x) or (finite and not math.isfinite(x)):
        raise ValueError(f"{name} must be {'finite' if finite else 'a number, not NaN'}; got {x}")
    return x


def _bounds(lo, hi, target, tol):
    lo, hi = _bound("lo", lo), _bound("hi", hi)
    target, tol = _bound("target", target, finite=True), _bound("tol", tol, finite=True)
    if target is not None or tol is not None:
        if target is None or tol is None or lo is not None or hi is not None:
            raise ValueError("give either lo/hi or both target and tol")
        if not tol >= 0:
            raise ValueError(f"tol must be non-negative; got {tol}")
        return target - tol, target + tol
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"lo must be <= hi (else the claim cannot hold); got lo = {lo}, "
                         f"hi = {hi}")
    return lo, hi


def _ensemble(name: str, samples, scale: str | None) -> dict:
    """Mean, standard deviation (ddof 1), n and standard error of an empirical claim's seeds."""
    if samples is None or isinstance(samples, (str, bytes, dict)):
        raise TypeError(f"claim {name!r}: samples must be a sequence of numbers; got "
                        f"{type(samples).__name__}")
    try:
        x = np.asarray(_plain(samples), dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"claim {name!r}: samples must be a sequence of numbers") from None
    need = MIN_SEEDS[scale or _current_scale()]
    if x.size < need:
        raise ValueError(f"claim {name!r}: an empirical claim needs samples from at least "
                         f"{need} seeds at this scale; got {x.size}")
    sd = float(x.std(ddof=1))
    return {"mean": float(x.mean()), "sd": sd, "n": int(x.size),
            "se": sd / math.sqrt(x.size), "samples": x.tolist()}


def claim(name: str, value=None, *, kind: str, lo=None, hi=None, target=None, tol=None,
          samples=None, scale: str | None = None, what: str = "") -> None:
    """Record ``value`` and the claim that it lies in ``[lo, hi]``, with the claim's kind.

    Parameters
    ----------
    name : str
        An identifier, unique in the chapter.
    value : number or bool
        The measured number (a bool: the claim is that it is true). For an
        ``empirical`` claim give ``samples`` instead: the value is their mean.
    kind : "identity", "oracle" or "empirical"
        See :data:`KINDS`. An empirical claim must rest on at least
        :data:`MIN_SEEDS` seeds at the current scale; its mean, standard
        deviation, n and standard error are recorded, and the bound applies to the mean.
    lo, hi : number, optional
        Bounds (either may be omitted for a one-sided claim), or
    target, tol : number, optional
        meaning ``|value - target| <= tol``.
    samples : sequence of numbers, optional
        One per seed (empirical claims only).
    scale : str, optional
        The scale the chapter runs at (default ``$RGDL_SCALE``, else "book").
    what : str
        One line saying what is compared with what.

    Returns
    -------
    None
        Nothing, so a claim as a cell's last line prints nothing. Whether it
        holds is recorded (see :func:`claims`); failures are reported by
        :func:`summary`, not here, so a chapter shows every claim before it stops.
    """
    _check_name(name)
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}")
    if not isinstance(what, str):
        raise TypeError(f"what must be a str; got {type(what).__name__}")
    if scale is not None:
        from .scales import check_scale

        check_scale(scale)
    lo, hi = _bounds(lo, hi, target, tol)
    stats = None
    if kind == "empirical":
        if samples is None or value is not None:
            raise ValueError(f"claim {name!r}: an empirical claim takes samples= (one per seed), "
                             "not a single value")
        stats = _ensemble(name, samples, scale)
        value = stats["mean"]
    elif samples is not None:
        raise ValueError(f"claim {name!r}: samples= is for empirical claims only")
    v = _plain(value)
    if isinstance(v, bool):
        if lo is not None or hi is not None:
            raise ValueError(f"claim {name!r}: a bool value takes no lo, hi, target or tol")
        holds = v
    elif isinstance(v, (int, float)):
        if lo is None and hi is None:
            raise ValueError(f"claim {name!r}: a numeric value needs lo, hi or target/tol")
        holds = math.isfinite(v) and (lo is None or v >= lo) and (hi is None or v <= hi)
    else:
        raise TypeError(f"claim {name!r}: value must be a number or a bool; got {type(value).__name__}")
    entry = {"name": name, "kind": kind, "value": v, "lo": _plain(lo), "hi": _plain(hi),
             "holds": bool(holds), "what": what}
    if stats is not None:
        entry.update(stats)
    _record(name, v, False, allow_nan=True)       # a NaN value is a claim that FAILS
    _glue(CLAIM_PREFIX + name, entry, display=False)
    _claims.append(entry)


def claims() -> list[dict]:
    """The claims recorded so far in this process."""
    return list(_claims)


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.4g}"


def _entry(c, keys) -> dict:
    """``c`` checked as a claim entry: a dict holding ``keys``, numbers (or None) under them."""
    if not isinstance(c, dict):
        raise TypeError(f"c must be a claim entry (a dict); got {type(c).__name__}")
    for key in keys:
        x = c.get(key)
        if not (x is None or isinstance(x, numbers.Real)):
            raise TypeError(f"c[{key!r}] must be a number or None; got {type(x).__name__}")
    return c


def format_value(c: dict) -> str:
    """A claim's value as the results table shows it: ``mean ± s.e. (n=...)`` when empirical."""
    if _entry(c, ("value",)).get("kind") == "empirical":
        _entry(c, ("se", "n"))
        return f"{_fmt(c.get('value'))} ± {_fmt(c.get('se'))} (n={c.get('n')})"
    v = c.get("value")
    return str(v) if isinstance(v, bool) else _fmt(v)


def format_bound(c: dict) -> str:
    """``[lo, hi]``, ``>= lo``, ``<= hi`` or ``true``."""
    lo, hi = _entry(c, ("lo", "hi")).get("lo"), c.get("hi")
    if lo is None and hi is None:
        return "true"
    if lo is None:
        return f"<= {_fmt(hi)}"
    if hi is None:
        return f">= {_fmt(lo)}"
    return f"[{_fmt(lo)}, {_fmt(hi)}]"


def summary() -> None:
    """Print the table of claims (name, kind, value, bound, verdict) and raise if any fails.

    Values are printed with 4 significant digits; the test command sanitizes
    the numbers when nbval compares this output (``tests/nbval_sanitize.cfg``),
    so the comparison checks names, kinds and verdicts.
    """
    if not _claims:
        raise ClaimError("this chapter recorded no claims")
    rows = [("claim", "kind", "value", "bound", "verdict")]
    rows += [(c["name"], c["kind"], format_value(c), format_bound(c),
              "holds" if c["holds"] else "FAILS") for c in _claims]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for r in rows:
        print("  ".join(f"{cell:<{w}}" for cell, w in zip(r, widths)).rstrip())
    failed = [c for c in _claims if not c["holds"]]
    if failed:
        lines = [f"{c['name']} = {c['value']!r} not in [{c['lo']}, {c['hi']}]" for c in failed]
        raise ClaimError("claims that do not hold:\n" + "\n".join(lines))


def reset() -> None:
    """Forget recorded names and claims (for tests and re-running a notebook)."""
    _claims.clear()
    _names.clear()


def _parse(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        if text in ("nan", "inf", "-inf"):
            return float(text)
        return text


def _load(notebook) -> dict:
    """A notebook dict from ``notebook`` (a dict, or a path to read): ``TypeError``/
    ``ValueError`` naming ``notebook`` (``OSError`` when the file cannot be read)."""
    if isinstance(notebook, dict):
        return notebook
    if not isinstance(notebook, (str, os.PathLike)):
        raise TypeError("notebook must be a path or a notebook dict; "
                        f"got {type(notebook).__name__}")
    text = Path(notebook).read_text()
    try:
        nb = json.loads(text)
    except ValueError as err:
        raise ValueError(f"notebook {str(notebook)!r} is not JSON: {err}") from None
    if not isinstance(nb, dict):
        raise ValueError(f"notebook {str(notebook)!r} holds no notebook (a JSON object)")
    return nb


def _outputs(notebook):
    """The outputs of a notebook's code cells, each checked to be a dict."""
    cells = _load(notebook).get("cells", [])
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise ValueError("notebook: 'cells' must be a list of cells (objects)")
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        outputs = cell.get("outputs") or []
        if not isinstance(outputs, list) or not all(isinstance(o, dict) for o in outputs):
            raise ValueError("notebook: a code cell's 'outputs' must be a list of objects")
        for output in outputs:
            if not isinstance(output.get("metadata") or {}, dict) or \
                    not isinstance(output.get("data") or {}, dict):
                raise ValueError("notebook: an output's metadata and data must be objects")
            yield output


def read_records(notebook) -> dict:
    """Every value glued in an executed notebook: ``{name: value}``.

    ``notebook`` is a path or a parsed notebook (dict). Figures come back as the
    string ``"<figure>"``; claim entries are included under ``claim__<name>``.
    """
    out = {}
    for output in _outputs(notebook):
        meta = (output.get("metadata") or {}).get("scrapbook")
        if not isinstance(meta, dict) or "name" not in meta:
            continue
        data = {k[len(_GLUE_PREFIX):] if k.startswith(_GLUE_PREFIX) else k: v
                for k, v in (output.get("data") or {}).items()}
        if "image/png" in data or "image/svg+xml" in data:
            out[meta["name"]] = "<figure>"
            continue
        text = data.get("text/plain")
        if isinstance(text, list):
            text = "".join(text)
        out[meta["name"]] = _parse(text) if isinstance(text, str) else None
    return out


def read_claims(notebook) -> dict:
    """The claims of an executed notebook: ``{name: {kind, value, lo, hi, holds, what, ...}}``."""
    return {k[len(CLAIM_PREFIX):]: v for k, v in read_records(notebook).items()
            if k.startswith(CLAIM_PREFIX)}
