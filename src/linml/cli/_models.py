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
    #: model-specific command-line options the builder reads (``regress``/``classify`` refuse
    #: the others for this model, see :func:`misplaced_options`)
    options: frozenset[str] = frozenset()


REGRESSORS: dict[str, ModelSpec] = {}
CLASSIFIERS: dict[str, ModelSpec] = {}

# Choices of the options, spelled here so ``--help`` lists them without importing the
# estimators (tests/cli/test_help.py checks them against the library's own constants).
OLS_SOLVERS = ("auto", "qr", "cholesky", "svd", "gd")
RIDGE_SOLVERS = ("auto", "cholesky", "svd")
SVC_KERNELS = ("rbf", "linear", "poly", "sigmoid")


def choices(names: Any) -> str:
    """``a, b or c``: the choices of an option, for help text and errors."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def model_help(registry: dict[str, ModelSpec]) -> str:
    """``--model`` help listing every registered name with its one-line description."""
    listed = "; ".join(f"{name}: {spec.help}" for name, spec in registry.items())
    return f"One of {choices(registry)} — {listed}."


def unknown_model(registry: dict[str, ModelSpec], model: str) -> str:
    """The error for a ``--model`` name that is not registered."""
    known = ", ".join(sorted(registry)) or "none registered"
    return f"unknown --model {model!r}; choose one of: {known}."


def misplaced_options(
    registry: dict[str, ModelSpec], model: str, opts: dict[str, Any]
) -> str | None:
    """The error for a model-specific option given to a model that ignores it (or None)."""
    spec = registry[model]
    for name, value in opts.items():
        if value is not None and name in _MODEL_OPTIONS and name not in spec.options:
            users = sorted(m for m, s in registry.items() if name in s.options)
            flag = "--" + name.replace("_", "-")
            return (
                f"{flag} applies to --model {' or '.join(users)}, not {model!r}; "
                "drop it or choose that model."
            )
    return None


#: options that belong to some models only (the rest — seed, split — apply to all)
_MODEL_OPTIONS = frozenset(
    {"kernel", "C", "gamma", "hidden", "epochs", "learning_rate", "max_iter"}
    | {"alpha", "alphas", "l1_ratio", "solver"}
)


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
    if opts.get("max_iter") is not None:
        kwargs["max_iter"] = int(opts["max_iter"])
    if opts.get("seed") is not None:
        kwargs["random_state"] = int(opts["seed"])
    return SVC(**kwargs)


CLASSIFIERS["svc"] = ModelSpec(
    _build_svc,
    f"kernel SVM (SMO); options --kernel {'|'.join(SVC_KERNELS)}, --C, --gamma, --max-iter",
    frozenset({"kernel", "C", "gamma", "max_iter"}),
)


def _build_lda(opts: dict[str, Any]) -> Any:
    """LinearDiscriminantAnalysis (svd solver; no options)."""
    from linml.discriminant_analysis import LinearDiscriminantAnalysis

    return LinearDiscriminantAnalysis()


def _build_mlp(opts: dict[str, Any]) -> Any:
    """MLPClassifier from --hidden (e.g. "256,128"), --epochs, --learning-rate and --seed."""
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
    if opts.get("learning_rate") is not None:
        kwargs["learning_rate"] = float(opts["learning_rate"])
    if opts.get("seed") is not None:
        kwargs["random_state"] = int(opts["seed"])
    return MLPClassifier(**kwargs)


CLASSIFIERS["mlp"] = ModelSpec(
    _build_mlp,
    "multi-layer perceptron (NumPy backprop); options --hidden 256,128, --epochs, --learning-rate",
    frozenset({"hidden", "epochs", "learning_rate"}),
)


CLASSIFIERS["lda"] = ModelSpec(
    _build_lda, "Fisher linear discriminant (shared-covariance Gaussians)"
)


def _build_logistic(opts: dict[str, Any]) -> Any:
    """LogisticRegression from --C (inverse ℓ2 penalty, default 1.0) and --max-iter."""
    from linml.linear_model import LogisticRegression

    kwargs: dict[str, Any] = {"C": 1.0 if opts.get("C") is None else float(opts["C"])}
    if opts.get("max_iter") is not None:
        kwargs["max_iter"] = int(opts["max_iter"])
    return LogisticRegression(**kwargs)


CLASSIFIERS["logistic"] = ModelSpec(
    _build_logistic,
    "logistic regression (Newton/IRLS or L-BFGS); options --C, --max-iter",
    frozenset({"C", "max_iter"}),
)


def _build_ols(opts: dict[str, Any]) -> Any:
    """LinearRegression from --solver (auto, qr, cholesky, svd, gd) and --max-iter (gd)."""
    from linml.linear_model import LinearRegression

    kwargs: dict[str, Any] = {"solver": opts.get("solver") or "auto"}
    if opts.get("max_iter") is not None:
        kwargs["max_iter"] = int(opts["max_iter"])
    return LinearRegression(**kwargs)


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


REGRESSORS["ols"] = ModelSpec(
    _build_ols,
    f"least squares; options --solver {'|'.join(OLS_SOLVERS)}, --max-iter (gd)",
    frozenset({"solver", "max_iter"}),
)
REGRESSORS["ridge"] = ModelSpec(
    _build_ridge,
    f"ridge (ℓ2); options --alpha, --solver {'|'.join(RIDGE_SOLVERS)}",
    frozenset({"alpha", "solver"}),
)
REGRESSORS["ridgecv"] = ModelSpec(
    _build_ridgecv, "ridge with α by leave-one-out; option --alphas", frozenset({"alphas"})
)


def _build_lasso(opts: dict[str, Any]) -> Any:
    """Lasso from --alpha (default 1.0) and --max-iter; the selected features are explained."""
    from linml.linear_model import Lasso

    kwargs: dict[str, Any] = {"alpha": 1.0 if opts.get("alpha") is None else float(opts["alpha"])}
    if opts.get("max_iter") is not None:
        kwargs["max_iter"] = int(opts["max_iter"])
    return Lasso(**kwargs)


def _build_elasticnet(opts: dict[str, Any]) -> Any:
    """ElasticNet from --alpha (default 1.0), --l1-ratio (default 0.5) and --max-iter."""
    from linml.linear_model import ElasticNet

    alpha = 1.0 if opts.get("alpha") is None else float(opts["alpha"])
    l1_ratio = 0.5 if opts.get("l1_ratio") is None else float(opts["l1_ratio"])
    kwargs: dict[str, Any] = {"alpha": alpha, "l1_ratio": l1_ratio}
    if opts.get("max_iter") is not None:
        kwargs["max_iter"] = int(opts["max_iter"])
    return ElasticNet(**kwargs)


REGRESSORS["lasso"] = ModelSpec(
    _build_lasso,
    "Lasso (ℓ1, selects features); options --alpha, --max-iter",
    frozenset({"alpha", "max_iter"}),
)
REGRESSORS["elasticnet"] = ModelSpec(
    _build_elasticnet,
    "elastic net (ℓ1 + ℓ2); options --alpha, --l1-ratio, --max-iter",
    frozenset({"alpha", "l1_ratio", "max_iter"}),
)
