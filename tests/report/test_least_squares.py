"""The least-squares tour chapter runs and reproduces all its claims."""

from linml.report.chapters.least_squares import CHAPTER
from tests.report._chapter import run_reproduced


def test_chapter_claims_pass():
    result = run_reproduced(CHAPTER)
    assert len(result.claims) == 5
    assert len(result.figures) == 3
    assert CHAPTER.order == 10 and CHAPTER.title == "Least squares & conditioning"
