"""``linml regress``: fit a regressor from the registry on a table, score a held-out split."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from linml.cli import _common as ui
from linml.cli import _table
from linml.cli._models import (
    OLS_SOLVERS,
    REGRESSORS,
    RIDGE_SOLVERS,
    misplaced_options,
    model_help,
    unknown_model,
)

#: the library's suggestions, said in regress's flags
HINTS = ui.Hints(
    flags={
        "solver": "--solver",
        "method": "--solver",
        "alpha": "--alpha",
        "alphas": "--alphas",
        "l1_ratio": "--l1-ratio",
        "max_iter": "--max-iter",
    },
    phrases=(
        (r"\s*\((?:e\.g\. )?(?:sklearn )?StandardScaler(?: in a Pipeline)?\)", " (--standardize)"),
        (r"\bstandardize X\b", "pass --standardize"),
        (r"\bstandardize the features first\b", "standardize the features first (--standardize)"),
        (r"\bRidge\(alpha\s*[≈=]\s*([^)]+)\)", r"--model ridge --alpha \1"),
        (r"\buse (?:linml\.linear_model\.)?LinearRegression\b", "use --model ols"),
        (r"\buse Ridge\b", "use --model ridge"),
        (r"\badd alpha\b", "use --model ridge"),
        (r",? or tol,", ","),
    ),
)


def _parse_alphas(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        ui.fail(f"--alphas={text!r} must be comma-separated numbers, e.g. 0.1,1,10.")
    if not values:
        ui.fail(f"--alphas={text!r} holds no numbers; e.g. 0.1,1,10.")
    return values


def _scores(y: Any, pred: Any) -> dict[str, float]:
    """R², RMSE and MAE of ``pred`` against ``y`` (R² is NaN when ``y`` is constant)."""
    import numpy as np

    resid = y - pred
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(resid @ resid) / ss_tot if ss_tot > 0 else float("nan")
    return {
        "r2": r2,
        "rmse": float(np.sqrt(np.mean(resid**2))),
        "mae": float(np.mean(np.abs(resid))),
    }


#: models that fit a streamed table block by block (``partial_fit``)
STREAMING = ("ols", "ridge")


def _write_coefficients(path: Path, names: list[str], coef: Any, intercept: float) -> None:
    """``--coef-out``: every coefficient and the intercept as CSV (feature, coef), atomically."""
    import pandas as pd

    from linml.io import atomic_write

    table = pd.DataFrame({"feature": [*names, "(intercept)"], "coef": [*coef, intercept]})
    with atomic_write(path, "w") as handle:
        table.to_csv(handle, index=False)


def _print_coefficients(
    model: str, rows: str, names: list[str], coef: Any, intercept: float
) -> None:
    """The coefficient table (the :data:`MAX_ROWS` largest ``|coef|`` when there are more),
    titled ``{model} coefficients ({rows}…)``."""
    import numpy as np

    p = len(names)
    wide = p > ui.MAX_ROWS
    order = np.argsort(-np.abs(coef), kind="stable")[: ui.MAX_ROWS] if wide else np.arange(p)
    shown = f", the {ui.MAX_ROWS} largest |coef| of {p}" if wide else ""
    coefs = Table(title=ui.escape(f"{model} coefficients ({rows}{shown})"))
    coefs.add_column("feature")
    coefs.add_column("coef", justify="right")
    for j in order:
        coefs.add_row(ui.escape(names[j]), f"{coef[j]:.6g}")
    coefs.add_row("[italic]intercept[/]", f"{intercept:.6g}")
    ui.console.print(coefs)
    if wide:
        ui.print_more(p - ui.MAX_ROWS, "--coef-out FILE / --json")


def _streamed_refusals(
    model: str,
    columns: _table.Columns,
    *,
    standardize: bool,
    out: Path | None,
    save: Path | None,
) -> str | None:
    """Why this model or these options cannot be used with a streamed (Parquet directory /
    glob) FILE."""
    if model not in STREAMING:
        return (
            f"--model {model} cannot stream; a Parquet directory or glob is fitted block by "
            f"block by partial_fit, which {' and '.join(STREAMING)} have: use --model ols or ridge."
        )
    return _table.in_memory_refusal(columns, standardize=standardize, out=out, save=save)


def _stream_regress(
    file: Path,
    target: str,
    model: str,
    opts: dict[str, Any],
    stream: _table.ParquetStream,
    *,
    coef_out: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Fit ``model`` by ``partial_fit`` over the blocks of ``stream``; score in a second pass.

    Pass 1 merges each block's sufficient statistics into the estimator (exact: the result
    equals one ``fit`` on all rows). Pass 2 re-reads the blocks for ``r = y - X β - b`` and
    ``Σ (y - ȳ)²``, so the scores are exact too; memory stays one block throughout.
    """
    import numpy as np

    from linml.diagnose.explain import explain
    from linml.diagnose.render import explanation_renderable

    estimator = REGRESSORS[model].build({**opts, "seed": 0})
    n_seen = n_blocks = 0
    y_sum = 0.0
    for X_b, y_b in stream.blocks():
        message = (
            f"streaming {model}: {n_blocks} blocks done, {n_seen:,} of {stream.n_rows:,} rows …"
        )
        with ui.progress(message, quiet=quiet or as_json):
            estimator.partial_fit(X_b, y_b)
        n_seen += X_b.shape[0]
        n_blocks += 1
        y_sum += float(y_b.sum())
    y_mean = y_sum / n_seen
    sse = sae = sst = 0.0
    for X_b, y_b in stream.blocks():  # pass 2: scores of the final coefficients
        resid = y_b - estimator.predict(X_b)
        sse += float(resid @ resid)
        sae += float(np.abs(resid).sum())
        sst += float(((y_b - y_mean) ** 2).sum())
    scores = {
        "r2": 1.0 - sse / sst if sst > 0 else float("nan"),
        "rmse": float(np.sqrt(sse / n_seen)),
        "mae": sae / n_seen,
    }
    baseline = {"r2": 0.0 if sst > 0 else float("nan"), "rmse": float(np.sqrt(sst / n_seen))}
    names = list(stream.features)
    coef = np.ravel(estimator.coef_).astype(np.float64)
    intercept = float(np.ravel(estimator.intercept_)[0])
    expl = ui.reword_explanation(explain(estimator), HINTS)
    streamed = f"streamed {n_seen} rows in {n_blocks} blocks from {len(stream.files)} file(s)"
    if coef_out is not None:
        _write_coefficients(coef_out, names, coef, intercept)
    if as_json:
        ui.say(streamed, as_json=True)
        if coef_out is not None:
            ui.say(f"wrote {coef_out}", as_json=True)
        ui.emit_json(
            {
                "command": "regress",
                "file": str(file),
                "target": target,
                "model": model,
                "estimator": type(estimator).__name__,
                "streamed": {"rows": n_seen, "blocks": n_blocks, "files": len(stream.files)},
                "n_train": n_seen,
                "n_test": 0,
                "n_features": len(names),
                "scored_on": "train",
                "standardized": False,
                "scores": scores,
                "baseline": {"strategy": "training mean", "prediction": y_mean, **baseline},
                "coefficients": dict(zip(names, coef.tolist(), strict=True)),
                "intercept": intercept,
                "explanation": expl.to_dict(),
            }
        )
        return
    ui.say(streamed)
    if coef_out is not None:
        ui.say(f"wrote {coef_out}")
    _print_coefficients(model, f"{n_seen} streamed rows", names, coef, intercept)
    table = Table(title=f"scores on the training rows ({n_seen} rows, streamed: no held-out split)")
    table.add_column("")
    for name in ("R²", "RMSE", "MAE"):
        table.add_column(name, justify="right")
    table.add_row(model, f"{scores['r2']:.4f}", f"{scores['rmse']:.4g}", f"{scores['mae']:.4g}")
    table.add_row("baseline: training mean", f"{baseline['r2']:.4f}", f"{baseline['rmse']:.4g}", "")
    ui.console.print(table)
    ui.console.print(explanation_renderable(expl))


def register(app: typer.Typer) -> None:
    @app.command()
    @ui.friendly_errors(hints=HINTS)
    @ui.grouped
    def regress(
        file: Path = typer.Argument(
            ...,
            help="CSV, TSV, Parquet or NPZ table; or a directory / quoted glob of Parquet files, "
            "streamed block by block (ols, ridge).",
        ),
        target: str = typer.Option(..., "--target", "-t", help="Column to predict (numeric)."),
        model: str = typer.Option("ols", "--model", "-m", help=model_help(REGRESSORS)),
        alpha: float = typer.Option(
            None, "--alpha", help="Penalty α ≥ 0 (ridge, lasso, elasticnet; default 1)."
        ),
        alphas: str = typer.Option(
            None, "--alphas", help="Candidate α for ridgecv, comma-separated: 0.1,1,10."
        ),
        l1_ratio: float = typer.Option(
            None, "--l1-ratio", help="ElasticNet ℓ1 share in [0, 1] (default 0.5)."
        ),
        solver: str = typer.Option(
            None,
            "--solver",
            help=f"ols: {'|'.join(OLS_SOLVERS)}; ridge: {'|'.join(RIDGE_SOLVERS)} (default auto).",
        ),
        max_iter: int = typer.Option(
            None, "--max-iter", help="Iteration budget of lasso, elasticnet and ols --solver gd."
        ),
        standardize: bool = typer.Option(
            False,
            "--standardize/--no-standardize",
            help="Scale features to mean 0, std 1 by the training split (coefficients are then "
            "per standard deviation).",
        ),
        out: Path = typer.Option(
            None, "--out", "-o", help="Write predictions CSV (row, target, prediction, split)."
        ),
        coef_out: Path = typer.Option(
            None, "--coef-out", help="Write every coefficient as CSV (feature, coef)."
        ),
        save: Path = _table.SAVE,
        test_size: float = typer.Option(0.2, "--test-size", help="Held-out share in [0, 1)."),
        seed: int = typer.Option(0, "--seed", help="Seed of the train/test split."),
        reading: _table.Reading = _table.Reading,
        columns: _table.Columns = _table.Columns,
        block_rows: int = _table.BLOCK_ROWS,
        as_json: bool = ui.json_option(),
        quiet: bool = ui.quiet_option(),
    ) -> None:
        """Fit a linear regressor on FILE; print coefficients, held-out R²/RMSE/MAE against the
        mean-only baseline, and its linear algebra.

        Columns get roles first (printed as a table): identifiers and free text are dropped,
        text/bool columns one-hot encoded (ols drops each one's first level so the columns and
        the intercept are not collinear), dates expanded to year/month/day/weekday, missing cells
        imputed (--missing). --save keeps that preprocessing with the model for `linml predict`.

        More than 20 coefficients: the 20 largest |coef| are shown (all: --coef-out / --json).

        A directory or quoted glob of Parquet files ('data/*.parquet') is streamed: read in
        blocks of --block-rows with bounded memory and fitted by partial_fit (ols, ridge; numeric
        columns only), then scored on all rows in a second pass (no held-out split).

        Example: [bold]linml regress diabetes.csv --target progression --model ridgecv --alphas 0.01,0.1,1[/]
        """
        if model not in REGRESSORS:
            ui.fail(unknown_model(REGRESSORS, model))
        if not 0.0 <= test_size < 1.0:
            ui.fail(
                f"--test-size={test_size} must be in [0, 1), e.g. 0.2 (0 scores on the training rows)."
            )
        opts = {
            "alpha": alpha,
            "alphas": _parse_alphas(alphas) if alphas is not None else None,
            "l1_ratio": l1_ratio,
            "solver": solver,
            "max_iter": max_iter,
        }
        misplaced = misplaced_options(REGRESSORS, model, opts)
        if misplaced:
            ui.fail(misplaced)
        ui.check_output_path(out, "--out")
        ui.check_output_path(coef_out, "--coef-out")
        ui.check_output_path(save, "--save", (".npz",))

        if _table.is_streamed(file):
            refusal = _streamed_refusals(
                model, columns, standardize=standardize, out=out, save=save
            )
            if refusal:
                ui.fail(refusal)
            stream = _table.parquet_stream(
                file,
                target,
                drop=columns.drop,
                features=columns.features,
                block_rows=block_rows,
            )
            _stream_regress(
                file, target, model, opts, stream, coef_out=coef_out, as_json=as_json, quiet=quiet
            )
            return

        import numpy as np
        import pandas as pd

        from linml.diagnose.explain import explain
        from linml.diagnose.render import explanation_renderable
        from linml.io import atomic_write

        prep = _table.prepared(
            _table.read(file, reading),
            target,
            task="regress",
            columns=columns,
            standardize=standardize,
            drop_first=model == "ols",
        )
        X, y = prep.X, prep.y
        n = X.shape[0]
        n_test = round(test_size * n)
        if test_size > 0 and (n_test < 1 or n - n_test < 2):
            ui.fail(
                f"--test-size={test_size} leaves {n - n_test} training and {n_test} test rows of {n}; need ≥ 2 and ≥ 1."
            )
        perm = np.random.default_rng(seed).permutation(n)
        test_idx, train_idx = (perm[:n_test], perm[n_test:]) if n_test else (perm, perm)
        if not as_json:
            _table.print_roles(prep, ui.console)
        pipeline = prep.pipeline(REGRESSORS[model].build({**opts, "seed": seed}))
        with ui.progress(ui.fitting(model, (len(train_idx), X.shape[1])), quiet=quiet or as_json):
            pipeline.fit(X.iloc[train_idx], y[train_idx])
        estimator = pipeline[-1]
        names = [str(c) for c in pipeline[0].get_feature_names_out()]
        p = len(names)
        pred = pipeline.predict(X)
        _table.save(pipeline, save, as_json=as_json)

        coef = np.ravel(estimator.coef_).astype(np.float64)
        intercept = float(np.ravel(estimator.intercept_)[0])
        scores = _scores(y[test_idx], pred[test_idx])
        train_mean = float(y[train_idx].mean())
        baseline = _scores(y[test_idx], np.full(len(test_idx), train_mean))
        expl = ui.reword_explanation(explain(estimator), HINTS)

        if out is not None:
            split = np.full(n, "train", dtype=object)
            split[test_idx] = "test" if n_test else "train"
            frame = pd.DataFrame(
                {X.index.name or "row": X.index, target: y, "prediction": pred, "split": split}
            )
            with atomic_write(out, "w") as handle:
                frame.to_csv(handle, index=False)
            ui.say(f"wrote {out}", as_json=as_json)
        if coef_out is not None:
            _write_coefficients(coef_out, names, coef, intercept)
            ui.say(f"wrote {coef_out}", as_json=as_json)

        if as_json:
            ui.emit_json(
                {
                    "command": "regress",
                    "file": str(file),
                    "target": target,
                    "model": model,
                    "estimator": type(estimator).__name__,
                    "n_train": len(train_idx),
                    "n_test": int(n_test),
                    "n_features": p,
                    "columns": prep.to_dict(),
                    "scored_on": "test" if n_test else "train",
                    "standardized": standardize,
                    "scores": scores,
                    "baseline": {"strategy": "training mean", "prediction": train_mean, **baseline},
                    "coefficients": dict(zip(names, coef.tolist(), strict=True)),
                    "intercept": intercept,
                    "explanation": expl.to_dict(),
                }
            )
            return

        units = ", standardized features" if standardize else ""
        _print_coefficients(model, f"{len(train_idx)} training rows{units}", names, coef, intercept)

        where = f"held-out split ({len(test_idx)} rows)" if n_test else "training rows (no split)"
        table = Table(title=f"scores on the {where}")
        table.add_column("")
        for name in ("R²", "RMSE", "MAE"):
            table.add_column(name, justify="right")
        for label, s in ((model, scores), ("baseline: training mean", baseline)):
            table.add_row(label, f"{s['r2']:.4f}", f"{s['rmse']:.4g}", f"{s['mae']:.4g}")
        ui.console.print(table)
        ui.console.print(explanation_renderable(expl))
