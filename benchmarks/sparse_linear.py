"""Sparse linear models: linml's Lasso against scikit-learn and skglm, same gap tolerance.

Three problems, timed in one process on the same data (best of 3 after a warm-up):

(a) dense 1000×10000, 20 true features, one Lasso fit at α = α_max/20;
(b) a 50-α warm-started path on the same data, α_max → α_max/20 (centered data, no
    intercept, as scikit-learn's ``lasso_path`` expects);
(c) sparse 20000×50000 text-like TF-IDF (Zipf word counts of generated documents →
    ``TfidfTransformer``), one Lasso fit with intercept at α = α_max/20.

Stopping rule: linml and scikit-learn both stop when the duality gap is ≤ tol·‖y_c‖²/n
(same ``tol``). skglm stops on a KKT-violation bound instead, so its ``tol`` is tightened
(×0.1 steps, untimed calibration) until the duality gap of its solution — computed here by
one common function — is below the same bound. Quality check: objective values agree to
a relative 1e-6 and supports match. BLAS is limited to 1 thread (threadpoolctl) so every
solver runs single-threaded (numba kernels and the Cython loops are single-threaded).

Run: .venv/bin/python benchmarks/sparse_linear.py
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import best_time, blas_summary, markdown_table, record
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


def dense_problem():
    rng = np.random.default_rng(SEED)
    n, p = 1000, 10000
    X = np.asfortranarray(rng.standard_normal((n, p)))
    beta = np.zeros(p)
    beta[rng.choice(p, 20, replace=False)] = rng.standard_normal(20) * 2
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


def single_fit_case(name, X, y, alpha, rows):
    from sklearn.linear_model import Lasso as SkLasso

    bound = gap_bound(y, True)
    fits = {
        "linml": lambda: Lasso(alpha=alpha, tol=TOL, max_iter=100000).fit(X, y),
        "scikit-learn": lambda: SkLasso(alpha=alpha, tol=TOL, max_iter=100000).fit(X, y),
    }
    try:
        from skglm import Lasso as SkglmLasso

        def make(t):
            return SkglmLasso(alpha=alpha, tol=t, fit_intercept=True)

        tol_skglm = calibrated_skglm(make, X, y, alpha, True, bound)
        fits["skglm"] = lambda: make(tol_skglm).fit(X, y)
    except ImportError:  # pragma: no cover - skglm is in the bench extra
        pass
    results = {}
    for peer, fn in fits.items():
        seconds, model = best_time(fn, repeat=3, warmup=1)
        obj, gap = duality_gap(X, y, model.coef_, model.intercept_, alpha, True)
        results[peer] = (seconds, obj, gap, np.flatnonzero(model.coef_))
    report(name, results, bound, rows)


def report(name, results, bound, rows):
    t_lin, obj_lin, _, supp_lin = results["linml"]
    for peer, (seconds, obj, gap, supp) in results.items():
        same = np.array_equal(supp, supp_lin)
        rel = abs(obj - obj_lin) / abs(obj_lin)
        rows.append(
            [
                name,
                peer,
                f"{seconds * 1e3:.1f}",
                f"{t_lin / seconds:.2f}" if peer != "linml" else "1",
                f"{gap:.2e}",
                f"{bound:.2e}",
                f"{rel:.1e}",
                f"{supp.size} ({'same' if same else 'differs'})",
            ]
        )


def path_case(X, y, rows):
    from sklearn.linear_model import lasso_path as sk_lasso_path

    Xc = np.asfortranarray(X - X.mean(axis=0))
    yc = y - y.mean()
    amax = alpha_max(Xc, yc, False)
    alphas = np.geomspace(amax, amax / 20, 50)
    bound = gap_bound(yc, False)
    fits = {
        "linml": lambda: lasso_path(Xc, yc, alphas=alphas, tol=TOL, max_iter=100000).coefs,
        "scikit-learn": lambda: sk_lasso_path(Xc, yc, alphas=alphas, tol=TOL, max_iter=100000)[1],
    }
    try:
        from skglm import Lasso as SkglmLasso

        def make(t):
            return SkglmLasso(alpha=alphas[-1], tol=t, fit_intercept=False)

        # calibrate on the hardest (smallest) alpha of the path
        tol_skglm = calibrated_skglm(make, Xc, yc, alphas[-1], False, bound)
        fits["skglm"] = lambda: make(tol_skglm).path(Xc, yc, alphas)[1]
    except ImportError:  # pragma: no cover
        pass
    results = {}
    for peer, fn in fits.items():
        seconds, coefs = best_time(fn, repeat=3, warmup=1)
        objs, gaps = zip(
            *(duality_gap(Xc, yc, coefs[:, i], 0.0, a, False) for i, a in enumerate(alphas))
        )
        # the path's figures: the last alpha's objective and support, the worst gap
        results[peer] = (seconds, objs[-1], max(gaps), np.flatnonzero(coefs[:, -1]))
    report("(b) path, 50 alphas", results, bound, rows)


def main() -> None:
    warnings.simplefilter("ignore", category=FutureWarning)
    rows: list[list[str]] = []
    with threadpool_limits(limits=1):
        X, y = dense_problem()
        single_fit_case("(a) dense 1000×10000, α_max/20", X, y, alpha_max(X, y, True) / 20, rows)
        path_case(X, y, rows)
        del X
        Xs, ys = text_problem()
        single_fit_case(
            f"(c) TF-IDF 20000×50000 ({Xs.nnz} nnz), α_max/20",
            Xs,
            ys,
            alpha_max(Xs, ys, True) / 20,
            rows,
        )
        header = [
            "problem",
            "solver",
            "time (ms)",
            "linml / solver",
            "duality gap",
            "gap bound",
            "objective rel. diff vs linml",
            "support",
        ]
        table = markdown_table(header, rows)
        print(blas_summary())  # inside the limit: the thread counts the timings ran with
        print(table)
        body = (
            "Lasso by coordinate descent, single-threaded (BLAS limited to 1 thread with "
            "threadpoolctl; numba kernels and scikit-learn's Cython loops are single-threaded). "
            "Sizes: (a) dense 1000×10000, 20 true features, α = α_max/20; (b) 50-α path "
            "α_max → α_max/20 on the same data (centered, no intercept); (c) TF-IDF of 20000 "
            "generated Zipf documents over 50000 words, 40 true features, α = α_max/20. "
            "Stopping: duality gap ≤ tol·‖y_c‖²/n with tol = "
            f"{TOL:g} for linml and scikit-learn; skglm's KKT tolerance is tightened until its "
            "gap (computed by the same function) meets the same bound. Best of 3 runs after a "
            "warm-up (numba compile excluded). `linml / solver` < 1 means linml is faster.\n\n"
            + table
        )
        record("sparse_linear", "Sparse linear models (Lasso: dense, path, TF-IDF)", body)


if __name__ == "__main__":
    main()
