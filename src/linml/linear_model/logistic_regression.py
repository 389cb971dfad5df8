"""Logistic regression: the log-loss minimized by Newton/IRLS (weighted least squares) or L-BFGS."""

from __future__ import annotations

import math
import warnings
from typing import Any, ClassVar

import numpy as np
from scipy.special import logsumexp
from sklearn.base import ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from linml._base import Explanation, LinmlEstimator
from linml._validation import Interval, Options, validate_data
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linear_model._logistic import (
    LogisticFit,
    LogisticProblem,
    choose_solver,
    fit_lbfgs,
    fit_newton,
    hessian_facts,
    quasi_separation_after_lbfgs,
    standard_errors,
)

__all__ = ["LogisticRegression"]

SOLVERS = ("auto", "newton", "lbfgs")
PENALTIES = ("l2", None)

_SOLVER_FUNCS = {"newton": fit_newton, "lbfgs": fit_lbfgs}

#: The Hessian's spectrum is reported after an L-BFGS fit only when it is this small
#: (it costs one weighted Gram product, n m², and an m×m eigh); Newton has it anyway.
LBFGS_SPECTRUM_MAX = 512
#: Features named as spanning a separating or least-determined direction, at most.
MAX_NAMED = 5


def _feature_label(names: Any, j: int, p: int) -> str:
    if j == p:
        return "intercept"
    return str(names[j]) if names is not None else f"x{j}"


def _combination(v: np.ndarray, labels: list[str], k: int = MAX_NAMED) -> str:
    """``0.71·a − 0.70·b + …``: the largest components of a unit vector, by name."""
    order = np.argsort(-np.abs(v), kind="stable")[:k]
    parts = []
    for rank, j in enumerate(order):
        c = float(v[j])
        sign = "−" if c < 0 else ("+" if rank else "")
        parts.append(
            f"{sign} {abs(c):.2f}·{labels[j]}" if rank else f"{sign}{abs(c):.2f}·{labels[j]}"
        )
    rest = " + …" if v.size > k else ""
    return " ".join(parts) + rest


class LogisticRegression(ClassifierMixin, LinmlEstimator):
    """Logistic regression: ``min_Θ Σ_i s_i ℓ_i + (1/(2C)) ‖B‖²`` (intercepts unpenalized).

    Two classes: one predictor ``η = Xβ + b``, ``P(y = classes_[1]) = σ(η)``,
    ``ℓ = log(1 + e^η) − yη``. K > 2 classes: the symmetric softmax, one row
    ``[β_k, b_k]`` per class, ``P(k) = e^{η_k} / Σ_l e^{η_l}``, ``ℓ = logsumexp(η) − η_y``.
    ``s_i = sample_weight_i · class_weight[y_i]``; the objective is scikit-learn's
    (``C`` multiplies the loss *sum*), so coefficients are directly comparable.

    Parameters
    ----------
    C : float, default=1.0
        Inverse penalty ``C = 1/λ > 0``; ``C=np.inf`` is the same as ``penalty=None``.
    penalty : {'l2', None}, default='l2'
        ``None``: maximum likelihood, ``λ = 0`` (``C`` ignored). The MLE does not exist for
        separated data; that is detected and warned about (see Notes).
    fit_intercept : bool, default=True
        Add an unpenalized intercept per linear predictor.
    solver : {'auto', 'newton', 'lbfgs'}, default='auto'
        - ``'newton'``: damped Newton / IRLS — each step solves the weighted least-squares
          system ``(X̃ᵀWX̃ + λĨ) Δ = X̃ᵀ(s ∘ (y − p)) − λĨθ`` by Cholesky (minimum-norm
          lstsq when singular), with an Armijo backtracking line search on ``f``.
          Multinomial: the full ``K(p+1)`` block Hessian.
        - ``'lbfgs'``: scipy's L-BFGS-B on ``f/S`` with the analytic gradient.
        - ``'auto'``: by shape, see Notes; ``solver_`` and ``solver_reason_`` say which.
    tol : float, default=1e-8
        Stop when ``‖∇f‖_∞ / S ≤ tol`` (``S = Σ s_i``): the gradient of the weight-averaged
        objective, scikit-learn's ``gtol`` scale.
    max_iter : int, default=100
        Newton steps or L-BFGS iterations at most.
    class_weight : dict, 'balanced' or None, default=None
        Per-class multiplier of ``sample_weight``; ``'balanced'``:
        ``S / (K · Σ_{i: y_i = k} sample_weight_i)``.

    Attributes
    ----------
    classes_ : ndarray of shape (K,)
    coef_ : ndarray of shape (1, n_features) for two classes, else (K, n_features)
    intercept_ : ndarray of shape (1,) or (K,)
    n_iter_ : int
        Newton steps or L-BFGS iterations taken.
    solver_, solver_reason_ : str
        The solver that ran and why ``'auto'`` chose it.
    grad_norms_ : ndarray
        ``‖∇f‖_∞ / S`` at the start and after each iteration — Newton's quadratic
        convergence shows as the exponent doubling.
    converged_ : bool
        ``grad_norms_[-1] ≤ tol`` (False after a separation stop).
    objective_ : float
        ``f`` at the returned coefficients (sum scale, penalty included).
    separation_ : {None, 'complete', 'quasi-complete'}
        Set when, without a penalty, the MLE does not exist (a :class:`linml.NumericalWarning`
        says so); the fit stops with finite coefficients.
    separating_features_ : list of str
        Features spanning the separating direction (largest ``|d_j| · std(x_j)``), or [].
    hessian_condition_number_ : float or None
        ``κ(∇²f) = λ_max/λ_min`` at the returned coefficients (multinomial: on the
        identifiable subspace ``Σ_k θ_k = 0``); None when too large to form
        (L-BFGS with ``m > 512`` unknowns).
    hessian_eigenvalues_ : ndarray or None
        Eigenvalues of ``∇²f``, descending (unknowns: coefficients then intercept).
    hessian_min_direction_ : ndarray of shape (K', n_features + fit_intercept) or None
        Unit eigenvector of the smallest eigenvalue: the least-determined combination.
    bse_ : ndarray of shape (1, n_features) or None
        Standard errors ``sqrt(diag((∇²f)⁻¹))`` of ``coef_`` (statsmodels' ``Logit.bse``,
        with ``s`` as frequency weights) — unpenalized, two classes, no separation only.
    intercept_bse_ : ndarray of shape (1,) or None
    n_singular_steps_ : int
        Newton steps whose Hessian was singular and were solved by lstsq instead.
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when fitted on a DataFrame

    Notes
    -----
    Newton's step is weighted least squares (IRLS): with ``W = diag(s ∘ p(1 − p))`` and the
    working response ``z = X̃θ + (y − p)/(p(1 − p))``, the full step gives
    ``θ⁺ = argmin ‖√W (z − X̃θ)‖² + λ‖β‖²``. ``X̃ᵀWX̃`` is one SYRK on ``√W X`` (bordered with
    ``Xᵀw``, ``Σw`` for the intercept); the Cholesky factor is checked with LAPACK
    ``pocon``. Multinomial Newton adds ``c (11ᵀ/K) ⊗ I`` to the block Hessian, singular along
    the softmax's shift ``θ_k → θ_k + v``, which leaves the step on ``Σ_k θ_k = 0`` unchanged.

    The ``'auto'`` rule, with ``m = K'(p + fit_intercept)`` Newton unknowns (``K' = 1`` for
    two classes, ``K`` otherwise):

    1. ``m > 500`` (two classes) or ``m > 300`` (K > 2): ``'lbfgs'`` — a Newton
       iteration costs ``n m²`` flops and an ``m³/3`` Cholesky, more than the L-BFGS
       gradient evaluations (``4 n p K'`` flops each) it saves;
    2. ``n < m`` (wide): ``'lbfgs'`` — ``X̃ᵀWX̃`` has rank ≤ n;
    3. otherwise ``'newton'``, typically 5–10 steps to ``‖∇f‖∞/S ≈ 1e-12``.

    **Separation.** Without a penalty, if a ``θ`` classifies every sample right, ``f(tθ)``
    decreases to 0 as ``t → ∞``: the MLE does not exist. The solvers check every iterate's
    margins (complete separation; a certificate, not a heuristic), and Newton also stops
    when full steps stop shrinking while samples saturate (margin > 20; quasi-complete
    separation). Either way a :class:`linml.NumericalWarning` names the features along the
    separating direction and the fit returns the current, finite coefficients; a penalty
    (``penalty='l2'``, finite ``C``) gives a unique finite solution.

    The work is in float64 (``p(1 − p)`` and the saturating exponentials lose too much in
    float32); ``coef_`` and ``intercept_`` are returned in the input's dtype.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 3.0], [1.0, 2.0], [2.5, 0.5]])
    >>> y = np.array([0, 0, 1, 1, 0, 1])
    >>> model = LogisticRegression(C=10.0).fit(X, y)
    >>> model.solver_, model.coef_.shape, model.converged_
    ('newton', (1, 2), True)
    >>> np.round(model.coef_, 4), np.round(model.intercept_, 4)
    (array([[ 3.1804, -0.01  ]]), array([-5.0358]))
    >>> np.round(model.predict_proba([[1.5, 1.0]]), 4)
    array([[0.5684, 0.4316]])
    >>> model.n_iter_, bool(model.grad_norms_[-1] < 1e-12)  # quadratic convergence
    (6, True)
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "C": [Interval(float, 0, None, closed="neither")],
        "penalty": [Options(PENALTIES)],
        "fit_intercept": [bool, np.bool_],
        "solver": [Options(SOLVERS)],
        "tol": [Interval(float, 0, None)],
        "max_iter": [Interval(int, 0, None)],
        "class_weight": [None, Options(("balanced",)), dict],
    }

    def __init__(
        self,
        C: float = 1.0,
        penalty: str | None = "l2",
        fit_intercept: bool = True,
        solver: str = "auto",
        tol: float = 1e-8,
        max_iter: int = 100,
        class_weight: Any = None,
    ) -> None:
        self.C = C
        self.penalty = penalty
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight

    # ------------------------------------------------------------------------ fit
    def _lam(self, C: float) -> float:
        """``λ = 1/C``, or 0 without a penalty (``penalty=None`` or ``C = inf``)."""
        return 0.0 if self.penalty is None or math.isinf(C) else 1.0 / float(C)

    def _problem(
        self, X: Any, y: Any, sample_weight: Any, C: float | None = None
    ) -> tuple[LogisticProblem, Any]:
        """Validate the data and build ``(X, y index, s, λ)`` (λ from ``C``, default ``self.C``);
        sets ``classes_``."""
        self._check_params()
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        K = self.classes_.shape[0]
        if K < 2:
            raise LinmlInputError(
                f"{type(self).__name__}: y holds one class only ({self.classes_[0].item()!r}); "
                "need samples of at least 2 classes. Check the target column or the split."
            )
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        try:
            cw = compute_class_weight(
                self.class_weight, classes=self.classes_, y=y, sample_weight=sw
            )
        except ValueError as e:
            raise LinmlInputError(
                f"{type(self).__name__}: class_weight={self.class_weight!r} does not fit the "
                f"classes {list(self.classes_)}: {e}"
            ) from e
        s = sw * cw[y_idx]
        if np.unique(y_idx[s > 0]).size < 2:
            raise LinmlInputError(
                f"{type(self).__name__}: all samples with positive weight belong to one class "
                "only; need two classes with weight > 0 (check sample_weight / class_weight)."
            )
        prob = LogisticProblem(
            X=np.asarray(X, dtype=np.float64),
            y=y_idx.astype(np.intp),
            s=s,
            n_classes=K,
            lam=self._lam(self.C if C is None else C),
            fit_intercept=bool(self.fit_intercept),
        )
        return prob, X.dtype

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LogisticRegression:
        """Fit the coefficients.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (any sortable values; ``classes_`` is their sorted unique set).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights ``s_i`` multiplying each sample's loss.

        Returns
        -------
        self
        """
        prob, dtype = self._problem(X, y, sample_weight)
        n, p = prob.X.shape
        if self.solver == "auto":
            solver, reason = choose_solver(n, p, prob.n_outputs, prob.fit_intercept)
        else:
            solver, reason = self.solver, "requested"
        fit = _SOLVER_FUNCS[solver](prob, float(self.tol), int(self.max_iter))
        self._store(prob, fit, dtype, reason)
        self._warn(fit)
        return self

    def _store(self, prob: LogisticProblem, fit: LogisticFit, dtype: Any, reason: str) -> None:
        p = prob.X.shape[1]
        Theta = fit.Theta
        self.coef_ = np.ascontiguousarray(Theta[:, :p]).astype(dtype)
        self.intercept_ = (
            Theta[:, p].astype(dtype) if prob.fit_intercept else np.zeros(Theta.shape[0], dtype)
        )
        self.n_iter_ = int(fit.n_iter)
        self.solver_ = fit.solver
        self.solver_reason_ = reason
        self.grad_norms_ = np.asarray(fit.grad_norms, dtype=np.float64)
        self.objective_ = float(fit.objective)
        self.n_singular_steps_ = int(fit.fallback_steps)
        self.hessian_condition_number_ = None
        self.hessian_eigenvalues_ = None
        self.hessian_min_direction_ = None
        self.bse_ = None
        self.intercept_bse_ = None
        facts = None
        if fit.solver == "newton" or prob.n_outputs * prob.m1 <= LBFGS_SPECTRUM_MAX:
            facts = hessian_facts(prob, Theta)
            self.hessian_condition_number_ = facts["cond"]
            self.hessian_eigenvalues_ = facts["eigenvalues"]
            self.hessian_min_direction_ = facts["min_direction"]
            if fit.solver == "lbfgs":
                quasi_separation_after_lbfgs(prob, fit, facts["cond"], facts["min_direction"])
            if prob.lam == 0.0 and prob.n_outputs == 1 and fit.separation is None:
                se = standard_errors(facts["H"])
                if se is not None:
                    self.bse_ = se[None, :p]
                    self.intercept_bse_ = se[p:] if prob.fit_intercept else None
        self.converged_ = bool(fit.converged)
        self.separation_ = fit.separation
        names = getattr(self, "feature_names_in_", None)
        labels = [_feature_label(names, j, p) for j in range(prob.m1)]
        self.separating_features_ = []
        if fit.separation is not None and fit.direction is not None:
            sd = prob.X.std(axis=0)
            score = np.linalg.norm(fit.direction[:, :p], axis=0) * np.where(sd > 0, sd, 1.0)
            if score.size and score.max() > 0:
                order = np.argsort(-score, kind="stable")
                keep = [j for j in order[:MAX_NAMED] if score[j] >= 0.1 * score[order[0]]]
                self.separating_features_ = [labels[j] for j in keep]

    def _warn(self, fit: LogisticFit) -> None:
        name = type(self).__name__
        if fit.separation is not None:
            what = (
                "completely separated (every sample with weight > 0 is classified right by "
                f"the iterate after {fit.n_iter} step(s))"
                if fit.separation == "complete"
                else "quasi-completely separated (a subset of the samples is separable: "
                "Newton steps stopped shrinking while their probabilities saturated at 0/1)"
            )
            feats = ", ".join(self.separating_features_) or "(none dominant)"
            warnings.warn(
                f"{name}(penalty=None): the training data are {what}, so the maximum-"
                "likelihood estimate does not exist — the log-loss keeps decreasing as ‖β‖ → ∞. "
                f"The separating direction is spanned mostly by: {feats}. Stopped with finite "
                "coefficients; add a penalty (penalty='l2' with a finite C, e.g. C=1.0) for a "
                "unique, finite solution.",
                NumericalWarning,
                stacklevel=3,
            )
            return
        if fit.line_search_failed:
            warnings.warn(
                f"{name}: stopped after {fit.n_iter} {fit.solver} iteration(s): {fit.message}. The "
                "objective is flat to working precision here; standardize X or add a penalty.",
                NumericalWarning,
                stacklevel=3,
            )
        elif not fit.converged and fit.n_iter >= self.max_iter:
            warnings.warn(
                f"{name}(solver={fit.solver!r}) did not converge in max_iter={self.max_iter} "
                f"iterations: ‖∇f‖∞/S = {fit.grad_norms[-1]:.3g} > tol={self.tol:g}. Increase "
                "max_iter, standardize X, or use a smaller C (a stronger penalty).",
                NumericalWarning,
                stacklevel=3,
            )
        if fit.fallback_steps:
            warnings.warn(
                f"{name}: the Hessian X̃ᵀWX̃ + λĨ was singular in {fit.fallback_steps} Newton "
                "step(s) (collinear features without a penalty?); those steps used the "
                "minimum-norm least-squares solve, and the coefficients along the null "
                "direction are not determined by the data. Remove collinear features or add "
                "a penalty.",
                NumericalWarning,
                stacklevel=3,
            )

    # ------------------------------------------------------------------------ predict
    def decision_function(self, X: Any) -> np.ndarray:
        """``η = X coef_ᵀ + intercept_``: shape (n_samples,) for two classes, else (n_samples, K)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        eta = X @ self.coef_.T + self.intercept_
        return eta[:, 0] if self.coef_.shape[0] == 1 else eta

    def predict_proba(self, X: Any) -> np.ndarray:
        """``[1 − σ(η), σ(η)]`` for two classes, ``softmax(η)`` otherwise; (n_samples, K)."""
        return np.exp(self.predict_log_proba(X))

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """``log P`` without overflow: ``−log(1 + e^{∓η})`` or ``η − logsumexp(η)``."""
        eta = self.decision_function(X)
        if eta.ndim == 1:
            return -np.logaddexp(0.0, np.column_stack([eta, -eta]))
        return eta - logsumexp(eta, axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class (``η > 0`` ⇒ ``classes_[1]`` for two classes)."""
        eta = self.decision_function(X)
        if eta.ndim == 1:
            return self.classes_[(eta > 0).astype(np.intp)]
        return self.classes_[np.argmax(eta, axis=1)]

    # ------------------------------------------------------------------------ explain
    def _final_n_iter(self) -> int:
        return self.n_iter_

    def _penalty_text(self) -> str:
        return "no penalty" if self._lam(self.C) == 0.0 else f"C={self.C!r}"

    def _explain(self) -> Explanation:
        check_is_fitted(self)
        K = self.classes_.shape[0]
        expl = Explanation(title=f"{type(self).__name__} ({self._penalty_text()}, {K} classes)")
        expl.add("solver", self.solver_, self.solver_reason_)
        g = self.grad_norms_
        expl.add(
            "gradient ‖∇f‖∞/S per iteration",
            g,
            "Newton converges quadratically: once close, each step roughly squares the gradient"
            if self.solver_ == "newton"
            else "L-BFGS converges linearly: a constant factor per iteration at best",
        )
        expl.add(
            "converged",
            self.converged_,
            f"{self._final_n_iter()} iteration(s), final ‖∇f‖∞/S = {g[-1]:.3g} vs tol={self.tol:g}",
        )
        p = self.coef_.shape[1]
        names = getattr(self, "feature_names_in_", None)
        m1 = p + int(self.fit_intercept)
        labels = [_feature_label(names, j, p) for j in range(m1)]
        if self.separation_ is not None:
            expl.add(
                "separation",
                self.separation_,
                "the maximum-likelihood estimate does not exist: the log-loss decreases "
                "toward its infimum only as ‖β‖ → ∞ along the separating direction, spanned by "
                + (", ".join(self.separating_features_) or "no dominant feature"),
            )
        kappa = self.hessian_condition_number_
        if kappa is not None:
            expl.add(
                "condition number κ(∇²f) at the optimum",
                kappa,
                "how elongated the log-loss bowl is; Newton's m×m solve loses about "
                f"log10 κ ≈ {math.log10(max(kappa, 1.0)) if math.isfinite(kappa) else math.inf:.1f} "
                "digits",
            )
            v = self.hessian_min_direction_
            if K > 2:
                combo_labels = [
                    f"{self.classes_[k]}:{labels[j]}" for k in range(K) for j in range(m1)
                ]
            else:
                combo_labels = labels
            expl.add(
                "least-determined direction",
                _combination(v.ravel(), combo_labels),
                "eigenvector of ∇²f's smallest eigenvalue: moving the coefficients along it "
                "changes the fit least (standard error ∝ 1/sqrt(λ_min))",
            )
        else:
            expl.add(
                "Hessian",
                "not computed",
                f"m = {self.coef_.shape[0] * m1} unknowns is too many to form the m×m Hessian "
                "after an L-BFGS fit",
            )
        if self.bse_ is not None:
            expl.add(
                "standard errors of coef_",
                self.bse_[0],
                "sqrt(diag((X̃ᵀWX̃)⁻¹)): the inverse Fisher information at the MLE",
            )
        if self.separation_ is not None:
            expl.verdict = (
                "the data are separable: without a penalty the coefficients grow without "
                "bound and the returned values are where the fit was stopped, not an estimate"
            )
            expl.suggestions.append("use penalty='l2' with a finite C (e.g. C=1.0)")
        elif kappa is not None and math.isfinite(kappa) and kappa > 1e8:
            expl.verdict = (
                f"ill-conditioned at the optimum (κ ≈ {kappa:.3g}): the coefficients along "
                "the least-determined direction are poorly identified"
            )
            expl.suggestions.append(
                "standardize the features, remove near-collinear ones, or lower C"
            )
        elif not self.converged_:
            expl.verdict = "not converged: the gradient is still above tol"
            expl.suggestions.append("increase max_iter or standardize X")
        else:
            expl.verdict = "converged to the unique minimizer of the (strictly convex) objective"
        return expl
