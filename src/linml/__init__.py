"""linml — machine learning as the linear algebra it is.

Every model is a small composition of factorizations, solves, projections and matrix
products, and every fitted model can say *why* it behaves as it does (spectrum, rank,
conditioning, shrinkage) through :func:`linml.diagnose.explain`.

>>> import linml
>>> isinstance(linml.__version__, str)
True
"""

from linml.exceptions import LinmlInputError, NumericalWarning

__version__ = "0.1.0"

__all__ = ["LinmlInputError", "NumericalWarning", "__version__"]
