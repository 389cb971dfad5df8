"""Estimator base classes: scikit-learn's contract plus linml's linear-algebra explanations.

Every linml estimator subclasses :class:`LinmlEstimator` (with scikit-learn's mixins), so
``clone``, pipelines and grid search work, and follows the contract:

* ``__init__`` only stores its arguments unchanged;
* ``fit`` validates (``self._check_params()`` and :func:`linml._validation.validate_data`),
  dispatches to a solver function, stores learned state in attributes ending in ``_`` and
  returns ``self``;
* ``_explain()`` returns an :class:`Explanation` — the fitted model's linear algebra in
  words — which :func:`linml.diagnose.explain` renders.

Persistence (:mod:`linml.io`) saves ``get_params()`` and the fitted attributes; an estimator
whose state is not a flat set of arrays overrides ``_get_state`` / ``_set_state``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from linml._validation import validate_params

__all__ = ["Explanation", "Fact", "LinmlEstimator"]


@dataclass
class Fact:
    """One line of an explanation: a quantity, its value, and what it means here."""

    name: str
    value: Any
    meaning: str = ""

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, np.generic):
            value = value.item()
        elif isinstance(value, np.ndarray):
            value = value.tolist()
        return {"name": self.name, "value": value, "meaning": self.meaning}


@dataclass
class Explanation:
    """A fitted model's linear algebra in words: facts, a verdict, suggestions."""

    title: str
    facts: list[Fact] = field(default_factory=list)
    verdict: str = ""
    suggestions: list[str] = field(default_factory=list)

    def add(self, name: str, value: Any, meaning: str = "") -> Explanation:
        self.facts.append(Fact(name, value, meaning))
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "facts": [f.to_dict() for f in self.facts],
            "verdict": self.verdict,
            "suggestions": list(self.suggestions),
        }

    def __str__(self) -> str:
        lines = [self.title]
        for f in self.facts:
            value = _format_value(f.value)
            lines.append(f"  {f.name}: {value}" + (f"  — {f.meaning}" if f.meaning else ""))
        if self.verdict:
            lines.append(f"  verdict: {self.verdict}")
        lines.extend(f"  suggestion: {s}" for s in self.suggestions)
        return "\n".join(lines)


def _format_value(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=4, threshold=8, edgeitems=3):
            return np.array2string(value)
    return str(value)


class LinmlEstimator(BaseEstimator):
    """Base class: parameter validation from a declared spec, explanations, state for io.

    Subclasses declare ``_param_spec``: a dict mapping each parameter name to a list of
    accepted constraints (see :func:`linml._validation.validate_params`).
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {}

    def _check_params(self) -> None:
        """Validate the constructor parameters against ``_param_spec`` (called by ``fit``)."""
        validate_params(type(self).__name__, self.get_params(deep=False), self._param_spec)

    def _explain(self) -> Explanation:
        """The fitted model's linear algebra in words; subclasses extend this."""
        check_is_fitted(self)
        return Explanation(title=type(self).__name__)

    # -- persistence hooks used by linml.io ------------------------------------------
    def _get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Fitted state as (arrays, JSON-able metadata). Default: attributes ending in '_'."""
        check_is_fitted(self)
        arrays: dict[str, np.ndarray] = {}
        meta: dict[str, Any] = {}
        for key, value in vars(self).items():
            if not key.endswith("_") or key.startswith("_"):
                continue
            if isinstance(value, np.ndarray):
                if value.dtype == object:
                    meta[key] = {"__object_array__": value.tolist()}
                else:
                    arrays[key] = value
            elif isinstance(value, np.generic):
                meta[key] = value.item()
            elif value is None or isinstance(value, bool | int | float | str | list | dict):
                meta[key] = value
            else:
                raise TypeError(
                    f"{type(self).__name__}.{key} of type {type(value).__name__} cannot be "
                    "saved safely; the estimator must override _get_state/_set_state."
                )
        return arrays, meta

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        """Restore what :meth:`_get_state` produced."""
        for key, value in arrays.items():
            setattr(self, key, value)
        for key, value in meta.items():
            if isinstance(value, dict) and "__object_array__" in value:
                value = np.array(value["__object_array__"], dtype=object)
            setattr(self, key, value)
