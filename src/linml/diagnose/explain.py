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
from collections.abc import Callable
from typing import Any

import numpy as np
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
    check = _UNITS_CHECKS.get(type(model).__name__)
    if check is not None:
        check(model, out)
    return out


# ---------------------------------------------------------------------------- units in verdicts
# A model can misbehave only because the columns were not standardized. These checks read
# the fitted attributes (no data), and when units are the likely cause they put it first in
# the verdict and say what to do. Keyed by class name, so diagnose imports no estimator.
_SCALE_RATIO = 100.0  # std disparity between columns that counts as "unscaled"
_ONE_COLUMN_LOADING = 0.99  # |loading| of a principal axis that is one column alone


def _feature_name(model: Any, j: int) -> str:
    names = getattr(model, "feature_names_in_", None)
    return str(names[j]) if names is not None else f"x{j}"


def _lead(out: Explanation, verdict: str, suggestion: str) -> None:
    out.verdict = f"{verdict}; {out.verdict}" if out.verdict else verdict
    out.suggestions.insert(0, suggestion)


def _pca_units(model: Any, out: Explanation) -> None:
    """First axis ≈ one raw column (``|components_[0, j]| ≥ 0.99``): that column's scale."""
    V = np.asarray(model.components_, dtype=np.float64)
    if V.shape[1] < 2 or getattr(model, "standardize", False):
        return
    j = int(np.argmax(np.abs(V[0])))
    loading = float(abs(V[0, j]))
    if loading < _ONE_COLUMN_LOADING:
        return
    name = _feature_name(model, j)
    share = float(model.explained_variance_ratio_[0])
    _lead(
        out,
        f"the first axis is column {name!r} alone (loading {loading:.3f}, "
        f"{100 * share:.1f}% of the variance): it measures that column's scale, not structure",
        f"standardize the columns (e.g. sklearn StandardScaler) before PCA unless {name!r} "
        "really is in the same units as the others; covariance PCA ranks columns by variance.",
    )


def _svc_units(model: Any, out: Explanation) -> None:
    """(Nearly) all support vectors at the bound C, with feature scales 100× apart."""
    n_sv = int(np.asarray(model.support_).size)
    bounded = int(model.n_bounded_)
    sv = np.asarray(model.support_vectors_, dtype=np.float64)
    if n_sv == 0 or bounded < 0.95 * n_sv or sv.ndim != 2 or sv.shape[1] < 2:
        return
    std = sv.std(axis=0)
    varying = np.flatnonzero(std > 0)
    if varying.size < 2:
        return
    hi, lo = varying[np.argmax(std[varying])], varying[np.argmin(std[varying])]
    ratio = float(std[hi] / std[lo])
    if ratio < _SCALE_RATIO:
        return
    _lead(
        out,
        f"{bounded} of {n_sv} support vectors sit at the bound C and the feature scales differ "
        f"by {ratio:.3g}× (std of {_feature_name(model, hi)!r} vs {_feature_name(model, lo)!r}): "
        "the kernel sees mostly the largest-scale feature, so the classes look overlapped",
        "standardize X (e.g. sklearn StandardScaler in a Pipeline) before the SVC, then tune "
        "C and gamma; raising C first would only fit the unscaled geometry harder.",
    )


def _spectral_units(model: Any, out: Explanation) -> None:
    """Fewer non-empty clusters than asked (or specks of ≤ 1% beside a disconnected graph)."""
    labels = np.asarray(model.labels_)
    k = int(model.n_clusters)
    sizes = np.bincount(labels, minlength=k)
    nonempty = int(np.count_nonzero(sizes))
    n_graph = int(getattr(model, "n_components_graph_", 1))
    speck = sizes[sizes > 0].min() <= max(1, 0.01 * labels.size) and n_graph >= k
    if nonempty >= k and not speck:
        return
    what = (
        f"only {nonempty} of the {k} clusters asked for are non-empty"
        if nonempty < k
        else f"cluster sizes {sizes.tolist()}: single points split off"
    )
    A = model.affinity_matrix_
    if getattr(model, "affinity", "rbf") == "rbf" and not hasattr(A, "tocsr"):
        A = np.asarray(A)
        off = A[~np.eye(A.shape[0], dtype=bool)]
        linked = float(np.mean(off > 1e-12)) if off.size else 1.0
        if linked < 0.05:
            _lead(
                out,
                f"{what}: with gamma={model.gamma:g} only {100 * linked:.2g}% of the pairs have "
                f"a non-zero affinity exp(−gamma‖xᵢ − xⱼ‖²), so the graph fell apart into "
                f"{n_graph} components — the distances are large for this gamma (unscaled data)",
                "standardize X (e.g. sklearn StandardScaler) or lower gamma to about "
                "1 / (median squared distance between points).",
            )
            return
    if getattr(model, "affinity", "") == "nearest_neighbors" and n_graph > 1:
        _lead(
            out,
            f"{what}: the k-nearest-neighbour graph has {n_graph} components",
            "raise n_neighbors so the graph connects, or standardize X if one column's scale "
            "decides who the neighbours are.",
        )
        return
    _lead(out, what, f"ask for fewer clusters (n_clusters < {k}) or standardize X.")


_UNITS_CHECKS: dict[str, Callable[[Any, Explanation], None]] = {
    "PCA": _pca_units,
    "SVC": _svc_units,
    "SpectralClustering": _spectral_units,
}


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
