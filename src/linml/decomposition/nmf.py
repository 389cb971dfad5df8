"""Non-negative matrix factorization ``X ≈ W H`` with ``W, H >= 0``: HALS and multiplicative updates.

The objective (Frobenius loss plus scikit-learn's scaled elastic-net penalties)::

    f(W, H) = ½‖X − W H‖²_F
              + l1_W ‖W‖₁ + ½ l2_W ‖W‖²_F + l1_H ‖H‖₁ + ½ l2_H ‖H‖²_F,
    l1_W = p α_W ρ,  l2_W = p α_W (1 − ρ),  l1_H = n α_H ρ,  l2_H = n α_H (1 − ρ)

(``n, p = X.shape``, ``ρ = l1_ratio``) is minimized by alternating a W-step and an H-step.
Both steps see ``X`` only through two GEMMs, ``X Hᵀ`` (n, k) and ``Xᵀ W`` (p, k); everything
else is k×k algebra, and the objective itself comes free from the same products::

    ‖X − W H‖² = ‖X‖² − 2 Σ (Xᵀ W) ∘ Hᵀ + Σ (WᵀW) ∘ (H Hᵀ).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from linml._base import Explanation, LinmlEstimator
from linml._validation import Interval, Options, check_random_state, validate_data
from linml.decomposition._nmf_kernels import hals_sweeps, hals_sweeps_resumable, mu_updates
from linml.exceptions import LinmlInputError
from linml.linalg import effective_rank, numerical_rank, randomized_svd
from linml.linalg._scaling import check_squares_finite, global_exponent, ldexp_checked

__all__ = ["NMF"]

logger = logging.getLogger(__name__)

INITS = ("nndsvd", "nndsvda", "random")
SOLVERS = ("hals", "mu")

# Accelerated inner loops (Gillis & Glineur 2012): repeat the cheap k×k part of a step up
# to 1 + ⌊α ρ⌋ times, ρ = (time of the step's GEMMs) / (time of one sweep), and stop once
# a repetition moves the factor by at most δ times the first one. ρ is estimated from flop
# counts divided by _GEMM_SPEEDUP: BLAS runs a flop about 10× faster than the scalar sweep.
_INNER_ALPHA = 0.5
_INNER_DELTA = 0.1
_GEMM_SPEEDUP = 10.0
# multiplicative updates divide by this where a denominator is exactly 0 (as scikit-learn)
_MU_EPS = float(np.finfo(np.float32).eps)
# stopping ratio of the final/transform W-solve when tol = 0 (a fixed budget for the fit)
_SOLVE_W_DELTA = 1e-6
# sweeps allowed to that W-solve however small max_iter is: a cold start from W = 0 needs
# tens to hundreds of sweeps (it stops early on the δ rule)
_SOLVE_W_MIN_SWEEPS = 1000
# flops per compiled call of that W-solve (~k²m per sweep): ~10 ms, so the return to
# Python (where Ctrl-C is honoured) costs ~0.2% and a long solve stops promptly (issue 17)
_SWEEP_CHUNK_FLOPS = 2**27
# up to this size the solver keeps a C-ordered copy of Xᵀ for the W-step's GEMM
_XT_COPY_MAX_BYTES = 32 << 20


# ---------------------------------------------------------------------------- input
def _ldexp(X: Any, e: int) -> Any:
    """``X · 2^e`` (exact) for dense or sparse ``X``; ``X`` itself when ``e == 0``."""
    if not e:
        return X
    if sp.issparse(X):
        X = X.copy()
        X.data = np.ldexp(X.data, e).astype(X.dtype, copy=False)
        return X
    return np.ldexp(X, e).astype(X.dtype, copy=False)


def _check_non_negative(X: Any, where: str) -> None:
    """Raise naming how many entries of ``X`` are negative and where the first one is."""
    if sp.issparse(X):
        coo = X.tocoo()
        neg = coo.data < 0
        if not neg.any():
            return
        rows, cols, vals = coo.row[neg], coo.col[neg], coo.data[neg]
        first = int(np.lexsort((cols, rows))[0])  # row-major first
        count, row, col, value = int(neg.sum()), int(rows[first]), int(cols[first]), vals[first]
    else:
        neg = X < 0
        if not neg.any():
            return
        count = int(neg.sum())
        row, col = divmod(int(np.argmax(neg.ravel())), X.shape[1])
        value = X[row, col]
    raise LinmlInputError(
        f"NMF.{where}: Negative values in data: {count} entr{'y' if count == 1 else 'ies'} of X "
        f"{'is' if count == 1 else 'are'} negative; the first is X[{row}, {col}] = "
        f"{float(value):.6g}. NMF factors X ≈ W H with "
        "W, H >= 0; shift or clip the data (e.g. X - X.min(), np.clip(X, 0, None)) or use PCA."
    )


def _squared_norm(X: Any) -> float:
    """‖X‖²_F in float64 (dense or sparse)."""
    data = X.data if sp.issparse(X) else X.ravel()
    return float(np.dot(data.astype(np.float64, copy=False), data.astype(np.float64, copy=False)))


def _sum64(A: np.ndarray, B: np.ndarray) -> float:
    """Σᵢⱼ Aᵢⱼ Bᵢⱼ accumulated in float64 (the objective must not lose float32 digits)."""
    return float(np.einsum("ij,ij->", A, B, dtype=np.float64))


# ---------------------------------------------------------------------------- init
def _init_factors(
    X: Any, k: int, init: str, rng: np.random.RandomState
) -> tuple[np.ndarray, np.ndarray]:
    """Starting ``Wt = Wᵀ`` (k, n) and ``H`` (k, p), both C-contiguous and >= 0.

    * ``random``: ``|N(0, 1)| · sqrt(mean(X) / k)`` (so ``W H`` has about X's mean).
    * ``nndsvd`` (Boutsidis & Gallopoulos 2008): from the top-k SVD ``X ≈ U S Vt``, each
      singular pair ``(u, v)`` is split into its positive and negative parts and the pair
      of parts with the larger ``‖u±‖ ‖v±‖`` kept, scaled by ``sqrt(S_j ‖u±‖ ‖v±‖)``
      (the leading pair is taken in absolute value). Entries below 1e-6 become 0.
    * ``nndsvda``: nndsvd with those zeros filled by ``mean(X)`` (better for ``mu``, whose
      zeros can never grow again).
    """
    n, p = X.shape
    dtype = X.dtype
    mean = float(X.sum()) / (n * p)
    if init == "random":
        avg = np.sqrt(mean / k)
        H = np.abs(avg * rng.standard_normal((k, p))).astype(dtype)
        Wt = np.abs(avg * rng.standard_normal((n, k))).astype(dtype).T
        return np.ascontiguousarray(Wt), H
    # two power iterations: a starting point needs the dominant subspace only roughly
    U, S, Vt = randomized_svd(
        X, k, n_oversamples=10, n_iter=2, power_iteration_normalizer="lu", random_state=rng
    )
    Wt = np.zeros((k, n), dtype=np.float64)
    H = np.zeros((k, p), dtype=np.float64)
    Wt[0] = np.sqrt(S[0]) * np.abs(U[:, 0])
    H[0] = np.sqrt(S[0]) * np.abs(Vt[0])
    for j in range(1, k):
        x, y = U[:, j], Vt[j]
        x_p, y_p = np.maximum(x, 0), np.maximum(y, 0)
        x_n, y_n = np.maximum(-x, 0), np.maximum(-y, 0)
        nx_p, ny_p, nx_n, ny_n = (float(np.linalg.norm(a)) for a in (x_p, y_p, x_n, y_n))
        # keep the sign pattern carrying more of the rank-one term u vᵀ
        if nx_p * ny_p > nx_n * ny_n:
            u, v, nu, nv = x_p, y_p, nx_p, ny_p
        else:
            u, v, nu, nv = x_n, y_n, nx_n, ny_n
        if nu == 0.0 or nv == 0.0:
            continue
        scale = np.sqrt(S[j] * nu * nv)
        Wt[j] = scale * u / nu
        H[j] = scale * v / nv
    Wt[Wt < 1e-6] = 0.0
    H[H < 1e-6] = 0.0
    if init == "nndsvda":
        Wt[Wt == 0.0] = mean
        H[H == 0.0] = mean
    return Wt.astype(dtype), H.astype(dtype)


# ---------------------------------------------------------------------------- products
def _H_Xt(X: Any, H: np.ndarray, Xt: np.ndarray | None = None) -> np.ndarray:
    """``H Xᵀ`` (k, n) C-contiguous: the W-step's one GEMM with X (``Xt``: a C-ordered Xᵀ)."""
    if sp.issparse(X):
        return np.ascontiguousarray((X @ H.T).T)
    return H @ (X.T if Xt is None else Xt)


def _transposed_copy(X: Any) -> np.ndarray | None:
    """A C-ordered ``Xᵀ`` for small dense X (BLAS is ~15% faster on it), else None."""
    if sp.issparse(X) or X.nbytes > _XT_COPY_MAX_BYTES:
        return None
    return np.ascontiguousarray(X.T)


def _Wt_X(X: Any, Wt: np.ndarray) -> np.ndarray:
    """``Wᵀ X`` (k, p) C-contiguous: the H-step's one GEMM with X."""
    if sp.issparse(X):
        return np.ascontiguousarray((X.T @ Wt.T).T)
    return Wt @ X


# ---------------------------------------------------------------------------- steps
def _inner_limit(n_rows: int, n_other: int, nnz: int, k: int) -> int:
    """1 + ⌊α ρ⌋, ρ = 1 + (nnz + n_other k) / (n_rows (k + 1) · speedup) (Gillis & Glineur 2012)."""
    rho = 1.0 + (nnz + n_other * k) / (n_rows * (k + 1.0) * _GEMM_SPEEDUP)
    return 1 + int(_INNER_ALPHA * rho)


def _penalized(G: np.ndarray, C: np.ndarray, l1: float, l2: float) -> tuple[np.ndarray, np.ndarray]:
    """``(G + l2 I, C − l1)``: the penalties folded into the quadratic and linear terms."""
    if l2:
        G = G.copy()
        G.flat[:: G.shape[0] + 1] += l2  # + l2 on the diagonal
    if l1:
        C = C - l1
    return G, C


def _hals_step(
    A: np.ndarray, C: np.ndarray, G: np.ndarray, l1: float, l2: float, max_inner: int
) -> None:
    """HALS step, in place: ``A`` (k, m) >= 0 minimizing ½ tr(Aᵀ(G + l2 I)A) − tr((C − l1)ᵀA).

    W-step: ``A = Wᵀ``, ``C = H Xᵀ``, ``G = H Hᵀ``; H-step: ``A = H``, ``C = Wᵀ X``,
    ``G = WᵀW``.
    """
    G_reg, C_reg = _penalized(G, C, l1, l2)
    hals_sweeps(A, G_reg, C_reg, max_inner, _INNER_DELTA)


def _mu_step(
    A: np.ndarray, C: np.ndarray, G: np.ndarray, l1: float, l2: float, max_inner: int
) -> None:
    """Multiplicative update(s), in place: ``A ← A ∘ C / (G A + l1 + l2 A)`` (Lee & Seung 2001).

    The ratio is the gradient split into its negative part (numerator) and positive part
    (denominator), so a zero entry stays zero and no update can increase ``f``.
    """
    mu_updates(A, G, C, float(l1), float(l2), max_inner, _INNER_DELTA, _MU_EPS)


_STEPS = {"hals": _hals_step, "mu": _mu_step}


def _residual_sq(XX: float, cross: float, WtW: np.ndarray, HHt: np.ndarray) -> float:
    """‖X − W H‖² = ‖X‖² − 2 tr(Wᵀ X Hᵀ) + tr(WᵀW H Hᵀ), clipped at 0 (round-off)."""
    return max(XX - 2.0 * cross + _sum64(WtW, HHt), 0.0)


def _objective(
    XX: float,
    cross: float,
    WtW: np.ndarray,
    HHt: np.ndarray,
    Wt: np.ndarray,
    H: np.ndarray,
    regs: tuple[float, float, float, float],
) -> float:
    """f from the Gram identity: ½(‖X‖² − 2 tr(Wᵀ X Hᵀ) + tr(WᵀW H Hᵀ)) + penalties."""
    l1_W, l2_W, l1_H, l2_H = regs
    loss = 0.5 * _residual_sq(XX, cross, WtW, HHt)
    if l1_W:
        loss += l1_W * float(Wt.sum(dtype=np.float64))
    if l2_W:
        loss += 0.5 * l2_W * float(np.trace(WtW))
    if l1_H:
        loss += l1_H * float(H.sum(dtype=np.float64))
    if l2_H:
        loss += 0.5 * l2_H * float(np.trace(HHt))
    return loss


def _solve(
    X: Any,
    Wt: np.ndarray,
    H: np.ndarray,
    solver: str,
    regs: tuple[float, float, float, float],
    max_iter: int,
    tol: float,
    verbose: bool = False,
    XX: float | None = None,
) -> tuple[int, np.ndarray, bool]:
    """Alternate W- and H-steps on ``Wt`` (k, n) and ``H`` (k, p) in place.

    Returns (iterations, objective path, converged); converged when one iteration lowers
    the objective by at most ``tol`` times its value. ``XX = ‖X‖²`` when already known.
    """
    l1_W, l2_W, l1_H, l2_H = regs
    n, p = X.shape
    k = H.shape[0]
    nnz = X.nnz if sp.issparse(X) else n * p
    inner_W = _inner_limit(n, p, nnz, k)
    inner_H = _inner_limit(p, n, nnz, k)
    step = _STEPS[solver]
    XX = _squared_norm(X) if XX is None else XX
    Xt = _transposed_copy(X)
    HHt = H @ H.T  # (k, k)
    path: list[float] = []
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        C_W = _H_Xt(X, H, Xt)  # (k, n)
        if n_iter == 1:
            path.append(_objective(XX, _sum64(C_W, Wt), Wt @ Wt.T, HHt, Wt, H, regs))
        step(Wt, C_W, HHt, l1_W, l2_W, inner_W)
        WtW = Wt @ Wt.T  # (k, k)
        C_H = _Wt_X(X, Wt)  # (k, p)
        step(H, C_H, WtW, l1_H, l2_H, inner_H)
        HHt = H @ H.T
        path.append(_objective(XX, _sum64(C_H, H), WtW, HHt, Wt, H, regs))
        if verbose and n_iter % 10 == 0:
            logger.info("NMF iteration %d: objective %.6g", n_iter, path[-1])
        if tol > 0 and path[-2] - path[-1] <= tol * path[-2]:
            converged = True
            break
    return n_iter, np.asarray(path), converged


def _solve_W(
    X: Any,
    H: np.ndarray,
    l1_W: float,
    l2_W: float,
    max_iter: int,
    delta: float,
    Wt0: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Wt = Wᵀ`` minimizing ``½‖X − W H‖² + l1_W ‖W‖₁ + ½ l2_W ‖W‖²`` over W >= 0,
    with the products it formed: ``H Xᵀ`` and ``H Hᵀ``.

    A convex non-negative least-squares problem per row of W: HALS sweeps from ``Wt0``
    (from W = 0 when None, then once more with the δ rule restarted where that stopped)
    until a sweep's step is at most ``delta`` times the first one, or
    ``max(max_iter, _SOLVE_W_MIN_SWEEPS)`` sweeps; ``delta=0`` (a fit with ``tol=0``) uses
    1e-6, accurate far beyond what the factorization means. Each sweep lowers the convex
    objective, so a warm start can only improve on ``Wt0``.
    """
    delta = delta if delta > 0 else _SOLVE_W_DELTA
    C_W = _H_Xt(X, H)  # (k, n)
    HHt = H @ H.T  # (k, k)
    G, C = _penalized(HHt, C_W, l1_W, l2_W)  # copies HHt when it adds l2
    if Wt0 is None:
        Wt = np.zeros((H.shape[0], X.shape[0]), dtype=H.dtype)
    else:
        Wt = np.array(Wt0, dtype=H.dtype, order="C")
    C = np.ascontiguousarray(C)
    k, m = Wt.shape
    # sweeps in chunks of ~_SWEEP_CHUNK_FLOPS; `first` carries the δ rule's reference across
    # chunks, so the result is exactly that of one call
    chunk = max(1, _SWEEP_CHUNK_FLOPS // max(k * (k + 4) * m, 1))
    left = max(max_iter, _SOLVE_W_MIN_SWEEPS)
    # a cold start measures δ against its first sweep, the whole way from W = 0: with an
    # ill-conditioned H (slow linear convergence) that stopped 1e-3–5e-2 (relative) short
    # of the minimizer, so transform(X) disagreed with fit_transform(X), whose final solve
    # is warm-started (a small first step: a tight reference). Restarting the δ rule once
    # where the cold phase stopped gives that accuracy (1e-5–1e-9 measured, 2–4× the sweeps;
    # still faster than scikit-learn's transform, whose error was 6e-2–4e-1 there).
    for _phase in range(1 if Wt0 is not None else 2):
        first = np.full(1, -1.0)
        while left > 0:
            done, stopped = hals_sweeps_resumable(Wt, G, C, min(chunk, left), delta, first)
            left -= done
            if stopped:
                break
    return Wt, C_W, HHt


def _frobenius_error(X: Any, Wt: np.ndarray, H: np.ndarray, residual_sq: float, XX: float) -> float:
    """‖X − W H‖_F from the Gram identity's ``residual_sq``, recomputed directly when tiny.

    The identity loses ``eps · ‖X‖² / ‖X − W H‖²`` relative accuracy to cancellation; when
    the residual is below 1e-8 ‖X‖² (``XX``; dense X) the residual is formed in row blocks.
    """
    if sp.issparse(X) or residual_sq > 1e-8 * XX:
        return float(np.sqrt(residual_sq))
    total = 0.0
    block = max(1, (1 << 22) // max(X.shape[1], 1))  # ~32 MB of float64 residual per block
    for start in range(0, X.shape[0], block):
        R = X[start : start + block] - Wt[:, start : start + block].T @ H  # residual rows
        total += _sum64(R, R)
    return float(np.sqrt(total))


# ---------------------------------------------------------------------------- estimator
class NMF(ClassNamePrefixFeaturesOutMixin, TransformerMixin, LinmlEstimator):
    """Non-negative matrix factorization ``X ≈ W H`` (W, H >= 0) by HALS or multiplicative updates.

    Minimizes, over ``W`` (n, k) >= 0 and ``H`` (k, p) >= 0::

        f(W, H) = ½‖X − W H‖²_F + l1_W ‖W‖₁ + ½ l2_W ‖W‖²_F + l1_H ‖H‖₁ + ½ l2_H ‖H‖²_F

    with scikit-learn's scaling ``l1_W = p α_W ρ``, ``l2_W = p α_W (1 − ρ)``,
    ``l1_H = n α_H ρ``, ``l2_H = n α_H (1 − ρ)`` (``ρ = l1_ratio``).

    Parameters
    ----------
    n_components : int or None, default=None
        ``k``; None means ``n_features``.
    init : {'nndsvd', 'nndsvda', 'random'} or None, default=None
        Starting point (see Notes). None: ``'nndsvda'`` when ``k <= min(n, p)``, else
        ``'random'``.
    solver : {'hals', 'mu'}, default='hals'
        ``'hals'``: exact coordinate minimization, one column of W (then of H) at a time;
        ``'mu'``: Lee–Seung multiplicative updates.
    alpha_W : float >= 0, default=0.0
        Penalty strength on ``W``.
    alpha_H : float >= 0 or 'same', default='same'
        Penalty strength on ``H``; ``'same'`` uses ``alpha_W``.
    l1_ratio : float in [0, 1], default=0.0
        Share of the penalty that is L1 (sparsity) rather than squared L2.
    max_iter : int, default=200
        Outer iterations (one W-step and one H-step each).
    tol : float >= 0, default=1e-4
        Stop when an iteration lowers ``f`` by at most ``tol · f``; 0 runs ``max_iter``.
    random_state : int, RandomState or None, default=None
        Seed of the random / SVD-based initialization.
    verbose : bool, default=False
        Log the objective every 10 iterations (``logging``, logger ``linml.decomposition.nmf``).

    Attributes
    ----------
    components_ : ndarray of shape (n_components_, n_features)
        ``H`` >= 0.
    n_components_ : int
        ``k``.
    reconstruction_err_ : float
        ``‖X − W H‖_F`` at the end of ``fit``.
    relative_error_ : float
        ``‖X − W H‖_F / ‖X‖_F``.
    n_iter_ : int
        Outer iterations run.
    objective_path_ : ndarray of shape (n_iter_ + 1,)
        ``f`` at the start and after each iteration (non-increasing).
    converged_ : bool
        Whether the ``tol`` rule stopped the iterations.
    init_ : str
        The initialization used.
    zero_fraction_W_ : float
        Share of exact zeros in the fitted ``W``.

    Notes
    -----
    Both solvers need ``X`` only through ``X Hᵀ`` and ``Xᵀ W`` (one GEMM per step; scipy
    sparse ``X`` works), and the objective is evaluated from the same products.

    *HALS* (Cichocki & Phan 2009; Gillis & Glineur 2012). With ``G = H Hᵀ + l2_W I`` and
    ``B = X Hᵀ − l1_W``, the W-step updates column ``t`` exactly::

        W[:, t] ← max(0, W[:, t] − (W G[:, t] − B[:, t]) / G[t, t]),

    which is what scikit-learn's coordinate-descent solver does element by element. The
    compiled kernel (``_nmf_kernels.hals_sweeps``) gets ``W G[:, t]`` for all rows from one
    BLAS matrix-vector product, and repeats the sweep while it keeps moving ``W``, up to
    ``1 + ⌊ρ/2⌋`` times (ρ ≈ time of the step's GEMM / time of a sweep): extra sweeps are
    nearly free next to the GEMM and lower the objective more per iteration. The H-step is
    the same on ``Hᵀ``.

    *Multiplicative updates* (Lee & Seung 2001)::

        W ← W ∘ (X Hᵀ) / (W H Hᵀ + l1_W + l2_W W),   H likewise,

    repeated a few times per step by the same rule (Gillis & Glineur's accelerated MU).
    Both solvers never increase ``f``.

    ``transform`` solves ``min_{W>=0} ½‖X − W H‖² + l1_W ‖W‖₁ + ½ l2_W ‖W‖²`` for the
    fitted ``H`` by coordinate descent to convergence (a convex non-negative least-squares
    problem per row), whatever the solver.

    Examples
    --------
    >>> import numpy as np
    >>> from linml.decomposition import NMF
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((6, 2)) @ rng.random((2, 5))  # exactly rank 2, non-negative
    >>> model = NMF(n_components=2, max_iter=500, tol=1e-10, random_state=0)
    >>> W = model.fit_transform(X)
    >>> bool(model.relative_error_ < 1e-3), bool((W >= 0).all() and (model.components_ >= 0).all())
    (True, True)
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "n_components": [None, Interval(int, 1, None)],
        "init": [None, Options(INITS)],
        "solver": [Options(SOLVERS)],
        "alpha_W": [Interval(float, 0, None)],
        "alpha_H": [Interval(float, 0, None), Options(("same",))],
        "l1_ratio": [Interval(float, 0, 1)],
        "max_iter": [Interval(int, 1, None)],
        "tol": [Interval(float, 0, None)],
        "random_state": [None, Interval(int, 0, None), np.random.RandomState],
        "verbose": [bool],
    }

    def __init__(
        self,
        n_components: int | None = None,
        *,
        init: str | None = None,
        solver: str = "hals",
        alpha_W: float = 0.0,
        alpha_H: float | str = "same",
        l1_ratio: float = 0.0,
        max_iter: int = 200,
        tol: float = 1e-4,
        random_state: Any = None,
        verbose: bool = False,
    ) -> None:
        self.n_components = n_components
        self.init = init
        self.solver = solver
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.l1_ratio = l1_ratio
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ helpers
    def _regularization(self, n: int, p: int) -> tuple[float, float, float, float]:
        """(l1_W, l2_W, l1_H, l2_H) in scikit-learn's scaling (by the other dimension)."""
        alpha_W = float(self.alpha_W)
        alpha_H = alpha_W if self.alpha_H == "same" else float(self.alpha_H)
        rho = float(self.l1_ratio)
        return (
            p * alpha_W * rho,
            p * alpha_W * (1 - rho),
            n * alpha_H * rho,
            n * alpha_H * (1 - rho),
        )

    def _validate(self, X: Any, reset: bool, where: str) -> Any:
        X = validate_data(self, X, reset=reset, accept_sparse=("csr", "csc"))
        if sp.issparse(X):
            X = X.tocsr()  # row slices and X @ Ht are fastest on CSR
        _check_non_negative(X, where)
        return X

    def _resolve_init(self, k: int, n: int, p: int) -> str:
        init = self.init
        if init is None:
            return "nndsvda" if k <= min(n, p) else "random"
        if init != "random" and k > min(n, p):
            raise LinmlInputError(
                f"NMF: init={init!r} starts from the top-k SVD, so n_components={k} must be <= "
                f"min(n_samples, n_features)={min(n, p)}; lower n_components or use init='random'."
            )
        return init

    def _scale_exponent(self, X: Any) -> int:
        """Even ``e`` such that ``X · 2^(−e)`` has normal squares (0 when X's already do).

        Without penalties NMF is scale-equivariant: ``X · 4^f ≈ (W 2^f)(H 2^f)``, so the
        fit runs on scaled data and both factors are unscaled by ``2^(e/2)`` — exact, since
        e is even (issue 17). The penalties are not invariant: then the user must rescale.
        """
        e = global_exponent(X)
        if e and (float(self.alpha_W) > 0 or self.alpha_H not in ("same", 0, 0.0)):
            check_squares_finite(X, "NMF (with alpha_W/alpha_H > 0)", tiny=True)
        return e + (e % 2)

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Any, y: Any = None) -> NMF:
        """Learn ``H`` (``components_``) from ``X`` (n_samples, n_features) >= 0; ``y`` ignored."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Learn ``W`` and ``H`` from ``X`` and return ``W`` (n_samples, n_components)."""
        self._check_params()
        X = self._validate(X, reset=True, where="fit")
        e = self._scale_exponent(X)
        X = _ldexp(X, -e)
        n, p = X.shape
        k = p if self.n_components is None else int(self.n_components)
        init = self._resolve_init(k, n, p)
        rng = check_random_state(self.random_state)
        Wt, H = _init_factors(X, k, init, rng)
        regs = self._regularization(n, p)
        XX = _squared_norm(X)
        n_iter, path, converged = _solve(
            X, Wt, H, self.solver, regs, self.max_iter, float(self.tol), self.verbose, XX
        )
        if not converged and self.tol > 0:
            warnings.warn(
                f"NMF: max_iter={self.max_iter} iterations ran before an iteration lowered the "
                f"objective by less than tol={self.tol:g} of its value (last relative decrease "
                f"{(path[-2] - path[-1]) / max(path[-2], np.finfo(float).tiny):.3g}); raise "
                "max_iter or tol.",
                ConvergenceWarning,
                stacklevel=2,
            )
        # W for the final H: the NNLS problem that transform solves, warm-started at the
        # iterate (so never worse than it); both land on its minimizer up to the δ rule
        l1_W, l2_W = regs[0], regs[1]
        Wt, C_W, HHt = _solve_W(X, H, l1_W, l2_W, int(self.max_iter), float(self.tol), Wt0=Wt)
        residual_sq = _residual_sq(XX, _sum64(C_W, Wt), Wt @ Wt.T, HHt)
        self.components_ = H
        self.n_components_ = k
        self.reconstruction_err_ = _frobenius_error(X, Wt, H, residual_sq, XX)
        x_norm = np.sqrt(XX)
        self.relative_error_ = float(self.reconstruction_err_ / x_norm) if x_norm > 0 else 0.0
        self.n_iter_ = int(n_iter)
        self.objective_path_ = path
        self.converged_ = bool(converged)
        self.init_ = init
        self.zero_fraction_W_ = float(np.mean(Wt == 0)) if Wt.size else 0.0
        if e:
            fix = "rescale X (e.g. divide it by X.max()) before fitting."
            what = "NMF: X has entries so large that"
            self.components_ = ldexp_checked(H, e // 2, f"{what} components_", fix)
            Wt = ldexp_checked(Wt, e // 2, f"{what} W", fix)
            self.reconstruction_err_ = float(
                ldexp_checked(self.reconstruction_err_, e, f"{what} reconstruction_err_", fix)
            )
            self.objective_path_ = ldexp_checked(
                np.asarray(path, dtype=np.float64), 2 * e, f"{what} the objective (∝ X²)", fix
            )
        return np.ascontiguousarray(Wt.T)

    # ------------------------------------------------------------------ transforms
    def transform(self, X: Any) -> np.ndarray:
        """``W`` >= 0 minimizing ``½‖X − W H‖² + l1_W ‖W‖₁ + ½ l2_W ‖W‖²`` for the fitted ``H``."""
        check_is_fitted(self)
        X = self._validate(X, reset=False, where="transform")
        e = self._scale_exponent(X)
        n, p = X.shape
        H = np.ascontiguousarray(self.components_, dtype=X.dtype)
        if e:
            # W(X 4^(−f); H 2^(−f)) = W(X; H) 2^(−f): scaled, exact, then unscaled (f = e/2)
            X, H = _ldexp(X, -e), np.ldexp(H, -(e // 2)).astype(H.dtype, copy=False)
        l1_W, l2_W, _, _ = self._regularization(n, p)
        Wt, _, _ = _solve_W(X, H, l1_W, l2_W, int(self.max_iter), float(self.tol))
        if e:
            fix = "rescale X (e.g. divide it by X.max())."
            Wt = ldexp_checked(Wt, e // 2, "NMF.transform: X has entries so large that W", fix)
        return np.ascontiguousarray(Wt.T)

    def inverse_transform(self, W: Any) -> np.ndarray:
        """``X̂ = W H`` (n_samples, n_features)."""
        check_is_fitted(self)
        W = np.asarray(W, dtype=self.components_.dtype)
        if W.ndim != 2 or W.shape[1] != self.n_components_:
            raise LinmlInputError(
                f"NMF.inverse_transform expects W of shape (n, {self.n_components_}); got shape "
                f"{W.shape}."
            )
        return W @ self.components_

    @property
    def _n_features_out(self) -> int:
        return self.components_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # ------------------------------------------------------------------ explanation
    def _explain(self) -> Explanation:
        check_is_fitted(self)
        H = self.components_
        zero_H = float(np.mean(H == 0)) if H.size else 0.0
        row_norms = np.linalg.norm(H.astype(np.float64), axis=1)
        exp = Explanation(title=f"NMF ({self.solver}, k={self.n_components_})")
        exp.add("rank k", self.n_components_, "number of non-negative parts X ≈ W H is built from")
        exp.add(
            "relative error",
            self.relative_error_,
            "‖X − W H‖_F / ‖X‖_F (≥ the rank-k truncated SVD's error, by Eckart–Young)",
        )
        exp.add("zeros in H", zero_H, "share of exact zeros in components_ (parts-based sparsity)")
        exp.add("zeros in W", self.zero_fraction_W_, "share of exact zeros in the fitted W")
        eff = effective_rank(H) if H.size and np.any(H) else 0.0
        rank = numerical_rank(H).rank if H.size else 0
        exp.add("numerical rank of H", rank, "independent parts (k if none is redundant)")
        exp.add(
            "effective rank of H",
            eff,
            "exp(entropy) of H's singular values (non-negative rows share a mean direction)",
        )
        exp.add(
            "iterations",
            self.n_iter_,
            "converged (relative decrease ≤ tol)" if self.converged_ else "stopped at max_iter",
        )
        dead = int(np.sum(row_norms == 0))
        exp.verdict = (
            f"{self.n_components_} non-negative parts reconstruct X to "
            f"{100 * self.relative_error_:.2f}% relative error; H is {100 * zero_H:.0f}% zeros."
        )
        if dead:
            exp.suggestions.append(
                f"{dead} component(s) are entirely zero: lower n_components or the penalties "
                "(alpha_W, alpha_H)."
            )
        if H.size and rank < self.n_components_:
            exp.suggestions.append(
                f"H has numerical rank {rank} < k={self.n_components_}: some parts are linear "
                "combinations of others; a smaller k describes X as well."
            )
        if not self.converged_ and self.tol > 0:
            exp.suggestions.append("the objective was still falling: raise max_iter.")
        return exp
