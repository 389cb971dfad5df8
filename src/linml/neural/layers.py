"""Layers with hand-written backprop: the forward pass is matrix products, the backward their transposes.

Every layer keeps ``forward`` and ``backward`` side by side (micrograd-style). ``forward(X)``
caches what the backward pass needs; ``backward(G)`` takes ``G = ∂L/∂Y`` (same shape as the
output), writes the parameter gradients into ``layer.grads`` (in place, same arrays every
step) and returns ``∂L/∂X``. Parameters live in ``layer.params`` (name → array); an optimizer
updates them in place, so they may be views into one flat buffer
(:func:`flatten_parameters`), which makes an optimizer step and a global gradient norm one
vectorized operation.

>>> import numpy as np
>>> from linml.neural.layers import Linear, Sequential
>>> from linml.neural.activations import ReLU
>>> net = Sequential(Linear(3, 4, random_state=0), ReLU(), Linear(4, 2, random_state=1))
>>> Y = net.forward(np.ones((5, 3)))
>>> Y.shape
(5, 2)
>>> net.backward(np.ones_like(Y)).shape
(5, 3)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from linml.exceptions import LinmlInputError
from linml.neural.init import _rng, initialize

__all__ = [
    "BatchNorm1d",
    "Conv2d",
    "Dropout",
    "Flatten",
    "Layer",
    "LayerNorm",
    "Linear",
    "Residual",
    "Sequential",
    "flatten_parameters",
]


class Layer(ABC):
    """Base class: ``forward`` caches, ``backward`` returns ∂L/∂X and fills ``grads``.

    Attributes
    ----------
    params : dict of str -> ndarray
        Trainable arrays, updated in place by optimizers.
    grads : dict of str -> ndarray
        ∂L/∂param for the last ``backward``, same shapes as ``params``.
    buffers : dict of str -> ndarray
        Non-trainable state that must be saved (BatchNorm running statistics).
    training : bool
        Training mode (batch statistics, dropout) or evaluation mode.
    """

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        self.training = True

    @abstractmethod
    def forward(self, X: np.ndarray) -> np.ndarray:
        """The layer's output for ``X``; caches what ``backward`` needs."""

    @abstractmethod
    def backward(self, G: np.ndarray) -> np.ndarray | None:
        """``∂L/∂X`` from ``G = ∂L/∂output``; fills ``grads``."""

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.forward(X)

    def _add_param(self, name: str, value: np.ndarray) -> None:
        self.params[name] = np.ascontiguousarray(value)
        self.grads[name] = np.zeros_like(self.params[name])

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(param, grad)`` pairs, in a fixed order."""
        return [(self.params[k], self.grads[k]) for k in self.params]

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        """``(dotted name, param, grad)`` for every parameter, in the order of ``parameters()``."""
        for k in self.params:
            yield prefix + k, self.params[k], self.grads[k]

    def named_arrays(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        """Every parameter and buffer with a dotted name (for saving and inspection)."""
        for k, v in self.params.items():
            yield prefix + k, v
        for k, v in self.buffers.items():
            yield prefix + k, v

    def train(self, mode: bool = True) -> Layer:
        """Switch training mode on (``mode=True``) or off; returns ``self``."""
        self.training = mode
        return self

    def eval(self) -> Layer:
        """Evaluation mode: running statistics in BatchNorm, no dropout."""
        return self.train(False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _dtype(dtype: Any) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise LinmlInputError(f"dtype={dtype!r} must be float32 or float64.")
    return dt


def _positive_int(value: Any, name: str, owner: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise LinmlInputError(f"{owner}: {name}={value!r} must be an integer >= 1.")
    return int(value)


# ----------------------------------------------------------------------------- Linear
class Linear(Layer):
    """Affine map ``Y = X Wᵀ + b`` with ``W`` of shape ``(d_out, d_in)``.

    Backward, with ``G = ∂L/∂Y`` of shape ``(n, d_out)``:
    ``∂L/∂W = Gᵀ X``, ``∂L/∂b = Σ_rows G``, ``∂L/∂X = G W``.

    Parameters
    ----------
    d_in, d_out : int
        Input and output widths.
    bias : bool
        Learn ``b`` (initialized to zero).
    init : str
        Weight initialization, see :func:`linml.neural.init.initialize`.
    random_state : int, Generator or None
        Seed for the initialization.
    dtype : float32 or float64

    Attributes
    ----------
    input_grad : bool
        Compute ``∂L/∂X`` in ``backward`` (the first layer of a network does not need it:
        setting it False skips the widest GEMM; ``backward`` then returns None).

    Examples
    --------
    >>> import numpy as np
    >>> layer = Linear(2, 1, random_state=0)
    >>> layer.params["W"][:] = [[1.0, 2.0]]
    >>> layer.forward(np.array([[1.0, 1.0]]))
    array([[3.]])
    """

    def __init__(
        self,
        d_in: int,
        d_out: int,
        *,
        bias: bool = True,
        init: str = "xavier_uniform",
        random_state: Any = None,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        d_in = _positive_int(d_in, "d_in", "Linear")
        d_out = _positive_int(d_out, "d_out", "Linear")
        dt = _dtype(dtype)
        self._add_param("W", initialize(init, (d_out, d_in), random_state, dt))
        if bias:
            self._add_param("b", np.zeros(d_out, dtype=dt))
        self.input_grad = True
        self._X: np.ndarray | None = None

    @property
    def W(self) -> np.ndarray:
        return self.params["W"]

    @property
    def b(self) -> np.ndarray | None:
        return self.params.get("b")

    def forward(self, X: np.ndarray) -> np.ndarray:
        self._X = X
        Y = X @ self.params["W"].T  # (n, d_out) = (n, d_in)(d_in, d_out)
        if "b" in self.params:
            Y += self.params["b"]
        return Y

    def backward(self, G: np.ndarray) -> np.ndarray | None:
        X = self._X
        W = self.params["W"]
        gW = self.grads["W"]
        if G.dtype == gW.dtype and X.dtype == gW.dtype:
            np.matmul(G.T, X, out=gW)  # ∂L/∂W = Gᵀ X   (d_out, d_in)
        else:
            gW[...] = G.T @ X
        if "b" in self.params:
            self.grads["b"][...] = G.sum(axis=0)  # ∂L/∂b = Σ G
        if not self.input_grad:
            return None
        return G @ W  # ∂L/∂X = G W   (n, d_in)

    def __repr__(self) -> str:
        d_out, d_in = self.params["W"].shape
        return f"Linear({d_in}, {d_out})"


# ----------------------------------------------------------------------------- norms
class BatchNorm1d(Layer):
    """Batch normalization over the rows: ``Y = γ ⊙ (X − μ_B)/√(σ²_B + ε) + β``.

    In training, ``μ_B, σ²_B`` are the batch mean and (biased) variance and the running
    estimates move by ``momentum``; in evaluation the running estimates are used.

    Backward (with ``X̂`` the normalized input, ``s = 1/√(σ²_B + ε)``, ``n`` rows):
    ``∂L/∂γ = Σ G ⊙ X̂``, ``∂L/∂β = Σ G``,
    ``∂L/∂X = (s/n) (n Ĝ − Σ Ĝ − X̂ ⊙ Σ(Ĝ ⊙ X̂))`` with ``Ĝ = γ ⊙ G``.

    >>> import numpy as np
    >>> bn = BatchNorm1d(2)
    >>> Y = bn.forward(np.array([[0.0, 1.0], [2.0, 5.0]]))
    >>> np.round(Y, 3)
    array([[-1., -1.],
           [ 1.,  1.]])
    """

    def __init__(
        self, d: int, *, momentum: float = 0.1, eps: float = 1e-5, dtype: Any = np.float64
    ) -> None:
        super().__init__()
        d = _positive_int(d, "d", "BatchNorm1d")
        dt = _dtype(dtype)
        self._add_param("gamma", np.ones(d, dtype=dt))
        self._add_param("beta", np.zeros(d, dtype=dt))
        self.buffers["running_mean"] = np.zeros(d, dtype=dt)
        self.buffers["running_var"] = np.ones(d, dtype=dt)
        self.momentum = momentum
        self.eps = eps

    def forward(self, X: np.ndarray) -> np.ndarray:
        gamma, beta = self.params["gamma"], self.params["beta"]
        if self.training:
            n = X.shape[0]
            if n < 2:
                raise LinmlInputError(
                    "BatchNorm1d needs at least 2 rows per batch in training mode to estimate a "
                    f"variance; got {n}. Use a larger batch or call .eval()."
                )
            mu = X.mean(axis=0)
            var = X.var(axis=0)
            m = self.momentum
            self.buffers["running_mean"] *= 1 - m
            self.buffers["running_mean"] += m * mu
            self.buffers["running_var"] *= 1 - m
            self.buffers["running_var"] += m * var * (n / (n - 1))  # unbiased, as PyTorch
        else:
            mu, var = self.buffers["running_mean"], self.buffers["running_var"]
        self._inv_std = 1.0 / np.sqrt(var + self.eps)
        self._Xhat = (X - mu) * self._inv_std  # X̂ = (X − μ)/√(σ² + ε)
        return self._Xhat * gamma + beta

    def backward(self, G: np.ndarray) -> np.ndarray:
        Xhat, s = self._Xhat, self._inv_std
        self.grads["gamma"][...] = (G * Xhat).sum(axis=0)
        self.grads["beta"][...] = G.sum(axis=0)
        Ghat = G * self.params["gamma"]
        if not self.training:  # running statistics are constants: a diagonal scaling
            return Ghat * s
        n = G.shape[0]
        # ∂L/∂X = (s/n)(n Ĝ − Σ Ĝ − X̂ Σ(Ĝ X̂))
        return (s / n) * (n * Ghat - Ghat.sum(axis=0) - Xhat * (Ghat * Xhat).sum(axis=0))

    def __repr__(self) -> str:
        return f"BatchNorm1d({self.params['gamma'].shape[0]})"


class LayerNorm(Layer):
    """Layer normalization over the last axis: ``Y = γ ⊙ (x − mean(x))/√(var(x) + ε) + β``.

    Same backward as :class:`BatchNorm1d` with the roles of rows and columns exchanged
    (statistics over the ``d`` features of each row).

    >>> import numpy as np
    >>> np.round(LayerNorm(3).forward(np.array([[1.0, 2.0, 3.0]])), 3)
    array([[-1.225,  0.   ,  1.225]])
    """

    def __init__(self, d: int, *, eps: float = 1e-5, dtype: Any = np.float64) -> None:
        super().__init__()
        d = _positive_int(d, "d", "LayerNorm")
        dt = _dtype(dtype)
        self._add_param("gamma", np.ones(d, dtype=dt))
        self._add_param("beta", np.zeros(d, dtype=dt))
        self.eps = eps

    def forward(self, X: np.ndarray) -> np.ndarray:
        mu = X.mean(axis=-1, keepdims=True)
        var = X.var(axis=-1, keepdims=True)
        self._inv_std = 1.0 / np.sqrt(var + self.eps)
        self._Xhat = (X - mu) * self._inv_std
        return self._Xhat * self.params["gamma"] + self.params["beta"]

    def backward(self, G: np.ndarray) -> np.ndarray:
        Xhat, s = self._Xhat, self._inv_std
        axes = tuple(range(G.ndim - 1))
        self.grads["gamma"][...] = (G * Xhat).sum(axis=axes)
        self.grads["beta"][...] = G.sum(axis=axes)
        Ghat = G * self.params["gamma"]
        d = G.shape[-1]
        return (s / d) * (
            d * Ghat
            - Ghat.sum(axis=-1, keepdims=True)
            - Xhat * (Ghat * Xhat).sum(axis=-1, keepdims=True)
        )

    def __repr__(self) -> str:
        return f"LayerNorm({self.params['gamma'].shape[0]})"


# ----------------------------------------------------------------------------- dropout
class Dropout(Layer):
    """Inverted dropout: in training ``Y = X ⊙ M / (1 − p)`` with ``M_ij ~ Bernoulli(1 − p)``.

    The backward pass applies the same mask, ``∂L/∂X = G ⊙ M / (1 − p)``; in evaluation the
    layer is the identity.

    >>> import numpy as np
    >>> Dropout(0.5, random_state=0).eval().forward(np.ones((1, 3)))
    array([[1., 1., 1.]])
    """

    def __init__(self, p: float = 0.5, *, random_state: Any = None) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, float | int) or not 0 <= p < 1:
            raise LinmlInputError(f"Dropout: p={p!r} must be a number in [0, 1).")
        self.p = float(p)
        self.rng = _rng(random_state)

    def forward(self, X: np.ndarray) -> np.ndarray:
        if not self.training or self.p == 0.0:
            self._scale = None
            return X
        keep = self.rng.random(X.shape) >= self.p
        self._scale = keep.astype(X.dtype) / X.dtype.type(1.0 - self.p)
        return X * self._scale

    def backward(self, G: np.ndarray) -> np.ndarray:
        return G if self._scale is None else G * self._scale

    def __repr__(self) -> str:
        return f"Dropout({self.p})"


# ----------------------------------------------------------------------------- containers
class Sequential(Layer):
    """Layers applied in order; backward runs them in reverse (the chain rule).

    ``Y = f_L(… f_2(f_1(X)))``;  ``∂L/∂X = J_1ᵀ(J_2ᵀ(… J_Lᵀ G))``.

    >>> import numpy as np
    >>> from linml.neural.activations import Tanh
    >>> net = Sequential(Linear(2, 3, random_state=0), Tanh())
    >>> len(net.parameters())
    2
    """

    def __init__(self, *layers: Layer | Iterable[Layer]) -> None:
        super().__init__()
        if len(layers) == 1 and not isinstance(layers[0], Layer):
            layers = tuple(layers[0])
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Sequential: item {i} is a {type(layer).__name__}, not a linml.neural Layer."
                )
        self.layers: list[Layer] = list(layers)

    def forward(self, X: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def backward(self, G: np.ndarray) -> np.ndarray | None:
        for layer in reversed(self.layers):
            G = layer.backward(G)
            if G is None:  # a first layer that skips ∂L/∂X
                return None
        return G

    def forward_trace(self, X: np.ndarray) -> list[np.ndarray]:
        """Forward pass returning every intermediate: ``[X, f_1(X), f_2(f_1(X)), …]``."""
        outputs = [X]
        for layer in self.layers:
            outputs.append(layer.forward(outputs[-1]))
        return outputs

    def backward_trace(self, G: np.ndarray) -> list[np.ndarray | None]:
        """Backward pass returning ∂L/∂(input of each layer), in layer order, then ``G``."""
        grads: list[np.ndarray | None] = [G]
        for layer in reversed(self.layers):
            G = layer.backward(G) if G is not None else None
            grads.append(G)
        return grads[::-1]

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [pg for layer in self.layers for pg in layer.parameters()]

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        for i, layer in enumerate(self.layers):
            yield from layer.named_parameters(f"{prefix}{i}.")

    def named_arrays(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        for i, layer in enumerate(self.layers):
            yield from layer.named_arrays(f"{prefix}{i}.")

    def train(self, mode: bool = True) -> Sequential:
        self.training = mode
        for layer in self.layers:
            layer.train(mode)
        return self

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    def __repr__(self) -> str:
        return "Sequential(" + ", ".join(repr(layer) for layer in self.layers) + ")"


class Residual(Layer):
    """Residual block ``Y = X + F(X)``; backward ``∂L/∂X = G + J_Fᵀ G``.

    >>> import numpy as np
    >>> block = Residual(Linear(2, 2, random_state=0))
    >>> block.forward(np.zeros((1, 2)))
    array([[0., 0.]])
    """

    def __init__(self, block: Layer) -> None:
        super().__init__()
        if not isinstance(block, Layer):
            raise TypeError(f"Residual: block must be a linml.neural Layer; got {type(block)}.")
        self.block = block

    def forward(self, X: np.ndarray) -> np.ndarray:
        Y = self.block.forward(X)
        if Y.shape != X.shape:
            raise LinmlInputError(
                f"Residual: the block maps shape {X.shape} to {Y.shape}; a residual connection "
                "X + F(X) needs F to keep the shape."
            )
        return X + Y

    def backward(self, G: np.ndarray) -> np.ndarray:
        return G + self.block.backward(G)

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return self.block.parameters()

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        yield from self.block.named_parameters(prefix + "block.")

    def named_arrays(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        yield from self.block.named_arrays(prefix + "block.")

    def train(self, mode: bool = True) -> Residual:
        self.training = mode
        self.block.train(mode)
        return self

    def __repr__(self) -> str:
        return f"Residual({self.block!r})"


class Flatten(Layer):
    """Reshape ``(n, d_1, d_2, …)`` to ``(n, d_1·d_2·…)``; backward reshapes back."""

    def forward(self, X: np.ndarray) -> np.ndarray:
        self._shape = X.shape
        return X.reshape(X.shape[0], -1)

    def backward(self, G: np.ndarray) -> np.ndarray:
        return G.reshape(self._shape)


# ----------------------------------------------------------------------------- Conv2d
def _im2col(Xp: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """Patches of a padded image batch as rows: ``(n·H_out·W_out, C·kh·kw)``."""
    # (n, C, H_out', W_out', kh, kw) strided view, then keep every stride-th window
    win = np.lib.stride_tricks.sliding_window_view(Xp, (kh, kw), axis=(2, 3))
    win = win[:, :, ::stride, ::stride]
    n, C, Ho, Wo = win.shape[:4]
    # (n, H_out, W_out, C, kh, kw) -> rows are patches
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * Ho * Wo, C * kh * kw)


class Conv2d(Layer):
    """2-D convolution (cross-correlation) as one GEMM on unfolded patches (im2col).

    With ``P = im2col(X)`` of shape ``(n·H_out·W_out, C·kh·kw)`` and the filters flattened
    to ``W_mat`` of shape ``(F, C·kh·kw)``: ``Y_mat = P W_matᵀ + b`` — a :class:`Linear`
    applied to every patch. Backward is the Linear backward followed by col2im (adding each
    patch's gradient back where it came from): ``∂L/∂W_mat = G_matᵀ P``,
    ``∂L/∂P = G_mat W_mat``.

    Parameters
    ----------
    in_channels, out_channels, kernel_size : int
    stride, padding : int
    init, random_state, dtype
        As in :class:`Linear` (fan-in is ``C·kh·kw``).

    Examples
    --------
    >>> import numpy as np
    >>> conv = Conv2d(1, 2, 3, padding=1, random_state=0)
    >>> conv.forward(np.ones((4, 1, 8, 8))).shape
    (4, 2, 8, 8)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        stride: int = 1,
        padding: int = 0,
        bias: bool = True,
        init: str = "he_normal",
        random_state: Any = None,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        C = _positive_int(in_channels, "in_channels", "Conv2d")
        F = _positive_int(out_channels, "out_channels", "Conv2d")
        k = _positive_int(kernel_size, "kernel_size", "Conv2d")
        self.stride = _positive_int(stride, "stride", "Conv2d")
        if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
            raise LinmlInputError(f"Conv2d: padding={padding!r} must be an integer >= 0.")
        self.padding = padding
        dt = _dtype(dtype)
        self._add_param("W", initialize(init, (F, C, k, k), random_state, dt))
        if bias:
            self._add_param("b", np.zeros(F, dtype=dt))

    def forward(self, X: np.ndarray) -> np.ndarray:
        F, C, kh, kw = self.params["W"].shape
        if X.ndim != 4 or X.shape[1] != C:
            raise LinmlInputError(
                f"Conv2d expects input of shape (n, {C}, height, width); got {X.shape}."
            )
        p, s = self.padding, self.stride
        Xp = np.pad(X, ((0, 0), (0, 0), (p, p), (p, p))) if p else X
        n, _, Hp, Wp = Xp.shape
        if Hp < kh or Wp < kw:
            raise LinmlInputError(
                f"Conv2d: padded input {Hp}x{Wp} is smaller than the {kh}x{kw} kernel."
            )
        Ho, Wo = (Hp - kh) // s + 1, (Wp - kw) // s + 1
        P = _im2col(Xp, kh, kw, s)  # (n·Ho·Wo, C·kh·kw)
        Y = P @ self.params["W"].reshape(F, -1).T  # (n·Ho·Wo, F)
        if "b" in self.params:
            Y += self.params["b"]
        self._P, self._Xp_shape, self._out = P, Xp.shape, (n, Ho, Wo)
        return Y.reshape(n, Ho, Wo, F).transpose(0, 3, 1, 2)  # (n, F, Ho, Wo)

    def backward(self, G: np.ndarray) -> np.ndarray:
        F, C, kh, kw = self.params["W"].shape
        n, Ho, Wo = self._out
        s, p = self.stride, self.padding
        G_mat = G.transpose(0, 2, 3, 1).reshape(n * Ho * Wo, F)  # (n·Ho·Wo, F)
        self.grads["W"][...] = (G_mat.T @ self._P).reshape(F, C, kh, kw)  # Gᵀ P
        if "b" in self.params:
            self.grads["b"][...] = G_mat.sum(axis=0)
        dP = G_mat @ self.params["W"].reshape(F, -1)  # (n·Ho·Wo, C·kh·kw) = G W
        dP = dP.reshape(n, Ho, Wo, C, kh, kw)
        # col2im: each kernel offset (i, j) sends its patch gradients back to a strided slice
        dXp = np.zeros(self._Xp_shape, dtype=G.dtype)
        for i in range(kh):
            for j in range(kw):
                dXp[:, :, i : i + s * Ho : s, j : j + s * Wo : s] += dP[:, :, :, :, i, j].transpose(
                    0, 3, 1, 2
                )
        if p:
            return dXp[:, :, p:-p, p:-p]
        return dXp

    def __repr__(self) -> str:
        F, C, k, _ = self.params["W"].shape
        return f"Conv2d({C}, {F}, {k}, stride={self.stride}, padding={self.padding})"


# ----------------------------------------------------------------------------- flat buffers
def flatten_parameters(layer: Layer) -> tuple[np.ndarray, np.ndarray]:
    """Move every parameter (and gradient) of ``layer`` into one flat, contiguous buffer.

    Each ``params[k]``/``grads[k]`` becomes a view into the flat arrays, so an optimizer
    step or a global gradient norm is a single vectorized operation over all weights.
    All parameters must share one dtype. Returns ``(flat_params, flat_grads)``.

    >>> import numpy as np
    >>> net = Sequential(Linear(3, 2, random_state=0), Linear(2, 1, random_state=0))
    >>> theta, grad = flatten_parameters(net)
    >>> theta.shape, np.shares_memory(theta, net[0].params["W"])
    ((11,), True)
    """
    owners = _param_owners(layer)
    if not owners:
        return np.zeros(0), np.zeros(0)
    dtypes = {owner.params[k].dtype for owner, k in owners}
    if len(dtypes) != 1:
        raise LinmlInputError(
            f"flatten_parameters: parameters have several dtypes {sorted(map(str, dtypes))}; "
            "build every layer with the same dtype."
        )
    dt = dtypes.pop()
    total = sum(owner.params[k].size for owner, k in owners)
    flat, gflat = np.empty(total, dtype=dt), np.zeros(total, dtype=dt)
    offset = 0
    for owner, k in owners:
        shape, size = owner.params[k].shape, owner.params[k].size
        flat[offset : offset + size] = owner.params[k].ravel()
        owner.params[k] = flat[offset : offset + size].reshape(shape)
        owner.grads[k] = gflat[offset : offset + size].reshape(shape)
        offset += size
    return flat, gflat


def _param_owners(layer: Layer) -> list[tuple[Layer, str]]:
    if isinstance(layer, Sequential):
        return [o for sub in layer.layers for o in _param_owners(sub)]
    if isinstance(layer, Residual):
        return _param_owners(layer.block)
    if hasattr(layer, "sublayers"):
        return [o for sub in layer.sublayers() for o in _param_owners(sub)]
    return [(layer, k) for k in layer.params]
