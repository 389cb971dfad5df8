"""ElasticNet: least squares with an ℓ1 + ℓ2 penalty, by coordinate descent.

The solver (:mod:`linml.linear_model._cd_solver`) runs compiled coordinate descent on
working sets grown from KKT violations, discards features with gap-safe screening,
extrapolates iterates with Anderson acceleration, switches to the Gram matrix when n ≫ p,
and stops on the duality gap.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted

from linml._base import Explanation, LinmlEstimator
from linml._validation import FLOAT_DTYPES, Interval, Options, validate_data
from linml.linear_model import _cd_kernels as K
from linml.linear_model._cd_solver import CDSolver, Design
from linml.linear_model._path import alpha_max_from_xty, prepare_targets, validate_cd_data

__all__ = ["ElasticNet"]

# the active set's Gram matrix is formed for the explanation only up to this size
_MAX_COND_FEATURES = 2000
# the explanation lists at most this many selected feature names
_MAX_LISTED = 20


class ElasticNet(RegressorMixin, LinmlEstimator):
    """Linear regression with combined ℓ1 and ℓ2 penalties (scikit-learn's scaling).

    Minimizes over β (and the intercept b when ``fit_intercept``)::

        (1/(2n))‖y − Xβ − b‖² + α·ρ‖β‖₁ + (α(1 − ρ)/2)‖β‖²

    with α = ``alpha`` and ρ = ``l1_ratio``. ρ = 1 is the Lasso; ρ = 0 is ridge regression
    with penalty (α/2)‖β‖², i.e. the solution of (X̃ᵀX̃/n + αI)β = X̃ᵀy_c/n.

    Parameters
    ----------
    alpha : float >= 0, default=1.0
        Overall penalty strength α. Above α_max = ‖X̃ᵀy_c‖∞/(nρ) every coefficient is 0.
    l1_ratio : float in [0, 1], default=0.5
        ρ, the share of the ℓ1 penalty.
    fit_intercept : bool, default=True
        Fit b by centering X and y. Centering is implicit: dense X is centered on the fly
        inside the kernels and sparse X through the column means — X is never copied or
        densified.
    precompute : bool or "auto", default="auto"
        Work on the Gram matrix X̃ᵀX̃ (one n·p² GEMM; then each coordinate update costs
        O(p) instead of O(n)). "auto": for dense X with n ≥ 2p and p ≤ 4096, start on X
        and build X̃ᵀX̃ only once coordinate descent has done n·p²/16 column entries of
        work — an easy fit (few epochs) never pays for the GEMM, a hard one pays at most
        about twice the faster of the two routes. ``solver_stats_["mode"]`` says which
        route finished the fit.
    max_iter : int >= 1, default=1000
        Maximum number of coordinate-descent epochs (passes over the current working set,
        plus one per outer gradient pass), summed over working sets; per target.
    tol : float >= 0, default=1e-4
        Stop when the duality gap of the n-scaled problem is ≤ tol·‖y_c‖², i.e. when the
        gap of the objective above is ≤ tol·‖y_c‖²/n — scikit-learn's rule, so the same
        ``tol`` means the same accuracy in both. The gap bounds the suboptimality:
        P(β) − P(β*) ≤ ``dual_gap_``.
    warm_start : bool, default=False
        Start from the previous ``coef_`` (same shape required) instead of zeros.
    positive : bool, default=False
        Constrain every coefficient to be ≥ 0.

    Attributes
    ----------
    coef_ : ndarray, shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray (n_targets,)
    dual_gap_ : float or ndarray (n_targets,)
        Duality gap reached, in the units of the objective above (an upper bound on
        P(coef_) − P(β*)).
    n_iter_ : int or ndarray (n_targets,)
        Coordinate-descent epochs used.
    alpha_max_ : float or ndarray (n_targets,)
        The smallest α with an all-zero solution.
    solver_stats_ : dict or list of dict
        Per target: ``n_screened`` (features proven zero by the gap-safe rule),
        ``working_set_size``, ``n_outer`` (gap checks), ``n_anderson`` (accepted
        extrapolations), ``mode`` ("dense", "sparse" or "gram"), ``active_condition_number``
        (κ of X̃_SᵀX̃_S/n + α(1 − ρ)I on the support S; NaN if S is empty or larger than
        2000).
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X had string column names

    Notes
    -----
    The kernels minimize the n-scaled problem P(β) = ½‖y_c − X̃β‖² + l1‖β‖₁ + (l2/2)‖β‖² with
    l1 = nαρ and l2 = nα(1 − ρ). A coordinate step for feature j with z = x̃_jᵀr + ‖x̃_j‖²β_j
    (r = y_c − X̃β) is β_j ← S(z, l1)/(‖x̃_j‖² + l2), S the soft threshold. The intercept is
    b = ȳ − x̄ᵀβ. Work is done in float64; float32 input gives float32 ``coef_``.

    Examples
    --------
    >>> import numpy as np
    >>> from linml.linear_model import ElasticNet
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 10))
    >>> y = X[:, 0] * 3 - 2 * X[:, 1] + 0.1 * rng.standard_normal(100)
    >>> model = ElasticNet(alpha=0.1, l1_ratio=0.7).fit(X, y)
    >>> np.flatnonzero(model.coef_).tolist()
    [0, 1]
    >>> bool(model.dual_gap_ <= 1e-4 * np.sum((y - y.mean()) ** 2) / 100)
    True
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "alpha": [Interval(float, 0, None)],
        "l1_ratio": [Interval(float, 0, 1)],
        "fit_intercept": [bool],
        "precompute": [bool, Options(("auto",))],
        "max_iter": [Interval(int, 1, None)],
        "tol": [Interval(float, 0, None)],
        "warm_start": [bool],
        "positive": [bool],
    }
    # private switches for tests and benchmarks (not parameters): turn the accelerations off
    _screening: bool = True
    _working_sets: bool = True
    _anderson: int = 5

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        precompute: bool | str = "auto",
        max_iter: int = 1000,
        tol: float = 1e-4,
        warm_start: bool = False,
        positive: bool = False,
    ) -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive

    def _rho(self) -> float:
        return float(self.l1_ratio)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X: Any, y: Any) -> ElasticNet:
        """Fit the model by coordinate descent.

        Parameters
        ----------
        X : array-like or sparse matrix, shape (n_samples, n_features)
            Dense input is used in Fortran order (copied once if it is not); sparse input
            is converted to CSC, never densified.
        y : array-like, shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        self._check_params()
        rho = self._rho()
        X, y = validate_cd_data(self, X, y, multi_output=True)
        if self.alpha == 0:
            warnings.warn(
                f"{type(self).__name__}: alpha=0 is ordinary least squares, which coordinate "
                "descent solves slowly; use linml.linear_model.LinearRegression instead.",
                UserWarning,
                stacklevel=2,
            )
        n = X.shape[0]
        Y = np.asarray(y, dtype=np.float64).reshape(n, -1)
        n_targets = Y.shape[1]
        design, Yc, y_mean, XtY = prepare_targets(X, Y, self.fit_intercept, self.precompute)
        init = self._initial_coef(n_targets, design.n_features)
        l1 = n * self.alpha * rho
        l2 = n * self.alpha * (1.0 - rho)
        coef = np.zeros((n_targets, design.n_features))
        gaps = np.zeros(n_targets)
        iters = np.zeros(n_targets, dtype=np.int64)
        stats = []
        for k in range(n_targets):
            solver = CDSolver(
                design,
                Yc[:, k],
                None if init is None else init[k],
                XtY[:, k],
                screening=self._screening,
                working_sets=self._working_sets,
                anderson=self._anderson,
            )
            res = solver.solve(l1, l2, positive=self.positive, tol=self.tol, max_iter=self.max_iter)
            if not res.converged:
                warnings.warn(
                    f"{type(self).__name__}: coordinate descent stopped at max_iter="
                    f"{self.max_iter} epochs with duality gap {res.gap / n:.3e} > tolerance "
                    f"{self.tol * solver.yy / n:.3e}; increase max_iter, or tol, or alpha, "
                    "or standardize X.",
                    ConvergenceWarning,
                    stacklevel=2,
                )
            coef[k] = solver.beta
            gaps[k] = res.gap / n
            iters[k] = res.n_iter
            stats.append(
                {
                    "mode": {K.DENSE: "dense", K.SPARSE: "sparse", K.GRAM: "gram"}[design.mode],
                    "n_screened": res.n_screened,
                    "working_set_size": res.ws_size,
                    "n_outer": res.n_outer,
                    "n_anderson": res.n_anderson,
                    "active_condition_number": _active_condition(
                        design, solver.beta, self.alpha * (1.0 - rho)
                    ),
                }
            )
        amax = [
            alpha_max_from_xty(XtY[:, k], n, rho, self.positive) if rho > 0 else float("inf")
            for k in range(n_targets)
        ]
        intercept = y_mean - coef @ design.x_mean if self.fit_intercept else np.zeros(n_targets)
        out_dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
        single = np.ndim(y) == 1
        self.coef_ = (coef[0] if single else coef).astype(out_dtype)
        self.intercept_ = float(intercept[0]) if single else intercept.astype(out_dtype)
        self.dual_gap_ = float(gaps[0]) if single else gaps
        self.n_iter_ = int(iters[0]) if single else iters
        self.alpha_max_ = float(amax[0]) if single else np.asarray(amax)
        self.solver_stats_ = stats[0] if single else stats
        return self

    def _initial_coef(self, n_targets: int, n_features: int) -> np.ndarray | None:
        if not self.warm_start or not hasattr(self, "coef_"):
            return None
        prev = np.asarray(self.coef_, dtype=np.float64).reshape(-1, n_features)
        if prev.shape != (n_targets, n_features):
            return None
        return prev

    def predict(self, X: Any) -> np.ndarray:
        """ŷ = Xβ + b.

        Parameters
        ----------
        X : array-like or sparse matrix, shape (n_samples, n_features)

        Returns
        -------
        ndarray, shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse=True, dtype=FLOAT_DTYPES)
        coef = np.asarray(self.coef_)
        return np.asarray(safe_sparse_dot(X, coef.T, dense_output=True)) + self.intercept_

    def _explain(self) -> Explanation:
        """Support size, α against α_max, the duality gap, conditioning, screening."""
        check_is_fitted(self)
        coef = np.atleast_2d(np.asarray(self.coef_))
        stats = self.solver_stats_ if isinstance(self.solver_stats_, dict) else None
        stats = stats or self.solver_stats_[0]
        amax = float(np.atleast_1d(self.alpha_max_)[0])
        gap = float(np.atleast_1d(self.dual_gap_)[0])
        support = int(np.count_nonzero(coef[0]))
        p = coef.shape[1]
        ex = Explanation(title=f"{type(self).__name__}(alpha={self.alpha:g})")
        if coef.shape[0] > 1:
            ex.add("targets", coef.shape[0], "figures below are for target 0")
        ex.add(
            "support size",
            f"{support} of {p}",
            "the ℓ1 corners set the other coefficients exactly to zero",
        )
        if support:
            names = getattr(self, "feature_names_in_", None)
            chosen = np.flatnonzero(coef[0])
            labels = [str(names[j]) if names is not None else f"x{j}" for j in chosen]
            shown = ", ".join(labels[:_MAX_LISTED])
            more = f", … ({support - _MAX_LISTED} more)" if support > _MAX_LISTED else ""
            ex.add("selected features", shown + more, "the features with a nonzero coefficient")
        ratio = self.alpha / amax if np.isfinite(amax) and amax > 0 else float("nan")
        ex.add(
            "alpha / alpha_max",
            ratio,
            f"alpha_max = {amax:.4g} is the smallest alpha with an all-zero solution",
        )
        ex.add(
            "duality gap",
            gap,
            "certifies objective(coef_) − optimum ≤ this value",
        )
        ex.add(
            "active-set condition number",
            stats["active_condition_number"],
            "κ of X̃_SᵀX̃_S/n + α(1−ρ)I on the support S: large means the chosen features are "
            "nearly collinear and which of them is kept is fragile",
        )
        ex.add(
            "screened features",
            f"{stats['n_screened']} of {p}",
            "proven zero at the optimum by the gap-safe sphere test and removed from the problem",
        )
        ex.add("solver", stats["mode"], f"{self.n_iter_} coordinate-descent epochs")
        if support == 0:
            ex.verdict = "alpha ≥ alpha_max: the model predicts the mean; lower alpha."
        elif np.isfinite(stats["active_condition_number"]) and (
            stats["active_condition_number"] > 1e8
        ):
            ex.verdict = "the selected features are nearly collinear."
            ex.suggestions.append("raise the ℓ2 share (lower l1_ratio) to stabilize selection.")
        else:
            ex.verdict = f"a sparse model on {support} features."
        return ex


def _active_condition(design: Design, beta: np.ndarray, l2_alpha: float) -> float:
    """κ(X̃_SᵀX̃_S/n + α(1−ρ)I) on the support S (NaN if empty or too large)."""
    S = np.flatnonzero(beta)
    if S.size == 0 or S.size > _MAX_COND_FEATURES:
        return float("nan")
    n = design.n_samples
    if design.mode == K.GRAM:
        G = design.Xf.reshape(design.n_features, design.n_features, order="F")[np.ix_(S, S)]
    elif design.mode == K.SPARSE:
        XS = design.X[:, S]
        G = np.asarray((XS.T @ XS).todense())
        if design.center:  # X̃_SᵀX̃_S = X_SᵀX_S − n μ_S μ_Sᵀ
            G -= n * np.outer(design.x_mean[S], design.x_mean[S])
    else:
        XS = design.X[:, S] - design.x_mean[S]
        G = XS.T @ XS
    A = 0.5 * (G + G.T) / n + l2_alpha * np.eye(S.size)  # symmetrize against round-off
    w = np.linalg.eigvalsh(A)
    if w[0] <= 0:
        return float("inf")
    return float(w[-1] / w[0])
