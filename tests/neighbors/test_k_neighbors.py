"""KNeighbors*: the scikit-learn contract and its predictions as oracle."""

import numpy as np
import pytest
from sklearn import neighbors as skn
from sklearn.datasets import load_diabetes, load_iris
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml.io import load, save
from linml.neighbors import KNeighborsClassifier, KNeighborsRegressor


@parametrize_with_checks([KNeighborsClassifier(), KNeighborsRegressor()])
def test_sklearn_api(estimator, check):
    check(estimator)


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_classifier_matches_sklearn(weights, metric):
    X, y = load_iris(return_X_y=True)
    rng = np.random.default_rng(0)
    X = X + rng.normal(scale=1e-3, size=X.shape)  # break distance ties
    ours = KNeighborsClassifier(7, weights=weights, metric=metric).fit(X[::2], y[::2])
    theirs = skn.KNeighborsClassifier(7, weights=weights, metric=metric).fit(X[::2], y[::2])
    np.testing.assert_allclose(
        ours.predict_proba(X[1::2]), theirs.predict_proba(X[1::2]), atol=1e-10
    )


@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_regressor_matches_sklearn(weights):
    X, y = load_diabetes(return_X_y=True)
    ours = KNeighborsRegressor(9, weights=weights).fit(X[:300], y[:300])
    theirs = skn.KNeighborsRegressor(9, weights=weights).fit(X[:300], y[:300])
    np.testing.assert_allclose(ours.predict(X[300:]), theirs.predict(X[300:]), rtol=1e-10)


def test_multi_output_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = np.column_stack([X[:, 0], -X[:, 1]])
    pred = KNeighborsRegressor(1).fit(X, Y).predict(X)
    np.testing.assert_allclose(pred, Y)


def test_save_load(tmp_path):
    X, y = load_iris(return_X_y=True)
    model = KNeighborsClassifier(3).fit(X, y)
    save(model, tmp_path / "knn.npz")
    np.testing.assert_array_equal(load(tmp_path / "knn.npz").predict(X), model.predict(X))


def test_k_larger_than_training_set():
    with pytest.raises(ValueError, match="n_neighbors=5 must be <= n_samples=3"):
        KNeighborsClassifier(5).fit(np.eye(3), [0, 1, 1])


def test_wrong_feature_count():
    model = KNeighborsRegressor(1).fit(np.eye(3), [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="3 features"):
        model.predict(np.ones((1, 2)))
