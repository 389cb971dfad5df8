"""Model registries shared by ``linml regress`` and ``linml classify``.

Each entry maps a ``--model`` name to a builder taking the parsed command-line options (a
dict; unused keys are ignored) and returning an unfitted estimator. Areas add their models
here, so one command serves every family (ols/ridge/lasso…, svc/mlp…).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ModelSpec:
    """How to build a model from CLI options, and a one-line description for --help."""

    build: Callable[[dict[str, Any]], Any]
    help: str
    #: model-specific command-line options the builder reads (``classify`` refuses the rest)
    options: frozenset[str] = frozenset()


REGRESSORS: dict[str, ModelSpec] = {}
CLASSIFIERS: dict[str, ModelSpec] = {}


def _build_svc(opts: dict[str, Any]) -> Any:
    """SVC from --kernel, --C, --gamma ('scale', 'auto' or a number) and --seed."""
    from linml.svm import SVC

    kwargs: dict[str, Any] = {}
    if opts.get("kernel") is not None:
        kwargs["kernel"] = opts["kernel"]
    if opts.get("C") is not None:
        kwargs["C"] = float(opts["C"])
    gamma = opts.get("gamma")
    if gamma is not None:
        try:
            kwargs["gamma"] = float(gamma)
        except ValueError:
            kwargs["gamma"] = gamma  # 'scale' / 'auto'; anything else is rejected by SVC
    if opts.get("seed") is not None:
        kwargs["random_state"] = int(opts["seed"])
    return SVC(**kwargs)


CLASSIFIERS["svc"] = ModelSpec(
    _build_svc,
    "kernel SVM (SMO); options --kernel, --C, --gamma",
    frozenset({"kernel", "C", "gamma"}),
)


def _build_lda(opts: dict[str, Any]) -> Any:
    """LinearDiscriminantAnalysis (svd solver; no options)."""
    from linml.discriminant_analysis import LinearDiscriminantAnalysis

    return LinearDiscriminantAnalysis()


def _build_mlp(opts: dict[str, Any]) -> Any:
    """MLPClassifier from --hidden (e.g. "256,128"), --epochs and --seed."""
    from linml.exceptions import LinmlInputError
    from linml.neural import MLPClassifier

    kwargs: dict[str, Any] = {}
    hidden = opts.get("hidden")
    if hidden is not None:
        try:
            sizes = tuple(int(s) for s in str(hidden).replace(" ", "").split(",") if s)
        except ValueError as e:
            raise LinmlInputError(
                f"--hidden={hidden!r} must be comma-separated layer widths, e.g. 256,128."
            ) from e
        if not sizes or min(sizes) < 1:
            raise LinmlInputError(f"--hidden={hidden!r} must list widths >= 1, e.g. 256,128.")
        kwargs["hidden_layer_sizes"] = sizes
    if opts.get("epochs") is not None:
        kwargs["epochs"] = int(opts["epochs"])
    if opts.get("seed") is not None:
        kwargs["random_state"] = int(opts["seed"])
    return MLPClassifier(**kwargs)


CLASSIFIERS["mlp"] = ModelSpec(
    _build_mlp,
    "multi-layer perceptron (NumPy backprop); options --hidden 256,128, --epochs",
    frozenset({"hidden", "epochs"}),
)


CLASSIFIERS["lda"] = ModelSpec(
    _build_lda, "Fisher linear discriminant (shared-covariance Gaussians)"
)


def _build_logistic(opts: dict[str, Any]) -> Any:
    """LogisticRegression from --C (inverse ℓ2 penalty, default 1.0); solver by shape."""
    from linml.linear_model import LogisticRegression

    return LogisticRegression(C=1.0 if opts.get("C") is None else float(opts["C"]))


CLASSIFIERS["logistic"] = ModelSpec(
    _build_logistic, "logistic regression (Newton/IRLS or L-BFGS); option --C", frozenset({"C"})
)


def _build_ols(opts: dict[str, Any]) -> Any:
    """LinearRegression from --solver (auto, qr, cholesky, svd, gd)."""
    from linml.linear_model import LinearRegression

    return LinearRegression(solver=opts.get("solver") or "auto")


def _build_ridge(opts: dict[str, Any]) -> Any:
    """Ridge from --alpha (default 1.0) and --solver (auto, cholesky, svd)."""
    from linml.linear_model import Ridge

    alpha = 1.0 if opts.get("alpha") is None else float(opts["alpha"])
    return Ridge(alpha=alpha, solver=opts.get("solver") or "auto")


def _build_ridgecv(opts: dict[str, Any]) -> Any:
    """RidgeCV from --alphas (default 0.1,1,10); exact leave-one-out."""
    from linml.linear_model import RidgeCV

    alphas = opts.get("alphas")
    return RidgeCV(alphas=tuple(alphas) if alphas else (0.1, 1.0, 10.0))


REGRESSORS["ols"] = ModelSpec(_build_ols, "least squares; option --solver auto|qr|cholesky|svd|gd")
REGRESSORS["ridge"] = ModelSpec(_build_ridge, "ridge (ℓ2); --alpha, --solver auto|cholesky|svd")
REGRESSORS["ridgecv"] = ModelSpec(_build_ridgecv, "ridge with α by leave-one-out; option --alphas")


def _build_lasso(opts: dict[str, Any]) -> Any:
    """Lasso from --alpha (default 1.0); the selected features appear in the explanation."""
    from linml.linear_model import Lasso

    return Lasso(alpha=1.0 if opts.get("alpha") is None else float(opts["alpha"]))


def _build_elasticnet(opts: dict[str, Any]) -> Any:
    """ElasticNet from --alpha (default 1.0) and --l1-ratio (default 0.5)."""
    from linml.linear_model import ElasticNet

    alpha = 1.0 if opts.get("alpha") is None else float(opts["alpha"])
    l1_ratio = 0.5 if opts.get("l1_ratio") is None else float(opts["l1_ratio"])
    return ElasticNet(alpha=alpha, l1_ratio=l1_ratio)


REGRESSORS["lasso"] = ModelSpec(_build_lasso, "Lasso (ℓ1, selects features); option --alpha")
REGRESSORS["elasticnet"] = ModelSpec(
    _build_elasticnet, "elastic net (ℓ1 + ℓ2); options --alpha, --l1-ratio"
)
