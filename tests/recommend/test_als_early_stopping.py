"""ALS: the row-weight exponent (w = n^a) and early stopping on held-out ratings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linml.datasets.ratings import make_long_tail_ratings, make_low_rank_ratings
from linml.exceptions import LinmlInputError
from linml.recommend import ALS, Interactions, kfold_split
from tests.recommend._reference import als_objective_ref


@pytest.fixture(scope="module")
def ratings():
    return make_low_rank_ratings(120, 50, rank=3, ratings_per_user=20, noise=0.3, random_state=2)


@pytest.fixture(scope="module")
def long_tail():
    """MovieLens-100k-shaped long-tail ratings, one 80/20 fold (train, test)."""
    data = make_long_tail_ratings(943, 1682, median_per_user=65, max_per_user=740, random_state=0)
    return next(kfold_split(Interactions.from_arrays(*data), 5, random_state=0))


def test_exponent_zero_is_the_unweighted_penalty(ratings):
    """n^0 = 1: weighted_reg with reg_exponent=0 is weighted_reg=False, to round-off."""
    kw = {"rank": 3, "reg": 0.7, "n_iter": 4, "solver": "cholesky", "random_state": 0}
    a = ALS(weighted_reg=True, reg_exponent=0.0, **kw).fit(ratings)
    b = ALS(weighted_reg=False, **kw).fit(ratings)
    np.testing.assert_allclose(a.user_factors_, b.user_factors_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.item_bias_, b.item_bias_, rtol=1e-10, atol=1e-12)


@settings(max_examples=8, deadline=None)
@given(exponent=st.floats(0.0, 1.0), solver=st.sampled_from(["cholesky", "cg"]))
def test_objective_with_exponent_matches_reference_and_never_rises(ratings, exponent, solver):
    """L = sse + reg Σ n_u^a (|p_u|² + b_u²) + …: the trace ends at the dense formula's value
    and every half-step lowers it."""
    model = ALS(
        rank=3, reg=0.3, reg_exponent=exponent, n_iter=3, solver=solver, random_state=0
    ).fit(ratings)
    R = Interactions.from_arrays(*ratings).matrix
    np.testing.assert_allclose(model.objective_trace_[-1], als_objective_ref(model, R), rtol=1e-9)
    trace = np.asarray(model.objective_trace_)
    assert np.all(np.diff(trace) <= 1e-9 * trace[:-1])


def test_fold_in_uses_the_exponent(ratings):
    """fold_in of a user's own ratings reproduces the refit user half-step at a = 0.5."""
    users, items, values = ratings
    model = ALS(rank=3, reg=0.4, reg_exponent=0.5, n_iter=6, solver="cholesky", random_state=0)
    model.fit(ratings)
    for u in (0, 9):
        p, b = model.fold_in(items[users == u], values[users == u])
        np.testing.assert_allclose(p, model.user_factors_[u], rtol=1e-9, atol=1e-10)
        assert abs(b - model.user_bias_[u]) < 1e-9


def test_early_stopping_refits_all_ratings_for_the_best_sweep_count(ratings):
    """best_n_iter_ is the argmin of the held-out curve; the model is then exactly
    ALS(n_iter=best_n_iter_) on every rating (same seed), and the search stopped within
    n_iter_no_change sweeps of its best."""
    kw = {"rank": 3, "reg": 0.05, "solver": "cholesky", "random_state": 0, "tol": 0.0}
    es = ALS(n_iter=30, early_stopping=True, n_iter_no_change=3, **kw).fit(ratings)
    curve = es.early_stopping_rmse_
    assert es.best_n_iter_ == int(np.argmin(curve)) + 1
    assert len(curve) == 30 or len(curve) - es.best_n_iter_ == 3
    assert es.n_iter_ == es.best_n_iter_
    plain = ALS(n_iter=es.best_n_iter_, **kw).fit(ratings)
    np.testing.assert_allclose(es.user_factors_, plain.user_factors_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(es.item_bias_, plain.item_bias_, rtol=1e-10, atol=1e-12)
    off = ALS(n_iter=3, **kw).fit(ratings)
    assert off.best_n_iter_ is None and off.early_stopping_rmse_ == []


def test_early_stopping_search_holds_out_the_validation_fraction(ratings):
    model = ALS(rank=2, n_iter=2, early_stopping=True, validation_fraction=0.25, random_state=1)
    _, held = model._search_split(Interactions.from_arrays(*ratings))
    assert held.nnz == round(0.25 * len(ratings[2]))
    again = ALS(early_stopping=True, validation_fraction=0.25, random_state=1)
    _, held_again = again._search_split(Interactions.from_arrays(*ratings))
    np.testing.assert_array_equal(held.rows, held_again.rows)
    np.testing.assert_array_equal(held.cols, held_again.cols)


def test_early_stopping_beats_the_converged_fit_on_long_tail_data(long_tail):
    """On long-tailed ratings the converged ALS overfits the rare rows; stopping at the
    held-out optimum lowers the test RMSE (measured 0.926 → 0.908 at a = 1, reg 0.1; 0.917 →
    0.905 at a = 0.5, reg 1.0)."""
    train, test = long_tail
    users, items, values = test.to_triples()
    kw = {"rank": 10, "n_iter": 15, "solver": "cg", "random_state": 0}

    def test_rmse(**extra):
        pred = np.clip(ALS(**kw, **extra).fit(train).predict(users, items), 1, 5)
        return float(np.sqrt(np.mean((pred - values) ** 2)))

    converged = test_rmse(reg=0.1)
    stopped = test_rmse(reg=0.1, early_stopping=True)
    half = test_rmse(reg=1.0, reg_exponent=0.5)
    assert stopped < converged - 0.01
    assert half < converged - 0.005


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"reg_exponent": 1.5}, r"reg_exponent=1.5 must be a number in \[0, 1\]"),
        ({"validation_fraction": 1.0}, r"validation_fraction=1.0 must be a number in \(0, 1\)"),
        ({"n_iter_no_change": 0}, r"n_iter_no_change=0"),
        ({"early_stopping": "yes"}, r"early_stopping='yes'"),
    ],
)
def test_bad_params(kwargs, match):
    with pytest.raises(LinmlInputError, match=match):
        ALS(**kwargs).fit(([0, 1], [0, 1], [1.0, 2.0]))


def test_early_stopping_needs_two_ratings():
    with pytest.raises(
        LinmlInputError, match="early_stopping holds out part of the ratings; X has 1"
    ):
        ALS(early_stopping=True).fit(([0], [0], [3.0]))


@pytest.mark.parametrize(
    ("curve", "stop"),
    [
        ([0.91, 0.905, 0.91, 0.92], True),  # best at sweep 2, then two rises
        ([0.90, 0.95, 0.96], False),  # only sweeps 2.. count: one rise since their best
        ([1.30, 1.39, 1.40, 1.42], True),
        ([1.30, 1.39, 1.40, 1.38], False),  # falling again after the hump: keep going
        ([1.30, 1.39, 1.40, 1.385, 1.39], False),  # since the best (1.385) only 1 sweep
        ([1.0], False),
        ([1.0, 1.1], False),
    ],
)
def test_stop_rule(curve, stop):
    assert ALS._stop_early(curve, 2) is stop


def test_early_stopping_runs_through_a_hump():
    """A well-sampled problem whose held-out RMSE rises for 2 sweeps after the first and
    then falls for many more: early stopping must not stop in the hump."""
    data = make_low_rank_ratings(2000, 500, rank=16, ratings_per_user=50, noise=0.8, random_state=0)
    kw = {"rank": 10, "reg": 0.5, "reg_exponent": 0.5, "n_iter": 15, "solver": "cg"}
    model = ALS(**kw, early_stopping=True, random_state=0).fit(data)
    curve = model.early_stopping_rmse_
    assert len(curve) > 5
    assert model.best_n_iter_ > 3
    assert min(curve) < curve[0] - 0.02


def test_explain_reports_early_stopping_not_a_convergence_failure(ratings):
    model = ALS(rank=3, reg=0.05, n_iter=20, early_stopping=True, random_state=0).fit(ratings)
    text = str(model._explain())
    assert f"lowest after {model.best_n_iter_} of {len(model.early_stopping_rmse_)} sweeps" in text
    assert "raise n_iter" not in text
