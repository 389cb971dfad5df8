"""Interactions, readers and splits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from linml.exceptions import LinmlInputError
from linml.recommend import (
    Interactions,
    holdout_split,
    kfold_split,
    leave_k_out_split,
    read_ratings,
    temporal_split,
)


def test_from_arrays_builds_csr_and_id_maps():
    inter = Interactions.from_arrays(["b", "a", "b"], [20, 10, 10], [1.0, 2.0, 3.0], [5, 6, 7])
    assert inter.user_ids.tolist() == ["a", "b"] and inter.item_ids.tolist() == [10, 20]
    np.testing.assert_array_equal(inter.matrix.toarray(), [[2.0, 0.0], [3.0, 1.0]])
    np.testing.assert_array_equal(inter.timestamps, [6, 7, 5])  # aligned with CSR data
    np.testing.assert_array_equal(inter.user_index(["b", "a"]), [1, 0])
    u, i, v = inter.to_triples()
    assert list(zip(u, i, v, strict=True)) == [("a", 10, 2.0), ("b", 10, 3.0), ("b", 20, 1.0)]


@pytest.mark.parametrize(
    ("policy", "value", "time"), [("last", 4.0, 3), ("mean", 3.0, 3), ("sum", 6.0, 3)]
)
def test_duplicate_policies(policy, value, time):
    inter = Interactions.from_arrays(
        [0, 0, 1], [1, 1, 0], [2.0, 4.0, 1.0], [1, 3, 2], duplicates=policy
    )
    assert inter.matrix[0, 1] == value and inter.nnz == 2
    assert inter.timestamps[0] == time


def test_duplicates_error_names_the_pair():
    with pytest.raises(LinmlInputError, match=r"user 'u', item 'i'.*duplicates='last'"):
        Interactions.from_arrays(["u", "u"], ["i", "i"], [1.0, 2.0])
    with pytest.raises(LinmlInputError, match="duplicates='x' must be one of"):
        Interactions.from_arrays([0], [0], duplicates="x")


def test_sparse_input_and_bad_input():
    inter = Interactions(sp.coo_matrix(np.array([[0.0, 2.0]])))
    assert inter.nnz == 1 and inter.user_ids.tolist() == [0]
    with pytest.raises(TypeError, match=r"scipy.sparse"):
        Interactions(np.ones((2, 2)))
    with pytest.raises(LinmlInputError, match="NaN"):
        Interactions.from_arrays([0, 1], [0, 1], [1.0, np.nan])
    with pytest.raises(LinmlInputError, match="empty"):
        Interactions.from_arrays([], [], [])
    with pytest.raises(LinmlInputError, match="missing ids"):
        Interactions.from_arrays(np.array(["a", None], dtype=object), [0, 1], [1.0, 2.0])
    with pytest.raises(LinmlInputError, match="unknown user id 'zz'"):
        inter = Interactions.from_arrays(["a"], ["b"], [1.0])
        inter.user_index("zz")


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_read_movielens_layouts(tmp_path):
    tab = _write(tmp_path, "u.data", "1\t10\t4\t100\n2\t10\t3\t101\n1\t20\t5\t102\n")
    colons = _write(tmp_path, "ratings.dat", "1::10::4::100\n2::10::3::101\n1::20::5::102\n")
    csv = _write(
        tmp_path,
        "ratings.csv",
        "userId,movieId,rating,timestamp\n1,10,4,100\n2,10,3,101\n1,20,5,102\n",
    )
    frames = [read_ratings(p) for p in (tab, colons, csv)]
    for inter in frames:
        np.testing.assert_array_equal(inter.matrix.toarray(), [[4.0, 5.0], [3.0, 0.0]])
        np.testing.assert_array_equal(inter.timestamps, [100, 102, 101])
    pq = tmp_path / "r.parquet"
    pd.DataFrame({"who": ["a", "b"], "what": ["x", "x"], "stars": [1.0, 2.0]}).to_parquet(pq)
    inter = read_ratings(pq, user="who", item="what", rating="stars")
    assert inter.user_ids.tolist() == ["a", "b"]


def test_read_bad_files(tmp_path):
    no_rating = _write(tmp_path, "r.csv", "userId,movieId\n1,2\n")
    with pytest.raises(LinmlInputError, match=r"no rating column found.*'userId', 'movieId'"):
        read_ratings(no_rating)
    inter = read_ratings(no_rating, rating=None)  # implicit data: all ones
    assert inter.values.tolist() == [1.0]
    with pytest.raises(LinmlInputError, match="item column 'film' not found"):
        read_ratings(no_rating, item="film")
    nan = _write(tmp_path, "n.csv", "user,item,rating\n1,2,\n1,3,4\n")
    with pytest.raises(LinmlInputError, match="NaN or inf at row 0"):
        read_ratings(nan)
    two = _write(tmp_path, "two.data", "1\t2\n")
    with pytest.raises(LinmlInputError, match="at least 3 columns"):
        read_ratings(two, layout="tab")
    with pytest.raises(LinmlInputError, match="no such file"):
        read_ratings(tmp_path / "missing.csv")


@pytest.fixture
def inter():
    rng = np.random.default_rng(0)
    users = np.repeat(np.arange(30), 6)
    items = np.concatenate([rng.choice(20, 6, replace=False) for _ in range(30)])
    return Interactions.from_arrays(users, items, rng.random(180), rng.permutation(180))


def _keys(part):
    return set(zip(part.rows.tolist(), part.cols.tolist(), strict=True))


def test_holdout_split_partitions(inter):
    train, test = holdout_split(inter, 0.25, random_state=0)
    assert test.nnz == 45 and train.nnz + test.nnz == inter.nnz
    assert not _keys(train) & _keys(test) and train.shape == inter.shape


def test_leave_k_out_per_user(inter):
    train, test = leave_k_out_split(inter, k=2, random_state=0)
    np.testing.assert_array_equal(np.diff(test.matrix.indptr), 2)
    np.testing.assert_array_equal(np.diff(train.matrix.indptr), 4)


def test_temporal_split(inter):
    train, test = temporal_split(inter, 0.2)
    assert train.timestamps.max() < test.timestamps.min()
    train, test = temporal_split(inter, 0.5, per_user=True)
    for u in range(30):
        tr = train.timestamps[train.matrix.indptr[u] : train.matrix.indptr[u + 1]]
        te = test.timestamps[test.matrix.indptr[u] : test.matrix.indptr[u + 1]]
        assert tr.max() < te.min() and len(te) == 3
    with pytest.raises(LinmlInputError, match="needs timestamps"):
        temporal_split(Interactions.from_arrays([0], [0]), 0.5)


def test_kfold_tests_every_interaction_once(inter):
    folds = list(kfold_split(inter, 4, random_state=0))
    assert len(folds) == 4
    tested = [k for _, test in folds for k in _keys(test)]
    assert len(tested) == inter.nnz and set(tested) == _keys(inter)
    with pytest.raises(LinmlInputError, match="n_splits=1"):
        list(kfold_split(inter, 1))
    with pytest.raises(LinmlInputError, match=r"test_size=1.5"):
        holdout_split(inter, 1.5)
