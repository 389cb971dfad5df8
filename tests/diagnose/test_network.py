"""linml.diagnose.network: verdicts on networks whose gradient flow is known in closed form."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from linml.diagnose.network import network
from linml.exceptions import LinmlInputError
from linml.neural import Linear, MLPClassifier, MLPRegressor, ReLU, Sequential, Tanh
from linml.neural.init import orthogonal


def _deep(init, depth=20, width=128, act=ReLU):
    return Sequential(
        *[m for i in range(depth) for m in (Linear(width, width, init=init, random_state=i), act())]
    )


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).standard_normal((100, 128))


@pytest.mark.parametrize(
    ("init", "verdict"),
    [
        ("normal", "exploding"),  # σ_max(W) ≈ 2√128: ×~11 per layer
        ("xavier_normal", "vanishing"),  # ReLU halves E[h²]: ×2^-10 in norm over 20 layers
        ("he_normal", "healthy"),
        (lambda s, r, d: orthogonal(s, r, d, gain=np.sqrt(2)), "healthy"),
    ],
)
def test_verdict_follows_the_initialization(X, init, verdict):
    d = network(_deep(init), X)
    assert d.verdict == verdict, (d.forward_growth, d.backward_growth, d.reasons)
    assert d.suggestion
    assert len(d.layers) == 20 and d.activation_norms.shape == (21,)


def test_orthogonal_layers_report_unit_condition_numbers(X):
    d = network(_deep("orthogonal", depth=3), X)
    for r in d.layers:
        assert r.condition_number == pytest.approx(1.0)
        assert r.effective_rank == pytest.approx(128)
        assert r.spectral_norm == pytest.approx(1.0)


def test_rank_one_weights_are_rank_collapsed(X):
    net = _deep("orthogonal", depth=4, act=Tanh)
    rng = np.random.default_rng(1)
    u, v = rng.standard_normal(128), rng.standard_normal(128)
    net[2].params["W"][...] = np.outer(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
    d = network(net, X)
    assert d.verdict == "rank-collapsed"
    assert d.layers[1].numerical_rank == 1
    assert any("numerical rank 1 of 128" in r for r in d.reasons)
    assert "orthogonal" in d.suggestion


def test_vanishing_suggestion_names_the_fixes(X):
    d = network(_deep("xavier_normal"), X)
    assert "He initialization" in d.suggestion and "normalization" in d.suggestion
    assert d.backward_growth < 1e-2


def test_exploding_suggestion_names_init_and_learning_rate(X):
    d = network(_deep("normal"), X)
    assert "learning rate" in d.suggestion and "He" in d.suggestion
    assert "largest ‖W‖₂" in str(d)


def test_fitted_estimators_with_true_loss_gradient():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 6))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((16, 16), epochs=20, random_state=0).fit(X, y)
        reg = MLPRegressor((16,), epochs=20, random_state=0).fit(X, X[:, 0] * 3)
    d = network(clf, X, y)
    assert d.verdict == "healthy"
    assert np.all(d.gradient_norms > 0)
    assert clf.network_[0].input_grad is False  # restored after the diagnosis
    assert network(reg, X, X[:, 0] * 3).verdict == "healthy"
    text = str(d.explanation())
    assert "layer 0 Linear(6, 16)" in text and "verdict: healthy" in text


def test_bad_arguments_are_rejected():
    with pytest.raises(LinmlInputError, match="fitted MLPClassifier"):
        network(MLPClassifier(), np.zeros((3, 2)))
    with pytest.raises(LinmlInputError, match="NaN"):
        network(_deep("he_normal", depth=1, width=2), np.array([[np.nan, 1.0]]))
    clf = MLPClassifier((4,), epochs=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(np.random.default_rng(0).standard_normal((20, 2)), [0, 1] * 10)
    with pytest.raises(LinmlInputError, match="unseen"):
        network(clf, np.zeros((2, 2)), [0, 5])
