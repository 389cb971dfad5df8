"""Generators of recommender data: low-rank explicit ratings with bias structure, and implicit feedback.

Explicit ratings follow the model the recommenders fit::

    r_ui = mu + b_u + b_i + p_u^T q_i + eps,    eps ~ N(0, noise^2)

with ``P`` (n_users, rank) and ``Q`` (n_items, rank) Gaussian, scaled so that the latent
term ``p_u^T q_i`` has standard deviation ``signal``, and the observed cells a uniformly
random subset. Implicit feedback draws, for each user, a set of items with probability
increasing in ``p_u^T q_i`` plus an item-popularity term (sampling without replacement by the
Gumbel top-k trick), and a count per interaction.

>>> users, items, ratings = make_low_rank_ratings(50, 20, rank=3, ratings_per_user=5, random_state=0)
>>> users.shape, items.shape, ratings.shape
((250,), (250,), (250,))
>>> int(users.max()) < 50 and int(items.max()) < 20
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from linml._validation import check_random_state
from linml.exceptions import LinmlInputError

__all__ = ["make_implicit_feedback", "make_low_rank_ratings"]


def _check_positive_int(name: str, value: Any, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise LinmlInputError(f"{name}={value!r} must be an integer >= {low}.")
    return int(value)


def _check_nonnegative(name: str, value: Any) -> float:
    if isinstance(value, bool) or not np.isscalar(value) or not np.isfinite(value) or value < 0:
        raise LinmlInputError(f"{name}={value!r} must be a finite number >= 0.")
    return float(value)


def _sample_cells(
    n_users: int, n_items: int, per_user: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``per_user`` distinct items for every user, uniformly, sorted by (user, item)."""
    # random keys per cell would need an n_users x n_items array; instead draw per_user
    # distinct offsets per user by sorting a few candidates more than needed.
    users = np.repeat(np.arange(n_users, dtype=np.int64), per_user)
    items = np.empty(n_users * per_user, dtype=np.int64)
    block = max(1, 2_000_000 // max(n_items, 1))
    for start in range(0, n_users, block):
        stop = min(n_users, start + block)
        # argpartition of uniform keys = a uniform random subset without replacement
        keys = rng.random((stop - start, n_items))
        chosen = np.argpartition(keys, per_user - 1, axis=1)[:, :per_user]  # (block, per_user)
        chosen.sort(axis=1)
        items[start * per_user : stop * per_user] = chosen.ravel()
    return users, items


def make_low_rank_ratings(
    n_users: int = 1000,
    n_items: int = 500,
    *,
    rank: int = 5,
    ratings_per_user: int = 20,
    noise: float = 0.5,
    signal: float = 1.0,
    global_mean: float = 3.5,
    user_bias: float = 0.5,
    item_bias: float = 0.5,
    random_state: Any = None,
    return_truth: bool = False,
) -> tuple[np.ndarray, ...] | tuple[tuple[np.ndarray, ...], dict[str, Any]]:
    """Ratings ``r_ui = mu + b_u + b_i + p_u^T q_i + eps`` on a random subset of cells.

    Parameters
    ----------
    n_users, n_items : int
        Size of the users x items matrix.
    rank : int
        Rank of the latent term ``P Q^T``.
    ratings_per_user : int
        Observed cells per user (distinct items, uniformly at random); at most ``n_items``.
    noise : float
        Standard deviation of the Gaussian noise ``eps`` (the RMSE floor of any model).
    signal : float
        Standard deviation of the latent term ``p_u^T q_i``.
    global_mean : float
        ``mu``.
    user_bias, item_bias : float
        Standard deviations of ``b_u`` and ``b_i`` (0 turns the bias structure off).
    random_state : int, Generator, RandomState or None
        Seed for reproducible data.
    return_truth : bool
        Also return a dict with ``P`` (n_users, rank), ``Q`` (n_items, rank),
        ``user_bias`` (n_users,), ``item_bias`` (n_items,), ``global_mean`` and ``noise``.

    Returns
    -------
    (users, items, ratings) : tuple of ndarray, each (n_users * ratings_per_user,)
        int64 user and item indices and float64 ratings, sorted by (user, item);
        followed by the truth dict when ``return_truth``.

    Examples
    --------
    >>> (u, i, r), truth = make_low_rank_ratings(
    ...     20, 10, rank=2, ratings_per_user=10, noise=0.0, user_bias=0.0, item_bias=0.0,
    ...     global_mean=0.0, random_state=1, return_truth=True)
    >>> R = truth["P"] @ truth["Q"].T
    >>> bool(np.allclose(R[u, i], r))
    True
    """
    n_users = _check_positive_int("n_users", n_users)
    n_items = _check_positive_int("n_items", n_items)
    rank = _check_positive_int("rank", rank)
    ratings_per_user = _check_positive_int("ratings_per_user", ratings_per_user)
    if ratings_per_user > n_items:
        raise LinmlInputError(
            f"ratings_per_user={ratings_per_user} must be <= n_items={n_items} (distinct items "
            "per user); lower it or add items."
        )
    noise = _check_nonnegative("noise", noise)
    signal = _check_nonnegative("signal", signal)
    user_bias = _check_nonnegative("user_bias", user_bias)
    item_bias = _check_nonnegative("item_bias", item_bias)
    rng = check_random_state(random_state)
    # p_u^T q_i = sum of `rank` products of N(0, s^2) pairs: variance rank * s^4 = signal^2
    scale = np.sqrt(signal / np.sqrt(rank))
    P = rng.standard_normal((n_users, rank)) * scale
    Q = rng.standard_normal((n_items, rank)) * scale
    b_user = rng.standard_normal(n_users) * user_bias
    b_item = rng.standard_normal(n_items) * item_bias
    gen = np.random.default_rng(rng.randint(2**31 - 1))
    users, items = _sample_cells(n_users, n_items, ratings_per_user, gen)
    latent = np.einsum("nk,nk->n", P[users], Q[items])  # p_u^T q_i for each observed cell
    ratings = global_mean + b_user[users] + b_item[items] + latent
    ratings = ratings + gen.standard_normal(ratings.shape[0]) * noise
    triple = (users, items, ratings)
    if not return_truth:
        return triple
    truth = {
        "P": P,
        "Q": Q,
        "user_bias": b_user,
        "item_bias": b_item,
        "global_mean": float(global_mean),
        "noise": noise,
    }
    return triple, truth


def make_implicit_feedback(
    n_users: int = 1000,
    n_items: int = 500,
    *,
    rank: int = 8,
    interactions_per_user: int = 20,
    popularity: float = 1.0,
    temperature: float = 1.0,
    mean_count: float = 3.0,
    random_state: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Implicit feedback: which items each user consumed, and how often.

    User ``u`` picks ``interactions_per_user`` distinct items with probabilities
    ``softmax((p_u^T q_i + popularity * log w_i) / temperature)`` (without replacement, by the
    Gumbel top-k trick), where ``w_i`` are Zipf-like item popularities; each picked item gets a
    count ``1 + Poisson(mean_count - 1)``.

    Parameters
    ----------
    n_users, n_items : int
        Size of the users x items matrix.
    rank : int
        Rank of the taste model ``P Q^T``.
    interactions_per_user : int
        Distinct items per user (at most ``n_items``).
    popularity : float
        Weight of the item-popularity term (0: taste only).
    temperature : float
        Softmax temperature (> 0); smaller is more predictable from taste.
    mean_count : float
        Mean count per interaction (>= 1).
    random_state : int, Generator, RandomState or None
        Seed for reproducible data.

    Returns
    -------
    (users, items, counts) : tuple of ndarray, each (n_users * interactions_per_user,)
        int64 user and item indices and float64 counts, sorted by (user, item).

    Examples
    --------
    >>> u, i, c = make_implicit_feedback(30, 40, rank=3, interactions_per_user=5, random_state=0)
    >>> u.shape, bool((c >= 1).all())
    ((150,), True)
    """
    n_users = _check_positive_int("n_users", n_users)
    n_items = _check_positive_int("n_items", n_items)
    rank = _check_positive_int("rank", rank)
    per_user = _check_positive_int("interactions_per_user", interactions_per_user)
    if per_user > n_items:
        raise LinmlInputError(
            f"interactions_per_user={per_user} must be <= n_items={n_items}; lower it or add items."
        )
    popularity = _check_nonnegative("popularity", popularity)
    if not (np.isscalar(temperature) and np.isfinite(temperature) and temperature > 0):
        raise LinmlInputError(f"temperature={temperature!r} must be a finite number > 0.")
    if not (np.isscalar(mean_count) and np.isfinite(mean_count) and mean_count >= 1):
        raise LinmlInputError(f"mean_count={mean_count!r} must be a finite number >= 1.")
    rng = check_random_state(random_state)
    P = rng.standard_normal((n_users, rank)) / rank**0.25
    Q = rng.standard_normal((n_items, rank)) * (2.0 / rank**0.25)
    log_w = -np.log1p(rng.permutation(n_items).astype(np.float64))  # Zipf: w_i = 1 / (1 + r_i)
    gen = np.random.default_rng(rng.randint(2**31 - 1))
    users = np.repeat(np.arange(n_users, dtype=np.int64), per_user)
    items = np.empty(n_users * per_user, dtype=np.int64)
    block = max(1, 2_000_000 // n_items)
    for start in range(0, n_users, block):
        stop = min(n_users, start + block)
        logits = (P[start:stop] @ Q.T + popularity * log_w) / temperature  # (block, n_items)
        # Gumbel top-k: the k largest of logits + Gumbel noise are a sample without replacement
        keys = logits + gen.gumbel(size=logits.shape)
        chosen = np.argpartition(-keys, per_user - 1, axis=1)[:, :per_user]
        chosen.sort(axis=1)
        items[start * per_user : stop * per_user] = chosen.ravel()
    counts = 1.0 + gen.poisson(mean_count - 1.0, size=items.shape[0]).astype(np.float64)
    return users, items, counts
