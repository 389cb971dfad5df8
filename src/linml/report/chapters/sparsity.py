"""Tour chapter: sparsity from ℓ1 — the Lasso selects features because the ℓ1 ball has corners."""

from __future__ import annotations

import numpy as np

from linml.linear_model import Lasso, LinearRegression, Ridge, lasso_path
from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult

TRUE_COEF = {0: 3.0, 1: -2.0, 2: 1.5}


def _seed_problem() -> tuple[np.ndarray, np.ndarray]:
    """n = 100, p = 20, three true coefficients (3, −2, 1.5), noise σ = 0.5."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 20))
    beta = np.zeros(20)
    for j, b in TRUE_COEF.items():
        beta[j] = b
    y = X @ beta + 0.5 * rng.standard_normal(100)
    return X, y


def _counts(result: ChapterResult, X: np.ndarray, y: np.ndarray) -> Lasso:
    ols = LinearRegression().fit(X, y)
    ridge = Ridge(alpha=1.0).fit(X, y)
    lasso = Lasso(alpha=0.1, tol=1e-10).fit(X, y)
    nnz = [int(np.count_nonzero(m.coef_)) for m in (ols, ridge, lasso)]
    support = np.flatnonzero(lasso.coef_).tolist()
    result.check(
        "OLS and ridge keep all 20 coefficients nonzero; the Lasso (α = 0.1) keeps about 3",
        f"nonzero: OLS {nnz[0]}, ridge {nnz[1]}, Lasso {nnz[2]} (features {support})",
        "OLS 20, ridge 20, Lasso 3 to 5 including features 0, 1, 2",
        nnz[0] == 20 and nnz[1] == 20 and 3 <= nnz[2] <= 5 and set(TRUE_COEF) <= set(support),
    )
    # KKT: |x̃_jᵀr|/n ≤ α on the zeros, = α·sign(β_j) on the support
    r = y - lasso.predict(X)
    corr = (X - X.mean(axis=0)).T @ r / X.shape[0]
    nz = lasso.coef_ != 0
    on_zero = float(np.abs(corr[~nz]).max())
    on_supp = float(np.abs(corr[nz] - 0.1 * np.sign(lasso.coef_[nz])).max())
    result.check(
        "the solution satisfies the Lasso's KKT conditions (subgradient optimality)",
        f"max |x̃_jᵀr|/n on zeros = {on_zero:.4f}; max |x̃_jᵀr/n − α·sign β_j| on support = "
        f"{on_supp:.1e}",
        "≤ α·(1 + 1e-6) = 0.1 on zeros; < 1e-6 on the support",
        on_zero <= 0.1 * (1 + 1e-6) and on_supp < 1e-6,
    )
    kept = {j: float(lasso.coef_[j]) for j in TRUE_COEF}
    result.check(
        "ℓ1 also shrinks the kept coefficients toward 0 (by about α per unit variance)",
        ", ".join(f"β{j}: {kept[j]:+.3f} (true {b:+.1f})" for j, b in TRUE_COEF.items()),
        "same signs, and 0 < |β_j| − |β̂_j| < 0.5 for each",
        all(
            np.sign(kept[j]) == np.sign(b) and 0 < abs(b) - abs(kept[j]) < 0.5
            for j, b in TRUE_COEF.items()
        ),
    )
    return lasso


def _geometry(result: ChapterResult) -> None:
    """Two correlated features: the ℓ1 ball is first touched at a corner, the ℓ2 ball is not."""
    rng = np.random.default_rng(1)
    n = 200
    z = rng.standard_normal((n, 2))
    X = np.column_stack([z[:, 0], 0.6 * z[:, 0] + 0.8 * z[:, 1]])  # corr(x1, x2) = 0.6
    y = X @ np.array([1.5, 0.35]) + 0.3 * rng.standard_normal(n)
    lasso = Lasso(alpha=0.4, fit_intercept=False, tol=1e-12).fit(X, y)
    ridge = Ridge(alpha=60.0, fit_intercept=False).fit(X, y)
    ols = np.linalg.lstsq(X, y, rcond=None)[0]
    result.check(
        "in 2-D the least-squares ellipses first touch the ℓ1 diamond at a corner "
        "(one coefficient exactly 0) and the ℓ2 circle at a smooth point (none 0)",
        f"Lasso β = ({lasso.coef_[0]:.3f}, {lasso.coef_[1]:.3f}); ridge β = "
        f"({ridge.coef_[0]:.3f}, {ridge.coef_[1]:.3f}); OLS β = ({ols[0]:.3f}, {ols[1]:.3f})",
        "Lasso β₂ = 0 exactly; ridge β₁, β₂ ≠ 0",
        lasso.coef_[1] == 0 and lasso.coef_[0] != 0 and np.all(ridge.coef_ != 0),
    )
    # contours of ½‖y − Xβ‖²/n around the OLS point
    g1, g2 = np.meshgrid(np.linspace(-0.5, 2.2, 220), np.linspace(-1.0, 1.5, 220))
    B = np.stack([g1.ravel(), g2.ravel()])  # (2, grid points)
    G = X.T @ X / n
    D = B - ols[:, None]
    excess = 0.5 * np.einsum("ik,ij,jk->k", D, G, D).reshape(g1.shape)  # loss above OLS
    fig, ax = new_figure(width=6, height=5.5)

    def excess_at(b: np.ndarray) -> float:
        return float(0.5 * (b - ols) @ G @ (b - ols))

    levels = sorted({excess_at(lasso.coef_), excess_at(ridge.coef_)})
    ax.contour(g1, g2, excess, levels=sorted([v * f for v in levels for f in (0.25, 1.0)]),
               colors="0.55", linewidths=0.8)  # fmt: skip
    t1 = float(np.abs(lasso.coef_).sum())
    ax.fill([t1, 0, -t1, 0], [0, t1, 0, -t1], alpha=0.25, color="tab:red", label="ℓ1 ball")
    t2 = float(np.linalg.norm(ridge.coef_))
    angle = np.linspace(0, 2 * np.pi, 200)
    ax.fill(t2 * np.cos(angle), t2 * np.sin(angle), alpha=0.2, color="tab:blue", label="ℓ2 ball")
    ax.plot(*ols, "k*", ms=12, label="least squares")
    ax.plot(*lasso.coef_, "o", color="tab:red", ms=8, label="Lasso (at a corner)")
    ax.plot(*ridge.coef_, "o", color="tab:blue", ms=8, label="ridge")
    ax.axhline(0, color="k", lw=0.5)
    ax.axvline(0, color="k", lw=0.5)
    ax.set(xlabel="β₁", ylabel="β₂", aspect="equal", title="Why ℓ1 gives zeros")
    ax.legend(loc="upper left", fontsize=8)
    result.figure(
        "Least-squares ellipses meet the ℓ1 diamond at its corner (β₂ = 0) and the ℓ2 "
        "circle at a point with both coordinates nonzero",
        fig,
    )


def _path(result: ChapterResult, X: np.ndarray, y: np.ndarray) -> None:
    path = lasso_path(X, y, alphas=80, eps=1e-3, fit_intercept=True, tol=1e-10)
    first_nonzero = []
    for j in range(X.shape[1]):
        nz = np.flatnonzero(path.coefs[j] != 0)
        first_nonzero.append(path.alphas[nz[0]] if nz.size else 0.0)
    order = np.argsort(first_nonzero)[::-1]
    result.check(
        "along the regularization path the three true features enter first",
        f"first three to enter: {sorted(order[:3].tolist())}; the 4th enters at "
        f"α = {first_nonzero[order[3]]:.3g}",
        "[0, 1, 2]",
        set(order[:3].tolist()) == set(TRUE_COEF),
    )
    fig, ax = new_figure(width=7, height=4.5)
    for j in range(X.shape[1]):
        true = j in TRUE_COEF
        ax.plot(
            path.alphas,
            path.coefs[j],
            color=f"C{j}" if true else "0.65",
            lw=2.2 if true else 0.9,
            label=f"true feature {j} (β = {TRUE_COEF[j]:+g})" if true else None,
        )
    ax.axvline(0.1, color="k", ls="--", lw=1, label="α = 0.1")
    ax.set(xscale="log", xlabel="α (log scale)", ylabel="coefficient",
           title="Lasso path: the true support (colored) separates from the noise (gray)")  # fmt: skip
    ax.invert_xaxis()
    ax.legend(fontsize=8)
    result.figure("Regularization path from α_max down to α_max/1000", fig)


def run() -> ChapterResult:
    result = ChapterResult(
        text="<p>Ridge shrinks every coefficient; the Lasso sets most of them to exactly "
        "zero. The reason is geometric: minimizing least squares subject to ‖β‖₁ ≤ t, the "
        "ellipses of constant loss typically first touch the ℓ1 ball at a corner, where "
        "coordinates vanish, while the round ℓ2 ball has no corners. Algebraically it is "
        "the soft threshold in each coordinate-descent step, β_j ← S(x̃_jᵀr + ‖x̃_j‖²β_j, "
        "nα)/‖x̃_j‖², and the KKT conditions |x̃_jᵀr|/n ≤ α on every zero.</p>"
    )
    X, y = _seed_problem()
    _counts(result, X, y)
    _geometry(result)
    _path(result, X, y)
    return result


CHAPTER = Chapter(
    slug="sparsity",
    title="Sparsity from ℓ1",
    order=20,
    run=run,
    summary="The Lasso keeps 3 of 20 coefficients where OLS and ridge keep all 20; the ℓ1 "
    "diamond's corners and the regularization path show why.",
)
