"""The house rules of ``shared/DESIGN.md`` that a machine can check.

* imports run downward: ``linalg`` takes nothing from linml but ``_validation``, ``exceptions`` and
  itself; nothing below ``cli`` and ``report`` imports them; a room never imports another room's
  private modules (a shared need moves down into ``linalg``);
* no import cycle between modules (a package's ``__init__`` re-exporting its own children is not
  a dependency of theirs);
* no identical run of eight or more lines anywhere in ``src/`` (import lists and function
  signatures excepted): a piece of logic written twice is written once and called twice.

Everything here reads the source as text or through :mod:`ast`; nothing is imported.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
#: rooms sitting on top: nothing else may import them
TOP = {"cli", "report"}
#: what linalg may import from linml besides itself
LINALG_MAY_IMPORT = {"linml._validation", "linml.exceptions"}
#: length of a run of identical lines that counts as a repeat (issue 21)
RUN = 8


@cache
def _modules() -> dict[str, tuple[Path, bool]]:
    """Map dotted module name to (path, is_package) for every file under ``src/linml``."""
    mods = {}
    for path in sorted((SRC / "linml").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        mods[".".join(parts)] = (path, is_pkg)
    return mods


def _resolve(name: str) -> str | None:
    """The longest prefix of ``name`` that is a linml module (None outside linml)."""
    mods = _modules()
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


@cache
def _imports() -> dict[str, set[str]]:
    """Every linml module each module imports, at any depth of its body (lazy imports count)."""
    mods = _modules()
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for mod, (path, is_pkg) in mods.items():
        package = mod if is_pkg else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [_resolve(alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    head = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*head, base] if base else head)
                full = [f"{base}.{alias.name}" for alias in node.names]
                targets = [name if name in mods else _resolve(base) for name in full]
            else:
                continue
            edges[mod].update(t for t in targets if t and t.startswith("linml") and t != mod)
    return edges


def _room(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else ""


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle():
    mods = _modules()
    edges = {
        mod: {t for t in targets if not (mods[mod][1] and t.startswith(mod + "."))}
        for mod, targets in _imports().items()
    }
    assert _cycles(edges) == []


def test_cycle_finder_finds_a_planted_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c"]]


def test_linalg_imports_only_downward():
    wrong = {
        mod: sorted(t for t in targets if _room(t) != "linalg" and t not in LINALG_MAY_IMPORT)
        for mod, targets in _imports().items()
        if _room(mod) == "linalg"
    }
    assert {mod: t for mod, t in wrong.items() if t} == {}


def test_nothing_below_cli_and_report_imports_them():
    wrong = {
        mod: sorted(t for t in targets if _room(t) in TOP)
        for mod, targets in _imports().items()
        if _room(mod) not in TOP and mod != "linml"
    }
    assert {mod: t for mod, t in wrong.items() if t} == {}


def test_rooms_do_not_import_each_others_private_modules():
    # linalg is the shared floor: its private helpers are there to be shared
    def private(mod: str) -> bool:
        return any(part.startswith("_") and part != "__init__" for part in mod.split(".")[2:])

    wrong = {
        mod: sorted(t for t in targets if private(t) and _room(t) not in {_room(mod), "linalg"})
        for mod, targets in _imports().items()
        if _room(mod) not in TOP
    }
    assert {mod: t for mod, t in wrong.items() if t} == {}


def _declaration_lines(tree: ast.Module) -> set[int]:
    """Lines of import statements and of function signatures (``def`` up to the body).

    Both are declarations, not logic: an estimator must spell its parameters out in its
    own ``__init__`` (scikit-learn reads them from the signature), and ``Lasso`` therefore
    repeats most of ``ElasticNet``'s.
    """
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            lines.update(range(start, node.body[0].lineno))  # a docstring is body
    return lines


def _repeats(files: dict[str, str], run: int = RUN) -> dict[tuple[str, ...], list[tuple]]:
    """Runs of ``run`` identical non-blank lines (stripped) standing in two or more places.

    Windows touching a declaration (an import statement or a function signature, see
    :func:`_declaration_lines`), and windows with fewer than ``run // 2`` lines of substance
    (three or more word characters), are not counted.
    """
    seen: dict[tuple[str, ...], list[tuple[str, int]]] = defaultdict(list)
    for name, text in files.items():
        skip = _declaration_lines(ast.parse(text))
        lines = [
            (number, line.strip())
            for number, line in enumerate(text.splitlines(), start=1)
            if line.strip()
        ]
        for start in range(len(lines) - run + 1):
            window = lines[start : start + run]
            if any(number in skip for number, _ in window):
                continue
            text_run = tuple(line for _, line in window)
            if sum(len(re.findall(r"\w", line)) >= 3 for line in text_run) < run // 2:
                continue
            seen[text_run].append((name, window[0][0]))
    return {text_run: places for text_run, places in seen.items() if len(places) > 1}


def test_repeat_finder_finds_a_planted_repeat():
    body = "\n".join(f"x{i} = compute({i}, y)" for i in range(RUN))
    files = {
        "a.py": f"import os\n\n{body}\n",
        "b.py": f"def f():\n    return 1\n\n\n{body}\n",
        "c.py": "\n".join(f"x{i} = compute({i}, z)" for i in range(RUN)),
    }
    found = _repeats(files)
    assert list(found.values()) == [[("a.py", 3), ("b.py", 5)]]
    imports = "\n".join(f"from m{i} import name{i}" for i in range(RUN))
    assert _repeats({"a.py": imports, "b.py": imports}) == {}
    params = ",\n".join(f"    p{i}=None" for i in range(RUN))
    signature = f"def f(\n{params},\n):\n    return p0\n"
    assert _repeats({"a.py": signature, "b.py": signature}) == {}


def test_no_identical_run_of_eight_lines_in_src():
    files = {
        str(path.relative_to(SRC)): path.read_text(encoding="utf-8")
        for path, _ in _modules().values()
    }
    places = sorted({tuple(places[:2]) for places in _repeats(files).values()})
    # one line per repeated run's first window, e.g. (('linml/a.py', 10), ('linml/b.py', 40))
    assert places == []


HOUSE_MAP = SRC.parent / "docs" / "house.md"


def _unmapped(text: str) -> list[str]:
    """Modules of ``src/linml`` (not packages, not tour chapters) whose name ``text`` never says."""
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    return [
        name
        for name, (_, is_pkg) in _modules().items()
        if not is_pkg and ".chapters." not in name and name.rsplit(".", 1)[-1] not in words
    ]


def test_house_map_names_every_module():
    """docs/house.md (DESIGN.md's map, kept true in the repo) names every module of src/linml."""
    missing = _unmapped(HOUSE_MAP.read_text(encoding="utf-8"))
    assert not missing, f"docs/house.md does not place: {missing}; add a row for each"


def test_house_map_check_sees_a_missing_module():
    text = HOUSE_MAP.read_text(encoding="utf-8").replace("gram_stats", "gram_xxx")
    assert "linml.linalg.gram_stats" in _unmapped(text)
