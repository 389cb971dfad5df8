"""Kernel PCA: PCA in the feature space of a kernel, found from the centered n×n Gram matrix.

With ``K[i, j] = k(xᵢ, xⱼ) = <φ(xᵢ), φ(xⱼ)>`` and ``1ₙ`` the n×n matrix of entries ``1/n``,
the Gram matrix of the centered features ``φ(x) − φ̄`` is ``K̃ = (I − 1ₙ) K (I − 1ₙ)``.
Its eigenpairs ``K̃ aⱼ = λⱼ aⱼ`` (``‖aⱼ‖ = 1``, λ descending) give the principal axes in
feature space, ``vⱼ = Σᵢ aⱼᵢ (φ(xᵢ) − φ̄) / sqrt(λⱼ)``, and the scores of the training
points ``zᵢⱼ = sqrt(λⱼ) aⱼᵢ`` — no feature vector is ever formed (Schölkopf, Smola &
Müller 1998).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import scipy.linalg as sla
from scipy.sparse.linalg import LinearOperator, eigsh
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from linml._base import Explanation, LinmlEstimator
from linml._validation import (
    Interval,
    Options,
    check_finite,
    check_random_state,
    validate_data,
)
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg import effective_rank, eigh_sorted
from linml.linalg._checks import fix_column_signs
from linml.linalg._scaling import check_squares_finite, global_exponent
from linml.linalg.kernels import KERNELS, MercerResult, mercer_check, pairwise_kernel, resolve_gamma

__all__ = ["KernelPCA"]

EIGEN_SOLVERS = ("auto", "dense", "arpack", "randomized")
_KERNEL_NAMES = (*KERNELS, "precomputed")
_USES_GAMMA = ("poly", "rbf", "sigmoid")
# kernel blocks of a few MB stay in cache: the exp/scale passes then run at cache speed
_KERNEL_BLOCK_MB = 8
# the in-place RBF build's blocks: small enough for L2, where its five passes run
_RBF_BLOCK_MB = 1
# above this n the Mercer check estimates the extreme eigenvalues by Lanczos, not eigvalsh
_MERCER_DENSE_MAX_N = 2000
# from this many features on, the RBF build starts from the symmetric Gram X Xᵀ (one SYRK:
# n²p flops, half a GEMM's) instead of the fused augmented GEMM (2n²p flops): the saved
# product outweighs the three extra in-cache passes from p ≈ 64 on (measured: p = 48 even,
# p = 200 1.4× faster on 3000 rows)
_RBF_SYRK_MIN_P = 64
# extra vectors in the randomized solver's block (b = k + _GUARD): they absorb eigenvalues
# close to λₖ, which would otherwise slow convergence
_GUARD = 6


# ---------------------------------------------------------------------------- helpers
def _centering_stats(
    K: np.ndarray, col_means: np.ndarray | None = None
) -> tuple[np.ndarray, float, float]:
    """Column means ``c`` of K (unless given), their mean ``m``, ``trace(K̃) = trace(K) − n m``."""
    if col_means is None:
        col_means = K.mean(axis=0, dtype=np.float64)
    total = float(col_means.mean())
    trace_centered = float(np.trace(K, dtype=np.float64)) - K.shape[0] * total
    return col_means, total, trace_centered


def _centered(K: np.ndarray, col_means: np.ndarray, total: float) -> np.ndarray:
    """``K̃ = K − 1 cᵀ − c 1ᵀ + m`` (symmetric K: row means = column means), in place."""
    c = col_means.astype(K.dtype, copy=False)
    K -= c[None, :]
    K -= c[:, None]
    K += K.dtype.type(total)
    return K


def _centered_matmat(K: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """``Q ↦ K̃ Q = (I − 1ₙ) K (I − 1ₙ) Q`` without forming K̃: center Q's columns, multiply, center."""

    def matmat(Q: np.ndarray) -> np.ndarray:
        Q = Q.reshape(K.shape[0], -1)  # (n,) vectors from ARPACK → (n, 1)
        Qc = Q - Q.mean(axis=0)  # (I − 1ₙ) Q removes each column's mean
        # K Qc = (Qcᵀ K)ᵀ as K = Kᵀ: BLAS runs the wide (b, n) @ (n, n) shape ~2× faster
        Z = (Qc.T @ K).T
        return Z - Z.mean(axis=0)

    return matmat


def _rbf_gram(
    X: np.ndarray, gamma: float, Q: np.ndarray | None, block_mb: float
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """RBF Gram matrix built in place, block by block: one product per block, no temporaries.

    The exponent ``−γ‖xᵢ − xⱼ‖² = 2γ xᵢᵀxⱼ − γ‖xᵢ‖² − γ‖xⱼ‖²`` is ONE product of augmented
    matrices, ``[2γ xᵢ, −γ‖xᵢ‖², −1] · [xⱼ, 1, γ‖xⱼ‖²]``; it is clipped at 0 (round-off can
    make a distance slightly negative) and exponentiated in place, and the diagonal is set
    to exactly 1 — :func:`linml.linalg.pairwise_kernel`'s RBF, written into row blocks of
    ``K`` small enough to stay in cache for the three passes. While a block is hot it also
    gives ``K Q`` and the row means (= column means: K is symmetric). From
    ``_RBF_SYRK_MIN_P`` features on, the inner products come instead from one SYRK
    ``G = X Xᵀ`` (half the flops of the augmented GEMM), and each cached block of G becomes
    ``2γ G − γ‖xᵢ‖² − γ‖xⱼ‖²`` in place before the same clip and exp.

    Data whose squares over/underflow (issue 17), or a γ so large that ``2γ xᵢ`` or
    ``γ‖x‖²`` overflows, go through :func:`_rbf_gram_scaled` instead.

    Returns (K (n, n), K Q (n, b) or None, row means (n,) in float64).
    """
    n, _p = X.shape
    e = global_exponent(X)
    sq = np.einsum("ij,ij->i", X, X)  # ‖x‖²
    with np.errstate(over="ignore"):
        fused_ok = e == 0 and np.isfinite(4.0 * gamma * max(float(sq.max()), 1.0))
    if not fused_ok:
        return _rbf_gram_scaled(X, gamma, e, Q, block_mb)
    KQ = None if Q is None else np.empty((n, Q.shape[1]), dtype=X.dtype)
    means = np.empty(n, dtype=np.float64)
    g_sq = gamma * sq  # γ‖x‖²
    syrk = _p >= _RBF_SYRK_MIN_P
    if syrk:  # G = X Xᵀ by one SYRK (NumPy recognizes X @ X.T), turned into K block by block
        K = X @ X.T
    else:
        K = np.empty((n, n), dtype=X.dtype)
        # (n, p + 2) and (p + 2, n), in X's dtype (a NumPy float64 γ would promote them)
        left = np.hstack([2.0 * gamma * X, -g_sq[:, None], -np.ones((n, 1))]).astype(X.dtype)
        right = np.vstack([X.T, np.ones((1, n)), g_sq[None, :]]).astype(X.dtype)
    Qt = None if Q is None else np.ascontiguousarray(Q.T)  # (b, n)
    rows = max(1, int(block_mb * 2**20) // (X.dtype.itemsize * n))
    # exp of a very negative exponent underflows to 0, the correctly rounded kernel value
    with np.errstate(under="ignore"):
        for start in range(0, n, rows):
            stop = min(start + rows, n)
            Kb = K[start:stop]  # (rows, n) view, filled in place
            if syrk:  # 2γ xᵢᵀxⱼ − γ‖xᵢ‖² − γ‖xⱼ‖², in place on the Gram block
                Kb *= 2.0 * gamma
                Kb -= g_sq[start:stop, None]
                Kb -= g_sq[None, :]
            else:
                np.dot(left[start:stop], right, out=Kb)  # −γ‖xᵢ − xⱼ‖²: the one GEMM
            np.minimum(Kb, 0.0, out=Kb)
            np.exp(Kb, out=Kb)
            idx = np.arange(stop - start)
            Kb[idx, start + idx] = 1.0  # k(x, x) = exp(0) = 1 exactly
            means[start:stop] = Kb.mean(axis=1, dtype=np.float64)
            if KQ is not None:
                KQ[start:stop] = (Qt @ Kb.T).T  # Kb Q, in BLAS's faster orientation
    return K, KQ, means


def _rbf_gram_scaled(
    X: np.ndarray, gamma: float, e: int, Q: np.ndarray | None, block_mb: float
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """:func:`_rbf_gram` for extreme scales: distances of ``Xs = X·2^(−e)``, then ``γ·4^e``.

    ``‖xᵢ − xⱼ‖² = 4^e ‖xsᵢ − xsⱼ‖²`` exactly (powers of two), and ``Xs`` has entries below
    1, so ``Ds`` neither overflows nor underflows. ``γ·4^e`` itself may not be a float64:
    with ``γ = m·2^k`` (``frexp``, 0.5 ≤ m < 1) the exponent ``−γD`` is formed as
    ``ldexp(−m·Ds, k + 2e)``, which rounds correctly to −inf (kernel 0) or −0 (kernel 1)
    when it is out of range. One extra pass per block over the fused version.
    """
    n, _p = X.shape
    Xs = np.ldexp(X, -e) if e else X
    sq = np.einsum("ij,ij->i", Xs, Xs)  # ‖xs‖² ≤ p
    mant, expo = np.frexp(gamma)
    K = np.empty((n, n), dtype=X.dtype)
    KQ = None if Q is None else np.empty((n, Q.shape[1]), dtype=X.dtype)
    means = np.empty(n, dtype=np.float64)
    # (n, p + 2) and (p + 2, n), in X's dtype (the float64 mantissa would promote them)
    left = np.hstack([2.0 * mant * Xs, -mant * sq[:, None], -np.full((n, 1), mant)])
    left = left.astype(X.dtype, copy=False)
    right = np.vstack([Xs.T, np.ones((1, n)), sq[None, :]]).astype(X.dtype, copy=False)
    Qt = None if Q is None else np.ascontiguousarray(Q.T)  # (b, n)
    rows = max(1, int(block_mb * 2**20) // (X.dtype.itemsize * n))
    with np.errstate(over="ignore", under="ignore"):
        for start in range(0, n, rows):
            stop = min(start + rows, n)
            Kb = K[start:stop]  # (rows, n) view, filled in place
            np.dot(left[start:stop], right, out=Kb)  # −m‖xsᵢ − xsⱼ‖²
            np.minimum(Kb, 0.0, out=Kb)
            np.ldexp(Kb, int(expo) + 2 * e, out=Kb)  # −γ‖xᵢ − xⱼ‖² = −m·Ds·2^(k + 2e)
            np.exp(Kb, out=Kb)
            idx = np.arange(stop - start)
            Kb[idx, start + idx] = 1.0  # k(x, x) = exp(0) = 1 exactly
            means[start:stop] = Kb.mean(axis=1, dtype=np.float64)
            if KQ is not None:
                KQ[start:stop] = (Qt @ Kb.T).T  # Kb Q, in BLAS's faster orientation
    return K, KQ, means


# ---------------------------------------------------------------------------- eigensolvers
# Each returns (λ (k,), A (n, k), iterations) with λ descending, for the centered kernel.


def _eig_dense(K: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, int]:
    """LAPACK eigh of the explicit K̃, top-k by index (``subset_by_index``)."""
    lam, A = eigh_sorted(K, k)
    return lam, A, 1


def _eig_arpack(
    matmat: Callable, n: int, k: int, dtype: Any, tol: float, max_iter: int | None, rng: Any
) -> tuple[np.ndarray, np.ndarray, int]:
    """Implicitly restarted Lanczos (ARPACK ``eigsh``, largest algebraic) on K̃ as an operator."""
    op = LinearOperator((n, n), matvec=matmat, matmat=matmat, dtype=dtype)
    v0 = rng.uniform(-1, 1, n).astype(dtype)  # seeded start: reproducible Lanczos
    lam, A = eigsh(op, k=k, which="LA", tol=tol, maxiter=max_iter, v0=v0)
    order = np.argsort(lam)[::-1]  # eigsh returns ascending
    return lam[order], A[:, order], 1


def _orthonormal_block(Z: np.ndarray, basis: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
    """Orthonormal columns spanning ``Z`` minus its part in ``basis`` (block Gram–Schmidt).

    Projected twice: one classical Gram–Schmidt pass loses orthogonality in floating point
    ("twice is enough", Giraud et al. 2005). The remainder is orthonormalized by a thin
    SVD, which tells which directions are real: those with singular value below
    ``sqrt(eps) ‖Z‖`` are round-off (the Krylov space became invariant, e.g. a low-rank
    kernel) and are replaced by random directions orthogonal to everything kept, so the
    block keeps its size.
    """
    W = Z - basis @ (basis.T @ Z)
    W -= basis @ (basis.T @ W)
    U, S, _ = sla.svd(W, full_matrices=False, check_finite=False)
    z_norm = float(np.max(np.linalg.norm(Z, axis=0))) if Z.size else 0.0
    good = S > np.sqrt(np.finfo(Z.dtype).eps) * z_norm
    Q = U[:, good]
    lost = Z.shape[1] - Q.shape[1]
    if lost:
        kept = np.hstack([basis, Q])  # orthonormal
        F = rng.standard_normal((Z.shape[0], lost)).astype(Z.dtype)
        F -= kept @ (kept.T @ F)
        F -= kept @ (kept.T @ F)
        Q = np.hstack([Q, sla.qr(F, mode="economic", check_finite=False)[0]])
    return Q


def _block_size(n: int, k: int) -> int:
    """Block size b of the randomized solver: k plus guard vectors for nearby eigenvalues."""
    return min(n, k + _GUARD)


def _start_block(n: int, b: int, dtype: Any, rng: np.random.RandomState) -> np.ndarray:
    """A Gaussian (n, b) block, orthonormalized: the random start of the Krylov space."""
    Omega = rng.standard_normal((n, b)).astype(dtype)
    return sla.qr(Omega, mode="economic", check_finite=False)[0]


def _eig_block_krylov(
    matmat: Callable,
    n: int,
    k: int,
    dtype: Any,
    tol: float,
    max_iter: int,
    rng: np.random.RandomState,
    start: np.ndarray | None = None,
    start_image: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, int, bool, float]:
    """Top-k eigenpairs by randomized block Krylov (block Lanczos, full reorthogonalization).

    From a Gaussian start block ``Ω`` (n, b), the basis ``B`` grows by one block per
    product with K̃: ``span{Ω, K̃Ω, K̃²Ω, …}`` (Musco & Musco 2015). After each product the
    Rayleigh–Ritz step ``T = Bᵀ (K̃ B) = Y diag(θ) Yᵀ`` gives Ritz pairs ``(θⱼ, B yⱼ)``;
    it stops when every kept residual ``‖K̃ B yⱼ − θⱼ B yⱼ‖ <= tol · |θ₁|``. The images
    ``K̃ B`` are stored, so the residuals cost no extra product. When the basis reaches
    ``m_max`` columns it restarts from the top ``b`` Ritz vectors (and their images).

    A product with a block of b columns reads K once, like a single matrix-vector
    product, which is why blocks beat ARPACK's one-vector Lanczos on a dense K.

    ``start`` (n, b) orthonormal and ``start_image = K̃ start`` may be given (the caller
    formed them while building K); by default ``start`` is drawn from ``rng``.

    Returns (θ (k,), V (n, k), products, converged, largest relative residual).
    """
    b = _block_size(n, k)
    m_max = min(n, max(20 * b, 8 * k))  # basis columns before a restart
    B = np.empty((n, m_max), dtype=dtype)  # orthonormal Krylov basis
    KB = np.empty((n, m_max), dtype=dtype)  # K̃ B
    B[:, :b] = _start_block(n, b, dtype, rng) if start is None else start
    m = b  # basis columns in use
    done = 0  # columns of B whose image K̃ B is known
    products = 0
    residual = np.inf
    if start_image is not None:
        KB[:, :b] = start_image
        products, done = 1, b
    while True:
        if done < m:
            KB[:, done:m] = matmat(B[:, done:m])
            products += 1
            done = m
        T = B[:, :m].T @ KB[:, :m]  # Rayleigh quotient (m, m)
        # symmetrize: round-off makes T slightly asymmetric and eigh reads one triangle
        theta, Y = sla.eigh((T + T.T) / 2, check_finite=False)
        theta, Y = theta[::-1], Y[:, ::-1]  # descending
        V = B[:, :m] @ Y[:, :k]  # Ritz vectors
        R = KB[:, :m] @ Y[:, :k] - V * theta[:k]  # residuals K̃ v − θ v
        scale = max(abs(float(theta[0])), np.finfo(dtype).tiny)
        residual = float(np.max(np.linalg.norm(R, axis=0))) / scale
        if residual <= tol or m == n:
            return theta[:k], V, products, True, residual
        if products >= max_iter:
            return theta[:k], V, products, False, residual
        if m >= m_max:  # basis full: restart from the top b Ritz vectors, keeping their images
            Yb = Y[:, :b]
            B[:, :b], KB[:, :b] = B[:, :m] @ Yb, KB[:, :m] @ Yb
            m = done = b
            continue
        width = min(b, m_max - m)  # the next Krylov block: images of the newest basis vectors
        B[:, m : m + width] = _orthonormal_block(KB[:, m - b : m][:, :width], B[:, :m], rng)
        m += width


# ---------------------------------------------------------------------------- Mercer
def _mercer(K: np.ndarray) -> MercerResult:
    """Mercer check of a square K: exact eigvalsh up to a size, Lanczos estimates above."""
    n = K.shape[0]
    if n <= _MERCER_DENSE_MAX_N:
        return mercer_check(K)
    S = (K + K.T) / 2  # symmetric part: what an eigensolver sees
    lam_min = float(eigsh(S, k=1, which="SA", tol=1e-6, return_eigenvectors=False)[0])
    lam_max = float(eigsh(S, k=1, which="LA", tol=1e-6, return_eigenvectors=False)[0])
    tol = float(np.finfo(K.dtype).eps * n * max(abs(lam_min), abs(lam_max)))
    return MercerResult(lam_min, lam_max, bool(lam_min >= -tol), tol)


# ---------------------------------------------------------------------------- estimator
class KernelPCA(ClassNamePrefixFeaturesOutMixin, TransformerMixin, LinmlEstimator):
    """Kernel PCA: the top eigenvectors of the feature-space-centered kernel matrix.

    ``K̃ = (I − 1ₙ) K (I − 1ₙ) = A diag(λ) Aᵀ`` (λ descending, ``A`` orthonormal columns,
    each column's largest-|.| entry positive). Training scores are ``Z = A diag(sqrt(λ))``;
    a new point ``x`` with centered kernel row ``k̃(x)`` (1, n) maps to
    ``z = k̃(x) A diag(1 / sqrt(λ))``.

    Parameters
    ----------
    n_components : int or None, default=None
        Number of components ``k <= n_samples``; None keeps every non-zero eigenvalue.
    kernel : {'linear', 'poly', 'rbf', 'sigmoid', 'cosine', 'precomputed'} or callable, default='linear'
        See :mod:`linml.linalg.kernels` for the formulas. A callable is called as
        ``kernel(X_block, Y)`` and must return the ``(n_block, n_y)`` kernel matrix.
        ``'precomputed'``: ``fit`` takes the ``(n, n)`` training Gram matrix and
        ``transform`` the ``(m, n)`` kernel between new and training points.
    gamma : float or None, default=None
        Scale of ``poly``, ``rbf``, ``sigmoid``; None means ``1 / n_features``.
    degree : float, default=3
        Degree of ``poly``.
    coef0 : float, default=1
        Offset of ``poly`` and ``sigmoid``.
    eigen_solver : {'auto', 'dense', 'arpack', 'randomized'}, default='auto'
        ``'dense'``: LAPACK ``eigh`` of the explicit K̃ (top-k by index). ``'arpack'``:
        implicitly restarted Lanczos on K̃ applied implicitly. ``'randomized'``: randomized
        block Krylov (see Notes). ``'auto'``: ``'randomized'`` when ``n > 300`` and
        ``k <= n / 20``, else ``'dense'``. The choice is recorded in ``eigen_solver_``.
    tol : float >= 0, default=0.0
        Iterative solvers' tolerance; 0 means machine precision for ``'arpack'`` and a
        relative residual ``sqrt(eps)`` for ``'randomized'``.
    max_iter : int or None, default=None
        Iteration cap of the iterative solvers (None: ARPACK's default; 100 block products
        for ``'randomized'``).
    fit_inverse_transform : bool, default=False
        Learn the pre-image map for :meth:`inverse_transform` (not with ``'precomputed'``).
    alpha : float > 0, default=1.0
        Ridge of the pre-image kernel regression.
    remove_zero_eig : bool, default=False
        Drop components whose eigenvalue is 0 (always done when ``n_components`` is None).
    random_state : int, RandomState or None, default=None
        Seed of the iterative solvers' start vectors.

    Attributes
    ----------
    eigenvalues_ : ndarray of shape (n_components_,)
        ``λ₁ >= … >= λₖ >= 0`` of K̃ (the variance of score j is ``λⱼ / n``).
    eigenvectors_ : ndarray of shape (n_samples, n_components_)
        ``A``, unit columns, signs fixed.
    explained_variance_ratio_ : ndarray of shape (n_components_,)
        ``λⱼ / trace(K̃)``: each component's share of the total variance in feature space.
    total_variance_ : float
        ``trace(K̃) / n``, the variance of ``φ(x)`` summed over all feature-space directions.
    n_components_ : int
        Components kept.
    gamma_ : float or None
        The gamma used (None for kernels without one).
    eigen_solver_ : str
        Solver used.
    n_iter_ : int
        Block products of the ``'randomized'`` solver (1 for ``'dense'`` and ``'arpack'``).
    mercer_ : dict or None
        For callable and precomputed kernels: ``min_eigenvalue``, ``max_eigenvalue``,
        ``passed``, ``tol`` of the Mercer (PSD) check of K; None otherwise.
    X_fit_ : ndarray of shape (n_samples, n_features) or None
        Training data (None for ``'precomputed'``).
    K_fit_rows_ : ndarray of shape (n_samples,)
        Column means of the training K, for centering new kernel rows.
    K_fit_all_ : float
        Mean of the training K.
    dual_coef_ : ndarray of shape (n_samples, n_features)
        Pre-image coefficients (only with ``fit_inverse_transform``).
    X_transformed_fit_ : ndarray of shape (n_samples, n_components_)
        Training scores (only with ``fit_inverse_transform``).

    Notes
    -----
    *Centering.* ``K̃ = K − 1 cᵀ − c 1ᵀ + m`` with column means ``c`` and overall mean
    ``m``. A new kernel row ``k(x)`` (kernel against the training points) is centered with
    the *training* statistics, ``k̃(x) = k(x) − cᵀ − mean(k(x)) + m``.

    *Top-k without a full eigendecomposition.* The iterative solvers never form K̃: they
    apply ``K̃ Q = (I − 1ₙ) K ((I − 1ₙ) Q)`` (center the columns of Q, one GEMM with K,
    center the result). ``'randomized'`` is randomized block Krylov (Musco & Musco 2015):
    a Gaussian block of ``b = k + 6`` columns, one GEMM with K per Krylov block (reading
    K once, as one matrix-vector product would), Rayleigh–Ritz on the growing basis, and
    a stop when every kept Ritz residual ``‖K̃ v − θ v‖ <= tol |θ₁|``.

    *Pre-images* (Bakır, Weston & Schölkopf 2004). ``inverse_transform`` is a kernel
    ridge regression from scores back to inputs, with the same kernel on the score space:
    ``dual_coef_ = (K_Z + αI)⁻¹ X`` (Cholesky solve, never an inverse), where
    ``K_Z = k(Z_fit, Z_fit)``, and ``x̂(z) = k(z, Z_fit) dual_coef_``.

    *Mercer.* A callable or precomputed kernel is checked for positive semi-definiteness
    (:func:`linml.linalg.mercer_check`); a failure warns :class:`linml.NumericalWarning`
    with the smallest eigenvalue: the "feature space" then does not exist, and negative
    eigenvalues of K̃ are clipped to 0.

    Eigenvalues below ``1e-12 λ₁`` (``2e-7 λ₁`` in float32) are round-off and set to 0,
    as scikit-learn does.

    Examples
    --------
    >>> import numpy as np
    >>> from linml.decomposition import KernelPCA
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [3.0, 1.0]])
    >>> kpca = KernelPCA(n_components=2, kernel="rbf", gamma=0.5).fit(X)
    >>> kpca.eigenvalues_.round(4)
    array([1.1835, 1.0015])
    >>> kpca.transform(X[:2]).round(3)
    array([[-0.469, -0.178],
           [-0.46 , -0.253]])
    >>> Z = kpca.transform(X)
    >>> bool(np.allclose(Z, kpca.eigenvectors_ * np.sqrt(kpca.eigenvalues_)))
    True
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "n_components": [None, Interval(int, 1, None)],
        "kernel": [Options(_KERNEL_NAMES), callable],
        "gamma": [None, Interval(float, 0, None, closed="neither")],
        "degree": [Interval(float, 0, None)],
        "coef0": [Interval(float, None, None)],
        "eigen_solver": [Options(EIGEN_SOLVERS)],
        "tol": [Interval(float, 0, None)],
        "max_iter": [None, Interval(int, 1, None)],
        "fit_inverse_transform": [bool],
        "alpha": [Interval(float, 0, None, closed="neither")],
        "remove_zero_eig": [bool],
        "random_state": [None, Interval(int, 0, None), np.random.RandomState],
    }

    def __init__(
        self,
        n_components: int | None = None,
        *,
        kernel: str | Callable[[np.ndarray, np.ndarray], Any] = "linear",
        gamma: float | None = None,
        degree: float = 3,
        coef0: float = 1,
        eigen_solver: str = "auto",
        tol: float = 0.0,
        max_iter: int | None = None,
        fit_inverse_transform: bool = False,
        alpha: float = 1.0,
        remove_zero_eig: bool = False,
        random_state: Any = None,
    ) -> None:
        self.n_components = n_components
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.eigen_solver = eigen_solver
        self.tol = tol
        self.max_iter = max_iter
        self.fit_inverse_transform = fit_inverse_transform
        self.alpha = alpha
        self.remove_zero_eig = remove_zero_eig
        self.random_state = random_state

    # ------------------------------------------------------------------ kernels
    def _kernel(self, X: np.ndarray, Y: np.ndarray | None = None) -> np.ndarray:
        """``k(X, Y)`` with the fitted parameters (Y = None: the Gram matrix of X)."""
        return pairwise_kernel(
            X,
            Y,
            self.kernel,
            gamma=self.gamma_,
            degree=self.degree,
            coef0=self.coef0,
            max_memory_mb=_KERNEL_BLOCK_MB,
        )

    def _check_scale(self, X: np.ndarray, *, fitting: bool) -> None:
        """Raise when X's squares over/underflow in a named kernel (issue 17).

        The named kernels have a fixed width or offset (gamma, coef0), so they are not
        scale-invariant and the data cannot be rescaled for the user. Only the linear kernel
        turns underflow into a silent zero kernel; the others round it to a constant.
        """
        if not isinstance(self.kernel, str) or self.kernel in ("precomputed", "cosine", "rbf"):
            return  # rbf: values in [0, 1], computed on rescaled data (_rbf_gram_scaled)
        check_squares_finite(X, "KernelPCA", tiny=fitting and self.kernel == "linear")

    def _is_precomputed(self) -> bool:
        return isinstance(self.kernel, str) and self.kernel == "precomputed"

    def _gram(
        self, X: np.ndarray, Q: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """``K = k(X, X)``, ``K Q`` (when Q is given) and, if known, K's column means.

        Large kernels are built in row blocks of a few MB, with ``K Q`` formed while each
        block is in cache: that saves a pass over the n×n matrix for the Krylov solver's
        first product (the products are memory-bound). The float64 RBF kernel, the usual
        hot case, is built in place (:func:`_rbf_gram`).
        """
        n = X.shape[0]
        if self.kernel == "rbf" and X.dtype == np.float64 and n > 1:
            return _rbf_gram(X, self.gamma_, Q, _RBF_BLOCK_MB)
        if Q is None or n * n * X.dtype.itemsize <= (_KERNEL_BLOCK_MB << 22):
            # K fits in a few cache-sized blocks anyway: one call, no copies
            K = self._kernel(X)
            return K, None if Q is None else (Q.T @ K).T, None
        K = np.empty((n, n), dtype=X.dtype)
        KQ = np.empty((n, Q.shape[1]), dtype=X.dtype)
        rows = max(1, (_KERNEL_BLOCK_MB << 20) // (2 * X.dtype.itemsize * n))
        for start in range(0, n, rows):
            stop = min(start + rows, n)
            K[start:stop] = self._kernel(X[start:stop], X)
            KQ[start:stop] = K[start:stop] @ Q  # while the block is in cache
        return K, KQ, None

    def _training_kernel(
        self, X: np.ndarray, Q: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """The (n, n) training Gram matrix (Mercer-checked when the user supplied the kernel),
        ``K Q`` when ``Q`` is given, and K's column means when they came for free."""
        n = X.shape[0]
        means = None
        if self._is_precomputed():
            if X.shape != (n, n):
                raise LinmlInputError(
                    f"KernelPCA(kernel='precomputed').fit expects the square training kernel "
                    f"matrix K (n_samples, n_samples); got shape {X.shape}. Pass "
                    "K = k(X_train, X_train), not the data."
                )
            K = X.copy()  # K is centered in place later; the caller's array stays intact
        else:
            K, KQ, means = self._gram(X, Q)
        self.mercer_ = None
        if callable(self.kernel) or self._is_precomputed():
            result = _mercer(K)
            self.mercer_ = {
                "min_eigenvalue": result.min_eigenvalue,
                "max_eigenvalue": result.max_eigenvalue,
                "passed": result.passed,
                "tol": result.tol,
            }
            if not result.passed:
                warnings.warn(
                    f"KernelPCA: the kernel matrix is not positive semi-definite (smallest "
                    f"eigenvalue {result.min_eigenvalue:.4g} < -{result.tol:.3g}); it violates "
                    "Mercer's condition, so there is no feature space behind it and negative "
                    "eigenvalues are clipped to 0. Check the kernel function.",
                    NumericalWarning,
                    stacklevel=3,
                )
            asym = float(np.max(np.abs(K - K.T))) if K.size else 0.0
            if asym > 0:
                K = (K + K.T) / 2  # symmetrize: the eigensolvers assume K = Kᵀ
            KQ = None  # K changed (or was given): form K Q afresh
        if Q is not None and KQ is None:
            KQ = (Q.T @ K).T  # K Q for symmetric K, in BLAS's faster orientation
        return K, KQ, means

    # ------------------------------------------------------------------ fitting
    def _resolve_k(self, n: int) -> int:
        if self.n_components is None:
            return n
        if self.n_components > n:
            raise LinmlInputError(
                f"KernelPCA: n_components={self.n_components} must be <= n_samples={n} (the "
                f"centered kernel is {n}×{n}, so it has at most {n} eigenvectors); lower "
                "n_components or fit on more samples."
            )
        return int(self.n_components)

    def _resolve_solver(self, n: int, k: int) -> str:
        if self.eigen_solver != "auto":
            return self.eigen_solver
        return "randomized" if n > 300 and k <= n // 20 else "dense"

    def fit(self, X: Any, y: Any = None) -> KernelPCA:
        """Fit the kernel principal components of ``X`` (or of the precomputed kernel ``X``)."""
        self._fit(X)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit and return the training scores ``Z = A diag(sqrt(λ))`` (n_samples, n_components_)."""
        return self._fit(X)

    def _fit(self, X: Any) -> np.ndarray:
        self._check_params()
        if self.fit_inverse_transform and self._is_precomputed():
            raise LinmlInputError(
                "KernelPCA: fit_inverse_transform=True needs the input points, but "
                "kernel='precomputed' passes only their kernel matrix; use a named or "
                "callable kernel, or fit_inverse_transform=False."
            )
        X = validate_data(self, X, ensure_min_samples=2)
        self._check_scale(X, fitting=True)
        n = X.shape[0]
        k = self._resolve_k(n)
        uses_gamma = isinstance(self.kernel, str) and self.kernel in _USES_GAMMA
        self.gamma_ = resolve_gamma(self.gamma, X) if uses_gamma else None
        solver = self._resolve_solver(n, k)
        rng = check_random_state(self.random_state)
        # the randomized solver's start block Q is drawn first, so that K̃ Q can be formed
        # while K is built: K̃ Q = (I − 1ₙ) K (Q − mean(Q)), centering Q and then the product
        Q = _start_block(n, _block_size(n, k), X.dtype, rng) if solver == "randomized" else None
        K, KQ, means = self._training_kernel(X, None if Q is None else Q - Q.mean(axis=0))
        if means is not None:
            self._warn_degenerate_rbf(means, n)
        col_means, total, trace_centered = _centering_stats(K, means)
        eps = np.finfo(K.dtype).eps
        if solver == "dense":
            lam, A, n_iter = _eig_dense(_centered(K, col_means, total), k)
        elif solver == "arpack":
            if k >= n:
                raise LinmlInputError(
                    f"KernelPCA: eigen_solver='arpack' finds at most n_samples − 1 = {n - 1} "
                    f"eigenpairs; n_components={k}. Use eigen_solver='dense'."
                )
            lam, A, n_iter = _eig_arpack(
                _centered_matmat(K), n, k, K.dtype, float(self.tol), self.max_iter, rng
            )
        else:
            tol = float(self.tol) if self.tol > 0 else float(np.sqrt(eps))
            max_iter = self.max_iter if self.max_iter is not None else 100
            KQ -= KQ.mean(axis=0)  # (I − 1ₙ) K (I − 1ₙ) Q
            lam, A, n_iter, converged, residual = _eig_block_krylov(
                _centered_matmat(K), n, k, K.dtype, tol, max_iter, rng, Q, KQ
            )
            if not converged:
                warnings.warn(
                    f"KernelPCA: the randomized solver stopped after max_iter={max_iter} block "
                    f"products with relative Ritz residual {residual:.3g} > tol={tol:.3g}; the "
                    "top eigenvalues are probably clustered. Raise max_iter or use "
                    "eigen_solver='dense'.",
                    ConvergenceWarning,
                    stacklevel=3,
                )
        del K  # free the n×n matrix before the small work below
        lam, A = self._clean_spectrum(lam, A, eps)
        self.eigenvalues_ = lam.astype(X.dtype)
        self.eigenvectors_ = np.ascontiguousarray(A, dtype=X.dtype)
        self.explained_variance_ratio_ = (
            (lam / trace_centered).astype(X.dtype) if trace_centered > 0 else np.zeros_like(lam)
        )
        self.total_variance_ = float(max(trace_centered, 0.0) / n)
        self.n_components_ = int(lam.size)
        self.eigen_solver_ = solver
        self.n_iter_ = int(n_iter)
        self.K_fit_rows_ = col_means.astype(X.dtype)
        self.K_fit_all_ = float(total)
        self.X_fit_ = None if self._is_precomputed() else X
        Z = self.eigenvectors_ * np.sqrt(self.eigenvalues_)  # training scores A diag(sqrt λ)
        if self.fit_inverse_transform:
            self._fit_preimage(Z, X)
        return Z

    def _warn_degenerate_rbf(self, means: np.ndarray, n: int) -> None:
        """Warn when the rbf Gram matrix is exactly constant or exactly the identity.

        Its row means tell (free, from the build): all 1 means ``exp(−γ‖xᵢ − xⱼ‖²)`` rounded
        to 1 for every pair, all ``1/n`` that it underflowed to 0 — a width far off the
        data's scale (e.g. X·1e-170 or X·1e200 with gamma = 1/n_features), where the
        components carry no information.
        """
        if np.all(means == 1.0):
            what, fix = "constant (all ones)", "raise gamma or rescale X"
        elif np.all(means == 1.0 / n):
            what, fix = "the identity", "lower gamma or rescale X"
        else:
            return
        warnings.warn(
            f"KernelPCA: the rbf kernel matrix is {what}: gamma={self.gamma_:.3g} is far off "
            f"the scale of X's pairwise squared distances, so the components carry no "
            f"information; {fix} (e.g. StandardScaler).",
            NumericalWarning,
            stacklevel=4,
        )

    def _clean_spectrum(
        self, lam: np.ndarray, A: np.ndarray, eps: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sort descending, fix signs, zero round-off eigenvalues, drop zeros if asked."""
        order = np.argsort(lam, kind="stable")[::-1]
        lam = np.asarray(lam, dtype=np.float64)[order]
        A = fix_column_signs(A[:, order])
        top = float(lam[0]) if lam.size else 0.0
        # negative eigenvalues (non-PSD kernel, round-off) and tiny positive ones are noise
        small = 1e-12 if eps < 1e-10 else 2e-7  # scikit-learn's _check_psd_eigenvalues ratios
        lam = np.where(lam > small * max(top, 0.0), lam, 0.0)
        if self.remove_zero_eig or self.n_components is None:
            keep = lam > 0
            lam, A = lam[keep], A[:, keep]
        return lam, A

    def _fit_preimage(self, Z: np.ndarray, X: np.ndarray) -> None:
        """``dual_coef_ = (K_Z + αI)⁻¹ X`` by Cholesky, ``K_Z = k(Z, Z)`` on the score space."""
        K_Z = self._kernel(Z)
        K_Z.flat[:: K_Z.shape[0] + 1] += self.alpha  # + αI: the ridge
        try:
            factor = sla.cho_factor(K_Z, lower=True, check_finite=False)
            self.dual_coef_ = sla.cho_solve(factor, X, check_finite=False)
        except np.linalg.LinAlgError:
            warnings.warn(
                f"KernelPCA: K_Z + αI (alpha={self.alpha}) is not positive definite (the kernel "
                "is not PSD on the scores); solving it as a symmetric indefinite system. "
                "Raise alpha for a stable pre-image map.",
                NumericalWarning,
                stacklevel=4,
            )
            self.dual_coef_ = sla.solve(K_Z, X, assume_a="sym", check_finite=False)
        self.X_transformed_fit_ = Z

    # ------------------------------------------------------------------ transforms
    def _scaled_alphas(self) -> np.ndarray:
        """``A diag(1 / sqrt(λ))``, with 0 for zero eigenvalues (their scores are 0)."""
        lam = self.eigenvalues_
        scale = np.zeros_like(lam)
        nonzero = lam > 0
        scale[nonzero] = 1.0 / np.sqrt(lam[nonzero])
        return self.eigenvectors_ * scale

    def transform(self, X: Any) -> np.ndarray:
        """Scores ``k̃(X) A diag(1 / sqrt(λ))`` of new points (n, n_components_).

        With ``kernel='precomputed'``, ``X`` is the kernel between the new points and the
        training points, of shape (n_new, n_train).
        """
        check_is_fitted(self)
        n_fit = self.eigenvectors_.shape[0]
        try:
            # n_features_in_ = n_train when precomputed: the width says "kernel, not data"
            X = validate_data(self, X, reset=False)
        except ValueError as e:
            if not (self._is_precomputed() and str(e).startswith("X has")):
                raise
            check_finite(np.asarray(X, dtype=np.float64), "X")  # a NaN is named before the width
            raise LinmlInputError(
                f"{e} KernelPCA(kernel='precomputed').transform expects the kernel between "
                f"new and training points, of shape (n_new, {n_fit}); got shape {np.shape(X)}."
            ) from e
        self._check_scale(X, fitting=False)
        if self._is_precomputed():
            K = np.array(X, dtype=self.eigenvectors_.dtype)  # a copy: centered in place below
        else:
            K = self._kernel(X, self.X_fit_)  # (n_new, n_fit)
        # center with the training statistics: k̃ = k − cᵀ − mean(k) + m
        row_means = K.mean(axis=1, keepdims=True)
        K -= self.K_fit_rows_[None, :]
        K -= row_means
        K += K.dtype.type(self.K_fit_all_)
        return K @ self._scaled_alphas()

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Pre-images ``x̂ = k(z, Z_fit) dual_coef_`` (kernel ridge regression), (n, n_features)."""
        check_is_fitted(self)
        if not hasattr(self, "dual_coef_"):
            raise LinmlInputError(
                "KernelPCA.inverse_transform needs the pre-image map: fit with "
                "fit_inverse_transform=True."
            )
        Z = np.asarray(Z, dtype=self.dual_coef_.dtype)
        if Z.ndim != 2 or Z.shape[1] != self.n_components_:
            raise LinmlInputError(
                f"KernelPCA.inverse_transform expects scores of shape (n, {self.n_components_}); "
                f"got shape {Z.shape}."
            )
        return self._kernel(Z, self.X_transformed_fit_) @ self.dual_coef_

    @property
    def _n_features_out(self) -> int:
        return self.eigenvalues_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = self._is_precomputed()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # ------------------------------------------------------------------ explanation
    def _mercer_words(self) -> str:
        if self.mercer_ is not None:
            m = self.mercer_
            verdict = "passes" if m["passed"] else "FAILS"
            return (
                f"{verdict}: eigenvalues of K in [{m['min_eigenvalue']:.4g}, "
                f"{m['max_eigenvalue']:.4g}] (round-off allowance {m['tol']:.3g})"
            )
        name = self.kernel
        if name == "sigmoid":
            return "not checked; the sigmoid kernel is not PSD for every gamma, coef0"
        if name == "poly" and not (
            float(self.degree).is_integer() and self.coef0 >= 0 and self.degree >= 1
        ):
            return "not guaranteed: poly is PSD for integer degree and coef0 >= 0"
        return f"PSD by construction ({name} is an inner product of feature maps)"

    def _explain(self) -> Explanation:
        check_is_fitted(self)
        lam = self.eigenvalues_.astype(np.float64)
        name = self.kernel if isinstance(self.kernel, str) else "callable"
        exp = Explanation(title=f"KernelPCA ({name} kernel, {self.eigen_solver_} solver)")
        exp.add("eigenvalues_", lam, "λ₁ ≥ … ≥ λₖ of the centered kernel K̃ (score variance λ/n)")
        exp.add(
            "explained_variance_ratio_",
            self.explained_variance_ratio_,
            "λⱼ / trace(K̃): share of the total variance in feature space",
        )
        kept = float(np.sum(self.explained_variance_ratio_))
        exp.add("variance kept", kept, "sum of the shares of the kept components")
        eff = effective_rank(singular_values=lam) if lam.size and lam[0] > 0 else 0.0
        exp.add("effective rank (kept)", eff, "exp(entropy) of the kept eigenvalues")
        exp.add("Mercer", self._mercer_words(), "is K a Gram matrix of some feature map?")
        if self.eigen_solver_ == "randomized":
            exp.add("block products", self.n_iter_, "GEMMs with K of the block Krylov solver")
        exp.verdict = (
            f"{self.n_components_} components keep {100 * kept:.1f}% of the variance in "
            "feature space."
        )
        if self.mercer_ is not None and not self.mercer_["passed"]:
            exp.suggestions.append(
                "the kernel is not positive semi-definite: fix the kernel (or add a multiple "
                "of the identity) before trusting the components."
            )
        return exp
