"""Benchmark: SpectralClustering vs scikit-learn and PageRank vs networkx, over grids (issue 19).

(a) SpectralClustering, 2 or 4 clusters, over three data shapes — tall: two moons 5000×2
    (noise 0.06); square-ish: 4 Gaussian blobs 2000×200; wide: 4 blobs 500×2000 — × two
    affinities (``nearest_neighbors`` with 10 neighbours; ``rbf`` with γ = 1/(p·var X), the
    moons γ = 30). Quality: adjusted Rand index of linml's labels against scikit-learn's and
    against the truth (both ≥ 0.99, or equal to scikit-learn's within 0.01).
(b) PageRank, three directed scale-free-ish graphs (targets Zipf(1.5) popular; 10k nodes /
    80k edges, 100k / 800k, 300k / 3M) × damping 0.85 and 0.95; linml's power iteration on
    the CSR matrix (tol 1e-10 on the ℓ1 change) against ``networkx.pagerank`` (tol 1e-12),
    whose time includes its graph-to-sparse conversion, done on every call. Quality: max
    |Δ score|.

Every cell interleaves linml and the peer (A B A B …), 5 rounds after one untimed warm-up;
the ratio is taken per round, median (min–max). Threads: defaults on both sides (BLAS and
numba at the core count; networkx and scikit-learn's k-means are what they are).

Run: .venv/bin/python benchmarks/graphs.py [--quick]
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import (
    blas_summary,
    fmt_ratio,
    interleaved,
    markdown_table,
    quick,
    ratio_stats,
    record,
    summary_line,
)

ROUNDS = 5
HEADER = (
    "case",
    "setting",
    "linml s (median)",
    "peer s (median)",
    "ratio median (min–max)",
    "target",
    "same result",
)


def _row(case, setting, times, target, quality, rows):
    stats = ratio_stats(times["linml"], times["peer"])
    rows.append(
        (
            case,
            setting,
            f"{statistics.median(times['linml']):.3f}",
            f"{statistics.median(times['peer']):.3f}",
            fmt_ratio(stats),
            target,
            quality,
        )
    )
    print(markdown_table(HEADER, rows[-1:]).splitlines()[-1], flush=True)
    return stats[1]


def _clusters(shape: str, div: int):
    from sklearn.datasets import make_blobs, make_moons

    if shape == "tall":
        X, y = make_moons(5000 // div, noise=0.06, random_state=0)
        return f"two moons {X.shape[0]}×2", X, y, 2, 30.0
    n, p = (2000, 200) if shape == "square" else (500, 2000)
    X, y = make_blobs(n // div, p, centers=4, cluster_std=3.0, random_state=0)
    return f"4 blobs {X.shape[0]}×{p}", X, y, 4, 1.0 / (p * X.var())


def bench_spectral(div: int, rows: list) -> dict:
    from sklearn.cluster import SpectralClustering as SkSpectral
    from sklearn.metrics import adjusted_rand_score

    from linml.cluster import SpectralClustering

    cells = {}
    for shape in ("tall", "square", "wide"):
        name, X, y, k, gamma = _clusters(shape, div)
        for affinity in ("nearest_neighbors", "rbf"):
            extra = {"gamma": gamma} if affinity == "rbf" else {"n_neighbors": 10}
            params = {"affinity": affinity, "random_state": 0, "n_init": 10, **extra}
            times, out = interleaved(
                {
                    "linml": lambda p=params, k=k, X=X: SpectralClustering(k, **p).fit(X),
                    "peer": lambda p=params, k=k, X=X: SkSpectral(k, **p).fit(X),
                },
                repeat=ROUNDS,
            )
            agree = adjusted_rand_score(out["linml"].labels_, out["peer"].labels_)
            truth = adjusted_rand_score(y, out["linml"].labels_)
            truth_peer = adjusted_rand_score(y, out["peer"].labels_)
            same = (agree >= 0.99) or (truth >= truth_peer - 0.01)
            cells[f"{shape}, {affinity.split('_')[0]}"] = _row(
                f"SpectralClustering {shape}: {name}",
                affinity,
                times,
                "≤ 1.0",
                f"ARI vs sklearn {agree:.3f}; vs truth {truth:.3f} (sklearn {truth_peer:.3f})"
                + ("" if same else " WORSE"),
                rows,
            )
    return cells


def bench_pagerank(div: int, rows: list) -> dict:
    import networkx as nx
    import scipy.sparse as sp

    from linml.graph import pagerank

    cells = {}
    for n_nodes, n_edges in ((10_000, 80_000), (100_000, 800_000), (300_000, 3_000_000)):
        n_nodes, n_edges = n_nodes // div, n_edges // div
        rng = np.random.default_rng(0)
        src = rng.integers(0, n_nodes, n_edges)
        pop = rng.zipf(1.5, n_edges) % n_nodes  # a few very popular targets, a long tail
        A = sp.csr_matrix((np.ones(n_edges), (src, pop)), shape=(n_nodes, n_nodes))
        A.sum_duplicates()
        G = nx.from_scipy_sparse_array(A, create_using=nx.DiGraph)
        for damping in (0.85, 0.95):
            times, out = interleaved(
                {
                    "linml": lambda A=A, d=damping: pagerank(A, damping=d, tol=1e-10),
                    "peer": lambda G=G, d=damping: nx.pagerank(G, alpha=d, tol=1e-12),
                },
                repeat=ROUNDS,
            )
            ref = np.array([out["peer"][i] for i in range(n_nodes)])
            err = float(np.abs(out["linml"].scores - ref).max())
            cells[f"{n_nodes} nodes, α {damping}"] = _row(
                f"PageRank {n_nodes} nodes, {A.nnz} edges",
                f"damping {damping}",
                times,
                "≤ 0.1",
                f"max |Δ| {err:.1e}, {out['linml'].n_iter} iterations",
                rows,
            )
    return cells


def main() -> None:
    div = 5 if quick() else 1
    print(blas_summary())
    print(markdown_table(HEADER, []))
    rows: list = []
    spectral = bench_spectral(div, rows)
    ranks = bench_pagerank(div, rows)
    table = markdown_table(HEADER, rows)
    print(table)
    lines = [
        summary_line(
            "SpectralClustering, tall/square/wide × knn/rbf", "scikit-learn", spectral, "≤ 1.0"
        ),
        summary_line("PageRank, 3 graphs × damping 0.85/0.95", "networkx", ranks, "≤ 0.1"),
    ]
    print("\n".join(lines))
    if quick():
        print("--quick: not recorded in RESULTS.md")
        return
    record(
        "graphs",
        "Graphs: spectral clustering and PageRank",
        f"Grids: {ROUNDS} interleaved rounds (linml, peer, linml, …) after one untimed warm-up "
        "per cell, ratio per round, median (min–max); default threads on both sides. Targets: "
        "SpectralClustering ≤ 1.0, PageRank ≤ 0.1. networkx's time includes its conversion "
        "of the graph to a sparse matrix, which it does on every call.\n\n"
        + table
        + "\n\n"
        + "\n".join(lines),
    )


if __name__ == "__main__":
    main()
