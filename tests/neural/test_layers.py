"""Layers: gradient checks (float64, rel. error < 1e-6), oracles, modes and bad input."""

import numpy as np
import pytest

from linml.exceptions import LinmlInputError
from linml.neural import (
    BatchNorm1d,
    Conv2d,
    Dropout,
    Flatten,
    LayerNorm,
    Linear,
    ReLU,
    Residual,
    Sequential,
    Tanh,
    check_layer_gradients,
    flatten_parameters,
)

GRAD_TOL = 1e-6


def _x(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


LAYERS = {
    "linear": (lambda: Linear(4, 3, random_state=0), (6, 4)),
    "linear_nobias": (lambda: Linear(4, 3, bias=False, random_state=0), (6, 4)),
    "batchnorm_train": (lambda: BatchNorm1d(4), (6, 4)),
    "layernorm": (lambda: LayerNorm(4), (6, 4)),
    "layernorm_3d": (lambda: LayerNorm(4), (2, 3, 4)),
    "sequential": (
        lambda: Sequential(Linear(4, 5, random_state=1), Tanh(), Linear(5, 2, random_state=2)),
        (6, 4),
    ),
    "residual": (lambda: Residual(Sequential(Linear(4, 4, random_state=1), Tanh())), (6, 4)),
    "conv": (lambda: Conv2d(2, 3, 3, random_state=0), (2, 2, 5, 6)),
    "conv_stride_pad": (lambda: Conv2d(2, 3, 3, stride=2, padding=1, random_state=0), (2, 2, 7, 6)),
    "conv_flatten_linear": (
        lambda: Sequential(
            Conv2d(1, 2, 2, random_state=0), Flatten(), Linear(18, 2, random_state=0)
        ),
        (3, 1, 4, 4),
    ),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_gradients_match_central_differences(name):
    make, shape = LAYERS[name]
    errors = check_layer_gradients(make(), _x(shape))
    assert max(errors.values()) < GRAD_TOL, errors


def test_batchnorm_eval_mode_gradient_and_running_stats():
    bn = BatchNorm1d(4, momentum=1.0)  # running stats = last batch stats
    X = _x((50, 4)) * 3 + 2
    bn.forward(X)
    np.testing.assert_allclose(bn.buffers["running_mean"], X.mean(axis=0))
    np.testing.assert_allclose(bn.buffers["running_var"], X.var(axis=0, ddof=1))
    bn.eval()
    errors = check_layer_gradients(bn, _x((6, 4)))
    assert max(errors.values()) < GRAD_TOL


def test_batchnorm_train_output_is_standardized():
    Y = BatchNorm1d(3).forward(_x((100, 3)) * 5 - 1)
    np.testing.assert_allclose(Y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Y.std(axis=0), 1, atol=1e-5)


def test_dropout_gradient_with_fixed_mask_and_eval_identity():
    layer = Dropout(0.3)

    def reseed():
        layer.rng = np.random.default_rng(0)

    errors = check_layer_gradients(layer, _x((6, 4)), reset=reseed)
    assert max(errors.values()) < GRAD_TOL
    X = _x((1000, 50))
    kept = layer.forward(X) != 0
    assert 0.65 < kept.mean() < 0.75
    np.testing.assert_array_equal(layer.eval().forward(X), X)


def _conv_naive(X, W, b, stride, pad):
    """Direct 6-loop cross-correlation: the oracle for im2col + GEMM."""
    X = np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, _C, H, Wd = X.shape
    F, _, k, _ = W.shape
    Ho, Wo = (H - k) // stride + 1, (Wd - k) // stride + 1
    Y = np.zeros((n, F, Ho, Wo))
    for i in range(n):
        for f in range(F):
            for r in range(Ho):
                for c in range(Wo):
                    patch = X[i, :, r * stride : r * stride + k, c * stride : c * stride + k]
                    Y[i, f, r, c] = np.sum(patch * W[f]) + b[f]
    return Y


@pytest.mark.parametrize(("stride", "pad"), [(1, 0), (2, 1), (3, 2)])
def test_conv_equals_naive_loops(stride, pad):
    conv = Conv2d(3, 4, 3, stride=stride, padding=pad, random_state=0)
    conv.params["b"][:] = np.arange(4)
    X = _x((2, 3, 9, 8))
    expected = _conv_naive(X, conv.params["W"], conv.params["b"], stride, pad)
    np.testing.assert_allclose(conv.forward(X), expected, rtol=1e-12, atol=1e-12)


def test_linear_backward_formulas():
    layer = Linear(3, 2, random_state=0)
    X, G = _x((5, 3)), _x((5, 2), 2)
    layer.forward(X)
    dX = layer.backward(G)
    np.testing.assert_allclose(layer.grads["W"], G.T @ X)
    np.testing.assert_allclose(layer.grads["b"], G.sum(axis=0))
    np.testing.assert_allclose(dX, G @ layer.params["W"])


def test_linear_can_skip_input_gradient():
    layer = Linear(3, 2, random_state=0)
    layer.input_grad = False
    layer.forward(_x((5, 3)))
    assert layer.backward(_x((5, 2))) is None
    assert np.any(layer.grads["W"] != 0)


def test_flatten_parameters_makes_views_and_keeps_values():
    net = Sequential(Linear(3, 4, random_state=0), ReLU(), Linear(4, 2, random_state=1))
    before = [p.copy() for p, _ in net.parameters()]
    theta, grad = flatten_parameters(net)
    assert theta.size == 3 * 4 + 4 + 4 * 2 + 2
    for (p, g), old in zip(net.parameters(), before, strict=True):
        np.testing.assert_array_equal(p, old)
        assert np.shares_memory(p, theta) and np.shares_memory(g, grad)
    theta[:] = 0
    assert not np.any(net[0].params["W"])


def test_small_cnn_trains_on_digits_images():
    """A conv layer learns: a small CNN beats 85% on held-out digits after a few epochs."""
    from sklearn.datasets import load_digits

    from linml.neural import Adam, SoftmaxCrossEntropy

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 1, 8, 8)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    train, test = order[:1400], order[1400:]
    net = Sequential(
        Conv2d(1, 8, 3, padding=1, random_state=0),
        ReLU(),
        Flatten(),
        Linear(8 * 64, 10, random_state=1),
    )
    opt, loss = Adam(net, lr=3e-3), SoftmaxCrossEntropy()
    for _ in range(4):
        for lo in range(0, len(train), 64):
            idx = train[lo : lo + 64]
            loss.forward(net.forward(X[idx]), y[idx])
            net.backward(loss.backward())
            opt.step()
    accuracy = np.mean(np.argmax(net.forward(X[test]), axis=1) == y[test])
    assert accuracy > 0.85


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Linear(0, 3), "d_in=0"),
        (lambda: Linear(3, 2, dtype=np.int32), "float32 or float64"),
        (lambda: Linear(3, 2, init="bogus"), "init='bogus'"),
        (lambda: Dropout(1.0), "p=1.0"),
        (lambda: Conv2d(1, 2, 3, padding=-1), "padding=-1"),
        (lambda: Sequential(Linear(2, 2), "relu"), "item 1"),
    ],
)
def test_bad_construction_is_rejected(make, match):
    with pytest.raises((LinmlInputError, TypeError), match=match):
        make()


def test_bad_forward_inputs_are_rejected():
    with pytest.raises(LinmlInputError, match=r"\(n, 2, height, width\)"):
        Conv2d(2, 3, 3).forward(np.zeros((1, 3, 5, 5)))
    with pytest.raises(LinmlInputError, match="at least 2 rows"):
        BatchNorm1d(3).forward(np.zeros((1, 3)))
    with pytest.raises(LinmlInputError, match="keep the shape"):
        Residual(Linear(3, 2)).forward(np.zeros((4, 3)))
