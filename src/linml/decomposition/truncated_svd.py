"""Truncated SVD (latent semantic analysis): the top-k singular triplets, no centering."""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from linml import _dask
from linml._base import Explanation, LinmlEstimator
from linml._dask import checked_finite
from linml._validation import Interval, Options, check_random_state, validate_data
from linml.decomposition import _la
from linml.decomposition.pca import _check_dask_features, _dask_input
from linml.exceptions import LinmlInputError
from linml.linalg._scaling import global_exponent, ldexp_checked

__all__ = ["TruncatedSVD"]

ALGORITHMS = ("randomized", "arpack")


def _solve_randomized(
    X: Any, k: int, n_oversamples: int, n_iter: int, rng: np.random.RandomState
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X ≈ U diag(S) Vt by the randomized range finder (Halko et al. 2011), LU-normalized powers."""
    return _la.randomized_svd(
        X,
        k,
        n_oversamples=n_oversamples,
        n_iter=n_iter,
        power_iteration_normalizer="lu",
        random_state=rng,
    )


def _solve_arpack(
    X: Any, k: int, tol: float, rng: np.random.RandomState
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X ≈ U diag(S) Vt by ARPACK (Lanczos on XᵀX implicitly), sorted descending, signs fixed."""
    v0 = rng.uniform(-1, 1, min(X.shape))  # seeded start vector: reproducible Lanczos
    U, S, Vt = svds(X, k=k, tol=tol, v0=v0, solver="arpack")
    order = np.argsort(S)[::-1]  # svds returns ascending
    U, Vt = _la.svd_flip_signs(U[:, order], Vt[order])
    return U, S[order], Vt


# p up to which a dask fit takes the exact Gram route (a p×p eigenproblem, one data pass)
_DASK_GRAM_MAX_FEATURES = 1000


def _solve_gram_dask(Xd: Any, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any]:
    """Exact top-k of a dask ``X`` from its uncentered Gram ``XᵀX = M2 + n μμᵀ`` (one pass).

    ``XᵀX = V diag(S²) Vᵀ`` (eigh), so ``S = sqrt(λ)`` and ``Vt = Vᵀ``; the score variances
    ``var(X vⱼ) = vⱼᵀ (M2 / n) vⱼ`` and the total ``tr(M2) / n`` come from the same statistics.
    Squaring the spectrum costs accuracy only for ``Sⱼ`` below ``sqrt(eps) S₁``.
    """
    stats, info = _dask.gram_stats(Xd)
    G = stats.about_origin().scatter  # XᵀX, from the centered statistics: no cancellation in M2
    lam, V = _la.eigh_sorted(G, k=k)
    S = np.sqrt(np.maximum(lam, 0))
    Vt = np.ascontiguousarray(V.T)
    variances = np.einsum("ij,jk,ik->i", Vt, stats.scatter, Vt) / stats.n  # vⱼᵀ (M2/n) vⱼ
    total = float(np.trace(stats.scatter)) / stats.n
    info.route = "exact Gram eigendecomposition (XᵀX from centered block statistics)"
    return S, Vt, variances, np.array(total), info


def _solve_randomized_dask(
    Xd: Any, k: int, n_oversamples: int, n_iter: int, seed: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any]:
    """Top-k of a dask ``X`` by ``da.linalg.svd_compressed`` (Halko et al. 2011, TSQR powers)."""
    import dask
    import dask.array as da

    _, S, Vt = da.linalg.svd_compressed(
        Xd, k, n_power_iter=n_iter, n_oversamples=n_oversamples, seed=seed
    )
    col_var = Xd.var(axis=0, dtype=np.float64)
    S, Vt, col_var = dask.compute(S, Vt, col_var)
    _, Vt = _la.svd_flip_signs(np.zeros((1, Vt.shape[0])), Vt)
    # scores Z = X Vtᵀ: var(Z_j) = E[(x·vⱼ)²] − (E[x]·vⱼ)², one more lazy pass
    (variances,) = dask.compute((Xd @ Vt.T).var(axis=0, dtype=np.float64))
    scheduler, workers = _dask.current_scheduler()
    route = f"randomized SVD (svd_compressed, {n_iter} power iterations)"
    info = _dask.DaskFitInfo(Xd.numblocks[0], scheduler, workers, route)
    return np.asarray(S), Vt, np.asarray(variances), np.array(float(col_var.sum())), info


def _project_block(B: np.ndarray, components: np.ndarray) -> np.ndarray:
    """One row block of the scores ``B Vtᵀ``."""
    return B @ components.T


def _column_variances(X: Any) -> np.ndarray:
    """Population variance of each column, E[x²] − E[x]² (sparse-aware, float64)."""
    if sp.issparse(X):
        mean = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
        mean_sq = np.asarray(X.multiply(X).mean(axis=0), dtype=np.float64).ravel()
        return np.maximum(mean_sq - mean**2, 0.0)
    return np.var(X, axis=0, dtype=np.float64)


class TruncatedSVD(ClassNamePrefixFeaturesOutMixin, TransformerMixin, LinmlEstimator):
    """Top-k SVD ``X ≈ U diag(S) Vt`` without centering — works on sparse matrices (LSA).

    ``components_ = Vt`` (k, p) and ``transform(X) = X Vtᵀ``; on the training data this
    equals ``U diag(S)``. Unlike PCA the data are not centered (centering would densify a
    sparse matrix), so the first component mostly follows the mean.

    Parameters
    ----------
    n_components : int, default=2
        ``k``; at most ``min(n_samples, n_features)`` (strictly less for 'arpack').
    algorithm : {'randomized', 'arpack'}, default='randomized'
        Randomized range finder, or ARPACK's Lanczos via ``scipy.sparse.linalg.svds``.
    n_oversamples : int, default=10
        Extra random samples of the randomized solver.
    n_iter : int, default=5
        Power iterations of the randomized solver.
    tol : float, default=0.0
        ARPACK tolerance (0: machine precision).
    random_state : int, RandomState or None, default=None
        Seed of the random test matrix / ARPACK start vector.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        ``Vt``, orthonormal rows, each row's largest-|.| entry positive.
    singular_values_ : ndarray of shape (n_components,)
        ``S``, descending.
    explained_variance_ : ndarray of shape (n_components,)
        Variance of each column of ``X Vtᵀ`` (population, ddof=0).
    explained_variance_ratio_ : ndarray of shape (n_components,)
        ``explained_variance_`` divided by the total column variance of ``X``.
    dask_fit_ : str
        Only after a fit on a dask collection: row blocks, workers and route, for ``explain()``.

    Notes
    -----
    On a dask array or DataFrame ``X`` (row blocks), up to 1000 features the fit is exact
    whatever ``algorithm`` says: one pass gives the centered block statistics ``(n, μ, M2)``,
    ``XᵀX = M2 + n μμᵀ = V diag(S²) Vᵀ`` (eigh), ``S = sqrt(λ)``, ``Vt = Vᵀ`` and the score
    variances ``vⱼᵀ (M2 / n) vⱼ``. Squaring loses accuracy only for ``Sⱼ < sqrt(eps) S₁``.
    With more features ``dask.array.linalg.svd_compressed`` (``n_iter`` power iterations)
    finds the top ``k``. ``fit_transform`` and ``transform`` then return lazy dask arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.sparse import csr_matrix
    >>> from linml.decomposition import TruncatedSVD
    >>> X = csr_matrix(np.array([[3.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0]]))
    >>> svd = TruncatedSVD(n_components=2, random_state=0).fit(X)
    >>> svd.singular_values_.round(6)
    array([3., 2.])
    >>> np.abs(svd.components_).round(6)
    array([[1., 0., 0.],
           [0., 1., 0.]])
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "n_components": [Interval(int, 1, None)],
        "algorithm": [Options(ALGORITHMS)],
        "n_oversamples": [Interval(int, 0, None)],
        "n_iter": [Interval(int, 0, None)],
        "tol": [Interval(float, 0, None)],
        "random_state": [None, Interval(int, 0, None), np.random.RandomState],
    }

    def __init__(
        self,
        n_components: int = 2,
        *,
        algorithm: str = "randomized",
        n_oversamples: int = 10,
        n_iter: int = 5,
        tol: float = 0.0,
        random_state: Any = None,
    ) -> None:
        self.n_components = n_components
        self.algorithm = algorithm
        self.n_oversamples = n_oversamples
        self.n_iter = n_iter
        self.tol = tol
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> TruncatedSVD:
        """Fit the top ``n_components`` singular triplets of ``X`` (dense or sparse)."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit and return ``U diag(S)`` (= ``X Vtᵀ``), shape (n_samples, n_components)."""
        self._check_params()
        vars(self).pop("dask_fit_", None)
        if _dask.is_dask_collection(X):
            return self._fit_dask(X)
        X = validate_data(self, X, accept_sparse=("csr", "csc"))
        n, p = X.shape
        k = int(self.n_components)
        limit = min(n, p) - (1 if self.algorithm == "arpack" else 0)
        if k > limit:
            bound = (
                f"< min(n_samples, n_features)={min(n, p)} for algorithm='arpack'"
                if self.algorithm == "arpack"
                else f"<= min(n_samples, n_features)={min(n, p)}"
            )
            raise LinmlInputError(
                f"n_components={k} must be {bound} (n_samples={n}, n_features={p}); "
                "lower n_components."
            )
        # the SVD is scale-equivariant: factor X · 2^(−e) (exact) when X's squares would
        # overflow or underflow, then S ·= 2^e and the variances ·= 4^e — issue 17
        e = global_exponent(X)
        if e:
            X = X.copy() if sp.issparse(X) else X
            if sp.issparse(X):
                X.data = np.ldexp(X.data, -e).astype(X.dtype, copy=False)
            else:
                X = np.ldexp(X, -e).astype(X.dtype, copy=False)
        rng = check_random_state(self.random_state)
        if self.algorithm == "randomized":
            U, S, Vt = _solve_randomized(X, k, self.n_oversamples, self.n_iter, rng)
        else:
            U, S, Vt = _solve_arpack(X, k, self.tol, rng)
        dtype = X.dtype
        Z = (U * S).astype(dtype, copy=False)  # scores U diag(S) = X Vtᵀ on the training rows
        variances = np.var(Z, axis=0, dtype=np.float64)
        total = float(_column_variances(X).sum())
        self.components_ = np.ascontiguousarray(Vt, dtype=dtype)
        self.singular_values_ = S.astype(dtype)
        self.explained_variance_ = variances.astype(dtype)
        self.explained_variance_ratio_ = (
            variances / total if total > 0 else np.zeros_like(variances)
        ).astype(dtype)
        if e:
            fix = "rescale X (e.g. divide it by its largest entry) before fitting."
            what = "TruncatedSVD: X has entries so large that"
            self.explained_variance_ = ldexp_checked(
                self.explained_variance_, 2 * e, f"{what} explained_variance_ (∝ X²)", fix
            )
            self.singular_values_ = ldexp_checked(
                self.singular_values_, e, f"{what} singular_values_", fix
            )
            Z = ldexp_checked(Z, e, f"{what} the scores X Vtᵀ", fix)
        return Z

    def _fit_dask(self, X: Any) -> Any:
        """Fit on a dask array / DataFrame; returns the lazy scores ``X Vtᵀ`` (see Notes)."""
        Xd = _dask_input(self, X)
        n, p = Xd.shape
        dtype = Xd.dtype if Xd.dtype in (np.float32, np.float64) else np.dtype(np.float64)
        k = int(self.n_components)
        if k > min(n, p):
            raise LinmlInputError(
                f"n_components={k} must be <= min(n_samples, n_features)={min(n, p)} "
                f"(n_samples={n}, n_features={p}); lower n_components."
            )
        if p <= _DASK_GRAM_MAX_FEATURES:
            S, Vt, variances, total, info = _solve_gram_dask(Xd, k)
        else:
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
            S, Vt, variances, total, info = _solve_randomized_dask(
                checked_finite(Xd.astype(dtype)), k, self.n_oversamples, self.n_iter, seed
            )
        total = float(total)
        self.components_ = np.ascontiguousarray(Vt, dtype=dtype)
        self.singular_values_ = S.astype(dtype)
        self.explained_variance_ = variances.astype(dtype)
        self.explained_variance_ratio_ = (
            variances / total if total > 0 else np.zeros_like(variances)
        ).astype(dtype)
        self.dask_fit_ = info.line()
        return self.transform(Xd)

    def transform(self, X: Any) -> np.ndarray:
        """Project: ``X Vtᵀ``, shape (n_samples, n_components)."""
        check_is_fitted(self)
        if _dask.is_dask_collection(X):
            Xd = _dask.as_dask_array(X, name="X")
            _check_dask_features(self, Xd)
            block = functools.partial(_project_block, components=self.components_)
            k = self.components_.shape[0]
            return _dask.map_rows(Xd, block, dtype=self.components_.dtype, n_columns=k)
        X = validate_data(self, X, accept_sparse=("csr", "csc"), reset=False)
        return np.asarray(X @ self.components_.T)

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Back to feature space: ``Z Vt`` (the rank-k approximation of the rows)."""
        check_is_fitted(self)
        Z = np.asarray(Z, dtype=self.components_.dtype)
        if Z.ndim != 2 or Z.shape[1] != self.components_.shape[0]:
            raise LinmlInputError(
                f"inverse_transform expects scores of shape (n, {self.components_.shape[0]}); "
                f"got shape {Z.shape}."
            )
        return Z @ self.components_

    @property
    def _n_features_out(self) -> int:
        return self.components_.shape[0]

    def _explain(self) -> Explanation:
        check_is_fitted(self)
        S = self.singular_values_.astype(np.float64)
        exp = Explanation(title=f"TruncatedSVD ({self.algorithm})")
        exp.add("singular_values_", S, "S₁ ≥ … ≥ Sₖ of X (not centered)")
        exp.add(
            "explained_variance_ratio_",
            self.explained_variance_ratio_,
            "variance of each score column / total column variance of X",
        )
        exp.add(
            "effective rank",
            _la.effective_rank(singular_values=S),
            "exp(entropy) of the kept singular values",
        )
        exp.add(
            "condition number (kept)",
            _la.condition_number_from_spectrum(S),
            "S₁ / Sₖ of the rank-k approximation",
        )
        if getattr(self, "dask_fit_", None):
            exp.add("scale-out", self.dask_fit_, "how the fit on a dask collection ran")
        kept = float(np.sum(self.explained_variance_ratio_))
        exp.verdict = f"{S.size} singular directions explain {100 * kept:.1f}% of X's variance."
        if S.size > 1 and self.explained_variance_ratio_[0] < self.explained_variance_ratio_[1]:
            exp.suggestions.append(
                "the first component explains less variance than the second: it tracks the "
                "(uncentered) mean; use PCA for centered directions on dense data."
            )
        return exp

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
