"""First-order optimizers updating parameters in place: SGD, momentum, Nesterov, Adam, AdamW.

An optimizer is built on the ``(param, grad)`` pairs of a layer (``layer.parameters()``) or
on the layer itself; ``step()`` reads the gradients the last ``backward`` wrote and moves the
parameters. The conventions follow PyTorch, so the two agree step for step:

* SGD: ``θ ← θ − η g``
* momentum (heavy ball): ``b ← μ b + g``, ``θ ← θ − η b``
* Nesterov: ``b ← μ b + g``, ``θ ← θ − η (g + μ b)``
* Adam: ``m ← β₁m + (1−β₁)g``, ``v ← β₂v + (1−β₂)g²``, ``θ ← θ − η m̂/(√v̂ + ε)`` with
  ``m̂ = m/(1−β₁ᵗ)``, ``v̂ = v/(1−β₂ᵗ)`` (Kingma & Ba 2015)
* AdamW: ``θ ← (1 − ηλ)θ`` then the Adam step (decoupled weight decay, Loshchilov & Hutter 2019)

``weight_decay`` in SGD/Adam is the coupled L2 penalty ``g ← g + λθ``.

On a quadratic ``½ θᵀAθ`` gradient descent contracts the error by at best
``(κ−1)/(κ+1)`` per step (κ = cond(A)); heavy-ball momentum with tuned ``η, μ`` by
``(√κ−1)/(√κ+1)`` — the tour chapter *Conditioning and optimizers* measures both.

>>> import numpy as np
>>> theta, grad = np.array([1.0]), np.zeros(1)
>>> opt = SGD([(theta, grad)], lr=0.1)
>>> grad[:] = 2 * theta   # ∇ θ² at θ = 1
>>> opt.step(); theta
array([0.8])
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from linml.exceptions import LinmlInputError
from linml.neural import _kernels

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "clip_grad_norm", "global_norm"]


def _pairs(parameters: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    if hasattr(parameters, "parameters") and callable(parameters.parameters):
        parameters = parameters.parameters()
    pairs = []
    for i, pair in enumerate(parameters):
        try:
            theta, grad = pair
        except (TypeError, ValueError) as e:
            raise LinmlInputError(
                f"optimizer parameters: item {i} must be a (param, grad) pair of arrays."
            ) from e
        if not isinstance(theta, np.ndarray) or not isinstance(grad, np.ndarray):
            raise LinmlInputError(
                f"optimizer parameters: item {i} must hold NumPy arrays; got "
                f"{type(theta).__name__}, {type(grad).__name__}."
            )
        if theta.shape != grad.shape or theta.dtype != grad.dtype:
            raise LinmlInputError(
                f"optimizer parameters: item {i} has param {theta.shape} {theta.dtype} but grad "
                f"{grad.shape} {grad.dtype}; they must match."
            )
        if not (theta.flags.c_contiguous and grad.flags.c_contiguous and theta.flags.writeable):
            raise LinmlInputError(
                f"optimizer parameters: item {i} is not a writeable C-contiguous array; the "
                "in-place update needs one (use np.ascontiguousarray when building the layer)."
            )
        if theta.dtype.kind != "f":
            raise LinmlInputError(f"optimizer parameters: item {i} has dtype {theta.dtype}.")
        pairs.append((theta.reshape(-1), grad.reshape(-1)))
    return pairs


def _check_lr(lr: Any, owner: str) -> float:
    if isinstance(lr, bool) or not isinstance(lr, int | float) or not np.isfinite(lr) or lr <= 0:
        raise LinmlInputError(f"{owner}: lr={lr!r} must be a positive finite number.")
    return float(lr)


class Optimizer(ABC):
    """Base class: holds the flattened ``(param, grad)`` pairs and the step count ``t``."""

    def __init__(self, parameters: Any, lr: float) -> None:
        self.pairs = _pairs(parameters)
        self.lr = _check_lr(lr, type(self).__name__)
        self.t = 0

    @abstractmethod
    def step(self) -> None:
        """Update every parameter in place from its gradient."""


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum and L2 weight decay.

    Parameters
    ----------
    parameters : Layer or list of (param, grad)
    lr : float
        Step size η.
    momentum : float
        μ in ``b ← μ b + g``; 0 is plain gradient descent.
    nesterov : bool
        Look-ahead update ``θ ← θ − η (g + μ b)``.
    weight_decay : float
        Coupled L2: ``g ← g + λ θ``.

    Examples
    --------
    >>> import numpy as np
    >>> theta, grad = np.array([1.0]), np.array([1.0])
    >>> opt = SGD([(theta, grad)], lr=0.5, momentum=0.9)
    >>> opt.step(); opt.step(); theta   # b = 1, then 1.9
    array([-0.45])
    """

    def __init__(
        self,
        parameters: Any,
        lr: float = 0.01,
        *,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(parameters, lr)
        if not 0 <= momentum < 1:
            raise LinmlInputError(f"SGD: momentum={momentum!r} must be in [0, 1).")
        if nesterov and momentum == 0:
            raise LinmlInputError("SGD: nesterov=True needs momentum > 0.")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.weight_decay = float(weight_decay)
        self.buffers = [np.zeros_like(p) for p, _ in self.pairs] if momentum else []

    def step(self) -> None:
        self.t += 1
        if not self.momentum:
            for theta, g in self.pairs:
                if self.weight_decay:
                    theta -= self.lr * (g + self.weight_decay * theta)
                else:
                    theta -= theta.dtype.type(self.lr) * g
            return
        for (theta, g), buf in zip(self.pairs, self.buffers, strict=True):
            _kernels.momentum_update(
                theta, g, buf, self.lr, self.momentum, self.weight_decay, self.nesterov
            )


class Adam(Optimizer):
    """Adam: per-coordinate steps scaled by running RMS of the gradient.

    Parameters
    ----------
    parameters : Layer or list of (param, grad)
    lr : float
    betas : (float, float)
        Decay rates (β₁, β₂) of the first and second moment estimates.
    eps : float
    weight_decay : float
        Coupled L2 (added to the gradient, so it is rescaled by Adam — see AdamW).

    Examples
    --------
    >>> import numpy as np
    >>> theta, grad = np.array([1.0]), np.array([3.0])
    >>> opt = Adam([(theta, grad)], lr=0.1)
    >>> opt.step(); np.round(theta, 6)   # the first step has length lr whatever |g|
    array([0.9])
    """

    decoupled = False

    def __init__(
        self,
        parameters: Any,
        lr: float = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(parameters, lr)
        b1, b2 = betas
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise LinmlInputError(f"{type(self).__name__}: betas={betas!r} must lie in [0, 1).")
        self.betas = (float(b1), float(b2))
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
        self.m = [np.zeros_like(p) for p, _ in self.pairs]
        self.v = [np.zeros_like(p) for p, _ in self.pairs]

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        # bias corrections folded into the step and ε: η m̂/(√v̂+ε) = η_t m/(√v + ε_t)
        root = np.sqrt(1.0 - b2**self.t)
        lr_t = self.lr * root / (1.0 - b1**self.t)
        eps_t = self.eps * root
        l2, decay = (
            (0.0, self.lr * self.weight_decay) if self.decoupled else (self.weight_decay, 0.0)
        )
        for (theta, g), m, v in zip(self.pairs, self.m, self.v, strict=True):
            _kernels.adam_update(theta, g, m, v, lr_t, b1, b2, eps_t, l2, decay)


class AdamW(Adam):
    """Adam with decoupled weight decay: ``θ ← (1 − ηλ) θ`` before each Adam step.

    >>> import numpy as np
    >>> theta, grad = np.array([1.0]), np.array([0.0])
    >>> opt = AdamW([(theta, grad)], lr=0.1, weight_decay=0.5)
    >>> opt.step(); theta
    array([0.95])
    """

    decoupled = True

    def __init__(
        self,
        parameters: Any,
        lr: float = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(parameters, lr, betas=betas, eps=eps, weight_decay=weight_decay)


def global_norm(grads: Any) -> float:
    """``√(Σ_k ‖g_k‖²)`` over a list of arrays (or ``(param, grad)`` pairs)."""
    total = 0.0
    for g in grads:
        if isinstance(g, tuple):
            g = g[1]
        flat = g.reshape(-1)
        total += float(np.dot(flat, flat))
    return float(np.sqrt(total))


def clip_grad_norm(grads: Any, max_norm: float) -> float:
    """Scale all gradients in place so their global norm is at most ``max_norm``.

    ``g_k ← g_k · min(1, max_norm/‖g‖)`` with ``‖g‖ = √(Σ_k ‖g_k‖²)``: the direction of the
    full gradient is kept, only its length is capped. Returns the norm before clipping.

    >>> import numpy as np
    >>> g = [np.array([3.0]), np.array([4.0])]
    >>> clip_grad_norm(g, 1.0), g
    (5.0, [array([0.6]), array([0.8])])
    """
    if not max_norm > 0:
        raise LinmlInputError(f"clip_grad_norm: max_norm={max_norm!r} must be > 0.")
    grads = [g[1] if isinstance(g, tuple) else g for g in grads]
    norm = global_norm(grads)
    if np.isfinite(norm) and norm > max_norm:
        scale = max_norm / (norm + 1e-12)
        for g in grads:
            g *= g.dtype.type(scale)
    return norm
