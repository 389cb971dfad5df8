"""linml.neural: neural networks as matrix products, with hand-written backprop (NumPy only).

* :mod:`~linml.neural.layers` — Linear, BatchNorm1d, LayerNorm, Dropout, Sequential,
  Residual, Flatten, Conv2d (im2col + GEMM);
* :mod:`~linml.neural.activations` — ReLU, LeakyReLU, Tanh, Sigmoid, GELU;
* :mod:`~linml.neural.losses` — MSELoss, SoftmaxCrossEntropy (log-sum-exp);
* :mod:`~linml.neural.init` — Xavier, He, LeCun, orthogonal;
* :mod:`~linml.neural.optimizers` — SGD (momentum, Nesterov), Adam, AdamW, clipping;
* :mod:`~linml.neural.attention` — scaled dot-product attention (+ backward, chunked),
  MultiHeadAttention;
* :mod:`~linml.neural.gradcheck` — central-difference gradient checks;
* :class:`MLPClassifier`, :class:`MLPRegressor` — scikit-learn estimators.

>>> from linml.neural import Linear, ReLU, Sequential
>>> Sequential(Linear(4, 8, random_state=0), ReLU(), Linear(8, 2, random_state=0))
Sequential(Linear(4, 8), ReLU(), Linear(8, 2))
"""

from linml.neural._training import TrainingDivergedError, build_mlp
from linml.neural.activations import GELU, Identity, LeakyReLU, ReLU, Sigmoid, Tanh
from linml.neural.attention import (
    MultiHeadAttention,
    ScaledDotProductAttention,
    attention_backward,
    attention_weights,
    chunked_attention,
    scaled_dot_product_attention,
)
from linml.neural.gradcheck import check_layer_gradients, numerical_gradient, relative_error
from linml.neural.init import initialize
from linml.neural.layers import (
    BatchNorm1d,
    Conv2d,
    Dropout,
    Flatten,
    Layer,
    LayerNorm,
    Linear,
    Residual,
    Sequential,
    flatten_parameters,
)
from linml.neural.losses import MSELoss, SoftmaxCrossEntropy, log_softmax, logsumexp, softmax
from linml.neural.mlp_classifier import MLPClassifier
from linml.neural.mlp_regressor import MLPRegressor
from linml.neural.optimizers import SGD, Adam, AdamW, clip_grad_norm, global_norm

__all__ = [
    "GELU",
    "SGD",
    "Adam",
    "AdamW",
    "BatchNorm1d",
    "Conv2d",
    "Dropout",
    "Flatten",
    "Identity",
    "Layer",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "MLPClassifier",
    "MLPRegressor",
    "MSELoss",
    "MultiHeadAttention",
    "ReLU",
    "Residual",
    "ScaledDotProductAttention",
    "Sequential",
    "Sigmoid",
    "SoftmaxCrossEntropy",
    "Tanh",
    "TrainingDivergedError",
    "attention_backward",
    "attention_weights",
    "build_mlp",
    "check_layer_gradients",
    "chunked_attention",
    "clip_grad_norm",
    "flatten_parameters",
    "global_norm",
    "initialize",
    "log_softmax",
    "logsumexp",
    "numerical_gradient",
    "relative_error",
    "scaled_dot_product_attention",
    "softmax",
]
