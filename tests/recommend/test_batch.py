"""recommend_all equals per-user recommend, lazily, as Parquet files, and on a cluster."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from linml.exceptions import LinmlInputError
from linml.recommend import ALS, BPR, ImplicitALS, Interactions
from linml.recommend.batch import recommend_all

dask = pytest.importorskip("dask")
pytest.importorskip("dask.dataframe")

SCORE_TOL = 1e-6  # float32 factors: ~8 ulps of a score of order 1


def _interactions(seed: int = 0) -> Interactions:
    rng = np.random.default_rng(seed)
    n_users, n_items = 37, 15
    users, items = np.nonzero(rng.random((n_users, n_items)) < 0.3)
    users = np.concatenate([users, np.full(n_items, 5)])  # user 5 saw every item
    items = np.concatenate([items, np.arange(n_items)])
    pairs = np.unique(np.c_[users, items], axis=0)
    values = rng.integers(1, 6, size=len(pairs)).astype(float)
    ids = [f"u{u:02d}" for u in pairs[:, 0]]
    return Interactions.from_arrays(ids, pairs[:, 1] * 10, values)


@pytest.fixture(scope="module")
def models():
    inter = _interactions()
    return {
        "als": ALS(rank=3, n_iter=4, random_state=0).fit(inter),
        "implicit": ImplicitALS(rank=3, n_iter=3, random_state=0).fit(inter),
        "bpr": BPR(rank=3, n_epochs=3, random_state=0).fit(inter),
    }


def _check_against_recommend(model, frame: pd.DataFrame, n: int, users=None) -> None:
    """Each user's rows are model.recommend(user, n): same items in order, scores to SCORE_TOL
    (the factors are float32, and a block's GEMM may round differently from a single user's)."""
    users = model.user_ids_ if users is None else users
    assert sorted(frame["user"].unique().tolist()) == sorted(
        u for u in users if len(model.recommend(u, n)[0])
    )
    for user in users:
        items, scores = model.recommend(user, n)
        rows = frame[frame["user"] == user].sort_values("rank")
        assert rows["rank"].tolist() == list(range(1, len(items) + 1))
        assert rows["item"].tolist() == items.tolist()
        np.testing.assert_allclose(rows["score"].to_numpy(), scores, rtol=SCORE_TOL, atol=SCORE_TOL)
    assert np.isfinite(frame["score"]).all()


@pytest.mark.parametrize("name", ["als", "implicit", "bpr"])
def test_lazy_frame_equals_recommend(models, name):
    model = models[name]
    with dask.config.set(scheduler="synchronous"):
        lazy = recommend_all(model, n=4, block_users=8)
        assert lazy.npartitions == 5  # ceil(37 / 8) blocks
        frame = lazy.compute()
    assert frame.columns.tolist() == ["user", "rank", "item", "score"]
    _check_against_recommend(model, frame, 4)


def test_user_who_saw_everything_gets_no_rows_and_partial_lists(models):
    model = models["als"]
    with dask.config.set(scheduler="synchronous"):
        frame = recommend_all(model, n=15).compute()
    assert "u05" not in set(frame["user"])  # saw all 15 items: nothing left, no -inf row
    counts = frame.groupby("user").size()
    seen = np.diff(model.seen_indptr_)
    expected = {u: 15 - s for u, s in zip(model.user_ids_, seen, strict=True) if s < 15}
    assert counts.to_dict() == expected


def test_parquet_directory_read_back(models, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    model = models["implicit"]
    users = ["u03", "u10", "u11", "u20", "u36"]
    with dask.config.set(scheduler="threads"):
        out = recommend_all(model, n=3, users=users, path=tmp_path / "recs", block_users=2)
    files = sorted(p.name for p in out.iterdir())
    assert files == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    frame = pq.read_table(out).to_pandas()
    _check_against_recommend(model, frame, 3, users)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # staging renamed


def test_exclude_seen_false_keeps_n_per_user(models):
    model = models["bpr"]
    with dask.config.set(scheduler="synchronous"):
        frame = recommend_all(model, n=6, exclude_seen=False).compute()
    assert (frame.groupby("user").size() == 6).all()
    items, _ = model.recommend("u05", 6, exclude_seen=False)
    rows = frame[frame["user"] == "u05"].sort_values("rank")
    assert rows["item"].tolist() == items.tolist()


def test_on_local_cluster(models, dask_client, tmp_path):
    """The model pickles to the worker processes and the files equal per-user recommend."""
    pq = pytest.importorskip("pyarrow.parquet")
    model = models["als"]
    assert pickle.loads(pickle.dumps(model)).recommend("u01", 3)[0].tolist() == (
        model.recommend("u01", 3)[0].tolist()
    )
    out = recommend_all(model, n=3, path=tmp_path / "cluster", block_users=10)
    assert len(list(out.iterdir())) == 4
    _check_against_recommend(model, pq.read_table(out).to_pandas(), 3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0}, r"n=0 must be an integer >= 1"),
        ({"block_users": 0}, r"block_users=0 must be an integer >= 1"),
        ({"users": "u01"}, r"users must be a list of user ids; got the single id 'u01'"),
        ({"users": ["nobody"]}, r"nobody"),
    ],
)
def test_bad_arguments(models, kwargs, match):
    with pytest.raises(LinmlInputError, match=match):
        recommend_all(models["als"], **kwargs)


def test_bad_model_and_path(models, tmp_path):
    with pytest.raises(LinmlInputError, match=r"model must be a fitted ALS, ImplicitALS or BPR"):
        recommend_all(object())
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "other.txt").write_text("x")
    with pytest.raises(LinmlInputError, match=r"exists and is not an empty directory"):
        recommend_all(models["als"], path=tmp_path / "full")
    with pytest.raises(LinmlInputError, match=r"parent directory does not exist"):
        recommend_all(models["als"], path=tmp_path / "no" / "such")
