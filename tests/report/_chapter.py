"""The check every tour-chapter test shares."""

from __future__ import annotations

import re

from linml.report.tour import Chapter, ChapterResult

#: words that make an "expected" column vaguer than the rule its check applies (issue 20)
VAGUE = re.compile(r"\babout\b|≈|~|\ba little\b|\bnearly\b|\bapproximately\b", re.I)


def run_reproduced(chapter: Chapter) -> ChapterResult:
    """Run ``chapter``; assert it finished and every one of its claims was reproduced."""
    result = chapter.run()
    assert result.error is None
    assert result.claims
    failed = [(c.claim, c.measured) for c in result.claims if not c.passed]
    assert not failed, failed
    vague = [c.expected for c in result.claims if VAGUE.search(c.expected) or not c.expected]
    assert not vague, f"state the exact rule the check applies, not {vague}"
    return result
