"""MLPClassifier: digits accuracy, persistence, bad input, divergence, options."""

import logging
import time
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from linml.exceptions import LinmlInputError
from linml.io import load, save
from linml.neural import MLPClassifier, TrainingDivergedError


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def _digits_accuracy(digits, seed):
    X, y = digits
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, stratify=y, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((128,), epochs=100, random_state=seed).fit(Xtr, ytr)
    return clf.score(Xte, yte)


def test_digits_accuracy_one_seed(digits):
    start = time.perf_counter()
    assert _digits_accuracy(digits, 0) >= 0.97
    assert time.perf_counter() - start < 30  # "well under a minute" even on a busy machine


@pytest.mark.slow
def test_digits_accuracy_averaged_over_three_seeds(digits):
    assert np.mean([_digits_accuracy(digits, seed) for seed in range(3)]) >= 0.97


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(300, n_features=5, centers=3, random_state=0)
    return X, np.array(["ant", "bee", "cat"])[y]


@pytest.fixture(scope="module")
def fitted(blobs):
    X, y = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPClassifier((16, 8), learning_rate=1e-2, epochs=30, random_state=0).fit(X, y)


def test_string_labels_probabilities_and_loss_curve(fitted, blobs):
    X, y = blobs
    assert set(fitted.predict(X)) <= {"ant", "bee", "cat"}
    P = fitted.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert fitted.score(X, y) > 0.95
    assert fitted.loss_curve_[-1] < fitted.loss_curve_[0]
    assert [W.shape for W in fitted.coefs_] == [(16, 5), (8, 16), (3, 8)]


def test_trains_in_float32_and_predicts_in_the_input_dtype(fitted, blobs):
    X, _ = blobs
    assert fitted.coefs_[0].dtype == np.float32
    assert fitted.predict_proba(X.astype(np.float32)).dtype == np.float32
    assert fitted.predict_proba(X).dtype == np.float64


def test_save_load_round_trip(fitted, blobs, tmp_path):
    X, _ = blobs
    path = tmp_path / "mlp.npz"
    save(fitted, path)
    model = load(path)
    np.testing.assert_array_equal(model.predict_proba(X), fitted.predict_proba(X))
    np.testing.assert_array_equal(model.classes_, fitted.classes_)
    assert model.loss_curve_ == fitted.loss_curve_


def test_unseen_labels_in_score_give_a_clear_error(fitted, blobs):
    X, y = blobs
    y_bad = y.copy()
    y_bad[:3] = "dog"
    with pytest.raises(LinmlInputError, match=r"'dog'.*never seen in fit"):
        fitted.score(X, y_bad)


def test_wrong_feature_count_is_rejected(fitted):
    with pytest.raises(ValueError, match=r"X has 4 features.*expecting 5"):
        fitted.predict(np.zeros((2, 4)))


def test_nan_input_is_rejected_with_its_position(blobs):
    X, y = blobs
    X = X.copy()
    X[7, 2] = np.nan
    with pytest.raises(LinmlInputError, match="NaN at row 7, column 2"):
        MLPClassifier(epochs=2).fit(X, y)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_diverging_learning_rate_stops_with_the_epoch_and_cause(blobs, optimizer):
    X, y = blobs
    clf = MLPClassifier((32,), optimizer=optimizer, learning_rate=1e4, epochs=50, random_state=0)
    with pytest.raises(TrainingDivergedError, match=r"diverged at epoch \d+.*learning_rate=10000"):
        clf.fit(X * 100, y)
    assert not hasattr(clf, "coefs_")


def test_one_class_is_rejected():
    with pytest.raises(LinmlInputError, match="one class"):
        MLPClassifier(epochs=1).fit(np.zeros((4, 2)), np.ones(4))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": "10,5"}, "hidden_layer_sizes"),
        ({"activation": "swish"}, "activation='swish'"),
        ({"learning_rate": 0.0}, "learning_rate=0.0"),
        ({"optimizer": "lbfgs"}, "optimizer='lbfgs'"),
        ({"dtype": "float16"}, "dtype='float16'"),
    ],
)
def test_bad_parameters_are_rejected(blobs, params, match):
    X, y = blobs
    with pytest.raises(LinmlInputError, match=match):
        MLPClassifier(**params).fit(X, y)


def test_early_stopping_keeps_the_best_validated_weights(digits):
    X, y = digits
    clf = MLPClassifier((64,), early_stopping=True, learning_rate=3e-3, epochs=200, random_state=0)
    clf.fit(X, y)
    assert clf.n_iter_ < 200
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_) > 0.9


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adamw"])
def test_every_optimizer_learns(blobs, optimizer):
    X, y = blobs
    lr = 1e-2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((16,), optimizer=optimizer, learning_rate=lr, epochs=30, random_state=0)
        assert clf.fit(X, y).score(X, y) > 0.9


def test_max_epochs_warns_convergence(blobs):
    X, y = blobs
    with pytest.warns(ConvergenceWarning, match="epochs"):
        MLPClassifier((4,), epochs=2, random_state=0).fit(X, y)


def test_verbose_logs_each_epoch(blobs, caplog):
    X, y = blobs
    with caplog.at_level(logging.INFO, logger="linml.neural._training"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            MLPClassifier((4,), epochs=3, verbose=True, random_state=0).fit(X, y)
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        f"MLPClassifier epoch {i}" for i in (1, 2, 3)
    ]


def test_explain_reports_the_layer_spectra(fitted):
    text = str(fitted._explain())
    assert "layer 0 W 16x5" in text and "cond=" in text and "effective rank" in text
