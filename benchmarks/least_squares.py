"""Least squares: linml's LinearRegression, Ridge and RidgeCV against scikit-learn, over a grid.

Grid (issue 19): three shapes × two thread settings × three models, timed in one process on
the same generated data (float64, intercept fitted):

- tall 100 000 × 100 (n ≫ p): linml forms the Gram XcᵀXc with one SYRK (no centered copy of
  X when the column means are small next to the spreads) and solves p×p problems; sklearn's
  LinearRegression runs LAPACK ``gelsd`` on the n×p matrix, its Ridge forms XᵀX too, and its
  RidgeCV (gcv_mode 'cov') recomputes ``diag(X H⁻¹ Xᵀ)`` — an n·p² product — per alpha,
  where linml forms Z = Xc V once and scores all alphas with two n×p×n_alphas GEMMs.
- square 1500 × 1500: centered X is rank-deficient (rank n − 1), so LinearRegression's auto
  rule takes the SVD (``gelsd``, minimum norm — the same as sklearn); Ridge uses Cholesky of
  the Gram; RidgeCV uses the eigendecomposition of the n×n ``Xc Xcᵀ``.
- wide 500 × 5000 (p ≫ n): LinearRegression's minimum-norm SVD solution, Ridge's dual
  (Xc Xcᵀ + αI) solve, RidgeCV on the n×n Gram.

Thread settings: ``1`` — BLAS limited to 1 thread on both sides (threadpoolctl); ``default`` —
BLAS at its default thread count (all cores) on both sides. linml and scikit-learn run
alternately (A B A B …), 5 rounds after one untimed warm-up each; the ratio t_linml / t_sklearn
is taken per round and reported as median (min–max).

RidgeCV: 50 alphas ``np.logspace(-3, 3, 50)``, exact leave-one-out (both libraries' default).
Quality: coefficients agree to 1e-6 relative and RidgeCV picks the same alpha. GFLOP/s uses
the flop model in the table (dominant terms of linml's algorithm) against the 1-thread GEMM
peak (the 1-thread cells).

Run: .venv/bin/python benchmarks/least_squares.py [--quick]
(``--quick``: 20 000 × 50, 300 × 300 and 100 × 1000, printed, not recorded)
"""

from __future__ import annotations

import statistics
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sklearn.linear_model as sk
from _common import (
    best_time,
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

from linml.linear_model import LinearRegression, Ridge, RidgeCV

ALPHAS = np.logspace(-3, 3, 50)
ROUNDS = 5
THREADS = {"1": 1, "default": None}
TARGETS = {"LinearRegression": 1.0, "Ridge": 1.0, "RidgeCV": 0.5}


def _peak() -> float:
    try:
        from gemm_peak import peak_gflops

        return peak_gflops(np.float64, threads=1)
    except ImportError:  # pragma: no cover - gemm_peak.py ships with the repo
        rng = np.random.default_rng(0)
        A, B = rng.standard_normal((2, 2000, 2000))
        t, _ = best_time(lambda: A @ B, repeat=3)
        return 2 * 2000**3 / t / 1e9


def _data(n: int, p: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) + 0.5 * rng.standard_normal(n) + 3.0
    return X, y


def _flops(name: str, n: int, p: int, route: str) -> tuple[float, str]:
    a = ALPHAS.size
    m, k = max(n, p), min(n, p)
    if name == "LinearRegression":
        if route == "cholesky":
            return n * p * p + 2 * n * p, "n p² (SYRK) + 2np"
        return 4 * m * k * k - 4 / 3 * k**3, "4·max·min² − 4min³/3 (bidiagonalization)"
    if name == "Ridge":
        if p > n:  # the dual: (Xc Xcᵀ + αI) c = y
            return n * n * p + n**3 / 3 + 2 * n * p, "n² p + n³/3 (dual)"
        return n * p * p + p**3 / 3 + 2 * n * p, "n p² + p³/3"
    if route == "gram":
        return 3 * n * p * p + 4 * n * p * a, "3np² + 4np·n_alphas"
    return n * n * p + 10 / 3 * n**3 + 4 * n * n * a, "n²p + 10n³/3 + 4n²·n_alphas"


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def bench_shape(label: str, n: int, p: int, threads: str, peak: float) -> list[list]:
    X, y = _data(n, p)
    rows = []
    cases = [
        (
            "LinearRegression",
            lambda: LinearRegression().fit(X, y),
            lambda: sk.LinearRegression().fit(X, y),
        ),
        ("Ridge", lambda: Ridge(alpha=1.0).fit(X, y), lambda: sk.Ridge(alpha=1.0).fit(X, y)),
        (
            "RidgeCV",
            lambda: RidgeCV(alphas=ALPHAS).fit(X, y),
            lambda: sk.RidgeCV(alphas=ALPHAS).fit(X, y),
        ),
    ]
    with threadpool_limits(limits=THREADS[threads], user_api="blas"):
        for name, ours, peer in cases:
            times, fitted = interleaved({"linml": ours, "sklearn": peer}, repeat=ROUNDS)
            m_ours, m_peer = fitted["linml"], fitted["sklearn"]
            diff = _rel(m_ours.coef_, m_peer.coef_)
            same = diff < 1e-6
            if name == "RidgeCV":
                same = same and m_ours.alpha_ == m_peer.alpha_
            route = getattr(m_ours, "route_", getattr(m_ours, "solver_", ""))
            flops, model = _flops(name, n, p, route)
            t_ours = statistics.median(times["linml"])
            gflops = flops / min(times["linml"]) / 1e9
            rows.append(
                [
                    f"{label} {n}×{p}",
                    threads,
                    name,
                    route,
                    round(t_ours, 3),
                    round(statistics.median(times["sklearn"]), 3),
                    fmt_ratio(ratio_stats(times["linml"], times["sklearn"])),
                    f"≤ {TARGETS[name]}",
                    f"{gflops:.1f}"
                    + (f" ({100 * gflops / peak:.0f}% of peak)" if threads == "1" else ""),
                    model,
                    f"{'yes' if same else 'NO'} (coef Δ {diff:.1e}"
                    + (
                        f", α {m_ours.alpha_:.3g}/{m_peer.alpha_:.3g})"
                        if name == "RidgeCV"
                        else ")"
                    ),
                ]
            )
            print(markdown_table(HEADER, rows[-1:]).splitlines()[-1], flush=True)
    return rows


HEADER = [
    "shape",
    "BLAS threads",
    "model",
    "linml route",
    "linml s (median)",
    "sklearn s (median)",
    "ratio median (min–max)",
    "target",
    "linml GFLOP/s",
    "flop model",
    "same result",
]


def main() -> None:
    print("BLAS:", blas_summary())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with threadpool_limits(limits=1, user_api="blas"):
            peak = _peak()
        print(f"GEMM peak (float64, 1 thread): {peak:.1f} GFLOP/s")
        print(markdown_table(HEADER, []))
        shapes = (
            [("tall", 20_000, 50), ("square", 300, 300), ("wide", 100, 1000)]
            if quick()
            else [("tall", 100_000, 100), ("square", 1500, 1500), ("wide", 500, 5000)]
        )
        rows = [
            row
            for label, n, p in shapes
            for threads in THREADS
            for row in bench_shape(label, n, p, threads, peak)
        ]
    table = markdown_table(HEADER, rows)
    print()
    print(table)
    body = (
        "linml vs scikit-learn, same process and data, float64, intercept fitted. Grid: tall / "
        "square / wide × BLAS threads 1 and default (both sides alike, threadpoolctl) × three "
        f"models; {ROUNDS} interleaved rounds (linml, sklearn, linml, …) after one untimed "
        "warm-up each, ratio per round, median (min–max). GEMM peak (1 thread): "
        f"{peak:.1f} GFLOP/s (linml GFLOP/s from its fastest round). RidgeCV: 50 alphas "
        "np.logspace(-3, 3, 50), exact leave-one-out.\n\n" + table
    )
    summaries = [
        summary_line(
            f"{name}, tall/square/wide × 1/default threads",
            "scikit-learn",
            {
                f"{r[0].split()[0]}, {r[1]} thr": float(r[6].split()[0])
                for r in rows
                if r[2] == name
            },
            f"≤ {TARGETS[name]}",
        )
        for name in TARGETS
    ]
    body += "\n\n" + "\n".join(summaries)
    if quick():
        print("\n".join(summaries))
        print("--quick: not recorded in RESULTS.md")
        return
    record("least_squares", "Least squares (LinearRegression, Ridge, RidgeCV)", body)


if __name__ == "__main__":
    main()
