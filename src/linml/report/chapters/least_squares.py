"""Tour chapter: least squares & conditioning — four solvers, the projection, ridge, and GD's pace."""

from __future__ import annotations

import warnings

import numpy as np

from linml.linear_model import LinearRegression, Ridge
from linml.report.figures import new_figure, plt
from linml.report.tour import Chapter, ChapterResult


def _solvers_agree(result: ChapterResult, X: np.ndarray, y: np.ndarray) -> None:
    coefs = {}
    for solver in ("qr", "cholesky", "svd", "gd"):
        kw = {"tol": 1e-14, "max_iter": 200_000} if solver == "gd" else {}
        coefs[solver] = LinearRegression(solver=solver, **kw).fit(X, y).coef_
    ref = coefs["svd"]
    diff = max(np.max(np.abs(c - ref)) / np.max(np.abs(ref)) for c in coefs.values())
    result.check(
        "QR, Cholesky (normal equations), SVD and gradient descent give the same OLS "
        "coefficients on the diabetes data (κ ≈ 22)",
        f"max relative coefficient difference {diff:.1e}",
        "< 1e-6",
        diff < 1e-6,
    )


def _projection(result: ChapterResult, X: np.ndarray, y: np.ndarray) -> None:
    model = LinearRegression().fit(X, y)
    Xc = X - X.mean(axis=0)
    r = y - model.predict(X)
    ortho = np.max(np.abs(Xc.T @ r)) / (np.linalg.norm(Xc, 2) * np.linalg.norm(r))
    result.check(
        "the residual is orthogonal to every column of X: ŷ is the projection of y onto col(X)",
        f"max |Xᵀr| / (‖X‖‖r‖) = {ortho:.1e}",
        "< 1e-13 (round-off)",
        ortho < 1e-13,
    )
    # a small example with actual numbers: y in R³, col(X) a plane
    Xs = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    ys = np.array([2.5, 0.5, 2.5])  # = X(1, 1) + 1.5·(1, −1, 1), the normal
    small = LinearRegression(fit_intercept=False).fit(Xs, ys)
    yhat = small.predict(Xs)
    rs = ys - yhat
    fig = new_figure(width=6.0, height=5.5, subplot_kw={"projection": "3d"})[0]
    ax = fig.axes[0]
    s, t = np.meshgrid(np.linspace(-0.2, 2.5, 8), np.linspace(-0.2, 2.5, 8))
    plane = Xs[:, 0][:, None, None] * s + Xs[:, 1][:, None, None] * t  # (3, 8, 8)
    ax.plot_surface(*plane, alpha=0.2, color="tab:blue")
    for vec, col, lab in (
        (ys, "k", "y"),
        (yhat, "tab:green", "ŷ = X β"),
    ):
        ax.quiver(0, 0, 0, *vec, color=col, arrow_length_ratio=0.08, label=lab)
    ax.quiver(*yhat, *rs, color="tab:red", arrow_length_ratio=0.15, label="r = y − ŷ")
    for j in range(2):
        ax.quiver(0, 0, 0, *Xs[:, j], color="tab:blue", arrow_length_ratio=0.1)
    b = small.coef_
    ax.set_title(
        f"β = ({b[0]:.3f}, {b[1]:.3f}), ŷ = ({yhat[0]:.2f}, {yhat[1]:.2f}, {yhat[2]:.2f}),\n"
        f"Xᵀr = ({Xs[:, 0] @ rs:.0e}, {Xs[:, 1] @ rs:.0e})",
        fontsize=9,
    )
    ax.legend(loc="upper left", fontsize=8)
    for setter in (ax.set_xlim, ax.set_ylim, ax.set_zlim):
        setter(-0.5, 3.0)
    ax.set_box_aspect((1, 1, 1))
    ax.set(xlabel="coordinate 1 of ℝ³", ylabel="coordinate 2", zlabel="coordinate 3")
    result.figure(
        "y = (2.5, 0.5, 2.5) projected onto the plane spanned by the columns (1,1,0) and (0,1,1): "
        "the residual (red) is perpendicular to the plane.",
        fig,
    )


def _ridge_shrinkage(result: ChapterResult, X: np.ndarray, y: np.ndarray) -> None:
    lams = np.logspace(-4, 2, 61)
    S = Ridge(alpha=0.0, solver="svd").fit(X, y).singular_values_
    kappa = np.sqrt((S[0] ** 2 + lams) / (S[-1] ** 2 + lams))
    lam = 0.05
    model = Ridge(alpha=lam).fit(X, y)
    Xa = np.vstack([X - X.mean(axis=0), np.sqrt(lam) * np.eye(X.shape[1])])
    cond_aug = np.linalg.cond(Xa)
    rel = abs(model.condition_number_ridge_ - cond_aug) / cond_aug
    result.check(
        "ridge's condition number is √((σ_max² + λ)/(σ_min² + λ)) — that of the augmented "
        "design [X; √λ I] (λ = 0.05 on diabetes)",
        f"{model.condition_number_ridge_:.4f} vs cond([X; √λ I]) = {cond_aug:.4f} "
        f"(κ(X) = {model.condition_number_:.2f})",
        "equal to 1e-10 relative, and smaller than κ(X)",
        rel < 1e-10 and model.condition_number_ridge_ < model.condition_number_,
    )
    dof = model.effective_dof_
    result.check(
        "shrinkage factors σ²/(σ² + λ) damp the weak directions most; their sum is the "
        "effective degrees of freedom",
        f"factors {model.shrinkage_factors_[0]:.3f} (σ_max) … {model.shrinkage_factors_[-1]:.3f} "
        f"(σ_min), dof = {dof:.2f} of {S.size}",
        "decreasing along the spectrum, dof < p",
        bool(np.all(np.diff(model.shrinkage_factors_) <= 0)) and dof < S.size,
    )
    fig, (ax1, ax2) = new_figure(2, width=5.0, height=4.0)
    # one curve per singular value, coloured by log σ: a colorbar reads where a 10-entry legend
    # would not
    norm = plt.matplotlib.colors.LogNorm(vmin=S.min(), vmax=S.max())
    cmap = plt.get_cmap("viridis")
    for s in S:
        ax1.semilogx(lams, s**2 / (s**2 + lams), lw=1.2, color=cmap(norm(s)))
    ax1.set_xlabel("λ")
    ax1.set_ylabel("shrinkage factor σ²/(σ² + λ)")
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax1)
    bar.set_label(f"singular value σ of the centered X ({S.size} of them)")
    ax1.set_title("each principal direction fades at λ ≈ σ²")
    ax2.loglog(lams, kappa, color="tab:red")
    ax2.axhline(1.0, color="gray", lw=0.8, ls="--")
    ax2.set_xlabel("λ")
    ax2.set_ylabel(
        r"$\kappa(\lambda) = \sqrt{(\sigma_{\max}^2 + \lambda)\,/\,(\sigma_{\min}^2 + \lambda)}$"
    )
    ax2.set_title(f"conditioning improves from κ = {S[0] / S[-1]:.1f} toward 1")
    result.figure("Ridge on the diabetes data: shrinkage per singular value, and κ against λ.", fig)


def _gradient_descent(result: ChapterResult) -> None:
    kappa = 10.0
    theta = np.pi / 6
    R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    A = R @ np.diag([kappa, 1.0]) @ R.T  # Hessian of f(x) = ½ xᵀAx, κ(A) = 10
    lam = np.linalg.eigvalsh(A)
    step = 2.0 / (lam[-1] + lam[0])  # the optimal fixed step
    x = np.array([-4.0, 3.0])
    path = [x]
    values = [0.5 * x @ A @ x]
    for _ in range(40):
        x = x - step * (A @ x)  # x ← x − η ∇f
        path.append(x)
        values.append(0.5 * x @ A @ x)
    values = np.array(values)
    measured = float(np.exp(np.mean(np.log(values[1:31] / values[0:30]))))
    rate = ((kappa - 1) / (kappa + 1)) ** 2
    result.check(
        "gradient descent with the optimal step 2/(λ_max + λ_min) on a quadratic with "
        "κ = 10 shrinks f(x) − f* by ((κ−1)/(κ+1))² per step",
        f"measured {measured:.4f} per step (geometric mean of 30 steps)",
        f"{rate:.4f} within 3%",
        abs(measured - rate) / rate < 0.03,
    )
    path = np.array(path)
    fig, (ax1, ax2) = new_figure(2, width=5.0, height=4.2)
    g = np.linspace(-5, 5, 200)
    G1, G2 = np.meshgrid(g, g)
    F = 0.5 * (A[0, 0] * G1**2 + 2 * A[0, 1] * G1 * G2 + A[1, 1] * G2**2)
    ax1.contour(G1, G2, F, levels=np.geomspace(0.05, 120, 14), cmap="Blues", linewidths=0.8)
    ax1.plot(path[:15, 0], path[:15, 1], "o-", color="tab:red", ms=3, lw=1)
    ax1.set_aspect("equal")
    ax1.set(xlabel="x₁", ylabel="x₂", title="GD zigzags across the narrow valley (κ = 10)")
    ax2.semilogy(values - 0.0, "o-", ms=3, label="f(x_k) − f*")
    ax2.semilogy(values[0] * rate ** np.arange(values.size), "--", label="((κ−1)/(κ+1))^(2k)")
    ax2.set(xlabel="step k", ylabel="f(x_k) − f*", title="linear convergence at the predicted rate")
    ax2.legend(fontsize=8)
    result.figure(
        "Gradient descent on f(x) = ½xᵀAx with κ(A) = 10 and step 2/(λ_max + λ_min). For least "
        "squares A = XᵀX, so the pace is set by κ(X)².",
        fig,
    )


def run() -> ChapterResult:
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    result = ChapterResult(
        text="<p>Least squares finds β minimizing ‖y − Xβ‖²: ŷ = Xβ is the orthogonal projection "
        "of y onto the column space of X. Four solvers reach it — the normal equations by "
        "Cholesky (fast, but they square the condition number κ), QR and the SVD (backward "
        "stable: error ~ κ·eps) and gradient descent (whose pace is set by κ²). Ridge adds λ to "
        "every σ², shrinking weak directions by σ²/(σ² + λ) and improving κ.</p>"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _solvers_agree(result, X, y)
        _projection(result, X, y)
        _ridge_shrinkage(result, X, y)
        _gradient_descent(result)
    return result


CHAPTER = Chapter(
    slug="least_squares",
    title="Least squares & conditioning",
    order=10,
    run=run,
    summary="Four solvers, one projection; ridge's shrinkage and gradient descent's κ-bound pace.",
)
