"""The 'low_rank_images' tour chapter reproduces its claims."""

from linml.report.chapters.low_rank_images import CHAPTER
from tests.report._chapter import run_reproduced


def test_chapter_claims_reproduced():
    result = run_reproduced(CHAPTER)
    assert result.figures
