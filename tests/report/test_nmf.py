"""The 'nmf' tour chapter reproduces its claims."""

from linml.report.chapters.nmf import CHAPTER


def test_chapter_claims_reproduced():
    result = CHAPTER.run()
    assert result.error is None
    assert result.claims
    failed = [(c.claim, c.measured) for c in result.claims if not c.passed]
    assert not failed, failed
    assert result.figures


def test_stdlib_corpus_is_deterministic():
    from linml.report.chapters.nmf import stdlib_docstrings

    first = stdlib_docstrings(("json", "textwrap"))
    assert first == stdlib_docstrings(("json", "textwrap"))
    assert len(first) >= 5 and all(len(d.split()) >= 8 for d in first)
