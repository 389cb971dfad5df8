"""The chapter 'Recommenders are low-rank' runs and reproduces its claims."""

from linml.report.chapters.recommenders import CHAPTER


def test_recommenders_chapter_claims_pass():
    result = CHAPTER.run()
    assert result.error is None
    assert len(result.claims) == 4
    failed = [(c.claim, c.measured) for c in result.claims if not c.passed]
    assert not failed, failed
    assert len(result.figures) == 1
