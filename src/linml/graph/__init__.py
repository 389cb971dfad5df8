"""Graphs as matrices: adjacency, Laplacians, components, Fiedler vector, embeddings, PageRank."""

from linml.graph.adjacency import adjacency_from_edges, check_adjacency, knn_graph, rbf_affinity
from linml.graph.laplacian import (
    ComponentsResult,
    FiedlerResult,
    SpectralEmbedding,
    connected_components,
    degree,
    fiedler,
    laplacian,
    smallest_eigenpairs,
    spectral_embedding,
)
from linml.graph.pagerank import PageRankResult, pagerank

__all__ = [
    "ComponentsResult",
    "FiedlerResult",
    "PageRankResult",
    "SpectralEmbedding",
    "adjacency_from_edges",
    "check_adjacency",
    "connected_components",
    "degree",
    "fiedler",
    "knn_graph",
    "laplacian",
    "pagerank",
    "rbf_affinity",
    "smallest_eigenpairs",
    "spectral_embedding",
]
