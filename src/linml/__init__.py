"""linml — machine learning as the linear algebra it is.

Every model is a small composition of factorizations, solves, projections and matrix
products, and every fitted model can say *why* it behaves as it does (spectrum, rank,
conditioning, shrinkage) through :func:`linml.diagnose.explain`.

The subpackages are attributes of ``linml`` (``linml.diagnose.explain(model)``), imported
on first use, so ``import linml`` itself stays cheap (no NumPy kernels compiled, no
matplotlib).

>>> import linml
>>> isinstance(linml.__version__, str)
True
>>> callable(linml.diagnose.explain)
True
"""

from __future__ import annotations

import importlib
from typing import Any

from linml.exceptions import LinmlInputError, NumericalWarning

__version__ = "0.1.0"

#: subpackages and modules reachable as ``linml.<name>``, imported on first access
SUBMODULES = (
    "cli",
    "cluster",
    "datasets",
    "decomposition",
    "diagnose",
    "discriminant_analysis",
    "exceptions",
    "graph",
    "io",
    "linalg",
    "linear_model",
    "neighbors",
    "neural",
    "recommend",
    "report",
    "svm",
    "tabular",
)

__all__ = ["LinmlInputError", "NumericalWarning", "__version__"]


def __getattr__(name: str) -> Any:
    """Import ``linml.<name>`` on first access (PEP 562), so ``import linml`` stays cheap."""
    if name in SUBMODULES:
        # import_module also binds the module as an attribute of linml: later lookups are direct
        return importlib.import_module(f"linml.{name}")
    raise AttributeError(f"module 'linml' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(SUBMODULES))
