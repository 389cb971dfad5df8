"""LinearDiscriminantAnalysis: oracles on iris and wine, Fisher optimality, bad input, API checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_iris, load_wine
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as SkLDA
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml import LinmlInputError
from linml.discriminant_analysis import LinearDiscriminantAnalysis
from linml.io import load, save

LOADERS = [load_iris, load_wine]
CONFIGS = [
    {"solver": "svd"},
    {"solver": "eigen"},
    {"solver": "eigen", "shrinkage": "auto"},
    {"solver": "eigen", "shrinkage": 0.3},
]


@parametrize_with_checks(
    [LinearDiscriminantAnalysis(), LinearDiscriminantAnalysis(solver="eigen", shrinkage="auto")]
)
def test_sklearn_api_checks(estimator, check):
    check(estimator)


def _fisher_ratio(X, y, w):
    """J(w) = wᵀ S_B w / wᵀ S_W w with empirical priors (the definition, computed directly)."""
    z = X @ w
    classes = np.unique(y)
    priors = np.array([np.mean(y == c) for c in classes])
    means = np.array([z[y == c].mean() for c in classes])
    between = np.sum(priors * (means - priors @ means) ** 2)
    within = np.sum([priors[i] * z[y == c].var() for i, c in enumerate(classes)])
    return between / within


# ---------------------------------------------------------------------------- oracles
@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("config", CONFIGS)
def test_predictions_and_probabilities_match_sklearn(loader, config):
    X, y = loader(return_X_y=True)
    ours = LinearDiscriminantAnalysis(**config).fit(X, y)
    ref = SkLDA(**config).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-10)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-8)
    np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X), atol=1e-8)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.priors_, ref.priors_)
    np.testing.assert_allclose(ours.means_, ref.means_)


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("solver", ["svd", "eigen"])
def test_transform_matches_sklearn_up_to_sign(loader, solver):
    """Same directions; sklearn's eigen transform does not center, so compare centered scores."""
    X, y = loader(return_X_y=True)
    Z = LinearDiscriminantAnalysis(solver=solver).fit(X, y).transform(X)
    ref = SkLDA(solver=solver).fit(X, y)
    Z_ref = ref.transform(X)
    Z_ref = Z_ref - Z_ref.mean(0)
    Z = Z - Z.mean(0)
    assert Z.shape == Z_ref.shape == (X.shape[0], 2)
    np.testing.assert_allclose(Z, Z_ref * np.sign(np.sum(Z * Z_ref, axis=0)), atol=1e-9)
    np.testing.assert_allclose(
        LinearDiscriminantAnalysis(solver=solver).fit(X, y).explained_variance_ratio_,
        ref.explained_variance_ratio_,
        rtol=1e-8,
    )


def test_binary_problem_and_user_priors_match_sklearn():
    X, y = load_wine(return_X_y=True)
    keep = y < 2
    X, y = X[keep], y[keep]
    for config in ({"solver": "svd"}, {"solver": "eigen"}):
        ours = LinearDiscriminantAnalysis(priors=[0.3, 0.7], **config).fit(X, y)
        ref = SkLDA(priors=[0.3, 0.7], **config).fit(X, y)
        assert ours.decision_function(X).shape == (X.shape[0],)
        np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-10)


def test_solvers_agree_on_fisher_ratios():
    X, y = load_iris(return_X_y=True)
    svd = LinearDiscriminantAnalysis(solver="svd").fit(X, y)
    eig = LinearDiscriminantAnalysis(solver="eigen").fit(X, y)
    np.testing.assert_allclose(svd.fisher_ratios_, eig.fisher_ratios_, rtol=1e-8)
    for j in range(2):  # the stored ratio is J of the stored direction
        np.testing.assert_allclose(_fisher_ratio(X, y, eig.scalings_[:, j]), eig.fisher_ratios_[j])


def test_eigen_directions_solve_generalized_problem():
    """S_B w = λ S_W w and Wᵀ S_W W = I, with S_W, S_B built from their definitions."""
    X, y = load_wine(return_X_y=True)
    lda = LinearDiscriminantAnalysis(solver="eigen").fit(X, y)
    S_W = sum(p * np.cov(X[y == k], rowvar=False, ddof=0) for k, p in enumerate(lda.priors_))
    D = lda.means_ - lda.xbar_
    S_B = (D.T * lda.priors_) @ D
    W = lda.scalings_[:, :2]
    np.testing.assert_allclose(S_B @ W, S_W @ W * lda.fisher_ratios_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(W.T @ S_W @ W, np.eye(2), atol=1e-8)


# ---------------------------------------------------------------------------- properties
@given(seed=st.integers(0, 10_000), n_classes=st.integers(2, 4), p=st.integers(2, 5))
def test_fisher_direction_beats_random_directions(seed, n_classes, p):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), 30)
    X = (
        rng.normal(size=(y.size, p)) @ rng.normal(size=(p, p))
        + rng.normal(size=(n_classes, p))[y] * 2
    )
    lda = LinearDiscriminantAnalysis(solver="eigen").fit(X, y)
    best = _fisher_ratio(X, y, lda.scalings_[:, 0])
    for w in rng.normal(size=(20, p)):
        assert best >= _fisher_ratio(X, y, w) * (1 - 1e-9)


@given(seed=st.integers(0, 10_000))
def test_projection_has_at_most_c_minus_1_dims(seed):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), 20)
    X = rng.normal(size=(60, 6)) + 3 * rng.normal(size=(3, 6))[y]
    assert LinearDiscriminantAnalysis().fit(X, y).transform(X).shape == (60, 2)


# ---------------------------------------------------------------------------- bad input
def test_too_many_components_explains_the_cap():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(
        LinmlInputError,
        match=r"n_components=3 must be <= n_classes - 1 = 2.*rank at most C − 1.*3 class means",
    ):
        LinearDiscriminantAnalysis(n_components=3).fit(X, y)


def test_single_class():
    with pytest.raises(LinmlInputError, match="only one class"):
        LinearDiscriminantAnalysis().fit(np.random.default_rng(0).normal(size=(10, 2)), [1] * 10)


def test_nan_is_located():
    X, y = load_iris(return_X_y=True)
    X = X.copy()
    X[5, 3] = np.nan
    with pytest.raises(LinmlInputError, match="NaN at row 5, column 3"):
        LinearDiscriminantAnalysis().fit(X, y)


def test_shrinkage_needs_eigen_solver():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(LinmlInputError, match="shrinkage='auto' needs solver='eigen'"):
        LinearDiscriminantAnalysis(shrinkage="auto").fit(X, y)


def test_singular_within_scatter_suggests_shrinkage():
    X, y = load_iris(return_X_y=True)
    X = np.column_stack([X, X[:, 0]])  # a duplicated feature: S_W singular
    with pytest.raises(LinmlInputError, match=r"S_W is singular.*shrinkage='auto'"):
        LinearDiscriminantAnalysis(solver="eigen").fit(X, y)
    LinearDiscriminantAnalysis(solver="eigen", shrinkage="auto").fit(X, y)  # and the fix works
    LinearDiscriminantAnalysis(solver="svd").fit(X, y)


def test_wrong_number_of_priors():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(LinmlInputError, match="priors has 2 entries but y has 3 classes"):
        LinearDiscriminantAnalysis(priors=[0.5, 0.5]).fit(X, y)


# ---------------------------------------------------------------------------- persistence & explain
def test_save_load_and_explain(tmp_path):
    X, y = load_wine(return_X_y=True)
    lda = LinearDiscriminantAnalysis(solver="eigen", shrinkage="auto").fit(X, y)
    save(lda, tmp_path / "lda.npz")
    again = load(tmp_path / "lda.npz")
    np.testing.assert_array_equal(again.predict_proba(X), lda.predict_proba(X))
    np.testing.assert_array_equal(again.transform(X), lda.transform(X))
    text = str(lda._explain())
    assert "fisher_ratios_" in text and "shrinkage_" in text and "C − 1 = 2" in text


@pytest.mark.parametrize(("n", "p"), [(400, 30), (80, 60), (60, 200)])  # QR first / direct SVD
def test_svd_solver_both_reductions_match_sklearn(n, p):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as SkLDA

    from linml.discriminant_analysis import linear_discriminant_analysis as module

    rng = np.random.default_rng(n + p)
    y = np.arange(n) % 4
    X = rng.standard_normal((n, p)) + 2.0 * rng.standard_normal((4, p))[y]
    ours = LinearDiscriminantAnalysis().fit(X, y)
    ref = SkLDA(solver="svd").fit(X, y)
    assert (n >= module._QR_FIRST_RATIO * p) == (n == 400)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(np.abs(ours.transform(X)), np.abs(ref.transform(X)), atol=1e-7)
