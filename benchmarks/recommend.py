"""Recommenders: linml ALS vs Surprise SVD (explicit), linml ImplicitALS vs implicit's CPU ALS.

The grid of issue 19: three shapes (tall = many users x few items, square-ish, wide = few
users x many items, each about 360k interactions) x three thread settings, per
peer. linml and the peer run interleaved (A B A B ..., 5 rounds after an untimed warm-up;
numba compiles before the grid); each cell gives the per-round ratio linml / peer as median
(min-max).

Thread settings (issue 19: "measure with the BLAS and numba thread counts each peer uses, and
with 1 thread each"):

* ``peer``: each side as its peer runs it. Surprise's SVD is single-threaded Cython, so BLAS
  and numba stay at their defaults (all cores); implicit asks for BLAS at 1 thread
  (threadpoolctl, both sides) and runs its own OpenMP loop on every core (``num_threads=0``);
  linml uses numba's default thread count (all cores) in both.
* ``1``: one thread each: ``numba.set_num_threads(1)``, ``threadpool_limits(1)`` on every
  pool, implicit ``num_threads=1`` (Surprise is one thread anyway).
* ``busy``: the ``peer`` setting while a background process keeps one core busy (it spins
  256 x 256 float64 GEMMs at BLAS 1 thread; started before the cell's warm-up, stopped after
  its last round; its GEMM rate is reported as evidence of the load).

Explicit: ``make_low_rank_ratings`` (taste rank 16, noise 0.8 = the RMSE floor), 10% held out;
linml ALS (rank 64, 10 sweeps, CG with 3 steps, float32) against Surprise SVD (SGD, 64 factors,
its default 20 epochs), both fitted on the same training ratings, compared on held-out RMSE
(Surprise's prediction clipped to the rating scale, as its ``predict`` does). A second table
times the other ALS solvers (Cholesky float64, CG float64) on the square shape. Implicit:
``make_implicit_feedback`` counts, 5 interactions per user held out; ImplicitALS against
``implicit.cpu.als.AlternatingLeastSquares`` with matched parameters (64 factors, reg 1.0,
10 iterations, CG with 3 steps, float32; implicit fitted on confidences ``1 + alpha * r`` with
its own alpha = 1, which is ImplicitALS's weighting with alpha = 2), compared on precision@10
computed by the same code from both models' factors.

Run: .venv/bin/python benchmarks/recommend.py [--quick]
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_info, threadpool_limits

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

from linml.datasets.ratings import make_implicit_feedback, make_low_rank_ratings
from linml.recommend import (
    ALS,
    ImplicitALS,
    Interactions,
    holdout_split,
    leave_k_out_split,
    precision_at_k,
    rmse,
)
from linml.recommend._factor_model import topn_indices

QUICK = quick()
# label -> (n_users, n_items, interactions per user); 360k interactions each (40k quick)
SHAPES = (
    {"tall": (3000, 300, 15), "square": (1000, 1000, 40), "wide": (200, 5000, 200)}
    if QUICK
    else {"tall": (24000, 1000, 15), "square": (9000, 4000, 40), "wide": (1500, 20000, 240)}
)
SETTINGS = ("peer", "1", "busy")
REPEAT = 3 if QUICK else 5
RANK, N_ITER, SVD_EPOCHS, CG_STEPS = 64, 10, 20, 3
ALS_REG = 0.1
IMPLICIT_REG, IMPLICIT_ALPHA = 1.0, 2.0
# issue 19: ALS ≤ 0.2× Surprise SVD; issue 18: ImplicitALS ≤ 0.35× implicit at equal p@10
TARGET_SURPRISE, TARGET_IMPLICIT = 0.2, 0.35
BUSY_N = 256  # GEMM size of the busy worker


def _spin(stop, ready, count) -> None:
    """Busy worker: multiply ``BUSY_N`` x ``BUSY_N`` matrices at BLAS 1 thread until ``stop``."""
    A = np.random.default_rng(0).standard_normal((BUSY_N, BUSY_N))
    n = 0
    with threadpool_limits(1):
        A @ A
        ready.set()
        while not stop.is_set():
            A @ A
            n += 1
    count.value = n


class BusyCore:
    """A spawned process that keeps one core busy with GEMMs while the context is open.

    After the context closes, ``gflops`` is the worker's GEMM rate ``2 n^3 count / seconds``
    (``n = BUSY_N``), evidence that it really held a core.
    """

    def __enter__(self) -> BusyCore:
        ctx = mp.get_context("spawn")  # no fork: the parent's numba/OpenMP pools stay out of it
        self._stop, ready, self._count = ctx.Event(), ctx.Event(), ctx.Value("q", 0)
        self._proc = ctx.Process(target=_spin, args=(self._stop, ready, self._count), daemon=True)
        self._proc.start()
        if not ready.wait(60):
            self._proc.kill()
            raise RuntimeError("busy worker did not start within 60 s")
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._proc.join(30)
        seconds = time.perf_counter() - self._start
        self.gflops = 2.0 * BUSY_N**3 * self._count.value / seconds / 1e9


@contextlib.contextmanager
def thread_setting(setting: str, peer: str) -> Iterator[BusyCore | None]:
    """Apply one thread setting (``peer``, ``1`` or ``busy``) for ``peer``; restore on exit."""
    numba_default = numba.config.NUMBA_NUM_THREADS
    with contextlib.ExitStack() as stack:
        busy = None
        if setting == "1":
            numba.set_num_threads(1)
            stack.callback(numba.set_num_threads, numba_default)
            stack.enter_context(threadpool_limits(1))
        elif peer == "implicit":  # implicit's advice: BLAS at 1 thread, its OpenMP on all cores
            stack.enter_context(threadpool_limits(1, user_api="blas"))
        if setting == "busy":
            busy = stack.enter_context(BusyCore())
        yield busy


def busy_note(busy: BusyCore | None) -> str:
    return f" (busy worker {busy.gflops:.1f} GFLOP/s)" if busy is not None else ""


def als_flops(nnz: int, n_rows: int, kk: int, solver: str, cg_steps: int) -> float:
    """Flops of one ALS half-step over n_rows rows with nnz entries, kk unknowns per row."""
    if solver == "cg":
        # residual + cg_steps products, each 4 kk flops per entry (y^T v, then axpy)
        return nnz * 4.0 * kk * (cg_steps + 1) + n_rows * 10.0 * kk * (cg_steps + 1)
    # lower triangle of Y_u^T Y_u + rhs, Cholesky, two triangular solves
    return nnz * (kk * (kk + 1) + 2.0 * kk) + n_rows * (kk**3 / 3.0 + 2.0 * kk**2)


def warm_up_numba() -> None:
    """Compile every kernel the grid uses (numba caches per dtype; cache=True keeps them)."""
    u, i, r = make_low_rank_ratings(200, 100, rank=4, ratings_per_user=10, random_state=0)
    small = Interactions.from_arrays(u, i, r)
    implicit_small = Interactions.from_arrays(
        *make_implicit_feedback(200, 100, rank=4, interactions_per_user=10, random_state=0)
    )
    for solver in ("cholesky", "cg"):
        for dtype in ("float64", "float32"):
            ALS(rank=4, n_iter=1, solver=solver, dtype=dtype).fit(small)
        ImplicitALS(rank=4, n_iter=1, solver=solver).fit(implicit_small)


# ---------------------------------------------------------------- explicit: Surprise SVD


def explicit_data(n_users: int, n_items: int, per_user: int) -> dict:
    from surprise import Dataset, Reader

    users, items, ratings = make_low_rank_ratings(
        n_users, n_items, rank=16, ratings_per_user=per_user, noise=0.8, random_state=0
    )
    train, test = holdout_split(
        Interactions.from_arrays(users, items, ratings), 0.1, random_state=0
    )
    tu, ti, tr = test.to_triples()
    ru, ri, rr = train.to_triples()
    df = pd.DataFrame({"u": ru, "i": ri, "r": rr})
    scale = (float(rr.min()), float(rr.max()))
    trainset = Dataset.load_from_df(df, Reader(rating_scale=scale)).build_full_trainset()
    return {"train": train, "trainset": trainset, "test": (tu, ti, tr)}


def surprise_predict(svd, trainset, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Surprise SVD's ``mu + b_u + b_i + p_u^T q_i``, vectorized, clipped to the rating scale.

    A user or item Surprise never saw contributes no bias and no factors, as in its ``estimate``.
    """
    uid = np.array([trainset._raw2inner_id_users.get(u, -1) for u in users.tolist()])
    iid = np.array([trainset._raw2inner_id_items.get(i, -1) for i in items.tolist()])
    ku, ki = uid >= 0, iid >= 0
    bu = np.where(ku, svd.bu[np.maximum(uid, 0)], 0.0)
    bi = np.where(ki, svd.bi[np.maximum(iid, 0)], 0.0)
    dot = np.einsum("nk,nk->n", svd.pu[np.maximum(uid, 0)], svd.qi[np.maximum(iid, 0)])
    pred = trainset.global_mean + bu + bi + np.where(ku & ki, dot, 0.0)
    return np.clip(pred, *trainset.rating_scale)


def fit_als(train: Interactions, solver: str = "cg", dtype: str = "float32") -> ALS:
    model = ALS(
        rank=RANK,
        reg=ALS_REG,
        n_iter=N_ITER,
        tol=0.0,
        solver=solver,
        cg_steps=CG_STEPS,
        dtype=dtype,
        random_state=0,
    )
    return model.fit(train)


def fit_surprise(trainset):
    from surprise import SVD

    return SVD(n_factors=RANK, n_epochs=SVD_EPOCHS, random_state=0).fit(trainset)


def explicit_cell(label: str, data: dict, setting: str, rows: list, cells: dict) -> None:
    train, trainset = data["train"], data["trainset"]
    tu, ti, tr = data["test"]
    fns = {"linml": lambda: fit_als(train), "Surprise": lambda: fit_surprise(trainset)}
    with thread_setting(setting, "surprise") as busy:
        times, res = interleaved(fns, repeat=REPEAT, warmup=1)
    stats = ratio_stats(times["linml"], times["Surprise"])
    err = rmse(tr, res["linml"].predict(tu, ti))
    err_peer = rmse(tr, surprise_predict(res["Surprise"], trainset, tu, ti))
    rows.append(
        [
            label,
            setting + busy_note(busy),
            f"{statistics.median(times['linml']):.3f}",
            f"{statistics.median(times['Surprise']):.3f}",
            fmt_ratio(stats),
            "met" if stats[1] <= TARGET_SURPRISE else "NOT met",
            f"{err:.4f}",
            f"{err_peer:.4f}",
            "yes" if err <= err_peer + 1e-4 else "no",
        ]
    )
    cells[f"{label.split()[0]}, {setting}"] = stats[1]
    print(" | ".join(rows[-1]), flush=True)


def solver_rows(data: dict, rows: list) -> None:
    """The other ALS solvers against Surprise on one shape, ``peer`` threads, interleaved."""
    train, trainset = data["train"], data["trainset"]
    tu, ti, tr = data["test"]
    configs = {
        "ALS cholesky float64": ("cholesky", "float64"),
        "ALS cg(3) float64": ("cg", "float64"),
        "ALS cg(3) float32": ("cg", "float32"),
    }
    fns = {name: (lambda s=s, d=d: fit_als(train, s, d)) for name, (s, d) in configs.items()}
    fns["Surprise"] = lambda: fit_surprise(trainset)
    with thread_setting("peer", "surprise"):
        times, res = interleaved(fns, repeat=REPEAT, warmup=1)
    err_peer = rmse(tr, surprise_predict(res["Surprise"], trainset, tu, ti))
    n_users, n_items = train.shape
    for name, (solver, _) in configs.items():
        kk = RANK + 1  # factors + the bias column
        flops = N_ITER * (
            als_flops(train.nnz, n_users, kk, solver, CG_STEPS)
            + als_flops(train.nnz, n_items, kk, solver, CG_STEPS)
        )
        seconds = statistics.median(times[name])
        err = rmse(tr, res[name].predict(tu, ti))
        rows.append(
            [
                name,
                f"{seconds:.3f}",
                f"{statistics.median(times['Surprise']):.3f}",
                fmt_ratio(ratio_stats(times[name], times["Surprise"])),
                f"{err:.4f}",
                f"{err_peer:.4f}",
                f"{flops / seconds / 1e9:.1f}",
            ]
        )
        print(" | ".join(rows[-1]), flush=True)


# ---------------------------------------------------------------- implicit: implicit's ALS


def implicit_data(n_users: int, n_items: int, per_user: int) -> dict:
    users, items, counts = make_implicit_feedback(
        n_users, n_items, rank=16, interactions_per_user=per_user, random_state=0
    )
    train, test = leave_k_out_split(
        Interactions.from_arrays(users, items, counts), k=5, random_state=0
    )
    conf = train.matrix.copy()
    conf.data = 1.0 + IMPLICIT_ALPHA * conf.data  # C = 1 + alpha R, implicit's input
    test_users = np.flatnonzero(np.diff(test.matrix.indptr) > 0)
    return {
        "train": train,
        "conf": sp.csr_matrix(conf, dtype=np.float32),
        "test_users": test_users,
        "relevant": test.matrix[test_users],
        "seen": train.matrix[test_users],
    }


def precision_from_factors(data: dict, P: np.ndarray, Q: np.ndarray) -> float:
    """precision@10 of the scores ``P Q^T`` over the test users, training items excluded."""
    seen = data["seen"]
    S = (P[data["test_users"]] @ Q.T).astype(np.float64)  # (test users, items)
    rows = np.repeat(np.arange(S.shape[0]), np.diff(seen.indptr))
    S[rows, seen.indices] = -np.inf  # exclude training items, as both libraries do
    return precision_at_k(topn_indices(S, 10), data["relevant"], 10)


def fit_implicit_als(train: Interactions) -> ImplicitALS:
    model = ImplicitALS(
        rank=RANK,
        reg=IMPLICIT_REG,
        alpha=IMPLICIT_ALPHA,
        n_iter=N_ITER,
        tol=0.0,
        cg_steps=CG_STEPS,
        random_state=0,
    )
    return model.fit(train)


def fit_implicit(conf: sp.csr_matrix, num_threads: int):
    from implicit.cpu.als import AlternatingLeastSquares

    peer = AlternatingLeastSquares(
        factors=RANK,
        regularization=IMPLICIT_REG,
        alpha=1.0,
        iterations=N_ITER,
        use_cg=True,
        dtype=np.float32,
        num_threads=num_threads,
        random_state=0,
    )
    peer.cg_steps = CG_STEPS  # its default already; set so the match is explicit
    peer.fit(conf, show_progress=False)
    return peer


def implicit_cell(label: str, data: dict, setting: str, rows: list, cells: dict) -> None:
    train, conf = data["train"], data["conf"]
    num_threads = 1 if setting == "1" else 0  # 0: implicit's OpenMP default, every core
    fns = {
        "linml": lambda: fit_implicit_als(train),
        "implicit": lambda: fit_implicit(conf, num_threads),
    }
    with thread_setting(setting, "implicit") as busy:
        times, res = interleaved(fns, repeat=REPEAT, warmup=1)
    stats = ratio_stats(times["linml"], times["implicit"])
    ours, peer = res["linml"], res["implicit"]
    p_ours = precision_from_factors(data, ours.user_factors_, ours.item_factors_)
    p_peer = precision_from_factors(
        data, np.asarray(peer.user_factors), np.asarray(peer.item_factors)
    )
    rows.append(
        [
            label,
            setting + busy_note(busy),
            f"{statistics.median(times['linml']):.3f}",
            f"{statistics.median(times['implicit']):.3f}",
            fmt_ratio(stats),
            "met" if stats[1] <= TARGET_IMPLICIT else "NOT met",
            f"{p_ours:.4f}",
            f"{p_peer:.4f}",
            "yes" if p_ours >= 0.98 * p_peer else "no",
        ]
    )
    cells[f"{label.split()[0]}, {setting}"] = stats[1]
    print(" | ".join(rows[-1]), flush=True)


# ---------------------------------------------------------------- driver


def shape_label(name: str, n_users: int, n_items: int, nnz: int) -> str:
    return f"{name} {n_users}×{n_items} ({nnz} train)"


def per_setting(cells: dict) -> str:
    """``setting: median r over shapes (worst r)`` for each thread setting."""
    parts = []
    for setting in SETTINGS:
        values = [r for cell, r in cells.items() if cell.endswith(", " + setting)]
        parts.append(f"{setting}: median {statistics.median(values):.2f}, worst {max(values):.2f}")
    return "; ".join(parts)


def main() -> None:
    n_threads = numba.config.NUMBA_NUM_THREADS
    print(blas_summary())
    warm_up_numba()
    print(
        f"numba {numba.__version__}, threading layer {numba.threading_layer()}, default "
        f"{n_threads} threads; {os.cpu_count()} cores; {'quick' if QUICK else 'full'} grid, "
        f"{REPEAT} rounds after a warm-up"
    )
    header = [
        "shape (users×items)",
        "threads",
        "linml s (median)",
        "peer s (median)",
        "ratio median (min–max)",
        "target",
        "linml quality",
        "peer quality",
        "equal or better",
    ]
    ex_rows: list = []
    ex_cells: dict = {}
    solver_table: list = []
    for name, (n_users, n_items, per_user) in SHAPES.items():
        data = explicit_data(n_users, n_items, per_user)
        label = shape_label(name, n_users, n_items, data["train"].nnz)
        for setting in SETTINGS:
            explicit_cell(label, data, setting, ex_rows, ex_cells)
        if name == "square":
            solver_rows(data, solver_table)
    im_rows: list = []
    im_cells: dict = {}
    for name, (n_users, n_items, per_user) in SHAPES.items():
        data = implicit_data(n_users, n_items, per_user)
        label = shape_label(name, n_users, n_items, data["train"].nnz)
        for setting in SETTINGS:
            implicit_cell(label, data, setting, im_rows, im_cells)
    pools = "; ".join(
        f"{p['user_api']}:{p['internal_api']} {p.get('version')} {p['num_threads']} threads "
        f"({Path(p['filepath']).name})"
        for p in threadpool_info()
    )
    ex_table = markdown_table(["ALS vs Surprise SVD: " + header[0], *header[1:]], ex_rows)
    im_table = markdown_table(["ImplicitALS vs implicit: " + header[0], *header[1:]], im_rows)
    sv_header = [
        "linml (square shape, peer threads)",
        "linml s (median)",
        "Surprise s (median)",
        "ratio median (min–max)",
        "linml RMSE",
        "Surprise RMSE",
        "linml GFLOP/s",
    ]
    sv_table = markdown_table(sv_header, solver_table)
    summaries = [
        summary_line(
            f"ALS cg(3) float32, rank {RANK}, 3 shapes × threads peer/1/busy",
            "Surprise SVD",
            ex_cells,
            f"≤ {TARGET_SURPRISE}",
        ),
        summary_line(
            f"ImplicitALS cg(3) float32, rank {RANK}, 3 shapes × threads peer/1/busy",
            "implicit",
            im_cells,
            f"≤ {TARGET_IMPLICIT}",
        ),
    ]
    print(ex_table, sv_table, im_table, *summaries, sep="\n\n")
    body = (
        f"Issue 19 grid: 3 shapes × 3 thread settings per peer; {REPEAT} interleaved rounds "
        "(linml, peer, linml, peer …) after an untimed warm-up, numba compiled before; ratio = "
        "t_linml / t_peer per round, median (min–max). Rank/factors "
        f"{RANK}; linml ALS and ImplicitALS {N_ITER} sweeps of CG with {CG_STEPS} steps, "
        f"float32; Surprise SVD {SVD_EPOCHS} epochs (its default); implicit {N_ITER} "
        f"iterations, CG {CG_STEPS} steps, float32. The same training data for both sides of a "
        "cell.\n\n"
        f"Thread settings ({os.cpu_count()} cores; numba {numba.__version__}, threading layer "
        f"{numba.threading_layer()}, default {n_threads} threads):\n"
        "- `peer`: Surprise SVD is single-threaded Cython, so nothing is limited: BLAS at its "
        f"default, linml's numba at {n_threads} threads (linml's ALS limits BLAS to 1 thread "
        "inside its sweeps itself). implicit: BLAS limited to 1 thread (threadpoolctl, both "
        f"sides, as implicit asks), implicit `num_threads=0` (OpenMP, {os.cpu_count()} threads), "
        f"linml's numba at {n_threads} threads.\n"
        "- `1`: `numba.set_num_threads(1)`, `threadpool_limits(1)` on every pool, implicit "
        "`num_threads=1`.\n"
        "- `busy`: the `peer` setting while a spawned background process keeps one core busy "
        f"with {BUSY_N}×{BUSY_N} float64 GEMMs at BLAS 1 thread (started before the cell's "
        "warm-up, stopped after its last round; its GEMM rate in the threads column).\n\n"
        f"threadpoolctl at start: {pools}\n\n"
        "Quality: held-out RMSE on 10% of the ratings (lower is better; Surprise's prediction "
        "clipped to the rating scale as its `predict` does; the data's noise floor is 0.8) and "
        "precision@10 on 5 held-out interactions per user, computed by the same code from both "
        "models' factors with training items excluded ('equal' = within 2%). Shared 2-core "
        "machine (other jobs ran): timings are noisy.\n\n"
        f"Per setting, ALS vs Surprise: {per_setting(ex_cells)}. ImplicitALS vs implicit: "
        f"{per_setting(im_cells)}.\n\n"
        + ex_table
        + "\n\n"
        + im_table
        + "\n\nOther ALS solvers, square shape, `peer` threads, interleaved with Surprise "
        "(GFLOP/s by the flop model of `als_flops`):\n\n" + sv_table + "\n\n" + "\n".join(summaries)
    )
    if not QUICK:
        record("recommend", "Recommenders (ALS vs Surprise SVD, ImplicitALS vs implicit)", body)


if __name__ == "__main__":
    main()
