"""Tour chapter: kernel PCA — principal components in the feature space of an RBF kernel."""

from __future__ import annotations

import numpy as np

from linml.decomposition import PCA, KernelPCA
from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult


def _threshold_accuracy(z: np.ndarray, y: np.ndarray) -> float:
    """Best accuracy of a 1-D linear classifier ``sign(s (z − t))`` over thresholds t and signs s.

    Sort the scores once; predicting class 1 above position i is right for the class-0
    points below it and the class-1 points above it, so all thresholds cost one cumsum.
    """
    order = np.argsort(z, kind="stable")
    y_sorted = y[order]
    n = y.size
    zeros_below = np.concatenate([[0], np.cumsum(y_sorted == 0)])  # class 0 in the first i
    ones_above = np.concatenate([[0], np.cumsum(y_sorted[::-1] == 1)])[::-1]  # class 1 after i
    correct = zeros_below + ones_above
    best = int(max(correct.max(), n - correct.min()))  # the other sign swaps the two sides
    return best / n


def run() -> ChapterResult:
    from sklearn.datasets import make_moons

    result = ChapterResult(
        text="<p>Kernel PCA is PCA of the features <i>φ(x)</i> of a kernel "
        "<i>k(x, y) = ⟨φ(x), φ(y)⟩</i>, done without ever forming <i>φ</i>: the centered Gram "
        "matrix <i>K̃ = (I − 1<sub>n</sub>) K (I − 1<sub>n</sub>) = A diag(λ) Aᵀ</i> holds "
        "everything, and the scores of the training points are <i>A diag(√λ)</i>. With the RBF "
        "kernel <i>exp(−γ‖x − y‖²)</i> each point becomes a bump; the leading directions of "
        "the bumps' cloud follow the data's shape, not straight lines.</p>"
    )
    X, y = make_moons(200, noise=0.1, random_state=0)
    Z_pca = PCA(2).fit_transform(X)
    kpca = KernelPCA(2, kernel="rbf", gamma=10.0)
    Z_kpca = kpca.fit_transform(X)

    acc_pca = _threshold_accuracy(Z_pca[:, 0], y)
    acc_kpca = _threshold_accuracy(Z_kpca[:, 0], y)
    result.check(
        "the two moons are not linearly separable along PC1: a threshold on PC1 misclassifies "
        "a good share of the points",
        f"best threshold accuracy on PC1: {100 * acc_pca:.1f}%",
        "< 90%",
        acc_pca < 0.90,
    )
    result.check(
        "on the first RBF kernel principal component (γ = 10) the moons become (nearly) "
        "linearly separable: one threshold on KPC1 splits them",
        f"best threshold accuracy on KPC1: {100 * acc_kpca:.1f}%",
        ">= 97%",
        acc_kpca >= 0.97,
    )
    share = float(kpca.explained_variance_ratio_[:2].sum())
    result.check(
        "an RBF kernel spreads the variance over many feature-space directions (its feature "
        "space is infinite-dimensional): two components keep only part of it",
        f"KPC1 + KPC2 keep {100 * share:.1f}% of trace(K̃)",
        "< 50%",
        share < 0.5,
    )
    Z_new = kpca.transform(X[:20])
    result.check(
        "transforming the training points again (centered kernel rows k̃(x) A diag(1/√λ)) "
        "reproduces their scores A diag(√λ)",
        f"max |difference| = {np.max(np.abs(Z_new - Z_kpca[:20])):.2e}",
        "max |difference| < 1e-8",
        np.max(np.abs(Z_new - Z_kpca[:20])) < 1e-8,
    )

    fig, axes = new_figure(3, width=4.2, height=3.8)
    colors = np.array(["tab:blue", "tab:orange"])[y]
    axes[0].scatter(X[:, 0], X[:, 1], c=colors, s=10)
    axes[0].set(xlabel="x₁", ylabel="x₂", title="two moons (200 points, noise 0.1)")
    axes[1].scatter(Z_pca[:, 0], Z_pca[:, 1], c=colors, s=10)
    axes[1].set(
        title=f"linear PCA — PC1 threshold {100 * acc_pca:.0f}%", xlabel="PC1", ylabel="PC2"
    )
    axes[2].scatter(Z_kpca[:, 0], Z_kpca[:, 1], c=colors, s=10)
    axes[2].set(
        title=f"RBF kernel PCA, γ = 10 — KPC1 {100 * acc_kpca:.0f}%", xlabel="KPC1", ylabel="KPC2"
    )
    result.figure(
        "The moons, their linear PCA projection, and their RBF kernel PCA projection", fig
    )

    fig, ax = new_figure(width=6.0, height=3.2)
    bins = np.linspace(-1, 1, 41)
    for label, color in ((0, "tab:blue"), (1, "tab:orange")):
        z = Z_kpca[y == label, 0] / np.abs(Z_kpca[:, 0]).max()
        ax.hist(z, bins=bins, alpha=0.6, color=color, label=f"moon {label}")
    ax.set(xlabel="KPC1 (scaled)", ylabel="points", title="KPC1 separates the moons")
    ax.legend()
    result.figure("Histogram of the first kernel principal component, per moon", fig)
    return result


CHAPTER = Chapter(
    slug="kernel_pca",
    title="Kernel PCA: principal components in feature space",
    order=32,
    run=run,
    summary="Two moons, linear PCA against RBF kernel PCA: the kernel's first component "
    "separates what no straight line can.",
)
