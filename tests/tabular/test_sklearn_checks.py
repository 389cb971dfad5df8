"""scikit-learn's estimator checks on the table transformers.

``Coerce(to="string")`` is left out: it returns strings by design, and the checks compare
transformer outputs numerically (``a - b``).
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from linml.tabular import Coerce, DateParts


@parametrize_with_checks([Coerce(), DateParts()])
def test_sklearn_checks(estimator, check):
    check(estimator)
