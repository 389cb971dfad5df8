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

__all__ = ["make_implicit_feedback", "make_long_tail_ratings", "make_low_rank_ratings"]


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


def _random_state(random_state: Any) -> np.random.RandomState:
    """``check_random_state`` that also takes a ``numpy.random.Generator`` (as documented):
    scikit-learn's refuses one, so a RandomState is seeded from it."""
    if isinstance(random_state, np.random.Generator):
        return np.random.RandomState(int(random_state.integers(2**31 - 1)))
    return check_random_state(random_state)


def _check_size(n_users: Any, n_items: Any, rank: Any) -> tuple[int, int, int]:
    """``n_users``, ``n_items`` and ``rank`` checked to be integers >= 1."""
    return (
        _check_positive_int("n_users", n_users),
        _check_positive_int("n_items", n_items),
        _check_positive_int("rank", rank),
    )


def _latent_model(
    n_users: int,
    n_items: int,
    rank: int,
    signal: float,
    user_bias: float,
    item_bias: float,
    rng: np.random.RandomState,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw ``(P, Q, b_u, b_i)`` of ``r_ui = mu + b_u + b_i + p_u^T q_i + eps``, in that order
    from ``rng``: ``P`` (n_users, rank), ``Q`` (n_items, rank), ``b_u`` (n_users,), ``b_i``
    (n_items,), with ``p_u^T q_i`` of standard deviation ``signal``."""
    # p_u^T q_i = sum of `rank` products of N(0, s^2) pairs: variance rank * s^4 = signal^2
    scale = np.sqrt(signal / np.sqrt(rank))
    P = rng.standard_normal((n_users, rank)) * scale
    Q = rng.standard_normal((n_items, rank)) * scale
    b_user = rng.standard_normal(n_users) * user_bias
    b_item = rng.standard_normal(n_items) * item_bias
    return P, Q, b_user, b_item


def _noisy_ratings(
    model: tuple[np.ndarray, ...],
    global_mean: Any,
    noise: float,
    users: np.ndarray,
    items: np.ndarray,
    gen: np.random.Generator,
) -> np.ndarray:
    """``mu + b_u + b_i + p_u^T q_i + eps`` on the cells ``(users, items)`` of the
    ``model = (P, Q, b_u, b_i)`` of :func:`_latent_model`, ``eps ~ N(0, noise^2)`` from ``gen``."""
    P, Q, b_user, b_item = model
    latent = np.einsum("nk,nk->n", P[users], Q[items])  # p_u^T q_i for each observed cell
    ratings = global_mean + b_user[users] + b_item[items] + latent
    return ratings + gen.standard_normal(ratings.shape[0]) * noise


def _truth(model: tuple[np.ndarray, ...], global_mean: Any, noise: float) -> dict[str, Any]:
    """The ``return_truth`` dict of the ``model = (P, Q, b_u, b_i)`` of :func:`_latent_model`."""
    P, Q, b_user, b_item = model
    return {
        "P": P,
        "Q": Q,
        "user_bias": b_user,
        "item_bias": b_item,
        "global_mean": float(global_mean),
        "noise": noise,
    }


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
    n_users, n_items, rank = _check_size(n_users, n_items, rank)
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
    rng = _random_state(random_state)
    model = _latent_model(n_users, n_items, rank, signal, user_bias, item_bias, rng)
    gen = np.random.default_rng(rng.randint(2**31 - 1))
    users, items = _sample_cells(n_users, n_items, ratings_per_user, gen)
    triple = (users, items, _noisy_ratings(model, global_mean, noise, users, items, gen))
    if not return_truth:
        return triple
    return triple, _truth(model, global_mean, noise)


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
    n_users, n_items, rank = _check_size(n_users, n_items, rank)
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
    rng = _random_state(random_state)
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


def _check_scale(scale: Any) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in scale)
    except (TypeError, ValueError) as e:
        raise LinmlInputError(
            f"scale={scale!r} must be a pair (low, high) of numbers, e.g. (1, 5)."
        ) from e
    if not (np.isfinite(low) and np.isfinite(high) and high - low >= 1):
        raise LinmlInputError(
            f"scale={scale!r} must be finite with high - low >= 1 (at least two star levels)."
        )
    return low, high


def _sample_weighted_cells(
    counts: np.ndarray, log_w: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``counts[u]`` distinct items for user ``u`` drawn with probabilities ``∝ exp(log_w)``
    without replacement (successive sampling), sorted by (user, item)."""
    n_users, n_items = counts.shape[0], log_w.shape[0]
    users = np.repeat(np.arange(n_users, dtype=np.int64), counts)
    items = np.empty(users.shape[0], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(counts)))
    block = max(1, 2_000_000 // n_items)
    for start in range(0, n_users, block):
        stop = min(n_users, start + block)
        # Gumbel top-k: the k largest of log w_i + Gumbel noise are a weighted sample of k
        # items without replacement (Vieira 2014; Kool et al. 2019)
        keys = log_w + rng.gumbel(size=(stop - start, n_items))  # (block, n_items)
        k_max = int(counts[start:stop].max())
        top = np.argpartition(-keys, k_max - 1, axis=1)[:, :k_max]  # (block, k_max), unordered
        order = np.argsort(-np.take_along_axis(keys, top, axis=1), axis=1)
        top = np.take_along_axis(top, order, axis=1)  # (block, k_max), largest key first
        for row in range(stop - start):
            u = start + row
            chosen = np.sort(top[row, : counts[u]])
            items[offsets[u] : offsets[u + 1]] = chosen
    return users, items


def make_long_tail_ratings(
    n_users: int = 6000,
    n_items: int = 3700,
    *,
    rank: int = 10,
    zipf_exponent: float = 1.0,
    min_per_user: int = 20,
    max_per_user: int = 2000,
    median_per_user: float = 96.0,
    count_spread: float = 1.0,
    noise: float = 0.86,
    signal: float = 0.5,
    global_mean: float = 3.6,
    user_bias: float = 0.5,
    item_bias: float = 0.45,
    scale: tuple[float, float] = (1, 5),
    half_stars: bool = False,
    random_state: Any = None,
    return_truth: bool = False,
) -> tuple[np.ndarray, ...] | tuple[tuple[np.ndarray, ...], dict[str, Any]]:
    """Star ratings shaped like real rating data: long-tail items, heavy-tailed user activity.

    The generative model, with ``pi`` a random permutation of ``0 .. n_items - 1`` (the
    popularity rank of each item)::

        w_i   = (1 + pi_i)^(-zipf_exponent)                      Zipf item popularity
        n_u   = clip(round(exp(N(log median_per_user, count_spread^2))),
                     min_per_user, min(max_per_user, n_items))  ratings of user u
        Ω_u   = n_u distinct items, each next one drawn with probability ∝ w_i among
                the items not drawn yet (Gumbel top-k: the n_u largest log w_i + G_ui)
        z_ui  = mu + b_u + b_i + p_u^T q_i + eps,   b_u ~ N(0, user_bias^2),
                b_i ~ N(0, item_bias^2), eps ~ N(0, noise^2)
        r_ui  = clip(low + step * round((z_ui - low) / step), low, high),
                step = 1 (0.5 with half_stars)

    where ``P`` (n_users, rank) and ``Q`` (n_items, rank) are Gaussian, scaled so that
    ``p_u^T q_i`` has standard deviation ``signal``, and ``mu = global_mean``. The defaults
    give a MovieLens-1M-like set (6000 users, 3700 items, about 0.95M ratings, 20 to 2000 per
    user, median near 96) whose RMSE scale resembles MovieLens: predicting the global mean
    gives about 1.1, a regularized bias baseline about 0.95, and a tuned matrix factorization
    about 0.87-0.90 (the rounding to stars and ``noise`` set the floor).

    Parameters
    ----------
    n_users, n_items : int
        Size of the users x items matrix.
    rank : int
        Rank of the interaction term ``P Q^T``.
    zipf_exponent : float
        Exponent ``a`` of the item popularity ``w_i = (1 + pi_i)^(-a)`` (0: uniform items).
    min_per_user, max_per_user : int
        Bounds on the ratings per user (the upper one is also capped at ``n_items``).
    median_per_user : float
        Median of the log-normal law of ``n_u`` before clipping.
    count_spread : float
        Standard deviation of ``log n_u`` before clipping (0: everyone rates the median).
    noise : float
        Standard deviation of ``eps`` (before the rounding to stars).
    signal : float
        Standard deviation of the interaction term ``p_u^T q_i``.
    global_mean : float
        ``mu``, before the clipping to ``scale``.
    user_bias, item_bias : float
        Standard deviations of ``b_u`` and ``b_i``.
    scale : (low, high)
        Range of the stars; ratings are ``low, low + step, ..., high``.
    half_stars : bool
        Round to half stars (``step = 0.5``) instead of whole stars.
    random_state : int, Generator, RandomState or None
        Seed for reproducible data.
    return_truth : bool
        Also return a dict with ``P``, ``Q``, ``user_bias``, ``item_bias``, ``global_mean``,
        ``noise``, ``popularity`` (``w_i``, (n_items,)) and ``counts`` (``n_u``, (n_users,)).

    Returns
    -------
    (users, items, ratings) : tuple of ndarray, each (sum_u n_u,)
        int64 user and item indices and float64 ratings, sorted by (user, item);
        followed by the truth dict when ``return_truth``.

    Notes
    -----
    Reference points (published figures, not fitted here): MovieLens-1M has 6040 users,
    3706 items, 20 to 2314 ratings per user (median 96) and rating standard deviation 1.12;
    MovieLens-100k has 943 x 1682 and 20 to 737 per user (Harper & Konstan, "The MovieLens
    Datasets", ACM TiiS 2015). Surprise's documentation reports 5-fold RMSEs of about 0.94
    (bias baseline), 0.93 (SVD) and 0.92 (SVD++) on MovieLens-100k and about 0.91, 0.87 and
    0.86 on MovieLens-1M. The noise floor here is the star rounding plus ``eps``: about
    ``sqrt(noise^2 + step^2 / 12)`` before clipping.

    Examples
    --------
    >>> u, i, r = make_long_tail_ratings(300, 200, min_per_user=5, max_per_user=100,
    ...                                  median_per_user=20, random_state=0)
    >>> counts = np.bincount(u)
    >>> bool(counts.min() >= 5 and counts.max() <= 100)
    True
    >>> sorted(np.unique(r).tolist())
    [1.0, 2.0, 3.0, 4.0, 5.0]
    >>> share_top_10pct = np.sort(np.bincount(i, minlength=200))[::-1][:20].sum() / r.size
    >>> bool(share_top_10pct > 0.3)
    True
    """
    n_users, n_items, rank = _check_size(n_users, n_items, rank)
    min_per_user = _check_positive_int("min_per_user", min_per_user)
    max_per_user = _check_positive_int("max_per_user", max_per_user)
    if min_per_user > max_per_user:
        raise LinmlInputError(
            f"min_per_user={min_per_user} must be <= max_per_user={max_per_user}."
        )
    if min_per_user > n_items:
        raise LinmlInputError(
            f"min_per_user={min_per_user} must be <= n_items={n_items} (distinct items per "
            "user); lower it or add items."
        )
    zipf_exponent = _check_nonnegative("zipf_exponent", zipf_exponent)
    median_per_user = _check_nonnegative("median_per_user", median_per_user)
    if median_per_user < 1:
        raise LinmlInputError(f"median_per_user={median_per_user!r} must be >= 1.")
    count_spread = _check_nonnegative("count_spread", count_spread)
    noise = _check_nonnegative("noise", noise)
    signal = _check_nonnegative("signal", signal)
    user_bias = _check_nonnegative("user_bias", user_bias)
    item_bias = _check_nonnegative("item_bias", item_bias)
    if (
        isinstance(global_mean, bool)
        or not isinstance(global_mean, int | float | np.integer | np.floating)
        or not np.isfinite(global_mean)
    ):
        raise LinmlInputError(f"global_mean={global_mean!r} must be a finite number.")
    low, high = _check_scale(scale)
    if not isinstance(half_stars, bool | np.bool_):
        raise LinmlInputError(f"half_stars={half_stars!r} must be True or False.")
    rng = _random_state(random_state)
    model = _latent_model(n_users, n_items, rank, signal, user_bias, item_bias, rng)
    gen = np.random.default_rng(rng.randint(2**31 - 1))
    # log w_i = -a log(1 + pi_i): the item of popularity rank pi_i
    log_w = -zipf_exponent * np.log1p(gen.permutation(n_items).astype(np.float64))
    # n_u ~ log-normal(log median, spread^2), clipped: heavy-tailed activity per user
    raw = np.exp(np.log(median_per_user) + count_spread * gen.standard_normal(n_users))
    counts = np.clip(np.rint(raw), min_per_user, min(max_per_user, n_items)).astype(np.int64)
    users, items = _sample_weighted_cells(counts, log_w, gen)
    z = _noisy_ratings(model, global_mean, noise, users, items, gen)
    step = 0.5 if half_stars else 1.0
    # stars counted from `low`: r = low + step * round((z - low) / step), then clipped
    ratings = np.clip(
        low + step * np.rint((z - low) / step), low, low + step * np.floor((high - low) / step)
    )
    triple = (users, items, ratings)
    if not return_truth:
        return triple
    truth = _truth(model, global_mean, noise)
    truth["popularity"] = np.exp(log_w)
    truth["counts"] = counts
    return triple, truth
