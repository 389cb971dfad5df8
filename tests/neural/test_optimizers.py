"""Optimizers: step-for-step equality with torch.optim, closed forms, clipping, bad input."""

import numpy as np
import pytest

from linml.exceptions import LinmlInputError
from linml.neural import SGD, Adam, AdamW, clip_grad_norm, global_norm
from linml.neural._training import make_optimizer

CASES = {
    "sgd": (lambda p: SGD(p, lr=0.1), "SGD", {"lr": 0.1}),
    "sgd_wd": (lambda p: SGD(p, lr=0.1, weight_decay=0.1), "SGD", {"lr": 0.1, "weight_decay": 0.1}),
    "momentum": (lambda p: SGD(p, lr=0.1, momentum=0.9), "SGD", {"lr": 0.1, "momentum": 0.9}),
    "nesterov": (
        lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        "SGD",
        {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    ),
    "adam": (lambda p: Adam(p, lr=0.05), "Adam", {"lr": 0.05}),
    "adam_l2": (
        lambda p: Adam(p, lr=0.05, weight_decay=0.1),
        "Adam",
        {"lr": 0.05, "weight_decay": 0.1},
    ),
    "adamw": (
        lambda p: AdamW(p, lr=0.05, weight_decay=0.1),
        "AdamW",
        {"lr": 0.05, "weight_decay": 0.1},
    ),
}


def _gradient(theta):
    """∇ of f(θ) = Σ (θ_i − 1)⁴ / 4 + θ_0 θ_1: non-quadratic, so moments matter."""
    g = (theta - 1) ** 3
    g[0] += theta[1]
    g[1] += theta[0]
    return g


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch_step_for_step(name):
    torch = pytest.importorskip("torch")
    make, torch_name, kwargs = CASES[name]
    theta0 = np.array([0.3, -1.2, 2.0, 0.7])
    theta, grad = theta0.copy(), np.zeros(4)
    opt = make([(theta, grad)])
    t_theta = torch.tensor(theta0, requires_grad=True)
    t_opt = getattr(torch.optim, torch_name)([t_theta], **kwargs)
    for _ in range(25):
        grad[:] = _gradient(theta)
        opt.step()
        t_theta.grad = torch.from_numpy(_gradient(t_theta.detach().numpy().copy()))
        t_opt.step()
    np.testing.assert_allclose(theta, t_theta.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_gradient_descent_on_a_quadratic_contracts_at_the_predicted_rate():
    """On ½θᵀAθ with η = 2/(λ_max + λ_min) the error shrinks by (κ−1)/(κ+1) per step."""
    A = np.diag([1.0, 10.0])
    theta, grad = np.array([1.0, 1.0]), np.zeros(2)
    opt = SGD([(theta, grad)], lr=2 / 11)
    norms = []
    for _ in range(30):
        grad[:] = A @ theta
        opt.step()
        norms.append(np.linalg.norm(theta))
    rate = (norms[-1] / norms[-11]) ** (1 / 10)
    assert rate == pytest.approx(9 / 11, rel=1e-6)


def test_adam_first_step_has_length_lr_per_coordinate():
    theta, grad = np.zeros(3), np.array([1e-3, 5.0, -200.0])
    Adam([(theta, grad)], lr=0.1).step()
    np.testing.assert_allclose(theta, [-0.1, -0.1, 0.1], rtol=1e-4)


def test_optimizer_accepts_a_layer_and_keeps_float32():
    from linml.neural import Linear

    layer = Linear(3, 2, random_state=0, dtype=np.float32)
    layer.grads["W"][:] = 1
    before = layer.params["W"].copy()
    AdamW(layer, lr=0.01).step()
    assert layer.params["W"].dtype == np.float32
    assert np.all(layer.params["W"] < before)


def test_clip_grad_norm_matches_torch_and_keeps_direction():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    tensors = [torch.zeros_like(torch.from_numpy(g), requires_grad=True) for g in grads]
    for t, g in zip(tensors, grads, strict=True):
        t.grad = torch.from_numpy(g.copy())
    expected_norm = torch.nn.utils.clip_grad_norm_(tensors, 1.5).item()
    before = [g.copy() for g in grads]
    norm = clip_grad_norm(grads, 1.5)
    assert norm == pytest.approx(expected_norm)
    assert global_norm(grads) == pytest.approx(1.5)
    for g, t, old in zip(grads, tensors, before, strict=True):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-6)
        np.testing.assert_allclose(g / np.linalg.norm(g), old / np.linalg.norm(old))


def test_clip_leaves_small_gradients_alone():
    g = [np.array([0.3, 0.4])]
    assert clip_grad_norm(g, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(g[0], [0.3, 0.4])


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda p: SGD(p, lr=-1.0), "lr=-1.0"),
        (lambda p: SGD(p, lr=0.1, momentum=1.5), "momentum=1.5"),
        (lambda p: SGD(p, lr=0.1, nesterov=True), "nesterov=True needs momentum"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), "betas"),
        (lambda p: make_optimizer("rmsprop", p, 0.1), "optimizer='rmsprop'"),
    ],
)
def test_bad_hyperparameters_are_rejected(build, match):
    with pytest.raises(LinmlInputError, match=match):
        build([(np.zeros(2), np.zeros(2))])


def test_non_contiguous_parameters_are_rejected():
    theta = np.zeros((4, 4))[:, ::2]
    with pytest.raises(LinmlInputError, match="C-contiguous"):
        Adam([(theta, np.zeros_like(theta))])
    with pytest.raises(LinmlInputError, match="match"):
        Adam([(np.zeros(2), np.zeros(3))])
    with pytest.raises(LinmlInputError, match="max_norm"):
        clip_grad_norm([np.zeros(2)], 0.0)
