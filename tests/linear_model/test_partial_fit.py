"""Streaming partial_fit: Chan-merged statistics block by block = one fit on all rows."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linml.diagnose import explain
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linear_model import LinearRegression, Ridge

RTOL = 1e-10
N, P = 120, 4


def _data(seed: int, targets: int | None = None):
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=5.0, size=(N, P))
    k = 1 if targets is None else targets
    Y = X @ rng.normal(size=(P, k)) + rng.normal(size=(N, k))
    return X, (Y[:, 0] if targets is None else Y)


def _rel(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


MAKERS = {
    "ols": lambda fi: LinearRegression(fit_intercept=fi),
    "ridge": lambda fi: Ridge(alpha=0.7, fit_intercept=fi),
}


@given(
    cuts=st.lists(st.integers(1, N - 1), min_size=0, max_size=6, unique=True),
    seed=st.integers(0, 2**16),
    name=st.sampled_from(sorted(MAKERS)),
    fit_intercept=st.booleans(),
    targets=st.sampled_from([None, 2]),
)
def test_partial_fit_over_any_split_equals_one_fit(cuts, seed, name, fit_intercept, targets):
    X, y = _data(seed, targets)
    bounds = [0, *sorted(cuts), N]
    model = MAKERS[name](fit_intercept)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)  # early blocks may have < p rows
        for a, b in itertools.pairwise(bounds):
            model.partial_fit(X[a:b], y[a:b])
    want = MAKERS[name](fit_intercept).fit(X, y)
    assert model.n_samples_seen_ == N
    assert _rel(model.coef_, want.coef_) < RTOL
    np.testing.assert_allclose(model.intercept_, want.intercept_, rtol=RTOL, atol=RTOL)
    assert np.shape(model.coef_) == np.shape(want.coef_)


def test_coef_available_after_every_call_and_fit_resets():
    X, y = _data(1)
    model = Ridge(alpha=1.0)
    for start, stop in [(0, 30), (30, 60), (60, 120)]:
        model.partial_fit(X[start:stop], y[start:stop])
        want = Ridge(alpha=1.0).fit(X[:stop], y[:stop])
        assert _rel(model.coef_, want.coef_) < RTOL
        assert model.n_samples_seen_ == stop
    model.fit(X[:10], y[:10])  # fit discards the streamed rows
    assert model.n_samples_seen_ is None
    model.partial_fit(X[:20], y[:20])
    assert model.n_samples_seen_ == 20
    assert _rel(model.coef_, Ridge(alpha=1.0).fit(X[:20], y[:20]).coef_) < RTOL
    assert "20 rows streamed" in str(explain(model))


def test_large_means_do_not_cancel():
    """Mean 1e6 × spread: the Chan merge keeps the slope; the raw XᵀX route would not."""
    rng = np.random.default_rng(2)
    X = 1e6 + rng.normal(size=(400, 2))
    y = X @ np.array([1.5, -0.5]) + 0.01 * rng.normal(size=400)
    model = LinearRegression()
    for i in range(0, 400, 50):
        model.partial_fit(X[i : i + 50], y[i : i + 50])
    assert _rel(model.coef_, LinearRegression().fit(X, y).coef_) < 1e-8


def test_feature_count_checked_across_calls():
    X, y = _data(3)
    model = LinearRegression().partial_fit(X[:50], y[:50])
    with pytest.raises(
        LinmlInputError,
        match=r"X has 3 features, but LinearRegression is expecting 4.*earlier blocks",
    ):
        model.partial_fit(X[50:, :3], y[50:])
    with pytest.raises(LinmlInputError, match=r"2 target column.*earlier blocks had 1"):
        model.partial_fit(X[50:], np.column_stack([y[50:], y[50:]]))
    assert model.n_features_in_ == 4  # a rejected block changes nothing
    model.partial_fit(X[50:], y[50:])
    assert _rel(model.coef_, LinearRegression().fit(X, y).coef_) < RTOL


def test_bad_blocks():
    X, y = _data(4)
    with pytest.raises(LinmlInputError, match="NaN"):
        Ridge().partial_fit(np.where(np.arange(N)[:, None] == 7, np.nan, X), y)
    gd = LinearRegression(solver="gd")
    assert not hasattr(gd, "partial_fit")  # sklearn's checks see no streaming method
    with pytest.raises(AttributeError) as info:
        gd.partial_fit(X, y)
    assert isinstance(info.value.__cause__, LinmlInputError)
    assert "solver='gd') has no partial_fit" in str(info.value.__cause__)


def test_ill_conditioned_stream_warns():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 3))
    X[:, 2] = X[:, 1] + 1e-7 * rng.normal(size=300)
    y = X.sum(axis=1)
    with pytest.warns(NumericalWarning, match="too large to square"):
        model = LinearRegression().partial_fit(X, y)
    assert model.solver_ == "gram-eigh"
