"""Tour chapter: PCA vs LDA — the direction of most variance is not the direction that separates."""

from __future__ import annotations

import numpy as np

from linml.decomposition import PCA
from linml.discriminant_analysis import LinearDiscriminantAnalysis
from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult


def _parallel_classes(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two long thin classes side by side: long along x (sd 3), thin along y (sd 0.3), 1.5 apart."""
    n = 200
    y = np.repeat([0, 1], n)
    X = rng.normal(size=(2 * n, 2)) * [3.0, 0.3]
    X[:, 1] += np.where(y == 0, -0.75, 0.75)
    return X, y


def _separation(z: np.ndarray, y: np.ndarray) -> float:
    """Distance between the class means of a 1-D projection in pooled within-class sds."""
    m0, m1 = z[y == 0].mean(), z[y == 1].mean()
    sd = np.sqrt(0.5 * (z[y == 0].var() + z[y == 1].var()))
    return float(abs(m1 - m0) / sd)


def run() -> ChapterResult:
    from sklearn.datasets import load_iris

    rng = np.random.default_rng(0)
    result = ChapterResult(
        text="<p>PCA looks for the direction of largest total variance and ignores labels. LDA "
        "maximizes the Fisher ratio <i>J(w) = wᵀS<sub>B</sub>w / wᵀS<sub>W</sub>w</i> (between- "
        "over within-class variance), solving <i>S<sub>B</sub>w = λS<sub>W</sub>w</i>. When "
        "classes are long and side by side, the two disagree completely.</p>"
    )

    # 1. two parallel elongated classes
    X, y = _parallel_classes(rng)
    z_pca = PCA(1).fit_transform(X).ravel()
    lda = LinearDiscriminantAnalysis().fit(X, y)
    z_lda = lda.transform(X).ravel()
    sep_pca, sep_lda = _separation(z_pca, y), _separation(z_lda, y)
    result.check(
        "PCA's first axis mixes two parallel elongated classes",
        f"class means {sep_pca:.2f} within-class sds apart",
        "< 0.5",
        sep_pca < 0.5,
    )
    result.check(
        "LDA's axis separates them",
        f"class means {sep_lda:.2f} within-class sds apart; training accuracy "
        f"{lda.score(X, y):.3f}",
        "> 4 sds and accuracy > 0.99",
        sep_lda > 4 and lda.score(X, y) > 0.99,
    )
    fig, axes = new_figure(3, width=4.5)
    axes[0].scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=6)
    axes[0].set(xlabel="x₁", ylabel="x₂", title="two parallel classes")
    # equal scales by widening the data limits, so the panel keeps the histograms' height
    axes[0].set_aspect("equal", adjustable="datalim")
    for ax, z, name in ((axes[1], z_pca, "PCA axis"), (axes[2], z_lda, "LDA axis")):
        bins = np.linspace(z.min(), z.max(), 40)
        for label, color in ((0, "tab:blue"), (1, "tab:red")):
            ax.hist(z[y == label], bins=bins, alpha=0.6, color=color, label=f"class {label}")
        ax.set(xlabel=f"coordinate on the {name}", ylabel="points per bin")
        ax.set_title(f"projection on the {name}")
        ax.legend()
    result.figure("Histograms of the two projections: PCA mixes the classes, LDA splits them", fig)

    # 2. iris to 2-D, and the C − 1 cap
    Xi, yi = load_iris(return_X_y=True)
    lda_i = LinearDiscriminantAnalysis().fit(Xi, yi)
    Z = lda_i.transform(Xi)
    result.check(
        "LDA maps the 4-D iris data to C − 1 = 2 dimensions and classifies it",
        f"transform shape {Z.shape}, training accuracy {lda_i.score(Xi, yi):.3f}, "
        f"Fisher ratios {np.round(lda_i.fisher_ratios_, 3).tolist()}",
        "(150, 2), accuracy ≥ 0.97",
        Z.shape == (150, 2) and lda_i.score(Xi, yi) >= 0.97,
    )
    try:
        LinearDiscriminantAnalysis(n_components=3).fit(Xi, yi)
        capped, message = False, "no error"
    except ValueError as e:
        capped, message = True, str(e)
    result.check(
        "asking for more than C − 1 = 2 directions fails and explains the cap",
        message,  # whole: the table wraps it (a cut "once centered o…" read as a defect)
        "a ValueError whose message names the cap “C − 1”",
        capped and "C − 1" in message,
    )
    fig, ax = new_figure(width=5.5)
    for label, name in enumerate(("setosa", "versicolor", "virginica")):
        ax.scatter(Z[yi == label, 0], Z[yi == label, 1], s=10, label=name)
    ax.set(xlabel="LD1", ylabel="LD2", title="Iris projected by LDA (C − 1 = 2 axes)")
    ax.legend()
    result.figure("Iris in LDA's two discriminant coordinates", fig)
    result.text += (
        "<p>Why at most C − 1 directions: <i>S<sub>B</sub> = Σ<sub>k</sub> π<sub>k</sub>"
        "(μ<sub>k</sub> − x̄)(μ<sub>k</sub> − x̄)ᵀ</i> is a sum of C rank-one terms whose vectors "
        "satisfy <i>Σ π<sub>k</sub>(μ<sub>k</sub> − x̄) = 0</i>, so they span at most C − 1 "
        "dimensions; every other direction has Fisher ratio 0.</p>"
    )
    return result


CHAPTER = Chapter(
    slug="pca_vs_lda",
    title="PCA vs LDA",
    order=31,
    run=run,
    summary="Variance is not separation: Fisher's discriminant uses the labels, PCA does not.",
)
