"""Tour chapter: principal component analysis — the eigenvectors of the covariance."""

from __future__ import annotations

import numpy as np

from linml.decomposition import PCA
from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult


def _rotated_cloud(rng: np.random.Generator) -> np.ndarray:
    """200 points with standard deviations 2 and 0.5 along axes rotated by 30°."""
    theta = np.deg2rad(30)
    R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    X = (rng.normal(size=(200, 2)) * [2.0, 0.5]) @ R.T  # scale, then rotate: x = R diag(2, .5) z
    return X


def run() -> ChapterResult:
    from sklearn.datasets import load_digits

    rng = np.random.default_rng(0)
    result = ChapterResult(
        text="<p>PCA diagonalizes the covariance <i>C = X<sub>c</sub>ᵀX<sub>c</sub>/(n − 1) = "
        "V diag(λ) Vᵀ</i>: the eigenvectors are the principal axes and λ<sub>i</sub> is the "
        "variance along axis <i>i</i>. The same axes come from the SVD <i>X<sub>c</sub> = U S "
        "Vᵀ</i>, with λ = S²/(n − 1) — without ever forming <i>C</i>.</p>"
    )

    # 1. the correlated 2-D cloud: axes recovered, PC1's share ≈ 4 / (4 + 0.25)
    X = _rotated_cloud(rng)
    pca = PCA().fit(X)
    angle = np.rad2deg(np.arctan2(pca.components_[0, 1], pca.components_[0, 0])) % 180
    share = float(pca.explained_variance_ratio_[0])
    result.check(
        "PC1 of a cloud with scales 2 and 0.5 rotated by 30° points along 30°",
        f"{angle:.1f}°",
        "30° ± 3°",
        abs(angle - 30) < 3,
    )
    result.check(
        "PC1 explains about 2² / (2² + 0.5²) = 94% of the variance",
        f"{100 * share:.1f}%",
        "94% ± 3%",
        abs(share - 4 / 4.25) < 0.03,
    )
    fig, ax = new_figure(width=5.5)
    ax.scatter(X[:, 0], X[:, 1], s=8, alpha=0.5, zorder=1)
    for i, color in enumerate(("tab:red", "tab:green")):
        axis = pca.components_[i] * np.sqrt(pca.explained_variance_[i])  # length √λ
        ax.annotate(
            "",
            pca.mean_ + axis,
            pca.mean_,
            arrowprops={"arrowstyle": "->", "color": color, "lw": 2.5},
            zorder=5,  # arrows and labels above the points
        )
        ax.text(
            *(pca.mean_ + 1.25 * axis + [0.0, 0.15 * i]),
            f"PC{i + 1}",
            color=color,
            fontweight="bold",
            zorder=6,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.5},
        )
    ax.set_aspect("equal", adjustable="datalim")
    ax.set(xlabel="x₁", ylabel="x₂", title=f"Principal axes at √λ; PC1 share {100 * share:.1f}%")
    result.figure("A correlated cloud and its principal axes, drawn at one standard deviation", fig)

    # 2. digits: the scree plot and the k that keeps 95% of the variance
    D = load_digits().data
    full = PCA(solver="svd").fit(D)
    k95 = PCA(0.95).fit(D).n_components_
    cumulative = np.cumsum(full.explained_variance_ratio_)
    result.check(
        "on the 8×8 digits, the smallest k keeping 95% of the variance",
        f"k = {k95} of 64 (cumulative {cumulative[k95 - 1]:.4f})",
        "k = 29, as scikit-learn finds",
        k95 == 29 and cumulative[k95 - 1] > 0.95 >= cumulative[k95 - 2],
    )
    fig, ax = new_figure(width=6.0)
    idx = np.arange(1, cumulative.size + 1)
    ax.bar(idx, full.explained_variance_ratio_, label="explained variance ratio")
    ax.plot(idx, cumulative, "o-", color="tab:orange", ms=3, label="cumulative")
    ax.axhline(0.95, color="gray", ls=":", lw=1)
    ax.axvline(k95, color="tab:red", ls="--", lw=1, label=f"k = {k95} keeps 95%")
    ax.set(xlabel="component", ylabel="share of variance", title="Scree plot of the digits")
    ax.legend(loc="center right")
    result.figure("Scree plot of the digits: 29 of 64 components keep 95% of the variance", fig)

    # 3. eigh of the covariance and the SVD of the centered data agree
    eig = PCA(10, solver="covariance_eigh").fit(D)
    svd = PCA(10, solver="svd").fit(D)
    gap_val = float(np.max(np.abs(eig.explained_variance_ - svd.explained_variance_)))
    gap_vec = float(np.max(np.abs(eig.components_ - svd.components_)))
    result.check(
        "eigh of the covariance and the SVD of the centered data give the same PCA (digits, k=10)",
        f"max |Δλ| = {gap_val:.1e}, max |Δ component| = {gap_vec:.1e}",
        "both < 1e-8 (same signs: largest entry positive)",
        gap_val < 1e-8 and gap_vec < 1e-8,
    )
    return result


CHAPTER = Chapter(
    slug="pca",
    title="Principal component analysis",
    order=30,
    run=run,
    summary="The principal axes are the covariance's eigenvectors; the scree plot picks k.",
)
