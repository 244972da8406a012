"""Command line: ``python -m rgdl {list,reproduce,refresh,strip,reproductions}``.

``reproduce [CHAPTER ...] --scale S --out DIR [--device D] [--timeout T] [--force] [--record]``
    execute chapters with papermill; write the executed notebooks and
    ``DIR/results.json``. ``--device auto|cpu|cuda`` picks the chapters' device
    (auto: CUDA when present). ``--record`` also writes
    ``results/<scale>/<chapter>.json`` for the Reproductions page.
``list``
    print the chapters named in ``_toc.yml``.
``refresh CHAPTER ...``
    execute at smoke scale and store the outputs of the ``# NBVAL_CHECK_OUTPUT``
    cells in the committed notebook (run before committing a chapter).
``strip NOTEBOOK ...``
    remove outputs except those of cells marked ``# NBVAL_CHECK_OUTPUT``.
``reproductions``
    rewrite ``book/reproductions.md`` from the committed records.

Exit status: 0 success; 1 a chapter failed or a claim does not hold (one line
naming the chapter and the cell or claims); 2 a user error (unknown chapter,
scale or device, unusable ``--out``, bad ``--timeout``), one line, nothing run.
"""

from __future__ import annotations

import argparse
import math
import sys

from ..core import runtime
from . import scales


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message):
        self.exit(2, f"error: {message} (see python -m rgdl -h)\n")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--timeout must be a number of seconds; got {text!r}")
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"--timeout must be finite and > 0; got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m rgdl", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="print the chapters in book order")
    r = sub.add_parser("reproduce", help="execute chapters at a scale")
    r.add_argument("chapters", nargs="*", help="chapter names (default: all)")
    r.add_argument("--scale", default="book", help="smoke, book or paper (default: book)")
    r.add_argument("--out", default="out", help="output folder (default: out)")
    r.add_argument("--force", action="store_true", help="rerun chapters already done")
    r.add_argument("--timeout", type=_seconds, default=None, help="per-cell timeout in seconds")
    r.add_argument("--device", default=None,
                   help="auto, cpu or cuda (default: $RGDL_DEVICE, else each chapter's choice)")
    r.add_argument("--record", action="store_true",
                   help="also write results/<scale>/<chapter>.json (the Reproductions page)")
    f = sub.add_parser("refresh", help="run chapters at smoke scale and store the outputs "
                       "of their NBVAL_CHECK_OUTPUT cells in the committed notebooks")
    f.add_argument("chapters", nargs="+")
    s = sub.add_parser("strip", help="strip outputs except NBVAL_CHECK_OUTPUT cells")
    s.add_argument("notebooks", nargs="+")
    s.add_argument("--check", action="store_true", help="only report; exit 1 if any would change")
    sub.add_parser("reproductions", help="rewrite book/reproductions.md from results/")
    return p


def _refresh(ch, names) -> int:
    import tempfile
    from pathlib import Path

    from .notebooks import copy_checked_outputs

    picked = ch.select(names)
    with tempfile.TemporaryDirectory() as tmp:
        for c in picked:
            ran = ch.execute(c, "smoke", Path(tmp) / f"{c.name}.ipynb")
            copy_checked_outputs(ran, c.path)
            print(f"refreshed {c.path}")
    return 0


def _reproduce(ch, args) -> int:
    try:  # validate everything before anything runs or is written
        scales.check_scale(args.scale)
        if args.device is not None:
            runtime.device_choice("--device", args.device)
        picked = {c.name for c in ch.select(args.chapters)}
        ch.check_out(args.out)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    results = ch.reproduce(args.chapters, args.scale, args.out, force=args.force,
                           timeout=args.timeout, device=args.device, record=args.record)
    failed = {k: v for k, v in results.items() if k in picked and v.get("status") != "ok"}
    broken = {k: [n for n, c in v.get("claims", {}).items() if not c.get("holds")]
              for k, v in results.items() if k in picked}
    for name, entry in failed.items():
        print(f"FAILED {entry.get('error', name)}", file=sys.stderr)
    for name, bad in broken.items():
        if bad and name not in failed:
            print(f"FAILED chapter {name}: claims do not hold: {', '.join(bad)}", file=sys.stderr)
    print(f"wrote {args.out}/results.json")
    return 1 if failed or any(broken.values()) else 0


def main(argv=None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("interrupted: finished chapters are kept; the same command resumes",
              file=sys.stderr)
        return 130


def _main(argv) -> int:
    args = _parser().parse_args(argv)
    from . import chapters as ch

    if args.command == "list":
        for c in ch.list_chapters():
            print(c.name)
        return 0
    if args.command == "strip":
        from .notebooks import strip_file

        changed = [n for n in args.notebooks if strip_file(n, write=not args.check)]
        for n in changed:
            print(("would strip " if args.check else "stripped ") + n)
        return 1 if (args.check and changed) else 0
    if args.command == "reproductions":
        from .reproductions import write_page

        print(f"wrote {write_page(ch.repo_root())}")
        return 0
    if args.command == "refresh":
        try:
            return _refresh(ch, args.chapters)
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    return _reproduce(ch, args)
