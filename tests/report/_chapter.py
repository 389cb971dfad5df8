"""The check every tour-chapter test shares."""

from __future__ import annotations

import re
from unittest import mock

import linml.report.tour as tour
from linml.report.figures import figure_problems
from linml.report.tour import Chapter, ChapterResult

#: words that make an "expected" column vaguer than the rule its check applies (issue 20)
VAGUE = re.compile(r"\babout\b|≈|~|\ba little\b|\bnearly\b|\bapproximately\b", re.I)


def run_reproduced(chapter: Chapter) -> ChapterResult:
    """Run ``chapter``; assert it finished, every one of its claims was reproduced with the
    exact rule stated, and no figure has a problem :func:`figure_problems` finds (missing
    axis labels, tiny text, text outside its axes, overlapping panels)."""
    problems: list[str] = []
    render = tour.png_base64

    def audited(fig, *args, **kwargs):
        problems.extend(f"figure {len(problems)}: {p}" for p in figure_problems(fig))
        return render(fig, *args, **kwargs)

    with mock.patch.object(tour, "png_base64", audited):
        result = chapter.run()
    assert result.error is None
    assert result.claims
    failed = [(c.claim, c.measured) for c in result.claims if not c.passed]
    assert not failed, failed
    vague = [c.expected for c in result.claims if VAGUE.search(c.expected) or not c.expected]
    assert not vague, f"state the exact rule the check applies, not {vague}"
    assert not problems, problems
    return result
