"""Exact embedding search and k-nearest-neighbour models."""

from linml.neighbors.embedding_index import EmbeddingIndex, SearchResult
from linml.neighbors.k_neighbors_classifier import KNeighborsClassifier
from linml.neighbors.k_neighbors_regressor import KNeighborsRegressor

__all__ = ["EmbeddingIndex", "KNeighborsClassifier", "KNeighborsRegressor", "SearchResult"]
