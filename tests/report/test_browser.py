"""The tour page, looked at as a person would: in a real (headless) Chromium.

The page is loaded at a laptop width (1280 px) and a phone-ish width (600 px); a script
injected into a copy of it measures, on ``load``, what a reader would notice — an image
that did not load, a table or figure that sticks out to the right, a table-of-contents
entry that leads nowhere, a side contents list that scrolls away — and writes the result
into the DOM, which ``chromium --dump-dom`` hands back. No Selenium or Playwright: just
the browser binary (``make chromium`` installs it); the tests skip without one.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from linml.report.figures import new_figure
from linml.report.tour import Chapter, ChapterResult, discover_chapters, render_html, run_tour

pytestmark = pytest.mark.slow

#: fast real chapters (well under a second each on a laptop); the page is what is tested
FAST_CHAPTERS = ("sparsity", "optimizers", "pca_vs_lda")


def chromium() -> str | None:
    """The headless-capable Chromium binary, or ``None``."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


needs_chromium = pytest.mark.skipif(chromium() is None, reason="no chromium (make chromium)")

# Runs on load; writes the measurements (images, overflow, cells, anchors, nav) as JSON into
# <pre id="linml-check">. An element sticking out to the right only counts if no ancestor
# clips it (an overflow:auto <pre> may hold a long line: the reader scrolls the box).
_CHECK_JS = r"""
<script>
window.addEventListener('load', function () {
  var r = {};
  var MAX_WORD = 24;
  var vw = window.innerWidth;
  r.viewport = vw;
  r.scrollWidth = document.documentElement.scrollWidth;
  r.images = Array.from(document.images).map(function (img) {
    return {alt: img.alt, src: img.src.slice(0, 40), complete: img.complete,
            w: img.naturalWidth, h: img.naturalHeight,
            shownW: img.getBoundingClientRect().width};
  });
  function clipped(el) {
    for (var a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      var ox = getComputedStyle(a).overflowX;
      if (ox !== 'visible' && a.getBoundingClientRect().right <= vw + 0.5) return true;
    }
    return false;
  }
  r.overflow = [];
  document.querySelectorAll('body *').forEach(function (el) {
    if (el.id === 'linml-check' || el.tagName === 'SCRIPT') return;
    var b = el.getBoundingClientRect();
    if (b.width === 0 && b.height === 0) return;
    if ((b.right > vw + 0.5 || b.left < -0.5) && !clipped(el)) {
      r.overflow.push({tag: el.tagName, id: el.id, cls: el.className,
                       left: Math.round(b.left), right: Math.round(b.right),
                       text: (el.textContent || '').slice(0, 60)});
    }
  });
  r.overflow = r.overflow.slice(0, 20);
  // words (runs of letters and digits) of ordinary length a table cell breaks in two
  r.splitWords = [];
  document.querySelectorAll('td, th').forEach(function (c) {
    var walk = document.createTreeWalker(c, NodeFilter.SHOW_TEXT);
    for (var t = walk.nextNode(); t; t = walk.nextNode()) {
      var re = /[\p{L}\p{N}]+/gu, w;
      while ((w = re.exec(t.data)) !== null) {
        if (w[0].length > MAX_WORD) continue;
        var range = document.createRange();
        range.setStart(t, w.index);
        range.setEnd(t, w.index + w[0].length);
        var tops = new Set(Array.from(range.getClientRects()).map(function (q) {
          return Math.round(q.top);
        }));
        if (tops.size > 1) r.splitWords.push(w[0]);
      }
    }
  });
  r.cells = [];
  document.querySelectorAll('td, th').forEach(function (c) {
    if (c.scrollWidth > c.clientWidth + 1) {
      r.cells.push({text: c.textContent.slice(0, 60), scrollW: c.scrollWidth, w: c.clientWidth});
    }
  });
  function target(a) { return decodeURIComponent(a.getAttribute('href').slice(1)); }
  r.tocLinks = Array.from(document.querySelectorAll('nav a[href^="#"]')).map(target);
  r.anchors = Array.from(document.querySelectorAll('a[href^="#"]')).map(target);
  r.missing = r.anchors.filter(function (id) { return !document.getElementById(id); });
  var nav = document.querySelector('nav');
  if (nav) {
    r.navPosition = getComputedStyle(nav).position;
    window.scrollTo({top: document.documentElement.scrollHeight, behavior: 'instant'});
    var nb = nav.getBoundingClientRect();
    r.navInViewAtBottom = nb.bottom > 0 && nb.top < window.innerHeight;
    r.scrolledY = window.scrollY;
    window.scrollTo({top: 0, behavior: 'instant'});
  }
  var pre = document.createElement('pre');
  pre.id = 'linml-check';
  pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
});
</script>
"""


def measure_page(index: Path, width: int = 1280, height: int = 900) -> dict:
    """Load a copy of ``index`` with the check script in headless Chromium; the measurements."""
    binary = chromium()
    if binary is None:
        pytest.skip("no chromium (make chromium)")
    page = index.read_text(encoding="utf-8")
    probe = index.with_name(f"_check_{width}.html")
    if "</body>" in page:
        page = page.replace("</body>", _CHECK_JS + "</body>", 1)
    else:
        page += _CHECK_JS
    probe.write_text(page, encoding="utf-8")
    cmd = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--no-first-run",
        "--mute-audio",
        f"--window-size={width},{height}",
        "--virtual-time-budget=5000",
        "--dump-dom",
        probe.resolve().as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    found = re.search(r'<pre id="linml-check">(.*?)</pre>', done.stdout, re.S)
    assert found, f"no check result from chromium (rc={done.returncode}): {done.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


def problems(m: dict, *, sticky: bool | None = None, whole_words: bool = True) -> list[str]:
    """What a reader would find wrong with the measured page (empty: nothing).

    ``sticky``: whether the contents list must stay in view (``None``: not checked);
    ``whole_words``: whether a table cell may break a word of ordinary length in two.
    """
    found = []
    bad = [i for i in m["images"] if not (i["complete"] and i["w"] > 0 and i["h"] > 0)]
    if bad:
        found.append(f"images not loaded: {bad}")
    if m["scrollWidth"] > m["viewport"]:
        found.append(f"page scrolls sideways: {m['scrollWidth']} px > {m['viewport']} px")
    if m["overflow"]:
        found.append(f"elements past the right edge: {m['overflow']}")
    if m["cells"]:
        found.append(f"table cells whose text sticks out of them: {m['cells'][:10]}")
    if whole_words and m["splitWords"]:
        found.append(f"words cut in two by a table cell: {m['splitWords'][:20]}")
    if m["missing"]:
        found.append(f"links to no element: {m['missing']}")
    if sticky is not None and (m.get("navPosition") == "sticky") != sticky:
        found.append(f"contents position {m.get('navPosition')!r}, sticky wanted: {sticky}")
    if sticky and not m.get("scrolledY", 0) > 0:
        found.append("the page did not scroll: the contents list could not be checked")
    elif sticky and not m.get("navInViewAtBottom"):
        found.append("the side contents list scrolled out of view")
    return found


def _wide() -> ChapterResult:
    """A chapter built to overflow: long unbreakable words, wide text table, huge figure."""
    long_word = "supercalifragilistic" * 12
    result = ChapterResult(
        text="<p>A long word in prose: " + long_word + "</p>"
        "<table><tr>" + "".join(f"<th>column_{i}_{long_word[:40]}</th>" for i in range(8)) + "</tr>"
        "<tr>" + "".join(f"<td>{long_word}</td>" for _ in range(8)) + "</tr></table>"
    )
    for i in range(6):
        result.check(f"claim {i}: {long_word}", "0." + "1234567890" * 15, long_word, i % 2 == 0)
    fig, ax = new_figure(width=20, height=3)
    ax.plot(np.arange(10))
    result.figure("a 20-inch-wide figure " + long_word, fig)
    fig, ax = new_figure()
    ax.plot(np.arange(3))
    result.figure("an ordinary figure", fig)
    return result


@pytest.fixture(scope="module")
def tour_page(tmp_path_factory) -> Path:
    if chromium() is None:
        pytest.skip("no chromium (make chromium)")
    wanted = [c for c in discover_chapters() if c.slug in FAST_CHAPTERS]
    assert len(wanted) == len(FAST_CHAPTERS), "a fast chapter was renamed: update FAST_CHAPTERS"
    start = time.perf_counter()
    results = run_tour([*wanted, Chapter("wide-things", "Wide things", 99, _wide)])
    assert time.perf_counter() - start < 30, "the chapters picked are no longer fast"
    return render_html(results, tmp_path_factory.mktemp("tour"))


@needs_chromium
def test_page_at_1280px_has_loaded_images_no_overflow_and_working_contents(tour_page):
    m = measure_page(tour_page, 1280)
    assert m["viewport"] == 1280
    assert len(m["images"]) >= 2 * len(FAST_CHAPTERS) + 2
    assert set(FAST_CHAPTERS) | {"wide-things"} <= set(m["tocLinks"])
    assert "top" in m["anchors"]  # the back-to-top links
    assert all(i["shownW"] <= 1280 for i in m["images"])
    assert problems(m, sticky=True) == []


@needs_chromium
def test_page_at_600px_falls_back_to_a_top_contents_list(tour_page):
    m = measure_page(tour_page, 600)
    assert m["viewport"] == 600
    # eight columns of long headers cannot keep every word whole in 550 px; the rest must hold
    assert problems(m, sticky=False, whole_words=False) == []
    assert set(m["splitWords"]) <= {"column"}
