"""The 'Margins and the kernel trick' tour chapter reproduces its claims."""

from linml.report.chapters.svm import CHAPTER
from tests.report._chapter import run_reproduced


def test_chapter_claims_reproduced():
    result = run_reproduced(CHAPTER)
    assert len(result.claims) == 7
    assert len(result.figures) == 3
    assert CHAPTER.order == 40 and CHAPTER.slug == "svm"
