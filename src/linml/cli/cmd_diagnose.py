"""``linml diagnose``: what a linear model fitted on this table will suffer from, and the fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from linml.cli import _common as ui
from linml.cli import _table

if TYPE_CHECKING:
    import pandas as pd


def _drop_non_numeric(df: pd.DataFrame, target: str | None) -> tuple[pd.DataFrame, list[str]]:
    """``df`` without its non-numeric feature columns (the target is kept), and their names."""
    import pandas as pd

    dropped = [
        str(c) for c in df.columns if str(c) != target and not pd.api.types.is_numeric_dtype(df[c])
    ]
    return df.drop(columns=[c for c in df.columns if str(c) in dropped]), dropped


def _quoted(names: list[str], limit: int = 10) -> str:
    return ", ".join(map(repr, names[:limit])) + (" …" if len(names) > limit else "")


def _hints(path: Path, target: str | None) -> ui.Hints:
    """The report's ridge suggestion ``(Ridge(alpha=λ))`` said as the command that fits it."""
    command = f"linml regress {path} --target {target or 'Y'} --model ridge --alpha"
    return ui.Hints(
        phrases=((r"\(Ridge\(alpha=([^)]+)\)\)", lambda m: f"({command} {m[1]} --standardize)"),)
    )


def register(app: typer.Typer) -> None:
    @app.command()
    @ui.friendly_errors
    @ui.grouped
    def diagnose(
        path: Path = typer.Argument(..., help="Table to diagnose: .csv, .tsv, .parquet or .npz."),
        target: str | None = typer.Option(
            None, "--target", "-t", help="Target column y (left out of X, checked on its own)."
        ),
        report_out: Path | None = typer.Option(
            None, "--report", help="Also write the full report as JSON to this file."
        ),
        as_json: bool = ui.json_option(),
        condition_target: float = typer.Option(
            1e3,
            "--condition-target",
            help="Acceptable condition number of the standardized X (> 1).",
        ),
        near_duplicate_tol: float = typer.Option(
            1e-3, "--near-duplicate-tol", help="Columns with |corr| > 1 - tol are near-duplicates."
        ),
        vif_threshold: float = typer.Option(
            10.0,
            "--vif-threshold",
            help="Report columns whose variance inflation factor 1/(1 - R²) is at least this.",
        ),
        index_threshold: float = typer.Option(
            30.0,
            "--index-threshold",
            help="Belsley-Kuh-Welsch: a condition index at least this with two or more "
            "variance proportions >= --proportion-threshold is a harmful dependency.",
        ),
        proportion_threshold: float = typer.Option(
            0.5,
            "--proportion-threshold",
            help="Belsley-Kuh-Welsch variance-decomposition proportion marking a column involved.",
        ),
        drop_non_numeric: bool = typer.Option(
            False,
            "--drop-non-numeric",
            help="Leave out text/category/date columns instead of encoding them (one-hot, date parts).",
        ),
        drop: list[str] = _table.DROP,
        reading: _table.Reading = _table.Reading,
    ) -> None:
        """Rank, conditioning, collinear columns, duplicates, NaN/inf of a table — and the fix.

        Collinearity is found the way statisticians find it too: variance inflation factors
        (VIF >= 10) and Belsley-Kuh-Welsch condition indices (>= 30 with two or more
        variance proportions >= 0.5), each named in the table's columns. Text and category
        columns are one-hot encoded, dates expanded to year/month/day/weekday, text identifiers
        left out (each said in a note); NaN cells are named by the file line.

        Example: [bold]linml diagnose data.csv --target price --report report.json[/]
        """
        ui.check_output_path(report_out, "--report")

        from linml.diagnose import data
        from linml.io import atomic_write

        df = _table.read(path, reading)
        df = df.set_axis([str(c) for c in df.columns], axis=1)
        _table.require(df, target, drop)
        df = df.drop(columns=_table.names(drop))
        dropped: list[str] = []
        if drop_non_numeric:
            df, dropped = _drop_non_numeric(df, target)
        y = df[target] if target is not None else None
        X = df.drop(columns=[target]) if target is not None else df
        if X.shape[1] == 0:
            ui.fail("no feature columns left to diagnose.")
        report = data(
            X,
            y,
            condition_target=condition_target,
            near_duplicate_tol=near_duplicate_tol,
            vif_threshold=vif_threshold,
            condition_index_threshold=index_threshold,
            proportion_threshold=proportion_threshold,
        )
        if dropped:
            report.notes.insert(0, f"non-numeric column(s) left out: {_quoted(dropped)}.")
        hints = _hints(path, target)
        for suggestion in report.suggestions:
            suggestion.message = ui.reword(suggestion.message, hints)
        payload = dict(report.to_dict(), source=str(path), target_column=target)
        payload["dropped_non_numeric"] = dropped
        if report_out is not None:
            text = json.dumps(ui.jsonable(payload), indent=2, allow_nan=False)
            with atomic_write(report_out, "w") as handle:
                handle.write(text + "\n")
            ui.say(f"wrote {report_out}", as_json=as_json)
        if as_json:
            ui.emit_json(dict(payload, command="diagnose"))
        else:
            ui.console.print(report)
