"""The 'Conditioning and optimizers' tour chapter reproduces its claims."""

from linml.report.chapters.optimizers import CHAPTER


def test_chapter_claims_reproduced():
    result = CHAPTER.run()
    assert result.error is None
    assert len(result.claims) == 5
    failed = [(c.claim, c.measured) for c in result.claims if not c.passed]
    assert not failed, failed
    assert len(result.figures) == 2
