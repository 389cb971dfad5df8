"""Column roles and the preprocessing pipeline: a raw DataFrame in, (pipeline, X, y, report) out.

Every column gets one role, decided once and reported:

=============  ===========================================================================
role           what happens to it
=============  ===========================================================================
target         predicted (rows where it is missing are dropped and counted; never imputed)
identifier     dropped: unique per row (IDs, row numbers), named ``*_id``/``id``, free text
numeric        parsed as numbers, median-imputed (+ a missing indicator), standardized
categorical    strings/bools (or ints on request), mode-imputed (+ indicator), one-hot encoded
date           expanded to year, month, day, weekday (:class:`DateParts`), then as numeric
dropped        asked for (``drop=``/``features=``), or empty
=============  ===========================================================================

The preprocessing is built from scikit-learn's ``ColumnTransformer``, ``SimpleImputer``,
``OneHotEncoder(handle_unknown="ignore")`` and ``StandardScaler`` (plus linml's
:class:`Coerce` and :class:`DateParts`), so a fitted model is one ``Pipeline`` that applies
exactly the same steps to new rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from linml.exceptions import LinmlInputError
from linml.tabular._read import row_label
from linml.tabular.coerce import Coerce, as_strings
from linml.tabular.date_parts import DateParts, parse_dates

__all__ = [
    "MISSING_CHOICES",
    "ColumnRole",
    "TablePrep",
    "check_class_target",
    "check_table",
    "looks_continuous",
    "numeric_view",
    "prepare",
    "require_columns",
]

MISSING_CHOICES = ("impute", "drop", "error")
MAX_CATEGORIES = 50
"""One-hot columns per categorical at most; rarer levels share one 'infrequent' column."""

_ID_NAME = re.compile(r"^((?i:id|.*[_\s.\-]id|index|unnamed:\s*\d+)|.*[a-z](Id|ID))$")
_DATE_TEXT = re.compile(
    r"^\s*(\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4})"
    r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)


@dataclass
class ColumnRole:
    """One column's role, as the report table shows it."""

    name: str
    dtype: str
    role: str
    missing: int
    action: str

    def to_dict(self) -> dict[str, Any]:
        """The row as a JSON-able dict."""
        return {
            "name": self.name,
            "dtype": self.dtype,
            "role": self.role,
            "missing": self.missing,
            "action": self.action,
        }


@dataclass
class TablePrep:
    """What :func:`prepare` decided: the raw feature frame, the target and the preprocessor.

    Attributes
    ----------
    X : pandas.DataFrame
        The feature columns the preprocessor uses, for the rows kept (file index kept).
    y : ndarray or None
        The target for those rows.
    preprocessor : sklearn.compose.ColumnTransformer
        Unfitted; :meth:`pipeline` wraps a clone of it and an estimator in a ``Pipeline``.
    roles : list of ColumnRole
        Every input column, in file order.
    n_rows : int
        Rows read.
    dropped_rows : dict
        ``{"missing target": [labels…], "missing features": [labels…]}``.
    imputed_cells : int
        Missing feature cells the imputers will fill (``missing="impute"``).
    notes : list of str
        One line per decision a user should know about.
    """

    X: pd.DataFrame
    y: np.ndarray | None
    preprocessor: ColumnTransformer
    roles: list[ColumnRole]
    n_rows: int
    dropped_rows: dict[str, list[Any]] = field(default_factory=dict)
    imputed_cells: int = 0
    notes: list[str] = field(default_factory=list)
    source: str | None = None

    def pipeline(self, estimator: Any) -> Pipeline:
        """``Pipeline([("prep", clone(preprocessor)), ("model", estimator)])``, unfitted."""
        return Pipeline([("prep", clone(self.preprocessor)), ("model", estimator)])

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-able dict (roles, counts, notes)."""
        return {
            "source": self.source,
            "n_rows": self.n_rows,
            "n_rows_used": int(self.X.shape[0]),
            "roles": [r.to_dict() for r in self.roles],
            "dropped_rows": {k: [_jsonable(v) for v in vs] for k, vs in self.dropped_rows.items()},
            "imputed_cells": self.imputed_cells,
            "notes": list(self.notes),
        }


def _jsonable(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _dtype(col: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(col):
        return "bool"
    if pd.api.types.is_integer_dtype(col):
        return "int"
    if pd.api.types.is_float_dtype(col):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(col):
        return "datetime"
    if isinstance(col.dtype, pd.CategoricalDtype):
        return "category"
    return "text"


def _numeric_share(col: pd.Series) -> tuple[float, pd.Series]:
    """Share of the non-missing entries of a text column that parse as numbers, and the parse."""
    present = col.dropna()
    if present.empty:
        return 0.0, col
    parsed = pd.to_numeric(present.astype(str).str.strip(), errors="coerce")
    return float(parsed.notna().mean()), parsed


def _looks_like_dates(col: pd.Series) -> bool:
    sample = col.dropna().astype(str).head(200)
    if sample.empty:
        return False
    matched = sample.map(lambda s: bool(_DATE_TEXT.match(s)))
    return bool(matched.mean() >= 0.9) and bool(parse_dates(sample[matched]).notna().mean() >= 0.9)


def _is_free_text(col: pd.Series) -> bool:
    text = col.dropna().astype(str)
    if text.empty:
        return False
    return bool(text.str.len().mean() >= 25 and text.str.contains(r"\s").mean() >= 0.5)


def _unique_per_row(col: pd.Series, n: int) -> bool:
    return n >= 10 and col.notna().all() and col.nunique() == n


def _is_row_number(col: pd.Series, n: int) -> bool:
    if not pd.api.types.is_integer_dtype(col) or not _unique_per_row(col, n):
        return False
    steps = np.diff(np.sort(col.to_numpy()))
    return bool(steps.size) and bool(np.all(steps == 1))


def prepare(
    df: pd.DataFrame,
    target: str | None = None,
    *,
    task: str | None = None,
    drop: Iterable[str] = (),
    features: Sequence[str] | None = None,
    categorical: Iterable[str] = (),
    missing: str = "impute",
    standardize: bool = True,
    drop_first: bool = False,
) -> TablePrep:
    """Decide each column's role and build the preprocessing for a raw table.

    Parameters
    ----------
    df : pandas.DataFrame
        The table, e.g. from :func:`read_table` (its index labels name rows in messages).
    target : str, optional
        The column to predict; left out of the features.
    task : {"regress", "classify"}, optional
        ``"regress"`` parses the target as numbers (naming a row that is not one);
        ``"classify"`` checks it is class-like (:func:`check_class_target`).
    drop : iterable of str
        Columns to leave out.
    features : sequence of str, optional
        Use only these columns as features (heuristics do not drop them).
    categorical : iterable of str
        Columns to one-hot encode whatever their dtype (e.g. integer codes).
    missing : {"impute", "drop", "error"}, default="impute"
        ``impute``: median (numeric) / most frequent (categorical) with a missing indicator
        where a column has any; ``drop``: rows with a missing feature are dropped;
        ``error``: a missing feature stops with its row and column named.
    standardize : bool, default=True
        Scale numeric (and date-part) columns to zero mean and unit variance:
        ``z = (x − mean) / std`` by the training rows.

    Returns
    -------
    TablePrep

    Raises
    ------
    LinmlInputError
        Unknown column names (the message lists the columns there are), no features left,
        a non-numeric regression target, a float classification target, or (``missing="error"``)
        a missing cell.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"patient_id": range(12), "age": [30.0, None] * 6,
    ...                    "sex": ["f", "m", "f"] * 4, "y": range(12)})
    >>> prep = prepare(df, "y")
    >>> [(r.name, r.role) for r in prep.roles]
    [('patient_id', 'identifier'), ('age', 'numeric'), ('sex', 'categorical'), ('y', 'target')]
    >>> from linml.linear_model import Ridge
    >>> model = prep.pipeline(Ridge()).fit(prep.X, prep.y)
    >>> list(model[:-1].get_feature_names_out())
    ['age', 'missingindicator_age', 'sex_f', 'sex_m']
    """
    if missing not in MISSING_CHOICES:
        raise LinmlInputError(f"missing={missing!r} must be one of {', '.join(MISSING_CHOICES)}.")
    if task not in (None, "regress", "classify"):
        raise LinmlInputError(f"task={task!r} must be 'regress', 'classify' or None.")
    df = df.set_axis([str(c) for c in df.columns], axis=1)
    columns = list(df.columns)
    drop = [str(c) for c in drop]
    categorical = [str(c) for c in categorical]
    wanted = None if features is None else [str(c) for c in features]
    for option, names in (("drop", drop), ("features", wanted or []), ("categorical", categorical)):
        require_columns(option, names, columns)
    if target is not None:
        require_columns("target", [target], columns)
        for option, names in (
            ("drop", drop),
            ("features", wanted or []),
            ("categorical", categorical),
        ):
            if target in names:
                raise LinmlInputError(f"the target {target!r} cannot also be listed in {option}.")
    n_rows = len(df)
    notes: list[str] = []
    dropped_rows: dict[str, list[Any]] = {}

    y = None
    if target is not None:
        t = df[target]
        keep = t.notna() & ~(t.astype(str).str.strip() == "")
        if not keep.all():
            labels = list(df.index[~keep])
            dropped_rows["missing target"] = labels
            notes.append(f"{len(labels)} row(s) without a target dropped ({_where(df, labels)}).")
            df = df.loc[keep]
        if df.empty:
            raise LinmlInputError(f"target column {target!r} holds no values.")
        y = _target_values(df, target, task)

    roles: list[ColumnRole] = []
    kinds: dict[str, list[str]] = {"numeric": [], "categorical": [], "date": []}
    n = len(df)
    for name in columns:
        col = df[name]
        miss = int(col.isna().sum())
        dtype = _dtype(col)
        if name == target:
            roles.append(ColumnRole(name, dtype, "target", miss, "predicted"))
            continue
        role, action = _decide(name, col, n, drop, wanted, categorical)
        if role in kinds:
            kinds[role].append(name)
        roles.append(ColumnRole(name, dtype, role, miss, action))
    used = kinds["numeric"] + kinds["date"] + kinds["categorical"]
    if not used:
        raise LinmlInputError(
            "no feature columns left: "
            + "; ".join(f"{r.name!r} {r.action}" for r in roles if r.role != "target")[:400]
        )
    X = df[[c for c in columns if c in set(used)]]

    cells = _missing_cells(X, kinds)
    imputed = 0
    if cells.any(axis=None):
        bad_rows = cells.any(axis=1)
        if missing == "error":
            raise LinmlInputError(_missing_message(df, cells))
        if missing == "drop":
            labels = list(X.index[bad_rows])
            dropped_rows["missing features"] = labels
            notes.append(
                f"{len(labels)} row(s) with a missing feature dropped ({_where(df, labels)})."
            )
            X = X.loc[~bad_rows]
            y = None if y is None else y[~bad_rows.to_numpy()]
            if X.empty:
                raise LinmlInputError("every row has a missing feature; use missing='impute'.")
        else:
            imputed = int(cells.to_numpy().sum())
            notes.append(
                f"{imputed} missing cell(s) imputed in {int(cells.any(axis=0).sum())} column(s)."
            )
    for role in roles:
        if role.role in kinds:
            role.missing = int(cells[role.name].sum()) if role.name in cells else role.missing
            parts = [] if role.action == "numbers" else [role.action]
            if missing == "impute" and role.missing:
                how = "median" if role.role != "categorical" else "most-frequent"
                parts.append(f"{how}-imputed + indicator")
            if role.role != "categorical":
                parts.append("standardized" if standardize else "as is")
            elif drop_first:
                parts.append("first level dropped")
            role.action = "; ".join(parts)
    pre = _build(kinds, missing, standardize, drop_first, X, dict(cells.any(axis=0)))
    return TablePrep(
        X=X,
        y=y,
        preprocessor=pre,
        roles=roles,
        n_rows=n_rows,
        dropped_rows=dropped_rows,
        imputed_cells=imputed,
        notes=notes,
        source=df.attrs.get("source"),
    )


def require_columns(option: str, names: list[str], columns: list[str]) -> None:
    """Stop with the columns there are when ``names`` (what ``option`` asked for) are not all there.

    >>> require_columns("drop", ["b"], ["a", "c"])
    Traceback (most recent call last):
    ...
    linml.exceptions.LinmlInputError: drop column(s) 'b' not found; the columns are: a, c.
    """
    unknown = [c for c in names if c not in columns]
    if unknown:
        shown = ", ".join(columns[:20]) + (" …" if len(columns) > 20 else "")
        what = "target column" if option == "target" else f"{option} column(s)"
        raise LinmlInputError(
            f"{what} {', '.join(map(repr, unknown))} not found; the columns are: {shown}."
        )


def _where(df: pd.DataFrame, labels: list[Any], limit: int = 5) -> str:
    shown = ", ".join(row_label(df, v) for v in labels[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def _target_values(df: pd.DataFrame, target: str, task: str | None) -> np.ndarray:
    t = df[target]
    if task == "regress":
        if pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t):
            return t.to_numpy(dtype=np.float64)
        parsed = pd.to_numeric(t.astype(str).str.strip(), errors="coerce")
        bad = parsed.isna()
        if bad.any():
            first = df.index[bad.to_numpy()][0]
            raise LinmlInputError(
                f"target column {target!r} is not numeric ({row_label(df, first)} holds "
                f"{str(t.loc[first])!r}); regress predicts numbers — for classes use classify."
            )
        return parsed.to_numpy(dtype=np.float64)
    if task == "classify":
        check_class_target(t, target)
        if pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t):
            values = t.to_numpy()
            if pd.api.types.is_float_dtype(t) and np.all(np.mod(values, 1) == 0):
                return values.astype(np.int64)
            return values
        return as_strings(t).to_numpy(dtype=object).astype(str)
    return t.to_numpy()


def check_class_target(t: pd.Series, name: str = "target") -> None:
    """Refuse a classification target that looks continuous (:func:`looks_continuous`).

    >>> check_class_target(pd.Series([0, 1, 1, 2]))
    >>> check_class_target(pd.Series(np.linspace(0, 1, 30)), "price")
    Traceback (most recent call last):
    ...
    linml.exceptions.LinmlInputError: target column 'price' looks continuous (30 distinct values in 30 rows), not a class label; use regress, or bin it into classes first.
    """
    if looks_continuous(t):
        distinct = t.dropna().nunique()
        raise LinmlInputError(
            f"target column {name!r} looks continuous ({distinct} distinct values in "
            f"{len(t)} rows), not a class label; use regress, or bin it into classes first."
        )


#: a numeric target with more distinct non-integer values than this is a measurement
_MAX_FLOAT_CLASSES = 10
#: … and so is one with more distinct values than this that are over half the rows
_MAX_CLASSES = 50


def looks_continuous(y: Any) -> bool:
    """Whether a target column holds measurements (for ``linml regress``), not class labels.

    The rule: ``y`` is numeric and either

    * has non-integer values and more than 10 distinct values (``2.5, 3.1, …``), or
    * has more than 50 distinct values and they are more than half the rows (an integer
      count or an amount in cents, where nearly every row is its own "class").

    Missing values are ignored. Integer labels such as ``0..9`` and strings are classes.

    >>> import numpy as np
    >>> looks_continuous(np.linspace(0, 1, 40)), looks_continuous(np.arange(40) % 3)
    (True, False)
    """
    values = pd.Series(y)
    if values.dtype == bool or not pd.api.types.is_numeric_dtype(values):
        return False
    values = values.dropna().to_numpy(dtype=np.float64)
    distinct = np.unique(values).size
    non_integer = bool(np.any(values != np.round(values)))
    if non_integer and distinct > _MAX_FLOAT_CLASSES:
        return True
    return distinct > _MAX_CLASSES and distinct > values.size / 2


def _decide(
    name: str,
    col: pd.Series,
    n: int,
    drop: list[str],
    wanted: list[str] | None,
    categorical: list[str],
) -> tuple[str, str]:
    if name in drop:
        return "dropped", "dropped (asked)"
    if wanted is not None and name not in wanted:
        return "dropped", "dropped (not in features)"
    if col.isna().all():
        return "dropped", "dropped (empty)"
    if name in categorical:
        return "categorical", _one_hot_action(col)
    asked = wanted is not None
    if pd.api.types.is_datetime64_any_dtype(col):
        return "date", "year, month, day, weekday"
    if pd.api.types.is_bool_dtype(col) or isinstance(col.dtype, pd.CategoricalDtype):
        return "categorical", _one_hot_action(col)
    if not asked and _ID_NAME.match(name):
        return "identifier", "dropped (named like an identifier)"
    if pd.api.types.is_numeric_dtype(col):
        if not asked and _is_row_number(col, n):
            return "identifier", "dropped (a row number: consecutive integers)"
        return "numeric", "numbers"
    share, parsed = _numeric_share(col)
    if share >= 0.95:
        bad = col.dropna()[parsed.isna().to_numpy()]
        examples = ", ".join(sorted({repr(str(v)) for v in bad})[:3])
        extra = f"; {bad.size} non-number(s) ({examples}) read as missing" if bad.size else ""
        return "numeric", f"parsed as numbers{extra}"
    if _looks_like_dates(col):
        return "date", "year, month, day, weekday"
    if not asked:
        if _unique_per_row(col, n):
            return "identifier", "dropped (unique per row)"
        if _is_free_text(col) and col.nunique() > 0.5 * col.notna().sum():
            return "identifier", "dropped (free text)"
        levels = col.nunique()
        if levels > MAX_CATEGORIES and levels > 0.5 * col.notna().sum():
            return "identifier", f"dropped ({levels} distinct values: an identifier or free text)"
    return "categorical", _one_hot_action(col)


def _one_hot_action(col: pd.Series) -> str:
    levels = int(col.nunique())
    if levels > MAX_CATEGORIES:
        return f"one-hot ({MAX_CATEGORIES - 1} most frequent of {levels} levels + 'infrequent')"
    return f"one-hot ({levels} level{'s' if levels != 1 else ''})"


def _missing_cells(X: pd.DataFrame, kinds: dict[str, list[str]]) -> pd.DataFrame:
    """Which feature cells are missing once numbers and dates are parsed."""
    out = {}
    for c in X.columns:
        col = X[c]
        if c in kinds["numeric"]:
            out[c] = Coerce().fit_transform(col.to_frame())[c].isna()
        elif c in kinds["date"]:
            out[c] = parse_dates(col).isna()
        else:
            out[c] = col.isna() | (col.astype(str).str.strip() == "")
    return pd.DataFrame(out, index=X.index)


def _missing_message(df: pd.DataFrame, cells: pd.DataFrame) -> str:
    rows, cols = np.nonzero(cells.to_numpy())
    first = [
        f"{row_label(df, cells.index[r])}, column {cells.columns[c]!r}"
        for r, c in zip(rows[:3], cols[:3], strict=True)
    ]
    return (
        f"{rows.size} missing feature cell(s): {'; '.join(first)}"
        f"{' …' if rows.size > 3 else ''}. Use missing='impute' (fill them) or 'drop' (drop those rows)."
    )


def _build(
    kinds: dict[str, list[str]],
    missing: str,
    standardize: bool,
    drop_first: bool,
    X: pd.DataFrame,
    missing_cols: dict[str, bool],
) -> ColumnTransformer:
    impute = missing == "impute"
    scale = [("scale", StandardScaler())] if standardize else []
    steps: list[tuple[str, Any, list[str]]] = []
    if kinds["numeric"]:
        num = [("coerce", Coerce("number"))]
        if impute:
            num.append(("impute", SimpleImputer(strategy="median", add_indicator=True)))
        steps.append(("num", Pipeline(num + scale), kinds["numeric"]))
    if kinds["date"]:
        dates = [("parts", DateParts())]
        if impute:
            dates.append(("impute", SimpleImputer(strategy="median", add_indicator=True)))
        steps.append(("date", Pipeline(dates + scale), kinds["date"]))
    if kinds["categorical"]:
        cat: list[tuple[str, Any]] = [("coerce", Coerce("string"))]
        if impute:
            cat.append(("impute", SimpleImputer(strategy="most_frequent")))
        big = any(X[c].nunique() > MAX_CATEGORIES for c in kinds["categorical"])
        encoder = OneHotEncoder(
            handle_unknown="ignore",
            sparse_output=False,
            drop="first" if drop_first else None,
            max_categories=MAX_CATEGORIES if big else None,
        )
        steps.append(("cat", Pipeline([*cat, ("onehot", encoder)]), kinds["categorical"]))
        flagged = [c for c in kinds["categorical"] if missing_cols.get(c)]
        if impute and flagged:
            flags = Pipeline([("coerce", Coerce("string")), ("flag", MissingIndicator())])
            steps.append(("cat_missing", flags, flagged))
    verbose = _names_collide(kinds, X)
    ct = ColumnTransformer(steps, remainder="drop", verbose_feature_names_out=verbose)
    return ct.set_output(transform="pandas")


def _names_collide(kinds: dict[str, list[str]], X: pd.DataFrame) -> bool:
    """Would short output names (``age``, ``sex_f``, ``d_year``) collide? Then prefix them."""
    names: list[str] = []
    for c in kinds["numeric"]:
        names += [c, f"missingindicator_{c}"]
    for c in kinds["date"]:
        names += [f"{c}_{p}" for p in ("year", "month", "day", "weekday", "hour", "minute")]
    for c in kinds["categorical"]:
        names.append(f"missingindicator_{c}")
        names += [f"{c}_{v}" for v in as_strings(X[c]).dropna().unique()] + [
            f"{c}_infrequent_sklearn"
        ]
    return len(names) != len(set(names))


def check_table(model: Any, df: pd.DataFrame) -> pd.DataFrame:
    """The columns a fitted pipeline needs, from a new table; a clear error when some are absent.

    Parameters
    ----------
    model : sklearn.pipeline.Pipeline
        Fitted ``prep`` + model pipeline (or a fitted ``ColumnTransformer``).
    df : pandas.DataFrame
        New rows with (at least) the columns the model was fitted on; others are ignored.

    Returns
    -------
    pandas.DataFrame
        ``df`` restricted to the fitted columns, in the fitted order.

    Raises
    ------
    LinmlInputError
        A fitted column is absent (named), or a missing cell where the model has no imputer.
    """
    first = model[0] if isinstance(model, Pipeline) else model
    names = [str(c) for c in getattr(first, "feature_names_in_", [])]
    if not names:
        raise LinmlInputError("the model was not fitted on a table with named columns.")
    df = df.set_axis([str(c) for c in df.columns], axis=1)
    absent = [c for c in names if c not in df.columns]
    if absent:
        raise LinmlInputError(
            f"column(s) {', '.join(map(repr, absent[:10]))}{' …' if len(absent) > 10 else ''} "
            "used by the model are missing from the new table."
        )
    X = df[names]
    if not _has_imputer(first):
        kinds = _kinds_of(first)
        cells = _missing_cells(X, kinds)
        if cells.any(axis=None):
            raise LinmlInputError(
                _missing_message(df, cells).split(". Use")[0]
                + ". The model was fitted without imputation (missing='drop' or 'error'); fill them."
            )
    return X


def _has_imputer(ct: Any) -> bool:
    for _, trans, _cols in getattr(ct, "transformers_", []):
        steps = trans.steps if isinstance(trans, Pipeline) else [("", trans)]
        if any(isinstance(s, SimpleImputer) for _, s in steps):
            return True
    return False


def _kinds_of(ct: Any) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {"numeric": [], "categorical": [], "date": []}
    for name, _trans, cols in getattr(ct, "transformers_", []):
        key = {"num": "numeric", "cat": "categorical", "date": "date"}.get(name)
        if key:
            kinds[key] = [str(c) for c in cols]
    return kinds


def numeric_view(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """A DataFrame of numbers for diagnosis: missing values kept as ``NaN``, nothing imputed.

    Numeric columns pass unchanged; bools become 0/1; date columns become
    :class:`DateParts`; text and category columns are one-hot encoded by scikit-learn's
    ``OneHotEncoder`` (a missing entry is all zeros in that column's indicators, and a
    ``NaN`` row is not invented); text columns that are identifiers or free text (see
    :func:`prepare`) are left out. Also returns one note per decision.

    >>> v, notes = numeric_view(pd.DataFrame({"a": [1.0, None], "c": ["x", "y"]}))
    >>> list(v.columns), notes
    (['a', 'c_x', 'c_y'], ["one-hot encoded 'c' (2 levels)."])
    """
    out: dict[str, Any] = {}
    notes: list[str] = []
    n = len(df)
    for name in df.columns:
        col = df[name]
        key = str(name)
        if pd.api.types.is_bool_dtype(col):
            out[key] = col.astype(np.float64)
            continue
        if pd.api.types.is_numeric_dtype(col):
            out[key] = col
            continue
        role, action = _decide(key, col, n, [], None, [])
        if role == "numeric":
            out[key] = Coerce().fit_transform(col.to_frame())[key]
            if "non-number" in action:
                notes.append(f"{key!r}: {action}.")
        elif role == "date":
            parts = DateParts().fit_transform(col.to_frame())
            out.update({str(c): parts[c] for c in parts.columns})
            notes.append(f"date column {key!r} expanded to {', '.join(map(str, parts.columns))}.")
        elif role == "categorical":
            strings = as_strings(col).rename(key).to_frame()
            present = strings[key].notna().to_numpy()
            enc = OneHotEncoder(sparse_output=False, handle_unknown="ignore")
            enc.fit(strings.loc[present])
            codes = enc.transform(strings.fillna("__missing__"))
            for j, level in enumerate(enc.categories_[0]):
                out[f"{key}_{level}"] = codes[:, j]
            notes.append(f"one-hot encoded {key!r} ({len(enc.categories_[0])} levels).")
        else:
            notes.append(f"left out {key!r}: {action.removeprefix('dropped (').rstrip(')')}.")
    return pd.DataFrame(out, index=df.index), notes
