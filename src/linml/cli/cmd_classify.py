"""``linml classify``: fit a classifier from the registry on a table, score a held-out split.

The report: accuracy, balanced accuracy and log loss (models with ``predict_proba``) on the
held-out split, the majority-class baseline, a confusion matrix (rows true, columns
predicted) and per-class precision, recall, F1 and support.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from linml.cli import _common as ui
from linml.cli import _table
from linml.cli._models import (
    CLASSIFIERS,
    SVC_KERNELS,
    misplaced_options,
    model_help,
    unknown_model,
)

#: the library's suggestions, said in classify's flags
HINTS = ui.Hints(
    flags={
        "C": "--C",
        "gamma": "--gamma",
        "kernel": "--kernel",
        "epochs": "--epochs",
        "learning_rate": "--learning-rate",
        "max_iter": "--max-iter",
        "hidden_layer_sizes": "--hidden",
    },
    phrases=(
        (
            r"learning_rate=([\w.+-]+) is too large for optimizer='(\w+)' — try ([\w.+-]+)",
            r"--learning-rate \1 is too large for the \2 optimizer — try --learning-rate \3",
        ),
        (r"\s*\((?:e\.g\. )?(?:sklearn )?StandardScaler(?: in a Pipeline)?\)", " (--standardize)"),
        (
            r"Standardizing X and setting max_grad_norm also help\.",
            "Keeping --standardize on also helps.",
        ),
        (r"\bstandardize X\b", "keep --standardize on"),
        (r"\b(lower|smaller) C\b", r"\1 --C"),
    ),
)


def _metrics(estimator: Any, X_te: Any, y_te: Any, labels: Any, y_tr: Any) -> dict[str, Any]:
    """Held-out scores, confusion matrix, per-class table and the majority-class baseline."""
    import numpy as np
    from sklearn.metrics import confusion_matrix, log_loss, precision_recall_fscore_support

    pred = estimator.predict(X_te)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_te, pred, labels=labels, zero_division=0
    )
    present = support > 0  # balanced accuracy: the mean recall over the classes in y_te
    proba = None
    if hasattr(estimator, "predict_proba"):
        try:
            proba = estimator.predict_proba(X_te)
        except AttributeError:  # e.g. a model whose probabilities are switched off
            proba = None

    classes = np.asarray(getattr(estimator, "classes_", labels))

    def _log_loss(P: Any) -> float | None:
        try:
            return float(log_loss(y_te, P, labels=classes))
        except ValueError:  # a test label the model never saw
            return None

    train_labels, train_counts = np.unique(y_tr, return_counts=True)
    majority = train_labels[int(np.argmax(train_counts))]
    prior = np.array([np.mean(y_tr == c) for c in classes])
    majority_recall = [1.0 if c == majority else 0.0 for c, s in zip(labels, support) if s > 0]
    return {
        "scores": {
            "accuracy": float(np.mean(pred == y_te)),
            "balanced_accuracy": float(np.mean(recall[present])),
            "log_loss": None if proba is None else _log_loss(proba),
        },
        "baseline": {
            "strategy": "majority class",
            "class": str(majority),
            "accuracy": float(np.mean(y_te == majority)),
            "balanced_accuracy": float(np.mean(majority_recall)),
            "log_loss": _log_loss(np.tile(prior, (len(y_te), 1))),
        },
        "confusion_matrix": {
            "labels": [str(c) for c in labels],
            "matrix": confusion_matrix(y_te, pred, labels=labels).tolist(),
        },
        "per_class": {
            str(c): {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, c in enumerate(labels)
        },
    }


def _details(estimator: Any) -> dict[str, Any]:
    """What the fitted model says about its solve (solver, iterations, support vectors)."""
    import numpy as np

    out: dict[str, Any] = {}
    if hasattr(estimator, "solver_") and hasattr(estimator, "grad_norms_"):
        out["solver"] = str(estimator.solver_)
        out["n_iter"] = int(np.max(estimator.n_iter_))
    if hasattr(estimator, "support_"):
        out["support_vectors"] = int(estimator.support_.size)
        out["smo_iterations"] = int(np.sum(estimator.n_iter_))
    return out


def _print_report(model: str, info: dict[str, Any]) -> None:
    n_classes = len(info["classes"])
    scores, baseline = info["scores"], info["baseline"]
    table = Table(title=f"linml classify — {model}")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_row("train / test samples", f"{info['n_train']} / {info['n_test']}")
    table.add_row("classes", str(n_classes))
    table.add_row("held-out accuracy", f"{scores['accuracy']:.4f}")
    table.add_row("held-out balanced accuracy", f"{scores['balanced_accuracy']:.4f}")
    if scores["log_loss"] is not None:
        table.add_row("held-out log loss", f"{scores['log_loss']:.4f}")
    table.add_row(
        ui.escape(f"baseline accuracy (always {baseline['class']!r})"),
        f"{baseline['accuracy']:.4f}",
    )
    details = info["details"]
    if "solver" in details:
        table.add_row("solver", ui.escape(f"{details['solver']} ({details['n_iter']} it.)"))
    if "support_vectors" in details:
        table.add_row("support vectors", str(details["support_vectors"]))
        table.add_row("SMO iterations", str(details["smo_iterations"]))
    ui.console.print(table)

    labels = info["confusion_matrix"]["labels"]
    if n_classes <= ui.MAX_ROWS:
        cm = Table(title="confusion matrix")
        cm.add_column("true \\ predicted")
        for label in labels:
            cm.add_column(ui.escape(label), justify="right")
        for label, row in zip(labels, info["confusion_matrix"]["matrix"], strict=True):
            cm.add_row(ui.escape(label), *map(str, row))
        ui.console.print(cm)
    per = Table(title="per class (held-out split)")
    per.add_column("class")
    for name in ("precision", "recall", "F1", "support"):
        per.add_column(name, justify="right")
    for label in labels[: ui.MAX_ROWS]:
        m = info["per_class"][label]
        per.add_row(
            ui.escape(label),
            f"{m['precision']:.4f}",
            f"{m['recall']:.4f}",
            f"{m['f1']:.4f}",
            str(m["support"]),
        )
    ui.console.print(per)
    if n_classes > ui.MAX_ROWS:
        ui.print_more(n_classes - ui.MAX_ROWS, "--json; the confusion matrix too")


def register(app: typer.Typer) -> None:
    @app.command()
    @ui.friendly_errors(hints=HINTS)
    @ui.grouped
    def classify(
        file: Path = typer.Argument(..., help="CSV, TSV, Parquet or NPZ table."),
        target: str = typer.Option(..., "--target", "-t", help="Column holding the class."),
        model: str = typer.Option(
            "logistic",
            "--model",
            "-m",
            help=model_help(CLASSIFIERS)
            + " The default, logistic, is the first model to fit: no kernel or scale to "
            "choose, probabilities, one Newton solve per step.",
        ),
        kernel: str = typer.Option(
            None, "--kernel", help=f"SVC kernel: {', '.join(SVC_KERNELS)} (default rbf)."
        ),
        C: float = typer.Option(
            None, "--C", help="Inverse penalty C > 0 (SVC margin price; logistic 1/λ; default 1)."
        ),
        gamma: str = typer.Option(
            None, "--gamma", help="SVC kernel scale: scale, auto or a number > 0 (default scale)."
        ),
        hidden: str = typer.Option(None, "--hidden", help="MLP hidden sizes, e.g. 64,32."),
        epochs: int = typer.Option(None, "--epochs", help="MLP training epochs (default 200)."),
        learning_rate: float = typer.Option(
            None, "--learning-rate", help="MLP optimizer step size > 0 (default 0.001)."
        ),
        max_iter: int = typer.Option(
            None,
            "--max-iter",
            help="Iteration budget: logistic (default 100), svc SMO steps (default max(1e7, 100n)).",
        ),
        test_size: float = typer.Option(0.25, "--test-size", help="Held-out share in (0, 1)."),
        seed: int = typer.Option(0, "--seed", help="Seed of the split and the model."),
        standardize: bool = typer.Option(
            True, "--standardize/--no-standardize", help="Scale features by the training split."
        ),
        save: Path = _table.SAVE,
        reading: _table.Reading = _table.Reading,
        columns: _table.Columns = _table.Columns,
        as_json: bool = ui.json_option(),
        quiet: bool = ui.quiet_option(),
    ) -> None:
        """Fit a classifier on FILE; report held-out accuracy, balanced accuracy, log loss, the
        majority-class baseline, a confusion matrix and per-class precision/recall/F1.

        A numeric target that looks like a measurement is refused (use linml regress).
        Columns get roles first (printed as a table): identifiers and free text are dropped,
        text/bool columns one-hot encoded, dates expanded, missing cells imputed (--missing);
        rows without a class are dropped. --save keeps that preprocessing with the model for
        `linml predict`.

        Example: [bold]linml classify wine.csv --target class --model svc --kernel rbf --C 1[/]
        """
        if model not in CLASSIFIERS:
            ui.fail(unknown_model(CLASSIFIERS, model))
        if not 0.0 < test_size < 1.0:
            ui.fail(f"--test-size={test_size} must be in (0, 1), e.g. 0.25.")
        opts = {
            "kernel": kernel,
            "C": C,
            "gamma": gamma,
            "hidden": hidden,
            "epochs": epochs,
            "learning_rate": learning_rate,
            "max_iter": max_iter,
        }
        misplaced = misplaced_options(CLASSIFIERS, model, opts)
        if misplaced:
            ui.fail(misplaced)

        ui.check_output_path(save, "--save", (".npz",))

        import numpy as np
        from sklearn.model_selection import train_test_split

        from linml.tabular import looks_continuous

        df = _table.read(file, reading)
        if target in df.columns and looks_continuous(df[target]):
            t = df[target]
            ui.fail(
                f"target column {target!r} looks continuous ({t.dropna().nunique()} distinct "
                f"values in {len(t)} rows), not a class label; to predict numbers use "
                f"linml regress {file} --target {target}."
            )
        prep = _table.prepared(
            df,
            target,
            task="classify",
            columns=columns,
            standardize=standardize,
        )
        X, y = prep.X, prep.y
        labels, counts = np.unique(y, return_counts=True)
        if labels.size < 2:
            ui.fail(f"target column {target!r} holds one class only ({labels[0]}); need two.")
        stratify = y if counts.min() >= 2 else None
        X_tr, X_te, y_tr, y_te = train_test_split(
            X, y, test_size=test_size, random_state=seed, stratify=stratify
        )
        if not as_json:
            _table.print_roles(prep, ui.console)
        pipeline = prep.pipeline(CLASSIFIERS[model].build({**opts, "seed": seed}))
        with ui.progress(ui.fitting(model, X_tr.shape), quiet=quiet or as_json):
            pipeline.fit(X_tr, y_tr)
        estimator = pipeline[-1]
        names = [str(c) for c in pipeline[0].get_feature_names_out()]
        _table.save(pipeline, save, as_json=as_json)
        info: dict[str, Any] = {
            "command": "classify",
            "file": str(file),
            "target": target,
            "model": model,
            "estimator": type(estimator).__name__,
            "n_train": len(y_tr),
            "n_test": len(y_te),
            "n_features": len(names),
            "standardized": standardize,
            "columns": prep.to_dict(),
            "classes": [str(c) for c in labels],
            **_metrics(pipeline, X_te, y_te, labels, y_tr),
            "details": _details(estimator),
        }
        if as_json:
            ui.emit_json(info)
        else:
            _print_report(model, info)
