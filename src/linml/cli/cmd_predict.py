"""``linml predict`` and ``linml explain``: apply a saved model to a raw table, or say what it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from linml.cli import _common as ui
from linml.cli import _table


def _split(model: Any) -> tuple[Any, Any]:
    """(preprocessing or None, final estimator) of a loaded model."""
    from sklearn.pipeline import Pipeline

    if isinstance(model, Pipeline):
        return (model[:-1] if len(model.steps) > 1 else None), model[-1]
    return None, model


def _features(model: Any, df: Any) -> Any:
    """The model's input columns out of ``df`` (a clear error names any that are absent)."""
    from linml.tabular import check_table

    prep, final = _split(model)
    if prep is not None:
        return check_table(model, df)
    names = [str(c) for c in getattr(final, "feature_names_in_", [])]
    if names:  # a bare estimator fitted on a DataFrame: its columns by name, as numbers
        from linml.exceptions import LinmlInputError

        absent = [c for c in names if c not in df.columns]
        if absent:
            raise LinmlInputError(
                f"column(s) {', '.join(map(repr, absent[:10]))} used by the model are missing "
                "from the new table."
            )
        return df[names]
    from linml.datasets import table_to_xy

    return table_to_xy(df)[0]


def _outputs(model: Any, X: Any) -> tuple[dict[str, Any], str]:
    """Columns to write (prediction, class probabilities, or scores) and what they are."""
    import numpy as np

    _, final = _split(model)
    cols: dict[str, Any] = {}
    if hasattr(final, "predict"):
        cols["prediction"] = np.asarray(model.predict(X))
        kind = "classifier" if hasattr(final, "classes_") else "regressor"
        # an SVC without probability=True has no predict_proba attribute at all
        if hasattr(final, "predict_proba") and hasattr(final, "classes_"):
            proba = np.asarray(model.predict_proba(X))
            for j, c in enumerate(final.classes_):
                cols[f"proba_{c}"] = proba[:, j]
        return cols, kind
    if hasattr(final, "transform"):
        scores = np.asarray(model.transform(X))
        try:
            names = [str(n) for n in final.get_feature_names_out()]
        except (AttributeError, ValueError, TypeError):
            names = []
        if len(names) != scores.shape[1]:
            names = [f"component{j + 1}" for j in range(scores.shape[1])]
        return {n: scores[:, j] for j, n in enumerate(names)}, "transformer"
    ui.fail(f"a {type(final).__name__} has neither predict nor transform; nothing to apply.")


def register(app: typer.Typer) -> None:
    @app.command()
    @ui.friendly_errors
    @ui.grouped
    def predict(
        model_path: Path = typer.Argument(..., help="A model saved with --save (.npz)."),
        data: Path = typer.Argument(..., help="Table with the columns the model was fitted on."),
        out: Path = typer.Option(
            None, "--out", "-o", help="Write the predictions as CSV here (input row order)."
        ),
        reading: _table.Reading = _table.Reading,
        max_load_mb: float = ui.max_load_option(),
        as_json: bool = ui.json_option(),
    ) -> None:
        """Apply a saved model (its preprocessing and estimator) to the rows of DATA.

        DATA needs the columns the model was fitted on, by name; the target column and any
        other column may be there and are ignored. Categories unseen in training are all-zero
        in the one-hot columns; missing cells are imputed as in training. The output keeps the
        input's row order, with the file line of each row, the prediction, and a ``proba_<class>``
        column per class when the model gives probabilities (component scores for PCA).

        Example: [bold]linml predict penguins_model.npz new_penguins.csv --out predictions.csv[/]
        """
        import pandas as pd

        from linml.io import atomic_write, load

        ui.check_output_path(out, "--out", (".csv",))
        model = load(model_path, max_load_mb=max_load_mb)
        df = _table.read(data, reading)
        X = _features(model, df)
        cols, kind = _outputs(model, X)
        label = df.index.name or "row"
        frame = pd.DataFrame(cols, index=df.index).reset_index(names=label)
        if out is not None:
            with atomic_write(out, "w") as handle:
                frame.to_csv(handle, index=False)
        if as_json:
            payload: dict[str, Any] = {
                "model": type(_split(model)[1]).__name__,
                "kind": kind,
                "n_rows": len(frame),
                "columns": list(frame.columns),
                label: frame[label].tolist(),
            }
            payload.update({c: frame[c].tolist() for c in cols})
            if out is not None:
                payload["out"] = str(out)
            ui.emit_json(payload)
            return
        table = Table(title=f"{escape(type(_split(model)[1]).__name__)} on {escape(data.name)}")
        for c in frame.columns:
            table.add_column(escape(str(c)), justify="right")
        for row in frame.head(ui.MAX_ROWS).itertuples(index=False):
            table.add_row(*(_cell(v) for v in row))
        ui.console.print(table)
        if len(frame) > ui.MAX_ROWS:
            ui.print_more(len(frame) - ui.MAX_ROWS, "all rows: --out FILE.csv / --json")
        if out is not None:
            ui.say(f"wrote {len(frame)} prediction(s) to {out}")

    @app.command("explain")
    @ui.friendly_errors
    def explain_cmd(
        model_path: Path = typer.Argument(..., help="A model saved with --save (.npz)."),
        max_load_mb: float = ui.max_load_option(),
        as_json: bool = ui.json_option(),
    ) -> None:
        """Print a saved model's explanation: its preprocessing and its linear algebra.

        Example: [bold]linml explain penguins_model.npz[/]
        """
        from linml.diagnose.explain import explain
        from linml.diagnose.render import explanation_renderable
        from linml.io import load

        model = load(model_path, max_load_mb=max_load_mb)
        prep, final = _split(model)
        steps = _preprocessing(prep)
        expl = explain(final)
        if as_json:
            ui.emit_json(
                {
                    "model": type(final).__name__,
                    "preprocessing": steps,
                    "explanation": expl.to_dict(),
                }
            )
            return
        if steps:
            table = Table(title="preprocessing", title_style="bold", header_style="bold")
            for col in ("step", "columns", "does"):
                table.add_column(col)
            for s in steps:
                shown = ", ".join(s["columns"][:8]) + (" …" if len(s["columns"]) > 8 else "")
                table.add_row(escape(s["name"]), escape(shown), escape(" → ".join(s["steps"])))
            ui.console.print(table)
        ui.console.print(explanation_renderable(expl))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return escape(str(value))


def _preprocessing(prep: Any) -> list[dict[str, Any]]:
    """One entry per ColumnTransformer branch: its name, input columns and steps."""
    if prep is None:
        return []
    from sklearn.pipeline import Pipeline

    out: list[dict[str, Any]] = []
    for _, step in prep.steps:
        for name, trans, columns in getattr(step, "transformers_", []):
            if isinstance(trans, str):
                if trans == "drop":
                    continue
                labels = [trans]
            elif isinstance(trans, Pipeline):
                labels = [_describe(s) for _, s in trans.steps]
            else:
                labels = [_describe(trans)]
            out.append({"name": name, "columns": [str(c) for c in columns], "steps": labels})
    return out


def _describe(step: Any) -> str:
    """A step in words: ``SimpleImputer(median)``, ``OneHotEncoder``…"""
    name = type(step).__name__
    detail = getattr(step, "strategy", None) or getattr(step, "to", None)
    return f"{name}({detail})" if isinstance(detail, str) else name
