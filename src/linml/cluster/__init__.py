"""Clustering by graph spectra."""

from linml.cluster.spectral_clustering import SpectralClustering

__all__ = ["SpectralClustering"]
