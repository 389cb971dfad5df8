"""The 'Spectra of graphs' tour chapter reproduces its claims."""

from linml.report.chapters.graphs import CHAPTER


def test_chapter_claims_reproduced():
    result = CHAPTER.run()
    assert result.error is None
    assert len(result.claims) == 5
    failed = [c.claim for c in result.claims if not c.passed]
    assert not failed, failed
    assert len(result.figures) == 4
