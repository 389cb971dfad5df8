"""The 'Initialization and gradient flow' tour chapter reproduces its claims."""

from linml.report.chapters.gradient_flow import CHAPTER
from tests.report._chapter import run_reproduced


def test_chapter_claims_reproduced():
    result = run_reproduced(CHAPTER)
    assert len(result.claims) == 6
    assert len(result.figures) == 2
