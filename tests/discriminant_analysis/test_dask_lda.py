"""LinearDiscriminantAnalysis on dask arrays: per-class Gram statistics give the in-memory fit.

Quick tests use the synchronous scheduler on 2000×8 data in five unequal row blocks; one test
uses the shared ``dask_client`` LocalCluster fixture.
"""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

from linml import LinmlInputError  # noqa: E402
from linml.diagnose import explain  # noqa: E402
from linml.discriminant_analysis import LinearDiscriminantAnalysis as LDA  # noqa: E402

CHUNKS = (300, 500, 200, 600, 400)  # unequal row blocks, n = 2000
EXACT = 1e-10  # relative tolerance of the dask fit against the in-memory one


@pytest.fixture(autouse=True)
def _synchronous(request):
    """Synchronous scheduler for quick tests; the cluster test keeps its client."""
    if "dask_client" in request.fixturenames:
        yield
        return
    with dask.config.set(scheduler="synchronous"):
        yield


def _data(n=2000, p=8, n_classes=3, seed=0):
    """Correlated Gaussian classes with shifted means (unequal class sizes)."""
    rng = np.random.default_rng(seed)
    y = rng.choice(
        n_classes, size=n, p=np.linspace(1, 2, n_classes) / np.linspace(1, 2, n_classes).sum()
    )
    shift = 2.0 * np.eye(n_classes, p)[y]
    X = rng.normal(size=(n, p)) @ rng.normal(size=(p, p)) + shift + 5.0
    return X, y


def _dask(A, chunks=CHUNKS):
    if A.ndim == 1:
        return da.from_array(A, chunks=(chunks,))
    return da.from_array(A, chunks=(chunks, A.shape[1]))


def _rel(a, b):
    """max |a − b| / max |a|."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.finfo(float).tiny))


def _assert_same_model(ref, got, X):
    """Fitted attributes, transform, scores and posteriors agree to EXACT (relative)."""
    k = ref.n_components_
    assert got.n_components_ == k
    np.testing.assert_array_equal(got.classes_, ref.classes_)
    for name in ("priors_", "means_", "xbar_", "coef_", "intercept_", "fisher_ratios_"):
        assert _rel(getattr(ref, name), getattr(got, name)) < EXACT, name
    assert _rel(ref.explained_variance_ratio_, got.explained_variance_ratio_) < EXACT
    assert _rel(ref.scalings_[:, :k], got.scalings_[:, :k]) < EXACT
    Xd = _dask(X)
    T = got.transform(Xd)
    assert isinstance(T, da.Array) and T.chunks == (CHUNKS, (k,))
    assert _rel(ref.transform(X), T.compute()) < EXACT
    assert _rel(ref.decision_function(X), got.decision_function(Xd).compute()) < EXACT
    assert _rel(ref.predict_proba(X), got.predict_proba(Xd).compute()) < EXACT
    np.testing.assert_array_equal(got.predict(Xd).compute(), ref.predict(X))


@pytest.mark.parametrize(("solver", "shrinkage"), [("svd", None), ("eigen", None), ("eigen", 0.3)])
def test_dask_lda_equals_in_memory(solver, shrinkage):
    X, y = _data()
    ref = LDA(solver=solver, shrinkage=shrinkage).fit(X, y)
    got = LDA(solver=solver, shrinkage=shrinkage).fit(_dask(X), _dask(y))
    _assert_same_model(ref, got, X)
    assert _rel(ref.within_singular_values_, got.within_singular_values_) < EXACT
    assert isinstance(got.coef_, np.ndarray) and isinstance(got.means_, np.ndarray)


def test_dask_lda_with_numpy_labels_and_given_priors():
    X, y = _data(seed=1)
    priors = [0.5, 0.3, 0.2]
    ref = LDA(priors=priors).fit(X, y)
    got = LDA(priors=priors).fit(_dask(X), y)
    _assert_same_model(ref, got, X)


def test_dask_lda_string_labels_two_classes():
    X, y = _data(n_classes=2, seed=2)
    labels = np.array(["no", "yes"])[y]
    ref = LDA().fit(X, labels)
    got = LDA().fit(_dask(X), labels)
    _assert_same_model(ref, got, X)
    assert got.decision_function(_dask(X)).shape == (2000,)  # one margin for two classes
    assert got.predict(_dask(X)).dtype == ref.classes_.dtype


def test_dask_lda_svd_route_drops_a_collinear_feature_like_in_memory():
    """A duplicated column makes S_W singular: both fits drop that direction (S < tol)."""
    X, y = _data(p=6, seed=3)
    X = np.column_stack([X, X[:, 0]])  # feature 6 = feature 0
    ref = LDA().fit(X, y)
    got = LDA().fit(_dask(X), _dask(y))
    assert ref.within_singular_values_[-1] < ref.tol and got.within_singular_values_[-1] < ref.tol
    np.testing.assert_array_equal(got.predict(_dask(X)).compute(), ref.predict(X))
    assert _rel(ref.coef_, got.coef_) < EXACT
    assert _rel(ref.predict_proba(X), got.predict_proba(_dask(X)).compute()) < EXACT
    assert _rel(ref.transform(X), got.transform(_dask(X)).compute()) < EXACT


def test_dask_lda_explain_names_blocks_and_route():
    X, y = _data()
    text = str(explain(LDA().fit(_dask(X), _dask(y))))
    assert "5 row blocks (synchronous)" in text
    assert "per-class centered Gram reduction" in text


def test_dask_lda_dataframe_input():
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    X, y = _data()
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    got = LDA().fit(dd.from_pandas(frame, npartitions=3), y)
    ref = LDA().fit(X, y)
    assert list(got.feature_names_in_) == list(frame.columns)
    assert _rel(ref.coef_, got.coef_) < EXACT


def test_dask_lda_nan_in_a_late_block_names_block_and_row():
    X, y = _data()
    X[1999, 0] = np.nan  # last row of block 4 (rows 1600..1999)
    with pytest.raises(LinmlInputError, match=r"row 1999 \(row block 4, rows 1600\.\.1999\)"):
        LDA().fit(_dask(X), _dask(y))


def test_dask_lda_auto_shrinkage_is_refused_with_a_fix():
    X, y = _data()
    with pytest.raises(LinmlInputError, match=r"shrinkage='auto'.*pass a float shrinkage"):
        LDA(solver="eigen", shrinkage="auto").fit(_dask(X), y)


def test_dask_lda_one_class_is_refused():
    X, _ = _data()
    with pytest.raises(LinmlInputError, match="only one class"):
        LDA().fit(_dask(X), np.zeros(2000, dtype=int))


def test_dask_lda_label_count_mismatch():
    X, y = _data()
    with pytest.raises(LinmlInputError, match=r"y has 1999 rows but X has 2000"):
        LDA().fit(_dask(X), y[:-1])


def test_dask_lda_predict_with_wrong_width():
    X, y = _data()
    lda = LDA().fit(_dask(X), y)
    with pytest.raises(LinmlInputError, match=r"fitted with 8 features"):
        lda.predict(_dask(X[:, :5]))


def test_dask_lda_on_local_cluster(dask_client):
    X, y = _data()
    ref = LDA().fit(X, y)
    got = LDA().fit(_dask(X), _dask(y))
    assert "on 2 workers (distributed)" in got.dask_fit_
    assert _rel(ref.coef_, got.coef_) < EXACT
    np.testing.assert_array_equal(got.predict(_dask(X)).compute(), ref.predict(X))
