"""Explain a fitted linml model: its own linear algebra, in words, under a header.

Each estimator's ``_explain()`` supplies the facts (spectrum, rank, conditioning,
shrinkage…); :func:`explain` checks the model, puts a header on them (the estimator with
its non-default parameters and what it was fitted on) and :func:`render_explanation`
prints the result with Rich.

>>> import numpy as np
>>> from linml._base import Explanation, LinmlEstimator
>>> class Mean(LinmlEstimator):
...     def fit(self, X, y=None):
...         self.mean_ = np.asarray(X).mean(axis=0)
...         self.n_features_in_ = np.asarray(X).shape[1]
...         return self
...     def _explain(self):
...         return Explanation("column means").add("mean_", self.mean_, "per-column average")
>>> print(explain(Mean().fit(np.array([[1.0, 2.0], [3.0, 4.0]]))))
Mean() — column means
  features: 2
  mean_: [2. 3.]  — per-column average
"""

from __future__ import annotations

import inspect
from typing import Any

from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from linml._base import Explanation, Fact, LinmlEstimator

__all__ = ["explain", "render_explanation"]


def _header(model: LinmlEstimator) -> str:
    """``ClassName(param=value, …)`` listing only parameters that differ from the defaults."""
    signature = inspect.signature(type(model).__init__)
    changed = []
    for key, value in model.get_params(deep=False).items():
        param = signature.parameters.get(key)
        default = inspect.Parameter.empty if param is None else param.default
        try:
            same = default is not inspect.Parameter.empty and bool(default == value)
        except (ValueError, TypeError):  # arrays compare element-wise
            same = False
        if not same:
            changed.append(f"{key}={value!r}")
    return f"{type(model).__name__}({', '.join(changed)})"


def explain(model: Any) -> Explanation:
    """The fitted model's linear algebra in words, with a header naming model and data.

    Parameters
    ----------
    model : LinmlEstimator
        A fitted linml estimator (its ``_explain()`` provides the facts).

    Returns
    -------
    Explanation
        A new object (the model's own is not modified): title ``"Class(params) — …"``,
        then ``features`` (count, and names when the model was fitted on a DataFrame),
        then the model's facts, verdict and suggestions.

    Raises
    ------
    TypeError
        ``model`` is not a linml estimator (the message names its type).
    sklearn.exceptions.NotFittedError
        ``model`` has not been fitted.
    """
    if isinstance(model, type):
        raise TypeError(
            f"explain() needs a fitted estimator instance; got the class {model.__name__} "
            f"itself — call {model.__name__}(...).fit(X, y) first."
        )
    if not isinstance(model, LinmlEstimator):
        kind = type(model)
        raise TypeError(
            f"explain() explains linml estimators; got {kind.__module__}.{kind.__qualname__}. "
            "Fit a linml model (e.g. linml.linear_model.Ridge) or use "
            "linml.diagnose.data(X) on the data itself."
        )
    try:
        check_is_fitted(model)
    except NotFittedError as e:
        raise NotFittedError(
            f"This {type(model).__name__} is not fitted yet: call fit(X, y) before explain(model)."
        ) from e
    facts = model._explain()
    if not isinstance(facts, Explanation):
        raise TypeError(
            f"{type(model).__name__}._explain() returned {type(facts).__name__}, "
            "not a linml._base.Explanation."
        )
    header = _header(model)
    title = header if facts.title in ("", type(model).__name__) else f"{header} — {facts.title}"
    out = Explanation(title=title, verdict=facts.verdict, suggestions=list(facts.suggestions))
    names = [f.name for f in facts.facts]
    n_features = getattr(model, "n_features_in_", None)
    if n_features is not None and "features" not in names:
        feature_names = getattr(model, "feature_names_in_", None)
        value: Any = int(n_features)
        if feature_names is not None:
            shown = ", ".join(map(str, list(feature_names)[:8]))
            value = f"{n_features} ({shown}{', …' if len(feature_names) > 8 else ''})"
        out.facts.append(Fact("features", value))
    out.facts.extend(facts.facts)
    return out


def render_explanation(expl: Explanation, console: Any = None) -> None:
    """Print an :class:`~linml._base.Explanation` with Rich: facts table, coloured verdict.

    Parameters
    ----------
    expl : Explanation
        Usually ``explain(model)``.
    console : rich.console.Console, optional
        Where to print (default: a new console on stdout).
    """
    from linml.diagnose.render import render

    if not isinstance(expl, Explanation):
        raise TypeError(
            f"render_explanation() takes a linml._base.Explanation (from explain(model)); "
            f"got {type(expl).__name__}."
        )
    render(expl, console)
