"""GEMM peak: the machine's float64 / float32 matrix-multiply rate, the yardstick for every fit.

Most linml fits are a few GEMMs plus a small dense factorization, so the achievable speed of
an algorithm is (its flop count) / (this rate). ``C = A @ B`` with square n×n operands costs
``2 n³`` flops (n³ multiply-adds).

Run::

    .venv/bin/python benchmarks/gemm_peak.py            # n = 1000, 2000, 4000
    .venv/bin/python benchmarks/gemm_peak.py --quick    # n = 500, 1000

Other benchmarks import the rate::

    sys.path.insert(0, str(Path(__file__).parent))
    from gemm_peak import peak_gflops
    efficiency = achieved_gflops / peak_gflops(np.float64)

Threads: the main table uses the BLAS default thread count (printed with the BLAS info);
one extra row per dtype is measured with BLAS limited to 1 thread (threadpoolctl), the
setting some peers recommend (implicit).
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_time, blas_summary, markdown_table, record

SIZES = (1000, 2000, 4000)
QUICK_SIZES = (500, 1000)


def gemm_gflops(n: int, dtype: type = np.float64, repeat: int = 3, seed: int = 0) -> float:
    """Best-of-``repeat`` GFLOP/s of ``A @ B`` for square ``n×n`` operands (2 n³ flops)."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n)).astype(dtype)
    B = rng.standard_normal((n, n)).astype(dtype)
    C = np.empty((n, n), dtype=dtype)
    seconds, _ = best_time(lambda: np.matmul(A, B, out=C), repeat=repeat, warmup=1)
    return 2.0 * n**3 / seconds / 1e9


def syrk_gflops(Xc: np.ndarray, repeat: int = 3) -> tuple[float, float]:
    """Best-of-``repeat`` rate of BLAS ``syrk`` forming ``G = Xcᵀ Xc`` for a (n, p) block.

    ``scipy.linalg.blas.dsyrk`` (``ssyrk`` for float32) on ``Xcᵀ`` (Fortran-ordered, no
    copy); ``n p (p + 1)`` flops (the upper triangle's multiply-adds). Returns
    ``(GFLOP/s, seconds)``: the yardstick of PCA's covariance route.
    """
    import scipy.linalg.blas as blas

    syrk = blas.ssyrk if Xc.dtype == np.float32 else blas.dsyrk
    n, p = Xc.shape
    seconds, _ = best_time(lambda: syrk(1.0, Xc.T, trans=0), repeat=repeat, warmup=1)
    return n * p * (p + 1) / seconds / 1e9, seconds


@functools.cache
def _peak(dtype_name: str, n: int, threads: int | None) -> float:
    if threads is None:
        return gemm_gflops(n, np.dtype(dtype_name).type)
    with threadpool_limits(limits=threads, user_api="blas"):
        return gemm_gflops(n, np.dtype(dtype_name).type)


def peak_gflops(dtype: type = np.float64, *, n: int = 2000, threads: int | None = None) -> float:
    """Measured GEMM rate (GFLOP/s) for ``dtype`` at size ``n`` (cached per process).

    Parameters
    ----------
    dtype : np.float64 or np.float32
    n : int, default=2000
        Matrix size; 2000 is large enough to reach near-peak and takes ~1 s.
    threads : int or None
        Limit BLAS to this many threads while measuring; None keeps the default.
    """
    return _peak(np.dtype(dtype).name, int(n), threads)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (n = 500, 1000)")
    args = parser.parse_args(argv)
    sizes = QUICK_SIZES if args.quick else SIZES
    print(f"BLAS: {blas_summary()}")
    rows = []
    for dtype in (np.float64, np.float32):
        for n in sizes:
            rows.append((np.dtype(dtype).name, n, "default", gemm_gflops(n, dtype)))
            print(f"{rows[-1][0]:8s} n={n:5d} threads=default  {rows[-1][3]:8.1f} GFLOP/s")
        n1 = sizes[len(sizes) // 2]
        with threadpool_limits(limits=1, user_api="blas"):
            rows.append((np.dtype(dtype).name, n1, "1", gemm_gflops(n1, dtype)))
        print(f"{rows[-1][0]:8s} n={n1:5d} threads=1        {rows[-1][3]:8.1f} GFLOP/s")
    ratio = {
        n: next(r[3] for r in rows if r[0] == "float32" and r[1] == n and r[2] == "default")
        / next(r[3] for r in rows if r[0] == "float64" and r[1] == n and r[2] == "default")
        for n in sizes
    }
    table = markdown_table(["dtype", "n", "BLAS threads", "GFLOP/s (2n³/t, best of 3)"], rows)
    body = (
        "`C = A @ B`, square n×n, best of 3 after one warm-up, numpy in one process. "
        "float32/float64 speed ratio: "
        + ", ".join(f"n={n}: {r:.2f}×" for n, r in ratio.items())
        + ". The machine is shared; treat these as a lower bound of the true peak.\n\n"
        + table
    )
    syrk_rows = []
    n_s, p_s = (20_000, 200) if args.quick else (100_000, 500)
    Xs = np.random.default_rng(0).standard_normal((n_s, p_s))
    for threads in (None, 1):
        with threadpool_limits(limits=threads, user_api="blas"):
            rate, _ = syrk_gflops(Xs)
        syrk_rows.append((f"dsyrk {n_s}×{p_s}", "default" if threads is None else "1", rate))
    syrk_table = markdown_table(["op", "BLAS threads", "GFLOP/s (n·p·(p+1)/t)"], syrk_rows)
    body += "\n\nSYRK (scipy.linalg.blas.dsyrk, `G = XcᵀXc`, best of 3):\n\n" + syrk_table
    print()
    print(table)
    print(syrk_table)
    if not args.quick:
        record("gemm_peak", "GEMM peak (float64 / float32)", body)


if __name__ == "__main__":
    main()
