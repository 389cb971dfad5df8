"""The check every tour-chapter test shares."""

from __future__ import annotations

from linml.report.tour import Chapter, ChapterResult


def run_reproduced(chapter: Chapter) -> ChapterResult:
    """Run ``chapter``; assert it finished and every one of its claims was reproduced."""
    result = chapter.run()
    assert result.error is None
    assert result.claims
    failed = [(c.claim, c.measured) for c in result.claims if not c.passed]
    assert not failed, failed
    return result
