"""NMF: scikit-learn oracles, monotone objective, non-negativity, bad input, API checks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import nnls
from sklearn.datasets import load_digits
from sklearn.decomposition import NMF as SkNMF
from sklearn.decomposition._nmf import _initialize_nmf
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from linml import LinmlInputError
from linml.decomposition import NMF
from linml.decomposition.nmf import _init_factors, _solve
from linml.io import load, save

SK_SOLVER = {"hals": "cd", "mu": "mu"}


def _low_rank(n=60, p=25, k=4, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, k)) @ rng.random((k, p)) + noise * rng.random((n, p))


def _objective(X, W, H, alpha_W=0.0, alpha_H=0.0, l1_ratio=0.0):
    """½‖X − WH‖² + scikit-learn-scaled elastic-net penalties, computed directly."""
    n, p = X.shape
    R = X - W @ H
    f = 0.5 * np.sum(R * R)
    f += p * alpha_W * (l1_ratio * W.sum() + 0.5 * (1 - l1_ratio) * np.sum(W * W))
    f += n * alpha_H * (l1_ratio * H.sum() + 0.5 * (1 - l1_ratio) * np.sum(H * H))
    return f


@parametrize_with_checks([NMF(random_state=0), NMF(n_components=2, solver="mu", random_state=0)])
def test_sklearn_api_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


# ---------------------------------------------------------------------------- oracles
@pytest.mark.parametrize("solver", ["hals", "mu"])
def test_digits_error_no_worse_than_sklearn_same_budget(solver):
    """Same k, same 200 iterations (tol=0 on both): linml's error is at most scikit-learn's."""
    X = load_digits().data
    ours = NMF(16, solver=solver, max_iter=200, tol=0, random_state=0).fit(X)
    ref = SkNMF(16, solver=SK_SOLVER[solver], max_iter=200, tol=0, random_state=0).fit(X)
    assert ours.n_iter_ == 200
    assert ours.reconstruction_err_ <= ref.reconstruction_err_ * (1 + 1e-9)


@pytest.mark.parametrize("solver", ["hals", "mu"])
@pytest.mark.parametrize("init", ["nndsvda", "random"])
def test_low_rank_error_no_worse_than_sklearn(solver, init):
    """300×120 data of rank 8 plus noise, k = 8, 200 iterations each."""
    X = _low_rank(n=300, p=120, k=8)
    ours = NMF(8, solver=solver, init=init, max_iter=200, tol=0, random_state=0).fit(X)
    ref = SkNMF(8, solver=SK_SOLVER[solver], init=init, max_iter=200, tol=0, random_state=0).fit(X)
    assert ours.reconstruction_err_ <= ref.reconstruction_err_


@pytest.mark.parametrize("solver", ["hals", "mu"])
def test_plain_steps_equal_sklearn_iteration_by_iteration(solver, monkeypatch):
    """Without the accelerating inner repeats, one iteration IS scikit-learn's (cd or mu) step.

    Same random start (same draws), L1 + L2 penalties: H after t iterations agrees to
    round-off, so the update formulas and the penalty scaling are scikit-learn's.
    """
    import linml.decomposition.nmf as nmf_module

    monkeypatch.setattr(nmf_module, "_INNER_ALPHA", 0.0)
    X = _low_rank()
    kw = dict(init="random", tol=0, random_state=0, alpha_W=0.01, alpha_H=0.02, l1_ratio=0.3)
    for t in (1, 4, 9):
        ours = NMF(4, solver=solver, max_iter=t, **kw).fit(X)
        ref = SkNMF(4, solver=SK_SOLVER[solver], max_iter=t, **kw).fit(X)
        np.testing.assert_allclose(ours.components_, ref.components_, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("solver", ["hals", "mu"])
def test_regularized_objective_no_worse_than_sklearn(solver):
    """With L1 + L2 penalties in scikit-learn's scaling the penalized objective is at most theirs."""
    X = _low_rank(seed=1)
    kw = dict(alpha_W=0.01, alpha_H=0.02, l1_ratio=0.5, max_iter=150, tol=0, random_state=0)
    ours = NMF(4, solver=solver, **kw)
    W = ours.fit_transform(X)
    ref = SkNMF(4, solver=SK_SOLVER[solver], **kw)
    W_ref = ref.fit_transform(X)
    f_ours = _objective(X, W, ours.components_, 0.01, 0.02, 0.5)
    f_ref = _objective(X, W_ref, ref.components_, 0.01, 0.02, 0.5)
    assert f_ours <= f_ref * (1 + 1e-6)  # both converge here; allow round-off of the optimum
    assert f_ours <= ours.objective_path_[-1] * (1 + 1e-12)  # the final W-solve only lowers f


@pytest.mark.parametrize("init", ["nndsvd", "nndsvda", "random"])
def test_init_matches_sklearn(init):
    """With k + 10 >= min(n, p) the randomized SVD is exact, so nndsvd equals scikit-learn's."""
    X = _low_rank(n=20, p=8, k=3)
    Wt, H = _init_factors(X, 3, init, np.random.RandomState(0))
    W_ref, H_ref = _initialize_nmf(X, 3, init=init, random_state=0)
    np.testing.assert_allclose(Wt.T, W_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(H, H_ref, rtol=1e-10, atol=1e-12)


def test_reconstruction_err_is_the_frobenius_residual():
    X = _low_rank()
    model = NMF(4, max_iter=50, tol=0, random_state=0)
    W = model.fit_transform(X)
    exact = np.linalg.norm(X - W @ model.components_)
    np.testing.assert_allclose(model.reconstruction_err_, exact, rtol=1e-10)
    np.testing.assert_allclose(model.relative_error_, exact / np.linalg.norm(X), rtol=1e-10)
    np.testing.assert_allclose(model.inverse_transform(W), W @ model.components_)


def test_exact_low_rank_is_recovered():
    rng = np.random.default_rng(4)
    X = rng.random((30, 3)) @ rng.random((3, 12))
    model = NMF(3, max_iter=2000, tol=1e-14, random_state=0).fit(X)
    assert model.relative_error_ < 1e-5
    assert model.converged_


@pytest.mark.parametrize("solver", ["hals", "mu"])
def test_sparse_input_matches_dense(solver):
    X = _low_rank()
    X[X < 0.4] = 0.0
    dense = NMF(4, solver=solver, max_iter=60, tol=0, random_state=0).fit(X)
    sparse = NMF(4, solver=solver, max_iter=60, tol=0, random_state=0).fit(sp.csr_matrix(X))
    np.testing.assert_allclose(sparse.components_, dense.components_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(sparse.reconstruction_err_, dense.reconstruction_err_, rtol=1e-8)
    np.testing.assert_allclose(
        sparse.transform(sp.csc_matrix(X)), dense.transform(X), rtol=1e-8, atol=1e-10
    )


def test_float32_in_float32_out():
    X = _low_rank().astype(np.float32)
    model = NMF(4, max_iter=50, tol=0, random_state=0)
    W = model.fit_transform(X)
    assert W.dtype == np.float32 and model.components_.dtype == np.float32
    assert model.transform(X).dtype == np.float32
    ref = NMF(4, max_iter=50, tol=0, random_state=0).fit(X.astype(np.float64))
    np.testing.assert_allclose(model.reconstruction_err_, ref.reconstruction_err_, rtol=1e-3)


# ---------------------------------------------------------------------------- transform
def test_transform_solves_the_nnls_problem_per_row():
    """Without penalties transform(X) row i = argmin_{w>=0} ‖xᵢ − Hᵀw‖ (scipy.optimize.nnls)."""
    X = _low_rank()
    model = NMF(4, max_iter=100, tol=1e-10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    X_new = _low_rank(n=10, seed=5)
    W = model.transform(X_new)
    for i in range(X_new.shape[0]):
        w, _ = nnls(model.components_.T, X_new[i])
        np.testing.assert_allclose(W[i], w, atol=1e-6 * max(1.0, w.max()))


def test_fit_transform_and_transform_solve_the_same_problem():
    """fit_transform's W (warm-started) and transform's (from 0) minimize the same NNLS."""
    X = _low_rank()
    model = NMF(4, max_iter=50, tol=0, random_state=0)
    W = model.fit_transform(X)
    W_t = model.transform(X)
    H = model.components_
    f_fit = np.linalg.norm(X - W @ H) ** 2
    f_tr = np.linalg.norm(X - W_t @ H) ** 2
    assert f_tr == pytest.approx(f_fit, rel=1e-8)
    np.testing.assert_allclose(W_t, W, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("max_iter", [1, 3, 20])
def test_final_w_solve_never_worse_than_the_iterate(max_iter):
    """However small the budget, the reported error is at most the last iterate's."""
    rng = np.random.default_rng(0)
    X = rng.random((300, 8)) @ rng.random((8, 120)) + 0.1 * rng.random((300, 120))
    model = NMF(8, max_iter=max_iter, tol=0, random_state=0).fit(X)
    last = np.sqrt(2.0 * model.objective_path_[-1])
    assert model.reconstruction_err_ <= last * (1 + 1e-10)


# ---------------------------------------------------------------------------- properties
@st.composite
def _nonneg_problem(draw):
    n = draw(st.integers(4, 25))
    p = draw(st.integers(3, 15))
    k = draw(st.integers(1, min(n, p)))
    seed = draw(st.integers(0, 2**16))
    sparse_frac = draw(st.sampled_from([0.0, 0.5]))
    rng = np.random.default_rng(seed)
    X = rng.random((n, p)) * 10 ** rng.uniform(-3, 3)
    X[rng.random((n, p)) < sparse_frac] = 0.0
    return X, k, seed


@given(
    _nonneg_problem(),
    st.sampled_from(["hals", "mu"]),
    st.sampled_from(["nndsvda", "random"]),
    st.sampled_from([(0.0, 0.0), (0.05, 0.5)]),
)
def test_factors_nonnegative_and_objective_monotone(problem, solver, init, penalty):
    X, k, seed = problem
    alpha, l1_ratio = penalty
    model = NMF(
        k,
        solver=solver,
        init=init,
        alpha_W=alpha,
        l1_ratio=l1_ratio,
        max_iter=30,
        tol=0,
        random_state=seed % 1000,
    )
    W = model.fit_transform(X)
    assert (W >= 0).all() and (model.components_ >= 0).all()
    path = model.objective_path_
    assert path.shape == (31,)
    # the path comes from the Gram identity: allow its round-off, eps · ‖X‖²
    slack = 1e-12 * float(np.sum(X * X)) + 1e-300
    assert np.all(np.diff(path) <= slack), np.diff(path).max()


@pytest.mark.parametrize("solver", ["hals", "mu"])
def test_direct_objective_is_monotone_iteration_by_iteration(solver):
    """f(W_t, H_t), computed directly from the iterates of the solver, never increases."""
    X = _low_rank(seed=2)
    regs = NMF(alpha_W=0.01, l1_ratio=0.3)._regularization(*X.shape)
    Wt, H = _init_factors(X, 4, "nndsvda", np.random.RandomState(0))
    values = [_objective(X, Wt.T, H, 0.01, 0.01, 0.3)]
    for _ in range(8):
        _solve(X, Wt, H, solver, regs, max_iter=1, tol=0)  # one more iteration, in place
        values.append(_objective(X, Wt.T, H, 0.01, 0.01, 0.3))
    assert np.all(np.diff(values) <= 1e-12 * values[0])
    assert values[-1] < values[0]


def test_hals_accelerated_steps_beat_plain_per_iteration():
    """Repeated inner sweeps lower the objective more per outer iteration than one sweep."""
    import linml.decomposition.nmf as nmf_module

    X = load_digits().data[:500]
    accelerated = NMF(10, max_iter=30, tol=0, random_state=0).fit(X).reconstruction_err_
    saved = nmf_module._INNER_ALPHA
    try:
        nmf_module._INNER_ALPHA = 0.0  # one sweep per step: scikit-learn's cd
        plain = NMF(10, max_iter=30, tol=0, random_state=0).fit(X).reconstruction_err_
    finally:
        nmf_module._INNER_ALPHA = saved
    assert accelerated < plain


# ---------------------------------------------------------------------------- convergence
def test_converges_on_relative_decrease_and_warns_otherwise():
    X = load_digits().data[:400]
    model = NMF(8, tol=1e-3, random_state=0).fit(X)
    assert model.converged_ and model.n_iter_ < 200
    path = model.objective_path_
    assert path[-2] - path[-1] <= 1e-3 * path[-2]
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        NMF(8, max_iter=2, tol=1e-12, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        NMF(8, max_iter=2, tol=0, random_state=0).fit(X)  # tol=0: a fixed budget, no warning


def test_zero_matrix_gives_zero_factors():
    model = NMF(2, random_state=0)
    W = model.fit_transform(np.zeros((5, 4)))
    assert not W.any() and not model.components_.any()
    assert model.reconstruction_err_ == 0.0


# ---------------------------------------------------------------------------- bad input
def test_negative_entries_message_counts_and_locates_the_first():
    X = _low_rank(n=6, p=5)
    X[2, 3] = -0.5
    X[4, 1] = -2.0
    with pytest.raises(
        LinmlInputError,
        match=r"Negative values in data: 2 entries of X are negative; the first is X\[2, 3\] = -0\.5",
    ):
        NMF(2).fit(X)
    with pytest.raises(LinmlInputError, match=r"1 entry of X is negative; the first is X\[4, 1\]"):
        NMF(2).fit(sp.csr_matrix(np.where(X > -1, np.abs(X), X)))


def test_negative_entries_rejected_by_transform():
    X = _low_rank()
    model = NMF(3, random_state=0).fit(X)
    X_bad = X.copy()
    X_bad[0, 0] = -1.0
    with pytest.raises(LinmlInputError, match=r"NMF.transform.*X\[0, 0\] = -1"):
        model.transform(X_bad)


def test_nan_is_located():
    X = _low_rank()
    X[3, 2] = np.nan
    with pytest.raises(LinmlInputError, match="NaN at row 3, column 2"):
        NMF(2).fit(X)


def test_nndsvd_needs_k_at_most_min_shape():
    X = _low_rank(n=10, p=5)
    with pytest.raises(
        LinmlInputError, match=r"n_components=6 must be <= min\(n_samples, n_features\)=5"
    ):
        NMF(6, init="nndsvd").fit(X)
    model = NMF(6, max_iter=20, tol=0, random_state=0).fit(X)  # default init falls back to random
    assert model.init_ == "random" and model.components_.shape == (6, 5)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"solver": "cd"}, "solver='cd' must be one of 'hals', 'mu'"),
        ({"tol": -1.0}, r"tol=-1.0 must be a number in \[0, inf\)"),
        ({"l1_ratio": 1.5}, r"l1_ratio=1.5 must be a number in \[0, 1\]"),
        ({"alpha_H": "other"}, "alpha_H='other'"),
        ({"n_components": 0}, r"n_components=0 must be None or an integer in \[1, inf\)"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(LinmlInputError, match=match):
        NMF(**params).fit(_low_rank())


def test_inverse_transform_shape_is_checked():
    model = NMF(3, random_state=0).fit(_low_rank())
    with pytest.raises(LinmlInputError, match=r"expects W of shape \(n, 3\)"):
        model.inverse_transform(np.ones((2, 4)))


# ---------------------------------------------------------------------------- io, explain
def test_save_load_round_trip(tmp_path):
    X = _low_rank()
    model = NMF(3, random_state=0).fit(X)
    path = tmp_path / "nmf.npz"
    save(model, path)
    loaded = load(path)
    np.testing.assert_array_equal(loaded.components_, model.components_)
    np.testing.assert_allclose(loaded.transform(X), model.transform(X))
    assert loaded.reconstruction_err_ == model.reconstruction_err_


def test_explain_reports_sparsity_error_and_rank():
    X = load_digits().data
    model = NMF(16, max_iter=100, random_state=0).fit(X)
    exp = model._explain()
    facts = {f.name: f.value for f in exp.facts}
    assert facts["rank k"] == 16
    np.testing.assert_allclose(facts["relative error"], model.relative_error_)
    assert 0.0 < facts["zeros in H"] < 1.0  # parts-based: many exact zeros, not all
    assert "relative error" in exp.verdict
