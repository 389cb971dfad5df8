"""LinearRegression / Ridge / RidgeCV on dask input: one pass, the in-memory answer, lazy predict."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from linml.diagnose import explain
from linml.exceptions import LinmlInputError
from linml.linear_model import LinearRegression, Ridge, RidgeCV

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

CHUNKS = (300, 700, 150, 550, 300)  # 5 row blocks of unequal sizes
RTOL = 1e-10  # dask fit vs in-memory fit, well-conditioned data
ALPHAS = np.logspace(-3, 3, 7)


@pytest.fixture
def sync():
    with dask.config.set(scheduler="synchronous"):
        yield


def _data(seed=0, n=2000, p=8, targets=None):
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=2.0, size=(n, p))
    k = 1 if targets is None else targets
    Y = X @ rng.normal(size=(p, k)) + rng.normal(size=(n, k))
    return X, (Y[:, 0] if targets is None else Y)


def _rel(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def _assert_same_fit(got, want, rtol=RTOL):
    assert _rel(got.coef_, want.coef_) < rtol
    np.testing.assert_allclose(got.intercept_, want.intercept_, rtol=rtol, atol=rtol)
    if getattr(want, "singular_values_", None) is not None:
        assert _rel(got.singular_values_, want.singular_values_) < rtol


ESTIMATORS = {
    "ols": lambda fi: LinearRegression(fit_intercept=fi),
    "ridge": lambda fi: Ridge(alpha=3.0, fit_intercept=fi),
    "ridge_cv_loo": lambda fi: RidgeCV(alphas=ALPHAS, fit_intercept=fi),
    "ridge_cv_gcv": lambda fi: RidgeCV(alphas=ALPHAS, fit_intercept=fi, cv_mode="gcv"),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("targets", [None, 2])
def test_dask_fit_equals_in_memory_fit(sync, name, fit_intercept, targets):
    X, y = _data(targets=targets)
    want = ESTIMATORS[name](fit_intercept).fit(X, y)
    got = ESTIMATORS[name](fit_intercept).fit(da.from_array(X, chunks=(CHUNKS, 8)), y)
    _assert_same_fit(got, want)
    assert isinstance(got.coef_, np.ndarray) and got.coef_.shape == want.coef_.shape
    if name.startswith("ridge_cv"):
        assert got.alpha_ == want.alpha_
        assert _rel(got.cv_values_, want.cv_values_) < RTOL
        assert got.route_ == want.route_ == "gram"
    assert "dask: 5 row blocks (synchronous)" in str(explain(got))


def test_dask_y_with_other_chunks_and_large_mean(sync):
    """A dask y is rechunked to X's rows; a column mean 1e4 × its spread is still exact."""
    X, y = _data(seed=1)
    X[:, 0] += 1e4
    yd = da.from_array(y, chunks=400)
    want = LinearRegression().fit(X, y)
    _assert_same_fit(LinearRegression().fit(da.from_array(X, chunks=(CHUNKS, 8)), yd), want, 1e-8)


def test_dask_dataframe_input(sync):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y = _data(seed=2, p=3)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    ddf = dd.from_pandas(frame, npartitions=4)
    ys = dd.from_pandas(pd.Series(y), npartitions=4)
    for make in (LinearRegression, lambda: Ridge(alpha=1.0), lambda: RidgeCV(alphas=ALPHAS)):
        want = make().fit(frame, y)
        got = make().fit(ddf, ys)
        _assert_same_fit(got, want)
        assert list(got.feature_names_in_) == ["a", "b", "c"]
        pred = got.predict(ddf)
        assert isinstance(pred, da.Array)
        np.testing.assert_allclose(pred.compute(), want.predict(frame), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("targets", [None, 3])
def test_predict_is_lazy_and_equals_numpy_predict(sync, targets):
    X, y = _data(seed=3, targets=targets)
    Xd = da.from_array(X, chunks=(CHUNKS, 8))
    model = Ridge(alpha=0.5).fit(Xd, y)
    pred = model.predict(Xd)
    assert isinstance(pred, da.Array)
    assert pred.chunks[0] == CHUNKS
    np.testing.assert_allclose(pred.compute(), model.predict(X), rtol=1e-12, atol=1e-12)
    # a model fitted in memory predicts on dask too
    mem = LinearRegression().fit(X, y)
    np.testing.assert_allclose(mem.predict(Xd).compute(), mem.predict(X), rtol=1e-12, atol=1e-12)
    with pytest.raises(LinmlInputError, match="fitted on 8 feature"):
        mem.predict(Xd[:, :3])


def test_float32_dask_input_gives_float32_coef(sync):
    X, y = _data(seed=4)
    got = LinearRegression().fit(da.from_array(X.astype(np.float32), chunks=(CHUNKS, 8)), y)
    assert got.coef_.dtype == np.float32
    np.testing.assert_allclose(got.coef_, LinearRegression().fit(X, y).coef_, rtol=1e-4)


@pytest.mark.parametrize("make", [LinearRegression, Ridge, RidgeCV])
def test_nan_in_late_block_names_block_and_row(sync, make):
    X, y = _data(seed=5)
    X[1777, 3] = np.nan
    with pytest.raises(LinmlInputError, match=r"X has NaN or infinity in row 1777 \(row block 4"):
        make().fit(da.from_array(X, chunks=(CHUNKS, 8)), y)


def _ill_conditioned(seed=6):
    """κ(X) ≈ 1e6 with unit-norm columns: too large to square (κ² · eps > sqrt(eps))."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2000, 6))
    X[:, 5] = X[:, 4] + 1e-6 * rng.normal(size=2000)
    y = X @ np.arange(1.0, 7.0) + 0.01 * rng.normal(size=2000)
    return X, y


def test_tsqr_fallback_linear_regression(sync):
    X, y = _ill_conditioned()
    want = LinearRegression().fit(X, y)
    got = LinearRegression().fit(da.from_array(X, chunks=(CHUNKS, 6)), y)
    assert want.solver_ == "qr" and got.solver_ == "tsqr"
    assert "tall-skinny QR" in str(explain(got))
    assert "route: tall-skinny QR" in got.dask_info_
    # both are backward stable (error ~ κ · eps ≈ 1e-10): agree to 1e-7 relative
    assert _rel(got.coef_, want.coef_) < 1e-7
    assert (
        _rel(got.singular_values_[:-1], np.linalg.svd(X - X.mean(0), compute_uv=False)[:-1]) < 1e-10
    )


def test_tsqr_fallback_ridge_and_ridge_cv(sync):
    X, y = _ill_conditioned()
    Xd = da.from_array(X, chunks=(CHUNKS, 6))
    want = Ridge(alpha=1e-8, solver="svd").fit(X, y)
    got = Ridge(alpha=1e-8, solver="svd").fit(Xd, y)
    assert got.solver_ == "svd" and "tall-skinny QR" in got.dask_info_
    assert _rel(got.coef_, want.coef_) < 1e-7
    alphas = [1e-9, 1e-6, 1e-3]
    want_cv = RidgeCV(alphas=alphas).fit(X, y)
    got_cv = RidgeCV(alphas=alphas).fit(Xd, y)
    assert want_cv.route_ == "svd" and got_cv.route_ == "tsqr"
    assert "tall-skinny QR" in str(explain(got_cv))
    assert got_cv.alpha_ == want_cv.alpha_
    assert _rel(got_cv.coef_, want_cv.coef_) < 1e-7
    assert _rel(got_cv.cv_values_, want_cv.cv_values_) < 1e-6


def test_bad_dask_inputs(sync):
    X, y = _data(seed=7)
    Xd = da.from_array(X, chunks=(CHUNKS, 8))
    with pytest.raises(LinmlInputError, match=r"solver=.gd.\) needs the rows in memory"):
        LinearRegression(solver="gd").fit(Xd, y)
    with pytest.raises(LinmlInputError, match="y has 1999 rows but X has 2000"):
        Ridge().fit(Xd, y[:-1])
    wide = da.from_array(np.random.default_rng(0).normal(size=(5, 8)), chunks=(2, 8))
    with pytest.raises(LinmlInputError, match=r"n_samples=5.*fit on X\.compute"):
        LinearRegression().fit(wide, np.ones(5))
    with pytest.raises(LinmlInputError, match=r"n_samples=5 ≤ n_features=8"):
        RidgeCV().fit(wide, np.ones(5))
    with pytest.raises(LinmlInputError, match="X must be 2-D"):
        Ridge().fit(da.ones(10, chunks=5), np.ones(10))


# ---------------------------------------------------------------------------- on a cluster
def test_cluster_linear_regression_and_ridge(dask_client):
    X, y = _data(seed=8)
    Xd = da.from_array(X, chunks=(CHUNKS, 8))
    for make in (LinearRegression, lambda: Ridge(alpha=2.0)):
        got = make().fit(Xd, y)
        _assert_same_fit(got, make().fit(X, y))
        assert "dask: 5 row blocks on 2 workers (distributed)" in got.dask_info_
        np.testing.assert_allclose(got.predict(Xd).compute(), got.predict(X), rtol=1e-12)


def test_cluster_ridge_cv(dask_client):
    X, y = _data(seed=9, targets=2)
    got = RidgeCV(alphas=ALPHAS).fit(da.from_array(X, chunks=(CHUNKS, 8)), y)
    want = RidgeCV(alphas=ALPHAS).fit(X, y)
    _assert_same_fit(got, want)
    assert _rel(got.cv_values_, want.cv_values_) < RTOL
    assert "(distributed)" in got.dask_info_


def test_cluster_worker_killed_mid_fit(dask_client):
    """One worker process dies while the blocks are computing: the answer is unchanged."""
    X, y = _data(seed=10)

    def slow_block(block):  # defined here so cloudpickle ships it by value to the workers
        time.sleep(0.4)
        return block

    Xd = da.from_array(X, chunks=(CHUNKS, 8)).map_blocks(slow_block, dtype=X.dtype)
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(lambda: LinearRegression().fit(Xd, y))
        victim = None
        deadline = time.monotonic() + 20
        while victim is None and time.monotonic() < deadline:
            busy = [w for w, tasks in dask_client.processing().items() if tasks]
            victim = busy[0] if busy else None
            time.sleep(0.05)
        assert victim is not None, "the fit never started on the cluster"
        pid = dask_client.run(os.getpid, workers=[victim])[victim]
        os.kill(pid, signal.SIGKILL)  # the worker process dies mid-task
        got = future.result(timeout=60)
    _assert_same_fit(got, LinearRegression().fit(X, y))
    dask_client.wait_for_workers(2, timeout=30)  # the nanny restarts it; later tests need 2


@pytest.mark.parametrize("make", [LinearRegression, Ridge, RidgeCV])
def test_dask_fitted_model_saves_and_loads(sync, tmp_path, make):
    """Fitted attributes are plain NumPy (and a str line), so linml.io round-trips them."""
    from linml import io

    X, y = _data(seed=11)
    model = make().fit(da.from_array(X, chunks=(CHUNKS, 8)), y)
    io.save(model, tmp_path / "m.npz")
    loaded = io.load(tmp_path / "m.npz")
    np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=1e-14, atol=1e-14)
    assert loaded.dask_info_ == model.dask_info_
