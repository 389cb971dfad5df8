"""LogisticRegression: oracles (scikit-learn, statsmodels), IRLS identity, separation, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn.linear_model as sk
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit, logsumexp
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml import NumericalWarning
from linml.diagnose import explain
from linml.io import load, save
from linml.linear_model import LogisticRegression
from linml.linear_model._logistic import (
    LogisticProblem,
    choose_solver,
    gradient,
    hessian,
    linear_predictor,
    loss_and_probabilities,
)

LOADERS = {"breast_cancer": load_breast_cancer, "wine": load_wine, "iris": load_iris}


def _standardized(name):
    X, y = LOADERS[name](return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _theta(model):
    """[coef_ | intercept_] as one (K', p + 1) array, for combined relative comparisons."""
    return np.column_stack([model.coef_, model.intercept_])


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


def _numpy_gradient(X, y_idx, s, coef, intercept, lam):
    """Reference ∇f of Σ s ℓ + (λ/2)‖B‖² written from the definitions (the tests' NumPy twin)."""
    eta = X @ coef.T + intercept  # (n, K')
    if coef.shape[0] == 1:
        R = expit(eta) - (y_idx == 1)[:, None]
    else:
        P = np.exp(eta - logsumexp(eta, axis=1, keepdims=True))
        R = P - np.eye(coef.shape[0])[y_idx]
    R = R * s[:, None]
    return np.column_stack([R.T @ X + lam * coef, R.sum(axis=0)])


def _data(n, p, n_classes, seed, noise=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    B = rng.standard_normal((p, n_classes)) / np.sqrt(p)
    eta = X @ B
    y = np.argmax(eta + noise * rng.gumbel(size=eta.shape), axis=1)
    return X, y


# ---------------------------------------------------------------------------- API checks
# check_non_transformer_estimators_n_iter fits unscaled iris with max_iter=100, where L-BFGS
# (like scikit-learn's own) stops short of tol and rightly warns
@pytest.mark.filterwarnings("ignore:.*did not converge:linml.exceptions.NumericalWarning")
@parametrize_with_checks([LogisticRegression(), LogisticRegression(solver="lbfgs")])
def test_sklearn_api_checks(estimator, check):
    check(estimator)


# ---------------------------------------------------------------------------- oracles
#: scikit-learn's lbfgs stops on ftol = 64·eps (it cannot be changed) at ‖∇f‖∞/S ≈ 1e-8,
#: which leaves its coefficients ~1e-6 from the optimum (measured up to 2.3e-6 with
#: weights); its newton-cholesky reaches ‖∇f‖∞/S ≈ 1e-13 and is compared at 1e-8.
REFERENCES = {"lbfgs": 5e-6, "newton-cholesky": 1e-8}


@pytest.mark.parametrize(
    ("reference", "solver", "weighted"),
    [
        ("lbfgs", "newton", False),
        ("lbfgs", "newton", True),
        ("newton-cholesky", "newton", False),
        ("newton-cholesky", "newton", True),
        ("newton-cholesky", "lbfgs", False),
        ("newton-cholesky", "lbfgs", True),
    ],
)
@pytest.mark.parametrize("name", ["breast_cancer", "wine", "iris"])
def test_matches_sklearn_on_standardized_datasets(name, reference, solver, weighted):
    """Same objective as scikit-learn's: coefficients and probabilities agree."""
    X, y = _standardized(name)
    sw = np.random.default_rng(0).uniform(0.2, 3.0, y.size) if weighted else None
    ref = sk.LogisticRegression(solver=reference, tol=1e-12, max_iter=10000)
    ref.fit(X, y, sample_weight=sw)
    model = LogisticRegression(solver=solver, tol=1e-12, max_iter=1000).fit(X, y, sw)
    assert model.coef_.shape == ref.coef_.shape and model.intercept_.shape == ref.intercept_.shape
    # our L-BFGS's own floor (f flat at round-off) is ~1e-7 relative on breast_cancer
    rtol = REFERENCES[reference] if solver == "newton" else max(REFERENCES[reference], 1e-6)
    assert _rel(_theta(model), _theta(ref)) < rtol
    P, P_ref = model.predict_proba(X), ref.predict_proba(X)
    np.testing.assert_allclose(P, P_ref, rtol=0, atol=max(rtol, 1e-6))
    np.testing.assert_array_equal(model.classes_, ref.classes_)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_unpenalized_matches_sklearn_on_non_separable_data(n_classes):
    X, y = _data(400, 4, n_classes, seed=1, noise=1.5)
    ref = sk.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X, y)
    for model in (
        LogisticRegression(penalty=None, tol=1e-10).fit(X, y),
        LogisticRegression(C=np.inf, solver="lbfgs", tol=1e-10, max_iter=1000).fit(X, y),
    ):
        assert model.separation_ is None
        assert _rel(_theta(model), _theta(ref)) < 1e-6


def test_class_weight_balanced_and_dict_match_sklearn():
    X, y = _standardized("wine")
    for cw in ("balanced", {0: 2.0, 1: 0.5, 2: 1.0}):
        ref = sk.LogisticRegression(class_weight=cw, solver="newton-cholesky", tol=1e-12)
        model = LogisticRegression(class_weight=cw, tol=1e-12).fit(X, y)
        assert _rel(_theta(model), _theta(ref.fit(X, y))) < 1e-8


def test_integer_sample_weights_equal_repeated_rows():
    X, y = _data(60, 3, 2, seed=4)
    w = np.random.default_rng(4).integers(0, 4, 60)
    a = LogisticRegression(tol=1e-12).fit(X, y, sample_weight=w)
    b = LogisticRegression(tol=1e-12).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(_theta(a), _theta(b), rtol=1e-10, atol=1e-12)


def test_standard_errors_match_statsmodels():
    sm = pytest.importorskip("statsmodels.api")
    X, y = _data(500, 4, 2, seed=2, noise=1.0)
    model = LogisticRegression(penalty=None, tol=1e-12).fit(X, y)
    res = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    np.testing.assert_allclose(model.intercept_, res.params[:1], rtol=1e-6)
    np.testing.assert_allclose(model.coef_[0], res.params[1:], rtol=1e-6)
    np.testing.assert_allclose(model.intercept_bse_, res.bse[:1], rtol=1e-6)
    np.testing.assert_allclose(model.bse_[0], res.bse[1:], rtol=1e-6)
    assert LogisticRegression().fit(X, y).bse_ is None  # penalized: no standard errors


# ---------------------------------------------------------------------------- invariants
@settings(max_examples=15)
@given(
    n=st.integers(20, 80),
    p=st.integers(1, 6),
    n_classes=st.integers(2, 4),
    C=st.floats(1e-2, 1e2),
    seed=st.integers(0, 2**31 - 1),
    solver=st.sampled_from(["newton", "lbfgs"]),
)
def test_gradient_at_the_optimum_is_below_tol(n, p, n_classes, C, seed, solver):
    X, y = _data(n, p, n_classes, seed, noise=2.0)
    if np.unique(y).size < 2:
        return
    tol = 1e-8
    model = LogisticRegression(C=C, solver=solver, tol=tol, max_iter=500).fit(X, y)
    y_idx = np.searchsorted(model.classes_, y)
    G = _numpy_gradient(X, y_idx, np.ones(n), model.coef_, model.intercept_, 1.0 / C)
    assert np.max(np.abs(G)) / n <= 1.01 * tol
    assert model.converged_ and model.grad_norms_[-1] <= tol


@given(
    n=st.integers(10, 60),
    p=st.integers(1, 5),
    seed=st.integers(0, 2**31 - 1),
    scale=st.floats(0.0, 1.0),
)
def test_one_irls_step_is_the_weighted_least_squares_solve(n, p, seed, scale):
    """θ + Δ = lstsq(√W X̃, √W z) with z = X̃θ + (y − p)/(p(1 − p)) (no penalty)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = rng.integers(0, 2, n)
    s = rng.uniform(0.5, 2.0, n)
    prob = LogisticProblem(X=X, y=y, s=s, n_classes=2, lam=0.0, fit_intercept=True)
    Theta = scale * rng.standard_normal((1, p + 1))
    eta = linear_predictor(prob, Theta)
    _, P = loss_and_probabilities(prob, eta)
    H = hessian(prob, eta, P)
    G = gradient(prob, Theta, P)
    theta_new = Theta.ravel() + np.linalg.solve(H, -G.ravel())
    mu = P[:, 0]
    Xt = np.column_stack([X, np.ones(n)])
    z = Xt @ Theta.ravel() + (y - mu) / (mu * (1 - mu))  # working response
    sw = np.sqrt(s * mu * (1 - mu))
    expected = np.linalg.lstsq(sw[:, None] * Xt, sw * z, rcond=None)[0]
    np.testing.assert_allclose(theta_new, expected, rtol=1e-6, atol=1e-8)


def test_hessian_is_the_gradients_jacobian():
    """Central differences of ∇f reproduce the block Hessian (binary and multinomial)."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((30, 3))
    for K in (2, 3):
        y = rng.integers(0, K, 30)
        prob = LogisticProblem(X=X, y=y, s=rng.uniform(0.5, 2, 30), n_classes=K, lam=0.7,
                               fit_intercept=True)  # fmt: skip
        Theta = 0.3 * rng.standard_normal((prob.n_outputs, 4))
        eta = linear_predictor(prob, Theta)
        H = hessian(prob, eta, loss_and_probabilities(prob, eta)[1])
        h = 1e-6
        J = np.empty_like(H)
        for j in range(Theta.size):
            E = np.zeros(Theta.size)
            E[j] = h
            gp, gm = (
                gradient(prob, T, loss_and_probabilities(prob, linear_predictor(prob, T))[1])
                for T in ((Theta.ravel() + E).reshape(Theta.shape),
                          (Theta.ravel() - E).reshape(Theta.shape))
            )  # fmt: skip
            J[:, j] = (gp - gm).ravel() / (2 * h)
        np.testing.assert_allclose(H, J, rtol=1e-6, atol=1e-7)


@settings(max_examples=12)
@given(
    n=st.integers(30, 100),
    p=st.integers(1, 5),
    n_classes=st.integers(2, 4),
    seed=st.integers(0, 2**31 - 1),
)
def test_newton_and_lbfgs_agree(n, p, n_classes, seed):
    X, y = _data(n, p, n_classes, seed, noise=2.0)
    if np.unique(y).size < 2:
        return
    a = LogisticRegression(solver="newton", tol=1e-11).fit(X, y)
    b = LogisticRegression(solver="lbfgs", tol=1e-11, max_iter=2000).fit(X, y)
    np.testing.assert_allclose(_theta(a), _theta(b), rtol=1e-5, atol=1e-6)
    assert a.objective_ == pytest.approx(b.objective_, rel=1e-10)


def test_multinomial_coefficients_sum_to_zero_over_classes():
    X, y = _standardized("iris")
    model = LogisticRegression(solver="newton").fit(X, y)
    np.testing.assert_allclose(model.coef_.sum(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(model.intercept_.sum(), 0.0, atol=1e-10)


def test_newton_converges_quadratically_and_explains_itself():
    X, y = _standardized("breast_cancer")
    cols = [f"f{j}" for j in range(X.shape[1])]
    model = LogisticRegression(tol=1e-12).fit(pd.DataFrame(X, columns=cols), y)
    g = model.grad_norms_
    assert model.solver_ == "newton" and model.n_iter_ <= 12
    # quadratic: at the end, log10 ‖∇‖ at least ~doubles per step
    assert np.log10(g[-1]) < 1.5 * np.log10(g[-2]) < 0
    assert model.hessian_condition_number_ > 1
    text = str(explain(model))
    assert "least-determined direction" in text and "f" in text and "newton" in text
    assert np.linalg.norm(model.hessian_min_direction_) == pytest.approx(1.0)
    assert model.hessian_eigenvalues_[0] / model.hessian_eigenvalues_[-1] == pytest.approx(
        model.hessian_condition_number_
    )


def test_predict_log_proba_decision_function_consistent():
    X, y = _standardized("wine")
    model = LogisticRegression().fit(X, y)
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), model.predict_proba(X))
    assert model.decision_function(X).shape == (X.shape[0], 3)
    Xb, yb = _standardized("breast_cancer")
    binary = LogisticRegression().fit(Xb, yb)
    d = binary.decision_function(Xb)
    assert d.shape == (Xb.shape[0],)
    np.testing.assert_allclose(binary.predict_proba(Xb)[:, 1], expit(d), rtol=1e-12)
    assert np.array_equal(binary.predict(Xb), binary.classes_[(d > 0).astype(int)])


def test_string_labels_float32_and_persistence(tmp_path):
    X, y = _standardized("iris")
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    model = LogisticRegression().fit(X.astype(np.float32), labels)
    assert model.coef_.dtype == np.float32
    ref = LogisticRegression().fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-5, atol=1e-5)
    save(model, tmp_path / "lr.npz")
    back = load(tmp_path / "lr.npz")
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    assert set(back.predict(X)) <= set(labels)


def test_auto_rule_by_shape():
    assert choose_solver(10000, 50, 1, True)[0] == "newton"
    assert choose_solver(20000, 1000, 1, True)[0] == "lbfgs"
    assert choose_solver(2000, 200, 10, True)[0] == "lbfgs"  # 10·201 unknowns
    assert choose_solver(20000, 20, 10, True)[0] == "newton"
    solver, why = choose_solver(100, 300, 1, True)
    assert solver == "lbfgs" and "wide" in why
    model = LogisticRegression().fit(*_data(50, 80, 2, seed=0))
    assert model.solver_ == "lbfgs" and "wide" in model.solver_reason_


# ---------------------------------------------------------------------------- separation
def _separable_2d():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 2))
    X[:, 1] *= 0.1  # the second feature carries no signal...
    y = (X[:, 0] > 0).astype(int)  # ...the first separates perfectly
    return X, y


@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
def test_separation_warns_names_features_and_stops_finite(solver):
    X, y = _separable_2d()
    df = pd.DataFrame(X, columns=["dose", "noise"])
    with pytest.warns(NumericalWarning, match=r"separated.*does not exist.*dose.*add a penalty"):
        model = LogisticRegression(penalty=None, solver=solver).fit(df, y)
    assert model.separation_ == "complete" and model.separating_features_[0] == "dose"
    assert np.all(np.isfinite(model.coef_)) and np.abs(model.coef_).max() < 1e3
    assert model.n_iter_ < 20 and not model.converged_
    assert model.bse_ is None
    assert "separation" in str(model._explain())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the penalized fit is well-posed: no warning
        penalized = LogisticRegression(C=1.0, solver=solver).fit(df, y)
    assert penalized.separation_ is None and penalized.converged_


@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
def test_quasi_complete_separation_is_detected(solver):
    """x0 separates every sample with x0 ≠ 0; the samples at x0 = 0 overlap."""
    rng = np.random.default_rng(0)
    x0 = np.r_[rng.uniform(0.5, 2, 20), -rng.uniform(0.5, 2, 20), np.zeros(20)]
    y = np.r_[np.ones(20), np.zeros(20), rng.integers(0, 2, 20)].astype(int)
    X = np.column_stack([x0, rng.standard_normal(60)])
    with pytest.warns(NumericalWarning, match="quasi-completely separated.*x0"):
        model = LogisticRegression(penalty=None, solver=solver).fit(X, y)
    assert model.separation_ == "quasi-complete" and model.separating_features_ == ["x0"]
    assert np.all(np.isfinite(model.coef_))


def test_wide_unpenalized_is_separable():
    X, y = _data(30, 60, 2, seed=7)
    with pytest.warns(NumericalWarning, match="completely separated"):
        model = LogisticRegression(penalty=None).fit(X, y)
    assert model.solver_ == "lbfgs" and model.separation_ == "complete"


def test_collinear_unpenalized_falls_back_with_a_warning():
    X, y = _data(200, 3, 2, seed=8, noise=2.0)
    X = np.column_stack([X, X[:, 0] + X[:, 1]])
    with pytest.warns(NumericalWarning, match="singular"):
        model = LogisticRegression(penalty=None, solver="newton").fit(X, y)
    assert model.n_singular_steps_ > 0
    ref = LogisticRegression(penalty=None, solver="newton").fit(X[:, :3], y)
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X[:, :3]), atol=1e-6)


def test_non_convergence_warns():
    X, y = _standardized("breast_cancer")
    with pytest.warns(NumericalWarning, match="did not converge in max_iter=2"):
        model = LogisticRegression(solver="newton", max_iter=2).fit(X, y)
    assert not model.converged_ and model.n_iter_ == 2


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("kwargs", "X", "y", "match"),
    [
        ({}, np.ones((4, 2)), np.zeros(4), "one class only"),
        ({}, np.ones((3, 2)), np.array(["a", "a", "a"]), r"one class only \('a'\)"),
        ({}, np.array([[1.0, np.nan], [0.0, 1.0]]), np.array([0, 1]), "NaN at row 0, column 1"),
        ({"C": -1.0}, np.ones((4, 2)), np.array([0, 1, 0, 1]), r"C=-1.0 must be a number in \(0"),
        ({"C": 0.0}, np.ones((4, 2)), np.array([0, 1, 0, 1]), r"C=0.0 must be a number in \(0"),
        ({"solver": "sag"}, np.ones((4, 2)), np.array([0, 1, 0, 1]), "solver='sag' must be one of"),
        ({"penalty": "l1"}, np.ones((4, 2)), np.array([0, 1, 0, 1]), "penalty='l1' must be one"),
        ({"class_weight": {7: 1.0}}, np.ones((4, 2)), np.array([0, 1, 0, 1]), "class_weight="),
        ({}, np.ones((4, 2)), np.array([0.5, 1.5, 0.25, 2.0]), "Unknown label type"),
    ],
)
def test_bad_input(kwargs, X, y, match):
    with pytest.raises(ValueError, match=match):
        LogisticRegression(**kwargs).fit(X, y)


def test_zero_weight_leaving_one_class_is_rejected():
    X, y = _data(20, 2, 2, seed=0)
    with pytest.raises(ValueError, match="positive weight belong to one class"):
        LogisticRegression().fit(X, y, sample_weight=(y == 0).astype(float))


def test_lbfgs_stopping_short_of_tol_warns():
    """Found writing the tour chapter: L-BFGS-B's relative-reduction stop (status 0, even with
    ftol = 0) at ‖∇‖ = 1.4e-10 > tol = 1e-10 left converged_ False without a word."""
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = LogisticRegression(solver="lbfgs", tol=1e-10).fit(X, y)
    warned = any(
        issubclass(w.category, NumericalWarning) and "stopped after" in str(w.message)
        for w in caught
    )
    assert model.converged_ == (model.grad_norms_[-1] <= 1e-10)
    assert model.converged_ or warned  # a stop short of tol is never silent
