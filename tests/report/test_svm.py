"""The 'Margins and the kernel trick' tour chapter reproduces its claims."""

from linml.report.chapters.svm import CHAPTER


def test_chapter_claims_reproduced():
    result = CHAPTER.run()
    assert result.error is None
    assert len(result.claims) == 7
    failed = [(c.claim, c.measured) for c in result.claims if not c.passed]
    assert not failed, failed
    assert len(result.figures) == 3
    assert CHAPTER.order == 40 and CHAPTER.slug == "svm"
