"""The tour framework: chapters run, failures are contained, the page is self-contained."""

import numpy as np

from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult, discover_chapters, render_html, run_tour


def _good() -> ChapterResult:
    result = ChapterResult(text="<p>hello</p>")
    result.check("1 + 1 = 2", "2", "2", 1 + 1 == 2)
    fig, ax = new_figure()
    ax.plot(np.arange(3))
    result.figure("a line", fig)
    return result


def _broken() -> ChapterResult:
    raise RuntimeError("boom")


def test_run_and_render(tmp_path):
    chapters = [Chapter("good", "Good", 1, _good), Chapter("broken", "Broken", 2, _broken)]
    results = run_tour(chapters)
    assert results[0][1].passed
    assert not results[1][1].passed
    assert results[1][1].error == "RuntimeError: boom"
    path = render_html(results, tmp_path / "out")
    page = path.read_text()
    assert path.name == "index.html"
    assert "data:image/png;base64," in page  # figures embedded: the page stands alone
    assert "1/1 claims reproduced" in page
    assert "This chapter failed: RuntimeError: boom" in page
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]


def test_failed_claim_marks_chapter():
    result = ChapterResult()
    assert result.check("x", "1", "2", False) is False
    assert not result.passed


def test_discovered_chapters_have_unique_slugs():
    slugs = [c.slug for c in discover_chapters()]
    assert len(slugs) == len(set(slugs))


def test_figures_are_closed_when_handed_over():
    from linml.report.figures import plt

    plt.close("all")
    result = _good()
    assert plt.get_fignums() == []  # rendered to PNG and closed at once
    caption, data = result.figures[0]
    assert caption == "a line"
    assert data.startswith("iVBOR")  # base64 of the PNG signature
