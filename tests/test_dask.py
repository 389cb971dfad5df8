"""linml._dask: collection detection without importing dask, conversion, the one-pass reduction."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from linml._dask import DaskFitInfo, is_dask_collection
from linml.exceptions import LinmlInputError
from linml.linalg.gram_stats import GramStats

CHUNKS = (300, 700, 150, 550, 300)  # 5 row blocks of unequal sizes


def test_is_dask_collection_does_not_import_dask():
    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from linml._dask import is_dask_collection\n"
        "import linml, linml.linear_model\n"
        "assert not is_dask_collection(np.ones(3))\n"
        "assert not is_dask_collection(pd.DataFrame({'a': [1.0]}))\n"
        "print(sorted(m for m in sys.modules if m == 'dask' or m.startswith('dask.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.fixture
def sync():
    dask = pytest.importorskip("dask")
    with dask.config.set(scheduler="synchronous"):
        yield


def test_is_dask_collection_true_for_dask_types(sync):
    da = pytest.importorskip("dask.array")
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    df = dd.from_pandas(pd.DataFrame({"a": [1.0, 2.0]}), npartitions=1)
    assert is_dask_collection(da.ones(3))
    assert is_dask_collection(df)
    assert is_dask_collection(df["a"])
    assert not is_dask_collection(np.ones(3))


def test_as_dask_array_from_dataframe_has_known_row_chunks(sync):
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    from linml._dask import as_dask_array

    frame = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10) * 2, "c": np.ones(10)})
    A = as_dask_array(dd.from_pandas(frame, npartitions=3))
    assert not any(np.isnan(c) for c in A.chunks[0])
    assert sum(A.chunks[0]) == 10 and len(A.chunks[1]) == 1
    np.testing.assert_allclose(A.compute(), frame.to_numpy(dtype=float), rtol=0, atol=0)
    s = as_dask_array(dd.from_pandas(frame, npartitions=2)["a"], "y")
    assert s.ndim == 1 and s.shape == (10,)


def test_as_dask_array_rechunks_columns_to_one_block(sync):
    da = pytest.importorskip("dask.array")
    from linml._dask import as_dask_array

    A = as_dask_array(da.ones((8, 6), chunks=(3, 2)))
    assert A.chunks == ((3, 3, 2), (6,))


def test_as_dask_array_non_numeric_column_named(sync):
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    from linml._dask import as_dask_array

    frame = pd.DataFrame({"a": [1.0, 2.0], "city": ["x", "y"]})
    with pytest.raises(LinmlInputError, match=r"non-numeric column\(s\) \['city'\]"):
        as_dask_array(dd.from_pandas(frame, npartitions=1))


def _data(rng, n=2000, p=8):
    X = rng.normal(loc=2.0, size=(n, p))
    y = X @ rng.normal(size=p) + rng.normal(size=n)
    return X, y


def _assert_same_stats(a: GramStats, b: GramStats, rtol: float = 1e-10) -> None:
    assert a.n == b.n
    for name in ("mean", "scatter", "y_mean", "cross", "y_scatter"):
        va, vb = getattr(a, name), getattr(b, name)
        scale = max(float(np.abs(vb).max()), 1.0)
        np.testing.assert_allclose(va, vb, rtol=0, atol=rtol * scale, err_msg=name)


@pytest.mark.parametrize("y_kind", ["dask", "numpy", "dask2d"])
def test_gram_stats_equals_one_block_on_unequal_chunks(sync, rng, y_kind):
    da = pytest.importorskip("dask.array")
    from linml._dask import gram_stats

    X, y = _data(rng)
    Xd = da.from_array(X, chunks=(CHUNKS, 8))
    if y_kind == "dask":
        yd = da.from_array(y, chunks=500)  # different chunks: rechunked to X's rows
    elif y_kind == "dask2d":
        y = np.column_stack([y, -y])
        yd = da.from_array(y, chunks=(400, 1))
    else:
        yd = y
    stats, info = gram_stats(Xd, yd)
    _assert_same_stats(stats, GramStats.from_block(X, y))
    assert info.n_blocks == 5 and info.scheduler == "synchronous"


def test_gram_stats_without_y(sync, rng):
    da = pytest.importorskip("dask.array")
    from linml._dask import gram_stats

    X, _ = _data(rng)
    stats, _ = gram_stats(da.from_array(X, chunks=(CHUNKS, 8)))
    assert stats.cross is None
    np.testing.assert_allclose(stats.covariance(), np.cov(X, rowvar=False), rtol=1e-10)


@pytest.mark.parametrize(("name", "row"), [("X", 1890), ("y", 1999)])
def test_nan_in_late_block_names_block_and_global_row(sync, rng, name, row):
    da = pytest.importorskip("dask.array")
    from linml._dask import gram_stats

    X, y = _data(rng)
    (X if name == "X" else y)[row] = np.nan
    Xd = da.from_array(X, chunks=(CHUNKS, 8))
    msg = rf"{name} has NaN or infinity in row {row} \(row block 4, rows 1700\.\.1999\)"
    with pytest.raises(LinmlInputError, match=msg):
        gram_stats(Xd, y)


def test_gram_stats_row_mismatch(sync, rng):
    da = pytest.importorskip("dask.array")
    from linml._dask import gram_stats

    X, y = _data(rng)
    with pytest.raises(LinmlInputError, match="y has 1999 rows but X has 2000"):
        gram_stats(da.from_array(X, chunks=(CHUNKS, 8)), y[:-1])


def test_map_rows_is_lazy_and_correct(sync, rng):
    da = pytest.importorskip("dask.array")
    from linml._dask import map_rows

    X, _ = _data(rng)
    Xd = da.from_array(X, chunks=(CHUNKS, 8))
    w = rng.normal(size=(8, 3))
    out = map_rows(Xd, lambda B: B @ w, dtype=np.float64, n_columns=3)
    assert isinstance(out, da.Array) and out.chunks == (CHUNKS, (3,))
    np.testing.assert_allclose(out.compute(), X @ w, rtol=1e-12)
    out1 = map_rows(Xd, lambda B: B @ w[:, 0], dtype=np.float64, n_columns=None)
    assert out1.chunks == (CHUNKS,)
    np.testing.assert_allclose(out1.compute(), X @ w[:, 0], rtol=1e-12)


def test_fit_info_line():
    assert (
        DaskFitInfo(12, "distributed", 2, "centered Gram reduction").line()
        == "dask: 12 row blocks on 2 workers (distributed), route: centered Gram reduction"
    )
    assert (
        DaskFitInfo(3, "threads", None, "TSQR").line()
        == "dask: 3 row blocks (threads), route: TSQR"
    )


def test_gram_stats_on_cluster(dask_client, rng):
    da = pytest.importorskip("dask.array")
    from linml._dask import current_scheduler, gram_stats

    X, y = _data(rng)
    stats, info = gram_stats(da.from_array(X, chunks=(CHUNKS, 8)), y)
    _assert_same_stats(stats, GramStats.from_block(X, y))
    assert current_scheduler()[0] == "distributed"
    assert info.scheduler == "distributed" and info.n_workers == 2
    assert "on 2 workers (distributed)" in info.line()
