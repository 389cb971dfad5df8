"""Scale-out benchmark: Ridge and PCA on a lazily generated dask array, threads vs a LocalCluster.

The data never exist in memory: ``X`` (``n × p`` float64, default 10⁷ × 100 = 8 GB) is a
dask array whose every row block ``b`` is generated from the seed ``(seed, b)`` when a task
needs it, and ``y = X β + ε`` likewise (ε from its own seed), so a fit streams the blocks
once. Three parts:

(a) n = 10⁷ (``--quick``: 4·10⁵): linml ``Ridge`` and ``PCA`` with dask's threaded scheduler
    and with a ``distributed.LocalCluster`` (2 worker processes × 1 thread): wall time, peak
    RSS of the client and of each worker (goal < 3 GB each), and the achieved rate of the
    Gram pass against the machine's GEMM peak (goal ≥ 50 %).
    Flop model: the pass forms ``Xcᵀ Xc`` for every block, ``2 n p²`` flops counted as a
    GEMM (a SYRK does half the multiplications, so this is the GEMM-equivalent rate; the
    ``2 n p`` of centering and ``Xcᵀ yc`` are left out). Generating the data costs more than
    the pass itself, so the rate is measured on the smallest n of (b) persisted in memory
    (threads: in this process; cluster: on the workers), best of 3 whole fits.
(b) time vs n over 10⁶, 3·10⁶, 10⁷ (``--quick``: 10⁵, 2·10⁵, 4·10⁵), Ridge, threads:
    seconds per 10⁶ rows should stay flat (linear scaling).
(c) the peer, dask-ml, on the same lazy data (n = 5·10⁵; ``--quick``: 10⁵), threads,
    interleaved linml / dask-ml × ``--repeat`` after an untimed warm-up:
    ``dask_ml.linear_model.LinearRegression(penalty='l2', C=1/α, solver='newton')`` against
    linml ``Ridge(α)`` and ``dask_ml.decomposition.PCA(k, svd_solver='tsqr')`` against
    linml ``PCA(k)``; quality: relative difference of the coefficients / explained variances.

Run::

    .venv/bin/python benchmarks/scale_out.py            # ≤ 10 minutes on 2 cores
    .venv/bin/python benchmarks/scale_out.py --quick    # 4·10⁵ rows at most, ~30 s

Threads: the threaded scheduler runs ``os.cpu_count()`` tasks at once with BLAS limited to 1
thread per task (threadpoolctl), so tasks do not oversubscribe the cores; the workers of the
cluster have 1 thread each and distributed sets ``OMP/OPENBLAS/MKL_NUM_THREADS=1`` in them
(printed from the workers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import resource
import sys
import threading
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import blas_summary, markdown_table, summary_line
from gemm_peak import peak_gflops

P = 100
ALPHA = 1.0
K = 10
SEED = 0


# ---------------------------------------------------------------------------- lazy data
def _x_block(block_id: tuple[int, int], rows: int, p: int, seed: int) -> np.ndarray:
    """Row block ``b`` of X from the seed ``(seed, b)``: uniform columns with spread 1…3."""
    rng = np.random.default_rng([seed, block_id[0]])
    X = rng.random((rows, p))
    X -= 0.5
    X *= np.linspace(1.0, 3.0, p)  # distinct column variances: PCA has separated eigenvalues
    X += 2.0  # a non-zero mean, as real data have
    return X


def _noise_block(block_id: tuple[int], rows: int, seed: int) -> np.ndarray:
    return 0.1 * np.random.default_rng([seed, 10**6 + block_id[0]]).standard_normal(rows)


def lazy_data(n: int, p: int, block_rows: int, seed: int = SEED):
    """``(X, y, β)``: X lazily generated per row block, ``y = X β + ε`` (never materialized)."""
    import dask.array as da

    sizes = [block_rows] * (n // block_rows) + ([n % block_rows] if n % block_rows else [])
    chunks = (tuple(sizes), (p,))
    X = da.map_blocks(
        lambda block_id=None: _x_block(block_id, sizes[block_id[0]], p, seed),
        chunks=chunks,
        dtype=np.float64,
        meta=np.empty((0, 0)),
    )
    beta = np.linspace(-1.0, 1.0, p)
    noise = da.map_blocks(
        lambda block_id=None: _noise_block(block_id, sizes[block_id[0]], seed),
        chunks=(tuple(sizes),),
        dtype=np.float64,
        meta=np.empty(0),
    )
    return X, X @ beta + noise, beta


# ---------------------------------------------------------------------------- measuring
class PeakRSS:
    """Peak resident memory of this process while the block runs (sampled every 20 ms)."""

    def __enter__(self) -> PeakRSS:
        self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())


def _rss() -> int:
    """Current resident set size in bytes (Linux /proc)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _worker_peak_rss() -> int:
    """A worker's lifetime peak RSS in bytes (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _worker_threads() -> str:
    pools = threadpool_info()
    blas = ", ".join(f"{p.get('internal_api')}={p.get('num_threads')}" for p in pools)
    env = ",".join(
        f"{v}={os.environ.get(v, '-')}" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")
    )
    return f"{blas} ({env})"


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def fit_ridge(X, y):
    from linml.linear_model import Ridge

    return Ridge(alpha=ALPHA).fit(X, y)


def fit_pca(X, y):
    from linml.decomposition import PCA

    return PCA(K).fit(X)


def generate_only(X, y):
    import dask

    return dask.compute(X.sum(axis=0), y.sum())


# ---------------------------------------------------------------------------- parts
def _scheduler(where: str):
    """``(dask config, BLAS limit)`` for the threaded scheduler or the default (cluster) client."""
    import dask

    if where == "threads":
        return dask.config.set(scheduler="threads"), threadpool_limits(limits=1, user_api="blas")
    return dask.config.set(scheduler="dask.distributed"), threadpool_limits(limits=None)


def part_a(n: int, n_rate: int, block_rows: int, peak: float, client) -> tuple[list, list, list]:
    """Ridge and PCA at ``n`` lazy rows (time, client RSS), and the Gram pass rate on
    ``n_rate`` rows persisted in memory (so generation is not timed), threads then cluster."""
    import dask

    rows, rate_rows, facts = [], [], []
    flops = 2.0 * n_rate * P**2
    for where in ("threads", "cluster"):
        ctx, limit = _scheduler(where)
        with ctx, limit:
            small = lazy_data(2 * block_rows, P, block_rows)[:2]
            fit_ridge(*small), fit_pca(*small)  # warm-up: worker imports, numba compile
            X, y, _ = lazy_data(n, P, block_rows)
            for name, fit in (("Ridge", fit_ridge), ("PCA", fit_pca)):
                with PeakRSS() as mem:
                    t_fit, model = timed(lambda fit=fit, X=X, y=y: fit(X, y))
                rows.append([name, where, f"{n:,}", round(t_fit, 2), round(mem.peak / 2**30, 2)])
                print(" | ".join(map(str, rows[-1])), flush=True)
                line = getattr(model, "dask_info_", None) or getattr(model, "dask_fit_", None)
                if line:
                    facts.append(f"{name} {where}: {line}")
            Xp, yp = dask.persist(*lazy_data(n_rate, P, block_rows)[:2])  # blocks in memory
            for name, fit in (("Ridge", fit_ridge), ("PCA", fit_pca)):
                t_best = min(timed(lambda f=fit, X=Xp, y=yp: f(X, y))[0] for _ in range(3))
                rate = flops / t_best / 1e9
                rate_rows.append(
                    [
                        name,
                        where,
                        f"{n_rate:,}",
                        round(t_best, 3),
                        round(rate, 1),
                        round(100 * rate / peak),
                    ]
                )
                print(" | ".join(map(str, rate_rows[-1])), flush=True)
            del Xp, yp
    workers = client.run(_worker_peak_rss)
    facts.append(
        "cluster worker peak RSS (lifetime: all cluster fits, incl. the persisted "
        f"{n_rate:,} rows): " + ", ".join(f"{v / 2**30:.2f} GB" for v in workers.values())
    )
    return rows, rate_rows, facts, list(workers.values())


def part_b(ns: list[int], block_rows: int, rounds: int = 2) -> list:
    """Ridge with threads over the n grid, ``rounds`` interleaved passes over the grid (a burst
    of load on the shared machine hits one n, not all of its repetitions): best time per n,
    and seconds per 10⁶ rows (flat = linear)."""
    import dask

    best = dict.fromkeys(ns, float("inf"))
    with dask.config.set(scheduler="threads"), threadpool_limits(limits=1, user_api="blas"):
        fit_ridge(*lazy_data(block_rows, P, block_rows)[:2])  # warm-up: imports, numba compile
        for _ in range(rounds):
            for n in ns:
                X, y, _ = lazy_data(n, P, block_rows)
                best[n] = min(best[n], timed(lambda X=X, y=y: fit_ridge(X, y))[0])
                print(f"n={n:,}: {best[n]:.2f} s (best so far)", flush=True)
    return [[f"{n:,}", round(t, 2), round(t / (n / 1e6), 3)] for n, t in best.items()]


def targets(rows_a, rows_rate, rows_b, facts, worker_rss) -> list[str]:
    """The issue's goals, each met or not, with the numbers."""
    rss = max([r[4] for r in rows_a] + [v / 2**30 for v in worker_rss])
    rate = {
        where: max(r[5] for r in rows_rate if r[1] == where) for where in ("threads", "cluster")
    }
    per_m = [r[2] for r in rows_b]
    spread = max(per_m) / min(per_m)

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    return [
        f"- peak RSS < 3 GB (client and each worker): {verdict(rss < 3)} — max {rss:.2f} GB.",
        "- Gram pass ≥ 50 % of the GEMM peak: "
        + ", ".join(f"{w} {verdict(v >= 50)} ({v:.0f} %)" for w, v in rate.items())
        + " (the peak itself was measured on the shared machine, in the same run).",
        f"- time linear in n: {verdict(spread <= 1.5)} — seconds per 10⁶ rows range "
        f"{min(per_m):.2f}…{max(per_m):.2f} (max/min {spread:.2f}; goal ≤ 1.5).",
    ]


def part_c(n: int, block_rows: int, repeat: int) -> list:
    """linml vs dask-ml, interleaved A B A B …, after one untimed warm-up each."""
    import dask
    from dask_ml.decomposition import PCA as DaskPCA
    from dask_ml.linear_model import LinearRegression as DaskLR

    X, y, _ = lazy_data(n, P, block_rows)
    pairs = {
        "Ridge(α=1) vs dask-ml LinearRegression(l2, C=1, newton)": (
            lambda: fit_ridge(X, y),
            lambda: DaskLR(penalty="l2", C=1.0 / ALPHA, solver="newton").fit(X, y),
            lambda a, b: np.linalg.norm(a.coef_ - b.coef_) / np.linalg.norm(a.coef_),
        ),
        f"PCA({K}) vs dask-ml PCA({K}, tsqr)": (
            lambda: fit_pca(X, y),
            lambda: DaskPCA(K, svd_solver="tsqr").fit(X),
            lambda a, b: float(
                np.max(
                    np.abs(a.explained_variance_ - b.explained_variance_) / a.explained_variance_
                )
            ),
        ),
    }
    rows = []
    with dask.config.set(scheduler="threads"), threadpool_limits(limits=1, user_api="blas"):
        for label, (ours, peer, diff) in pairs.items():
            a, b = ours(), peer()  # warm-up (numba compile, imports), untimed
            t_a, t_b = [], []
            for _ in range(repeat):
                t, a = timed(ours)
                t_a.append(t)
                t, b = timed(peer)
                t_b.append(t)
            ratio = np.array(t_a) / np.array(t_b)
            rows.append(
                [
                    label,
                    f"{n:,}",
                    round(float(np.median(t_a)), 2),
                    round(float(np.median(t_b)), 2),
                    f"{ratio.min():.2f} / {np.median(ratio):.2f} / {ratio.max():.2f}",
                    f"{diff(a, b):.1e}",
                ]
            )
            print(" | ".join(map(str, rows[-1])), flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4·10⁵ rows at most (~30 s)")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved repetitions in (c)")
    parser.add_argument("--block-rows", type=int, default=125_000, help="rows per dask block")
    parser.add_argument(
        "--out",
        default=None,
        help="markdown section (default /tmp/results/scale_out.md; --quick: none)",
    )
    args = parser.parse_args(argv)
    import distributed

    ns = [100_000, 200_000, 400_000] if args.quick else [1_000_000, 3_000_000, 10_000_000]
    n_peer = 100_000 if args.quick else 500_000  # dask-ml's PCA is slow: 6 fits must fit the budget
    print(f"BLAS: {blas_summary()}")
    peak = peak_gflops(np.float64)
    print(f"GEMM peak (float64, n=2000, default BLAS threads): {peak:.1f} GFLOP/s", flush=True)

    print("\n(b) time vs n, Ridge, threads")
    rows_b = part_b(ns, args.block_rows)
    print("\n(c) linml vs dask-ml, threads")
    rows_c = part_c(n_peer, args.block_rows, args.repeat)
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster)  # default: (a) picks it for the cluster rows
    try:
        worker_threads = client.run(_worker_threads)
        print("\n(a) full size, threads and LocalCluster(2 × 1 thread)")
        rows_a, rows_rate, facts, worker_rss = part_a(ns[-1], ns[0], args.block_rows, peak, client)
    finally:
        client.close()
        cluster.close()

    header_a = ["fit", "scheduler", "n", "fit s (generation included)", "client peak RSS GB"]
    header_rate = ["fit", "scheduler", "n (persisted)", "best of 3 s", "GFLOP/s", "% of GEMM peak"]
    body = "\n".join(
        [
            f"## Scale-out: Ridge and PCA on a lazy {ns[-1]:,} × {P} dask array "
            f"({'quick' if args.quick else 'full'} run)",
            "",
            f"Measured {dt.date.today().isoformat()} with `benchmarks/scale_out.py"
            f"{' --quick' if args.quick else ''}` on {os.cpu_count()} cores, "
            "shared with other engineers' jobs at the time (timings are noisy, lower bounds).",
            f"BLAS: {blas_summary()}. GEMM peak float64: {peak:.1f} GFLOP/s.",
            "Threads: threaded scheduler with os.cpu_count() workers and BLAS limited to 1 "
            "thread per task; cluster workers: "
            + "; ".join(f"{w}: {s}" for w, s in worker_threads.items()),
            f"Data: X generated per block of {args.block_rows} rows from a seed (never "
            f"materialized, {ns[-1] * P * 8 / 1e9:.1f} GB), y = Xβ + ε. Flop model: 2·n·p² "
            "(the Gram pass counted as a GEMM), measured on blocks persisted in memory so that "
            "the (slower) generation is not timed; the whole fit (pass + p×p solve + dask "
            "overhead) is in the time.",
            "",
            "### (a) full size",
            "",
            markdown_table(header_a, rows_a),
            "",
            "Gram pass rate:",
            "",
            markdown_table(header_rate, rows_rate),
            "",
            *[f"- {f}" for f in facts],
            "",
            "### (b) time vs n (Ridge, threads)",
            "",
            markdown_table(["n", "fit s", "s per 10⁶ rows"], rows_b),
            "",
            "### (c) against dask-ml (threads, interleaved, median of "
            f"{args.repeat} after a warm-up)",
            "",
            markdown_table(
                ["fit", "n", "linml s", "dask-ml s", "ratio min / median / max", "rel. diff"],
                rows_c,
            ),
            "",
            "rel. diff: ‖β_linml − β_dask-ml‖ / ‖β_linml‖ (dask-ml's newton stops at its tolerance "
            "and penalizes the intercept too) and max relative difference of the explained "
            "variances.",
            "",
            "### Targets",
            "",
            *targets(rows_a, rows_rate, rows_b, facts, worker_rss),
            "",
            summary_line(  # README row: (c), median ratio linml / dask-ml per fit
                f"Ridge / PCA on a dask array, {n_peer}×{P}",
                "dask-ml",
                {r[0].split("(")[0]: float(r[4].split("/")[1]) for r in rows_c},
                "—",
            ),
        ]
    )
    print("\n" + body)
    if args.out is None and args.quick:  # a quick run never overwrites the full run's section
        print("\n--quick: not writing the markdown section (pass --out to keep it)")
        return
    out = Path(args.out or "/tmp/results/scale_out.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
