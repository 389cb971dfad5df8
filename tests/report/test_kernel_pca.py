"""The 'kernel_pca' tour chapter reproduces its claims."""

from linml.report.chapters.kernel_pca import CHAPTER


def test_chapter_claims_reproduced():
    result = CHAPTER.run()
    assert result.error is None
    assert result.claims
    failed = [(c.claim, c.measured) for c in result.claims if not c.passed]
    assert not failed, failed
    assert result.figures


def test_threshold_accuracy_is_the_best_split():
    import numpy as np

    from linml.report.chapters.kernel_pca import _threshold_accuracy

    z = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    assert _threshold_accuracy(z, np.array([0, 0, 1, 1, 1])) == 1.0
    assert _threshold_accuracy(z, np.array([1, 1, 0, 0, 0])) == 1.0  # the other sign
    assert _threshold_accuracy(z, np.array([0, 1, 0, 1, 1])) == 0.8
