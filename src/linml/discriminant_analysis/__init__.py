"""Discriminant analysis: Fisher's linear discriminant as a projection and a classifier."""

from linml.discriminant_analysis.linear_discriminant_analysis import LinearDiscriminantAnalysis

__all__ = ["LinearDiscriminantAnalysis"]
