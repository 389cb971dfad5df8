"""Decomposition benchmark: linml PCA, TruncatedSVD and LDA against scikit-learn, one process.

Each row times both libraries on the same data (best of ``repeat`` after a warm-up), checks
they reach the same answer, and reports the ratio linml / scikit-learn (< 1: linml faster).

* PCA, n × p dense with k components: both pick the covariance route for n ≫ p
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
from _common import best_time, blas_summary, markdown_table, record

from linml.decomposition import PCA, TruncatedSVD
from linml.discriminant_analysis import LinearDiscriminantAnalysis


def _pca_data(n: int, p: int, rank: int, rng: np.random.Generator) -> np.ndarray:
    """Rank-``rank`` signal with a decaying spectrum plus small noise (clear gaps between λ)."""
    L = rng.standard_normal((n, rank)) * np.geomspace(10, 1, rank)
    X = L @ rng.standard_normal((rank, p))
    X += 0.1 * rng.standard_normal((n, p))
    X += 5.0  # a non-zero mean, as real data have
    return X


def bench_pca(n: int, p: int, k: int, repeat: int) -> list:
    from sklearn.decomposition import PCA as SkPCA

    X = _pca_data(n, p, 2 * k, np.random.default_rng(0))
    t_ours, ours = best_time(lambda: PCA(k).fit(X), repeat=repeat)
    t_ref, ref = best_time(lambda: SkPCA(k).fit(X), repeat=repeat)
    signs = np.sign(np.sum(ours.components_ * ref.components_, axis=1, keepdims=True))
    same = np.allclose(
        ours.explained_variance_, ref.explained_variance_, rtol=1e-8
    ) and np.allclose(ours.components_, ref.components_ * signs, atol=1e-6)
    return [
        f"PCA {n}×{p}, k={k}",
        f"{ours.solver_} / {ref._fit_svd_solver}",
        t_ours,
        t_ref,
        t_ours / t_ref,
        "same λ and axes" if same else "DIFFERENT",
    ]


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
        bench_pca(100_000 // scale, 500 // half, 50 // half, args.repeat),
        bench_truncated_svd(100_000 // scale, 50_000 // scale, 0.001, 100 // half, args.repeat),
        bench_lda(100_000 // scale, 100, 10, args.repeat),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10× smaller sizes (smoke run).")
    parser.add_argument("--repeat", type=int, default=2, help="Timed repeats per side.")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for both sides.")
    args = parser.parse_args()
    print(f"BLAS: {blas_summary()}")
    start = time.perf_counter()
    with threadpool_limits(limits=args.threads, user_api="blas"):
        rows = _run(args)
    header = ["problem", "solver (linml / sklearn)", "linml s", "sklearn s", "ratio", "quality"]
    table = markdown_table(header, rows)
    print(table)
    print(f"total {time.perf_counter() - start:.0f} s")
    if not args.quick:
        record(
            "decomposition",
            "Decomposition: PCA, TruncatedSVD, LDA vs scikit-learn",
            "Targets: PCA ≤ 0.7, TruncatedSVD ≤ 1.0, LDA ≤ 1.0. Best of "
            f"{args.repeat} after one warm-up, BLAS limited to {args.threads} thread(s) on "
            "both sides.\n\n" + table,
        )


if __name__ == "__main__":
    main()
