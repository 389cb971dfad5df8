"""Embedding search (exact and inverted-file approximate), word-vector analogies,
k-nearest-neighbour models, and document search (LSA / MiniLM)."""

from linml.neighbors._dask_search import search_blocks
from linml.neighbors.analogies import AnalogyResult, evaluate_analogies
from linml.neighbors.embedding_index import EmbeddingIndex, SearchResult
from linml.neighbors.ivf_index import IVFIndex
from linml.neighbors.k_neighbors_classifier import KNeighborsClassifier
from linml.neighbors.k_neighbors_regressor import KNeighborsRegressor
from linml.neighbors.text import LSA, DocumentSearch, SentenceEmbedder

__all__ = [
    "LSA",
    "AnalogyResult",
    "DocumentSearch",
    "EmbeddingIndex",
    "IVFIndex",
    "KNeighborsClassifier",
    "KNeighborsRegressor",
    "SearchResult",
    "SentenceEmbedder",
    "evaluate_analogies",
    "search_blocks",
]
