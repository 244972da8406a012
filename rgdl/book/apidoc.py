"""Sphinx extension for the API pages (``book/api/``): one page per subpackage, from docstrings.

A page in ``book/api/`` holds a title and one line, ````{rgdl-api} rgdl.ising````
followed by a closing fence; when Sphinx reads the page, :func:`api_markdown`
replaces that block with the subpackage's docstring and, under a heading each,
every public module in it with its members (``sphinx.ext.autodoc``). A module
added to a subpackage appears on its page without an edit, and the pages are
re-read on every build.

The package's docstrings write small formulas in plain text (``|m|``,
``lambda_+``, ``shape (n, *s.shape)``); reStructuredText reads ``|m|`` as a
substitution, ``lambda_`` as a link and a lone ``*`` as the start of emphasis,
and the book is built with ``-W``. Before napoleon parses a docstring,
:func:`escape_plain` escapes those characters in the plain-text parts of each
line, and leaves alone what is meant as markup: anything between backquotes
(inline literals, roles such as ``:math:``), balanced ``*emphasis*``, directive
blocks (``.. math::``), literal blocks after ``::`` and doctest lines.

Each object is documented once, in the module that defines it
(``rgdl.rbm.training.fit``); a reference to the name a subpackage re-exports
(``:func:`rgdl.rbm.fit```) is resolved by :func:`_resolve_reexport` to that
one documented object, so the build's ``-n`` still checks every ``rgdl`` link.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

_BACKQUOTED = re.compile(r"(``.+?``|:[\w:+-]+:`[^`]*`|`[^`]*`_{0,2})")
_EMPHASIS = re.compile(r"(?<![\w*\\])(\*\*?)(?=\S)([^*]*?\S)\1(?![\w*])")
_UNDERSCORE = re.compile(r"(?<=\w)_(?=[^\w]|$)")


def _escape_text(text: str) -> str:
    """Escape ``|``, unpaired ``*`` and link-making ``_`` in text without backquotes."""
    kept: list[str] = []

    def keep(match):
        kept.append(match.group(0))
        return f"\0{len(kept) - 1}\0"

    text = _EMPHASIS.sub(keep, text)
    text = re.sub(r"(?<!\\)\|", r"\|", text)
    text = re.sub(r"(?<!\\)\*", r"\*", text)
    text = _UNDERSCORE.sub(r"\_", text)
    return re.sub("\0(\\d+)\0", lambda m: kept[int(m.group(1))], text)


def escape_line(line: str) -> str:
    """One docstring line with its plain-text parts escaped (backquoted parts kept)."""
    parts = _BACKQUOTED.split(line)
    return "".join(p if i % 2 else _escape_text(p) for i, p in enumerate(parts))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def escape_plain(lines: list[str]) -> list[str]:
    """The docstring's lines with plain text escaped; markup blocks left as they are."""
    out, block = [], None  # block: indent of the line that opened a directive/literal block
    for line in lines:
        stripped = line.strip()
        if block is not None and (not stripped or _indent(line) > block):
            out.append(line)
            continue
        block = None
        if stripped.startswith(".. ") or stripped.startswith((">>>", "...")):
            out.append(line)
            block = _indent(line) if stripped.startswith(".. ") else None
            continue
        out.append(escape_line(line))
        if stripped.endswith("::"):
            block = _indent(line)
    return out


def _process(app, what, name, obj, options, lines) -> None:
    lines[:] = escape_plain(lines)


def canonical(target: str, documented) -> str | None:
    """The one documented name a re-exported ``rgdl`` name stands for, else ``None``.

    ``rgdl.rbm.fit`` -> ``rgdl.rbm.training.fit``: the documented names inside the
    target's top subpackage that end with the rest of the target.
    """
    parts = target.split(".")
    if len(parts) < 3 or parts[0] != "rgdl":
        return None
    prefix, tail = ".".join(parts[:2]) + ".", "." + ".".join(parts[2:])
    found = [n for n in documented if n.startswith(prefix) and n.endswith(tail)]
    return found[0] if len(found) == 1 else None


def _resolve_reexport(app, env, node, contnode):
    if node.get("refdomain") != "py" or not node.get("reftarget", "").startswith("rgdl."):
        return None
    domain = env.get_domain("py")
    name = canonical(node["reftarget"], domain.objects)
    if name is None:
        return None
    node = node.deepcopy()
    node["reftarget"] = name
    return domain.resolve_xref(env, node.get("refdoc", ""), app.builder, node["reftype"],
                               name, node, contnode)


_API_BLOCK = re.compile(r"^```\{rgdl-api\}[ \t]+(\S+)[ \t]*\n```[ \t]*$", re.M)
API_FOLDER = "book/api/"


def submodules(package: str) -> list[str]:
    """The public modules of ``package`` (``rgdl.rbm`` -> ``rgdl.rbm.ais``, ...), sorted."""
    module = importlib.import_module(package)
    if not hasattr(module, "__path__"):
        return []
    return sorted(f"{package}.{m.name}" for m in pkgutil.iter_modules(module.__path__)
                  if not m.name.startswith("_"))


def api_markdown(package: str) -> str:
    """MyST text documenting ``package``: its docstring, then each module with its members."""
    subs = submodules(package)
    lines = ["```{eval-rst}", f".. automodule:: {package}"]
    lines += [] if subs else ["   :members:"]
    lines += ["```"]
    for sub in subs:
        lines += ["", f"## `{sub}`", "", "```{eval-rst}", f".. automodule:: {sub}",
                  "   :members:", "```"]
    return "\n".join(lines) + "\n"


def _expand_api(app, docname, source) -> None:
    if docname.startswith(API_FOLDER):
        source[0] = _API_BLOCK.sub(lambda m: api_markdown(m.group(1)), source[0])


def _api_outdated(app, env, added, changed, removed) -> list[str]:
    """Re-read the API pages on every build: a new module changes no page's source."""
    return [d for d in env.found_docs if d.startswith(API_FOLDER) and d not in added | changed]


def setup(app) -> dict:
    """Sphinx entry point; escaping runs before napoleon (priority 400 < its 500)."""
    app.connect("autodoc-process-docstring", _process, priority=400)
    app.connect("missing-reference", _resolve_reexport)
    app.connect("source-read", _expand_api)
    app.connect("env-get-outdated", _api_outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
