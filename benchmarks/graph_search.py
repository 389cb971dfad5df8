"""Benchmark: exact top-k search vs faiss Flat (the grid of issue 19).

(a) Exact search grid. linml's ``EmbeddingIndex(metric)`` against faiss's ``IndexFlatIP`` /
    ``IndexFlatL2``, top-10, float32 Gaussian data, over database shapes (tall 1M×128, wide
    200k×768, small-dim 100k×64; --quick and --reduced use fewer rows), 1000 and 16 queries,
    both metrics, at two thread settings:

    * default: BLAS and OpenMP pools untouched (every core); faiss ``omp_set_num_threads(cores)``;
      linml's scan uses min(BLAS threads, numba threads) worker threads.
    * 1 thread: ``threadpool_limits(1)`` (every BLAS and OpenMP pool, faiss's included) and
      ``faiss.omp_set_num_threads(1)``; linml's scan then runs on the calling thread.

    linml and faiss run interleaved (A B A B …, 5 rounds after an untimed warm-up that also
    compiles numba's kernels); the table gives the per-round ratio linml/faiss as median
    (min–max). Result check: the share of ids equal to faiss's, and the largest score gap at
    a disagreement (a float32 near-tie when tiny).
SpectralClustering and PageRank are in benchmarks/graphs.py.

Run: .venv/bin/python benchmarks/graph_search.py [--quick | --reduced]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
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

K = 10
TARGET = 0.7
SHAPES = {
    "full": [(1_000_000, 128), (200_000, 768), (100_000, 64)],
    "reduced": [(200_000, 128), (50_000, 768), (100_000, 64)],
    "quick": [(200_000, 128), (20_000, 768), (50_000, 64)],
}
QUERIES = (1000, 16)


def search_check(ours, D, I, metric):
    """(share of ids equal to faiss's, largest |Δ score| where they differ) — near-ties."""
    same = ours.indices == I
    ours_scores = ours.scores.astype(np.float64) ** 2 if metric == "l2" else ours.scores
    gap = np.abs(ours_scores - D)  # position-wise; nonzero gaps only matter at a mismatch
    return float(same.mean()), float(gap[~same].max()) if (~same).any() else 0.0


def bench_search_cell(X, Q, metric, threads, repeat, rows, worst):
    import faiss

    from linml.neighbors import EmbeddingIndex

    n, d = X.shape
    ours = EmbeddingIndex(metric).add(X)
    theirs = (faiss.IndexFlatIP if metric == "ip" else faiss.IndexFlatL2)(d)
    theirs.add(X)
    limit = threadpool_limits(1) if threads == "1" else contextlib.nullcontext()
    faiss.omp_set_num_threads(1 if threads == "1" else os.cpu_count() or 1)
    with limit:
        times, res = interleaved(
            {"linml": lambda: ours.search(Q, k=K), "faiss": lambda: theirs.search(Q, K)},
            repeat=repeat,
            warmup=1,
        )
    stats = ratio_stats(times["linml"], times["faiss"])
    same, gap = search_check(res["linml"], *res["faiss"], metric)
    rows.append(
        (
            f"{n}×{d}",
            Q.shape[0],
            metric,
            threads,
            f"{statistics.median(times['linml']):.3f}",
            f"{statistics.median(times['faiss']):.3f}",
            fmt_ratio(stats),
            "yes" if stats[1] <= TARGET else "no",
            f"{same:.4f}" + (f" (max Δs at a mismatch {gap:.1e})" if same < 1 else ""),
        )
    )
    print(" | ".join(map(str, rows[-1])), flush=True)
    worst[threads] = max(worst.get(threads, 0.0), stats[1])


def bench_search_grid(size, repeat, rows):
    worst: dict[str, float] = {}
    rng = np.random.default_rng(0)
    for n, d in SHAPES[size]:
        X = rng.standard_normal((n, d), dtype=np.float32)
        for nq in QUERIES:
            Q = rng.standard_normal((nq, d), dtype=np.float32)
            for metric in ("ip", "l2"):
                for threads in ("default", "1"):
                    bench_search_cell(X, Q, metric, threads, repeat, rows, worst)
        del X
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="Reduced sizes; no record().")
    parser.add_argument("--reduced", action="store_true", help="The grid with fewer rows.")
    args = parser.parse_args()
    size = "quick" if quick() else "reduced" if args.reduced else "full"
    print(blas_summary())
    print(
        f"grid {size}: default threads = {os.cpu_count()} cores (faiss OpenMP = cores); 1 thread ="
        " threadpool_limits(1) + faiss.omp_set_num_threads(1)"
    )
    rows: list = []
    worst = bench_search_grid(size, 3 if size == "quick" else 5, rows)
    header = (
        "database",
        "queries",
        "metric",
        "threads",
        "linml s",
        "faiss s",
        "ratio median (min–max)",
        f"≤ {TARGET}",
        "ids equal to faiss",
    )
    table = markdown_table(header, rows)
    print(table)
    summary = ", ".join(f"{t} threads: worst median {r:.2f}" for t, r in worst.items())
    print(summary)
    cells = {f"{r[0]}, {r[1]} q, {r[2]}, {r[3]} thr": float(r[6].split()[0]) for r in rows}
    line = summary_line(
        "exact top-10 search, 3 shapes × 2 query counts × ip/l2 × threads",
        "faiss Flat",
        cells,
        f"≤ {TARGET}",
    )
    if size != "quick":
        record(
            "graph_search",
            "Exact embedding search vs faiss Flat (issue 19)",
            f"Target: ratio linml/faiss ≤ {TARGET} in every cell ({summary}). Grid: {size} "
            f"({', '.join(f'{n}×{d}' for n, d in SHAPES[size])}), top-{K}, float32; 5 interleaved "
            "rounds after a warm-up. Threads: 'default' leaves BLAS/OpenMP at the core count "
            "(faiss omp_set_num_threads(cores)); '1' is threadpool_limits(1) on every pool plus "
            "faiss.omp_set_num_threads(1). linml: tiles of ≤1024 queries × 1024 rows, one float32 "
            "GEMM into a cache-sized score tile, numba top-k merge; at default threads one worker "
            "per BLAS thread scans its own tiles with BLAS at one thread.\n\n"
            + table
            + "\n\n"
            + line,
        )


if __name__ == "__main__":
    main()
