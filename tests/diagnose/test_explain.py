"""Tests for linml.diagnose.explain / render_explanation."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from sklearn.base import RegressorMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression as SkLinearRegression

from linml._base import Explanation, LinmlEstimator
from linml._validation import Interval, validate_data
from linml.decomposition import PCA
from linml.diagnose import explain, render_explanation
from linml.linear_model import LinearRegression, Ridge


class _Spectrum(RegressorMixin, LinmlEstimator):
    """A minimal linml estimator for these tests: least squares that explains its spectrum."""

    _param_spec: ClassVar[dict] = {"alpha": [Interval(float, 0, None)]}

    def __init__(self, alpha=0.0):
        self.alpha = alpha

    def fit(self, X, y):
        self._check_params()
        X, y = validate_data(self, X, y)
        self.singular_values_ = np.linalg.svd(X, compute_uv=False)
        self.coef_ = np.linalg.lstsq(X, y, rcond=None)[0]
        return self

    def predict(self, X):
        return validate_data(self, X, reset=False) @ self.coef_

    def _explain(self):
        S = self.singular_values_
        cond = S[0] / S[-1] if S[-1] > 0 else np.inf
        expl = Explanation(title="least squares")
        expl.add("singular_values_", S, "spectrum of X")
        expl.add("condition_number", cond, "error amplification of the solve")
        expl.verdict = "ill-conditioned" if cond > 1e3 else "well-conditioned"
        if cond > 1e3:
            expl.suggestions.append("use ridge")
        return expl


class _BadExplain(LinmlEstimator):
    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def _explain(self):
        return {"not": "an Explanation"}


@pytest.fixture
def fitted(rng):
    X = rng.standard_normal((30, 3))
    return _Spectrum().fit(X, X @ np.array([1.0, 2.0, 3.0]))


def test_explain_adds_header_and_keeps_the_models_facts(fitted):
    expl = explain(fitted)
    assert isinstance(expl, Explanation)
    assert expl.title == "_Spectrum() — least squares"
    assert [f.name for f in expl.facts] == ["features", "singular_values_", "condition_number"]
    assert expl.facts[0].value == 3
    np.testing.assert_array_equal(expl.facts[1].value, fitted.singular_values_)
    assert expl.verdict == "well-conditioned"
    # the model's own explanation is not modified
    assert [f.name for f in fitted._explain().facts] == ["singular_values_", "condition_number"]


def test_header_lists_non_default_parameters(rng):
    X = rng.standard_normal((10, 2))
    model = _Spectrum(alpha=2.5).fit(X, X[:, 0])
    assert explain(model).title.startswith("_Spectrum(alpha=2.5)")


def test_feature_names_from_a_dataframe_appear(rng):
    df = pd.DataFrame(rng.standard_normal((20, 2)), columns=["height", "weight"])
    model = _Spectrum().fit(df, df["height"].to_numpy())
    features = explain(model).facts[0]
    assert features.name == "features" and "height" in features.value and "weight" in features.value


def test_unfitted_model_raises_not_fitted():
    with pytest.raises(NotFittedError, match=r"_Spectrum is not fitted yet: call fit"):
        explain(_Spectrum())


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        (SkLinearRegression(), r"got sklearn\.linear_model\._base\.LinearRegression"),
        (object(), r"got builtins\.object"),
        (np.eye(2), r"got numpy\.ndarray.*diagnose\.data"),
        (_Spectrum, r"got the class _Spectrum itself"),
    ],
)
def test_non_linml_objects_raise_type_error_naming_the_type(obj, match):
    with pytest.raises(TypeError, match=match):
        explain(obj)


def test_explain_that_returns_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match=r"_BadExplain._explain\(\) returned dict"):
        explain(_BadExplain().fit(np.eye(2)))


def test_render_explanation_prints_facts_and_coloured_verdict(rng):
    X = rng.standard_normal((30, 3))
    X[:, 2] = X[:, 0] + 1e-9 * rng.standard_normal(30)  # ill-conditioned
    expl = explain(_Spectrum().fit(X, X[:, 1]))
    console = Console(record=True, width=120, force_terminal=True, color_system="truecolor")
    render_explanation(expl, console)
    text = console.export_text(clear=False)
    assert "_Spectrum() — least squares" in text
    assert "condition_number" in text and "error amplification" in text
    assert "verdict: ill-conditioned" in text
    assert "→ use ridge" in text
    assert "\x1b[1;31m" in console.export_text(styles=True)  # the bad verdict in bold red


def test_render_explanation_rejects_other_objects():
    with pytest.raises(TypeError, match=r"takes a linml\._base\.Explanation"):
        render_explanation("text", Console())


@pytest.mark.parametrize(
    ("cls", "params"),
    [(LinearRegression, {}), (Ridge, {"alpha": 1.0}), (PCA, {"n_components": 2})],
    ids=["LinearRegression", "Ridge", "PCA"],
)
def test_explain_real_linml_estimators(cls, params, rng):
    X = rng.standard_normal((40, 4))
    y = X @ np.arange(1.0, 5.0)
    model = cls(**params).fit(X, y)
    expl = explain(model)
    assert expl.title.startswith(cls.__name__)
    assert expl.facts[0].name == "features" and expl.facts[0].value == 4
    assert len(expl.facts) > 1  # the model's own facts follow the header
    console = Console(record=True, width=120)
    render_explanation(expl, console)
    assert cls.__name__ in console.export_text()


# ---------------------------------------------------------------------------- issue 12: units
def test_pca_first_axis_one_raw_column_says_standardize():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4)) @ rng.standard_normal((4, 4))
    X[:, 2] *= 1000  # one column in other units
    df = pd.DataFrame(X, columns=["a", "b", "grams", "d"])
    expl = explain(PCA(2).fit(df))
    assert expl.verdict.startswith("the first axis is column 'grams' alone")
    assert "standardize" in expl.suggestions[0]
    scaled = explain(PCA(2).fit((X - X.mean(0)) / X.std(0)))
    assert "alone" not in scaled.verdict and not any("standardize" in s for s in scaled.suggestions)


def test_svc_all_bounded_on_unscaled_features_says_standardize():
    from sklearn.datasets import make_classification

    from linml.svm import SVC

    X, y = make_classification(200, 5, n_informative=3, random_state=0)
    expl = explain(SVC().fit(X * np.array([1000, 1, 1, 1, 1]), y))
    assert "sit at the bound C and the feature scales differ by" in expl.verdict
    assert "'x0'" in expl.verdict
    assert expl.suggestions[0].startswith("standardize X")
    fine = explain(SVC().fit(X, y))
    assert "feature scales" not in fine.verdict


# the fit itself warns (disconnected graph; k-means finds 1 distinct cluster): that is the case
@pytest.mark.filterwarnings("ignore::linml.NumericalWarning")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_spectral_clustering_fewer_nonempty_clusters_says_standardize():
    from sklearn.datasets import make_blobs

    from linml.cluster import SpectralClustering

    X, _ = make_blobs(300, centers=3, random_state=0)
    model = SpectralClustering(3, random_state=0).fit(X * 1000)
    assert np.count_nonzero(np.bincount(model.labels_, minlength=3)) < 3
    expl = explain(model)
    assert expl.verdict.startswith("only 1 of the 3 clusters asked for are non-empty")
    assert "graph fell apart" in expl.verdict
    assert expl.suggestions[0].startswith("standardize X")
    ok = explain(SpectralClustering(3, random_state=0).fit(X))
    assert "non-empty" not in ok.verdict and "fell apart" not in ok.verdict
