"""Decomposition benchmark: linml PCA, TruncatedSVD and LDA against scikit-learn, one process.

Each row times both libraries on the same data (best of ``repeat`` after a warm-up), checks
they reach the same answer, and reports the ratio linml / scikit-learn (< 1: linml faster).

* PCA grid (issue 19): tall / square / wide × k, interleaved, at default and 1 BLAS thread;
  the covariance route is also reported as a fraction of the same-process dsyrk peak.
  (linml: blocked ``syrk`` of centered row blocks + ``eigh``; scikit-learn: ``XᵀX`` GEMM
  + ``eigh``). Quality: explained variances (rtol 1e-8) and components (up to sign).
* TruncatedSVD grid: sparse (CSR) tall 100 000 × 5 000, square 30 000 × 30 000 and wide
  5 000 × 100 000 matrices with 2·10⁶ stored entries each, × k ∈ {10, 50}; 5 power
  iterations, 10 oversamples, LU normalization on both sides. Quality: each side's largest
  relative error of the k singular values against the exact ones (ARPACK ``svds``); linml's
  may not exceed 1.5× scikit-learn's.
* LDA grid: tall 100 000 × 50, square 5 000 × 1 000 and wide 1 000 × 5 000, × C ∈ {3, 10}
  classes, svd solver on both sides. Quality: identical predictions, probabilities within
  1e-8.

Every cell interleaves linml and scikit-learn (A B A B …), ``--rounds`` rounds after one
untimed warm-up; the ratio is taken per round and reported as median (min–max).

Run::

    .venv/bin/python benchmarks/decomposition.py            # the issue's sizes
    .venv/bin/python benchmarks/decomposition.py --quick    # 10× smaller, for a smoke run

Threads: BLAS limited to ``--threads`` (default 1) for both sides with threadpoolctl: the
machine these numbers come from is shared by many processes, and oversubscribed BLAS
threads make small LAPACK calls (LU/QR of the sample blocks) erratic.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    blas_summary,
    fmt_ratio,
    interleaved,
    markdown_table,
    ratio_stats,
    record,
    summary_line,
)

from linml.decomposition import PCA, TruncatedSVD
from linml.discriminant_analysis import LinearDiscriminantAnalysis


def _pca_data(n: int, p: int, rank: int, rng: np.random.Generator) -> np.ndarray:
    """Rank-``rank`` signal with a decaying spectrum plus small noise (clear gaps between λ)."""
    L = rng.standard_normal((n, rank)) * np.geomspace(10, 1, rank)
    X = L @ rng.standard_normal((rank, p))
    X += 0.1 * rng.standard_normal((n, p))
    X += 5.0  # a non-zero mean, as real data have
    return X


# (label, n, p): tall, tall-skinny, square, wide — issue 19's grid
PCA_SHAPES = [
    ("tall", 100_000, 500),
    ("tall", 200_000, 100),
    ("square", 3000, 3000),
    ("wide", 500, 10_000),
]
PCA_SHAPES_QUICK = [
    ("tall", 20_000, 200),
    ("tall", 40_000, 50),
    ("square", 800, 800),
    ("wide", 200, 4000),
]


def bench_pca_grid(shapes, ks, thread_settings, repeat: int) -> list:
    """PCA grid: linml 'auto' vs scikit-learn 'auto' (and 'covariance_eigh' where linml picks it).

    Interleaved rounds (linml, sklearn, ...) after one untimed warm-up; ratio per round.
    For the covariance route, the fraction of the SYRK peak is ``t_syrk / t_linml``, with
    ``t_syrk`` the best time of one ``dsyrk`` on the centered X at the same thread setting
    (the same ``n p (p + 1)`` flops): 1.0 would mean centering, ``eigh`` and validation
    cost nothing beyond the one Gram product.
    """
    from gemm_peak import syrk_gflops
    from sklearn.decomposition import PCA as SkPCA

    rows = []
    for label, n, p in shapes:
        for k in ks:
            X = _pca_data(n, p, 2 * k, np.random.default_rng(0))
            for threads in thread_settings:
                with threadpool_limits(limits=threads, user_api="blas"):
                    fns = {
                        "linml": lambda X=X, k=k: PCA(k, random_state=0).fit(X),
                        "sk_auto": lambda X=X, k=k: SkPCA(k, random_state=0).fit(X),
                    }
                    ours = PCA(k, random_state=0).fit(X)
                    cov = ours.solver_ == "covariance_eigh"
                    if cov:
                        fns["sk_cov"] = lambda X=X, k=k: SkPCA(k, svd_solver="covariance_eigh").fit(
                            X
                        )
                    times, res = interleaved(fns, repeat=repeat, warmup=1)
                    frac = "—"
                    if cov:
                        rate, t_syrk = syrk_gflops(X - X.mean(axis=0))
                        t_ours = min(times["linml"])
                        frac = f"{t_syrk / t_ours:.0%} ({rate:.1f} GF/s peak)"
                ref = res["sk_auto"]
                lam, lam_ref = ours.explained_variance_, ref.explained_variance_
                rel = float(np.max(np.abs(lam - lam_ref) / lam_ref))
                # exact routes must agree to 1e-8; two randomized sketches only approximately
                quality = f"λ within {rel:.0e}" + ("" if not cov or rel < 1e-8 else " DIFFERENT")
                rows.append(
                    [
                        f"{label} {n}×{p}, k={k}",
                        "default (2)" if threads is None else str(threads),
                        f"{ours.solver_} / {ref._fit_svd_solver}",
                        f"{np.median(times['linml']):.3f}",
                        fmt_ratio(ratio_stats(times["linml"], times["sk_auto"])),
                        fmt_ratio(ratio_stats(times["linml"], times["sk_cov"])) if cov else "—",
                        frac,
                        quality,
                    ]
                )
                print(" | ".join(rows[-1]), flush=True)
    return rows


def _sparse(n: int, m: int, nnz: int) -> sp.csr_matrix:
    rng = np.random.default_rng(0)
    # positions drawn with replacement (scipy's sampler without replacement needs n·m memory)
    rows, cols = rng.integers(0, n, nnz), rng.integers(0, m, nnz)
    X = sp.csr_matrix((rng.random(nnz), (rows, cols)), shape=(n, m))
    X.sum_duplicates()
    return X


def _cell(label: str, setting: str, solver: str, times: dict, quality: str) -> tuple[list, float]:
    stats = ratio_stats(times["linml"], times["sklearn"])
    row = [
        label,
        setting,
        solver,
        f"{statistics.median(times['linml']):.3f}",
        f"{statistics.median(times['sklearn']):.3f}",
        fmt_ratio(stats),
        quality,
    ]
    print(markdown_table(GRID_HEADER, [row]).splitlines()[-1], flush=True)
    return row, stats[1]


def bench_truncated_svd(label: str, X: sp.csr_matrix, k: int, rounds: int) -> tuple[list, float]:
    from sklearn.decomposition import TruncatedSVD as SkTruncatedSVD

    kwargs = {"n_components": k, "n_iter": 5, "n_oversamples": 10, "random_state": 0}
    times, out = interleaved(
        {
            "linml": lambda: TruncatedSVD(**kwargs).fit(X),
            "sklearn": lambda: SkTruncatedSVD(**kwargs, power_iteration_normalizer="LU").fit(X),
        },
        repeat=rounds,
    )
    ours, ref = out["linml"], out["sklearn"]
    # both are randomized approximations (different random streams): each is judged against
    # the exact top-k singular values (ARPACK), and linml must be no less accurate
    exact = np.sort(sp.linalg.svds(X, k=k, return_singular_vectors=False, random_state=0))[::-1]
    e_ours = float(np.max(np.abs(ours.singular_values_ - exact) / exact))
    e_ref = float(np.max(np.abs(ref.singular_values_ - exact) / exact))
    n, m = X.shape
    ok = e_ours <= 1.5 * e_ref + 1e-10
    return _cell(
        f"TruncatedSVD {label} sparse {n}×{m}, {X.nnz} stored",
        f"k={k}",
        "randomized / randomized",
        times,
        f"σ rel. error vs exact: {e_ours:.1e} / {e_ref:.1e}" + ("" if ok else " WORSE"),
    )


def bench_lda(label: str, n: int, p: int, n_classes: int, rounds: int) -> tuple[list, float]:
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as SkLDA

    rng = np.random.default_rng(0)
    y = rng.integers(0, n_classes, n)
    X = rng.standard_normal((n, p)) + rng.standard_normal((n_classes, p))[y]
    times, out = interleaved(
        {
            "linml": lambda: LinearDiscriminantAnalysis().fit(X, y),
            "sklearn": lambda: SkLDA().fit(X, y),
        },
        repeat=rounds,
    )
    ours, ref = out["linml"], out["sklearn"]
    X_test = X[:5000]
    same = np.array_equal(ours.predict(X_test), ref.predict(X_test)) and np.allclose(
        ours.predict_proba(X_test), ref.predict_proba(X_test), atol=1e-8
    )
    return _cell(
        f"LDA {label} {n}×{p}",
        f"C={n_classes}",
        "svd / svd",
        times,
        "same predictions and probabilities" if same else "DIFFERENT",
    )


GRID_HEADER = [
    "problem",
    "setting",
    "solver (linml / sklearn)",
    "linml s (median)",
    "sklearn s (median)",
    "ratio median (min–max)",
    "quality",
]


def _run(args: argparse.Namespace) -> tuple[list, dict, dict]:
    div = 10 if args.quick else 1
    rows, tsvd, lda = [], {}, {}
    print(markdown_table(GRID_HEADER, []))
    nnz = 2_000_000 // div
    for label, n, m in (
        ("tall", 100_000, 5000),
        ("square", 30_000, 30_000),
        ("wide", 5000, 100_000),
    ):
        X = _sparse(n // div, m // div, nnz)
        for k in (10, 50):
            row, ratio = bench_truncated_svd(label, X, k, args.rounds)
            rows.append(row)
            tsvd[f"{label}, k={k}"] = ratio
    for label, n, p in (("tall", 100_000, 50), ("square", 5000, 1000), ("wide", 1000, 5000)):
        for c in (3, 10):
            row, ratio = bench_lda(label, n // div, max(p // div, 20), c, args.rounds)
            rows.append(row)
            lda[f"{label}, C={c}"] = ratio
    return rows, tsvd, lda


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes (smoke run).")
    parser.add_argument("--rounds", type=int, default=5, help="Interleaved rounds per cell.")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (TSVD, LDA).")
    args = parser.parse_args()
    print(f"BLAS: {blas_summary()}")
    start = time.perf_counter()
    shapes = PCA_SHAPES_QUICK if args.quick else PCA_SHAPES
    ks = (5, 20) if args.quick else (10, 50)
    pca_rows = bench_pca_grid(shapes, ks, (None, 1), args.rounds)
    pca_header = [
        "PCA problem",
        "BLAS threads (both)",
        "solver (linml / sklearn auto)",
        "linml s (median)",
        "ratio vs sklearn auto",
        "ratio vs sklearn covariance_eigh",
        "fraction of SYRK peak",
        "quality",
    ]
    pca_table = markdown_table(pca_header, pca_rows)
    with threadpool_limits(limits=args.threads, user_api="blas"):
        rows, tsvd, lda = _run(args)
    table = markdown_table(GRID_HEADER, rows)
    print(pca_table)
    print(table)
    print(f"total {time.perf_counter() - start:.0f} s")
    cells = {f"{r[0]}, {r[1]} thr": float(r[4].split()[0]) for r in pca_rows}
    lines = [summary_line("PCA, tall/square/wide × k × threads", "scikit-learn", cells, "≤ 1.0")]
    lines.append(
        summary_line(
            "TruncatedSVD sparse, tall/square/wide × k=10/50", "scikit-learn", tsvd, "≤ 1.0"
        )
    )
    lines.append(summary_line("LDA svd, tall/square/wide × C=3/10", "scikit-learn", lda, "≤ 1.0"))
    if not args.quick:
        record(
            "decomposition",
            "Decomposition: PCA, TruncatedSVD, LDA vs scikit-learn",
            "PCA grid (issue 19): interleaved linml / scikit-learn rounds "
            f"({args.rounds} after one untimed warm-up), ratio median (min–max), both sides "
            "under the same threadpoolctl BLAS limit (default = OpenBLAS's 2 threads, or 1). "
            "Fraction of SYRK peak = t(one dsyrk of the centered X) / t(linml fit), same "
            "thread setting; covariance route only.\n\n" + pca_table + "\n\n"
            f"TruncatedSVD and LDA grids: {args.rounds} interleaved rounds after one untimed "
            f"warm-up per cell, ratio median (min–max); BLAS limited to {args.threads} "
            "thread(s) on both sides.\n\n" + table + "\n\n" + "\n".join(lines),
        )


if __name__ == "__main__":
    main()
