"""Decompositions: PCA, truncated SVD (LSA) and whitening, each a factorization you can inspect."""

from linml.decomposition.pca import PCA
from linml.decomposition.truncated_svd import TruncatedSVD
from linml.decomposition.whitener import Whitener

__all__ = ["PCA", "TruncatedSVD", "Whitener"]
