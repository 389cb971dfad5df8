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
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.5}
h1{border-bottom:2px solid #444}h2{margin-top:2.2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:1em 0;width:100%}td,th{border:1px solid #ccc;padding:.35em .6em;
text-align:left;vertical-align:top}th{background:#f3f3f3}.pass{color:#0a7a2f;font-weight:bold}
.fail{color:#b00020;font-weight:bold}figure{display:inline-block;margin:.5em;max-width:100%}
figure img{max-width:100%;border:1px solid #ddd}figcaption{font-size:.9em;color:#555}
nav li{margin:.15em 0}.meta{color:#666;font-size:.9em}
"""


def render_html(results: Sequence[tuple[Chapter, ChapterResult]], out_dir: str | Path) -> Path:
    """Write ``out_dir/index.html`` (self-contained: figures embedded) and return its path."""
    from linml import __version__
    from linml.io import atomic_write

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    esc = html.escape
    n_claims = sum(len(r.claims) for _, r in results)
    n_pass = sum(c.passed for _, r in results for c in r.claims)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>linml tour</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>linml tour — machine learning as linear algebra</h1>",
        f"<p class='meta'>linml {esc(__version__)} · {len(results)} chapters · "
        f"{n_pass}/{n_claims} claims reproduced · generated {time.strftime('%Y-%m-%d %H:%M')}</p>",
        "<nav><ol>",
    ]
    for chapter, result in results:
        mark = "pass" if result.passed else "fail"
        parts.append(
            f"<li><a href='#{esc(chapter.slug)}'>{esc(chapter.title)}</a> "
            f"<span class='{mark}'>{'✓' if result.passed else '✗'}</span></li>"
        )
    parts.append("</ol></nav>")
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
                "<table><tr><th>claim</th><th>measured</th><th>expected</th><th>verdict</th></tr>"
            )
            for c in result.claims:
                cls, word = ("pass", "reproduced") if c.passed else ("fail", "not reproduced")
                parts.append(
                    f"<tr><td>{esc(c.claim)}</td><td>{esc(c.measured)}</td><td>{esc(c.expected)}</td>"
                    f"<td class='{cls}'>{word}</td></tr>"
                )
            parts.append("</table>")
        for caption, data in result.figures:
            parts.append(
                f"<figure><img alt='{esc(caption)}' src='data:image/png;base64,{data}'>"
                f"<figcaption>{esc(caption)}</figcaption></figure>"
            )
        parts.append(f"<p class='meta'>{result.seconds:.2f} s</p></section>")
    parts.append("</body></html>")
    path = out / "index.html"
    with atomic_write(path, "w") as handle:
        handle.write("\n".join(parts))
    return path
