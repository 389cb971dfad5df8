"""``linml recommend fit|top|eval``: fit a recommender, list a user's top items, cross-validate.

With no ratings file, a generated low-rank ratings set (2000 users x 500 items x 30 ratings per
user, with biases and noise) is the embedded default.

``fit`` of ALS first holds out ``--holdout`` (default 10%) of the ratings, fits on the rest
and reports the held-out RMSE beside two baselines on the same cells — the global mean and
the bias-only model ``mu + b_u + b_i`` — so the noise level is visible (uniformly random
ratings on 1…5 give a held-out RMSE ≈ 1.41 ≈ the baselines: nothing to learn). The saved
model is then refitted on all the ratings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from linml.cli import _common as ui
from linml.cli._common import _stderr_is_terminal
from linml.cli.cmd_recommend_tune import register_tune

recommend_app = typer.Typer(
    name="recommend",
    help="Recommenders: ALS for explicit ratings, ImplicitALS for implicit feedback.",
    no_args_is_help=True,
)

_MODELS = ("als", "implicit", "bpr")
_SOLVERS = ("cholesky", "cg")
#: what ``--duplicates`` accepts (the library's ``DUPLICATE_POLICIES``)
DUPLICATES = ("error", "last", "mean", "sum")

#: the library's suggestions, said in recommend's flags
HINTS = ui.Hints(
    flags={
        "duplicates": "--duplicates",
        "reg": "--reg",
        "rank": "--rank",
        "factors": "--rank",
        "n_iter": "--n-iter",
        "alpha": "--alpha",
        "solver": "--solver",
    },
    phrases=((r"Name it explicitly \((user|item|rating)=\.\.\.\)", r"Name it with --\1-col"),),
)


def _load(
    ratings: Path | None,
    user_col: str | None,
    item_col: str | None,
    rating_col: str | None,
    duplicates: str,
    implicit: bool,
) -> Any:
    from linml.recommend import Interactions, read_ratings

    if duplicates not in DUPLICATES:
        ui.fail(f"--duplicates {duplicates!r} must be one of {', '.join(DUPLICATES)}.")
    if ratings is None:
        if implicit:
            from linml.datasets.ratings import make_implicit_feedback

            return Interactions.from_arrays(
                *make_implicit_feedback(2000, 500, rank=8, interactions_per_user=30, random_state=0)
            )
        from linml.datasets.ratings import make_low_rank_ratings

        return Interactions.from_arrays(
            *make_low_rank_ratings(
                2000, 500, rank=8, ratings_per_user=30, noise=0.5, random_state=0
            )
        )
    rating = None if (implicit and rating_col == "none") else (rating_col or "auto")
    return read_ratings(ratings, user=user_col, item=item_col, rating=rating, duplicates=duplicates)


def _final_loss(estimator: Any) -> float:
    """The last recorded training loss: ImplicitALS's ``loss_``, BPR's ``loss_trace_``."""
    trace = getattr(estimator, "loss_", None)
    return float((estimator.loss_trace_ if trace is None else trace)[-1])


def _fitting(model: str, inter: Any) -> str:
    return f"fitting {model} on {inter.n_users}×{inter.n_items} ({inter.nnz} interactions) …"


def _build(
    model: str,
    rank: int,
    reg: float | None,
    n_iter: int | None,
    alpha: float,
    solver: str | None,
    seed: int,
    reg_exponent: float | None = None,
    early_stopping: bool = False,
) -> Any:
    from linml.recommend import ALS, BPR, ImplicitALS

    if model not in _MODELS:
        ui.fail(f"--model {model!r} must be one of {', '.join(_MODELS)}.")
    if model != "als" and (early_stopping or reg_exponent is not None):
        flag = "--early-stopping" if early_stopping else "--reg-exponent"
        ui.fail(f"{flag} applies to --model als (explicit ratings), not to --model {model}.")
    if model == "bpr":
        return BPR(
            rank=rank,
            reg=0.01 if reg is None else reg,
            n_epochs=100 if n_iter is None else n_iter,
            random_state=seed,
        )
    n_iter = 15 if n_iter is None else n_iter
    if model == "als":
        return ALS(
            rank=rank,
            reg=0.1 if reg is None else reg,
            n_iter=n_iter,
            solver=solver or "cholesky",
            reg_exponent=1.0 if reg_exponent is None else reg_exponent,
            early_stopping=early_stopping,
            random_state=seed,
        )
    return ImplicitALS(
        rank=rank,
        reg=0.1 if reg is None else reg,
        alpha=alpha,
        n_iter=n_iter,
        solver=solver or "cg",
        random_state=seed,
    )


_RATINGS = typer.Argument(
    None,
    help="Ratings file (CSV/TSV/Parquet, u.data, ratings.dat); "
    "default: generated low-rank ratings.",
)
_MODEL = typer.Option(
    "als",
    "--model",
    "-m",
    help="als (explicit ratings), implicit (ImplicitALS on 0/1 feedback) or bpr (BPR on 0/1 feedback).",
)
_RANK = typer.Option(32, "--rank", help="Latent factors (rank of the factorization).")
_REG = typer.Option(None, "--reg", help="Regularization (default 0.1; 0.01 for bpr).")
_ITER = typer.Option(
    None, "--n-iter", help="Sweeps (als, implicit; default 15) or SGD epochs (bpr; default 100)."
)
_ALPHA = typer.Option(2.0, "--alpha", help="ImplicitALS confidence slope: c = 1 + alpha r.")
_SOLVER = typer.Option(
    None,
    "--solver",
    help=f"{' or '.join(_SOLVERS)} (default: cholesky for als, cg for implicit).",
)
_SEED = typer.Option(0, "--seed", help="Random seed.")
_REG_EXPONENT = typer.Option(
    None,
    "--reg-exponent",
    help="als: row penalty reg·n^a (default a = 1, ALS-WR; 0.5 suits long-tailed data).",
)
_EARLY = typer.Option(
    False,
    "--early-stopping/--no-early-stopping",
    help="als: stop sweeps on 10% held-out ratings, then refit on all for the best count.",
)
_USER = typer.Option(None, "--user-col", help="User column name (default: auto-detect).")
_ITEM = typer.Option(None, "--item-col", help="Item column name (default: auto-detect).")
_RATING = typer.Option(None, "--rating-col", help="Rating column ('none' for implicit 0/1 data).")
_DUP = typer.Option(
    "error",
    "--duplicates",
    help=f"Repeated (user, item): {', '.join(DUPLICATES)}.",
)
_PROGRESS = typer.Option(
    None,
    "--progress/--no-progress",
    help="A progress bar per ALS sweep on stderr (default: on when stderr is a terminal).",
)
_HOLDOUT = typer.Option(
    0.1,
    "--holdout",
    help="Fraction of the ratings held out to report the held-out RMSE and the baselines' "
    "(als only; 0 disables). The saved model is refitted on all ratings.",
)


@dataclass(frozen=True)
class _Setup(ui.OptionGroup):
    """The options of every ``recommend`` command that fits: the model and how ratings are read."""

    model: str = _MODEL
    rank: int = _RANK
    reg: float = _REG
    n_iter: int | None = _ITER
    alpha: float = _ALPHA
    solver: str = _SOLVER
    seed: int = _SEED
    reg_exponent: float | None = _REG_EXPONENT
    early_stopping: bool = _EARLY
    user_col: str = _USER
    item_col: str = _ITEM
    rating_col: str = _RATING
    duplicates: str = _DUP

    def build(self) -> Any:
        """The unfitted recommender these options describe (:func:`_build`)."""
        return _build(
            self.model,
            self.rank,
            self.reg,
            self.n_iter,
            self.alpha,
            self.solver,
            self.seed,
            self.reg_exponent,
            self.early_stopping,
        )

    def load(self, ratings: Path | None) -> Any:
        """The interactions of ``ratings`` (or the generated default), read as these options say."""
        implicit = self.model != "als"
        return _load(
            ratings, self.user_col, self.item_col, self.rating_col, self.duplicates, implicit
        )


def _show_progress(flag: bool | None, quiet: bool, as_json: bool) -> bool:
    """--progress/--no-progress, else on when stderr is a terminal; never with --quiet/--json."""
    if quiet or as_json:
        return False
    return _stderr_is_terminal() if flag is None else flag


def _fit(estimator: Any, inter: Any, message: str, show: bool, quiet: bool) -> Any:
    """Fit with a per-sweep progress bar (``show``) or the usual spinner."""
    if show:
        estimator.set_params(verbose=True)
        return estimator.fit(inter)
    with ui.progress(message, quiet=quiet):
        return estimator.fit(inter)


def _holdout_scores(
    estimator: Any, inter: Any, holdout: float, seed: int, show: bool, quiet: bool
) -> dict[str, Any]:
    """Fit a clone on (1 - holdout) of the ratings; RMSE of it and the baselines on the rest."""
    from sklearn.base import clone

    from linml.recommend import holdout_split, rmse
    from linml.recommend.als import bias_baseline

    train, test = holdout_split(inter, holdout, random_state=seed)
    users, items, values = test.to_triples()
    held = _fit(clone(estimator), train, f"held-out fit: {_fitting('als', train)}", show, quiet)
    import warnings

    from linml.recommend import ColdStartWarning

    with warnings.catch_warnings():  # held-out users/items absent from train: biases only
        warnings.simplefilter("ignore", ColdStartWarning)
        pred = held.predict(users, items, unknown="fallback")
    mean = float(train.values.mean())
    return {
        "holdout": holdout,
        "n_holdout": int(test.nnz),
        "holdout_rmse": rmse(values, pred),
        "baseline_rmse": {
            "global_mean": rmse(values, [mean] * len(values)),
            "biases": rmse(values, bias_baseline(train, users, items)),
        },
    }


def register(app: typer.Typer) -> None:
    app.add_typer(recommend_app, name="recommend")


@recommend_app.command("fit")
@ui.friendly_errors(hints=HINTS)
@ui.grouped
def fit(
    ratings: Path = _RATINGS,
    out: Path = typer.Option(
        ..., "--save", "--out", "-o", help="Where to save the model (.npz); --out is the same."
    ),
    setup: _Setup = _Setup,
    holdout: float = _HOLDOUT,
    show_progress: bool = _PROGRESS,
    as_json: bool = ui.json_option(),
    quiet: bool = ui.quiet_option(),
) -> None:
    """Fit a recommender and save it; for als, report the held-out RMSE (--holdout) beside
    the global-mean and bias-only baselines, then refit on all ratings.

    Example: [bold]linml recommend fit ratings.csv --rank 64 --out model.npz[/]
    """
    ui.check_output_path(out, "--out")
    from linml.io import save

    if not 0.0 <= holdout < 1.0:
        ui.fail(f"--holdout {holdout} must be in [0, 1): the fraction of ratings held out.")
    estimator = setup.build()
    inter = setup.load(ratings)
    show = _show_progress(show_progress, quiet, as_json)
    quiet = quiet or as_json
    scores: dict[str, Any] = {}
    if setup.model == "als" and holdout > 0:
        scores = _holdout_scores(estimator, inter, holdout, setup.seed, show, quiet)
    _fit(estimator, inter, _fitting(setup.model, inter), show, quiet)
    estimator.set_params(verbose=False)  # the saved model does not print
    save(estimator, out)
    explicit = hasattr(estimator, "train_rmse_")
    info = {
        "command": "recommend fit",
        "model": setup.model,
        "estimator": type(estimator).__name__,
        "rank": setup.rank,
        "n_users": inter.n_users,
        "n_items": inter.n_items,
        "n_interactions": inter.nnz,
        "train_rmse": float(estimator.train_rmse_[-1]) if explicit else None,
        "final_loss": None if explicit else _final_loss(estimator),
        "n_iter": int(estimator.n_iter_),
        "converged": bool(estimator.converged_),
        "early_stopping_curve": list(getattr(estimator, "early_stopping_rmse_", [])) or None,
        "holdout": scores.get("holdout", 0.0),
        "n_holdout": scores.get("n_holdout", 0),
        "holdout_rmse": scores.get("holdout_rmse"),
        "baseline_rmse": scores.get("baseline_rmse"),
        "refit": "all ratings" if scores else None,
        "out": str(out),
    }
    ui.say(f"wrote {out}", as_json=as_json)
    if as_json:
        ui.emit_json(info)
        return
    table = Table(title=f"{type(estimator).__name__} fitted")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_row("users x items", f"{inter.n_users} x {inter.n_items}")
    table.add_row("interactions", str(inter.nnz))
    if explicit:
        table.add_row("train RMSE", f"{info['train_rmse']:.4f}")
    else:
        table.add_row("final loss", f"{info['final_loss']:.6g}")
    curve = info["early_stopping_curve"]
    if curve:
        how = f" (early stopping: best of {len(curve)} on held-out ratings, RMSE {min(curve):.4f})"
    else:
        how = " (converged)" if info["converged"] else " (n_iter)"
    table.add_row("sweeps", f"{info['n_iter']}{how}")
    if scores:
        share = f"{100 * holdout:g}% = {scores['n_holdout']} ratings"
        base = scores["baseline_rmse"]
        table.add_row(f"held-out RMSE ({share})", f"{scores['holdout_rmse']:.4f}")
        table.add_row("  baseline: global mean", f"{base['global_mean']:.4f}")
        table.add_row("  baseline: mu + b_u + b_i", f"{base['biases']:.4f}")
    ui.console.print(table)
    if scores:
        gain = 1.0 - scores["holdout_rmse"] / max(scores["baseline_rmse"]["biases"], 1e-300)
        verdict = (
            f"{100 * gain:.1f}% below the bias-only baseline"
            if gain > 0.01
            else "no better than the bias-only baseline: the factors found nothing beyond "
            "the biases (noise, or raise --reg / lower --rank)"
        )
        ui.console.print(
            ui.escape(
                f"held-out RMSE {verdict}. The held-out fit used {100 * (1 - holdout):g}% of "
                f"the ratings; the saved model is refitted on all {inter.nnz}."
            ),
            highlight=False,
        )


@recommend_app.command("top")
@ui.friendly_errors(hints=HINTS)
def top(
    model_path: Path = typer.Argument(..., help="A model saved by `linml recommend fit`."),
    user: str = typer.Option(..., "--user", "-u", help="User id."),
    n: int = typer.Option(10, "-n", help="How many items."),
    include_seen: bool = typer.Option(False, "--include-seen", help="Keep already-rated items."),
    max_load_mb: float = ui.max_load_option(),
    as_json: bool = ui.json_option(),
) -> None:
    """List a user's top-n items.

    Example: [bold]linml recommend top model.npz --user 42 -n 10[/]
    """
    from linml.io import load
    from linml.recommend._factor_model import FactorRecommender

    estimator = load(model_path, max_load_mb=max_load_mb)
    if not isinstance(estimator, FactorRecommender):
        ui.fail(f"{str(model_path)!r} holds a {type(estimator).__name__}, not a recommender.")
    ids, scores = estimator.recommend(user, n=n, exclude_seen=not include_seen)
    if len(ids) < n and not include_seen and len(ids) < estimator.n_items_:
        ui.say(
            f"user {user} has only {len(ids)} unrated item(s) left; --include-seen also lists "
            "the rated ones.",
            as_json=as_json,
        )
    if as_json:
        ui.emit_json(
            {
                "command": "recommend top",
                "model": str(model_path),
                "user": user,
                "results": [
                    {"rank": r, "item": item, "score": float(score)}
                    for r, (item, score) in enumerate(zip(ids, scores, strict=True), start=1)
                ],
            }
        )
        return
    table = Table(title=ui.escape(f"top {len(ids)} for user {user}"))
    table.add_column("rank", justify="right")
    table.add_column("item")
    table.add_column("score", justify="right")
    for rank, (item, score) in enumerate(zip(ids, scores, strict=True), start=1):
        table.add_row(str(rank), ui.escape(str(item)), f"{score:.4f}")
    ui.console.print(table)


@recommend_app.command("eval")
@ui.friendly_errors(hints=HINTS)
@ui.grouped
def evaluate_cmd(
    ratings: Path = _RATINGS,
    folds: int = typer.Option(5, "--folds", help="Cross-validation folds."),
    at: int = typer.Option(10, "--at", help="Cut-off K of the ranking metrics (precision@K…)."),
    setup: _Setup = _Setup,
    show_progress: bool = _PROGRESS,
    as_json: bool = ui.json_option(),
    quiet: bool = ui.quiet_option(),
) -> None:
    """Cross-validation over --folds folds: RMSE/MAE (als) or precision/recall/MAP/NDCG@K
    (implicit, K = --at).

    Example: [bold]linml recommend eval ratings.csv --folds 5 --rank 16 --at 10[/]
    """
    from linml.recommend import evaluate

    estimator = setup.build()
    inter = setup.load(ratings)
    if _show_progress(show_progress, quiet, as_json):  # a bar per fold's sweeps
        estimator.set_params(verbose=True)
        frame = evaluate(estimator, inter, folds=folds, k=at, random_state=setup.seed)
    else:
        with ui.progress(
            f"{folds}-fold cross-validation: " + _fitting(setup.model, inter),
            quiet=quiet or as_json,
        ):
            frame = evaluate(estimator, inter, folds=folds, k=at, random_state=setup.seed)
    if as_json:
        ui.emit_json(
            {
                "command": "recommend eval",
                "model": setup.model,
                "estimator": type(estimator).__name__,
                "rank": setup.rank,
                "folds": folds,
                "at": at,
                "n_users": inter.n_users,
                "n_items": inter.n_items,
                "n_interactions": inter.nnz,
                "scores": {c: float(frame[c].mean()) for c in frame.columns},
                "std": {c: float(frame[c].std(ddof=0)) for c in frame.columns},
                "per_fold": frame.to_dict(orient="records"),
            }
        )
        return
    table = Table(title=f"{type(estimator).__name__}, {folds}-fold cross-validation")
    table.add_column("metric")
    table.add_column("mean", justify="right")
    table.add_column("std", justify="right")
    for column in frame.columns:
        table.add_row(
            ui.escape(str(column)),
            f"{frame[column].mean():.4f}",
            f"{frame[column].std(ddof=0):.4f}",
        )
    ui.console.print(table)


# ``tune`` lives in its own module and takes the helpers above as arguments
register_tune(
    recommend_app,
    ratings_arg=_RATINGS,
    hints=HINTS,
    setup_group=_Setup,
    show_progress=_show_progress,
)
