"""Decomposition benchmark: linml PCA, TruncatedSVD and LDA against scikit-learn, one process.

Each row times both libraries on the same data (best of ``repeat`` after a warm-up), checks
they reach the same answer, and reports the ratio linml / scikit-learn (< 1: linml faster).

* PCA grid (issue 19): tall / square / wide × k, interleaved, at default and 1 BLAS thread;
  the covariance route is also reported as a fraction of the same-process dsyrk peak.
  (linml: blocked ``syrk`` of centered row blocks + ``eigh``; scikit-learn: ``XᵀX`` GEMM
  + ``eigh``). Quality: explained variances (rtol 1e-8) and components (up to sign).
* TruncatedSVD on a sparse n × m matrix (CSR), k components, 5 power iterations,
  10 oversamples, LU normalization on both sides. Quality: singular values (rtol 1e-6).
* LDA, n × p with C classes, svd solver. Quality: identical predictions, probabilities
  within 1e-8.

Run::

    .venv/bin/python benchmarks/decomposition.py            # the issue's sizes
    .venv/bin/python benchmarks/decomposition.py --quick    # 10× smaller, for a smoke run

Threads: BLAS limited to ``--threads`` (default 1) for both sides with threadpoolctl: the
machine these numbers come from is shared by many processes, and oversubscribed BLAS
threads make small LAPACK calls (LU/QR of the sample blocks) erratic.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    best_time,
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


def bench_truncated_svd(n: int, m: int, density: float, k: int, repeat: int) -> list:
    from sklearn.decomposition import TruncatedSVD as SkTruncatedSVD

    rng = np.random.default_rng(0)
    nnz = int(n * m * density)
    # positions drawn with replacement (scipy's sampler without replacement needs n·m memory)
    rows, cols = rng.integers(0, n, nnz), rng.integers(0, m, nnz)
    X = sp.csr_matrix((rng.random(nnz), (rows, cols)), shape=(n, m))
    X.sum_duplicates()
    kwargs = {"n_components": k, "n_iter": 5, "n_oversamples": 10, "random_state": 0}
    t_ours, ours = best_time(lambda: TruncatedSVD(**kwargs).fit(X), repeat=repeat)
    t_ref, ref = best_time(
        lambda: SkTruncatedSVD(**kwargs, power_iteration_normalizer="LU").fit(X), repeat=repeat
    )
    rel = float(np.max(np.abs(ours.singular_values_ - ref.singular_values_) / ref.singular_values_))
    return [
        f"TruncatedSVD sparse {n}×{m}, {100 * density:g}% dense, k={k}",
        "randomized / randomized",
        t_ours,
        t_ref,
        t_ours / t_ref,
        f"singular values within {rel:.1e}" if rel < 1e-6 else f"DIFFERENT ({rel:.1e})",
    ]


def bench_lda(n: int, p: int, n_classes: int, repeat: int) -> list:
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as SkLDA

    rng = np.random.default_rng(0)
    y = rng.integers(0, n_classes, n)
    X = rng.standard_normal((n, p)) + rng.standard_normal((n_classes, p))[y]
    t_ours, ours = best_time(lambda: LinearDiscriminantAnalysis().fit(X, y), repeat=repeat)
    t_ref, ref = best_time(lambda: SkLDA().fit(X, y), repeat=repeat)
    X_test = X[:5000]
    same = np.array_equal(ours.predict(X_test), ref.predict(X_test)) and np.allclose(
        ours.predict_proba(X_test), ref.predict_proba(X_test), atol=1e-8
    )
    return [
        f"LDA {n}×{p}, {n_classes} classes",
        "svd / svd",
        t_ours,
        t_ref,
        t_ours / t_ref,
        "same predictions and probabilities" if same else "DIFFERENT",
    ]


def _run(args: argparse.Namespace) -> list:
    scale, half = (10, 2) if args.quick else (1, 1)
    return [
        bench_truncated_svd(100_000 // scale, 50_000 // scale, 0.001, 100 // half, args.repeat),
        bench_lda(100_000 // scale, 100, 10, args.repeat),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes (smoke run).")
    parser.add_argument("--repeat", type=int, default=2, help="Timed repeats (TSVD, LDA).")
    parser.add_argument("--rounds", type=int, default=5, help="Interleaved rounds (PCA grid).")
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
        rows = _run(args)
    header = ["problem", "solver (linml / sklearn)", "linml s", "sklearn s", "ratio", "quality"]
    table = markdown_table(header, rows)
    print(pca_table)
    print(table)
    print(f"total {time.perf_counter() - start:.0f} s")
    cells = {f"{r[0]}, {r[1]} thr": float(r[4].split()[0]) for r in pca_rows}
    lines = [summary_line("PCA, tall/square/wide × k × threads", "scikit-learn", cells, "≤ 1.0")]
    for r in rows:  # TruncatedSVD, LDA: one cell each
        lines.append(summary_line(r[0].split(",")[0], "scikit-learn", {r[0]: float(r[4])}, "≤ 1.0"))
    if not args.quick:
        record(
            "decomposition",
            "Decomposition: PCA, TruncatedSVD, LDA vs scikit-learn",
            "PCA grid (issue 19): interleaved linml / scikit-learn rounds "
            f"({args.rounds} after one untimed warm-up), ratio median (min–max), both sides "
            "under the same threadpoolctl BLAS limit (default = OpenBLAS's 2 threads, or 1). "
            "Fraction of SYRK peak = t(one dsyrk of the centered X) / t(linml fit), same "
            "thread setting; covariance route only.\n\n" + pca_table + "\n\n"
            "TruncatedSVD and LDA: best of "
            f"{args.repeat} after one warm-up, BLAS limited to {args.threads} thread(s) on "
            "both sides.\n\n" + table + "\n\n" + "\n".join(lines),
        )


if __name__ == "__main__":
    main()
