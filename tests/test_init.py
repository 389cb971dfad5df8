"""``import linml``: cheap, and every subpackage the README names is an attribute of it."""

import subprocess
import sys

import pytest

import linml

#: the subpackages the README writes as ``linml.<name>`` (``linml.diagnose.explain(model)``)
DOCUMENTED = (
    "cluster",
    "datasets",
    "decomposition",
    "diagnose",
    "discriminant_analysis",
    "graph",
    "io",
    "linalg",
    "linear_model",
    "neighbors",
    "neural",
    "recommend",
    "report",
    "svm",
)

_PROBE = """
import sys
import linml
heavy = sorted(m for m in ("numba", "matplotlib", "sklearn", "linml.linalg") if m in sys.modules)
assert not heavy, f"import linml imported {heavy}"
for name in sys.argv[1:]:
    module = getattr(linml, name)
    assert module is sys.modules["linml." + name], name
assert callable(linml.diagnose.explain)
assert callable(linml.io.save) and callable(linml.linear_model.Ridge)
print("ok")
"""


def test_subpackages_are_attributes_after_a_plain_import():
    """A fresh interpreter: `import linml` loads no heavy dependency, then each is reachable."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *DOCUMENTED],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_dir_lists_the_subpackages_and_unknown_names_raise():
    assert set(DOCUMENTED) <= set(dir(linml))
    assert set(DOCUMENTED) <= set(linml.SUBMODULES)
    with pytest.raises(AttributeError, match="no_such_thing"):
        linml.no_such_thing  # noqa: B018
