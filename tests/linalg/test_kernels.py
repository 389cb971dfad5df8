"""Tests for linml.linalg.kernels: oracle vs scikit-learn, blocking, Mercer, centering."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.preprocessing import KernelCenterer

from linml.exceptions import LinmlInputError
from linml.linalg.kernels import (
    KERNELS,
    MercerResult,
    center_kernel,
    mercer_check,
    pairwise_kernel,
    resolve_gamma,
)

TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-4, atol=1e-5)}

NAMED = ["linear", "poly", "rbf", "sigmoid", "cosine"]


def _data(rng, n=17, m=11, p=5, dtype=np.float64):
    X = rng.standard_normal((n, p)).astype(dtype)
    Y = rng.standard_normal((m, p)).astype(dtype)
    return X, Y


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel", NAMED)
@pytest.mark.parametrize("with_y", [False, True])
def test_matches_sklearn_pairwise_kernels(rng, kernel, dtype, with_y):
    """Every named kernel equals sklearn's pairwise_kernels with the same parameters."""
    X, Y = _data(rng, dtype=dtype)
    Yarg = Y if with_y else None
    params = {} if kernel in ("linear", "cosine") else {"gamma": 0.3}
    if kernel in ("poly", "sigmoid"):
        params.update(coef0=0.7)
    if kernel == "poly":
        params.update(degree=2)
    K = pairwise_kernel(X, Yarg, kernel, **params)
    expected = pairwise_kernels(
        X.astype(np.float64),
        None if Yarg is None else Y.astype(np.float64),
        metric=kernel,
        **params,
    )
    assert K.dtype == dtype
    np.testing.assert_allclose(K, expected, **TOL[dtype])


@pytest.mark.parametrize("kernel", ["poly", "rbf", "sigmoid"])
def test_gamma_none_means_one_over_n_features(rng, kernel):
    """gamma=None is 1/p, sklearn's default for pairwise_kernels."""
    X, Y = _data(rng)
    np.testing.assert_allclose(
        pairwise_kernel(X, Y, kernel), pairwise_kernels(X, Y, metric=kernel), rtol=1e-10
    )
    np.testing.assert_allclose(
        pairwise_kernel(X, Y, kernel), pairwise_kernel(X, Y, kernel, gamma=1 / X.shape[1])
    )


def test_defaults_match_sklearn_coef0_and_degree(rng):
    """poly with default degree=3, coef0=1 and sigmoid with coef0=1 match sklearn's defaults."""
    X, Y = _data(rng)
    for kernel in ("poly", "sigmoid"):
        np.testing.assert_allclose(
            pairwise_kernel(X, Y, kernel, gamma=0.2),
            pairwise_kernels(X, Y, metric=kernel, gamma=0.2),
            rtol=1e-10,
        )


@pytest.mark.parametrize("kernel", NAMED)
@pytest.mark.parametrize("with_y", [False, True])
def test_blocking_gives_identical_results(rng, kernel, with_y):
    """A tiny memory budget (one row per block) gives the same matrix as one big block."""
    X, Y = _data(rng, n=23, m=9)
    Yarg = Y if with_y else None
    big = pairwise_kernel(X, Yarg, kernel, gamma=0.4)
    tiny = pairwise_kernel(X, Yarg, kernel, gamma=0.4, max_memory_mb=1e-6)
    mid = pairwise_kernel(X, Yarg, kernel, gamma=0.4, max_memory_mb=0.0005)
    np.testing.assert_allclose(tiny, big, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(mid, big, rtol=1e-13, atol=1e-14)


def test_callable_kernel_in_blocks(rng):
    """A callable kernel(X_block, Y) is called per block and assembled."""
    X, Y = _data(rng, n=20, m=7)
    calls = []

    def linear(A, B):
        calls.append(A.shape[0])
        return A @ B.T

    K = pairwise_kernel(X, Y, linear, max_memory_mb=1e-4)
    np.testing.assert_allclose(K, X @ Y.T)
    assert len(calls) > 1 and sum(calls) == X.shape[0]


def test_callable_wrong_shape_raises(rng):
    X, _ = _data(rng)
    with pytest.raises(LinmlInputError, match=r"callable kernel returned shape \(17,\)"):
        pairwise_kernel(X, kernel=lambda A, B: A.sum(axis=1))


def test_rbf_is_symmetric_with_unit_diagonal_and_bounded(rng):
    """RBF: K = Kᵀ, K_ii = 1 exactly, 0 < K <= 1 (distances clipped at 0)."""
    X = rng.standard_normal((30, 4)) * 1e3 + 1e6  # large offsets stress the expansion
    K = pairwise_kernel(X, kernel="rbf", gamma=1e-7)
    np.testing.assert_array_equal(np.diag(K), 1.0)
    assert K.max() <= 1.0 and K.min() >= 0.0
    np.testing.assert_allclose(K, K.T, atol=1e-12)


@given(
    n=st.integers(1, 12),
    p=st.integers(1, 4),
    seed=st.integers(0, 2**16),
    gamma=st.floats(1e-3, 10.0),
)
def test_property_rbf_gram_is_psd(n, p, seed, gamma):
    """An RBF Gram matrix always passes the Mercer check (Bochner: a PSD kernel)."""
    X = np.random.default_rng(seed).standard_normal((n, p))
    result = mercer_check(pairwise_kernel(X, kernel="rbf", gamma=gamma))
    assert result.passed, str(result)
    assert result.max_eigenvalue <= n + 1e-9  # trace = n bounds the largest eigenvalue


@given(seed=st.integers(0, 2**16), n=st.integers(2, 10))
def test_property_poly_and_linear_gram_is_psd(seed, n):
    X = np.random.default_rng(seed).standard_normal((n, 3))
    for kernel in ("linear", "poly", "cosine"):
        assert mercer_check(pairwise_kernel(X, kernel=kernel, gamma=0.5)).passed


# ---------------------------------------------------------------------------- gamma
def test_resolve_gamma_scale_and_auto(rng):
    X = rng.standard_normal((40, 6)) * 3.0
    assert resolve_gamma("auto", X) == pytest.approx(1 / 6)
    assert resolve_gamma(None, X) == pytest.approx(1 / 6)
    assert resolve_gamma("scale", X) == pytest.approx(1 / (6 * X.var()))
    assert resolve_gamma(2, X) == 2.0
    assert resolve_gamma("scale", np.ones((5, 2))) == 0.5  # zero variance: 1/p, not inf


@pytest.mark.parametrize("bad", [0.0, -1.0, np.inf, np.nan, "huge", True])
def test_resolve_gamma_rejects_bad_values(bad):
    with pytest.raises(LinmlInputError, match=r"gamma=.* must be a finite number > 0"):
        resolve_gamma(bad, np.zeros((3, 2)))


def test_pairwise_kernel_rejects_bad_gamma(rng):
    X, _ = _data(rng)
    with pytest.raises(LinmlInputError, match="gamma=inf"):
        pairwise_kernel(X, kernel="rbf", gamma=np.inf)


# ---------------------------------------------------------------------------- bad input
def test_unknown_kernel():
    with pytest.raises(LinmlInputError, match="kernel='laplace' is not known"):
        pairwise_kernel(np.ones((2, 2)), kernel="laplace")


def test_feature_mismatch():
    with pytest.raises(LinmlInputError, match="X has 2 features but Y has 3"):
        pairwise_kernel(np.ones((2, 2)), np.ones((2, 3)))


def test_nan_is_reported_with_position():
    X = np.ones((3, 2))
    X[1, 1] = np.nan
    with pytest.raises(LinmlInputError, match="X contains NaN at row 1, column 1"):
        pairwise_kernel(X)


def test_bad_memory_budget():
    with pytest.raises(LinmlInputError, match="max_memory_mb=0"):
        pairwise_kernel(np.ones((2, 2)), max_memory_mb=0)


def test_kernels_constant_lists_named_kernels():
    assert set(KERNELS) == set(NAMED)


# ---------------------------------------------------------------------------- Mercer
def test_mercer_sigmoid_fails_with_eigenvalue_in_message(rng):
    """tanh(gamma xᵀy + coef0) with a negative offset is not PSD; the verdict says so."""
    X = rng.standard_normal((30, 3))
    result = mercer_check(pairwise_kernel(X, kernel="sigmoid", gamma=1.0, coef0=-2.0))
    assert isinstance(result, MercerResult)
    assert not result.passed
    assert result.min_eigenvalue < -result.tol
    assert "not positive semi-definite" in result.verdict
    assert f"{result.min_eigenvalue:.3g}" in str(result)


def test_mercer_matches_scipy_eigenvalues(rng):
    from scipy.linalg import eigh

    A = rng.standard_normal((8, 8))
    K = A + A.T
    expected = eigh(K, eigvals_only=True)
    result = mercer_check(K)
    assert result.min_eigenvalue == pytest.approx(expected[0])
    assert result.max_eigenvalue == pytest.approx(expected[-1])
    assert result.passed == (expected[0] >= -result.tol)


def test_mercer_tolerance_from_eps_and_explicit(rng):
    """Default tol = eps·n·max|λ|; a rank-deficient Gram matrix (λ≈0) passes."""
    X = rng.standard_normal((20, 2))
    K = X @ X.T  # rank 2: 18 eigenvalues are round-off around 0
    result = mercer_check(K)
    assert result.passed
    assert result.tol == pytest.approx(np.finfo(np.float64).eps * 20 * result.max_eigenvalue)
    assert not mercer_check(K - 1e-3 * np.eye(20), tol=1e-6).passed


def test_mercer_symmetrizes():
    """Only the symmetric part (K + Kᵀ)/2 counts: I + antisymmetric is PSD (eigvalsh on one
    triangle alone would see [[1, -5], [-5, 1]], eigenvalue -4)."""
    K = np.eye(2) + np.array([[0.0, 5.0], [-5.0, 0.0]])
    result = mercer_check(K)
    assert result.passed and result.min_eigenvalue == pytest.approx(1.0)


def test_mercer_rejects_non_square():
    with pytest.raises(LinmlInputError, match=r"K must be a square kernel matrix .* \(3, 2\)"):
        mercer_check(np.ones((3, 2)))


def test_mercer_rejects_bad_tol():
    with pytest.raises(LinmlInputError, match="tol=-1"):
        mercer_check(np.eye(2), tol=-1)


# ---------------------------------------------------------------------------- centering
def test_center_train_kernel_matches_formula_and_sklearn(rng):
    X = rng.standard_normal((15, 4))
    K = pairwise_kernel(X, kernel="rbf", gamma=0.3)
    n = K.shape[0]
    P = np.eye(n) - np.full((n, n), 1 / n)  # centering projector I − 1ₙ
    Kc = center_kernel(K)
    np.testing.assert_allclose(Kc, P @ K @ P, atol=1e-12)
    np.testing.assert_allclose(Kc, KernelCenterer().fit_transform(K), atol=1e-12)
    np.testing.assert_allclose(Kc.sum(axis=0), 0.0, atol=1e-12)


def test_center_test_kernel_matches_sklearn(rng):
    X, Y = _data(rng)
    K_fit = pairwise_kernel(X, kernel="poly", gamma=0.5)
    K_test = pairwise_kernel(Y, X, kernel="poly", gamma=0.5)
    expected = KernelCenterer().fit(K_fit).transform(K_test)
    np.testing.assert_allclose(center_kernel(K_test, K_fit.mean(axis=0)), expected, atol=1e-10)


def test_center_linear_kernel_is_gram_of_centered_data(rng):
    """Centering in feature space = centering the data, for the linear kernel (train and test)."""
    X, Y = _data(rng)
    mu = X.mean(axis=0)
    np.testing.assert_allclose(center_kernel(X @ X.T), (X - mu) @ (X - mu).T, atol=1e-12)
    np.testing.assert_allclose(
        center_kernel(Y @ X.T, (X @ X.T).mean(axis=0)), (Y - mu) @ (X - mu).T, atol=1e-12
    )


def test_center_kernel_bad_shapes():
    with pytest.raises(LinmlInputError, match="square training kernel"):
        center_kernel(np.ones((3, 2)))
    with pytest.raises(LinmlInputError, match=r"K_fit_rows must have shape \(2,\)"):
        center_kernel(np.ones((3, 2)), np.ones(3))


@pytest.mark.parametrize("scale", [1e300, 1e-310])
def test_rbf_scale_gamma_is_scale_invariant_at_float64_edges(scale):
    """Issue 17: rbf kernels of X·1e307 were NaN/inf; with gamma='scale' they equal k(X)."""
    X = np.random.default_rng(0).normal(size=(6, 3))
    K = pairwise_kernel(X * scale, kernel="rbf", gamma="scale")
    np.testing.assert_allclose(K, pairwise_kernel(X, kernel="rbf", gamma="scale"), atol=1e-9)


def test_linear_kernel_overflow_raises():
    """Issue 17: K = X Xᵀ overflowing returned inf entries without an error."""
    with pytest.raises(LinmlInputError, match=r"kernel values overflow float64; rescale X"):
        pairwise_kernel(np.full((2, 2), 1e200), kernel="linear")


def test_resolve_gamma_scale_unrepresentable_raises():
    """Issue 17: gamma='scale' silently became 0.0 for X·1e307."""
    X = np.random.default_rng(0).normal(size=(6, 3)) * 1e307
    with pytest.raises(LinmlInputError, match=r"gamma='scale'.*rescale X"):
        resolve_gamma("scale", X)


def safe_rbf_reference(X: np.ndarray, gamma: float) -> np.ndarray:
    """exp(−γ‖xᵢ − xⱼ‖²) in the log domain: SciPy's distances of X·2^(−e), then
    γD = exp(log γ + log Dₛ + 2e·log 2), which neither overflows nor underflows."""
    from scipy.spatial.distance import cdist

    e = int(np.frexp(np.abs(X).max())[1])
    Ds = cdist(np.ldexp(X, -e), np.ldexp(X, -e), "sqeuclidean")
    with np.errstate(divide="ignore", over="ignore"):
        return np.exp(-np.exp(np.log(gamma) + np.log(Ds) + 2 * e * np.log(2.0)))


#: (scale of X, gamma): a width matched to the scale (a kernel between 0 and 1), or not
RBF_EDGES = [
    pytest.param(1.0, 0.2, id="plain"),
    pytest.param(1.0, 1e308, id="huge-gamma"),
    pytest.param(1e-150, 2e299, id="x1e-150"),
    pytest.param(1e-160, 1e308, id="x1e-160"),  # γD ≈ 1e-12: 1 − γD, not 0
    pytest.param(1e155, 2e-311, id="x1e155"),
    pytest.param(1e160, 2e-321, id="x1e160-subnormal-gamma"),
    pytest.param(1e200, 1 / 3, id="x1e200-identity"),
    pytest.param(1e-170, 1 / 3, id="x1e-170-ones"),
]


@pytest.mark.parametrize(("scale", "gamma"), RBF_EDGES)
def test_rbf_fixed_gamma_at_float64_edges_matches_safe_reference(scale, gamma):
    """Issue 17: with a fixed gamma the rbf kernel is scale-dependent, but it is always in
    [0, 1]: computed on rescaled data it must equal exp(−γ‖x − y‖²) to 1e-12 — γ·Dₛ used to
    overflow to −inf (kernel 0) where γ·4^e·Dₛ is small (X·1e-160 with γ = 1e308)."""
    X = np.random.default_rng(0).normal(size=(25, 3)) * scale
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        K = pairwise_kernel(X, kernel="rbf", gamma=gamma)
    np.testing.assert_allclose(K, safe_rbf_reference(X, gamma), rtol=0, atol=1e-12)
