"""Compiled hot loop of NMF: HALS sweeps (exact coordinate descent) on a non-negative quadratic.

NMF keeps its factors component-major: ``A`` (k, m) is ``Wᵀ`` (m = n_samples) in the
W-step and ``H`` (m = n_features) in the H-step. A step minimizes, over ``A >= 0``::

    f(A) = ½ tr(Aᵀ G A) − tr(Cᵀ A)

with ``G = H Hᵀ + l2 I`` (k, k) and ``C = H Xᵀ − l1`` (k, m) for the W-step (``G = WᵀW +
l2 I``, ``C = Wᵀ X − l1`` for the H-step). HALS (Cichocki & Phan 2009) updates one row of
``A`` — one component — at a time, exactly::

    A[t] ← max(0, A[t] − (G[t] A − C[t]) / G[t, t])

which is, element by element, scikit-learn's coordinate-descent update. ``G[t] A`` is a
BLAS matrix-vector product over all m columns at once, so a sweep over ``t = 0 … k−1``
costs ``k² m`` flops at BLAS speed instead of a scalar loop.

Sweeps repeat while they still move ``A`` (Gillis & Glineur 2012, accelerated HALS): at
most ``max_sweeps``, stopping once a sweep's squared step ``‖ΔA‖²`` is at most
``delta²`` times the first sweep's.

Multiplicative updates (:func:`mu_updates`) are GEMM-bound too; the kernel fuses the
elementwise ratio into one pass and makes the repeated updates of a small factor cheap.

The pure-NumPy twins used as the oracle live in ``tests/decomposition/test_nmf_kernels.py``.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["hals_sweeps", "hals_sweeps_resumable", "mu_updates"]


# reassoc/contract: the update loop vectorizes (the step-norm sum is a reduction);
# error_model="numpy": no ZeroDivisionError branch (G[t, t] > 0 is checked anyway)
@numba.njit(cache=True, fastmath={"reassoc", "contract"}, error_model="numpy")
def hals_sweeps(
    A: np.ndarray, G: np.ndarray, C: np.ndarray, max_sweeps: int, delta: float
) -> int:  # pragma: no cover - compiled; covered through the NumPy twin tests
    """HALS sweeps, in place, on ``A`` (k, m) >= 0; returns the number of sweeps done.

    ``G`` (k, k) symmetric with the l2 penalty on its diagonal; ``C`` (k, m) with the l1
    penalty subtracted. All three C-contiguous and of one dtype.
    """
    first = np.full(1, -1.0)
    sweeps, _ = hals_sweeps_resumable(A, G, C, max_sweeps, delta, first)
    return sweeps


@numba.njit(cache=True, fastmath={"reassoc", "contract"}, error_model="numpy")
def hals_sweeps_resumable(
    A: np.ndarray, G: np.ndarray, C: np.ndarray, max_sweeps: int, delta: float, first: np.ndarray
) -> tuple[int, bool]:  # pragma: no cover - compiled; covered through the NumPy twin tests
    """:func:`hals_sweeps` that can be continued: ``(sweeps done, stopped by the δ rule)``.

    ``first[0]`` is the first sweep's ``‖ΔA‖²`` (−1 before any sweep); it carries the δ
    reference across calls, so ``max_sweeps`` split over several calls (returning to Python,
    where Ctrl-C works, between them) does exactly the sweeps of one call — issue 17.
    """
    k, m = A.shape
    grad = np.empty(m, dtype=A.dtype)
    delta2 = delta * delta
    sweeps = 0
    for _ in range(max_sweeps):
        change = 0.0
        for t in range(k):
            G_t = G[t]
            hess = G_t[t]
            if hess <= 0.0:  # the other factor's component t is zero: A[t] does not matter
                continue
            np.dot(G_t, A, grad)  # grad = G[t] A (BLAS gemv), then − C[t] below
            A_t = A[t]
            C_t = C[t]
            inv = 1.0 / hess
            for j in range(m):
                old = A_t[j]
                new = max(old - (grad[j] - C_t[j]) * inv, 0.0)  # exact minimizer, projected
                step = new - old
                change += step * step
                A_t[j] = new
        sweeps += 1
        if first[0] < 0.0:  # the first sweep ever (a NaN change stays the reference, as before)
            first[0] = change
        if change <= delta2 * first[0]:
            return sweeps, True
    return sweeps, False


@numba.njit(cache=True, fastmath={"reassoc", "contract"}, error_model="numpy")
def mu_updates(
    A: np.ndarray,
    G: np.ndarray,
    C: np.ndarray,
    l1: float,
    l2: float,
    max_updates: int,
    delta: float,
    eps: float,
) -> int:  # pragma: no cover - compiled; covered through the NumPy twin tests
    """Multiplicative updates, in place, on ``A`` (k, m) >= 0; returns the number done.

    ``A ← A ∘ C / (G A + l1 + l2 A)`` (Lee & Seung 2001), with a denominator of exactly 0
    replaced by ``eps``; ``G`` (k, k) and ``C`` (k, m) are the raw Gram and cross products
    (penalties enter the denominator). Repeats like :func:`hals_sweeps`.
    """
    k, m = A.shape
    delta2 = delta * delta
    first = 0.0
    done = 0
    for update in range(max_updates):
        GA = np.dot(G, A)  # (k, m), BLAS gemm
        change = 0.0
        for t in range(k):
            A_t = A[t]
            C_t = C[t]
            GA_t = GA[t]
            for j in range(m):
                old = A_t[j]
                denominator = GA_t[j] + l1 + l2 * old
                if denominator == 0.0:
                    denominator = eps
                new = old * (C_t[j] / denominator)
                step = new - old
                change += step * step
                A_t[j] = new
        done += 1
        if update == 0:
            first = change
        if change <= delta2 * first:
            break
    return done
