"""Tour chapter: spectra of graphs — components, the Fiedler cut, spectral clustering, PageRank."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from linml.cluster import SpectralClustering
from linml.exceptions import NumericalWarning
from linml.graph import (
    adjacency_from_edges,
    connected_components,
    fiedler,
    laplacian,
    pagerank,
    smallest_eigenpairs,
)
from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult


def _planted_components(rng: np.random.Generator) -> sp.csr_matrix:
    edges, start = [], 0
    for size in (12, 9, 15):
        nodes = np.arange(start, start + size)
        edges += [(nodes[i], nodes[i + 1]) for i in range(size - 1)]
        edges += [(i, j) for i in nodes for j in nodes if i < j and rng.random() < 0.25]
        start += size
    return adjacency_from_edges(edges, n_nodes=start)


def _barbell(m: int) -> sp.csr_matrix:
    clique = [(i, j) for i in range(m) for j in range(i + 1, m)]
    edges = clique + [(i + m, j + m) for i, j in clique] + [(m - 1, m)]
    return adjacency_from_edges(edges)


def run() -> ChapterResult:
    from sklearn.cluster import KMeans
    from sklearn.datasets import make_circles, make_moons
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(0)
    result = ChapterResult(
        text="<p>The Laplacian <i>L = D − A</i> has <i>xᵀLx = ½ Σ A<sub>ij</sub>(x<sub>i</sub> − "
        "x<sub>j</sub>)²</i>: zero exactly for vectors constant on each connected component. So "
        "the multiplicity of the eigenvalue 0 counts components, the next eigenvector (Fiedler) "
        "cuts the graph where it is thinnest, and the bottom eigenvectors embed clusters as points "
        "that k-means can separate.</p>"
    )

    # 1. three planted components ⇒ exactly three zero eigenvalues
    A = _planted_components(rng)
    comps = connected_components(A)
    w, _ = smallest_eigenpairs(laplacian(A, "symmetric"), 6)
    result.check(
        "a graph with 3 planted components has exactly 3 zero Laplacian eigenvalues",
        f"{comps.n_zero_eigenvalues} eigenvalues < {comps.tol:.0e}; next λ = {w[3]:.3f}",
        "exactly 3 zero eigenvalues, and a graph traversal finds the same 3 components",
        comps.n_zero_eigenvalues == 3 and comps.consistent,
    )
    fig, ax = new_figure()
    ax.semilogy(np.arange(1, 7), np.maximum(w, 1e-17), "o-")
    ax.axhline(comps.tol, color="gray", ls="--", label="zero tolerance")
    ax.set(xlabel="index", ylabel="eigenvalue of L_sym (log)", title="3 components ⇒ 3 zeros")
    ax.legend()
    result.figure("Smallest eigenvalues of the normalized Laplacian of a 3-component graph", fig)

    # 2. the Fiedler vector splits a barbell
    m = 10
    f = fiedler(_barbell(m))
    splits = len(set(f.partition[:m])) == 1 and len(set(f.partition[m:])) == 1
    splits = splits and f.partition[0] != f.partition[m]
    result.check(
        "the Fiedler vector's signs split a barbell graph into its two bells",
        f"λ₂ = {f.value:.4f}; bells {'separated' if splits else 'mixed'}",
        "each bell one sign",
        splits,
    )
    fig, ax = new_figure()
    ax.bar(np.arange(2 * m), f.vector, color=np.where(f.partition, "tab:blue", "tab:orange"))
    ax.set(xlabel="node (0–9 left bell, 10–19 right bell)", ylabel="Fiedler vector entry")
    ax.set_xticks(np.arange(0, 2 * m, 2))  # nodes are integers: no ticks at 2.5, 7.5
    result.figure("The Fiedler vector of a barbell: one sign per bell", fig)

    # 3. spectral clustering vs k-means on moons and circles
    fig, axes = new_figure(2, 2, width=4, height=3.5)
    for row, (name, (X, y)) in enumerate(
        [
            ("two moons", make_moons(300, noise=0.05, random_state=0)),
            ("two circles", make_circles(300, noise=0.05, factor=0.4, random_state=0)),
        ]
    ):
        with warnings.catch_warnings():
            # the circles' k-NN graph falls apart into exactly the two rings — the warning
            # about a disconnected affinity graph is the point here, not a problem
            warnings.simplefilter("ignore", NumericalWarning)
            spectral = SpectralClustering(2, affinity="nearest_neighbors", random_state=0).fit(X)
        km = KMeans(2, n_init=10, random_state=0).fit(X)
        ari_s = adjusted_rand_score(y, spectral.labels_)
        ari_k = adjusted_rand_score(y, km.labels_)
        result.check(
            f"spectral clustering separates {name} where k-means fails",
            f"ARI spectral {ari_s:.3f}, k-means {ari_k:.3f}",
            "spectral ≥ 0.99, k-means < 0.5",
            ari_s >= 0.99 and ari_k < 0.5,
        )
        for col, (labels, title) in enumerate(
            [
                (km.labels_, f"k-means (ARI {ari_k:.2f})"),
                (spectral.labels_, f"spectral (ARI {ari_s:.2f})"),
            ]
        ):
            ax = axes[row, col]
            ax.scatter(X[:, 0], X[:, 1], c=labels, s=8, cmap="coolwarm")
            ax.set(title=f"{name}: {title}", xlabel="x₁", ylabel="x₂")
    result.figure("k-means cuts by distance to centroids; spectral clustering by connectivity", fig)

    # 4. PageRank on a small web graph
    pages = ["home", "about", "blog", "post1", "post2", "contact"]
    links = [(0, 1), (0, 2), (2, 3), (2, 4), (3, 2), (4, 2), (3, 0), (4, 0), (1, 5), (5, 0)]
    W = adjacency_from_edges(links, n_nodes=6, directed=True)
    pr = pagerank(W, tol=1e-12)
    order = np.argsort(-pr.scores)
    # check it is the stationary vector: x = α Pᵀx + (1 − α)/n
    P = sp.diags(1.0 / np.asarray(W.sum(1)).ravel()) @ W
    fixed = 0.85 * (P.T @ pr.scores) + 0.15 / 6
    result.check(
        "PageRank is the stationary distribution of the damped random surfer",
        f"‖x − (αPᵀx + (1−α)/n)‖₁ = {np.abs(fixed - pr.scores).sum():.1e} after {pr.n_iter} iterations",
        "< 1e-10",
        np.abs(fixed - pr.scores).sum() < 1e-10,
    )
    result.text += (
        "<p>PageRank ranking of the small site: "
        + ", ".join(f"{pages[i]} ({pr.scores[i]:.3f})" for i in order)
        + ".</p>"
    )
    fig, ax = new_figure()
    ax.barh([pages[i] for i in order[::-1]], pr.scores[order[::-1]])
    ax.set(xlabel="PageRank score (sums to 1)", ylabel="page", title="A six-page site")
    result.figure("PageRank scores by power iteration (damping 0.85)", fig)
    return result


CHAPTER = Chapter(
    slug="graphs",
    title="Spectra of graphs",
    order=70,
    run=run,
    summary="Connected components, cuts and clusters read off the Laplacian's eigenvalues.",
)
