"""Tour chapter: margins and the kernel trick — support vectors, lifts, Mercer."""

from __future__ import annotations

import numpy as np

from linml.linalg.kernels import mercer_check, pairwise_kernel
from linml.report.figures import new_figure, plt
from linml.report.tour import Chapter, ChapterResult
from linml.svm import SVC

#: how close to 1 the margin values y f(x) must be (the fit uses tol=1e-6, C=1e3)
SVM_ATOL = 1e-3


def _separable(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two well-separated Gaussian clouds in 2-D (20 points each)."""
    y = np.repeat([0, 1], 20)
    X = rng.normal(scale=0.6, size=(40, 2)) + np.where(y[:, None] == 1, [2.0, 2.0], [-1.0, -1.0])
    return X, y


def _margin_figure(X, y, clf, refit, dropped):
    fig, ax = new_figure(width=5.5, height=5.0)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=25, edgecolor="k", linewidth=0.4)
    sv = clf.support_vectors_
    ax.scatter(sv[:, 0], sv[:, 1], s=160, facecolors="none", edgecolors="k", linewidth=1.4)
    ax.scatter(*X[dropped], marker="x", s=120, c="g", label="removed (not a support vector)")
    xx = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 50)
    (w1, w2), b = clf.coef_[0], clf.intercept_[0]
    for level, style in ((0.0, "-"), (1.0, "--"), (-1.0, "--")):
        ax.plot(xx, (level - b - w1 * xx) / w2, "k" + style, lw=1)  # w·x + b = level
    (v1, v2), c = refit.coef_[0], refit.intercept_[0]
    ax.plot(xx, (-c - v1 * xx) / v2, color="g", ls=":", lw=3, label="boundary after refit")
    ax.set_ylim(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5)
    ax.legend(loc="lower right", fontsize=8)
    ax.set(xlabel="x₁", ylabel="x₂")
    ax.set_title("maximum margin: f(x) = 0 and f(x) = ±1; circled: support vectors")
    return fig


def _regions_figure(X, y, models):
    fig, axes = new_figure(ncols=len(models), width=4.2, height=4.0)
    grid = np.linspace(-1.6, 1.6, 120)
    G1, G2 = np.meshgrid(grid, grid)
    points = np.column_stack([G1.ravel(), G2.ravel()])
    for ax, (title, clf) in zip(axes, models, strict=True):
        Z = clf.decision_function(points).reshape(G1.shape)
        ax.contourf(G1, G2, Z > 0, alpha=0.25, cmap="coolwarm")
        ax.contour(G1, G2, Z, levels=[0.0], colors="k", linewidths=1)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12, edgecolor="k", linewidth=0.3)
        ax.set(xlabel="x₁", ylabel="x₂", title=title)
    return fig


def _lift_figure(Z, y, clf):
    fig = plt.figure(figsize=(5.5, 5.0), layout="constrained")
    ax = fig.add_subplot(projection="3d")
    ax.scatter(Z[:, 0], Z[:, 1], Z[:, 2], c=y, cmap="coolwarm", s=10)
    (w1, w2, w3), b = clf.coef_[0], clf.intercept_[0]
    g = np.linspace(-1.3, 1.3, 10)
    P1, P2 = np.meshgrid(g, g)
    ax.plot_surface(P1, P2, -(b + w1 * P1 + w2 * P2) / w3, alpha=0.3, color="grey")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_zlabel("x₁² + x₂²")
    ax.set_title("lifted by φ(x) = (x₁, x₂, x₁² + x₂²): a plane separates")
    return fig


def run() -> ChapterResult:
    from sklearn.datasets import make_circles
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(0)
    result = ChapterResult(
        text="<p>A support vector machine picks, among all separating hyperplanes, the one with "
        "the widest margin <i>2/‖w‖</i>. Its dual, <i>max Σα − ½ΣΣ α<sub>i</sub>α<sub>j</sub>"
        "y<sub>i</sub>y<sub>j</sub> k(x<sub>i</sub>, x<sub>j</sub>)</i> with <i>0 ≤ α ≤ C</i>, "
        "touches the data only through inner products — replace them by a kernel "
        "<i>k(x, z) = ⟨φ(x), φ(z)⟩</i> and the same linear algebra separates in a feature space "
        "it never builds. Only the support vectors (α &gt; 0) enter the answer; a kernel is an "
        "inner product exactly when its Gram matrices are positive semi-definite (Mercer).</p>"
    )

    # 1. the maximum-margin line; dropping a non-support vector changes nothing
    X, y = _separable(rng)
    clf = SVC(kernel="linear", C=1e3, tol=1e-6).fit(X, y)
    w_norm = float(np.linalg.norm(clf.coef_[0]))
    yy = np.where(y == 1, 1.0, -1.0)
    yf = yy * clf.decision_function(X)
    result.check(
        "on separable data every point is outside the margin (y f(x) ≥ 1) and the support "
        "vectors sit on it (y f(x) = 1)",
        f"min y f = {yf.min():.4f}; support vectors: {clf.support_.size}, "
        f"margin 2/‖w‖ = {2 / w_norm:.3f}",
        f"|min y f − 1| ≤ {SVM_ATOL:g} and |y f − 1| ≤ {SVM_ATOL:g} on every support vector",
        abs(yf.min() - 1) <= SVM_ATOL and bool(np.all(np.abs(yf[clf.support_] - 1) <= SVM_ATOL)),
    )
    non_sv = np.setdiff1d(np.arange(y.size), clf.support_)
    dropped = non_sv[np.argmin(yf[non_sv])]  # the non-support vector closest to the margin
    keep = np.setdiff1d(np.arange(y.size), [dropped])
    refit = SVC(kernel="linear", C=1e3, tol=1e-6).fit(X[keep], y[keep])
    shift = float(
        max(np.abs(refit.coef_ - clf.coef_).max(), np.abs(refit.intercept_ - clf.intercept_).max())
    )
    result.check_between(
        "removing a sample that is not a support vector leaves the boundary unmoved",
        f"max change in (w, b) = {shift:.1e}",
        shift,
        hi=1e-6,
        name="max change",
    )
    result.figure(
        "The widest separating street; circled points are the support vectors. The green "
        "cross is removed and the model refit: the dotted boundary lies on top of the old one.",
        _margin_figure(X, y, clf, refit, dropped),
    )

    # 2. concentric circles: no line separates them, an RBF kernel does
    Xc, yc = make_circles(200, noise=0.1, factor=0.3, random_state=0)
    X_tr, X_te, y_tr, y_te = train_test_split(Xc, yc, test_size=0.5, random_state=0, stratify=yc)
    linear = SVC(kernel="linear").fit(X_tr, y_tr)
    rbf = SVC(kernel="rbf", gamma=2.0).fit(X_tr, y_tr)
    acc_lin = float(np.mean(linear.predict(X_te) == y_te))
    acc_rbf = float(np.mean(rbf.predict(X_te) == y_te))
    result.check_between(
        "concentric circles (200 points, noise 0.1, factor 0.3): a linear SVM is near chance "
        "(0.5 for two balanced classes; the material reports about 0.5–0.6 — no line "
        "separates a ring from its centre, so only chance-level splits exist)",
        f"held-out accuracy {acc_lin:.2f}",
        acc_lin,
        0.35,
        0.7,
        name="accuracy",
        fmt=".2f",
    )
    result.check_between(
        "the same SVM with an RBF kernel (gamma 2) separates them",
        f"held-out accuracy {acc_rbf:.2f}",
        acc_rbf,
        lo=0.97,
        name="accuracy",
        fmt=".2f",
    )
    result.figure(
        "Decision regions on the circles: linear kernel vs RBF kernel (gamma = 2).",
        _regions_figure(Xc, yc, [("linear kernel", linear), ("RBF kernel, γ = 2", rbf)]),
    )

    # 3. the lift φ(x1, x2) = (x1, x2, x1² + x2²) makes the circles linearly separable
    lift = np.column_stack([Xc, (Xc**2).sum(axis=1)])
    lifted = SVC(kernel="linear", C=10.0).fit(lift, yc)
    acc_lift = float(np.mean(lifted.predict(lift) == yc))
    result.check_between(
        "after the lift φ(x) = (x₁, x₂, x₁² + x₂²) a plane separates the circles",
        f"training accuracy of a linear SVM on φ(X): {acc_lift:.3f}",
        acc_lift,
        lo=0.97,
        name="accuracy",
        fmt=".2f",
    )
    result.figure(
        "The circles lifted onto the paraboloid x₃ = x₁² + x₂², with the separating plane.",
        _lift_figure(lift, yc, lifted),
    )

    # 4. the kernel trick: (xᵀz)² is the inner product of φ(x) = (x₁², √2 x₁x₂, x₂²)
    A, B = rng.standard_normal((30, 2)), rng.standard_normal((25, 2))

    def phi(V: np.ndarray) -> np.ndarray:
        return np.column_stack([V[:, 0] ** 2, np.sqrt(2) * V[:, 0] * V[:, 1], V[:, 1] ** 2])

    K_trick = pairwise_kernel(A, B, kernel="poly", gamma=1.0, coef0=0.0, degree=2)
    err = float(np.abs(phi(A) @ phi(B).T - K_trick).max() / np.abs(K_trick).max())
    result.check_between(
        "(xᵀz)² = φ(x)ᵀφ(z) with φ(x) = (x₁², √2 x₁x₂, x₂²): the kernel is an inner product in 3-D",
        f"max relative difference {err:.1e}",
        err,
        hi=1e-12,
        name="max relative difference (round-off)",
    )

    # 5. Mercer: RBF Gram matrices are PSD, the sigmoid kernel's need not be
    Xm = rng.standard_normal((60, 2))
    rbf_check = mercer_check(pairwise_kernel(Xm, kernel="rbf", gamma=1.0))
    sig_check = mercer_check(pairwise_kernel(Xm, kernel="sigmoid", gamma=1.0, coef0=-1.0))
    result.check(
        "the sigmoid kernel tanh(xᵀz − 1) fails Mercer's condition (its Gram matrix has a "
        "negative eigenvalue) while the RBF kernel passes",
        f"sigmoid λ_min = {sig_check.min_eigenvalue:.3g}; rbf λ_min = "
        f"{rbf_check.min_eigenvalue:.2g}",
        "sigmoid λ_min < 0 ≤ rbf λ_min (up to round-off)",
        (not sig_check.passed) and rbf_check.passed,
    )
    return result


CHAPTER = Chapter(
    slug="svm",
    title="Margins and the kernel trick",
    order=40,
    run=run,
    summary="Support vector machines: the maximum margin, support vectors, kernels as inner "
    "products in a lifted space, and Mercer's condition.",
)
