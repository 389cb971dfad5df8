"""SVC: API checks, oracle vs scikit-learn's SVC (libsvm), dual invariants, errors, persistence."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_digits, load_wine, make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC as SkSVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml import NumericalWarning
from linml.exceptions import LinmlInputError
from linml.io import load, save
from linml.linalg.kernels import pairwise_kernel
from linml.svm import SVC

_EXPECTED_FAILURES = {
    # as scikit-learn's own SVC: a weight of 2 is not bit-equal to a repeated sample
    "check_sample_weight_equivalence_on_dense_data": (
        "sample_weight is not equivalent to removing/repeating samples (as sklearn's SVC)."
    ),
}


@parametrize_with_checks(
    [SVC(), SVC(kernel="precomputed"), SVC(probability=True, random_state=0)],
    expected_failed_checks=lambda est: _EXPECTED_FAILURES,
)
def test_sklearn_api(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        check(estimator)


def _standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


DATASETS = {"breast_cancer": load_breast_cancer, "digits": load_digits, "wine": load_wine}


@pytest.fixture(scope="module")
def data():
    return {name: _standardized(loader) for name, loader in DATASETS.items()}


# ---------------------------------------------------------------------------- oracle
@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("kernel", ["linear", "poly", "rbf"])
def test_matches_sklearn_svc(data, dataset, kernel):
    """Same params and tol as libsvm → same SVs, decision values to 1e-3, same predictions."""
    X, y = data[dataset]
    ours = SVC(kernel=kernel, C=1.0, tol=1e-3).fit(X, y)
    ref = SkSVC(kernel=kernel, C=1.0, tol=1e-3).fit(X, y)
    np.testing.assert_array_equal(ours.support_, ref.support_)
    np.testing.assert_array_equal(ours.n_support_, ref.n_support_)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-3)
    np.testing.assert_allclose(ours.dual_coef_, ref.dual_coef_, atol=1e-3)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-3)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    if kernel == "linear":
        np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-3)


def test_ovo_shape_matches_sklearn(data):
    X, y = data["wine"]
    ours = SVC(decision_function_shape="ovo").fit(X, y)
    ref = SkSVC(decision_function_shape="ovo").fit(X, y)
    dec = ours.decision_function(X)
    assert dec.shape == (X.shape[0], 3)
    np.testing.assert_allclose(dec, ref.decision_function(X), atol=1e-3)


def test_break_ties_matches_sklearn():
    X, y = make_blobs(90, centers=3, cluster_std=3.0, random_state=0)
    ours = SVC(break_ties=True).fit(X, y)
    ref = SkSVC(break_ties=True).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("class_weight", [None, "balanced", {0: 3.0, 1: 0.5}])
def test_weights_match_sklearn(data, class_weight):
    """class_weight and sample_weight scale C per sample, as in libsvm."""
    X, y = data["breast_cancer"]
    sw = np.random.default_rng(0).uniform(0.5, 2.0, size=y.size)
    sw[:5] = 0.0  # zero weight: removed, as libsvm does
    ours = SVC(class_weight=class_weight).fit(X, y, sample_weight=sw)
    ref = SkSVC(class_weight=class_weight).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-3)


def test_probability_close_to_sklearn(data):
    """Platt on CV decision values: rows sum to 1; close to libsvm (folds are shuffled differently)."""
    for name in ("breast_cancer", "wine"):
        X, y = data[name]
        ours = SVC(probability=True, random_state=0).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            ref = SkSVC(probability=True, random_state=0).fit(X, y)
            P_ref = ref.predict_proba(X)
        P = ours.predict_proba(X)
        np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
        assert np.abs(P - P_ref).max() < 0.1
        np.testing.assert_allclose(np.exp(ours.predict_log_proba(X)), P)
        assert np.mean(ours.classes_[P.argmax(axis=1)] == ours.predict(X)) > 0.97


def test_predict_proba_unavailable_without_probability(data):
    X, y = data["wine"]
    clf = SVC().fit(X, y)
    assert not hasattr(clf, "predict_proba")
    with pytest.raises(AttributeError, match="predict_proba") as info:
        clf.predict_proba(X)
    assert "probability=False" in str(info.value.__cause__)


# ---------------------------------------------------------------------------- invariants
def _binary(seed, n=50, sep=1.0):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n // 2)
    X = rng.standard_normal((n, 2)) + sep * (2 * y[:, None] - 1)
    return X, y


@given(seed=st.integers(0, 2**16), C=st.floats(0.05, 50.0), sep=st.floats(0.0, 2.5))
def test_property_dual_feasibility_and_kkt(seed, C, sep):
    """0 ≤ α ≤ C, Σ α_t y_t = 0, and the KKT conditions y f(x) ≥ 1 / = 1 / ≤ 1 hold to tol."""
    X, y = _binary(seed, sep=sep)
    clf = SVC(kernel="rbf", gamma=0.7, C=C, tol=1e-4).fit(X, y)
    coef = clf.dual_coef_[0]  # α_t y_t with y = +1 for classes_[1]
    alpha = np.abs(coef)
    assert np.all(alpha > 0) and np.all(alpha <= C * (1 + 1e-12))
    assert abs(coef.sum()) <= 1e-10 * max(1.0, C * y.size)
    yy = np.where(y == 1, 1.0, -1.0)
    yf = yy * clf.decision_function(X)
    a_all = np.zeros(y.size)
    a_all[clf.support_] = alpha
    free = (a_all > 0) & (a_all < C)
    viol = np.concatenate(
        [
            np.maximum(0, 1 - yf[a_all == 0]),  # α = 0: outside or on the margin
            np.abs(yf[free] - 1),  # 0 < α < C: on the margin
            np.maximum(0, yf[a_all >= C] - 1),  # α = C: inside or beyond
        ]
    )
    assert viol.max() < 2e-3


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_dropping_a_non_support_vector_leaves_the_boundary(kernel):
    """Only support vectors enter f: remove a sample with α = 0, refit, same decision function."""
    X, y = _binary(3, n=60, sep=1.5)
    clf = SVC(kernel=kernel, C=1.0, tol=1e-6).fit(X, y)
    non_sv = np.setdiff1d(np.arange(y.size), clf.support_)
    yy = np.where(y == 1, 1.0, -1.0)
    margin = yy[non_sv] * clf.decision_function(X[non_sv])
    drop = non_sv[np.argmax(margin)]  # the most clearly non-support sample
    keep = np.setdiff1d(np.arange(y.size), [drop])
    refit = SVC(kernel=kernel, C=1.0, tol=1e-6, gamma=clf.gamma_).fit(X[keep], y[keep])
    grid = np.random.default_rng(0).uniform(-3, 3, size=(200, 2))
    np.testing.assert_allclose(
        refit.decision_function(grid), clf.decision_function(grid), atol=1e-4
    )


def test_linear_margin_width_in_explanation():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [2.0, 0.0], [2.0, 1.0]])
    y = np.array([0, 0, 1, 1])
    clf = SVC(kernel="linear", C=100.0).fit(X, y)
    np.testing.assert_allclose(clf.coef_, [[1.0, 0.0]], atol=1e-6)  # w = (1, 0): margin 2
    facts = {f.name: f.value for f in clf._explain().facts}
    np.testing.assert_allclose(facts["margin width 2/‖w‖"], [2.0], atol=1e-6)
    # every support vector sits on the margin |f| = 1 (all four points do; any may carry α)
    np.testing.assert_allclose(np.abs(clf.decision_function(clf.support_vectors_)), 1.0, atol=1e-6)
    assert facts["support vectors"] == clf.support_.size >= 2
    assert "positive semi-definite" in clf._explain().verdict


def test_explain_counts_bounded_support_vectors(data):
    X, y = data["breast_cancer"]
    clf = SVC(C=0.1).fit(X, y)
    facts = {f.name: f.value for f in clf._explain().facts}
    assert facts["bounded support vectors"] + facts["free support vectors"] == clf.support_.size
    assert facts["bounded support vectors"] == np.sum(np.isclose(np.abs(clf.dual_coef_[0]), 0.1))
    assert "Gram condition number" in facts


# ---------------------------------------------------------------------------- kernels
def test_precomputed_equals_rbf(data):
    X, y = data["wine"]
    Xtr, Xte, ytr = X[::2], X[1::2], y[::2]
    rbf = SVC(kernel="rbf", gamma=0.1).fit(Xtr, ytr)
    pre = SVC(kernel="precomputed").fit(pairwise_kernel(Xtr, kernel="rbf", gamma=0.1), ytr)
    K_test = pairwise_kernel(Xte, Xtr, kernel="rbf", gamma=0.1)
    np.testing.assert_allclose(
        pre.decision_function(K_test), rbf.decision_function(Xte), atol=1e-10
    )
    assert pre.support_vectors_.shape == (0, 0)
    assert pre.mercer_min_eigenvalue_ > -1e-10


def test_callable_kernel_equals_linear(data):
    X, y = data["breast_cancer"]
    a = SVC(kernel=lambda A, B: A @ B.T).fit(X, y)
    b = SVC(kernel="linear").fit(X, y)
    np.testing.assert_allclose(a.decision_function(X), b.decision_function(X), atol=1e-8)
    np.testing.assert_array_equal(a.support_, b.support_)


def test_callable_non_mercer_kernel_warns_and_terminates():
    """tanh(xᵀz − 1) is indefinite: a NumericalWarning names the eigenvalue; fit still ends."""
    X, y = _binary(1, n=60)
    with pytest.warns(NumericalWarning, match=r"smallest eigenvalue -\d"):
        clf = SVC(kernel=lambda A, B: np.tanh(2.0 * A @ B.T - 1.0)).fit(X, y)
    assert clf.fit_status_ == 0 and clf.mercer_min_eigenvalue_ < 0
    assert clf.predict(X).shape == y.shape


def test_float32_input(data):
    X, y = data["wine"]
    a = SVC().fit(X.astype(np.float32), y)
    b = SVC().fit(X, y)
    assert np.mean(a.predict(X.astype(np.float32)) == b.predict(X)) > 0.99


def test_max_iter_warns(data):
    X, y = data["breast_cancer"]
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        clf = SVC(max_iter=2).fit(X, y)
    assert clf.fit_status_ == 1 and clf.n_iter_.tolist() == [2]


def test_string_labels_and_n_iter(data):
    X, y = data["wine"]
    labels = np.array(["barolo", "grignolino", "barbera"])[y]
    clf = SVC().fit(X, labels)
    assert set(clf.predict(X)) <= set(labels)
    assert clf.n_iter_.shape == (3,) and clf.n_kernel_evals_ > 0


# ---------------------------------------------------------------------------- bad input
def test_one_class_only():
    with pytest.raises(LinmlInputError, match="only one class"):
        SVC().fit(np.ones((4, 2)), [1, 1, 1, 1])


@pytest.mark.parametrize("C", [0.0, -1.0])
def test_nonpositive_C(C):
    with pytest.raises(LinmlInputError, match=rf"C={C} must be a number in \(0, inf\)"):
        SVC(C=C).fit(np.eye(2), [0, 1])


def test_infinite_C():
    with pytest.raises(LinmlInputError, match="C=inf must be finite"):
        SVC(C=np.inf).fit(np.eye(2), [0, 1])


@pytest.mark.parametrize("gamma", [np.inf, np.nan, -1.0, "big"])
def test_bad_gamma(gamma):
    with pytest.raises(LinmlInputError, match="gamma="):
        SVC(gamma=gamma).fit(np.eye(2), [0, 1])


def test_precomputed_wrong_shape_at_fit():
    with pytest.raises(LinmlInputError, match=r"square Gram matrix .* got shape \(3, 2\)"):
        SVC(kernel="precomputed").fit(np.ones((3, 2)), [0, 1, 0])


def test_precomputed_wrong_shape_at_predict():
    K = np.eye(4) + 0.1
    clf = SVC(kernel="precomputed").fit(K, [0, 0, 1, 1])
    with pytest.raises(
        LinmlInputError, match=r"one column per training sample; got shape \(2, 3\)"
    ):
        clf.predict(np.ones((2, 3)))


def test_nan_in_X():
    X = np.ones((4, 2))
    X[2, 1] = np.nan
    with pytest.raises(LinmlInputError, match="X contains NaN at row 2, column 1"):
        SVC().fit(X, [0, 0, 1, 1])


def test_unknown_kernel():
    with pytest.raises(LinmlInputError, match="kernel='laplace'"):
        SVC(kernel="laplace").fit(np.eye(2), [0, 1])


def test_all_positive_weights_in_one_class():
    with pytest.raises(LinmlInputError, match="same class"):
        SVC().fit(np.eye(3), [0, 1, 1], sample_weight=[0.0, 1.0, 1.0])


def test_coef_only_for_linear_kernel(data):
    X, y = data["wine"]
    with pytest.raises(AttributeError, match="linear kernel"):
        _ = SVC().fit(X, y).coef_


# ---------------------------------------------------------------------------- persistence
@pytest.mark.parametrize("params", [dict(kernel="rbf", probability=True), dict(kernel="linear")])
def test_save_load_round_trip(data, tmp_path, params):
    X, y = data["wine"]
    clf = SVC(random_state=0, **params).fit(X, y)
    path = os.path.join(tmp_path, "svc.npz")
    save(clf, path)
    loaded = load(path)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    np.testing.assert_allclose(loaded.decision_function(X), clf.decision_function(X))
    if params.get("probability"):
        np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))


def test_explain_gram_rank_for_linear_kernel(data):
    """Linear kernel: rank of the Gram matrix on the support vectors ≤ p (here 13 features)."""
    X, y = data["wine"]
    clf = SVC(kernel="linear").fit(X, y)
    facts = {f.name: f.value for f in clf._explain().facts}
    assert facts["Gram numerical rank"] == f"13 of {clf.support_.size}"
    assert facts["Gram condition number"] == np.inf


def _inseparable_45():
    """Issue 17.1's case: 40 random points plus 5 of them again with the other label."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return np.vstack([X, X[:5]]), np.concatenate([y, 1 - y[:5]])


def test_default_budget_is_scaled_to_n():
    from linml.svm.svc import _default_max_iter

    assert _default_max_iter(45) == 10_000_000
    assert _default_max_iter(1_000_000) == 100_000_000


def test_huge_C_on_inseparable_data_stops_at_the_default_budget(monkeypatch):
    """Issue 17.1: max_iter=-1 used to mean no limit, and C=1e10 here ran for minutes.
    The default budget stops it with a ConvergenceWarning that says what to change."""
    import linml.svm.svc as svc_module

    monkeypatch.setattr(svc_module, "_default_max_iter", lambda n: 5_000)  # 10⁷ in real use
    X, y = _inseparable_45()
    with pytest.warns(ConvergenceWarning, match=r"max_iter=-1.*lower C.*scale the features"):
        clf = SVC(kernel="linear", C=1e10).fit(X, y)
    assert clf.fit_status_ == 1 and clf.n_iter_.tolist() == [5_000]


def test_one_huge_entry_raises_at_fit_not_predict():
    """Issue 17: X with one 1e308 entry fitted, then predict said "gamma=0.0 must be finite"."""
    X, y = make_blobs(40, centers=2, random_state=0)
    X[0, 0] = 1e308
    with pytest.raises(LinmlInputError, match=r"SVC: X has entries up to 1e\+308.*rescale X"):
        SVC().fit(X, y)


def test_huge_test_rows_raise_at_predict():
    """Issue 17: a test row whose squares overflow gave non-finite decisions silently."""
    X, y = make_blobs(40, centers=2, random_state=0)
    model = SVC().fit(X, y)
    with pytest.raises(LinmlInputError, match=r"squares overflow"):
        model.decision_function(X * 1e200)
