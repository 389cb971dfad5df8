"""Compiled log-loss kernels for logistic regression (numba, float64, one row at a time).

Each kernel takes one row block of the linear predictors without the intercept,
``E = X_blk Bᵀ`` (c, K'), and in one pass over it

- adds the intercepts ``b`` (K',),
- accumulates the weighted log-loss ``Σ_i s_i ℓ_i(η_i)`` (returned),
- overwrites ``E`` with the weighted residual ``R = s ∘ (P − Y)`` (c, K'),
- adds ``Σ_i R_i`` to ``colsum`` (the intercept part of the gradient),

so the coefficient gradient of the block is the one GEMM ``Rᵀ X_blk`` (see
:func:`linml.linear_model._logistic.loss_and_gradient`). With ``eta`` of shape (c, K') the
predictors ``η = E + 1 bᵀ`` are also written out (callers that need them: the separation
check); pass a (0, K') array otherwise.

Formulas (the notation of :mod:`linml.linear_model._logistic`):

- binary (K' = 1), ``y ∈ {0, 1}``: ``ℓ = log(1 + e^η) − yη = max(η, 0) + log1p(e^{−|η|}) − yη``
  and ``p = σ(η)`` = ``1/(1 + z)`` for η ≥ 0, ``z/(1 + z)`` for η < 0, with ``z = e^{−|η|}``
  — no overflow, and ``1 − p`` is never formed by cancellation;
- softmax (K' = K): with ``m = max_k η_k``, ``P_k = e^{η_k − m} / Σ_l e^{η_l − m}`` and
  ``ℓ = m + log Σ_l e^{η_l − m} − η_y`` (log-sum-exp shifted by the row max: no overflow, and
  the largest term is exactly 1 so the log never sees 0).

Kernels trust their inputs (C-contiguous float64 ``E``, intp ``y``); a pure-NumPy twin lives
in ``tests/linear_model/test_logistic_kernels.py``.
"""

from __future__ import annotations

import math

from numba import njit

__all__ = ["binary_loss_residual", "softmax_loss_residual"]

# no fastmath: the kernels are checked against their NumPy twin to 1e-12 and exp/log1p must
# keep their IEEE behaviour at ±inf margins
_JIT = dict(cache=True, fastmath=False, nogil=True)


@njit(**_JIT)
def binary_loss_residual(E, b, y, s, colsum, eta):  # pragma: no cover - compiled
    """Binary block: ``Σ s ℓ``; ``E ← s ∘ (σ(η) − y)``; ``colsum += Σ R``; ``eta ← η`` if sized."""
    n = E.shape[0]
    keep = eta.shape[0] > 0
    b0 = b[0]
    loss = 0.0
    acc = 0.0
    for i in range(n):
        e = E[i, 0] + b0
        if keep:
            eta[i, 0] = e
        z = math.exp(-abs(e))  # e^{−|η|} ∈ (0, 1]
        yi = 1.0 if y[i] == 1 else 0.0
        # log(1 + e^η) − yη, overflow-free (numpy's logaddexp(0, η) in the same order)
        if e > 0.0:
            li = e + math.log1p(z)
            p = 1.0 / (1.0 + z)  # σ(η)
        else:
            li = math.log1p(z)
            p = z / (1.0 + z)  # σ(η) = e^η / (1 + e^η) without overflow
        si = s[i]
        loss += si * (li - yi * e)
        r = si * (p - yi)
        E[i, 0] = r
        acc += r
    colsum[0] += acc
    return loss


@njit(**_JIT)
def softmax_loss_residual(E, b, y, s, colsum, eta):  # pragma: no cover - compiled
    """Softmax block: ``Σ s (logsumexp(η) − η_y)``; ``E ← s ∘ (P − Y)``; ``colsum += Σ R``."""
    n, K = E.shape
    keep = eta.shape[0] > 0
    loss = 0.0
    for i in range(n):
        top = -math.inf
        for k in range(K):
            e = E[i, k] + b[k]
            E[i, k] = e
            if keep:
                eta[i, k] = e
            if e > top:
                top = e
        yi = y[i]
        ey = E[i, yi]  # η_y, read before E is overwritten
        total = 0.0
        for k in range(K):
            q = math.exp(E[i, k] - top)  # shifted by the row max: ≤ 1, no overflow
            E[i, k] = q
            total += q  # ≥ 1: the row max contributes e⁰
        si = s[i]
        scale = si / total
        for k in range(K):
            E[i, k] *= scale  # s P_k
        E[i, yi] -= si  # s (P − Y)
        for k in range(K):
            colsum[k] += E[i, k]
        loss += si * (top + math.log(total) - ey)  # s (logsumexp(η) − η_y)
    return loss
