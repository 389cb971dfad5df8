"""linml.diagnose: the math tells you where to look.

* :func:`data` — rank, conditioning (raw and standardized), collinear groups in the data's
  own column names, constant/duplicate/near-duplicate columns, scale disparity, NaN/inf,
  and concrete fixes (standardize, drop a named column, ridge with a computed ``λ``).
* :func:`explain` — a fitted linml model's linear algebra in words
  (:func:`render_explanation` prints it with Rich).
"""

from linml.diagnose.data import (
    CollinearRelation,
    CorrelatedPair,
    DataReport,
    NonFiniteSummary,
    Suggestion,
    TargetSummary,
    data,
    ridge_lambda_for_condition,
)
from linml.diagnose.explain import explain, render_explanation

__all__ = [
    "CollinearRelation",
    "CorrelatedPair",
    "DataReport",
    "NonFiniteSummary",
    "Suggestion",
    "TargetSummary",
    "data",
    "explain",
    "render_explanation",
    "ridge_lambda_for_condition",
]
