"""BPR: Bayesian personalized ranking of implicit feedback by stochastic gradient ascent.

A user should rank an item they interacted with (``i in I_u+``) above one they did not
(``j not in I_u+``). With scores ``x_ui = p_u . q_i + b_i`` (user factors ``P``, item factors
``Q`` and an item bias ``b``; no user bias: it cancels in every difference), BPR maximizes::

    BPR-Opt = sum_{(u, i, j)} ln sigma(x_ui - x_uj) - (reg / 2) |Theta|^2

over the triples ``u``, ``i in I_u+``, ``j not in I_u+`` by SGD on sampled triples
(Rendle, Freudenthaler, Gantner & Schmidt-Thieme, "BPR: Bayesian personalized ranking from
implicit feedback", UAI 2009). Maximizing it maximizes a smoothed AUC of every user's ranking.

>>> from linml.datasets.ratings import make_implicit_feedback
>>> u, i, c = make_implicit_feedback(300, 80, rank=4, interactions_per_user=10, random_state=0)
>>> model = BPR(rank=8, n_epochs=5, random_state=0).fit((u, i, c))
>>> len(model.loss_trace_), len(model.auc_trace_)  # one entry per epoch
(5, 5)
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
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from linml._base import Explanation
from linml._numba import launch
from linml._validation import Interval, Options, check_random_state
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.linalg._spectrum import product_singular_values, rank_from_spectrum
from linml.recommend import _bpr_kernels as K
from linml.recommend._factor_model import (
    ColdStartWarning,
    FactorRecommender,
    ScoreExplanation,
    implicit_feedback,
)
from linml.recommend._progress import progress_bar

__all__ = ["BPR"]

logger = logging.getLogger("linml.recommend")

_FOLD_SEED = np.uint64(0x9E3779B97F4A7C15)  # fixed stream for fold-in: same ratings, same factors
#: what to do about a negative value in the training data
_NEGATIVE_ADVICE = (
    "BPR treats every stored entry as a positive: drop the negative ones (or use ALS for "
    "signed ratings)."
)


class BPR(FactorRecommender):
    """Bayesian personalized ranking: SGD on ``ln sigma(x_ui - x_uj)`` over sampled triples.

    Scores are ``x_ui = p_u . q_i + b_i`` (an item bias, no user bias). One epoch draws
    ``nnz`` triples: a stored (u, i) uniformly over the interactions, then a negative ``j``
    (uniform over the items, or by popularity) redrawn while it is one of the user's items.
    Each triple takes one LearnBPR step (``z = sigma(-x_uij)``)::

        p_u += learning_rate (z (q_i - q_j) - reg p_u)
        q_i += learning_rate (z p_u - reg q_i),   q_j += learning_rate (-z p_u - reg q_j)
        b_i += learning_rate (z - reg b_i),       b_j += learning_rate (-z - reg b_j)

    Parameters
    ----------
    rank : int, default=64
        Number of latent factors ``k``.
    learning_rate : float, default=0.05
        SGD step size.
    reg : float, default=0.01
        Ridge penalty ``reg / 2 |theta|^2`` on the parameters each step touches.
    n_epochs : int, default=100
        Epochs of ``nnz`` triples each; 100 is also the `implicit` library's default. On the
        benchmark's generated implicit set (4000 x 1000, 30 per user, rank 32) the held-out
        AUC is 0.81 after 10 epochs, 0.86 after 25, 0.88 after 50 and 0.883 after 100 and
        200: still rising at 25-50, level by 100. Small dense sets level off much sooner —
        use ``tol`` to stop earlier.
    sampling : {"uniform", "popularity"}, default="uniform"
        How negatives are drawn: uniformly over the items (Rendle et al.), or proportionally
        to an item's number of interactions (the item of a uniformly drawn stored entry — what
        ``implicit``'s BPR does); popular negatives are harder ones.
    verify_negative : bool, default=True
        Redraw a negative that is one of the user's items (binary search in the user's sorted
        row; up to 64 draws, then the triple is skipped). False: only ``j != i`` is checked,
        faster on sparse data, and a few "negatives" are positives.
    tol : float, default=0.0
        Stop when the epoch's mean loss changes by less than ``tol`` relative to the previous
        epoch's: ``|L_t - L_{t-1}| <= tol * L_{t-1}``. The loss is an estimate from the sampled
        triples, so use ``tol`` of a few 1e-3, not 1e-8. 0: run all ``n_epochs``.
    parallel : bool, default=True
        True: the epoch is split into one chunk of triples per numba thread, run at once
        Hogwild-style (shared item rows updated without locks): fast, but **not** reproducible
        bit-for-bit even with ``random_state``. False: one thread, reproducible bit-for-bit.
    init_scale : float, default=0.1
        Standard deviation of the random initial factors (biases start at 0).
    dtype : {"float32", "float64"}, default="float32"
    random_state : int, RandomState, Generator or None
    verbose : bool, default=False
        Show a progress bar with the loss and sampled AUC of each epoch.

    Attributes
    ----------
    user_factors_ : ndarray, (n_users, rank)
        ``P``; rows of users without interactions are 0 (they are ranked by popularity).
    item_factors_ : ndarray, (n_items, rank)
        ``Q``.
    item_bias_ : ndarray, (n_items,)
        ``b``.
    loss_trace_ : list of float
        Mean ``-ln sigma(x_uij)`` over each epoch's triples, each taken just before its step.
    auc_trace_ : list of float
        Fraction of each epoch's triples with ``x_uij > 0``: a running estimate of the training
        AUC (0.5 at random initial factors).
    n_epochs_ : int
        Epochs run (fewer than ``n_epochs`` when ``tol`` stopped the fit).
    n_iter_ : int
        The same count, under the name every linml recommender uses.
    converged_ : bool
        Whether ``tol`` stopped the epochs before ``n_epochs``.
    skipped_ : int
        Triples skipped in the last epoch because no negative was found.
    user_ids_, item_ids_ : ndarray

    Notes
    -----
    **The `implicit` library.** ``implicit.cpu.bpr.BayesianPersonalizedRanking(factors=k,
    learning_rate=lr, regularization=reg, iterations=n)`` runs the same steps (its item bias is
    an extra factor against a constant user factor), with negatives by popularity: it matches
    ``BPR(rank=k, learning_rate=lr, reg=reg, n_epochs=n, sampling="popularity")`` up to
    initialization, the random streams and the handling of a positive drawn as negative
    (implicit skips the triple; BPR redraws).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> X = sp.csr_matrix(np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]))
    >>> model = BPR(rank=2, n_epochs=50, parallel=False, random_state=0).fit(X)
    >>> model.user_factors_.shape, model.item_factors_.shape, model.item_bias_.shape
    ((2, 2), (4, 2), (4,))
    >>> sorted(model.recommend(0, n=2, exclude_seen=False)[0].tolist())  # user 0's own items
    [0, 1]
    """

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "rank": [Interval(int, 1, None)],
        "learning_rate": [Interval(float, 0, None, closed="neither", finite=True)],
        "reg": [Interval(float, 0, None, finite=True)],
        "n_epochs": [Interval(int, 1, None)],
        "sampling": [Options(("uniform", "popularity"))],
        "verify_negative": [bool],
        "tol": [Interval(float, 0, None, finite=True)],
        "parallel": [bool],
        "init_scale": [Interval(float, 0, None, closed="neither", finite=True)],
        "dtype": [Options(("float64", "float32"))],
        "random_state": [None, Interval(int, 0, None), np.random.RandomState, np.random.Generator],
        "verbose": [bool, Interval(int, 0, None)],
    }

    def __init__(
        self,
        rank: int = 64,
        learning_rate: float = 0.05,
        reg: float = 0.01,
        n_epochs: int = 100,
        *,
        sampling: str = "uniform",
        verify_negative: bool = True,
        tol: float = 0.0,
        parallel: bool = True,
        init_scale: float = 0.1,
        dtype: str = "float32",
        random_state: Any = None,
        verbose: bool = False,
    ) -> None:
        self.rank = rank
        self.learning_rate = learning_rate
        self.reg = reg
        self.n_epochs = n_epochs
        self.sampling = sampling
        self.verify_negative = verify_negative
        self.tol = tol
        self.parallel = parallel
        self.init_scale = init_scale
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X: Any, y: Any = None) -> BPR:
        """Fit to implicit feedback: every stored entry is a positive (its value is ignored).

        Parameters
        ----------
        X : Interactions, scipy.sparse (n_users, n_items) or (users, items[, values])
            Values must be >= 0 (counts, clicks…); only which entries are stored matters.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        self._check_params()
        inter = implicit_feedback(X, advice=_NEGATIVE_ADVICE)
        M = inter.matrix
        n_users, n_items = M.shape
        counts = np.diff(M.indptr)
        if (counts[counts > 0] >= n_items).all():
            raise LinmlInputError(
                f"every user interacted with all {n_items} items: BPR needs items a user has not "
                "interacted with to rank below the ones they have."
            )
        self._store_training(inter)
        dt = np.dtype(self.dtype)
        rng = check_random_state(self.random_state)
        P = (rng.standard_normal((n_users, self.rank)) * self.init_scale).astype(dt)
        Q = (rng.standard_normal((n_items, self.rank)) * self.init_scale).astype(dt)
        b = np.zeros(n_items, dtype=dt)
        indptr = M.indptr.astype(np.int64)
        indices = M.indices.astype(np.int32)
        rows = inter.rows.astype(np.int32)  # user of each stored entry (CSR order)
        n_chunks = numba.get_num_threads() if self.parallel else 1
        # one xorshift64* stream per chunk; its state must be nonzero
        states = (rng.random(n_chunks) * 2.0**62).astype(np.uint64) + np.uint64(1)
        kernel = K.bpr_epoch_parallel if self.parallel else K.bpr_epoch_serial
        lr, reg = dt.type(self.learning_rate), dt.type(self.reg)
        self.loss_trace_, self.auc_trace_ = [], []
        converged = False
        with progress_bar(self.verbose, "BPR", self.n_epochs) as advance:
            for epoch in range(self.n_epochs):
                stats = np.zeros((n_chunks, 4))
                args = (indptr, indices, rows, P, Q, b, lr, reg, inter.nnz, states)
                args += (self.sampling == "popularity", self.verify_negative, True, stats)
                if self.parallel:
                    launch(kernel, *args)
                else:
                    kernel(*args)
                total = stats.sum(axis=0)
                drawn = max(total[K.DRAWN], 1.0)
                self.loss_trace_.append(float(total[K.LOSS] / drawn))
                self.auc_trace_.append(float(total[K.CORRECT] / drawn))
                text = (
                    f"epoch {epoch + 1}/{self.n_epochs} loss {self.loss_trace_[-1]:.5g} "
                    f"auc {self.auc_trace_[-1]:.4f}"
                )
                logger.info("BPR %s", text)
                advance(text)
                if not np.isfinite(self.loss_trace_[-1]):
                    warnings.warn(
                        f"BPR diverged in epoch {epoch + 1} (loss {self.loss_trace_[-1]}); "
                        f"lower learning_rate (now {self.learning_rate}) so that "
                        "learning_rate * reg stays well below 1.",
                        NumericalWarning,
                        stacklevel=2,
                    )
                    break
                if self.tol > 0 and epoch > 0:
                    prev, now = self.loss_trace_[-2], self.loss_trace_[-1]
                    if abs(prev - now) <= self.tol * prev:
                        converged = True
                        break
        P[np.diff(indptr) == 0] = 0.0  # users without data: no direction learned
        self.user_factors_ = P
        self.item_factors_ = Q
        self.item_bias_ = b
        self.n_epochs_ = len(self.loss_trace_)
        self.n_iter_ = self.n_epochs_  # the name every linml recommender reports its passes by
        self.converged_ = converged
        self.skipped_ = int(total[K.SKIPPED])
        return self

    # ------------------------------------------------------------------ predict & co
    def predict(self, users: Any, items: Any, *, unknown: str = "error") -> np.ndarray:
        """Scores ``x_ui = p_u . q_i + b_i`` for pairs of ids (only their order means
        anything). (n,)

        Parameters
        ----------
        users, items : array-like of ids, (n,)
        unknown : {"error", "fallback"}
            Unknown ids raise, or are scored as a user with no interactions (``p = 0``: the
            score is the item bias ``b_i``) and an item never seen (``q = 0``, ``b = 0``),
            with a ColdStartWarning.
        """
        check_is_fitted(self)
        u, i = self._pair_idx(users, items, unknown)
        if (u < 0).any() or (i < 0).any():
            warnings.warn(
                f"{int((u < 0).sum())} unknown user(s) and {int((i < 0).sum())} unknown item(s): "
                "scored with zero factors (and zero bias for unknown items).",
                ColdStartWarning,
                stacklevel=2,
            )
        uu, ii = np.where(u < 0, 0, u), np.where(i < 0, 0, i)
        P = np.where((u < 0)[:, None], 0.0, self.user_factors_[uu].astype(np.float64))
        Q = np.where((i < 0)[:, None], 0.0, self.item_factors_[ii].astype(np.float64))
        b = np.where(i < 0, 0.0, self.item_bias_[ii].astype(np.float64))
        return np.einsum("nk,nk->n", P, Q) + b

    def _score_rows(self, u_idx: np.ndarray) -> np.ndarray:
        # x_u = Q p_u + b for every item: one GEMM per block of users
        S = self.user_factors_[u_idx] @ self.item_factors_.T  # (len(u_idx), n_items)
        return S.astype(np.float64) + self.item_bias_

    def _cold_scores(self) -> tuple[np.ndarray, str]:
        return self._popularity(), "item popularity"

    def fold_in(self, items: Any) -> np.ndarray:
        """Factors ``p`` of a new user who interacted with ``items``: the same SGD with ``Q``
        and ``b`` fixed, ``n_epochs`` epochs of ``max(n_u, 32)`` triples from a fixed seed
        (so the same items always give the same factors). (rank,)"""
        check_is_fitted(self)
        items = np.atleast_1d(np.asarray(items))
        idx, _ = self._parse_ratings((items, np.ones(items.shape[0])))
        return self._fold(idx).astype(np.float64)

    def _fold(self, idx: np.ndarray) -> np.ndarray:
        Q, b = self.item_factors_, self.item_bias_
        if idx.shape[0] >= self.n_items_:
            return np.zeros(Q.shape[1], dtype=Q.dtype)  # every item is positive: nothing to rank
        P = np.zeros((1, Q.shape[1]), dtype=Q.dtype)
        indptr = np.array([0, idx.shape[0]], dtype=np.int64)
        indices = idx.astype(np.int32)
        rows = np.zeros(idx.shape[0], dtype=np.int32)
        states = np.array([_FOLD_SEED], dtype=np.uint64)
        stats = np.zeros((1, 4))
        lr, reg = Q.dtype.type(self.learning_rate), Q.dtype.type(self.reg)
        popularity = self.sampling == "popularity"
        for _ in range(self.n_epochs):  # update_items=False: Q and b are only read
            K.bpr_epoch_serial(
                indptr, indices, rows, P, Q, b, lr, reg, max(idx.shape[0], 32), states,
                popularity, self.verify_negative, False, stats,
            )  # fmt: skip
        return P[0]

    def _score_folded(self, items: np.ndarray, values: np.ndarray) -> np.ndarray:
        p = self._fold(items)
        return (self.item_factors_ @ p).astype(np.float64) + self.item_bias_

    def _user_system(self, u, items=None, values=None):
        """The score as a sum over the user's items: ``p_u = Q_u^T w + r`` with ``w`` the
        minimum-norm least-squares solution of ``Q_u^T w = p_u`` (``r`` orthogonal to the
        rated items' factors), returned as (I, Q_u, w, items, 0) in the base class's form."""
        if items is None:
            sl = slice(self.seen_indptr_[u], self.seen_indptr_[u + 1])
            items = self.seen_indices_[sl]
            p = self.user_factors_[u].astype(np.float64)
        else:
            p = self._fold(items).astype(np.float64)
        Qu = self.item_factors_[items].astype(np.float64)  # (n_u, k)
        # lstsq (SVD, cutoff from eps): Q_u^T is k x n_u and rank deficient when n_u > k
        w = np.linalg.lstsq(Qu.T, p, rcond=None)[0] if items.shape[0] else np.zeros(0)
        return np.eye(Qu.shape[1]), Qu, w, items, 0.0

    def _item_vector(self, i: int) -> np.ndarray:
        return self.item_factors_[i].astype(np.float64)

    def explain(self, user: Any, item: Any, *, ratings: Any = None) -> ScoreExplanation:
        """Which of the user's items made ``item``'s score ``x_ui = p_u . q_i + b_i``.

        With ``p_u = Q_u^T w + r`` (``w`` the minimum-norm least-squares fit of ``p_u`` by the
        factors of the user's items, ``r`` the rest, orthogonal to them), item ``j``
        contributes ``w_j q_j . q_i``; the baseline is ``b_i + r . q_i``. The parts add up to
        the model's score exactly. ``ratings`` (item ids, or a dict/pair with values, which
        are ignored) explains a new user folded in as in :meth:`fold_in`.
        """
        check_is_fitted(self)
        i = int(self._item_idx(item)[0])
        if ratings is not None:
            if not isinstance(ratings, dict | tuple):
                ratings = (list(ratings), [1.0] * len(ratings))
            items, values = self._parse_ratings(ratings)
            _, Qu, w, idx, _ = self._user_system(-1, items, values)
            p = self._fold(items).astype(np.float64)
        else:
            u = int(self._user_idx(user)[0])
            _, Qu, w, idx, _ = self._user_system(u)
            p = self.user_factors_[u].astype(np.float64)
            values = self.seen_values_[self.seen_indptr_[u] : self.seen_indptr_[u + 1]]
        qi = self._item_vector(i)
        contrib = w * (Qu @ qi)  # (n_u,)
        r = p - Qu.T @ w  # the part of p_u outside the span of the user's item factors
        baseline = float(self.item_bias_[i]) + float(r @ qi)
        frame = pd.DataFrame(
            {"item": self.item_ids_[idx], "value": values, "contribution": contrib}
        )
        frame = frame.iloc[np.argsort(-np.abs(contrib), kind="stable")].reset_index(drop=True)
        return ScoreExplanation(user, item, baseline + float(contrib.sum()), baseline, frame)

    def _explain(self) -> Explanation:
        check_is_fitted(self)
        P64 = self.user_factors_.astype(np.float64)
        Q64 = self.item_factors_.astype(np.float64)
        s = product_singular_values(P64, Q64)  # sv(P Q^T) from two thin QRs
        eps = np.finfo(self.user_factors_.dtype).eps
        eff_rank = rank_from_spectrum(s, max(P64.shape + Q64.shape), eps)
        ex = Explanation(
            title=f"BPR (rank {self.rank}, learning rate {self.learning_rate}, reg {self.reg})"
        )
        ex.add("shape", (self.n_users_, self.n_items_), "users x items")
        ex.add("interactions", int(self.seen_values_.shape[0]))
        ex.add("singular values of P Q^T", s, "spectrum of the learned preference matrix")
        ex.add("numerical rank of P Q^T", eff_rank, f"of {self.rank} factors")
        ex.add("item bias range", (float(self.item_bias_.min()), float(self.item_bias_.max())))
        ex.add("epochs", self.n_epochs_)
        ex.add("final loss", self.loss_trace_[-1], "mean -ln sigma(x_uij) of the last epoch")
        ex.add("sampled training AUC", self.auc_trace_[-1], "share of last epoch's x_uij > 0")
        auc = self.auc_trace_[-1]
        ex.verdict = (
            "the model ranks positives above sampled negatives"
            if auc > 0.6
            else "barely better than random ranking: train longer or raise learning_rate"
        )
        return ex
