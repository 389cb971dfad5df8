"""The 'pca_vs_lda' tour chapter reproduces its claims."""

from linml.report.chapters.pca_vs_lda import CHAPTER
from tests.report._chapter import run_reproduced


def test_chapter_claims_reproduced():
    result = run_reproduced(CHAPTER)
    assert result.figures
