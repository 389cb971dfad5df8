"""What the factor-model recommenders share: id maps, top-n, similar items, explanations, state.

A fitted model keeps the training matrix (``seen_indptr_``, ``seen_indices_``,
``seen_values_``: the CSR of users x items) so that ``recommend`` can leave out what a user
has already seen and ``explain`` can rebuild a user's ridge system.
"""

from __future__ import annotations

import logging
import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg as sla
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

from linml._base import LinmlEstimator
from linml.exceptions import LinmlInputError
from linml.recommend.interactions import Interactions, _as_ids, as_interactions, lookup

logger = logging.getLogger("linml.recommend")

_BLOCK = 1024  # users scored per GEMM block in recommend

#: the way out named by predict's unknown-id error
_PREDICT_HINT = 'pass unknown="fallback" to predict pairs with an unknown id from what is known'
#: the way out named by recommend's unknown-user error
_RECOMMEND_HINT = (
    'pass ratings= to fold a new user in, or unknown="fallback" to rank by the cold-start scores'
)


class ColdStartWarning(UserWarning):
    """A prediction or ranking fell back to biases or popularity: no data for a user or item."""


@dataclass
class ScoreExplanation:
    """Why a model scored ``item`` for ``user``: score = baseline + sum of contributions.

    ``contributions`` has one row per item the user rated (columns ``item``, ``value``,
    ``contribution``), sorted by decreasing absolute contribution; ``baseline`` is the part
    of the score that does not come from the user's ratings (global mean, item bias…).
    """

    user: Any
    item: Any
    score: float
    baseline: float
    contributions: pd.DataFrame

    def __str__(self) -> str:
        lines = [
            f"score({self.user!r}, {self.item!r}) = {self.score:.4g} = baseline {self.baseline:.4g}"
            f" + contributions of {len(self.contributions)} rated items"
        ]
        for row in self.contributions.head(10).itertuples(index=False):
            lines.append(f"  {row.item!r}: value {row.value:.4g} -> {row.contribution:+.4g}")
        return "\n".join(lines)


def topn_indices(scores: np.ndarray, n: int, *, fill: int | None = None) -> np.ndarray:
    """Column indices of the ``n`` largest scores of each row, best first. (rows, n)

    ``-inf`` marks an excluded item (already seen). With ``fill=None`` such items may still
    appear at the end of a row that has fewer than ``n`` eligible items; with ``fill=-1``
    those slots hold ``-1`` instead (never an excluded item).

    >>> topn_indices(np.array([[0.1, -np.inf, 0.7]]), 3, fill=-1).tolist()
    [[2, 0, -1]]
    """
    n = min(n, scores.shape[1])
    if n == 0:
        return np.empty((scores.shape[0], 0), dtype=np.intp)
    part = np.argpartition(-scores, n - 1, axis=1)[:, :n]  # (rows, n), unordered
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(part, order, axis=1)
    if fill is not None:
        top[np.take_along_axis(scores, top, axis=1) == -np.inf] = fill
    return top


def implicit_feedback(X: Any, *, advice: str, role: str = "") -> Interactions:
    """``X`` as :class:`Interactions` of implicit feedback: at least one stored entry, and
    every value ``>= 0``.

    Parameters
    ----------
    X : Interactions, scipy.sparse (n_users, n_items) or (users, items[, values])
    advice : str
        What to do about a negative value, the end of its error message.
    role : str
        What the values are used for, named after ``>= 0`` in that message.

    Returns
    -------
    Interactions
    """
    inter = as_interactions(X)
    if inter.nnz == 0:
        raise LinmlInputError("X holds no interactions (empty data); need at least one.")
    if (inter.values < 0).any():
        bad = float(inter.values[inter.values < 0][0])
        raise LinmlInputError(f"implicit feedback values must be >= 0{role}; found {bad}. {advice}")
    return inter


class FactorRecommender(LinmlEstimator, ABC):
    """Base of ALS and ImplicitALS (not public): everything that is not the fit itself."""

    # ------------------------------------------------------------------ fitted-state helpers
    def _store_training(self, inter: Interactions) -> None:
        self.user_ids_ = inter.user_ids
        self.item_ids_ = inter.item_ids
        M = inter.matrix
        self.seen_indptr_ = M.indptr.astype(np.int64)
        self.seen_indices_ = M.indices.astype(np.int64)
        self.seen_values_ = M.data.copy()
        self.n_users_, self.n_items_ = (int(s) for s in M.shape)
        self._lookups = None

    def _seen(self) -> sp.csr_matrix:
        return sp.csr_matrix(
            (self.seen_values_, self.seen_indices_, self.seen_indptr_),
            shape=(self.n_users_, self.n_items_),
        )

    def _index(self) -> tuple[pd.Index, pd.Index]:
        lookups = getattr(self, "_lookups", None)
        if lookups is None:
            lookups = (pd.Index(self.user_ids_), pd.Index(self.item_ids_))
            self._lookups = lookups
        return lookups

    def _user_idx(
        self, users: Any, allow_unknown: bool = False, hint: str | None = None
    ) -> np.ndarray:
        return lookup(self._index()[0], users, "user", allow_unknown, hint)

    def _item_idx(
        self, items: Any, allow_unknown: bool = False, hint: str | None = None
    ) -> np.ndarray:
        return lookup(self._index()[1], items, "item", allow_unknown, hint)

    def _pair_idx(
        self, users: Any, items: Any, unknown: str, hint: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Row and column indices of ``predict``'s (user, item) pairs, each (n,).

        ``unknown="error"`` raises on an id never seen in training (naming ``hint`` as the
        way out); ``"fallback"`` gives it the index -1. Raises also on any other ``unknown``
        and when ``users`` and ``items`` differ in length.
        """
        if unknown not in ("error", "fallback"):
            raise LinmlInputError(f"unknown={unknown!r} must be 'error' or 'fallback'.")
        allow = unknown == "fallback"
        u = self._user_idx(users, allow_unknown=allow, hint=hint)
        i = self._item_idx(items, allow_unknown=allow, hint=hint)
        if u.shape != i.shape:
            raise LinmlInputError(f"users ({u.shape[0]}) and items ({i.shape[0]}) must pair up.")
        return u, i

    def _user_counts(self) -> np.ndarray:
        return np.diff(self.seen_indptr_)

    def _popularity(self) -> np.ndarray:
        return np.bincount(self.seen_indices_, minlength=self.n_items_).astype(np.float64)

    # ------------------------------------------------------------------ model specifics
    @abstractmethod
    def _score_rows(self, u_idx: np.ndarray) -> np.ndarray:
        """Predicted scores of users ``u_idx`` for every item. (len(u_idx), n_items)"""

    @abstractmethod
    def _score_folded(self, items: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Scores for every item of a new user folded in from (item indices, values)."""

    def _cold_scores(self) -> tuple[np.ndarray, str]:
        """Scores for a user with no data, and what they are (for the warning)."""
        return self._popularity(), "item popularity"

    @abstractmethod
    def _user_system(
        self, u: int, items: np.ndarray | None = None, values: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
        """The user's ridge system: (A, Y_u, t, item indices, user offset)."""

    @abstractmethod
    def _item_vector(self, i: int) -> np.ndarray:
        """Item ``i``'s row of the fixed side, as the user's system sees it."""

    def _baseline(self, u: int, i: int, user_offset: float) -> float:
        return 0.0

    # ------------------------------------------------------------------ public API
    def recommend(
        self,
        user: Any,
        n: int = 10,
        *,
        exclude_seen: bool = True,
        ratings: Any = None,
        unknown: str = "error",
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``n`` items for one user (1-D results) or many users (2-D results, one row each).

        Parameters
        ----------
        user : id or sequence of ids
            Known user id(s). An unknown id raises, unless ``ratings`` are given or
            ``unknown="fallback"``.
        n : int
            How many items, at most: a user with fewer than ``n`` items left to recommend
            (they saw all but ``m < n``) gets those ``m`` — never an already-seen item.
        exclude_seen : bool
            Leave out the items the user interacted with in training.
        ratings : dict {item id: value} or (item ids, values), optional
            For one unknown (new) user: fold these ratings in (cold start) and rank for them.
        unknown : {"error", "fallback"}
            An unknown user raises, or is ranked like a user without training data (the
            model's cold-start scores: item biases or popularity) with a ColdStartWarning.

        Returns
        -------
        item_ids : ndarray, (m,), or numpy.ma.MaskedArray (n_users, m) for many users
        scores : ndarray, (m,), or numpy.ma.MaskedArray (n_users, m)
            ``m <= n``. With many users, ``m`` is the longest list and a row's slots past
            that user's own list are masked (``ids[r].compressed()`` is user r's list).
        """
        check_is_fitted(self)
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise LinmlInputError(f"n={n!r} must be an integer >= 1 (how many items to return).")
        if unknown not in ("error", "fallback"):
            raise LinmlInputError(f"unknown={unknown!r} must be 'error' or 'fallback'.")
        single = np.ndim(user) == 0
        if ratings is not None:
            if not single:
                raise LinmlInputError("ratings= folds in one new user; pass a single user id.")
            items, values = self._parse_ratings(ratings)
            scores = self._score_folded(items, values)[None, :]
            if exclude_seen:
                scores[0, items] = -np.inf
        else:
            u_idx = self._user_idx(user, allow_unknown=unknown == "fallback", hint=_RECOMMEND_HINT)
            scores = self._ranked_scores(u_idx, exclude_seen)
        top = topn_indices(scores, int(n), fill=-1)  # -1: no eligible item left for the slot
        valid = top >= 0
        width = int(valid.sum(axis=1).max()) if top.size else 0  # eligible items sort first
        top, valid = top[:, :width], valid[:, :width]
        safe = np.where(valid, top, 0)
        ids = self.item_ids_[safe]
        best = np.take_along_axis(scores, safe, axis=1)
        if single:
            return ids[0], best[0]
        return np.ma.masked_array(ids, mask=~valid), np.ma.masked_array(best, mask=~valid)

    def _ranked_scores(self, u_idx: np.ndarray, exclude_seen: bool) -> np.ndarray:
        """Scores of users ``u_idx`` for every item, ``-inf`` on the excluded (seen) items; an
        index of -1 (an unknown user let through) gets the cold-start scores. (n, n_items)"""
        scores = np.empty((u_idx.shape[0], self.n_items_))
        seen = self._seen()
        new = u_idx < 0
        safe_idx = np.where(new, 0, u_idx)
        cold = new | (self._user_counts()[safe_idx] == 0)
        if cold.any():
            fallback, what = self._cold_scores()
            warnings.warn(
                f"{int(cold.sum())} user(s) have no training data"
                + (f" ({int(new.sum())} unknown)" if new.any() else "")
                + f"; ranked by {what}.",
                ColdStartWarning,
                stacklevel=3,
            )
        for start in range(0, u_idx.shape[0], _BLOCK):
            block = safe_idx[start : start + _BLOCK]
            S = self._score_rows(block)  # (block, n_items)
            if cold.any():
                S[cold[start : start + _BLOCK]] = fallback
            if exclude_seen:
                sub = seen[block]
                counts = np.where(new[start : start + _BLOCK], 0, np.diff(sub.indptr))
                keep = np.repeat(~new[start : start + _BLOCK], np.diff(sub.indptr))
                rows = np.repeat(np.arange(block.shape[0]), counts)
                S[rows, sub.indices[keep]] = -np.inf
            scores[start : start + block.shape[0]] = S
        return scores

    def _parse_ratings(self, ratings: Any) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(ratings, dict):
            items, values = list(ratings.keys()), list(ratings.values())
        elif isinstance(ratings, tuple | list) and len(ratings) == 2:
            items, values = ratings
        else:
            raise LinmlInputError(
                "ratings must be a dict {item id: value} or a pair (item ids, values); "
                f"got {type(ratings).__name__}."
            )
        items = _as_ids(np.asarray(items) if len(items) else np.array([], dtype=np.int64), "items")
        values = np.asarray(values, dtype=np.float64)
        if items.shape[0] == 0:
            raise LinmlInputError("ratings is empty; give at least one (item, value) to fold in.")
        if values.shape != items.shape:
            raise LinmlInputError(
                f"ratings has {items.shape[0]} items but {values.shape} values; one value per item."
            )
        if not np.isfinite(values).all():
            raise LinmlInputError("ratings contains NaN or inf; remove those items first.")
        idx = self._item_idx(items)
        if np.unique(idx).shape[0] != idx.shape[0]:
            raise LinmlInputError("ratings lists an item more than once; give each item once.")
        order = np.argsort(idx)  # CSR order, so the solve sums in the same order as fit
        return idx[order], values[order]

    def similar_items(self, item: Any, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The ``n`` items with the most similar factors: cosine ``q_i^T q_j / (|q_i| |q_j|)``.

        Returns
        -------
        item_ids : ndarray, (n,)
        cosines : ndarray, (n,)
        """
        check_is_fitted(self)
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise LinmlInputError(f"n={n!r} must be an integer >= 1.")
        i = int(self._item_idx(item)[0])
        Q = self.item_factors_
        norms = np.linalg.norm(Q, axis=1)
        # zero vectors (items never seen) have no direction: cosine 0, not NaN
        safe = np.where(norms > 0, norms, 1.0)
        cos = (Q @ Q[i]) / (safe * safe[i])
        cos[norms == 0] = 0.0
        cos[i] = -np.inf  # not similar to itself
        top = topn_indices(cos[None, :], min(int(n), self.n_items_ - 1) or 1)[0]
        return self.item_ids_[top], cos[top]

    def explain(self, user: Any, item: Any, *, ratings: Any = None) -> ScoreExplanation:
        """Which of the user's rated items made ``item``'s score, from the user's ridge solve.

        With ``A_u x_u = sum_j t_uj y_j`` the user's system, the score's user-dependent part
        is ``x_u^T y_i = sum_j t_uj (y_j^T A_u^{-1} y_i)``: item j contributes
        ``t_uj * y_j^T z`` with ``A_u z = y_i`` (one Cholesky solve, no inverse).
        The score is that of the exact solve against the final item factors.
        """
        check_is_fitted(self)
        i = int(self._item_idx(item)[0])
        if ratings is not None:
            items, values = self._parse_ratings(ratings)
            A, Yu, t, idx, offset = self._user_system(-1, items, values)
        else:
            u = int(self._user_idx(user)[0])
            A, Yu, t, idx, offset = self._user_system(u)
        z = sla.cho_solve(sla.cho_factor(A, lower=True), self._item_vector(i))
        contrib = t * (Yu @ z)  # (n_u,)
        baseline = self._baseline(-1 if ratings is not None else u, i, offset)
        frame = pd.DataFrame(
            {
                "item": self.item_ids_[idx],
                "value": self._raw_values(idx, ratings, user),
                "contribution": contrib,
            }
        )
        frame = frame.iloc[np.argsort(-np.abs(contrib), kind="stable")].reset_index(drop=True)
        return ScoreExplanation(user, item, float(baseline + contrib.sum()), float(baseline), frame)

    def _raw_values(self, idx: np.ndarray, ratings: Any, user: Any) -> np.ndarray:
        if ratings is not None:
            return self._parse_ratings(ratings)[1]
        u = int(self._user_idx(user)[0])
        return self.seen_values_[self.seen_indptr_[u] : self.seen_indptr_[u + 1]]

    # ------------------------------------------------------------------ persistence
    def _get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays, meta = super()._get_state()
        for key in ("user_ids_", "item_ids_"):
            ids = getattr(self, key)
            if ids.dtype == object:
                if not all(isinstance(v, str | int | float) for v in ids):
                    raise TypeError(
                        f"{key} holds ids that are not numbers or strings (e.g. tuples); "
                        "map them to strings before fitting to save the model."
                    )
        return arrays, meta

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        super()._set_state(arrays, meta)
        self._lookups = None
