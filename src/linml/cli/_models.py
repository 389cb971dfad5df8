"""Model registries shared by ``linml regress`` and ``linml classify``.

Each entry maps a ``--model`` name to a builder taking the parsed command-line options (a
dict; unused keys are ignored) and returning an unfitted estimator. Areas add their models
here, so one command serves every family (ols/ridge/lasso…, svc/mlp…).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ModelSpec:
    """How to build a model from CLI options, and a one-line description for --help."""

    build: Callable[[dict[str, Any]], Any]
    help: str


REGRESSORS: dict[str, ModelSpec] = {}
CLASSIFIERS: dict[str, ModelSpec] = {}
