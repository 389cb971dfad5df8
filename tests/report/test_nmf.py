"""The 'nmf' tour chapter reproduces its claims."""

from linml.report.chapters.nmf import CHAPTER
from tests.report._chapter import run_reproduced


def test_chapter_claims_reproduced():
    result = run_reproduced(CHAPTER)
    assert result.figures


def test_stdlib_corpus_is_deterministic():
    from linml.report.chapters.nmf import stdlib_docstrings

    first = stdlib_docstrings(("json", "textwrap"))
    assert first == stdlib_docstrings(("json", "textwrap"))
    assert len(first) >= 5 and all(len(d.split()) >= 8 for d in first)
