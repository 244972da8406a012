"""Pages that work offline: MathJax vendored from npm and served with the built book.

Sphinx links MathJax from its CDN by default, so a book opened without internet
shows every formula as raw TeX. :func:`vendor` fetches MathJax 3 once with
``npm pack mathjax@3`` into ``vendor/mathjax`` (git-ignored); the Sphinx
extension in this module (listed in ``_config.yml`` under
``sphinx: extra_extensions``) then copies it into the build's ``_static`` folder
and points ``mathjax_path`` at it. Without a vendored copy the build falls back
to the CDN and says so in one line.

``python -m rgdl.book.offline [ROOT]`` vendors MathJax into ``ROOT/vendor``
(``make book`` runs it before building).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

#: The MathJax 3 bundle the pages load (TeX and MathML input, CommonHTML output).
SCRIPT = "tex-mml-chtml.js"
#: Where the vendored copy lives, relative to the book's root.
FOLDER = Path("vendor") / "mathjax"
CDN_NOTICE = ("rgdl: MathJax could not be vendored (npm absent or the registry unreachable), "
              "so the pages load it from its CDN and show formulas only when online")


def vendored(root) -> Path | None:
    """``ROOT/vendor/mathjax`` when it holds the MathJax bundle, else ``None``."""
    folder = Path(root) / FOLDER
    return folder if (folder / SCRIPT).is_file() else None


def vendor(root) -> Path | None:
    """Fetch MathJax 3's es5 bundle into ``ROOT/vendor/mathjax`` with ``npm pack`` (once).

    Returns the folder, or ``None`` when npm is absent (nothing is written then).
    The folder is replaced atomically, so an interrupted download leaves no
    half-filled copy behind.
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"root must be an existing folder; got {str(root)!r}")
    done = vendored(root)
    if done is not None:
        return done
    npm = shutil.which("npm")
    if npm is None:
        return None
    target = (root / FOLDER).resolve()
    work = target.parent / "_mathjax_download"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        try:
            subprocess.run([npm, "pack", "mathjax@3", "--pack-destination", str(work)],
                           check=True, capture_output=True, cwd=work, timeout=300)
        except (subprocess.SubprocessError, OSError):
            return None  # no registry (offline): the pages fall back to the CDN
        (tarball,) = work.glob("mathjax-*.tgz")
        with tarfile.open(tarball) as tar:
            members = [m for m in tar.getmembers() if m.name.startswith("package/es5/")]
            tar.extractall(work, members=members, filter="data")
        tmp = target.with_name("mathjax.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        (work / "package" / "es5").rename(tmp)
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _use_vendored(app, config) -> None:
    """Serve ``vendor/mathjax`` from ``_static/mathjax`` unless ``mathjax_path`` was set."""
    from sphinx.util import logging

    folder = vendored(app.srcdir)
    if folder is None:
        logging.getLogger(__name__).info(CDN_NOTICE)
        return
    if str(config.mathjax_path).startswith(("http://", "https://")):
        config.html_static_path = [*config.html_static_path, str(folder.parent)]
        config.mathjax_path = f"{folder.name}/{SCRIPT}"


def setup(app) -> dict:
    """Sphinx entry point: use the vendored MathJax when ``vendor/mathjax`` exists."""
    app.connect("config-inited", _use_vendored)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def main(argv=None) -> int:
    """Vendor MathJax into ``argv[0]`` (default: the current folder); print one line."""
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0]) if argv else Path.cwd()
    folder = vendor(root)
    print(CDN_NOTICE if folder is None else f"MathJax served from {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
