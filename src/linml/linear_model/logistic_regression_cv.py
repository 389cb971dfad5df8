"""LogisticRegressionCV: choose C by k-fold cross-validation over one warm-started path per fold."""

from __future__ import annotations

import numbers
import warnings
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import check_cv
from sklearn.utils.validation import _check_sample_weight

from linml._base import Explanation
from linml._validation import Interval, Options
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linear_model._logistic import (
    LogisticFit,
    LogisticProblem,
    choose_solver,
    fit_lbfgs,
    fit_newton,
    linear_predictor,
    loss_and_gradient,
    loss_and_probabilities,
)
from linml.linear_model.logistic_regression import LogisticRegression

__all__ = ["LogisticRegressionCV"]

SCORINGS = ("log_loss", "accuracy")
_SOLVER_FUNCS = {"newton": fit_newton, "lbfgs": fit_lbfgs}


def held_out_score(prob: LogisticProblem, Theta: np.ndarray, scoring: str) -> float:
    """The metric on a held-out fold, per unit sample weight ``s`` (``prob.s``).

    ``log_loss``: ``Σ s ℓ(η) / Σ s`` (from ``η`` by log-sum-exp, no clipping);
    ``accuracy``: ``Σ s [argmax η = y] / Σ s`` (two classes: ``η > 0`` ⇔ class 1).
    """
    eta = linear_predictor(prob, Theta)  # (n_test, K')
    S = prob.weight_sum
    if scoring == "log_loss":
        return loss_and_probabilities(prob, eta)[0] / S
    pred = (eta[:, 0] > 0).astype(np.intp) if eta.shape[1] == 1 else np.argmax(eta, axis=1)
    return float(prob.s @ (pred == prob.y)) / S


def fold_path(
    prob: LogisticProblem,
    test: LogisticProblem,
    Cs: np.ndarray,
    solver: str,
    tol: float,
    max_iter: int,
    scoring: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[LogisticFit]]:
    """One training fold's path over ``Cs`` (ascending): each fit warm-started at the previous.

    Returns the held-out scores (n_Cs,), the coefficients (n_Cs, K', m₁), the iterations
    (n_Cs,) and the fits that did not converge. The path starts at the smallest C (the
    strongest penalty, whose optimum is closest to the cold start Θ = 0) and moves up, so
    each fit begins near its optimum: the solution moves smoothly with ``log C``.
    """
    fit_func = _SOLVER_FUNCS[solver]
    scores = np.empty(Cs.size)
    coefs = np.empty((Cs.size, prob.n_outputs, prob.m1))
    n_iter = np.zeros(Cs.size, dtype=np.intp)
    failed: list[LogisticFit] = []
    Theta = None
    for j, C in enumerate(Cs):
        fit = fit_func(replace(prob, lam=1.0 / float(C)), tol, max_iter, Theta0=Theta)
        Theta = fit.Theta
        coefs[j], n_iter[j] = Theta, fit.n_iter
        scores[j] = held_out_score(test, Theta, scoring)
        if not fit.converged:
            failed.append(fit)
    return scores, coefs, n_iter, failed


class LogisticRegressionCV(LogisticRegression):
    """Logistic regression with ``C`` chosen by k-fold cross-validation.

    For each training fold the L2-penalized log-loss ``Σ_i s_i ℓ_i + (1/(2C)) ‖B‖²`` of
    :class:`~linml.linear_model.LogisticRegression` is solved along the grid ``Cs`` as one
    path of warm-started fits, from the smallest C (strongest penalty) up, and scored on the
    held-out fold. The C with the best mean held-out score is refitted on all data,
    warm-started at the folds' mean solution; prediction uses the refitted coefficients.
    With the same ``Cs`` and folds, ``C_`` is the one scikit-learn's ``LogisticRegressionCV``
    picks with ``scoring='neg_log_loss'``.

    Parameters
    ----------
    Cs : int or array-like of float > 0, default=10
        An int: ``np.logspace(-4, 4, Cs)`` (scikit-learn's grid); else the C values to try.
        ``Cs_`` keeps the given order; each fold's path visits them in ascending order.
    cv : int, cross-validation splitter or iterable, default=5
        An int means ``StratifiedKFold(cv)`` (no shuffling), as in scikit-learn. Every
        training fold must contain every class.
    fit_intercept, solver, tol, max_iter, class_weight
        As in :class:`~linml.linear_model.LogisticRegression`, for every fit of the paths
        and the refit. ``'balanced'`` class weights are computed once on all of ``y``.
    penalty : {'l2'}, default='l2'
        Only the L2 penalty has a C to cross-validate (use ``LogisticRegression(penalty=None)``
        for maximum likelihood).
    scoring : {'log_loss', 'accuracy'}, default='log_loss'
        Held-out metric, weighted by ``sample_weight`` (not by class weights): the mean
        log-loss (lower is better) or accuracy (higher is better).
    n_jobs : int or None, default=None
        Folds solved in parallel threads (BLAS and the compiled loss kernel release the GIL).
    refit : bool, default=True
        Refit on all data at ``C_``. With False, ``coef_``/``intercept_`` are the mean of the
        folds' solutions at ``C_`` (scikit-learn's convention) and ``converged_`` says
        whether that mean happens to satisfy ``tol`` on all data.

    Attributes
    ----------
    C_ : float
        The chosen C: best mean of ``scores_`` over folds (the first such in ``Cs_`` order).
    Cs_ : ndarray of shape (n_Cs,)
    scores_ : ndarray of shape (n_folds, n_Cs)
        Held-out metric of each fold's fit at each C (the metric itself, not negated).
    coefs_paths_ : ndarray of shape (n_folds, n_Cs, K', n_features + fit_intercept)
        Each fold's ``[coef | intercept]`` along the path (``K' = 1`` for two classes).
    n_iter_ : ndarray of shape (n_folds, n_Cs)
        Solver iterations of each warm-started path fit.
    refit_n_iter_ : int
        Iterations of the refit (0 with ``refit=False``).
    path_solver_ : str
        The solver of the paths (``'auto'`` decides on the first training fold's shape).
    coef_, intercept_, classes_, solver_, solver_reason_, grad_norms_, converged_, objective_
        Of the final model, as in :class:`~linml.linear_model.LogisticRegression` (as are
        the Hessian facts ``hessian_condition_number_`` …).
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when fitted on a DataFrame

    Notes
    -----
    Warm starts: ``Θ*(C)`` moves smoothly with ``log C``, so the optimum at the previous
    (smaller) C is a far better starting point than ``Θ = 0``; Newton then starts inside
    its quadratic-convergence region and L-BFGS needs fewer steps. The multinomial
    iterates stay in ``Σ_k θ_k = 0`` as for a cold start. The held-out log-loss is computed
    from ``η`` by log-sum-exp, without scikit-learn's clipping of probabilities at machine
    epsilon; the two differ only for held-out samples predicted with a probability below
    ~1e-16, where scikit-learn's value is capped.

    Examples
    --------
    >>> import numpy as np
    >>> from linml.linear_model import LogisticRegressionCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> y = (X[:, 0] - X[:, 1] + rng.logistic(size=200) > 0).astype(int)
    >>> model = LogisticRegressionCV(Cs=8, cv=4).fit(X, y)
    >>> model.scores_.shape, model.n_iter_.shape, model.coef_.shape
    ((4, 8), (4, 8), (1, 5))
    >>> bool(model.C_ in model.Cs_), model.converged_
    (True, True)
    >>> float(np.round(model.score(X, y), 2))
    0.72
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "Cs": [numbers.Integral, "array-like"],  # values checked by _grid
        "fit_intercept": [bool, np.bool_],
        "penalty": [Options(("l2",))],
        "solver": [Options(("auto", "newton", "lbfgs"))],
        "tol": [Interval(float, 0, None)],
        "max_iter": [Interval(int, 0, None)],
        "class_weight": [None, Options(("balanced",)), dict],
        "scoring": [Options(SCORINGS)],
        "n_jobs": [None, Interval(int, None, None)],
        "refit": [bool, np.bool_],
    }

    def __init__(
        self,
        Cs: int | Any = 10,
        cv: Any = 5,
        fit_intercept: bool = True,
        penalty: str = "l2",
        solver: str = "auto",
        tol: float = 1e-8,
        max_iter: int = 100,
        class_weight: Any = None,
        scoring: str = "log_loss",
        n_jobs: int | None = None,
        refit: bool = True,
    ) -> None:
        self.Cs = Cs
        self.cv = cv
        self.fit_intercept = fit_intercept
        self.penalty = penalty
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit

    # ------------------------------------------------------------------------ checks
    def _grid(self) -> np.ndarray:
        """``Cs_``: ``logspace(-4, 4, Cs)`` for an int, else the given values, all finite > 0."""
        name = type(self).__name__
        if isinstance(self.Cs, numbers.Integral):
            if self.Cs < 1:
                raise LinmlInputError(
                    f"{name}: Cs={self.Cs!r} must be an integer >= 1 (the number of C values "
                    "in np.logspace(-4, 4, Cs)) or a list of C values > 0."
                )
            return np.logspace(-4, 4, int(self.Cs))
        try:
            Cs = np.asarray(self.Cs, dtype=np.float64).ravel()
        except (TypeError, ValueError) as e:
            raise LinmlInputError(f"{name}: Cs={self.Cs!r} is not a list of numbers.") from e
        if Cs.size == 0:
            raise LinmlInputError(f"{name}: Cs is empty; give at least one C > 0 (or an int).")
        bad = np.flatnonzero(~(np.isfinite(Cs) & (Cs > 0)))
        if bad.size:
            raise LinmlInputError(
                f"{name}: every entry of Cs must be a finite number > 0 (C = 1/λ, the inverse "
                f"penalty); Cs[{bad[0]}] = {float(Cs[bad[0]])!r}."
            )
        return Cs

    def _folds(self, X: np.ndarray, y_idx: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        name = type(self).__name__
        if isinstance(self.cv, numbers.Integral) and not isinstance(self.cv, bool | np.bool_):
            if self.cv < 2:
                raise LinmlInputError(f"{name}: cv={self.cv!r} must be an integer >= 2.")
        folds = list(check_cv(self.cv, y_idx, classifier=True).split(X, y_idx))
        if len(folds) < 2:
            raise LinmlInputError(f"{name}: cv={self.cv!r} gives {len(folds)} fold; need >= 2.")
        return folds

    # ------------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LogisticRegressionCV:
        """Cross-validate the path of C values, then refit at ``C_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Weights of each sample's loss in the fits and of its held-out score.

        Returns
        -------
        self
        """
        self._check_params()
        Cs = self._grid()
        prob, dtype = self._problem(X, y, sample_weight, C=1.0)  # λ is set per C below
        sw = _check_sample_weight(sample_weight, prob.X, dtype=np.float64)
        folds = self._folds(prob.X, prob.y)
        name, K = type(self).__name__, prob.n_classes
        for i, (train, _) in enumerate(folds):
            present = np.bincount(prob.y[train], weights=prob.s[train], minlength=K) > 0
            if not present.all():
                missing = [self.classes_[k].item() for k in np.flatnonzero(~present)]
                raise LinmlInputError(
                    f"{name}: training fold {i} of cv={self.cv!r} has no sample (with weight "
                    f"> 0) of class(es) {missing}: its intercept would run to -inf. Use "
                    "stratified folds (cv=int or StratifiedKFold) or fewer folds."
                )
        train0 = folds[0][0]
        if self.solver == "auto":
            p, K_out = prob.X.shape[1], prob.n_outputs
            solver = choose_solver(train0.size, p, K_out, prob.fit_intercept)[0]
        else:
            solver = self.solver
        order = np.argsort(Cs, kind="stable")  # the path runs from the smallest C up

        def one_fold(train: np.ndarray, test: np.ndarray) -> tuple:
            sub = replace(prob, X=prob.X[train], y=prob.y[train], s=prob.s[train])
            held = replace(prob, X=prob.X[test], y=prob.y[test], s=sw[test])
            return fold_path(
                sub, held, Cs[order], solver, float(self.tol), int(self.max_iter), self.scoring
            )

        results = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(one_fold)(tr, te) for tr, te in folds
        )
        back = np.argsort(order, kind="stable")  # path order → Cs_ order
        self.Cs_ = Cs
        self.scores_ = np.stack([r[0][back] for r in results])  # (n_folds, n_Cs)
        self.coefs_paths_ = np.stack([r[1][back] for r in results])  # (n_folds, n_Cs, K', m₁)
        path_n_iter = np.stack([r[2][back] for r in results])  # (n_folds, n_Cs)
        self.path_solver_ = solver
        mean = self.scores_.mean(axis=0)
        best = int(np.argmin(mean) if self.scoring == "log_loss" else np.argmax(mean))
        self.C_ = float(Cs[best])
        self._warn_path([f for r in results for f in r[3]], path_n_iter.size)

        full = replace(prob, lam=1.0 / self.C_)
        Theta0 = self.coefs_paths_[:, best].mean(axis=0)  # (K', m₁): the folds' mean solution
        if self.refit:
            n, p = full.X.shape
            if self.solver == "auto":
                solver, reason = choose_solver(n, p, full.n_outputs, full.fit_intercept)
            else:
                reason = "requested"
            fit = _SOLVER_FUNCS[solver](full, float(self.tol), int(self.max_iter), Theta0=Theta0)
        else:
            f, G, _ = loss_and_gradient(full, Theta0)
            gnorm = float(np.max(np.abs(G))) / full.weight_sum  # ‖∇f‖∞/S, the solvers' scale
            fit = LogisticFit(Theta0, solver, 0, [gnorm], gnorm <= self.tol, f)
            reason = "refit=False: the mean of the folds' solutions at C_"
        self._store(full, fit, dtype, reason)  # coef_, intercept_, solver_, Hessian facts …
        self.refit_n_iter_ = int(fit.n_iter)
        self.n_iter_ = path_n_iter  # _store set the refit's count; the path's is the CV's
        if self.refit:
            self._warn(fit)
        return self

    def _warn_path(self, failed: list[LogisticFit], total: int) -> None:
        if not failed:
            return
        worst = max(f.grad_norms[-1] for f in failed)
        flat = sum(f.line_search_failed for f in failed)
        why = f"{len(failed) - flat} ran into max_iter={self.max_iter}"
        if flat:
            why += f", {flat} stopped where f is flat to round-off (line search)"
        warnings.warn(
            f"{type(self).__name__}: {len(failed)} of {total} path fits did not reach tol="
            f"{self.tol:g} ({why}; worst ‖∇f‖∞/S = {worst:.3g}), usually at the largest C "
            "(the weakest penalty). Their held-out scores are from those coefficients. "
            "Increase max_iter, standardize X, loosen tol, or drop the largest Cs.",
            NumericalWarning,
            stacklevel=3,
        )

    # ------------------------------------------------------------------------ explain
    def _final_n_iter(self) -> int:
        return self.refit_n_iter_

    def _penalty_text(self) -> str:
        return f"C_={self.C_:.4g} by {self.scores_.shape[0]}-fold CV"

    def _explain(self) -> Explanation:
        expl = super()._explain()
        mean = self.scores_.mean(axis=0)
        better = "lowest" if self.scoring == "log_loss" else "highest"
        expl.add(
            f"mean held-out {self.scoring} per C",
            np.column_stack([self.Cs_, mean]),
            f"C_ = {self.C_:.4g} has the {better} mean over {self.scores_.shape[0]} folds",
        )
        expl.add(
            "path iterations (warm-started)",
            int(self.n_iter_.sum()),
            f"{self.path_solver_} iterations over all folds and Cs; each fit starts at the "
            "previous (smaller) C's solution",
        )
        at_edge = self.C_ in (self.Cs_.min(), self.Cs_.max()) and self.Cs_.size > 1
        if at_edge:
            expl.suggestions.append(
                "C_ is at the edge of Cs: extend the grid past it, the optimum may lie beyond"
            )
        return expl
