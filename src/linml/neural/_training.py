"""The training loop shared by MLPClassifier and MLPRegressor, and their common base class.

A multi-layer perceptron here is ``Sequential(Linear, act, Linear, act, …, Linear)`` whose
parameters live in one flat float32 (or float64) buffer; one epoch is, per mini-batch,
a forward pass (``H ← act(H Wᵀ + b)``), the loss, the backward pass (``∂L/∂W = Gᵀ H``,
``G ← (G W) ⊙ act'``) and one fused optimizer update over the flat buffer.

Divergence is detected, not survived: a non-finite or exploding loss stops training with
:class:`TrainingDivergedError` naming the epoch and the likely causes.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import warnings
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from linml._base import Explanation, LinmlEstimator
from linml._validation import Interval, Options
from linml.exceptions import LinmlInputError
from linml.linalg._blas import gemm_thread_limit
from linml.linalg._spectrum import cond_from_spectrum, effective_rank_from_spectrum
from linml.neural.activations import ACTIVATIONS, get_activation
from linml.neural.init import INITIALIZERS
from linml.neural.layers import Linear, Sequential, flatten_parameters
from linml.neural.optimizers import SGD, Adam, AdamW, Optimizer, clip_grad_norm

logger = logging.getLogger(__name__)

__all__ = ["TrainingDivergedError", "build_mlp", "make_optimizer", "train_network"]

# a loss this many times its starting value (or 1, if larger) counts as exploding
EXPLODE_FACTOR = 1e4


class TrainingDivergedError(ValueError, ArithmeticError):
    """Training stopped because the loss became NaN/inf or exploded.

    A ``ValueError`` (the usual culprit is a parameter value: the learning rate or the
    initialization), so command-line tools report it in one line.
    """


OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw")


def make_optimizer(
    name: str, parameters: Any, lr: float, *, momentum: float = 0.9, weight_decay: float = 0.0
) -> Optimizer:
    """Build an optimizer by name over ``parameters`` (a layer or ``(param, grad)`` pairs).

    >>> import numpy as np
    >>> type(make_optimizer("nesterov", [(np.zeros(2), np.zeros(2))], 0.1)).__name__
    'SGD'
    """
    if name == "sgd":
        return SGD(parameters, lr, weight_decay=weight_decay)
    if name in ("momentum", "nesterov"):
        return SGD(
            parameters,
            lr,
            momentum=momentum,
            nesterov=name == "nesterov",
            weight_decay=weight_decay,
        )
    if name == "adam":
        return Adam(parameters, lr, weight_decay=weight_decay)
    if name == "adamw":
        return AdamW(parameters, lr, weight_decay=weight_decay)
    raise LinmlInputError(f"optimizer={name!r} must be one of {', '.join(map(repr, OPTIMIZERS))}.")


def build_mlp(
    n_in: int,
    hidden: tuple[int, ...],
    n_out: int,
    *,
    activation: str = "relu",
    init: str = "auto",
    dtype: Any = np.float32,
    random_state: Any = None,
) -> Sequential:
    """``Linear(n_in, h_1), act, …, Linear(h_k, n_out)`` with parameters in one flat buffer.

    ``init="auto"`` is He for the ReLU family and Xavier otherwise. The first layer skips
    its input gradient (nothing upstream needs ∂L/∂X).

    >>> net = build_mlp(4, (8,), 3, random_state=0)
    >>> net
    Sequential(Linear(4, 8), ReLU(), Linear(8, 3))
    """
    if init == "auto":
        init = "he_normal" if activation in ("relu", "leaky_relu", "gelu") else "xavier_uniform"
    rng = np.random.default_rng(random_state)
    sizes = (n_in, *hidden, n_out)
    layers: list[Any] = []
    for i, (d_in, d_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(Linear(d_in, d_out, init=init, random_state=rng, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(get_activation(activation))
    layers[0].input_grad = False
    net = Sequential(layers)
    flatten_parameters(net)
    return net


@contextlib.contextmanager
def _progress(verbose: bool, total: int, label: str) -> Iterator[Callable[[int, float], None]]:
    """A rich progress bar when ``verbose``; otherwise a no-op updater."""
    if not verbose:
        yield lambda epoch, loss: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("epoch {task.completed}/{task.total}"),
        TextColumn("{task.fields[loss]}"),
        TimeElapsedColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total, loss="")

        def update(epoch: int, loss: float) -> None:
            bar.update(task, completed=epoch, loss=f"loss {loss:.4g}")

        yield update


def _diverged(
    owner: str,
    epoch: int,
    batch: int,
    loss: float,
    start: float,
    est: Any,
    X: np.ndarray | None = None,
    Y: np.ndarray | None = None,
) -> str:
    what = "NaN" if np.isnan(loss) else ("inf" if np.isinf(loss) else f"{loss:.3g}")
    if not np.isfinite(start):
        # the first loss, before any update: the step size cannot be the cause (issue 17)
        sizes = ", ".join(
            f"max |{name}| = {float(np.max(np.abs(A))):.3g}"
            for name, A in (("X", X), ("y", Y))
            if A is not None and A.size and A.dtype.kind == "f"
        )
        dtype = getattr(est, "dtype", "float64")
        return (
            f"{owner}: the loss was {what} on the very first batch (epoch {epoch}, batch "
            f"{batch}), before any weight update, so learning_rate={est.learning_rate!r} is "
            f"not the cause: the data overflow {np.dtype(dtype).name} in the forward pass"
            f"{f' ({sizes} as {np.dtype(dtype).name})' if sizes else ''}. Rescale X (e.g. "
            "StandardScaler) and, for regression, y."
        )
    return (
        f"{owner}: training diverged at epoch {epoch} (batch {batch}): the loss became {what} "
        f"(it started at {start:.3g}). Likely cause: learning_rate={est.learning_rate!r} is too "
        f"large for optimizer={est.optimizer!r} — try {est.learning_rate / 10:g} — or an "
        f"initialization with too large weights (init={est.init!r}; 'auto' uses He/Xavier "
        "scaling). Standardizing X and setting max_grad_norm also help."
    )


def train_network(
    est: Any,
    net: Sequential,
    loss_fn: Any,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    X_val: np.ndarray | None = None,
    val_score: Callable[[np.ndarray], float] | None = None,
) -> dict[str, Any]:
    """Mini-batch training of ``net`` on ``(X, Y)`` with the estimator's hyper-parameters.

    Returns a dict with ``loss_curve``, ``validation_scores``, ``n_iter``, ``best_loss`` and
    ``converged``. Raises :class:`TrainingDivergedError` on a NaN or exploding loss.
    """
    owner = type(est).__name__
    theta, grad = flatten_parameters(net)  # already flat: returns the same buffers
    opt = make_optimizer(
        est.optimizer,
        [(theta, grad)],
        est.learning_rate,
        momentum=est.momentum,
        weight_decay=est.weight_decay,
    )
    rng = np.random.default_rng(_seed(est.random_state))
    n = X.shape[0]
    batch = min(est.batch_size, n)
    loss_curve: list[float] = []
    val_scores: list[float] = []
    best_loss, best_score, stall = np.inf, -np.inf, 0
    best_theta = theta.copy() if val_score is not None else None
    start: float | None = None
    converged = False
    net.train()
    widest = max(W.size for W, _ in net.parameters())
    with (
        _progress(est.verbose, est.epochs, owner) as update,
        np.errstate(all="ignore"),
        gemm_thread_limit(2.0 * batch * widest),  # small mini-batch GEMMs: one BLAS thread
    ):
        for epoch in range(1, est.epochs + 1):
            order = rng.permutation(n) if est.shuffle else np.arange(n)
            total = 0.0
            for b, lo in enumerate(range(0, n, batch), start=1):
                idx = order[lo : lo + batch]
                Z = net.forward(X[idx])
                loss = loss_fn.forward(Z, Y[idx])
                if start is None:
                    start = loss
                if not np.isfinite(loss) or loss > EXPLODE_FACTOR * max(start, 1.0):
                    raise TrainingDivergedError(_diverged(owner, epoch, b, loss, start, est, X, Y))
                net.backward(loss_fn.backward())
                if est.max_grad_norm is not None:
                    clip_grad_norm([grad], est.max_grad_norm)
                opt.step()
                total += loss * len(idx)
            epoch_loss = total / n
            if not np.all(np.isfinite(theta)):
                raise TrainingDivergedError(_diverged(owner, epoch, b, np.inf, start, est))
            loss_curve.append(epoch_loss)
            update(epoch, epoch_loss)
            if est.verbose:
                logger.info("%s epoch %d: loss %.6g", owner, epoch, epoch_loss)
            if val_score is not None:
                net.eval()
                score = val_score(net.forward(X_val))
                net.train()
                val_scores.append(score)
                improved = score > best_score + est.tol
                if score > best_score:
                    best_score = score
                    best_theta[...] = theta
            else:
                improved = epoch_loss < best_loss - est.tol
            best_loss = min(best_loss, epoch_loss)
            stall = 0 if improved else stall + 1
            if stall >= est.n_iter_no_change:
                converged = True
                break
    if best_theta is not None:
        theta[...] = best_theta  # early stopping keeps the best validated weights
    net.eval()
    if not converged:
        warnings.warn(
            f"{owner}: {est.epochs} epochs ran without the "
            f"{'validation score' if val_score else 'training loss'} settling (no improvement "
            f"> tol={est.tol} for n_iter_no_change={est.n_iter_no_change} epochs); raise "
            "epochs or learning_rate.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return {
        "loss_curve": loss_curve,
        "validation_scores": val_scores or None,
        "n_iter": len(loss_curve),
        "best_loss": float(best_loss),
        "converged": converged,
    }


def _seed(random_state: Any) -> Any:
    if isinstance(random_state, np.random.RandomState):
        return random_state.randint(2**31 - 1)
    return random_state


class BaseMLP(LinmlEstimator):
    """Parameters, validation, persistence and explanation shared by the MLP estimators."""

    _param_spec: ClassVar[dict[str, list[Any]]] = {
        "activation": [Options(tuple(ACTIVATIONS))],
        "init": [Options(("auto", *INITIALIZERS))],
        "optimizer": [Options(OPTIMIZERS)],
        "learning_rate": [Interval(float, 0, None, closed="neither")],
        "momentum": [Interval(float, 0, 1, closed="left")],
        "weight_decay": [Interval(float, 0, None)],
        "batch_size": [Interval(int, 1, None)],
        "epochs": [Interval(int, 1, None)],
        "early_stopping": [bool],
        "validation_fraction": [Interval(float, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(int, 1, None)],
        "tol": [Interval(float, 0, None)],
        "max_grad_norm": [None, Interval(float, 0, None, closed="neither")],
        "dtype": [Options(("float32", "float64"))],
        "shuffle": [bool],
        "random_state": [None, Interval(int, 0, None), np.random.RandomState],
        "verbose": [bool, Interval(int, 0, None)],
    }

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        *,
        activation: str = "relu",
        init: str = "auto",
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        batch_size: int = 128,
        epochs: int = 200,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 1e-4,
        max_grad_norm: float | None = None,
        dtype: str = "float32",
        shuffle: bool = True,
        random_state: Any = None,
        verbose: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.max_grad_norm = max_grad_norm
        self.dtype = dtype
        self.shuffle = shuffle
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self) -> None:
        super()._check_params()
        self._hidden()

    def _hidden(self) -> tuple[int, ...]:
        h = self.hidden_layer_sizes
        owner = type(self).__name__
        if isinstance(h, int | np.integer) and not isinstance(h, bool):
            h = (h,)
        try:
            sizes = tuple(h)
        except TypeError:
            sizes = None
        if (
            sizes is None
            or isinstance(h, str)
            or not all(
                isinstance(s, int | np.integer) and not isinstance(s, bool) and s >= 1
                for s in sizes
            )
        ):
            raise LinmlInputError(
                f"{owner}: hidden_layer_sizes={self.hidden_layer_sizes!r} must be a tuple of "
                "integers >= 1 (the width of each hidden layer), e.g. (256, 128)."
            )
        return tuple(int(s) for s in sizes)

    # ---------------------------------------------------------------- fitting
    def _fit_network(
        self, X: np.ndarray, Y: np.ndarray, n_out: int, loss_fn: Any, val_split: Any
    ) -> None:
        dt = np.dtype(self.dtype)
        X = np.ascontiguousarray(X, dtype=dt)
        if not np.isfinite(X).all():  # finite float64 input that the cast overflowed (issue 17)
            raise LinmlInputError(
                f"{type(self).__name__}(dtype={self.dtype!r}): X has entries beyond "
                f"{float(np.finfo(dt).max):.3g}, the largest {self.dtype}; standardize X "
                "(e.g. StandardScaler) or pass dtype='float64'."
            )
        X_val = val_score = None
        if self.early_stopping:
            train_idx, val_idx, val_score = val_split(X, Y)
            X_val, X, Y = X[val_idx], X[train_idx], Y[train_idx]
        self.network_ = build_mlp(
            X.shape[1],
            self._hidden(),
            n_out,
            activation=self.activation,
            init=self.init,
            dtype=dt,
            random_state=_seed(self.random_state),
        )
        out = train_network(self, self.network_, loss_fn, X, Y, X_val=X_val, val_score=val_score)
        self.loss_curve_ = out["loss_curve"]
        self.validation_scores_ = out["validation_scores"]
        self.best_validation_score_ = (
            max(out["validation_scores"]) if out["validation_scores"] else None
        )
        self.n_iter_ = out["n_iter"]
        self.best_loss_ = out["best_loss"]
        self._set_weight_views()

    def _set_weight_views(self) -> None:
        linears = [layer for layer in self.network_ if isinstance(layer, Linear)]
        self.coefs_ = [layer.params["W"] for layer in linears]
        self.intercepts_ = [layer.params["b"] for layer in linears]
        self.n_layers_ = len(linears) + 1

    def _forward(self, X: Any) -> np.ndarray:
        """Validated eval-mode forward pass; computes in X's float dtype (float32 stays float32)."""
        check_is_fitted(self)
        from linml._validation import validate_data

        X = validate_data(self, X, reset=False)
        self.network_.eval()
        with np.errstate(over="ignore"):
            return self.network_.forward(X)

    # ---------------------------------------------------------------- persistence
    def _get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        check_is_fitted(self)
        arrays = {f"coef_{i}": np.asarray(W) for i, W in enumerate(self.coefs_)}
        arrays.update({f"intercept_{i}": np.asarray(b) for i, b in enumerate(self.intercepts_)})
        skip = {"network_", "coefs_", "intercepts_"}
        meta: dict[str, Any] = {}
        for key, value in vars(self).items():
            if key in skip or not key.endswith("_") or key.startswith("__"):
                continue
            if isinstance(value, np.ndarray) and value.dtype == object:
                meta[key] = {"__object_array__": value.tolist()}
            elif isinstance(value, np.ndarray):
                arrays[key] = value
            elif isinstance(value, np.generic):
                meta[key] = value.item()
            else:
                meta[key] = value
        return arrays, meta

    def _set_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        n_linear = sum(1 for k in arrays if k.startswith("coef_"))
        Ws = [arrays[f"coef_{i}"] for i in range(n_linear)]
        bs = [arrays[f"intercept_{i}"] for i in range(n_linear)]
        hidden = tuple(W.shape[0] for W in Ws[:-1])
        net = build_mlp(
            Ws[0].shape[1],
            hidden,
            Ws[-1].shape[0],
            activation=self.activation,
            dtype=Ws[0].dtype,
            random_state=0,
        )
        linears = [layer for layer in net if isinstance(layer, Linear)]
        for layer, W, b in zip(linears, Ws, bs, strict=True):
            layer.params["W"][...] = W
            layer.params["b"][...] = b
        net.eval()
        self.network_ = net
        for key, value in arrays.items():
            if not key.startswith(("coef_", "intercept_")):
                setattr(self, key, value)
        for key, value in meta.items():
            if isinstance(value, dict) and "__object_array__" in value:
                value = np.array(value["__object_array__"], dtype=object)
            setattr(self, key, value)
        self._set_weight_views()

    # ---------------------------------------------------------------- explanation
    def _explain(self) -> Explanation:
        check_is_fitted(self)
        ex = Explanation(title=f"{type(self).__name__}: a stack of matrix products")
        worst = (0.0, -1)
        for i, W in enumerate(self.coefs_):
            s = np.linalg.svd(np.asarray(W, dtype=np.float64), compute_uv=False)
            cond, erank = cond_from_spectrum(s), effective_rank_from_spectrum(s)
            worst = max(worst, (cond, i))
            ex.add(
                f"layer {i} W {W.shape[0]}x{W.shape[1]}",
                f"‖W‖₂={s[0]:.3g}, cond={cond:.3g}, effective rank={erank:.1f}/{s.size}",
                "the spectral norm bounds how much the layer can stretch its input; the "
                "effective rank counts the directions it actually uses",
            )
        gain = float(np.prod([np.linalg.norm(W, 2) for W in self.coefs_]))
        ex.add(
            "product of spectral norms",
            gain,
            "an upper bound on the network's Lipschitz constant (ReLU/tanh are 1-Lipschitz)",
        )
        ex.add("epochs run", self.n_iter_, f"final training loss {self.loss_curve_[-1]:.4g}")
        if worst[0] > 1e4:
            ex.verdict = (
                f"layer {worst[1]} is ill-conditioned (cond={worst[0]:.3g}): some input "
                "directions are nearly ignored."
            )
            ex.suggestions.append(
                "add weight decay or use orthogonal init; linml.diagnose.network shows the "
                "gradient flow."
            )
        else:
            ex.verdict = "every layer is reasonably conditioned."
        return ex
