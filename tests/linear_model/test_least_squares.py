"""_least_squares: the predict mixin, the start of fit, the partial_fit fact."""

from __future__ import annotations

import numpy as np
import pytest

from linml._base import Explanation
from linml.linear_model import LinearRegression, Ridge, RidgeCV
from linml.linear_model._least_squares import (
    LinearPredictorMixin,
    add_partial_fit_fact,
    start_fit,
)

ESTIMATORS = [LinearRegression, Ridge, RidgeCV]


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("n_targets", [1, 3])
def test_predict_is_x_coef_plus_intercept(cls, n_targets):
    """The mixin's predict is ŷ = X βᵀ + b₀ in the shape of y, for each estimator using it."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 5))
    Y = X @ rng.standard_normal((5, n_targets)) + 1.5
    y = Y[:, 0] if n_targets == 1 else Y
    model = cls().fit(X, y)
    assert issubclass(cls, LinearPredictorMixin)
    pred = model.predict(X)
    assert pred.shape == y.shape
    np.testing.assert_allclose(pred, X @ np.asarray(model.coef_).T + model.intercept_)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_tags_say_single_and_multi_output(cls):
    """The mixin extends the regressor tags (estimator_type stays 'regressor')."""
    tags = cls().__sklearn_tags__()
    assert tags.target_tags.multi_output and tags.target_tags.single_output
    assert tags.estimator_type == "regressor"


@pytest.mark.parametrize("cls", [LinearRegression, Ridge])
def test_start_fit_forgets_streamed_rows(cls):
    """start_fit checks the parameters and drops what partial_fit accumulated."""
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((30, 3)), rng.standard_normal(30)
    model = cls().partial_fit(X, y)
    assert model.n_samples_seen_ == 30
    start_fit(model)
    assert model._partial_stats is None and model.n_samples_seen_ is None
    with pytest.raises(ValueError, match="fit_intercept"):
        start_fit(cls(fit_intercept="yes"))


def test_partial_fit_fact_only_when_streamed():
    """The 'partial_fit' fact appears with a row count, and not at all after fit."""
    expl = Explanation(title="t")
    add_partial_fit_fact(expl, None)
    assert expl.facts == []
    add_partial_fit_fact(expl, 120)
    (fact,) = expl.facts
    assert fact.name == "partial_fit" and fact.value == "120 rows streamed"
