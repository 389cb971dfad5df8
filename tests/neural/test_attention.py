"""Attention: the naive formula, masks, gradient checks, the chunked forward, and PyTorch."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linml.exceptions import LinmlInputError
from linml.neural import (
    Layer,
    MultiHeadAttention,
    ScaledDotProductAttention,
    attention_backward,
    attention_weights,
    check_layer_gradients,
    chunked_attention,
    scaled_dot_product_attention,
)

GRAD_TOL = 1e-6


def _qkv(shape_q=(2, 6, 4), n_k=6, d_v=3, seed=0):
    rng = np.random.default_rng(seed)
    *lead, _n_q, d_k = shape_q
    Q = rng.standard_normal(shape_q)
    K = rng.standard_normal((*lead, n_k, d_k))
    V = rng.standard_normal((*lead, n_k, d_v))
    return Q, K, V


def _naive(Q, K, V, keep):
    """Row by row: o_i = Σ_j softmax_j(q_i·k_j/√d over allowed j) v_j."""
    O = np.zeros((*Q.shape[:-1], V.shape[-1]))
    for idx in np.ndindex(Q.shape[:-2]):
        for i in range(Q.shape[-2]):
            scores = np.array(
                [Q[idx][i] @ K[idx][j] / np.sqrt(Q.shape[-1]) for j in range(K.shape[-2])]
            )
            allowed = keep[idx][i] if keep is not None else np.ones(K.shape[-2], bool)
            if not allowed.any():
                continue
            w = np.exp(scores[allowed] - scores[allowed].max())
            O[idx][i] = (w / w.sum()) @ V[idx][allowed]
    return O


def _random_mask(shape, seed=1, p=0.6):
    return np.random.default_rng(seed).random(shape) < p


@pytest.mark.parametrize("kind", ["none", "causal", "mask", "mask+causal", "rect_causal"])
def test_equals_the_naive_formula(kind):
    n_k = 9 if kind == "rect_causal" else 6
    Q, K, V = _qkv(n_k=n_k)
    mask = _random_mask((2, 6, n_k)) if "mask" in kind else None
    causal = "causal" in kind
    keep = None
    if mask is not None or causal:
        keep = np.ones((2, 6, n_k), bool) if mask is None else mask.copy()
        if causal:
            keep &= np.tril(np.ones((6, n_k), bool))
    O = scaled_dot_product_attention(Q, K, V, mask=mask, causal=causal)
    np.testing.assert_allclose(O, _naive(Q, K, V, keep), rtol=1e-12, atol=1e-12)


def test_fully_masked_rows_give_zero_output_and_no_nan():
    Q, K, V = _qkv()
    mask = np.ones((6, 6), bool)
    mask[2] = False
    O = scaled_dot_product_attention(Q, K, V, mask=mask)
    assert np.all(np.isfinite(O)) and not np.any(O[:, 2])
    dQ, dK, _dV = attention_backward(np.ones_like(O), Q, K, V, mask=mask)
    assert not np.any(dQ[:, 2]) and np.all(np.isfinite(dK))
    np.testing.assert_allclose(chunked_attention(Q, K, V, mask=mask, chunk_size=4), O, atol=1e-12)


def test_weights_are_row_stochastic():
    Q, K, _ = _qkv()
    P = attention_weights(Q, K, causal=True)
    np.testing.assert_allclose(P.sum(axis=-1), 1.0)
    assert np.all(np.triu(P[0], 1) == 0)


class _QKVLayer(Layer):
    """Adapter: one input X stacks Q, K and V, so check_layer_gradients sees all three."""

    def __init__(self, mask=None, causal=False):
        super().__init__()
        self.att = ScaledDotProductAttention(mask=mask, causal=causal)

    def forward(self, X):
        return self.att.forward(X[0], X[1], X[2])

    def backward(self, G):
        return np.stack(self.att.backward(G))


@pytest.mark.parametrize("kind", ["none", "causal", "mask", "mask+causal"])
def test_gradients_match_central_differences(kind):
    mask = _random_mask((2, 5, 5), seed=3) if "mask" in kind else None
    layer = _QKVLayer(mask=mask, causal="causal" in kind)
    X = np.random.default_rng(0).standard_normal((3, 2, 5, 4))  # (Q|K|V, batch, n, d)
    assert check_layer_gradients(layer, X)["X"] < GRAD_TOL


def test_functional_backward_equals_cached_backward():
    Q, K, V = _qkv()
    G = np.random.default_rng(5).standard_normal((2, 6, 3))
    att = ScaledDotProductAttention(causal=True)
    att.forward(Q, K, V)
    for a, b in zip(att.backward(G), attention_backward(G, Q, K, V, causal=True), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


class _MaskedMHA(Layer):
    def __init__(self, mha, mask):
        super().__init__()
        self.mha, self.mask = mha, mask
        self.params, self.grads = mha.params, mha.grads

    def forward(self, X):
        return self.mha.forward(X, mask=self.mask)

    def backward(self, G):
        return self.mha.backward(G)


@pytest.mark.parametrize("causal", [False, True])
def test_multihead_gradients_match_central_differences(causal):
    mha = MultiHeadAttention(8, 2, causal=causal, random_state=0)
    X = np.random.default_rng(1).standard_normal((2, 5, 8))
    layer = _MaskedMHA(mha, _random_mask((5, 5), seed=2, p=0.8) | np.eye(5, dtype=bool))
    errors = check_layer_gradients(layer, X)
    # softmax ignores a constant per row, so q·b_K is invisible: ∂L/∂b_K is exactly zero
    # and both sides are round-off; compare it absolutely
    zero_grad = errors.pop("b_K")
    assert max(errors.values()) < GRAD_TOL, errors
    assert zero_grad < 0.1  # relative to the 1e-7 floor: ‖difference‖ < 1e-8 absolutely
    mha.forward(X)
    mha.backward(np.ones((2, 5, 8)))
    np.testing.assert_allclose(mha.grads["b_K"], 0, atol=1e-12)


def test_multihead_equals_per_head_loop():
    mha = MultiHeadAttention(6, 3, random_state=0)
    X = np.random.default_rng(0).standard_normal((2, 4, 6))
    p = mha.params
    Q, K, V = (X @ p[f"W_{c}"].T + p[f"b_{c}"] for c in "QKV")
    heads = [
        scaled_dot_product_attention(
            Q[..., 2 * h : 2 * h + 2], K[..., 2 * h : 2 * h + 2], V[..., 2 * h : 2 * h + 2]
        )
        for h in range(3)
    ]
    expected = np.concatenate(heads, axis=-1) @ p["W_O"].T + p["b_O"]
    np.testing.assert_allclose(mha.forward(X), expected, rtol=1e-12)


@given(
    n_q=st.integers(1, 40),
    n_k=st.integers(1, 40),
    chunk=st.integers(1, 17),
    causal=st.booleans(),
    masked=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_chunked_equals_plain(n_q, n_k, chunk, causal, masked, seed):
    Q, K, V = _qkv((2, n_q, 8), n_k=n_k, d_v=5, seed=seed)
    mask = _random_mask((n_q, n_k), seed=seed) if masked else None
    plain = scaled_dot_product_attention(Q, K, V, mask=mask, causal=causal)
    chunked = chunked_attention(Q, K, V, mask=mask, causal=causal, chunk_size=chunk)
    np.testing.assert_allclose(chunked, plain, rtol=1e-6, atol=1e-6)


def test_chunked_float32_equals_plain_to_1e6():
    Q, K, V = (a.astype(np.float32) for a in _qkv((1, 300, 16), n_k=300, d_v=16))
    chunked = chunked_attention(Q, K, V, causal=True, chunk_size=64)
    assert chunked.dtype == np.float32
    np.testing.assert_allclose(
        chunked, scaled_dot_product_attention(Q, K, V, causal=True), atol=1e-6
    )


@pytest.mark.parametrize("causal", [False, True])
def test_matches_torch_forward_and_backward(causal):
    torch = pytest.importorskip("torch")
    Q, K, V = _qkv((2, 3, 7, 8), n_k=7, d_v=8)
    G = np.random.default_rng(9).standard_normal((2, 3, 7, 8))
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (Q, K, V))
    out = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=causal)
    out.backward(torch.from_numpy(G))
    np.testing.assert_allclose(
        scaled_dot_product_attention(Q, K, V, causal=causal), out.detach().numpy(), rtol=1e-10
    )
    for ours, t in zip(attention_backward(G, Q, K, V, causal=causal), (tq, tk, tv), strict=True):
        np.testing.assert_allclose(ours, t.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda Q, K, V: scaled_dot_product_attention(Q, K[..., :3], V), "d_k"),
        (lambda Q, K, V: scaled_dot_product_attention(Q, K, V[:, :4]), "one row per key"),
        (lambda Q, K, V: scaled_dot_product_attention(Q, K, V, mask=np.ones((6, 6))), "boolean"),
        (
            lambda Q, K, V: scaled_dot_product_attention(Q, K, V, mask=np.ones((5, 6), bool)),
            "broadcast",
        ),
        (lambda Q, K, V: chunked_attention(Q, K, V, chunk_size=0), "chunk_size=0"),
        (lambda Q, K, V: scaled_dot_product_attention(Q[0, 0], K, V), "at least 2 axes"),
        (lambda Q, K, V: MultiHeadAttention(6, 4), "must divide"),
        (lambda Q, K, V: MultiHeadAttention(4, 2).forward(Q[..., :3]), r"\(batch, n, 4\)"),
    ],
)
def test_bad_input_is_rejected(call, match):
    with pytest.raises(LinmlInputError, match=match):
        call(*_qkv())
