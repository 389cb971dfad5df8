"""Attention as matrix products: ``softmax(Q Kᵀ/√d_k) V``, its backward, and a streaming forward.

Shapes: ``Q (…, n_q, d_k)``, ``K (…, n_k, d_k)``, ``V (…, n_k, d_v)``; leading axes (batch,
heads) broadcast as in ``np.matmul``. A boolean ``mask`` broadcastable to ``(…, n_q, n_k)``
says which keys each query may attend to (True = attend, as in PyTorch);
``causal=True`` adds ``j ≤ i`` (top-left aligned). A query row with no allowed key gets a
zero output and zero gradient (instead of the NaN of ``0/0``).

Forward, with ``s = 1/√d_k``:  ``S = s Q Kᵀ``,  ``P = softmax_rows(S)``,  ``O = P V``.
Backward, with ``G = ∂L/∂O``:
``∂L/∂V = Pᵀ G``,  ``∂L/∂P = G Vᵀ``,  ``∂L/∂S = P ⊙ (∂L/∂P − D)`` with
``D_i = Σ_j P_ij (∂L/∂P)_ij = Σ_c G_ic O_ic`` (the softmax Jacobian ``diag(p) − p pᵀ``
applied row by row; computing ``D`` from ``G ⊙ O`` avoids a second n×n product),
``∂L/∂Q = s (∂L/∂S) K``,  ``∂L/∂K = s (∂L/∂S)ᵀ Q``.

The chunked forward (:func:`chunked_attention`) never forms the ``n_q × n_k`` matrix: it
walks over key blocks keeping, per query, the running maximum ``m``, the running
denominator ``ℓ`` and the unnormalized output ``A``; a new block with scores ``S_b`` updates
``m' = max(m, max S_b)``, ``ℓ ← e^{m−m'} ℓ + Σ e^{S_b − m'}``, ``A ← e^{m−m'} A + e^{S_b−m'} V_b``
and finally ``O = A/ℓ`` — the same numbers as the plain forward, in ``O(n·d)`` memory
(Milakov & Gimelshein 2018; Dao et al. 2022).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> Q, K, V = (rng.standard_normal((2, 16, 8)) for _ in range(3))
>>> O = scaled_dot_product_attention(Q, K, V, causal=True)
>>> np.allclose(O, chunked_attention(Q, K, V, causal=True, chunk_size=5))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from linml.exceptions import LinmlInputError
from linml.neural.init import _rng, initialize
from linml.neural.layers import Layer

__all__ = [
    "MultiHeadAttention",
    "ScaledDotProductAttention",
    "attention_backward",
    "attention_weights",
    "chunked_attention",
    "scaled_dot_product_attention",
]


def _check_qkv(Q: np.ndarray, K: np.ndarray, V: np.ndarray) -> None:
    for name, A in (("Q", Q), ("K", K), ("V", V)):
        if not isinstance(A, np.ndarray) or A.ndim < 2:
            raise LinmlInputError(
                f"{name} must be an array of shape (..., n, d) with at least 2 axes; got "
                f"{getattr(A, 'shape', type(A).__name__)}."
            )
    if Q.shape[-1] != K.shape[-1]:
        raise LinmlInputError(
            f"Q and K must share the key width d_k: Q has {Q.shape[-1]}, K has {K.shape[-1]}."
        )
    if K.shape[-2] != V.shape[-2]:
        raise LinmlInputError(
            f"K and V must have one row per key: K has {K.shape[-2]} rows, V has {V.shape[-2]}."
        )


def _keep_mask(
    n_q: int,
    n_k: int,
    mask: Any,
    causal: bool,
    q0: int = 0,
    k0: int = 0,
    nq: int | None = None,
    nk: int | None = None,
) -> np.ndarray | None:
    """Boolean "may attend" matrix for query rows ``q0:q0+nq`` and key columns ``k0:k0+nk``."""
    nq = n_q - q0 if nq is None else nq
    nk = n_k - k0 if nk is None else nk
    keep = None
    if mask is not None:
        keep = mask[..., q0 : q0 + nq, k0 : k0 + nk]
    if causal:
        tri = np.arange(q0, q0 + nq)[:, None] >= np.arange(k0, k0 + nk)[None, :]  # j ≤ i
        keep = tri if keep is None else keep & tri
    return keep


def _broadcast_mask(mask: Any, n_q: int, n_k: int) -> np.ndarray | None:
    if mask is None:
        return None
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise LinmlInputError(
            f"mask must be a boolean array (True = may attend); got dtype {mask.dtype}."
        )
    if mask.ndim < 2 or mask.shape[-2:] not in ((n_q, n_k), (1, n_k), (n_q, 1), (1, 1)):
        raise LinmlInputError(
            f"mask of shape {mask.shape} does not broadcast to (..., n_q, n_k) = (..., {n_q}, {n_k})."
        )
    return np.broadcast_to(mask, (*mask.shape[:-2], n_q, n_k))


def _softmax_masked_(S: np.ndarray, keep: np.ndarray | None) -> np.ndarray:
    """Row softmax of ``S`` in place, with ``keep == False`` entries excluded (−∞)."""
    if keep is not None:
        np.copyto(S, -np.inf, where=~keep)
    m = S.max(axis=-1, keepdims=True)
    if keep is not None:
        m[~np.isfinite(m)] = 0  # a fully masked row: exp(−∞ − 0) = 0, no NaN
    S -= m
    np.exp(S, out=S)
    den = S.sum(axis=-1, keepdims=True)
    if keep is not None:
        den[den == 0] = 1  # fully masked row stays 0
    S *= 1 / den  # one division per row, then a product per entry
    return S


def attention_weights(
    Q: np.ndarray, K: np.ndarray, mask: Any = None, causal: bool = False
) -> np.ndarray:
    """``P = softmax_rows(Q Kᵀ/√d_k)`` with masking: shape ``(…, n_q, n_k)``, rows sum to 1.

    >>> import numpy as np
    >>> P = attention_weights(np.zeros((3, 2)), np.zeros((3, 2)), causal=True)
    >>> np.round(P, 3)
    array([[1.   , 0.   , 0.   ],
           [0.5  , 0.5  , 0.   ],
           [0.333, 0.333, 0.333]])
    """
    _check_qkv(Q, K, K)
    n_q, n_k = Q.shape[-2], K.shape[-2]
    keep = _keep_mask(n_q, n_k, _broadcast_mask(mask, n_q, n_k), causal)
    # scale Q (n·d numbers) rather than S (n² numbers): S = (s Q) Kᵀ   (…, n_q, n_k)
    S = (Q * Q.dtype.type(1.0 / np.sqrt(Q.shape[-1]))) @ np.swapaxes(K, -1, -2)
    return _softmax_masked_(S, keep)


def scaled_dot_product_attention(
    Q: np.ndarray, K: np.ndarray, V: np.ndarray, mask: Any = None, causal: bool = False
) -> np.ndarray:
    """``softmax(Q Kᵀ/√d_k) V`` — each output row is a convex combination of the rows of V.

    Parameters
    ----------
    Q : ndarray (…, n_q, d_k)
    K : ndarray (…, n_k, d_k)
    V : ndarray (…, n_k, d_v)
    mask : bool array broadcastable to (…, n_q, n_k), optional
        True where query i may attend to key j.
    causal : bool
        Also forbid j > i.

    Returns
    -------
    O : ndarray (…, n_q, d_v)

    Examples
    --------
    >>> import numpy as np
    >>> V = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> scaled_dot_product_attention(np.zeros((1, 3)), np.zeros((2, 3)), V)
    array([[0.5, 0.5]])
    """
    _check_qkv(Q, K, V)
    return attention_weights(Q, K, mask, causal) @ V


def attention_backward(
    G: np.ndarray,
    Q: np.ndarray,
    K: np.ndarray,
    V: np.ndarray,
    mask: Any = None,
    causal: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(∂L/∂Q, ∂L/∂K, ∂L/∂V)`` given ``G = ∂L/∂O`` (recomputes ``P``; see the module notes).

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> Q, K, V = (rng.standard_normal((4, 3)) for _ in range(3))
    >>> dQ, dK, dV = attention_backward(np.ones((4, 3)), Q, K, V)
    >>> np.allclose(dV.sum(axis=0), 4.0)  # Σ_j (Pᵀ 1)_j = Σ_ij P_ij = n_q: rows of P sum to 1
    True
    """
    _check_qkv(Q, K, V)
    P = attention_weights(Q, K, mask, causal)
    return _backward(G, Q, K, V, P, P @ V)


def _backward(
    G: np.ndarray, Q: np.ndarray, K: np.ndarray, V: np.ndarray, P: np.ndarray, O: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s = Q.dtype.type(1.0 / np.sqrt(Q.shape[-1]))
    dV = np.swapaxes(P, -1, -2) @ G  # Pᵀ G          (…, n_k, d_v)
    dS = G @ np.swapaxes(V, -1, -2)  # ∂L/∂P = G Vᵀ  (…, n_q, n_k)
    D = np.sum(G * O, axis=-1, keepdims=True)  # D_i = Σ_c G_ic O_ic = Σ_j P_ij ∂L/∂P_ij
    dS -= D
    dS *= P  # ∂L/∂S = P ⊙ (∂L/∂P − D)
    dQ = dS @ K  # s (∂L/∂S) K   (s applied to the n×d result, not the n×n matrix)
    dQ *= s
    dK = np.swapaxes(dS, -1, -2) @ Q  # s (∂L/∂S)ᵀ Q
    dK *= s
    return dQ, dK, dV


def chunked_attention(
    Q: np.ndarray,
    K: np.ndarray,
    V: np.ndarray,
    mask: Any = None,
    causal: bool = False,
    chunk_size: int = 128,
) -> np.ndarray:
    """The attention forward in blocks of ``chunk_size`` queries × keys (streaming softmax).

    Equal to :func:`scaled_dot_product_attention` up to round-off, but the largest
    temporary is ``chunk_size × chunk_size`` scores per batch entry instead of
    ``n_q × n_k``: memory ``O(n·d)``. See the module notes for the update rule.

    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> Q, K, V = (rng.standard_normal((10, 4)) for _ in range(3))
    >>> np.allclose(chunked_attention(Q, K, V, chunk_size=3), scaled_dot_product_attention(Q, K, V))
    True
    """
    _check_qkv(Q, K, V)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise LinmlInputError(f"chunk_size={chunk_size!r} must be an integer >= 1.")
    n_q, n_k = Q.shape[-2], K.shape[-2]
    full_mask = _broadcast_mask(mask, n_q, n_k)
    s = Q.dtype.type(1.0 / np.sqrt(Q.shape[-1]))
    lead = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2], V.shape[:-2])
    dtype = np.result_type(Q, K, V)
    O = np.empty((*lead, n_q, V.shape[-1]), dtype=dtype)
    for q0 in range(0, n_q, chunk_size):
        Qb = Q[..., q0 : q0 + chunk_size, :] * s
        nq = Qb.shape[-2]
        m = np.full((*lead, nq, 1), -np.inf, dtype=dtype)  # running row maximum
        ell = np.zeros((*lead, nq, 1), dtype=dtype)  # running denominator
        A = np.zeros((*lead, nq, V.shape[-1]), dtype=dtype)  # unnormalized output
        for k0 in range(0, n_k, chunk_size):
            if causal and k0 > q0 + nq - 1:
                break  # every key of this and later blocks is in the future
            Kb, Vb = K[..., k0 : k0 + chunk_size, :], V[..., k0 : k0 + chunk_size, :]
            Sb = Qb @ np.swapaxes(Kb, -1, -2)  # (…, nq, nk) scores of this block
            keep = _keep_mask(n_q, n_k, full_mask, causal, q0, k0, nq, Kb.shape[-2])
            if keep is not None:
                np.copyto(Sb, -np.inf, where=~keep)
            m_new = np.maximum(m, Sb.max(axis=-1, keepdims=True))
            shift = np.where(np.isfinite(m_new), m_new, 0)  # all −∞ so far: shift by 0
            alpha = np.exp(m - shift)  # rescales what was accumulated with the old max
            Sb -= shift
            np.exp(Sb, out=Sb)
            ell *= alpha
            ell += Sb.sum(axis=-1, keepdims=True)
            A *= alpha
            A += Sb @ Vb
            m = m_new
        ell[ell == 0] = 1  # fully masked rows give 0
        O[..., q0 : q0 + nq, :] = A / ell
    return O


class ScaledDotProductAttention:
    """Attention with a cached ``P`` for a fast backward: ``forward(Q, K, V)``, ``backward(G)``.

    >>> import numpy as np
    >>> att = ScaledDotProductAttention(causal=True)
    >>> rng = np.random.default_rng(0)
    >>> Q, K, V = (rng.standard_normal((5, 2)) for _ in range(3))
    >>> O = att.forward(Q, K, V)
    >>> [a.shape for a in att.backward(np.ones_like(O))]
    [(5, 2), (5, 2), (5, 2)]
    """

    def __init__(self, mask: Any = None, causal: bool = False) -> None:
        self.mask = mask
        self.causal = causal

    def forward(self, Q: np.ndarray, K: np.ndarray, V: np.ndarray) -> np.ndarray:
        _check_qkv(Q, K, V)
        self._Q, self._K, self._V = Q, K, V
        self._P = attention_weights(Q, K, self.mask, self.causal)  # (…, n_q, n_k)
        self._O = self._P @ V
        return self._O

    def backward(self, G: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _backward(G, self._Q, self._K, self._V, self._P, self._O)


class MultiHeadAttention(Layer):
    """Multi-head self-attention with projections ``W_Q, W_K, W_V, W_O`` (each d_model × d_model).

    For ``X (b, n, d_model)`` and ``h`` heads of width ``d_h = d_model/h``:
    ``Q = X W_Qᵀ + b_Q`` (likewise K, V), split into heads ``(b, h, n, d_h)``,
    ``O_head = softmax(Q Kᵀ/√d_h) V``, heads concatenated back to ``(b, n, d_model)``,
    ``Y = O W_Oᵀ + b_O``. All projections are ``einsum`` contractions; the backward pass
    contracts the same tensors the other way round.

    Parameters
    ----------
    d_model, n_heads : int
        ``n_heads`` must divide ``d_model``.
    causal : bool
        Causal (autoregressive) masking.
    bias : bool
    init, random_state, dtype
        As in :class:`~linml.neural.layers.Linear`.

    Examples
    --------
    >>> import numpy as np
    >>> mha = MultiHeadAttention(8, 2, random_state=0)
    >>> mha.forward(np.ones((3, 5, 8))).shape
    (3, 5, 8)
    """

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        *,
        causal: bool = False,
        bias: bool = True,
        init: str = "xavier_uniform",
        random_state: Any = None,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        if isinstance(d_model, bool) or not isinstance(d_model, int) or d_model < 1:
            raise LinmlInputError(f"MultiHeadAttention: d_model={d_model!r} must be an int >= 1.")
        if isinstance(n_heads, bool) or not isinstance(n_heads, int) or n_heads < 1:
            raise LinmlInputError(f"MultiHeadAttention: n_heads={n_heads!r} must be an int >= 1.")
        if d_model % n_heads:
            raise LinmlInputError(
                f"MultiHeadAttention: n_heads={n_heads} must divide d_model={d_model}."
            )
        self.d_model, self.n_heads, self.causal = d_model, n_heads, causal
        rng = _rng(random_state)
        for name in ("Q", "K", "V", "O"):
            self._add_param(f"W_{name}", initialize(init, (d_model, d_model), rng, dtype))
            if bias:
                self._add_param(f"b_{name}", np.zeros(d_model, dtype=dtype))
        self._attention = ScaledDotProductAttention(causal=causal)

    def _project(self, X: np.ndarray, name: str) -> np.ndarray:
        Y = np.einsum("bnd,ed->bne", X, self.params[f"W_{name}"], optimize=True)
        if f"b_{name}" in self.params:
            Y += self.params[f"b_{name}"]
        return Y

    def _split(self, Y: np.ndarray) -> np.ndarray:
        b, n, _ = Y.shape
        # (b, n, d_model) -> (b, n, h, d_h) -> (b, h, n, d_h)
        return Y.reshape(b, n, self.n_heads, -1).transpose(0, 2, 1, 3)

    @staticmethod
    def _merge(Y: np.ndarray) -> np.ndarray:
        b, h, n, dh = Y.shape
        # (b, h, n, d_h) -> (b, n, h, d_h) -> (b, n, d_model)
        return Y.transpose(0, 2, 1, 3).reshape(b, n, h * dh)

    def forward(self, X: np.ndarray, mask: Any = None) -> np.ndarray:
        squeeze = X.ndim == 2
        if squeeze:
            X = X[None]  # (1, n, d_model)
        if X.ndim != 3 or X.shape[-1] != self.d_model:
            raise LinmlInputError(
                f"MultiHeadAttention expects X of shape (batch, n, {self.d_model}); got {X.shape}."
            )
        self._squeeze = squeeze
        self._X = X
        self._attention.mask = mask
        Qh, Kh, Vh = (self._split(self._project(X, c)) for c in "QKV")  # (b, h, n, d_h)
        self._O = self._merge(self._attention.forward(Qh, Kh, Vh))  # (b, n, d_model)
        Y = self._project(self._O, "O")
        return Y[0] if squeeze else Y

    def backward(self, G: np.ndarray) -> np.ndarray:
        if self._squeeze:
            G = G[None]
        X = self._X
        self.grads["W_O"][...] = np.einsum("bne,bnd->ed", G, self._O, optimize=True)
        if "b_O" in self.params:
            self.grads["b_O"][...] = G.sum(axis=(0, 1))
        dO = np.einsum("bne,ed->bnd", G, self.params["W_O"], optimize=True)
        dQh, dKh, dVh = self._attention.backward(self._split(dO))
        dX = np.zeros_like(X, dtype=np.result_type(X, G))
        for name, dh in (("Q", dQh), ("K", dKh), ("V", dVh)):
            dY = self._merge(dh)  # (b, n, d_model)
            self.grads[f"W_{name}"][...] = np.einsum("bne,bnd->ed", dY, X, optimize=True)
            if f"b_{name}" in self.params:
                self.grads[f"b_{name}"][...] = dY.sum(axis=(0, 1))
            dX += np.einsum("bne,ed->bnd", dY, self.params[f"W_{name}"], optimize=True)
        return dX[0] if self._squeeze else dX

    def __repr__(self) -> str:
        return f"MultiHeadAttention({self.d_model}, {self.n_heads}, causal={self.causal})"
