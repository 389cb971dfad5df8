"""The chapter 'Recommenders are low-rank' runs and reproduces its claims."""

from linml.report.chapters.recommenders import CHAPTER
from tests.report._chapter import run_reproduced


def test_recommenders_chapter_claims_pass():
    result = run_reproduced(CHAPTER)
    assert len(result.claims) == 4
    assert len(result.figures) == 1
