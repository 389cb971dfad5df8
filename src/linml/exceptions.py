"""Warning and error types shared by every part of linml.

This module sits at the very bottom of the house: it imports nothing from linml.
"""


class NumericalWarning(UserWarning):
    """Numerical trouble that does not stop the computation but deserves attention.

    Raised (as a warning) for ill-conditioning that makes a result unreliable, for a
    solver that squares a bad condition number, for float32 work that had to be upcast,
    and for iterations that stopped before converging.

    >>> import warnings, linml
    >>> issubclass(linml.NumericalWarning, UserWarning)
    True
    """


class LinmlInputError(ValueError):
    """Bad input detected at a public boundary (a ``ValueError``, so ``except ValueError`` works).

    The message names the argument, what was wrong and what to do about it.
    """
