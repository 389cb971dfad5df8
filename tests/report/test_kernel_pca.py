"""The 'kernel_pca' tour chapter reproduces its claims."""

from linml.report.chapters.kernel_pca import CHAPTER
from tests.report._chapter import run_reproduced


def test_chapter_claims_reproduced():
    result = run_reproduced(CHAPTER)
    assert result.figures


def test_threshold_accuracy_is_the_best_split():
    import numpy as np

    from linml.report.chapters.kernel_pca import _threshold_accuracy

    z = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    assert _threshold_accuracy(z, np.array([0, 0, 1, 1, 1])) == 1.0
    assert _threshold_accuracy(z, np.array([1, 1, 0, 0, 0])) == 1.0  # the other sign
    assert _threshold_accuracy(z, np.array([0, 1, 0, 1, 1])) == 0.8
