"""The front door for real tables: read what people have, decide column roles, build the pipeline.

:func:`read_table` reads CSV/TSV (delimiter, header and decimal mark sniffed; a BOM is fine),
Parquet and NPZ into a DataFrame indexed by **file line**, so messages can say
``line 17, column 'bill_length_mm'``. :func:`prepare` decides every column's role (target,
identifier, numeric, categorical, date, dropped) and builds a scikit-learn
``ColumnTransformer`` (``SimpleImputer``, ``OneHotEncoder(handle_unknown="ignore")``,
``StandardScaler``) that becomes the first step of the fitted model's ``Pipeline``.
:func:`check_table` picks a fitted model's columns out of a new table.

This package imports no estimator; ``cli`` and ``diagnose`` use it.

>>> import pandas as pd
>>> from linml.tabular import prepare
>>> df = pd.DataFrame({"x": [1.0, 2.0, None, 4.0], "c": ["a", "b", "a", "b"], "y": [1, 2, 3, 4]})
>>> prep = prepare(df, "y", task="regress")
>>> [r.role for r in prep.roles], prep.imputed_cells
(['numeric', 'categorical', 'target'], 1)
"""

from linml.tabular._prepare import (
    MISSING_CHOICES,
    ColumnRole,
    TablePrep,
    check_class_target,
    check_table,
    looks_continuous,
    numeric_view,
    prepare,
    require_columns,
)
from linml.tabular._read import read_table, row_label
from linml.tabular.coerce import Coerce
from linml.tabular.date_parts import DateParts

TRANSFORMERS = ("Coerce", "DateParts")
"""linml's own table transformers; ``linml.io`` may restore these (and only these) from a file."""

__all__ = [
    "MISSING_CHOICES",
    "TRANSFORMERS",
    "Coerce",
    "ColumnRole",
    "DateParts",
    "TablePrep",
    "check_class_target",
    "check_table",
    "looks_continuous",
    "numeric_view",
    "prepare",
    "read_table",
    "require_columns",
    "row_label",
]
