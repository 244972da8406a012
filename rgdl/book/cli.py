"""Command line: ``python -m rgdl {list,reproduce,refresh,strip}``.

``reproduce [CHAPTER ...] --scale S --out DIR``
    execute chapters with papermill; write the executed notebooks and
    ``DIR/results.json``. Exit 1 naming the failing chapter and cell; exit 2
    on an unknown chapter or scale (nothing written).
``list``
    print the chapters named in ``_toc.yml``.
``refresh CHAPTER ...``
    execute at smoke scale and store the outputs of the ``# NBVAL_CHECK_OUTPUT``
    cells in the committed notebook (run before committing a chapter).
``strip NOTEBOOK ...``
    remove outputs except those of cells marked ``# NBVAL_CHECK_OUTPUT``.
"""

from __future__ import annotations

import argparse
import sys

from . import scales


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m rgdl", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="print the chapters in book order")
    r = sub.add_parser("reproduce", help="execute chapters at a scale")
    r.add_argument("chapters", nargs="*", help="chapter names (default: all)")
    r.add_argument("--scale", default="book", help="smoke, book or paper (default: book)")
    r.add_argument("--out", default="out", help="output folder (default: out)")
    r.add_argument("--force", action="store_true", help="rerun chapters already done")
    r.add_argument("--timeout", type=float, default=None, help="per-cell timeout in seconds")
    f = sub.add_parser("refresh", help="run chapters at smoke scale and store the outputs "
                       "of their NBVAL_CHECK_OUTPUT cells in the committed notebooks")
    f.add_argument("chapters", nargs="+")
    s = sub.add_parser("strip", help="strip outputs except NBVAL_CHECK_OUTPUT cells")
    s.add_argument("notebooks", nargs="+")
    s.add_argument("--check", action="store_true", help="only report; exit 1 if any would change")
    return p


def main(argv=None) -> int:
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
    if args.command == "refresh":
        import tempfile
        from pathlib import Path

        from .notebooks import copy_checked_outputs

        try:
            picked = ch.select(args.chapters)
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory() as tmp:
            for c in picked:
                ran = ch.execute(c, "smoke", Path(tmp) / f"{c.name}.ipynb")
                copy_checked_outputs(ran, c.path)
                print(f"refreshed {c.path}")
        return 0
    # reproduce: validate before writing anything
    try:
        scales.check_scale(args.scale)
        picked = {c.name for c in ch.select(args.chapters)}
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    results = ch.reproduce(args.chapters, args.scale, args.out, force=args.force,
                           timeout=args.timeout)
    failed = {k: v for k, v in results.items() if v.get("status") != "ok"}
    failed = {k: v for k, v in failed.items() if k in picked}
    broken = {k: [n for n, c in v.get("claims", {}).items() if not c.get("holds")]
              for k, v in results.items() if k in picked}
    for name, entry in failed.items():
        print(f"FAILED {entry.get('error', name)}", file=sys.stderr)
    for name, bad in broken.items():
        if bad and name not in failed:
            print(f"FAILED chapter {name}: claims do not hold: {', '.join(bad)}", file=sys.stderr)
    print(f"wrote {args.out}/results.json")
    return 1 if failed or any(broken.values()) else 0

