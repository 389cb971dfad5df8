"""The least-squares tour chapter runs and reproduces all its claims."""

from linml.report.chapters.least_squares import CHAPTER


def test_chapter_claims_pass():
    result = CHAPTER.run()
    assert result.error is None
    assert len(result.claims) == 5
    failed = [(c.claim, c.measured) for c in result.claims if not c.passed]
    assert not failed, failed
    assert len(result.figures) == 3
    assert CHAPTER.order == 10 and CHAPTER.title == "Least squares & conditioning"
