"""``linml recommend tune``: grid search over a recommender's parameters by cross-validation.

The command joins ``linml recommend`` through :func:`register_tune` (called by
``cmd_recommend``); ratings are loaded and the base model is built as in the other
``recommend`` commands, then every ``--grid`` setting is cross-validated on the same folds
(:class:`linml.recommend.GridSearchCV`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from linml.cli import _common as ui
from linml.cli._common import console

__all__ = ["parse_grid", "register", "register_tune"]

_INT = re.compile(r"^[+-]?[0-9]+$")
#: what ``--grid`` never searches (it changes the output, not the model)
_NOT_SEARCHED = ("verbose", "factors")


def register(app: typer.Typer) -> None:
    """Nothing to add at the top level: ``tune`` is a ``recommend`` subcommand, added by
    :func:`register_tune` from ``cmd_recommend`` (the CLI discovers every ``cmd_*`` module)."""


def _value(text: str) -> Any:
    """A grid value from the command line: int, float, bool or the string itself."""
    if _INT.match(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def parse_grid(specs: list[str] | None, model: str, valid: list[str]) -> dict[str, list[Any]]:
    """``["rank=8,16", "reg=0.01,0.1"]`` → ``{"rank": [8, 16], "reg": [0.01, 0.1]}``.

    Names may use dashes (``n-iter``); ``rank`` means ``factors`` for a model whose latent
    dimension is called that, as ``--rank`` does. Bad syntax, an unknown name or a repeated name exits with one line.
    """
    if not specs:
        ui.fail(
            "give at least one --grid name=v1,v2,… (e.g. --grid rank=8,16,32 --grid reg=0.01,0.1)."
        )
    grid: dict[str, list[Any]] = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = name.strip().replace("-", "_")
        items = [v.strip() for v in values.split(",")]
        if not sep or not name or not values.strip() or any(v == "" for v in items):
            ui.fail(
                f"--grid {spec!r} must look like name=v1,v2,… with no empty value "
                "(e.g. --grid rank=8,16,32)."
            )
        names = [n for n in valid if n not in _NOT_SEARCHED]
        if name == "rank" and "rank" not in names and "factors" in names:
            name = "factors"  # --rank sets ImplicitALS's factors
        if name not in names:
            ui.fail(
                f"--grid {spec!r}: no parameter {name!r}; the parameters are {', '.join(names)}."
            )
        if name in grid:
            ui.fail(f"--grid names {name!r} twice; give all its values in one --grid.")
        grid[name] = [_value(v) for v in items]
    return grid


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def register_tune(
    recommend_app: typer.Typer,
    *,
    ratings_arg: Any,
    hints: ui.Hints,
    setup_group: type[ui.OptionGroup],
    show_progress: Any,
) -> None:
    """Add ``tune`` to ``linml recommend``.

    ``cmd_recommend`` passes its own pieces in — the ratings argument, error hints, the
    option group that builds the model and loads the ratings, and the progress rule — so
    this module never imports ``cmd_recommend`` (no import cycle) and every ``recommend``
    command reads its options the same way.
    """
    _RATINGS, HINTS, _Setup, _show_progress = ratings_arg, hints, setup_group, show_progress

    @recommend_app.command("tune")
    @ui.friendly_errors(hints=HINTS)
    @ui.grouped
    def tune(
        ratings: Path = _RATINGS,
        grid: list[str] = typer.Option(
            None,
            "--grid",
            "-g",
            help="A parameter and its values, name=v1,v2,… (repeat for more: the grid is "
            "their product), e.g. --grid rank=8,16,32 --grid reg=0.01,0.1.",
        ),
        folds: int = typer.Option(
            5, "--folds", help="Cross-validation folds (stratified by user)."
        ),
        metric: list[str] = typer.Option(
            None,
            "--metric",
            help="Selection metric: rmse, mae (als) or precision@K, recall@K, map@K, ndcg@K, "
            "coverage@K; repeat to report more (the first selects). Default: rmse for als, "
            "ndcg@10 for implicit.",
        ),
        out: Path = typer.Option(
            None, "--save", "--out", "-o", help="Save the best model, refitted on all data (.npz)."
        ),
        n_jobs: int = typer.Option(
            None, "--n-jobs", help="Fits run in parallel processes (default: one at a time)."
        ),
        setup: _Setup = _Setup,
        as_json: bool = ui.json_option(),
        quiet: bool = ui.quiet_option(),
    ) -> None:
        """Grid search by cross-validation: every --grid setting is fitted on the same
        --folds folds; the table shows mean ± std per metric, best row highlighted.

        Example: [bold]linml recommend tune ratings.csv --grid rank=8,16,32 --grid reg=0.01,0.1[/]
        """
        ui.check_output_path(out, "--out")
        from linml.recommend import GridSearchCV

        estimator = setup.build()
        param_grid = parse_grid(grid, setup.model, sorted(estimator.get_params(deep=False)))
        inter = setup.load(ratings)
        search = GridSearchCV(
            estimator,
            param_grid,
            cv=folds,
            metric=list(metric) if metric else None,
            refit=out is not None,
            n_jobs=n_jobs,
            random_state=setup.seed,
            verbose=_show_progress(None, quiet, as_json),
        )
        search.fit(inter)
        if out is not None:
            from linml.io import save

            save(search.best_estimator_, out)
            ui.say(f"wrote {out}", as_json=as_json)
        table = search.results_table()
        names = list(param_grid)
        rank_col = f"rank_test_{search.metric_}"
        if as_json:
            ui.emit_json(
                {
                    "command": "recommend tune",
                    "model": setup.model,
                    "estimator": type(estimator).__name__,
                    "folds": search.n_splits_,
                    "metric": search.metric_,
                    "metrics": list(search.metrics_),
                    "lower_is_better": search.metric_ in ("rmse", "mae"),
                    "n_users": inter.n_users,
                    "n_items": inter.n_items,
                    "n_interactions": inter.nnz,
                    "n_settings": len(table),
                    "best_params": search.best_params_,
                    "best_score": search.best_score_,
                    "results": [
                        {
                            "rank": int(row[rank_col]),
                            "params": {n: row[n] for n in names},
                            "scores": {
                                m: {"mean": row[f"{m}_mean"], "std": row[f"{m}_std"]}
                                for m in search.metrics_
                            },
                            "fit_time": row["fit_time"],
                        }
                        for row in table.to_dict(orient="records")
                    ],
                    "out": None if out is None else str(out),
                }
            )
            return
        better = "lower" if search.metric_ in ("rmse", "mae") else "higher"
        view = Table(
            title=ui.escape(
                f"{type(estimator).__name__}: {len(table)} settings × {search.n_splits_} folds "
                f"({search.metric_}, {better} is better)"
            )
        )
        view.add_column("#", justify="right")
        for name in names:
            view.add_column(ui.escape(name), justify="right")
        for m in search.metrics_:
            view.add_column(ui.escape(f"{m} (mean ± std)"), justify="right")
        view.add_column("fit s", justify="right")
        for index, row in table.iterrows():
            cells = [str(int(row[rank_col]))]
            cells += [ui.escape(_shown(row[n])) for n in names]
            cells += [f"{row[f'{m}_mean']:.4f} ± {row[f'{m}_std']:.4f}" for m in search.metrics_]
            cells.append(f"{row['fit_time']:.2f}")
            view.add_row(*cells, style="bold green" if index == search.best_index_ else None)
        console.print(view)
        best = ", ".join(f"{n}={_shown(v)}" for n, v in search.best_params_.items())
        console.print(
            ui.escape(f"best: {best} ({search.metric_} {search.best_score_:.4f})"), highlight=False
        )
