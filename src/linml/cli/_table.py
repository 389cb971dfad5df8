"""The table options every command shares, and the role table they print.

Commands declare the options with these ``typer.Option`` objects (so the flags read the same
everywhere), most of them as the option groups :class:`Reading` and :class:`Columns`, and hand
them to :func:`read` / :func:`prepared`, which call :mod:`linml.tabular`.
"""

from __future__ import annotations

import glob as globbing
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from linml.cli._common import MAX_ROWS, OptionGroup

if TYPE_CHECKING:
    import numpy as np
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

BLOCK_ROWS = typer.Option(
    65536,
    "--block-rows",
    min=1,
    help="Rows per block when FILE is a directory or glob of Parquet files (streamed: memory "
    "stays bounded by one block).",
)


@dataclass(frozen=True)
class Reading(OptionGroup):
    """How FILE is read: ``--sep``, ``--header/--no-header``, ``--decimal``."""

    sep: str = SEP
    header: bool = HEADER
    decimal: str = DECIMAL


@dataclass(frozen=True)
class Columns(OptionGroup):
    """Which columns are features and what a missing cell does: ``--drop``, ``--features``,
    ``--categorical``, ``--missing``."""

    drop: list[str] = DROP
    features: list[str] = FEATURES
    categorical: list[str] = CATEGORICAL
    missing: str = MISSING


def names(values: list[str] | None) -> list[str]:
    """Column names from a repeatable option whose values may also be comma-separated."""
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip() for part in str(value).split(",") if part.strip())
    return out


def read(file: Path, reading: Reading) -> pd.DataFrame:
    """:func:`linml.tabular.read_table` with the shared options (``\\t`` accepted for a tab)."""
    from linml.tabular import read_table

    sep = reading.sep
    if sep is not None:
        sep = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(sep, sep)
    return read_table(file, sep=sep, header=reading.header, decimal=reading.decimal)


def prepared(
    df: pd.DataFrame,
    target: str | None,
    *,
    task: str | None,
    columns: Columns,
    standardize: bool = True,
    drop_first: bool = False,
) -> TablePrep:
    """:func:`linml.tabular.prepare` with the shared options, flags named in its errors."""
    from linml.exceptions import LinmlInputError
    from linml.tabular import MISSING_CHOICES, prepare

    missing = columns.missing
    if missing not in MISSING_CHOICES:
        raise LinmlInputError(
            f"--missing {missing!r} must be one of: {', '.join(MISSING_CHOICES)}."
        )
    wanted = names(columns.features) or None
    try:
        return prepare(
            df,
            target,
            task=task,
            drop=names(columns.drop),
            features=wanted,
            categorical=names(columns.categorical),
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


# ---------------------------------------------------------------------------- streamed Parquet
_PARQUET_SUFFIXES = (".parquet", ".pq")


def is_streamed(file: Path) -> bool:
    """FILE names a directory or a glob (``data/*.parquet``): read it block by block."""
    return file.is_dir() or (not file.exists() and any(c in str(file) for c in "*?["))


def in_memory_refusal(
    columns: Columns, *, standardize: bool, out: Path | None, save: Path | None
) -> str | None:
    """Why the options used cannot go with a streamed FILE (they need the whole table in
    memory), or None when none of them is used."""
    options = {
        "--standardize": standardize,
        "--categorical": names(columns.categorical),
        "--out": out,
        "--save": save,
        "--missing drop": columns.missing == "drop",
    }
    used = [flag for flag, value in options.items() if value]
    if used:
        return (
            f"{', '.join(used)} need(s) the whole table in memory and cannot be used with a "
            "streamed Parquet directory or glob; leave them out (or read one file)."
        )
    return None


@dataclass
class ParquetStream:
    """Numeric columns of one or more Parquet files with one schema, read in row blocks.

    Memory is bounded by one block (``block_rows × columns`` float64): the files are read with
    ``pyarrow.parquet.ParquetFile.iter_batches``, never whole.
    """

    files: list[Path]
    features: list[str]
    target: str | None
    n_rows: int
    block_rows: int

    def blocks(self) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        """``(X_b, y_b)`` per block, float64 (``y_b`` is None without a target)."""
        import numpy as np
        import pyarrow.parquet as pq

        from linml.exceptions import LinmlInputError

        columns = self.features + ([self.target] if self.target is not None else [])
        for path in self.files:
            start = 0
            for batch in pq.ParquetFile(path).iter_batches(
                batch_size=self.block_rows, columns=columns
            ):
                A = np.empty((batch.num_rows, len(columns)))  # (block, features [+ target])
                for j, name in enumerate(columns):
                    col = batch.column(j)
                    if col.null_count:
                        row = start + int(np.flatnonzero(col.is_null().to_numpy(False))[0])
                        raise LinmlInputError(
                            f"column {name!r} has a missing cell in {path.name} (row {row + 1}); "
                            f"streamed input cannot impute: fill it, or --drop {name}."
                        )
                    A[:, j] = col.to_numpy(zero_copy_only=False)
                bad = ~np.isfinite(A)
                if bad.any():
                    i, j = (int(v[0]) for v in np.nonzero(bad))
                    raise LinmlInputError(
                        f"column {columns[j]!r} has NaN or infinity in {path.name} "
                        f"(row {start + i + 1}); fix the file, or --drop {columns[j]}."
                    )
                start += batch.num_rows
                if self.target is None:
                    yield A, None
                else:
                    yield A[:, :-1], A[:, -1]


def parquet_files(file: Path) -> list[Path]:
    """The Parquet files a directory holds (``*.parquet``, ``*.pq``) or a glob matches, sorted."""
    from linml.exceptions import LinmlInputError

    if file.is_dir():
        found = sorted(p for p in file.iterdir() if p.suffix.lower() in _PARQUET_SUFFIXES)
        if not found:
            raise LinmlInputError(
                f"directory {str(file)!r} holds no Parquet files (*.parquet, *.pq) to stream."
            )
        return found
    found = sorted(Path(p) for p in globbing.glob(str(file)) if Path(p).is_file())
    if not found:
        raise LinmlInputError(
            f"the pattern {str(file)!r} matches no file; check the path (quote the glob so the "
            "shell does not expand it)."
        )
    other = [p for p in found if p.suffix.lower() not in _PARQUET_SUFFIXES]
    if other:
        raise LinmlInputError(
            f"{other[0].name} matched {str(file)!r} but is not a Parquet file; only Parquet "
            "files (*.parquet, *.pq) can be streamed — narrow the pattern."
        )
    return found


def _numeric(field_type: Any) -> bool:
    import pyarrow as pa

    return pa.types.is_integer(field_type) or pa.types.is_floating(field_type)


def _kind(field_type: Any) -> str:
    """A Parquet column type in words: ``text``, ``bool``, else pyarrow's name."""
    import pyarrow as pa

    if pa.types.is_string(field_type) or pa.types.is_large_string(field_type):
        return "text"
    return "bool" if pa.types.is_boolean(field_type) else str(field_type)


def parquet_stream(
    file: Path,
    target: str | None,
    *,
    drop: list[str] | None,
    features: list[str] | None,
    block_rows: int,
) -> ParquetStream:
    """Check the files' schemas (same column names in every file, numeric columns) up front,
    reading only their footers, and return the block reader."""
    import pyarrow.parquet as pq

    from linml.exceptions import LinmlInputError
    from linml.tabular import require_columns

    files = parquet_files(file)
    schemas = []
    for path in files:
        try:
            schemas.append(pq.read_schema(path))
        except Exception as e:  # pyarrow raises its own types for a damaged or foreign file
            raise LinmlInputError(f"cannot read {path.name} as Parquet: {e}") from e
    # pandas may store its index as a column; it is no feature
    first = [c for c in schemas[0].names if not c.startswith("__index_level_")]
    for path, schema in zip(files[1:], schemas[1:], strict=True):
        here = [c for c in schema.names if not c.startswith("__index_level_")]
        if set(here) != set(first):
            missing = [c for c in first if c not in here]
            extra = [c for c in here if c not in first]
            parts = [f"lacks {', '.join(map(repr, missing))}"] if missing else []
            parts += [f"has the extra {', '.join(map(repr, extra))}"] if extra else []
            raise LinmlInputError(
                f"mixed schemas: {path.name} {' and '.join(parts)} compared with "
                f"{files[0].name}; every streamed file must have the same columns."
            )
    try:
        if target is not None:
            require_columns("target", [target], first)
        require_columns("drop", names(drop), first)
        wanted = names(features)
        if wanted:
            require_columns("features", wanted, first)
    except LinmlInputError as e:
        raise _in_flags(e) from None
    dropped = set(names(drop)) | {target}
    cols = [c for c in (wanted or first) if c not in dropped]
    for path, schema in zip(files, schemas, strict=True):
        for name in cols + ([target] if target is not None else []):
            kind = schema.field(name).type
            if not _numeric(kind):
                raise LinmlInputError(
                    f"column {name!r} ({_kind(kind)}) in {path.name} is not numeric; streamed input "
                    f"takes numeric columns only: --drop {name} (or encode it before writing)."
                )
    if not cols:
        raise LinmlInputError("no feature columns left to stream; check --drop / --features.")
    n_rows = sum(pq.ParquetFile(path).metadata.num_rows for path in files)
    return ParquetStream(files, cols, target, int(n_rows), int(block_rows))
