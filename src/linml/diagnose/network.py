"""Diagnose a network's gradient flow from the singular values of its weight matrices.

For a stack ``H_ℓ = φ(H_{ℓ−1} W_ℓᵀ + b_ℓ)`` the forward signal is multiplied by ``W_ℓ``
and the backward signal by ``W_ℓᵀ`` at every layer; both can grow or shrink by at most
``σ_max(W_ℓ)`` and at least ``σ_min(W_ℓ)`` (times the activation's slope). So the
spectrum of each ``W_ℓ`` explains what the norms through depth show:

* **exploding** — activations or gradients grow geometrically (``σ ≫ 1``: e.g. ``N(0, 1)``
  weights have ``σ_max ≈ √d_out + √d_in``);
* **vanishing** — they shrink geometrically (``σ ≪ 1`` or saturated activations; a ReLU
  halves the second moment, which He's ``Var(W) = 2/d_in`` compensates);
* **rank-collapsed** — a layer (or the representation it produces) uses only a few
  directions: small numerical/effective rank;
* **healthy** — none of these.

:func:`network` runs one forward and one backward pass on ``X`` and reports, per weight
layer, the spectral norm, condition number and effective rank of ``W``, the RMS activation
norm entering it, and the gradient norms, with a verdict and a suggestion.

>>> import numpy as np
>>> from linml.neural import Linear, ReLU, Sequential
>>> net = Sequential(*[m for i in range(10) for m in
...       (Linear(64, 64, init="normal", random_state=i), ReLU())])
>>> network(net, np.random.default_rng(0).standard_normal((32, 64))).verdict
'exploding'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from linml._base import Explanation
from linml._validation import check_array
from linml.exceptions import LinmlInputError
from linml.linalg._blas import gemm_thread_limit
from linml.linalg._spectrum import (
    cond_from_spectrum,
    effective_rank_from_spectrum,
    rank_from_spectrum,
)
from linml.neural.layers import Layer, Sequential
from linml.neural.losses import MSELoss, SoftmaxCrossEntropy

__all__ = ["LayerReport", "NetworkDiagnosis", "network"]

# end-to-end growth (or shrinkage) of the signal beyond this factor is exploding (vanishing)
GROWTH_LIMIT = 1e2
# a weight whose numerical rank is below this fraction of min(d_out, d_in) has collapsed,
# and so have activations whose effective rank is below this fraction of their width
RANK_FRACTION = 0.1

SUGGESTIONS = {
    "exploding": (
        "the weights are too large: use He initialization for ReLU (Xavier for tanh) instead "
        "of N(0, 1), lower the learning rate, clip gradients by global norm (max_grad_norm), "
        "or add BatchNorm/LayerNorm."
    ),
    "vanishing": (
        "the signal shrinks with depth: use He initialization for ReLU (Xavier for tanh) or "
        "orthogonal with the activation's gain, add normalization (BatchNorm/LayerNorm) or "
        "residual connections, and avoid saturated sigmoid/tanh units."
    ),
    "rank-collapsed": (
        "the layers squeeze the data onto a few directions: use orthogonal initialization, "
        "add normalization or residual connections, and lower the learning rate or weight "
        "decay."
    ),
    "healthy": "signal and gradient keep their scale through depth; no change needed.",
}


@dataclass
class LayerReport:
    """One weight layer: its spectrum and the norms measured around it."""

    position: int
    name: str
    shape: tuple[int, int]
    singular_values: np.ndarray
    spectral_norm: float
    condition_number: float
    effective_rank: float
    numerical_rank: int
    input_norm: float
    weight_gradient_norm: float
    input_gradient_norm: float


@dataclass
class NetworkDiagnosis:
    """What :func:`network` measured, and its verdict.

    Attributes
    ----------
    layers : list of LayerReport
        One per weight layer (Linear, Conv2d), in depth order.
    activation_norms : ndarray (n_weight_layers + 1,)
        RMS norm ``‖H‖_F/√n`` of the input of each weight layer, then of the output.
    gradient_norms : ndarray (n_weight_layers,)
        ``‖∂L/∂W_ℓ‖_F`` per weight layer.
    input_gradient_norms : ndarray (n_weight_layers + 1,)
        ``‖∂L/∂H‖_F·√n`` at the input of each weight layer, then at the output.
    forward_growth, backward_growth : float
        Output/input activation norm ratio, and input/output gradient norm ratio.
    verdict : {'vanishing', 'exploding', 'healthy', 'rank-collapsed'}
    suggestion : str
    """

    layers: list[LayerReport]
    activation_norms: np.ndarray
    gradient_norms: np.ndarray
    input_gradient_norms: np.ndarray
    forward_growth: float
    backward_growth: float
    verdict: str
    suggestion: str
    reasons: list[str] = field(default_factory=list)

    def explanation(self) -> Explanation:
        """The diagnosis as a :class:`linml._base.Explanation` (facts, verdict, suggestion)."""
        ex = Explanation(title=f"network of {len(self.layers)} weight layers")
        for r in self.layers:
            ex.add(
                f"layer {r.position} {r.name}",
                f"‖W‖₂={r.spectral_norm:.3g}, cond={r.condition_number:.3g}, "
                f"eff. rank={r.effective_rank:.1f}/{min(r.shape)}, input RMS={r.input_norm:.3g}, "
                f"‖∂L/∂W‖={r.weight_gradient_norm:.3g}",
            )
        ex.add(
            "forward growth",
            self.forward_growth,
            "RMS activation at the output / at the input",
        )
        ex.add(
            "backward growth",
            self.backward_growth,
            "gradient norm at the input / at the output",
        )
        ex.verdict = self.verdict + (": " + "; ".join(self.reasons) if self.reasons else "")
        ex.suggestions.append(self.suggestion)
        return ex

    def __str__(self) -> str:
        return str(self.explanation())


def _resolve(model: Any) -> tuple[Sequential, Any]:
    if isinstance(model, Sequential):
        return model, None
    net = getattr(model, "network_", None)
    if isinstance(net, Sequential):
        return net, model
    if isinstance(model, Layer):
        return Sequential(model), None
    raise LinmlInputError(
        f"network() needs a linml.neural Sequential or a fitted MLPClassifier/MLPRegressor; "
        f"got {type(model).__name__}{' (not fitted?)' if hasattr(model, 'fit') else ''}."
    )


def _output_gradient(estimator: Any, Z: np.ndarray, y: Any, random_state: Any) -> np.ndarray:
    if y is None or estimator is None:
        # no targets: a random direction; every norm ratio reported is scale-free
        return np.random.default_rng(random_state).standard_normal(Z.shape)
    if hasattr(estimator, "classes_"):
        y = np.asarray(y)
        index = {c: i for i, c in enumerate(estimator.classes_.tolist())}
        unseen = sorted({v for v in y.tolist() if v not in index}, key=repr)
        if unseen:
            raise LinmlInputError(
                f"y contains label(s) {unseen[:5]} unseen by the model (classes "
                f"{estimator.classes_.tolist()[:10]})."
            )
        loss = SoftmaxCrossEntropy()
        loss.forward(Z, np.array([index[v] for v in y.tolist()], dtype=np.intp))
        return loss.backward()
    Y = np.asarray(y, dtype=np.float64).reshape(Z.shape[0], -1)
    Y = (Y - estimator.y_mean_) / estimator.y_scale_
    loss = MSELoss()
    loss.forward(Z, Y)
    return loss.backward()


def network(model: Any, X: Any, y: Any = None, *, random_state: Any = 0) -> NetworkDiagnosis:
    """Per-layer spectra, activation and gradient norms through depth, and a verdict.

    Parameters
    ----------
    model : Sequential or fitted MLPClassifier / MLPRegressor
        The network (its weight layers are those with a ``W`` parameter: Linear, Conv2d).
    X : array-like
        Inputs to push through (a few hundred rows are plenty).
    y : array-like, optional
        Targets, for the true loss gradient of a fitted estimator; otherwise the backward
        pass starts from a random (seeded) output gradient — every ratio reported is
        independent of its scale.
    random_state : int or None
        Seed of that random output gradient.

    Returns
    -------
    NetworkDiagnosis
        ``.verdict`` is one of 'vanishing', 'exploding', 'healthy', 'rank-collapsed';
        ``.suggestion`` says what to change; ``str()`` renders it all.

    Notes
    -----
    Growth is measured end to end: ``forward_growth = RMS(H_L)/RMS(X)`` and
    ``backward_growth = ‖∂L/∂X‖/‖∂L/∂Z‖``; beyond ``GROWTH_LIMIT`` (100) either way the
    verdict is exploding, below ``1/GROWTH_LIMIT`` vanishing. Rank collapse is a weight
    whose numerical rank (``σ_i > σ_max · max(shape) · eps``) is below ``RANK_FRACTION``
    (10%) of ``min(shape)``, or a representation ``H_ℓ`` whose effective rank
    ``exp(entropy(σ/Σσ))`` is below 10% of ``min(n, width)``.

    Examples
    --------
    >>> import numpy as np
    >>> from linml.neural import Linear, ReLU, Sequential
    >>> net = Sequential(*[m for i in range(10) for m in
    ...       (Linear(64, 64, init="he_normal", random_state=i), ReLU())])
    >>> d = network(net, np.random.default_rng(0).standard_normal((256, 64)))
    >>> d.verdict, len(d.layers)
    ('healthy', 10)
    """
    net, estimator = _resolve(model)
    X = check_array(X, name="X", allow_nd=True)
    widest = max((layer.params["W"].size for layer in net.layers if "W" in layer.params), default=0)
    # small products: one BLAS thread (waking threads costs more than it saves here)
    with gemm_thread_limit(2.0 * X.shape[0] * widest):
        return _diagnose(net, estimator, X, y, random_state)


def _diagnose(
    net: Sequential, estimator: Any, X: np.ndarray, y: Any, random_state: Any
) -> NetworkDiagnosis:
    positions = [i for i, layer in enumerate(net.layers) if "W" in layer.params]
    if not positions:
        raise LinmlInputError(
            "network(): the model has no weight layers (Linear/Conv2d) to diagnose."
        )
    was_training = net.training
    first = net.layers[0]
    had_input_grad = getattr(first, "input_grad", True)
    net.eval()
    try:
        if hasattr(first, "input_grad"):
            first.input_grad = True  # we want ∂L/∂X, which training skips
        with np.errstate(all="ignore"):
            outputs = net.forward_trace(np.asarray(X, dtype=np.float64))
            G = _output_gradient(estimator, outputs[-1], y, random_state)
            grads = net.backward_trace(G)
    finally:
        if hasattr(first, "input_grad"):
            first.input_grad = had_input_grad
        net.train(was_training)
    n = X.shape[0]

    def rms(A: np.ndarray) -> float:
        return float(np.linalg.norm(A) / np.sqrt(n))

    reports: list[LayerReport] = []
    for p in positions:
        layer = net.layers[p]
        W = np.asarray(layer.params["W"], dtype=np.float64)
        W2 = W.reshape(W.shape[0], -1)  # Conv2d filters as (F, C·kh·kw)
        with np.errstate(all="ignore"):
            s = (
                np.linalg.svd(W2, compute_uv=False)
                if np.all(np.isfinite(W2))
                else np.array([np.inf])
            )
        eps = float(np.finfo(layer.params["W"].dtype).eps)
        reports.append(
            LayerReport(
                position=p,
                name=repr(layer),
                shape=tuple(W2.shape),
                singular_values=s,
                spectral_norm=float(s[0]),
                condition_number=cond_from_spectrum(s),
                effective_rank=effective_rank_from_spectrum(s),
                numerical_rank=rank_from_spectrum(s, max(W2.shape), eps),
                input_norm=rms(outputs[p]),
                weight_gradient_norm=float(np.linalg.norm(layer.grads["W"])),
                input_gradient_norm=float(np.linalg.norm(grads[p]) * np.sqrt(n)),
            )
        )
    act = np.array([r.input_norm for r in reports] + [rms(outputs[-1])])
    gin = np.array(
        [r.input_gradient_norm for r in reports] + [float(np.linalg.norm(G) * np.sqrt(n))]
    )
    # the representation entering the last weight layer: the deepest hidden features
    forward_growth = _ratio(reports[-1].input_norm if len(reports) > 1 else act[-1], act[0])
    backward_growth = _ratio(gin[0], gin[-1])
    verdict, reasons = _verdict(reports, outputs[positions[-1]], forward_growth, backward_growth)
    return NetworkDiagnosis(
        layers=reports,
        activation_norms=act,
        gradient_norms=np.array([r.weight_gradient_norm for r in reports]),
        input_gradient_norms=gin,
        forward_growth=forward_growth,
        backward_growth=backward_growth,
        verdict=verdict,
        suggestion=SUGGESTIONS[verdict],
        reasons=reasons,
    )


def _ratio(a: float, b: float) -> float:
    if not np.isfinite(a) or not np.isfinite(b):
        return np.inf
    if b == 0:
        return np.inf if a > 0 else 1.0
    return float(a / b)


def _verdict(
    reports: list[LayerReport], H: np.ndarray, fwd: float, bwd: float
) -> tuple[str, list[str]]:
    if fwd > GROWTH_LIMIT or bwd > GROWTH_LIMIT or not np.isfinite(fwd * bwd):
        worst = max(reports, key=lambda r: r.spectral_norm)
        return "exploding", [
            f"activations grow ×{fwd:.3g} and gradients ×{bwd:.3g} through depth",
            f"largest ‖W‖₂ = {worst.spectral_norm:.3g} ({worst.name})",
        ]
    if fwd < 1 / GROWTH_LIMIT or bwd < 1 / GROWTH_LIMIT:
        return "vanishing", [
            f"activations scale ×{fwd:.3g} and gradients ×{bwd:.3g} through depth",
        ]
    reasons = [
        f"{r.name} has numerical rank {r.numerical_rank} of {min(r.shape)}"
        for r in reports
        if r.numerical_rank < RANK_FRACTION * min(r.shape)
    ]
    H2 = H.reshape(H.shape[0], -1)
    if min(H2.shape) > 1:
        s = np.linalg.svd(H2 - H2.mean(axis=0), compute_uv=False)
        er = effective_rank_from_spectrum(s)
        if er < RANK_FRACTION * min(H2.shape):
            reasons.append(
                f"the deepest hidden features have effective rank {er:.1f} of {min(H2.shape)}"
            )
    if reasons:
        return "rank-collapsed", reasons
    return "healthy", []
