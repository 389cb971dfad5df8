"""``linml classify``: fit a classifier from the registry on a table, score a held-out split."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from linml.cli._common import console, fail, friendly_errors


def register(app: typer.Typer) -> None:
    @app.command()
    @friendly_errors
    def classify(
        file: Path = typer.Argument(..., help="CSV, TSV, Parquet or NPZ table."),
        target: str = typer.Option(..., "--target", "-t", help="Column holding the class."),
        model: str = typer.Option(
            "logistic",
            "--model",
            "-m",
            help="Classifier name (see --help). Default logistic: the first model to fit — "
            "no kernel or scale to choose, probabilities, one Newton solve per step.",
        ),
        kernel: str = typer.Option(None, "--kernel", help="SVC kernel: rbf, linear, poly…"),
        C: float = typer.Option(
            None, "--C", help="Inverse penalty C > 0 (SVC margin price; logistic 1/λ)."
        ),
        gamma: str = typer.Option(None, "--gamma", help="Kernel scale: scale, auto or a number."),
        hidden: str = typer.Option(None, "--hidden", help="MLP hidden sizes, e.g. 64,32."),
        epochs: int = typer.Option(None, "--epochs", help="MLP training epochs."),
        test_size: float = typer.Option(0.25, "--test-size", help="Held-out share in (0, 1)."),
        seed: int = typer.Option(0, "--seed", help="Seed of the split and the model."),
        standardize: bool = typer.Option(
            True, "--standardize/--no-standardize", help="Scale features by the training split."
        ),
    ) -> None:
        """Fit a classifier on FILE and report accuracy on a held-out split.

        Example: [bold]linml classify wine.csv --target class --model svc --kernel rbf --C 1[/]
        """
        import numpy as np
        from sklearn.model_selection import train_test_split

        from linml.cli._models import CLASSIFIERS
        from linml.datasets import load_table, table_to_xy

        if model not in CLASSIFIERS:
            known = ", ".join(sorted(CLASSIFIERS)) or "none registered"
            fail(f"unknown --model {model!r}; choose one of: {known}.")
        if not 0.0 < test_size < 1.0:
            fail(f"--test-size={test_size} must be in (0, 1), e.g. 0.25.")
        X, y, _ = table_to_xy(load_table(file), target)
        classes, counts = np.unique(y.astype(str), return_counts=True)
        if classes.size < 2:
            fail(f"target column {target!r} holds one class only ({classes[0]}); need two.")
        stratify = y if counts.min() >= 2 else None
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=test_size, random_state=seed, stratify=stratify
        )
        if standardize:
            mu = X_tr.mean(axis=0)
            sd = X_tr.std(axis=0)
            sd[sd == 0.0] = 1.0  # constant column: leave it at 0 instead of dividing by 0
            X_tr, X_te = (X_tr - mu) / sd, (X_te - mu) / sd
        opts = {
            "kernel": kernel,
            "C": C,
            "gamma": gamma,
            "hidden": hidden,
            "epochs": epochs,
            "seed": seed,
        }
        spec = CLASSIFIERS[model]
        for name, value in opts.items():
            if value is not None and name != "seed" and name not in spec.options:
                users = sorted(m for m, s in CLASSIFIERS.items() if name in s.options)
                fail(
                    f"--{name} applies to --model {' or '.join(users)}, not {model!r}; "
                    "drop it or choose that model."
                )
        estimator = spec.build(opts)
        estimator.fit(X_tr, y_tr)
        accuracy = float(np.mean(estimator.predict(X_te) == y_te))
        table = Table(title=f"linml classify — {model}")
        table.add_column("quantity")
        table.add_column("value", justify="right")
        table.add_row("train / test samples", f"{len(y_tr)} / {len(y_te)}")
        table.add_row("classes", str(classes.size))
        table.add_row("held-out accuracy", f"{accuracy:.4f}")
        if hasattr(estimator, "solver_") and hasattr(estimator, "grad_norms_"):
            table.add_row("solver", f"{estimator.solver_} ({int(np.max(estimator.n_iter_))} it.)")
        if hasattr(estimator, "support_"):
            table.add_row("support vectors", str(int(estimator.support_.size)))
            table.add_row("SMO iterations", str(int(np.sum(estimator.n_iter_))))
        console.print(table)
