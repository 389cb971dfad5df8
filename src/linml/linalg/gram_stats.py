"""Sufficient statistics of row blocks, merged by Chan, Golub & LeVeque's parallel update.

A least-squares fit, a PCA or a covariance needs from the data only the column means and the
*centered* scatter matrix ``S = Σ (x - mean)(x - mean)ᵀ`` (and, with a response, the centered
cross products with ``y``). Those statistics can be computed on row blocks independently and
merged exactly, which is what makes a fit on a dask array, or a streaming ``partial_fit``, give
the in-memory answer.

Why centered: the textbook shortcut ``XᵀX - n x̄x̄ᵀ`` subtracts two huge, nearly equal numbers
when the column means are large compared with their spread (mean 1e8, std 1 loses all 16
digits). Each block here is centered at its own mean before its Gram product, and blocks are
merged with the update of Chan, Golub & LeVeque (1979, "Updating formulae and a pairwise
algorithm for computing sample variances")::

    δ = mean_b - mean_a,   n = n_a + n_b,   mean = mean_a + δ n_b / n
    S = S_a + S_b + δ δᵀ n_a n_b / n

and the cross terms ``C = C_a + C_b + δ_x δ_yᵀ n_a n_b / n`` likewise.

>>> import numpy as np
>>> from linml.linalg.gram_stats import GramStats
>>> X = np.arange(12.0).reshape(6, 2)
>>> parts = [GramStats.from_block(X[:2]), GramStats.from_block(X[2:])]
>>> bool(np.allclose(GramStats.combine(parts).scatter, GramStats.from_block(X).scatter))
True

This module is pure NumPy; it never imports dask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from linml._validation import LinmlInputError

__all__ = ["GramStats"]


def _as_2d_float(A: np.ndarray) -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    if A.ndim == 1:
        return A[:, None]  # (n,) -> (n, 1)
    if A.ndim != 2:
        raise LinmlInputError(f"expected a 1-D or 2-D block; got shape {A.shape}.")
    return A


def _centered_block(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means of a block and the block centered at them (float64)."""
    if A.shape[0] == 0:
        return np.zeros(A.shape[1]), A
    mean = A.mean(axis=0)
    return mean, A - mean


@dataclass(frozen=True)
class GramStats:
    """Sufficient statistics of a set of rows, mergeable across row blocks.

    Parameters
    ----------
    n : int
        Number of rows.
    mean : ndarray of shape (p,)
        Column means ``x̄`` of ``X``.
    scatter : ndarray of shape (p, p)
        Centered scatter ``S = Σ (x - x̄)(x - x̄)ᵀ`` (never the raw ``XᵀX - n x̄x̄ᵀ``).
    y_mean : ndarray of shape (t,) or None
        Means ``ȳ`` of the response; a ``(n,)`` response is stored with ``t = 1``.
    cross : ndarray of shape (p, t) or None
        Centered cross products ``C = Σ (x - x̄)(y - ȳ)ᵀ``.
    y_scatter : ndarray of shape (t, t) or None
        Centered scatter of the response ``Σ (y - ȳ)(y - ȳ)ᵀ``.

    Notes
    -----
    The merge (Chan, Golub & LeVeque 1979) with ``δ = x̄_b - x̄_a`` and
    ``ε = ȳ_b - ȳ_a``::

        n = n_a + n_b
        x̄ = x̄_a + δ n_b / n            ȳ = ȳ_a + ε n_b / n
        S = S_a + S_b + δ δᵀ n_a n_b / n
        C = C_a + C_b + δ εᵀ n_a n_b / n
        S_y = S_ya + S_yb + ε εᵀ n_a n_b / n

    A block with ``n = 0`` is the identity of :meth:`merge`. All statistics are float64.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(50, 3)), rng.normal(size=50)
    >>> whole = GramStats.from_block(X, y)
    >>> merged = GramStats.from_block(X[:20], y[:20]).merge(GramStats.from_block(X[20:], y[20:]))
    >>> bool(np.allclose(merged.cross, whole.cross)), merged.n
    (True, 50)
    >>> bool(np.allclose(whole.covariance(), np.cov(X, rowvar=False)))
    True
    """

    n: int
    mean: np.ndarray
    scatter: np.ndarray
    y_mean: np.ndarray | None = None
    cross: np.ndarray | None = None
    y_scatter: np.ndarray | None = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_block(cls, X: np.ndarray, y: np.ndarray | None = None) -> GramStats:
        """Statistics of one block of rows: center at the block's own mean, then one GEMM.

        Parameters
        ----------
        X : array-like of shape (m, p)
        y : array-like of shape (m,) or (m, t), optional

        Returns
        -------
        GramStats
        """
        X = _as_2d_float(X)
        mean, Xc = _centered_block(X)
        # S = Xcᵀ Xc; symmetrize: round-off makes the product slightly asymmetric
        S = Xc.T @ Xc
        S = 0.5 * (S + S.T)
        if y is None:
            return cls(int(X.shape[0]), mean, S)
        Y = _as_2d_float(y)
        if Y.shape[0] != X.shape[0]:
            raise LinmlInputError(
                f"y has {Y.shape[0]} rows but X has {X.shape[0]}; pass one response row per "
                "row of X."
            )
        y_mean, Yc = _centered_block(Y)
        Syy = Yc.T @ Yc
        return cls(int(X.shape[0]), mean, S, y_mean, Xc.T @ Yc, 0.5 * (Syy + Syy.T))

    @classmethod
    def empty(cls, n_features: int, n_targets: int | None = None) -> GramStats:
        """The identity of :meth:`merge`: zero rows of ``n_features`` columns."""
        p = int(n_features)
        if n_targets is None:
            return cls(0, np.zeros(p), np.zeros((p, p)))
        t = int(n_targets)
        return cls(
            0, np.zeros(p), np.zeros((p, p)), np.zeros(t), np.zeros((p, t)), np.zeros((t, t))
        )

    # ------------------------------------------------------------------ combining
    @property
    def n_features(self) -> int:
        return int(self.mean.shape[0])

    @property
    def has_y(self) -> bool:
        return self.y_mean is not None

    def merge(self, other: GramStats) -> GramStats:
        """Statistics of the union of both row sets (Chan, Golub & LeVeque's update)."""
        if self.n_features != other.n_features:
            raise LinmlInputError(
                f"cannot merge statistics of {self.n_features} and {other.n_features} "
                "features; every block must have the same columns."
            )
        if self.has_y != other.has_y or (
            self.has_y and self.y_mean.shape != other.y_mean.shape  # type: ignore[union-attr]
        ):
            raise LinmlInputError(
                "cannot merge statistics with and without (or with differently shaped) y; "
                "pass y for every block or for none."
            )
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        na, nb = self.n, other.n
        n = na + nb
        w = na * nb / n  # the weight of the between-blocks term
        delta = other.mean - self.mean
        mean = self.mean + delta * (nb / n)
        scatter = self.scatter + other.scatter + w * np.outer(delta, delta)
        if not self.has_y:
            return GramStats(n, mean, scatter)
        eps = other.y_mean - self.y_mean  # type: ignore[operator]
        y_mean = self.y_mean + eps * (nb / n)
        cross = self.cross + other.cross + w * np.outer(delta, eps)
        y_scatter = self.y_scatter + other.y_scatter + w * np.outer(eps, eps)
        return GramStats(n, mean, scatter, y_mean, cross, y_scatter)

    @staticmethod
    def combine(parts: Sequence[GramStats]) -> GramStats:
        """Merge many blocks by a pairwise tree (depth ``log2(len(parts))``, like pairwise sums)."""
        level = list(parts)
        if not level:
            raise LinmlInputError("combine needs at least one GramStats; got an empty sequence.")
        while len(level) > 1:
            nxt = [level[i].merge(level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                nxt.append(level[-1])
            level = nxt
        return level[0]

    # ------------------------------------------------------------------ derived quantities
    def covariance(self, ddof: int = 1) -> np.ndarray:
        """Sample covariance ``S / (n - ddof)`` of the columns of ``X``."""
        if self.n - ddof <= 0:
            raise LinmlInputError(
                f"covariance needs more than ddof={ddof} rows; these statistics hold n={self.n}."
            )
        return self.scatter / (self.n - ddof)

    def about_origin(self) -> GramStats:
        """The same rows' statistics about the origin (mean taken as zero), for no intercept.

        ``XᵀX = S + n x̄x̄ᵀ``, ``XᵀY = C + n x̄ȳᵀ``, ``YᵀY = S_y + n ȳȳᵀ``; the means become zero.
        """
        n = self.n
        scatter = self.scatter + n * np.outer(self.mean, self.mean)
        zero = np.zeros_like(self.mean)
        if not self.has_y:
            return GramStats(n, zero, scatter)
        return GramStats(
            n,
            zero,
            scatter,
            np.zeros_like(self.y_mean),
            self.cross + n * np.outer(self.mean, self.y_mean),
            self.y_scatter + n * np.outer(self.y_mean, self.y_mean),
        )
