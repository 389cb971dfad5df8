"""Support vector machines: the maximum-margin dual solved by SMO on :mod:`linml.linalg.kernels`."""

from linml.svm.svc import SVC

__all__ = ["SVC"]
