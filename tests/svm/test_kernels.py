"""The compiled SMO (linml.svm._kernels) against a readable dense NumPy twin, and its invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linml.linalg.kernels import pairwise_kernel
from linml.svm import _kernels

TAU = 1e-12


def smo_reference(K, y, C, tol=1e-3, max_iter=100_000):
    """Dense SMO with WSS2 (Fan, Chen & Lin 2005), no shrinking, no cache: the oracle.

    Q = y yᵀ ∘ K, rounded through float32 as the compiled cache stores it.
    Returns (alpha, rho, n_iter).
    """
    n = y.size
    K32 = K.astype(np.float32).astype(np.float64)  # the compiled cache holds Q in float32
    Q = np.outer(y, y) * K32
    QD = np.diag(K).copy()
    alpha = np.zeros(n)
    G = -np.ones(n)
    n_iter = 0
    while n_iter < max_iter:
        up = ((y > 0) & (alpha < C)) | ((y < 0) & (alpha > 0))  # I_up
        low = ((y > 0) & (alpha > 0)) | ((y < 0) & (alpha < C))  # I_low
        minus_yG = -y * G
        if not up.any() or not low.any():
            break
        # i = argmax_{I_up} −y G (ties → the last index, as the compiled loop uses >=)
        cand_i = np.flatnonzero(up)
        i = cand_i[np.flatnonzero(minus_yG[cand_i] == minus_yG[cand_i].max())[-1]]
        m = minus_yG[i]
        if m - minus_yG[low].min() < tol:  # m(α) − M(α) < tol: optimal
            break
        b = m - minus_yG
        a = QD[i] + QD - 2.0 * K32[i]  # curvature K_ii + K_tt − 2K_it along each direction
        a = np.where(a > 0, a, TAU)
        cand = low & (b > 0)
        if not cand.any():
            break
        obj = np.where(cand, -(b * b) / a, np.inf)
        j = np.flatnonzero(obj == obj.min())[-1]
        # closed-form two-variable step along (y_i, −y_j), clipped to the box
        quad = QD[i] + QD[j] - 2.0 * K32[i, j]
        quad = quad if quad > 0 else TAU
        # step t in "y α" units: unconstrained b/a, or the first box wall α_i or α_j meets
        limits = [
            (m - minus_yG[j]) / quad,
            C[i] - alpha[i] if y[i] > 0 else alpha[i],
            alpha[j] if y[j] > 0 else C[j] - alpha[j],
        ]
        wall = int(np.argmin(limits))
        t = limits[wall]
        old_i, old_j = alpha[i], alpha[j]
        alpha[i] += y[i] * t
        alpha[j] -= y[j] * t
        if wall == 1:  # land exactly on the wall (as the compiled clip does)
            alpha[i] = C[i] if y[i] > 0 else 0.0
        if wall == 2:
            alpha[j] = 0.0 if y[j] > 0 else C[j]
        d_i, d_j = alpha[i] - old_i, alpha[j] - old_j
        G += Q[:, i] * d_i + Q[:, j] * d_j
        n_iter += 1
    free = (alpha > 0) & (alpha < C)
    yG = y * G
    if free.any():
        rho = yG[free].mean()
    else:
        ub = np.min(np.r_[yG[((y > 0) & (alpha <= 0)) | ((y < 0) & (alpha >= C))], np.inf])
        lb = np.max(np.r_[yG[((y > 0) & (alpha >= C)) | ((y < 0) & (alpha <= 0))], -np.inf])
        rho = (ub + lb) / 2
    return alpha, rho, n_iter


def _solve(X, y, C, kernel="rbf", gamma=0.5, shrinking=True, n_slots=64, tol=1e-3, max_iter=-1):
    n = y.size
    if kernel == "precomputed":
        K = pairwise_kernel(X, kernel="rbf", gamma=gamma)
        return _kernels.smo_solve(
            np.empty((n, 0)), np.zeros(n), K, np.arange(n), y.copy(), C.copy(),
            _kernels.PRECOMPUTED, gamma, 0.0, 3.0, tol, shrinking, max_iter, n_slots,
        )  # fmt: skip
    Xc = np.ascontiguousarray(X, dtype=np.float64).copy()
    return _kernels.smo_solve(
        Xc, np.einsum("ij,ij->i", Xc, Xc), np.zeros((1, 1)), np.arange(n), y.copy(), C.copy(),
        _kernels.KERNEL_IDS[kernel], gamma, 1.0, 3.0, tol, shrinking, max_iter, n_slots,
    )  # fmt: skip


def _problem(seed, n=60, p=3, overlap=1.0):
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    X = rng.standard_normal((n, p)) * overlap + y[:, None] * 0.8
    return X, y


def _kkt_violation(K, y, alpha, rho, C):
    """max over samples of the violated KKT condition y f(x) ≥ 1 (α=0), = 1 (free), ≤ 1 (α=C)."""
    f = K @ (alpha * y) - rho
    yf = y * f
    at_low = alpha <= 0
    at_up = alpha >= C
    free = ~at_low & ~at_up
    viol = np.zeros_like(yf)
    viol[at_low] = np.maximum(0, 1 - yf[at_low])
    viol[at_up] = np.maximum(0, yf[at_up] - 1)
    viol[free] = np.abs(yf[free] - 1)
    return viol.max()


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kernel", ["rbf", "linear", "poly"])
def test_matches_numpy_reference_without_shrinking(seed, kernel):
    """No shrinking: the compiled SMO takes the reference's steps → same α, ρ, iterations."""
    X, y = _problem(seed)
    C = np.full(y.size, 1.0)
    K = pairwise_kernel(X, kernel=kernel, gamma=0.5, coef0=1.0, degree=3)
    alpha_ref, rho_ref, it_ref = smo_reference(K, y, C)
    alpha, rho, n_iter, n_evals, status = _solve(X, y, C, kernel, shrinking=False)
    assert status == 0
    np.testing.assert_allclose(alpha, alpha_ref, atol=1e-6)
    assert rho == pytest.approx(rho_ref, abs=1e-6)
    assert n_iter == it_ref
    assert n_evals > 0


@pytest.mark.parametrize("seed", [0, 3])
def test_shrinking_and_tiny_cache_give_the_same_solution(seed):
    """Shrinking changes the path, not the answer (within tol); cache size changes nothing."""
    X, y = _problem(seed, n=120)
    C = np.full(y.size, 2.0)
    K = pairwise_kernel(X, kernel="rbf", gamma=0.5)
    a0, r0, *_ = _solve(X, y, C, shrinking=False, n_slots=500)
    a1, r1, it1, ev1, _ = _solve(X, y, C, shrinking=True, n_slots=500)
    a2, r2, it2, ev2, _ = _solve(X, y, C, shrinking=True, n_slots=2)
    np.testing.assert_array_equal(a1, a2)  # the cache is invisible in the result
    assert r1 == r2 and it1 == it2
    assert ev2 >= ev1  # … but a tiny cache recomputes rows
    f0 = K @ (a0 * y) - r0
    f1 = K @ (a1 * y) - r1
    np.testing.assert_allclose(f1, f0, atol=1e-2)


def test_precomputed_path_equals_feature_path():
    X, y = _problem(5)
    C = np.ones(y.size)
    a, r, it, *_ = _solve(X, y, C, "rbf")
    b, s, it2, *_ = _solve(X, y, C, "precomputed")
    np.testing.assert_allclose(a, b, atol=1e-10)
    assert r == pytest.approx(s) and it == it2


@given(seed=st.integers(0, 2**16), C=st.floats(0.05, 20.0), overlap=st.floats(0.2, 3.0))
def test_property_feasibility_and_kkt(seed, C, overlap):
    """At the solution: 0 ≤ α ≤ C, Σ α y = 0, and every KKT condition holds to ~tol."""
    X, y = _problem(seed, n=40, overlap=overlap)
    if np.unique(y).size < 2:
        y[0] = -y[0]
    Cv = np.full(y.size, C)
    alpha, rho, _, _, status = _solve(X, y, Cv, tol=1e-4)
    K = pairwise_kernel(X, kernel="rbf", gamma=0.5)
    assert status == 0
    assert np.all(alpha >= 0) and np.all(alpha <= Cv)
    assert abs(alpha @ y) <= 1e-10 * max(1.0, C * y.size)
    # the stopping rule bounds m(α) − M(α) < tol, so each condition holds within tol (+ float32 Q)
    assert _kkt_violation(K, y, alpha, rho, Cv) < 1e-3


def test_indefinite_kernel_terminates():
    """A sigmoid kernel (not PSD) still stops: non-positive curvature is replaced by TAU."""
    X, y = _problem(1, n=80)
    n = y.size
    Xc = X.copy()
    alpha, rho, _, _, status = _kernels.smo_solve(
        Xc, np.einsum("ij,ij->i", X, X), np.zeros((1, 1)), np.arange(n), y.copy(),
        np.ones(n), _kernels.SIGMOID, 2.0, -1.0, 3.0, 1e-3, True, 100_000, 16,
    )  # fmt: skip
    assert status == 0 and np.isfinite(rho)
    assert np.all((alpha >= 0) & (alpha <= 1.0))


def test_max_iter_reports_status():
    X, y = _problem(2, n=100, overlap=3.0)
    *_, n_iter, _, status = _solve(X, y, np.ones(y.size), max_iter=3)
    assert n_iter == 3 and status == 1


def test_per_sample_bounds_are_respected():
    X, y = _problem(4)
    C = np.where(y > 0, 0.1, 5.0)
    alpha, *_ = _solve(X, y, C)
    assert np.all(alpha <= C) and np.any(alpha == 0.1)


def test_exp_nonpositive_matches_libm():
    """The vectorizable e^x used for RBF rows: relative error < 3e-9 on [−745, 0], 0 below."""
    from linml.svm._kernels import _exp_nonpositive

    x = np.concatenate([-np.logspace(-12, np.log10(745.0), 4000), [0.0, -1e-300]])
    got = np.array([_exp_nonpositive(v) for v in x])
    np.testing.assert_allclose(got, np.exp(x), rtol=3e-9, atol=0)
    assert _exp_nonpositive(-746.0) == 0.0
    assert _exp_nonpositive(-1e6) == 0.0


def _chunked(X, y, C, kernel, shrinking, n_slots, max_work, gamma=0.5):
    """Drive smo_init / smo_run / smo_finish as SVC does, pausing every ``max_work`` units."""
    n = y.size
    Xc = np.ascontiguousarray(X, dtype=np.float64).copy()
    x_sq = np.einsum("ij,ij->i", Xc, Xc)
    k = (Xc, x_sq, np.zeros((1, 1)), np.arange(n), _kernels.KERNEL_IDS[kernel], gamma, 1.0, 3.0)
    y_t, C_t = y.copy(), C.copy()
    state = _kernels.smo_init(k, y_t, n_slots)
    n_calls, code = 0, _kernels.PAUSED
    while code == _kernels.PAUSED:
        code = _kernels.smo_run(k, y_t, C_t, 1e-3, shrinking, -1, max_work, state)
        n_calls += 1
    out = _kernels.smo_finish(k, y_t, state)
    return (*out, code), n_calls


@pytest.mark.parametrize("max_work", [1, 97, 10_000])
@pytest.mark.parametrize("shrinking", [True, False])
@pytest.mark.parametrize("kernel", ["rbf", "linear"])
def test_chunked_run_equals_unbroken_run(kernel, shrinking, max_work):
    """Issue 17.1: SVC runs SMO in chunks (so Ctrl-C works); every scalar of the loop lives in
    the state arrays, so pausing after any iteration changes nothing — exactly."""
    X, y = _problem(3, n=80, overlap=1.5)
    C = np.full(y.size, 10.0)
    ref = _solve(X, y, C, kernel, shrinking=shrinking, n_slots=7)  # small cache: evictions
    got, n_calls = _chunked(X, y, C, kernel, shrinking, 7, max_work)
    assert n_calls > 1 if max_work < 10_000 else n_calls >= 1
    np.testing.assert_array_equal(got[0], ref[0])  # α, bit for bit
    assert got[1:] == ref[1:]  # ρ, iterations, kernel evaluations, status
