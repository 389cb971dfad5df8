"""linml.linalg — pure functions on arrays: the linear algebra every model is built from.

Nothing here is an estimator and nothing does I/O. Modules:

- :mod:`~linml.linalg.svd` — ``svd``, ``randomized_svd``, ``low_rank_approx``
- :mod:`~linml.linalg.eigen` — ``eigh_sorted``, ``power_iteration``
- :mod:`~linml.linalg.solve` — ``lstsq`` (cholesky / qr / svd / gd), ``ridge_solve``,
  ``ridge_path_svd``
- :mod:`~linml.linalg.conditioning` — ``condition_number``, ``numerical_rank``,
  ``effective_rank``, ``null_space``, ``collinear_groups``, ``variance_inflation_factors``,
  ``condition_indices``
- :mod:`~linml.linalg.norms` — ``norm``
- :mod:`~linml.linalg.distances` — ``pairwise_distances`` (blocked),
  ``pairwise_distances_chunked``, ``cosine_similarity``
- :mod:`~linml.linalg.projections` — ``project_onto_vector``, ``project_onto_columns``,
  ``gram_schmidt``
- :mod:`~linml.linalg.whitening` — ``whitening_matrix`` (PCA / ZCA)
- :mod:`~linml.linalg.kernels` — kernel matrices and the Mercer check (re-exported)

Conventions: eigenvalues and singular values descending; signs fixed (largest-|.|
component positive); float32 kept where safe; numerical trouble warns
:class:`linml.NumericalWarning`.

>>> import numpy as np
>>> from linml.linalg import lstsq
>>> lstsq(np.eye(2), np.array([1.0, 2.0])).coef
array([1., 2.])
"""

from linml.linalg import kernels
from linml.linalg.conditioning import (
    CollinearGroup,
    ConditionIndices,
    NearDependency,
    RankResult,
    collinear_groups,
    condition_indices,
    condition_number,
    effective_rank,
    null_space,
    numerical_rank,
    variance_inflation_factors,
)
from linml.linalg.distances import (
    METRICS,
    cosine_similarity,
    pairwise_distances,
    pairwise_distances_chunked,
)
from linml.linalg.eigen import PowerIterationResult, eigh_sorted, power_iteration
from linml.linalg.gram_stats import GramStats
from linml.linalg.kernels import *  # noqa: F403  (names listed in kernels.__all__)
from linml.linalg.norms import NORM_KINDS, norm
from linml.linalg.projections import (
    ProjectionResult,
    gram_schmidt,
    project_onto_columns,
    project_onto_vector,
)
from linml.linalg.solve import (
    LSTSQ_METHODS,
    LstsqResult,
    RefinedLstsqResult,
    lstsq,
    lstsq_refined,
    ridge_path_svd,
    ridge_solve,
)
from linml.linalg.svd import LowRankResult, low_rank_approx, randomized_svd, svd, svd_flip_signs
from linml.linalg.whitening import WHITENING_METHODS, whitening_matrix

__all__ = [
    "LSTSQ_METHODS",
    "METRICS",
    "NORM_KINDS",
    "WHITENING_METHODS",
    "GramStats",
    "ProjectionResult",
    "cosine_similarity",
    "gram_schmidt",
    "norm",
    "pairwise_distances",
    "pairwise_distances_chunked",
    "project_onto_columns",
    "project_onto_vector",
    "whitening_matrix",
    "CollinearGroup",
    "ConditionIndices",
    "LowRankResult",
    "NearDependency",
    "LstsqResult",
    "PowerIterationResult",
    "RankResult",
    "collinear_groups",
    "condition_indices",
    "condition_number",
    "effective_rank",
    "eigh_sorted",
    "low_rank_approx",
    "lstsq",
    "lstsq_refined",
    "RefinedLstsqResult",
    "null_space",
    "numerical_rank",
    "power_iteration",
    "randomized_svd",
    "ridge_path_svd",
    "ridge_solve",
    "svd",
    "svd_flip_signs",
    "variance_inflation_factors",
    *kernels.__all__,
]
