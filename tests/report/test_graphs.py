"""The 'Spectra of graphs' tour chapter reproduces its claims."""

from linml.report.chapters.graphs import CHAPTER
from tests.report._chapter import run_reproduced


def test_chapter_claims_reproduced():
    result = run_reproduced(CHAPTER)
    assert len(result.claims) == 5
    assert len(result.figures) == 4
