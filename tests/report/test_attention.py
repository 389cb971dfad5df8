"""The 'Attention' tour chapter reproduces its claims."""

from linml.report.chapters.attention import CHAPTER


def test_chapter_claims_reproduced():
    result = CHAPTER.run()
    assert result.error is None
    assert len(result.claims) == 3
    failed = [(c.claim, c.measured) for c in result.claims if not c.passed]
    assert not failed, failed
    assert len(result.figures) == 2
