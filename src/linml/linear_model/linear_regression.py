"""Ordinary least squares by four solvers, with the choice made from shape and conditioning."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import scipy.linalg as sla
from sklearn.base import RegressorMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from linml._base import Explanation, LinmlEstimator
from linml._dask import is_dask_collection
from linml._validation import Interval, Options, validate_data
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg import lstsq, lstsq_refined
from linml.linear_model._least_squares import (
    GramProblem,
    LinearPredictorMixin,
    accumulate_block,
    add_conditioning_facts,
    add_dask_fact,
    add_partial_fit_fact,
    centered_gram,
    cholesky_is_safe,
    cond_from_singular_values,
    dask_problem,
    dask_tsqr,
    gram_pinv_solve,
    gram_singular_values,
    output_coef,
    ridge_alpha_for_condition,
    safe_scales,
    solve_triangular_lstsq,
    start_fit,
)

__all__ = ["LinearRegression"]

SOLVERS = ("auto", "qr", "cholesky", "svd", "gd")


@dataclass
class _OLSFit:
    """What a solver returns: β (p, k) and what it learned about the centered X.

    ``intercept`` is set by the refined solvers (solved together with β on the raw data);
    otherwise the estimator uses ``ȳ − x̄ᵀβ``.
    """

    B: np.ndarray
    rank: int | None
    S: np.ndarray | None
    cond: float | None
    solver: str
    reason: str
    n_iter: int | None = None
    intercept: np.ndarray | None = None
    scaled_cond: float | None = None
    correction: float | None = None  # last relative refinement correction


#: Above this κ(Xc D⁻¹) the normal-equations route refines in extended precision
#: (κ² · eps > 2e-12, i.e. fewer than ~11.5 digits from one Cholesky solve).
REFINE_ABOVE = 100.0


def _scaled_gram_cond(G: np.ndarray) -> float:
    """``κ(Xc D⁻¹)`` from the Gram: columns scaled to unit norm (``D = sqrt(diag G)``)."""
    d = np.sqrt(np.clip(np.diag(G), 0.0, None))
    d = np.where(d > 0, d, 1.0)
    return cond_from_singular_values(gram_singular_values(G / np.outer(d, d)))


def _column_names(names: Any, idx: Any) -> str:
    cols = [str(names[j]) if names is not None else f"x{j}" for j in idx]
    return ", ".join(repr(c) for c in cols[:8]) + (", …" if len(cols) > 8 else "")


# ---------------------------------------------------------------------------- solvers
# Each takes the raw X (n, p), Y (n, k) raw and Yc centered, and returns an _OLSFit; none
# validates.
def _fit_cholesky(
    X, Y, Yc, fit_intercept, *, x_mean=None, G=None, XtY=None, S=None, reason="", refine=False, **_
):
    """Normal equations ``(XcᵀXc) β = XcᵀYc`` by Cholesky; σ from ``eigvalsh(XcᵀXc)``.

    The safety checks use ``κ(Xc D⁻¹)`` (unit-norm columns): Cholesky's error depends on
    the conditioning after the best column scaling, not on the columns' units
    (van der Sluis 1969). With ``refine``, :func:`linml.linalg.lstsq_refined` refines the
    solution with residuals in extended precision.
    """
    if G is None:
        G, XtY, _ = centered_gram(X, Yc, fit_intercept, x_mean)
        S = gram_singular_values(G)
    cond = cond_from_singular_values(S)
    scaled = _scaled_gram_cond(G)
    eps = float(np.finfo(X.dtype).eps)
    n, p = X.shape
    unknowns = p + int(fit_intercept)
    if n < unknowns:  # XcᵀXc has rank ≤ n − fit_intercept < p: singular whatever X holds
        raise LinmlInputError(
            f"LinearRegression(solver='cholesky'): n_samples={n} is fewer than the "
            f"{unknowns} unknowns ({p} coefficients{' + intercept' if fit_intercept else ''}), "
            "so XᵀX is singular and the normal equations have no unique solution. Use "
            "solver='svd' (minimum-norm) or 'qr', or fit on more samples."
        )
    if not math.isfinite(scaled) or scaled * scaled * eps >= 1.0:
        raise LinmlInputError(
            f"LinearRegression(solver='cholesky'): XᵀX is singular to working precision "
            f"(κ(X) ≈ {scaled:.3g} with columns scaled to unit norm, κ² · eps ≥ 1), so the "
            "normal equations cannot be solved; X is rank-deficient or nearly so. Use "
            "solver='svd' (minimum-norm) or 'qr'."
        )
    if not cholesky_is_safe(scaled, X.dtype) and not refine:
        warnings.warn(
            f"LinearRegression(solver='cholesky'): κ(X) ≈ {scaled:.3g} (columns scaled to "
            f"unit norm), so the normal equations square it to {scaled * scaled:.3g} and may "
            f"lose about {2 * math.log10(scaled):.0f} of {-math.log10(eps):.0f} digits "
            "(κ² · eps > sqrt(eps)). Use solver='qr' or 'svd' (error ~ κ · eps).",
            NumericalWarning,
            stacklevel=4,
        )
    try:
        res = lstsq_refined(
            X,
            Y,
            fit_intercept=fit_intercept,
            method="normal",
            gram=G,
            xty=XtY,
            x_mean=x_mean,
            max_refine=10 if refine else 0,
            check_input=False,
        )
    except np.linalg.LinAlgError as e:
        raise LinmlInputError(
            "LinearRegression(solver='cholesky'): XcᵀXc is not positive definite (X is "
            "rank-deficient). Use solver='svd' (minimum-norm) or 'qr'."
        ) from e
    return _OLSFit(
        res.coef,
        p,
        S,
        cond,
        "cholesky",
        reason or "requested",
        n_iter=1 + res.n_refine,
        intercept=res.intercept if fit_intercept else None,
        scaled_cond=scaled,
        correction=res.correction if res.n_refine else None,
    )


def _fit_qr(X, Y, Yc, fit_intercept, *, x_mean=None, reason="", names=None, **kw):
    """Equilibrated pivoted QR + refinement (:func:`linml.linalg.lstsq_refined`).

    Rank is decided on the column-equilibrated design; when it is rank-deficient the
    dependent columns are named in a :class:`linml.NumericalWarning` and the minimum-norm
    SVD solution is returned.
    """
    n, p = X.shape
    if n < p + int(fit_intercept):  # more unknowns than equations: minimum norm by QR of Xcᵀ
        return _fit_qr_wide(X, Yc, fit_intercept, x_mean=x_mean, reason=reason)
    res = lstsq_refined(
        X, Y, fit_intercept=fit_intercept, method="qr", x_mean=x_mean, check_input=False
    )
    scaled = cond_from_singular_values(res.scaled_singular_values)
    if res.coef is None:
        warnings.warn(
            f"LinearRegression: X is rank-deficient (rank {res.rank} of {p} after scaling "
            f"each column to unit norm): {_column_names(names, res.dependent)} "
            f"{'is' if len(res.dependent) == 1 else 'are'} (nearly) a linear combination of "
            "the others. Returning the minimum-norm solution (SVD); drop or merge those "
            "columns, or use Ridge.",
            NumericalWarning,
            stacklevel=4,
        )
        fit = _fit_svd(
            X,
            Y,
            Yc,
            fit_intercept,
            x_mean=x_mean,
            reason=f"QR of the equilibrated X found rank {res.rank} < {p} (dependent: "
            f"{_column_names(names, res.dependent)}); SVD gives the minimum-norm solution",
            **kw,
        )
        fit.scaled_cond = math.inf
        return fit
    return _OLSFit(
        res.coef,
        p,
        res.singular_values,
        cond_from_singular_values(res.singular_values),
        "qr",
        reason or "requested",
        n_iter=1 + res.n_refine,
        intercept=res.intercept if fit_intercept else None,
        scaled_cond=scaled,
        correction=res.correction,
    )


def _fit_qr_wide(X, Yc, fit_intercept, *, x_mean=None, reason=""):
    """Minimum-norm solution of a wide problem via :func:`linml.linalg.lstsq` (QR of ``Xcᵀ``).

    Falls back to SVD when the centered X has rank < n (always with an intercept).
    """
    Xc = X - x_mean if fit_intercept else X
    res = lstsq(Xc, Yc, method="qr")  # warns NumericalWarning when it falls back to SVD
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


def _fit_svd(X, Y, Yc, fit_intercept, *, x_mean=None, rcond=None, reason="", **_):
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


def _fit_gd(X, Y, Yc, fit_intercept, *, x_mean=None, tol=1e-10, max_iter=10000, reason="", **_):
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


def _fit_auto(X, Y, Yc, fit_intercept, **kw):
    """Pick the solver from shape and conditioning (rule in :class:`LinearRegression` Notes)."""
    n, p = X.shape
    eps = float(np.finfo(X.dtype).eps)
    if n < p + int(fit_intercept):
        return _fit_svd(
            X,
            Y,
            Yc,
            fit_intercept,
            reason=f"n={n} < {p + int(fit_intercept)} unknowns: X is rank-deficient, and "
            "the SVD gives the minimum-norm solution",
            **kw,
        )
    if n < 2 * p:
        return _fit_qr(
            X,
            Y,
            Yc,
            fit_intercept,
            reason=f"n={n} < 2p={2 * p}: XᵀX saves little over factoring X; equilibrated "
            "pivoted QR reveals the rank, refinement recovers the digits",
            **kw,
        )
    G, XtY, _ = centered_gram(X, Yc, fit_intercept, kw.get("x_mean"))  # one SYRK: the probe
    S = gram_singular_values(G)
    scaled = _scaled_gram_cond(G)
    if cholesky_is_safe(scaled, X.dtype):
        refine = scaled > REFINE_ABOVE
        how = (
            f"; κ > {REFINE_ABOVE:g}, so the solution is refined with residuals in extended "
            "precision"
            if refine
            else ""
        )
        return _fit_cholesky(
            X,
            Y,
            Yc,
            fit_intercept,
            G=G,
            XtY=XtY,
            S=S,
            x_mean=kw.get("x_mean"),
            refine=refine,
            reason=f"tall (n ≥ 2p) and κ ≈ {scaled:.3g} ≤ eps^(-1/4) with columns scaled to "
            f"unit norm: the normal equations keep at least half the digits and cost one "
            f"Gram product{how}",
        )
    return _fit_qr(
        X,
        Y,
        Yc,
        fit_intercept,
        reason=f"κ ≈ {scaled:.3g} (columns scaled to unit norm) too large to square "
        f"(κ² · eps > sqrt(eps) = {math.sqrt(eps):.2g}): equilibrated pivoted QR (error ~ κ · "
        "eps) plus refinement in extended precision",
        **kw,
    )


def _fit_gram_eigh(pr: GramProblem, S: np.ndarray, scaled: float, unknowns: int) -> _OLSFit:
    """Streaming fallback: minimum-norm ``β = V diag(1/w) Vᵀ XtY`` from ``eigh(G)``.

    Warns when there are enough rows but ``κ`` is too large to square (fewer rows than
    unknowns is the normal start of a stream and only noted in ``solver_reason_``).
    """
    n, p = pr.n, pr.n_features
    if n >= unknowns:
        warnings.warn(
            f"LinearRegression.partial_fit: κ(X) ≈ {scaled:.3g} (columns scaled to unit norm) "
            "is too large to square, and streaming keeps only XᵀX, so the coefficients may "
            f"lose about {2 * math.log10(max(scaled, 1.0)):.0f} digits. Fit on a dask array "
            "instead (TSQR route) or use Ridge.",
            NumericalWarning,
            stacklevel=5,
        )
    B, rank = gram_pinv_solve(pr.G, pr.XtY, n)
    full = rank == p
    reason = (
        f"streaming: {n} rows so far for {unknowns} unknowns; minimum-norm solve by the "
        "eigendecomposition of the merged Gram"
        if n < unknowns
        else f"streaming: κ ≈ {scaled:.3g} too large to square; minimum-norm solve by the "
        "eigendecomposition of the merged Gram"
    )
    cond = cond_from_singular_values(S) if full else math.inf
    return _OLSFit(B, rank, S, cond, "gram-eigh", reason, scaled_cond=scaled if full else math.inf)


def _fit_from_gram(pr: GramProblem, solver: str, fit_intercept: bool) -> _OLSFit:
    """Solve a :class:`GramProblem` (dask: one pass done; streaming: statistics only).

    The rule of ``'auto'`` is the in-memory one: the normal equations ``G β = XtY`` by
    Cholesky when ``n ≥ 2p`` and ``κ(Xc D⁻¹)² · eps ≤ sqrt(eps)``; otherwise, for dask input,
    a tall-skinny QR of ``[Xc | Yc]`` (a second pass) and the SVD of its p×p ``R``. A
    streaming fit has no rows left to factor: it solves ``G`` by its eigendecomposition
    (minimum norm) and warns when that squares a bad κ.
    """
    n, p = pr.n, pr.n_features
    unknowns = p + int(fit_intercept)
    streaming = pr.X is None
    S = gram_singular_values(pr.G)
    scaled = _scaled_gram_cond(pr.G)
    safe = n >= unknowns and cholesky_is_safe(scaled, np.float64)
    if not streaming and n < unknowns:
        raise LinmlInputError(
            f"LinearRegression: the dask X has n_samples={n}, fewer than the {unknowns} "
            "unknowns; such a wide problem fits in memory — call fit on X.compute()."
        )
    if streaming and not (safe or solver == "cholesky"):
        return _fit_gram_eigh(pr, S, scaled, unknowns)
    if solver == "cholesky" or streaming or (solver == "auto" and safe and n >= 2 * p):
        why = (
            f"κ ≈ {scaled:.3g} ≤ eps^(-1/4) with columns scaled to unit norm: the normal "
            "equations on the merged centered Gram keep at least half the digits"
            if safe
            else "requested"
        )
        try:
            factor = sla.cho_factor(pr.G, lower=True, check_finite=False)  # G = L Lᵀ
            B = sla.cho_solve(factor, pr.XtY, check_finite=False)  # G β = XtY
            cond = cond_from_singular_values(S)
            return _OLSFit(B, p, S, cond, "cholesky", why, scaled_cond=scaled)
        except np.linalg.LinAlgError as e:
            if solver == "cholesky":
                raise LinmlInputError(
                    "LinearRegression(solver='cholesky'): XcᵀXc is not positive definite "
                    "(X is rank-deficient or too ill-conditioned). Use solver='auto'."
                ) from e
            if streaming:
                return _fit_gram_eigh(pr, S, scaled, unknowns)
    R, QtY = dask_tsqr(pr)
    B, S, rank = solve_triangular_lstsq(R, QtY, n)
    d = np.linalg.norm(R, axis=0)  # column norms of R = those of Xc
    d = np.where(d > 0, d, 1.0)
    scaled_r = cond_from_singular_values(np.linalg.svd(R / d, compute_uv=False))
    cond = cond_from_singular_values(S) if rank == p else math.inf
    pr.info.route = "tall-skinny QR (da.linalg.tsqr) of the centered [X | y]"
    reason = (
        f"κ ≈ {scaled:.3g} (columns scaled to unit norm) too large to square"
        if n >= 2 * p
        else f"n={n} < 2p={2 * p}"
    )
    return _OLSFit(
        B,
        rank,
        S,
        cond,
        "tsqr",
        f"{reason}: tall-skinny QR of the centered dask X (error ~ κ · eps), then the SVD of "
        "its p×p R (minimum norm beyond the rcond cutoff)",
        scaled_cond=scaled_r if rank == p else math.inf,
    )


_SOLVER_FUNCS = {
    "auto": _fit_auto,
    "cholesky": _fit_cholesky,
    "qr": _fit_qr,
    "svd": _fit_svd,
    "gd": _fit_gd,
}


# ---------------------------------------------------------------------------- estimator
def _streaming_solver(solver: str) -> bool:
    """``partial_fit`` exists for the solvers that work from merged statistics (not 'gd')."""
    if solver == "gd":
        raise LinmlInputError(
            "LinearRegression(solver='gd') has no partial_fit: gradient descent needs the rows "
            "in memory; stream with solver='auto' (or 'cholesky', 'qr', 'svd')."
        )
    return True


class LinearRegression(LinearPredictorMixin, RegressorMixin, LinmlEstimator):
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
    dask_info_ : str or None
        For a dask fit, e.g. ``'dask: 12 row blocks on 2 workers (distributed), route:
        centered Gram reduction'``; None otherwise.
    n_samples_seen_ : int or None
        Rows accumulated by :meth:`partial_fit` (None after ``fit``).

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

    **Dask input and partial_fit.** A ``dask.array.Array`` or dask DataFrame ``X`` is read
    once: every row block ``b`` gives ``(n_b, x̄_b, S_b = Σ (x − x̄_b)(x − x̄_b)ᵀ, ȳ_b,
    C_b = Σ (x − x̄_b)(y − ȳ_b)ᵀ)`` and blocks merge by Chan, Golub & LeVeque's update
    ``δ = x̄_b − x̄_a``, ``S = S_a + S_b + δδᵀ n_a n_b / (n_a + n_b)`` (``C`` likewise), so
    ``G = S`` and ``XtY = C`` are the centered Gram and cross products without ever forming
    ``XᵀX − n x̄x̄ᵀ`` (without an intercept ``G = S + n x̄x̄ᵀ = XᵀX``). Then the rule above:
    Cholesky of ``G`` when ``n ≥ 2p`` and ``κ(Xc D⁻¹)² · eps ≤ sqrt(eps)``; otherwise a
    second pass runs ``da.linalg.tsqr`` on the centered ``[X | Y]`` (its R factor holds
    ``R`` and ``QᵀYc``) and ``β`` is the minimum-norm solution from the SVD of the p×p
    ``R`` (``solver_ == 'tsqr'``). ``predict`` on a dask array is lazy (``map_blocks``).
    :meth:`partial_fit` merges in-memory blocks the same way and solves ``G β = XtY``
    after each call (eigendecomposition of ``G``, minimum norm, with a
    :class:`linml.NumericalWarning` when ``κ`` is too large to square: there are no rows
    left to run QR on). ``solver='gd'`` needs the rows in memory.

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
    >>> stream = LinearRegression().partial_fit(X[:2], y[:2]).partial_fit(X[2:], y[2:])
    >>> stream.coef_.round(8), stream.n_samples_seen_
    (array([ 2., -1.]), 4)
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
        X : array-like or dask array of shape (n_samples, n_features)
            A dask ``X`` (or dask DataFrame) is read once for its Gram statistics, with a
            second tall-skinny QR pass when κ is too large for Cholesky (see the notes).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        start_fit(self)
        if is_dask_collection(X):
            return self._fit_problem(dask_problem("LinearRegression", X, y, self.fit_intercept))
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True)
        self.dask_info_ = None
        in_dtype = X.dtype
        Y = np.asarray(y, dtype=X.dtype).reshape(X.shape[0], -1)  # (n, k)
        fit, x_mean, y_mean = self._solve(X, Y)
        self.upcast_ = False
        kappa = fit.cond if fit.scaled_cond is None else fit.scaled_cond  # what costs digits
        if in_dtype == np.float32 and not (
            kappa is not None and kappa <= 1.0 / math.sqrt(np.finfo(np.float32).eps)
        ):
            warnings.warn(
                f"LinearRegression: κ(X) ≈ {kappa:.3g} is too large for float32 "
                "(> 1/sqrt(eps₃₂) ≈ 2.9e3: fewer than half its 7 digits would survive); "
                "refitting in float64.",
                NumericalWarning,
                stacklevel=2,
            )
            fit, x_mean, y_mean = self._solve(X.astype(np.float64), Y.astype(np.float64))
            self.upcast_ = True
        B = fit.B.astype(in_dtype, copy=False)
        self.coef_, self.intercept_ = output_coef(
            B,
            x_mean.astype(in_dtype),
            y_mean.astype(in_dtype),
            np.ndim(y),
            self.fit_intercept,
            intercept=None if fit.intercept is None else fit.intercept.astype(in_dtype),
        )
        self.rank_ = fit.rank
        self.singular_values_ = fit.S
        self.condition_number_ = None if fit.cond is None else float(fit.cond)
        self.scaled_condition_number_ = None if fit.scaled_cond is None else float(fit.scaled_cond)
        self.refinement_correction_ = fit.correction
        self.solver_ = fit.solver
        self.solver_reason_ = fit.reason
        self.n_iter_ = 1 if fit.n_iter is None else int(fit.n_iter)  # direct solvers: one pass
        return self

    @available_if(lambda self: _streaming_solver(self.solver))
    def partial_fit(self, X: Any, y: Any) -> LinearRegression:
        """Add a block of rows and refit from the merged statistics (streaming, no cluster).

        Each call merges the block's :class:`~linml.linalg.gram_stats.GramStats` into the
        running ones by Chan's update and solves the normal equations again, so ``coef_`` is
        available after every call and equals (to round-off) a ``fit`` on all rows so far
        when ``X`` is well-conditioned. ``fit`` discards the accumulated rows.

        Parameters
        ----------
        X : array-like of shape (n_block, n_features)
        y : array-like of shape (n_block,) or (n_block, n_targets)

        Returns
        -------
        self

        Raises
        ------
        AttributeError
            With ``solver='gd'``, which needs the rows in memory (there is no ``partial_fit``).
        """
        self._fit_problem(accumulate_block(self, X, y))
        self.n_samples_seen_ = self._partial_stats.n
        return self

    def _fit_problem(self, pr: GramProblem) -> LinearRegression:
        """Set the fitted attributes from a :class:`GramProblem` (dask or streaming)."""
        if self.solver == "gd":
            raise LinmlInputError(
                "LinearRegression(solver='gd') needs the rows in memory; for dask input or "
                "partial_fit use solver='auto' (or 'cholesky', 'qr', 'svd')."
            )
        fit = _fit_from_gram(pr, self.solver, self.fit_intercept)
        self.coef_, self.intercept_ = pr.output(fit.B, self.fit_intercept)
        pr.describe_input(self)
        self.rank_ = fit.rank
        self.singular_values_ = fit.S
        self.condition_number_ = None if fit.cond is None else float(fit.cond)
        self.scaled_condition_number_ = None if fit.scaled_cond is None else float(fit.scaled_cond)
        self.refinement_correction_ = None
        self.solver_ = fit.solver
        self.solver_reason_ = fit.reason
        self.n_iter_ = 1
        self.upcast_ = False
        return self

    def _solve(self, X: np.ndarray, Y: np.ndarray) -> tuple[_OLSFit, np.ndarray, np.ndarray]:
        """Solve, rescaling extreme columns of X (and Y) by exact powers of two first.

        Least squares is scale-invariant: ``β(X C) = C⁻¹ β(X)`` and ``β(X, g Y) = g β``, so
        entries whose squares would overflow (≳ 1e154) or underflow (≲ 1e-154) are solved
        on ``X C⁻¹``, ``Y / g`` and mapped back — exactly, since C and g are powers of two.
        """
        ec = safe_scales(X)  # X = X_s · 2^ec (per column), exactly
        eg = safe_scales(Y.reshape(-1, 1))  # Y = Y_s · 2^eg
        if ec is None and eg is None:
            return self._solve_scaled(X, Y)
        ec = np.zeros(X.shape[1], dtype=np.int64) if ec is None else ec
        eg = 0 if eg is None else int(eg[0])
        fit, x_mean, y_mean = self._solve_scaled(np.ldexp(X, -ec), np.ldexp(Y, -eg))
        with np.errstate(over="ignore"):  # a β too large to represent is reported below
            fit.B = np.ldexp(fit.B, (eg - ec)[:, None])  # β = 2^(eg − ec) β_s
            x_mean = np.ldexp(x_mean, ec)
            y_mean = np.ldexp(y_mean, eg)
            if fit.intercept is not None:
                fit.intercept = np.ldexp(fit.intercept, eg)
        fit.reason += (
            "; X/y had entries whose squares leave float64's range, so the solve ran on them "
            "rescaled by exact powers of two (singular values refer to the rescaled X)"
        )
        with np.errstate(over="ignore", invalid="ignore"):
            intercept = y_mean - x_mean @ fit.B if fit.intercept is None else fit.intercept
        if not (np.isfinite(fit.B).all() and np.isfinite(intercept).all()):
            raise LinmlInputError(
                "LinearRegression: the least-squares coefficients for this X and y are too "
                f"large to represent in {X.dtype} (X entries as small as "
                f"{float(np.min(np.abs(X[X != 0]))):.3g} against y up to "
                f"{float(np.max(np.abs(Y))):.3g}); rescale X or y (e.g. StandardScaler)."
            )
        return fit, x_mean, y_mean

    def _solve_scaled(self, X: np.ndarray, Y: np.ndarray) -> tuple[_OLSFit, np.ndarray, np.ndarray]:
        y_mean = Y.mean(axis=0) if self.fit_intercept else np.zeros(Y.shape[1], dtype=Y.dtype)
        Yc = Y - y_mean  # targets are small: always center them explicitly
        x_mean = X.mean(axis=0) if self.fit_intercept else np.zeros(X.shape[1], dtype=X.dtype)
        fit = _SOLVER_FUNCS[self.solver](
            X,
            Y,
            Yc,
            self.fit_intercept,
            x_mean=x_mean,
            names=getattr(self, "feature_names_in_", None),
            rcond=self.rcond,
            tol=self.tol,
            max_iter=self.max_iter,
        )
        return fit, x_mean, y_mean

    def _explain(self) -> Explanation:
        check_is_fitted(self)
        expl = Explanation(title="LinearRegression (ordinary least squares)")
        expl.add("solver", self.solver_, self.solver_reason_)
        add_dask_fact(expl, getattr(self, "dask_info_", None))
        add_partial_fit_fact(expl, getattr(self, "n_samples_seen_", None))
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
        scaled = self.scaled_condition_number_
        if scaled is not None and math.isfinite(scaled):
            expl.add(
                "κ with columns scaled to unit norm",
                scaled,
                "what decides the digits: a solver's error grows with the conditioning left "
                "after the best column scaling, not with the columns' units (van der Sluis)",
            )
        if self.refinement_correction_ is not None:
            corr = self.refinement_correction_
            settled = -math.log10(corr) if corr > 0 else -math.log10(float(np.finfo(float).eps))
            expl.add(
                "iterative refinement",
                f"{self.n_iter_ - 1} step(s), last correction {corr:.2g}",
                f"residuals in extended precision on the raw data; about {settled:.0f} digits "
                "of the coefficients (relative to their largest) had settled",
            )
        cond = self.condition_number_
        kappa = scaled if scaled is not None else cond
        if (
            cond is not None
            and not math.isfinite(cond)
            and (kappa is None or not math.isfinite(kappa))
        ):
            expl.verdict = (
                "X is rank-deficient: the coefficients are the minimum-norm solution among "
                "infinitely many that fit equally well"
            )
            expl.suggestions.append(
                "remove or merge collinear features, or use Ridge to pick a stable solution"
            )
        elif kappa is not None and kappa > 1e3:
            expl.verdict = (
                f"ill-conditioned (κ ≈ {kappa:.3g}{' after column scaling' if scaled else ''}): "
                "small changes in y can move the coefficients a lot"
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
        elif cond is not None and scaled is not None and cond > 1e3:
            expl.verdict = (
                f"κ(X) ≈ {cond:.3g} comes from the columns' units (κ ≈ {scaled:.3g} once each "
                "column has unit norm): the coefficients are determined to near full precision"
            )
            expl.suggestions.append(
                "standardize the features (StandardScaler) to compare coefficient sizes, and "
                "before any penalized model (Ridge, Lasso), whose penalty is not unit-free"
            )
        else:
            expl.verdict = (
                "well-conditioned: the coefficients are determined to near full precision"
            )
        if self.upcast_:
            expl.suggestions.append("float32 input was refit in float64 because of κ")
        return expl
