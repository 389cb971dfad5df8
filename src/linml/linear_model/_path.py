"""Regularization paths: ``enet_path`` / ``lasso_path`` with warm starts over a geometric grid.

Along a decreasing grid α_0 = α_max > α_1 > … each solve starts from the previous β and
residual, and the solver's safe correlation bounds carry over too (see
:mod:`linml.linear_model._cd_solver`): at the next α most columns are proven inactive from
the bound |x̃_jᵀr| ≤ |x̃_jᵀr_old| + ‖x̃_j‖·‖r − r_old‖ without being read again.

α_max = ‖X̃ᵀy_c‖∞ / (n·ρ) is the smallest α at which β = 0 is optimal (KKT at zero:
|x̃_jᵀy_c|/n ≤ αρ for every j).
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from linml._validation import (
    FLOAT_DTYPES,
    Interval,
    Options,
    check_array,
    check_finite,
    check_same_length,
    validate_data,
    validate_params,
)
from linml.exceptions import LinmlInputError
from linml.linear_model._cd_solver import CDSolver, Design, make_design

__all__ = ["PathResult", "enet_path", "lasso_path"]

# α_max at or below this is "y is (numerically) uncorrelated with X": a constant grid
_ALPHA_FLOOR = float(np.finfo(np.float64).resolution)


class PathResult(NamedTuple):
    """What :func:`enet_path` returns (always these five fields, whatever the flags).

    alphas : (n_alphas,) decreasing. coefs : (n_features, n_alphas), or
    (n_targets, n_features, n_alphas) for 2-D y. dual_gaps : (n_alphas,) or
    (n_targets, n_alphas), in the 1/n-scaled units of the objective. n_iters : ints, same
    shape as dual_gaps. intercepts : (n_alphas,) or (n_targets, n_alphas); zeros unless
    ``fit_intercept``.
    """

    alphas: np.ndarray
    coefs: np.ndarray
    dual_gaps: np.ndarray
    n_iters: np.ndarray
    intercepts: np.ndarray


def validate_cd_data(estimator: Any, X: Any, y: Any, *, multi_output: bool) -> tuple[Any, Any]:
    """``validate_data`` for the coordinate-descent estimators; returns ``(X, y)``.

    X comes back as CSC (sparse) or Fortran-ordered floats (dense), the layouts the kernels
    read by column. NaN/inf in dense X is caught later by the column-statistics pass of
    :func:`prepare_targets`, which reads X anyway — one pass over memory instead of two;
    sparse X and y are checked here.
    """
    X, y = validate_data(
        estimator,
        X,
        y,
        accept_sparse="csc",
        order="F",
        dtype=FLOAT_DTYPES,
        y_numeric=True,
        multi_output=multi_output,
        allow_nonfinite=True,
    )
    if sp.issparse(X):
        check_finite(X, "X")
    check_finite(y, "y")
    return X, y


def prepare_targets(
    X: Any, Y: np.ndarray, fit_intercept: bool, precompute: bool | str
) -> tuple[Design, np.ndarray, np.ndarray, np.ndarray]:
    """Center Y (n, k), build the design; return (design, Yc, y_mean, X̃ᵀYc (p, k)).

    For dense X the first target's X̃ᵀy_c comes from the same memory pass as the column
    statistics. Raises the standard NaN message if X holds a non-finite value (dense X is
    checked through its column norms, which any NaN/inf makes non-finite).
    """
    y_mean = Y.mean(axis=0) if fit_intercept else np.zeros(Y.shape[1])
    Yc = np.asfortranarray(Y - y_mean)
    design, xty0 = make_design(X, fit_intercept, precompute, Yc[:, 0])
    if not sp.issparse(X) and not (
        np.isfinite(design.norm2).all() and np.isfinite(design.x_mean).all()
    ):
        check_finite(X, "X")  # raises, naming the row and column of the first NaN/inf
        raise LinmlInputError(
            "X has entries so large that their squares overflow float64; rescale X "
            "(e.g. StandardScaler) before fitting."
        )
    XtY = np.empty((design.n_features, Y.shape[1]))
    XtY[:, 0] = xty0
    for k in range(1, Y.shape[1]):
        XtY[:, k] = design.xty(Yc[:, k])
    return design, Yc, y_mean, XtY


def alpha_max_from_xty(xty: np.ndarray, n_samples: int, l1_ratio: float, positive: bool) -> float:
    """α_max = ‖X̃ᵀy_c‖∞/(n·ρ) (positive: max(X̃ᵀy_c, 0)/(n·ρ)); inf when ρ = 0."""
    if l1_ratio == 0:
        return float("inf")
    top = max(float(xty.max()), 0.0) if positive else float(np.abs(xty).max())
    return top / (n_samples * l1_ratio)


def geometric_grid(alpha_max: float, eps: float, n_alphas: int) -> np.ndarray:
    """n_alphas values from α_max down to eps·α_max, evenly spaced in log."""
    if alpha_max <= _ALPHA_FLOOR:
        return np.full(n_alphas, _ALPHA_FLOOR)
    return np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)


def path_on_design(
    design: Design,
    y_c: np.ndarray,
    xty: np.ndarray,
    alphas: np.ndarray,
    l1_ratio: float,
    *,
    positive: bool,
    tol: float,
    max_iter: int,
    coef_init: np.ndarray | None = None,
    solver_flags: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Warm-started solves along ``alphas`` for one target.

    Returns (coefs (p, n_alphas), dual_gaps (n_alphas,) 1/n-scaled, n_iters, all_converged).
    """
    n = design.n_samples
    solver = CDSolver(design, y_c, coef_init, xty, **(solver_flags or {}))
    coefs = np.empty((design.n_features, alphas.size))
    gaps = np.empty(alphas.size)
    iters = np.empty(alphas.size, dtype=np.int64)
    ok = True
    for i, alpha in enumerate(alphas):
        res = solver.solve(
            n * alpha * l1_ratio,
            n * alpha * (1.0 - l1_ratio),
            positive=positive,
            tol=tol,
            max_iter=max_iter,
        )
        coefs[:, i] = solver.beta
        gaps[i] = res.gap / n
        iters[i] = res.n_iter
        ok &= res.converged
    return coefs, gaps, iters, ok


_PATH_SPEC: dict[str, list[Any]] = {
    "l1_ratio": [Interval(float, 0, 1)],
    "eps": [Interval(float, 0, None, closed="neither")],
    "fit_intercept": [bool],
    "precompute": [bool, Options(("auto",))],
    "positive": [bool],
    "tol": [Interval(float, 0, None)],
    "max_iter": [Interval(int, 1, None)],
}


def enet_path(
    X: Any,
    y: Any,
    *,
    l1_ratio: float = 0.5,
    eps: float = 1e-3,
    alphas: int | Any = 100,
    fit_intercept: bool = False,
    precompute: bool | str = "auto",
    positive: bool = False,
    tol: float = 1e-4,
    max_iter: int = 1000,
    coef_init: Any = None,
) -> PathResult:
    """Elastic-net coefficients along a decreasing grid of α, each solve warm-started.

    Minimizes, for each α in the grid,

        (1/(2n))‖y − Xβ − b‖² + α·ρ‖β‖₁ + (α(1 − ρ)/2)‖β‖²      (ρ = ``l1_ratio``)

    with b = 0 unless ``fit_intercept`` (scikit-learn's ``enet_path`` never fits one: it
    expects centered data; so does this function by default).

    Parameters
    ----------
    X : array-like or sparse matrix, shape (n_samples, n_features)
    y : array-like, shape (n_samples,) or (n_samples, n_targets)
        2-D y: each column is solved on its own (independent targets, not multi-task).
    l1_ratio : float in [0, 1]
        ρ. An automatic grid needs ρ > 0.
    eps : float > 0
        α_min / α_max of the automatic grid.
    alphas : int or array-like
        Number of grid points from α_max = ‖X̃ᵀy‖∞/(nρ) down to eps·α_max, or explicit
        values (sorted decreasing here).
    fit_intercept, precompute, positive, tol, max_iter
        As in :class:`~linml.linear_model.ElasticNet`; ``tol`` and ``max_iter`` apply to
        each α.
    coef_init : array-like, shape (n_features,) or (n_targets, n_features), optional
        Starting coefficients for the first α.

    Returns
    -------
    PathResult
        ``(alphas, coefs, dual_gaps, n_iters, intercepts)``.

    Examples
    --------
    >>> import numpy as np
    >>> from linml.linear_model import enet_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 8)); y = X[:, 0] - 2 * X[:, 3]
    >>> path = enet_path(X, y, l1_ratio=0.9, alphas=5)
    >>> path.coefs.shape
    (8, 5)
    >>> bool(np.all(path.coefs[:, 0] == 0))   # α_max: everything is zero
    True
    """
    validate_params(
        "enet_path",
        dict(
            l1_ratio=l1_ratio,
            eps=eps,
            alphas=alphas,
            fit_intercept=fit_intercept,
            precompute=precompute,
            positive=positive,
            tol=tol,
            max_iter=max_iter,
        ),
        _PATH_SPEC,
    )
    Xv = check_array(X, accept_sparse="csc", order="F", dtype=FLOAT_DTYPES, allow_nonfinite=True)
    if sp.issparse(Xv):
        check_finite(Xv, "X")
    y_arr = np.asarray(y)
    check_same_length(Xv, y_arr)
    y_arr = check_array(y_arr, name="y", ensure_2d=False, dtype=np.float64)
    if y_arr.ndim > 2:
        raise LinmlInputError(f"y must be 1-D or 2-D; got shape {y_arr.shape}.")
    Y = y_arr.reshape(y_arr.shape[0], -1).astype(np.float64)
    n = Xv.shape[0]
    design, Yc, y_mean, XtY = prepare_targets(Xv, Y, fit_intercept, precompute)
    grid = _grid(alphas, XtY, n, l1_ratio, eps, positive)
    n_t = Y.shape[1]
    init = None if coef_init is None else np.asarray(coef_init, dtype=np.float64)
    if init is not None:
        init = init.reshape(n_t, -1)
        if init.shape[1] != design.n_features:
            raise LinmlInputError(
                f"coef_init has {init.shape[1]} features per target but X has "
                f"{design.n_features}; pass one coefficient per column of X."
            )
    coefs = np.empty((n_t, design.n_features, grid.size))
    gaps = np.empty((n_t, grid.size))
    iters = np.empty((n_t, grid.size), dtype=np.int64)
    converged = True
    for k in range(n_t):
        coefs[k], gaps[k], iters[k], ok = path_on_design(
            design,
            Yc[:, k],
            XtY[:, k],
            grid,
            l1_ratio,
            positive=positive,
            tol=tol,
            max_iter=max_iter,
            coef_init=None if init is None else init[k],
        )
        converged &= ok
    if not converged:
        warnings.warn(
            f"enet_path: coordinate descent did not reach the duality-gap tolerance "
            f"tol={tol} within max_iter={max_iter} epochs for some alphas; increase "
            "max_iter or tol.",
            ConvergenceWarning,
            stacklevel=2,
        )
    intercepts = y_mean[:, None] - np.einsum("p,kpa->ka", design.x_mean, coefs)
    if y_arr.ndim == 1:
        return PathResult(grid, coefs[0], gaps[0], iters[0], intercepts[0])
    return PathResult(grid, coefs, gaps, iters, intercepts)


def _grid(
    alphas: Any, XtY: np.ndarray, n: int, l1_ratio: float, eps: float, positive: bool
) -> np.ndarray:
    if check_alphas(alphas):
        if l1_ratio == 0:
            raise LinmlInputError(
                "an automatic alpha grid needs l1_ratio > 0 (at l1_ratio=0 no alpha makes "
                "all coefficients zero); pass explicit alphas=[...] instead."
            )
        amax = max(
            alpha_max_from_xty(XtY[:, k], n, l1_ratio, positive) for k in range(XtY.shape[1])
        )
        return geometric_grid(amax, eps, int(alphas))
    return np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1].copy()


def check_alphas(alphas: Any) -> bool:
    """Validate ``alphas``: True for a grid size (int ≥ 1), False for explicit values.

    Explicit values must be a non-empty 1-D list of finite numbers ≥ 0.
    """
    if isinstance(alphas, int | np.integer) and not isinstance(alphas, bool):
        if alphas < 1:
            raise LinmlInputError(
                f"alphas={alphas!r} must be a number of grid points >= 1 or a list of alphas."
            )
        return True
    try:
        grid = np.asarray(alphas, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise LinmlInputError(
            f"alphas={alphas!r} must be an int (grid size) or a list of numbers >= 0."
        ) from e
    if grid.ndim != 1 or grid.size == 0 or not np.isfinite(grid).all() or (grid < 0).any():
        raise LinmlInputError(
            f"alphas must be an int (grid size) or a non-empty 1-D list of finite numbers "
            f">= 0; got {alphas!r}."
        )
    return False


# enet_path's keywords less l1_ratio, written out (not **kwargs) so that help() and inspect
# show lasso_path's own parameters and a misspelt keyword fails at the call.
def lasso_path(
    X: Any,
    y: Any,
    *,
    eps: float = 1e-3,
    alphas: int | Any = 100,
    fit_intercept: bool = False,
    precompute: bool | str = "auto",
    positive: bool = False,
    tol: float = 1e-4,
    max_iter: int = 1000,
    coef_init: Any = None,
) -> PathResult:
    """Lasso coefficients along a decreasing grid of α: :func:`enet_path` with ρ = 1.

    Minimizes (1/(2n))‖y − Xβ − b‖² + α‖β‖₁ for each α; see :func:`enet_path`.

    Examples
    --------
    >>> import numpy as np
    >>> from linml.linear_model import lasso_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 6)); y = 3 * X[:, 1] + 0.1 * rng.standard_normal(40)
    >>> path = lasso_path(X, y, alphas=[1.0, 0.1])
    >>> [int(np.count_nonzero(path.coefs[:, i])) for i in range(2)]
    [1, 1]
    """
    return enet_path(
        X,
        y,
        l1_ratio=1.0,
        eps=eps,
        alphas=alphas,
        fit_intercept=fit_intercept,
        precompute=precompute,
        positive=positive,
        tol=tol,
        max_iter=max_iter,
        coef_init=coef_init,
    )
