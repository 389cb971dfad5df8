"""The gradient checker itself: it passes correct backward passes and catches wrong ones."""

import numpy as np
import pytest

from linml.exceptions import LinmlInputError
from linml.neural import Linear, check_layer_gradients, numerical_gradient, relative_error


class _BuggyLinear(Linear):
    """∂L/∂W off by 1%: the checker must notice."""

    def backward(self, G):
        dX = super().backward(G)
        self.grads["W"] *= 1.01
        return dX


def test_catches_a_wrong_parameter_gradient():
    errors = check_layer_gradients(_BuggyLinear(3, 2, random_state=0), np.ones((4, 3)))
    assert errors["W"] > 1e-3
    assert errors["X"] < 1e-8


def test_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = numerical_gradient(lambda: float(np.sum(np.sin(x))), x)
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-8)
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # restored


def test_relative_error_floor_compares_zero_gradients_absolutely():
    assert relative_error(np.array([1e-17]), np.array([2e-10])) == pytest.approx(1.0, rel=1e-6)
    assert relative_error(np.array([1e-17]), np.array([2e-10]), floor=1e-6) < 1e-3


def test_numerical_gradient_refuses_float32():
    with pytest.raises(LinmlInputError, match="float64"):
        numerical_gradient(lambda: 0.0, np.zeros(2, dtype=np.float32))
