"""Decompositions: PCA, truncated SVD (LSA), kernel PCA, NMF and whitening, each a factorization you can inspect."""

from linml.decomposition.kernel_pca import KernelPCA
from linml.decomposition.nmf import NMF
from linml.decomposition.pca import PCA
from linml.decomposition.truncated_svd import TruncatedSVD
from linml.decomposition.whitener import Whitener

__all__ = ["NMF", "PCA", "KernelPCA", "TruncatedSVD", "Whitener"]
