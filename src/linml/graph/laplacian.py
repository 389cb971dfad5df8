"""Graph Laplacians and what their spectra say: components, the Fiedler cut, embeddings.

For a symmetric adjacency ``A`` with degrees ``d = A 1`` and ``D = diag(d)``:

* unnormalized ``L = D − A`` (``xᵀ L x = ½ Σᵢⱼ Aᵢⱼ (xᵢ − xⱼ)²`` ≥ 0),
* symmetric normalized ``L_sym = I − D^{-1/2} A D^{-1/2}`` (spectrum in [0, 2]),
* random walk ``L_rw = I − D^{-1} A`` (same spectrum as ``L_sym``).

The multiplicity of the eigenvalue 0 equals the number of connected components, because
``xᵀ L x = 0`` forces ``x`` constant on each component. The eigenvector of the second
smallest eigenvalue (the Fiedler vector, of the algebraic connectivity) splits the graph
along its sparsest cut, by sign.

Isolated nodes (degree 0) get a zero row and column in ``L_sym`` and ``L_rw``, so each
counts as its own component (an eigenvalue 0), consistent with ``L``.

>>> from linml.graph.adjacency import adjacency_from_edges
>>> A = adjacency_from_edges([(0, 1), (1, 2), (3, 4)])
>>> connected_components(A).n_components
2
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph
import scipy.sparse.linalg as spla

from linml._validation import check_random_state
from linml.exceptions import LinmlInputError, NumericalWarning
from linml.graph.adjacency import check_adjacency
from linml.linalg._checks import fix_column_signs
from linml.linalg.eigen import eigh_sorted

__all__ = [
    "ComponentsResult",
    "FiedlerResult",
    "SpectralEmbedding",
    "connected_components",
    "degree",
    "fiedler",
    "laplacian",
    "smallest_eigenpairs",
    "spectral_embedding",
]

KINDS = ("unnormalized", "symmetric", "random_walk")

#: Above this many nodes, eigenpairs of a sparse Laplacian come from shift-invert Lanczos
#: (ARPACK) and those of a dense affinity from Lanczos on ``D^{-1/2} A D^{-1/2}``, instead of
#: a dense ``n × n`` eigendecomposition (O(n³)).
DENSE_LIMIT = 300


def degree(A: Any) -> np.ndarray:
    """Weighted degrees ``d = A 1`` (row sums), shape ``(n,)``."""
    return np.asarray(A.sum(axis=1)).ravel()


def _inv_sqrt_degree(d: np.ndarray) -> np.ndarray:
    # D^{-1/2}, with 0 for isolated nodes (their rows of L_sym become 0)
    out = np.zeros_like(d)
    np.divide(1.0, np.sqrt(d), out=out, where=d > 0)
    return out


def laplacian(A: Any, kind: str = "unnormalized") -> sp.csr_matrix:
    """The graph Laplacian of a symmetric adjacency matrix, as CSR.

    Parameters
    ----------
    A : array-like or sparse of shape (n, n)
        Symmetric, non-negative weights.
    kind : {'unnormalized', 'symmetric', 'random_walk'}
        ``D − A``, ``I − D^{-1/2} A D^{-1/2}`` or ``I − D^{-1} A``.

    Examples
    --------
    >>> import numpy as np
    >>> laplacian(np.array([[0, 1], [1, 0]])).toarray()
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    if kind not in KINDS:
        raise LinmlInputError(f"kind={kind!r} must be one of {', '.join(map(repr, KINDS))}.")
    A = check_adjacency(A, symmetric=True)
    return _laplacian(A, kind)


def _laplacian(A: sp.csr_matrix, kind: str) -> sp.csr_matrix:
    d = degree(A)
    if kind == "unnormalized":
        return _diag_minus(d, A)
    has_edges = (d > 0).astype(np.float64)
    if kind == "symmetric":
        s = _inv_sqrt_degree(d)
        # L_sym = I' − S A S, with I' the identity restricted to non-isolated nodes
        return _diag_minus(has_edges, _scale(A, s, s))
    inv_d = np.zeros_like(d)
    np.divide(1.0, d, out=inv_d, where=d > 0)
    return _diag_minus(has_edges, _scale(A, inv_d, None))


def _scale(A: sp.csr_matrix, left: np.ndarray, right: np.ndarray | None) -> sp.csr_matrix:
    """diag(left) A diag(right) by scaling the stored entries (no sparse products); the
    result shares A's index arrays."""
    A = sp.csr_matrix(A)
    rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    data = A.data * left[rows]
    if right is not None:
        data *= right[A.indices]
    return sp.csr_matrix((data, A.indices, A.indptr), shape=A.shape)


def _diag_minus(diag: np.ndarray, A: sp.csr_matrix) -> sp.csr_matrix:
    """diag(diag) − A as CSR, built in one COO pass (tocsr sums a self-loop into the diagonal)."""
    A = sp.coo_matrix(A)
    idx = np.arange(A.shape[0])
    return sp.coo_matrix(
        (
            np.concatenate([diag, -A.data]),
            (np.concatenate([idx, A.row]), np.concatenate([idx, A.col])),
        ),
        shape=A.shape,
    ).tocsr()


def smallest_eigenpairs(
    L: sp.spmatrix, k: int, *, random_state: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` smallest eigenpairs of a symmetric PSD Laplacian, ascending.

    Dense ``eigh`` up to :data:`DENSE_LIMIT` nodes; above it, ARPACK in shift-invert mode
    around a small negative shift ``σ = −10⁻⁶·max(1, max Lᵢᵢ)``: the eigenvalues of
    ``(L − σI)⁻¹`` are ``1/(λ + |σ|)``, so those of ``L`` nearest 0 become huge and
    well separated — Lanczos converges in a handful of steps even when 0 is a repeated
    eigenvalue (a disconnected graph). ``L − σI`` is symmetric positive definite with
    condition ≤ ``(λ_max + |σ|)/|σ|`` ≈ 10⁶, so its sparse LU (minimum-degree ordering on
    ``Aᵀ + A``, diagonal pivots — the matrix is SPD) is accurate; a shift farther
    away (e.g. −1) squeezes the wanted eigenvalues together and takes thousands of steps.
    Eigenvector signs are fixed (largest-|.| component positive).
    """
    n = L.shape[0]
    k = min(k, n)
    if n <= DENSE_LIMIT or k >= n - 1:
        w, V = eigh_sorted(L.toarray())
        w, V = w[::-1][:k], V[:, ::-1][:, :k]
    else:
        rng = check_random_state(random_state)
        v0 = rng.uniform(-1, 1, n)
        sigma = -1e-6 * max(1.0, float(L.diagonal().max()))
        ncv = min(n - 1, max(2 * k + 1, 20))
        # L − σI is SPD: a symmetric fill-reducing order (minimum degree on Aᵀ+A) with
        # diagonal pivoting halves the fill of SuperLU's default COLAMD, and the factor time
        L_csc = sp.csc_matrix(L)
        lu = spla.splu(
            L_csc - sigma * sp.identity(n, format="csc"),
            permc_spec="MMD_AT_PLUS_A",
            options={"SymmetricMode": True},
        )
        op = spla.LinearOperator((n, n), matvec=lu.solve, dtype=np.float64)
        w, V = spla.eigsh(L_csc, k=k, sigma=sigma, which="LM", v0=v0, ncv=ncv, OPinv=op)
        order = np.argsort(w)
        w, V = w[order], V[:, order]
        V = fix_column_signs(V)
    return np.maximum(w, 0.0), V


@dataclass
class ComponentsResult:
    """Connected components read from the spectrum and cross-checked by a traversal."""

    n_components: int
    labels: np.ndarray
    n_zero_eigenvalues: int
    eigenvalues: np.ndarray
    tol: float
    consistent: bool

    def __str__(self) -> str:
        return (
            f"{self.n_components} connected component(s); {self.n_zero_eigenvalues} eigenvalue(s) "
            f"of L_sym below {self.tol:.1e} ({'agrees' if self.consistent else 'DISAGREES'} "
            "with the graph traversal)"
        )


def connected_components(A: Any, *, tol: float | None = None) -> ComponentsResult:
    """Count connected components as the multiplicity of eigenvalue 0 of ``L_sym``.

    The spectrum-based count is cross-checked with a breadth-first traversal
    (``scipy.sparse.csgraph``); ``labels`` come from the traversal. If the two disagree
    (an eigenvalue gap below ``tol``, e.g. a very long path graph) a
    :class:`~linml.NumericalWarning` says so and ``n_components`` is the traversal's.

    Parameters
    ----------
    A : array-like or sparse of shape (n, n)
        Symmetric adjacency.
    tol : float, optional
        Eigenvalues below it count as zero; default ``100 · n · eps`` (``L_sym``'s spectrum
        lies in [0, 2]).
    """
    A = check_adjacency(A, symmetric=True)
    n = A.shape[0]
    if n == 0:
        raise LinmlInputError("A has no nodes.")
    n_traversal, labels = csgraph.connected_components(A, directed=False)
    tol = 100.0 * n * np.finfo(np.float64).eps if tol is None else float(tol)
    L = _laplacian(A, "symmetric")
    k = min(n, n_traversal + 1)
    while True:
        w, _ = smallest_eigenpairs(L, k)
        n_zero = int(np.sum(w < tol))
        if n_zero < k or k == n:
            break
        k = min(n, 2 * k)
    consistent = n_zero == n_traversal
    if not consistent:
        warnings.warn(
            f"the spectrum shows {n_zero} zero eigenvalue(s) (tol {tol:.1e}) but a traversal finds "
            f"{n_traversal} component(s); the eigenvalue gap is below the tolerance.",
            NumericalWarning,
            stacklevel=2,
        )
    return ComponentsResult(n_traversal, labels, n_zero, w, tol, consistent)


@dataclass
class FiedlerResult:
    """The algebraic connectivity λ₂ and its eigenvector; ``partition`` is ``vector >= 0``."""

    value: float
    vector: np.ndarray
    partition: np.ndarray


def fiedler(A: Any, *, normalized: bool = False) -> FiedlerResult:
    """Fiedler value (second smallest eigenvalue of ``L``) and vector; its signs split the graph.

    Parameters
    ----------
    A : array-like or sparse of shape (n, n)
        Symmetric adjacency of a connected graph (a disconnected one has λ₂ = 0 and an
        arbitrary vector inside the null space: it raises).
    normalized : bool
        Use ``L_sym`` instead of ``L = D − A``.

    Examples
    --------
    >>> import numpy as np
    >>> from linml.graph.adjacency import adjacency_from_edges
    >>> r = fiedler(adjacency_from_edges([(0, 1), (1, 2), (2, 3)]))  # a path
    >>> round(r.value, 6)  # 2 − 2 cos(π/4)
    0.585786
    """
    A = check_adjacency(A, symmetric=True)
    if A.shape[0] < 2:
        raise LinmlInputError("the Fiedler vector needs a graph with at least 2 nodes.")
    n_comp, _ = csgraph.connected_components(A, directed=False)
    if n_comp > 1:
        raise LinmlInputError(
            f"the graph has {n_comp} connected components, so λ₂ = 0 and the Fiedler vector is "
            "not unique; use connected_components() or run per component."
        )
    w, V = smallest_eigenpairs(_laplacian(A, "symmetric" if normalized else "unnormalized"), 2)
    v = V[:, 1]
    return FiedlerResult(float(w[1]), v, v >= 0)


@dataclass
class SpectralEmbedding:
    """Bottom eigenpairs of ``L_sym``: ``eigenvalues`` ascending, ``embedding = D^{-1/2} U``."""

    embedding: np.ndarray
    eigenvalues: np.ndarray


def spectral_embedding(
    A: Any, n_components: int = 2, *, drop_first: bool = False, random_state: Any = None
) -> SpectralEmbedding:
    """Rows of the bottom eigenvectors of ``L_sym``, mapped back by ``D^{-1/2}``.

    ``u`` an eigenvector of ``L_sym`` gives ``D^{-1/2} u``, an eigenvector of ``L_rw`` —
    constant on each connected component for the eigenvalue 0, which is why k-means on
    these rows finds clusters (Shi & Malik 2000; von Luxburg 2007, §4).

    Solvers: dense ``eigh`` up to :data:`DENSE_LIMIT` nodes. Above it, a sparse ``A`` uses
    shift-invert Lanczos on ``L_sym`` (:func:`smallest_eigenpairs`); a dense ``A`` (an RBF
    affinity) uses plain Lanczos for the *largest* eigenvalues ``μ`` of
    ``M = D^{-1/2} A D^{-1/2} = I − L_sym`` — the same eigenvectors, ``λ = 1 − μ`` — so no
    ``n × n`` factorization is ever formed.

    Parameters
    ----------
    A : array-like or sparse of shape (n, n)
        Symmetric affinity.
    n_components : int
        Columns of the embedding.
    drop_first : bool
        Drop the first (constant on a connected graph) eigenvector.
    random_state : int or None
        Seeds the Lanczos start vector.

    Returns
    -------
    SpectralEmbedding
        ``embedding`` of shape (n, n_components) and the ``n_components + 1`` smallest
        eigenvalues of ``L_sym`` (one more than used, for the eigengap).

    Examples
    --------
    >>> from linml.graph.adjacency import adjacency_from_edges
    >>> A = adjacency_from_edges([(0, 1), (1, 2), (3, 4), (4, 5)])
    >>> result = spectral_embedding(A, 2)
    >>> result.eigenvalues.round(6).tolist()
    [0.0, 0.0, 1.0]
    """
    A = check_adjacency(A, symmetric=True, keep_dense=True)
    n = A.shape[0]
    k = n_components + int(drop_first)
    if not 1 <= k <= n:
        raise LinmlInputError(f"n_components={n_components} must be in [1, n_nodes={n}].")
    k_eval = min(n, k + 1)
    d = degree(A)
    s = _inv_sqrt_degree(d)
    if sp.issparse(A) or n <= DENSE_LIMIT:
        w, U = smallest_eigenpairs(
            _laplacian(sp.csr_matrix(A), "symmetric"), k_eval, random_state=random_state
        )
    else:
        M = A * s[:, None]
        M *= s[None, :]  # M = S A S, in place: one n × n array
        v0 = check_random_state(random_state).uniform(-1, 1, n)
        ncv = min(n - 1, max(2 * k_eval + 1, 32))
        mu, U = spla.eigsh(M, k=k_eval, which="LA", v0=v0, ncv=ncv)
        w, U = np.maximum(1.0 - mu[::-1], 0.0), U[:, ::-1]
    E = U[:, :k] * s[:, None]
    if drop_first:
        E = E[:, 1:]
    return SpectralEmbedding(fix_column_signs(E), w)
