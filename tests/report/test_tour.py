"""The tour framework: chapters run, failures are contained, the page is self-contained."""

import base64
import io
import re

import numpy as np
import pytest

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


def test_check_between_writes_the_rule_it_applies():
    r = ChapterResult()
    assert r.check_between("c", "0.65", 0.65, 0.5, 0.6, name="accuracy", fmt=".2f") is False
    assert r.claims[-1].expected == "accuracy in [0.50, 0.60]"
    assert r.check_between("c", "0.55", 0.55, 0.5, 0.6) is True
    assert r.check_between("c", "x", 3.0, hi=2.0, name="x") is False
    assert r.claims[-1].expected == "x ≤ 2"
    assert r.check_between("c", "x", 3.0, lo=2.0, name="x") is True
    assert r.claims[-1].expected == "x ≥ 2"
    assert r.check_between("c", "nan", float("nan"), lo=0.0) is False


def test_check_close_writes_the_rule_it_applies():
    r = ChapterResult()
    assert r.check_close("c", "0.9424", 0.9424, 0.9387, 0.01, name="acc", fmt=".4g") is True
    assert r.claims[-1].expected == "|acc − 0.9387| ≤ 0.01"
    assert r.check_close("c", "1.2", 1.2, 1.0, 0.1) is False


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({}, "needs lo, hi or both"), ({"lo": 2.0, "hi": 1.0}, "lo=2.0 > hi=1.0")],
)
def test_check_between_rejects_a_rule_that_cannot_be_written(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ChapterResult().check_between("c", "m", 1.0, **kwargs)


def test_check_close_rejects_a_negative_tolerance():
    with pytest.raises(ValueError, match="tol must be >= 0"):
        ChapterResult().check_close("c", "m", 1.0, 1.0, -1.0)


def test_the_browser_checker_sees_a_broken_page(tmp_path):
    """The headless-Chromium checker of tests/report/test_browser.py reports what is broken:
    a 3000 px element, an image that cannot decode, a link to no element."""
    from tests.report.test_browser import chromium, measure_page, problems

    if chromium() is None:
        pytest.skip("no chromium (make chromium)")
    page = tmp_path / "index.html"
    page.write_text(
        "<!doctype html><html><body><nav><a href='#there'>x</a><a href='#nowhere'>y</a></nav>"
        "<div id='there' style='width:3000px'>wide</div>"
        "<img alt='broken' src='data:image/png;base64,AAAA'></body></html>",
        encoding="utf-8",
    )
    found = problems(measure_page(page, 1280))
    assert [p.split(":")[0] for p in found] == [
        "images not loaded",
        "page scrolls sideways",
        "elements past the right edge",
        "links to no element",
    ]
    assert found[-1] == "links to no element: ['nowhere']"
    assert "'id': 'there'" in found[2]


def test_page_layout_contents_back_to_top_and_run_time(tmp_path):
    def wide() -> ChapterResult:
        result = ChapterResult()
        fig, _ = new_figure(3, 1)  # a row of three panels: 15 × 4 inches
        result.figure("three panels", fig)
        return result

    results = run_tour([Chapter("good", "Good", 1, _good), Chapter("wide", "Wide", 2, wide)])
    results[0][1].seconds = 1.234
    page = render_html(results, tmp_path).read_text()
    assert "id='top'" in page
    assert page.count("href='#top'") == 2  # one back-to-top link per chapter
    assert "chapter ran in 1.23 s" in page
    assert "<section id='good'>" in page and "href='#good'" in page
    assert "position:sticky" in page and "@media (max-width:900px)" in page
    assert "repeat(auto-fit,minmax(min(420px,100%),1fr))" in page
    assert re.search(r"<figure class='wide'><img alt='three panels' width='\d+' height='\d+'", page)
    assert "<figure><img alt='a line'" in page  # an ordinary figure shares its row
    assert "http://" not in page and "https://" not in page  # nothing to fetch


def test_png_size_reads_the_header():
    from PIL import Image

    from linml.report.tour import _png_size

    fig, _ = new_figure(width=3, height=2)
    result = ChapterResult()
    result.figure("f", fig)
    data = result.figures[0][1]
    assert _png_size(data) == Image.open(io.BytesIO(base64.b64decode(data))).size
    assert _png_size("AAAA") is None
    assert _png_size("not base64!") is None
