"""Sphinx configuration: the linml documentation, built offline by ``make docs``.

Why Sphinx (with numpydoc and MyST) rather than MkDocs: every linml docstring is numpydoc, and
Sphinx's numpydoc extension renders its Parameters/Returns/Examples sections and ``.. math::``
formulas as they are written, while MyST reads the Markdown pages in ``docs/sections/`` (the
same files README.md is assembled from) unchanged. linml writes its formulas in Unicode text
(``‖Xw − y‖² + α‖w‖²``), in docstrings and pages alike, so no math renderer is loaded: nothing
is fetched at build time, and the built pages load nothing from the network either.

The pages in ``docs/reference/`` include the section files. Those were written as README
sections (one ``##`` heading per topic, links relative to the repository root), so the
``include-read`` hook below lifts every heading one level (``## X`` becomes the page title) and
turns links to repository files outside ``docs/`` into plain path names.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import linml

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

project = "linml"
author = "the linml authors"
copyright = "the linml authors"  # Sphinx reads this name
release = linml.__version__
version = release

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
templates_path = ["_templates"]
# sections/ are included by the pages of reference/ (and README.md by index.md), not pages
exclude_patterns = ["_build", "sections"]

myst_heading_anchors = 3

autosummary_generate = True
autosummary_ignore_module_all = False  # a module's public names are its __all__
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "none"  # numpydoc's Parameters section already names the types
numpydoc_show_class_members = False  # the class template lists methods itself
numpydoc_class_members_toctree = False

#: the public modules, in the order of the API reference; each one's public names are its __all__
API_MODULES = (
    "linml",
    "linml.linalg",
    "linml.linear_model",
    "linml.decomposition",
    "linml.discriminant_analysis",
    "linml.svm",
    "linml.recommend",
    "linml.recommend.model_selection",
    "linml.neural",
    "linml.graph",
    "linml.cluster",
    "linml.neighbors",
    "linml.diagnose",
    "linml.tabular",
    "linml.io",
    "linml.datasets",
    "linml.exceptions",
)

html_theme = "alabaster"
html_title = f"linml {release}"
html_static_path: list[str] = []

_FENCE = re.compile(r"^(`{3,}|~{3,})")
_HEADING = re.compile(r"^(#{2,6}) ")
_LINK = re.compile(r"\[([^\]]+)\]\((?!https?://|#)([^)\s]+)\)")


def lift_headings(text: str) -> str:
    """``text`` with every Markdown heading outside fenced code one level higher (``##`` → ``#``)."""
    out, fence = [], None
    for line in text.splitlines(keepends=True):
        mark = _FENCE.match(line)
        if mark and fence is None:
            fence = mark.group(1)[0]
        elif mark and line.startswith(fence * 3):
            fence = None
        elif fence is None:
            line = _HEADING.sub(lambda m: m.group(1)[1:] + " ", line)
        out.append(line)
    return "".join(out)


def relink(text: str) -> str:
    """``text`` with its repository-relative links made right for the built pages.

    A link to a file under ``docs/`` becomes a project link (``project:/house.md``); a link to
    any other repository file (``benchmarks/RESULTS.md``) is not part of the built pages, so it
    becomes its text, followed by the path in code when the text is not that path already.
    """

    def fix(m: re.Match[str]) -> str:
        text, target = m.group(1), ROOT / m.group(2)
        if DOCS in target.parents:
            return f"[{text}](project:/{target.relative_to(DOCS).as_posix()})"
        return text if text.strip("`") == m.group(2) else f"{text} (`{m.group(2)}`)"

    return _LINK.sub(fix, text)


def public_names(module) -> list[str]:
    """The public names of ``module``: its ``__all__``, else the classes and functions it defines."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(obj) or inspect.isfunction(obj))
        and obj.__module__ == module.__name__
    ]


def api_page(modname: str) -> str:
    """reStructuredText of the API page of ``modname``: its docstring, then its public names.

    Classes and functions get one generated page each (autosummary, ``:toctree:``);
    constants are documented in place (``autodata``). The pages are written by this file
    rather than by autosummary's module template because ``linml`` resolves its subpackages
    lazily (PEP 562), which autosummary mistakes for attributes of ``linml``.
    """
    module = importlib.import_module(modname)
    groups: dict[str, list[str]] = {"Classes": [], "Functions": [], "Constants": []}
    for name in public_names(module):
        obj = getattr(module, name)
        if inspect.isclass(obj):
            groups["Classes"].append(name)
        elif callable(obj):
            groups["Functions"].append(name)
        else:
            groups["Constants"].append(name)
    lines = [modname, "=" * len(modname), "", f".. automodule:: {modname}", "   :no-members:", ""]
    lines += [f".. currentmodule:: {modname}", ""]
    for title, names in groups.items():
        if not names:
            continue
        lines += [f".. rubric:: {title}", ""]
        if title == "Constants":
            lines += [line for n in names for line in (f".. autodata:: {n}", "   :no-value:", "")]
            continue
        lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:"]
        lines += ["   :template: class.rst"] if title == "Classes" else []
        lines += [""] + [f"   {n}" for n in names] + [""]
    return "\n".join(lines)


def write_api_pages() -> None:
    """Write ``api/index.rst`` and one ``api/<module>.rst`` per entry of ``API_MODULES``.

    A file is rewritten only when its text changed, so Sphinx rebuilds only what did.
    """
    pages = {f"{m}.rst": api_page(m) for m in API_MODULES}
    index = [
        "API reference",
        "=============",
        "",
        "Generated from the numpydoc docstrings: one page per public module (its ``__all__``),",
        "one page per class and function. Every subpackage is reachable as ``linml.<name>``.",
        "",
        ".. toctree::",
        "   :maxdepth: 1",
        "",
    ] + [f"   {m}" for m in API_MODULES]
    pages["index.rst"] = "\n".join(index) + "\n"
    out = DOCS / "api"
    out.mkdir(exist_ok=True)
    for name, text in pages.items():
        path = out / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


write_api_pages()


def _include_read(app, relative_path, parent_docname, content) -> None:
    path = (Path(app.srcdir) / relative_path).resolve()
    if path.parent == DOCS / "sections" or path == ROOT / "README.md":
        content[0] = relink(content[0])
        if path.parent == DOCS / "sections":
            content[0] = lift_headings(content[0])


_SPAN = re.compile(r"(``.*?``|`[^`]*`_{0,2})")
_TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=\W|$)")
_BLOCK_START = re.compile(r"(::\s*$)|(^\s*\.\. )")


def escape_plain_math(lines: list[str]) -> None:
    """Escape, in place, the plain-text math of docstrings that reStructuredText would misread.

    linml's docstrings write formulas as text: ``|λ|`` is an absolute value and ``coef_`` a
    fitted attribute, where reStructuredText reads a substitution and a hyperlink reference.
    Outside code (````literal````, `` `role` `` spans, ``>>>`` examples, ``::`` blocks and
    directives with their indented bodies) each ``|`` becomes ``\\|`` and each word's trailing
    ``_`` becomes ``\\_``.
    """
    block_indent = None  # indentation of the line that opened a literal block or directive
    for i, line in enumerate(lines):
        indent = len(line) - len(line.lstrip())
        if block_indent is not None:
            if not line.strip() or indent > block_indent:
                continue
            block_indent = None
        stripped = line.lstrip()
        if stripped.startswith((">>>", "...")):
            continue
        parts = _SPAN.split(line)
        for j in range(0, len(parts), 2):  # even items lie outside the code spans
            parts[j] = _TRAILING_UNDERSCORE.sub(r"\\_", parts[j].replace("|", r"\|"))
        if _BLOCK_START.search(line):
            block_indent = indent
            if stripped.startswith(".. "):
                continue  # a directive line itself stays as written
        lines[i] = "".join(parts)


def _process_docstring(app, what, name, obj, options, lines) -> None:
    escape_plain_math(lines)


def _skip_member(app, what, name, obj, skip, options):
    """Skip the ``set_*_request`` methods scikit-learn's metadata routing adds to every class."""
    return True if name.startswith("set_") and name.endswith("_request") else skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("autodoc-process-docstring", _process_docstring, priority=600)  # after numpydoc
    app.connect("include-read", _include_read)
    return {"parallel_read_safe": True}
