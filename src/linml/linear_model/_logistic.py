"""Logistic regression as linear algebra: the log-loss, its gradient and Hessian, Newton and L-BFGS.

Private to :mod:`linml.linear_model` (:class:`LogisticRegression` uses it). The functions
take plain arrays, trust their inputs (validation happens at the estimator's door) and
return arrays.

Notation (the code's names)
---------------------------
``X`` (n, p) data, ``s`` (n,) sample weights (``sample_weight · class_weight[y]``),
``λ = 1/C`` (0 without a penalty), ``S = Σ_i s_i``. The unknowns are ``Θ`` (K', m₁): one
row ``θ_k = [β_k, b_k]`` per linear predictor, ``m₁ = p + fit_intercept``; ``K' = 1`` for
two classes and ``K' = K`` (the symmetric softmax, as scikit-learn) for more. With
``X̃ = [X 1]`` the linear predictors are ``η = X̃ Θᵀ`` (n, K') and the objective is::

    f(Θ) = Σ_i s_i ℓ_i(η_i) + (λ/2) ‖B‖²_F          (B = Θ without the intercept column)

- binary, ``y ∈ {0, 1}``, ``p = σ(η)``: ``ℓ = log(1 + e^η) − y η``, ``∂ℓ/∂η = p − y``,
  ``∂²ℓ/∂η² = p(1 − p)``;
- multinomial, ``P = softmax(η)``, ``Y`` one-hot: ``ℓ = logsumexp(η) − η_y``,
  ``∂ℓ/∂η = P − Y``, ``∂²ℓ/∂η_k ∂η_l = P_k (δ_kl − P_l)``.

Hence ``∇f = Rᵀ X̃ + λ [B 0]`` with ``R = s ∘ (P − Y)`` (n, K'), and for two classes
``∇²f = X̃ᵀ W X̃ + λ Ĩ`` with ``W = diag(s ∘ p(1 − p))`` and ``Ĩ = diag(1, …, 1, 0)`` (the
intercept is not penalized).

The Newton step is a weighted least-squares solve (IRLS)
--------------------------------------------------------
``(X̃ᵀ W X̃ + λ Ĩ) Δ = X̃ᵀ (s ∘ (y − p)) − λ Ĩ θ``. Adding ``(X̃ᵀ W X̃ + λ Ĩ) θ`` to both sides,
the new iterate ``θ + Δ`` solves ``(X̃ᵀ W X̃ + λ Ĩ) θ⁺ = X̃ᵀ W z`` with the working response
``z = X̃ θ + (y − p)/(p(1 − p))``: ridge-weighted least squares on ``√W X̃`` and ``√W z``.
``X̃ᵀ W X̃`` is one SYRK on ``√W X`` (row blocks, bordered with ``Xᵀ w`` and ``Σ w`` for the
intercept — no augmented copy of X and nothing n × n).

Multinomial: the loss is unchanged when the same vector is added to every ``θ_k`` (softmax
is shift-invariant), so ``∇²f`` is singular along ``1_K ⊗ v``. Iterates start at 0 and stay
in the identifiable subspace ``Σ_k θ_k = 0`` (the gradient is orthogonal to ``1_K ⊗ v``;
with the penalty it is also where the optimum lies). The Newton system adds
``c (1_K 1_Kᵀ / K) ⊗ I`` to ``∇²f``, which leaves the step unchanged on that subspace and
makes the matrix positive definite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg as sla
from scipy.optimize import minimize
from scipy.special import expit

from linml.linear_model._logistic_kernels import binary_loss_residual, softmax_loss_residual

__all__ = [
    "ARMIJO_C1",
    "NEWTON_MAX_UNKNOWNS",
    "NEWTON_MAX_UNKNOWNS_MULTINOMIAL",
    "SATURATED_MARGIN",
    "LogisticFit",
    "LogisticProblem",
    "choose_solver",
    "fit_lbfgs",
    "fit_newton",
    "gradient",
    "hessian",
    "hessian_facts",
    "linear_predictor",
    "loss_and_gradient",
    "loss_and_probabilities",
    "margins",
    "objective",
    "quasi_separation_after_lbfgs",
    "standard_errors",
    "weighted_gram",
]

#: Sufficient-decrease constant of the Armijo backtracking line search.
ARMIJO_C1 = 1e-4
#: Halvings of the step before the line search gives up.
MAX_HALVINGS = 40
#: 'auto' takes Newton for two classes when the Hessian has at most this many unknowns
#: (p + 1). A Newton iteration is one SYRK (n m² flops at GEMM speed) and takes ~6 of them;
#: an L-BFGS iteration is two memory-bound matrix-vector passes over X and takes tens to
#: hundreds (more the worse X is conditioned). Measured (1 thread): at p = 100 an L-BFGS
#: iteration costs ~1/2 a Newton one, at p = 1000 ~1/14 — Newton stays the robust choice up
#: to a few hundred unknowns.
NEWTON_MAX_UNKNOWNS = 500
#: ... and for K > 2 classes when K (p + 1) is at most this: there the Hessian costs
#: n K² p² per iteration while L-BFGS's products are GEMMs with K columns; measured even
#: at K (p + 1) ≈ 300 (20000 × 30, 10 classes).
NEWTON_MAX_UNKNOWNS_MULTINOMIAL = 300
#: A correctly classified sample whose margin exceeds this (wrong-class probability below
#: e⁻²⁰ ≈ 2e-9) is "saturated": its weight p(1 − p) no longer informs the Hessian.
SATURATED_MARGIN = 20.0
#: Rows per block of the weighted Gram product (keeps the √w X block near 1 MB, cache-resident).
BLOCK_ELEMENTS = 1 << 17
#: Elements per row block of the fused binary loss + gradient (4 MB; see _fused_block_rows).
FUSED_GEMV_ELEMENTS = 1 << 19


@dataclass
class LogisticProblem:
    """The data of one fit: ``X`` (n, p) float64, class index ``y`` (n,), weights ``s``, ``λ``."""

    X: np.ndarray
    y: np.ndarray
    s: np.ndarray
    n_classes: int
    lam: float
    fit_intercept: bool

    @property
    def n_outputs(self) -> int:
        """K' — one linear predictor for two classes, K for more."""
        return 1 if self.n_classes == 2 else self.n_classes

    @property
    def m1(self) -> int:
        """Unknowns per linear predictor: ``p + fit_intercept``."""
        return self.X.shape[1] + int(self.fit_intercept)

    @property
    def weight_sum(self) -> float:
        """``S = Σ_i s_i``: the gradient is reported per unit weight, ``‖∇f‖_∞ / S``."""
        return float(self.s.sum())


@dataclass
class LogisticFit:
    """What a solver returns: ``Θ`` (K', m₁) and how it got there."""

    Theta: np.ndarray
    solver: str
    n_iter: int
    grad_norms: list[float]
    converged: bool
    objective: float
    separation: str | None = None  # None, 'complete' or 'quasi-complete'
    direction: np.ndarray | None = None  # (K', m₁): the direction the coefficients diverge along
    fallback_steps: int = 0  # Newton steps solved by lstsq because the Hessian was singular
    line_search_failed: bool = False
    message: str = ""
    step_sizes: list[float] = field(default_factory=list)


# ---------------------------------------------------------------------------- loss pieces
def linear_predictor(prob: LogisticProblem, Theta: np.ndarray) -> np.ndarray:
    """``η = X B ᵀ + 1 bᵀ`` (n, K') without forming ``X̃``."""
    p = prob.X.shape[1]
    eta = prob.X @ Theta[:, :p].T  # (n, K')
    if prob.fit_intercept:
        eta += Theta[:, p]
    return eta


def loss_and_probabilities(prob: LogisticProblem, eta: np.ndarray) -> tuple[float, np.ndarray]:
    """``Σ_i s_i ℓ_i`` and the probabilities ``P`` (n, K') of the positive class / each class."""
    if prob.n_outputs == 1:
        e = eta[:, 0]
        loss = np.logaddexp(0.0, e) - prob.y * e  # log(1 + e^η) − yη, overflow-free
        return float(prob.s @ loss), expit(e)[:, None]
    # logsumexp by hand, in place: 4 passes over (n, K) instead of scipy's ~10 with temporaries
    eta_y = eta[np.arange(eta.shape[0]), prob.y]
    top = eta.max(axis=1)
    P = eta - top[:, None]  # shift by the row max: exp cannot overflow
    np.exp(P, out=P)
    total = P.sum(axis=1)
    P /= total[:, None]  # softmax(η)
    loss = top + np.log(total) - eta_y  # logsumexp(η) − η_y
    return float(prob.s @ loss), P


def objective(prob: LogisticProblem, Theta: np.ndarray, loss: float) -> float:
    """``f = Σ s ℓ + (λ/2) ‖B‖²_F``."""
    p = prob.X.shape[1]
    if prob.lam == 0.0:
        return loss
    return loss + 0.5 * prob.lam * float(np.sum(Theta[:, :p] ** 2))


def gradient(prob: LogisticProblem, Theta: np.ndarray, P: np.ndarray) -> np.ndarray:
    """``∇f = Rᵀ X̃ + λ [B 0]`` with ``R = s ∘ (P − Y)``; shape (K', m₁)."""
    p = prob.X.shape[1]
    R = P.copy()  # (n, K')
    if prob.n_outputs == 1:
        R[:, 0] -= prob.y
    else:
        R[np.arange(R.shape[0]), prob.y] -= 1.0
    R *= prob.s[:, None]
    G = np.empty_like(Theta)
    G[:, :p] = R.T @ prob.X
    if prob.lam:
        G[:, :p] += prob.lam * Theta[:, :p]
    if prob.fit_intercept:
        G[:, p] = R.sum(axis=0)
    return G


def loss_and_gradient(
    prob: LogisticProblem, Theta: np.ndarray, keep_eta: bool = False
) -> tuple[float, np.ndarray, np.ndarray | None]:
    """``f(Θ)``, ``∇f`` (K', m₁) and, with ``keep_eta``, ``η`` (n, K') — fused, row block by block.

    For each block of rows ``X_blk``: ``E = X_blk Bᵀ`` (GEMM), then one compiled pass
    (:mod:`linml.linear_model._logistic_kernels`) adds ``b``, sums ``s ℓ`` and turns ``E``
    into ``R = s ∘ (P − Y)``, and ``∇_B f += Rᵀ X_blk`` (GEMM) while the block is still in
    cache: X is read from memory once per evaluation, and neither ``P`` nor ``η`` (n, K')
    is materialized. ``∇_b f = Σ_i R_i``; the penalty adds ``λ B``.
    """
    X = prob.X
    n, p = X.shape
    K = prob.n_outputs
    Bt = np.ascontiguousarray(Theta[:, :p].T)  # (p, K')
    b = Theta[:, p].copy() if prob.fit_intercept else np.zeros(K)
    kernel = binary_loss_residual if K == 1 else softmax_loss_residual
    step = _fused_block_rows(p, K)
    E_buf = np.empty((min(step, n), K))
    GB = np.zeros((K, p))
    colsum = np.zeros(K)
    eta = np.empty((n, K)) if keep_eta else None
    no_eta = np.empty((0, K))
    loss = 0.0
    for start in range(0, n, step):
        stop = min(start + step, n)
        Xb = X[start:stop]
        E = E_buf[: stop - start]
        np.matmul(Xb, Bt, out=E)  # X_blk Bᵀ (c, K')
        out = eta[start:stop] if eta is not None else no_eta
        loss += kernel(E, b, prob.y[start:stop], prob.s[start:stop], colsum, out)  # E ← R
        GB += E.T @ Xb  # Rᵀ X_blk (K', p)
    G = np.empty_like(Theta)
    G[:, :p] = GB
    if prob.lam:
        G[:, :p] += prob.lam * Theta[:, :p]
    if prob.fit_intercept:
        G[:, p] = colsum
    return objective(prob, Theta, loss), G, eta


def margins(prob: LogisticProblem, eta: np.ndarray) -> np.ndarray:
    """Each sample's margin: ``±η`` (binary) or ``η_y − max_{k≠y} η_k``; > 0 ⇔ classified right."""
    if prob.n_outputs == 1:
        return np.where(prob.y == 1, eta[:, 0], -eta[:, 0])
    rows = np.arange(eta.shape[0])
    true = eta[rows, prob.y]
    other = eta.copy()
    other[rows, prob.y] = -np.inf
    return true - other.max(axis=1)


# ---------------------------------------------------------------------------- Hessian
def _block_rows(m: int) -> int:
    return max(256, BLOCK_ELEMENTS // max(m, 1))


def _fused_block_rows(p: int, n_outputs: int) -> int:
    """Rows per block of :func:`loss_and_gradient`.

    K' = 1: both products are matrix-vector, bound by reading X, so the block (~4 MB, at
    most 2048 rows) should still be in cache for the second one; measured best at 2000 ×
    20000 (26 rows), 20000 × 1000 and 200000 × 100. K' > 1: GEMMs with K' columns, which
    need a few hundred rows to run at speed (:func:`_block_rows`).
    """
    if n_outputs == 1:
        return min(2048, max(16, FUSED_GEMV_ELEMENTS // max(p, 1)))
    return _block_rows(p)


def _symmetrize(H: np.ndarray) -> np.ndarray:
    # symmetrize: blocked sums are symmetric only up to round-off; Cholesky and eigh assume it
    H += H.T
    H *= 0.5
    return H


def weighted_gram(X: np.ndarray, w: np.ndarray, fit_intercept: bool) -> np.ndarray:
    """``X̃ᵀ diag(w) X̃`` for ``w ≥ 0``: SYRK on ``√w X`` in row blocks, bordered for the intercept.

    ``[[Xᵀ W X, Xᵀ w], [wᵀ X, Σ w]]`` — the Gram of the augmented design without forming it.
    """
    n, p = X.shape
    m1 = p + int(fit_intercept)
    H = np.zeros((m1, m1))
    G = np.zeros((p, p))
    r = np.sqrt(w)
    step = _block_rows(p)
    for start in range(0, n, step):
        Z = X[start : start + step] * r[start : start + step, None]  # √w X, one block
        G += Z.T @ Z  # numpy calls SYRK for a transposed self-product
    H[:p, :p] = G
    if fit_intercept:
        xw = X.T @ w  # Xᵀ w
        H[:p, p] = xw
        H[p, :p] = xw
        H[p, p] = w.sum()
    return _symmetrize(H)


def hessian(prob: LogisticProblem, eta: np.ndarray, P: np.ndarray) -> np.ndarray:
    """``∇²f`` (K'm₁, K'm₁); unknowns ordered as ``Θ.ravel()`` (class-major).

    Binary: ``X̃ᵀ W X̃ + λĨ`` with ``w = s σ(η) σ(−η)`` (= s p(1 − p) without the cancellation
    of ``1 − p`` when p ≈ 1). Multinomial: block ``(k, l)`` is
    ``X̃ᵀ diag(s P_k (δ_kl − P_l)) X̃ + λ δ_kl Ĩ``, computed as
    ``blockdiag_k(X̃ᵀ diag(s P_k) X̃) − Zᵀ Z`` with rows ``z_i = √s_i (P_i ⊗ x̃_i)``.
    """
    p, m1, K = prob.X.shape[1], prob.m1, prob.n_outputs
    if K == 1:
        w = prob.s * expit(eta[:, 0]) * expit(-eta[:, 0])  # s p(1 − p)
        H = weighted_gram(prob.X, w, prob.fit_intercept)
    else:
        n = prob.X.shape[0]
        H = np.zeros((K * m1, K * m1))
        step = _block_rows(K * m1)
        Xt = np.ones((min(step, n), m1))  # X̃ block buffer: [X 1]
        for start in range(0, n, step):
            stop = min(start + step, n)
            c = stop - start
            Xt[:c, :p] = prob.X[start:stop]
            Xb = Xt[:c]
            sP = prob.s[start:stop, None] * P[start:stop]  # (c, K)
            for k in range(K):
                Zk = Xb * np.sqrt(sP[:, k])[:, None]
                H[k * m1 : (k + 1) * m1, k * m1 : (k + 1) * m1] += Zk.T @ Zk
            Z = (np.sqrt(prob.s[start:stop, None]) * P[start:stop])[:, :, None] * Xb[:, None, :]
            Z = Z.reshape(c, K * m1)  # (c, K m₁): rows √s_i (P_i ⊗ x̃_i)
            H -= Z.T @ Z
        _symmetrize(H)
    if prob.lam:
        for k in range(K):
            idx = np.arange(k * m1, k * m1 + p)
            H[idx, idx] += prob.lam  # λ Ĩ: coefficients only, never the intercept
    return H


def _cho_factor_checked(A: np.ndarray) -> tuple[tuple[np.ndarray, bool], float]:
    """``A = L Lᵀ`` and LAPACK ``pocon``'s ``1/κ₁(A)``; ``LinAlgError`` when not PD to working precision."""
    norm1 = float(np.abs(A).sum(axis=0).max()) if A.size else 0.0
    c, lower = sla.cho_factor(A, lower=True, check_finite=False)
    pocon = sla.get_lapack_funcs("pocon", (c,))
    rcond, info = pocon(c, norm1, uplo="L")
    if info != 0 or rcond <= A.shape[0] * np.finfo(A.dtype).eps:
        raise np.linalg.LinAlgError(f"matrix is singular to working precision (rcond={rcond:.3g})")
    return (c, lower), float(rcond)


def _shift_invariance_term(prob: LogisticProblem, H: np.ndarray) -> np.ndarray:
    """``H + c (1 1ᵀ/K) ⊗ I``: positive definite, same step on ``Σ_k θ_k = 0`` (module notes)."""
    K, m1 = prob.n_outputs, prob.m1
    c = float(np.trace(H)) / H.shape[0] if H.shape[0] else 1.0
    J = np.full((K, K), c / K)
    return H + np.kron(J, np.eye(m1))


def _newton_direction(
    prob: LogisticProblem, H: np.ndarray, g: np.ndarray
) -> tuple[np.ndarray, bool]:
    """``Δ = −H⁻¹ g`` by Cholesky; when H is not positive definite, the minimum-norm lstsq step."""
    A = _shift_invariance_term(prob, H) if prob.n_outputs > 1 else H
    try:
        factor, _ = _cho_factor_checked(A)
        return -sla.cho_solve(factor, g, check_finite=False), False
    except np.linalg.LinAlgError:
        # singular Hessian (collinear X without penalty, or saturated probabilities):
        # minimum-norm solution of H Δ = −g, singular values below m·eps·σ_max dropped
        delta = sla.lstsq(A, -g, cond=A.shape[0] * np.finfo(float).eps, check_finite=False)[0]
        return delta, True


# ---------------------------------------------------------------------------- solvers
def _grad_norm(prob: LogisticProblem, G: np.ndarray) -> float:
    """``‖∇f‖_∞ / S``: the gradient of the weight-averaged objective, scikit-learn's ``gtol`` scale."""
    S = prob.weight_sum
    return float(np.max(np.abs(G))) / S if G.size and S > 0 else 0.0


def _is_separated(prob: LogisticProblem, eta: np.ndarray) -> bool:
    """Every sample with weight > 0 is classified right: the MLE cannot exist.

    If ``X̃θ`` has every margin > 0, then ``f(tθ) → 0`` as ``t → ∞`` (no penalty): the
    infimum is not attained and Newton or L-BFGS would only grow ``‖θ‖``.
    """
    return bool(np.all(margins(prob, eta)[prob.s > 0] > 0.0))


def _center_classes(prob: LogisticProblem, Theta: np.ndarray) -> np.ndarray:
    # softmax is shift-invariant: remove the common part so iterates stay in Σ_k θ_k = 0
    # (round-off drifts it); the loss is unchanged and the penalty can only decrease
    if prob.n_outputs > 1:
        Theta -= Theta.mean(axis=0)
    return Theta


def fit_newton(
    prob: LogisticProblem, tol: float, max_iter: int, Theta0: np.ndarray | None = None
) -> LogisticFit:
    """Damped Newton (IRLS): ``H Δ = −∇f``, Armijo backtracking on ``f``; stop at ``‖∇f‖_∞/S ≤ tol``.

    Without a penalty, stops early with ``separation`` set when every sample is classified
    right (complete separation), or when full Newton steps stop shrinking while samples
    saturate (quasi-complete separation: the MLE is at infinity along ``direction``).
    """
    K, m1 = prob.n_outputs, prob.m1
    eps = float(np.finfo(float).eps)
    Theta = np.zeros((K, m1)) if Theta0 is None else _center_classes(prob, Theta0.copy())
    eta = linear_predictor(prob, Theta)
    loss, P = loss_and_probabilities(prob, eta)
    f = objective(prob, Theta, loss)
    norms: list[float] = []
    steps: list[float] = []
    full: list[bool] = []
    fit = LogisticFit(Theta, "newton", 0, norms, False, f, step_sizes=steps)
    for it in range(max_iter + 1):
        G = gradient(prob, Theta, P)
        norms.append(_grad_norm(prob, G))
        if prob.lam == 0.0 and it > 0 and _is_separated(prob, eta):
            fit.separation, fit.direction = "complete", Theta.copy()
            break
        if norms[-1] <= tol:
            fit.converged = True
            break
        if it == max_iter:
            break
        H = hessian(prob, eta, P)
        delta, fallback = _newton_direction(prob, H, G.ravel())
        fit.fallback_steps += int(fallback)
        delta = delta.reshape(K, m1)
        slope = float(G.ravel() @ delta.ravel())  # ∇fᵀΔ < 0 for a descent direction
        if slope >= 0.0:  # lstsq step on a singular H can fail to descend: use −∇f
            delta, slope = -G, -float(G.ravel() @ G.ravel())
        t = 1.0
        roundoff = 16.0 * eps * max(abs(f), 1.0)  # f is known only to this accuracy
        for _ in range(MAX_HALVINGS):
            Theta_t = _center_classes(prob, Theta + t * delta)
            eta_t = linear_predictor(prob, Theta_t)
            loss_t, P_t = loss_and_probabilities(prob, eta_t)
            f_t = objective(prob, Theta_t, loss_t)
            if f_t <= f + ARMIJO_C1 * t * slope + roundoff:  # sufficient decrease
                break
            t *= 0.5
        else:
            fit.line_search_failed = True
            fit.message = (
                f"the line search found no decrease along the Newton direction after "
                f"{MAX_HALVINGS} halvings (‖∇f‖∞/S = {norms[-1]:.3g})"
            )
            break
        Theta, eta, P, f = Theta_t, eta_t, P_t, f_t
        steps.append(t * float(np.linalg.norm(delta)))
        full.append(t == 1.0)
        fit.n_iter = it + 1
        if prob.lam == 0.0 and not _is_separated(prob, eta):
            if _quasi_separated(prob, eta, steps, full):
                fit.separation, fit.direction = "quasi-complete", t * delta
                norms.append(_grad_norm(prob, gradient(prob, Theta, P)))
                break
    fit.Theta, fit.objective = Theta, f
    return fit


def _quasi_separated(
    prob: LogisticProblem, eta: np.ndarray, steps: list[float], full: list[bool]
) -> bool:
    """Full Newton steps that do not shrink while some samples saturate: ``‖θ‖`` → ∞.

    At a finite MLE Newton converges quadratically (each step far smaller than the last).
    When a subset of the samples is separable, their weights ``p(1 − p)`` vanish like
    ``e^{−margin}`` and each step adds about a constant to the margin along the separating
    direction: the last three full steps each ≥ half the previous one, with saturated
    samples (margin > :data:`SATURATED_MARGIN`), is that signature.
    """
    if len(steps) < 4 or not all(full[-3:]):
        return False
    if not all(steps[-j] >= 0.5 * steps[-j - 1] for j in (1, 2, 3)):
        return False
    m = margins(prob, eta)[prob.s > 0]
    return bool(np.any(m > SATURATED_MARGIN))


def quasi_separation_after_lbfgs(
    prob: LogisticProblem, fit: LogisticFit, cond: float | None, direction: np.ndarray | None
) -> None:
    """Flag quasi-complete separation after an unpenalized L-BFGS fit (sets ``fit.separation``).

    L-BFGS has no step-size signature to watch; at its end, saturated samples (margin >
    :data:`SATURATED_MARGIN`) together with a Hessian singular to half the working digits
    (``κ > 1/sqrt(eps)``) mean the coefficients ran off along the Hessian's near-null
    direction, which is then the separating direction.
    """
    if prob.lam != 0.0 or fit.separation is not None or cond is None or direction is None:
        return
    if cond <= 1.0 / math.sqrt(np.finfo(float).eps):
        return
    m = margins(prob, linear_predictor(prob, fit.Theta))[prob.s > 0]
    if np.any(m > SATURATED_MARGIN):
        fit.separation, fit.direction, fit.converged = "quasi-complete", direction, False


def fit_lbfgs(
    prob: LogisticProblem, tol: float, max_iter: int, Theta0: np.ndarray | None = None
) -> LogisticFit:
    """L-BFGS-B (scipy) on ``f/S`` with the analytic gradient; ``gtol = tol``, ``ftol = 0``.

    Without a penalty, the run stops (a callback raising ``StopIteration``) as soon as every
    sample is classified right: complete separation.
    """
    K, m1 = prob.n_outputs, prob.m1
    S = prob.weight_sum
    cache: dict[str, Any] = {}

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        if "x" in cache and np.array_equal(cache["x"], theta):  # scipy re-evaluates x0
            return cache["f"] / S, cache["G"].ravel() / S
        Theta = theta.reshape(K, m1)
        # η is kept only for the separation check, which runs without a penalty
        f, G, eta = loss_and_gradient(prob, Theta, keep_eta=prob.lam == 0.0)
        cache.update(x=theta.copy(), f=f, G=G, eta=eta, gnorm=_grad_norm(prob, G))
        cache["loss"] = f - (objective(prob, Theta, 0.0) if prob.lam else 0.0)  # Σ s ℓ
        return f / S, G.ravel() / S

    x0 = np.zeros(K * m1) if Theta0 is None else _center_classes(prob, Theta0.copy()).ravel()
    fun(x0)
    norms = [cache["gnorm"]]
    state: dict[str, Any] = {"separated": False}

    def callback(intermediate_result: Any) -> None:
        x = intermediate_result.x
        if not np.array_equal(cache["x"], x):  # the last evaluation was a rejected trial
            fun(x)
        norms.append(cache["gnorm"])
        if prob.lam == 0.0 and _is_separated(prob, cache["eta"]):
            state["separated"] = True
            raise StopIteration

    res = minimize(
        fun,
        x0,
        jac=True,
        method="L-BFGS-B",
        callback=callback,
        # ftol = 0: stop on the gradient (or a failed line search), never on a small relative
        # decrease of f — near the optimum f moves at round-off level long before ‖∇f‖ ≤ tol
        options={"maxiter": max_iter, "maxls": 50, "gtol": tol, "ftol": 0.0},
    )
    x = np.asarray(res.x, dtype=float)
    Theta = _center_classes(prob, x.reshape(K, m1).copy())
    if np.array_equal(cache["x"], x):  # Σ s ℓ is known there; centering leaves it unchanged
        f = objective(prob, Theta, cache["loss"])
    else:
        f = loss_and_gradient(prob, Theta)[0]
    fit = LogisticFit(
        Theta,
        "lbfgs",
        int(res.nit),
        norms,
        converged=bool(norms[-1] <= tol) and not state["separated"],
        objective=f,
        message=str(res.message),
    )
    if state["separated"]:
        fit.separation, fit.direction = "complete", Theta.copy()
    elif not fit.converged and res.nit < max_iter:
        # stopped short of tol before max_iter: a failed line search (status 2) or SciPy's
        # relative-reduction test (status 0, which fires even with ftol = 0 once f stalls at
        # round-off) — never silently: the estimator warns
        fit.line_search_failed = True
        fit.message = f"L-BFGS-B stopped: {res.message} (‖∇f‖∞/S = {norms[-1]:.3g})"
    return fit


# ---------------------------------------------------------------------------- the auto rule
def choose_solver(n: int, p: int, n_outputs: int, fit_intercept: bool) -> tuple[str, str]:
    """``('newton' | 'lbfgs', why)`` from the shape (rule in LogisticRegression's Notes)."""
    m = n_outputs * (p + int(fit_intercept))
    limit = NEWTON_MAX_UNKNOWNS if n_outputs == 1 else NEWTON_MAX_UNKNOWNS_MULTINOMIAL
    kind = "binary" if n_outputs == 1 else f"{n_outputs}-class"
    if m > limit:
        return "lbfgs", (
            f"{kind} Hessian would have m = {m} unknowns > {limit}: a Newton iteration "
            f"(n m² = {n * m * m:.2g} flops plus an m×m Cholesky) costs more than the "
            "hundreds of L-BFGS gradient evaluations (4 n p K' flops each) it saves"
        )
    if n < m:
        return "lbfgs", (
            f"wide (n = {n} < m = {m} unknowns): X̃ᵀWX̃ has rank ≤ n, so Newton's m×m "
            "system is mostly the penalty; L-BFGS works with X directly"
        )
    return "newton", (
        f"n = {n} ≥ m = {m} unknowns ≤ {limit} ({kind}): each Newton/IRLS step is one "
        f"weighted Gram product (n m² = {n * m * m:.2g} flops) and an m×m Cholesky, and "
        "converges quadratically"
    )


# ---------------------------------------------------------------------------- facts at the optimum
def _identifiable_basis(K: int) -> np.ndarray:
    """``V`` (K, K−1) orthonormal with ``Vᵀ 1 = 0``: coordinates of the subspace ``Σ_k θ_k = 0``."""
    Q, _ = np.linalg.qr(np.eye(K) - 1.0 / K)  # columns span 1⊥
    return Q[:, : K - 1]


def hessian_facts(prob: LogisticProblem, Theta: np.ndarray) -> dict[str, Any]:
    """Hessian at ``Θ``: eigenvalues, the smallest eigen-direction and (if PD) the Cholesky factor.

    Multinomial: on the identifiable subspace, ``(V ⊗ I)ᵀ H (V ⊗ I)``, with the direction
    mapped back to (K, m₁) coefficients.
    """
    K, m1 = prob.n_outputs, prob.m1
    eta = linear_predictor(prob, Theta)
    _, P = loss_and_probabilities(prob, eta)
    H = hessian(prob, eta, P)
    if K == 1:
        Hr, back = H, None
    else:
        V = _identifiable_basis(K)
        E = np.kron(V, np.eye(m1))  # (K m₁, (K−1) m₁)
        Hr, back = E.T @ H @ E, E
        _symmetrize(Hr)
    w, U = sla.eigh(Hr, check_finite=False)
    v = U[:, 0] if back is None else back @ U[:, 0]
    v = v * np.sign(v[np.argmax(np.abs(v))])  # deterministic sign: largest component positive
    cond = math.inf if w[0] <= 0 else float(w[-1] / w[0])
    return {"H": H, "eigenvalues": w[::-1].copy(), "cond": cond, "min_direction": v.reshape(K, m1)}


def standard_errors(H: np.ndarray) -> np.ndarray | None:
    """``sqrt(diag(H⁻¹))`` (the inverse Fisher information) or None when H is not PD.

    The covariance is the quantity asked for, so the inverse is formed — from the Cholesky
    factor, ``cho_solve(L, I)``.
    """
    try:
        factor, _ = _cho_factor_checked(H.copy())
    except np.linalg.LinAlgError:
        return None
    cov = sla.cho_solve(factor, np.eye(H.shape[0]), check_finite=False)
    return np.sqrt(np.clip(np.diag(cov), 0.0, None))
