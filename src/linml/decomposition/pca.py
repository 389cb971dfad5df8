"""Principal component analysis: the eigenvectors of the covariance, found three ways.

With centered data ``Xc = X − μ`` (n, p), the covariance is ``C = Xcᵀ Xc / (n − 1)``.
Its eigendecomposition ``C = V diag(λ) Vᵀ`` (λ descending) and the SVD
``Xc = U diag(S) Vt`` agree: ``V = Vtᵀ`` and ``λ = S² / (n − 1)``. PCA keeps the top
``k`` eigenvectors as ``components_`` (rows) and projects ``Z = Xc Vₖ``.
"""

from __future__ import annotations

import functools
import numbers
import types
import warnings
from typing import Any, ClassVar

import numpy as np
import scipy.linalg.blas as blas
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from linml import _dask
from linml._base import Explanation, LinmlEstimator
from linml._validation import Interval, Options, check_random_state, validate_data
from linml.decomposition import _la
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg._scaling import (
    check_squares_finite,
    global_exponent,
    ldexp_checked,
    safe_range,
)
from linml.linalg.gram_stats import GramStats

__all__ = ["PCA"]

SOLVERS = ("auto", "covariance_eigh", "svd", "randomized")


class _UnavailableError(LinmlInputError, AttributeError):
    """A method this configuration lacks: an AttributeError for ``hasattr`` (so scikit-learn
    skips it) that is still the LinmlInputError a caller gets for a bad setting."""


class _if_streaming:
    """Method descriptor: looking the method up on an instance runs ``_check_streams``.

    scikit-learn's ``available_if`` would replace the reason with a bare "has no attribute"
    message; this one keeps it (the check raises :class:`_UnavailableError`).
    """

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        functools.update_wrapper(self, fn)

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self.fn
        obj._check_streams()
        return types.MethodType(self.fn, obj)


# ---------------------------------------------------------------------------- solvers
# Each solver takes centered-data statistics and returns (components (r, p), S (r,), total_var):
# the top-r right singular vectors of Xc, their singular values, and trace(C) = Σ all λ.


# rows per fused block: Xb (b, p) stays in cache between its min/max/sum and its syrk
_FUSED_BLOCK_BYTES = 16 * 2**20


def _fused_moments(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One pass over row blocks ``Xb``: column sums ``Σ x`` and ``G = XᵀX``.

    Each block is read from memory once: its column sums are taken while it sits in
    cache, then BLAS ``syrk`` adds ``Xbᵀ Xb`` into ``G`` (``n p (p + 1)`` flops in all).
    Separate passes (mean, max, min, one big ``Xᵀ @ X``) read X four times; and OpenBLAS's
    threaded syrk on one tall operand is several times slower than this on a shared
    machine (issue 19). Squares may overflow here; the caller checks (see
    :func:`_covariance_moments`).

    Returns
    -------
    col_sum : ndarray of shape (p,)
        ``Σ_i x_i`` accumulated in float64.
    G : ndarray of shape (p, p)
        ``XᵀX``, full symmetric, in X's dtype.
    """
    n, p = X.shape
    syrk = blas.ssyrk if X.dtype == np.float32 else blas.dsyrk
    rows = max(256, _FUSED_BLOCK_BYTES // max(p * X.itemsize, 1))
    G = np.zeros((p, p), dtype=X.dtype, order="F")
    col_sum = np.zeros(p)
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, n, rows):
            Xb = X[start : start + rows]  # (b, p) row block, a view
            col_sum += Xb.sum(axis=0, dtype=np.float64)
            # Xbᵀ is (p, b) Fortran-ordered: syrk with trans=0 forms G ← Xbᵀ Xb + G, no copy
            G = syrk(1.0, Xb.T, beta=1.0, c=G, trans=0, lower=0, overwrite_c=1)
    upper = np.triu(G)  # syrk fills the upper triangle only: G = triu + triu₁ᵀ
    return col_sum, np.ascontiguousarray(upper + np.triu(upper, 1).T)


def _exponent_from_gram(X: np.ndarray, G: np.ndarray) -> int:
    """:func:`global_exponent` of ``X``, read off ``G = XᵀX`` when that decides it.

    With ``big = max |X_ij|`` and ``s = max_j G_jj``: ``big² ≤ s ≤ n big²``. So
    ``n lo² ≤ s ≤ hi²`` proves ``big`` in ``[lo, hi]`` (e = 0); only otherwise (overflow,
    underflow — ``s = 0`` for X ~ 1e-200 — or data near ``lo``) is ``max |X|`` computed.
    """
    lo, hi = safe_range(X.dtype)
    s = float(np.max(np.diag(G))) if G.size else 0.0
    if X.shape[0] * lo * lo <= s <= hi * hi:
        return 0
    return global_exponent(X)


def _covariance_moments(X: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """``(e, μ, M2)`` of ``X · 2^(−e)`` for the covariance route, from one fused pass.

    ``e`` is :func:`global_exponent`'s (0 when ``max |X|`` is in :func:`safe_range`); when
    it is not 0 the pass is repeated on the exactly rescaled ``X · 2^(−e)``. Then
    ``μ = Σ x / n`` and ``M2 = G − n μμᵀ``; where that subtraction would cancel digits
    (``G_jj > limit · M2_jj``: limit 1e4 in float64, 10 in float32) ``M2`` is recomputed
    from centered row blocks, as :func:`linml.decomposition._la.centered_scatter` does.
    """
    n = X.shape[0]
    col_sum, G = _fused_moments(X)
    e = _exponent_from_gram(X, G)
    if e:
        X = np.ldexp(X, -e).astype(X.dtype, copy=False)
        col_sum, G = _fused_moments(X)
    mean = (col_sum / n).astype(X.dtype)
    M2 = G - n * np.outer(mean, mean)  # XcᵀXc = XᵀX − n μμᵀ
    limit = 1e4 if X.dtype == np.float64 else 10.0
    tiny = np.finfo(X.dtype).tiny
    if np.all(np.diag(G) <= limit * np.maximum(np.diag(M2), tiny)):
        return e, mean, (M2 + M2.T) / 2  # symmetrize: the subtraction leaves round-off asymmetry
    return e, mean, _la._centered_scatter_blocked(X, mean)


def _solve_covariance_eigh(
    n: int, M2: np.ndarray, k: int | None
) -> tuple[np.ndarray, np.ndarray, float]:
    """C = M2 / (n − 1) = V diag(λ) Vᵀ (eigh); S = sqrt(λ (n − 1)). ``k=None``: all of them."""
    C = M2 / max(n - 1, 1)  # covariance from the scatter matrix M2 = Xcᵀ Xc
    lam, V = _la.eigh_sorted(C, k=k)
    lam = np.maximum(lam, 0)  # C is PSD; round-off can make the smallest λ slightly negative
    S = np.sqrt(lam * max(n - 1, 1))
    return np.ascontiguousarray(V.T), S, float(np.trace(C))


def _solve_svd(Xc: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Xc = U diag(S) Vt (full thin SVD, signs fixed by Vt's rows)."""
    _, S, Vt = _la.svd(Xc)
    n = Xc.shape[0]
    return Vt, S, float(np.sum(S.astype(np.float64) ** 2) / max(n - 1, 1))


def _solve_randomized(
    Xc: np.ndarray, k: int, n_oversamples: int, n_iter: int, random_state: Any
) -> tuple[np.ndarray, np.ndarray, float]:
    """Top-k of Xc by randomized SVD (Halko et al. 2011); total variance from ‖Xc‖_F²."""
    _, S, Vt = _la.randomized_svd(
        Xc,
        k,
        n_oversamples=n_oversamples,
        n_iter=n_iter,
        power_iteration_normalizer="lu",
        random_state=random_state,
    )
    n = Xc.shape[0]
    total = float(np.einsum("ij,ij->", Xc, Xc, dtype=np.float64)) / max(n - 1, 1)
    return Vt, S, total


def _auto_solver(n: int, p: int, n_components: Any) -> str:
    """Shape rule: n ≫ p → eigh of the p×p covariance; big with small integer k → randomized; else SVD."""
    if p <= 1000 and n >= 10 * p:
        return "covariance_eigh"
    is_int = isinstance(n_components, numbers.Integral)
    if is_int and max(n, p) > 500 and n_components < 0.8 * min(n, p):
        return "randomized"
    return "svd"


def _auto_solver_dask(p: int, n_components: Any) -> str:
    """Dask rule: the p×p Gram reduction (one pass) unless p is large and k is a small int."""
    if p <= 1000 or not isinstance(n_components, numbers.Integral):
        return "covariance_eigh"
    return "randomized"


def _solve_randomized_dask(
    Xd: Any, mean: np.ndarray, k: int, n_oversamples: int, n_iter: int, seed: Any
) -> tuple[np.ndarray, np.ndarray, float]:
    """Top-k of ``Xc = X − μ`` (a dask array) by dask's compressed SVD (Halko et al. 2011).

    ``da.linalg.svd_compressed`` draws a Gaussian test matrix, runs ``n_iter`` power
    iterations ``(Xc Xcᵀ)^q Xc Ω`` with QR re-orthonormalization (TSQR over row blocks), and
    factors the small projected matrix; the total variance is ``‖Xc‖_F² / (n − 1)``.
    """
    import dask
    import dask.array as da

    Xc = Xd - mean  # centered lazily, block by block
    _, S, Vt = da.linalg.svd_compressed(
        Xc, k, n_power_iter=n_iter, n_oversamples=n_oversamples, seed=seed
    )
    S, Vt, sq = dask.compute(S, Vt, da.sum(Xc * Xc))
    _, Vt = _la.svd_flip_signs(np.zeros((1, Vt.shape[0])), Vt)  # signs as the in-memory fit
    return np.ascontiguousarray(Vt), np.asarray(S), float(sq) / max(Xd.shape[0] - 1, 1)


def _solve_svd_dask(Xd: Any, mean: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Exact thin SVD of the tall-skinny ``Xc = X − μ`` by dask's TSQR (one column chunk)."""
    import dask
    import dask.array as da

    _, S, Vt = dask.compute(*da.linalg.svd(Xd - mean))
    _, Vt = _la.svd_flip_signs(np.zeros((1, Vt.shape[0])), Vt)
    return Vt, S, float(np.sum(S**2) / max(Xd.shape[0] - 1, 1))


def _project_block(B: np.ndarray, components: np.ndarray, offset: np.ndarray, scale: Any):
    """One row block's scores ``B Vₖ − μ Vₖ`` (divided by ``scale`` when whitening)."""
    Z = B @ components.T - offset
    return Z / scale if scale is not None else Z


def _reconstruct_block(Z: np.ndarray, components: np.ndarray, mean: np.ndarray, scale: Any):
    """One row block of ``X̂ = Z Vₖᵀ + μ`` (un-whitening first)."""
    if scale is not None:
        Z = Z * scale
    return Z @ components + mean


def _components_for_fraction(ratio: np.ndarray, fraction: float) -> int:
    """Smallest k whose cumulative explained-variance ratio exceeds ``fraction`` (all for 1.0)."""
    if fraction >= 1.0:
        return ratio.size
    k = int(np.searchsorted(np.cumsum(ratio), fraction, side="right")) + 1
    return min(k, ratio.size)


def _dask_input(est: Any, X: Any) -> Any:
    """``X`` as a 2-D dask array of row blocks; sets ``n_features_in_`` (and the names)."""
    Xd = _dask.as_dask_array(X, name="X")
    if Xd.ndim != 2:
        raise LinmlInputError(
            f"X must be 2-D (n_samples, n_features); got a dask array of shape {Xd.shape}. "
            "Reshape a single feature with X.reshape(-1, 1)."
        )
    est.n_features_in_ = int(Xd.shape[1])
    vars(est).pop("feature_names_in_", None)
    columns = getattr(X, "columns", None)
    if columns is not None:
        est.feature_names_in_ = np.asarray([str(c) for c in columns], dtype=object)
    return Xd


def _check_dask_features(est: Any, Xd: Any) -> None:
    """A dask input to transform must have the fitted number of columns."""
    if Xd.ndim != 2 or Xd.shape[1] != est.n_features_in_:
        raise LinmlInputError(
            f"X has shape {Xd.shape} but {type(est).__name__} was fitted with "
            f"{est.n_features_in_} features; pass an (n, {est.n_features_in_}) array."
        )


class PCA(ClassNamePrefixFeaturesOutMixin, TransformerMixin, LinmlEstimator):
    """Principal component analysis: project onto the top eigenvectors of the covariance.

    With ``μ`` the column means and ``Xc = X − μ`` (n, p), the covariance is
    ``C = Xcᵀ Xc / (n − 1) = V diag(λ) Vᵀ`` (λ descending). PCA keeps the top ``k``
    eigenvectors as the rows of ``components_`` (``Vₖᵀ``, each row's largest-|.| entry
    positive) and maps ``x ↦ Vₖᵀ (x − μ)``, optionally divided by ``sqrt(λ)`` (``whiten``).

    Parameters
    ----------
    n_components : int, float in (0, 1] or None, default=None
        An int keeps that many components (at most ``min(n_samples, n_features)``); a float
        keeps the smallest ``k`` whose explained-variance ratio sums to more than it
        (1.0 keeps all); None keeps ``min(n_samples, n_features)``.
    solver : {'auto', 'covariance_eigh', 'svd', 'randomized'}, default='auto'
        How the spectrum is found (see Notes); the choice is recorded in ``solver_``.
    whiten : bool, default=False
        Divide the scores by ``sqrt(explained_variance_)`` so each has unit variance.
    n_oversamples, n_iter : int, default=10, 4
        Extra samples and power iterations of the randomized solver.
    random_state : int, RandomState or None, default=None
        Seed of the randomized solver.

    Attributes
    ----------
    components_ : ndarray of shape (n_components_, n_features)
        Principal axes ``Vₖᵀ`` (orthonormal rows).
    explained_variance_ : ndarray of shape (n_components_,)
        ``λ₁ ≥ … ≥ λₖ``, the variance of each score (``S² / (n − 1)``).
    explained_variance_ratio_ : ndarray of shape (n_components_,)
        ``λᵢ / trace(C)``.
    singular_values_ : ndarray of shape (n_components_,)
        ``S = sqrt(λ (n − 1))``, the singular values of ``Xc``.
    mean_ : ndarray of shape (n_features,)
        ``μ``.
    noise_variance_ : float
        ``σ² = (trace(C) − Σᵢ λᵢ) / (min(n, p) − k)``, the mean discarded variance: the
        isotropic noise of probabilistic PCA (Tipping & Bishop, 1999).
    n_components_ : int
        ``k``.
    n_samples_seen_ : int
        Rows seen by ``fit`` / ``partial_fit``.
    solver_ : str
        The solver used.
    scatter_ : ndarray of shape (n_features, n_features)
        ``M2 = Xcᵀ Xc`` (only with the 'covariance_eigh' solver), kept for ``partial_fit``.
    dask_fit_ : str
        Only after a fit on a dask collection: row blocks, workers and route, for ``explain()``.

    Notes
    -----
    Solvers (``auto`` picks by shape: ``covariance_eigh`` when ``p <= 1000`` and
    ``n >= 10 p``; else ``randomized`` for an integer ``k < 0.8 min(n, p)`` when
    ``max(n, p) > 500``; else ``svd``):

    * ``covariance_eigh``: one pass over row blocks ``Xb`` of X gives ``Σ x`` and
      ``G = Σ Xbᵀ Xb`` (``syrk``, ``n p (p + 1)`` flops), so ``μ = Σ x / n`` and
      ``M2 = Xcᵀ Xc = G − n μμᵀ`` (recomputed from centered blocks where that subtraction
      would cancel digits); then the top-k ``eigh(M2 / (n − 1))`` of a p×p matrix
      (LAPACK ``evr``, ``subset_by_index``). It squares the
      condition number, which only matters for directions with variance below
      ``eps · λ₁``.
    * ``svd``: ``Xc = U diag(S) Vt`` (LAPACK gesdd), ``λ = S² / (n − 1)``.
    * ``randomized``: Halko–Martinsson–Tropp range finder on ``Xc`` for the top ``k``.

    ``partial_fit`` streams: it merges each chunk's ``(count, mean, M2)`` with those seen
    so far (Chan et al.'s update, equivalent to accumulating ``count, Σx, XᵀX`` but free
    of cancellation), then re-solves the p×p eigenproblem, so chunks give the one-shot fit.

    On a dask array or DataFrame ``X`` (row blocks; dask is imported only then) ``auto``
    means ``covariance_eigh`` unless ``p > 1000`` with an integer ``k``: each row block gives
    its ``(n_b, μ_b, M2_b)``, the blocks are merged by the same update in a pairwise tree on
    the active scheduler, and the p×p eigenproblem is solved as in memory (one data pass).
    ``randomized`` runs ``dask.array.linalg.svd_compressed`` on ``Xc`` (``n_iter`` power
    iterations, ``n_oversamples``, seeded from ``random_state``) and ``svd`` dask's TSQR.
    The fitted attributes are NumPy; ``transform`` / ``inverse_transform`` of a dask array
    return lazy dask arrays. (The issue-17 power-of-two rescaling is not applied on dask.)

    ``score_samples`` is the log-density under probabilistic PCA,
    ``x ~ N(μ, Σ)`` with ``Σ = Vₖ diag(λ − σ²) Vₖᵀ + σ² I``, computed without a p×p
    inverse: ``xᵀ Σ⁻¹ x = Σᵢ (vᵢᵀx)²/λᵢ + (‖x‖² − Σᵢ (vᵢᵀx)²)/σ²``.

    Examples
    --------
    >>> import numpy as np
    >>> from linml.decomposition import PCA
    >>> X = np.array([[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]])
    >>> pca = PCA(n_components=1).fit(X)
    >>> pca.components_, pca.explained_variance_ratio_.round(3), pca.solver_
    (array([[1., 0.]]), array([0.8]), 'svd')
    >>> pca.transform(X).ravel()
    array([ 2.,  0., -2.,  0.])
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "n_components": [None, Interval(int, 1, None), Interval(float, 0, 1, closed="right")],
        "solver": [Options(SOLVERS)],
        "whiten": [bool],
        "n_oversamples": [Interval(int, 0, None)],
        "n_iter": [Interval(int, 0, None)],
        "random_state": [None, Interval(int, 0, None), np.random.RandomState],
    }

    def __init__(
        self,
        n_components: int | float | None = None,
        *,
        solver: str = "auto",
        whiten: bool = False,
        n_oversamples: int = 10,
        n_iter: int = 4,
        random_state: Any = None,
    ) -> None:
        self.n_components = n_components
        self.solver = solver
        self.whiten = whiten
        self.n_oversamples = n_oversamples
        self.n_iter = n_iter
        self.random_state = random_state

    # ------------------------------------------------------------------ validation
    def _check_n_components(self) -> None:
        nc = self.n_components
        if (
            isinstance(nc, numbers.Real)
            and not isinstance(nc, numbers.Integral | bool)
            and not 0 < nc <= 1
        ):
            raise LinmlInputError(
                f"PCA: n_components={nc!r} is a float, read as the fraction of variance to "
                "keep, so it must be in (0, 1]; pass an int to ask for a number of components."
            )
        self._check_params()

    def _requested_k(self, n: int, p: int) -> int | None:
        """The integer k asked for (None for 'all' or a fraction), checked against min(n, p)."""
        nc = self.n_components
        if not isinstance(nc, numbers.Integral):
            return None
        if nc > min(n, p):
            raise LinmlInputError(
                f"n_components={nc} must be <= min(n_samples, n_features)={min(n, p)} "
                f"(n_samples={n}, n_features={p}); lower n_components or pass a fraction "
                "such as 0.95 to keep that share of the variance."
            )
        return int(nc)

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Any, y: Any = None) -> PCA:
        """Fit the principal axes of ``X`` (n_samples, n_features); ``y`` is ignored."""
        self._check_n_components()
        vars(self).pop("dask_fit_", None)
        if _dask.is_dask_collection(X):
            return self._fit_dask(X)
        X = validate_data(self, X, ensure_min_samples=2)
        n, p = X.shape
        k = self._requested_k(n, p)
        solver = self.solver if self.solver != "auto" else _auto_solver(n, p, self.n_components)
        if solver == "randomized" and self.n_components is None:
            k = min(n, p)  # as scikit-learn: every component (a sketch of the whole row space)
        if solver == "randomized" and k is None:
            raise LinmlInputError(
                f"PCA: solver='randomized' finds only a fixed number of components; "
                f"n_components={self.n_components!r} (a variance fraction) needs the whole "
                "spectrum — pass an int or use solver='svd' or 'covariance_eigh'."
            )
        # PCA is scale-invariant: fit X · 2^(−e) (exact) when X's squares would overflow or
        # underflow, then unscale S (·2^e) and the variances (·4^e) — issue 17
        self.scatter_ = None
        if solver == "covariance_eigh":
            # e, μ and M2 = XcᵀXc from one fused pass over X (issue 19)
            e, mean, M2 = _covariance_moments(X)
            self._store_moments(n, mean, M2)
            self._fit_from_moments()
            self._unscale(e)
            return self
        e = global_exponent(X)
        if e:
            X = np.ldexp(X, -e).astype(X.dtype, copy=False)
        mean = X.mean(axis=0)
        Xc = X - mean  # center before PCA: the axes of uncentered data point at the mean
        if solver == "svd":
            components, S, total = _solve_svd(Xc)
        else:
            rng = check_random_state(self.random_state)
            components, S, total = _solve_randomized(Xc, k, self.n_oversamples, self.n_iter, rng)
        self.n_samples_seen_ = n
        self.mean_ = mean
        self._store_spectrum(components, S, total, n, p, solver)
        self._unscale(e)
        return self

    def _fit_dask(self, X: Any) -> PCA:
        """Fit on a dask array / DataFrame; the fitted attributes are NumPy (see Notes)."""
        Xd = _dask_input(self, X)
        n, p = Xd.shape
        dtype = Xd.dtype if Xd.dtype in (np.float32, np.float64) else np.dtype(np.float64)
        if n < 2:
            raise LinmlInputError(f"PCA needs at least 2 samples; X has {n} row(s).")
        k = self._requested_k(n, p)
        solver = self.solver if self.solver != "auto" else _auto_solver_dask(p, self.n_components)
        if solver == "randomized" and self.n_components is None:
            k = min(n, p)  # as in memory: every component
        if solver == "randomized" and k is None:
            raise LinmlInputError(
                f"PCA: solver='randomized' finds only a fixed number of components; "
                f"n_components={self.n_components!r} needs the whole spectrum — pass an int "
                "or use solver='covariance_eigh'."
            )
        self.scatter_ = None
        if solver == "covariance_eigh":
            stats, info = _dask.gram_stats(Xd)  # one pass: n, μ and M2 = Xcᵀ Xc
            self._store_moments(n, stats.mean.astype(dtype), stats.scatter.astype(dtype))
            self._fit_from_moments()
            self.dask_fit_ = info.line()
            return self
        import dask

        Xd = _dask.checked_finite(Xd.astype(dtype))
        mean = np.asarray(dask.compute(Xd.mean(axis=0))[0])
        if solver == "svd":
            components, S, total = _solve_svd_dask(Xd, mean)
            route = "exact TSQR SVD of the centered blocks"
        else:
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
            components, S, total = _solve_randomized_dask(
                Xd, mean, k, self.n_oversamples, self.n_iter, seed
            )
            route = f"randomized SVD (svd_compressed, {self.n_iter} power iterations)"
        self.n_samples_seen_ = n
        self.mean_ = mean.astype(dtype)
        self._store_spectrum(components, S, total, n, p, solver)
        scheduler, workers = _dask.current_scheduler()
        self.dask_fit_ = _dask.DaskFitInfo(Xd.numblocks[0], scheduler, workers, route).line()
        return self

    def _unscale(self, e: int) -> None:
        """Undo a fit on ``X · 2^(−e)``: lengths scale by ``2^e``, variances by ``4^e``.

        Components and ratios are scale-free. Raises when a variance overflows float64
        (the exact value is not representable); underflow rounds towards 0, as it should.
        """
        if not e:
            return
        fix = "rescale X (e.g. divide it by X.std()) before fitting."
        what = "PCA: X has entries so large that explained_variance_ (∝ X²)"
        self.explained_variance_ = ldexp_checked(self.explained_variance_, 2 * e, what, fix)
        self.total_variance_ = float(ldexp_checked(self.total_variance_, 2 * e, what, fix))
        self.noise_variance_ = float(ldexp_checked(self.noise_variance_, 2 * e, what, fix))
        if self.scatter_ is not None:
            self.scatter_ = ldexp_checked(self.scatter_, 2 * e, what, fix)
        what = "PCA: X has entries so large that singular_values_"
        self.singular_values_ = ldexp_checked(self.singular_values_, e, what, fix)
        self.mean_ = ldexp_checked(self.mean_, e, "PCA: the mean of X", fix)

    def _check_streams(self) -> None:
        """``partial_fit`` exists only for the streaming solvers: ``hasattr(pca,
        "partial_fit")`` is False otherwise (so meta-estimators and scikit-learn's estimator
        checks do not call it), and calling it anyway says why."""
        if self.solver not in ("auto", "covariance_eigh"):
            raise _UnavailableError(
                f"PCA.partial_fit streams the covariance matrix, so it needs solver='auto' or "
                f"'covariance_eigh'; got solver={self.solver!r}."
            )

    @_if_streaming
    def partial_fit(self, X: Any, y: Any = None) -> PCA:
        """Update the fit with a chunk of rows; chunks together equal one ``fit`` on all rows.

        Merges the chunk's ``(count, mean, M2)`` into the running statistics and re-solves
        the ``n_features × n_features`` covariance eigenproblem (solver 'covariance_eigh').
        Only with solver 'auto' or 'covariance_eigh'.
        """
        self._check_n_components()
        first = getattr(self, "scatter_", None) is None
        X = validate_data(self, X, reset=first)
        # the streamed moments are kept unscaled, so their squares must stay normal
        check_squares_finite(X, "PCA.partial_fit", tiny=True)
        # the chunk's (n_b, μ_b, M2_b), centered at its own mean, merged by Chan's update —
        # the same GramStats a dask fit reduces its row blocks with
        stats = GramStats.from_block(X)
        if not first:
            seen = GramStats(self.n_samples_seen_, self.mean_, self.scatter_)
            stats = seen.merge(stats)
        n, mean, M2 = stats.n, stats.mean, stats.scatter
        p = X.shape[1]
        if isinstance(self.n_components, numbers.Integral) and self.n_components > p:
            raise LinmlInputError(
                f"n_components={self.n_components} must be <= n_features={p}; lower n_components."
            )
        self._store_moments(n, mean.astype(X.dtype, copy=False), M2.astype(X.dtype, copy=False))
        self._fit_from_moments()
        return self

    def _store_moments(self, n: int, mean: np.ndarray, M2: np.ndarray) -> None:
        self.n_samples_seen_ = int(n)
        self.mean_ = mean
        self.scatter_ = M2

    def _fit_from_moments(self) -> None:
        n, p = self.n_samples_seen_, self.scatter_.shape[0]
        nc = self.n_components
        k = min(int(nc), p) if isinstance(nc, numbers.Integral) else None
        components, S, total = _solve_covariance_eigh(n, self.scatter_, k)
        self._store_spectrum(components, S, total, n, p, "covariance_eigh")

    def _store_spectrum(
        self, components: np.ndarray, S: np.ndarray, total: float, n: int, p: int, solver: str
    ) -> None:
        """Choose k, truncate, and set the spectral attributes (shared by every solver)."""
        dtype = self.mean_.dtype
        S = S[: min(n, p)]  # at most min(n, p) directions carry variance
        components = components[: S.size]
        lam = S.astype(np.float64) ** 2 / max(n - 1, 1)  # λ = S² / (n − 1)
        ratio = lam / total if total > 0 else np.zeros_like(lam)
        nc = self.n_components
        if nc is None:
            k = S.size
        elif isinstance(nc, numbers.Integral):
            k = min(int(nc), S.size)
        else:
            k = _components_for_fraction(ratio, float(nc))
        rank_bound = min(n, p)
        # σ² = mean discarded variance = (trace C − Σ kept λ) / (min(n, p) − k)
        noise = max(total - float(lam[:k].sum()), 0.0) / (rank_bound - k) if k < rank_bound else 0.0
        self.components_ = np.ascontiguousarray(components[:k], dtype=dtype)
        self.explained_variance_ = lam[:k].astype(dtype)
        self.explained_variance_ratio_ = ratio[:k].astype(dtype)
        self.singular_values_ = S[:k].astype(dtype)
        self.noise_variance_ = float(noise)
        self.total_variance_ = float(total)
        self.n_components_ = int(k)
        self.solver_ = solver

    # ------------------------------------------------------------------ transforms
    def _scale(self) -> np.ndarray:
        """sqrt(λ) = S / sqrt(n − 1), floored at eps·max, so whitening never divides by zero.

        From the singular values, not as sqrt(explained_variance_): λ ∝ X² underflows to 0
        for data below ~1e-160 while S ∝ X does not. The floor is relative so whitening
        stays scale-invariant (an absolute eps floor was wrong already for X·1e-20) — issue 17.
        """
        S = self.singular_values_
        scale = (S / np.sqrt(max(self.n_samples_seen_ - 1, 1))).astype(S.dtype, copy=False)
        eps = np.finfo(scale.dtype).eps
        top = scale.max() if scale.size else 0.0
        return np.maximum(scale, eps * top if top > 0 else eps)

    def transform(self, X: Any) -> np.ndarray:
        """Scores ``Z = (X − μ) Vₖ`` (divided by ``sqrt(λ)`` when whitening), (n, k)."""
        check_is_fitted(self)
        if _dask.is_dask_collection(X):
            Xd = _dask.as_dask_array(X, name="X")
            _check_dask_features(self, Xd)
            scale = self._scale() if self.whiten else None
            offset = self.mean_ @ self.components_.T
            block = functools.partial(
                _project_block, components=self.components_, offset=offset, scale=scale
            )
            return _dask.map_rows(
                Xd, block, dtype=self.components_.dtype, n_columns=self.n_components_
            )
        X = validate_data(self, X, reset=False)
        # (X − μ) Vₖ computed as X Vₖ − μ Vₖ: no centered copy of X
        Z = X @ self.components_.T - self.mean_ @ self.components_.T
        if self.whiten:
            Z /= self._scale()
        return Z

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Back to feature space: ``X̂ = Z Vₖᵀ + μ`` (un-whitening first), (n, p)."""
        check_is_fitted(self)
        if _dask.is_dask_collection(Z):
            Zd = _dask.as_dask_array(Z, name="Z")
            if Zd.ndim != 2 or Zd.shape[1] != self.n_components_:
                raise LinmlInputError(
                    f"inverse_transform expects scores of shape (n, {self.n_components_}); "
                    f"got shape {Zd.shape}."
                )
            scale = self._scale() if self.whiten else None
            block = functools.partial(
                _reconstruct_block, components=self.components_, mean=self.mean_, scale=scale
            )
            p = self.components_.shape[1]
            return _dask.map_rows(Zd, block, dtype=self.components_.dtype, n_columns=p)
        Z = np.asarray(Z, dtype=self.components_.dtype)
        if Z.ndim != 2 or Z.shape[1] != self.n_components_:
            raise LinmlInputError(
                f"inverse_transform expects scores of shape (n, {self.n_components_}); "
                f"got shape {Z.shape}."
            )
        if self.whiten:
            Z = Z * self._scale()
        return Z @ self.components_ + self.mean_

    @property
    def _n_features_out(self) -> int:
        return self.components_.shape[0]

    # ------------------------------------------------------------------ probabilistic PCA
    def _noise_for_density(self) -> float:
        """σ² for the density; floored (with a warning) when it is 0 but k < p."""
        p, k = self.components_.shape[1], self.n_components_
        sigma2 = self.noise_variance_
        if k < p and sigma2 <= 0:
            top = float(self.explained_variance_[0]) if k else 1.0
            sigma2 = max(top, 1.0) * np.finfo(np.float64).eps
            warnings.warn(
                f"PCA: the discarded variance is 0 but k={k} < n_features={p}: the data lie "
                "in a subspace and the Gaussian density is degenerate; using σ² = eps·λ₁.",
                NumericalWarning,
                stacklevel=3,
            )
        return sigma2

    def _kept_variances(self, sigma2: float) -> np.ndarray:
        # probabilistic PCA never lets a kept variance fall below the noise floor σ²
        return np.maximum(self.explained_variance_.astype(np.float64), sigma2)

    def get_covariance(self) -> np.ndarray:
        """Model covariance ``Σ = Vₖ diag(λ − σ²) Vₖᵀ + σ² I`` (n_features, n_features)."""
        check_is_fitted(self)
        V_t = self.components_.astype(np.float64)
        sigma2 = self.noise_variance_
        lam = self._kept_variances(sigma2)
        cov = (V_t.T * (lam - sigma2)) @ V_t
        cov[np.diag_indices_from(cov)] += sigma2
        return cov

    def get_precision(self) -> np.ndarray:
        """``Σ⁻¹ = Vₖ diag(1/λ − 1/σ²) Vₖᵀ + I/σ²`` in closed form (no matrix inverse)."""
        check_is_fitted(self)
        V_t = self.components_.astype(np.float64)
        p, k = V_t.shape[1], V_t.shape[0]
        if k == p:
            # all directions kept: Σ = V diag(λ) Vᵀ exactly
            lam = self.explained_variance_.astype(np.float64)
            if np.any(lam <= 0):
                raise LinmlInputError(
                    "PCA: a kept component has zero variance, so the covariance is singular "
                    "and has no precision; fit with fewer components."
                )
            return (V_t.T / lam) @ V_t
        sigma2 = self._noise_for_density()
        lam = self._kept_variances(sigma2)
        precision = (V_t.T * (1.0 / lam - 1.0 / sigma2)) @ V_t
        precision[np.diag_indices_from(precision)] += 1.0 / sigma2
        return precision

    def score_samples(self, X: Any) -> np.ndarray:
        """Log-likelihood of each row under probabilistic PCA, shape (n_samples,).

        ``log p(x) = −½ [p log 2π + log det Σ + (x − μ)ᵀ Σ⁻¹ (x − μ)]`` with
        ``log det Σ = Σᵢ log λᵢ + (p − k) log σ²``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        Xr = X.astype(np.float64) - self.mean_  # residual from the mean, (n, p)
        V_t = self.components_.astype(np.float64)
        p, k = V_t.shape[1], V_t.shape[0]
        Z = Xr @ V_t.T  # coordinates along the kept axes, (n, k)
        if k == p:
            lam = self.explained_variance_.astype(np.float64)
            quad = np.sum(Z**2 / lam, axis=1)
            logdet = float(np.sum(np.log(lam)))
        else:
            sigma2 = self._noise_for_density()
            lam = self._kept_variances(sigma2)
            in_span = np.sum(Z**2, axis=1)
            residual = np.maximum(np.einsum("ij,ij->i", Xr, Xr) - in_span, 0.0)
            quad = np.sum(Z**2 / lam, axis=1) + residual / sigma2
            logdet = float(np.sum(np.log(lam)) + (p - k) * np.log(sigma2))
        return -0.5 * (p * np.log(2 * np.pi) + logdet + quad)

    def score(self, X: Any, y: Any = None) -> float:
        """Average log-likelihood of the rows of ``X`` (see :meth:`score_samples`)."""
        return float(np.mean(self.score_samples(X)))

    # ------------------------------------------------------------------ explanation
    def _explain(self) -> Explanation:
        check_is_fitted(self)
        lam = self.explained_variance_.astype(np.float64)
        cumulative = float(np.sum(self.explained_variance_ratio_))
        exp = Explanation(title=f"PCA ({self.solver_} solver)")
        exp.add("n_components_", self.n_components_, "principal axes kept")
        exp.add("explained_variance_", lam, "variance λᵢ of each score (covariance eigenvalues)")
        exp.add("explained_variance_ratio_", self.explained_variance_ratio_, "λᵢ / trace(C)")
        exp.add("cumulative ratio", cumulative, "share of the total variance kept")
        exp.add(
            "effective rank",
            _la.effective_rank(singular_values=self.singular_values_.astype(np.float64)),
            "exp(entropy) of the kept singular values: how many axes really matter",
        )
        exp.add(
            "condition number (kept)",
            _la.condition_number_from_spectrum(self.singular_values_),
            "S₁ / Sₖ; λ₁/λₖ = its square, which the covariance solver works with",
        )
        exp.add("noise_variance_", self.noise_variance_, "mean discarded variance σ²")
        if getattr(self, "dask_fit_", None):
            exp.add("scale-out", self.dask_fit_, "how the fit on a dask collection ran")
        exp.verdict = (
            f"{self.n_components_} of {self.components_.shape[1]} axes keep "
            f"{100 * cumulative:.1f}% of the variance."
        )
        if lam.size and lam[-1] <= lam[0] * np.finfo(np.float64).eps * 100:
            exp.suggestions.append(
                "some kept components have ~0 variance: the data are rank-deficient; keep fewer."
            )
        if self.whiten and lam.size and lam[-1] < 1e-6 * lam[0]:
            exp.suggestions.append(
                "whitening divides by sqrt(λ): tiny kept variances amplify noise a lot."
            )
        return exp

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
