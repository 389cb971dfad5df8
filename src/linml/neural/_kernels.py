"""Fused optimizer updates (numba): one pass over the parameters instead of ~10 NumPy passes.

The pure-NumPy twins live in ``tests/neural/test_kernels.py`` and the tests run both.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, fastmath=False)
def adam_update(
    theta: np.ndarray,
    g: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    lr_t: float,
    beta1: float,
    beta2: float,
    eps_t: float,
    l2: float,
    decay: float,
) -> None:
    """In place, for 1-D contiguous arrays (all of one dtype):

    ``g ← g + l2·θ`` (coupled L2), ``m ← β1 m + (1−β1) g``, ``v ← β2 v + (1−β2) g²``,
    ``θ ← (1 − decay)·θ − lr_t · m / (√v + eps_t)``

    where the caller folds Adam's bias corrections into ``lr_t = lr·√(1−β2ᵗ)/(1−β1ᵗ)`` and
    ``eps_t = ε·√(1−β2ᵗ)`` and passes ``decay = lr·weight_decay`` for AdamW.
    """
    one = theta.dtype.type(1.0)
    b1 = theta.dtype.type(beta1)
    b2 = theta.dtype.type(beta2)
    c1 = one - b1
    c2 = one - b2
    lr = theta.dtype.type(lr_t)
    eps = theta.dtype.type(eps_t)
    lam = theta.dtype.type(l2)
    keep = one - theta.dtype.type(decay)
    for i in range(theta.shape[0]):
        gi = g[i] + lam * theta[i]
        mi = b1 * m[i] + c1 * gi
        vi = b2 * v[i] + c2 * gi * gi
        m[i] = mi
        v[i] = vi
        theta[i] = keep * theta[i] - lr * mi / (np.sqrt(vi) + eps)


@numba.njit(cache=True)
def momentum_update(
    theta: np.ndarray,
    g: np.ndarray,
    buf: np.ndarray,
    lr: float,
    mu: float,
    l2: float,
    nesterov: bool,
) -> None:
    """In place: ``g ← g + l2·θ``; ``b ← μ b + g``; ``θ ← θ − lr·(g + μ b)`` (Nesterov) or ``θ − lr·b``."""
    m = theta.dtype.type(mu)
    step = theta.dtype.type(lr)
    lam = theta.dtype.type(l2)
    for i in range(theta.shape[0]):
        gi = g[i] + lam * theta[i]
        bi = m * buf[i] + gi
        buf[i] = bi
        if nesterov:
            theta[i] -= step * (gi + m * bi)
        else:
            theta[i] -= step * bi
