"""Sparse linear models: linml's Lasso against scikit-learn and skglm, same gap tolerance.

(g) The grid (issue 19): one Lasso fit with intercept per cell, over five shapes — tall
    5000×500 and 20000×200, square 2000×2000, wide 500×5000 and 1000×10000 — two designs
    (independent Gaussian columns; AR(1)-correlated columns, ρ = 0.7) and three penalties
    α_max/5, /20, /100: 30 cells. Each cell times linml, scikit-learn and skglm interleaved
    (A B C A B C …, 5 rounds after a warm-up) and reports the per-round ratio's median
    (min–max).
(b) a 50-α warm-started path on the dense 1000×10000 problem, α_max → α_max/20 (centered
    data, no intercept, as scikit-learn's ``lasso_path`` expects);
(c) sparse 20000×50000 text-like TF-IDF (Zipf word counts of generated documents →
    ``TfidfTransformer``), one Lasso fit with intercept at α = α_max/20.

Stopping rule: linml and scikit-learn both stop when the duality gap is ≤ tol·‖y_c‖²/n
(same ``tol``). skglm stops on a KKT-violation bound instead, so its ``tol`` is tightened
(×0.1 steps, untimed calibration) until the duality gap of its solution — computed here by
one common function — is below the same bound. Quality check: every solver's gap is below
the bound and objectives agree with linml's to a relative 1e-8. BLAS is limited to 1 thread
(threadpoolctl) so every solver runs single-threaded (numba kernels and the Cython loops
are single-threaded).

Run: .venv/bin/python benchmarks/sparse_linear.py [--quick]
"""

from __future__ import annotations

import statistics
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    blas_summary,
    fmt_ratio,
    interleaved,
    markdown_table,
    quick,
    ratio_stats,
    record,
    summary_line,
)
from threadpoolctl import threadpool_limits

from linml.linear_model import Lasso, lasso_path

TOL = 1e-8
SEED = 0


def duality_gap(X, y, coef, intercept, alpha, fit_intercept):
    """(objective, gap) of the Lasso in scikit-learn's 1/n scaling, for any solution."""
    n = X.shape[0]
    r = y - np.asarray(X @ coef).ravel() - intercept
    y_c = y - y.mean() if fit_intercept else y
    rc = r - r.mean() if fit_intercept else r  # the dual point must sum to 0 with intercept
    g = np.asarray(X.T @ rc).ravel()
    s = min(1.0, n * alpha / max(np.abs(g).max(), 1e-300))
    primal = 0.5 * r @ r + n * alpha * np.abs(coef).sum()
    dual = s * rc @ y_c - 0.5 * s * s * rc @ rc
    return primal / n, (primal - dual) / n


def gap_bound(y, fit_intercept):
    y_c = y - y.mean() if fit_intercept else y
    return TOL * (y_c @ y_c) / y.shape[0]


def dense_problem(n=1000, p=10000, rho=0.0, seed=SEED):
    """y = Xβ + noise with max(20, p/50)… true features; AR(1) columns when rho > 0."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if rho:
        # x_j = ρ·x_{j−1} + √(1−ρ²)·z_j: unit variance, corr(x_j, x_k) = ρ^|j−k|
        for j in range(1, p):
            X[:, j] = rho * X[:, j - 1] + np.sqrt(1.0 - rho * rho) * X[:, j]
    X = np.asfortranarray(X)
    k = 20 if p >= 1000 else 10
    beta = np.zeros(p)
    beta[rng.choice(p, k, replace=False)] = rng.standard_normal(k) * 2
    y = X @ beta + 0.5 * rng.standard_normal(n)
    return X, y


def text_problem():
    """TF-IDF of 20000 generated documents over a 50000-word Zipf vocabulary."""
    from sklearn.feature_extraction.text import TfidfTransformer

    rng = np.random.default_rng(SEED + 1)
    n_docs, vocab = 20000, 50000
    ranks = np.arange(1, vocab + 1)
    prob = 1.0 / (ranks + 2.7) ** 1.07  # Zipf–Mandelbrot word frequencies
    prob /= prob.sum()
    lengths = rng.poisson(80, n_docs) + 5
    words = rng.choice(vocab, size=int(lengths.sum()), p=prob)
    docs = np.repeat(np.arange(n_docs), lengths)
    counts = sp.csr_matrix(
        (np.ones(words.size), (docs, words)), shape=(n_docs, vocab)
    )  # duplicates summed: word counts
    X = TfidfTransformer().fit_transform(counts).tocsc()
    beta = np.zeros(vocab)
    informative = rng.choice(np.arange(50, 5000), 40, replace=False)
    beta[informative] = rng.standard_normal(40) * 10
    signal = np.asarray(X @ beta).ravel()
    y = signal + 0.3 * signal.std() * rng.standard_normal(n_docs) + 1.0
    return X, y


def alpha_max(X, y, fit_intercept):
    y_c = y - y.mean() if fit_intercept else y
    g = np.asarray(X.T @ y_c).ravel()
    if fit_intercept:
        mean = np.asarray(X.mean(axis=0)).ravel()
        g -= mean * y_c.sum()
    return np.abs(g).max() / X.shape[0]


def calibrated_skglm(make, X, y, alpha, fit_intercept, bound):
    """A skglm Lasso whose KKT tolerance is tightened until its duality gap ≤ bound."""
    tol = TOL
    for _ in range(8):
        model = make(tol).fit(X, y)
        _, gap = duality_gap(X, y, model.coef_, model.intercept_, alpha, fit_intercept)
        if gap <= bound:
            return tol
        tol *= 0.1
    return tol


def lasso_fits(X, y, alpha, fit_intercept=True):
    """The three solvers as callables on (X, y, α), skglm's tolerance calibrated (untimed)."""
    from sklearn.linear_model import Lasso as SkLasso

    fits = {
        "linml": lambda: Lasso(alpha=alpha, tol=TOL, max_iter=100000).fit(X, y),
        "scikit-learn": lambda: SkLasso(alpha=alpha, tol=TOL, max_iter=100000).fit(X, y),
    }
    try:
        from skglm import Lasso as SkglmLasso

        def make(t):
            return SkglmLasso(alpha=alpha, tol=t, fit_intercept=fit_intercept)

        tol_skglm = calibrated_skglm(make, X, y, alpha, fit_intercept, gap_bound(y, True))
        fits["skglm"] = lambda: make(tol_skglm).fit(X, y)
    except ImportError:  # pragma: no cover - skglm is in the bench extra
        pass
    return fits


def quality(X, y, results, alpha, bound, fit_intercept=True):
    """(all gaps ≤ bound, worst objective rel. difference to linml) over the solvers."""
    objs, ok = {}, True
    for peer, model in results.items():
        obj, gap = duality_gap(X, y, model.coef_, model.intercept_, alpha, fit_intercept)
        objs[peer] = obj
        ok &= gap <= bound
    worst = max(abs(o - objs["linml"]) / abs(objs["linml"]) for o in objs.values())
    return ok, worst


def grid_case(shape, rho, divisor, repeat):
    """One grid cell: (table row, sklearn ratio median and max, skglm ratio median or None)."""
    n, p = shape
    X, y = dense_problem(n, p, rho, seed=SEED + n + p)
    alpha = alpha_max(X, y, True) / divisor
    fits = lasso_fits(X, y, alpha)
    times, results = interleaved(fits, repeat=repeat)
    ok, worst = quality(X, y, results, alpha, gap_bound(y, True))
    sk = ratio_stats(times["linml"], times["scikit-learn"])
    gl = ratio_stats(times["linml"], times["skglm"]) if "skglm" in times else None
    row = [
        f"{n}×{p}",
        "independent" if not rho else f"AR(1) ρ={rho}",
        f"α_max/{divisor}",
        int(np.count_nonzero(results["linml"].coef_)),
        f"{statistics.median(times['linml']) * 1e3:.1f}",
        f"{statistics.median(times['scikit-learn']) * 1e3:.1f}",
        fmt_ratio(sk),
        "–" if gl is None else fmt_ratio(gl),
        "yes" if ok else "NO",
        f"{worst:.0e}",
    ]
    return row, sk[1], sk[2], None if gl is None else gl[1]


def single_fit_case(name, X, y, alpha, rows, repeat):
    fits = lasso_fits(X, y, alpha)
    times, results = interleaved(fits, repeat=repeat)
    bound = gap_bound(y, True)
    ok, worst = quality(X, y, results, alpha, bound)
    report(name, times, results, ok, worst, rows)


def report(name, times, results, ok, worst, rows):
    for peer, ts in times.items():
        rows.append(
            [
                name,
                peer,
                f"{statistics.median(ts) * 1e3:.1f}",
                fmt_ratio(ratio_stats(times["linml"], ts)) if peer != "linml" else "1",
                "yes" if ok else "NO",
                f"{worst:.0e}",
            ]
        )


class _Coefs:
    """A path's last column as a fitted-model look-alike (coef_, intercept_) for quality()."""

    def __init__(self, coefs):
        self.coefs = coefs
        self.coef_ = coefs[:, -1]
        self.intercept_ = 0.0


def path_case(X, y, rows, repeat):
    from sklearn.linear_model import lasso_path as sk_lasso_path

    Xc = np.asfortranarray(X - X.mean(axis=0))
    yc = y - y.mean()
    amax = alpha_max(Xc, yc, False)
    alphas = np.geomspace(amax, amax / 20, 50)
    bound = gap_bound(yc, False)
    fits = {
        "linml": lambda: _Coefs(lasso_path(Xc, yc, alphas=alphas, tol=TOL, max_iter=100000).coefs),
        "scikit-learn": lambda: _Coefs(
            sk_lasso_path(Xc, yc, alphas=alphas, tol=TOL, max_iter=100000)[1]
        ),
    }
    try:
        from skglm import Lasso as SkglmLasso

        def make(t):
            return SkglmLasso(alpha=alphas[-1], tol=t, fit_intercept=False)

        # calibrate on the hardest (smallest) alpha of the path
        tol_skglm = calibrated_skglm(make, Xc, yc, alphas[-1], False, bound)
        fits["skglm"] = lambda: _Coefs(make(tol_skglm).path(Xc, yc, alphas)[1])
    except ImportError:  # pragma: no cover
        pass
    times, results = interleaved(fits, repeat=repeat)
    # every α of the path must meet the bound; objectives compared at the last α
    ok = all(
        duality_gap(Xc, yc, r.coefs[:, i], 0.0, a, False)[1] <= bound
        for r in results.values()
        for i, a in enumerate(alphas)
    )
    _, worst = quality(Xc, yc, results, alphas[-1], bound, fit_intercept=False)
    report(f"(b) path, 50 alphas, {X.shape[0]}×{X.shape[1]}", times, results, ok, worst, rows)


SHAPES = [(5000, 500), (20000, 200), (2000, 2000), (500, 5000), (1000, 10000)]
QUICK_SHAPES = [(2000, 200), (5000, 100), (800, 800), (200, 2000), (400, 4000)]


def main() -> None:
    warnings.simplefilter("ignore", category=FutureWarning)
    is_quick = quick()
    repeat = 3 if is_quick else 5
    grid_rows, rows = [], []
    sk_medians, sk_worst, gl_worst = [], [], []
    with threadpool_limits(limits=1):
        for shape in QUICK_SHAPES if is_quick else SHAPES:
            for rho in (0.0, 0.7):
                for divisor in (5, 20, 100):
                    row, sk_med, sk_max, gl_max = grid_case(shape, rho, divisor, repeat)
                    print(" | ".join(map(str, row)), flush=True)
                    grid_rows.append(row)
                    sk_medians.append(sk_med)
                    sk_worst.append(sk_max)
                    if gl_max is not None:
                        gl_worst.append(gl_max)
        X, y = dense_problem(*((400, 4000) if is_quick else (1000, 10000)))
        name = f"(a) dense {X.shape[0]}×{X.shape[1]}, α_max/20"
        single_fit_case(name, X, y, alpha_max(X, y, True) / 20, rows, repeat)
        path_case(X, y, rows, repeat)
        del X
        if not is_quick:
            Xs, ys = text_problem()
            single_fit_case(
                f"(c) TF-IDF 20000×50000 ({Xs.nnz} nnz), α_max/20",
                Xs,
                ys,
                alpha_max(Xs, ys, True) / 20,
                rows,
                repeat,
            )
        grid_header = [
            "shape",
            "design",
            "α",
            "nonzeros",
            "linml (ms)",
            "scikit-learn (ms)",
            "linml / scikit-learn",
            "linml / skglm",
            "gaps ≤ bound",
            "obj. rel. diff",
        ]
        header = [
            "problem",
            "solver",
            "time (ms, median)",
            "linml / solver",
            "gaps ≤ bound",
            "obj. rel. diff",
        ]
        med = statistics.median(sk_medians)
        worst = max(sk_medians)
        summary = (
            f"Grid, {len(sk_medians)} cells: linml / scikit-learn median over cells "
            f"**{med:.2f}** (target ≤ 0.5: {'met' if med <= 0.5 else 'not met'}), worst cell "
            f"**{worst:.2f}** (target ≤ 1.0: {'met' if worst <= 1.0 else 'not met'}; the "
            f"slowest single round of any cell {max(sk_worst):.2f}); linml / skglm worst cell "
            f"**{max(gl_worst) if gl_worst else float('nan'):.2f}** (target ≤ 1.0 in every "
            f"cell: {'met' if gl_worst and max(gl_worst) <= 1.0 else 'not met'})."
        )
        grid_table = markdown_table(grid_header, grid_rows)
        table = markdown_table(header, rows)
        cells = {f"{r[0]}, {r[1]}, {r[2]}": m for r, m in zip(grid_rows, sk_medians, strict=True)}
        line = summary_line(
            f"Lasso CD, {len(cells)}-cell grid", "scikit-learn", cells, "median ≤ 0.5, cell ≤ 1.0"
        )
        print(blas_summary())  # inside the limit: the thread counts the timings ran with
        print(grid_table)
        print(table)
        print(summary)
        body = (
            "Lasso by coordinate descent, single-threaded (BLAS limited to 1 thread with "
            "threadpoolctl on every side; numba kernels and scikit-learn's Cython loops are "
            "single-threaded). Grid: intercept fitted, y = Xβ + 0.5·noise with 10–20 true "
            "features; designs independent N(0,1) columns or AR(1) columns with ρ = 0.7 "
            "(corr(x_j, x_k) = ρ^|j−k|). Stopping: duality gap ≤ tol·‖y_c‖²/n with tol = "
            f"{TOL:g} for linml and scikit-learn; skglm's KKT tolerance is tightened until its "
            "gap (computed by the same function) meets the same bound. Solvers interleaved "
            f"(A B C …), {repeat} rounds after a warm-up (numba compile excluded); ratios are "
            "per-round linml / peer, median (min–max); < 1 means linml is faster."
            + (" **Quick run (reduced sizes).**" if is_quick else "")
            + "\n\n"
            + summary
            + "\n\n"
            + grid_table
            + "\n\n(a) dense 1000×10000, 20 true features; (b) its 50-α path α_max → "
            "α_max/20 (centered, no intercept); (c) TF-IDF of 20000 generated Zipf documents "
            "over 50000 words, 40 true features.\n\n" + table + "\n\n" + line
        )
        if not is_quick:
            record("sparse_linear", "Sparse linear models (Lasso: grid, path, TF-IDF)", body)


if __name__ == "__main__":
    main()
