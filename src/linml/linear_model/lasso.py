"""Lasso: least squares with an ℓ1 penalty — the elastic net with l1_ratio = 1."""

from __future__ import annotations

from typing import Any, ClassVar

from linml.linear_model.elastic_net import ElasticNet

__all__ = ["Lasso"]


class Lasso(ElasticNet):
    """Linear regression with an ℓ1 penalty (scikit-learn's scaling).

    Minimizes over β (and the intercept b when ``fit_intercept``)::

        (1/(2n))‖y − Xβ − b‖² + α‖β‖₁

    The ℓ1 ball has corners on the axes, so the least-squares ellipses typically first
    touch it where some coordinates are exactly zero: the Lasso selects features. KKT at
    the solution: |x̃_jᵀr|/n ≤ α where β_j = 0 and x̃_jᵀr/n = α·sign(β_j) where β_j ≠ 0
    (r = y_c − X̃β).

    Parameters
    ----------
    alpha : float >= 0, default=1.0
        α. Every coefficient is zero for α ≥ α_max = ‖X̃ᵀy_c‖∞/n.
    fit_intercept, precompute, max_iter, tol, warm_start, positive
        As in :class:`~linml.linear_model.ElasticNet` (``tol``: stop when the duality gap
        is ≤ tol·‖y_c‖²/n, scikit-learn's rule).

    Attributes
    ----------
    coef_, intercept_, dual_gap_, n_iter_, alpha_max_, solver_stats_, n_features_in_
        As in :class:`~linml.linear_model.ElasticNet`.

    Notes
    -----
    Coordinate descent on working sets with gap-safe screening and Anderson acceleration;
    see :mod:`linml.linear_model._cd_solver`. With ρ = 1 the coordinate step is
    β_j ← S(x̃_jᵀr + ‖x̃_j‖²β_j, nα)/‖x̃_j‖².

    Examples
    --------
    >>> import numpy as np
    >>> from linml.linear_model import Lasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 20))
    >>> y = 3 * X[:, 0] - 2 * X[:, 1] + 1.5 * X[:, 2] + 0.5 * rng.standard_normal(100)
    >>> model = Lasso(alpha=0.1).fit(X, y)
    >>> np.flatnonzero(np.abs(model.coef_) > 0.5).tolist()
    [0, 1, 2]
    >>> print(model._explain().facts[0].name)
    support size
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        k: v for k, v in ElasticNet._param_spec.items() if k != "l1_ratio"
    }

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        fit_intercept: bool = True,
        precompute: bool | str = "auto",
        max_iter: int = 1000,
        tol: float = 1e-4,
        warm_start: bool = False,
        positive: bool = False,
    ) -> None:
        super().__init__(
            alpha,
            l1_ratio=1.0,
            fit_intercept=fit_intercept,
            precompute=precompute,
            max_iter=max_iter,
            tol=tol,
            warm_start=warm_start,
            positive=positive,
        )
        # ρ = 1 is fixed by _rho(), not a parameter: keep it out of the instance (get_params,
        # clone and saved pipelines see exactly the arguments above)
        del self.l1_ratio

    def _rho(self) -> float:
        return 1.0
