"""The layout of linml.diagnose: imports run one way (report ← findings/render ← data).

Parsed with ``ast``, so lazy imports inside functions and ``TYPE_CHECKING`` blocks count too:
the report dataclasses and the findings never import the rendering, nor the entry point.
"""

import ast
import inspect
from pathlib import Path

import numpy as np
import pytest

import linml.diagnose
from linml.diagnose import findings
from linml.diagnose.report import ConditionDependency, NonFiniteSummary, TargetSummary

PACKAGE = Path(linml.diagnose.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    """Every module an ``import`` or ``from … import`` anywhere in the file names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("module", ["report.py", "findings.py", "_measures.py"])
def test_pure_modules_import_neither_render_nor_data(module):
    imported = _imported_modules(PACKAGE / module)
    assert "linml.diagnose.render" not in imported
    assert "linml.diagnose.data" not in imported


def test_render_does_not_import_the_entry_point():
    # render imports the report dataclasses, never data.py (which imports render)
    imported = _imported_modules(PACKAGE / "render.py")
    assert "linml.diagnose.report" in imported
    assert "linml.diagnose.data" not in imported


def test_report_imports_nothing_from_linml():
    assert not {m for m in _imported_modules(PACKAGE / "report.py") if m.startswith("linml")}


def _finding_functions():
    return [
        (name, fn)
        for name, fn in inspect.getmembers(findings, inspect.isfunction)
        if name.endswith("_findings") and not name.startswith("_")
    ]


def test_every_finding_kind_is_listed():
    assert {name for name, _ in _finding_functions()} <= set(findings.__all__)
    assert len(_finding_functions()) >= 12


RULES = findings.Rules(1e3, 1e-3, 100.0, 10.0, 30.0, 0.5)
SAMPLE_ARGS = {
    "nonfinite_findings": [(None, "row")],
    "identifier_findings": [([],), (["id"],)],
    "wide_findings": [(5, 3), (3, 5)],
    "constant_findings": [([],), (["one"],)],
    "duplicate_findings": [([],), ([["a", "b"]],)],
    "scale_findings": [(None, None, 100.0), (1e3, ("a", "b"), 100.0)],
    "rank_findings": [(3, 10, 3, 1e-12), (2, 10, 3, 1e-12)],
    "near_duplicate_findings": [([],)],
    "collinear_findings": [([],)],
    "ill_conditioning_findings": [(10.0, 1e3, None), (1e4, 1e3, 0.5)],
    "collinearity_rule_findings": [(["a", "b"], np.array([1.5, 20.0]), [], [], [], RULES)],
    "target_findings": [(None, "row")],
}


def test_finding_functions_return_lists_of_findings():
    summary = NonFiniteSummary(1, 0, 1, {"a": 1}, [(0, "a")], 2, ["a"], "note")
    target = TargetSummary("numeric", 1, [3], None, [], note="y note")
    dep = ConditionDependency(
        40.0, ["(intercept)", "a"], {"(intercept)": 0.9, "a": 0.9}, "a", {}, 5.0, 0.0, "a ≈ 5"
    )
    extra = {
        "nonfinite_findings": [(summary, "line")],
        "target_findings": [(target, "row")],
        "collinearity_rule_findings": [(["a"], np.array([1.0]), [dep], [], [], RULES)],
    }
    for name, fn in _finding_functions():
        calls = SAMPLE_ARGS[name] + extra.get(name, [])
        for args in calls:
            out = fn(*args)
            assert isinstance(out, list), name
            assert all(isinstance(f, findings.Finding) for f in out), name
            assert all(f.severity in (None, "bad", "warn") for f in out), name
    assert findings.wide_findings(5, 3) == []
    assert findings.wide_findings(3, 5)[0].severity == "bad"
