"""Exact embedding search, k-nearest-neighbour models, and document search (LSA / MiniLM)."""

from linml.neighbors.embedding_index import EmbeddingIndex, SearchResult
from linml.neighbors.k_neighbors_classifier import KNeighborsClassifier
from linml.neighbors.k_neighbors_regressor import KNeighborsRegressor
from linml.neighbors.text import LSA, DocumentSearch, SentenceEmbedder

__all__ = [
    "LSA",
    "DocumentSearch",
    "EmbeddingIndex",
    "KNeighborsClassifier",
    "KNeighborsRegressor",
    "SearchResult",
    "SentenceEmbedder",
]
