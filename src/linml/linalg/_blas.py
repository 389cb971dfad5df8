"""When a matrix product is worth more than one BLAS thread (private).

Waking and synchronizing BLAS threads costs more than a small GEMM saves by them (and on a
busy machine far more), so loops of small products — an MLP's mini-batch steps, the forward
and backward pass of a network diagnosis — run them on one thread.
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits

__all__ = ["SMALL_GEMM_FLOPS", "gemm_thread_limit"]

#: below this many flops per GEMM a product runs on one BLAS thread
SMALL_GEMM_FLOPS = 2e7


def gemm_thread_limit(flops: float) -> threadpool_limits:
    """Limit BLAS to one thread when the GEMMs to come are small; no limit otherwise.

    The limit applies from this call until the returned context is left (use it in a
    ``with``).

    Parameters
    ----------
    flops : float
        Flops of the largest GEMM to come (``2 n d_in d_out`` for an ``(n, d_in)`` input to a
        ``(d_out, d_in)`` weight).

    Returns
    -------
    threadpoolctl.threadpool_limits
        One BLAS thread below :data:`SMALL_GEMM_FLOPS`, the current setting otherwise.
    """
    return threadpool_limits(1 if flops < SMALL_GEMM_FLOPS else None, user_api="blas")
