"""Every docstring example in linml runs (they are the README's promise, too)."""

import doctest
import importlib
import pkgutil

import pytest

import linml

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(linml.__path__, prefix="linml.")
    if not m.name.startswith("linml.cli.main")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
