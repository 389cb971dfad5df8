"""Vector and matrix norms, each named by what it measures.

==========  =========================  =============================================
kind        vector ``x``               matrix ``A``
==========  =========================  =============================================
``l1``      ``sum |x_i|``              ``max_j sum_i |A_ij|`` (largest column sum)
``l2``      ``sqrt(sum x_i²)``         ``S[0]``, the largest singular value (spectral)
``linf``    ``max |x_i|``              ``max_i sum_j |A_ij|`` (largest row sum)
``fro``     ``sqrt(sum x_i²)``         ``sqrt(sum A_ij²) = sqrt(sum S²)``
``nuclear`` ``sqrt(sum x_i²)``         ``sum S`` (trace norm)
==========  =========================  =============================================

A vector is treated as an (n, 1) matrix for ``fro`` and ``nuclear``, which both equal its
2-norm then. The matrix ``l1``/``l2``/``linf`` are the norms induced by the vector ones.

>>> import numpy as np
>>> norm(np.array([3.0, -4.0])), norm(np.array([3.0, -4.0]), "l1")
(5.0, 7.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg as sla

from linml._validation import check_array
from linml.exceptions import LinmlInputError
from linml.linalg._checks import check_option

__all__ = ["NORM_KINDS", "norm"]

#: The kinds :func:`norm` accepts.
NORM_KINDS = ("l1", "l2", "linf", "fro", "nuclear")


def norm(x: Any, kind: str = "l2") -> float:
    """Norm of a vector (n,) or matrix (m, n); see the module table for each ``kind``.

    Parameters
    ----------
    x : array-like of shape (n,) or (m, n)
    kind : {'l1', 'l2', 'linf', 'fro', 'nuclear'}, default='l2'
        For matrices ``'l2'`` is the spectral norm ``S[0]`` and ``'nuclear'`` is ``sum(S)``.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[3.0, 0.0], [0.0, -4.0]])
    >>> norm(A, "l2"), norm(A, "fro"), norm(A, "nuclear"), norm(A, "l1")
    (4.0, 5.0, 7.0, 4.0)
    """
    check_option("kind", kind, NORM_KINDS)
    x = check_array(x, name="x", ensure_2d=False, allow_nd=True)
    if x.ndim not in (1, 2):
        raise LinmlInputError(
            f"x must be a vector (n,) or a matrix (m, n); got {x.ndim}-D shape {x.shape}."
        )
    if x.ndim == 1:
        if kind == "l1":
            return float(np.sum(np.abs(x)))
        if kind == "linf":
            return float(np.max(np.abs(x)))
        return float(sla.norm(x))  # BLAS nrm2: scaled, so no overflow for huge entries
    if kind == "l1":
        return float(np.max(np.sum(np.abs(x), axis=0)))
    if kind == "linf":
        return float(np.max(np.sum(np.abs(x), axis=1)))
    if kind == "fro":
        return float(sla.norm(x))
    S = sla.svdvals(x, check_finite=False)
    return float(S[0]) if kind == "l2" else float(np.sum(S))
