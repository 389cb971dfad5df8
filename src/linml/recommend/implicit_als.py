"""ImplicitALS: Hu–Koren–Volinsky matrix factorization of implicit feedback.

Every cell of the users x items matrix is a data point: preference ``p_ui = 1`` where the user
interacted (a stored entry ``r_ui``), 0 elsewhere, with confidence ``c_ui = 1 + alpha r_ui``
(1 on missing cells). The factors minimize::

    L = sum_{u,i} c_ui (p_ui - x_u^T y_i)^2 + reg (|X|_F^2 + |Y|_F^2)

(Hu, Koren & Volinsky, "Collaborative filtering for implicit feedback datasets", ICDM 2008;
the CG solver follows Takács, Pilászy & Tikk, RecSys 2011).

>>> from linml.datasets.ratings import make_implicit_feedback
>>> u, i, c = make_implicit_feedback(300, 80, rank=4, interactions_per_user=10, random_state=0)
>>> model = ImplicitALS(rank=8, n_iter=5, random_state=0).fit((u, i, c))
>>> ids, scores = model.recommend(0, n=5)
>>> ids.shape
(5,)
"""

from __future__ import annotations

import logging
import warnings
from typing import Any, ClassVar

import numba
import numpy as np
import scipy.linalg as sla
from sklearn.utils.validation import check_is_fitted

from linml._base import Explanation
from linml._numba import launch
from linml._validation import Interval, Options, check_random_state
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg._spectrum import product_singular_values
from linml.recommend import _kernels
from linml.recommend._factor_model import (
    _PREDICT_HINT,
    ColdStartWarning,
    FactorRecommender,
    implicit_feedback,
)
from linml.recommend._progress import progress_bar

__all__ = ["ImplicitALS"]

logger = logging.getLogger("linml.recommend")

#: default of the deprecated ``factors`` parameter: "not given" (sklearn clone needs a value)
_DEPRECATED = "deprecated"
#: what the training values are, and what to do about a negative one
_VALUES_ROLE = " (confidence 1 + alpha * value)"
_NEGATIVE_ADVICE = "Use ALS for signed ratings."


def _short_row_cutoff(k: int, cg_steps: int) -> int:
    """Rows with at most this many entries are solved exactly by the Woodbury identity
    (:func:`linml.recommend._kernels.implicit_short_rows`) instead of by ``cg_steps`` CG steps.

    Flop counts put the break-even near ``sqrt(2 (s + 1) k)`` entries (the dense ``G v``
    products of CG against the ``n^2 k`` of the ``n x n`` system); timed on 20000 rows, the
    Woodbury kernel took 0.21 / 0.47 / 0.61 / 1.10 of CG's time at n = 4 / 8 / 12 / 16
    (k = 64, s = 3) and 0.21 / 0.82 / 0.99 at n = 4 / 8 / 12 (k = 32): break-even at about
    ``sqrt(2 (s + 1) k) / 1.6`` (14 at k = 64, 10 at k = 32).
    """
    return int(np.sqrt(2.0 * (cg_steps + 1) * k) / 1.6)


class ImplicitALS(FactorRecommender):
    """Implicit-feedback ALS with confidence weights ``c = 1 + alpha r``.

    The user half-step solves, for every user,
    ``(Y^T Y + Y^T (C_u - I) Y + reg I) x_u = Y^T C_u p_u``: ``Y^T Y`` is formed once per
    half-sweep and the correction ``Y^T (C_u - I) Y`` only involves the user's ``n_u`` stored
    items, so a user costs O(n_u k^2) (Cholesky) or O(k^2 + n_u k) per CG step — never
    O(n_items k^2).

    Parameters
    ----------
    rank : int, default=64
        Number of latent factors ``k`` (the name ``ALS`` uses).
    reg : float, default=0.1
        Ridge penalty on the factors.
    alpha : float, default=2.0
        Confidence slope: ``c_ui = 1 + alpha r_ui``.
    n_iter : int, default=15
        Most sweeps (item half-step then user half-step).
    tol : float, default=1e-4
        Stop when the relative decrease of the loss ``L`` over a sweep (``loss_`` of
        consecutive sweeps) falls below ``tol``; ``tol=0`` always runs ``n_iter`` sweeps.
    solver : {"cg", "cholesky"}, default="cg"
        ``cg``: ``cg_steps`` conjugate-gradient steps warm-started at the current factors,
        except for rows with few stored entries (at most ``sqrt(2 (cg_steps + 1) rank) / 1.6``:
        14 at rank 64), which are solved exactly, and for less, by the Woodbury identity
        ``A_u^{-1} = G^{-1} - G^{-1} Y_u^T D^{1/2} S^{-1} D^{1/2} Y_u G^{-1}`` with the small
        SPD ``S = I + D^{1/2} Y_u G^{-1} Y_u^T D^{1/2}`` (``D = C_u - I``): on tall data (many
        users with a few items each) that halves the user half-step;
        ``cholesky``: the exact solve.
    cg_steps : int, default=3
    init_scale : float, default=0.01
        Standard deviation of the random initial factors.
    dtype : {"float32", "float64"}, default="float32"
    random_state : int, RandomState, Generator or None
    verbose : bool, default=False
        Show a progress bar with the training loss.
    factors : int, optional
        Deprecated spelling of ``rank`` (a FutureWarning; removed in the next release).

    Attributes
    ----------
    user_factors_ : ndarray, (n_users, rank)
    item_factors_ : ndarray, (n_items, rank)
    user_ids_, item_ids_ : ndarray
    loss_ : list of float
        ``L`` after each sweep.
    objective_trace_ : list of float
        ``L`` after every half-step: non-increasing with ``solver="cholesky"``.
    n_iter_ : int
        Sweeps actually run (``<= n_iter``).
    converged_ : bool
        Whether the relative loss decrease fell below ``tol`` within ``n_iter`` sweeps.

    Notes
    -----
    **The `implicit` library.** ``implicit.als.AlternatingLeastSquares`` uses the stored
    values themselves as confidences (``c_ui = alpha_implicit * value``, preference 1) and the
    same ``reg`` and CG scheme. So ``ImplicitALS(rank=k, reg=lam, alpha=a)`` fitted on
    counts ``r`` matches ``AlternatingLeastSquares(factors=k, regularization=lam, alpha=1.0)``
    fitted on the matrix with values ``1 + a r``.

    The loss is evaluated without touching the n_users x n_items cells, by the half-step
    itself: row ``u``'s terms of ``L`` (its cells and ``reg |x_u|^2``) are
    ``x_u^T A_u x_u - 2 b_u^T x_u + sum_j c_uj`` with ``A_u = Y^T C_u Y + reg I`` and
    ``b_u = Y^T C_u p_u``, which with the CG residual ``r_u = b_u - A_u x_u`` is
    ``sum_j c_uj - (b_u + r_u)^T x_u``; so
    ``L = sum_u [sum_j c_uj - (b_u + r_u)^T x_u] + reg |Y|^2`` costs O(k) per row.

    **Cost.** A CG half-step over ``n`` rows with ``nnz`` stored entries and ``s = cg_steps``
    costs about ``nnz (2k + 4k (s + 1)) + 2 n k^2 (s + 1)`` flops (gather and ``b_u``; the
    residual and ``s`` products ``A_u v = G v + Y_u^T (C_u - I) Y_u v``) plus ``2 n_fixed k^2``
    for ``G``; a row with ``n_u <= sqrt(2 (s+1) k) / 1.6`` entries costs ``n_u^2 k + 8 n_u k``
    by the exact Woodbury solve instead (plus ``2 n_fixed k^2`` once for ``Z = Y G^{-1}``);
    everything runs in the working dtype (float32 by default), with only the
    per-row loss accumulated in float64. Rows are handed to threads one chunk of rows at a
    time (a dynamic schedule), so a long row (a popular item) or a core taken by another
    process keeps the other threads idle for at most one chunk; rows are independent, so the
    schedule never changes a bit of the result.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> X = sp.csr_matrix(np.array([[3.0, 1.0, 0.0], [0.0, 2.0, 5.0]]))
    >>> model = ImplicitALS(rank=2, n_iter=3, random_state=0).fit(X)
    >>> model.user_factors_.shape, model.item_factors_.shape
    ((2, 2), (3, 2))
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "rank": [Interval(int, 1, None)],
        "reg": [Interval(float, 0, None, closed="neither")],
        "alpha": [Interval(float, 0, None)],
        "n_iter": [Interval(int, 1, None)],
        "tol": [Interval(float, 0, None, finite=True)],
        "solver": [Options(("cg", "cholesky"))],
        "cg_steps": [Interval(int, 1, None)],
        "init_scale": [Interval(float, 0, None, closed="neither")],
        "dtype": [Options(("float64", "float32"))],
        "random_state": [None, Interval(int, 0, None), np.random.RandomState, np.random.Generator],
        "verbose": [bool, Interval(int, 0, None)],
        "factors": [Options((_DEPRECATED,)), Interval(int, 1, None)],
    }

    def __init__(
        self,
        rank: int = 64,
        reg: float = 0.1,
        alpha: float = 2.0,
        n_iter: int = 15,
        *,
        tol: float = 1e-4,
        solver: str = "cg",
        cg_steps: int = 3,
        init_scale: float = 0.01,
        dtype: str = "float32",
        random_state: Any = None,
        verbose: bool = False,
        factors: int | str = _DEPRECATED,
    ) -> None:
        self.rank = rank
        self.reg = reg
        self.alpha = alpha
        self.n_iter = n_iter
        self.tol = tol
        self.solver = solver
        self.cg_steps = cg_steps
        self.init_scale = init_scale
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose
        self.factors = factors

    def _rank(self) -> int:
        """``rank``, or the deprecated ``factors`` when it was given (with a FutureWarning)."""
        if isinstance(self.factors, str) and self.factors == _DEPRECATED:
            return int(self.rank)
        warnings.warn(
            f"ImplicitALS(rank={self.factors}) is deprecated and will be removed in the next "
            f"release; use ImplicitALS(rank={self.factors}), the name ALS uses.",
            FutureWarning,
            stacklevel=3,
        )
        return int(self.factors)

    def fit(self, X: Any, y: Any = None) -> ImplicitALS:
        """Fit to implicit feedback (counts, clicks, play time…; stored entries are positives).

        Parameters
        ----------
        X : Interactions, scipy.sparse (n_users, n_items) or (users, items[, values])
            Values must be >= 0 (all ones when a triple has no values).
        y : None
            Ignored.

        Returns
        -------
        self
        """
        self._check_params()
        inter = implicit_feedback(X, advice=_NEGATIVE_ADVICE, role=_VALUES_ROLE)
        dt = np.dtype(self.dtype)
        self._store_training(inter)
        M = inter.matrix
        Mt = M.T.tocsr()
        conf = (1.0 + self.alpha * M.data).astype(dt)  # c_ui on stored cells
        conf_t = (1.0 + self.alpha * Mt.data).astype(dt)
        rng = check_random_state(self.random_state)
        k = self._rank()
        Xf = (rng.standard_normal((M.shape[0], k)) * self.init_scale).astype(dt)
        Yf = (rng.standard_normal((M.shape[1], k)) * self.init_scale).astype(dt)
        loss_u = np.empty(M.shape[0])  # per-row shares of L, written by the kernels (float64)
        loss_t = np.empty(M.shape[1])
        self.loss_, self.objective_trace_ = [], []
        failed = 0
        self.converged_ = False
        n_run = 0
        with progress_bar(self.verbose, "ImplicitALS", self.n_iter) as advance:
            for it in range(self.n_iter):
                n_run = it + 1
                # each half-step returns L at its new factors, summed from its own systems
                n_bad, loss = self._half_step(Mt, conf_t, Xf, Yf, loss_t)  # items | users
                failed += n_bad
                self.objective_trace_.append(loss)
                n_bad, loss = self._half_step(M, conf, Yf, Xf, loss_u)  # users | items
                failed += n_bad
                self.objective_trace_.append(loss)
                self.loss_.append(self.objective_trace_[-1])
                text = f"sweep {it + 1}/{self.n_iter} loss {self.loss_[-1]:.6g}"
                logger.info("ImplicitALS %s", text)
                advance(text)
                if self.tol > 0 and len(self.loss_) > 1:
                    prev, now = self.loss_[-2], self.loss_[-1]
                    # relative change over the sweep (CG steps need not lower L, hence |.|)
                    change = abs(prev - now)
                    self.converged_ = change <= self.tol * max(abs(prev), np.finfo(float).tiny)
                    if self.converged_:
                        break
        if failed:
            warnings.warn(
                f"ImplicitALS: {failed} systems were not positive definite and were set to "
                f"zero; increase reg (now {self.reg}).",
                NumericalWarning,
                stacklevel=2,
            )
        self.user_factors_ = Xf
        self.item_factors_ = Yf
        self.n_iter_ = n_run
        return self

    def _gram(self, Y: np.ndarray) -> np.ndarray:
        """G = Y^T Y + reg I, once per half-sweep. (k, k)"""
        G = Y.T @ Y
        G = 0.5 * (G + G.T)  # symmetrize: round-off in the GEMM leaves G slightly asymmetric
        G[np.diag_indices_from(G)] += self.reg
        return np.ascontiguousarray(G, dtype=Y.dtype)

    @staticmethod
    def _woodbury_z(Y: np.ndarray, G: np.ndarray) -> np.ndarray | None:
        """Z = Y G^{-1} (one GEMM; the SPD G factored in float64), or None when G is not
        numerically positive definite (a tiny reg on rank-deficient factors): CG then takes
        every row."""
        try:
            G_inv = sla.cho_solve(sla.cho_factor(G.astype(np.float64)), np.eye(G.shape[0]))
        except np.linalg.LinAlgError:
            return None
        return Y @ G_inv.astype(Y.dtype)

    def _half_step(self, M, conf, Y, X, row_loss) -> tuple[int, float]:
        """Solve for every row of X against the fixed Y; returns (failed systems, L after).

        L = sum_u [x_u^T A_u x_u - 2 b_u^T x_u + sum_j c_uj] + reg |Y|^2: the kernels write
        each row's bracket into ``row_loss`` from vectors they already hold (no pass over the
        stored cells, no float64 copies of the factors).
        """
        G = self._gram(Y)
        failed = 0
        # dynamic schedule, one chunk of rows per grab (rows are independent: same bits)
        with numba.parallel_chunksize(1):
            if self.solver == "cg":
                short = _short_row_cutoff(Y.shape[1], self.cg_steps)
                # worth it when the short rows' saved G products (~8 k^2 each) outweigh the
                # 2 m k^2 of Z = Y G^{-1}: at least m / 4 short rows
                Z = None
                if 4 * int(np.count_nonzero(np.diff(M.indptr) <= short)) >= Y.shape[0]:
                    Z = self._woodbury_z(Y, G)
                if Z is not None:
                    args = (M.indptr, M.indices, conf, Y, Z, X, short, row_loss)
                    launch(_kernels.implicit_short_rows, *args)
                else:
                    short = -1
                args = (M.indptr, M.indices, conf, Y, G, X, self.cg_steps, short, row_loss)
                launch(_kernels.implicit_cg_rows, *args)
            else:
                bad = np.zeros(X.shape[0], dtype=np.bool_)
                args = (M.indptr, M.indices, conf, Y, G, X, bad, row_loss)
                launch(_kernels.implicit_cholesky_rows, *args)
                failed = int(bad.sum())
        fixed = np.ones(Y.shape[0], dtype=Y.dtype)
        return failed, float(row_loss.sum()) + self.reg * _kernels.weighted_sq_norm(Y, fixed)

    # ------------------------------------------------------------------ predict & co
    def predict(self, users: Any, items: Any, *, unknown: str = "error") -> np.ndarray:
        """Scores ``x_u^T y_i`` (predicted preference) for pairs of ids. (n,)

        Parameters
        ----------
        users, items : array-like of ids, (n,)
        unknown : {"error", "fallback"}
            Unknown ids raise, or score 0 — the score of a user folded in from no
            interactions (``x = 0``) — with a ColdStartWarning.
        """
        check_is_fitted(self)
        u, i = self._pair_idx(users, items, unknown, hint=_PREDICT_HINT)
        new = (u < 0) | (i < 0)
        if new.any():
            warnings.warn(
                f"{int((u < 0).sum())} unknown user(s) and {int((i < 0).sum())} unknown item(s): "
                "scored 0 (no interactions).",
                ColdStartWarning,
                stacklevel=2,
            )
        uu, ii = np.where(u < 0, 0, u), np.where(i < 0, 0, i)
        dots = np.einsum(
            "nk,nk->n", self.user_factors_[uu].astype(np.float64), self.item_factors_[ii]
        )
        return np.where(new, 0.0, dots)

    def _score_rows(self, u_idx: np.ndarray) -> np.ndarray:
        return (self.user_factors_[u_idx] @ self.item_factors_.T).astype(np.float64)

    def fold_in(self, items: Any, values: Any = None) -> np.ndarray:
        """Factors of a new user from their interactions, by the exact user half-step
        ``(Y^T Y + Y_u^T (C_u - I) Y_u + reg I) x = Y_u^T c_u``. (rank,)"""
        check_is_fitted(self)
        items = np.atleast_1d(np.asarray(items))
        values = np.ones(items.shape[0]) if values is None else values
        idx, vals = self._parse_ratings((items, values))
        return self._fold(idx, vals).astype(np.float64)

    def _fold(self, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
        if (values < 0).any():
            raise LinmlInputError("implicit feedback values must be >= 0.")
        Y = self.item_factors_
        G = self._gram(Y)
        X = np.zeros((1, Y.shape[1]), dtype=Y.dtype)
        failed = np.zeros(1, dtype=np.bool_)
        conf = (1.0 + self.alpha * values).astype(Y.dtype)
        indptr = np.array([0, idx.shape[0]], dtype=np.int64)
        loss = np.empty(1)
        launch(
            _kernels.implicit_cholesky_rows,
            indptr,
            idx.astype(np.int32),
            conf,
            Y,
            G,
            X,
            failed,
            loss,
        )
        return X[0]

    def _score_folded(self, items: np.ndarray, values: np.ndarray) -> np.ndarray:
        return (self.item_factors_ @ self._fold(items, values)).astype(np.float64)

    def _user_system(self, u, items=None, values=None):
        if items is None:
            sl = slice(self.seen_indptr_[u], self.seen_indptr_[u + 1])
            items, values = self.seen_indices_[sl], self.seen_values_[sl]
        Y = self.item_factors_.astype(np.float64)
        Yu = Y[items]  # (n_u, k)
        c = 1.0 + self.alpha * values
        # A_u = Y^T Y + Y_u^T (C_u - I) Y_u + reg I ; rhs = Y_u^T c_u
        A = Y.T @ Y + Yu.T @ ((c - 1.0)[:, None] * Yu) + self.reg * np.eye(Y.shape[1])
        return 0.5 * (A + A.T), Yu, c, items, 0.0

    def _item_vector(self, i: int) -> np.ndarray:
        return self.item_factors_[i].astype(np.float64)

    def _explain(self) -> Explanation:
        check_is_fitted(self)
        X64 = self.user_factors_.astype(np.float64)
        k = X64.shape[1]
        Y64 = self.item_factors_.astype(np.float64)
        eig = np.linalg.eigvalsh(Y64.T @ Y64)[::-1]  # descending
        cond = float(
            (eig[0] + self.reg) / (eig[-1] + self.reg)
        )  # conditioning of the shared part Y^T Y + reg I
        s = product_singular_values(X64, Y64)  # sv(X Y^T) from two thin QRs
        ex = Explanation(title=f"ImplicitALS (rank {k}, reg {self.reg}, alpha {self.alpha})")
        ex.add("shape", (self.n_users_, self.n_items_), "users x items")
        ex.add("interactions", int(self.seen_values_.shape[0]))
        ex.add("singular values of X Y^T", s, "spectrum of the learned preference matrix")
        ex.add("cond(Y^T Y + reg I)", cond, "conditioning of the part every user's system shares")
        ex.add("final loss", self.loss_[-1])
        converged = getattr(self, "converged_", False)
        ex.add(
            "sweeps run",
            self.n_iter_,
            f"converged (relative loss change < tol={self.tol})"
            if converged
            else f"stopped at n_iter={self.n_iter} before the loss settled to tol={self.tol}",
        )
        if not converged and self.tol > 0:
            ex.suggestions.append(f"not converged in {self.n_iter} sweeps; raise n_iter.")
        ex.verdict = (
            "well conditioned" if cond < 1e8 else "ill conditioned: raise reg or lower rank"
        )
        return ex
