"""The table options every command shares, and the role table they print.

Commands declare the options with these ``typer.Option`` objects (so the flags read the same
everywhere) and hand them to :func:`read` / :func:`prepared`, which call
:mod:`linml.tabular`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from linml.cli._common import MAX_ROWS

if TYPE_CHECKING:
    import pandas as pd

    from linml.tabular import TablePrep

SEP = typer.Option(
    None, "--sep", help="Field delimiter, e.g. ';' or tab (default: sniffed from the file)."
)
HEADER = typer.Option(
    None,
    "--header/--no-header",
    help="Whether line 1 names the columns (default: sniffed; --no-header names them x0, x1, …).",
    show_default=False,
)
DECIMAL = typer.Option(None, "--decimal", help="Decimal mark: '.' or ',' (default: sniffed).")
DROP = typer.Option(
    None, "--drop", help="Columns to leave out (repeat the flag or separate with commas)."
)
FEATURES = typer.Option(
    None, "--features", help="Use only these columns as features (repeat or comma-separate)."
)
CATEGORICAL = typer.Option(
    None,
    "--categorical",
    help="One-hot encode these columns whatever their type, e.g. integer codes (repeat or comma-separate).",
)
MISSING = typer.Option(
    "impute",
    "--missing",
    help="Missing feature cells: impute (median / most frequent + a missing indicator), "
    "drop (the rows) or error.",
)
SAVE = typer.Option(
    None,
    "--save",
    help="Save the fitted preprocessing + model to this .npz; apply it with `linml predict`.",
)


def names(values: list[str] | None) -> list[str]:
    """Column names from a repeatable option whose values may also be comma-separated."""
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip() for part in str(value).split(",") if part.strip())
    return out


def read(file: Path, sep: str | None, header: bool | None, decimal: str | None) -> pd.DataFrame:
    """:func:`linml.tabular.read_table` with the shared options (``\\t`` accepted for a tab)."""
    from linml.tabular import read_table

    if sep is not None:
        sep = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(sep, sep)
    return read_table(file, sep=sep, header=header, decimal=decimal)


def prepared(
    df: pd.DataFrame,
    target: str | None,
    *,
    task: str | None,
    drop: list[str] | None,
    features: list[str] | None,
    categorical: list[str] | None,
    missing: str,
    standardize: bool = True,
    drop_first: bool = False,
) -> TablePrep:
    """:func:`linml.tabular.prepare` with the shared options, flags named in its errors."""
    from linml.exceptions import LinmlInputError
    from linml.tabular import MISSING_CHOICES, prepare

    if missing not in MISSING_CHOICES:
        raise LinmlInputError(
            f"--missing {missing!r} must be one of: {', '.join(MISSING_CHOICES)}."
        )
    wanted = names(features) or None
    try:
        return prepare(
            df,
            target,
            task=task,
            drop=names(drop),
            features=wanted,
            categorical=names(categorical),
            missing=missing,
            standardize=standardize,
            drop_first=drop_first,
        )
    except LinmlInputError as e:
        raise _in_flags(e) from None


def _in_flags(e: Exception) -> Exception:
    """The library names its parameters (``drop column(s)``, ``missing='drop'``); say the flags."""
    from linml.exceptions import LinmlInputError

    message = re.sub(r"^(drop|features|categorical) column", r"--\1 column", str(e))
    return LinmlInputError(re.sub(r"missing='(\w+)'", r"--missing \1", message))


def require(df: pd.DataFrame, target: str | None, drop: list[str] | None) -> None:
    """Stop, naming the columns there are, when ``--target`` or a ``--drop`` column is absent."""
    from linml.exceptions import LinmlInputError
    from linml.tabular import require_columns

    columns = [str(c) for c in df.columns]
    try:
        if target is not None:
            require_columns("target", [target], columns)
        require_columns("drop", names(drop), columns)
    except LinmlInputError as e:
        raise _in_flags(e) from None


def save(pipeline: Any, path: Path | None, *, as_json: bool) -> None:
    """``--save``: the fitted preprocessing + model to ``path`` (nothing when it is None)."""
    if path is None:
        return
    from linml.cli._common import say
    from linml.io import save as save_model

    save_model(pipeline, path)
    say(f"wrote {path} (preprocessing + {type(pipeline[-1]).__name__})", as_json=as_json)


def roles_table(prep: TablePrep) -> Table:
    """The column roles as a Rich table: column, dtype, role, missing, action."""
    source = Path(prep.source).name if prep.source else "table"
    used = prep.X.shape[0]
    table = Table(
        title=f"columns of {escape(source)} ({used} of {prep.n_rows} rows used)",
        title_style="bold",
        header_style="bold",
    )
    for col in ("column", "dtype", "role", "missing", "action"):
        table.add_column(col, justify="right" if col == "missing" else "left")
    styles = {"identifier": "dim", "dropped": "dim", "target": "bold"}
    rows = prep.roles
    if len(rows) > MAX_ROWS:  # wide table: the columns that got a decision, then a count
        notable = [r for r in rows if not _plain(r)]
        rows = notable[:MAX_ROWS]
    for r in rows:
        table.add_row(
            escape(r.name),
            r.dtype,
            r.role,
            str(r.missing) if r.missing else "",
            escape(r.action),
            style=styles.get(r.role),
        )
    return table


def _plain(r: Any) -> bool:
    """A numeric column nothing happened to beyond scaling: left out of a wide role table."""
    return r.role == "numeric" and not r.missing and r.action in ("standardized", "as is")


def print_roles(prep: TablePrep, console: Any) -> None:
    """The role table and one line per note (rows dropped, cells imputed)."""
    console.print(roles_table(prep))
    if len(prep.roles) > MAX_ROWS:
        shown = roles_table(prep).row_count
        plain = sum(_plain(r) for r in prep.roles)
        hidden = len(prep.roles) - shown
        if hidden:
            console.print(
                f"… and {hidden} more column(s) ({plain} plain numeric in all; all roles: --json)",
                highlight=False,
            )
    for note in prep.notes:
        console.print(f"note: {escape(note)}", highlight=False)
