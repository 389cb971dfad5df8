"""The tour: chapters that each reproduce a claim of linear-algebra-in-ML on embedded data.

A chapter is a module in :mod:`linml.report.chapters` defining ``CHAPTER`` — a
:class:`Chapter` with a ``run()`` returning a :class:`ChapterResult`: the claims checked
(claim, measured value, expectation, verdict), figures, and a short text. :func:`run_tour`
runs them with progress and :func:`render_html` writes one self-contained page (figures
embedded as base64 PNG) to ``OUT/index.html``.
"""

from __future__ import annotations

import html
import importlib
import pkgutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linml.report.figures import Figure, png_base64

__all__ = ["Chapter", "ChapterResult", "Claim", "discover_chapters", "render_html", "run_tour"]


@dataclass
class Claim:
    """One checked statement: what the material claims, what we measured, and the verdict."""

    claim: str
    measured: str
    expected: str
    passed: bool


@dataclass
class ChapterResult:
    """What a chapter produced: claims, figures (caption, base64 PNG), prose (HTML).

    A figure is rendered to PNG and closed as soon as the chapter hands it over, so a
    long tour never holds more than one chapter's figure open.
    """

    claims: list[Claim] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""
    seconds: float = 0.0
    error: str | None = None

    def check(self, claim: str, measured: str, expected: str, passed: bool) -> bool:
        """Record a claim whose verdict the chapter computed; ``expected`` must state the
        exact rule that ``passed`` applies. Numeric rules: use :meth:`check_between` or
        :meth:`check_close`, which write the rule from the numbers they test."""
        self.claims.append(Claim(claim, measured, expected, bool(passed)))
        return bool(passed)

    def check_between(
        self,
        claim: str,
        measured: str,
        value: float,
        lo: float | None = None,
        hi: float | None = None,
        *,
        name: str = "value",
        fmt: str = ".3g",
    ) -> bool:
        """Claim reproduced when ``lo ≤ value ≤ hi`` (either bound may be ``None``).

        The "expected" column is written from the same ``lo``/``hi`` the check uses
        (``"name in [lo, hi]"``, ``"name ≤ hi"`` or ``"name ≥ lo"``), so the page and the
        check cannot drift apart. A NaN ``value`` never passes.
        """
        if lo is None and hi is None:
            raise ValueError("check_between needs lo, hi or both")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"check_between: lo={lo!r} > hi={hi!r}")
        value = float(value)
        if lo is None:
            rule = f"{name} ≤ {hi:{fmt}}"
        elif hi is None:
            rule = f"{name} ≥ {lo:{fmt}}"
        else:
            rule = f"{name} in [{lo:{fmt}}, {hi:{fmt}}]"
        passed = value == value and (lo is None or value >= lo) and (hi is None or value <= hi)
        return self.check(claim, measured, rule, passed)

    def check_close(
        self,
        claim: str,
        measured: str,
        value: float,
        target: float,
        tol: float,
        *,
        name: str = "value",
        fmt: str = ".3g",
    ) -> bool:
        """Claim reproduced when ``|value − target| ≤ tol``; the rule is written from the same
        numbers (``"|name − target| ≤ tol"``)."""
        if not tol >= 0:
            raise ValueError(f"check_close: tol must be >= 0, got {tol!r}")
        value, target = float(value), float(target)
        rule = f"|{name} − {target:{fmt}}| ≤ {tol:{fmt}}"
        return self.check(claim, measured, rule, abs(value - target) <= tol)

    def figure(self, caption: str, fig: Figure) -> None:
        self.figures.append((caption, png_base64(fig)))

    @property
    def passed(self) -> bool:
        return self.error is None and all(c.passed for c in self.claims)


@dataclass(frozen=True)
class Chapter:
    """A tour chapter: ``order`` sorts chapters, ``run`` does the work."""

    slug: str
    title: str
    order: int
    run: Callable[[], ChapterResult]
    summary: str = ""


def discover_chapters() -> list[Chapter]:
    """All chapters in :mod:`linml.report.chapters`, sorted by ``order``."""
    from linml.report import chapters as pkg

    found = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"linml.report.chapters.{info.name}")
        chapter = getattr(module, "CHAPTER", None)
        if isinstance(chapter, Chapter):
            found.append(chapter)
    return sorted(found, key=lambda c: (c.order, c.slug))


def run_tour(
    chapters: Sequence[Chapter],
    *,
    on_start: Callable[[Chapter], Any] | None = None,
    on_done: Callable[[Chapter, ChapterResult], Any] | None = None,
) -> list[tuple[Chapter, ChapterResult]]:
    """Run each chapter; a chapter that raises is recorded as failed, the tour goes on."""
    results = []
    for chapter in chapters:
        if on_start:
            on_start(chapter)
        start = time.perf_counter()
        try:
            result = chapter.run()
        except Exception as e:  # a broken chapter must not hide the others
            result = ChapterResult(error=f"{type(e).__name__}: {e}")
        result.seconds = time.perf_counter() - start
        results.append((chapter, result))
        if on_done:
            on_done(chapter, result)
    return results


_CSS = """
*,*::before,*::after{box-sizing:border-box}
html{scroll-behavior:smooth}
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;padding:0 1.5em;
color:#222;line-height:1.5;overflow-wrap:break-word}
header{max-width:1400px;margin:0 auto;padding-top:1.2em}
h1{border-bottom:2px solid #444;margin-top:0}h2{margin-top:2.2em;border-bottom:1px solid #ccc}
.layout{display:grid;grid-template-columns:minmax(12rem,16rem) minmax(0,1fr);gap:2.5em;
max-width:1400px;margin:0 auto}
.toc{position:sticky;top:0;align-self:start;max-height:100vh;overflow-y:auto;
padding:1em 0 2em;font-size:.92em}
.toc h2{margin-top:0;font-size:1.1em}.toc ol{margin:0;padding-left:1.6em}
.toc li{margin:.2em 0}
main{min-width:0;max-width:1100px}
main>section:first-child>h2{margin-top:1em}
main>section>p{max-width:75ch}
table{border-collapse:collapse;margin:1em 0;width:100%;table-layout:auto}
td,th{border:1px solid #ccc;padding:.35em .6em;text-align:left;vertical-align:top;
word-break:normal}
td,th{overflow-wrap:anywhere}th{background:#f3f3f3}
.claims th{overflow-wrap:normal;white-space:nowrap}.claims td{min-width:7em}.pass{color:#0a7a2f;font-weight:bold}.fail{color:#b00020;font-weight:bold}
td.pass,td.fail{overflow-wrap:normal;white-space:nowrap}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(420px,100%),1fr));
gap:1em;margin:1em 0}
figure{margin:0;min-width:0}figure.wide{grid-column:1/-1}
figure img,main img{display:block;max-width:100%;height:auto}
figure img{border:1px solid #ddd;margin:0 auto}
figcaption{font-size:.9em;color:#555;margin-top:.3em}
pre{max-width:100%;overflow-x:auto}
.meta{color:#666;font-size:.9em}
.chapter-foot{max-width:none;display:flex;justify-content:space-between;gap:1em;flex-wrap:wrap}
.top-link{white-space:nowrap}
@media (max-width:900px){
.layout{display:block}
.toc{position:static;max-height:none;overflow:visible;padding:0 0 1em;
border-bottom:1px solid #ccc}
}
"""


def _png_size(data: str) -> tuple[int, int] | None:
    """Width and height of a base64 PNG, read from its IHDR chunk; ``None`` if not a PNG."""
    import base64
    import binascii

    try:
        head = base64.b64decode(data[:32])
    except (binascii.Error, ValueError):
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def render_html(results: Sequence[tuple[Chapter, ChapterResult]], out_dir: str | Path) -> Path:
    """Write ``out_dir/index.html`` (self-contained: figures embedded) and return its path.

    The page lays chapters out beside a table of contents that stays in view on wide
    screens (a plain list at the top on narrow ones); figures sit in a responsive grid,
    each chapter ends with its run time and a link back to the top.
    """
    from linml import __version__
    from linml.io import atomic_write

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    esc = html.escape
    n_claims = sum(len(r.claims) for _, r in results)
    n_pass = sum(c.passed for _, r in results for c in r.claims)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>linml tour</title>",
        f"<style>{_CSS}</style></head><body>",
        "<header id='top'>",
        "<h1>linml tour — machine learning as linear algebra</h1>",
        f"<p class='meta'>linml {esc(__version__)} · {len(results)} chapters · "
        f"{n_pass}/{n_claims} claims reproduced · generated {time.strftime('%Y-%m-%d %H:%M')}</p>",
        "</header>",
        "<div class='layout'>",
        "<nav class='toc' aria-label='chapters'><h2>Chapters</h2><ol>",
    ]
    for chapter, result in results:
        mark = "pass" if result.passed else "fail"
        word = "all claims reproduced" if result.passed else "not all claims reproduced"
        parts.append(
            f"<li><a href='#{esc(chapter.slug)}'>{esc(chapter.title)}</a> "
            f"<span class='{mark}' title='{word}'>{'✓' if result.passed else '✗'}</span></li>"
        )
    parts.append("</ol></nav>")
    parts.append("<main>")
    for chapter, result in results:
        parts.append(f"<section id='{esc(chapter.slug)}'><h2>{esc(chapter.title)}</h2>")
        if chapter.summary:
            parts.append(f"<p>{esc(chapter.summary)}</p>")
        if result.error:
            parts.append(f"<p class='fail'>This chapter failed: {esc(result.error)}</p>")
        if result.text:
            parts.append(result.text)
        if result.claims:
            parts.append(
                "<table class='claims'><tr><th>claim</th><th>measured</th><th>expected</th><th>verdict</th></tr>"
            )
            for c in result.claims:
                cls, word = ("pass", "reproduced") if c.passed else ("fail", "not reproduced")
                parts.append(
                    f"<tr><td>{esc(c.claim)}</td><td>{esc(c.measured)}</td><td>{esc(c.expected)}</td>"
                    f"<td class='{cls}'>{word}</td></tr>"
                )
            parts.append("</table>")
        if result.figures:
            parts.append("<div class='figures'>")
            for caption, data in result.figures:
                size = _png_size(data)
                wide = size is not None and size[0] > 2 * size[1]  # a row of panels: full row
                dims = f" width='{size[0]}' height='{size[1]}'" if size else ""
                cls = " class='wide'" if wide else ""
                parts.append(
                    f"<figure{cls}><img alt='{esc(caption)}'{dims} "
                    f"src='data:image/png;base64,{data}'>"
                    f"<figcaption>{esc(caption)}</figcaption></figure>"
                )
            parts.append("</div>")
        parts.append(
            f"<p class='meta chapter-foot'><span>chapter ran in {result.seconds:.2f} s</span>"
            "<a class='top-link' href='#top'>↑ back to top</a></p></section>"
        )
    parts.append("</main></div></body></html>")
    path = out / "index.html"
    with atomic_write(path, "w") as handle:
        handle.write("\n".join(parts))
    return path
