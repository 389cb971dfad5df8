"""Ridge with the penalty chosen by leave-one-out or generalized cross-validation, from ONE decomposition."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import scipy.linalg as sla
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted

from linml._base import Explanation, LinmlEstimator
from linml._dask import is_dask_collection
from linml._validation import Interval, Options, validate_data
from linml.exceptions import LinmlInputError
from linml.linalg import svd
from linml.linalg._scaling import check_squares_finite
from linml.linear_model._least_squares import (
    GramProblem,
    LinearPredictorMixin,
    add_conditioning_facts,
    add_dask_fact,
    centered_gram,
    cond_from_singular_values,
    dask_problem,
    dask_tsqr,
    output_coef,
)

__all__ = ["RidgeCV"]

CV_MODES = ("loo", "gcv")

#: Rows per block when scoring: bounds the (rows × n_alphas) temporaries to a few MB.
_ROW_BLOCK = 4096


@dataclass
class _Decomposition:
    """``Xc`` factored once so that, for every α, fitted values and hat diagonal are cheap.

    ``Xc β(α) = Z diag(g(α)) Zᵀ Yc`` and ``h(α) = c₀ + (Z ∘ Z) g(α)`` with

    - ``route='gram'`` (n > p): ``XcᵀXc = V diag(w) Vᵀ``, ``Z = Xc V``, ``g = 1/(w + α)``;
    - ``route='dual'`` (n ≤ p): ``Xc Xcᵀ = Q diag(w) Qᵀ``, ``Z = Q``, ``g = w/(w + α)``;
    - ``route='svd'``: ``Xc = U diag(σ) Vᵀ``, ``Z = U``, ``g = σ²/(σ² + α)``, ``w = σ²``.
    """

    route: str
    Z: np.ndarray  # (n, r)
    w: np.ndarray  # (r,) eigenvalues of the Gram = σ², descending
    ZtY: np.ndarray  # (r, k) = Zᵀ Yc
    basis: np.ndarray  # gram: V (p, r); dual: Xc (n, p); svd: Vt (r, p)

    def g(self, alphas: np.ndarray) -> np.ndarray:
        """(r, n_alphas) weights of the fitted values: ``Xc β = Z diag(g) ZᵀYc``."""
        w = self.w[:, None]
        a = alphas[None, :]
        return 1.0 / (w + a) if self.route == "gram" else w / (w + a)

    def coef(self, alphas: np.ndarray) -> np.ndarray:
        """β (p, k) with target j's penalty ``alphas[j]``."""
        D = 1.0 / (self.w[:, None] + alphas[None, :])  # (r, k): 1/(σ² + α_j)
        if self.route == "gram":
            return self.basis @ (D * self.ZtY)  # β = V diag(1/(w + α)) Vᵀ XcᵀYc
        if self.route == "dual":
            return self.basis.T @ (self.Z @ (D * self.ZtY))  # β = Xcᵀ Q diag(1/(w+α)) QᵀYc
        S = np.sqrt(self.w)[:, None]
        return self.basis.T @ (S * D * self.ZtY)  # β = V diag(σ/(σ² + α)) UᵀYc


def _decompose(X: np.ndarray, Yc: np.ndarray, fit_intercept: bool, alpha_min: float):
    """Factor the centered design once; the cheapest route that keeps the spectrum accurate.

    Eigenvalues of a Gram matrix carry an absolute error ~ eps·w_max, harmless next to
    ``w + α`` unless ``eps · w_max / (w_min + α_min) > sqrt(eps)``; then use the SVD of Xc.
    """
    n, p = X.shape
    eps = float(np.finfo(X.dtype).eps)
    x_mean = X.mean(axis=0) if fit_intercept else np.zeros(p, dtype=X.dtype)
    if n > p:
        G, XtY, _ = centered_gram(X, Yc, fit_intercept, x_mean)
        w, V = sla.eigh(G, check_finite=False, driver="evd")  # XcᵀXc = V diag(w) Vᵀ
        w, V = np.clip(w[::-1], 0.0, None), V[:, ::-1]  # descending
        if w.size == 0 or eps * w[0] <= math.sqrt(eps) * (w[-1] + alpha_min):
            Z = X @ V  # (n, p); Z = Xc V = X V − 1 (x̄ᵀV)
            Z -= x_mean @ V
            return _Decomposition("gram", Z, w, V.T @ XtY, V), x_mean
        Xc = X - x_mean
    else:
        Xc = X - x_mean
        K = Xc @ Xc.T  # (n, n) dual Gram
        K = (K + K.T) / 2  # symmetrize: round-off
        w, Q = sla.eigh(K, check_finite=False, driver="evd")  # all pairs: D&C, faster
        w, Q = np.clip(w[::-1], 0.0, None), Q[:, ::-1]
        if w.size == 0 or eps * w[0] <= math.sqrt(eps) * (w[-1] + alpha_min):
            return _Decomposition("dual", Q, w, Q.T @ Yc, Xc), x_mean
    U, S, Vt = svd(Xc)  # ill-conditioned: the SVD keeps the small σ accurate
    return _Decomposition("svd", U, S**2, U.T @ Yc, Vt), x_mean


def _cv_errors(
    dec: _Decomposition, Yc: np.ndarray, alphas: np.ndarray, fit_intercept: bool, mode: str
) -> np.ndarray:
    """Mean squared CV error, shape (n_alphas, k), for every α from the one decomposition.

    LOO: ``e_i = r_i / (1 − h_ii)`` with ``h_ii(α) = 1/n + Σ_j Z_ij² g_j(α)`` (the 1/n is the
    unpenalized intercept). GCV: ``mean(r²) / (1 − tr(H)/n)²``.
    """
    n, k = Yc.shape
    c0 = 1.0 / n if fit_intercept else 0.0
    # An orthonormal Z that spans all of Rⁿ (dual / wide SVD) allows the complement form
    # I − Z diag(g) Zᵀ = Z diag(1 − g) Zᵀ with 1 − g = α/(σ² + α): no cancellation in r or
    # 1 − h when α ≪ σ² (near-interpolation, where both are O(α)).
    complement = dec.route != "gram" and dec.Z.shape[0] == dec.Z.shape[1]
    Gm = dec.g(alphas)  # (r, A)
    if complement:
        Gm = alphas[None, :] / (dec.w[:, None] + alphas[None, :])  # 1 − g = α/(σ² + α)
        if fit_intercept:
            # Xc's rows sum to 0, so 1/√n is a basis vector with σ = 0; its term 1/n in
            # Σ_j Z_ij² α/(σ_j² + α) is exactly the intercept's leverage. Drop both instead of
            # subtracting 1/n: round-off in that σ (~eps·σ_max) would otherwise swamp 1 − h_ii
            # when α is small.
            align = np.abs(dec.Z.sum(axis=0)) / math.sqrt(n)  # |cos(z_j, 1)|
            j0 = int(np.argmax(align))
            if align[j0] > 1.0 - 1e-8:
                Gm[j0] = 0.0
                c0 = 0.0
    weights = [dec.ZtY[:, j, None] * Gm for j in range(k)]  # (r, A): g ∘ ZᵀYc per target
    sq_err = np.zeros((alphas.size, k))
    sq_res = np.zeros((alphas.size, k))
    trace = np.zeros(alphas.size)  # tr(I − H)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for start in range(0, n, _ROW_BLOCK):
            Zb = dec.Z[start : start + _ROW_BLOCK]  # (b, r)
            if complement:
                M = (Zb * Zb) @ Gm - c0  # (b, A): 1 − h_ii per α
            else:
                M = 1.0 - c0 - (Zb * Zb) @ Gm  # (b, A): 1 − h_ii per α
            trace += M.sum(axis=0)
            for j in range(k):
                fit_or_res = Zb @ weights[j]  # (b, A)
                R = (
                    fit_or_res
                    if complement
                    else Yc[start : start + _ROW_BLOCK, j, None] - fit_or_res
                )
                sq_res[:, j] += np.einsum("ba,ba->a", R, R)
                if mode == "loo":
                    E = R / M  # LOO residuals r_i/(1 − h_ii)
                    sq_err[:, j] += np.einsum("ba,ba->a", E, E)
    if mode == "gcv":
        return sq_res / n / ((trace / n) ** 2)[:, None]
    return np.nan_to_num(sq_err / n, nan=np.inf)


# ---------------------------------------------------------------------------- dask route
def _decompose_gram(pr: GramProblem, alpha_min: float) -> tuple[_Decomposition, str]:
    """Eigenpairs of ``XcᵀXc`` from the merged statistics, or from a TSQR when they are poor.

    Same test as :func:`_decompose`: the Gram's eigenvalues (absolute error ~ eps·w_max) are
    kept when ``eps · w_max ≤ sqrt(eps) · (w_min + α_min)``. Otherwise one tall-skinny QR
    ``[Xc | Yc] → [[R, QᵀYc], …]`` and ``R = U diag(σ) Vᵀ`` give ``w = σ²`` accurately, and
    ``ZᵀYc = diag(σ) Uᵀ QᵀYc``. ``Z = Xc V`` is never stored: the LOO pass forms it per block.
    """
    eps = float(np.finfo(np.float64).eps)
    w, V = sla.eigh(pr.G, check_finite=False, driver="evd")  # XcᵀXc = V diag(w) Vᵀ
    w, V = np.clip(w[::-1], 0.0, None), V[:, ::-1]  # descending
    if w.size == 0 or eps * w[0] <= math.sqrt(eps) * (w[-1] + alpha_min):
        return _Decomposition("gram", np.empty((0, w.size)), w, V.T @ pr.XtY, V), "gram"
    R, QtY = dask_tsqr(pr)
    U, S, Vt = np.linalg.svd(R)  # R = U diag(σ) Vᵀ, so XcᵀXc = RᵀR = V diag(σ²) Vᵀ
    pr.info.route = "tall-skinny QR (da.linalg.tsqr) of the centered [X | y], SVD of R"
    ZtY = S[:, None] * (U.T @ QtY)  # Zᵀ Yc = Vᵀ Xcᵀ Yc = diag(σ) Uᵀ QᵀYc
    return _Decomposition("gram", np.empty((0, S.size)), S**2, ZtY, Vt.T), "tsqr"


def _gcv_from_stats(
    dec: _Decomposition, pr: GramProblem, alphas: np.ndarray, fit_intercept: bool
) -> np.ndarray:
    """GCV (n_alphas, k) from the statistics alone — no pass over the rows.

    With ``g = 1/(w + α)`` and ``c = ZᵀYc``: ``‖r‖² = YcᵀYc − Σ_j c_j² g_j (2 − w_j g_j)``
    (since ``‖Z diag(g) c‖² = Σ w g² c²``) and ``tr(I − H) = n − [intercept] − Σ_j w_j g_j``.
    """
    n = pr.n
    Gm = dec.g(alphas)  # (r, A)
    wg = dec.w[:, None] * Gm  # (r, A): shrinkage factors σ²/(σ² + α)
    C2 = dec.ZtY**2  # (r, k)
    fitted = np.einsum("rk,ra->ak", C2, Gm * (2.0 - wg))  # (A, k)
    sq_res = np.clip(np.diag(pr.YtY)[None, :] - fitted, 0.0, None)
    trace = n - float(fit_intercept) - wg.sum(axis=0)  # (A,)
    return sq_res / n / ((trace / n) ** 2)[:, None]


def _loo_block(X_b, Y_b, V, x_mean, y_mean, ZtY, Gm, c0) -> np.ndarray:
    """Σ over one row block of the squared LOO residuals ``(r_i/(1 − h_ii))²``, (n_alphas, k)."""
    Zb = (np.asarray(X_b, dtype=np.float64) - x_mean) @ V  # (b, r): Z = Xc V on this block
    Yc = np.asarray(Y_b, dtype=np.float64).reshape(Zb.shape[0], -1) - y_mean  # (b, k)
    M = 1.0 - c0 - (Zb * Zb) @ Gm  # (b, A): 1 − h_ii per α
    out = np.zeros((Gm.shape[1], Yc.shape[1]))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for j in range(Yc.shape[1]):
            R = Yc[:, j, None] - Zb @ (ZtY[:, j, None] * Gm)  # (b, A) residuals
            E = R / M  # LOO residuals r_i/(1 − h_ii)
            out[:, j] = np.einsum("ba,ba->a", E, E)
    return out


def _loo_dask(
    dec: _Decomposition, pr: GramProblem, alphas: np.ndarray, fit_intercept: bool
) -> np.ndarray:
    """Exact LOO (n_alphas, k) by a second pass: every block forms its ``Z_b = Xc_b V``."""
    import dask

    c0 = 1.0 / pr.n if fit_intercept else 0.0
    shared = [dask.delayed(a) for a in (dec.basis, pr.x_mean, pr.y_mean, dec.ZtY, dec.g(alphas))]
    x_blocks = pr.X.to_delayed()[:, 0]
    y_blocks = pr.Y.to_delayed()[:, 0]
    parts = [
        dask.delayed(_loo_block, pure=True)(xb, yb, *shared, c0)
        for xb, yb in zip(x_blocks, y_blocks, strict=True)
    ]
    (total,) = dask.compute(dask.delayed(sum)(parts))
    return np.nan_to_num(total / pr.n, nan=np.inf)


class RidgeCV(LinearPredictorMixin, RegressorMixin, LinmlEstimator):
    """Ridge with ``alpha`` chosen by exact leave-one-out or generalized cross-validation.

    Every candidate α is scored from ONE decomposition of the centered design — no refits.

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,), default=(0.1, 1.0, 10.0)
        Candidate penalties, each > 0.
    fit_intercept : bool, default=True
    cv_mode : {'loo', 'gcv'}, default='loo'
        - ``'loo'``: exact leave-one-out mean squared error, ``e_i = r_i/(1 − h_ii(α))``
          (what scikit-learn's RidgeCV computes by default — its ``gcv_mode`` only picks the
          decomposition, its score is this exact LOO);
        - ``'gcv'``: generalized cross-validation (Golub, Heath & Wahba 1979),
          ``mean(r²)/(1 − tr(H)/n)²`` — LOO with every leverage replaced by the average.
    alpha_per_target : bool, default=False
        Choose one α per target column (y 2-D).

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
    cv_values_ : ndarray of shape (n_alphas,) or (n_alphas, n_targets)
        Mean squared CV error per α (per target when ``alpha_per_target``).
    cv_scores_ : ndarray, same shape
        ``−cv_values_`` (higher is better, as scikit-learn scores).
    best_score_ : float or ndarray of shape (n_targets,)
        The best score, ``−min cv_values_`` (scikit-learn's sign).
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    singular_values_ : ndarray of shape (r,)
        σ of the centered X, descending (r = min(n, p)).
    shrinkage_factors_ : ndarray of shape (r,) or (n_targets, r)
        ``σ²/(σ² + alpha_)``.
    effective_dof_ : float or ndarray of shape (n_targets,)
    condition_number_ : float
    dask_info_ : str or None
        For a dask fit: row blocks, scheduler, workers and route; None otherwise.
    route_ : str
        The decomposition (``'tsqr'`` for a dask fit that needed the QR): ``'gram'`` (eigh of the p×p ``XcᵀXc``, then ``Z = Xc V`` once),
        ``'dual'`` (eigh of the n×n ``Xc Xcᵀ``, n ≤ p: no Z product needed), or ``'svd'`` (thin SVD of ``Xc`` when the
        Gram cannot resolve the small eigenvalues next to the smallest α).

    Notes
    -----
    With ``Xc = U diag(σ) Vᵀ`` the hat matrix of ridge (plus intercept) is
    ``H(α) = 11ᵀ/n + U diag(σ²/(σ² + α)) Uᵀ``, so ``h_ii(α) = 1/n + Σ_j U_ij² σ_j²/(σ_j²+α)``
    and the residuals ``r(α) = Yc − U diag(σ²/(σ² + α)) UᵀYc``. For n > p the eigenvectors
    ``V`` of the p×p Gram give ``U diag(σ) = Xc V = Z``; one product forms ``Z``, and for all
    α at once ``h = 1/n + (Z∘Z) [1/(σ² + α)]`` and ``r = Yc − Z [ (ZᵀYc) ∘ 1/(σ² + α) ]`` are
    GEMMs with n_alphas columns. The leave-one-out identity ``e_i = r_i/(1 − h_ii)`` holds
    for any linear smoother fitted by penalized least squares.

    Computation is in float64; float32 input gives float32 ``coef_``.

    **Dask input.** A dask ``X`` (n > p) is reduced in one pass to the centered Gram
    ``XcᵀXc = S`` and ``XcᵀYc = C`` (row blocks merged by Chan, Golub & LeVeque's update
    ``S = S_a + S_b + δδᵀ n_a n_b/(n_a + n_b)``), then ONE ``eigh(S) = V diag(w) Vᵀ`` serves
    every α. GCV needs no further pass: with ``c = Vᵀ C`` and ``g = 1/(w + α)``,
    ``‖r‖² = YcᵀYc − Σ_j c_j² g_j (2 − w_j g_j)`` and ``tr(I − H) = n − 1 − Σ_j w_j g_j``.
    Exact LOO needs ``h_ii``: a second pass forms ``Z_b = Xc_b V`` per block. When the Gram
    cannot resolve ``w_min`` next to ``min(alphas)`` (the in-memory test), ``w`` and ``V``
    come from the SVD of the R factor of ``da.linalg.tsqr([Xc | Yc])`` (``route_ == 'tsqr'``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 3))
    >>> y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(50)
    >>> model = RidgeCV(alphas=[0.01, 1.0, 100.0]).fit(X, y)
    >>> model.alpha_, model.route_
    (0.01, 'gram')
    >>> np.round(model.coef_, 2)
    array([ 1.02, -2.01,  0.51])
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "alphas": [Interval(float, 0, None, closed="neither", finite=True), "array-like"],
        "fit_intercept": [bool, np.bool_],
        "cv_mode": [Options(CV_MODES)],
        "alpha_per_target": [bool, np.bool_],
    }

    def __init__(
        self,
        alphas: Any = (0.1, 1.0, 10.0),
        fit_intercept: bool = True,
        cv_mode: str = "loo",
        alpha_per_target: bool = False,
    ) -> None:
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.cv_mode = cv_mode
        self.alpha_per_target = alpha_per_target

    def fit(self, X: Any, y: Any) -> RidgeCV:
        """Score every alpha, keep the best, and fit the ridge coefficients with it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        self._check_params()
        alphas = np.asarray(self.alphas, dtype=np.float64).reshape(-1)
        if alphas.size == 0:
            raise LinmlInputError("RidgeCV: alphas is empty; pass at least one alpha > 0.")
        if is_dask_collection(X):
            return self._fit_dask(X, y, alphas)
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True)
        check_squares_finite(X, "RidgeCV")
        in_dtype = X.dtype
        X64 = X.astype(np.float64, copy=False)  # LOO needs 1 − h_ii accurately: float64
        Y = np.asarray(y, dtype=np.float64).reshape(X.shape[0], -1)  # (n, k)
        k = Y.shape[1]
        y_mean = Y.mean(axis=0) if self.fit_intercept else np.zeros(k)
        Yc = Y - y_mean
        dec, x_mean = _decompose(X64, Yc, self.fit_intercept, float(alphas.min()))
        errors = _cv_errors(dec, Yc, alphas, self.fit_intercept, self.cv_mode)  # (A, k)
        self.route_ = dec.route
        self.dask_info_ = None
        return self._set_fit(
            errors, alphas, dec, x_mean, y_mean, np.ndim(y), in_dtype, min(X.shape)
        )

    def _fit_dask(self, X: Any, y: Any, alphas: np.ndarray) -> RidgeCV:
        """One pass to the merged statistics, one eigendecomposition, then every α.

        GCV needs nothing more; exact LOO needs the leverages ``h_ii``, i.e. a second pass
        forming ``Z_b = Xc_b V`` block by block (``V`` from the p×p eigendecomposition).
        """
        pr = dask_problem("RidgeCV", X, y, self.fit_intercept)
        if pr.n <= pr.n_features:
            raise LinmlInputError(
                f"RidgeCV: the dask X has n_samples={pr.n} ≤ n_features={pr.n_features}; the "
                "Gram route needs n > p — such a wide X fits in memory: fit on X.compute()."
            )
        dec, route = _decompose_gram(pr, float(alphas.min()))
        if self.cv_mode == "gcv":
            errors = _gcv_from_stats(dec, pr, alphas, self.fit_intercept)
        else:
            errors = _loo_dask(dec, pr, alphas, self.fit_intercept)
            pr.info.route += "; second pass for the LOO leverages"
        self.route_ = route
        pr.describe_input(self)
        return self._set_fit(
            errors, alphas, dec, pr.x_mean, pr.y_mean, pr.y_ndim, pr.dtype, pr.n_features
        )

    def _set_fit(self, errors, alphas, dec, x_mean, y_mean, y_ndim, in_dtype, r) -> RidgeCV:
        """Pick α from the CV errors (n_alphas, k) and set the fitted attributes."""
        k = errors.shape[1]
        per_target = self.alpha_per_target and k > 1
        if per_target:
            best = np.argmin(errors, axis=0)  # first minimum, as scikit-learn's strict ">"
            self.alpha_ = alphas[best]
            self.cv_values_ = errors
            self.best_score_ = -errors[best, np.arange(k)]
            target_alphas = self.alpha_
        else:
            mean_err = errors.mean(axis=1)  # (A,) mean over samples and targets
            best = int(np.argmin(mean_err))
            self.alpha_ = float(alphas[best])
            self.cv_values_ = mean_err
            self.best_score_ = float(-mean_err[best])
            target_alphas = np.full(k, self.alpha_)
        self.cv_scores_ = -self.cv_values_
        B = dec.coef(target_alphas)  # (p, k)
        self.coef_, self.intercept_ = output_coef(
            B.astype(in_dtype),
            x_mean.astype(in_dtype),
            y_mean.astype(in_dtype),
            y_ndim,
            self.fit_intercept,
        )
        S = np.sqrt(dec.w)[:r]
        self.singular_values_ = S
        self.condition_number_ = cond_from_singular_values(S)
        a = np.atleast_1d(self.alpha_)
        F = S[None, :] ** 2 / (S[None, :] ** 2 + a[:, None])  # (k or 1, r)
        self.shrinkage_factors_ = F if per_target else F[0]
        self.effective_dof_ = F.sum(axis=1) if per_target else float(F[0].sum())
        return self

    def _explain(self) -> Explanation:
        check_is_fitted(self)
        what = "exact leave-one-out" if self.cv_mode == "loo" else "generalized cross-validation"
        expl = Explanation(title=f"RidgeCV ({what})")
        expl.add(
            "decomposition",
            self.route_,
            {
                "gram": "eigh of the p×p XcᵀXc, Z = Xc V formed once; every α is two GEMMs",
                "dual": "eigh of the n×n Xc Xcᵀ (p > n); every α is two GEMMs",
                "svd": "thin SVD of Xc: the Gram could not resolve small σ next to min(alphas)",
                "tsqr": "tall-skinny QR of the dask Xc, SVD of its R: the Gram could not "
                "resolve small σ next to min(alphas)",
            }[self.route_],
        )
        add_dask_fact(expl, getattr(self, "dask_info_", None))
        expl.add("chosen alpha", self.alpha_, f"minimizes the {what} mean squared error")
        expl.add("best score", self.best_score_, "−(mean squared CV error) at the chosen alpha")
        add_conditioning_facts(
            expl,
            S=self.singular_values_,
            cond=self.condition_number_,
            rank=None,
            n_features=self.n_features_in_,
            dtype=np.float64,
        )
        expl.add("shrinkage factors σ²/(σ² + α)", self.shrinkage_factors_, "≈1 kept, ≈0 suppressed")
        expl.add(
            "effective degrees of freedom",
            self.effective_dof_,
            f"Σ σ²/(σ² + α) = tr(H) − 1, of {self.singular_values_.size}",
        )
        alphas = np.asarray(self.alphas, dtype=float).reshape(-1)
        chosen = np.atleast_1d(self.alpha_)
        if np.any(chosen == alphas.min()) or np.any(chosen == alphas.max()):
            expl.suggestions.append(
                "the chosen alpha is at the edge of the grid: widen alphas in that direction"
            )
        expl.suggestions.append("standardize the features so one α suits every column")
        return expl
