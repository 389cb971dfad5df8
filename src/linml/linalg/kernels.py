"""Kernel matrices, the Mercer (positive semi-definiteness) check, and feature-space centering.

A kernel ``k(x, y) = <φ(x), φ(y)>`` is an inner product in some feature space; the kernel
matrix ``K[i, j] = k(X[i], Y[j])`` is then a Gram matrix, so for ``Y = X`` it is symmetric
positive semi-definite (Mercer's condition). The kernels here, in the code's own symbols:

==========  ==============================================================
``linear``  ``K = X Yᵀ``
``poly``    ``K = (gamma · X Yᵀ + coef0) ** degree``
``rbf``     ``K = exp(-gamma · D)``, ``D[i, j] = ‖xᵢ‖² − 2 xᵢᵀyⱼ + ‖yⱼ‖²`` (clipped at 0)
``sigmoid`` ``K = tanh(gamma · X Yᵀ + coef0)`` (not PSD for every gamma, coef0)
``cosine``  ``K = X̂ Ŷᵀ`` with unit-norm rows ``x̂ = x / ‖x‖`` (zero rows stay zero)
callable    ``K = kernel(X_block, Y)`` returning an ``(n_block, n_y)`` array
==========  ==============================================================

Kernel matrices are built in row blocks so that the working set stays under
``max_memory_mb`` however large ``X`` is (only the output itself is ``n_x × n_y``).

>>> import numpy as np
>>> X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
>>> np.round(pairwise_kernel(X, kernel="rbf", gamma=0.5), 4)
array([[1.    , 0.6065, 0.1353],
       [0.6065, 1.    , 0.0821],
       [0.1353, 0.0821, 1.    ]])
>>> mercer_check(pairwise_kernel(X, kernel="rbf", gamma=0.5)).passed
True
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from linml._validation import check_array
from linml.exceptions import LinmlInputError
from linml.linalg._scaling import global_exponent, max_abs, row_exponents

__all__ = [
    "KERNELS",
    "MercerResult",
    "center_kernel",
    "mercer_check",
    "pairwise_kernel",
    "resolve_gamma",
]

#: The kernels :func:`pairwise_kernel` knows by name (a callable is accepted too).
KERNELS = ("linear", "poly", "rbf", "sigmoid", "cosine")

_USES_GAMMA = ("poly", "rbf", "sigmoid")


# ---------------------------------------------------------------------------- gamma
def resolve_gamma(gamma: Any, X: Any) -> float:
    """Turn a ``gamma`` setting into a positive float for the data ``X``.

    Parameters
    ----------
    gamma : {'scale', 'auto'} or float or None
        ``'scale'``: ``1 / (p · X.var())`` (1/p when X has zero variance), as in libsvm's
        front-end of scikit-learn; ``'auto'`` or None: ``1 / p``; a float must be finite
        and > 0.
    X : array-like of shape (n, p)
        The training data (only its shape and variance are used).

    Returns
    -------
    float

    >>> resolve_gamma("auto", np.zeros((3, 4)))
    0.25
    >>> resolve_gamma("scale", np.array([[0.0, 2.0], [2.0, 0.0]]))
    0.5
    >>> resolve_gamma(-1.0, np.zeros((3, 4)))
    Traceback (most recent call last):
    ...
    linml.exceptions.LinmlInputError: gamma=-1.0 must be a finite number > 0, 'scale' or 'auto'; ...
    """
    n_features = int(np.shape(X)[1]) if np.ndim(X) == 2 else 1
    if gamma is None or (isinstance(gamma, str) and gamma == "auto"):
        return 1.0 / n_features
    if isinstance(gamma, str) and gamma == "scale":
        return _scale_gamma(np.asarray(X, dtype=np.float64), n_features)
    if (
        isinstance(gamma, numbers.Real)
        and not isinstance(gamma, bool)
        and math.isfinite(gamma)
        and gamma > 0
    ):
        return float(gamma)
    raise LinmlInputError(
        f"gamma={gamma!r} must be a finite number > 0, 'scale' or 'auto'; "
        "try 'scale' (1 / (n_features · X.var())) for standardized data."
    )


def _scale_gamma(X: np.ndarray, n_features: int, e: int | None = None) -> float:
    """``1 / (p · X.var())`` with the variance of ``X · 2^(−e)`` (``e``: X's exponent).

    With ``e`` given, the gamma for the rescaled data is returned (so that
    ``γ(X · 2^(−e)) · D(X · 2^(−e)) = γ(X) D(X)`` — rbf with 'scale' is scale-invariant).
    Without it, the gamma of ``X`` itself, raising when it is not a positive float64.
    """
    own = e is None
    if e is None:
        e = global_exponent(X)
    Xs = np.ldexp(X, -e) if e else X
    X_var = float(Xs.var()) if Xs.size else 0.0
    if X_var == 0.0:
        # zero variance (constant data) would give gamma = inf; fall back to 1/p like 'auto'
        return 1.0 / n_features
    gamma = 1.0 / (n_features * X_var)
    if not own or e == 0:
        return gamma
    with np.errstate(over="ignore", under="ignore"):
        gamma = float(np.ldexp(gamma, -2 * e))  # var(X) = 4^e var(X · 2^(−e))
    if not (np.isfinite(gamma) and gamma >= np.finfo(np.float64).tiny):
        raise LinmlInputError(
            f"gamma='scale' = 1 / (n_features · X.var()) is not representable in float64 for "
            f"X with entries up to {max_abs(X):.3g}; rescale X (e.g. StandardScaler)."
        )
    return gamma


# ---------------------------------------------------------------------------- kernels
def _block_rows(n_y: int, itemsize: int, max_memory_mb: float) -> int:
    """Rows per block so a block's temporaries (about two n_y-wide rows each) fit the budget."""
    budget = max_memory_mb * 2**20
    return max(1, int(budget // (2 * itemsize * max(n_y, 1))))


def _kernel_block(
    Xb: np.ndarray,
    Y: np.ndarray,
    kernel: str,
    gamma: float,
    degree: float,
    coef0: float,
    Xb_sq: np.ndarray | None,
    Y_sq: np.ndarray | None,
) -> np.ndarray:
    """One row block of a named kernel: ``k(Xb, Y)``, shape (n_block, n_y)."""
    G = Xb @ Y.T  # (n_block, n_y) inner products xᵢᵀyⱼ
    if kernel in ("linear", "cosine"):
        return G
    if kernel == "poly":
        G *= gamma
        G += coef0
        return G**degree
    if kernel == "sigmoid":
        G *= gamma
        G += coef0
        return np.tanh(G, out=G)
    # rbf: D = ‖x‖² − 2xᵀy + ‖y‖²; round-off can make D slightly negative, so clip at 0
    G *= -2.0
    G += Xb_sq[:, None]
    G += Y_sq[None, :]
    np.maximum(G, 0.0, out=G)
    G *= -gamma
    return np.exp(G, out=G)


def pairwise_kernel(
    X: Any,
    Y: Any = None,
    kernel: str | Callable[[np.ndarray, np.ndarray], Any] = "rbf",
    *,
    gamma: Any = None,
    degree: float = 3,
    coef0: float = 1.0,
    max_memory_mb: float = 256,
) -> np.ndarray:
    """Kernel matrix ``K[i, j] = k(X[i], Y[j])``, computed in row blocks.

    Parameters
    ----------
    X : array-like of shape (n_x, p)
    Y : array-like of shape (n_y, p), optional
        Defaults to ``X`` (then ``K`` is the symmetric Gram matrix of ``X``).
    kernel : {'rbf', 'linear', 'poly', 'sigmoid', 'cosine'} or callable
        See the module docstring for the formulas. A callable is called as
        ``kernel(X_block, Y)`` and must return an ``(n_block, n_y)`` array.
    gamma : float, 'scale', 'auto' or None
        Scale of ``poly``, ``rbf`` and ``sigmoid``; None or ``'auto'`` means
        ``1 / p``, ``'scale'`` means ``1 / (p · X.var())`` (see :func:`resolve_gamma`).
    degree : float
        Degree of ``poly``.
    coef0 : float
        Offset of ``poly`` and ``sigmoid``.
    max_memory_mb : float
        Bound on the per-block temporaries; blocks of rows are sized to stay under it.
        Results do not depend on it.

    Returns
    -------
    K : ndarray of shape (n_x, n_y)
        float32 when both inputs are float32, else float64.

    Raises
    ------
    LinmlInputError
        Unknown kernel, mismatched feature counts, NaN/inf in the data, bad gamma, or a
        callable returning the wrong shape.

    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> pairwise_kernel(X, kernel="linear")
    array([[ 5., 11.],
           [11., 25.]])
    >>> pairwise_kernel(X, kernel="poly", gamma=1.0, degree=2, coef0=0.0)
    array([[ 25., 121.],
           [121., 625.]])
    """
    if not callable(kernel) and kernel not in KERNELS:
        raise LinmlInputError(
            f"kernel={kernel!r} is not known; use one of {', '.join(map(repr, KERNELS))} "
            "or a callable kernel(X, Y) returning a matrix."
        )
    if not (isinstance(max_memory_mb, numbers.Real) and max_memory_mb > 0):
        raise LinmlInputError(f"max_memory_mb={max_memory_mb!r} must be a number > 0.")
    X = check_array(X, name="X")
    same = Y is None
    Y = X if same else check_array(Y, name="Y")
    if X.shape[1] != Y.shape[1]:
        raise LinmlInputError(
            f"X has {X.shape[1]} features but Y has {Y.shape[1]}; a kernel compares vectors "
            "of the same length."
        )
    dtype = np.result_type(X.dtype, Y.dtype)
    X, Y = X.astype(dtype, copy=False), Y.astype(dtype, copy=False)
    n_x, n_y = X.shape[0], Y.shape[0]
    block = _block_rows(n_y, np.dtype(dtype).itemsize, max_memory_mb)
    K = np.empty((n_x, n_y), dtype=dtype)

    if callable(kernel):
        for start in range(0, n_x, block):
            stop = min(start + block, n_x)
            Kb = np.asarray(kernel(X[start:stop], Y))
            if Kb.shape != (stop - start, n_y):
                raise LinmlInputError(
                    f"the callable kernel returned shape {Kb.shape} for inputs of shapes "
                    f"{X[start:stop].shape} and {Y.shape}; it must return "
                    f"({stop - start}, {n_y}) = (rows of its first argument, rows of its second)."
                )
            K[start:stop] = Kb
        return K

    if kernel == "rbf" and global_exponent(X, Y) != 0:
        return _rbf_extreme(X, Y, same, gamma, max_memory_mb)
    g = resolve_gamma(gamma, X) if kernel in _USES_GAMMA else 1.0
    if kernel == "cosine":
        X = _unit_rows(X)
        Y = X if same else _unit_rows(Y)
    # float32 loses ~half its digits in ‖x‖² − 2xᵀy + ‖y‖²; do rbf distances in float64
    work = np.float64 if kernel == "rbf" else dtype
    Yw = Y.astype(work, copy=False)
    Y_sq = np.einsum("ij,ij->i", Yw, Yw) if kernel == "rbf" else None
    # overflow is reported below, once, in the caller's names (not as numpy warnings)
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, n_x, block):
            stop = min(start + block, n_x)
            Xb = X[start:stop].astype(work, copy=False)
            Xb_sq = Y_sq[start:stop] if (same and Y_sq is not None) else None
            if kernel == "rbf" and Xb_sq is None:
                Xb_sq = np.einsum("ij,ij->i", Xb, Xb)
            Kb = _kernel_block(Xb, Yw, kernel, g, degree, coef0, Xb_sq, Y_sq)
            if same and kernel == "rbf":
                # k(x, x) = exp(0) = 1 exactly; round-off in the expansion would leave it ≈ 1
                rows = np.arange(stop - start)
                Kb[rows, start + rows] = 1.0
            K[start:stop] = Kb
    if not np.isfinite(K).all():
        # only finite inputs reach here: the products overflowed
        raise LinmlInputError(
            f"pairwise_kernel(kernel={kernel!r}): X (and Y) have entries up to "
            f"{max(max_abs(X), max_abs(Y)):.3g}, so large that the kernel values overflow "
            "float64; rescale X (e.g. StandardScaler)."
        )
    return K


def _rbf_extreme(
    X: np.ndarray, Y: np.ndarray, same: bool, gamma: Any, max_memory_mb: float
) -> np.ndarray:
    """rbf for data whose squares over/underflow: ``exp(−γ D)`` with ``D`` from scaled data.

    With ``e`` the common exponent, ``D(X) = 4^e D(X · 2^(−e))``; the distances of the scaled
    data come from the overflow-free difference formula, and ``γ D`` is formed as
    ``ldexp(m D_scaled, k + 2e)`` with ``γ = m·2^k`` (inf → k = 0 and 0 → k = 1 are the
    correctly rounded kernels).
    For ``gamma='scale'`` the kernel is scale-invariant and no unscaling is needed.
    """
    from linml.linalg.distances import _robust_block

    dtype = X.dtype
    e = global_exponent(X, Y)
    Xs = np.ldexp(X.astype(np.float64), -e)
    Ys = Xs if same else np.ldexp(Y.astype(np.float64), -e)
    invariant = isinstance(gamma, str) and gamma == "scale"
    g = _scale_gamma(X.astype(np.float64), X.shape[1], e) if invariant else None
    if g is None:
        g = resolve_gamma(gamma, X)
    K = np.empty((X.shape[0], Y.shape[0]), dtype=dtype)
    # the difference formula holds (block, y_block, p) float64 temporaries, ~3 at a time
    block = min(X.shape[0], 256)
    y_block = max(1, int(max_memory_mb * 2**20 // (3 * 8 * block * max(X.shape[1], 1))))
    # γ·4^e may not be a float64 (nor γ·Ds): with γ = m·2^k (frexp, 0.5 ≤ m < 1) the
    # exponent is ldexp(−m·Ds, k + 2e), correctly rounded to −inf (k = 0) or −0 (k = 1)
    mant, expo = (g, 0) if invariant else np.frexp(g)
    shift = 0 if invariant else int(expo) + 2 * e
    with np.errstate(over="ignore", under="ignore"):
        for start in range(0, X.shape[0], block):
            D = _robust_block(Xs[start : start + block], Ys, "sqeuclidean", y_block)
            G = -mant * D
            if shift:
                G = np.ldexp(G, shift)
            K[start : start + block] = np.exp(G)
    if same:
        np.fill_diagonal(K, 1.0)
    return K


def _unit_rows(A: np.ndarray) -> np.ndarray:
    """Rows scaled to unit Euclidean norm; zero rows are left as zeros.

    Each row is first brought to ``max |entry| ≈ 1`` by an exact power of two, so the norm
    neither overflows nor underflows for extreme data (x/‖x‖ is scale-free).
    """
    A = np.ldexp(A, -row_exponents(A)[:, None]).astype(A.dtype, copy=False)
    norms = np.sqrt(np.einsum("ij,ij->i", A, A))
    norms[norms == 0.0] = 1.0
    return A / norms[:, None]


# ---------------------------------------------------------------------------- Mercer
@dataclass(frozen=True)
class MercerResult:
    """Outcome of :func:`mercer_check`: the extreme eigenvalues of the symmetrized Gram matrix.

    Attributes
    ----------
    min_eigenvalue, max_eigenvalue : float
        Smallest and largest eigenvalue of ``(K + Kᵀ) / 2``.
    passed : bool
        ``min_eigenvalue >= -tol``: positive semi-definite up to round-off.
    tol : float
        The round-off allowance used.
    """

    min_eigenvalue: float
    max_eigenvalue: float
    passed: bool
    tol: float

    @property
    def verdict(self) -> str:
        """One sentence saying whether the kernel satisfies Mercer's condition on this data."""
        if self.passed:
            return (
                f"positive semi-definite: smallest eigenvalue {self.min_eigenvalue:.3g} >= "
                f"-{self.tol:.3g} (round-off allowance); a valid (Mercer) kernel on this data."
            )
        return (
            f"not positive semi-definite: smallest eigenvalue {self.min_eigenvalue:.3g} < "
            f"-{self.tol:.3g}; the kernel violates Mercer's condition on this data, so it is no "
            "inner product in any feature space and a margin-based solver may not find a "
            "global optimum."
        )

    def __str__(self) -> str:
        return (
            f"Mercer check: eigenvalues in [{self.min_eigenvalue:.4g}, {self.max_eigenvalue:.4g}]"
            f" — {self.verdict}"
        )


def mercer_check(K: Any, *, tol: float | None = None) -> MercerResult:
    """Check that a square kernel matrix is positive semi-definite (Mercer's condition).

    ``K`` is symmetrized, ``S = (K + Kᵀ) / 2``, and its eigenvalues computed with ``eigvalsh``;
    it passes when ``λ_min(S) >= -tol`` with ``tol = eps · n · max|λ|`` by default (the
    round-off of an eigensolver on an n×n matrix).

    Parameters
    ----------
    K : array-like of shape (n, n)
    tol : float, optional
        Allowance for negative eigenvalues; default from ``finfo(K.dtype).eps``.

    Returns
    -------
    MercerResult

    >>> X = np.array([[0.0], [1.0], [3.0]])
    >>> mercer_check(pairwise_kernel(X, kernel="sigmoid", gamma=2.0, coef0=-1.0)).passed
    False
    """
    K = check_array(K, name="K")
    n = K.shape[0]
    if K.shape != (n, n):
        raise LinmlInputError(
            f"K must be a square kernel matrix (n, n); got shape {K.shape}. Pass the Gram "
            "matrix of the training data, k(X, X)."
        )
    # symmetrize: round-off makes K slightly asymmetric and eigvalsh reads only one triangle
    S = (K + K.T) / 2.0
    eigenvalues = np.linalg.eigvalsh(S)  # ascending
    lam_min, lam_max = float(eigenvalues[0]), float(eigenvalues[-1])
    if tol is None:
        tol = float(np.finfo(K.dtype).eps * n * max(abs(lam_min), abs(lam_max)))
    elif not (isinstance(tol, numbers.Real) and math.isfinite(tol) and tol >= 0):
        raise LinmlInputError(f"tol={tol!r} must be a finite number >= 0.")
    return MercerResult(lam_min, lam_max, bool(lam_min >= -tol), float(tol))


# ---------------------------------------------------------------------------- centering
def center_kernel(K: Any, K_fit_rows: Any = None) -> np.ndarray:
    """Center a kernel matrix in feature space (subtract the training mean of ``φ``).

    Without ``K_fit_rows``, ``K`` is the training Gram matrix (n, n) and the result is
    ``Kc = (I − 1ₙ) K (I − 1ₙ)`` with ``1ₙ`` the matrix of entries ``1/n``, computed from
    means (no n×n products): ``Kc = K − 1 cᵀ − r 1ᵀ + mean(K)``, with column means ``c``
    and row means ``r``.

    With ``K_fit_rows`` — the training column means ``c = K_fit.mean(axis=0)``, shape
    (n,) — ``K`` is a test kernel ``k(X_test, X_fit)`` of shape (m, n) and the result is
    ``Kc = K − 1 cᵀ − r 1ᵀ + mean(c)`` with ``r = K.mean(axis=1)``: the inner products of
    ``φ(x_test) − φ̄`` and ``φ(x_fit) − φ̄`` where ``φ̄`` is the training mean.

    Parameters
    ----------
    K : array-like of shape (n, n) or (m, n)
    K_fit_rows : array-like of shape (n,), optional

    Returns
    -------
    Kc : ndarray, same shape as ``K``

    >>> X = np.array([[0.0], [1.0], [3.0]])
    >>> Kc = center_kernel(pairwise_kernel(X, kernel="linear"))
    >>> Xc = X - X.mean(axis=0)
    >>> bool(np.allclose(Kc, Xc @ Xc.T))
    True
    """
    K = check_array(K, name="K")
    if K_fit_rows is None:
        n = K.shape[0]
        if K.shape != (n, n):
            raise LinmlInputError(
                f"K must be the square training kernel (n, n) when K_fit_rows is not given; "
                f"got shape {K.shape}. For a test kernel pass K_fit_rows=K_fit.mean(axis=0)."
            )
        col_means = K.mean(axis=0)
        total = col_means.mean()
    else:
        col_means = check_array(K_fit_rows, name="K_fit_rows", ensure_2d=False)
        if col_means.ndim != 1 or col_means.shape[0] != K.shape[1]:
            raise LinmlInputError(
                f"K_fit_rows must have shape ({K.shape[1]},) (one mean per training column of "
                f"K); got {col_means.shape}."
            )
        col_means = col_means.astype(K.dtype, copy=False)
        total = col_means.mean()
    row_means = K.mean(axis=1)
    return K - col_means[None, :] - row_means[:, None] + total
