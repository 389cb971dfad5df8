"""Tour chapter: classification is reweighted least squares — Newton/IRLS, its pace, separation."""

from __future__ import annotations

import html
import warnings
from itertools import pairwise

import numpy as np
from scipy.special import expit

from linml.exceptions import NumericalWarning
from linml.linear_model import LogisticRegression
from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult

#: An estimator iterate and the chapter's own lstsq solve must agree to this (relative ‖·‖₂);
#: both are backward stable, so they differ by about κ(∇²f)·eps, orders of magnitude below it.
WLS_RTOL = 1e-10
#: Quadratic convergence: each of the last QUAD_STEPS steps gains ≥ QUAD_RATIO × the digits
#: of the step before, counting steps that end above the round-off floor GRAD_FLOOR, and the
#: last of them ends at ‖∇f‖∞/n ≤ GRAD_TARGET.
QUAD_STEPS = 3
QUAD_RATIO = 1.6
GRAD_FLOOR = 1e-14
GRAD_TARGET = 1e-10
#: L-BFGS, drawn for contrast, is run to this (below it scipy stops on a zero decrease of f).
LBFGS_TOL = 1e-9
#: Separation: the unpenalized IRLS run on past the estimator's stop for SEP_STEPS steps; each
#: of the last SEP_LAST steps must add ≥ SEP_MIN_GROWTH to ‖β‖ while the log-loss sinks ≤ SEP_LOSS.
SEP_STEPS = 24
SEP_LAST = 10
SEP_MIN_GROWTH = 1.0
SEP_LOSS = 1e-6
#: C grid for ‖β(C)‖ on the separated data; a finite limit would need the increments → 0.
C_GRID = np.logspace(-2, 8, 11)
#: Features of breast_cancer drawn in 2-D, and the iterates whose boundary is drawn.
PLANE_FEATURES = ("mean radius", "mean texture")
DRAWN_ITERATES = (1, 2, 3)


def _with_intercept(X: np.ndarray) -> np.ndarray:
    return np.column_stack([X, np.ones(X.shape[0])])  # X̃ = [X 1]


def _irls_step(Xt: np.ndarray, y: np.ndarray, theta: np.ndarray, lam: float) -> np.ndarray:
    """θ⁺ = argmin ‖√W (z − X̃θ)‖² + λ‖β‖², by lstsq on the augmented system [√W X̃; √λ Ĩ].

    W = diag(p(1 − p)), z = X̃θ + (y − p)/(p(1 − p)). The right side √W z is formed as
    √w·η + (y − p)/√w with p and 1 − p each from expit, so saturated samples (p ≈ 1 in
    floating point) keep their tiny weights instead of rounding to 0/0.
    """
    eta = Xt @ theta
    p, q = expit(eta), expit(-eta)  # p = σ(η), q = 1 − p without cancellation
    sqrt_w = np.sqrt(p * q)
    resid = np.where(y > 0, q, -p)  # y − p
    rhs = sqrt_w * eta + resid / sqrt_w  # √W z
    m1 = Xt.shape[1]
    pen = np.sqrt(lam) * np.eye(m1)[: m1 - 1]  # √λ Ĩ: the intercept row is left out
    A = np.vstack([sqrt_w[:, None] * Xt, pen])
    b = np.concatenate([rhs, np.zeros(m1 - 1)])
    return np.linalg.lstsq(A, b, rcond=None)[0]


def _iterate(X: np.ndarray, y: np.ndarray, t: int, **kw) -> np.ndarray:
    """The estimator's Newton iterate θ_t = (β, b) after t steps from θ₀ = 0 (max_iter = t)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)  # "did not converge": stopped on purpose
        model = LogisticRegression(solver="newton", max_iter=t, tol=1e-14, **kw).fit(X, y)
    return np.concatenate([model.coef_[0], model.intercept_])


def _weighted_projections(
    result: ChapterResult, X: np.ndarray, y: np.ndarray, names: list[str]
) -> None:
    C = 1.0
    model = LogisticRegression(C=C, solver="newton", tol=1e-14).fit(X, y)
    Xt = _with_intercept(X)
    iterates = [_iterate(X, y, t, C=C) for t in range(model.n_iter_ + 1)]
    errors = [
        np.linalg.norm(_irls_step(Xt, y, a, 1.0 / C) - b) / np.linalg.norm(b)
        for a, b in pairwise(iterates)  # θ_t → θ_{t+1}
    ]
    worst = float(max(errors))
    kappa = model.hessian_condition_number_
    result.check(
        f"every Newton step of LogisticRegression(C={C:g}, solver='newton') on standardized "
        f"breast_cancer (n = {X.shape[0]}, p = {X.shape[1]}) is the weighted least-squares "
        "solve βₜ₊₁ = argmin ‖√W (z − X̃β)‖² + λ‖β‖² with z = X̃β_t + (y − p)/(p(1 − p)), "
        "W = diag(p(1 − p)) (numpy lstsq on [√W X̃; √λ Ĩ])",
        f"max over the {len(errors)} steps of ‖θ_est − θ_lstsq‖/‖θ_est‖ = {worst:.1e} "
        f"(κ(∇²f) = {kappa:.0f}, so round-off ≈ κ·eps = {kappa * np.finfo(float).eps:.0e})",
        f"< {WLS_RTOL:.0e} at every step",
        worst < WLS_RTOL,
    )

    # the same iteration on two features, drawn
    cols = [names.index(f) for f in PLANE_FEATURES]
    X2 = X[:, cols]
    final = LogisticRegression(C=C, solver="newton", tol=1e-12).fit(X2, y)
    theta_final = np.concatenate([final.coef_[0], final.intercept_])
    eta = _with_intercept(X2) @ theta_final
    w = expit(eta) * expit(-eta)  # the IRLS weights at the optimum
    fig, ax = new_figure(width=6.5, height=5.5)
    for label, color, name in ((0, "tab:red", "malignant"), (1, "tab:blue", "benign")):
        mask = y == label
        ax.scatter(*X2[mask].T, s=4 + 160 * w[mask], c=color, alpha=0.5, lw=0, label=name)
    x1 = np.linspace(X2[:, 0].min(), X2[:, 0].max(), 50)
    shades = ("0.75", "0.55", "0.35")
    for t, shade in zip(DRAWN_ITERATES, shades, strict=True):
        b1, b2, b0 = _iterate(X2, y, t, C=C)
        ax.plot(x1, -(b0 + b1 * x1) / b2, color=shade, lw=1.4, ls="--", label=f"iterate {t}")
    b1, b2, b0 = theta_final
    ax.plot(x1, -(b0 + b1 * x1) / b2, color="k", lw=2,
            label=f"optimum (iterate {final.n_iter_})")  # fmt: skip
    ax.set(
        xlabel=f"{PLANE_FEATURES[0]} (standardized, SD units)",
        ylabel=f"{PLANE_FEATURES[1]} (standardized, SD units)",
        ylim=(X2[:, 1].min(), X2[:, 1].max()),
        title="IRLS decision boundaries β₀ + β₁x₁ + β₂x₂ = 0 per Newton step",
    )
    ax.legend(fontsize=8, loc="upper right")
    result.figure(
        f"Newton/IRLS on two breast_cancer features (C = {C:g}): the boundary of iterates "
        f"{', '.join(map(str, DRAWN_ITERATES))} (dashed) and the optimum. Marker area is the "
        "sample's weight p(1 − p) at the optimum — samples near the boundary count most in "
        "the weighted least-squares solve, confidently classified ones hardly at all.",
        fig,
    )


def _quadratic_convergence(result: ChapterResult, X: np.ndarray, y: np.ndarray) -> None:
    newton = LogisticRegression(C=1.0, solver="newton", tol=1e-14).fit(X, y)
    lbfgs = LogisticRegression(C=1.0, solver="lbfgs", tol=LBFGS_TOL, max_iter=500).fit(X, y)
    g = newton.grad_norms_
    gains = np.log10(g[:-1] / g[1:])  # digits gained by step t = 1 … n_iter
    above = np.flatnonzero(g[1:] >= GRAD_FLOOR)  # steps that end above round-off
    last = above[-(QUAD_STEPS + 1) :]  # the last QUAD_STEPS steps and the one before them
    ratios = gains[last[1:]] / gains[last[:-1]]
    final = float(g[last[-1] + 1])
    result.check(
        "Newton converges quadratically: near the optimum each step gains about twice the "
        "digits of ‖∇f‖∞/n the previous step gained (the gradient norm squares)",
        f"digits gained by steps {', '.join(str(int(t) + 1) for t in last)}: "
        f"{', '.join(f'{d:.2f}' for d in gains[last])} → ratios "
        f"{', '.join(f'{r:.2f}' for r in ratios)}; ‖∇f‖∞/n = {final:.1e} after step "
        f"{int(last[-1]) + 1} ({newton.n_iter_} steps in all; L-BFGS needs {lbfgs.n_iter_} iterations to "
        f"{LBFGS_TOL:.0e})",
        f"each of the last {QUAD_STEPS} steps ending at ‖∇f‖∞/n ≥ {GRAD_FLOOR:.0e} gains "
        f"≥ {QUAD_RATIO}× the digits of the step before, reaching ≤ {GRAD_TARGET:.0e}",
        ratios.size == QUAD_STEPS and bool(np.all(ratios >= QUAD_RATIO)) and final <= GRAD_TARGET,
    )
    fig, (ax1, ax2) = new_figure(2, width=5.2, height=4.2)
    ax1.semilogy(np.arange(g.size), g, "o-", color="tab:blue", ms=4, label="Newton / IRLS")
    gl = lbfgs.grad_norms_
    ax1.semilogy(np.arange(gl.size), gl, ".-", color="tab:orange", ms=3, lw=1, label="L-BFGS")
    ax1.axhline(GRAD_FLOOR, color="0.6", lw=0.8, ls=":", label="round-off floor")
    ax1.set(xlabel="iteration t", ylabel="‖∇f‖∞ / n  (nats per sample per unit of β)",
            title="gradient norm per iteration")  # fmt: skip
    ax1.legend(fontsize=8)
    steps = np.arange(1, gains.size + 1)
    ax2.bar(steps, gains, color=np.where(g[1:] >= GRAD_FLOOR, "tab:blue", "0.7"))
    for t in last[1:]:
        ax2.annotate(f"×{gains[t] / gains[t - 1]:.2f}", (t + 1, gains[t]), ha="center",
                     va="bottom", fontsize=8)  # fmt: skip
    ax2.set(xlabel="Newton step t", ylabel="digits gained, log10(‖∇f‖ₜ₋₁ / ‖∇f‖ₜ)",
            title="digits gained per step double near the optimum")  # fmt: skip
    result.figure(
        "Standardized breast_cancer, C = 1: Newton's gradient norm falls slowly while far "
        "away (damped by the quadratic model's error), then each step doubles the digits "
        "gained; L-BFGS gains a roughly constant number of digits per iteration. Gray bar: "
        "the step that lands at round-off, where no more digits are there to gain.",
        fig,
    )


def _separable_plane() -> tuple[np.ndarray, np.ndarray]:
    """60 points in the plane, labelled by the line x₁ + x₂/2 = 0, pushed 0.3 off it."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)
    normal = np.array([1.0, 0.5]) / np.hypot(1.0, 0.5)
    X += 0.3 * np.where(y[:, None] > 0, 1.0, -1.0) * normal  # a margin of 0.6
    return X, y


def _separation(result: ChapterResult) -> None:
    X, y = _separable_plane()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mle = LogisticRegression(penalty=None, solver="newton").fit(X, y)
    numerical = [w for w in caught if issubclass(w.category, NumericalWarning)]
    message = str(numerical[0].message) if numerical else "(no warning)"
    result.text += (
        "<p>On linearly separable data the maximum-likelihood estimate does not exist. "
        "<code>LogisticRegression(penalty=None)</code> notices and says so:</p>"
        f"<blockquote><code>NumericalWarning: {html.escape(message)}</code></blockquote>"
    )
    result.check(
        "without a penalty, on separable 2-D data, the fit stops and warns that the MLE does "
        "not exist",
        f"{len(numerical)} NumericalWarning (shown above); separation_ = {mle.separation_!r} "
        f"after {mle.n_iter_} step(s), ‖β‖ = {np.linalg.norm(mle.coef_):.2f} when it stopped",
        "exactly 1 NumericalWarning and separation_ == 'complete'",
        len(numerical) == 1 and mle.separation_ == "complete",
    )

    # what the warning saves us from: the unpenalized IRLS run on
    Xt = _with_intercept(X)
    sign = np.where(y > 0, 1.0, -1.0)
    theta = np.zeros(3)
    norms, losses = [0.0], [float(np.logaddexp(0.0, 0.0) * y.size)]
    for _ in range(SEP_STEPS):
        theta = _irls_step(Xt, y, theta, 0.0)
        norms.append(float(np.linalg.norm(theta[:2])))
        losses.append(float(np.logaddexp(0.0, -sign * (Xt @ theta)).sum()))
    growth = np.diff(norms)[-SEP_LAST:]
    result.check(
        "‖β‖ would grow without bound: run on unpenalized, each IRLS step adds about a "
        "constant to ‖β‖ while the log-loss creeps toward its infimum 0",
        f"last {SEP_LAST} increments of ‖β_t‖: {growth.min():.2f} … {growth.max():.2f}; "
        f"‖β‖ after {SEP_STEPS} steps = {norms[-1]:.1f}, log-loss {losses[-1]:.1e}",
        f"each of the last {SEP_LAST} increments ≥ {SEP_MIN_GROWTH:g} and log-loss ≤ "
        f"{SEP_LOSS:.0e}",
        bool(np.all(growth >= SEP_MIN_GROWTH)) and losses[-1] <= SEP_LOSS,
    )

    with warnings.catch_warnings(record=True) as caught_c1:
        warnings.simplefilter("always")
        ridge = LogisticRegression(C=1.0, solver="newton").fit(X, y)
    ridge_warnings = [w for w in caught_c1 if issubclass(w.category, NumericalWarning)]
    ridge_iterates = [
        np.linalg.norm(_iterate(X, y, t, C=1.0)[:2]) for t in range(ridge.n_iter_ + 1)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericalWarning)  # each C must converge, silently
        path = np.array(
            [np.linalg.norm(LogisticRegression(C=c, max_iter=200).fit(X, y).coef_) for c in C_GRID]
        )
    steps_c = np.diff(path)
    result.check(
        "with the penalty C = 1 the same data give a finite, converged β; ‖β(C)‖ grows "
        "without limit (about linearly in log C) as the penalty 1/C → 0",
        f"C = 1: converged_ = {ridge.converged_} in {ridge.n_iter_} steps, "
        f"{len(ridge_warnings)} NumericalWarnings, ‖β‖ = {np.linalg.norm(ridge.coef_):.2f}; ‖β(C)‖ from "
        f"{path[0]:.2f} (C = {C_GRID[0]:g}) to {path[-1]:.1f} (C = {C_GRID[-1]:g}), last decade "
        f"+{steps_c[-1]:.2f} vs mean +{steps_c.mean():.2f} per decade",
        "converged with no NumericalWarning; ‖β(C)‖ increasing at every C and its last decade's "
        "increment ≥ ½ the mean one (no sign of a finite limit)",
        ridge.converged_
        and not ridge_warnings
        and bool(np.all(steps_c > 0))
        and steps_c[-1] >= 0.5 * steps_c.mean(),
    )

    fig, (ax0, ax1, ax2) = new_figure(3, width=4.4, height=4.0)
    for label, color in ((0.0, "tab:red"), (1.0, "tab:blue")):
        ax0.scatter(*X[y == label].T, s=12, c=color, label=f"y = {label:g}")
    x1 = np.linspace(X[:, 0].min(), X[:, 0].max(), 20)
    b1, b2 = ridge.coef_[0]
    ax0.plot(x1, -(ridge.intercept_[0] + b1 * x1) / b2, "k", lw=1.5, label="C = 1 boundary")
    ax0.set(xlabel="x₁ (unitless)", ylabel="x₂ (unitless)", ylim=(X[:, 1].min(), X[:, 1].max()),
            title="separable data")  # fmt: skip
    ax0.legend(fontsize=7)
    ax1.plot(np.arange(len(norms)), norms, "o-", ms=3, color="tab:red", label="no penalty (IRLS)")
    ax1.plot(np.arange(len(ridge_iterates)), ridge_iterates, "s-", ms=3, color="tab:blue",
             label="C = 1 (estimator)")  # fmt: skip
    ax1.axvline(mle.n_iter_, color="0.5", ls=":", lw=1, label="penalty=None fit stops, warns")
    ax1.set(xlabel="Newton step t", ylabel="‖βₜ‖₂ (log-odds per unit x)",
            title="iterates run off without a penalty")  # fmt: skip
    ax1.legend(fontsize=7)
    ax2.semilogx(C_GRID, path, "o-", color="tab:purple", ms=4)
    ax2.axvline(1.0, color="tab:blue", ls=":", lw=1)
    ax2.set(xlabel="C = 1/λ (log scale)", ylabel="‖β(C)‖₂ (log-odds per unit x)",
            title="the penalized solution, against C")  # fmt: skip
    result.figure(
        "Separable data: without a penalty the Newton/IRLS iterates add ≈ "
        f"{growth.mean():.1f} to ‖β‖ per step forever (the estimator stops at step "
        f"{mle.n_iter_} and warns); with C = 1 they settle at ‖β‖ = "
        f"{np.linalg.norm(ridge.coef_):.2f}, and ‖β(C)‖ grows like log C as the penalty vanishes.",
        fig,
    )


def run() -> ChapterResult:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    X = (data.data - data.data.mean(axis=0)) / data.data.std(axis=0)  # standardized
    y = data.target.astype(float)
    names = list(data.feature_names)
    result = ChapterResult(
        text="<p>Logistic regression minimizes the log-loss Σ log(1 + e^η) − yη with "
        "η = X̃θ, X̃ = [X 1]. Newton's method on it is a sequence of weighted least-squares "
        "problems (iteratively reweighted least squares, IRLS): at the current θ, with "
        "p = σ(η) and weights W = diag(p(1 − p)), the next iterate is the weighted projection "
        "θ⁺ = argmin ‖√W (z − X̃θ)‖² (+ λ‖β‖² with an L2 penalty) of the <i>working "
        "response</i> z = η + (y − p)/(p(1 − p)) — a linearized logit. Samples near the "
        "boundary (p ≈ ½) weigh most. Each step costs one weighted Gram product X̃ᵀWX̃ and a "
        "small Cholesky, and near the optimum the error squares each step.</p>"
    )
    _weighted_projections(result, X, y, names)
    _quadratic_convergence(result, X, y)
    _separation(result)
    return result


CHAPTER = Chapter(
    slug="logistic",
    title="Classification is reweighted least squares",
    order=15,
    run=run,
    summary="Each Newton step of logistic regression is a weighted least-squares solve; its "
    "digits double near the optimum; on separable data the weights diverge unless penalized.",
)
