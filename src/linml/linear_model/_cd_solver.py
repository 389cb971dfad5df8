"""Elastic-net coordinate descent: working sets, gap-safe screening, Anderson acceleration.

The problem, in the n-scaled form the kernels use (``n`` samples, ``l1 = n·α·ρ``,
``l2 = n·α·(1 − ρ)`` for scikit-learn's ``alpha`` α and ``l1_ratio`` ρ)::

    P(β) = ½‖y_c − X̃β‖² + l1‖β‖₁ + (l2/2)‖β‖²        (= n × scikit-learn's objective)

with ``X̃`` the column-centered design and ``y_c`` the centered target when an intercept is
fitted (centering is implicit: X is never copied).

This module prepares the design and holds the state; the outer loop
(:func:`linml.linear_model._cd_kernels.outer_solve`) and the inner loop
(:func:`~linml.linear_model._cd_kernels.inner_solve`) are compiled. They split the work:

1. *Gradient with safe bounds.* u_j = x̃_jᵀr − l2·β_j. Each feature keeps its last exactly
   computed correlation ``g_last[j]`` and the cumulative residual drift ``stamp[j]`` at
   that time; by Cauchy–Schwarz |x̃_jᵀr| ≤ |g_last[j]| + ‖x̃_j‖·(drift since then). Only
   features whose bound could exceed l1 (or that are nonzero) are recomputed, so a pass
   over X is only made when the residual moved enough to matter. Along a path this turns
   most α steps into a pass over a small fraction of the columns.
2. *Duality gap* (the stopping rule). With s = min(1, l1 / max_j|u_j|) the point θ = s·r
   (on the ℓ2-augmented problem) is dual feasible and

       gap = ½(‖r‖² + l2‖β‖²) + l1‖β‖₁ − (s·rᵀy_c − ½s²(‖r‖² + l2‖β‖²)).

   For l1 = 0 (ridge) the unconstrained dual of Dünner et al. (2016) is used instead:
   gap = ‖r‖² + (l2/2)‖β‖² − rᵀy_c + ‖X̃ᵀr‖²/(2·l2). Stop when gap ≤ tol·‖y_c‖² — the
   rule scikit-learn uses, so ``tol`` means the same in both.
3. *Gap-safe screening* (Fercoq, Gramfort & Salmon 2015; Ndiaye et al. 2017): the dual is
   1-strongly concave, so ‖θ* − θ‖ ≤ √(2·gap) and feature j is provably zero at the optimum
   when s|u_j| + √(‖x̃_j‖² + l2)·√(2·gap) < l1. Screened features leave the problem.
4. *Working set* (Massias et al. 2018; Bertrand et al. 2022): the current support plus the
   features with the largest KKT violations, of size max(p0, 2·|support|). The inner
   solver runs CD on it until its violation is below 0.3× the global one.

References: Fercoq, Gramfort, Salmon, "Mind the duality gap: safer rules for the Lasso"
(ICML 2015); Massias, Gramfort, Salmon, "Celer" (ICML 2018); Bertrand, Klopfenstein,
Massias et al., "Beyond L1: faster and better sparse models with skglm" (NeurIPS 2022);
Bertrand & Massias, "Anderson acceleration of coordinate descent" (AISTATS 2021).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from linml.linear_model import _cd_kernels as K

_EMPTY_F = np.empty(0)
_EMPTY_I = np.empty(0, dtype=np.int32)
# precompute="auto" may switch a tall problem (n ≥ GRAM_RATIO·p, p ≤ GRAM_MAX_FEATURES) to
# the Gram matrix — lazily, once coordinate descent on X has done as much work as building
# G would cost (see Design.gram_budget): easy fits never pay the n·p² GEMM, hard ones pay at
# most about twice the better of the two (the ski-rental argument).
GRAM_RATIO = 2
GRAM_MAX_FEATURES = 4096
# One unit of CD work (a column entry read and used, ~0.4 ns vectorized) against the n·p²
# multiply-adds of G = X̃ᵀX̃ in BLAS (~0.025 ns each on one core): G costs n·p²/16 units.
GRAM_WORK_DIVISOR = 16
# Work per compiled call (units: column entries read by coordinate steps and gradient
# passes). 2²⁴ is ~10–20 ms of CD, so the ~20 µs of a return to Python costs < 0.2% and
# Ctrl-C is honoured within a fraction of a second (issue 17.1).
CHUNK_WORK = 2**24


@dataclass
class Design:
    """The (implicitly centered) design in the form the kernels take.

    ``mode`` is DENSE, SPARSE or GRAM; ``Xf`` the raveled dense columns (or Gram matrix);
    ``x_mean`` the column means (zeros without intercept); ``norm2`` the squared norms of
    the centered columns ‖x̃_j‖²; ``X`` the original (validated) matrix, for predictions.
    """

    mode: int
    center: bool
    n_samples: int
    n_features: int
    x_mean: np.ndarray
    norm2: np.ndarray
    Xf: np.ndarray = field(default_factory=lambda: _EMPTY_F)
    n_rows: int = 0
    data: np.ndarray = field(default_factory=lambda: _EMPTY_F)
    indices: np.ndarray = field(default_factory=lambda: _EMPTY_I)
    indptr: np.ndarray = field(default_factory=lambda: _EMPTY_I)
    X: Any = None
    # lazy Gram (precompute="auto", tall dense X): CD work after which G is built, and the
    # work done on X so far by every solve sharing this design (a path, several targets)
    gram_budget: int = 0
    dense_work: int = 0

    @property
    def gram_pending(self) -> bool:
        """True while a switch to the Gram matrix may still happen."""
        return self.mode == K.DENSE and self.gram_budget > 0

    def to_gram(self) -> None:
        """Switch this design to GRAM mode in place: G = X̃ᵀX̃ from the stored X."""
        G = _centered_gram(self.X, self.x_mean, self.center)
        self.mode = K.GRAM
        self.norm2 = np.ascontiguousarray(np.diag(G))
        self.Xf = np.asfortranarray(G).ravel(order="F")
        self.n_rows = self.n_features
        self.gram_budget = 0

    def kernel_args(self) -> tuple:
        return (
            self.mode,
            self.center,
            self.Xf,
            self.n_rows,
            self.data,
            self.indices,
            self.indptr,
            self.x_mean,
        )

    def xty(self, y_c: np.ndarray) -> np.ndarray:
        """X̃ᵀy_c (one pass); for GRAM it is computed from the stored original X."""
        X = self.X
        if sp.issparse(X):
            out = np.asarray(X.T @ y_c).ravel()
            if self.center:
                out -= self.x_mean * y_c.sum()
            return out
        out = X.T @ y_c
        if self.center:
            out -= self.x_mean * y_c.sum()
        return np.ascontiguousarray(out, dtype=np.float64)


def _writable_f64(a: np.ndarray) -> np.ndarray:
    """A float64, C-contiguous, writable view or copy (numba types read-only arrays apart)."""
    out = np.ascontiguousarray(a, dtype=np.float64)
    if not out.flags.writeable:
        out = out.copy()
    return out


def make_design(
    X: Any, fit_intercept: bool, precompute: bool | str = "auto", y_c: np.ndarray | None = None
) -> tuple[Design, np.ndarray | None]:
    """Prepare ``X`` (dense, Fortran-ordered, or scipy.sparse) for the kernels.

    ``precompute``: True / False / "auto" — whether to work on the Gram matrix X̃ᵀX̃ (one
    n·p² GEMM, after which every epoch costs O(p·|ws|) instead of O(n·|ws|)). "auto": dense
    X with n ≥ 2p and p ≤ 4096 starts on X and switches to G once the solves sharing the
    design have done n·p²/16 units of work (:attr:`Design.gram_budget`), so a fit that
    converges in a few epochs never builds G.

    Returns the design and, when ``y_c`` (a centered target, shape (n,)) is given, X̃ᵀy_c —
    for dense X computed in the same pass over memory as the column statistics.
    """
    n, p = X.shape
    if sp.issparse(X):
        Xc = sp.csc_matrix(X, dtype=np.float64)
        Xc.sum_duplicates()
        Xc.sort_indices()
        idx_dtype = np.int32 if Xc.nnz < np.iinfo(np.int32).max else np.int64
        data = _writable_f64(Xc.data)
        indices = np.ascontiguousarray(Xc.indices, dtype=idx_dtype)
        indptr = np.ascontiguousarray(Xc.indptr, dtype=idx_dtype)
        if not indices.flags.writeable:
            indices, indptr = indices.copy(), indptr.copy()
        if fit_intercept:
            x_mean = np.asarray(Xc.sum(axis=0)).ravel() / n
            sq = np.asarray(Xc.multiply(Xc).sum(axis=0)).ravel()
            # ‖x_j − μ_j‖² = Σx² − nμ²; clipped because round-off can make it slightly < 0
            norm2 = np.maximum(sq - n * x_mean**2, 0.0)
        else:
            x_mean = np.zeros(p)
            norm2 = np.asarray(Xc.multiply(Xc).sum(axis=0)).ravel()
        design = Design(
            mode=K.SPARSE,
            center=bool(fit_intercept),
            n_samples=n,
            n_features=p,
            x_mean=_writable_f64(x_mean),
            norm2=_writable_f64(norm2),
            data=data,
            indices=indices,
            indptr=indptr,
            X=Xc,
        )
        return design, (None if y_c is None else design.xty(y_c))
    Xd = np.asfortranarray(X, dtype=np.float64)
    if not Xd.flags.writeable:
        Xd = Xd.copy(order="F")
    use_gram = precompute is True
    lazy_gram = precompute == "auto" and n >= GRAM_RATIO * p and p <= GRAM_MAX_FEATURES
    Xf = Xd.ravel(order="F")  # a view: column j is Xf[j*n:(j+1)*n]
    mean = np.zeros(p)
    norm2 = np.zeros(p)
    xty = np.zeros(p)
    y_arg = np.zeros(n) if y_c is None else _writable_f64(y_c)
    K.dense_column_stats(Xf, n, y_arg, bool(fit_intercept), mean, norm2, xty)
    xty_out = None if y_c is None else xty
    finite = np.isfinite(norm2).all() and np.isfinite(mean).all()  # else the caller raises
    if not use_gram or not finite:
        design = Design(
            mode=K.DENSE,
            center=bool(fit_intercept),
            n_samples=n,
            n_features=p,
            x_mean=mean,
            norm2=norm2,
            Xf=Xf,
            n_rows=n,
            X=Xd,
            gram_budget=max(n * p * p // GRAM_WORK_DIVISOR, 1) if lazy_gram and finite else 0,
        )
        return design, xty_out
    design = Design(
        mode=K.DENSE,
        center=bool(fit_intercept),
        n_samples=n,
        n_features=p,
        x_mean=mean,
        norm2=norm2,
        X=Xd,
    )
    design.to_gram()
    return design, xty_out


def _centered_gram(Xd: np.ndarray, mean: np.ndarray, center: bool) -> np.ndarray:
    """G = X̃ᵀX̃ from an explicitly centered copy (n·p, cheap next to the n·p² GEMM);
    symmetrized because round-off in the GEMM need not give an exactly symmetric result."""
    Xc = Xd - mean if center else Xd
    G = Xc.T @ Xc
    return 0.5 * (G + G.T)


@dataclass
class SolveResult:
    """Outcome of one solve at one (l1, l2)."""

    gap: float  # n-scaled duality gap reached
    n_iter: int  # CD epochs over working sets (plus one per outer gradient pass)
    converged: bool
    n_screened: int  # features discarded by the gap-safe rule at the end
    ws_size: int  # size of the last working set
    n_outer: int  # outer iterations (gap checks)
    n_anderson: int  # accepted Anderson extrapolations


class CDSolver:
    """Coordinate-descent state for one target: β, the residual and the gradient bounds.

    The state survives between calls to :meth:`solve`, which is how a path warm-starts:
    β, the residual and every feature's last correlation (with its drift stamp) carry over.

    Parameters
    ----------
    design : Design
    y_c : ndarray (n,)
        Centered (if intercept) target.
    beta0 : ndarray (p,) or None
        Starting coefficients (warm start); zeros when None.
    xty : ndarray (p,) or None
        X̃ᵀy_c if already known (saves a pass when starting from zero).
    """

    def __init__(
        self,
        design: Design,
        y_c: np.ndarray,
        beta0: np.ndarray | None = None,
        xty: np.ndarray | None = None,
        *,
        screening: bool = True,
        working_sets: bool = True,
        anderson: int = 5,
        p0: int = 10,
    ) -> None:
        self.d = design
        self.y_c = _writable_f64(y_c)
        self.yy = float(self.y_c @ self.y_c)
        p = design.n_features
        self.xty = _writable_f64(design.xty(self.y_c) if xty is None else xty)
        self.screening = screening
        self.working_sets = working_sets
        self.anderson = int(anderson)
        self.p0 = int(p0)
        self.beta = np.zeros(p) if beta0 is None else _writable_f64(beta0).copy()
        # Σr0 (SPARSE with centering: the state is the uncentered residual r0)
        self.ssum = np.array([self.y_c.sum()])
        # q: X̃ᵀy_c for GRAM (state is H = Gβ); an unused placeholder otherwise
        self.q = self.xty if design.mode == K.GRAM else _EMPTY_F
        if design.mode == K.GRAM:
            self.state = np.zeros(p)
        else:
            self.state = self.y_c.copy()  # r = y_c − X̃·0
        nz = np.flatnonzero(self.beta)
        if nz.size:
            K.apply_updates(
                *design.kernel_args(), self.state, self.ssum, nz.astype(np.int64), self.beta[nz]
            )
        # safe-bound bookkeeping (unused for GRAM, where the gradient is q − H): each
        # feature's last exact x̃_jᵀr, the cumulative drift Σ‖r_t − r_{t−1}‖ at that time,
        # the current cumulative drift, and the residual at the last check
        self.drift = np.zeros(1)
        self.r_snap = self.residual().copy()
        if nz.size == 0:
            self.g_last = self.xty.copy()
            self.stamp = np.zeros(p)
        else:
            self.g_last = np.zeros(p)
            self.stamp = np.full(p, -np.inf)

    def residual(self) -> np.ndarray:
        """The true residual r = y_c − X̃β (dense/sparse modes)."""
        if self.d.mode == K.SPARSE and self.d.center:
            return self.state - self.ssum[0] / self.state.shape[0]
        return self.state

    def _follow_gram(self) -> None:
        """The design switched to GRAM: carry β over as H = Gβ (the GRAM mode's state)."""
        d = self.d
        G = d.Xf.reshape(d.n_features, d.n_features, order="F")
        self.state = np.ascontiguousarray(G @ self.beta)
        self.q = self.xty

    def solve(
        self, l1: float, l2: float, *, positive: bool, tol: float, max_iter: int
    ) -> SolveResult:
        """Minimize P(β) at (l1, l2) from the current state until gap ≤ tol·‖y_c‖².

        On a lazy-Gram design (``precompute="auto"``, tall X) the solve runs on X until the
        work shared by the design reaches its Gram budget, then switches the design to G
        and finishes there from the β reached (the epochs of both parts are counted).
        """
        d = self.d
        if d.mode == K.GRAM and self.q.shape[0] == 0:
            self._follow_gram()  # another solver sharing the design switched it
        p = d.n_features
        stats = np.zeros(7, dtype=np.int64)
        alive = np.ones(p, dtype=np.bool_)
        in_ws = np.zeros(p, dtype=np.bool_)
        resume = np.zeros(3, dtype=np.int64)  # status (2 = done), inner epochs, inner limit
        tol_in = np.zeros(1)
        head = (
            *d.kernel_args(),
            self.q,
            self.yy,
            self.y_c,
            self.state,
            self.ssum,
            self.beta,
            d.norm2,
            self.g_last,
            self.stamp,
            self.drift,
            self.r_snap,
            float(l1),
            float(l2),
            bool(positive),
            float(tol * self.yy),
            int(max_iter),
            bool(self.screening),
            bool(self.working_sets),
            int(self.anderson),
            int(self.p0),
            stats,
            alive,
            in_ws,
            resume,
            tol_in,
        )
        # the kernel returns every ~CHUNK_WORK units of work so that Ctrl-C is honoured
        while True:
            budget = CHUNK_WORK
            if d.gram_pending:
                budget = min(budget, max(d.gram_budget - d.dense_work, 1))
            before = int(stats[6])
            gap = K.outer_solve(*head, int(budget))
            if resume[0] == 2:
                if d.gram_pending:
                    d.dense_work += int(stats[6]) - before
                break
            if d.gram_pending:
                d.dense_work += int(stats[6]) - before
                if d.dense_work >= d.gram_budget:
                    d.to_gram()
                    self._follow_gram()
                    rest = self.solve(
                        l1, l2, positive=positive, tol=tol, max_iter=max(max_iter - stats[0], 1)
                    )
                    return SolveResult(
                        gap=rest.gap,
                        n_iter=int(stats[0]) + rest.n_iter,
                        converged=rest.converged,
                        n_screened=rest.n_screened,
                        ws_size=rest.ws_size,
                        n_outer=int(stats[4]) + rest.n_outer,
                        n_anderson=int(stats[5]) + rest.n_anderson,
                    )
        return SolveResult(
            gap=float(gap),
            n_iter=int(stats[0]),
            converged=bool(stats[1]),
            n_screened=int(stats[2]),
            ws_size=int(stats[3]),
            n_outer=int(stats[4]),
            n_anderson=int(stats[5]),
        )
