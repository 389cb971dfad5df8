"""linml.diagnose: the math tells you where to look.

* :func:`data` — rank, conditioning (raw and standardized), collinear groups in the data's
  own column names, constant/duplicate/near-duplicate columns, scale disparity, NaN/inf,
  and concrete fixes (standardize, drop a named column, ridge with a computed ``λ``).
* :func:`explain` — a fitted linml model's linear algebra in words
  (:func:`render_explanation` prints it with Rich).
* :func:`network` — a neural network's weight spectra and gradient flow through depth, with a
  verdict (vanishing, exploding, healthy, rank-collapsed) and the fix that fits.
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
from linml.diagnose.network import NetworkDiagnosis, network

__all__ = [
    "CollinearRelation",
    "CorrelatedPair",
    "DataReport",
    "NetworkDiagnosis",
    "NonFiniteSummary",
    "Suggestion",
    "TargetSummary",
    "data",
    "explain",
    "network",
    "render_explanation",
    "ridge_lambda_for_condition",
]
