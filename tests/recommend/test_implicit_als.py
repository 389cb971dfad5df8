"""ImplicitALS: CG vs Cholesky, the dense-confidence oracle, monotone loss, API and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from linml.datasets.ratings import make_implicit_feedback
from linml.exceptions import LinmlInputError
from linml.io import load, save
from linml.recommend import ImplicitALS, Interactions, leave_k_out_split, ranking_scores
from tests.recommend._reference import implicit_rows_ref


@pytest.fixture(scope="module")
def data():
    return make_implicit_feedback(200, 60, rank=3, interactions_per_user=8, random_state=0)


@pytest.fixture(scope="module")
def fitted(data):
    return ImplicitALS(
        rank=6, reg=0.5, alpha=2.0, n_iter=6, solver="cholesky", dtype="float64", random_state=0
    ).fit(data)


def test_cg_matches_cholesky(data):
    """Warm-started CG converges to the exact ALS iterates: same factors after enough steps."""
    kw = dict(rank=4, tol=0.0, reg=0.5, alpha=2.0, n_iter=5, dtype="float64", random_state=0)
    chol = ImplicitALS(solver="cholesky", **kw).fit(data)
    cg = ImplicitALS(solver="cg", cg_steps=8, **kw).fit(data)  # >= factors + bias: exact solves
    np.testing.assert_allclose(cg.user_factors_, chol.user_factors_, rtol=1e-6, atol=1e-7)
    cg3 = ImplicitALS(solver="cg", cg_steps=3, **{**kw, "n_iter": 15}).fit(data)
    chol15 = ImplicitALS(solver="cholesky", **{**kw, "n_iter": 15}).fit(data)
    assert cg3.loss_[-1] == pytest.approx(chol15.loss_[-1], rel=1e-2)


def test_user_step_equals_dense_confidence_oracle(fitted, data):
    """The final user half-step equals solving with the full dense C_u (no YtY trick)."""
    M = Interactions.from_arrays(*data).matrix
    X = implicit_rows_ref(M.indptr, M.indices, 1.0 + 2.0 * M.data, fitted.item_factors_, 0.5)
    np.testing.assert_allclose(fitted.user_factors_, X, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("solver", ["cg", "cholesky"])
def test_loss_is_monotone_and_matches_dense_formula(data, solver):
    model = ImplicitALS(
        rank=4, reg=0.3, alpha=3.0, n_iter=5, solver=solver, dtype="float64", random_state=1
    ).fit(data)
    trace = np.array(model.objective_trace_)
    assert np.all(np.diff(trace) <= 1e-9 * trace[0])
    R = Interactions.from_arrays(*data).matrix.toarray()
    C = 1.0 + 3.0 * R
    S = model.user_factors_ @ model.item_factors_.T
    dense = (C * ((R > 0) - S) ** 2).sum() + 0.3 * (
        (model.user_factors_**2).sum() + (model.item_factors_**2).sum()
    )
    assert model.loss_[-1] == pytest.approx(dense, rel=1e-9)


def test_float32_loss_matches_dense_formula(data):
    """The in-kernel loss (float64 sums of float32 solver vectors) equals the dense float64
    objective at the returned float32 factors, to float32 accuracy."""
    model = ImplicitALS(rank=5, reg=0.3, alpha=3.0, n_iter=4, tol=0.0, random_state=2).fit(data)
    assert model.user_factors_.dtype == np.float32
    R = Interactions.from_arrays(*data).matrix.toarray()
    X64 = model.user_factors_.astype(np.float64)
    Y64 = model.item_factors_.astype(np.float64)
    dense = ((1.0 + 3.0 * R) * ((R > 0) - X64 @ Y64.T) ** 2).sum() + 0.3 * (
        (X64**2).sum() + (Y64**2).sum()
    )
    assert model.loss_[-1] == pytest.approx(dense, rel=1e-5)
    assert len(model.objective_trace_) == 2 * len(model.loss_) == 8


@pytest.mark.parametrize("solver", ["cg", "cholesky"])
def test_same_bits_on_one_thread_and_all_threads(data, solver):
    """Rows are independent and each is solved by one thread, so the dynamic schedule does
    not change a bit of the result (DESIGN: reproducible bit-for-bit on one machine)."""
    import numba

    kw = dict(rank=6, n_iter=3, tol=0.0, solver=solver, random_state=0)
    many = ImplicitALS(**kw).fit(data)
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        one = ImplicitALS(**kw).fit(data)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one.user_factors_, many.user_factors_)
    np.testing.assert_array_equal(one.item_factors_, many.item_factors_)
    np.testing.assert_array_equal(one.loss_, many.loss_)


def test_fold_in_equals_user_step(fitted, data):
    users, items, counts = data
    for u in (0, 5):
        x = fitted.fold_in(items[users == u], counts[users == u])
        np.testing.assert_allclose(x, fitted.user_factors_[u], atol=1e-10)


def test_recommend_explain_similar(fitted, data):
    users, items, _ = data
    ids, scores = fitted.recommend(3, n=5)
    assert not set(ids) & set(items[users == 3])
    np.testing.assert_allclose(scores, fitted.predict([3] * 5, ids))
    ex = fitted.explain(3, int(ids[0]))
    assert ex.score == pytest.approx(scores[0], abs=1e-9)  # Cholesky fit: exact decomposition
    sim, cos = fitted.similar_items(1, n=3)
    assert 1 not in sim and np.all(np.abs(cos) <= 1 + 1e-12)
    new_ids, _ = fitted.recommend("new", ratings=([1, 2], [3.0, 1.0]), n=4)
    assert 1 not in new_ids and 2 not in new_ids
    assert "cond(Y^T Y + reg I)" in str(fitted._explain())


def test_ranking_beats_popularity(data):
    """Held-out precision@10 beats ranking by popularity (taste is learned, not just counts)."""
    train, test = leave_k_out_split(Interactions.from_arrays(*data), k=2, random_state=0)
    model = ImplicitALS(rank=6, reg=0.5, alpha=2.0, n_iter=10, random_state=0).fit(train)
    ours = ranking_scores(model, train, test, k=10)["precision@10"]
    pop = np.bincount(train.cols, minlength=train.n_items).astype(float)
    test_users = np.flatnonzero(np.diff(test.matrix.indptr))
    S = np.tile(pop, (test_users.size, 1))
    seen = train.matrix[test_users]
    S[np.repeat(np.arange(test_users.size), np.diff(seen.indptr)), seen.indices] = -np.inf
    from linml.recommend import precision_at_k
    from linml.recommend._factor_model import topn_indices

    assert ours > precision_at_k(topn_indices(S, 10), test.matrix[test_users], 10)


def test_contract_and_persistence(tmp_path, fitted):
    assert clone(fitted).get_params() == fitted.get_params()
    save(fitted, tmp_path / "imp.npz")
    back = load(tmp_path / "imp.npz")
    np.testing.assert_array_equal(back.recommend(2, n=5)[0], fitted.recommend(2, n=5)[0])


def test_bad_input():
    with pytest.raises(LinmlInputError, match="rank=0"):
        ImplicitALS(rank=0).fit(([0], [0]))
    with pytest.raises(LinmlInputError, match=">= 0"):
        ImplicitALS().fit(([0, 1], [0, 1], [1.0, -2.0]))
    with pytest.raises(LinmlInputError, match="empty"):
        ImplicitALS().fit(sp.csr_matrix((2, 2)))
    model = ImplicitALS(rank=2, n_iter=2, random_state=0).fit(([0, 1], [0, 1]))
    with pytest.raises(LinmlInputError, match="unknown user id 7"):
        model.recommend(7)


@pytest.mark.slow
def test_precision_within_two_percent_of_implicit():
    """Quality vs the `implicit` library: same factors/reg/iterations, c = 1 + alpha r."""
    implicit_als = pytest.importorskip("implicit.cpu.als")
    from threadpoolctl import threadpool_limits

    from linml.recommend import precision_at_k
    from linml.recommend._factor_model import topn_indices

    data = make_implicit_feedback(3000, 800, rank=8, interactions_per_user=30, random_state=0)
    train, test = leave_k_out_split(Interactions.from_arrays(*data), k=5, random_state=0)
    test_users = np.flatnonzero(np.diff(test.matrix.indptr))
    seen = train.matrix[test_users]

    def p10(Xf, Yf):
        S = (Xf[test_users] @ Yf.T).astype(float)
        S[np.repeat(np.arange(test_users.size), np.diff(seen.indptr)), seen.indices] = -np.inf
        return precision_at_k(topn_indices(S, 10), test.matrix[test_users], 10)

    ours = ImplicitALS(rank=32, reg=1.0, alpha=2.0, n_iter=10, random_state=0).fit(train)
    conf = train.matrix.copy()
    conf.data = 1.0 + 2.0 * conf.data
    with threadpool_limits(1, "blas"):  # implicit's advice: it parallelizes over users itself
        peer = implicit_als.AlternatingLeastSquares(
            factors=32, regularization=1.0, alpha=1.0, iterations=10, random_state=0
        )
        peer.fit(sp.csr_matrix(conf, dtype=np.float32), show_progress=False)
    assert p10(ours.user_factors_, ours.item_factors_) >= 0.98 * p10(
        peer.user_factors, peer.item_factors
    )


# ---------------------------------------------------------------------------------- rename
def test_factors_is_a_deprecated_spelling_of_rank(data):
    """factors= still works for one release, with a FutureWarning naming rank=."""
    kw = dict(n_iter=3, dtype="float64", random_state=0)
    with pytest.warns(FutureWarning, match=r"use ImplicitALS\(rank=5\)"):
        old = ImplicitALS(factors=5, **kw).fit(data)
    new = ImplicitALS(rank=5, **kw).fit(data)
    assert old.user_factors_.shape[1] == 5
    # the same fit; parallel reductions may sum in another order, hence 1e-9 and not ==
    np.testing.assert_allclose(old.user_factors_, new.user_factors_, rtol=1e-9, atol=1e-12)


def test_rank_clones_and_round_trips_without_warning(tmp_path, data):
    model = ImplicitALS(rank=3, n_iter=2, random_state=0)
    params = model.get_params()
    assert params["rank"] == 3 and params["factors"] == "deprecated"
    assert clone(model).get_params() == params
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        model.fit(data)
        save(model, tmp_path / "m.npz")
        back = load(tmp_path / "m.npz")
    assert back.rank == 3 and back.factors == "deprecated"
    np.testing.assert_array_equal(back.user_factors_, model.user_factors_)
    deprecated = clone(ImplicitALS(factors=4))  # clone keeps the user's old spelling
    assert deprecated.get_params()["factors"] == 4


def test_bad_rank_and_factors():
    with pytest.raises(LinmlInputError, match="factors=0"):
        ImplicitALS(factors=0).fit(([0], [0]))
    with pytest.raises(LinmlInputError, match="rank=-1"):
        ImplicitALS(rank=-1).fit(([0], [0]))


def test_cg_solves_short_rows_exactly():
    """Every row of both sides short (3 entries, cutoff 7 at rank 16): the cg fit is the
    Cholesky fit, whatever cg_steps."""
    from linml.recommend.implicit_als import _short_row_cutoff

    assert _short_row_cutoff(16, 3) == 7
    assert (_short_row_cutoff(32, 3), _short_row_cutoff(64, 3)) == (10, 14)
    users = np.repeat(np.arange(40), 3)
    items = (users + np.tile(np.arange(3), 40)) % 40  # each user 3 items, each item 3 users
    data = (users, items, np.ones(users.shape[0]))
    kw = dict(rank=16, reg=0.5, n_iter=4, tol=0.0, dtype="float64", random_state=0)
    chol = ImplicitALS(solver="cholesky", **kw).fit(data)
    cg = ImplicitALS(solver="cg", cg_steps=1, **kw).fit(data)
    np.testing.assert_allclose(cg.user_factors_, chol.user_factors_, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(cg.loss_, chol.loss_, rtol=1e-9)


def test_woodbury_falls_back_to_cg_when_g_is_not_positive_definite():
    """G = YᵀY + reg I is SPD for reg > 0, but not numerically so at a tiny reg on
    rank-deficient factors: the exact short-row path is skipped, the fit still runs."""
    Y = np.zeros((5, 4))
    Y[:, 0] = 1.0  # rank 1
    G = (Y.T @ Y + 1e-300 * np.eye(4)).astype(np.float32)  # the reg underflows in float32
    assert ImplicitALS._woodbury_z(Y.astype(np.float32), G) is None
    Z = ImplicitALS._woodbury_z(Y, Y.T @ Y + 0.5 * np.eye(4))
    np.testing.assert_allclose(Z @ (Y.T @ Y + 0.5 * np.eye(4)), Y, atol=1e-12)
