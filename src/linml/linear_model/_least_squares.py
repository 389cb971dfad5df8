"""Shared pieces of the least-squares estimators: centering, the Gram route, conditioning.

Private to :mod:`linml.linear_model` (LinearRegression, Ridge, RidgeCV use it); the solvers
themselves are :func:`linml.linalg.lstsq` and LAPACK calls.

Centering without a copy
------------------------
With an intercept the problem is solved on the centered design ``Xc = X − 1 x̄ᵀ``. Its
Gram matrix needs no centered copy of ``X`` (which for a 200 000 × 200 design is 320 MB of
memory traffic)::

    Xcᵀ Xc = Xᵀ X − n x̄ x̄ᵀ          Xcᵀ Yc = Xᵀ Yc     (since 1ᵀ Yc = 0)

The subtraction cancels digits when a column's mean dominates its spread: the relative
rounding error of ``(Xcᵀ Xc)_jj`` grows by ``(Xᵀ X)_jj / (Xcᵀ Xc)_jj = 1 + x̄_j² / var_j``.
When that factor exceeds :data:`CANCELLATION_LIMIT` for any column (about one digit), the
copy is made and centered explicitly instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import scipy.linalg as sla
from sklearn.utils.validation import check_is_fitted

from linml._base import Explanation
from linml._dask import (
    DaskFitInfo,
    align_rows,
    as_dask_array,
    gram_stats,
    is_dask_collection,
    map_rows,
)
from linml._validation import LinmlInputError, validate_data
from linml.linalg._scaling import safe_range
from linml.linalg.gram_stats import GramStats

__all__ = [
    "CANCELLATION_LIMIT",
    "GramProblem",
    "LinearPredictorMixin",
    "accumulate_block",
    "add_dask_fact",
    "add_partial_fit_fact",
    "center",
    "centered_gram",
    "check_partial_block",
    "cholesky_is_safe",
    "cond_from_singular_values",
    "dask_problem",
    "dask_tsqr",
    "digits_lost",
    "gram_pinv_solve",
    "gram_singular_values",
    "output_coef",
    "predict_dask",
    "ridge_alpha_for_condition",
    "safe_scales",
    "solve_triangular_lstsq",
    "start_fit",
]

#: Largest cancellation factor max_j (XᵀX)_jj / (XcᵀXc)_jj accepted for the copy-free Gram.
CANCELLATION_LIMIT = 16.0


def center(
    X: np.ndarray, Y: np.ndarray, fit_intercept: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``Xc = X − 1 x̄ᵀ``, ``Yc = Y − 1 ȳᵀ`` (copies) and the means (zeros without intercept)."""
    if not fit_intercept:
        return (
            X,
            Y,
            np.zeros(X.shape[1], dtype=X.dtype),
            np.zeros(Y.shape[1], dtype=Y.dtype),
        )
    x_mean = X.mean(axis=0)
    y_mean = Y.mean(axis=0)
    return X - x_mean, Y - y_mean, x_mean, y_mean


def centered_gram(
    X: np.ndarray, Yc: np.ndarray, fit_intercept: bool, x_mean: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``G = XcᵀXc`` (p, p), ``XcᵀYc`` (p, k) and ``x̄``, copying ``X`` only when needed.

    ``Yc`` must already be centered when ``fit_intercept``; ``x_mean`` may be passed when
    already computed (saves a pass over X). See the module notes for the cancellation rule
    deciding between ``XᵀX − n x̄x̄ᵀ`` and an explicit centered copy.
    """
    n = X.shape[0]
    if not fit_intercept:
        G = X.T @ X  # one SYRK
        return _symmetrize(G), X.T @ Yc, np.zeros(X.shape[1], dtype=X.dtype)
    if x_mean is None:
        x_mean = X.mean(axis=0)
    G = X.T @ X  # XᵀX (numpy calls SYRK for a transposed self-product)
    raw_diag = np.diag(G).copy()
    G -= n * np.outer(x_mean, x_mean)  # XcᵀXc = XᵀX − n x̄x̄ᵀ
    centered_diag = np.diag(G)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(raw_diag > 0, raw_diag / centered_diag, 1.0)
    if np.all((factor >= 1.0 - 1e-6) & (factor <= CANCELLATION_LIMIT)):
        return _symmetrize(G), X.T @ Yc, x_mean  # XcᵀYc = XᵀYc because 1ᵀYc = 0
    Xc = X - x_mean  # a column mean dominates its spread: center explicitly
    return _symmetrize(Xc.T @ Xc), Xc.T @ Yc, x_mean


def _symmetrize(G: np.ndarray) -> np.ndarray:
    # symmetrize: the product is symmetric only up to round-off and eigh/cholesky assume it
    G += G.T
    G *= 0.5
    return G


def gram_singular_values(G: np.ndarray) -> np.ndarray:
    """Singular values of ``X`` from its Gram ``G = XᵀX``: ``σ = sqrt(eigvalsh(G))``, descending.

    Eigenvalues below ``eps·λ_max`` are round-off; they are clipped at zero.
    """
    w = sla.eigh(G, eigvals_only=True, check_finite=False)[::-1]
    return np.sqrt(np.clip(w, 0.0, None))


def cond_from_singular_values(S: np.ndarray | None) -> float:
    """``κ = σ_max / σ_min`` (``inf`` when the smallest is zero; 1.0 for an empty spectrum)."""
    if S is None or S.size == 0:
        return 1.0
    if S[-1] <= 0:
        return math.inf
    return float(S[0] / S[-1])


def cholesky_is_safe(cond: float, dtype: Any) -> bool:
    """The normal equations keep at least half the working digits: ``κ² · eps ≤ sqrt(eps)``.

    That is ``κ ≤ eps^(-1/4)``: about 8.2e3 in float64 and 54 in float32.
    """
    eps = float(np.finfo(dtype).eps)
    return math.isfinite(cond) and cond * cond * eps <= math.sqrt(eps)


def digits_lost(cond: float | None) -> float | None:
    """``log10 κ`` — decimal digits a backward-stable solve can lose to conditioning."""
    if cond is None:
        return None
    if not math.isfinite(cond):
        return math.inf
    return float(math.log10(max(cond, 1.0)))


def ridge_alpha_for_condition(S: np.ndarray, target: float) -> float:
    """The λ with ``sqrt((σ_max² + λ)/(σ_min² + λ)) = target``: ``(σ_max² − t²σ_min²)/(t² − 1)``."""
    t2 = float(target) ** 2
    return max((float(S[0]) ** 2 - t2 * float(S[-1]) ** 2) / (t2 - 1.0), 0.0)


def output_coef(
    B: np.ndarray,
    x_mean: np.ndarray,
    y_mean: np.ndarray,
    y_ndim: int,
    fit_intercept: bool,
    intercept: np.ndarray | None = None,
) -> tuple[np.ndarray, Any]:
    """scikit-learn's shapes: ``coef_`` (p,) and a float intercept for 1-D ``y``; else (k, p), (k,).

    The intercept is ``ȳ − x̄ᵀβ`` per target (0 without ``fit_intercept``), unless a solver
    that refined it together with β passes it as ``intercept`` (k,).
    """
    if intercept is None:
        intercept = (y_mean - x_mean @ B) if fit_intercept else np.zeros(B.shape[1], dtype=B.dtype)
    if y_ndim == 1:
        return B[:, 0].copy(), float(intercept[0])
    return np.ascontiguousarray(B.T), intercept


def add_conditioning_facts(
    expl: Explanation,
    *,
    S: np.ndarray | None,
    cond: float | None,
    rank: int | None,
    n_features: int,
    dtype: Any,
) -> None:
    """Rank vs p, κ and the digits it costs, the spectrum — the facts every LS model shares."""
    eps = float(np.finfo(dtype).eps)
    if rank is not None:
        verdict = "full column rank" if rank == n_features else "rank-deficient"
        expl.add(
            "rank",
            f"{rank} of {n_features} features",
            f"{verdict}: {n_features - rank} direction(s) of coefficient space are not "
            "determined by the data"
            if rank < n_features
            else verdict,
        )
    if cond is not None:
        lost = digits_lost(cond)
        expl.add(
            "condition number κ(X)",
            cond,
            f"a backward-stable solve loses about log10 κ ≈ {lost:.1f} of "
            f"{-math.log10(eps):.0f} digits; the normal equations lose 2·log10 κ ≈ "
            f"{2 * lost:.1f}"
            if math.isfinite(lost)
            else "X is singular: some combination of features is (numerically) constant",
        )
    if S is not None and S.size:
        expl.add(
            "singular values of centered X",
            S,
            "σ_i: how strongly X stretches each principal direction; small σ_i are the "
            "directions where noise in y is amplified by 1/σ_i",
        )


# ---------------------------------------------------------------------------- extreme scales
def safe_scales(A: np.ndarray) -> np.ndarray | None:
    """Per-column exponents ``e_j`` such that ``a_j · 2^(−e_j)`` has ``max|entry| ≈ 1``.

    None when every column's largest ``|entry|`` is already in
    :func:`linml.linalg._scaling.safe_range` (the common case: nothing is copied);
    ``e_j = 0`` for columns that are. Scaling by a power of two (``np.ldexp``) is exact, so
    a scale-invariant solve on the scaled ``A`` followed by unscaling returns the answer for
    ``A`` itself, where ``AᵀA`` would overflow (entries ≳ 1e150) or underflow into
    subnormals (≲ 1e-150). Exponents, not factors: ``2^e`` itself may not be representable
    when combined (``2^1030 · 2^-990``).
    """
    # per-column max |a_ij| without an |A| temporary (it would be as large as A)
    amax = np.maximum(A.max(axis=0), -A.min(axis=0)) if A.size else np.zeros(A.shape[1:])
    lo, hi = safe_range(A.dtype)
    extreme = (amax > 0) & ((amax < lo) | (amax > hi))
    if not extreme.any():
        return None
    e = np.zeros(amax.shape, dtype=np.int64)
    e[extreme] = np.frexp(amax[extreme])[1]  # amax = m · 2^e, 0.5 ≤ m < 1
    return e


# ---------------------------------------------------------------------------- dask & streaming
@dataclass
class GramProblem:
    """A least-squares problem reduced to its sufficient statistics (from dask or partial_fit).

    With an intercept ``G = XcᵀXc`` and ``XtY = XcᵀYc`` are centered (merged by Chan's update,
    never as ``XᵀX − n x̄x̄ᵀ``); without one they are about the origin (``XᵀX``, ``XᵀY``) and
    the means are zero. ``YtY`` is ``YcᵀYc`` (resp. ``YᵀY``). All float64.
    """

    n: int
    G: np.ndarray  # (p, p)
    XtY: np.ndarray  # (p, k)
    YtY: np.ndarray  # (k, k)
    x_mean: np.ndarray  # (p,)
    y_mean: np.ndarray  # (k,)
    y_ndim: int
    X: Any = None  # the dask X (for the TSQR fallback), None when streaming
    Y: Any = None  # the dask Y (n, k) with X's row chunks
    info: DaskFitInfo | None = None
    feature_names: np.ndarray | None = None
    dtype: Any = np.float64  # dtype of the input X (float32 stays float32 on output)

    @property
    def n_features(self) -> int:
        return int(self.G.shape[0])

    def output(self, B: np.ndarray, fit_intercept: bool) -> tuple[np.ndarray, Any]:
        """``coef_, intercept_`` of the solution ``B`` (p, k), in the input's dtype and shape."""
        dt = self.dtype
        return output_coef(
            B.astype(dt, copy=False),
            self.x_mean.astype(dt),
            self.y_mean.astype(dt),
            self.y_ndim,
            fit_intercept,
        )

    def describe_input(self, estimator: Any) -> None:
        """Set ``n_features_in_``, ``feature_names_in_`` (a dask DataFrame's columns; none for
        a dask array) and ``dask_info_`` (None when streaming) on the fitted estimator."""
        estimator.n_features_in_ = self.n_features
        if self.X is not None:
            if self.feature_names is not None:
                estimator.feature_names_in_ = self.feature_names
            elif hasattr(estimator, "feature_names_in_"):
                del estimator.feature_names_in_
        estimator.dask_info_ = None if self.info is None else self.info.line()

    @classmethod
    def from_stats(cls, stats: GramStats, fit_intercept: bool, y_ndim: int, **kw) -> GramProblem:
        """Centered statistics with an intercept; about the origin (``S + n x̄x̄ᵀ``) without."""
        s = stats if fit_intercept else stats.about_origin()
        return cls(stats.n, s.scatter, s.cross, s.y_scatter, s.mean, s.y_mean, y_ndim, **kw)


def dask_problem(estimator: str, X: Any, y: Any, fit_intercept: bool) -> GramProblem:
    """One pass over a dask ``X`` (and dask or NumPy ``y``) to the :class:`GramProblem`."""
    Xd = as_dask_array(X, "X")
    if Xd.ndim != 2:
        raise LinmlInputError(
            f"{estimator}: X must be 2-D (n_samples, n_features); got a 1-D dask array of "
            f"shape {Xd.shape}. Use X.reshape(-1, 1) for a single feature."
        )
    if y is None:
        raise LinmlInputError(f"{estimator}: y is required; pass one target value per row of X.")
    names = None
    columns = getattr(X, "columns", None)
    if columns is not None and Xd is not X:
        names = np.asarray([str(c) for c in columns], dtype=object)
    Yd = align_rows(y, Xd)
    y_ndim = Yd.ndim
    if Yd.ndim == 1:
        Yd = Yd[:, None]  # (n,) -> (n, 1)
    if Yd.ndim != 2:
        raise LinmlInputError(f"{estimator}: y must be 1-D or 2-D; got {Yd.ndim}-D.")
    stats, info = gram_stats(Xd, Yd)
    dtype = np.float32 if Xd.dtype == np.float32 else np.float64
    return GramProblem.from_stats(
        stats, fit_intercept, y_ndim, X=Xd, Y=Yd, info=info, feature_names=names, dtype=dtype
    )


def dask_tsqr(problem: GramProblem) -> tuple[np.ndarray, np.ndarray]:
    """``R`` (p, p) and ``QᵀYc`` (p, k) from ONE tall-skinny QR of ``[Xc | Yc]`` (dask).

    The R factor of the augmented matrix is ``[[R, QᵀYc], [0, ·]]``, so Q itself is never
    formed. Centering uses the means of the first pass. ``da.linalg.tsqr`` factors each row
    block and then the stacked R factors (Demmel, Grigori, Hoemmen & Langou 2012).
    """
    import dask
    import dask.array as da

    p = problem.n_features
    Xc = problem.X.astype(np.float64) - problem.x_mean  # x_mean is zero without intercept
    Yc = problem.Y.astype(np.float64) - problem.y_mean
    A = da.concatenate([Xc, Yc], axis=1).rechunk({1: -1})  # (n, p + k), one column chunk
    _, R_aug = da.linalg.tsqr(A)
    (R_aug,) = dask.compute(R_aug)
    return R_aug[:p, :p], R_aug[:p, p:]


def solve_triangular_lstsq(
    R: np.ndarray, QtY: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Minimum-norm ``β`` of ``min ‖QᵀYc − R β‖`` via the SVD of the p×p ``R`` (= σ of Xc).

    Singular values ``σ ≤ max(n, p)·eps·σ_max`` are cut, as :func:`linml.linalg.lstsq`'s
    ``rcond``. Returns ``β`` (p, k), ``σ`` (p,) descending, and the rank.
    """
    U, S, Vt = np.linalg.svd(R)
    cut = max(n, R.shape[0]) * float(np.finfo(np.float64).eps) * (S[0] if S.size else 0.0)
    keep = S > cut
    inv = np.where(keep, 1.0 / np.where(keep, S, 1.0), 0.0)
    B = Vt.T @ (inv[:, None] * (U.T @ QtY))  # β = V diag(1/σ) Uᵀ QᵀYc
    return B, S, int(keep.sum())


def gram_pinv_solve(G: np.ndarray, XtY: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """Minimum-norm ``β = V diag(1/w) Vᵀ XtY`` over the eigenvalues ``w > max(n, p)·eps·w_max``.

    The streaming fallback when ``G`` is singular or too ill-conditioned to factor (no data
    left to run QR on); it loses ``2 log10 κ`` digits, which is why it warns.
    """
    w, V = sla.eigh(G, check_finite=False)
    cut = max(n, G.shape[0]) * float(np.finfo(np.float64).eps) * (w[-1] if w.size else 0.0)
    keep = w > cut
    inv = np.where(keep, 1.0 / np.where(keep, w, 1.0), 0.0)
    return V @ (inv[:, None] * (V.T @ XtY)), int(keep.sum())


def _predict_block(B: np.ndarray, coef: np.ndarray, intercept: Any) -> np.ndarray:
    return B @ coef.T + intercept  # ŷ = X βᵀ + b₀ on one row block


def predict_dask(estimator: Any, X: Any) -> Any:
    """Lazy ``ŷ = X βᵀ + b₀`` on a dask ``X``: a dask array with X's row chunks."""
    Xd = as_dask_array(X, "X")
    name = type(estimator).__name__
    p = estimator.n_features_in_
    if Xd.ndim != 2 or Xd.shape[1] != p:
        raise LinmlInputError(
            f"{name}.predict: X has shape {Xd.shape} but the model was fitted on {p} "
            "feature(s); pass a 2-D dask array with the same columns."
        )
    coef = np.asarray(estimator.coef_)
    return map_rows(
        Xd,
        partial(_predict_block, coef=coef, intercept=estimator.intercept_),
        dtype=coef.dtype,
        n_columns=None if coef.ndim == 1 else coef.shape[0],
    )


class LinearPredictorMixin:
    """``predict`` on NumPy or dask ``X`` and the multi-output tags of a least-squares model.

    Mixed in (before :class:`~sklearn.base.RegressorMixin`) by LinearRegression, Ridge and
    RidgeCV, whose ``fit`` sets ``coef_`` (p,) or (k, p) and ``intercept_``.
    """

    def predict(self, X: Any) -> np.ndarray:
        """``ŷ = X βᵀ + b₀``; shape (n_samples,) or (n_samples, n_targets).

        A dask ``X`` gives a lazy dask array with ``X``'s row chunks.
        """
        check_is_fitted(self)
        if is_dask_collection(X):
            return predict_dask(self, X)
        X = validate_data(self, X, reset=False)
        return X @ self.coef_.T + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


def start_fit(estimator: Any) -> None:
    """Open ``fit`` of an estimator that has ``partial_fit``: check parameters, forget old rows.

    ``fit`` starts over: the running :class:`GramStats` of earlier ``partial_fit`` calls are
    discarded and ``n_samples_seen_`` is reset to None (``partial_fit`` accumulates afresh).
    """
    estimator._check_params()
    estimator._partial_stats = None
    estimator.n_samples_seen_ = None


def check_partial_block(estimator: Any, X: np.ndarray, Y: np.ndarray, first: bool) -> None:
    """Blocks after the first must have the same features and targets (clear error if not)."""
    if first:
        return
    name = type(estimator).__name__
    stats = estimator._partial_stats
    if X.shape[1] != stats.n_features:
        raise LinmlInputError(
            f"{name}.partial_fit: X has {X.shape[1]} features, but {name} is expecting "
            f"{stats.n_features} features as input (the earlier blocks had "
            f"{stats.n_features} columns); every block must have the same columns (call fit "
            "to start over with new columns)."
        )
    if Y.shape[1] != stats.y_mean.shape[0]:
        raise LinmlInputError(
            f"{name}.partial_fit: this block has {Y.shape[1]} target column(s) but the earlier "
            f"blocks had {stats.y_mean.shape[0]}; pass y with the same columns every time."
        )


def accumulate_block(estimator: Any, X: Any, y: Any) -> GramProblem:
    """Validate one ``partial_fit`` block, merge its statistics into the estimator's, return them.

    The first block (or the first after ``fit``) checks the parameters and records
    ``n_features_in_`` (and feature names); later blocks must match. The running statistics
    live in ``estimator._partial_stats`` (a :class:`GramStats`): ``S ← S + S_b + δδᵀ n n_b/(n + n_b)``.
    """
    name = type(estimator).__name__
    first = getattr(estimator, "_partial_stats", None) is None
    if is_dask_collection(X) or is_dask_collection(y):
        raise LinmlInputError(
            f"{name}.partial_fit takes in-memory blocks; pass the whole dask array to fit "
            "(one pass over its blocks) instead."
        )
    if first:
        estimator._check_params()
    elif np.ndim(X) == 2 and np.shape(X)[1] != estimator.n_features_in_:
        check_partial_block(estimator, np.empty((0, np.shape(X)[1])), np.empty((0, 1)), first)
    X, y = validate_data(estimator, X, y, reset=first, multi_output=True, y_numeric=True)
    Y = np.asarray(y, dtype=np.float64).reshape(X.shape[0], -1)  # (n_block, k)
    check_partial_block(estimator, X, Y, first)
    block = GramStats.from_block(X, Y)
    if first:
        estimator._partial_y_ndim = np.ndim(y)
        estimator._partial_dtype = X.dtype
    stats = block if first else estimator._partial_stats.merge(block)
    estimator._partial_stats = stats
    return GramProblem.from_stats(
        stats, estimator.fit_intercept, estimator._partial_y_ndim, dtype=estimator._partial_dtype
    )


def add_dask_fact(expl: Explanation, line: str | None) -> None:
    """The 'dask' fact: how many row blocks, where, by which route."""
    if line:
        expl.add(
            "scale-out",
            line,
            "fitted from per-block sufficient statistics merged by Chan's update; the "
            "attributes are plain NumPy",
        )


def add_partial_fit_fact(expl: Explanation, n_samples_seen: int | None) -> None:
    """The 'partial_fit' fact: how many rows the streamed statistics hold (none after ``fit``)."""
    if n_samples_seen is not None:
        expl.add(
            "partial_fit",
            f"{n_samples_seen} rows streamed",
            "coefficients solved from the merged centered Gram of all blocks so far",
        )
