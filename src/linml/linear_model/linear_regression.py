"""Ordinary least squares by four solvers, with the choice made from shape and conditioning."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import scipy.linalg as sla
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted

from linml._base import Explanation, LinmlEstimator
from linml._validation import Interval, Options, validate_data
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg import lstsq
from linml.linear_model._least_squares import (
    add_conditioning_facts,
    centered_gram,
    cholesky_is_safe,
    cond_from_singular_values,
    gram_singular_values,
    output_coef,
    ridge_alpha_for_condition,
)

__all__ = ["LinearRegression"]

SOLVERS = ("auto", "qr", "cholesky", "svd", "gd")


@dataclass
class _OLSFit:
    """What a solver returns: β (p, k) and what it learned about the centered X."""

    B: np.ndarray
    rank: int | None
    S: np.ndarray | None
    cond: float | None
    solver: str
    reason: str
    n_iter: int | None = None


# ---------------------------------------------------------------------------- solvers
# Each takes the raw X (n, p), Yc (n, k) centered, and returns an _OLSFit; none validates.
def _fit_cholesky(X, Yc, fit_intercept, *, x_mean=None, G=None, XtY=None, S=None, reason="", **_):
    """Normal equations ``(XcᵀXc) β = XcᵀYc`` by Cholesky; σ from ``eigvalsh(XcᵀXc)``."""
    if G is None:
        G, XtY, _ = centered_gram(X, Yc, fit_intercept, x_mean)
        S = gram_singular_values(G)
    cond = cond_from_singular_values(S)
    eps = float(np.finfo(X.dtype).eps)
    p = X.shape[1]
    if not math.isfinite(cond) or cond * cond * eps >= 1.0:
        raise LinmlInputError(
            f"LinearRegression(solver='cholesky'): XᵀX is singular to working precision "
            f"(κ(X) ≈ {cond:.3g}, κ² · eps ≥ 1), so the normal equations cannot be solved; "
            "X is rank-deficient or nearly so. Use solver='svd' (minimum-norm) or 'qr'."
        )
    if not cholesky_is_safe(cond, X.dtype):
        warnings.warn(
            f"LinearRegression(solver='cholesky'): κ(X) ≈ {cond:.3g}, so the normal equations "
            f"square it to {cond * cond:.3g} and may lose about {2 * math.log10(cond):.0f} of "
            f"{-math.log10(eps):.0f} digits (κ² · eps > sqrt(eps)). Use solver='qr' or 'svd' "
            "(error ~ κ · eps) or standardize the features.",
            NumericalWarning,
            stacklevel=4,
        )
    c_and_lower = sla.cho_factor(G, lower=True, check_finite=False)  # G = L Lᵀ
    B = sla.cho_solve(c_and_lower, XtY, check_finite=False)  # L Lᵀ β = XcᵀYc
    return _OLSFit(B, p, S, cond, "cholesky", reason or "requested")


def _fit_qr(X, Yc, fit_intercept, *, x_mean=None, reason="", **_):
    """Column-pivoted QR of the centered X via :func:`linml.linalg.lstsq` (SVD if rank-deficient)."""
    Xc = X - x_mean if fit_intercept else X
    res = lstsq(Xc, Yc, method="qr")
    if res.method == "svd":
        return _OLSFit(
            res.coef,
            res.rank,
            res.singular_values,
            cond_from_singular_values(res.singular_values),
            "svd",
            "QR found X rank-deficient, fell back to SVD",
        )
    return _OLSFit(res.coef, res.rank, None, res.condition_number, "qr", reason or "requested")


def _fit_svd(X, Yc, fit_intercept, *, x_mean=None, rcond=None, reason="", **_):
    """Minimum-norm solution from the SVD (LAPACK ``gelsd``), cutting σ ≤ rcond · σ_max.

    ``gelsd`` solves without forming U and V (cheaper than ``linalg.svd`` + products) and
    returns the singular values and the rank.
    """
    Xc = X - x_mean if fit_intercept else X
    n, p = Xc.shape
    cut = max(n, p) * float(np.finfo(X.dtype).eps) if rcond is None else float(rcond)
    if Xc.size == 0 or not np.any(Xc):  # gelsd rejects an all-zero X; β = 0 is min-norm
        return _OLSFit(
            np.zeros((p, Yc.shape[1]), dtype=X.dtype),
            0,
            np.zeros(min(n, p), dtype=X.dtype),
            math.inf,
            "svd",
            reason or "requested",
        )
    B, _, rank, S = sla.lstsq(Xc, Yc, cond=cut, lapack_driver="gelsd", check_finite=False)
    cond = cond_from_singular_values(S) if rank == min(n, p) else math.inf
    return _OLSFit(B, int(rank), S, cond, "svd", reason or "requested")


def _fit_gd(X, Yc, fit_intercept, *, x_mean=None, tol=1e-10, max_iter=10000, reason="", **_):
    """Gradient descent ``β ← β − η Xcᵀ(Xc β − Yc)`` via :func:`linml.linalg.lstsq`."""
    Xc = X - x_mean if fit_intercept else X
    res = lstsq(Xc, Yc, method="gd", tol=tol, max_iter=max_iter)
    return _OLSFit(
        res.coef,
        res.rank,
        res.singular_values,
        res.condition_number,
        "gd",
        reason or "requested",
        n_iter=res.n_iter,
    )


def _fit_auto(X, Yc, fit_intercept, **kw):
    """Pick the solver from shape and conditioning (rule in :class:`LinearRegression` Notes)."""
    n, p = X.shape
    eps = float(np.finfo(X.dtype).eps)
    if n < 2 * p:
        return _fit_svd(
            X,
            Yc,
            fit_intercept,
            reason=f"n={n} < 2p={2 * p}: XᵀX saves little over a factorization of X, and "
            "SVD also reveals the rank",
            **kw,
        )
    G, XtY, _ = centered_gram(X, Yc, fit_intercept, kw.get("x_mean"))  # one SYRK: the probe
    S = gram_singular_values(G)
    cond = cond_from_singular_values(S)
    if cholesky_is_safe(cond, X.dtype):
        return _fit_cholesky(
            X,
            Yc,
            fit_intercept,
            G=G,
            XtY=XtY,
            S=S,
            x_mean=kw.get("x_mean"),
            reason=f"tall (n ≥ 2p) and κ ≈ {cond:.3g} ≤ eps^(-1/4): the normal equations "
            "keep at least half the digits and cost one Gram product",
        )
    if cond <= 0.1 / math.sqrt(eps):
        fit = _fit_qr(
            X,
            Yc,
            fit_intercept,
            reason=f"κ ≈ {cond:.3g} too large to square (κ² · eps > sqrt(eps)); QR's error "
            "grows only like κ · eps",
            **kw,
        )
        if fit.solver == "qr":  # the Gram probe resolved σ (κ < 0.1/sqrt(eps)): report them
            fit.S, fit.cond = S, cond
        return fit
    return _fit_svd(
        X,
        Yc,
        fit_intercept,
        reason=f"κ ≈ {cond:.3g} ≥ 0.1/sqrt(eps): X is rank-deficient or nearly so; SVD with "
        "a cutoff gives the minimum-norm solution",
        **kw,
    )


_SOLVER_FUNCS = {
    "auto": _fit_auto,
    "cholesky": _fit_cholesky,
    "qr": _fit_qr,
    "svd": _fit_svd,
    "gd": _fit_gd,
}


# ---------------------------------------------------------------------------- estimator
class LinearRegression(RegressorMixin, LinmlEstimator):
    """Ordinary least squares: ``min_β ‖Y − X β − 1 b₀ᵀ‖²`` by Cholesky, QR, SVD or GD.

    Parameters
    ----------
    solver : {'auto', 'qr', 'cholesky', 'svd', 'gd'}, default='auto'
        - ``'cholesky'``: normal equations ``(XcᵀXc) β = XcᵀYc`` (one Gram product plus a
          p×p Cholesky; error ~ κ² · eps). Warns :class:`linml.NumericalWarning` when
          ``κ² · eps > sqrt(eps)``; raises when ``κ² · eps ≥ 1``.
        - ``'qr'``: column-pivoted QR of ``Xc`` (error ~ κ · eps); falls back to SVD with a
          warning when ``R`` reveals rank deficiency.
        - ``'svd'``: minimum-norm solution, singular values below ``rcond · σ_max`` cut.
        - ``'gd'``: gradient descent from 0, step ``1/σ_max²``, until
          ``‖∇‖ ≤ tol · ‖XcᵀYc‖`` or ``max_iter``.
        - ``'auto'``: see Notes; the choice and why are in ``solver_`` / ``_explain()``.
    fit_intercept : bool, default=True
        Center ``X`` and ``Y`` and set ``intercept_ = ȳ − x̄ᵀβ``.
    rcond : float or None, default=None
        Relative singular value cutoff for ``'svd'``; default ``max(n, p) · eps``.
    tol : float, default=1e-10
        Relative gradient tolerance for ``'gd'``.
    max_iter : int, default=10000
        Iteration cap for ``'gd'``.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    rank_ : int or None
        Numerical rank of the centered ``X`` (``min(n, p)`` assumed by cholesky/gd).
    singular_values_ : ndarray of shape (min(n, p),) or None
        Singular values of the centered ``X``, descending (None for an explicit ``'qr'``).
    condition_number_ : float or None
        ``κ(Xc) = σ_max/σ_min`` (``inf`` when rank-deficient; for ``'qr'`` the pivoted-R
        estimate ``|R₀₀/R_pp|``).
    solver_ : str
        The solver that produced ``coef_``.
    n_iter_ : int
        Gradient-descent iterations for ``'gd'``; 1 for the direct solvers (one factorization).
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when fitted on a DataFrame

    Notes
    -----
    The ``'auto'`` rule, with ``κ = κ(Xc)`` and ``eps`` the working precision:

    1. ``n < 2p`` (wide or nearly square): ``'svd'`` — forming ``XᵀX`` saves little there,
       and a design with ``p ≥ n − 1`` (centered) is rank-deficient anyway.
    2. otherwise form ``G = XcᵀXc`` (one SYRK, ``n p²`` flops — no centered copy of X
       unless a column mean dominates its spread) and estimate ``κ = sqrt(λ_max/λ_min)``
       from ``eigvalsh(G)`` (``O(p³)``, small next to the product when ``n ≥ 2p``):

       - ``κ² · eps ≤ sqrt(eps)`` (κ ≤ 8.2e3 in float64): ``'cholesky'`` on ``G`` — the
         normal equations still keep half the digits, and this is the cheapest route;
       - ``κ ≤ 0.1 / sqrt(eps)`` (6.7e6): ``'qr'``, error ~ κ · eps;
       - beyond (``G`` cannot resolve ``λ_min``): ``'svd'`` with the ``rcond`` cutoff.

    float32 input is solved in float32 when ``κ ≤ 1/sqrt(eps₃₂) ≈ 2.9e3``; otherwise
    :class:`linml.NumericalWarning` is raised and the fit is redone in float64 (``coef_``
    is returned in float32 either way).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 3.0]])
    >>> y = 1.0 + X @ np.array([2.0, -1.0])
    >>> model = LinearRegression().fit(X, y)
    >>> np.round(model.coef_, 8), round(model.intercept_, 8), model.solver_
    (array([ 2., -1.]), 1.0, 'cholesky')
    >>> LinearRegression(solver="cholesky").fit(X, y).coef_.round(8)
    array([ 2., -1.])
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "solver": [Options(SOLVERS)],
        "fit_intercept": [bool, np.bool_],
        "rcond": [Interval(float, 0, None), None],
        "tol": [Interval(float, 0, None)],
        "max_iter": [Interval(int, 0, None)],
    }

    def __init__(
        self,
        solver: str = "auto",
        fit_intercept: bool = True,
        rcond: float | None = None,
        tol: float = 1e-10,
        max_iter: int = 10000,
    ) -> None:
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.rcond = rcond
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X: Any, y: Any) -> LinearRegression:
        """Fit by the chosen solver.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        self._check_params()
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True)
        in_dtype = X.dtype
        Y = np.asarray(y, dtype=X.dtype).reshape(X.shape[0], -1)  # (n, k)
        fit, x_mean, y_mean = self._solve(X, Y)
        self.upcast_ = False
        if in_dtype == np.float32 and not (
            fit.cond is not None and fit.cond <= 1.0 / math.sqrt(np.finfo(np.float32).eps)
        ):
            warnings.warn(
                f"LinearRegression: κ(X) ≈ {fit.cond:.3g} is too large for float32 "
                "(> 1/sqrt(eps₃₂) ≈ 2.9e3: fewer than half its 7 digits would survive); "
                "refitting in float64.",
                NumericalWarning,
                stacklevel=2,
            )
            fit, x_mean, y_mean = self._solve(X.astype(np.float64), Y.astype(np.float64))
            self.upcast_ = True
        B = fit.B.astype(in_dtype, copy=False)
        self.coef_, self.intercept_ = output_coef(
            B, x_mean.astype(in_dtype), y_mean.astype(in_dtype), np.ndim(y), self.fit_intercept
        )
        self.rank_ = fit.rank
        self.singular_values_ = fit.S
        self.condition_number_ = None if fit.cond is None else float(fit.cond)
        self.solver_ = fit.solver
        self.solver_reason_ = fit.reason
        self.n_iter_ = 1 if fit.n_iter is None else int(fit.n_iter)  # direct solvers: one pass
        return self

    def _solve(self, X: np.ndarray, Y: np.ndarray) -> tuple[_OLSFit, np.ndarray, np.ndarray]:
        y_mean = Y.mean(axis=0) if self.fit_intercept else np.zeros(Y.shape[1], dtype=Y.dtype)
        Yc = Y - y_mean  # targets are small: always center them explicitly
        x_mean = X.mean(axis=0) if self.fit_intercept else np.zeros(X.shape[1], dtype=X.dtype)
        fit = _SOLVER_FUNCS[self.solver](
            X,
            Yc,
            self.fit_intercept,
            x_mean=x_mean,
            rcond=self.rcond,
            tol=self.tol,
            max_iter=self.max_iter,
        )
        return fit, x_mean, y_mean

    def predict(self, X: Any) -> np.ndarray:
        """``ŷ = X βᵀ + b₀``; shape (n_samples,) or (n_samples, n_targets)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return X @ self.coef_.T + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

    def _explain(self) -> Explanation:
        check_is_fitted(self)
        expl = Explanation(title="LinearRegression (ordinary least squares)")
        expl.add("solver", self.solver_, self.solver_reason_)
        n_features = self.n_features_in_
        add_conditioning_facts(
            expl,
            S=self.singular_values_,
            cond=self.condition_number_,
            rank=self.rank_,
            n_features=n_features,
            dtype=self.coef_.dtype,
        )
        if self.solver_ == "gd":
            expl.add(
                "gradient-descent iterations",
                self.n_iter_,
                "each step shrinks the error along σ_i by |1 − σ_i²/σ_max²|; the slowest "
                "direction needs about κ² steps per factor e",
            )
        cond = self.condition_number_
        if cond is not None and not math.isfinite(cond):
            expl.verdict = (
                "X is rank-deficient: the coefficients are the minimum-norm solution among "
                "infinitely many that fit equally well"
            )
            expl.suggestions.append(
                "remove or merge collinear features, or use Ridge to pick a stable solution"
            )
        elif cond is not None and cond > 1e3:
            expl.verdict = (
                f"ill-conditioned (κ ≈ {cond:.3g}): small changes in y can move the "
                "coefficients a lot"
            )
            expl.suggestions.append(
                "standardize the features (StandardScaler) — different column scales inflate κ"
            )
            S = self.singular_values_
            if S is not None and S.size and S[0] > 0:
                lam = ridge_alpha_for_condition(S, 1e2)
                expl.suggestions.append(
                    f"Ridge(alpha≈{lam:.3g}) brings sqrt((σ_max² + λ)/(σ_min² + λ)) down to "
                    "100: λ = (σ_max² − 100² σ_min²)/(100² − 1)"
                )
        else:
            expl.verdict = (
                "well-conditioned: the coefficients are determined to near full precision"
            )
        if self.upcast_:
            expl.suggestions.append("float32 input was refit in float64 because of κ")
        return expl
