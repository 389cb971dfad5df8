"""ALS: explicit-rating matrix factorization with biases, side features and fold-in.

The model (R is users x items, almost entirely missing)::

    r̂_ui = mu + b_u + b_i + p_u^T q_i  [+ a^T f_u + c^T g_i  with side features]

fitted by alternating least squares on the observed cells Ω::

    L = sum_{(u,i) in Ω} (r_ui - r̂_ui)^2
        + reg * ( sum_u w_u (|p_u|^2 + b_u^2) + sum_i w_i (|q_i|^2 + b_i^2) + |a|^2 + |c|^2 )

with w_u = n_u^a, w_i = n_i^a (n: ratings per user/item, a = ``reg_exponent``, 1 by default)
when ``weighted_reg`` (ALS-WR, Zhou et al. 2008), else 1. ``mu`` is the training mean, fixed.

**reg and the unweighted λ.** The penalty of row u is ``reg * w_u``. Without ``weighted_reg``
that is ``reg = λ``, the textbook ``λ (|P|^2 + |Q|^2)``. With ``weighted_reg`` (the default)
row u is penalized by ``reg * n_u``, so an unweighted ``λ`` corresponds to ``reg = λ / n_u``
per user and ``λ / n_i`` per item: on average ``reg ≈ λ / mean(n_u)`` for the users
(``λ n_users / nnz``) and ``λ / mean(n_i)`` for the items (``λ n_items / nnz``). A
``reg`` tuned without weighting is therefore about ``mean(n_u)`` times too strong with it.

>>> from linml.datasets.ratings import make_low_rank_ratings
>>> u, i, r = make_low_rank_ratings(200, 60, rank=3, ratings_per_user=30, noise=0.1,
...                                 random_state=0)
>>> model = ALS(rank=3, reg=0.01, n_iter=15, random_state=0).fit((u, i, r))
>>> bool(model.train_rmse_[-1] < 0.15)
True
"""

from __future__ import annotations

import logging
import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import scipy.linalg as sla
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from linml._base import Explanation
from linml._numba import launch
from linml._validation import Interval, Options, check_array, check_random_state
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg._spectrum import product_singular_values, rank_from_spectrum
from linml.linalg.svd import randomized_svd
from linml.recommend import _kernels
from linml.recommend._factor_model import _PREDICT_HINT, ColdStartWarning, FactorRecommender
from linml.recommend._progress import progress_bar
from linml.recommend.interactions import Interactions, as_interactions
from linml.recommend.splits import holdout_split

__all__ = ["ALS", "bias_baseline"]

logger = logging.getLogger("linml.recommend")


def bias_baseline(
    X: Any, users: Any, items: Any, *, reg: float = 10.0, n_iter: int = 10
) -> np.ndarray:
    """Predictions of the bias-only model ``r̂_ui = mu + b_u + b_i`` fitted to ``X``. (n,)

    The baseline predictor of Koren (2008): with ``mu`` the mean rating, alternate
    ``b_i = sum_u (r_ui - mu - b_u) / (reg + n_i)`` and
    ``b_u = sum_i (r_ui - mu - b_i) / (reg + n_u)`` — the exact minimizer of
    ``sum (r_ui - mu - b_u - b_i)^2 + reg (sum b_u^2 + sum b_i^2)`` in the limit of sweeps.
    It is the noise level a factor model has to beat: an ALS whose held-out RMSE is no
    lower has found no user-item interaction in the data. Unknown ids get a zero bias.

    Parameters
    ----------
    X : Interactions, scipy.sparse or (users, items, ratings)
        The training ratings.
    users, items : array-like of ids, (n,)
        The pairs to predict.
    reg : float, default=10.0
        Shrinkage of each bias towards 0 (a pseudo-count of ratings).
    n_iter : int, default=10
        Alternating sweeps.

    Examples
    --------
    >>> bias_baseline(([0, 0, 1], [0, 1, 0], [4.0, 2.0, 5.0]), [1], [1], reg=0.0).round(3)
    array([3.])
    """
    if isinstance(reg, bool) or not isinstance(reg, int | float) or not reg >= 0:
        raise LinmlInputError(f"reg={reg!r} must be a number >= 0.")
    inter = as_interactions(X)
    if inter.nnz == 0:
        raise LinmlInputError("X holds no ratings (empty data); need at least one.")
    rows, cols, r = inter.rows, inter.cols, inter.matrix.data.astype(np.float64)
    mu = float(r.mean())
    n_u = np.bincount(rows, minlength=inter.n_users)
    n_i = np.bincount(cols, minlength=inter.n_items)
    b_u, b_i = np.zeros(inter.n_users), np.zeros(inter.n_items)
    for _ in range(n_iter):
        # max(., tiny): a row with no ratings and reg = 0 has a 0/0 bias; it stays 0
        b_i = np.bincount(cols, r - mu - b_u[rows], inter.n_items) / np.maximum(reg + n_i, 1e-300)
        b_u = np.bincount(rows, r - mu - b_i[cols], inter.n_users) / np.maximum(reg + n_u, 1e-300)
    u = inter.user_index(users, allow_unknown=True)
    i = inter.item_index(items, allow_unknown=True)
    if u.shape != i.shape:
        raise LinmlInputError(f"users ({u.shape[0]}) and items ({i.shape[0]}) must pair up.")
    return mu + np.where(u < 0, 0.0, b_u[u]) + np.where(i < 0, 0.0, b_i[i])


class ALS(FactorRecommender):
    """Matrix factorization of explicit ratings by alternating least squares.

    Each half-step fixes one side and solves every user's (item's) small ridge system
    ``(Y_u^T Y_u + reg w_u I) x_u = Y_u^T t_u`` — batched in a parallel numba kernel,
    never a Python loop per row — where ``Y`` is the other side's factors with a column of
    ones appended for the bias and ``t_u`` the ratings minus the other offsets.

    Parameters
    ----------
    rank : int, default=32
        Number of latent factors ``k``.
    reg : float, default=0.1
        Ridge penalty ``reg`` on factors and biases (and on side-feature weights).
    n_iter : int, default=15
        Most sweeps; each is an item half-step then a user half-step (the user step last, so
        the user factors are the exact solve against the final item factors).
    tol : float, default=1e-4
        Stop when the relative decrease of the objective over a sweep,
        ``(L_prev - L) / L_prev`` between consecutive sweep ends, falls below ``tol``
        (``converged_`` is then True); ``tol=0`` always runs ``n_iter`` sweeps.
    biases : bool, default=True
        Fit ``b_u`` and ``b_i``. Without them the model is ``mu + p_u^T q_i``.
    weighted_reg : bool, default=True
        Scale each row's penalty by its number of ratings (ALS-WR); generalizes better when
        activity varies across users and items.
    reg_exponent : float in [0, 1], default=1.0
        The exponent ``a`` of the row weight ``w_u = n_u^a`` when ``weighted_reg`` (1: ALS-WR;
        0: unweighted). Between the two, rarely rated rows are shrunk relatively more than
        ALS-WR shrinks them: on long-tailed data (``make_long_tail_ratings``, 943 × 1682) the
        tuned held-out RMSE goes from 0.926 at ``a = 1`` to 0.915 at ``a = 0.5``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the ratings (at random, seeded by
        ``random_state``), run sweeps until their RMSE has not improved for
        ``n_iter_no_change`` sweeps and the last sweep raised it (both judged from the
        second sweep on, see ``_stop_early``), then refit on all ratings for the best number of sweeps
        (``best_n_iter_``). ALS at a tuned ``reg`` often fits the held-out ratings best after
        a few sweeps and then overfits them slowly (0.904 after 2 sweeps, 0.918 after 15 on
        the set above), as gradient descent from a small start does; early stopping keeps
        the early optimum. The refit costs ``best_n_iter_`` more sweeps.
    validation_fraction : float in (0, 1), default=0.1
        Share of the ratings held out when ``early_stopping``.
    n_iter_no_change : int, default=2
        Sweeps without a better held-out RMSE before the search stops.
    solver : {"cholesky", "cg"}, default="cholesky"
        ``cholesky``: the exact solve of each system; ``cg``: ``cg_steps`` conjugate-gradient
        steps warm-started at the current factors (O(n_u k) per user instead of
        O(n_u k^2 + k^3); still never raises the objective).
    cg_steps : int, default=3
        Conjugate-gradient steps per half-step when ``solver="cg"``.
    init : {"random", "svd"}, default="random"
        Initial factors. ``random``: Gaussian factors of standard deviation ``init_scale``.
        ``svd``: the spectral start of matrix completion (Keshavan, Montanari & Oh 2010;
        Jain, Netrapalli & Sanghavi 2013): ``P = U_k S_k^{1/2}``, ``Q = V_k S_k^{1/2}`` from
        the top-``k`` (randomized) SVD of the zero-filled centred ratings scaled by
        ``1 / density``, ``A = P_Ω(R - mu) n_users n_items / nnz`` (``R - mu`` less the
        side-feature terms, fitted first, when there are features), an unbiased estimate of
        the full centred matrix. It is deterministic and robust on small, uniformly sampled
        problems near the limit of what the ratings determine, where random starts often end
        in a poor local minimum; on long-tailed data (heavy users, popular items dominate
        ``A``) it needs about 3x the sweeps of a random start to reach ``tol``.
    init_scale : float or "auto", default="auto"
        Standard deviation of random initial factors (and of the columns the SVD leaves
        empty when ``rank`` exceeds its numerical rank). ``auto``:
        ``sqrt(std(r - mu) / sqrt(rank))``, so that ``p_u^T q_i`` starts with the spread of
        the ratings. A scale far below that (the old fixed 0.1) makes the first half-step
        solve against near-zero regressors: the solved side comes out several times too
        large and ALS spends tens of sweeps rebalancing the norms of ``P`` and ``Q``.
    dtype : {"float64", "float32"}, default="float64"
        Working precision of the factors.
    random_state : int, RandomState, Generator or None
        Seed of the initial factors.
    verbose : bool, default=False
        Show a progress bar with the train (and validation) RMSE.

    Attributes
    ----------
    user_factors_ : ndarray, (n_users, rank)
    item_factors_ : ndarray, (n_items, rank)
    user_bias_, item_bias_ : ndarray, (n_users,), (n_items,)
    global_mean_ : float
    user_offset_, item_offset_ : ndarray
        Side-feature terms ``a^T f_u`` and ``c^T g_i`` (zeros without features).
    user_feature_coef_, item_feature_coef_ : ndarray or None
        ``a`` and ``c``.
    user_ids_, item_ids_ : ndarray
        The ids of rows and columns.
    train_rmse_, val_rmse_ : list of float
        RMSE after each sweep on the training and validation ratings.
    objective_trace_ : list of float
        ``L`` after every half-step (and feature step): non-increasing.
    n_iter_ : int
        Sweeps actually run (``<= n_iter``).
    converged_ : bool
        Whether the relative objective decrease fell below ``tol`` within ``n_iter`` sweeps.
    best_n_iter_ : int or None
        With ``early_stopping``: the sweep count of the lowest held-out RMSE (the refit's
        ``n_iter``); None otherwise.
    early_stopping_rmse_ : list of float
        With ``early_stopping``: the held-out RMSE after each sweep of the search (empty
        otherwise).

    Notes
    -----
    With ``x_u = [p_u; b_u]`` and ``y_i = [q_i; 1]`` the user half-step is the ridge
    regression ``min_x |Y_u x - t_u|^2 + reg w_u |x|^2`` with ``t_ui = r_ui - mu - b_i - c^T g_i
    - a^T f_u``; its normal equations are SPD, so one Cholesky per user solves them (the
    kernel forms only the lower triangle of ``Y_u^T Y_u``). The side-feature step solves
    ``(Z^T Z + reg I) [a; c] = Z^T e`` for the residuals ``e`` with ``Z = [F[u], G[i]]`` per
    observed cell; ``Z^T Z`` is built from ``F^T diag(n_u) F``, ``F^T R G`` and
    ``G^T diag(n_i) G`` without forming ``Z``. Cost per sweep (Cholesky):
    ``2 nnz (k+1)^2 + (n_users + n_items)(k+1)^3 / 3`` flops.

    Examples
    --------
    >>> ratings = ([1, 1, 2, 2, 3], ["a", "b", "a", "c", "b"], [5.0, 3.0, 4.0, 1.0, 2.0])
    >>> model = ALS(rank=2, n_iter=5, random_state=0).fit(ratings)
    >>> model.predict([1], ["c"]).shape
    (1,)
    >>> ids, scores = model.recommend(1, n=1)
    >>> ids.tolist()
    ['c']
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "rank": [Interval(int, 1, None)],
        "reg": [Interval(float, 0, None)],
        "n_iter": [Interval(int, 1, None)],
        "tol": [Interval(float, 0, None, finite=True)],
        "biases": [bool],
        "weighted_reg": [bool],
        "reg_exponent": [Interval(float, 0, 1)],
        "early_stopping": [bool],
        "validation_fraction": [Interval(float, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(int, 1, None)],
        "solver": [Options(("cholesky", "cg"))],
        "cg_steps": [Interval(int, 1, None)],
        "init": [Options(("random", "svd"))],
        "init_scale": [Options(("auto",)), Interval(float, 0, None, closed="neither")],
        "dtype": [Options(("float64", "float32"))],
        "random_state": [None, Interval(int, 0, None), np.random.RandomState, np.random.Generator],
        "verbose": [bool, Interval(int, 0, None)],
    }

    def __init__(
        self,
        rank: int = 32,
        reg: float = 0.1,
        n_iter: int = 15,
        *,
        tol: float = 1e-4,
        biases: bool = True,
        weighted_reg: bool = True,
        reg_exponent: float = 1.0,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 2,
        solver: str = "cholesky",
        cg_steps: int = 3,
        init: str = "random",
        init_scale: float | str = "auto",
        dtype: str = "float64",
        random_state: Any = None,
        verbose: bool = False,
    ) -> None:
        self.rank = rank
        self.reg = reg
        self.n_iter = n_iter
        self.tol = tol
        self.biases = biases
        self.weighted_reg = weighted_reg
        self.reg_exponent = reg_exponent
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.solver = solver
        self.cg_steps = cg_steps
        self.init = init
        self.init_scale = init_scale
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        X: Any,
        y: Any = None,
        *,
        user_features: Any = None,
        item_features: Any = None,
        validation: Any = None,
    ) -> ALS:
        """Fit to ratings.

        Parameters
        ----------
        X : Interactions, scipy.sparse (n_users, n_items) or (users, items, ratings)
            The observed ratings; ids of any hashable type.
        y : None
            Ignored (the ratings are in ``X``).
        user_features : ndarray (n_users, d_u) or DataFrame indexed by user id, optional
            Rows in the order of ``Interactions.user_ids`` (sorted ids) when an array.
        item_features : ndarray (n_items, d_i) or DataFrame indexed by item id, optional
        validation : Interactions or (users, items, ratings), optional
            Held-out ratings whose RMSE is tracked per sweep in ``val_rmse_``.

        Returns
        -------
        self
        """
        self._check_params()
        inter = as_interactions(X)
        if inter.nnz == 0:
            raise LinmlInputError("X holds no ratings (empty data); need at least one.")
        self._store_training(inter)
        F = self._features(user_features, inter.user_ids, "user_features")
        G = self._features(item_features, inter.item_ids, "item_features")
        val = self._validation_pairs(validation)
        self.best_n_iter_, self.early_stopping_rmse_ = None, []
        if not self.early_stopping:
            self._run(inter, F, G, val, self.n_iter, None)
            return self
        # search on (1 - validation_fraction) of the ratings, in the same id space
        part, test = self._search_split(inter)
        self._run(
            part, F, G, (test.rows, test.cols, test.values), self.n_iter, self.n_iter_no_change
        )
        curve = list(self.val_rmse_)
        best = int(np.argmin(curve)) + 1
        self._run(inter, F, G, val, best, None)  # the refit on every rating
        self.best_n_iter_, self.early_stopping_rmse_ = best, curve
        return self

    def _search_split(self, inter: Interactions) -> tuple[Interactions, Interactions]:
        """(search part, held-out part) by :func:`holdout_split`: ``validation_fraction`` of
        the ratings, at least one and all but one, seeded by ``random_state``."""
        n = inter.nnz
        if n < 2:
            raise LinmlInputError(
                f"early_stopping holds out part of the ratings; X has {n}, need at "
                "least 2 (or set early_stopping=False)."
            )
        share = min(max(self.validation_fraction, 1 / n), (n - 1) / n)
        return holdout_split(inter, share, random_state=self.random_state)

    def _run(self, inter, F, G, val, n_iter: int, patience: int | None) -> None:
        """Up to ``n_iter`` sweeps on ``inter``; with ``patience``, stop once ``val`` RMSE has
        not improved for that many sweeps. Sets every fitted attribute but the ids."""
        dt = np.dtype(self.dtype)
        M = inter.matrix
        Mt = M.T.tocsr()  # items x users, for the item half-step
        n_users, n_items = M.shape
        k = self.rank
        rng = check_random_state(self.random_state)
        self.global_mean_ = float(M.data.mean())
        # x_u = [p_u, b_u]: the bias is the coefficient of a column of ones in y_i = [q_i, 1]
        kk = k + 1 if self.biases else k
        Pa = np.zeros((n_users, kk), dtype=dt)
        Qa = np.zeros((n_items, kk), dtype=dt)
        n_u, n_i = np.diff(M.indptr), np.diff(Mt.indptr)
        w_u, w_i = self._row_weight(n_u).astype(dt), self._row_weight(n_i).astype(dt)
        reg_diag = np.full(kk, self.reg, dtype=dt)
        self.user_offset_ = np.zeros(n_users)
        self.item_offset_ = np.zeros(n_items)
        self.user_feature_coef_ = None if F is None else np.zeros(F.shape[1])
        self.item_feature_coef_ = None if G is None else np.zeros(G.shape[1])
        rows, cols = inter.rows, inter.cols
        data = M.data.astype(dt)
        data_t = Mt.data.astype(dt)
        if F is not None or G is not None:  # features first: the factors start on what they leave
            self._feature_step(M, rows, cols, data, Pa, Qa, F, G)
        resid = data - self._cell_predictions(rows, cols, Pa, Qa)  # r - mu [- feature terms]
        Pa[:, :k], Qa[:, :k] = self._initial_factors(M, resid, rng)
        self.train_rmse_, self.val_rmse_, self.objective_trace_ = [], [], []
        failed_total = 0
        monitor = bool(self.verbose) or logger.isEnabledFor(logging.INFO)

        def penalty() -> float:
            pen = _kernels.weighted_sq_norm(Pa, w_u) + _kernels.weighted_sq_norm(Qa, w_i)
            for coef in (self.user_feature_coef_, self.item_feature_coef_):
                if coef is not None:
                    pen += coef @ coef
            return float(self.reg * pen)

        def sse_now() -> float:
            e = data - self._cell_predictions(rows, cols, Pa, Qa)
            return float(e.astype(np.float64) @ e)

        # L = sse + penalty after every step. Each half-step kernel returns the squared error
        # of the model it starts from, so the sse of step s is read off at step s + 1 for
        # free; only a feature step, a monitored sweep and the very last step pay a pass.
        sse_trace: list[float] = []
        pen_trace: list[float] = []
        sweep_ends: list[int] = []

        def fill(sse_before: float) -> None:
            if sse_trace and np.isnan(sse_trace[-1]):
                sse_trace[-1] = sse_before

        self.converged_ = False
        n_run = 0
        with progress_bar(self.verbose, "ALS", n_iter) as advance:
            for it in range(n_iter):
                n_run = it + 1
                if F is not None or G is not None:
                    fill(sse_now())
                    self._feature_step(M, rows, cols, data, Pa, Qa, F, G)
                    sse_trace.append(sse_now())
                    pen_trace.append(penalty())
                # item half-step: rows = items, Y = [P, 1], t = r - mu - b_u - a^T f_u - c^T g_i
                Y = self._augment(Pa, k, dt)
                col_off = (self.global_mean_ + self.user_offset_ + self._bias(Pa, k)).astype(dt)
                failed, sse = self._half_step(
                    Mt, data_t, Y, self.item_offset_.astype(dt), col_off, reg_diag, w_i, Qa
                )
                failed_total += failed
                fill(sse)
                sse_trace.append(np.nan)
                pen_trace.append(penalty())
                # user half-step: rows = users, Y = [Q, 1]
                Y = self._augment(Qa, k, dt)
                col_off = (self.global_mean_ + self.item_offset_ + self._bias(Qa, k)).astype(dt)
                failed, sse = self._half_step(
                    M, data, Y, self.user_offset_.astype(dt), col_off, reg_diag, w_u, Pa
                )
                failed_total += failed
                fill(sse)
                # the stopping test needs L at every sweep end: one O(nnz k) pass, beside the
                # O(nnz k^2) of the sweep
                exact = monitor or self.tol > 0 or it == n_iter - 1
                sse_trace.append(sse_now() if exact else np.nan)
                pen_trace.append(penalty())
                sweep_ends.append(len(sse_trace) - 1)
                if self.tol > 0 and len(sweep_ends) > 1:
                    prev = sse_trace[sweep_ends[-2]] + pen_trace[sweep_ends[-2]]
                    now = sse_trace[-1] + pen_trace[-1]
                    # relative decrease over the sweep (L >= 0 and non-increasing)
                    self.converged_ = prev - now <= self.tol * max(prev, np.finfo(float).tiny)
                if val is not None:
                    pred = self._cell_predictions(val[0], val[1], Pa, Qa)
                    self.val_rmse_.append(float(np.sqrt(np.mean((val[2] - pred) ** 2))))
                if monitor:  # this sweep's sse was computed above
                    advance(self._progress_text(it, n_iter, np.sqrt(sse_trace[-1] / data.shape[0])))
                if self.converged_:
                    break
                if patience is not None and self._stop_early(self.val_rmse_, patience):
                    break
        # an unmonitored sweep's sse arrives one step late, from the next half-step
        self.train_rmse_ = [float(np.sqrt(sse_trace[i] / data.shape[0])) for i in sweep_ends]
        self.objective_trace_ = [s + p for s, p in zip(sse_trace, pen_trace, strict=True)]
        if failed_total:
            warnings.warn(
                f"ALS: {failed_total} ridge systems were not positive definite and were set to "
                f"zero; increase reg (now {self.reg}).",
                NumericalWarning,
                stacklevel=2,
            )
        self.user_factors_ = np.ascontiguousarray(Pa[:, :k])
        self.item_factors_ = np.ascontiguousarray(Qa[:, :k])
        self.user_bias_ = self._bias(Pa, k).astype(np.float64)
        self.item_bias_ = self._bias(Qa, k).astype(np.float64)
        self.n_iter_ = n_run

    def _initial_factors(
        self, M: sp.csr_matrix, resid: np.ndarray, rng: Any
    ) -> tuple[np.ndarray, np.ndarray]:
        """Starting P and Q, (n_users, k) and (n_items, k): spectral (``svd``) or random.

        ``resid`` holds ``r - mu`` (minus the side-feature terms) on the stored cells, in
        the CSR order of ``M``.
        """
        k = self.rank
        n_users, n_items = M.shape
        resid = resid.astype(np.float64)
        spread = float(np.sqrt(np.mean(resid**2)))
        # std(p^T q) = scale^2 sqrt(k) for iid N(0, scale^2) entries: match the ratings' spread
        if self.init_scale == "auto":
            scale = np.sqrt(spread / np.sqrt(k)) if spread > 0 else 0.1
        else:
            scale = float(self.init_scale)
        P = rng.standard_normal((n_users, k)) * scale
        Q = rng.standard_normal((n_items, k)) * scale
        if self.init == "random":
            return P, Q
        # A = P_Ω(R - mu) / density: E[A] is the full centred matrix (cells kept w.p. density)
        A = sp.csr_matrix(
            (resid * (n_users * n_items / M.nnz), M.indices, M.indptr),
            shape=M.shape,
        )
        k_svd = min(k, n_users, n_items)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        # 2 power iterations: a starting point needs the leading subspace, not 6 digits
        # (cost: 6 products of A with (n, k + 10) blocks, about the flops of half a sweep).
        # One BLAS thread: the QRs of these skinny blocks gain nothing from threads, and on a
        # busy machine threaded OpenBLAS took 0.56 s instead of 0.002 s per (6040, 20) QR.
        with threadpool_limits(1, user_api="blas"):
            U, S, Vt = randomized_svd(A, k_svd, n_iter=2, random_state=seed)
        # keep directions above round-off; the rest (and columns past min(shape)) stay random
        keep = S > S[0] * max(n_users, n_items) * np.finfo(np.float64).eps if S[0] > 0 else S < 0
        root = np.sqrt(S[keep])
        P[:, :k_svd][:, keep] = U[:, keep] * root  # P = U_k S_k^{1/2}
        Q[:, :k_svd][:, keep] = Vt[keep].T * root  # Q = V_k S_k^{1/2}
        return P, Q

    def _progress_text(self, it: int, n_iter: int, train_rmse: float) -> str:
        text = f"sweep {it + 1}/{n_iter} train RMSE {train_rmse:.4f}"
        if self.val_rmse_:
            text += f" val RMSE {self.val_rmse_[-1]:.4f}"
        logger.info("ALS %s", text)
        return text

    @staticmethod
    def _stop_early(curve: list[float], patience: int) -> bool:
        """No better held-out RMSE for ``patience`` sweeps, and the last sweep raised it,
        judged on the sweeps after the first.

        From a random start the first sweep's model can be better than the next few: on a
        well-sampled problem (5000 × 1250, rank 10) the held-out RMSE went 1.300, 1.394,
        1.397, 1.385, … and fell to 1.206 by sweep 20. So the reference best is taken from
        sweep 2 on, and a fall after a rise resets the count; the refit still takes the
        overall best sweep, the first included.
        """
        tail = curve[1:]
        if len(tail) < 2:
            return False
        since_best = len(tail) - 1 - int(np.argmin(tail))
        return since_best >= patience and tail[-1] >= tail[-2]

    def _row_weight(self, counts: np.ndarray) -> np.ndarray:
        """w = max(n, 1)^a with weighted_reg, else 1, per row of ``counts``. (n_rows,)"""
        if not self.weighted_reg:
            return np.ones(counts.shape[0])
        return np.maximum(counts, 1).astype(np.float64) ** float(self.reg_exponent)

    def _bias(self, Xa: np.ndarray, k: int) -> np.ndarray:
        return Xa[:, k] if self.biases else np.zeros(Xa.shape[0], dtype=Xa.dtype)

    def _augment(self, Xa: np.ndarray, k: int, dt: np.dtype) -> np.ndarray:
        """[X, 1]: the fixed side with a column of ones for the other side's bias. (n, kk)"""
        Y = np.empty_like(Xa)
        Y[:, :k] = Xa[:, :k]
        if self.biases:
            Y[:, k] = 1.0
        return Y

    def _half_step(self, M, data, Y, row_off, col_off, reg_diag, weight, X) -> tuple[int, float]:
        """Solve every row's system in place in X. Returns (failed rows, sse before the step)."""
        sse = np.empty(X.shape[0], dtype=np.float64)
        args = (M.indptr, M.indices, data, Y, row_off, col_off, reg_diag, weight, X)
        if self.solver == "cg":
            launch(_kernels.ridge_cg_rows, *args, self.cg_steps, sse)
            return 0, float(sse.sum())
        failed = np.zeros(X.shape[0], dtype=np.bool_)
        launch(_kernels.ridge_rows, *args, failed, sse)
        return int(failed.sum()), float(sse.sum())

    def _cell_predictions(self, rows, cols, Pa, Qa) -> np.ndarray:
        """r̂ on the given cells (float64). (n_cells,)"""
        k = self.rank
        out = np.empty(rows.shape[0], dtype=Pa.dtype)
        launch(
            _kernels.pair_dots,
            rows,
            cols,
            np.ascontiguousarray(Pa[:, :k]),
            np.ascontiguousarray(Qa[:, :k]),
            out,
        )
        pred = out.astype(np.float64) + self.global_mean_
        pred += self.user_offset_[rows] + self.item_offset_[cols]
        if self.biases:
            pred += Pa[rows, k] + Qa[cols, k]
        return pred

    def _feature_step(self, M, rows, cols, data, Pa, Qa, F, G) -> None:
        """Ridge for the side-feature weights [a; c] on the residuals of everything else."""
        saved_u, saved_i = self.user_offset_, self.item_offset_
        self.user_offset_ = np.zeros_like(saved_u)
        self.item_offset_ = np.zeros_like(saved_i)
        e = data - self._cell_predictions(rows, cols, Pa, Qa)  # residual without features
        R = sp.csr_matrix((np.ones_like(e), M.indices, M.indptr), shape=M.shape)
        E = sp.csr_matrix((e, M.indices, M.indptr), shape=M.shape)
        n_u = np.asarray(R.sum(axis=1)).ravel()
        n_i = np.asarray(R.sum(axis=0)).ravel()
        blocks, rhs = [], []
        if F is not None:
            blocks.append(("F", F))
            rhs.append(F.T @ np.asarray(E.sum(axis=1)).ravel())
        if G is not None:
            blocks.append(("G", G))
            rhs.append(G.T @ np.asarray(E.sum(axis=0)).ravel())
        sizes = [B.shape[1] for _, B in blocks]
        d = sum(sizes)
        ZtZ = np.zeros((d, d))
        off = np.cumsum([0, *sizes])
        for a, (na, _) in enumerate(blocks):
            for b, (nb, _) in enumerate(blocks):
                if a > b:
                    continue
                if na == nb == "F":
                    block = F.T @ (n_u[:, None] * F)  # F^T diag(n_u) F
                elif na == nb == "G":
                    block = G.T @ (n_i[:, None] * G)  # G^T diag(n_i) G
                else:
                    block = F.T @ (R @ G)  # F^T R G: cross terms of a user and an item feature
                ZtZ[off[a] : off[a + 1], off[b] : off[b + 1]] = block
                ZtZ[off[b] : off[b + 1], off[a] : off[a + 1]] = block.T
        ZtZ[np.diag_indices(d)] += self.reg
        try:
            coef = sla.cho_solve(sla.cho_factor(ZtZ, lower=True), np.concatenate(rhs))
        except np.linalg.LinAlgError as err:
            raise LinmlInputError(
                f"the side-feature system is singular (reg={self.reg}); use reg > 0 or remove "
                "constant/duplicate feature columns."
            ) from err
        pos = 0
        if F is not None:
            self.user_feature_coef_ = coef[: F.shape[1]]
            self.user_offset_ = F @ self.user_feature_coef_
            pos = F.shape[1]
        if G is not None:
            self.item_feature_coef_ = coef[pos:]
            self.item_offset_ = G @ self.item_feature_coef_

    def _features(self, features: Any, ids: np.ndarray, name: str) -> np.ndarray | None:
        if features is None:
            return None
        if isinstance(features, pd.DataFrame | pd.Series):
            frame = features.to_frame() if isinstance(features, pd.Series) else features
            missing = pd.Index(ids).difference(frame.index)
            if len(missing):
                raise LinmlInputError(
                    f"{name} has no row for {len(missing)} id(s), e.g. {missing[0]!r}; index the "
                    "frame by id and give every id a row."
                )
            features = frame.loc[ids].to_numpy()
        A = check_array(features, name=name, dtype=np.float64)
        if A.shape[0] != ids.shape[0]:
            raise LinmlInputError(
                f"{name} has {A.shape[0]} rows but there are {ids.shape[0]} ids; give one row per "
                "id, in the order of the Interactions' ids."
            )
        return A

    def _validation_pairs(self, validation: Any) -> tuple[np.ndarray, ...] | None:
        if validation is None:
            return None
        if isinstance(validation, Interactions):
            users, items, values = validation.to_triples()
        else:
            users, items, values = validation
        u = self._user_idx(users, allow_unknown=True)
        i = self._item_idx(items, allow_unknown=True)
        known = (u >= 0) & (i >= 0)
        if not known.all():
            warnings.warn(
                f"validation: {int((~known).sum())} ratings of users/items absent from training "
                "are left out of val_rmse_.",
                ColdStartWarning,
                stacklevel=3,
            )
        return u[known], i[known], np.asarray(values, dtype=np.float64)[known]

    # ------------------------------------------------------------------ predict & co
    def _augmented(self) -> tuple[np.ndarray, np.ndarray]:
        if self.biases:
            Pa = np.column_stack(
                [self.user_factors_, self.user_bias_.astype(self.user_factors_.dtype)]
            )
            Qa = np.column_stack(
                [self.item_factors_, self.item_bias_.astype(self.item_factors_.dtype)]
            )
            return Pa, Qa
        return self.user_factors_, self.item_factors_

    def predict(self, users: Any, items: Any, *, unknown: str = "error") -> np.ndarray:
        """Predicted ratings ``r̂`` for pairs of ids. (n,)

        Parameters
        ----------
        users, items : array-like of ids, (n,)
        unknown : {"error", "fallback"}
            Unknown ids raise, or fall back: an unknown user gets ``mu + b_i`` (+ item feature
            term), an unknown item ``mu + b_u``, both ``mu`` — with a ColdStartWarning.
        """
        check_is_fitted(self)
        u, i = self._pair_idx(users, items, unknown, hint=_PREDICT_HINT)
        new_u, new_i = u < 0, i < 0
        if new_u.any() or new_i.any():
            warnings.warn(
                f"{int(new_u.sum())} unknown user(s) and {int(new_i.sum())} unknown item(s): "
                "predicted from the biases only.",
                ColdStartWarning,
                stacklevel=2,
            )
        uu, ii = np.where(new_u, 0, u), np.where(new_i, 0, i)
        dots = np.einsum("nk,nk->n", self.user_factors_[uu], self.item_factors_[ii])
        pred = self.global_mean_ + np.where(new_u | new_i, 0.0, dots)
        pred += np.where(new_u, 0.0, self.user_bias_[uu] + self.user_offset_[uu])
        pred += np.where(new_i, 0.0, self.item_bias_[ii] + self.item_offset_[ii])
        return pred

    def _score_rows(self, u_idx: np.ndarray) -> np.ndarray:
        S = self.user_factors_[u_idx] @ self.item_factors_.T  # (block, n_items)
        S = S.astype(np.float64)
        S += (self.global_mean_ + self.user_bias_[u_idx] + self.user_offset_[u_idx])[:, None]
        S += self.item_bias_ + self.item_offset_
        return S

    def _cold_scores(self) -> tuple[np.ndarray, str]:
        if self.biases or self.item_feature_coef_ is not None:
            return self.global_mean_ + self.item_bias_ + self.item_offset_, "item biases"
        return self._popularity(), "item popularity"

    def fold_in(
        self, items: Any, ratings: Any, *, user_features: Any = None
    ) -> tuple[np.ndarray, float]:
        """Factors and bias of a new user from their ratings, against the fixed item side.

        Solves exactly the user half-step of a fit: ``(Y_u^T Y_u + reg w_u I) [p; b] = Y_u^T t``
        with ``Y_u = [Q_u, 1]`` and ``t = r - mu - b_i - c^T g_i - a^T f`` (``f`` the user's
        features, if the model has user features).

        Returns
        -------
        factors : ndarray, (rank,)
        bias : float
        """
        check_is_fitted(self)
        idx, values = self._parse_ratings((items, ratings))
        x, _ = self._fold(idx, values, self._new_user_offset(user_features))
        k = self.rank
        return x[:k].astype(np.float64), float(x[k]) if self.biases else 0.0

    def _new_user_offset(self, user_features: Any) -> float:
        if user_features is None or self.user_feature_coef_ is None:
            return 0.0
        f = np.asarray(user_features, dtype=np.float64).ravel()
        if f.shape != self.user_feature_coef_.shape:
            raise LinmlInputError(
                f"user_features has {f.shape[0]} entries; the model was fitted with "
                f"{self.user_feature_coef_.shape[0]}."
            )
        return float(f @ self.user_feature_coef_)

    def _fold(self, idx: np.ndarray, values: np.ndarray, offset: float) -> tuple[np.ndarray, bool]:
        """Run the user half-step kernel on one row. Returns (x = [p, b], failed)."""
        dt = self.user_factors_.dtype
        _, Qa = self._augmented()
        Y = self._augment(np.ascontiguousarray(Qa), self.rank, dt)
        kk = Y.shape[1]
        indptr = np.array([0, idx.shape[0]], dtype=np.int64)
        col_off = (self.global_mean_ + self.item_offset_ + self.item_bias_).astype(dt)
        weight = self._row_weight(np.array([idx.shape[0]])).astype(dt)
        X = np.zeros((1, kk), dtype=dt)
        failed = np.zeros(1, dtype=np.bool_)
        launch(
            _kernels.ridge_rows,
            indptr,
            idx.astype(np.int32),
            values.astype(dt),
            Y,
            np.array([offset], dtype=dt),
            col_off,
            np.full(kk, self.reg, dtype=dt),
            weight,
            X,
            failed,
            np.empty(1),
        )
        if failed[0]:
            warnings.warn(
                "fold-in system not positive definite; increase reg.",
                NumericalWarning,
                stacklevel=3,
            )
        return X[0], bool(failed[0])

    def _score_folded(self, items: np.ndarray, values: np.ndarray) -> np.ndarray:
        x, _ = self._fold(items, values, 0.0)
        k = self.rank
        s = self.item_factors_ @ x[:k] + self.global_mean_ + self.item_bias_ + self.item_offset_
        return s + (x[k] if self.biases else 0.0)

    def _user_system(self, u, items=None, values=None):
        if items is None:
            sl = slice(self.seen_indptr_[u], self.seen_indptr_[u + 1])
            items, values = self.seen_indices_[sl], self.seen_values_[sl]
            offset = float(self.user_offset_[u])
        else:
            offset = 0.0
        _, Qa = self._augmented()
        Y = self._augment(np.asarray(Qa, dtype=np.float64), self.rank, np.float64)
        Yu = Y[items]  # (n_u, kk)
        t = values - offset - (self.global_mean_ + self.item_bias_ + self.item_offset_)[items]
        w = float(self._row_weight(np.array([items.shape[0]]))[0])
        A = Yu.T @ Yu + self.reg * w * np.eye(Y.shape[1])
        return A, Yu, t, items, offset

    def _item_vector(self, i: int) -> np.ndarray:
        y = self.item_factors_[i].astype(np.float64)
        return np.append(y, 1.0) if self.biases else y

    def _baseline(self, u: int, i: int, user_offset: float) -> float:
        return float(self.global_mean_ + self.item_bias_[i] + self.item_offset_[i] + user_offset)

    def _explain(self) -> Explanation:
        check_is_fitted(self)
        # singular values of the learned low-rank part P Q^T from two thin QRs (never forms it)
        s = product_singular_values(
            self.user_factors_.astype(np.float64), self.item_factors_.astype(np.float64)
        )
        num_rank = rank_from_spectrum(
            s, max(self.n_users_, self.n_items_), np.finfo(np.float64).eps
        )
        energy = s**2 / max((s**2).sum(), np.finfo(float).tiny)
        eff = int(np.searchsorted(np.cumsum(energy), 0.9) + 1) if s.size else 0
        ex = Explanation(title=f"ALS (rank {self.rank}, reg {self.reg})")
        ex.add("shape", (self.n_users_, self.n_items_), "users x items")
        ex.add(
            "observed",
            int(self.seen_values_.shape[0]),
            f"density {self.seen_values_.shape[0] / (self.n_users_ * self.n_items_):.3g}",
        )
        ex.add("singular values of P Q^T", s, "spectrum of the learned low-rank part")
        ex.add("numerical rank", num_rank, f"of {self.rank} factors")
        ex.add("rank holding 90% of the energy", eff, "factors that matter")
        ex.add("global mean", self.global_mean_)
        ex.add(
            "bias spread (std of b_u, b_i)",
            (float(self.user_bias_.std()), float(self.item_bias_.std())),
        )
        ex.add("train RMSE", self.train_rmse_[-1])
        curve = getattr(self, "early_stopping_rmse_", [])
        if curve:  # the refit ran best_n_iter_ sweeps on purpose: not a convergence failure
            how = (
                f"early stopping: held-out RMSE lowest after {self.best_n_iter_} of "
                f"{len(curve)} sweeps ({min(curve):.4f} on {self.validation_fraction:g} of the "
                "ratings); the refit on all ratings ran that many"
            )
        elif getattr(self, "converged_", False):
            how = f"converged (relative objective change < tol={self.tol})"
        else:
            how = f"stopped at n_iter={self.n_iter} before the objective settled to tol={self.tol}"
        ex.add("sweeps run", self.n_iter_, how)
        if not curve and not getattr(self, "converged_", False) and self.tol > 0:
            ex.suggestions.append(f"not converged in {self.n_iter} sweeps; raise n_iter.")
        if self.val_rmse_:
            ex.add("validation RMSE", self.val_rmse_[-1])
            best = int(np.argmin(self.val_rmse_))
            if best < len(self.val_rmse_) - 1 and self.val_rmse_[-1] > self.val_rmse_[best] * 1.01:
                ex.suggestions.append(
                    f"validation RMSE was lowest at sweep {best + 1}; raise reg or lower rank."
                )
        ex.verdict = f"{eff} of {self.rank} factors carry 90% of the energy" + (
            "; consider a smaller rank." if eff < self.rank / 2 else "."
        )
        return ex
