"""MLPRegressor: fits, multi-output, target standardization, persistence, bad input."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from linml.exceptions import LinmlInputError
from linml.io import load, save
from linml.neural import MLPRegressor, TrainingDivergedError


@pytest.fixture(scope="module")
def sine():
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, (400, 2))
    Y = np.column_stack([np.sin(X[:, 0]), X[:, 0] * X[:, 1]]) * 1000 + 5000  # large units
    return X, Y


@pytest.fixture(scope="module")
def fitted(sine):
    X, Y = sine
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPRegressor((64, 64), learning_rate=3e-3, epochs=150, random_state=0).fit(X, Y)


def test_fits_nonlinear_multioutput_targets_in_any_units(fitted, sine):
    X, Y = sine
    assert fitted.predict(X).shape == (400, 2)
    assert fitted.score(X, Y) > 0.95
    np.testing.assert_allclose(fitted.y_mean_, Y.mean(axis=0))


def test_single_output_predictions_are_1d(sine):
    X, Y = sine
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = MLPRegressor((8,), epochs=5, random_state=0).fit(X, Y[:, 0])
    assert reg.predict(X).shape == (400,)
    assert reg.predict(X.astype(np.float32)).dtype == np.float32


def test_save_load_round_trip(fitted, sine, tmp_path):
    X, _ = sine
    save(fitted, tmp_path / "reg.npz")
    model = load(tmp_path / "reg.npz")
    np.testing.assert_array_equal(model.predict(X), fitted.predict(X))
    assert model.n_iter_ == fitted.n_iter_


def test_constant_target_is_learned_without_dividing_by_zero():
    X = np.random.default_rng(0).standard_normal((50, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = MLPRegressor((4,), learning_rate=1e-2, epochs=100, random_state=0).fit(
            X, np.full(50, 7.0)
        )
    np.testing.assert_allclose(reg.predict(X), 7.0, atol=0.5)


def test_wrong_feature_count_and_nan_are_rejected(fitted, sine):
    X, Y = sine
    with pytest.raises(ValueError, match=r"X has 3 features.*expecting 2"):
        fitted.predict(np.zeros((2, 3)))
    X_nan = X.copy()
    X_nan[3, 1] = np.inf
    with pytest.raises(LinmlInputError, match="inf at row 3, column 1"):
        MLPRegressor(epochs=1).fit(X_nan, Y)


def test_diverging_learning_rate_stops_with_a_clear_message(sine):
    X, Y = sine
    reg = MLPRegressor((32,), optimizer="sgd", learning_rate=50.0, epochs=20, random_state=0)
    with pytest.raises(TrainingDivergedError, match=r"epoch \d+ .*learning_rate=50.0.*init="):
        reg.fit(X, Y)


def test_gradient_clipping_tames_the_same_learning_rate(sine):
    X, Y = sine
    reg = MLPRegressor(
        (32,), optimizer="sgd", learning_rate=0.5, max_grad_norm=1.0, epochs=5, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, Y)
    assert np.all(np.isfinite(reg.loss_curve_))


def test_early_stopping_scores_r2(sine):
    X, Y = sine
    reg = MLPRegressor((64,), early_stopping=True, learning_rate=1e-2, epochs=300, random_state=0)
    reg.fit(X, Y)
    assert reg.best_validation_score_ > 0.8
    assert reg.n_iter_ < 300


def test_nan_first_loss_does_not_blame_learning_rate():
    """Issue 17: a loss that is NaN before any update was blamed on learning_rate."""
    X = np.random.default_rng(0).normal(size=(50, 3)) * 1e200
    with pytest.raises(TrainingDivergedError, match=r"very first batch.*not the cause.*Rescale X"):
        MLPRegressor((8,), epochs=2, random_state=0, dtype="float64").fit(X, X[:, 0] * 1e-200)


def test_float32_training_refuses_entries_the_cast_would_overflow():
    """Issue 17: finite float64 X of 1e200 became inf in the float32 cast and trained on NaN."""
    from linml.exceptions import LinmlInputError

    X = np.random.default_rng(0).standard_normal((20, 2))
    X[3, 1] = 1e200
    with pytest.raises(LinmlInputError, match=r"dtype='float32'.*beyond 3.4e\+38.*float64"):
        MLPRegressor(epochs=2).fit(X, np.ones(20))
