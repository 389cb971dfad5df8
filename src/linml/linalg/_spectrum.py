"""What a spectrum already in hand says: condition number, numerical and effective rank (private).

The public functions of :mod:`linml.linalg.conditioning` validate their input and compute
the singular values themselves. Estimators and diagnostics that already hold singular
values ``S`` (1-D, ``>= 0``, descending) — of a weight matrix, of a factor model's
``P Qᵀ`` — read them off here, without the checks: they trust their input, so a
non-finite ``S`` gives ``nan`` or ``inf`` instead of an error, which is what the
diagnosis of a diverged model reports.

>>> import numpy as np
>>> S = np.array([4.0, 4.0, 0.0])
>>> cond_from_spectrum(S), rank_from_spectrum(S, 3, 1e-16), effective_rank_from_spectrum(S)
(inf, 2, 2.0)
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "cond_from_spectrum",
    "effective_rank_from_spectrum",
    "product_singular_values",
    "rank_from_spectrum",
]


def cond_from_spectrum(S: np.ndarray) -> float:
    """2-norm condition number ``S[0] / S[-1]``; ``inf`` when ``S[-1] = 0`` or ``S`` is empty.

    Parameters
    ----------
    S : ndarray of shape (r,)
        Singular values, descending.

    Returns
    -------
    float
    """
    return float(S[0] / S[-1]) if S.size and S[-1] > 0 else math.inf


def rank_from_spectrum(S: np.ndarray, size: int, eps: float) -> int:
    """Numerical rank ``#{i : S[i] > S[0] · size · eps}``: NumPy's ``matrix_rank`` cutoff
    when ``size = max(shape)`` and ``eps`` is the machine epsilon of the matrix's dtype.

    Parameters
    ----------
    S : ndarray of shape (r,)
        Singular values, descending.
    size : int
        The largest dimension the round-off scales with.
    eps : float
        Machine epsilon of the precision the matrix was computed in.

    Returns
    -------
    int
        0 for an empty or all-zero spectrum.
    """
    if S.size == 0 or S[0] == 0:
        return 0
    return int(np.sum(S > S[0] * size * eps))


def effective_rank_from_spectrum(S: np.ndarray) -> float:
    """Entropy effective rank ``exp(H(q))``, ``q = S / sum(S)`` over the non-zero ``S``
    (Roy & Vetterli 2007): ``k`` equal singular values give ``k``; 0 for a zero spectrum.

    Parameters
    ----------
    S : ndarray of shape (r,)
        Singular values (``>= 0``; any order).

    Returns
    -------
    float
    """
    total = float(S.sum())
    if total == 0:
        return 0.0
    q = S[S > 0] / total
    return float(np.exp(-np.sum(q * np.log(q))))


def product_singular_values(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Singular values of ``A Bᵀ``, descending, from two thin QRs (the product is never formed).

    ``A = Q_a R_a`` and ``B = Q_b R_b`` give ``A Bᵀ = Q_a (R_a R_bᵀ) Q_bᵀ`` with orthonormal
    ``Q_a``, ``Q_b``, so ``sv(A Bᵀ) = sv(R_a R_bᵀ)``: a ``k x k`` SVD for the factors
    ``A`` (n, k) and ``B`` (m, k) of a low-rank model, in O((n + m) k²) instead of O(n m k).

    Parameters
    ----------
    A : ndarray of shape (n, k)
    B : ndarray of shape (m, k)

    Returns
    -------
    S : ndarray of shape (min(n, m, k),)
    """
    Ra = np.linalg.qr(A, mode="r")  # (min(n, k), k)
    Rb = np.linalg.qr(B, mode="r")  # (min(m, k), k)
    return np.linalg.svd(Ra @ Rb.T, compute_uv=False)
