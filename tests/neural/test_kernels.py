"""The fused numba optimizer kernels against their plain NumPy twins."""

import numpy as np
import pytest

from linml.neural import _kernels


def adam_update_reference(theta, g, m, v, lr_t, beta1, beta2, eps_t, l2, decay):
    """NumPy twin of _kernels.adam_update (same folded bias corrections)."""
    g = g + l2 * theta
    m[:] = beta1 * m + (1 - beta1) * g
    v[:] = beta2 * v + (1 - beta2) * g * g
    theta[:] = (1 - decay) * theta - lr_t * m / (np.sqrt(v) + eps_t)


def momentum_update_reference(theta, g, buf, lr, mu, l2, nesterov):
    """NumPy twin of _kernels.momentum_update."""
    g = g + l2 * theta
    buf[:] = mu * buf + g
    theta[:] -= lr * (g + mu * buf) if nesterov else lr * buf


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("l2", "decay"), [(0.0, 0.0), (0.1, 0.0), (0.0, 0.01)])
def test_adam_kernel_matches_numpy(dtype, l2, decay):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(101).astype(dtype) for _ in range(3)]
    v0 = np.abs(rng.standard_normal(101)).astype(dtype)
    fast = [a.copy() for a in (*arrays, v0)]
    slow = [a.copy() for a in (*arrays, v0)]
    for _ in range(3):
        _kernels.adam_update(*fast, 1e-2, 0.9, 0.999, 1e-8, l2, decay)
        adam_update_reference(*slow, 1e-2, 0.9, 0.999, 1e-8, l2, decay)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)
        assert a.dtype == dtype


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("l2", [0.0, 0.05])
def test_momentum_kernel_matches_numpy(nesterov, l2):
    rng = np.random.default_rng(1)
    fast = [rng.standard_normal(50) for _ in range(3)]
    slow = [a.copy() for a in fast]
    for _ in range(4):
        _kernels.momentum_update(*fast, 0.1, 0.9, l2, nesterov)
        momentum_update_reference(*slow, 0.1, 0.9, l2, nesterov)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
