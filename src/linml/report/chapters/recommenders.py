"""Chapter: Recommenders are low-rank — R ≈ μ + b_u + b_i + P Qᵀ, fitted on the few cells we see."""

from __future__ import annotations

import numpy as np

from linml.datasets.ratings import make_low_rank_ratings
from linml.recommend import ALS, Interactions, holdout_split, rmse
from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult

#: the two generated data sets of this chapter, named on the page (different sizes and noise)
SMALL_NOISE, LARGE_NOISE = 0.3, 0.5


def _matrix_completion(result: ChapterResult) -> None:
    noise = SMALL_NOISE
    data = make_low_rank_ratings(
        100, 50, rank=5, ratings_per_user=50, noise=noise, random_state=0
    )  # every cell rated, then 80% hidden
    train, hidden = holdout_split(Interactions.from_arrays(*data), 0.8, random_state=0)
    u, i, r = hidden.to_triples()
    model = ALS(rank=5, reg=0.05, n_iter=30, random_state=0).fit(train)
    err = rmse(r, model.predict(u, i))
    spread = float(np.std(r))
    result.check(
        f"data set A (100 users × 50 items, rank 5, noise {SMALL_NOISE}): with 80% of its cells "
        "hidden the matrix is recovered by ALS — the RMSE on hidden cells approaches the "
        "noise floor",
        f"hidden-cell RMSE {err:.3f}; noise floor {noise}; ratings spread (std) {spread:.3f}",
        "RMSE < 3× the noise floor and < ⅔ of the spread (10 ratings per user for 6 unknowns)",
        err < 3 * noise and err < 2 / 3 * spread,
    )


def _rank_and_biases(result: ChapterResult) -> ALS:
    ranks = [1, 2, 5, 10]
    users, items, ratings = make_low_rank_ratings(
        10_000,
        1000,
        rank=5,
        ratings_per_user=50,
        noise=LARGE_NOISE,
        user_bias=0.7,
        item_bias=0.7,
        random_state=1,
    )
    # 200 users are kept out of training entirely: the cold-start experiment folds them in
    new = users >= 9800
    train, test = holdout_split(
        Interactions.from_arrays(users[~new], items[~new], ratings[~new]), 0.1, random_state=0
    )
    tu, ti, tr = test.to_triples()
    curves: dict[bool, list[float]] = {True: [], False: []}
    best = None
    for biases in (True, False):
        for rank in ranks:
            model = ALS(rank=rank, reg=0.1, n_iter=5, biases=biases, solver="cg", random_state=0)
            model.fit(train)
            curves[biases].append(rmse(tr, model.predict(tu, ti)))
            if biases and rank == 5:
                best = model
    fig, (ax1, ax2) = new_figure(2, width=4.6, height=3.6)
    ax1.plot(ranks, curves[True], "o-", label="with biases")
    ax1.plot(ranks, curves[False], "s--", label="without biases")
    ax1.axhline(LARGE_NOISE, color="gray", lw=0.8, ls=":", label=f"noise floor {LARGE_NOISE}")
    ax1.set_xlabel("rank")
    ax1.set_ylabel("held-out RMSE")
    ax1.set_title("data set B: 10,000 users × 1,000 items")
    ax1.legend()
    on, off = np.array(curves[True]), np.array(curves[False])
    result.check(
        "data set B: held-out RMSE falls with rank until the true rank (5), then flattens",
        "RMSE by rank " + ", ".join(f"{k}: {v:.3f}" for k, v in zip(ranks, on, strict=True)),
        "rank 5 and 10 within 2% of each other, both below rank 1 and 2",
        abs(on[2] - on[3]) < 0.02 * on[2] and on[2] < min(on[0], on[1]),
    )
    result.check(
        "data set B: biases help when the data has bias structure (per-user and per-item offsets)",
        f"rank 5: {on[2]:.3f} with biases vs {off[2]:.3f} without",
        "biased ALS lower at every rank",
        bool(np.all(on < off)),
    )
    _cold_start(result, best, users[new], items[new], ratings[new], ax2)
    result.figure("RMSE against rank with and without biases; cold-start curve", fig)
    return best


def _cold_start(result: ChapterResult, model: ALS, users, items, ratings, ax) -> None:
    seen_counts = [0, 1, 2, 5, 10, 20, 40]
    errors = []
    for m in seen_counts:
        sq, n = 0.0, 0
        for user in np.unique(users):
            mask = users == user
            its, rs = items[mask], ratings[mask]
            test_items, test_r = its[40:], rs[40:]  # the last 10 ratings are scored
            if m == 0:
                pred = model.global_mean_ + model.item_bias_[test_items]  # biases only
            else:
                p, b = model.fold_in(its[:m], rs[:m])
                pred = (
                    model.global_mean_
                    + b
                    + model.item_bias_[test_items]
                    + model.item_factors_[test_items] @ p
                )
            sq += float(((test_r - pred) ** 2).sum())
            n += test_r.shape[0]
        errors.append(np.sqrt(sq / n))
    ax.plot(seen_counts, errors, "o-")
    ax.axhline(0.5, color="gray", lw=0.8, ls=":", label="noise floor")
    ax.set_xlabel("ratings of the new user seen by fold-in")
    ax.set_ylabel("RMSE on their other ratings")
    ax.set_title("cold start: 200 new users")
    ax.legend()
    result.check(
        "data set B, cold start: a new user's RMSE falls as fold-in sees more of their ratings",
        ", ".join(f"{m}: {e:.3f}" for m, e in zip(seen_counts, errors, strict=True)),
        "RMSE with 40 ratings < with 5 < biases only (0 ratings)",
        errors[-1] < errors[3] < errors[0],
    )


def run() -> ChapterResult:
    result = ChapterResult(
        text=(
            "<p>A ratings matrix is almost entirely missing, yet ALS fills it in: it models "
            "<code>r̂ = μ + b_u + b_i + p_uᵀq_i</code> and alternates ridge regressions — each "
            "user's factors from the items they rated, then each item's from its raters. "
            "A new user is one more ridge solve against the fixed item factors (fold-in).</p>"
            "<p>Two generated data sets (<code>make_low_rank_ratings</code>), each with its own "
            "noise floor — the RMSE no model can beat: <b>A</b>, 100 users × 50 items, every "
            f"cell rated, rank 5, noise {SMALL_NOISE}, 80% of the cells hidden (the first "
            "claim); <b>B</b>, 10,000 users × 1,000 items, 50 ratings per user, rank 5, noise "
            f"{LARGE_NOISE}, user and item biases of spread 0.7, 10% held out and 200 users "
            "kept for cold start (the figure and the other claims).</p>"
        )
    )
    _matrix_completion(result)
    _rank_and_biases(result)
    return result


CHAPTER = Chapter(
    slug="recommenders",
    title="Recommenders are low-rank",
    order=50,
    run=run,
    summary="Matrix completion by alternating least squares: rank, biases and cold start.",
)
