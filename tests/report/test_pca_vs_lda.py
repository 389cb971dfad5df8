"""The 'pca_vs_lda' tour chapter reproduces its claims."""

from linml.report.chapters.pca_vs_lda import CHAPTER


def test_chapter_claims_reproduced():
    result = CHAPTER.run()
    assert result.error is None
    assert result.claims
    failed = [(c.claim, c.measured) for c in result.claims if not c.passed]
    assert not failed, failed
    assert result.figures
