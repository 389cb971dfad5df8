"""Whitening: a linear map that turns the covariance into the identity (PCA or ZCA)."""

from __future__ import annotations

import functools
import warnings
from typing import Any, ClassVar

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from linml import _dask
from linml._base import Explanation, LinmlEstimator
from linml._validation import Interval, Options, validate_data
from linml.decomposition import _la
from linml.decomposition.pca import _check_dask_features, _dask_input
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg._scaling import global_exponent, ldexp_checked

__all__ = ["Whitener"]

METHODS = ("pca", "zca")


def _dewhitening_matrix(
    lam: np.ndarray, U: np.ndarray, method: str, eps: float, e: int = 0
) -> np.ndarray:
    """W⁻¹ from the factors of Σ = 4^e U diag(λ) Uᵀ, D = λ 4^e + eps: PCA U D^{1/2}; ZCA U D^{1/2} Uᵀ."""
    W_inv = U * _la.dewhitening_gains(lam, eps, e, who="the covariance of X")  # U D^{1/2}
    if method == "zca":
        W_inv = W_inv @ U.T  # U D^{1/2} Uᵀ = Σ^{1/2}, inverse of the symmetric root Σ^{-1/2}
    return W_inv


def _whiten_block(B: np.ndarray, W: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """One row block of ``(B − μ) Wᵀ = B Wᵀ − μ Wᵀ``."""
    return B @ W.T - offset


def _dewhiten_block(Z: np.ndarray, W_inv: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """One row block of ``Z W⁻ᵀ + μ``."""
    return Z @ W_inv.T + mean


class Whitener(ClassNamePrefixFeaturesOutMixin, TransformerMixin, LinmlEstimator):
    """Whiten: ``z = W (x − μ)`` with ``W Σ Wᵀ = I`` (identity covariance after the map).

    With the sample covariance ``Σ = Xcᵀ Xc / (n − 1) = U diag(λ) Uᵀ`` and
    ``D = diag(λ + eps)``:

    * ``method='pca'``: ``W = D^{-1/2} Uᵀ`` — rotate onto the principal axes, then rescale;
    * ``method='zca'``: ``W = U D^{-1/2} Uᵀ = Σ^{-1/2}`` — the symmetric inverse root. Of all
      whitening matrices (``Q Σ^{-1/2}`` for orthogonal ``Q``) it changes the data least:
      it minimizes ``E‖x − W x‖²``, because ``tr(Q Σ^{1/2})`` is largest at ``Q = I``.

    Parameters
    ----------
    method : {'pca', 'zca'}, default='pca'
    eps : float, default=1e-8
        Added to each eigenvalue before the inverse square root, so directions with
        (almost) no variance are not blown up to infinity.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
    eigenvalues_ : ndarray of shape (n_features,)
        ``λ``, the covariance spectrum, descending.
    eigenvectors_ : ndarray of shape (n_features, n_features)
        ``U`` (columns, largest-|.| entry positive).
    whitening_matrix_ : ndarray of shape (n_features, n_features)
        ``W``; ``transform(X) = (X − μ) Wᵀ``.
    dewhitening_matrix_ : ndarray of shape (n_features, n_features)
        ``W⁻¹`` (``U D^{1/2}`` or ``Σ^{1/2}``), built from the factors, not by inversion.
    dask_fit_ : str
        Only after a fit on a dask collection: row blocks, workers and route, for ``explain()``.

    Notes
    -----
    On a dask array or DataFrame ``X``, ``μ`` and ``Σ = M2 / (n − 1)`` come from one pass of
    centered block statistics merged by Chan, Golub & LeVeque's update; ``W`` is then built
    as in memory, and ``transform`` / ``inverse_transform`` of a dask array are lazy.

    Examples
    --------
    >>> import numpy as np
    >>> from linml.decomposition import Whitener
    >>> X = np.random.default_rng(0).normal(size=(500, 2)) @ np.array([[2.0, 0.0], [1.0, 0.5]])
    >>> Z = Whitener(method="zca").fit_transform(X)
    >>> bool(np.allclose(np.cov(Z, rowvar=False), np.eye(2)))
    True
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "method": [Options(METHODS)],
        "eps": [Interval(float, 0, None)],
    }

    def __init__(self, method: str = "pca", eps: float = 1e-8) -> None:
        self.method = method
        self.eps = eps

    def fit(self, X: Any, y: Any = None) -> Whitener:
        """Estimate ``μ`` and ``Σ`` from ``X`` (n_samples >= 2) and build ``W``."""
        self._check_params()
        vars(self).pop("dask_fit_", None)
        if _dask.is_dask_collection(X):
            # the same Σ from one pass of centered block Gram products merged by Chan's update
            Xd = _dask_input(self, X)
            n = Xd.shape[0]
            if n < 2:
                raise LinmlInputError(f"Whitener needs at least 2 samples; X has {n} row(s).")
            dtype = Xd.dtype if Xd.dtype in (np.float32, np.float64) else np.dtype(np.float64)
            stats, info = _dask.gram_stats(Xd)
            cov = stats.covariance(ddof=1).astype(dtype)  # Σ = M2 / (n − 1)
            self._fit_covariance(stats.mean.astype(dtype), cov, n, 0)
            self.dask_fit_ = info.line()
            return self
        X = validate_data(self, X, ensure_min_samples=2)
        n = X.shape[0]
        # whitening is scale-equivariant: estimate Σ' from X' = X · 2^(−e) (exact) when X's
        # squares would over/underflow, so Σ = 4^e Σ' and W = 2^(−e) W'(eps 4^(−e)) — issue 17
        e = global_exponent(X)
        Xs = np.ldexp(X, -e).astype(X.dtype, copy=False) if e else X
        mean = Xs.mean(axis=0)
        cov = _la.centered_scatter(Xs, mean) / (n - 1)  # Σ' = Xs_cᵀ Xs_c / (n − 1)
        self._fit_covariance(mean, cov, n, e)
        return self

    def _fit_covariance(self, mean: np.ndarray, cov: np.ndarray, n: int, e: int) -> None:
        """``W`` and ``W⁻¹`` from ``Σ' = U diag(λ) Uᵀ`` of ``X · 2^(−e)`` (mean ``μ'``)."""
        p = cov.shape[0]
        dtype = cov.dtype
        lam, U = _la.eigh_sorted(cov)
        lam = np.maximum(lam, 0)  # Σ is PSD; clip round-off negatives
        tiny = p * np.finfo(dtype).eps * max(float(lam[0]), np.finfo(dtype).tiny)
        rank = int(np.sum(lam > tiny))
        if rank < p:
            warnings.warn(
                f"Whitener: the covariance has rank {rank} < n_features={p} (n_samples={n}); "
                f"the {p - rank} direction(s) with ~0 variance are scaled by 1/sqrt(eps="
                f"{self.eps:g}) and the whitened covariance is I only on the other {rank}. "
                "Drop redundant features or reduce dimension with PCA first.",
                NumericalWarning,
                stacklevel=3,
            )
        eps = float(self.eps)
        W = _la.whitening_from_spectrum(lam, U, self.method, eps, e, who="the covariance of X")
        W_inv = _dewhitening_matrix(lam, U, self.method, eps, e)
        fix = "rescale X (e.g. StandardScaler) before fitting."
        self.mean_ = ldexp_checked(mean, e, "Whitener: the mean of X", fix)
        lam = ldexp_checked(lam, 2 * e, "Whitener: X has entries so large that Σ (∝ X²)", fix)
        self.eigenvalues_ = lam
        self.eigenvectors_ = U
        self.whitening_matrix_ = np.ascontiguousarray(W, dtype=dtype)
        self.dewhitening_matrix_ = np.ascontiguousarray(W_inv, dtype=dtype)
        self.rank_ = rank

    def transform(self, X: Any) -> np.ndarray:
        """Whitened data ``(X − μ) Wᵀ``, shape (n_samples, n_features)."""
        check_is_fitted(self)
        if _dask.is_dask_collection(X):
            Xd = _dask.as_dask_array(X, name="X")
            _check_dask_features(self, Xd)
            offset = self.mean_ @ self.whitening_matrix_.T
            block = functools.partial(_whiten_block, W=self.whitening_matrix_, offset=offset)
            return _dask.map_rows(Xd, block, dtype=self.mean_.dtype, n_columns=self.mean_.size)
        X = validate_data(self, X, reset=False)
        return (X - self.mean_) @ self.whitening_matrix_.T

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Undo the whitening: ``Z W⁻ᵀ + μ``."""
        check_is_fitted(self)
        if _dask.is_dask_collection(Z):
            Zd = _dask.as_dask_array(Z, name="Z")
            _check_dask_features(self, Zd)
            block = functools.partial(
                _dewhiten_block, W_inv=self.dewhitening_matrix_, mean=self.mean_
            )
            return _dask.map_rows(Zd, block, dtype=self.mean_.dtype, n_columns=self.mean_.size)
        Z = np.asarray(Z, dtype=self.whitening_matrix_.dtype)
        if Z.ndim != 2 or Z.shape[1] != self.mean_.shape[0]:
            raise LinmlInputError(
                f"inverse_transform expects an array of shape (n, {self.mean_.shape[0]}); "
                f"got shape {Z.shape}."
            )
        return Z @ self.dewhitening_matrix_.T + self.mean_

    @property
    def _n_features_out(self) -> int:
        return self.mean_.shape[0]

    def _explain(self) -> Explanation:
        check_is_fitted(self)
        lam = self.eigenvalues_.astype(np.float64)
        gains = 1.0 / np.sqrt(lam + self.eps)
        exp = Explanation(title=f"Whitener ({self.method.upper()})")
        exp.add("eigenvalues_", lam, "covariance spectrum λ (descending)")
        exp.add("rank_", self.rank_, "directions with variance above round-off")
        exp.add(
            "condition number of Σ",
            _la.condition_number_from_spectrum(lam),
            "λ_max / λ_min; whitening multiplies the weakest direction by this much more",
        )
        exp.add("largest gain", float(gains.max()), "1 / sqrt(λ_min + eps): noise amplification")
        exp.verdict = (
            "ZCA: W = Σ^{-1/2}, the whitening closest to the input."
            if self.method == "zca"
            else "PCA: W = Λ^{-1/2} Uᵀ, whitened coordinates along the principal axes."
        )
        if getattr(self, "dask_fit_", None):
            exp.add("scale-out", self.dask_fit_, "how the fit on a dask collection ran")
        if self.rank_ < lam.size:
            exp.suggestions.append("rank-deficient covariance: reduce dimension with PCA first.")
        return exp

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
