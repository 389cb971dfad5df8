"""ImplicitALS vs implicit's CPU ALS on a grid of shapes, ranks and thread settings.

Run: .venv/bin/python benchmarks/recommend_implicit.py [--quick] [--out PATH] [--data uniform ...]

Data sets (generated in this process; counts r, confidences c = 1 + alpha r):

* ``uniform``: the set of benchmarks/recommend.py, ``make_implicit_feedback`` 20000 users x
  5000 items x 50 per user (1M interactions), 5 per user held out.
* ``long-tail``: ``make_long_tail_ratings`` defaults (6000 x 3700, about 0.95M cells, 20 to
  2000 per user, Zipf item popularity), the stars used as counts, 5 per user held out.
* ``wide``: ``make_implicit_feedback`` 10000 users x 30000 items x 40 per user (0.4M): a wide
  item catalogue, where the item half-step has many short rows.

Both libraries fit the same training matrix with matched parameters (rank, reg 1.0, alpha 2.0,
10 sweeps, 3 CG steps, float32; implicit fitted on ``1 + alpha r`` with its alpha = 1, which
is exactly ImplicitALS's weighting; ImplicitALS with ``tol=0`` so both run 10 sweeps), and
precision@10 (training items excluded) is computed by the same code from both models' factors.

Thread settings: ``implicit-advice``: BLAS limited to 1 thread (threadpoolctl), implicit
``num_threads=0`` (all cores), numba at its default; ``1 thread``: the same plus
``numba.set_num_threads(1)`` and implicit ``num_threads=1``. Per cell: one untimed fit of each
(numba compile, caches), then ``REPS`` interleaved fits linml, implicit, linml, implicit, ...;
the ratio is taken per repetition (min / median / max). Wall time and process CPU time
(``time.process_time``, all threads) are both reported: the machine may be shared.

Flop model per sweep (CG with s steps, k factors, one half-step over n rows with nnz entries):
``nnz * (2k + 4k(s + 1)) + n * 2k^2 (s + 1)`` (gather + b, s + 1 products with the stored
rows, s + 1 products with the k x k Gram) plus ``2 n_fixed k^2`` for the Gram itself.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import blas_summary, markdown_table, summary_line

from linml.datasets.ratings import make_implicit_feedback, make_long_tail_ratings
from linml.recommend import ImplicitALS, Interactions, leave_k_out_split, precision_at_k
from linml.recommend._factor_model import topn_indices

REG, ALPHA, N_ITER, CG_STEPS = 1.0, 2.0, 10, 3
TARGET = 0.35


def datasets(quick: bool) -> dict[str, Interactions]:
    if quick:
        uni = make_implicit_feedback(1500, 400, rank=16, interactions_per_user=30, random_state=0)
        tail = make_long_tail_ratings(500, 300, max_per_user=150, random_state=0)[:3]
        wide = make_implicit_feedback(1000, 3000, rank=16, interactions_per_user=20, random_state=0)
    else:
        uni = make_implicit_feedback(20000, 5000, rank=16, interactions_per_user=50, random_state=0)
        tail = make_long_tail_ratings(random_state=0)[:3]
        wide = make_implicit_feedback(
            10000, 30000, rank=16, interactions_per_user=40, random_state=0
        )
    return {
        "uniform": Interactions.from_arrays(*uni),
        "long-tail": Interactions.from_arrays(*tail),
        "wide": Interactions.from_arrays(*wide),
    }


def precision_fn(train: Interactions, test: Interactions):
    test_users = np.flatnonzero(np.diff(test.matrix.indptr) > 0)
    relevant = test.matrix[test_users]
    seen = train.matrix[test_users]
    rows = np.repeat(np.arange(test_users.size), np.diff(seen.indptr))

    def precision(user_factors: np.ndarray, item_factors: np.ndarray) -> float:
        S = (np.asarray(user_factors)[test_users] @ np.asarray(item_factors).T).astype(float)
        S[rows, seen.indices] = -np.inf  # exclude training items, as both libraries do
        return precision_at_k(topn_indices(S, 10), relevant, 10)

    return precision


def flops_per_sweep(M: sp.csr_matrix, k: int, s: int) -> float:
    nnz, (n_u, n_i) = M.nnz, M.shape
    half = lambda n, n_fixed: (  # noqa: E731
        nnz * (2 * k + 4 * k * (s + 1)) + n * 2 * k * k * (s + 1) + 2 * n_fixed * k * k
    )
    return half(n_u, n_i) + half(n_i, n_u)


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def run_cell(train, precision, rank, threads, reps):
    from implicit.cpu.als import AlternatingLeastSquares

    conf = train.matrix.copy()
    conf.data = 1.0 + ALPHA * conf.data
    conf = sp.csr_matrix(conf, dtype=np.float32)
    numba_before = numba.get_num_threads()
    if threads == "1":
        numba.set_num_threads(1)
    try:
        with threadpool_limits(1, user_api="blas"):
            ours = ImplicitALS(
                rank=rank, reg=REG, alpha=ALPHA, n_iter=N_ITER, tol=0.0, cg_steps=CG_STEPS,
                dtype="float32", random_state=0,
            )  # fmt: skip
            peer = AlternatingLeastSquares(
                factors=rank, regularization=REG, alpha=1.0, iterations=N_ITER, use_cg=True,
                dtype=np.float32, random_state=0,
                num_threads=0 if threads == "implicit-advice" else 1,
            )  # fmt: skip
            peer.cg_steps = CG_STEPS  # an attribute (default 3), not a constructor argument

            def fit_peer():
                peer.user_factors = peer.item_factors = None  # no warm start
                peer.fit(conf, show_progress=False)

            ours.fit(train)  # untimed warm-up (numba compile / caches)
            fit_peer()
            t_ours, t_peer = [], []
            for _ in range(reps):  # interleaved A B A B ...
                t_ours.append(timed(lambda: ours.fit(train)))
                t_peer.append(timed(fit_peer))
            n_threads_used = numba.get_num_threads()
    finally:
        numba.set_num_threads(numba_before)
    p_ours = precision(ours.user_factors_, ours.item_factors_)
    p_peer = precision(peer.user_factors, peer.item_factors)
    return np.array(t_ours), np.array(t_peer), p_ours, p_peer, n_threads_used


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=None, help="write the markdown section here")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--data", nargs="*", default=None, help="only these data sets")
    args = parser.parse_args()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print("load before:", uptime)
    print("BLAS:", blas_summary())
    for pool in threadpool_info():
        print(
            f"  {pool['user_api']}/{pool['internal_api']} {pool.get('version')} "
            f"threads={pool['num_threads']} {Path(pool['filepath']).name}"
        )
    print(f"numba {numba.__version__} threads={numba.get_num_threads()}")
    rows = []
    ranks = (32, 64)
    for name, inter in datasets(args.quick).items():
        if args.data and name not in args.data:
            continue
        train, test = leave_k_out_split(inter, k=5, random_state=0)
        precision = precision_fn(train, test)
        n_u = np.diff(train.matrix.indptr)
        n_i = np.diff(train.matrix.tocsc().indptr)
        shape = (
            f"{name} {train.n_users}x{train.n_items}, nnz {train.nnz} "
            f"(per user med {int(np.median(n_u))} max {n_u.max()}, per item max {n_i.max()})"
        )
        print(shape)
        for rank in ranks:
            for threads in ("implicit-advice", "1"):
                t_o, t_p, p_o, p_p, nt = run_cell(train, precision, rank, threads, args.reps)
                ratio = t_o[:, 0] / t_p[:, 0]
                cpu_ratio = t_o[:, 1] / t_p[:, 1]
                gflops = flops_per_sweep(train.matrix, rank, CG_STEPS) * N_ITER / 1e9
                equal = p_o >= 0.98 * p_p
                met = np.median(ratio) <= TARGET and equal
                row = [
                    shape.split(" (")[0], rank, f"{threads} (numba {nt})",
                    f"{np.median(t_o[:, 0]):.3f} / {np.median(t_o[:, 1]):.3f}",
                    f"{np.median(t_p[:, 0]):.3f} / {np.median(t_p[:, 1]):.3f}",
                    f"{ratio.min():.3f} / {np.median(ratio):.3f} / {ratio.max():.3f}",
                    f"{np.median(cpu_ratio):.3f}",
                    f"{p_o:.4f}", f"{p_p:.4f}", "yes" if equal else "NO",
                    f"{gflops / np.median(t_o[:, 0]):.1f} / {gflops / np.median(t_p[:, 0]):.1f}",
                    "met" if met else "NOT met",
                ]  # fmt: skip
                print(" | ".join(str(v) for v in row), flush=True)
                rows.append(row)
    header = [
        "data",
        "rank",
        "threads",
        "linml s wall / cpu (median)",
        "implicit s wall / cpu (median)",
        "ratio wall min / med / max",
        "ratio cpu (med)",
        "linml p@10",
        "implicit p@10",
        "p@10 within 2%",
        "GFLOP/s linml / implicit",
        f"target <= {TARGET}",
    ]
    table = markdown_table(header, rows)
    after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(table)
    print("load after:", after)
    if args.out:
        pools = "; ".join(
            f"{p['internal_api']} {p.get('version')} ({p['num_threads']} threads, "
            f"{Path(p['filepath']).name})"
            for p in threadpool_info()
        )
        text = (
            f"## ImplicitALS vs implicit (grid)\n\n"
            f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"numba {numba.__version__}. threadpoolctl: {pools}.\n\n"
            f"Load: before `{uptime}`; after `{after}`.\n\n"
            f"{REPS_NOTE.format(reps=args.reps)}\n\n{table}\n\n{readme_summary(rows)}\n"
        )
        Path(args.out).write_text(text)


def readme_summary(rows: list) -> str:
    """README row: median wall ratio linml / implicit per cell (data × rank × threads)."""
    cells = {}
    for r in rows:
        threads = r[2].split(" (")[0]
        label = f"{r[0].split(',')[0]}, rank {r[1]}, {'1 thread' if threads == '1' else threads}"
        cells[label] = float(r[5].split("/")[1])
    data = " / ".join(dict.fromkeys(r[0].split(" ")[0] for r in rows))
    return summary_line(
        f"ImplicitALS, {data} × rank 32/64 × 2 thread settings",
        "implicit ALS",
        cells,
        f"≤ {TARGET}",
    )


REPS_NOTE = (
    "Each cell: {reps} interleaved fits per library after one untimed warm-up each; ratio = "
    "linml / implicit per repetition. Times are medians (wall / process CPU). 10 sweeps, "
    "3 CG steps, float32, reg 1.0, alpha 2.0. 'implicit-advice': BLAS 1 thread, implicit "
    "num_threads=0, numba default; '1': also numba.set_num_threads(1), implicit num_threads=1."
)

if __name__ == "__main__":
    main()
