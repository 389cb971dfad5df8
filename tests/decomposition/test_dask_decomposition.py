"""PCA, TruncatedSVD and Whitener on dask arrays: equal to the in-memory fits, lazy transforms.

Quick tests run with dask's synchronous scheduler on 2000×8 data split into five row blocks
of unequal sizes; two tests use the shared ``dask_client`` LocalCluster fixture.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

from linml import LinmlInputError  # noqa: E402
from linml.decomposition import PCA, TruncatedSVD, Whitener  # noqa: E402
from linml.decomposition import truncated_svd as truncated_svd_module  # noqa: E402
from linml.diagnose import explain  # noqa: E402
from linml.io import load, save  # noqa: E402

CHUNKS = (300, 500, 200, 600, 400)  # unequal row blocks, n = 2000
EXACT = 1e-10  # relative tolerance of the exact (Gram / TSQR) routes against in memory
RANDOMIZED = 1e-8  # relative tolerance of the randomized routes on data with a spectral gap


@pytest.fixture(autouse=True)
def _synchronous(request):
    """Synchronous scheduler for quick tests; the cluster tests keep their client."""
    if "dask_client" in request.fixturenames:
        yield
        return
    with dask.config.set(scheduler="synchronous"):
        yield


def _data(n=2000, p=8, seed=0, shift=5.0):
    """Correlated full-rank data with a nonzero mean."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, p)) @ rng.normal(size=(p, p)) + shift


def _gap_data(n=2000, p=8, rank=3, seed=1):
    """Rank-3 signal plus small noise: a clear gap after 3 singular values."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, rank)) * np.array([6.0, 4.0, 3.0])
    return A @ rng.normal(size=(rank, p)) + 0.01 * rng.normal(size=(n, p)) + 2.0


def _dask(X, chunks=CHUNKS):
    return da.from_array(X, chunks=(chunks, X.shape[1]))


def _rel(a, b):
    """max |a − b| / max |a|: a relative error that does not blow up at small entries."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.finfo(float).tiny))


def _align_rows(A, B):
    """Flip B's rows to A's signs (singular vectors are defined up to sign)."""
    return B * np.sign(np.sum(A * B, axis=1, keepdims=True))


# ---------------------------------------------------------------------------- PCA
@pytest.mark.parametrize("n_components", [None, 3, 0.9])
def test_pca_dask_covariance_route_equals_in_memory(n_components):
    X = _data()
    ref = PCA(n_components=n_components, solver="covariance_eigh").fit(X)
    got = PCA(n_components=n_components).fit(_dask(X))
    assert got.solver_ == "covariance_eigh"
    assert got.n_components_ == ref.n_components_
    # same eigh, same sign rule: components agree without re-aligning signs
    assert _rel(ref.components_, got.components_) < EXACT
    for name in ("explained_variance_", "explained_variance_ratio_", "singular_values_", "mean_"):
        assert _rel(getattr(ref, name), getattr(got, name)) < EXACT, name
    if ref.noise_variance_ > 0:
        assert abs(got.noise_variance_ / ref.noise_variance_ - 1) < EXACT
    assert isinstance(got.components_, np.ndarray) and isinstance(got.mean_, np.ndarray)


def test_pca_dask_svd_route_equals_in_memory_svd():
    X = _data()
    ref = PCA(n_components=4, solver="svd").fit(X)
    got = PCA(n_components=4, solver="svd").fit(_dask(X))
    assert _rel(ref.components_, got.components_) < EXACT
    assert _rel(ref.explained_variance_, got.explained_variance_) < EXACT
    assert abs(got.noise_variance_ / ref.noise_variance_ - 1) < EXACT
    assert "TSQR" in got.dask_fit_


@pytest.mark.parametrize("seed", [0, 1])
def test_pca_dask_randomized_route_matches_exact_on_a_spectral_gap(seed):
    X = _gap_data(seed=seed)
    ref = PCA(n_components=3, solver="svd").fit(X)
    got = PCA(n_components=3, solver="randomized", random_state=seed).fit(_dask(X))
    assert "svd_compressed, 4 power iterations" in got.dask_fit_
    assert _rel(ref.explained_variance_, got.explained_variance_) < RANDOMIZED
    assert _rel(ref.components_, _align_rows(ref.components_, got.components_)) < 1e-6
    assert _rel(ref.mean_, got.mean_) < EXACT


def test_pca_dask_randomized_is_reproducible_with_a_seed():
    Xd = _dask(_gap_data())
    a = PCA(n_components=2, solver="randomized", random_state=3).fit(Xd)
    b = PCA(n_components=2, solver="randomized", random_state=3).fit(Xd)
    np.testing.assert_array_equal(a.components_, b.components_)


@pytest.mark.parametrize("whiten", [False, True])
def test_pca_dask_transform_is_lazy_and_equals_numpy(whiten):
    X = _data()
    Xd = _dask(X)
    pca = PCA(n_components=3, whiten=whiten).fit(Xd)
    Z = pca.transform(Xd)
    assert isinstance(Z, da.Array)
    assert Z.chunks == (CHUNKS, (3,))
    np.testing.assert_allclose(Z.compute(), pca.transform(X), rtol=0, atol=1e-12 * np.abs(X).max())
    X_back = pca.inverse_transform(Z)
    assert isinstance(X_back, da.Array)
    np.testing.assert_allclose(
        X_back.compute(), pca.inverse_transform(pca.transform(X)), rtol=0, atol=1e-10
    )


def test_pca_fit_on_dask_then_partial_fit_equals_one_fit():
    """The dask fit leaves the streaming moments (n, μ, M2): partial_fit continues from them."""
    X = _data()
    pca = PCA(n_components=3).fit(_dask(X[:1200], chunks=(700, 500)))
    pca.partial_fit(X[1200:])
    ref = PCA(n_components=3, solver="covariance_eigh").fit(X)
    assert pca.n_samples_seen_ == 2000
    assert _rel(ref.components_, pca.components_) < EXACT
    assert _rel(ref.explained_variance_, pca.explained_variance_) < EXACT


def test_pca_dask_explain_names_blocks_and_route():
    pca = PCA(n_components=2).fit(_dask(_data()))
    text = str(explain(pca))
    assert "5 row blocks (synchronous)" in text
    assert "route: centered Gram reduction" in text


def test_pca_dask_fit_saves_and_loads(tmp_path):
    X = _data()
    pca = PCA(n_components=3).fit(_dask(X))
    path = tmp_path / "pca.npz"
    save(pca, path)
    back = load(path)
    np.testing.assert_allclose(back.transform(X), pca.transform(X), rtol=0, atol=1e-12)
    assert back.dask_fit_ == pca.dask_fit_


def test_pca_dask_float32_stays_float32():
    X = _data().astype(np.float32)
    pca = PCA(n_components=2).fit(_dask(X))
    assert pca.components_.dtype == np.float32 and pca.mean_.dtype == np.float32
    assert pca.transform(_dask(X)).dtype == np.float32


def test_pca_dask_dataframe_input_keeps_feature_names():
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    X = _data()
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    ddf = dd.from_pandas(frame, npartitions=4)
    pca = PCA(n_components=2).fit(ddf)
    ref = PCA(n_components=2, solver="covariance_eigh").fit(X)
    assert list(pca.feature_names_in_) == list(frame.columns)
    assert _rel(ref.components_, pca.components_) < EXACT
    Z = pca.transform(ddf)
    assert isinstance(Z, da.Array)
    np.testing.assert_allclose(Z.compute(), ref.transform(X), rtol=0, atol=1e-10)


def test_pca_dask_dataframe_with_text_column_names_it():
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": np.arange(10.0), "city": list("abcdefghij")})
    with pytest.raises(LinmlInputError, match=r"non-numeric column\(s\) \['city'\]"):
        PCA().fit(dd.from_pandas(frame, npartitions=2))


def test_pca_dask_nan_in_a_late_block_names_block_and_row():
    X = _data()
    X[1850, 3] = np.nan  # in block 4: rows 1600..1999
    with pytest.raises(LinmlInputError, match=r"row 1850 \(row block 4, rows 1600\.\.1999\)"):
        PCA(n_components=2).fit(_dask(X))


@pytest.mark.parametrize("solver", ["randomized", "svd"])
def test_pca_dask_svd_routes_check_finite_per_block(solver):
    """The routes that bypass gram_stats check each block too, with the same words."""
    X = _data()
    X[1700, 1] = np.inf
    with pytest.raises(LinmlInputError, match=r"row 1700 \(row block 4, rows 1600\.\.1999\)"):
        PCA(n_components=2, solver=solver, random_state=0).fit(_dask(X))


def test_pca_dask_1d_input_is_refused():
    with pytest.raises(LinmlInputError, match=r"X must be 2-D .*shape \(2000,\)"):
        PCA().fit(da.from_array(np.arange(2000.0), chunks=500))


def test_pca_dask_too_many_components_says_the_limit():
    with pytest.raises(LinmlInputError, match=r"n_components=9 must be <= .*=8"):
        PCA(n_components=9).fit(_dask(_data()))


def test_pca_dask_randomized_needs_an_integer_k():
    with pytest.raises(LinmlInputError, match=r"randomized.*fixed number of components"):
        PCA(n_components=0.9, solver="randomized").fit(_dask(_data()))


def test_pca_dask_transform_with_wrong_width_says_so():
    pca = PCA(n_components=2).fit(_dask(_data()))
    with pytest.raises(LinmlInputError, match=r"fitted with 8 features"):
        pca.transform(_dask(_data(p=5)))


@settings(max_examples=10)
@given(st.lists(st.integers(1, 60), min_size=1, max_size=6))
def test_pca_dask_does_not_depend_on_the_row_chunking(sizes):
    """Any row chunking (blocks of 1 row included) gives the in-memory covariance fit."""
    n = sum(sizes)
    if n < 2:
        return
    X = _data(n=n, p=4, seed=n)
    ref = PCA(solver="covariance_eigh").fit(X)
    with dask.config.set(scheduler="synchronous"):
        got = PCA().fit(_dask(X, chunks=tuple(sizes)))
    # variances that are round-off (n = 2 rows: the second is 0 up to ~1e-15) are compared
    # on the scale of the largest
    np.testing.assert_allclose(
        got.explained_variance_,
        ref.explained_variance_,
        rtol=1e-9,
        atol=1e-12 * ref.explained_variance_[0],
    )
    np.testing.assert_allclose(got.mean_, ref.mean_, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------- TruncatedSVD
def test_truncated_svd_dask_gram_route_equals_exact_svd():
    X = _data()
    S_exact = np.linalg.svd(X, compute_uv=False)
    ref = TruncatedSVD(n_components=3, n_iter=10, random_state=0).fit(X)
    got = TruncatedSVD(n_components=3).fit(_dask(X))
    assert "exact Gram" in got.dask_fit_
    assert _rel(S_exact[:3], got.singular_values_) < EXACT
    assert _rel(ref.singular_values_, got.singular_values_) < EXACT
    assert _rel(ref.components_, _align_rows(ref.components_, got.components_)) < 1e-9
    assert _rel(ref.explained_variance_, got.explained_variance_) < EXACT
    assert _rel(ref.explained_variance_ratio_, got.explained_variance_ratio_) < EXACT


def test_truncated_svd_dask_randomized_route_on_a_spectral_gap(monkeypatch):
    monkeypatch.setattr(truncated_svd_module, "_DASK_GRAM_MAX_FEATURES", 0)  # force p "large"
    X = _gap_data()
    S_exact = np.linalg.svd(X, compute_uv=False)
    got = TruncatedSVD(n_components=3, random_state=0).fit(_dask(X))
    assert "svd_compressed" in got.dask_fit_
    assert _rel(S_exact[:3], got.singular_values_) < RANDOMIZED
    ref = TruncatedSVD(n_components=3, random_state=0).fit(X)
    assert _rel(ref.components_, _align_rows(ref.components_, got.components_)) < 1e-6
    assert _rel(ref.explained_variance_, got.explained_variance_) < 1e-6


def test_truncated_svd_dask_fit_transform_is_lazy():
    X = _data()
    Xd = _dask(X)
    svd = TruncatedSVD(n_components=2)
    Z = svd.fit_transform(Xd)
    assert isinstance(Z, da.Array) and Z.chunks == (CHUNKS, (2,))
    np.testing.assert_allclose(Z.compute(), X @ svd.components_.T, rtol=0, atol=1e-10)


def test_truncated_svd_dask_too_many_components():
    with pytest.raises(LinmlInputError, match=r"n_components=9 must be <= min"):
        TruncatedSVD(n_components=9).fit(_dask(_data()))


# ---------------------------------------------------------------------------- Whitener
@pytest.mark.parametrize("method", ["pca", "zca"])
def test_whitener_dask_equals_in_memory(method):
    X = _data()
    ref = Whitener(method=method).fit(X)
    got = Whitener(method=method).fit(_dask(X))
    for name in ("mean_", "eigenvalues_", "whitening_matrix_", "dewhitening_matrix_"):
        assert _rel(getattr(ref, name), getattr(got, name)) < EXACT, name
    Z = got.transform(_dask(X))
    assert isinstance(Z, da.Array)
    Zc = Z.compute()
    np.testing.assert_allclose(Zc, ref.transform(X), rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.cov(Zc, rowvar=False), np.eye(8), atol=1e-6)  # eps=1e-8 bias
    X_back = got.inverse_transform(Z)
    assert isinstance(X_back, da.Array)
    np.testing.assert_allclose(X_back.compute(), X, rtol=0, atol=1e-9)


def test_whitener_dask_nan_names_row():
    X = _data()
    X[650, 0] = np.inf  # block 1 holds rows 300..799
    with pytest.raises(LinmlInputError, match=r"row 650 \(row block 1, rows 300\.\.799\)"):
        Whitener().fit(_dask(X))


# ---------------------------------------------------------------------------- cluster
def test_pca_on_local_cluster_equals_in_memory(dask_client):
    X = _data()
    ref = PCA(n_components=3, solver="covariance_eigh").fit(X)
    got = PCA(n_components=3).fit(_dask(X))
    assert _rel(ref.components_, got.components_) < EXACT
    assert "on 2 workers (distributed)" in got.dask_fit_
    Z = got.transform(_dask(X)).compute()
    np.testing.assert_allclose(Z, ref.transform(X), rtol=0, atol=1e-10)


def test_truncated_svd_on_local_cluster_randomized(dask_client, monkeypatch):
    monkeypatch.setattr(truncated_svd_module, "_DASK_GRAM_MAX_FEATURES", 0)
    X = _gap_data()
    got = TruncatedSVD(n_components=3, random_state=0).fit(_dask(X))
    assert "(distributed)" in got.dask_fit_
    S_exact = np.linalg.svd(X, compute_uv=False)
    assert _rel(S_exact[:3], got.singular_values_) < RANDOMIZED
