"""Ridge regression: least squares with an ℓ2 penalty, and what the penalty does to the spectrum."""

from __future__ import annotations

import math
import warnings
from typing import Any, ClassVar

import numpy as np
import scipy.linalg as sla
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted

from linml._base import Explanation, LinmlEstimator
from linml._dask import is_dask_collection
from linml._validation import Interval, Options, validate_data
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg import svd
from linml.linalg._scaling import check_squares_finite
from linml.linear_model._least_squares import (
    GramProblem,
    LinearPredictorMixin,
    accumulate_block,
    add_conditioning_facts,
    add_dask_fact,
    add_partial_fit_fact,
    center,
    centered_gram,
    cond_from_singular_values,
    dask_problem,
    dask_tsqr,
    gram_pinv_solve,
    gram_singular_values,
    output_coef,
    ridge_alpha_for_condition,
    start_fit,
)

__all__ = ["Ridge"]

SOLVERS = ("auto", "cholesky", "svd")

#: The spectrum (eigvalsh of the m×m Gram, m = min(n, p)) is computed alongside a Cholesky
#: fit when it costs little next to the Gram product: m ≤ 512 or max(n, p) ≥ 8 m.
SPECTRUM_MAX_SIZE = 512


# ---------------------------------------------------------------------------- solvers
def _alpha_groups(alphas: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """Distinct penalties and the target columns that use each (one factorization per α)."""
    return [(float(a), np.flatnonzero(alphas == a)) for a in np.unique(alphas)]


def _cho_factor_checked(A: np.ndarray) -> tuple[np.ndarray, bool]:
    """``A = L Lᵀ``, raising ``LinAlgError`` also when A is singular to working precision.

    Cholesky of a positive *semi*-definite matrix can "succeed" through round-off; LAPACK
    ``pocon`` (O(m²)) estimates ``1/κ₁(A)`` from the factor and catches that.
    """
    norm1 = float(np.abs(A).sum(axis=0).max()) if A.size else 0.0
    c, lower = sla.cho_factor(A, lower=True, overwrite_a=True, check_finite=False)
    pocon = sla.get_lapack_funcs("pocon", (c,))
    rcond, info = pocon(c, norm1, uplo="L")
    if info != 0 or rcond <= A.shape[0] * np.finfo(A.dtype).eps:
        raise np.linalg.LinAlgError(f"matrix is singular to working precision (rcond={rcond:.3g})")
    return c, lower


def _solve_primal(G: np.ndarray, XtY: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """``(XcᵀXc + α I) β = XcᵀYc`` by Cholesky, one factorization per distinct α."""
    B = np.empty_like(XtY)
    for a, cols in _alpha_groups(alphas):
        A = G.copy()
        A.flat[:: A.shape[0] + 1] += a  # XcᵀXc + α I
        factor = _cho_factor_checked(A)
        B[:, cols] = sla.cho_solve(factor, XtY[:, cols], check_finite=False)
    return B


def _solve_dual(Xc: np.ndarray, K: np.ndarray, Yc: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """``β = Xcᵀ (Xc Xcᵀ + α I)⁻¹ Yc`` — the n×n form, cheaper when p > n."""
    B = np.empty((Xc.shape[1], Yc.shape[1]), dtype=Xc.dtype)
    for a, cols in _alpha_groups(alphas):
        A = K.copy()
        A.flat[:: A.shape[0] + 1] += a  # Xc Xcᵀ + α I
        factor = _cho_factor_checked(A)
        B[:, cols] = Xc.T @ sla.cho_solve(factor, Yc[:, cols], check_finite=False)
    return B


def _solve_svd(Xc: np.ndarray, Yc: np.ndarray, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``β = V diag(σ/(σ² + α)) Uᵀ Yc`` from one thin SVD (σ ≈ 0 ⇒ that direction dropped)."""
    U, S, Vt = svd(Xc)
    UtY = U.T @ Yc  # (r, k)
    # σ at round-off level (≤ max(n, p)·eps·σ_max) is a zero: dropped, as lstsq's rcond does
    keep = S > max(Xc.shape) * np.finfo(Xc.dtype).eps * (S[0] if S.size else 0.0)
    denom = S[:, None] ** 2 + alphas[None, :]  # (r, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        F = np.where(keep[:, None], S[:, None] / denom, 0.0)  # filter factors σ/(σ² + α)
    return Vt.T @ (F * UtY), S


# ---------------------------------------------------------------------------- estimator
class Ridge(LinearPredictorMixin, RegressorMixin, LinmlEstimator):
    """Ridge regression: ``min_β ‖Yc − Xc β‖² + α ‖β‖²`` (intercept unpenalized).

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
        Penalty ``α ≥ 0``; one per target column allowed.
    fit_intercept : bool, default=True
        Center ``X`` and ``Y``; ``intercept_ = ȳ − x̄ᵀβ``.
    solver : {'auto', 'cholesky', 'svd'}, default='auto'
        - ``'cholesky'``: ``(XcᵀXc + α I) β = XcᵀYc`` when n ≥ p, else the dual
          ``β = Xcᵀ (Xc Xcᵀ + α I)⁻¹ Yc``; one Cholesky per distinct α. Raises when the
          matrix is not positive definite (α = 0 and rank-deficient X).
        - ``'svd'``: ``β = V diag(σ/(σ² + α)) Uᵀ Yc`` from the thin SVD of ``Xc``.
        - ``'auto'``: ``'cholesky'``, falling back to ``'svd'`` with a
          :class:`linml.NumericalWarning` if the factorization fails.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    singular_values_ : ndarray of shape (min(n, p),) or None
        σ of the centered X, descending.
    shrinkage_factors_ : ndarray of shape (min(n, p),) or (n_targets, min(n, p)), or None
        ``σ_i² / (σ_i² + α)``: the fraction of the least-squares component along each
        principal direction that ridge keeps. 2-D when ``alpha`` is an array.
    effective_dof_ : float or ndarray of shape (n_targets,) or None
        ``Σ_i σ_i²/(σ_i² + α) = tr(H)`` — degrees of freedom of the fit (p at α = 0).
    condition_number_ : float or None
        ``κ(Xc) = σ_max/σ_min`` before the shift.
    condition_number_ridge_ : float or ndarray of shape (n_targets,) or None
        ``sqrt((σ_max² + α)/(σ_min² + α))`` — the condition of the augmented design
        ``[Xc; sqrt(α) I]``; the system ``XcᵀXc + α I`` that Cholesky solves has its square.
    solver_ : str
    n_features_in_ : int
    dask_info_ : str or None
        For a dask fit: row blocks, scheduler, workers and route; None otherwise.
    n_samples_seen_ : int or None
        Rows accumulated by :meth:`partial_fit` (None after ``fit``).

    The spectral attributes are None when the Cholesky route skips the spectrum because it
    would cost more than the fit (``min(n, p) > 512`` and ``max(n, p) < 8 min(n, p)``);
    ``solver='svd'`` always computes them.

    Notes
    -----
    With ``Xc = U diag(σ) Vᵀ`` the ridge solution is ``β = Σ_i σ_i/(σ_i² + α) v_i u_iᵀYc``:
    each least-squares component ``u_iᵀYc / σ_i`` is multiplied by the shrinkage factor
    ``σ_i²/(σ_i² + α)``, which is ≈ 1 for strong directions (σ_i² ≫ α) and ≈ 0 for weak
    ones — exactly the directions where OLS amplifies noise by ``1/σ_i``.

    float32 input is solved in float32 when ``κ_ridge² · eps₃₂ ≤ sqrt(eps₃₂)``; otherwise a
    :class:`linml.NumericalWarning` is raised and the fit is redone in float64.

    **Dask input and partial_fit.** A dask ``X`` is reduced in one pass to the centered
    ``G = XcᵀXc`` and ``XtY = XcᵀYc``, merged across row blocks by Chan, Golub & LeVeque's
    update ``S = S_a + S_b + δδᵀ n_a n_b/(n_a + n_b)`` with ``δ = x̄_b − x̄_a``; then
    ``(G + α I) β = XtY`` by Cholesky as in memory. For ``solver='svd'`` (or the α = 0
    fallback) a second pass runs ``da.linalg.tsqr`` on ``[Xc | Yc]`` and ``β = V diag(σ/(σ²
    + α)) Uᵀ QᵀYc`` from the SVD of its p×p ``R = U diag(σ) Vᵀ``. :meth:`partial_fit`
    merges in-memory blocks the same way and re-solves after each call.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])
    >>> y = np.array([1.0, 2.0, 3.0, 4.0])
    >>> model = Ridge(alpha=1.0).fit(X, y)
    >>> np.round(model.coef_, 6)
    array([0.666667, 0.857143])
    >>> np.round(model.shrinkage_factors_, 4), round(model.effective_dof_, 4)
    (array([0.6667, 0.4286]), 1.0952)
    >>> stream = Ridge(alpha=1.0).partial_fit(X[:3], y[:3]).partial_fit(X[3:], y[3:])
    >>> np.round(stream.coef_, 6)
    array([0.666667, 0.857143])
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "alpha": [Interval(float, 0, None, finite=True), "array-like"],
        "fit_intercept": [bool, np.bool_],
        "solver": [Options(SOLVERS)],
    }

    def __init__(self, alpha: Any = 1.0, fit_intercept: bool = True, solver: str = "auto") -> None:
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver

    def _alphas(self, n_targets: int) -> np.ndarray:
        """``alpha`` broadcast to one penalty per target, shape (n_targets,)."""
        a = np.asarray(self.alpha, dtype=np.float64)
        if a.ndim > 1 or (a.ndim == 1 and a.size not in (1, n_targets)):
            raise LinmlInputError(
                f"Ridge: alpha has shape {a.shape} but y has {n_targets} target column(s); "
                "pass one alpha, or a 1-D array with one per target column."
            )
        return np.broadcast_to(a.reshape(-1) if a.ndim else a, (n_targets,)).copy()

    def fit(self, X: Any, y: Any) -> Ridge:
        """Fit the ridge coefficients.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            A dask ``X`` (or dask DataFrame) is reduced in one pass to ``G = XcᵀXc`` and
            ``XtY = XcᵀYc`` (see the notes).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            With a 1-D ``alpha``, ``alpha[k]`` penalizes target column ``k``.

        Returns
        -------
        self
        """
        start_fit(self)
        if is_dask_collection(X):
            return self._fit_problem(dask_problem("Ridge", X, y, self.fit_intercept))
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True)
        check_squares_finite(X, "Ridge")
        self.dask_info_ = None
        in_dtype = X.dtype
        Y = np.asarray(y, dtype=X.dtype).reshape(X.shape[0], -1)  # (n, k)
        alphas = self._alphas(Y.shape[1])
        B, S, solver, x_mean, y_mean = self._solve(X, Y, alphas)
        self.upcast_ = False
        if in_dtype == np.float32 and S is not None:
            eps = float(np.finfo(np.float32).eps)
            k2 = (S[0] ** 2 + alphas) / (S[-1] ** 2 + alphas) if S.size else np.ones(1)
            if not np.all(np.nan_to_num(k2, nan=np.inf) * eps <= math.sqrt(eps)):
                warnings.warn(
                    f"Ridge: κ(XᵀX + αI) ≈ {float(np.max(k2)):.3g} is too large for float32 "
                    "(κ · eps₃₂ > sqrt(eps₃₂)); refitting in float64.",
                    NumericalWarning,
                    stacklevel=2,
                )
                B, S, solver, x_mean, y_mean = self._solve(
                    X.astype(np.float64), Y.astype(np.float64), alphas
                )
                self.upcast_ = True
        self.coef_, self.intercept_ = output_coef(
            B.astype(in_dtype, copy=False),
            x_mean.astype(in_dtype),
            y_mean.astype(in_dtype),
            np.ndim(y),
            self.fit_intercept,
        )
        self.solver_ = solver
        self._set_spectrum(S, alphas)
        return self

    def partial_fit(self, X: Any, y: Any) -> Ridge:
        """Add a block of rows and refit from the merged statistics (streaming, no cluster).

        The block's :class:`~linml.linalg.gram_stats.GramStats` are merged into the running
        ones by Chan's update, then ``(XcᵀXc + α I) β = XcᵀYc`` is solved again by Cholesky
        (one p×p factorization), so ``coef_`` is available after every call. ``fit`` discards
        the accumulated rows.

        Parameters
        ----------
        X : array-like of shape (n_block, n_features)
        y : array-like of shape (n_block,) or (n_block, n_targets)

        Returns
        -------
        self
        """
        self._fit_problem(accumulate_block(self, X, y))
        self.n_samples_seen_ = self._partial_stats.n
        return self

    def _fit_problem(self, pr: GramProblem) -> Ridge:
        """Fitted attributes from a :class:`GramProblem` (dask input or partial_fit).

        ``(G + α I) β = XtY`` by Cholesky on the merged Gram. Where the in-memory path falls
        back to the SVD (α = 0 and a singular Gram), or for ``solver='svd'``, a dask fit runs
        a tall-skinny QR of ``[Xc | Yc]`` and solves ``β = V diag(σ/(σ² + α)) Uᵀ QᵀYc`` from
        the SVD of its p×p ``R = U diag(σ) Vᵀ`` (the σ of ``Xc``); a streaming fit solves
        the Gram by its eigendecomposition (minimum norm).
        """
        alphas = self._alphas(pr.XtY.shape[1])
        S = gram_singular_values(pr.G)
        solver = "cholesky"
        try:
            if self.solver == "svd" and pr.X is not None:
                raise np.linalg.LinAlgError("svd requested")
            B = _solve_primal(pr.G, pr.XtY, alphas)
        except np.linalg.LinAlgError as e:
            if self.solver == "cholesky":
                raise self._cholesky_error() from e
            if self.solver == "auto":
                warnings.warn(
                    f"Ridge(alpha={self.alpha!r}): XᵀX + αI is not positive definite "
                    "(rank-deficient X with α = 0); falling back to the minimum-norm solution"
                    f"{' (TSQR + SVD)' if pr.X is not None else ' (eigh of the merged Gram)'}.",
                    NumericalWarning,
                    stacklevel=3,
                )
            if pr.X is not None:
                R, QtY = dask_tsqr(pr)
                B, S = _solve_svd(R, QtY, alphas)
                solver = "svd"
                pr.info.route = "tall-skinny QR (da.linalg.tsqr) of the centered [X | y], SVD of R"
            else:
                B = np.empty_like(pr.XtY)
                for a, cols in _alpha_groups(alphas):
                    A = pr.G.copy()
                    A.flat[:: A.shape[0] + 1] += a  # XcᵀXc + α I
                    B[:, cols] = gram_pinv_solve(A, pr.XtY[:, cols], pr.n)[0]
                solver = "gram-eigh"
        self.coef_, self.intercept_ = pr.output(B, self.fit_intercept)
        pr.describe_input(self)
        self.solver_ = solver
        self.upcast_ = False
        self._set_spectrum(S, alphas)
        return self

    def _cholesky_error(self) -> LinmlInputError:
        """The error of ``solver='cholesky'`` when ``XᵀX + αI`` is not positive definite."""
        return LinmlInputError(
            f"Ridge(solver='cholesky', alpha={self.alpha!r}): XᵀX + αI is not "
            "positive definite — X is rank-deficient and α = 0 does not fix it. "
            "Use alpha > 0 or solver='svd' (minimum-norm)."
        )

    def _solve(self, X: np.ndarray, Y: np.ndarray, alphas: np.ndarray):
        n, p = X.shape
        alphas_w = alphas.astype(X.dtype)
        m, big = min(n, p), max(n, p)
        want_spectrum = m <= SPECTRUM_MAX_SIZE or big >= 8 * m
        y_mean = Y.mean(axis=0) if self.fit_intercept else np.zeros(Y.shape[1], dtype=Y.dtype)
        Yc = Y - y_mean
        x_mean = X.mean(axis=0) if self.fit_intercept else np.zeros(p, dtype=X.dtype)
        if self.solver != "svd":
            try:
                if n >= p:
                    G, XtY, _ = centered_gram(X, Yc, self.fit_intercept, x_mean)
                    S = gram_singular_values(G) if want_spectrum else None
                    return _solve_primal(G, XtY, alphas_w), S, "cholesky", x_mean, y_mean
                Xc, _, _, _ = center(X, Yc, self.fit_intercept)
                K = Xc @ Xc.T  # (n, n) dual Gram
                K = (K + K.T) / 2  # symmetrize: round-off
                S = gram_singular_values(K) if want_spectrum else None
                return _solve_dual(Xc, K, Yc, alphas_w), S, "cholesky", x_mean, y_mean
            except np.linalg.LinAlgError as e:
                if self.solver == "cholesky":
                    raise self._cholesky_error() from e
                warnings.warn(
                    f"Ridge(alpha={self.alpha!r}): XᵀX + αI is not positive definite "
                    "(rank-deficient X with α = 0); falling back to the SVD (minimum-norm) "
                    "solution.",
                    NumericalWarning,
                    stacklevel=3,
                )
        Xc, _, _, _ = center(X, Yc, self.fit_intercept)
        B, S = _solve_svd(Xc, Yc, alphas_w)
        return B, S, "svd", x_mean, y_mean

    def _set_spectrum(self, S: np.ndarray | None, alphas: np.ndarray) -> None:
        per_target = np.ndim(self.alpha) > 0
        self.singular_values_ = S
        if S is None:
            self.shrinkage_factors_ = None
            self.effective_dof_ = None
            self.condition_number_ = None
            self.condition_number_ridge_ = None
            return
        S64 = S.astype(np.float64)
        self.condition_number_ = cond_from_singular_values(S64)
        with np.errstate(divide="ignore", invalid="ignore"):
            F = np.where(
                S64[None, :] > 0, S64[None, :] ** 2 / (S64[None, :] ** 2 + alphas[:, None]), 0.0
            )  # (k, r) shrinkage σ²/(σ² + α)
            if S64.size:
                kr = np.sqrt((S64[0] ** 2 + alphas) / (S64[-1] ** 2 + alphas))
            else:
                kr = np.ones_like(alphas)
        kr = np.nan_to_num(kr, nan=np.inf)
        if per_target:
            self.shrinkage_factors_ = F
            self.effective_dof_ = F.sum(axis=1)
            self.condition_number_ridge_ = kr
        else:
            self.shrinkage_factors_ = F[0]
            self.effective_dof_ = float(F[0].sum())
            self.condition_number_ridge_ = float(kr[0])

    def _explain(self) -> Explanation:
        check_is_fitted(self)
        expl = Explanation(title=f"Ridge (alpha={self.alpha!r})")
        expl.add(
            "solver",
            self.solver_,
            {
                "cholesky": "Cholesky of XᵀX + αI (one Gram product)",
                "svd": "thin SVD of the centered X: β = V diag(σ/(σ² + α)) Uᵀy",
                "gram-eigh": "eigendecomposition of the streamed XcᵀXc + αI (minimum norm)",
            }[self.solver_],
        )
        add_dask_fact(expl, getattr(self, "dask_info_", None))
        add_partial_fit_fact(expl, getattr(self, "n_samples_seen_", None))
        S = self.singular_values_
        rank = None if S is None else int(np.sum(S > max(S.shape) * np.finfo(S.dtype).eps * S[0]))
        add_conditioning_facts(
            expl,
            S=S,
            cond=self.condition_number_,
            rank=rank,
            n_features=self.n_features_in_,
            dtype=self.coef_.dtype,
        )
        if S is None:
            expl.add(
                "spectrum",
                "not computed",
                "the Cholesky route skipped eigvalsh because it would cost more than the fit; "
                "use solver='svd' to see the shrinkage factors",
            )
            return expl
        expl.add(
            "condition number after the shift",
            self.condition_number_ridge_,
            "sqrt((σ_max² + α)/(σ_min² + α)) for the augmented design [X; √α I]; "
            "the Cholesky system XᵀX + αI has its square",
        )
        expl.add(
            "shrinkage factors σ²/(σ² + α)",
            self.shrinkage_factors_,
            "≈1 keeps a principal direction, ≈0 suppresses it",
        )
        expl.add(
            "effective degrees of freedom",
            self.effective_dof_,
            f"Σ σ²/(σ² + α) = tr(H), of {S.size} for least squares",
        )
        dof = float(np.min(self.effective_dof_))
        expl.verdict = (
            f"ridge keeps about {dof:.2f} of {S.size} directions' worth of the least-squares fit"
        )
        kr = float(np.max(self.condition_number_ridge_))
        if kr > 1e3 and S.size and S[0] > 0:
            expl.suggestions.append(
                f"alpha ≈ {ridge_alpha_for_condition(S, 1e2):.3g} brings "
                "sqrt((σ_max² + α)/(σ_min² + α)) down to 100"
            )
        expl.suggestions.append(
            "standardize the features first: the penalty α‖β‖² treats every column's scale alike"
        )
        return expl
