"""The numba coordinate-descent kernels against a pure-NumPy twin, mode by mode."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from linml.linear_model import _cd_kernels as K
from linml.linear_model._cd_solver import CDSolver, make_design


# ----------------------------------------------------------------------- NumPy twin
def numpy_epoch(Xc, y_c, beta, ws, l1, l2, positive):
    """One cyclic CD epoch on explicitly centered X (the readable reference)."""
    beta = beta.copy()
    r = y_c - Xc @ beta
    for j in ws:
        L = Xc[:, j] @ Xc[:, j]
        if L + l2 <= 0:
            continue
        z = Xc[:, j] @ r + L * beta[j]  # correlation with feature j's own part removed
        if positive:
            new = max(z - l1, 0.0) / (L + l2)
        else:
            new = np.sign(z) * max(abs(z) - l1, 0.0) / (L + l2)
        r -= (new - beta[j]) * Xc[:, j]
        beta[j] = new
    return beta, r


def numpy_anderson(hist):
    """c = z/Σz with (UUᵀ)z = 1, U the successive differences of the iterates."""
    U = np.diff(hist, axis=0)
    z = np.linalg.solve(U @ U.T, np.ones(U.shape[0]))
    return z / z.sum()


def _data(rng, n=40, p=12, offset=2.0):
    X = rng.standard_normal((n, p)) + offset
    y = X[:, :3] @ np.array([2.0, -1.0, 0.5]) + 0.3 * rng.standard_normal(n) + 1.0
    return X, y


def _solver(X, y, fit_intercept, precompute, beta0=None):
    y_c = y - y.mean() if fit_intercept else y.copy()
    design, xty = make_design(X, fit_intercept, precompute, y_c)
    return CDSolver(design, y_c, beta0, xty), y_c


MODES = [
    pytest.param("dense", False, id="dense"),
    pytest.param("sparse", False, id="sparse"),
    pytest.param("dense", True, id="gram"),
]


@pytest.mark.parametrize("kind,gram", MODES)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("positive", [False, True])
def test_epoch_matches_numpy_twin(rng, kind, gram, fit_intercept, positive):
    """One epoch of the compiled kernel equals the NumPy twin in every mode."""
    X, y = _data(rng)
    Xin = sp.csc_matrix(X * (rng.random(X.shape) < 0.5)) if kind == "sparse" else X
    Xd = Xin.toarray() if kind == "sparse" else Xin
    beta0 = rng.standard_normal(X.shape[1]) * 0.1
    solver, y_c = _solver(Xin, y, fit_intercept, gram, beta0)
    n = X.shape[0]
    l1, l2 = n * 0.05, n * 0.02
    ws = np.array([0, 3, 4, 7, 11], dtype=np.int64)
    K.inner_solve(
        *solver.d.kernel_args(),
        solver.q,
        solver.yy,
        solver.state,
        solver.ssum,
        solver.beta,
        ws,
        solver.d.norm2,
        l1,
        l2,
        positive,
        1,
        0.0,
        0,
    )
    Xc = Xd - Xd.mean(axis=0) if fit_intercept else Xd
    expected, r = numpy_epoch(Xc, y_c, beta0, ws, l1, l2, positive)
    np.testing.assert_allclose(solver.beta, expected, rtol=1e-12, atol=1e-12)
    if not gram:
        np.testing.assert_allclose(solver.residual(), r, rtol=1e-10, atol=1e-10)
    else:  # GRAM state is H = X̃ᵀX̃β
        np.testing.assert_allclose(solver.state, Xc.T @ (Xc @ expected), rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("kind,gram", MODES)
def test_gradient_and_column_stats_match_numpy(rng, kind, gram):
    """x̃_jᵀr from the kernels (implicit centering) equals X̃ᵀr from an explicit copy."""
    X, y = _data(rng)
    Xin = sp.csc_matrix(X * (rng.random(X.shape) < 0.4)) if kind == "sparse" else X
    Xd = Xin.toarray() if kind == "sparse" else Xin
    beta0 = rng.standard_normal(X.shape[1])
    solver, y_c = _solver(Xin, y, True, gram, beta0)
    Xc = Xd - Xd.mean(axis=0)
    np.testing.assert_allclose(solver.d.x_mean, Xd.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(solver.d.norm2, (Xc**2).sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(solver.xty, Xc.T @ y_c, rtol=1e-10, atol=1e-10)
    idx = np.arange(X.shape[1], dtype=np.int64)
    out = np.empty(X.shape[1])
    K.gradient(*solver.d.kernel_args(), solver.q, solver.state, solver.ssum, idx, out)
    np.testing.assert_allclose(out, Xc.T @ (y_c - Xc @ beta0), rtol=1e-9, atol=1e-9)


def test_dense_column_stats_keeps_precision_for_offset_columns():
    """Centered norms come from (x − μ)², not Σx² − nμ² (which would cancel to garbage)."""
    rng = np.random.default_rng(1)
    X = np.asfortranarray(1e8 + rng.standard_normal((200, 3)))
    design, _ = make_design(X, True, False, np.zeros(200))
    exact = ((X - X.mean(axis=0)) ** 2).sum(axis=0)
    np.testing.assert_allclose(design.norm2, exact, rtol=1e-6)


def test_anderson_weights_match_numpy(rng):
    """The hand-rolled K×K elimination gives numpy.linalg.solve's weights."""
    hist = np.cumsum(rng.standard_normal((6, 9)), axis=0)
    weights = np.empty(5)
    assert K._anderson_weights(hist, weights)
    np.testing.assert_allclose(weights, numpy_anderson(hist), rtol=1e-8)
    np.testing.assert_allclose(weights.sum(), 1.0)


def test_anderson_weights_refuse_singular_system():
    """Identical iterates (zero differences) give no extrapolation, not NaNs."""
    hist = np.ones((6, 4))
    assert not K._anderson_weights(hist, np.empty(5))


def test_anderson_weights_minimize_the_combined_difference():
    """c = argmin ‖Σc_k U_k‖ subject to Σc = 1: no worse than any single difference."""
    rng = np.random.default_rng(3)
    A = 0.9 * np.eye(8) + 0.05 * rng.standard_normal((8, 8))
    b = rng.standard_normal(8)
    x = np.zeros(8)
    hist = [x]
    for _ in range(5):
        x = A @ x + b
        hist.append(x)
    hist = np.array(hist)
    weights = np.empty(5)
    assert K._anderson_weights(hist, weights)
    U = np.diff(hist, axis=0)
    combined = np.linalg.norm(weights @ U)
    assert combined <= np.linalg.norm(U, axis=1).min() * (1 + 1e-10)
    # and perturbing the weights (keeping Σc = 1) never does better
    for k in range(5):
        e = np.full(5, -0.01 / 4)
        e[k] = 0.01
        assert np.linalg.norm((weights + e) @ U) >= combined * (1 - 1e-10)


def test_kkt_violation_is_zero_exactly_on_the_subdifferential():
    """_violation is the distance of u to ∂(l1|β|) (one-sided when positive)."""
    assert K._violation(1.0, 0.5, 1.0, False) == 0.0
    assert K._violation(-1.0, -2.0, 1.0, False) == 0.0
    assert K._violation(0.7, 0.0, 1.0, False) == 0.0
    assert K._violation(1.5, 0.0, 1.0, False) == pytest.approx(0.5)
    assert K._violation(-1.5, 0.0, 1.0, True) == 0.0  # positive: only u > l1 violates
    assert K._violation(1.25, 0.0, 1.0, True) == pytest.approx(0.25)
    assert K._violation(0.0, 1.0, 1.0, False) == pytest.approx(1.0)


def _chunked_solve(
    monkeypatch, X, y, chunk_work, *, anderson, positive, l2_frac, warm, precompute="auto"
):
    """Solve (twice, the second warm-started at a smaller α, as a path does) with the kernel
    returning every ``chunk_work`` units of work; (β, both results, compiled calls)."""
    from linml.linear_model import _cd_solver

    monkeypatch.setattr(_cd_solver, "CHUNK_WORK", chunk_work)
    calls = []
    outer = K.outer_solve

    def counted(*args):
        calls.append(1)
        return outer(*args)

    monkeypatch.setattr(K, "outer_solve", counted)
    y_c = y - y.mean()
    design, xty = make_design(X, True, precompute, y_c)
    solver = CDSolver(design, y_c, None, xty, anderson=anderson)
    n = X.shape[0]
    l1_max = np.abs(xty).max()
    results = []
    for frac in (10.0, 200.0)[: 2 if warm else 1]:
        l1 = (1.0 - l2_frac) * l1_max / frac
        l2 = l2_frac * l1_max / frac
        results.append(solver.solve(l1, l2, positive=positive, tol=1e-12, max_iter=20 * n))
    return solver.beta.copy(), results, len(calls)


@pytest.mark.parametrize("kind,gram", MODES)
@pytest.mark.parametrize("anderson", [5, 0])
@pytest.mark.parametrize("positive,l2_frac", [(False, 0.0), (True, 0.0), (False, 0.5)])
def test_chunked_outer_solve_is_bit_identical(monkeypatch, kind, gram, anderson, positive, l2_frac):
    """Issue 17.1: the CD kernel returns to Python every CHUNK_WORK units of work (so Ctrl-C
    works); cut into many small chunks it takes exactly the steps of one unbroken call —
    same β bit for bit, same epochs, outer iterations, gap and Anderson count."""
    rng = np.random.default_rng(5)
    n, p = (300, 40) if gram else (60, 150)
    X = rng.standard_normal((n, p)) + 0.5 * rng.standard_normal((n, 1))
    y = X[:, :6] @ rng.standard_normal(6) + 0.5 * rng.standard_normal(n)
    Xin = sp.csc_matrix(X * (rng.random(X.shape) < 0.5)) if kind == "sparse" else X
    whole = _chunked_solve(monkeypatch, Xin, y, 2**62, anderson=anderson, positive=positive,
                           l2_frac=l2_frac, warm=True, precompute=gram)  # fmt: skip
    # 100 units: less than one epoch on the working set, so cuts fall inside inner solves
    cut = _chunked_solve(monkeypatch, Xin, y, 100, anderson=anderson, positive=positive,
                         l2_frac=l2_frac, warm=True, precompute=gram)  # fmt: skip
    assert whole[2] == 2  # one compiled call per solve
    assert cut[2] > whole[2] + 2  # the small budget really cut the solves
    np.testing.assert_array_equal(cut[0], whole[0])
    assert cut[1] == whole[1]  # SolveResult: gap, n_iter, converged, screened, ws, outer, anderson


def _tall_correlated(n=2000, p=100, rho=0.95, seed=0):
    """A tall AR(1)-correlated design: many epochs at small α, where G pays for itself."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    X = np.empty((n, p))
    X[:, 0] = Z[:, 0]
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * Z[:, j]
    y = X[:, ::7] @ rng.standard_normal(len(range(0, p, 7))) + 0.5 * rng.standard_normal(n)
    return X, y


def _objective(X, y_c, beta, l1):
    Xc = X - X.mean(axis=0)
    r = y_c - Xc @ beta
    return 0.5 * r @ r + l1 * np.abs(beta).sum()


def test_lazy_gram_switches_on_a_hard_tall_problem_and_agrees():
    """precompute="auto": a hard tall fit starts on X, builds G once its CD work reaches
    n·p²/16 units, and ends where the all-X and all-G solves end (objective to 1e-12)."""
    X, y = _tall_correlated()
    y_c = y - y.mean()
    answers = {}
    for pre in (False, True, "auto"):
        design, xty = make_design(X, True, pre, y_c)
        if pre == "auto":
            assert design.mode == K.DENSE and design.gram_budget == 2000 * 100 * 100 // 16
        solver = CDSolver(design, y_c, None, xty)
        res = solver.solve(np.abs(xty).max() / 3000, 0.0, positive=False, tol=1e-12, max_iter=10**5)
        assert res.converged
        answers[pre] = (design.mode, solver.beta.copy(), res)
    assert answers["auto"][0] == K.GRAM  # it switched
    assert answers["auto"][2].n_iter > answers[True][2].n_iter / 2  # epochs of both parts
    l1 = np.abs(X.T @ y_c - X.mean(0) * y_c.sum()).max() / 3000
    objs = {k: _objective(X, y_c, v[1], l1) for k, v in answers.items()}
    assert abs(objs["auto"] - objs[True]) <= 1e-12 * objs[True]
    assert abs(objs["auto"] - objs[False]) <= 1e-12 * objs[False]


def test_lazy_gram_stays_on_x_when_the_fit_is_easy():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((3000, 200))
    y = X[:, :3] @ np.array([3.0, -2.0, 1.0]) + rng.standard_normal(3000)
    y_c = y - y.mean()
    design, xty = make_design(X, True, "auto", y_c)
    solver = CDSolver(design, y_c, None, xty)
    res = solver.solve(np.abs(xty).max() / 5, 0.0, positive=False, tol=1e-10, max_iter=1000)
    assert res.converged and design.mode == K.DENSE
    assert 0 < design.dense_work < design.gram_budget


def test_a_solver_sharing_a_design_follows_its_switch():
    """Two targets on one lazy design: the first switches it to G; the second solver, made
    before the switch, carries its β over as H = Gβ and reaches the same answer as alone."""
    X, y = _tall_correlated(seed=2)
    y2 = X[:, 1::5] @ np.ones(len(range(1, 100, 5))) + np.random.default_rng(3).standard_normal(
        2000
    )
    y_c, y2_c = y - y.mean(), y2 - y2.mean()
    design, xty = make_design(X, True, "auto", y_c)
    first = CDSolver(design, y_c, None, xty)
    second = CDSolver(design, y2_c, None, None)
    first.solve(np.abs(xty).max() / 3000, 0.0, positive=False, tol=1e-12, max_iter=10**5)
    assert design.mode == K.GRAM
    l1 = np.abs(second.xty).max() / 3000
    res = second.solve(l1, 0.0, positive=False, tol=1e-12, max_iter=10**5)
    alone_design, alone_xty = make_design(X, True, False, y2_c)
    alone = CDSolver(alone_design, y2_c, None, alone_xty)
    alone.solve(l1, 0.0, positive=False, tol=1e-12, max_iter=10**5)
    assert res.converged
    o1, o2 = _objective(X, y2_c, second.beta, l1), _objective(X, y2_c, alone.beta, l1)
    assert abs(o1 - o2) <= 1e-12 * o2
