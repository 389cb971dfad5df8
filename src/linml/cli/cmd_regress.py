"""``linml regress``: fit a regressor from the registry on a table, score a held-out split."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from linml.cli._common import console, fail, friendly_errors


def _parse_alphas(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        fail(f"--alphas={text!r} must be comma-separated numbers, e.g. 0.1,1,10.")
    if not values:
        fail(f"--alphas={text!r} holds no numbers; e.g. 0.1,1,10.")
    return values


def register(app: typer.Typer) -> None:
    @app.command()
    @friendly_errors
    def regress(
        file: Path = typer.Argument(..., help="CSV, TSV, Parquet or NPZ table."),
        target: str = typer.Option(..., "--target", "-t", help="Column to predict (numeric)."),
        model: str = typer.Option("ols", "--model", "-m", help="Regressor name: ols, ridge, …"),
        alpha: float = typer.Option(None, "--alpha", help="Penalty α (ridge, lasso, …)."),
        alphas: str = typer.Option(None, "--alphas", help="Candidate α for ridgecv: 0.1,1,10."),
        l1_ratio: float = typer.Option(None, "--l1-ratio", help="ElasticNet ℓ1 share in [0, 1]."),
        solver: str = typer.Option(None, "--solver", help="ols: auto|qr|cholesky|svd|gd."),
        out: Path = typer.Option(None, "--out", "-o", help="Write predictions CSV here."),
        test_size: float = typer.Option(0.2, "--test-size", help="Held-out share in [0, 1)."),
        seed: int = typer.Option(0, "--seed", help="Seed of the train/test split."),
    ) -> None:
        """Fit a linear regressor on FILE; print coefficients, held-out R²/RMSE and its linear algebra.

        Example: [bold]linml regress diabetes.csv --target progression --model ridgecv --alphas 0.01,0.1,1[/]
        """
        import numpy as np
        import pandas as pd

        from linml.cli._models import REGRESSORS
        from linml.datasets import load_table, table_to_xy
        from linml.diagnose.explain import explain
        from linml.diagnose.render import explanation_renderable
        from linml.io import atomic_write

        if model not in REGRESSORS:
            known = ", ".join(sorted(REGRESSORS)) or "none registered"
            fail(f"unknown --model {model!r}; choose one of: {known}.")
        if not 0.0 <= test_size < 1.0:
            fail(
                f"--test-size={test_size} must be in [0, 1), e.g. 0.2 (0 scores on the training rows)."
            )
        X, y, names = table_to_xy(load_table(file), target)
        if not pd.api.types.is_numeric_dtype(y):
            fail(
                f"target column {target!r} is not numeric; regress predicts numbers (try classify)."
            )
        y = y.astype(np.float64)
        n = X.shape[0]
        n_test = round(test_size * n)
        if test_size > 0 and (n_test < 1 or n - n_test < 2):
            fail(
                f"--test-size={test_size} leaves {n - n_test} training and {n_test} test rows of {n}; need ≥ 2 and ≥ 1."
            )
        perm = np.random.default_rng(seed).permutation(n)
        test_idx, train_idx = (perm[:n_test], perm[n_test:]) if n_test else (perm, perm)
        opts = {
            "alpha": alpha,
            "alphas": _parse_alphas(alphas) if alphas is not None else None,
            "l1_ratio": l1_ratio,
            "solver": solver,
            "seed": seed,
        }
        estimator = REGRESSORS[model].build(opts)
        estimator.fit(pd.DataFrame(X[train_idx], columns=names), y[train_idx])
        pred = estimator.predict(pd.DataFrame(X, columns=names))

        coefs = Table(title=f"{model} coefficients ({len(train_idx)} training rows)")
        coefs.add_column("feature")
        coefs.add_column("coef", justify="right")
        for name, c in zip(names, np.ravel(estimator.coef_), strict=True):
            coefs.add_row(name, f"{c:.6g}")
        coefs.add_row("[italic]intercept[/]", f"{float(np.ravel(estimator.intercept_)[0]):.6g}")
        console.print(coefs)

        resid = y[test_idx] - pred[test_idx]
        ss_tot = float(np.sum((y[test_idx] - y[test_idx].mean()) ** 2))
        r2 = 1.0 - float(resid @ resid) / ss_tot if ss_tot > 0 else float("nan")
        rmse = float(np.sqrt(np.mean(resid**2)))
        where = f"held-out split ({len(test_idx)} rows)" if n_test else "training rows (no split)"
        scores = Table(title=f"scores on the {where}")
        scores.add_column("R²", justify="right")
        scores.add_column("RMSE", justify="right")
        scores.add_row(f"{r2:.4f}", f"{rmse:.4g}")
        console.print(scores)
        console.print(explanation_renderable(explain(estimator)))

        if out is not None:
            split = np.full(n, "train", dtype=object)
            split[test_idx] = "test" if n_test else "train"
            frame = pd.DataFrame(
                {"row": np.arange(n), target: y, "prediction": pred, "split": split}
            )
            with atomic_write(out, "w") as handle:
                frame.to_csv(handle, index=False)
            console.print(f"wrote {out}")
