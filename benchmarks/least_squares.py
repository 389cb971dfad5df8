"""Least squares: linml's LinearRegression, Ridge and RidgeCV against scikit-learn.

Two shapes, timed in one process on the same generated data (float64, intercept fitted):

- tall 200 000 × 200 (n ≫ p): linml forms the Gram XcᵀXc with one SYRK (no centered copy of
  X when the column means are small next to the spreads) and solves p×p problems; sklearn's
  LinearRegression runs LAPACK ``gelsd`` on the n×p matrix, its Ridge forms XᵀX too, and its
  RidgeCV (gcv_mode 'cov') recomputes ``diag(X H⁻¹ Xᵀ)`` — an n·p² product — per alpha,
  where linml forms Z = Xc V once and scores all alphas with two n×p×n_alphas GEMMs.
- square 2000 × 2000: centered X is rank-deficient (rank n − 1), so LinearRegression's auto
  rule takes the SVD (``gelsd``, minimum norm — the same as sklearn); Ridge uses Cholesky of
  the Gram; RidgeCV uses the eigendecomposition of the n×n ``Xc Xcᵀ`` (sklearn: the same
  matrix, but per-alpha O(n²) Python-level work and ``syevd`` instead of ``syevr``).

RidgeCV: 50 alphas ``np.logspace(-3, 3, 50)``, exact leave-one-out (both libraries' default).
Quality: coefficients agree to 1e-6 relative and RidgeCV picks the same alpha.
BLAS is limited to 1 thread (threadpoolctl) on both sides: the machine is shared and a
2-thread OpenBLAS under load is slower and far noisier. GFLOP/s uses the flop model in the
table (dominant terms of linml's algorithm) against the 1-thread GEMM peak.

Run: .venv/bin/python benchmarks/least_squares.py [--quick]
(``--quick``: 20 000 × 50 and 300 × 300, printed, not recorded)
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sklearn.linear_model as sk
from _common import best_time, blas_summary, markdown_table, quick, record, summary_line
from threadpoolctl import threadpool_limits

from linml.linear_model import LinearRegression, Ridge, RidgeCV

ALPHAS = np.logspace(-3, 3, 50)
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
    if name == "LinearRegression":
        if route == "cholesky":
            return n * p * p + 2 * n * p, "n p² (SYRK) + 2np"
        return 4 * n * p * p - 4 / 3 * p**3, "4np² − 4p³/3 (bidiagonalization)"
    if name == "Ridge":
        return n * p * p + p**3 / 3 + 2 * n * p, "n p² + p³/3"
    if route == "gram":
        return 3 * n * p * p + 4 * n * p * a, "3np² + 4np·n_alphas"
    return n * n * p + 10 / 3 * n**3 + 4 * n * n * a, "n²p + 10n³/3 + 4n²·n_alphas"


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def bench_shape(n: int, p: int, peak: float) -> list[list]:
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
    for name, ours, peer in cases:
        slow_peer = name == "RidgeCV" and n > p  # sklearn's per-alpha n·p² work: ~30 s a call
        t_ours, m_ours = best_time(ours, repeat=3, warmup=1)
        t_peer, m_peer = best_time(peer, repeat=1 if slow_peer else 3, warmup=0 if slow_peer else 1)
        diff = _rel(m_ours.coef_, m_peer.coef_)
        same = diff < 1e-6
        if name == "RidgeCV":
            same = same and m_ours.alpha_ == m_peer.alpha_
        route = getattr(m_ours, "route_", getattr(m_ours, "solver_", ""))
        flops, model = _flops(name, n, p, route)
        gflops = flops / t_ours / 1e9
        rows.append(
            [
                f"{n}×{p}",
                name,
                route,
                round(t_ours, 3),
                round(t_peer, 3),
                round(t_ours / t_peer, 3),
                f"≤ {TARGETS[name]}",
                f"{gflops:.1f} ({100 * gflops / peak:.0f}% of peak)",
                model,
                f"{'yes' if same else 'NO'} (coef Δ {diff:.1e}"
                + (f", α {m_ours.alpha_:.3g}/{m_peer.alpha_:.3g})" if name == "RidgeCV" else ")"),
            ]
        )
        print(markdown_table(HEADER, rows[-1:]).splitlines()[-1], flush=True)
    return rows


HEADER = [
    "shape",
    "model",
    "linml route",
    "linml s",
    "sklearn s",
    "ratio",
    "target",
    "linml GFLOP/s",
    "flop model",
    "same result",
]


def main() -> None:
    print("BLAS:", blas_summary())
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peak = _peak()
        print(f"GEMM peak (float64, 1 thread): {peak:.1f} GFLOP/s")
        print(markdown_table(HEADER, []))
        shapes = [(20_000, 50), (300, 300)] if quick() else [(200_000, 200), (2000, 2000)]
        rows = [row for n, p in shapes for row in bench_shape(n, p, peak)]
    table = markdown_table(HEADER, rows)
    print()
    print(table)
    body = (
        "linml vs scikit-learn, same process and data, float64, intercept fitted, BLAS limited "
        f"to 1 thread on both sides (threadpoolctl). GEMM peak (1 thread): {peak:.1f} GFLOP/s. "
        "Times are best of 3 after a warm-up (sklearn RidgeCV on 200000×200: one call). "
        "RidgeCV: 50 alphas np.logspace(-3, 3, 50), exact leave-one-out.\n\n" + table
    )
    summaries = [
        summary_line(
            f"{name}, " + " / ".join(r[0] for r in rows if r[1] == name),
            "scikit-learn",
            {r[0]: r[5] for r in rows if r[1] == name},
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
