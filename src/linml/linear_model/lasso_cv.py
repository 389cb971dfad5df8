"""LassoCV: choose the Lasso's α by k-fold cross-validation over a warm-started path."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from linml.linear_model.elastic_net_cv import ElasticNetCV

__all__ = ["LassoCV"]


class LassoCV(ElasticNetCV):
    """Lasso with α chosen by k-fold cross-validation.

    On each training fold the Lasso path (1/(2n))‖y − Xβ − b‖² + α‖β‖₁ is solved with
    warm starts over a geometric grid from α_max = ‖X̃ᵀy_c‖∞/n (whole data) down to
    ``eps``·α_max; the α with the lowest held-out mean squared error, averaged over folds,
    is refitted on all data. With the same folds and grid it picks the α scikit-learn's
    ``LassoCV`` picks.

    Parameters
    ----------
    eps, alphas, cv, fit_intercept, precompute, max_iter, tol, positive, n_jobs
        As in :class:`~linml.linear_model.ElasticNetCV`.

    Attributes
    ----------
    alpha_ : float
    alphas_ : ndarray (n_alphas,)
    mse_path_ : ndarray (n_alphas, n_folds)
    coef_, intercept_, dual_gap_, n_iter_, n_features_in_

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import KFold
    >>> from linml.linear_model import LassoCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 15)); y = X[:, 2] - X[:, 7] + 0.2 * rng.standard_normal(60)
    >>> model = LassoCV(alphas=30, cv=KFold(3)).fit(X, y)
    >>> model.mse_path_.shape
    (30, 3)
    >>> sorted(np.flatnonzero(np.abs(model.coef_) > 0.5).tolist())
    [2, 7]
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        k: v for k, v in ElasticNetCV._param_spec.items() if k != "l1_ratio"
    }

    # ElasticNetCV's parameters less l1_ratio, written out rather than inherited: scikit-learn
    # reads the parameters from this signature (get_params, clone, grid search).
    def __init__(
        self,
        *,
        eps: float = 1e-3,
        alphas: int | Any = 100,
        cv: Any = 5,
        fit_intercept: bool = True,
        precompute: bool | str = "auto",
        max_iter: int = 1000,
        tol: float = 1e-4,
        positive: bool = False,
        n_jobs: int | None = None,
    ) -> None:
        super().__init__(
            l1_ratio=1.0,
            eps=eps,
            alphas=alphas,
            cv=cv,
            fit_intercept=fit_intercept,
            precompute=precompute,
            max_iter=max_iter,
            tol=tol,
            positive=positive,
            n_jobs=n_jobs,
        )
        # ρ = 1 is fixed by _rhos(), not a parameter: keep it out of the instance (get_params,
        # clone and saved pipelines see exactly the arguments above)
        del self.l1_ratio

    def _rhos(self) -> np.ndarray:
        return np.ones(1)

    def _single_rho(self) -> bool:
        return True
