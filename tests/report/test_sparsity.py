"""The 'Sparsity from ℓ1' tour chapter reproduces its claims."""

from linml.report.chapters.sparsity import CHAPTER


def test_chapter_claims_reproduced():
    result = CHAPTER.run()
    assert result.error is None
    assert len(result.claims) == 5
    failed = [(c.claim, c.measured) for c in result.claims if not c.passed]
    assert not failed, failed
    assert len(result.figures) == 2
    assert CHAPTER.order == 20 and CHAPTER.slug == "sparsity"
